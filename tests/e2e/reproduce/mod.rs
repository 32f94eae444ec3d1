//! End-to-end tests of `tsd reproduce` and `tsd merge` on a tiny generated
//! MNIST-format dataset (4 classes of shapes).

use std::collections::BTreeSet;
use std::path::Path;

use tsd_lab::results::table::{read_csv, RowKind, TableRow};

use crate::support::{spawn, text, tsd, wait_until, write_small_mnist};

/// A quick sweep made tiny: few images, narrow networks, PCA figures.
const TINY: [&str; 20] = [
    "--method",
    "all",
    "--seeds",
    "1",
    "--quick",
    "--data-dir",
    ".",
    "--device",
    "cpu",
    "--quiet",
    "--val-size",
    "400",
    "--train-subset",
    "1200",
    "--set",
    "nf=8",
    "--set",
    "batch_size=50",
    "--set",
    "two-step:bn_momentum=0.1",
];

/// Runs `tsd reproduce` with [`TINY`] and `extra`; panics with its output when it fails.
fn reproduce(dir: &Path, extra: &[&str]) -> String {
    let mut args = vec!["reproduce"];
    args.extend(TINY);
    args.extend(extra);
    let out = tsd(dir, &args);
    assert!(out.status.success(), "tsd {}\n{}", args.join(" "), text(&out));
    text(&out)
}

/// The identity of each row, without its value (seeds, devices and numbers may differ).
fn row_keys(rows: &[TableRow]) -> BTreeSet<String> {
    rows.iter()
        .map(|r| {
            format!(
                "{} {} {} {:?} {} {} {} {}",
                r.dataset, r.method, r.seed, r.kind, r.code, r.target, r.probe, r.metric
            )
        })
        .collect()
}

/// Checks every file of `results/quick/mnist` and the README; returns the table.
fn check_results(results: &Path) -> Vec<TableRow> {
    let mnist = results.join("quick/mnist");
    let rows = read_csv(&mnist.join("table.csv")).unwrap();
    for method in ["two-step", "mathieu", "matched-z"] {
        for code in ["S", "Z"] {
            for probe in ["logistic", "knn", "mlp"] {
                let acc: Vec<f64> = rows
                    .iter()
                    .filter(|r| r.method == method && r.kind == RowKind::Label && r.code == code && r.probe == probe)
                    .filter(|r| r.metric == "accuracy")
                    .map(|r| r.value)
                    .collect();
                assert!(acc.len() == 1 && (0.0..=1.0).contains(&acc[0]), "{method} {code} {probe}: {acc:?}");
            }
        }
        // Reconstruction with Z and with every image's Z replaced by the mean Z.
        let run_figure = |metric: &str| {
            let of = rows.iter().filter(|r| r.method == method && r.kind == RowKind::Run && r.metric == metric);
            let values: Vec<f64> = of.map(|r| r.value).collect();
            assert_eq!(values.len(), 1, "{method} {metric}");
            values[0]
        };
        let (rec, mean_z) = (run_figure("reconstruction_mse_pixels"), run_figure("reconstruction_mse_mean_z_pixels"));
        assert!(rec > 0.0 && mean_z > 0.0 && mean_z < 1.0, "{method}: {rec} with Z, {mean_z} with its mean");
        let config = std::fs::read_to_string(mnist.join(format!("configs/{method}.toml"))).unwrap();
        let config: toml::Table = config.parse().unwrap();
        assert_eq!((config["seed"].as_integer(), config["nf"].as_integer()), (Some(0), Some(8)), "{method}");
        let mut log = csv::Reader::from_path(mnist.join(format!("logs/{method}-seed0.csv"))).unwrap();
        assert_eq!(log.headers().unwrap(), vec!["phase", "epoch", "seconds", "metric", "value"]);
        assert!(log.records().count() > 4);
        for figure in ["embedding", "swap", "curves"] {
            let path = mnist.join(format!("figures/{figure}-{method}.png"));
            let image = image::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).to_rgb8();
            let first = *image.get_pixel(0, 0);
            assert!(image.width() >= 200 && image.pixels().any(|p| *p != first), "{} is blank", path.display());
        }
    }
    let two_step_s = |probe: &str| {
        rows.iter()
            .filter(|r| r.method == "two-step" && r.kind == RowKind::Label && r.code == "S" && r.probe == probe)
            .find(|r| r.metric == "accuracy")
            .map(|r| r.value)
            .unwrap()
    };
    // Four balanced classes: chance is 25 %; S of a trained S-encoder is far above it.
    assert!(two_step_s("logistic") > 0.5, "two-step S logistic {}", two_step_s("logistic"));
    let page = std::fs::read_to_string(mnist.join("table.md")).unwrap();
    for needle in [
        "| method | code | seeds | logistic |",
        "| two-step | Z |",
        "| mathieu | S |",
        "| matched-z | Z |",
        "rec. MSE with mean Z, [0,1] pixels",
        "figures/swap-mathieu.png",
    ] {
        assert!(page.contains(needle), "table.md lacks {needle:?}:\n{page}");
    }
    let readme = std::fs::read_to_string(results.join("quick/README.md")).unwrap();
    for needle in ["published", "Jha et al.", "66.83", "98.52", "small NORB", "logical CPU", "tsd reproduce"] {
        assert!(readme.contains(needle), "README lacks {needle:?}:\n{readme}");
    }
    rows
}

#[test]
fn reproduce_writes_a_results_folder_skips_finished_runs_and_shards_merge_to_the_same_table() {
    let dir = tempfile::tempdir().unwrap();
    write_small_mnist(dir.path());
    reproduce(dir.path(), &["--dataset", "mnist", "--embedding", "tsne"]);
    for method in ["two-step", "mathieu", "matched-z"] {
        let run = dir.path().join(format!("runs/reproduce/mnist/{method}/seed0-quick"));
        for file in ["run.json", "config.toml", "log.csv", "model.safetensors", "summary.json"] {
            assert!(run.join(file).exists(), "{method}: {file} missing");
        }
    }
    let rows = check_results(&dir.path().join("results"));

    // The runs folder as one point of a sweep: `tsd pareto` tabulates and draws its three runs.
    let out = tsd(dir.path(), &["pareto", "--runs", "runs", "--results", "pareto", "--device", "cpu"]);
    assert!(out.status.success(), "{}", text(&out));
    let table = std::fs::read_to_string(dir.path().join("pareto/pareto.md")).unwrap();
    for method in ["two-step", "mathieu", "matched-z"] {
        assert!(table.contains(&format!("| reproduce | {method} | 0 |")), "{method} missing:\n{table}");
    }
    assert!(std::fs::metadata(dir.path().join("pareto/pareto.png")).unwrap().len() > 1000);
    assert!(!table.contains("validation"), "{table}");
    // With validation probes: a column of them, measured once and cached in each run folder.
    let args = ["pareto", "--runs", "runs", "--results", "pareto", "--device", "cpu", "--validation"];
    let out = tsd(dir.path(), &args);
    assert!(out.status.success(), "{}", text(&out));
    let table = std::fs::read_to_string(dir.path().join("pareto/pareto.md")).unwrap();
    let cached = dir.path().join("runs/reproduce/mnist/matched-z/seed0-quick/validation-probes.json");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&cached).unwrap()).unwrap();
    let families: Vec<&str> =
        report["probes"].as_array().unwrap().iter().filter_map(|p| p["family"].as_str()).collect();
    assert_eq!(families, ["logistic", "knn", "mlp", "mlp-wide", "forest"], "{report:#}");
    let (n_val, n_train) = (report["n_test"].as_u64().unwrap(), report["n_train"].as_u64().unwrap());
    assert!(n_val > 0 && n_val < n_train, "{report:#}");
    assert!(table.contains("best on Z (validation)") && table.matches("(validation)").count() >= 1, "{table}");
    let cells = |line: &str| line.split('|').map(str::trim).map(String::from).collect::<Vec<_>>();
    let column = cells(table.lines().find(|l| l.starts_with("| point")).unwrap())
        .iter()
        .position(|c| c == "best on Z (validation)")
        .unwrap();
    let row = cells(table.lines().find(|l| l.starts_with("| reproduce | matched-z |")).unwrap());
    let best = report["probes"].as_array().unwrap().iter().map(|p| p["scores"]["accuracy"].as_f64().unwrap());
    let best = best.fold(0.0, f64::max);
    assert!(row[column].starts_with(&format!("{:.2}%", 100.0 * best)), "{row:?}: best {best}");
    let written = std::fs::metadata(&cached).unwrap().modified().unwrap();
    assert!(tsd(dir.path(), &args).status.success());
    assert_eq!(std::fs::metadata(&cached).unwrap().modified().unwrap(), written, "validation probes re-measured");
    let empty = tsd(dir.path(), &["pareto", "--runs", "results", "--results", "pareto2", "--device", "cpu"]);
    assert!(!empty.status.success() && text(&empty).contains("no finished run"), "{}", text(&empty));

    // Again, over every dataset: the finished runs are re-used, the datasets
    // that are not there are reported and left out.
    let summary = dir.path().join("runs/reproduce/mnist/mathieu/seed0-quick/summary.json");
    let written = std::fs::metadata(&summary).unwrap().modified().unwrap();
    let out = reproduce(dir.path(), &["--dataset", "all", "--embedding", "pca"]);
    assert!(out.contains("0 run(s) trained, 3 skipped"), "{out}");
    assert!(out.contains("skipping norb") && out.contains("./norb"), "{out}");
    assert_eq!(std::fs::metadata(&summary).unwrap().modified().unwrap(), written);

    // Two shards into another runs folder, then one merge.
    let sharded = ["--dataset", "mnist", "--runs", "sharded", "--results", "merged"];
    reproduce(dir.path(), &[&sharded[..], &["--shard", "0/2"]].concat());
    assert!(dir.path().join("sharded/mnist/two-step/seed0-quick/summary.json").exists());
    assert!(!dir.path().join("sharded/mnist/mathieu").exists() && !dir.path().join("merged").exists());
    reproduce(dir.path(), &[&sharded[..], &["--shard", "1/2"]].concat());
    std::fs::create_dir_all(dir.path().join("merged/quick")).unwrap();
    std::fs::write(dir.path().join("merged/quick/NOTES.md"), "Sprites was left out: no time.\n").unwrap();
    let out = tsd(
        dir.path(),
        &["merge", "--runs", "sharded", "--results", "merged", "--device", "cpu", "--embedding", "pca"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let merged = check_results(&dir.path().join("merged"));
    assert_eq!(row_keys(&merged), row_keys(&rows));
    let readme = std::fs::read_to_string(dir.path().join("merged/quick/README.md")).unwrap();
    assert!(readme.contains("sprites, cars3d (why: see the notes below)"), "{readme}");
    assert!(
        readme.contains("## Notes from whoever ran the sweep") && readme.contains("Sprites was left out: no time.")
    );
}

#[test]
fn norb_asked_for_by_name_says_where_it_looked_and_how_to_get_it() {
    let dir = tempfile::tempdir().unwrap();
    let out =
        tsd(dir.path(), &["reproduce", "--dataset", "norb", "--quick", "--data-dir", "nowhere", "--device", "cpu"]);
    assert!(!out.status.success());
    let msg = text(&out);
    assert!(msg.contains("nowhere/norb") && msg.contains(tsd_data::locate::NORB_URL), "{msg}");
}

#[test]
fn merge_without_runs_and_bad_shards_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("empty")).unwrap();
    let out = tsd(dir.path(), &["merge", "--runs", "empty", "--device", "cpu"]);
    assert!(!out.status.success() && text(&out).contains("no finished run"), "{}", text(&out));
    let out = tsd(dir.path(), &["reproduce", "--shard", "2/2"]);
    assert!(!out.status.success() && text(&out).contains("expected i/n"), "{}", text(&out));
}

/// [`TINY`] with `--method` set to `method`, then `extra`.
fn tiny_args<'a>(method: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["reproduce"];
    args.extend(TINY);
    let at = args.iter().position(|a| *a == "--method").unwrap();
    args[at + 1] = method;
    args.extend(["--dataset", "mnist"]);
    args.extend(extra);
    args
}

/// Issue 17: two `tsd reproduce` on one runs folder each trained everything;
/// now each run is trained by one of them and the other leaves it. And a
/// damaged `summary.json` made every rerun fail; now the finished model is
/// probed again.
#[test]
fn two_sweeps_share_a_runs_folder_and_a_damaged_summary_is_probed_again() {
    let dir = tempfile::tempdir().unwrap();
    write_small_mnist(dir.path());
    // The first sweep spends a long time on its two-step run.
    let long = ["--set", "two-step:step1.epochs=500"];
    let mut first = spawn(dir.path(), &tiny_args("all", &long));
    let log = dir.path().join("runs/reproduce/mnist/two-step/seed0-quick/log.csv");
    wait_until("an epoch of the first sweep", || log.exists());
    let second = tsd(dir.path(), &tiny_args("all", &long));
    let out = text(&second);
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(second.status.success(), "{out}");
    assert!(out.contains(&format!("left to process {}", first.id())), "{out}");
    assert!(out.contains("2 run(s) trained, 0 skipped (already finished), 1 left to other processes"), "{out}");

    let summary = dir.path().join("runs/reproduce/mnist/mathieu/seed0-quick/summary.json");
    let text_before = std::fs::read_to_string(&summary).unwrap();
    std::fs::write(&summary, &text_before[..text_before.len() / 2]).unwrap();
    let again = tsd(dir.path(), &tiny_args("mathieu", &[]));
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("probing the trained model again"), "{}", text(&again));
    let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(summary["method"], "mathieu");
}
