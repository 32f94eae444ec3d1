//! `tsd merge`: rebuild every table, figure and README of a results folder
//! from the run folders of `tsd reproduce` (after a sharded sweep, or to
//! redraw). `tsd reproduce` ends with the same code.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use indicatif::ProgressBar;
use tsd_core::DeviceChoice;
use tsd_lab::results::figures::embedding::Projection;
use tsd_lab::results::{merge, MergeOptions, MergeReport};

/// Arguments of `tsd merge`, shared by `tsd reproduce` (which merges at the end).
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Folder of the run folders (`<runs>/<dataset>/<method>/seed<k>[-quick]`).
    #[arg(long, default_value = "runs/reproduce")]
    pub runs: PathBuf,
    /// Results folder to (re)write.
    #[arg(long, default_value = "results")]
    pub results: PathBuf,
    /// auto (CUDA when present), cpu or cuda: where models train and encode the figures' images.
    #[arg(long, default_value = "auto")]
    pub device: DeviceChoice,
    /// Folder holding the datasets (for merge: overrides the one each run recorded).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// 2-D projection of the embedding figures: tsne or pca (default: tsne, pca for quick results).
    #[arg(long)]
    pub embedding: Option<Projection>,
}

impl MergeArgs {
    /// The merge options these arguments ask for.
    pub fn options(&self) -> Result<MergeOptions> {
        Ok(MergeOptions {
            runs: self.runs.clone(),
            results: self.results.clone(),
            device: self.device.resolve()?,
            projection: self.embedding,
            data_dir: self.data_dir.clone(),
        })
    }
}

/// Runs `tsd merge`.
pub fn run(args: &MergeArgs) -> Result<()> {
    let options = args.options()?;
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
