//! `tsd codes`: export the S and Z codes (and samples of a stochastic Z) of a finished run as CSV.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use tsd_core::DeviceChoice;
use tsd_lab::manifest::RunManifest;
use tsd_lab::pipeline::{export_codes, MODEL_FILE};

/// Arguments of `tsd codes`.
#[derive(Debug, Args)]
pub struct CodesArgs {
    /// A run folder written by `tsd train` or `tsd reproduce` (holds run.json and model.safetensors).
    #[arg(long)]
    run: PathBuf,
    /// Output folder (default: `<run>/codes`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// auto, cpu or cuda.
    #[arg(long, default_value = "auto")]
    device: DeviceChoice,
    /// Folder holding the datasets (overrides the one the run recorded, e.g. on another machine).
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

/// Runs `tsd codes`: loads the run's data exactly as it was loaded for training.
pub fn run(args: &CodesArgs) -> Result<()> {
    let mut manifest = RunManifest::read(&args.run)?;
    if args.data_dir.is_some() {
        manifest.data.data_dir = args.data_dir.clone();
    }
    let splits = manifest.data.load()?;
    let model = manifest.method.load_model(&args.run.join(MODEL_FILE), args.device.resolve()?)?;
    let out = args.out.clone().unwrap_or_else(|| args.run.join("codes"));
    let written = export_codes(model.disentangler(), &splits, &out, manifest.seed)?;
    println!("wrote {} to {}", written.join(", "), out.display());
    Ok(())
}
