//! `tsd probe`: how much does an embedding (from tsd or anywhere else) carry
//! about a label? Fits fresh probes on train codes, scores them on test codes.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;
use tsd_metrics::{load_csv_split, load_npy_split, probe_codes, CodeSplit, MlpProbeParams, ProbeOptions};

/// Arguments of `tsd probe`.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// Train codes: a CSV with a header (one label column, all others numeric), or an `.npy` feature matrix.
    #[arg(long)]
    train: PathBuf,
    /// Test codes, same format and columns as `--train`.
    #[arg(long)]
    test: PathBuf,
    /// CSV: name of the label column.
    #[arg(long, default_value = "label")]
    label_column: String,
    /// NPY: integer labels of the train codes.
    #[arg(long)]
    train_labels: Option<PathBuf>,
    /// NPY: integer labels of the test codes.
    #[arg(long)]
    test_labels: Option<PathBuf>,
    /// Also train the MLP probe (libtorch, CPU).
    #[arg(long)]
    mlp: bool,
    /// Write the report as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write the probe scores as CSV here.
    #[arg(long)]
    csv: Option<PathBuf>,
}

fn load(args: &ProbeArgs) -> Result<CodeSplit> {
    let is_npy = |p: &PathBuf| p.extension().is_some_and(|e| e == "npy");
    Ok(match (is_npy(&args.train), &args.train_labels, &args.test_labels) {
        (true, Some(train_y), Some(test_y)) => load_npy_split(&args.train, train_y, &args.test, test_y)?,
        (true, _, _) => bail!("NPY codes need --train-labels and --test-labels (integer .npy files)"),
        (false, _, _) => load_csv_split(&args.train, &args.test, &args.label_column)?,
    })
}

/// Runs `tsd probe`.
pub fn run(args: &ProbeArgs) -> Result<()> {
    let split = load(args)?;
    let mut options = ProbeOptions::default();
    if args.mlp {
        options.mlp = Some(MlpProbeParams::default());
    }
    let report = probe_codes(&split.train, &split.test, &options)?;
    println!("{report}");
    if let Some(path) = &args.json {
        std::fs::write(path, report.to_json()?).with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &args.csv {
        std::fs::write(path, report.to_csv()?).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
