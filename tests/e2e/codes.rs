//! `tsd codes`: the S and Z codes of a trained run exported as CSV (right
//! rows, a label column), read back by `tsd probe` with the same scores as
//! the run's own audit; and the errors for a missing or incomplete run folder.

use std::path::Path;

use serde_json::Value;

use crate::support::{read_csv_file, tsd_fails, tsd_ok, write_small_mnist, TINY_TRAIN};

/// Checks one exported code file: `d0..dK,label` header, `rows` rows of finite
/// numbers, labels 0..4 all present; returns the code width.
fn check_codes(path: &Path, rows: usize) -> usize {
    let (header, records) = read_csv_file(path);
    let width = header.len() - 1;
    assert!(width > 0 && header[width] == "label", "{}: header {header:?}", path.display());
    assert!(header[..width].iter().enumerate().all(|(j, h)| *h == format!("d{j}")), "{header:?}");
    assert_eq!(records.len(), rows, "{}", path.display());
    let mut classes = [false; 4];
    for record in &records {
        assert_eq!(record.len(), width + 1, "{}: {record:?}", path.display());
        assert!(record[..width].iter().all(|v| v.parse::<f32>().is_ok_and(f32::is_finite)), "{record:?}");
        let label: usize = record[width].parse().unwrap_or_else(|e| panic!("{}: {record:?} ({e})", path.display()));
        classes[label] = true;
    }
    assert!(classes.iter().all(|&c| c), "{}: not every class present", path.display());
    width
}

/// The scores of `family` in a leakage report (`tsd probe --json`, or `s`/`z` `.label` of summary.json).
fn scores<'a>(report: &'a Value, family: &str) -> &'a Value {
    let probes = report["probes"].as_array().unwrap_or_else(|| panic!("no probes in {report:#}"));
    &probes.iter().find(|p| p["family"] == family).unwrap_or_else(|| panic!("no {family} in {report:#}"))["scores"]
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn codes_exports_s_and_z_of_a_trained_run_and_probe_reads_them_back() {
    let dir = tempfile::tempdir().unwrap();
    write_small_mnist(dir.path());
    // An absolute --data-dir (a relative one works too: see the test below).
    let data_dir = dir.path().to_str().unwrap();
    let train: Vec<&str> =
        TINY_TRAIN.iter().map(|&a| if a == "." { data_dir } else { a }).chain(["--out", "run"]).collect();
    tsd_ok(dir.path(), &train);

    let out = tsd_ok(dir.path(), &["codes", "--run", "run", "--device", "cpu"]);
    assert!(out.contains("run/codes"), "{out}");
    let codes = dir.path().join("run/codes");
    let mut widths = Vec::new();
    for code in ["s", "z"] {
        let train_width = check_codes(&codes.join(format!("{code}_train.csv")), 600);
        assert_eq!(check_codes(&codes.join(format!("{code}_test.csv")), 400), train_width, "{code}");
        // The validation hold-out (`--val-size 400`), for choosing settings without the test split.
        assert_eq!(check_codes(&codes.join(format!("{code}_val.csv")), 400), train_width, "{code}");
        assert_ne!(
            std::fs::read(codes.join(format!("{code}_val.csv"))).unwrap(),
            std::fs::read(codes.join(format!("{code}_test.csv"))).unwrap(),
            "{code}: validation codes are the test codes"
        );
        widths.push(train_width);
    }

    // The exported codes are the ones the run was audited on: same logistic and kNN scores.
    let summary = read_json(&dir.path().join("run/summary.json"));
    for (code, width) in ["s", "z"].into_iter().zip(widths) {
        let files = [format!("run/codes/{code}_train.csv"), format!("run/codes/{code}_test.csv")];
        let report = format!("{code}.json");
        tsd_ok(dir.path(), &["probe", "--train", &files[0], "--test", &files[1], "--json", &report]);
        let report = read_json(&dir.path().join(report));
        assert_eq!((report["n_train"].as_u64(), report["n_test"].as_u64()), (Some(600), Some(400)), "{report:#}");
        assert_eq!(report["dim"].as_u64(), Some(width as u64));
        let audit = &summary[code]["label"];
        for family in ["logistic", "knn"] {
            let (probe, run) = (&scores(&report, family)["accuracy"], &scores(audit, family)["accuracy"]);
            let (probe, run) = (probe.as_f64().unwrap(), run.as_f64().unwrap());
            // One test image of 400 may flip on float noise between the two encodings.
            assert!(
                (probe - run).abs() <= 1.0 / 400.0 + 1e-9,
                "{code} {family}: tsd probe {probe}, summary.json {run}"
            );
        }
    }

    // From another folder, into another output folder, with absolute paths.
    let elsewhere = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let out_dir = elsewhere.path().join("exported");
    let out = tsd_ok(
        elsewhere.path(),
        &["codes", "--run", run.to_str().unwrap(), "--out", out_dir.to_str().unwrap(), "--device", "cpu"],
    );
    assert!(out.contains("exported"), "{out}");
    for name in ["s_train.csv", "s_test.csv", "s_val.csv", "z_train.csv", "z_test.csv", "z_val.csv"] {
        let (again, first) = (std::fs::read(out_dir.join(name)).unwrap(), std::fs::read(codes.join(name)).unwrap());
        assert!(again == first, "{name} differs between two exports of one run");
    }

    // A run folder without its model names the missing file.
    std::fs::create_dir_all(dir.path().join("no-model")).unwrap();
    std::fs::copy(run.join("run.json"), dir.path().join("no-model/run.json")).unwrap();
    let msg = tsd_fails(dir.path(), &["codes", "--run", "no-model", "--device", "cpu"]);
    assert!(msg.contains("no-model") && msg.contains("model.safetensors"), "{msg}");
}

/// A run trained with a relative `--data-dir` exports from another folder:
/// `run.json` records the data folder as an absolute path (it recorded
/// `--data-dir` as typed, which `tsd codes` then resolved against its own
/// working folder). `tsd codes --data-dir` overrides it.
#[test]
fn codes_exports_a_run_trained_with_a_relative_data_dir_from_another_folder() {
    let dir = tempfile::tempdir().unwrap();
    write_small_mnist(dir.path());
    let mut train = TINY_TRAIN.to_vec();
    train.extend(["--out", "run"]);
    tsd_ok(dir.path(), &train);
    let elsewhere = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    tsd_ok(elsewhere.path(), &["codes", "--run", run.to_str().unwrap(), "--out", "codes", "--device", "cpu"]);
    check_codes(&elsewhere.path().join("codes/s_test.csv"), 400);
    let data_dir = dir.path().to_str().unwrap();
    let args = ["codes", "--run", run.to_str().unwrap(), "--out", "again", "--device", "cpu", "--data-dir", data_dir];
    tsd_ok(elsewhere.path(), &args);
    check_codes(&elsewhere.path().join("again/s_test.csv"), 400);
}

#[test]
fn codes_names_the_run_folder_that_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let msg = tsd_fails(dir.path(), &["codes", "--run", "no-such-run"]);
    assert!(msg.contains("no-such-run"), "{msg}");
}
