//! The matched-Z method on generated data: its terms take the label out of
//! Z as a fresh probe sees it, and its training stays exact under resume.

use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Kind, Tensor};
use tsd_core::two_step::matching::Matching;
use tsd_core::{Disentangler, TwoStepConfig, TwoStepModel};
use tsd_data::Dataset;

use crate::common::{data, values, CLASSES};
use crate::two_step::{assert_resume_matches, build, fit, small_config};

fn matched_config(step1: usize, step2: usize, matching: Matching) -> TwoStepConfig {
    let mut c = small_config(step1, step2);
    c.step2.lambda_adv = 0.0;
    c.step2.matching = Some(matching);
    c
}

/// Z of `data` and its labels.
fn z_of(model: &TwoStepModel, data: &Dataset) -> (Tensor, Tensor) {
    let x = tsd_core::images_to_tensor(&data.images, model.normalization(), Device::Cpu);
    let labels: Vec<i64> = data.labels.iter().map(|&l| l as i64).collect();
    (model.encode(&x).z, Tensor::from_slice(&labels))
}

/// Test accuracy of a fresh MLP (64 hidden units, full-batch Adam) fitted on
/// the training set's Z: what a user's probe would read.
fn fresh_probe_accuracy(model: &TwoStepModel, train: &Dataset, test: &Dataset) -> f64 {
    let ((z, y), (z_test, y_test)) = (z_of(model, train), z_of(model, test));
    let (mean, std) = (z.mean_dim(0, true, Kind::Float), z.std_dim(0, true, true) + 1e-6);
    let scale = |t: &Tensor| (t - &mean) / &std;
    tch::manual_seed(7);
    let vs = nn::VarStore::new(Device::Cpu);
    let dim = z.size()[1];
    let net = nn::seq()
        .add(nn::linear(vs.root() / "h", dim, 64, Default::default()))
        .add_fn(|t| t.relu())
        .add(nn::linear(vs.root() / "out", 64, CLASSES as i64, Default::default()));
    let mut opt = nn::Adam::default().build(&vs, 1e-2).unwrap();
    let inputs = scale(&z);
    for _ in 0..400 {
        opt.backward_step(&net.forward(&inputs).cross_entropy_for_logits(&y));
    }
    let predicted = tch::no_grad(|| net.forward(&scale(&z_test)).argmax(-1, false));
    predicted.eq_tensor(&y_test).to_kind(Kind::Float).mean(Kind::Float).double_value(&[])
}

#[test]
fn the_matching_terms_hide_the_label_from_a_fresh_probe_and_reconstruction_still_falls() {
    let splits = data();
    let chance = 1.0 / CLASSES as f64;
    let off = Matching { mmd: 0.0, confusion: 0.0, adversary_reset: 0, ..Matching::preset() };
    let mut read = Vec::new();
    for matching in [off, Matching::preset()] {
        let dir = tempfile::tempdir().unwrap();
        let mut model = build(matched_config(4, 12, matching), &splits);
        let history = fit(&mut model, &splits, dir.path());
        let rec = values(&history, "step2", "val_rec");
        assert!(rec.last().unwrap() < &(rec[0] * 0.8), "reconstruction did not fall: {rec:?}");
        let mmd = values(&history, "step2", "mmd");
        assert_eq!(mmd.len(), 12, "the MMD term is logged even at weight 0");
        read.push((fresh_probe_accuracy(&model, &splits.train, &splits.test), mmd[0], *mmd.last().unwrap()));
    }
    let ((free, _, free_mmd), (matched, first_mmd, last_mmd)) = (read[0], read[1]);
    assert!(free > chance + 0.3, "without the terms a fresh probe reads only {free} from Z (chance {chance})");
    assert!(
        matched < chance + 0.3 && matched < free - 0.4,
        "fresh probe on Z: {matched} with the terms, {free} without (chance {chance})"
    );
    assert!(
        last_mmd < first_mmd * 0.5 && last_mmd < free_mmd * 0.5,
        "MMD^2 {first_mmd} -> {last_mmd} (off: {free_mmd})"
    );
}

#[test]
fn a_run_with_noise_and_adversary_resets_resumes_to_the_same_weights() {
    let matching = Matching { noise: 0.1, adversary_reset: 1, adversary_warmup: 1, ..Matching::preset() };
    // Step 1 and step-2 epoch 0; the resume starts with a reset.
    assert_resume_matches(&matched_config(1, 3, matching), 2, &["mmd", "confusion", "adv_acc", "val_rec"]);
}

#[test]
fn a_reset_gives_the_adversary_new_weights() {
    let splits = data();
    let adversary = |reset: usize| {
        let matching = Matching { adversary_reset: reset, adversary_warmup: 0, ..Matching::preset() };
        let mut model = build(matched_config(1, 2, matching), &splits);
        fit(&mut model, &splits, tempfile::tempdir().unwrap().path());
        tsd_core::common::checkpoint::var_tensors(&model.adv_vs, "")
    };
    let (kept, reset) = (adversary(0), adversary(1));
    let differ = kept.iter().zip(&reset).filter(|((_, a), (_, b))| !a.equal(b)).count();
    assert!(differ > 0, "a reset before epoch 1 left every adversary weight as it was");
}
