//! `tsd merge`: rebuild every table, figure and README of a results folder
//! from the run folders of `tsd reproduce` (after a sharded sweep, or to
//! redraw). `tsd reproduce` ends with the same code.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use indicatif::ProgressBar;
use tsd_cli::results::figures::embedding::Projection;
use tsd_cli::results::{merge, MergeOptions, MergeReport};
use tsd_core::DeviceChoice;

/// Arguments of `tsd merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Folder of the run folders.
    #[arg(long, default_value = "runs/reproduce")]
    runs: PathBuf,
    /// Results folder to (re)write.
    #[arg(long, default_value = "results")]
    results: PathBuf,
    /// Where the models encode the figures' test images: auto, cpu or cuda.
    #[arg(long, default_value = "auto")]
    device: DeviceChoice,
    /// Data folder, overriding the one each run recorded (to draw figures elsewhere).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// 2-D projection of the embedding figures: tsne or pca (default: tsne, pca for quick results).
    #[arg(long)]
    embedding: Option<Projection>,
}

/// Runs `tsd merge`.
pub fn run(args: &MergeArgs) -> Result<()> {
    let options = MergeOptions {
        runs: args.runs.clone(),
        results: args.results.clone(),
        device: args.device.resolve()?,
        projection: args.embedding,
        data_dir: args.data_dir.clone(),
    };
    let spinner = ProgressBar::new_spinner();
    let report = merge(&options, &mut |stage| {
        spinner.set_message(stage.to_string());
        spinner.tick();
    })?;
    spinner.finish_and_clear();
    anyhow::ensure!(report.runs > 0, "no finished run under {}", args.runs.display());
    print_report(&report);
    Ok(())
}

/// Prints the headline tables, the files written and any warning.
pub fn print_report(report: &MergeReport) {
    print!("{}", report.headline);
    for readme in &report.readmes {
        println!("wrote {}", readme.display());
    }
    if !report.unfinished.is_empty() {
        eprintln!("left out {} unfinished run folder(s)", report.unfinished.len());
    }
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
}
