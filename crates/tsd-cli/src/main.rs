//! `tsd`: the command-line front of the tsd workspace. Thin: every command
//! parses its arguments and calls the library crates.

mod cmd_config;
mod cmd_data;
mod cmd_train;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Learn and audit disentangled representations (two-step method, Mathieu et al. baseline).
#[derive(Debug, Parser)]
#[command(name = "tsd", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the datasets found, with shapes, class counts and split sizes, and verify them.
    Data(cmd_data::DataArgs),
    /// Print a dataset's preset config as TOML (the released settings).
    Config(cmd_config::ConfigArgs),
    /// Train the two-step model on a dataset and report S and Z figures on the test set.
    Train(cmd_train::TrainArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Data(args) => cmd_data::run(&args),
        Command::Config(args) => cmd_config::run(&args),
        Command::Train(args) => cmd_train::run(&args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}
