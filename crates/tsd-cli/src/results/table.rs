//! The long-format results table: one row per (run, code, target, probe,
//! metric), so any summary can be computed from it with a group-by.

use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use tsd_data::Normalization;
use tsd_metrics::ProbeScores;

use super::collect::RunRecord;

/// What a row measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    /// A fresh probe of the label.
    Label,
    /// A fresh logistic probe of a nuisance factor.
    Nuisance,
    /// The two-step model's own S classifier or Z adversary.
    Own,
    /// A figure of the whole run (reconstruction, epochs, time).
    Run,
}

/// One row of `table.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableRow {
    /// Dataset name.
    pub dataset: String,
    /// Method name.
    pub method: String,
    /// Run seed.
    pub seed: u64,
    /// Where the run trained (`cpu`, `cuda:0`).
    pub device: String,
    /// What the row measures.
    pub kind: RowKind,
    /// `S` or `Z`; empty for run figures.
    pub code: String,
    /// What is predicted: the label's name or a nuisance's; empty for run figures.
    pub target: String,
    /// `logistic`, `knn`, `mlp`, or for own networks `classifier` / `adversary`; empty for run figures.
    pub probe: String,
    /// `accuracy`, `ci_low`, `leakage`, `reconstruction_mse`, ...
    pub metric: String,
    /// The value (accuracies as fractions).
    pub value: f64,
}

/// Factor from model-space to `[0, 1]`-pixel-space differences: squared, it
/// turns a reconstruction MSE into one comparable across input scalings.
pub fn pixel_scale(normalization: Normalization) -> f64 {
    match normalization {
        Normalization::Unit => 1.0,
        Normalization::Symmetric => 0.5,
        Normalization::Standardize { std, .. } => std as f64,
    }
}

/// The figures of a probe's scores, in column order.
fn score_metrics(s: &ProbeScores) -> [(&'static str, f64); 7] {
    [
        ("accuracy", s.accuracy),
        ("ci_low", s.ci_low),
        ("ci_high", s.ci_high),
        ("chance", s.chance),
        ("leakage", s.leakage),
        ("balanced_accuracy", s.balanced_accuracy),
        ("macro_f1", s.macro_f1),
    ]
}

/// Every row of one run. `normalization` is the model's input mapping, which
/// adds the reconstruction MSE in `[0, 1]` pixel units.
pub fn run_rows(run: &RunRecord, normalization: Option<Normalization>) -> Vec<TableRow> {
    let (m, s) = (&run.manifest, &run.summary);
    let mut rows = Vec::new();
    let mut push = |kind, code: &str, target: &str, probe: &str, metric: &str, value| {
        rows.push(TableRow {
            dataset: m.dataset.to_string(),
            method: m.method.to_string(),
            seed: m.seed,
            device: s.device.clone(),
            kind,
            code: code.into(),
            target: target.into(),
            probe: probe.into(),
            metric: metric.into(),
            value,
        });
    };
    for (code, audit) in [("S", &s.s), ("Z", &s.z)] {
        for p in &audit.label.probes {
            for (metric, value) in score_metrics(&p.scores) {
                push(RowKind::Label, code, &m.label, p.family.name(), metric, value);
            }
        }
        for n in &audit.nuisances {
            for (metric, value) in score_metrics(&n.scores) {
                push(RowKind::Nuisance, code, &n.name, "logistic", metric, value);
            }
        }
    }
    if let Some(own) = &s.own_networks {
        push(RowKind::Own, "S", &m.label, "classifier", "accuracy", own.s_classifier_accuracy);
        push(RowKind::Own, "Z", &m.label, "adversary", "accuracy", own.adversary_accuracy);
    }
    let mut figures = vec![
        ("reconstruction_mse", s.test_reconstruction_mse),
        ("epochs", s.epochs as f64),
        ("wall_seconds", s.wall_seconds),
        ("train_images", s.train_images as f64),
        ("test_images", s.test_images as f64),
        ("s_dim", s.s.label.dim as f64),
        ("z_dim", s.z.label.dim as f64),
    ];
    if let Some(norm) = normalization {
        figures.insert(1, ("reconstruction_mse_pixels", s.test_reconstruction_mse * pixel_scale(norm).powi(2)));
    }
    for (metric, value) in figures {
        push(RowKind::Run, "", "", "", metric, value);
    }
    rows
}

/// Writes `rows` as CSV with a header.
pub fn write_csv(rows: &[TableRow], path: &Path) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.serialize(row)?;
    }
    let bytes = w.into_inner().context("finishing the table")?;
    tsd_core::checkpoint::write_atomic(path, &bytes)?;
    Ok(())
}

/// Reads a `table.csv`.
pub fn read_csv(path: &Path) -> Result<Vec<TableRow>> {
    let mut reader = csv::Reader::from_path(path).with_context(|| format!("reading {}", path.display()))?;
    reader.deserialize().collect::<Result<_, _>>().with_context(|| format!("parsing {}", path.display()))
}

/// Selects rows of one method and kind for summaries.
#[derive(Debug, Clone, Copy)]
pub struct Select<'a> {
    /// Method name.
    pub method: &'a str,
    /// Row kind.
    pub kind: RowKind,
    /// `S`, `Z` or empty.
    pub code: &'a str,
    /// Target name, or `None` for any.
    pub target: Option<&'a str>,
    /// Probe name.
    pub probe: &'a str,
}

impl Select<'_> {
    /// The values of `metric` across seeds, in seed order.
    pub fn values(&self, rows: &[TableRow], metric: &str) -> Vec<f64> {
        rows.iter()
            .filter(|r| {
                r.method == self.method
                    && r.kind == self.kind
                    && r.code == self.code
                    && self.target.is_none_or(|t| r.target == t)
                    && r.probe == self.probe
                    && r.metric == metric
            })
            .map(|r| r.value)
            .collect()
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
}
