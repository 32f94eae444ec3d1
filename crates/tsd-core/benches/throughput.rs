//! Training throughput of the two-step model at the released MNIST settings
//! (batch 100) and of the Mathieu et al. baseline at its MNIST preset (batch
//! 64) on random MNIST-shaped images (speed does not depend on the pixels),
//! on the CPU or `TSD_BENCH_DEVICE=cuda`.
//!
//! `cargo bench -p tsd-core --bench throughput` prints, for step 1, step 2
//! with the encoder stepping on every batch, step 2 under the released
//! schedule (one cycle of 4 epochs) and one epoch of the baseline (every
//! discriminator step taken, so that the work per iteration does not depend
//! on the data), the wall and CPU time per batch (per iteration for the
//! baseline) and the samples per second. Options (after `--`):
//!
//! - `--phase step1|step2-every|step2-released|mathieu` one phase only (default: all);
//! - `--images N` training images (default 10,000; validation: 1,000);
//! - `--side S` image side (default 28; 32 with `--preset sprites`);
//! - `--preset sprites` the two-step phases at the released Sprites model
//!   (3 channels, nf 64, S 32, Z 128, 672 classes, batch 100) instead of MNIST's;
//! - `--threads T` libtorch intra-op threads (default: libtorch's choice);
//! - `--json` one JSON line per phase, the format of
//!   `benchmarks/two_step_torch.py` (`benchmarks/speed_side_by_side.sh`
//!   runs both interleaved).
//!
//! Each phase first trains a warm-up epoch on 1,000 images with a separate
//! model (kernel selection, allocator); model building is not timed. Wall and
//! CPU times cover the phase's epochs with their validation, as the figures
//! of a real run do.

use std::time::Instant;

use ndarray::Array4;
use rand::{Rng, SeedableRng};
use tch::Device;
use tsd_core::method::MethodSettings;
use tsd_core::train::{self, RunOptions, Trainable};
use tsd_core::two_step::Schedule;
use tsd_core::{
    DeviceChoice, MathieuConfig, MathieuModel, MathieuTrainer, ModelSpec, SavedModel, TwoStepConfig, TwoStepModel,
    TwoStepTrainer,
};
use tsd_data::Dataset;

const PHASES: [&str; 4] = ["step1", "step2-every", "step2-released", "mathieu"];

/// The images a preset trains on: channels, classes and the two-step config.
#[derive(Clone, Copy, PartialEq)]
enum Preset {
    Mnist,
    Sprites,
}

impl Preset {
    /// The preset named `--preset NAME` (default: MNIST).
    fn parse(name: Option<&str>) -> Result<Preset, String> {
        match name {
            None | Some("mnist") => Ok(Preset::Mnist),
            Some("sprites") => Ok(Preset::Sprites),
            Some(p) => Err(format!("unknown preset {p:?}; mnist or sprites")),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Preset::Mnist => "mnist",
            Preset::Sprites => "sprites",
        }
    }

    /// (channels, side, classes) of its images.
    fn images(self) -> (usize, usize, usize) {
        match self {
            Preset::Mnist => (1, 28, 10),
            Preset::Sprites => (3, 32, 672),
        }
    }

    fn two_step(self) -> TwoStepConfig {
        match self {
            Preset::Mnist => TwoStepConfig::mnist_released(),
            Preset::Sprites => TwoStepConfig::sprites_released(),
        }
    }
}

fn random_images(n: usize, side: usize, preset: Preset, seed: u64) -> Dataset {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let (channels, _, classes) = preset.images();
    Dataset {
        name: "random".into(),
        images: Array4::from_shape_simple_fn((n, channels, side, side), || rng.gen()),
        labels: (0..n).map(|i| i % classes).collect(),
        n_classes: classes,
        label_name: "class".into(),
        nuisances: Vec::new(),
    }
}

/// The preset's released two-step config trimmed to `phase` (`epochs` of it).
fn config_for(phase: &str, epochs: usize, preset: Preset) -> TwoStepConfig {
    let mut config = preset.two_step();
    config.step2.stop = train::Stop::Epochs;
    (config.step1.epochs, config.step2.epochs) = match phase {
        "step1" => (epochs, 0),
        _ => (0, epochs),
    };
    if phase == "step2-every" {
        config.step2.schedule = Schedule::EveryBatch;
    }
    config
}

/// The baseline's MNIST preset for `epochs`, every discriminator step taken.
fn mathieu_config(epochs: usize) -> MathieuConfig {
    MathieuConfig { epochs, disc_accuracy_limit: f64::INFINITY, ..MathieuConfig::mnist() }
}

/// Trains `phase` (`epochs` of it) on `train`; returns (wall seconds, CPU
/// seconds of the process) of the training alone.
fn timed_fit(
    phase: &str,
    epochs: usize,
    preset: Preset,
    train_set: &Dataset,
    val_set: &Dataset,
    device: Device,
) -> Result<(f64, f64), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let run = RunOptions { quiet: true, ..RunOptions::new(dir.path()) };
    if phase == "mathieu" {
        let config = mathieu_config(epochs);
        let spec = ModelSpec::for_data(train_set, config.input_scaling())?;
        let mut model = MathieuModel::new(config, spec, device);
        timed(&mut MathieuTrainer::new(&mut model, train_set, val_set)?, &run, device)
    } else {
        let config = config_for(phase, epochs, preset);
        let spec = ModelSpec::for_data(train_set, config.scaling)?;
        let mut model = TwoStepModel::new(config, spec, device);
        timed(&mut TwoStepTrainer::new(&mut model, train_set, val_set), &run, device)
    }
}

/// (wall, CPU) seconds of `train::fit` on `trainer`, up to the device's last kernel.
fn timed<T: Trainable>(
    trainer: &mut T,
    run: &RunOptions,
    device: Device,
) -> Result<(f64, f64), Box<dyn std::error::Error>> {
    let (wall, cpu) = (Instant::now(), cpu_seconds());
    train::fit(trainer, run)?;
    if device.is_cuda() {
        tch::Cuda::synchronize(0);
    }
    Ok((wall.elapsed().as_secs_f64(), cpu_seconds() - cpu))
}

/// User + system CPU time of this process so far.
fn cpu_seconds() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; RUSAGE_SELF is always valid.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

fn option(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let images: usize = option(&args, "--images").map_or(Ok(10_000), |v| v.parse())?;
    let preset = Preset::parse(option(&args, "--preset").as_deref())?;
    let side: usize = option(&args, "--side").map_or(Ok(preset.images().1), |v| v.parse())?;
    if let Some(threads) = option(&args, "--threads") {
        tch::set_num_threads(threads.parse()?);
    }
    let phases: Vec<String> = match option(&args, "--phase") {
        Some(p) if PHASES.contains(&p.as_str()) => vec![p],
        Some(p) => return Err(format!("unknown phase {p:?}; one of {PHASES:?}").into()),
        None => PHASES.iter().map(|p| p.to_string()).collect(),
    };
    let json = args.iter().any(|a| a == "--json");
    let device: DeviceChoice = std::env::var("TSD_BENCH_DEVICE").unwrap_or_else(|_| "cpu".into()).parse()?;
    let device = device.resolve()?;
    if preset == Preset::Sprites && phases.iter().any(|p| p == "mathieu") {
        return Err("--preset sprites times the two-step phases only (name one with --phase)".into());
    }
    let (train_set, val_set, warm_set) = (
        random_images(images, side, preset, 1),
        random_images(1000, side, preset, 2),
        random_images(1000, side, preset, 3),
    );
    if !json {
        println!(
            "throughput, {side}x{side} images, {images} train / 1000 validation images, device {}, {} threads",
            tsd_core::device_name(device),
            tch::get_num_threads()
        );
    }
    for phase in &phases {
        let warm_phase = if phase == "step2-released" { "step2-every" } else { phase };
        timed_fit(warm_phase, 1, preset, &warm_set, &val_set, device)?;
        let epochs = if phase == "step2-released" { 4 } else { 1 };
        let (wall, cpu) = timed_fit(phase, epochs, preset, &train_set, &val_set, device)?;
        // The baseline's batches are its iterations (full batches of 64).
        let batches = if phase == "mathieu" { epochs * (images / 64) } else { epochs * images.div_ceil(100) };
        if json {
            println!(
                "{}",
                serde_json::json!({
                    "side": "tsd", "phase": phase, "images": images, "image_side": side,
                    "preset": preset.name(),
                    "threads": tch::get_num_threads(), "epochs": epochs, "batches": batches,
                    "wall_s": wall, "cpu_s": cpu,
                })
            );
        } else {
            println!(
                "{phase:<15} {:>8.1} ms wall, {:>8.1} ms CPU per batch, {:>8.0} samples/s ({epochs} epoch(s), validation included)",
                1e3 * wall / batches as f64,
                1e3 * cpu / batches as f64,
                (epochs * images) as f64 / wall
            );
        }
    }
    Ok(())
}
