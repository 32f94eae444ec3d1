//! Training throughput of the two-step model on MNIST-shaped data (1x28x28,
//! 10 classes) at batch 100 with the released MNIST settings, on the CPU
//! (or `TSD_BENCH_DEVICE=cuda`). Pixels are random: speed does not depend on them.
//!
//! `cargo bench -p tsd-core --bench throughput` prints samples/s for step 1
//! and for step 2 under both schedules.

use ndarray::Array4;
use rand::{Rng, SeedableRng};
use tsd_core::train::{self, RunOptions};
use tsd_core::two_step::Schedule;
use tsd_core::{DeviceChoice, ModelSpec, SavedModel, TwoStepConfig, TwoStepModel, TwoStepTrainer};
use tsd_data::Dataset;

fn mnist_shaped(n: usize, seed: u64) -> Dataset {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    Dataset {
        name: "mnist-shaped".into(),
        images: Array4::from_shape_simple_fn((n, 1, 28, 28), || rng.gen()),
        labels: (0..n).map(|i| i % 10).collect(),
        n_classes: 10,
        label_name: "digit".into(),
        nuisances: Vec::new(),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let device: DeviceChoice = std::env::var("TSD_BENCH_DEVICE").unwrap_or_else(|_| "cpu".into()).parse()?;
    let device = device.resolve()?;
    let (train_set, val_set) = (mnist_shaped(6000, 1), mnist_shaped(500, 2));
    println!(
        "two-step throughput, MNIST shape, batch 100, {} train images, device {}, {} threads",
        train_set.len(),
        tsd_core::device_name(device),
        tch::get_num_threads()
    );
    let schedules = [
        ("step2 (released schedule)", Schedule::Released { every_batch: 4, every_epoch: 4 }),
        ("step2 (every batch)", Schedule::EveryBatch),
    ];
    for (i, (label, schedule)) in schedules.into_iter().enumerate() {
        let mut config = TwoStepConfig::mnist_released();
        config.step1.epochs = usize::from(i == 0);
        config.step2.epochs = 1;
        config.step2.schedule = schedule;
        let spec = ModelSpec::for_data(&train_set, config.scaling)?;
        let mut model = TwoStepModel::new(config, spec, device);
        let mut trainer = TwoStepTrainer::new(&mut model, &train_set, &val_set);
        let dir = tempfile::tempdir()?;
        let history = train::fit(&mut trainer, &RunOptions { quiet: true, ..RunOptions::new(dir.path()) })?;
        for record in &history.records {
            let name = if record.phase == "step1" { "step1" } else { label };
            let rate = record.get("samples_per_s").unwrap_or(f64::NAN);
            println!(
                "{name:<28} {rate:>9.0} samples/s  ({:.1} s per epoch of {} images, incl. validation)",
                record.seconds,
                train_set.len()
            );
        }
    }
    Ok(())
}
