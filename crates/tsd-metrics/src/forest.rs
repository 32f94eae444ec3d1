//! A random-forest probe (linfa-ensemble's bagged linfa-trees decision
//! trees, majority vote): a nonlinear probe of another kind than the MLPs,
//! axis-aligned splits that find a label hidden in a few coordinates of a
//! code or in thresholds a smooth network misses.
//!
//! Each tree sees a bootstrap sample of the train codes and a random subset
//! of the code's dimensions (linfa-ensemble draws the subset per tree, not
//! per split); trees are grown to a maximum depth with Gini splits. Seeded:
//! the same seed gives the same forest.

use linfa::prelude::{Fit, Predict};
use linfa::{DatasetBase, ParamGuard};
use linfa_ensemble::{EnsembleLearner, EnsembleLearnerParams};
use linfa_trees::{DecisionTree, SplitQuality};
use ndarray::{Array1, Array2, ArrayView2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::codes::{check_train_labels, class_counts, LabelledCodes};
use crate::error::{MetricsError, Result};
use crate::probe::Probe;

/// Checked hyper-parameters of [`ForestProbe`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ForestProbeValidParams {
    trees: usize,
    max_depth: usize,
    sample_fraction: f64,
    feature_fraction: f64,
    seed: u64,
}

impl Default for ForestProbeValidParams {
    fn default() -> Self {
        ForestProbeValidParams { trees: 50, max_depth: 14, sample_fraction: 0.5, feature_fraction: 0.7, seed: 0 }
    }
}

impl ForestProbeValidParams {
    /// Number of trees.
    pub fn trees(&self) -> usize {
        self.trees
    }

    /// Deepest level of a tree.
    pub fn max_depth(&self) -> usize {
        self.max_depth
    }

    /// Share of the train codes each tree is fitted on (drawn with replacement).
    pub fn sample_fraction(&self) -> f64 {
        self.sample_fraction
    }

    /// Share of the code's dimensions each tree sees.
    pub fn feature_fraction(&self) -> f64 {
        self.feature_fraction
    }

    /// Seed of the bootstrap samples and dimension subsets.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Fits the forest on `train` (at least two classes).
    pub fn fit(&self, train: &LabelledCodes) -> Result<ForestProbe> {
        train.validate()?;
        check_train_labels(&train.y)?;
        let x: Array2<f64> = train.x.mapv(f64::from);
        let dataset = DatasetBase::new(x, Array1::from(train.y.clone()));
        let tree = DecisionTree::params().split_quality(SplitQuality::Gini).max_depth(Some(self.max_depth));
        let forest = EnsembleLearnerParams::new_fixed_rng(tree, ChaCha8Rng::seed_from_u64(self.seed))
            .ensemble_size(self.trees)
            .bootstrap_proportion(self.sample_fraction)
            .feature_proportion(self.feature_fraction)
            .fit(&dataset)
            .map_err(|e| MetricsError::InvalidParameter { name: "forest", reason: e.to_string() })?;
        Ok(ForestProbe { forest, dim: train.dim(), class_counts: class_counts(&train.y) })
    }
}

/// Unchecked hyper-parameters of [`ForestProbe`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ForestProbeParams(ForestProbeValidParams);

impl ForestProbeParams {
    /// The defaults: 50 trees of depth at most 14, each on half the codes
    /// (bootstrap) and 70% of the dimensions.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of trees; default 50.
    pub fn trees(mut self, trees: usize) -> Self {
        self.0.trees = trees;
        self
    }

    /// Deepest level of a tree; default 14.
    pub fn max_depth(mut self, depth: usize) -> Self {
        self.0.max_depth = depth;
        self
    }

    /// Share of the train codes each tree is fitted on; default 0.5.
    pub fn sample_fraction(mut self, fraction: f64) -> Self {
        self.0.sample_fraction = fraction;
        self
    }

    /// Share of the dimensions each tree sees; default 0.7.
    pub fn feature_fraction(mut self, fraction: f64) -> Self {
        self.0.feature_fraction = fraction;
        self
    }

    /// Seed; default 0.
    pub fn seed(mut self, seed: u64) -> Self {
        self.0.seed = seed;
        self
    }

    /// Checks the parameters, then fits on `train`.
    pub fn fit(&self, train: &LabelledCodes) -> Result<ForestProbe> {
        self.check_ref()?.fit(train)
    }
}

impl ParamGuard for ForestProbeParams {
    type Checked = ForestProbeValidParams;
    type Error = MetricsError;

    fn check_ref(&self) -> Result<&Self::Checked> {
        let p = &self.0;
        for (name, value) in [("trees", p.trees), ("max_depth", p.max_depth)] {
            if value == 0 {
                return Err(MetricsError::InvalidParameter { name, reason: "must be at least 1".into() });
            }
        }
        for (name, value) in [("sample_fraction", p.sample_fraction), ("feature_fraction", p.feature_fraction)] {
            if !(value > 0.0 && value <= 1.0) {
                return Err(MetricsError::InvalidParameter {
                    name,
                    reason: format!("must lie in (0, 1], got {value}"),
                });
            }
        }
        Ok(p)
    }

    fn check(self) -> Result<Self::Checked> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// A fitted random-forest probe.
pub struct ForestProbe {
    forest: EnsembleLearner<DecisionTree<f64, usize>>,
    dim: usize,
    class_counts: Vec<usize>,
}

impl std::fmt::Debug for ForestProbe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForestProbe").field("trees", &self.forest.models.len()).field("dim", &self.dim).finish()
    }
}

impl ForestProbe {
    /// Default hyper-parameters, to adjust and then `fit`.
    pub fn params() -> ForestProbeParams {
        ForestProbeParams::new()
    }
}

impl Probe for ForestProbe {
    fn predict(&self, x: ArrayView2<f32>) -> Result<Vec<usize>> {
        if x.ncols() != self.dim {
            return Err(MetricsError::DimensionMismatch { train: self.dim, test: x.ncols() });
        }
        let predicted: Array1<usize> = self.forest.predict(&x.mapv(f64::from));
        Ok(predicted.to_vec())
    }

    fn train_class_counts(&self) -> &[usize] {
        &self.class_counts
    }

    fn dim(&self) -> usize {
        self.dim
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    /// The label is whether coordinate 1 lies in a band: no line separates it.
    fn banded(n: usize, seed: u64) -> LabelledCodes {
        use rand::Rng;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let x = Array2::from_shape_fn((n, 3), |_| rng.gen_range(-1.0f32..1.0));
        let y = x.rows().into_iter().map(|r| usize::from(r[1].abs() < 0.4)).collect();
        LabelledCodes::new(x, y).unwrap()
    }

    #[test]
    fn reads_a_label_no_line_separates_and_is_seeded() {
        let (train, test) = (banded(1500, 1), banded(500, 2));
        let probe = ForestProbe::params().trees(15).fit(&train).unwrap();
        let scores = probe.score(&test, &Default::default()).unwrap();
        assert!(scores.accuracy > 0.95, "forest on a band: {}", scores.accuracy);
        let again = ForestProbe::params().trees(15).fit(&train).unwrap();
        assert_eq!(probe.predict(test.x.view()).unwrap(), again.predict(test.x.view()).unwrap());
    }

    #[test]
    fn bad_parameters_and_widths_are_errors() {
        let train = banded(100, 3);
        assert!(ForestProbe::params().trees(0).fit(&train).is_err());
        assert!(ForestProbe::params().sample_fraction(1.5).fit(&train).is_err());
        let probe = ForestProbe::params().trees(2).fit(&train).unwrap();
        assert!(matches!(
            probe.predict(Array2::<f32>::zeros((2, 5)).view()),
            Err(MetricsError::DimensionMismatch { .. })
        ));
    }
}
