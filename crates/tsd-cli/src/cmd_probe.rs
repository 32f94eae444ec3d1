//! `tsd probe`: how much does an embedding (from tsd or anywhere else) carry
//! about a label? Fits fresh probes on train codes, scores them on test codes.
//! Several `--train`/`--test` pairs (codes of several seeds) add their mean ± std.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;
use tsd_core::{Budget, DeviceChoice};
use tsd_metrics::{
    load_csv_split, load_npy_split, probe_codes, CodeSplit, MlpProbeParams, ProbeConfig, ProbeOptions, RunsReport,
};

/// Arguments of `tsd probe`.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// Train codes: a CSV with a header (one label column, all others numeric), or an `.npy` feature
    /// matrix. Repeat with `--test` for several runs (seeds): paired in order, summarised as mean ± std.
    #[arg(long, required = true)]
    train: Vec<PathBuf>,
    /// Test codes, same format and columns as `--train` (one per `--train`).
    #[arg(long, required = true)]
    test: Vec<PathBuf>,
    /// CSV: name of the label column.
    #[arg(long, default_value = "label")]
    label_column: String,
    /// NPY: integer labels of the train codes (one per `--train`).
    #[arg(long)]
    train_labels: Vec<PathBuf>,
    /// NPY: integer labels of the test codes (one per `--test`).
    #[arg(long)]
    test_labels: Vec<PathBuf>,
    /// Also train the MLP probe (libtorch, CPU).
    #[arg(long)]
    mlp: bool,
    /// The whole suite of the audit: logistic, kNN, the MLP probe, the wide MLP, the random forest and
    /// the per-class MMD permutation tests of the test codes.
    #[arg(long)]
    suite: bool,
    /// Write the report as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write the probe scores as CSV here.
    #[arg(long)]
    csv: Option<PathBuf>,
}

/// The `run`-th train/test pair.
fn load(args: &ProbeArgs, run: usize) -> Result<CodeSplit> {
    let (train, test) = (&args.train[run], &args.test[run]);
    let is_npy = |p: &PathBuf| p.extension().is_some_and(|e| e == "npy");
    Ok(match (is_npy(train), args.train_labels.get(run), args.test_labels.get(run)) {
        (true, Some(train_y), Some(test_y)) => load_npy_split(train, train_y, test, test_y)?,
        (true, _, _) => bail!("NPY codes need --train-labels and --test-labels (integer .npy files), one per --train"),
        (false, _, _) => load_csv_split(train, test, &args.label_column)?,
    })
}

/// Runs `tsd probe`.
pub fn run(args: &ProbeArgs) -> Result<()> {
    if args.train.len() != args.test.len() {
        bail!("{} --train files but {} --test files: give one --test per --train", args.train.len(), args.test.len());
    }
    // The suite is what a full-budget audit of `tsd reproduce` runs, on the CPU.
    let options = if args.suite {
        tsd_lab::budget::probes(Budget::Full, DeviceChoice::Cpu.resolve()?)
    } else if args.mlp {
        ProbeOptions::default().with_probe(ProbeConfig::Mlp(MlpProbeParams::default()))
    } else {
        ProbeOptions::default()
    };
    let mut reports = Vec::with_capacity(args.train.len());
    for run in 0..args.train.len() {
        let split = load(args, run)?;
        if args.train.len() > 1 {
            println!("run {run}: {} / {}", args.train[run].display(), args.test[run].display());
        }
        let report = probe_codes(&split.train, &split.test, &options)?;
        println!("{report}");
        reports.push(report);
    }
    let (json, csv) = if reports.len() == 1 {
        (reports[0].to_json()?, reports[0].to_csv()?)
    } else {
        let runs = RunsReport::new(reports)?;
        println!("{runs}");
        (runs.to_json()?, runs.to_csv()?)
    };
    for (path, text) in [(&args.json, json), (&args.csv, csv)] {
        if let Some(path) = path {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    Ok(())
}
