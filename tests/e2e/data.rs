//! `tsd data`: the survey of a generated MNIST (shape, classes, splits, checks)
//! as a table and as JSON, and the message when nothing is found.

use crate::support::{text, tsd, tsd_ok, write_small_mnist};

#[test]
fn data_reports_where_it_looked_when_nothing_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let out = tsd(dir.path(), &["data", "--data-dir", "nowhere"]);
    assert!(!out.status.success());
    let msg = text(&out);
    assert!(msg.contains("nowhere/mnist") && msg.contains("train-images-idx3-ubyte"), "{msg}");
}

/// Part sizes of [`write_small_mnist`] with the default 2,000-image validation hold-out.
/// MNIST has 10 classes whatever its files hold; the generated images use the first 4.
const PARTS: [(&str, u64); 3] = [("train", 600), ("val", 2000), ("test", 400)];

#[test]
fn data_lists_a_generated_mnist_with_its_shape_classes_and_splits() {
    let dir = tempfile::tempdir().unwrap();
    write_small_mnist(dir.path());
    let out = tsd_ok(dir.path(), &["data", "--data-dir", "."]);
    let mnist: Vec<&str> = out.lines().skip_while(|l| !l.starts_with("mnist: ")).collect();
    assert!(!mnist.is_empty() && mnist[0].ends_with("mnist"), "{out}");
    assert!(mnist.iter().any(|l| l.contains("images 1x28x28") && l.contains("(10 classes)")), "{out}");
    for (part, size) in PARTS {
        let row = mnist.iter().find(|l| l.split_whitespace().next() == Some(part)).unwrap_or_else(|| panic!("{out}"));
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cells[1..3], [size.to_string(), "4".to_string()], "{part}: {row}");
    }
    assert!(out.contains("[ok]") && !out.contains("[FAIL]"), "{out}");
    for other in ["sprites", "cars3d", "norb"] {
        assert!(out.contains(&format!("{other}: NOT FOUND")), "{other}:\n{out}");
    }
}

#[test]
fn data_json_reports_mnist_and_the_missing_datasets() {
    let dir = tempfile::tempdir().unwrap();
    write_small_mnist(dir.path());
    let out = tsd_ok(dir.path(), &["data", "--data-dir", ".", "--json"]);
    let reports: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}:\n{out}"));
    let reports = reports.as_array().unwrap_or_else(|| panic!("not a list:\n{out}"));
    let names: Vec<&str> = reports.iter().map(|r| r["dataset"].as_str().unwrap()).collect();
    assert_eq!(names, ["mnist", "sprites", "cars3d", "norb"]);

    let mnist = &reports[0];
    assert!(mnist["error"].is_null() && mnist["location"].as_str().unwrap().ends_with("mnist"), "{mnist:#}");
    assert_eq!(mnist["image_shape"], serde_json::json!([1, 28, 28]));
    assert_eq!(mnist["n_classes"], 10);
    let splits: Vec<(&str, u64, u64)> = mnist["splits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["part"].as_str().unwrap(), s["size"].as_u64().unwrap(), s["classes_present"].as_u64().unwrap()))
        .collect();
    assert_eq!(splits, PARTS.map(|(part, size)| (part, size, 4)));
    let checks = mnist["checks"].as_array().unwrap();
    assert!(!checks.is_empty() && checks.iter().all(|c| c["status"] != "fail"), "{checks:#?}");

    for missing in &reports[1..] {
        assert!(missing["location"].is_null() && missing["error"].is_string(), "{missing:#}");
    }
}
