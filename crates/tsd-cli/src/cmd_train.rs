//! `tsd train`: train the two-step model, save it with its config, and report
//! test-set figures (classifier on S, the model's own adversary on Z).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use serde::Serialize;
use tsd_core::{
    device_name, train, DeviceChoice, ModelSpec, TwoStepConfig, TwoStepEval, TwoStepModel,
    TwoStepTrainer,
};
use tsd_data::{DatasetKind, LoadOptions};

/// Arguments of `tsd train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// mnist, sprites, cars3d or norb.
    #[arg(long, default_value = "mnist")]
    dataset: DatasetKind,
    /// TOML config (default: the dataset's preset, the released settings).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Override a config field, e.g. `--set step2.lambda_adv=2` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Shortcut for `--set step1.epochs=N`.
    #[arg(long)]
    step1_epochs: Option<usize>,
    /// Shortcut for `--set step2.epochs=N`.
    #[arg(long)]
    step2_epochs: Option<usize>,
    /// Validation hold-out size for MNIST and NORB (default 2,000).
    #[arg(long)]
    val_size: Option<usize>,
    /// Train on the first N training images only (quick runs).
    #[arg(long)]
    train_subset: Option<usize>,
    /// Run folder (default `runs/<dataset>-two-step`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Continue the run in `--out` from its last checkpoint.
    #[arg(long)]
    resume: bool,
    /// auto (CUDA when present), cpu or cuda.
    #[arg(long, default_value = "auto")]
    device: DeviceChoice,
    /// Folder holding the datasets.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Hide progress bars and per-epoch lines.
    #[arg(long)]
    quiet: bool,
}

/// What `tsd train` writes to `summary.json`.
#[derive(Debug, Serialize)]
struct Summary {
    dataset: String,
    device: String,
    train_images: usize,
    test_images: usize,
    test_chance: f64,
    step1_epochs: usize,
    step2_epochs: usize,
    wall_seconds: f64,
    test: TwoStepEval,
}

/// Builds the config from the preset or file plus overrides.
fn config(args: &TrainArgs) -> Result<TwoStepConfig> {
    let mut config = match &args.config {
        Some(path) => TwoStepConfig::load(path)?,
        None => TwoStepConfig::preset(&args.dataset.to_string())?,
    };
    for item in &args.set {
        let (key, value) = item
            .split_once('=')
            .with_context(|| format!("--set {item}: expected KEY=VALUE"))?;
        config.set(key.trim(), value.trim())?;
    }
    if let Some(n) = args.step1_epochs {
        config.step1.epochs = n;
    }
    if let Some(n) = args.step2_epochs {
        config.step2.epochs = n;
    }
    Ok(config)
}

/// Refuses to resume a run with a different config than the one it started with.
fn check_or_write_config(config: &TwoStepConfig, path: &Path, resume: bool) -> Result<()> {
    if resume && path.exists() {
        let saved = TwoStepConfig::load(path)?;
        if &saved != config {
            bail!(
                "{}: the run was started with another config; resume with the same options",
                path.display()
            );
        }
        return Ok(());
    }
    config.save(path)?;
    Ok(())
}

/// Runs `tsd train`.
pub fn run(args: &TrainArgs) -> Result<()> {
    let started = Instant::now();
    let config = config(args)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("runs/{}-two-step", args.dataset)));
    let mut options = LoadOptions {
        data_dir: args.data_dir.clone(),
        seed: config.seed,
        ..LoadOptions::default()
    };
    if let Some(n) = args.val_size {
        options.val_size = n;
    }
    let mut splits = tsd_data::load(args.dataset, &options)?;
    if let Some(n) = args.train_subset {
        let n = n.min(splits.train.len());
        splits.train = splits.train.select(&(0..n).collect::<Vec<_>>());
    }
    let device = args.device.resolve()?;
    eprintln!(
        "training two-step on {} ({} train / {} val / {} test images) on {}, run folder {}",
        args.dataset,
        splits.train.len(),
        splits.val.len(),
        splits.test.len(),
        device_name(device),
        out.display()
    );
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    check_or_write_config(&config, &out.join("config.toml"), args.resume)?;

    let spec = ModelSpec::for_data(&splits.train, config.scaling)?;
    let mut model = TwoStepModel::new(config.clone(), spec, device);
    let mut trainer = TwoStepTrainer::new(&mut model, &splits.train, &splits.val);
    let run = train::RunOptions {
        dir: out.clone(),
        resume: args.resume,
        quiet: args.quiet,
    };
    train::fit(&mut trainer, &run)?;
    drop(trainer);
    model.save(&out.join("model.safetensors"))?;

    let test = model.evaluate(&splits.test);
    let counts = splits.test.class_counts();
    let chance = *counts.iter().max().unwrap_or(&0) as f64 / splits.test.len().max(1) as f64;
    let summary = Summary {
        dataset: args.dataset.to_string(),
        device: device_name(device),
        train_images: splits.train.len(),
        test_images: splits.test.len(),
        test_chance: chance,
        step1_epochs: config.step1.epochs,
        step2_epochs: config.step2.epochs,
        wall_seconds: started.elapsed().as_secs_f64(),
        test,
    };
    let path = out.join("summary.json");
    std::fs::write(&path, serde_json::to_string_pretty(&summary)?)
        .with_context(|| format!("writing {}", path.display()))?;
    println!(
        "test set: {} images, chance (majority class) {:.2}%",
        summary.test_images,
        100.0 * chance
    );
    println!(
        "  S classifier accuracy        {:6.2}%",
        100.0 * test.s_classifier_accuracy
    );
    println!(
        "  own adversary on Z accuracy  {:6.2}%",
        100.0 * test.adversary_accuracy
    );
    println!(
        "  reconstruction loss          {:8.4}",
        test.reconstruction_loss
    );
    println!(
        "wall time {:.1} s; model, config, log and summary in {}",
        summary.wall_seconds,
        out.display()
    );
    Ok(())
}
