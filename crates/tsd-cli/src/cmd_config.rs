//! `tsd config`: print a preset.

use anyhow::Result;
use clap::Args;
use tsd_core::{Budget, MethodId};

/// Arguments of `tsd config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// The method (one of the registry's).
    #[arg(long, default_value = "two-step", value_parser = crate::method_parser())]
    method: MethodId,
    /// Preset: mnist, sprites, cars3d, norb (and mnist-64 for mathieu; returns and factor-model, the return windows, for two-step).
    #[arg(long, default_value = "mnist")]
    dataset: String,
    /// The quick budget's preset (what `tsd reproduce --quick` trains).
    #[arg(long)]
    quick: bool,
}

/// Prints the preset as TOML.
pub fn run(args: &ConfigArgs) -> Result<()> {
    print!("{}", args.method.preset(&args.dataset, Budget::new(args.quick))?.to_toml()?);
    Ok(())
}
