//! `tsd train`: a complete run folder, refusing to overwrite it, resuming it,
//! and the errors for bad overrides, devices, methods and datasets.

use tsd_core::MethodId;

use crate::support::{text, tsd, tsd_fails, write_small_mnist};

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
    assert!(!text(&out).contains("probe on"), "--quiet printed probe progress: {}", text(&out));
    for file in ["config.toml", "checkpoint.safetensors", "log.csv", "model.safetensors", "summary.json"] {
        assert!(dir.path().join("run").join(file).exists(), "{file} missing");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("run/summary.json")).unwrap()).unwrap();
    let own = summary["own_networks"].as_array().unwrap();
    let classifier = own.iter().find(|o| o["network"] == "classifier" && o["code"] == "S").unwrap();
    let s_acc = classifier["accuracy"].as_f64().unwrap();
    assert!(s_acc > 0.6, "S accuracy {s_acc} (4 classes)");

    let again = tsd(dir.path(), &args);
    assert!(!again.status.success());
    assert!(text(&again).contains("--resume"), "{}", text(&again));

    let mut resumed: Vec<&str> = args.iter().copied().filter(|a| *a != "--quiet").collect();
    resumed.push("--resume");
    let out = tsd(dir.path(), &resumed);
    assert!(out.status.success(), "{}", text(&out));
    for progress in ["probing S", "probing Z", "logistic probe on", "knn      probe on", "mlp      probe on"] {
        assert!(text(&out).contains(progress), "no {progress:?} in {}", text(&out));
    }

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

#[test]
fn train_names_the_registered_methods_or_the_datasets_when_given_an_unknown_one() {
    let dir = tempfile::tempdir().unwrap();
    let msg = tsd_fails(dir.path(), &["train", "--method", "nope"]);
    assert!(msg.contains("nope"), "{msg}");
    for method in MethodId::all() {
        assert!(msg.contains(method.name()), "unknown method: {method} not named:\n{msg}");
    }
    let msg = tsd_fails(dir.path(), &["train", "--dataset", "nope"]);
    for dataset in ["nope", "mnist", "sprites", "cars3d", "norb"] {
        assert!(msg.contains(dataset), "unknown dataset: {dataset} not named:\n{msg}");
    }
}
