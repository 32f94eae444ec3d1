//! The Mathieu et al. baseline on generated data.

use ndarray::{s, Array4};
use tch::{Device, Tensor};
use tsd_core::common::checkpoint;
use tsd_core::common::config::InputScaling;
use tsd_core::train::{self, History};
use tsd_core::{
    Budget, ConfigFile, Disentangler, Mathieu, MathieuConfig, MathieuModel, MathieuTrainer, Method, ModelSpec,
    SavedModel,
};
use tsd_data::{Dataset, Splits};

use crate::common::{self, run, values, Interrupted};

fn small_config(epochs: usize) -> MathieuConfig {
    let mut c = MathieuConfig::mnist();
    c.dataset = "synthetic".into();
    c.nf = 4;
    c.s_dim = 4;
    c.z_dim = 4;
    c.batch_size = 32;
    c.epochs = epochs;
    c.lr = 1e-3;
    c
}

/// The generated data padded to 28x28, the MNIST geometry of Jha et al.'s
/// networks (their last conv map is 2x2; at 16x16 it would be 1x1, which
/// InstanceNorm maps to zero).
fn data() -> Splits {
    let pad = |d: Dataset| {
        let (n, c, h, w) = d.images.dim();
        let mut images = Array4::<u8>::zeros((n, c, 28, 28));
        images.slice_mut(s![.., .., 6..6 + h, 6..6 + w]).assign(&d.images);
        Dataset { images, ..d }
    };
    let splits = common::data();
    Splits { train: pad(splits.train), val: pad(splits.val), test: pad(splits.test) }
}

fn build(config: MathieuConfig, splits: &Splits) -> MathieuModel {
    let spec = ModelSpec::for_data(&splits.train, InputScaling::Unit).unwrap();
    MathieuModel::new(config, spec, Device::Cpu)
}

fn fit(model: &mut MathieuModel, splits: &Splits, dir: &std::path::Path) -> History {
    let mut trainer = MathieuTrainer::new(model, &splits.train, &splits.val).unwrap();
    train::fit(&mut trainer, &run(dir, false)).unwrap()
}

fn weights(model: &MathieuModel) -> Vec<(String, Tensor)> {
    let mut out = checkpoint::var_tensors(&model.gen_vs, "gen/");
    out.extend(checkpoint::var_tensors(&model.disc_vs, "disc/"));
    out
}

#[test]
fn losses_fall_and_kl_stays_finite() {
    let splits = data();
    let dir = tempfile::tempdir().unwrap();
    let mut model = build(small_config(6), &splits);
    let history = fit(&mut model, &splits, dir.path());
    for key in ["rec", "swap", "val_rec"] {
        let v = values(&history, "train", key);
        assert!(v.last().unwrap() < &(v[0] * 0.7), "{key} did not fall: {v:?}");
    }
    let kl = values(&history, "train", "kl");
    // Non-negative up to rounding (it reaches ~1e-11 here as z's posterior collapses to the prior).
    assert!(kl.iter().all(|k| k.is_finite() && *k > -1e-6), "KL {kl:?}");
    for key in ["gen", "disc_loss"] {
        let v = values(&history, "train", key);
        assert!(v.iter().all(|v| v.is_finite() && *v > 0.0), "{key} {v:?}");
    }
    let steps = values(&history, "train", "disc_step_fraction");
    assert!(steps.iter().all(|f| (0.0..=1.0).contains(f)), "{steps:?}");
}

/// Trains one epoch with the discriminator's accuracy limit at `limit`;
/// returns the fraction of discriminator steps taken and whether its weights moved.
fn one_epoch_with_limit(limit: f64) -> (f64, bool) {
    let splits = data();
    let dir = tempfile::tempdir().unwrap();
    let mut config = small_config(1);
    config.disc_accuracy_limit = limit;
    let mut model = build(config, &splits);
    let before: Vec<Tensor> = checkpoint::var_tensors(&model.disc_vs, "disc/").iter().map(|(_, t)| t.copy()).collect();
    let history = fit(&mut model, &splits, dir.path());
    let after = checkpoint::var_tensors(&model.disc_vs, "disc/");
    let moved = before.iter().zip(&after).any(|(p, (_, q))| !p.equal(q));
    (values(&history, "train", "disc_step_fraction")[0], moved)
}

#[test]
fn the_discriminator_steps_only_below_its_accuracy_limit() {
    // Accuracy is never below 0, and always below 1.01.
    assert_eq!(one_epoch_with_limit(0.0), (0.0, false));
    assert_eq!(one_epoch_with_limit(1.01), (1.0, true));
}

#[test]
fn codes_are_per_image_and_z_samples_spread_around_the_mean() {
    let splits = data();
    let model = build(small_config(1), &splits);
    let x = tsd_core::images_to_tensor(&splits.test.images, model.normalization(), Device::Cpu);
    let all = model.encode(&x);
    let one = model.encode(&x.narrow(0, 5, 1));
    let close = |p: &Tensor, q: &Tensor| (p - q).abs().max().double_value(&[]) < 1e-5;
    assert!(
        close(&all.s.narrow(0, 5, 1), &one.s) && close(&all.z.narrow(0, 5, 1), &one.z),
        "codes depend on the batch"
    );
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(3);
    let (codes, sample) = model.encode_sampled(&x, &mut rng);
    let sample = sample.expect("a Gaussian z has samples");
    assert!(codes.s.equal(&all.s) && codes.z.equal(&all.z), "encode_sampled's codes differ from encode's");
    assert_eq!(sample.size(), all.z.size());
    let spread = (&sample - &all.z).std(false).double_value(&[]);
    assert!(spread > 0.1, "samples sit on the mean (spread {spread})");
}

#[test]
fn swap_has_the_image_shape_and_depends_on_both_inputs() {
    let splits = data();
    let dir = tempfile::tempdir().unwrap();
    let mut model = build(small_config(2), &splits);
    fit(&mut model, &splits, dir.path());
    let x = tsd_core::images_to_tensor(&splits.test.images, model.normalization(), Device::Cpu);
    let (a, b, c) = (x.narrow(0, 0, 8), x.narrow(0, 8, 8), x.narrow(0, 16, 8));
    let ab = model.swap(&a, &b);
    assert_eq!(ab.size(), vec![8, 1, 28, 28]);
    let differs = |p: &Tensor, q: &Tensor| (p - q).abs().max().double_value(&[]) > 1e-4;
    assert!(differs(&ab, &model.swap(&c, &b)), "swap ignores the S input");
    assert!(differs(&ab, &model.swap(&a, &c)), "swap ignores the Z input");
    let (lo, hi) = (ab.min().double_value(&[]), ab.max().double_value(&[]));
    assert!((0.0..=1.0).contains(&lo) && hi <= 1.0, "sigmoid output out of [0, 1]: {lo}..{hi}");
}

#[test]
fn save_then_load_gives_identical_outputs_and_resume_matches() {
    let splits = data();
    let dir = tempfile::tempdir().unwrap();
    let mut whole = build(small_config(2), &splits);
    fit(&mut whole, &splits, &dir.path().join("whole"));
    let path = dir.path().join("model.safetensors");
    whole.save(&path).unwrap();
    let loaded = MathieuModel::load(&path, Device::Cpu).unwrap();
    let x = tsd_core::images_to_tensor(&splits.test.images, whole.normalization(), Device::Cpu);
    let (a, b) = (whole.encode(&x), loaded.encode(&x));
    assert!(a.s.equal(&b.s) && a.z.equal(&b.z));
    assert!(whole.decode(&a.s, &a.z).equal(&loaded.decode(&b.s, &b.z)));
    assert!(tsd_core::TwoStepModel::load(&path, Device::Cpu).is_err(), "a Mathieu file loaded as two-step");

    // Interrupted after one epoch and resumed, equals two epochs in one go.
    let part = dir.path().join("part");
    let mut first = build(small_config(2), &splits);
    let trainer = MathieuTrainer::new(&mut first, &splits.train, &splits.val).unwrap();
    assert!(train::fit(&mut Interrupted::new(trainer, 1), &run(&part, false)).is_err());
    let mut resumed = build(small_config(2), &splits);
    let mut trainer = MathieuTrainer::new(&mut resumed, &splits.train, &splits.val).unwrap();
    train::fit(&mut trainer, &run(&part, true)).unwrap();
    drop(trainer);
    for ((n, p), (_, q)) in weights(&whole).iter().zip(weights(&resumed).iter()) {
        let diff = (p - q).abs().max().double_value(&[]);
        assert!(p.equal(q), "{n} differs after resume by up to {diff}");
    }
}

#[test]
fn committed_mathieu_configs_equal_the_presets() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../benchmarks/configs");
    for name in ["mnist", "mnist-64", "sprites", "cars3d", "norb"] {
        let path = root.join(format!("mathieu-{name}.toml"));
        let file = MathieuConfig::load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            file,
            <Mathieu as Method>::preset(name, Budget::Full).unwrap(),
            "{} differs from the preset",
            path.display()
        );
    }
}
