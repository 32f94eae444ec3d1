//! Scores of a probe on test codes, and their summary across seeds.

use std::fmt;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::codes::majority_rate;
use crate::error::{MetricsError, Result};

/// How the confidence interval of the accuracy is computed: a percentile
/// bootstrap over test examples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BootstrapOptions {
    /// Number of resamples; default 1000. 0 skips the bootstrap (the interval
    /// collapses to the accuracy).
    pub resamples: usize,
    /// Two-sided coverage of the interval; default 0.95.
    pub confidence: f64,
    /// Seed of the resampling (ChaCha8); default 0.
    pub seed: u64,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        BootstrapOptions { resamples: 1000, confidence: 0.95, seed: 0 }
    }
}

impl BootstrapOptions {
    /// Errors when `confidence` is not in (0, 1).
    pub fn check(&self) -> Result<()> {
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(MetricsError::InvalidParameter {
                name: "confidence",
                reason: format!("must lie in (0, 1), got {}", self.confidence),
            });
        }
        Ok(())
    }
}

/// How well a probe predicts the label of held-out test codes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeScores {
    /// Share of test examples predicted right.
    pub accuracy: f64,
    /// Mean per-class recall over the classes present in the test labels
    /// (scikit-learn's `balanced_accuracy_score`).
    pub balanced_accuracy: f64,
    /// Unweighted mean F1 over the classes in the test labels or predictions
    /// (scikit-learn's `f1_score(average="macro")`, 0 for a class never
    /// predicted nor present).
    pub macro_f1: f64,
    /// Share of the most frequent test label: what always guessing it scores.
    pub chance: f64,
    /// `(accuracy - chance) / (1 - chance)` clamped to `[0, 1]`: 0 when the
    /// probe does no better than chance, 1 when it is always right.
    pub leakage: f64,
    /// Lower end of the bootstrap confidence interval of `accuracy`.
    pub ci_low: f64,
    /// Upper end of the bootstrap confidence interval of `accuracy`.
    pub ci_high: f64,
    /// Number of train examples the probe was fitted on.
    pub n_train: usize,
    /// Number of test examples scored.
    pub n_test: usize,
    /// Number of classes in the train labels (what the probe can predict).
    pub n_classes: usize,
}

impl ProbeScores {
    /// Scores of predictions `y_pred` against `y_true`.
    pub fn from_predictions(
        y_true: &[usize],
        y_pred: &[usize],
        n_train: usize,
        n_classes: usize,
        bootstrap: &BootstrapOptions,
    ) -> Result<ProbeScores> {
        bootstrap.check()?;
        if y_true.len() != y_pred.len() {
            return Err(MetricsError::LengthMismatch { rows: y_pred.len(), labels: y_true.len() });
        }
        let n = y_true.len();
        if n == 0 {
            return Err(MetricsError::Empty { what: "no test example to score".into() });
        }
        let correct: Vec<bool> = y_true.iter().zip(y_pred).map(|(t, p)| t == p).collect();
        let accuracy = correct.iter().filter(|&&c| c).count() as f64 / n as f64;
        let chance = majority_rate(y_true);
        let leakage = leakage(accuracy, chance);
        let (ci_low, ci_high) = bootstrap_interval(&correct, bootstrap);
        let (balanced_accuracy, macro_f1) = per_class(y_true, y_pred);
        Ok(ProbeScores {
            accuracy,
            balanced_accuracy,
            macro_f1,
            chance,
            leakage,
            ci_low,
            ci_high,
            n_train,
            n_test: n,
            n_classes,
        })
    }

    /// True when chance lies inside the accuracy's confidence interval: the
    /// probe's success is indistinguishable from guessing the majority class.
    pub fn at_chance(&self) -> bool {
        self.ci_low <= self.chance
    }

    /// One-row HTML table.
    pub fn to_html(&self) -> String {
        format!(
            "<table><tr><th>accuracy</th><th>95% CI</th><th>balanced acc.</th><th>macro F1</th>\
             <th>chance</th><th>leakage</th><th>train / test</th><th>classes</th></tr>\
             <tr><td>{:.4}</td><td>[{:.4}, {:.4}]</td><td>{:.4}</td><td>{:.4}</td><td>{:.4}</td>\
             <td>{:.4}</td><td>{} / {}</td><td>{}</td></tr></table>",
            self.accuracy,
            self.ci_low,
            self.ci_high,
            self.balanced_accuracy,
            self.macro_f1,
            self.chance,
            self.leakage,
            self.n_train,
            self.n_test,
            self.n_classes
        )
    }

    /// Rich display in an evcxr (Rust Jupyter) notebook.
    pub fn evcxr_display(&self) {
        crate::report::print_evcxr_html(&self.to_html());
    }
}

impl fmt::Display for ProbeScores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "accuracy {:.4} [{:.4}, {:.4}], balanced {:.4}, macro-F1 {:.4}, chance {:.4}, leakage {:.4} ({} train, {} test, {} classes)",
            self.accuracy,
            self.ci_low,
            self.ci_high,
            self.balanced_accuracy,
            self.macro_f1,
            self.chance,
            self.leakage,
            self.n_train,
            self.n_test,
            self.n_classes
        )
    }
}

/// `(accuracy - chance) / (1 - chance)` clamped to `[0, 1]`; 0 when chance is 1.
pub fn leakage(accuracy: f64, chance: f64) -> f64 {
    if chance >= 1.0 {
        return 0.0;
    }
    ((accuracy - chance) / (1.0 - chance)).clamp(0.0, 1.0)
}

/// Balanced accuracy and macro F1.
fn per_class(y_true: &[usize], y_pred: &[usize]) -> (f64, f64) {
    let k = y_true.iter().chain(y_pred).max().map_or(0, |&m| m + 1);
    let (mut tp, mut fp, mut fn_) = (vec![0usize; k], vec![0usize; k], vec![0usize; k]);
    for (&t, &p) in y_true.iter().zip(y_pred) {
        if t == p {
            tp[t] += 1;
        } else {
            fp[p] += 1;
            fn_[t] += 1;
        }
    }
    let (mut recall_sum, mut n_true) = (0.0, 0usize);
    let (mut f1_sum, mut n_any) = (0.0, 0usize);
    for c in 0..k {
        let support = tp[c] + fn_[c];
        if support > 0 {
            recall_sum += tp[c] as f64 / support as f64;
            n_true += 1;
        }
        if support + fp[c] > 0 {
            f1_sum += 2.0 * tp[c] as f64 / (2 * tp[c] + fp[c] + fn_[c]) as f64;
            n_any += 1;
        }
    }
    (recall_sum / n_true as f64, f1_sum / n_any as f64)
}

/// Percentile bootstrap interval of the mean of `correct`.
fn bootstrap_interval(correct: &[bool], options: &BootstrapOptions) -> (f64, f64) {
    let n = correct.len();
    let accuracy = correct.iter().filter(|&&c| c).count() as f64 / n as f64;
    if options.resamples == 0 {
        return (accuracy, accuracy);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let mut means: Vec<f64> = (0..options.resamples)
        .map(|_| {
            let hits = (0..n).filter(|_| correct[rng.gen_range(0..n)]).count();
            hits as f64 / n as f64
        })
        .collect();
    means.sort_by(f64::total_cmp);
    let tail = (1.0 - options.confidence) / 2.0;
    (quantile(&means, tail), quantile(&means, 1.0 - tail))
}

/// Quantile of sorted values with linear interpolation (numpy's default).
pub(crate) fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Mean and sample standard deviation of one score across runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanStd {
    /// Mean across runs.
    pub mean: f64,
    /// Sample standard deviation (n - 1 in the denominator; 0 for one run).
    pub std: f64,
}

impl MeanStd {
    /// Mean and sample standard deviation of `values` (non-empty).
    pub fn of(values: &[f64]) -> MeanStd {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let std = if values.len() > 1 {
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            0.0
        };
        MeanStd { mean, std }
    }
}

impl fmt::Display for MeanStd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.4} ± {:.4}", self.mean, self.std)
    }
}

/// Scores of several runs (seeds) of the same probe, as mean ± std.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedSummary {
    /// Number of runs summarised.
    pub runs: usize,
    /// Accuracy across runs.
    pub accuracy: MeanStd,
    /// Balanced accuracy across runs.
    pub balanced_accuracy: MeanStd,
    /// Macro F1 across runs.
    pub macro_f1: MeanStd,
    /// Leakage across runs.
    pub leakage: MeanStd,
    /// Chance rate across runs (constant when the test set is).
    pub chance: MeanStd,
}

impl SeedSummary {
    /// Summary of `runs` (at least one).
    pub fn new(runs: &[ProbeScores]) -> Result<SeedSummary> {
        if runs.is_empty() {
            return Err(MetricsError::Empty { what: "no run to summarise".into() });
        }
        let of = |f: fn(&ProbeScores) -> f64| MeanStd::of(&runs.iter().map(f).collect::<Vec<_>>());
        Ok(SeedSummary {
            runs: runs.len(),
            accuracy: of(|s| s.accuracy),
            balanced_accuracy: of(|s| s.balanced_accuracy),
            macro_f1: of(|s| s.macro_f1),
            leakage: of(|s| s.leakage),
            chance: of(|s| s.chance),
        })
    }
}

impl fmt::Display for SeedSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} runs: accuracy {}, balanced {}, macro-F1 {}, leakage {} (chance {:.4})",
            self.runs, self.accuracy, self.balanced_accuracy, self.macro_f1, self.leakage, self.chance.mean
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(t: &[usize], p: &[usize]) -> ProbeScores {
        ProbeScores::from_predictions(t, p, 10, 3, &BootstrapOptions::default()).unwrap()
    }

    /// Reference values from scikit-learn 1.x:
    /// `accuracy_score`, `balanced_accuracy_score`, `f1_score(average="macro")`
    /// on `y_true=[0,0,0,1,1,2]`, `y_pred=[0,0,1,1,2,2]`.
    #[test]
    fn matches_scikit_learn_on_a_small_case() {
        let s = scores(&[0, 0, 0, 1, 1, 2], &[0, 0, 1, 1, 2, 2]);
        assert!((s.accuracy - 4.0 / 6.0).abs() < 1e-12);
        // recalls 2/3, 1/2, 1 -> 0.72222
        assert!((s.balanced_accuracy - 0.722_222_222_222).abs() < 1e-9);
        // F1s 0.8, 0.5, 0.66667 -> 0.65556
        assert!((s.macro_f1 - 0.655_555_555_556).abs() < 1e-9);
        assert!((s.chance - 0.5).abs() < 1e-12);
        assert!((s.leakage - (4.0 / 6.0 - 0.5) / 0.5).abs() < 1e-12);
        assert!(s.ci_low <= s.accuracy && s.accuracy <= s.ci_high);
    }

    #[test]
    fn majority_guess_has_zero_leakage_and_perfect_has_one() {
        let s = scores(&[0, 0, 0, 1], &[0, 0, 0, 0]);
        assert_eq!(s.leakage, 0.0);
        let s = scores(&[0, 1, 2, 1], &[0, 1, 2, 1]);
        assert_eq!(s.leakage, 1.0);
        assert_eq!((s.ci_low, s.ci_high), (1.0, 1.0));
    }

    #[test]
    fn bootstrap_is_seeded() {
        let t: Vec<usize> = (0..200).map(|i| i % 2).collect();
        let p: Vec<usize> = (0..200).map(|i| (i % 3).min(1)).collect();
        let opts = BootstrapOptions::default();
        let a = ProbeScores::from_predictions(&t, &p, 1, 2, &opts).unwrap();
        let b = ProbeScores::from_predictions(&t, &p, 1, 2, &opts).unwrap();
        assert_eq!(a, b);
        assert!(a.ci_low < a.accuracy && a.accuracy < a.ci_high);
        // Normal approximation: half-width ~ 1.96 * sqrt(p(1-p)/n) ~ 0.069.
        let half = (a.ci_high - a.ci_low) / 2.0;
        assert!((half - 0.069).abs() < 0.015, "half-width {half}");
    }

    #[test]
    fn summary_is_mean_and_sample_std() {
        let mut a = scores(&[0, 1], &[0, 1]);
        let mut b = a.clone();
        a.accuracy = 0.5;
        b.accuracy = 0.7;
        let s = SeedSummary::new(&[a, b]).unwrap();
        assert!((s.accuracy.mean - 0.6).abs() < 1e-12);
        assert!((s.accuracy.std - 0.141_421_356).abs() < 1e-8);
        assert!(SeedSummary::new(&[]).is_err());
    }
}
