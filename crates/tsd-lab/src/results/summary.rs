//! The typed results of one dataset: every run's scores keyed by method,
//! code and probe. Tables, CSV, JSON and the README are exporters of it
//! ([`super::export`]); a renamed field is a compile error there, not an
//! empty table cell.

use std::collections::BTreeMap;

use serde::Serialize;
use tsd_core::train::Stopped;
use tsd_core::{reconstruction_mse_mean_z, Code, Disentangler, MethodId, OwnScore, TensorData};
use tsd_data::{Dataset, DatasetKind, Normalization};
use tsd_metrics::{MeanStd, NuisanceScores, ProbeFamily, ProbeScores};

use super::collect::RunRecord;
use crate::pipeline::CodeAudit;

/// A figure of a results page: file name under `figures/` and caption.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    /// File name under `figures/`.
    pub file: String,
    /// What it shows.
    pub caption: String,
}

/// Fresh probes of one code of one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodeResult {
    /// Label probes by family.
    pub label: BTreeMap<ProbeFamily, ProbeScores>,
    /// Nuisance probes, in the order the run measured them.
    pub nuisances: Vec<NuisanceScores>,
    /// Code width.
    pub dim: usize,
}

/// Whole-run figures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RunFigures {
    /// Test reconstruction MSE in the model's input scaling.
    pub reconstruction_mse: f64,
    /// The same in `[0, 1]` pixel units (when the model's normalisation is known).
    pub reconstruction_mse_pixels: Option<f64>,
    /// Test reconstruction MSE in `[0, 1]` pixels with every image's Z
    /// replaced by the test set's mean Z ([`tsd_core::reconstruction_mse_mean_z`]):
    /// the gap to [`RunFigures::reconstruction_mse_pixels`] is what Z carries
    /// of each image. Measured when the results are built and the test data loads.
    pub reconstruction_mse_mean_z_pixels: Option<f64>,
    /// Epochs trained over all phases.
    pub epochs: usize,
    /// How training ended.
    pub stopped: Stopped,
    /// Wall time of training and probing, seconds.
    pub wall_seconds: f64,
    /// Training images.
    pub train_images: usize,
    /// Test images.
    pub test_images: usize,
    /// Fraction of swapped test images a classifier of real images reads as
    /// S's label, and as Z's ([`crate::swap_labels`]), when measured.
    pub swaps_follow: Option<(f64, f64)>,
}

/// One run of one method and seed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunResult {
    /// The method.
    pub method: MethodId,
    /// Its seed.
    pub seed: u64,
    /// Where it trained (`cpu`, `cuda:0`).
    pub device: String,
    /// Fresh probes of S, of Z and (for a stochastic Z) of a sample of Z.
    pub codes: BTreeMap<Code, CodeResult>,
    /// The model's own networks.
    pub own: Vec<OwnScore>,
    /// Reconstruction, budget, time.
    pub figures: RunFigures,
}

impl RunResult {
    /// The typed result of a finished run; `normalization` is the model's
    /// input mapping, which adds the reconstruction MSE in pixel units.
    pub fn of(run: &RunRecord, normalization: Option<Normalization>) -> RunResult {
        let s = &run.summary;
        let code = |audit: &CodeAudit| CodeResult {
            label: audit.label.probes.iter().map(|p| (p.family, p.scores.clone())).collect(),
            nuisances: audit.nuisances.clone(),
            dim: audit.label.dim,
        };
        RunResult {
            method: run.manifest.method,
            seed: run.manifest.seed,
            device: s.device.clone(),
            codes: [(Code::S, Some(&s.s)), (Code::Z, Some(&s.z)), (Code::ZSample, s.z_sample.as_ref())]
                .into_iter()
                .filter_map(|(c, audit)| audit.map(|a| (c, code(a))))
                .collect(),
            own: s.own_networks.clone(),
            figures: RunFigures {
                reconstruction_mse: s.test_reconstruction_mse,
                reconstruction_mse_pixels: normalization.map(|n| pixel_mse(s.test_reconstruction_mse, n)),
                reconstruction_mse_mean_z_pixels: None,
                epochs: s.epochs,
                stopped: s.stopped,
                wall_seconds: s.wall_seconds,
                train_images: s.train_images,
                test_images: s.test_images,
                swaps_follow: s.swap_labels.map(|w| (w.follows_s, w.follows_z)),
            },
        }
    }

    /// The result of S or Z (every run has both; see [`RunResult::codes`] for Z samples).
    pub fn code(&self, code: Code) -> &CodeResult {
        &self.codes[&code]
    }
}

/// Factor from model-space to `[0, 1]`-pixel-space differences: squared, it
/// turns a reconstruction MSE into one comparable across input scalings.
fn pixel_scale(normalization: Normalization) -> f64 {
    match normalization {
        Normalization::Unit => 1.0,
        Normalization::Symmetric => 0.5,
        Normalization::Standardize { std, .. } => std as f64,
        Normalization::Identity => 1.0,
    }
}

/// A reconstruction MSE in the model's input scaling, in `[0, 1]` pixel units.
pub fn pixel_mse(mse: f64, normalization: Normalization) -> f64 {
    mse * pixel_scale(normalization).powi(2)
}

/// [`reconstruction_mse_mean_z`] of `model` on `test`, in `[0, 1]` pixel units.
pub fn mean_z_reconstruction_pixels(model: &dyn Disentangler, test: &Dataset) -> f64 {
    let normalization = model.normalization();
    let test = TensorData::new(test, normalization, model.device());
    pixel_mse(reconstruction_mse_mean_z(model, &test, 500), normalization)
}

/// Every run of one dataset and budget, with what its page shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetSummary {
    /// The dataset.
    pub dataset: DatasetKind,
    /// Quick budget.
    pub quick: bool,
    /// What the label is (`digit`, `identity`).
    pub label: String,
    /// Classes of the label.
    pub n_classes: usize,
    /// Test images.
    pub test_images: usize,
    /// The runs, ordered by method (registry order), then seed.
    pub runs: Vec<RunResult>,
    /// Figures drawn for the page.
    pub figures: Vec<Figure>,
    /// Problems that did not stop the merge (e.g. data missing for figures).
    pub warnings: Vec<String>,
}

impl DatasetSummary {
    /// The methods present, in registry order.
    pub fn methods(&self) -> Vec<MethodId> {
        let mut methods: Vec<MethodId> = self.runs.iter().map(|r| r.method).collect();
        methods.sort();
        methods.dedup();
        methods
    }

    /// The codes some run of `method` measured, in [`Code::ALL`] order.
    pub fn codes_of(&self, method: MethodId) -> Vec<Code> {
        Code::ALL.into_iter().filter(|c| self.runs_of(method).any(|r| r.codes.contains_key(c))).collect()
    }

    /// The runs of `method`, in seed order.
    pub fn runs_of(&self, method: MethodId) -> impl Iterator<Item = &RunResult> {
        self.runs.iter().filter(move |r| r.method == method)
    }

    /// The label-probe scores of `(method, code, probe)`, one per seed that has them.
    pub fn label_scores(&self, method: MethodId, code: Code, probe: ProbeFamily) -> Vec<&ProbeScores> {
        self.runs_of(method).filter_map(|r| r.codes.get(&code)?.label.get(&probe)).collect()
    }

    /// The nuisance-probe scores of `(method, code, nuisance, probe)`, one per seed.
    pub fn nuisance_scores(&self, method: MethodId, code: Code, name: &str, probe: ProbeFamily) -> Vec<&ProbeScores> {
        self.runs_of(method)
            .filter_map(|r| r.codes.get(&code)?.nuisances.iter().find(|n| n.name == name && n.family == probe))
            .map(|n| &n.scores)
            .collect()
    }

    /// Nuisance factors measured, with the probe families used, in first-seen order.
    pub fn nuisances(&self) -> Vec<(String, ProbeFamily)> {
        let all = self.runs.iter().flat_map(|r| r.codes.values().flat_map(|c| &c.nuisances));
        distinct(all.map(|n| (n.name.clone(), n.family)))
    }

    /// Accuracies of `(method, network, code)` over seeds.
    pub fn own_scores(&self, method: MethodId, network: &str, code: Code) -> Vec<f64> {
        self.runs_of(method)
            .filter_map(|r| r.own.iter().find(|o| o.network == network && o.code == code))
            .map(|o| o.accuracy)
            .collect()
    }

    /// The own networks present, `(network, code)`, in first-seen order.
    pub fn own_networks(&self) -> Vec<(String, Code)> {
        distinct(self.runs.iter().flat_map(|r| &r.own).map(|o| (o.network.clone(), o.code)))
    }

    /// A whole-run figure of `method` over seeds.
    pub fn run_values(&self, method: MethodId, figure: impl Fn(&RunResult) -> Option<f64>) -> Vec<f64> {
        self.runs_of(method).filter_map(figure).collect()
    }
}

/// `values` without repeats, in first-seen order.
pub(crate) fn distinct<T: PartialEq>(values: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// What a table cell shows for one quantity over seeds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    /// No run measured it.
    Missing,
    /// One seed: its value, and its bootstrap CI when it has one.
    One {
        /// The value.
        value: f64,
        /// `(low, high)` bounds of its 95 % CI.
        ci: Option<(f64, f64)>,
    },
    /// Several seeds: their mean and standard deviation.
    Seeds(MeanStd),
}

impl Cell {
    /// The cell of plain values (no CI).
    pub fn of(values: &[f64]) -> Cell {
        match values {
            [] => Cell::Missing,
            [v] => Cell::One { value: *v, ci: None },
            _ => Cell::Seeds(MeanStd::of(values)),
        }
    }

    /// The accuracy cell of probe scores: one seed with its CI, several as mean ± std.
    pub fn accuracy(scores: &[&ProbeScores]) -> Cell {
        match scores {
            [s] => Cell::One { value: s.accuracy, ci: Some((s.ci_low, s.ci_high)) },
            _ => Cell::of(&scores.iter().map(|s| s.accuracy).collect::<Vec<_>>()),
        }
    }

    /// The cell as text: values times `factor` with `decimals` decimals,
    /// `a [lo, hi]`, `mean ± std`, or `–`.
    pub fn format(self, factor: f64, decimals: usize) -> String {
        match self {
            Cell::Missing => "–".into(),
            Cell::One { value, ci: None } => format!("{:.decimals$}", value * factor),
            Cell::One { value, ci: Some((lo, hi)) } => {
                format!("{:.decimals$} [{:.decimals$}, {:.decimals$}]", value * factor, lo * factor, hi * factor)
            }
            Cell::Seeds(m) => format!("{:.decimals$} ± {:.decimals$}", m.mean * factor, m.std * factor),
        }
    }

    /// As percent with two decimals.
    pub fn percent(self) -> String {
        self.format(100.0, 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixel_scale_undoes_each_input_mapping() {
        // A one-grey-level error (1/255 in pixel units) in each model space.
        let step = 1.0 / 255.0;
        for norm in
            [Normalization::Unit, Normalization::Symmetric, Normalization::Standardize { mean: 0.13, std: 0.31 }]
        {
            let model_space = (norm.apply(101) - norm.apply(100)) as f64;
            assert!((model_space * pixel_scale(norm) - step).abs() < 1e-6, "{norm:?}");
        }
    }

    fn scores(accuracy: f64, ci_low: f64, ci_high: f64) -> ProbeScores {
        ProbeScores {
            accuracy,
            ci_low,
            ci_high,
            chance: 0.1,
            leakage: 0.0,
            balanced_accuracy: accuracy,
            macro_f1: accuracy,
            n_train: 10,
            n_test: 10,
            n_classes: 10,
        }
    }

    #[test]
    fn one_seed_shows_its_ci_and_several_show_mean_and_std() {
        let one = scores(0.1, 0.09, 0.11);
        assert_eq!(Cell::accuracy(&[&one]).percent(), "10.00 [9.00, 11.00]");
        let two = scores(0.2, 0.19, 0.21);
        assert_eq!(Cell::accuracy(&[&one, &two]).percent(), "15.00 ± 7.07");
        assert_eq!(Cell::accuracy(&[]).percent(), "–");
    }
}
