//! `tsd data`: survey and verify the datasets.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;

/// Arguments of `tsd data`.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Folder holding `mnist/`, `sprites/`, `cars3d/`, `norb/` (else $TSD_DATA_DIR, `data/`, `../shared/data`).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Prints what was found; fails when no dataset at all could be read.
pub fn run(args: &DataArgs) -> Result<()> {
    let reports = tsd_data::survey(args.data_dir.as_deref());
    if args.json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    } else {
        for report in &reports {
            println!("{report}");
        }
    }
    if !reports.iter().any(|r| r.ok()) {
        bail!("no dataset could be read");
    }
    Ok(())
}
