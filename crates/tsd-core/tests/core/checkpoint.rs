//! Checkpoints and model files (issue 17): identical contents give identical
//! bytes, a damaged file is refused naming what to do, and a resume from a
//! checkpoint of another run is refused naming what differs.

use std::collections::BTreeMap;

use tch::{Device, Tensor};
use tsd_core::common::checkpoint;
use tsd_core::train::{self, RunOptions};
use tsd_core::two_step::Schedule;
use tsd_core::{CoreError, ModelSpec, SavedModel, TwoStepConfig, TwoStepModel, TwoStepTrainer};

use crate::common::{data, run};

fn tensors() -> Vec<(String, Tensor)> {
    (0..6).map(|i| (format!("t{i}"), Tensor::from_slice(&[i as f32, 1.5, -2.0]).view([3, 1]))).collect()
}

fn metadata() -> BTreeMap<String, String> {
    (0..12).map(|i| (format!("key{i}"), format!("value {i}"))).collect()
}

#[test]
fn identical_saves_give_byte_identical_files() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.safetensors"), dir.path().join("b.safetensors"));
    // safetensors writes its metadata map in hash order, which differs from one map to the next.
    for _ in 0..5 {
        checkpoint::save(&a, &tensors(), &metadata()).unwrap();
        checkpoint::save(&b, &tensors(), &metadata()).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    }
    let (loaded, meta) = checkpoint::load(&a, Device::Cpu).unwrap();
    assert_eq!(meta, metadata(), "the checksum is not part of the metadata handed back");
    assert!(loaded["t3"].equal(&tensors()[3].1));
}

#[test]
fn a_checkpoint_with_flipped_bytes_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("checkpoint.safetensors");
    checkpoint::save(&path, &tensors(), &metadata()).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 3;
    bytes[last] ^= 0x10;
    std::fs::write(&path, &bytes).unwrap();
    let err = checkpoint::load(&path, Device::Cpu).unwrap_err();
    assert!(matches!(err, CoreError::BadCheckpoint { .. }), "{err}");
    assert!(err.to_string().contains("checksum") && err.to_string().contains("delete it"), "{err}");
}

#[test]
fn a_truncated_checkpoint_names_the_way_forward() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("checkpoint.safetensors");
    checkpoint::save(&path, &tensors(), &metadata()).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let err = checkpoint::load(&path, Device::Cpu).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("checkpoint.safetensors") && text.contains("truncated") && text.contains("delete it"),
        "{text}"
    );
}

fn config(lambda_adv: f64) -> TwoStepConfig {
    let mut c = TwoStepConfig::mnist_released();
    (c.nf, c.enc_hidden, c.s_dim, c.z_dim, c.batch_size) = (8, 16, 4, 4, 100);
    (c.step1.epochs, c.step2.epochs) = (1, 2);
    c.step1.classifier.width = 16;
    c.step2.adversary.mlp.width = 16;
    c.step2.schedule = Schedule::EveryBatch;
    c.step2.lambda_adv = lambda_adv;
    c
}

fn identity(config: &TwoStepConfig) -> BTreeMap<String, String> {
    BTreeMap::from([("config".to_string(), toml::to_string(config).unwrap())])
}

#[test]
fn resume_refuses_a_checkpoint_written_under_another_config() {
    let splits = data();
    let dir = tempfile::tempdir().unwrap();
    let train = |c: TwoStepConfig, epochs_done: Option<usize>, resume: bool| {
        let spec = ModelSpec::for_data(&splits.train, c.scaling).unwrap();
        let mut model = TwoStepModel::new(c.clone(), spec, Device::Cpu);
        let mut trainer = TwoStepTrainer::new(&mut model, &splits.train, &splits.val);
        let options = RunOptions { identity: identity(&c), ..run(dir.path(), resume) };
        match epochs_done {
            Some(n) => train::fit(&mut crate::common::Interrupted::new(trainer, n), &options),
            None => train::fit(&mut trainer, &options),
        }
    };
    assert!(train(config(1.0), Some(2), false).is_err(), "stopped after two epochs");
    let err = train(config(2.0), None, true).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("written by another run") && text.contains("step2.lambda_adv: 1.0 there, 2.0 now"), "{text}");
    train(config(1.0), None, true).unwrap();
}
