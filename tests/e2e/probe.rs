//! `tsd probe`: one run or the mean and std of several, its CSV and JSON
//! reports, and the errors for unpaired or non-finite code files.

use crate::support::{text, tsd};

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
