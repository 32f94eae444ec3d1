//! Seeded, reproducible train / validation / test index plans.
//!
//! A plan lists item indices (into the source files' order) for each part,
//! each list sorted ascending, so readers can stream items in file order and
//! drop each into its part. The same seed always gives the same plan.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// The three parts of a split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// Training part.
    Train,
    /// Validation hold-out.
    Val,
    /// Test part.
    Test,
}

impl Part {
    /// All parts in order.
    pub const ALL: [Part; 3] = [Part::Train, Part::Val, Part::Test];

    /// `"train"`, `"val"` or `"test"`.
    pub fn name(self) -> &'static str {
        match self {
            Part::Train => "train",
            Part::Val => "val",
            Part::Test => "test",
        }
    }
}

/// Which source items go to which part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SplitIndices {
    /// Number of items in the pool the parts are drawn from.
    pub n: usize,
    /// Training items, ascending.
    pub train: Vec<usize>,
    /// Validation items, ascending.
    pub val: Vec<usize>,
    /// Test items, ascending. When `separate_test` is set they index a
    /// separate test file (`0..test.len()`), not the pool.
    pub test: Vec<usize>,
    /// True when the test part comes from its own file (MNIST, NORB).
    pub separate_test: bool,
}

impl SplitIndices {
    /// The index list of `part`.
    pub fn part(&self, part: Part) -> &[usize] {
        match part {
            Part::Train => &self.train,
            Part::Val => &self.val,
            Part::Test => &self.test,
        }
    }

    /// Checks that the parts are sorted, disjoint, inside the pool and that
    /// together they cover it exactly (a separate test part must be
    /// `0..test.len()`). Returns what is wrong otherwise.
    pub fn check(&self) -> std::result::Result<(), String> {
        let mut seen = vec![false; self.n];
        let pooled: &[Part] = if self.separate_test { &[Part::Train, Part::Val] } else { &Part::ALL };
        for &part in pooled {
            let idx = self.part(part);
            if idx.windows(2).any(|w| w[0] >= w[1]) {
                return Err(format!("{} indices are not strictly ascending", part.name()));
            }
            for &i in idx {
                if i >= self.n {
                    return Err(format!("{} index {i} outside the pool 0..{}", part.name(), self.n));
                }
                if std::mem::replace(&mut seen[i], true) {
                    return Err(format!("index {i} is in two parts ({} and another)", part.name()));
                }
            }
        }
        if let Some(i) = seen.iter().position(|&s| !s) {
            return Err(format!("item {i} is in no part"));
        }
        if self.separate_test && self.test.iter().enumerate().any(|(k, &i)| k != i) {
            return Err("the separate test part is not 0..n_test in order".into());
        }
        Ok(())
    }

    /// For each pool item, the part it goes to (`None`: dropped).
    pub fn assignment(&self) -> Vec<Option<Part>> {
        let mut a = vec![None; self.n];
        let pooled: &[Part] = if self.separate_test { &[Part::Train, Part::Val] } else { &Part::ALL };
        for &part in pooled {
            for &i in self.part(part) {
                if let Some(slot) = a.get_mut(i) {
                    *slot = Some(part);
                }
            }
        }
        a
    }
}

/// Holds out `k` of `n` items at random (seeded): returns `(rest, held_out)`,
/// both ascending.
pub fn holdout(n: usize, k: usize, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut idx: Vec<usize> = (0..n).collect();
    idx.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let k = k.min(n);
    let mut held = idx[..k].to_vec();
    let mut rest = idx[k..].to_vec();
    held.sort_unstable();
    rest.sort_unstable();
    (rest, held)
}

/// The `(train, val, test)` counts of a group of `n` items with the given
/// fractions (each rounded to the nearest integer).
pub fn fraction_counts(n: usize, val_fraction: f64, test_fraction: f64) -> (usize, usize, usize) {
    let n_val = (n as f64 * val_fraction).round() as usize;
    let n_test = (n as f64 * test_fraction).round() as usize;
    (n.saturating_sub(n_val + n_test), n_val, n_test)
}

/// Splits each of `n_groups` consecutive groups of `group_size` items
/// (item `g * group_size + i`) at random into train / val / test with the
/// given fractions, the same counts in every group. One seeded generator
/// shuffles the groups in order.
pub fn within_groups(
    n_groups: usize,
    group_size: usize,
    val_fraction: f64,
    test_fraction: f64,
    seed: u64,
) -> SplitIndices {
    let (_, n_val, n_test) = fraction_counts(group_size, val_fraction, test_fraction);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut train, mut val, mut test) = (Vec::new(), Vec::new(), Vec::new());
    let mut order: Vec<usize> = (0..group_size).collect();
    for g in 0..n_groups {
        order.sort_unstable();
        order.shuffle(&mut rng);
        let base = g * group_size;
        val.extend(order[..n_val].iter().map(|&i| base + i));
        test.extend(order[n_val..n_val + n_test].iter().map(|&i| base + i));
        train.extend(order[n_val + n_test..].iter().map(|&i| base + i));
    }
    train.sort_unstable();
    val.sort_unstable();
    test.sort_unstable();
    SplitIndices { n: n_groups * group_size, train, val, test, separate_test: false }
}

/// Checks split fractions: each in `[0, 1)` and leaving at least one training
/// item in a group of `group_size`.
pub(crate) fn check_fractions(
    dataset: &str,
    group_size: usize,
    val_fraction: f64,
    test_fraction: f64,
) -> crate::Result<()> {
    let ok = |f: f64| f.is_finite() && (0.0..1.0).contains(&f);
    if !ok(val_fraction) || !ok(test_fraction) {
        return Err(crate::DataError::options(
            dataset,
            format!("fractions must lie in [0, 1), got val {val_fraction}, test {test_fraction}"),
        ));
    }
    let (n_train, n_val, n_test) = fraction_counts(group_size, val_fraction, test_fraction);
    if n_train == 0 || n_val + n_test >= group_size {
        return Err(crate::DataError::options(
            dataset,
            format!(
                "val {val_fraction} + test {test_fraction} of {group_size} items \
                 ({n_val} + {n_test}) leave no training item"
            ),
        ));
    }
    Ok(())
}
