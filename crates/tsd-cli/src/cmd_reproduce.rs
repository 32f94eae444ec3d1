//! `tsd reproduce`: train both methods on every requested dataset and seed,
//! probe them, and merge everything into a results folder.

use std::fmt::Display;
use std::path::Path;
use std::str::FromStr;
use std::time::Instant;

use anyhow::Result;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use tsd_core::{Budget, MethodId};
use tsd_data::DatasetKind;
use tsd_lab::pipeline::RunSummary;
use tsd_lab::results::merge;
use tsd_lab::returns::{ReturnsOptions, ReturnsSource};
use tsd_lab::sweep::{RunKey, Shard, SweepOptions, SweepProgress};

/// Shown under `tsd reproduce --help`.
pub const SLURM_EXAMPLE: &str = "\
Runs are numbered in a fixed order (dataset, seed, method); `--shard i/n` runs those whose number is i modulo n, \
so a Slurm job array spreads a sweep over nodes, and `tsd merge` builds the results once all are done:

  #!/bin/bash
  #SBATCH --array=0-7
  #SBATCH --cpus-per-task=8
  tsd reproduce --dataset all --seeds 5 --shard ${SLURM_ARRAY_TASK_ID}/8 --runs runs/reproduce

  # then, after the array has finished (e.g. sbatch --dependency=afterok:<array job id>):
  tsd merge --runs runs/reproduce --results results

Finished runs (with summary.json) are skipped and interrupted ones resume from their checkpoint, \
so rerunning the same command continues a sweep.";

/// `all` or one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick<T> {
    /// Every value.
    All,
    /// Just this one.
    One(T),
}

impl<T: FromStr<Err: Display>> FromStr for Pick<T> {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "all" {
            return Ok(Pick::All);
        }
        s.parse().map(Pick::One).map_err(|e| format!("{e} (or all)"))
    }
}

impl<T: Copy> Pick<T> {
    fn list(self, all: &[T]) -> Vec<T> {
        match self {
            Pick::All => all.to_vec(),
            Pick::One(v) => vec![v],
        }
    }

    fn one(self) -> Option<T> {
        match self {
            Pick::All => None,
            Pick::One(v) => Some(v),
        }
    }
}

/// What `--dataset` names: image datasets, or one of the returns datasets of
/// the financial experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatasetArg {
    /// mnist, sprites, cars3d, norb or all.
    Images(Pick<DatasetKind>),
    /// returns or factor-model.
    Returns(ReturnsSource),
}

impl FromStr for DatasetArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.parse::<ReturnsSource>() {
            Ok(source) => Ok(DatasetArg::Returns(source)),
            Err(_) => s.parse().map(DatasetArg::Images).map_err(|e| format!("{e}, or returns / factor-model")),
        }
    }
}

/// Arguments of `tsd reproduce`.
#[derive(Debug, Args)]
pub struct ReproduceArgs {
    /// mnist, sprites, cars3d, norb or all; or the financial experiment: returns (real S&P 500 returns) or factor-model (synthetic, known truth).
    #[arg(long, default_value = "all")]
    dataset: DatasetArg,
    /// A method of the registry (see `tsd train --help`) or all.
    #[arg(long, default_value = "all")]
    method: Pick<MethodId>,
    /// Seeds per (dataset, method): 0..N, each setting the config seed and the data split seed.
    #[arg(long, default_value_t = 1)]
    seeds: u64,
    /// Small budget (2 epochs per phase on 10,000 training images, short MLP probe); results go to `<results>/quick/`.
    #[arg(long)]
    quick: bool,
    /// Run only the runs numbered i modulo n (e.g. `3/8`), for job arrays; no merge at the end
    /// (`--dataset returns` or `factor-model`: the seeds numbered i modulo n, and the same command
    /// without `--shard` writes the tables from their audits).
    #[arg(long, value_name = "i/n")]
    shard: Option<Shard>,
    /// Run and results folders, device, data folder, figure projection.
    #[command(flatten)]
    output: crate::cmd_merge::MergeArgs,
    /// Override a config field of every run, e.g. `--set mathieu:epochs=5` (a `two-step:` or `mathieu:` prefix limits it to that method; repeatable).
    #[arg(long = "set", value_name = "[METHOD:]KEY=VALUE")]
    set: Vec<String>,
    /// Train on N training images, a seeded random subset (default: all; 10,000 with --quick).
    #[arg(long, hide = true)]
    train_subset: Option<usize>,
    /// Validation hold-out for MNIST and NORB (default 2,000).
    #[arg(long, hide = true)]
    val_size: Option<usize>,
    /// Hide per-batch progress bars and per-epoch lines of the runs.
    #[arg(long)]
    quiet: bool,
}

/// Runs `tsd reproduce`.
pub fn run(args: &ReproduceArgs) -> Result<()> {
    let started = Instant::now();
    anyhow::ensure!(args.seeds > 0, "--seeds must be at least 1");
    let dataset = match args.dataset {
        DatasetArg::Returns(source) => return run_returns(args, source, started),
        DatasetArg::Images(pick) => pick,
    };
    let options = SweepOptions {
        datasets: dataset.list(&DatasetKind::ALL),
        required: dataset.one(),
        methods: args.method.list(MethodId::all()),
        seeds: args.seeds,
        budget: Budget::new(args.quick),
        shard: args.shard,
        runs: args.output.runs.clone(),
        data_dir: args.output.data_dir.clone(),
        overrides: args.set.clone(),
        train_subset: args.train_subset,
        val_size: args.val_size,
        device: args.output.device.resolve()?,
        quiet: args.quiet,
    };
    let bar = Bar(progress_bar(tsd_lab::sweep::plan_len(&options)));
    let report = tsd_lab::sweep::run(&options, &bar)?;
    let bar = bar.0;
    if let Some(shard) = args.shard {
        bar.finish_and_clear();
        eprintln!("shard {shard} done; once every shard has finished: tsd merge --runs {}", args.output.runs.display());
    } else {
        let merge_options = args.output.options()?;
        let merged = merge(&merge_options, &mut |stage| bar.set_message(format!("merge: {stage}")))?;
        bar.finish_and_clear();
        crate::cmd_merge::print_report(&merged);
    }
    eprintln!(
        "{} run(s) trained, {} skipped (already finished), {} left to other processes, {} failed, {} dataset(s) unavailable; wall time {:.1} min",
        report.trained,
        report.skipped,
        report.busy.len(),
        report.failed.len(),
        report.missing.len(),
        started.elapsed().as_secs_f64() / 60.0
    );
    anyhow::ensure!(
        report.failed.is_empty(),
        "{} run(s) failed:\n  {}",
        report.failed.len(),
        report.failed.join("\n  ")
    );
    Ok(())
}

/// `tsd reproduce --dataset returns|factor-model`: the financial experiment.
fn run_returns(args: &ReproduceArgs, source: ReturnsSource, started: Instant) -> Result<()> {
    for (flag, given) in [("--train-subset", args.train_subset.is_some()), ("--val-size", args.val_size.is_some())] {
        anyhow::ensure!(
            !given,
            "{flag} does not apply to --dataset {source}: its windows are split by stocks and periods (see the README's financial experiment)"
        );
    }
    let budget = Budget::new(args.quick);
    let mut options = ReturnsOptions::new(source, args.seeds);
    if budget.is_quick() {
        options = options.quick();
    }
    if let Pick::One(method) = args.method {
        options.methods = vec![method.name().to_string()];
    }
    options.overrides = args.set.clone();
    options.data_dir = args.output.data_dir.clone();
    options.device = args.output.device.resolve()?;
    options.quiet = args.quiet;
    let probes = tsd_lab::budget::returns_probes(budget, options.device).progress(!args.quiet);
    let results = if budget.is_quick() { args.output.results.join("quick") } else { args.output.results.clone() };
    let runs = if budget.is_quick() { args.output.runs.join("quick") } else { args.output.runs.clone() };
    let audits = tsd_lab::returns::reproduce(&options, &probes, (&runs, args.shard), &results, &Lines)?;
    let dir = results.join(source.name());
    if let Some(shard) = args.shard {
        eprintln!(
            "shard {shard} done ({} seed(s) audited in {}); once every shard has finished, the same command \
             without --shard writes the tables from their audits",
            audits.len(),
            runs.join(source.name()).display()
        );
        return Ok(());
    }
    eprintln!(
        "{} seed(s) audited; tables in {}, every seed's audit in {}; wall time {:.1} min",
        audits.len(),
        dir.join("README.md").display(),
        dir.join("audits.json").display(),
        started.elapsed().as_secs_f64() / 60.0
    );
    Ok(())
}

/// Progress of a returns reproduction: its lines on stderr.
struct Lines;

impl tsd_lab::returns::ReturnsProgress for Lines {
    fn line(&self, text: &str) {
        eprintln!("{text}");
    }
}

/// The overall bar, shown as the sweep progresses.
struct Bar(ProgressBar);

impl SweepProgress for Bar {
    fn run_started(&self, position: usize, total: usize, key: &RunKey, dir: &Path) {
        self.0.set_message(format!("{key}"));
        self.0.suspend(|| eprintln!("── run {position}/{total}: {key} in {}", dir.display()));
    }

    fn stage(&self, text: &str) {
        self.0.set_message(text.to_string());
    }

    fn line(&self, text: &str) {
        self.0.suspend(|| eprintln!("{text}"));
    }

    fn suspend(&self, work: &mut dyn FnMut()) {
        self.0.suspend(work);
    }

    fn run_done(&self, summary: Option<&RunSummary>) {
        if let Some(summary) = summary {
            self.0.suspend(|| crate::cmd_train::print_summary(summary));
        }
        self.0.inc(1);
    }
}

/// The overall bar: runs done of total, and the current stage.
fn progress_bar(total: usize) -> ProgressBar {
    let bar = ProgressBar::new(total as u64);
    let style = ProgressStyle::with_template("reproduce [{bar:30}] {pos}/{len} runs, {elapsed} · {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar
}
