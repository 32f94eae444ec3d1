//! The long-format results table `table.csv`: one row per (run, code,
//! target, probe, metric), so any summary can be computed from it with a
//! group-by. Written from the typed [`DatasetSummary`].

use std::path::Path;

use crate::error::{Context, Result};
use serde::{Deserialize, Serialize};
use tsd_metrics::ProbeScores;

use super::summary::{DatasetSummary, RunResult};

/// What a row measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    /// A fresh probe of the label.
    Label,
    /// A fresh probe of a nuisance factor.
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

/// Every row of `summary`'s runs, run by run.
pub fn rows(summary: &DatasetSummary) -> Vec<TableRow> {
    summary.runs.iter().flat_map(|run| run_rows(summary, run)).collect()
}

/// Every row of one run.
fn run_rows(summary: &DatasetSummary, run: &RunResult) -> Vec<TableRow> {
    let mut rows = Vec::new();
    let mut push = |kind, code: &str, target: &str, probe: &str, metric: &str, value| {
        rows.push(TableRow {
            dataset: summary.dataset.to_string(),
            method: run.method.to_string(),
            seed: run.seed,
            device: run.device.clone(),
            kind,
            code: code.into(),
            target: target.into(),
            probe: probe.into(),
            metric: metric.into(),
            value,
        });
    };
    for (code, result) in &run.codes {
        for (family, scores) in &result.label {
            for (metric, value) in score_metrics(scores) {
                push(RowKind::Label, code.name(), &summary.label, family.name(), metric, value);
            }
        }
        for n in &result.nuisances {
            for (metric, value) in score_metrics(&n.scores) {
                push(RowKind::Nuisance, code.name(), &n.name, n.family.name(), metric, value);
            }
        }
    }
    for own in &run.own {
        push(RowKind::Own, own.code.name(), &summary.label, &own.network, "accuracy", own.accuracy);
    }
    let f = &run.figures;
    let mut figures = vec![("reconstruction_mse", f.reconstruction_mse)];
    if let Some(pixels) = f.reconstruction_mse_pixels {
        figures.push(("reconstruction_mse_pixels", pixels));
    }
    if let Some(pixels) = f.reconstruction_mse_mean_z_pixels {
        figures.push(("reconstruction_mse_mean_z_pixels", pixels));
    }
    if let Some((s, z)) = f.swaps_follow {
        figures.extend([("swaps_follow_s", s), ("swaps_follow_z", z)]);
    }
    figures.extend([
        ("epochs", f.epochs as f64),
        ("wall_seconds", f.wall_seconds),
        ("train_images", f.train_images as f64),
        ("test_images", f.test_images as f64),
        ("s_dim", run.code(tsd_core::Code::S).dim as f64),
        ("z_dim", run.code(tsd_core::Code::Z).dim as f64),
    ]);
    for (metric, value) in figures {
        push(RowKind::Run, "", "", "", metric, value);
    }
    rows
}

/// `rows` as CSV text with a header.
pub fn to_csv(rows: &[TableRow]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.serialize(row)?;
    }
    w.into_inner().context("finishing the table")
}

/// Reads a `table.csv`.
pub fn read_csv(path: &Path) -> Result<Vec<TableRow>> {
    let mut reader = csv::Reader::from_path(path).with_context(|| format!("reading {}", path.display()))?;
    reader.deserialize().collect::<Result<_, _>>().with_context(|| format!("parsing {}", path.display()))
}
