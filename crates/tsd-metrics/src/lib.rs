//! Leakage metrics for tsd: how much does a code carry about a label?
//!
//! Codes S should carry the label entirely, codes Z not at all. A model's own
//! adversary is easily fooled, so the honest measurement is a *fresh* probe
//! fitted afterwards on train codes and scored on held-out test codes
//! (REFERENCE §3). This crate provides:
//!
//! - [`LabelledCodes`] and readers for CSV and `.npy` codes ([`codes`]);
//! - probes that follow linfa's params -> checked -> fit pattern: the linear
//!   [`LogisticProbe`] (linfa-logistic, matched to scikit-learn's
//!   `LogisticRegression()`), the [`KnnProbe`], the [`ForestProbe`] (linfa-ensemble), and, behind the `mlp`
//!   feature, the MLP probe of Jha et al. (`mlp::MlpProbe`, libtorch);
//! - [`ProbeScores`] (accuracy with a bootstrap CI, balanced accuracy, macro
//!   F1, chance, leakage) and [`SeedSummary`] across seeds;
//! - per-dimension [`mutual_information`] (where in Z the label hides);
//! - per-class two-sample MMD permutation tests ([`class_independence`]);
//! - [`regression`]: how much of a continuous target a code holds (ridge R²);
//! - nuisance-factor probes of any family ([`probe_nuisances`]);
//! - [`probe_codes`], which runs all of it into a [`LeakageReport`] that
//!   prints as a table, writes CSV/JSON and renders in a notebook, and
//!   [`RunsReport`], the mean ± std of several runs' reports (seeds).
//!
//! Which probes run is data: [`ProbeOptions`] holds a list of label probes
//! and a list of nuisance probes, each a [`ProbeConfig`] (an enum tagged by
//! `family` in JSON and TOML, one variant per [`ProbeFamily`]). Every fitted
//! probe is used through the [`Probe`] trait.
//!
//! # Adding a probe
//!
//! A new probe touches two places. (1) Its module, `src/<name>.rs` (declared
//! and re-exported here): a serde params type whose `fit(&LabelledCodes)`
//! returns the fitted probe, and that fitted type implementing [`Probe`]
//! (`predict`, `train_class_counts`, `dim`; scoring comes with the trait).
//! (2) Its variant in `src/probe.rs`: a [`ProbeConfig`] variant holding the
//! params, and the [`ProbeFamily`] variant it reports as (whose lower-case
//! name appears in CSV and JSON), with their arms in [`ProbeConfig::family`],
//! [`ProbeConfig::fit`] and [`ProbeFamily::name`] (the compiler points at each).
//! Nothing else changes: [`probe_codes`], [`probe_nuisances`], the reports and
//! the options' serde format all go through [`ProbeConfig`].
//!
//! The linear path never links libtorch.
//!
//! ```
//! use ndarray::Array2;
//! use tsd_metrics::{probe_codes, KnnProbeParams, LabelledCodes, ProbeConfig, ProbeFamily, ProbeOptions};
//!
//! // Dimension 0 carries the label, dimension 1 is noise-free filler.
//! let codes = |n: usize| {
//!     let y: Vec<usize> = (0..n).map(|i| i % 3).collect();
//!     let x = Array2::from_shape_fn((n, 2), |(i, j)| {
//!         if j == 0 { y[i] as f32 + 0.1 * ((i * 7) % 5) as f32 } else { (i % 4) as f32 }
//!     });
//!     LabelledCodes::new(x, y)
//! };
//! let (train, test) = (codes(300)?, codes(90)?);
//! let report = probe_codes(&train, &test, &ProbeOptions::default())?;
//! let linear = report.scores(ProbeFamily::Logistic).unwrap();
//! assert!(linear.accuracy > 0.99 && linear.leakage > 0.98);
//! assert_eq!(report.mutual_info.as_ref().unwrap().most_informative().unwrap().dim, 0);
//! println!("{report}");
//!
//! // k-NN only, with 15 neighbours, and no mutual information.
//! let options = ProbeOptions::default()
//!     .without(ProbeFamily::Logistic)
//!     .with_probe(ProbeConfig::Knn(KnnProbeParams::new().k(15)))
//!     .mutual_info(None);
//! let report = probe_codes(&train, &test, &options)?;
//! assert_eq!(report.probes.len(), 1);
//! assert!(report.scores(ProbeFamily::Knn).unwrap().accuracy > 0.99);
//! # Ok::<(), tsd_metrics::MetricsError>(())
//! ```

pub mod codes;
pub mod error;
pub mod forest;
pub mod independence;
pub mod knn;
pub mod logistic;
#[cfg(feature = "mlp")]
pub mod mlp;
pub mod mutual_info;
pub mod npy_header;
pub mod nuisance;
pub mod probe;
pub mod regression;
pub mod report;
pub mod runs;
pub mod scores;
pub mod standardize;

pub use codes::{
    check_split, load_csv_split, load_npy_split, read_csv_codes, read_npy_codes, CodeSplit, LabelMap, LabelledCodes,
    RawCodes,
};
pub use error::{MetricsError, Result};
pub use forest::{ForestProbe, ForestProbeParams, ForestProbeValidParams};
pub use independence::{class_independence, ClassTest, IndependenceOptions, IndependenceTest};
pub use knn::{KnnProbe, KnnProbeParams, KnnProbeValidParams};
pub use linfa::ParamGuard;
pub use logistic::{LogisticProbe, LogisticProbeParams, LogisticProbeValidParams};
#[cfg(feature = "mlp")]
pub use mlp::{MlpProbe, MlpProbeParams, MlpProbeValidParams, WideMlpProbeParams};
pub use mutual_info::{mutual_information, DimensionMi, MiOptions, MutualInfo};
pub use nuisance::{probe_nuisances, NuisanceScores};
pub use probe::{Probe, ProbeConfig, ProbeFamily};
pub use report::{probe_codes, LeakageReport, ProbeOptions, ProbeResult};
pub use runs::{ProbeSummary, RunsReport};
pub use scores::{BootstrapOptions, MeanStd, ProbeScores, SeedSummary};
pub use standardize::Standardizer;
