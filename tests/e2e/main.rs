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

/// CSV codes whose first column is the label plus noise of size `noise` (`None`: a NaN on row 3).
fn write_codes(path: &std::path::Path, n: usize, noise: Option<f32>) {
    let mut text = String::from("z0,z1,label\n");
    for i in 0..n {
        let y = i % 3;
        let z0 = match noise {
            Some(s) => format!("{}", y as f32 + s * ((i * 7) % 5) as f32),
            None if i == 3 => "NaN".into(),
            None => "0".into(),
        };
        text.push_str(&format!("{z0},{},{y}\n", (i % 4) as f32));
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn probe_reports_one_run_or_the_mean_and_std_of_several_and_names_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    for (name, n, noise) in
        [("a_train.csv", 150, 0.1), ("a_test.csv", 60, 0.1), ("b_train.csv", 150, 0.3), ("b_test.csv", 60, 0.3)]
    {
        write_codes(&dir.path().join(name), n, Some(noise));
    }
    write_codes(&dir.path().join("nan.csv"), 60, None);

    let out =
        tsd(dir.path(), &["probe", "--train", &p("a_train.csv"), "--test", &p("a_test.csv"), "--csv", &p("one.csv")]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("logistic") && !text(&out).contains("across"), "{}", text(&out));
    let one = std::fs::read_to_string(dir.path().join("one.csv")).unwrap();
    assert!(one.starts_with("probe,accuracy") && one.lines().count() == 3, "{one}");

    let two = [
        "probe",
        "--train",
        &p("a_train.csv"),
        "--test",
        &p("a_test.csv"),
        "--train",
        &p("b_train.csv"),
        "--test",
        &p("b_test.csv"),
        "--json",
        &p("two.json"),
        "--csv",
        &p("two.csv"),
    ];
    let out = tsd(dir.path(), &two);
    assert!(out.status.success() && text(&out).contains("across 2 runs (mean ± std)"), "{}", text(&out));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("two.json")).unwrap()).unwrap();
    assert_eq!(json["runs"].as_array().unwrap().len(), 2);
    assert_eq!(json["summary"][0]["summary"]["runs"], 2);
    let csv = std::fs::read_to_string(dir.path().join("two.csv")).unwrap();
    assert!(csv.starts_with("run,probe,accuracy") && csv.lines().count() == 5, "{csv}");

    let out = tsd(
        dir.path(),
        &["probe", "--train", &p("a_train.csv"), "--test", &p("a_test.csv"), "--train", &p("b_train.csv")],
    );
    assert!(!out.status.success() && text(&out).contains("2 --train files but 1 --test files"), "{}", text(&out));
    let out = tsd(dir.path(), &["probe", "--train", &p("a_train.csv"), "--test", &p("nan.csv")]);
    assert!(
        !out.status.success() && text(&out).contains("nan.csv") && text(&out).contains("non-finite"),
        "{}",
        text(&out)
    );
}
