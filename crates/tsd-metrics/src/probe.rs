//! What every fitted probe offers, and the probe families.

use std::fmt;

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::codes::{check_test_labels, LabelledCodes};
use crate::error::{MetricsError, Result};
use crate::scores::{BootstrapOptions, ProbeScores};

/// The kinds of probe this crate fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeFamily {
    /// Multinomial logistic regression ([`crate::LogisticProbe`]).
    Logistic,
    /// k-nearest neighbours ([`crate::KnnProbe`]).
    Knn,
    /// Two-hidden-layer MLP (`MlpProbe`, feature `mlp`).
    Mlp,
}

impl ProbeFamily {
    /// Lower-case name, as in CSV and JSON.
    pub fn name(self) -> &'static str {
        match self {
            ProbeFamily::Logistic => "logistic",
            ProbeFamily::Knn => "knn",
            ProbeFamily::Mlp => "mlp",
        }
    }
}

impl fmt::Display for ProbeFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// A probe fitted on train codes.
pub trait Probe {
    /// Predicted class index for each row of `x` (`(N, D)`, `D` as in train).
    fn predict(&self, x: ArrayView2<f32>) -> Result<Vec<usize>>;

    /// The train labels' class count per class index (zero for a class
    /// absent from train).
    fn train_class_counts(&self) -> &[usize];

    /// Code width the probe was fitted on.
    fn dim(&self) -> usize;

    /// Scores on held-out codes. Errors when a test label was never seen in
    /// train or the widths differ.
    fn score(&self, test: &LabelledCodes, bootstrap: &BootstrapOptions) -> Result<ProbeScores> {
        test.validate()?;
        if test.dim() != self.dim() {
            return Err(MetricsError::DimensionMismatch { train: self.dim(), test: test.dim() });
        }
        let counts = self.train_class_counts();
        let train_like: Vec<usize> = (0..counts.len()).filter(|&c| counts[c] > 0).collect();
        check_test_labels(&train_like, &test.y)?;
        let predicted = self.predict(test.x.view())?;
        ProbeScores::from_predictions(&test.y, &predicted, counts.iter().sum(), train_like.len(), bootstrap)
    }
}
