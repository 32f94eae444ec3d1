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
//! - `--side S` image side (default 28);
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
use tsd_core::train::{self, RunOptions};
use tsd_core::two_step::Schedule;
use tsd_core::{
    DeviceChoice, MathieuConfig, MathieuModel, MathieuTrainer, ModelSpec, SavedModel, TwoStepConfig, TwoStepModel,
    TwoStepTrainer,
};
use tsd_data::Dataset;

const PHASES: [&str; 4] = ["step1", "step2-every", "step2-released", "mathieu"];

fn random_images(n: usize, side: usize, seed: u64) -> Dataset {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    Dataset {
        name: "mnist-shaped".into(),
        images: Array4::from_shape_simple_fn((n, 1, side, side), || rng.gen()),
        labels: (0..n).map(|i| i % 10).collect(),
        n_classes: 10,
        label_name: "digit".into(),
        nuisances: Vec::new(),
    }
}

/// The released MNIST config trimmed to `phase` (`epochs` of it).
fn config_for(phase: &str, epochs: usize) -> TwoStepConfig {
    let mut config = TwoStepConfig::mnist_released();
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
    train_set: &Dataset,
    val_set: &Dataset,
    device: Device,
) -> Result<(f64, f64), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let run = RunOptions { quiet: true, ..RunOptions::new(dir.path()) };
    let (wall, cpu);
    if phase == "mathieu" {
        let config = mathieu_config(epochs);
        let spec = ModelSpec::for_data(train_set, config.input_scaling())?;
        let mut model = MathieuModel::new(config, spec, device);
        let mut trainer = MathieuTrainer::new(&mut model, train_set, val_set)?;
        (wall, cpu) = (Instant::now(), cpu_seconds());
        train::fit(&mut trainer, &run)?;
    } else {
        let config = config_for(phase, epochs);
        let spec = ModelSpec::for_data(train_set, config.scaling)?;
        let mut model = TwoStepModel::new(config, spec, device);
        let mut trainer = TwoStepTrainer::new(&mut model, train_set, val_set);
        (wall, cpu) = (Instant::now(), cpu_seconds());
        train::fit(&mut trainer, &run)?;
    }
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
    let side: usize = option(&args, "--side").map_or(Ok(28), |v| v.parse())?;
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
    let (train_set, val_set, warm_set) =
        (random_images(images, side, 1), random_images(1000, side, 2), random_images(1000, side, 3));
    if !json {
        println!(
            "throughput, {side}x{side} images, {images} train / 1000 validation images, device {}, {} threads",
            tsd_core::device_name(device),
            tch::get_num_threads()
        );
    }
    for phase in &phases {
        let warm_phase = if phase == "step2-released" { "step2-every" } else { phase };
        timed_fit(warm_phase, 1, &warm_set, &val_set, device)?;
        let epochs = if phase == "step2-released" { 4 } else { 1 };
        let (wall, cpu) = timed_fit(phase, epochs, &train_set, &val_set, device)?;
        // The baseline's batches are its iterations (full batches of 64).
        let batches = if phase == "mathieu" { epochs * (images / 64) } else { epochs * images.div_ceil(100) };
        if json {
            println!(
                "{}",
                serde_json::json!({
                    "side": "tsd", "phase": phase, "images": images, "image_side": side,
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
