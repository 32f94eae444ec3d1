//! `tsd reproduce`: train both methods on every requested dataset and seed,
//! probe them, and merge everything into a results folder.

use std::fmt::Display;
use std::path::Path;
use std::str::FromStr;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use tch::Device;
use tsd_cli::budget::Budget;
use tsd_cli::manifest::{command_line, Machine, RunManifest};
use tsd_cli::pipeline::{saved_config_matches, train_and_audit, RunRequest, CONFIG_FILE, SUMMARY_FILE};
use tsd_cli::results::merge;
use tsd_cli::setup::{apply_overrides, DataRequest};
use tsd_cli::sweep::{plan, RunKey, Shard};
use tsd_core::{Method, MethodConfig};
use tsd_data::{DatasetKind, Splits};

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
}

/// Arguments of `tsd reproduce`.
#[derive(Debug, Args)]
pub struct ReproduceArgs {
    /// mnist, sprites, cars3d, norb or all.
    #[arg(long, default_value = "all")]
    dataset: Pick<DatasetKind>,
    /// two-step, mathieu or all.
    #[arg(long, default_value = "all")]
    method: Pick<Method>,
    /// Seeds per (dataset, method): 0..N, each setting the config seed and the data split seed.
    #[arg(long, default_value_t = 1)]
    seeds: u64,
    /// Small budget (2 epochs per phase on 10,000 training images, short MLP probe); results go to `<results>/quick/`.
    #[arg(long)]
    quick: bool,
    /// Run only the runs numbered i modulo n (e.g. `3/8`), for job arrays; no merge at the end.
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

/// How one run ended.
enum Outcome {
    Trained,
    Skipped,
}

/// Runs `tsd reproduce`.
pub fn run(args: &ReproduceArgs) -> Result<()> {
    let started = Instant::now();
    anyhow::ensure!(args.seeds > 0, "--seeds must be at least 1");
    let budget = Budget::new(args.quick);
    let device = args.output.device.resolve()?;
    let datasets = args.dataset.list(&DatasetKind::ALL);
    let runs: Vec<RunKey> = plan(&datasets, &args.method.list(&Method::ALL), args.seeds, args.quick)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| args.shard.is_none_or(|s| s.takes(*i)))
        .map(|(_, key)| key)
        .collect();
    let missing = missing_datasets(&runs, args)?;
    let bar = progress_bar(runs.len());
    let mut cache: Option<(DataRequest, Splits)> = None;
    let (mut trained, mut skipped, mut failed) = (0, 0, Vec::new());
    for (i, key) in runs.iter().enumerate() {
        bar.set_message(format!("{key}"));
        if missing.contains(&key.dataset) {
            bar.inc(1);
            continue;
        }
        bar.suspend(|| eprintln!("── run {}/{}: {key} in {}", i + 1, runs.len(), key.dir(&args.output.runs).display()));
        match run_one(key, args, budget, device, &mut cache, &bar) {
            Ok(Outcome::Trained) => trained += 1,
            Ok(Outcome::Skipped) => skipped += 1,
            Err(e) => {
                bar.suspend(|| eprintln!("run {key} failed: {e:#}"));
                failed.push(format!("{key}: {e:#}"));
            }
        }
        bar.inc(1);
    }
    if let Some(shard) = args.shard {
        bar.finish_and_clear();
        eprintln!("shard {shard} done; once every shard has finished: tsd merge --runs {}", args.output.runs.display());
    } else {
        let options = args.output.options()?;
        let report = merge(&options, &mut |stage| bar.set_message(format!("merge: {stage}")))?;
        bar.finish_and_clear();
        crate::cmd_merge::print_report(&report);
    }
    eprintln!(
        "{trained} run(s) trained, {skipped} skipped (already finished), {} failed, {} dataset(s) unavailable; wall time {:.1} min",
        failed.len(),
        missing.len(),
        started.elapsed().as_secs_f64() / 60.0
    );
    anyhow::ensure!(failed.is_empty(), "{} run(s) failed:\n  {}", failed.len(), failed.join("\n  "));
    Ok(())
}

/// Datasets with runs still to train whose files are missing. With
/// `--dataset all` they are reported and left out; a dataset asked for by
/// name is an error (the message says where it looked and how to get it).
fn missing_datasets(runs: &[RunKey], args: &ReproduceArgs) -> Result<Vec<DatasetKind>> {
    let mut missing = Vec::new();
    for dataset in DatasetKind::ALL {
        let pending =
            runs.iter().any(|k| k.dataset == dataset && !k.dir(&args.output.runs).join(SUMMARY_FILE).exists());
        if !pending {
            continue;
        }
        if let Err(e) = tsd_data::locate(dataset, args.output.data_dir.as_deref()) {
            if args.dataset == Pick::One(dataset) {
                return Err(e).context(format!("--dataset {dataset}"));
            }
            eprintln!("skipping {dataset}: {e}");
            missing.push(dataset);
        }
    }
    Ok(missing)
}

/// The config of `key`: the dataset's preset, the budget's epochs, the seed, then `--set`.
fn run_config(key: &RunKey, args: &ReproduceArgs, budget: Budget) -> Result<MethodConfig> {
    let mut config = MethodConfig::preset(key.method, key.dataset.dir_name())?;
    budget.apply(&mut config);
    config.set("seed", &key.seed.to_string())?;
    apply_overrides(&mut config, &args.set)?;
    Ok(config)
}

/// Trains and probes one run, or skips it when its summary exists.
fn run_one(
    key: &RunKey,
    args: &ReproduceArgs,
    budget: Budget,
    device: Device,
    cache: &mut Option<(DataRequest, Splits)>,
    bar: &ProgressBar,
) -> Result<Outcome> {
    let dir = key.dir(&args.output.runs);
    let config = run_config(key, args, budget)?;
    if dir.join(SUMMARY_FILE).exists() {
        check_finished_config(&dir, &config)?;
        bar.suspend(|| eprintln!("   finished before: re-using {}", dir.join(SUMMARY_FILE).display()));
        return Ok(Outcome::Skipped);
    }
    let request = DataRequest {
        dataset: key.dataset,
        data_dir: args.output.data_dir.clone(),
        seed: key.seed,
        val_size: args.val_size,
        train_subset: args.train_subset.or(budget.train_subset()),
    };
    if cache.as_ref().is_none_or(|(r, _)| *r != request) {
        *cache = None;
        bar.set_message(format!("{key}: loading {}", key.dataset));
        *cache = Some((request.clone(), request.load()?));
    }
    let splits = &cache.as_ref().expect("loaded above").1;
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let manifest = RunManifest {
        dataset: key.dataset,
        method: key.method,
        seed: key.seed,
        quick: key.quick,
        data: request,
        label: splits.train.label_name.clone(),
        command: command_line(),
        machine: Machine::current(),
    };
    manifest.write(&dir)?;
    let run = RunRequest { config, out: dir, resume: true, quiet: args.quiet, device, probes: budget.probes(device) };
    bar.set_message(format!("{key}: training and probing"));
    let (_, _, summary) = bar.suspend(|| train_and_audit(&run, splits))?;
    bar.suspend(|| crate::cmd_train::print_summary(&summary));
    Ok(Outcome::Trained)
}

/// A finished run is re-used only if it ran with the config asked for now.
fn check_finished_config(dir: &Path, config: &MethodConfig) -> Result<()> {
    anyhow::ensure!(
        saved_config_matches(config, &dir.join(CONFIG_FILE))?,
        "{} finished with another config than the one asked for now; use another --runs folder",
        dir.display()
    );
    Ok(())
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
