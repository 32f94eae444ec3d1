//! A k-nearest-neighbour probe: a cheap nonlinear check that needs no
//! training, on codes standardised with the train statistics.
//!
//! Brute force (Euclidean distances through one matrix product per block of
//! test rows): `O(N_test * N_train * D)`, about a second for 10,000 x 60,000
//! codes of width 16. Majority vote among the `k` nearest, ties going to the
//! smallest class index (as scikit-learn's `KNeighborsClassifier`, uniform
//! weights).

use linfa::ParamGuard;
use ndarray::{s, Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::codes::{check_train_labels, class_counts, LabelledCodes};
use crate::error::{MetricsError, Result};
use crate::probe::Probe;
use crate::standardize::Standardizer;

/// Test rows per block of distances (block memory: rows x N_train f32).
const BLOCK_ROWS: usize = 128;

/// Checked hyper-parameters of [`KnnProbe`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KnnProbeValidParams {
    k: usize,
}

impl Default for KnnProbeValidParams {
    fn default() -> Self {
        KnnProbeValidParams { k: 5 }
    }
}

impl KnnProbeValidParams {
    /// Number of neighbours that vote.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Stores the standardised train codes (at least `k` of them, two classes).
    pub fn fit(&self, train: &LabelledCodes) -> Result<KnnProbe> {
        train.validate()?;
        check_train_labels(&train.y)?;
        if train.len() < self.k {
            return Err(MetricsError::TooFewExamples {
                what: format!("a {}-nearest-neighbour probe", self.k),
                found: train.len(),
                needed: self.k,
            });
        }
        let standardizer = Standardizer::fit(train.x.view())?;
        let x = standardizer.transform_f32(train.x.view())?;
        let norms = x.rows().into_iter().map(|r| r.dot(&r)).collect();
        Ok(KnnProbe { k: self.k, standardizer, x, norms, y: train.y.clone(), class_counts: class_counts(&train.y) })
    }
}

/// Unchecked hyper-parameters of [`KnnProbe`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct KnnProbeParams(KnnProbeValidParams);

impl KnnProbeParams {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of neighbours that vote; default 5 (scikit-learn's default).
    pub fn k(mut self, k: usize) -> Self {
        self.0.k = k;
        self
    }

    /// Checks the parameters, then fits on `train`.
    pub fn fit(&self, train: &LabelledCodes) -> Result<KnnProbe> {
        self.check_ref()?.fit(train)
    }
}

impl ParamGuard for KnnProbeParams {
    type Checked = KnnProbeValidParams;
    type Error = MetricsError;

    fn check_ref(&self) -> Result<&Self::Checked> {
        if self.0.k == 0 {
            return Err(MetricsError::InvalidParameter { name: "k", reason: "must be at least 1".into() });
        }
        Ok(&self.0)
    }

    fn check(self) -> Result<Self::Checked> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// A fitted k-nearest-neighbour probe (it keeps the train codes).
#[derive(Debug, Clone)]
pub struct KnnProbe {
    k: usize,
    standardizer: Standardizer,
    x: Array2<f32>,
    norms: Array1<f32>,
    y: Vec<usize>,
    class_counts: Vec<usize>,
}

impl KnnProbe {
    /// Default hyper-parameters, to adjust and then `fit`.
    pub fn params() -> KnnProbeParams {
        KnnProbeParams::new()
    }

    /// Number of neighbours that vote.
    pub fn k(&self) -> usize {
        self.k
    }
}

impl Probe for KnnProbe {
    fn predict(&self, x: ArrayView2<f32>) -> Result<Vec<usize>> {
        let q = self.standardizer.transform_f32(x)?;
        let mut out = Vec::with_capacity(q.nrows());
        let mut nearest: Vec<(f32, usize)> = Vec::with_capacity(self.k + 1);
        let mut votes = vec![0usize; self.class_counts.len()];
        for start in (0..q.nrows()).step_by(BLOCK_ROWS) {
            let block = q.slice(s![start..(start + BLOCK_ROWS).min(q.nrows()), ..]);
            // |a - b|^2 up to the constant |a|^2 of each query row.
            let mut d = block.dot(&self.x.t());
            d.mapv_inplace(|v| -2.0 * v);
            d += &self.norms.view().insert_axis(Axis(0));
            for row in d.rows() {
                nearest.clear();
                for (i, &dist) in row.iter().enumerate() {
                    if nearest.len() < self.k || dist < nearest[nearest.len() - 1].0 {
                        let at = nearest.partition_point(|&(e, _)| e <= dist);
                        nearest.insert(at, (dist, i));
                        nearest.truncate(self.k);
                    }
                }
                votes.iter_mut().for_each(|v| *v = 0);
                for &(_, i) in &nearest {
                    votes[self.y[i]] += 1;
                }
                let best = votes.iter().copied().max().unwrap_or(0);
                out.push(votes.iter().position(|&v| v == best).unwrap_or(0));
            }
        }
        Ok(out)
    }

    fn train_class_counts(&self) -> &[usize] {
        &self.class_counts
    }

    fn dim(&self) -> usize {
        self.standardizer.dim()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn votes_among_the_nearest_and_breaks_ties_low() {
        let x = array![[0.0f32], [0.1], [0.2], [5.0], [5.1], [5.2]];
        let train = LabelledCodes::new(x, vec![0, 0, 1, 1, 1, 1]).unwrap();
        let probe = KnnProbe::params().k(3).fit(&train).unwrap();
        assert_eq!(probe.predict(array![[0.05f32], [5.0]].view()).unwrap(), vec![0, 1]);
        // k = 2 at 0.15: neighbours 0.1 (class 0) and 0.2 (class 1) tie -> 0.
        let probe = KnnProbe::params().k(2).fit(&train).unwrap();
        assert_eq!(probe.predict(array![[0.15f32]].view()).unwrap(), vec![0]);
    }

    #[test]
    fn needs_k_examples_and_k_at_least_one() {
        let train = LabelledCodes::new(array![[0.0f32], [1.0]], vec![0, 1]).unwrap();
        assert!(matches!(KnnProbe::params().k(3).fit(&train), Err(MetricsError::TooFewExamples { .. })));
        assert!(matches!(KnnProbe::params().k(0).fit(&train), Err(MetricsError::InvalidParameter { .. })));
    }
}
