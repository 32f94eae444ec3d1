//! `tsd config`: print a preset.

use anyhow::Result;
use clap::Args;
use tsd_core::{Method, MethodConfig};

/// Arguments of `tsd config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// two-step or mathieu.
    #[arg(long, default_value = "two-step")]
    method: Method,
    /// Preset: mnist, sprites, cars3d, norb (and mnist-64 for mathieu).
    #[arg(long, default_value = "mnist")]
    dataset: String,
}

/// Prints the preset as TOML.
pub fn run(args: &ConfigArgs) -> Result<()> {
    print!("{}", MethodConfig::preset(args.method, &args.dataset)?.to_toml()?);
    Ok(())
}
