//! `tsd config`: print a preset.

use anyhow::Result;
use clap::Args;
use tsd_core::TwoStepConfig;

/// Arguments of `tsd config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// mnist, sprites, cars3d or norb.
    #[arg(long, default_value = "mnist")]
    dataset: String,
}

/// Prints the preset of `args.dataset` as TOML.
pub fn run(args: &ConfigArgs) -> Result<()> {
    let config = TwoStepConfig::preset(&args.dataset)?;
    print!("{}", toml::to_string_pretty(&config)?);
    Ok(())
}
