//! `tsd pareto`: leakage against reconstruction across the points of a
//! sweep (`benchmarks/matched_z_pareto.sh` makes one): a table and a figure.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use tsd_core::DeviceChoice;
use tsd_lab::results::pareto;

/// Arguments of `tsd pareto`.
#[derive(Debug, Args)]
pub struct ParetoArgs {
    /// Sweep folder: one sub-folder per point, each a runs folder of `tsd reproduce`.
    #[arg(long)]
    pub runs: PathBuf,
    /// Folder to write `pareto.md`, `pareto.csv` and `pareto.png` into.
    #[arg(long)]
    pub results: PathBuf,
    /// auto, cpu or cuda: where each run's model loads to encode its test set (the
    /// reconstruction with the mean Z) and, with `--validation`, its train and validation codes.
    #[arg(long, default_value = "cpu")]
    pub device: DeviceChoice,
    /// Also probe each run's Z on its validation hold-out (full-budget probes
    /// fitted on the train codes; cached in the run folder as
    /// `validation-probes.json`): the column to choose settings by.
    #[arg(long)]
    pub validation: bool,
}

/// Runs `tsd pareto`.
pub fn run(args: &ParetoArgs) -> Result<()> {
    let points = pareto::points(&args.runs, args.device.resolve()?, args.validation)?;
    anyhow::ensure!(!points.is_empty(), "no finished run in any sub-folder of {}", args.runs.display());
    pareto::write(&args.results, &points)?;
    print!("{}", pareto::markdown(&points));
    println!("\nwrote {}/pareto.{{md,csv,png}}", args.results.display());
    Ok(())
}
