//! Probes of each nuisance factor (pose, colour, ...) from a code: how much
//! of each factor S or Z carries.

use std::fmt;

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};
use tsd_data::Factor;

use crate::codes::{check_split, LabelledCodes};
use crate::error::{MetricsError, Result};
use crate::logistic::LogisticProbeParams;
use crate::probe::Probe;
use crate::scores::{BootstrapOptions, ProbeScores};

/// The linear probe's scores for one nuisance factor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NuisanceScores {
    /// Factor name, e.g. `"azimuth"`.
    pub name: String,
    /// Number of values the factor can take.
    pub cardinality: usize,
    /// Scores of the probe that predicts the factor from the code.
    pub scores: ProbeScores,
}

impl fmt::Display for NuisanceScores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} values): {}", self.name, self.cardinality, self.scores)
    }
}

/// Fits the logistic probe of each train factor on `train_codes` and scores
/// it on `test_codes` with the test factor of the same name.
///
/// Errors (wrapped in [`MetricsError::Factor`] with the factor's name) when a
/// factor is missing from the test factors, has the wrong length, takes one
/// value only in train, or has a test value unseen in train.
pub fn probe_nuisances(
    train_codes: ArrayView2<f32>,
    train_factors: &[Factor],
    test_codes: ArrayView2<f32>,
    test_factors: &[Factor],
    params: &LogisticProbeParams,
    bootstrap: &BootstrapOptions,
) -> Result<Vec<NuisanceScores>> {
    train_factors
        .iter()
        .map(|factor| {
            let wrap = |e: MetricsError| MetricsError::Factor { name: factor.name.clone(), source: Box::new(e) };
            let test_factor = test_factors
                .iter()
                .find(|f| f.name == factor.name)
                .ok_or_else(|| MetricsError::MissingFactor { name: factor.name.clone() })?;
            let train = LabelledCodes::new(train_codes.to_owned(), factor.values.clone()).map_err(wrap)?;
            let test = LabelledCodes::new(test_codes.to_owned(), test_factor.values.clone()).map_err(wrap)?;
            check_split(&train, &test).map_err(wrap)?;
            let probe = params.fit(&train).map_err(wrap)?;
            let scores = probe.score(&test, bootstrap).map_err(wrap)?;
            Ok(NuisanceScores { name: factor.name.clone(), cardinality: factor.cardinality, scores })
        })
        .collect()
}
