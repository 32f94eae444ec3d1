//! The probes: their families, their configurations ([`ProbeConfig`], the one
//! place that maps a configuration to its fitting code) and what every fitted
//! probe offers ([`Probe`]).

use std::fmt;

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::codes::{check_test_labels, LabelledCodes};
use crate::error::{MetricsError, Result};
use crate::forest::ForestProbeParams;
use crate::knn::KnnProbeParams;
use crate::logistic::LogisticProbeParams;
use crate::scores::{BootstrapOptions, ProbeScores};

/// The kinds of probe this crate fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeFamily {
    /// Multinomial logistic regression ([`crate::LogisticProbe`]).
    Logistic,
    /// k-nearest neighbours ([`crate::KnnProbe`]).
    Knn,
    /// Random forest ([`crate::ForestProbe`]).
    Forest,
    /// Two-hidden-layer MLP (`MlpProbe`, feature `mlp`).
    Mlp,
    /// The wider, deeper MLP of the audit's suite (`MlpProbeParams::wide`, feature `mlp`).
    #[serde(rename = "mlp-wide")]
    WideMlp,
}

impl ProbeFamily {
    /// Lower-case name, as in CSV and JSON.
    pub fn name(self) -> &'static str {
        match self {
            ProbeFamily::Logistic => "logistic",
            ProbeFamily::Knn => "knn",
            ProbeFamily::Forest => "forest",
            ProbeFamily::Mlp => "mlp",
            ProbeFamily::WideMlp => "mlp-wide",
        }
    }
}

impl fmt::Display for ProbeFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// One probe to fit: its family and hyper-parameters.
///
/// Serialised with the family as a tag next to the parameters, e.g. JSON
/// `{"family": "knn", "k": 5}` or a TOML table `family = "logistic"` (absent
/// parameters take their defaults). The `mlp` variant exists with the `mlp`
/// feature only; a build without it refuses `family = "mlp"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "family", rename_all = "lowercase")]
pub enum ProbeConfig {
    /// Multinomial logistic regression ([`crate::LogisticProbe`]).
    Logistic(LogisticProbeParams),
    /// k-nearest neighbours ([`crate::KnnProbe`]).
    Knn(KnnProbeParams),
    /// Random forest ([`crate::ForestProbe`]).
    Forest(ForestProbeParams),
    /// Two-hidden-layer MLP ([`crate::mlp::MlpProbe`]).
    #[cfg(feature = "mlp")]
    Mlp(crate::mlp::MlpProbeParams),
    /// The suite's wide MLP ([`crate::mlp::MlpProbeParams::wide`]; absent fields take its values).
    #[cfg(feature = "mlp")]
    #[serde(rename = "mlp-wide")]
    WideMlp(crate::mlp::WideMlpProbeParams),
}

impl ProbeConfig {
    /// The family of the probe this fits.
    pub fn family(&self) -> ProbeFamily {
        match self {
            ProbeConfig::Logistic(_) => ProbeFamily::Logistic,
            ProbeConfig::Knn(_) => ProbeFamily::Knn,
            ProbeConfig::Forest(_) => ProbeFamily::Forest,
            #[cfg(feature = "mlp")]
            ProbeConfig::Mlp(_) => ProbeFamily::Mlp,
            #[cfg(feature = "mlp")]
            ProbeConfig::WideMlp(_) => ProbeFamily::WideMlp,
        }
    }

    /// Checks the parameters, then fits the probe on `train`.
    pub fn fit(&self, train: &LabelledCodes) -> Result<Box<dyn Probe>> {
        Ok(match self {
            ProbeConfig::Logistic(params) => Box::new(params.fit(train)?),
            ProbeConfig::Knn(params) => Box::new(params.fit(train)?),
            ProbeConfig::Forest(params) => Box::new(params.fit(train)?),
            #[cfg(feature = "mlp")]
            ProbeConfig::Mlp(params) => Box::new(params.fit(train)?),
            #[cfg(feature = "mlp")]
            ProbeConfig::WideMlp(params) => Box::new(params.0.fit(train)?),
        })
    }
}

/// Errors when two configurations of `probes` share a family: reports and
/// their files tell probes apart by family only.
pub(crate) fn check_distinct_families(probes: &[ProbeConfig], name: &'static str) -> Result<()> {
    for (i, p) in probes.iter().enumerate() {
        if let Some(j) = probes[..i].iter().position(|q| q.family() == p.family()) {
            return Err(MetricsError::InvalidParameter {
                name,
                reason: format!("probes {j} and {i} are both {}; give each family once", p.family()),
            });
        }
    }
    Ok(())
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
