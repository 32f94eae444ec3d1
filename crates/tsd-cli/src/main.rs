//! `tsd`: the command-line front of the tsd workspace. Thin: every command
//! parses its arguments and calls the library crates.

mod cmd_codes;
mod cmd_config;
mod cmd_data;
mod cmd_merge;
mod cmd_pareto;
mod cmd_probe;
mod cmd_reproduce;
mod cmd_train;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Learn and audit disentangled representations (two-step method, Mathieu et al. baseline, matched Z).
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
    /// Train a method on a dataset, then audit S and Z with fresh probes on the test set.
    Train(cmd_train::TrainArgs),
    /// Export the S and Z codes of a finished run as CSV (for `tsd probe` or other tools).
    Codes(cmd_codes::CodesArgs),
    /// Probe any embedding (CSV or NPY) for label information: accuracy, CI, leakage, MI per dimension.
    Probe(cmd_probe::ProbeArgs),
    /// Train both methods on every dataset and seed, probe them, and write a results folder (tables, figures, README).
    #[command(after_long_help = cmd_reproduce::SLURM_EXAMPLE)]
    Reproduce(cmd_reproduce::ReproduceArgs),
    /// Rebuild the results folder (tables, figures, README) from the run folders of `tsd reproduce`.
    Merge(cmd_merge::MergeArgs),
    /// Tabulate and draw leakage against reconstruction over the points of a sweep (one runs folder per point).
    Pareto(cmd_pareto::ParetoArgs),
}

/// Parses a method name, listing the registered methods in `--help` and errors.
fn method_parser() -> impl clap::builder::TypedValueParser<Value = tsd_core::MethodId> {
    use clap::builder::TypedValueParser as _;
    let names: Vec<&'static str> = tsd_core::MethodId::all().iter().map(|m| m.name()).collect();
    clap::builder::PossibleValuesParser::new(names).map(|name| name.parse().expect("a registered name"))
}

/// libgomp reads `OMP_WAIT_POLICY` when it loads, before `main`: without
/// `PASSIVE`, libtorch's idle threads spin and training on a shared CPU runs
/// several times slower (REFERENCE §5). Re-executes this binary once with it set.
fn ensure_passive_omp_threads() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("OMP_WAIT_POLICY").is_some() {
        return;
    }
    if let Ok(exe) = std::env::current_exe() {
        let err =
            std::process::Command::new(exe).args(std::env::args_os().skip(1)).env("OMP_WAIT_POLICY", "PASSIVE").exec();
        eprintln!("warning: could not re-execute with OMP_WAIT_POLICY=PASSIVE ({err}); continuing");
    }
}

/// Ctrl-C or SIGTERM asks training to stop at the next batch (tsd-core's
/// stop flag; every finished epoch is in the checkpoint, and the error says
/// how to resume); a second one ends the process at once.
fn stop_on_signals() {
    let flag = tsd_core::train::stop_flag();
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let registered = signal_hook::flag::register_conditional_shutdown(signal, 130, flag.clone())
            .and_then(|_| signal_hook::flag::register(signal, flag.clone()));
        if let Err(e) = registered {
            eprintln!("warning: cannot handle signal {signal} ({e}); it will end tsd at once");
        }
    }
}

fn main() -> ExitCode {
    ensure_passive_omp_threads();
    stop_on_signals();
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Data(args) => cmd_data::run(&args),
        Command::Config(args) => cmd_config::run(&args),
        Command::Train(args) => cmd_train::run(&args),
        Command::Probe(args) => cmd_probe::run(&args),
        Command::Codes(args) => cmd_codes::run(&args),
        Command::Reproduce(args) => cmd_reproduce::run(&args),
        Command::Merge(args) => cmd_merge::run(&args),
        Command::Pareto(args) => cmd_pareto::run(&args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprint!("{}", error_text(&err));
            ExitCode::FAILURE
        }
    }
}

/// `err` and its causes for a human, one per line; a cause whose text the
/// line before already shows (errors that print their source) is left out.
fn error_text(err: &anyhow::Error) -> String {
    let mut shown = err.to_string();
    let mut text = format!("error: {shown}\n");
    for cause in err.chain().skip(1) {
        let line = cause.to_string();
        if !shown.contains(&line) {
            text.push_str(&format!("  caused by: {line}\n"));
            shown = line;
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_line_is_printed_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        #[derive(Debug, thiserror::Error)]
        #[error("cannot read: {0}")]
        struct Wrapper(#[source] std::io::Error);
        let err = anyhow::Error::new(Wrapper(io)).context("/x.csv: cannot read: No such file");
        assert_eq!(error_text(&err), "error: /x.csv: cannot read: No such file\n");
        let err = anyhow::Error::new(std::io::Error::other("No such file")).context("reading run.json");
        assert_eq!(error_text(&err), "error: reading run.json\n  caused by: No such file\n");
    }
}
