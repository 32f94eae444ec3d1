//! `tsd train`: train a method on a dataset, save it with its config, and audit
//! its codes S and Z with fresh probes on the test set.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use tsd_core::{device_name, Budget, DeviceChoice, MethodConfig, MethodId};
use tsd_data::DatasetKind;
use tsd_lab::pipeline::{train_and_audit, RunRequest, RunSummary};
use tsd_lab::setup::{apply_overrides, DataRequest};
use tsd_metrics::{MlpProbeParams, ProbeConfig, ProbeFamily, ProbeOptions};

/// Arguments of `tsd train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// mnist, sprites, cars3d or norb.
    #[arg(long, default_value = "mnist")]
    dataset: DatasetKind,
    /// The method (one of the registry's).
    #[arg(long, default_value = "two-step", value_parser = crate::method_parser())]
    method: MethodId,
    /// TOML config (default: the dataset's preset).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Override a config field, e.g. `--set step2.lambda_adv=2` (repeatable).
    #[arg(long = "set", value_name = "[METHOD:]KEY=VALUE")]
    set: Vec<String>,
    /// Shortcut for `--set step1.epochs=N` (two-step).
    #[arg(long)]
    step1_epochs: Option<usize>,
    /// Shortcut for `--set step2.epochs=N` (two-step).
    #[arg(long)]
    step2_epochs: Option<usize>,
    /// Validation hold-out size for MNIST and NORB (default 2,000).
    #[arg(long)]
    val_size: Option<usize>,
    /// Train on N training images only, a seeded random subset (quick runs).
    #[arg(long)]
    train_subset: Option<usize>,
    /// Skip the MLP probe (the linear and kNN probes always run).
    #[arg(long)]
    no_mlp_probe: bool,
    /// Run folder (default `runs/<dataset>-<method>`).
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

/// Builds the config from the preset or file plus overrides.
fn config(args: &TrainArgs) -> Result<MethodConfig> {
    let mut config = match &args.config {
        Some(path) => args.method.load_config(path)?,
        None => args.method.preset(args.dataset.dir_name(), Budget::Full)?,
    };
    apply_overrides(&mut config, &args.set)?;
    for (key, value) in [("step1.epochs", args.step1_epochs), ("step2.epochs", args.step2_epochs)] {
        if let Some(n) = value {
            config.set(key, &n.to_string())?;
        }
    }
    Ok(config)
}

/// How to load the data, with the `--val-size` and `--train-subset` options.
fn data_request(args: &TrainArgs, seed: u64) -> DataRequest {
    DataRequest {
        dataset: args.dataset,
        data_dir: args.data_dir.clone(),
        seed,
        val_size: args.val_size,
        train_subset: args.train_subset,
    }
}

/// Runs `tsd train`.
pub fn run(args: &TrainArgs) -> Result<()> {
    let config = config(args)?;
    let data = data_request(args, config.seed());
    let splits = data.load()?;
    let device = args.device.resolve()?;
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from(format!("runs/{}-{}", args.dataset, args.method)));
    eprintln!(
        "training {} on {} ({} train / {} val / {} test images) on {}, run folder {}",
        args.method,
        args.dataset,
        splits.train.len(),
        splits.val.len(),
        splits.test.len(),
        device_name(device),
        out.display()
    );
    let mut probes = ProbeOptions::default();
    if !args.no_mlp_probe {
        probes = probes.with_probe(ProbeConfig::Mlp(MlpProbeParams::default()));
    }
    let request = RunRequest {
        config,
        data,
        quick: false,
        out: out.clone(),
        resume: args.resume,
        quiet: args.quiet,
        device,
        probes,
    };
    let (_, _, summary) = train_and_audit(&request, &splits)?;
    print_summary(&summary);
    println!("wall time {:.1} s; model, config, log and summary.json in {}", summary.wall_seconds, out.display());
    Ok(())
}

/// Prints the headline figures of a run.
pub(crate) fn print_summary(summary: &RunSummary) {
    let z = &summary.z.label;
    println!(
        "{} on {}: test set {} images, chance {:.2}%",
        summary.method,
        summary.dataset,
        summary.test_images,
        100.0 * z.chance
    );
    for own in &summary.own_networks {
        let name = format!("own {} on {}", own.network, own.code);
        println!("  {name:<28} {:6.2}%", 100.0 * own.accuracy);
    }
    for family in [ProbeFamily::Logistic, ProbeFamily::Knn, ProbeFamily::Mlp] {
        if let (Some(s), Some(z)) = (summary.s.label.scores(family), summary.z.label.scores(family)) {
            println!(
                "  fresh {:<8} probe  S {:6.2}% [{:.2}, {:.2}]   Z {:6.2}% [{:.2}, {:.2}]  (Z leakage {:.3})",
                family.to_string(),
                100.0 * s.accuracy,
                100.0 * s.ci_low,
                100.0 * s.ci_high,
                100.0 * z.accuracy,
                100.0 * z.ci_low,
                100.0 * z.ci_high,
                z.leakage
            );
        }
        if let Some(sample) = summary.z_sample.as_ref().and_then(|a| a.label.scores(family)) {
            println!(
                "  fresh {:<8} probe  Z sample {:6.2}% [{:.2}, {:.2}]  (leakage {:.3}; one draw of the Gaussian Z per image)",
                family.to_string(),
                100.0 * sample.accuracy,
                100.0 * sample.ci_low,
                100.0 * sample.ci_high,
                sample.leakage
            );
        }
    }
    if let Some(swaps) = &summary.swap_labels {
        println!(
            "  swapped test images read as S's label {:.2}%, as Z's {:.2}% ({} pairs; the CNN reads {:.2}% of real test images)",
            100.0 * swaps.follows_s,
            100.0 * swaps.follows_z,
            swaps.pairs,
            100.0 * swaps.classifier_accuracy
        );
    }
    for (code, audit) in [("S", &summary.s), ("Z", &summary.z)] {
        for n in &audit.nuisances {
            println!(
                "  nuisance {:<10} from {code}: {:6.2}% (chance {:.2}%)",
                n.name,
                100.0 * n.scores.accuracy,
                100.0 * n.scores.chance
            );
        }
    }
    println!("  test reconstruction MSE      {:8.4}", summary.test_reconstruction_mse);
    println!(
        "  epochs trained               {:>8} of at most {} ({})",
        summary.epochs,
        summary.max_epochs,
        summary.stopped.as_str()
    );
}
