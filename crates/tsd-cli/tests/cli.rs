//! End-to-end tests of the built `tsd` binary, run from a temporary folder with
//! no library path set: libtorch must be found through the binary's rpath.

mod reproduce;
mod support;

use support::{text, tsd, write_small_mnist};

#[test]
fn the_binary_runs_from_another_folder_and_prints_a_preset_that_parses() {
    let dir = tempfile::tempdir().unwrap();
    let out = tsd(dir.path(), &["config", "--dataset", "mnist"]);
    assert!(out.status.success(), "{}", text(&out));
    let config: tsd_core::TwoStepConfig = toml::from_str(&String::from_utf8_lossy(&out.stdout)).unwrap();
    assert_eq!(config, tsd_core::TwoStepConfig::mnist_released());
}

#[test]
fn data_reports_where_it_looked_when_nothing_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let out = tsd(dir.path(), &["data", "--data-dir", "nowhere"]);
    assert!(!out.status.success());
    let msg = text(&out);
    assert!(msg.contains("nowhere/mnist") && msg.contains("train-images-idx3-ubyte"), "{msg}");
}

#[test]
fn train_writes_a_complete_run_folder_refuses_to_overwrite_it_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    write_small_mnist(dir.path());
    let args = [
        "train",
        "--dataset",
        "mnist",
        "--data-dir",
        ".",
        "--device",
        "cpu",
        "--quiet",
        "--val-size",
        "400",
        "--step1-epochs",
        "3",
        "--step2-epochs",
        "1",
        "--set",
        "nf=8",
        "--set",
        "bn_momentum=0.1",
        "--set",
        "batch_size=50",
        "--out",
        "run",
    ];
    let out = tsd(dir.path(), &args);
    assert!(out.status.success(), "{}", text(&out));
    for file in ["config.toml", "checkpoint.safetensors", "log.csv", "model.safetensors", "summary.json"] {
        assert!(dir.path().join("run").join(file).exists(), "{file} missing");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("run/summary.json")).unwrap()).unwrap();
    let s_acc = summary["own_networks"]["s_classifier_accuracy"].as_f64().unwrap();
    assert!(s_acc > 0.6, "S accuracy {s_acc} (4 classes)");

    let again = tsd(dir.path(), &args);
    assert!(!again.status.success());
    assert!(text(&again).contains("--resume"), "{}", text(&again));

    let mut resumed: Vec<&str> = args.to_vec();
    resumed.push("--resume");
    let out = tsd(dir.path(), &resumed);
    assert!(out.status.success(), "{}", text(&out));

    let mut other = resumed.clone();
    other.extend(["--set", "step2.lambda_adv=3"]);
    let out = tsd(dir.path(), &other);
    assert!(!out.status.success() && text(&out).contains("another config"), "{}", text(&out));
}

#[test]
fn bad_overrides_and_devices_are_reported_not_panicked() {
    let dir = tempfile::tempdir().unwrap();
    let out = tsd(dir.path(), &["train", "--set", "no_such_field=1"]);
    assert!(!out.status.success() && text(&out).contains("no_such_field"), "{}", text(&out));
    let out = tsd(dir.path(), &["train", "--device", "tpu"]);
    assert!(!out.status.success() && text(&out).contains("auto, cpu or cuda"), "{}", text(&out));
}
