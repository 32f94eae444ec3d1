//! The Mathieu et al. baseline on generated data.

use tch::{Device, Tensor};
use tsd_core::common::checkpoint;
use tsd_core::train::{self, History};
use tsd_core::{
    Budget, ConfigFile, Disentangler, Mathieu, MathieuConfig, MathieuModel, MathieuTrainer, Method, ModelSpec,
    SavedModel,
};
use tsd_data::Splits;

use crate::common::{data, run, values, Interrupted};

fn small_config(epochs: usize) -> MathieuConfig {
    let mut c = MathieuConfig::mnist();
    c.dataset = "synthetic".into();
    c.nf = 8;
    c.hidden = 32;
    c.s_dim = 4;
    c.z_dim = 4;
    c.batch_size = 32;
    c.epochs = epochs;
    c.lr = 1e-3;
    c
}

fn build(config: MathieuConfig, splits: &Splits) -> MathieuModel {
    let spec = ModelSpec::for_data(&splits.train, config.scaling).unwrap();
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
    assert!(kl.iter().all(|k| k.is_finite() && *k >= 0.0), "KL {kl:?}");
    let d = values(&history, "train", "disc_loss");
    assert!(d.iter().all(|v| v.is_finite()), "discriminator loss {d:?}");
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
    assert_eq!(ab.size(), vec![8, 1, 16, 16]);
    let differs = |p: &Tensor, q: &Tensor| (p - q).abs().max().double_value(&[]) > 1e-4;
    assert!(differs(&ab, &model.swap(&c, &b)), "swap ignores the S input");
    assert!(differs(&ab, &model.swap(&a, &c)), "swap ignores the Z input");
    assert!(ab.abs().max().double_value(&[]) <= 1.0, "tanh output out of [-1, 1]");
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
