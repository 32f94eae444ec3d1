//! Probes of each nuisance factor (pose, colour, ...) from a code: how much
//! of each factor S or Z carries.

use std::fmt;

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};
use tsd_data::Factor;

use crate::codes::{check_split, LabelledCodes};
use crate::error::{MetricsError, Result};
use crate::probe::{check_distinct_families, ProbeConfig, ProbeFamily};
use crate::scores::{BootstrapOptions, ProbeScores};

/// One probe's scores for one nuisance factor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NuisanceScores {
    /// Factor name, e.g. `"azimuth"`.
    pub name: String,
    /// Number of values the factor can take.
    pub cardinality: usize,
    /// Which probe; logistic when absent from a file (files written before
    /// nuisance probes had a family were all logistic).
    #[serde(default = "logistic")]
    pub family: ProbeFamily,
    /// Scores of the probe that predicts the factor from the code.
    pub scores: ProbeScores,
}

impl fmt::Display for NuisanceScores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} values, {}): {}", self.name, self.cardinality, self.family, self.scores)
    }
}

/// The family of nuisance scores read from files that predate the field.
fn logistic() -> ProbeFamily {
    ProbeFamily::Logistic
}

/// Fits each probe of `probes` for each train factor on `train_codes` and
/// scores it on `test_codes` with the test factor of the same name: one entry
/// per factor and probe, factor by factor in the train factors' order, probes
/// in the order given. Empty `probes` give no entries (and check nothing).
///
/// Errors (wrapped in [`MetricsError::Factor`] with the factor's name) when a
/// factor is missing from the test factors, has the wrong length, takes one
/// value only in train, or has a test value unseen in train; and before
/// fitting anything when a family appears twice in `probes`.
pub fn probe_nuisances(
    train_codes: ArrayView2<f32>,
    train_factors: &[Factor],
    test_codes: ArrayView2<f32>,
    test_factors: &[Factor],
    probes: &[ProbeConfig],
    bootstrap: &BootstrapOptions,
) -> Result<Vec<NuisanceScores>> {
    check_distinct_families(probes, "nuisance_probes")?;
    if probes.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::with_capacity(train_factors.len() * probes.len());
    for factor in train_factors {
        let wrap = |e: MetricsError| MetricsError::Factor { name: factor.name.clone(), source: Box::new(e) };
        let test_factor = test_factors
            .iter()
            .find(|f| f.name == factor.name)
            .ok_or_else(|| MetricsError::MissingFactor { name: factor.name.clone() })?;
        let train = LabelledCodes::new(train_codes.to_owned(), factor.values.clone()).map_err(wrap)?;
        let test = LabelledCodes::new(test_codes.to_owned(), test_factor.values.clone()).map_err(wrap)?;
        check_split(&train, &test).map_err(wrap)?;
        for config in probes {
            let scores = config.fit(&train).and_then(|p| p.score(&test, bootstrap)).map_err(wrap)?;
            out.push(NuisanceScores {
                name: factor.name.clone(),
                cardinality: factor.cardinality,
                family: config.family(),
                scores,
            });
        }
    }
    Ok(out)
}
