//! The two-step model on generated data (`tsd_data::synthetic`).

use std::path::Path;

use tch::{Device, Tensor};
use tsd_core::train::{self, History, Stop};
use tsd_core::two_step::Schedule;
use tsd_core::{
    reconstruction_mse, reconstruction_mse_mean_z, Budget, ConfigFile, CoreError, Disentangler, Method, ModelSpec,
    SavedModel, TensorData, TwoStep, TwoStepConfig, TwoStepModel, TwoStepTrainer,
};
use tsd_data::Splits;

use crate::common::{data, run, values, Interrupted, CLASSES};

/// A small, fast model of the released MNIST settings, the encoder stepping on every batch.
pub fn small_config(step1: usize, step2: usize) -> TwoStepConfig {
    let mut c = TwoStepConfig::mnist_released();
    c.dataset = "synthetic".into();
    c.nf = 8;
    c.enc_hidden = 32;
    c.s_dim = 4;
    c.z_dim = 8;
    c.batch_size = 50;
    c.bn_momentum = 0.1;
    c.step1.epochs = step1;
    c.step1.classifier.width = 32;
    c.step2.epochs = step2;
    c.step2.lr = 1e-3;
    c.step2.schedule = Schedule::EveryBatch;
    c.step2.stop = Stop::Epochs;
    c.step2.adversary.mlp.width = 32;
    c.step2.adversary.lr = 0.05;
    c
}

/// A fresh model of `config` for `splits`.
pub fn build(config: TwoStepConfig, splits: &Splits) -> TwoStepModel {
    let spec = ModelSpec::for_data(&splits.train, config.scaling).unwrap();
    TwoStepModel::new(config, spec, Device::Cpu)
}

/// Trains `model` in `dir`.
pub fn fit(model: &mut TwoStepModel, splits: &Splits, dir: &Path) -> History {
    let mut trainer = TwoStepTrainer::new(model, &splits.train, &splits.val);
    train::fit(&mut trainer, &run(dir, false)).unwrap()
}

fn all_weights(model: &TwoStepModel) -> Vec<(String, Tensor)> {
    let mut out = tsd_core::common::checkpoint::var_tensors(&model.s_vs, "s/");
    out.extend(tsd_core::common::checkpoint::var_tensors(&model.z_vs, "z/"));
    out.extend(tsd_core::common::checkpoint::var_tensors(&model.adv_vs, "adv/"));
    out
}

/// Panics unless every weight of `a` equals `b`'s.
pub fn assert_same_weights(a: &TwoStepModel, b: &TwoStepModel) {
    for ((na, ta), (nb, tb)) in all_weights(a).iter().zip(all_weights(b).iter()) {
        assert_eq!(na, nb);
        assert!(ta.equal(tb), "{na} differs");
    }
}

#[test]
fn step1_beats_chance_and_step2_reconstructs_while_the_adversary_is_pushed_to_chance() {
    let splits = data();
    let chance = 1.0 / CLASSES as f64;
    let mut mean_adv = Vec::new();
    for lambda_adv in [0.0, 2.0] {
        let dir = tempfile::tempdir().unwrap();
        let mut config = small_config(4, 10);
        config.step2.lambda_adv = lambda_adv;
        let mut model = build(config, &splits);
        let history = fit(&mut model, &splits, dir.path());

        let val_acc = values(&history, "step1", "val_acc");
        assert!(*val_acc.last().unwrap() > 0.9, "step-1 validation accuracy {val_acc:?} (chance {chance})");
        let rec = values(&history, "step2", "val_rec");
        assert!(rec.last().unwrap() < &(rec[0] * 0.8), "reconstruction did not fall: {rec:?}");
        let adv = values(&history, "step2", "val_adv_acc");
        // Over all of step 2: the adversarial game oscillates, so a few late
        // epochs say less about the pressure than the whole phase does.
        mean_adv.push(adv.iter().sum::<f64>() / adv.len() as f64);

        let log = std::fs::read_to_string(dir.path().join(train::LOG_FILE)).unwrap();
        assert!(log.lines().any(|l| l.starts_with("step2,9,") && l.contains("val_adv_acc")), "{log}");
    }
    // Without the adversarial term Z carries the label; with it the adversary is held near chance.
    let (free, pressured) = (mean_adv[0], mean_adv[1]);
    assert!(free > chance + 0.3, "with lambda_adv = 0 the adversary reads only {free} from Z");
    assert!(
        pressured < free - 0.2 && pressured < chance + 0.2,
        "adversary on Z: {pressured} with the adversarial term, {free} without"
    );
}

#[test]
fn same_seed_and_config_give_the_same_weights_and_metrics() {
    let splits = data();
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = build(small_config(1, 1), &splits);
    let mut b = build(small_config(1, 1), &splits);
    let ha = fit(&mut a, &splits, d1.path());
    let hb = fit(&mut b, &splits, d2.path());
    let strip = |h: &History| {
        h.records
            .iter()
            .map(|r| r.values.iter().filter(|(k, _)| k != "samples_per_s").cloned().collect::<Vec<_>>())
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&ha), strip(&hb));
    assert_same_weights(&a, &b);
}

#[test]
fn save_then_load_gives_identical_outputs() {
    let splits = data();
    let dir = tempfile::tempdir().unwrap();
    let mut model = build(small_config(1, 1), &splits);
    fit(&mut model, &splits, dir.path());
    let path = dir.path().join("model.safetensors");
    model.save(&path).unwrap();
    let loaded = TwoStepModel::load(&path, Device::Cpu).unwrap();
    let x = tsd_core::images_to_tensor(&splits.test.images, model.normalization(), Device::Cpu);
    let (a, b) = (model.encode(&x), loaded.encode(&x));
    assert!(a.s.equal(&b.s) && a.z.equal(&b.z));
    assert!(model.decode(&a.s, &a.z).equal(&loaded.decode(&b.s, &b.z)));
    let swapped = model.swap(&x.narrow(0, 0, 10), &x.narrow(0, 10, 10));
    assert_eq!(swapped.size(), vec![10, 1, 16, 16]);
    assert!(swapped.equal(&loaded.swap(&x.narrow(0, 0, 10), &x.narrow(0, 10, 10))));
}

#[test]
fn loading_a_file_that_is_not_a_model_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.safetensors");
    std::fs::write(&path, b"not safetensors at all").unwrap();
    let err = TwoStepModel::load(&path, Device::Cpu).unwrap_err();
    assert!(matches!(err, CoreError::BadCheckpoint { .. }), "{err}");
    assert!(err.to_string().contains("junk.safetensors"), "{err}");
}

#[test]
fn an_interrupted_run_resumes_to_the_same_result_as_an_uninterrupted_one() {
    let splits = data();
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut whole = build(small_config(2, 2), &splits);
    let h_whole = fit(&mut whole, &splits, d1.path());

    for stop_after in [1, 3] {
        let dir = d2.path().join(format!("stop{stop_after}"));
        let mut first = build(small_config(2, 2), &splits);
        let mut interrupted = Interrupted::new(TwoStepTrainer::new(&mut first, &splits.train, &splits.val), stop_after);
        assert!(train::fit(&mut interrupted, &run(&dir, false)).is_err());
        // Without --resume an existing checkpoint is refused, not overwritten.
        let mut again = build(small_config(2, 2), &splits);
        let mut trainer = TwoStepTrainer::new(&mut again, &splits.train, &splits.val);
        assert!(train::fit(&mut trainer, &run(&dir, false)).is_err());
        let h_resumed = train::fit(&mut trainer, &run(&dir, true)).unwrap();
        drop(trainer);
        assert_same_weights(&whole, &again);
        assert_eq!(h_whole.records.len(), h_resumed.records.len());
        for (a, b) in h_whole.records.iter().zip(&h_resumed.records) {
            assert_eq!(a.get("val_acc"), b.get("val_acc"));
            assert_eq!(a.get("val_adv_acc"), b.get("val_adv_acc"));
        }
    }
}

/// Step 2 under the released schedule (the encoder steps in every other
/// epoch; Z of the others comes from the cache) with a rule that stops as
/// soon as it may: after `patience` + 1 epochs, at the end of a cycle.
fn converging_config() -> TwoStepConfig {
    let mut c = small_config(1, 12);
    c.step2.schedule = Schedule::Released { every_batch: 2, every_epoch: 2 };
    // No loss can improve by 100% of itself: converged once there is a before and a patience.
    c.step2.stop = Stop::Converged { patience: 2, min_improvement: 1.0 };
    c
}

#[test]
fn a_converged_step2_stops_at_the_end_of_a_schedule_cycle_and_a_resume_stops_there_too() {
    let splits = data();
    let dir = tempfile::tempdir().unwrap();
    let mut model = build(converging_config(), &splits);
    let history = fit(&mut model, &splits, dir.path());
    // 3 epochs would satisfy the patience; the cycle of 2 makes it 4.
    assert_eq!(values(&history, "step2", "val_rec").len(), 4, "{:?}", values(&history, "step2", "val_rec"));
    let steps = (splits.train.len().div_ceil(50)).div_ceil(2) as f64;
    assert_eq!(
        values(&history, "step2", "encoder_steps"),
        [steps, 0.0, steps, 0.0],
        "every other batch of every other epoch"
    );

    let mut again = build(converging_config(), &splits);
    let mut trainer = TwoStepTrainer::new(&mut again, &splits.train, &splits.val);
    let resumed = train::fit(&mut trainer, &run(dir.path(), true)).unwrap();
    drop(trainer);
    assert_eq!(resumed.records.len(), history.records.len(), "the resumed run trained on");
    assert_same_weights(&model, &again);
}

/// Trains `config` whole, and again interrupted after `stop_after` epochs
/// and resumed: both end with the same weights and the same step-2 `keys` in their logs.
pub fn assert_resume_matches(config: &TwoStepConfig, stop_after: usize, keys: &[&str]) {
    let splits = data();
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut whole = build(config.clone(), &splits);
    let h_whole = fit(&mut whole, &splits, d1.path());
    let mut first = build(config.clone(), &splits);
    let mut interrupted = Interrupted::new(TwoStepTrainer::new(&mut first, &splits.train, &splits.val), stop_after);
    assert!(train::fit(&mut interrupted, &run(d2.path(), false)).is_err());
    let mut again = build(config.clone(), &splits);
    let mut trainer = TwoStepTrainer::new(&mut again, &splits.train, &splits.val);
    let h_resumed = train::fit(&mut trainer, &run(d2.path(), true)).unwrap();
    drop(trainer);
    assert_same_weights(&whole, &again);
    for key in keys {
        assert_eq!(values(&h_whole, "step2", key), values(&h_resumed, "step2", key), "{key}");
    }
}

#[test]
fn a_run_resumed_inside_a_stretch_of_adversary_only_epochs_matches_an_uninterrupted_one() {
    let mut config = converging_config();
    (config.step2.epochs, config.step2.stop) = (5, Stop::Epochs);
    // Step 1's epoch and step-2 epoch 0; the resume starts in epoch 1 (adversary only, cached Z).
    assert_resume_matches(&config, 2, &["adv_loss", "adv_acc", "val_rec", "val_adv_acc"]);
}

#[test]
fn a_loss_turning_nan_stops_training_and_keeps_the_last_good_checkpoint() {
    let splits = data();
    let dir = tempfile::tempdir().unwrap();
    let mut model = build(small_config(3, 0), &splits);
    let mut interrupted = Interrupted::new(TwoStepTrainer::new(&mut model, &splits.train, &splits.val), 1);
    assert!(train::fit(&mut interrupted, &run(dir.path(), false)).is_err());
    let ckpt = dir.path().join(train::CHECKPOINT_FILE);
    let good = std::fs::read(&ckpt).unwrap();

    let mut config = small_config(3, 0);
    config.step1.lr = 1e30;
    let mut exploding = build(config, &splits);
    let mut trainer = TwoStepTrainer::new(&mut exploding, &splits.train, &splits.val);
    let err = train::fit(&mut trainer, &run(dir.path(), true)).unwrap_err();
    match &err {
        CoreError::NonFinite { phase, epoch, .. } => {
            assert_eq!((phase.as_str(), *epoch), ("step1", 1), "{err}")
        }
        other => panic!("expected NonFinite, got {other}"),
    }
    assert_eq!(std::fs::read(&ckpt).unwrap(), good, "the last good checkpoint was overwritten");
}

#[test]
fn committed_config_files_equal_the_presets() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../benchmarks/configs");
    for name in ["mnist", "sprites", "cars3d", "norb"] {
        let path = root.join(format!("two-step-{name}.toml"));
        let file = TwoStepConfig::load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            file,
            <TwoStep as Method>::preset(name, Budget::Full).unwrap(),
            "{} differs from the preset",
            path.display()
        );
    }
}

#[test]
fn any_config_field_can_be_overridden_and_bad_overrides_are_errors() {
    let mut c = TwoStepConfig::mnist_released();
    c.set("step2.adversary.lr", "0.1").unwrap();
    c.set("step2.schedule.kind", "every_batch").unwrap();
    c.set("recon", "bce").unwrap();
    assert_eq!(c.step2.adversary.lr, 0.1);
    assert_eq!(c.step2.schedule, Schedule::EveryBatch);
    assert!(c.set("step2.no_such_field", "1").is_err());
    assert!(c.set("step1.epochs", "many").is_err());
}

#[test]
fn z_carries_part_of_the_reconstruction_that_its_mean_does_not() {
    let splits = data();
    let dir = tempfile::tempdir().unwrap();
    let mut config = small_config(2, 6);
    config.step2.lambda_adv = 0.0;
    let mut model = build(config, &splits);
    fit(&mut model, &splits, dir.path());
    let test = TensorData::new(&splits.test, model.normalization(), Device::Cpu);
    let (rec, mean_z) = (reconstruction_mse(&model, &test, 64), reconstruction_mse_mean_z(&model, &test, 64));
    assert!(mean_z > rec * 1.05, "Z's mean reconstructs as well as Z: {mean_z} against {rec}");
    // One image: its mean Z is its Z.
    let one = TensorData::new(&splits.test.select(&[3]), model.normalization(), Device::Cpu);
    let (rec, mean_z) = (reconstruction_mse(&model, &one, 64), reconstruction_mse_mean_z(&model, &one, 64));
    assert!((rec - mean_z).abs() <= 1e-6 * rec.max(1e-12), "{rec} against {mean_z}");
}
