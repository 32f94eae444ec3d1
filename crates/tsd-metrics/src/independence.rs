//! A two-sample test per class: are the codes of one class distributed as
//! the codes of the other classes? Under independence of code and label
//! they are, for every class. No model is fitted, so it complements the
//! probes: a probe can fail to find a difference a kernel test still sees,
//! and the other way round.
//!
//! For each tested class, up to [`IndependenceOptions::per_class`] codes of
//! the class and as many of the other classes are drawn (seeded); the
//! statistic is the unbiased squared MMD with a sum of inverse multiquadric
//! kernels whose widths are multiples of the pooled sample's mean squared
//! distance (codes standardised first); its p-value comes from
//! [`IndependenceOptions::permutations`] random relabellings of the pooled
//! sample, `(1 + #{permuted >= observed}) / (1 + permutations)`.

use std::fmt;

use ndarray::{Array2, ArrayView2, Axis};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::codes::LabelledCodes;
use crate::error::{MetricsError, Result};
use crate::standardize::Standardizer;

/// Settings of [`class_independence`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IndependenceOptions {
    /// Most codes drawn from the class, and from the other classes, per test.
    pub per_class: usize,
    /// Random relabellings per test.
    pub permutations: usize,
    /// Most classes tested (the most frequent first); the rest are reported as untested.
    pub max_classes: usize,
    /// Kernel widths as multiples of the pooled sample's mean squared distance.
    pub kernel_scales: Vec<f64>,
    /// Seed of the draws and relabellings.
    pub seed: u64,
}

impl Default for IndependenceOptions {
    fn default() -> Self {
        IndependenceOptions {
            per_class: 300,
            permutations: 1000,
            max_classes: 20,
            kernel_scales: vec![0.05, 0.2, 1.0, 5.0],
            seed: 0,
        }
    }
}

/// The test of one class against the others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassTest {
    /// The class.
    pub class: usize,
    /// Codes of the class in the test, and of the other classes.
    pub n: (usize, usize),
    /// Unbiased squared MMD between the two samples.
    pub mmd2: f64,
    /// Permutation p-value.
    pub p_value: f64,
}

/// The per-class tests of one code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndependenceTest {
    /// One test per tested class, most frequent class first.
    pub classes: Vec<ClassTest>,
    /// Classes present but not tested (beyond [`IndependenceOptions::max_classes`]).
    pub untested: usize,
    /// Relabellings per test.
    pub permutations: usize,
    /// The smallest p-value times the number of tests, capped at 1
    /// (Bonferroni): below 0.05, the codes of some class differ from the
    /// others' at the 5% level.
    pub p_value: f64,
}

/// Unbiased MMD^2 of the pooled sample's first `n_a` rows against the rest,
/// given the kernel matrix and the rows' order `order`.
fn mmd2(kernel: &Array2<f64>, order: &[usize], n_a: usize) -> f64 {
    let (a, b) = order.split_at(n_a);
    let mean_within = |rows: &[usize]| {
        let mut sum = 0.0;
        for (i, &r) in rows.iter().enumerate() {
            for &c in &rows[i + 1..] {
                sum += kernel[[r, c]];
            }
        }
        2.0 * sum / (rows.len() * (rows.len() - 1)).max(1) as f64
    };
    let mut cross = 0.0;
    for &r in a {
        for &c in b {
            cross += kernel[[r, c]];
        }
    }
    mean_within(a) + mean_within(b) - 2.0 * cross / (a.len() * b.len()).max(1) as f64
}

/// Sum of inverse multiquadric kernels between the rows of `x`, widths
/// relative to their mean squared distance.
fn kernel_matrix(x: ArrayView2<f64>, scales: &[f64]) -> Array2<f64> {
    let n = x.nrows();
    let norms: Vec<f64> = x.rows().into_iter().map(|r| r.dot(&r)).collect();
    let gram = x.dot(&x.t());
    let dist = Array2::from_shape_fn((n, n), |(i, j)| (norms[i] + norms[j] - 2.0 * gram[[i, j]]).max(0.0));
    let mean = dist.sum() / (n * (n - 1)).max(1) as f64;
    let widths: Vec<f64> = scales.iter().map(|s| s * mean.max(1e-12)).collect();
    dist.mapv(|d| widths.iter().map(|c| c / (c + d)).sum())
}

/// Tests, class by class, whether the codes of `codes` are distributed alike
/// in every class.
pub fn class_independence(codes: &LabelledCodes, options: &IndependenceOptions) -> Result<IndependenceTest> {
    codes.validate()?;
    if options.per_class < 2 || options.permutations == 0 || options.kernel_scales.is_empty() {
        return Err(MetricsError::InvalidParameter {
            name: "independence",
            reason: "needs per_class >= 2, permutations >= 1 and at least one kernel scale".into(),
        });
    }
    let x = Standardizer::fit(codes.x.view())?.transform_f32(codes.x.view())?.mapv(f64::from);
    let counts = codes.class_counts();
    let mut classes: Vec<usize> = (0..counts.len()).filter(|&c| counts[c] >= 2).collect();
    classes.sort_by_key(|&c| (std::cmp::Reverse(counts[c]), c));
    let untested = classes.len().saturating_sub(options.max_classes);
    classes.truncate(options.max_classes);
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let mut tests = Vec::with_capacity(classes.len());
    for class in classes {
        let mut inside: Vec<usize> = (0..codes.len()).filter(|&i| codes.y[i] == class).collect();
        let mut outside: Vec<usize> = (0..codes.len()).filter(|&i| codes.y[i] != class).collect();
        if outside.len() < 2 {
            continue;
        }
        inside.shuffle(&mut rng);
        outside.shuffle(&mut rng);
        inside.truncate(options.per_class);
        outside.truncate(options.per_class);
        let rows: Vec<usize> = inside.iter().chain(&outside).copied().collect();
        let kernel = kernel_matrix(x.select(Axis(0), &rows).view(), &options.kernel_scales);
        let mut order: Vec<usize> = (0..rows.len()).collect();
        let observed = mmd2(&kernel, &order, inside.len());
        let mut at_least = 0usize;
        for _ in 0..options.permutations {
            order.shuffle(&mut rng);
            if mmd2(&kernel, &order, inside.len()) >= observed {
                at_least += 1;
            }
        }
        let p_value = (1 + at_least) as f64 / (1 + options.permutations) as f64;
        tests.push(ClassTest { class, n: (inside.len(), outside.len()), mmd2: observed, p_value });
    }
    let smallest = tests.iter().map(|t| t.p_value).fold(1.0, f64::min);
    Ok(IndependenceTest {
        p_value: (smallest * tests.len() as f64).min(1.0),
        classes: tests,
        untested,
        permutations: options.permutations,
    })
}

impl fmt::Display for IndependenceTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let worst = self.classes.iter().min_by(|a, b| a.p_value.total_cmp(&b.p_value));
        write!(
            f,
            "class-vs-rest MMD permutation tests ({} classes, {} relabellings): Bonferroni p = {:.4}",
            self.classes.len(),
            self.permutations,
            self.p_value
        )?;
        if let Some(w) = worst {
            write!(f, " (smallest: class {}, MMD^2 {:.4}, p {:.4})", w.class, w.mmd2, w.p_value)?;
        }
        if self.untested > 0 {
            write!(f, "; {} classes not tested", self.untested)?;
        }
        writeln!(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    fn codes(n: usize, shift: f32, seed: u64) -> LabelledCodes {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let y: Vec<usize> = (0..n).map(|i| i % 3).collect();
        let x = Array2::from_shape_fn((n, 4), |(i, j)| {
            let noise: f32 = rng.gen_range(-1.7..1.7);
            noise + if j == 0 && y[i] == 1 { shift } else { 0.0 }
        });
        LabelledCodes::new(x, y).unwrap()
    }

    fn options() -> IndependenceOptions {
        IndependenceOptions { per_class: 100, permutations: 100, ..Default::default() }
    }

    #[test]
    fn independent_codes_pass_and_a_shifted_class_fails() {
        let same = class_independence(&codes(600, 0.0, 1), &options()).unwrap();
        assert!(same.p_value > 0.05, "{same}");
        let shifted = class_independence(&codes(600, 1.0, 1), &options()).unwrap();
        assert!(shifted.p_value < 0.05, "{shifted}");
        let worst = shifted.classes.iter().min_by(|a, b| a.p_value.total_cmp(&b.p_value)).unwrap();
        assert_eq!(worst.class, 1);
        assert_eq!(worst.n, (100, 100));
    }

    #[test]
    fn caps_the_classes_and_refuses_empty_settings() {
        let capped =
            class_independence(&codes(300, 0.0, 2), &IndependenceOptions { max_classes: 2, ..options() }).unwrap();
        assert_eq!((capped.classes.len(), capped.untested), (2, 1));
        assert!(class_independence(&codes(30, 0.0, 2), &IndependenceOptions { permutations: 0, ..options() }).is_err());
    }
}
