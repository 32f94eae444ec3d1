//! The crate's one integration-test binary: sanity checks of every metric
//! (independent code at chance, noisy copy near 1, hidden dimension found,
//! permuted labelling, constant code), every bad-input error, and (feature
//! `mlp`) the MLP probe beating the linear one on a nonlinear code.

use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tsd_metrics::{
    load_csv_split, load_npy_split, mutual_information, probe_codes, probe_nuisances, BootstrapOptions, KnnProbe,
    KnnProbeParams, LabelledCodes, LogisticProbe, LogisticProbeParams, MetricsError, MiOptions, NuisanceScores, Probe,
    ProbeConfig, ProbeFamily, ProbeOptions, SeedSummary,
};

// ---------------------------------------------------------------- helpers

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Standard normal by Box-Muller.
fn normal(rng: &mut ChaCha8Rng) -> f32 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen();
    ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
}

fn gaussian(rng: &mut ChaCha8Rng, n: usize, d: usize) -> Array2<f32> {
    Array2::from_shape_fn((n, d), |_| normal(rng))
}

fn uniform_labels(rng: &mut ChaCha8Rng, n: usize, classes: usize) -> Vec<usize> {
    (0..n).map(|_| rng.gen_range(0..classes)).collect()
}

/// One-hot of the label plus Gaussian noise of standard deviation `sigma`.
fn noisy_one_hot(rng: &mut ChaCha8Rng, y: &[usize], classes: usize, sigma: f32) -> Array2<f32> {
    Array2::from_shape_fn((y.len(), classes), |(i, j)| f32::from(u8::from(y[i] == j)) + sigma * normal(rng))
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn only_logistic() -> ProbeOptions {
    ProbeOptions::default().without(ProbeFamily::Knn).mutual_info(None)
}

// ------------------------------------------------------- sanity of metrics

#[test]
fn independent_code_scores_at_chance() {
    let mut r = rng(1);
    let train = LabelledCodes::new(gaussian(&mut r, 3000, 8), uniform_labels(&mut r, 3000, 4)).unwrap();
    let test = LabelledCodes::new(gaussian(&mut r, 1500, 8), uniform_labels(&mut r, 1500, 4)).unwrap();
    let report = probe_codes(&train, &test, &ProbeOptions::default()).unwrap();
    for family in [ProbeFamily::Logistic, ProbeFamily::Knn] {
        let s = report.scores(family).unwrap();
        assert!(s.at_chance(), "{family}: {s}");
        assert!(s.leakage < 0.05, "{family}: {s}");
        assert_eq!((s.n_train, s.n_test, s.n_classes), (3000, 1500, 4));
    }
    // Per-dimension MI stays at the plug-in bias floor, ~(20-1)(4-1)/(2N) nats.
    let mi = report.mutual_info.unwrap();
    assert!(mi.dims.iter().all(|d| d.mi < 0.03), "{mi}");
}

#[test]
fn noisy_copy_of_the_label_scores_near_one() {
    let mut r = rng(2);
    let (ytr, yte) = (uniform_labels(&mut r, 2000, 10), uniform_labels(&mut r, 1000, 10));
    let train = LabelledCodes::new(noisy_one_hot(&mut r, &ytr, 10, 0.1), ytr).unwrap();
    let test = LabelledCodes::new(noisy_one_hot(&mut r, &yte, 10, 0.1), yte).unwrap();
    let report = probe_codes(&train, &test, &ProbeOptions::default()).unwrap();
    for family in [ProbeFamily::Logistic, ProbeFamily::Knn] {
        let s = report.scores(family).unwrap();
        assert!(s.accuracy > 0.99 && s.leakage > 0.98, "{family}: {s}");
        assert!(s.macro_f1 > 0.99 && s.balanced_accuracy > 0.99, "{family}: {s}");
        assert!(!s.at_chance());
    }
}

#[test]
fn mutual_information_points_at_the_hiding_dimension() {
    let mut r = rng(3);
    let n = 4000;
    let y = uniform_labels(&mut r, n, 5);
    let mut x = gaussian(&mut r, n, 8);
    for i in 0..n {
        x[[i, 5]] = y[i] as f32 + 0.3 * normal(&mut r);
    }
    let codes = LabelledCodes::new(x, y).unwrap();
    let mi = mutual_information(&codes, &MiOptions::default()).unwrap();
    let top = mi.most_informative().unwrap();
    assert_eq!(top.dim, 5, "{mi}");
    assert!(top.normalised > 0.5, "{mi}");
    for d in mi.dims.iter().filter(|d| d.dim != 5) {
        assert!(d.normalised < 0.03, "{mi}");
    }
    assert!((mi.label_entropy - (5f64).ln()).abs() < 0.01);
}

#[test]
fn renaming_the_classes_changes_nothing_and_shuffling_them_gives_chance() {
    let mut r = rng(4);
    let (ytr, yte) = (uniform_labels(&mut r, 1500, 4), uniform_labels(&mut r, 600, 4));
    let (xtr, xte) = (noisy_one_hot(&mut r, &ytr, 4, 0.6), noisy_one_hot(&mut r, &yte, 4, 0.6));
    let train = LabelledCodes::new(xtr, ytr.clone()).unwrap();
    let test = LabelledCodes::new(xte, yte.clone()).unwrap();
    let base = probe_codes(&train, &test, &only_logistic()).unwrap();

    // A relabelling (bijection of class names) must not change any score.
    let perm = [2, 0, 3, 1];
    let relabel = |y: &[usize]| y.iter().map(|&c| perm[c]).collect::<Vec<_>>();
    let renamed = probe_codes(
        &train.with_labels(relabel(&ytr)).unwrap(),
        &test.with_labels(relabel(&yte)).unwrap(),
        &only_logistic(),
    )
    .unwrap();
    let (a, b) = (&base.probes[0].scores, &renamed.probes[0].scores);
    assert!((a.accuracy - b.accuracy).abs() < 1e-9, "{a} vs {b}");
    assert!((a.macro_f1 - b.macro_f1).abs() < 1e-9);
    assert!(a.leakage > 0.5, "{a}");

    // Labels shuffled across examples carry nothing.
    let mut shuffled = ytr.clone();
    for i in (1..shuffled.len()).rev() {
        shuffled.swap(i, r.gen_range(0..=i));
    }
    let report = probe_codes(&train.with_labels(shuffled).unwrap(), &test, &only_logistic()).unwrap();
    let s = &report.probes[0].scores;
    assert!(s.at_chance() && s.leakage < 0.05, "{s}");
}

#[test]
fn constant_code_scores_chance_and_carries_no_information() {
    let mut r = rng(5);
    // Imbalanced labels: class 0 half the time.
    let labels = |r: &mut ChaCha8Rng, n: usize| -> Vec<usize> {
        (0..n).map(|_| if r.gen_bool(0.5) { 0 } else { r.gen_range(1..4) }).collect()
    };
    let (ytr, yte) = (labels(&mut r, 800), labels(&mut r, 400));
    let train = LabelledCodes::new(Array2::from_elem((800, 3), 0.7), ytr).unwrap();
    let test = LabelledCodes::new(Array2::from_elem((400, 3), 0.7), yte).unwrap();
    let report = probe_codes(&train, &test, &ProbeOptions::default()).unwrap();
    for p in &report.probes {
        let s = &p.scores;
        assert!((s.accuracy - s.chance).abs() < 1e-12, "{}: {s}", p.family);
        assert_eq!(s.leakage, 0.0);
    }
    let mi = report.mutual_info.unwrap();
    assert!(mi.dims.iter().all(|d| d.mi == 0.0));
}

#[test]
fn nuisance_probes_find_the_factor_the_code_carries() {
    use tsd_data::Factor;
    let mut r = rng(6);
    let factor = |name: &str, values: Vec<usize>, cardinality| Factor { name: name.into(), values, cardinality };
    let (n_train, n_test) = (1200, 500);
    let (pose_tr, pose_te) = (uniform_labels(&mut r, n_train, 3), uniform_labels(&mut r, n_test, 3));
    let (col_tr, col_te) = (uniform_labels(&mut r, n_train, 2), uniform_labels(&mut r, n_test, 2));
    // The code carries the pose (one-hot + noise) and nothing of the colour.
    let (xtr, xte) = (noisy_one_hot(&mut r, &pose_tr, 3, 0.1), noisy_one_hot(&mut r, &pose_te, 3, 0.1));
    let train_f = vec![factor("pose", pose_tr, 3), factor("colour", col_tr, 2)];
    let test_f = vec![factor("colour", col_te, 2), factor("pose", pose_te, 3)];
    let scores = probe_nuisances(
        xtr.view(),
        &train_f,
        xte.view(),
        &test_f,
        &[ProbeConfig::Logistic(LogisticProbe::params())],
        &BootstrapOptions::default(),
    )
    .unwrap();
    assert_eq!(scores.len(), 2);
    assert!(scores.iter().all(|s| s.family == ProbeFamily::Logistic));
    assert_eq!(scores[0].name, "pose");
    assert!(scores[0].scores.leakage > 0.98, "{}", scores[0]);
    assert_eq!(scores[1].name, "colour");
    assert!(scores[1].scores.at_chance(), "{}", scores[1]);

    let err = probe_nuisances(
        xtr.view(),
        &train_f,
        xte.view(),
        &test_f[..1],
        &ProbeOptions::default().nuisance_probes,
        &BootstrapOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, MetricsError::MissingFactor { ref name } if name == "pose"), "{err}");
}

#[test]
fn report_renders_as_table_csv_json_and_html() {
    let mut r = rng(7);
    let (ytr, yte) = (uniform_labels(&mut r, 400, 3), uniform_labels(&mut r, 200, 3));
    let train = LabelledCodes::new(noisy_one_hot(&mut r, &ytr, 3, 0.5), ytr).unwrap();
    let test = LabelledCodes::new(noisy_one_hot(&mut r, &yte, 3, 0.5), yte).unwrap();
    let report = probe_codes(&train, &test, &ProbeOptions::default()).unwrap();

    let table = report.to_string();
    assert!(table.contains("logistic") && table.contains("knn") && table.contains("mutual information"));

    let csv = report.to_csv().unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "probe,accuracy,balanced_accuracy,macro_f1,chance,leakage,ci_low,ci_high,n_train,n_test,n_classes,dim"
    );
    assert!(lines.next().unwrap().starts_with("logistic,"));
    assert!(lines.next().unwrap().starts_with("knn,"));
    assert_eq!(report.mutual_info_csv().unwrap().lines().count(), 1 + 3);

    let json = report.to_json().unwrap();
    let back: tsd_metrics::LeakageReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back, report);

    let html = report.to_html();
    assert!(html.starts_with("<table>") && html.ends_with("</table>"));
    assert_eq!(html.matches("<table>").count(), 2);

    // Same probe and data, several bootstrap seeds: the accuracy never moves.
    let probe = KnnProbe::params().fit(&train).unwrap();
    let runs: Vec<_> = (0..3)
        .map(|seed| {
            let b = BootstrapOptions { seed, ..Default::default() };
            probe.score(&test, &b).unwrap()
        })
        .collect();
    let summary = SeedSummary::new(&runs).unwrap();
    assert_eq!((summary.runs, summary.accuracy.std), (3, 0.0));
}

// --------------------------------------------------------- probe configs

/// Pose (carried by the code) and colour (not), as in the nuisance test.
fn pose_and_colour() -> (Array2<f32>, Vec<tsd_data::Factor>, Array2<f32>, Vec<tsd_data::Factor>) {
    use tsd_data::Factor;
    let mut r = rng(10);
    let factor = |name: &str, values: Vec<usize>, cardinality| Factor { name: name.into(), values, cardinality };
    let (pose_tr, pose_te) = (uniform_labels(&mut r, 600, 3), uniform_labels(&mut r, 300, 3));
    let (col_tr, col_te) = (uniform_labels(&mut r, 600, 2), uniform_labels(&mut r, 300, 2));
    let (xtr, xte) = (noisy_one_hot(&mut r, &pose_tr, 3, 0.1), noisy_one_hot(&mut r, &pose_te, 3, 0.1));
    (
        xtr,
        vec![factor("pose", pose_tr, 3), factor("colour", col_tr, 2)],
        xte,
        vec![factor("pose", pose_te, 3), factor("colour", col_te, 2)],
    )
}

#[test]
fn nuisance_probes_run_any_family_from_the_configs() {
    let (xtr, train_f, xte, test_f) = pose_and_colour();
    let b = BootstrapOptions::default();
    let run = |probes: &[ProbeConfig]| probe_nuisances(xtr.view(), &train_f, xte.view(), &test_f, probes, &b);

    // kNN only: kNN scores, nothing logistic.
    let knn =
        run(&ProbeOptions::default().nuisance_probes(vec![ProbeConfig::Knn(KnnProbeParams::new())]).nuisance_probes)
            .unwrap();
    assert_eq!(knn.len(), 2);
    assert!(knn.iter().all(|s| s.family == ProbeFamily::Knn), "{knn:?}");
    assert!(knn[0].scores.leakage > 0.98 && knn[1].scores.at_chance(), "{}\n{}", knn[0], knn[1]);

    // Both: one entry per (factor, probe), factor by factor, probes in order;
    // each equals (bit for bit) the entry of its probe run alone.
    let logistic = run(&ProbeOptions::default().nuisance_probes).unwrap();
    let both =
        run(&[ProbeConfig::Logistic(LogisticProbeParams::new()), ProbeConfig::Knn(KnnProbeParams::new())]).unwrap();
    let keys: Vec<(&str, ProbeFamily)> = both.iter().map(|s| (s.name.as_str(), s.family)).collect();
    use ProbeFamily::{Knn, Logistic};
    assert_eq!(keys, [("pose", Logistic), ("pose", Knn), ("colour", Logistic), ("colour", Knn)]);
    assert_eq!([&both[0], &both[2]], [&logistic[0], &logistic[1]]);
    assert_eq!([&both[1], &both[3]], [&knn[0], &knn[1]]);

    // No probes: no entries; the same family twice: refused.
    assert!(run(&[]).unwrap().is_empty());
    let twice = [ProbeConfig::Knn(KnnProbeParams::new()), ProbeConfig::Knn(KnnProbeParams::new().k(3))];
    assert!(matches!(run(&twice), Err(MetricsError::InvalidParameter { name: "nuisance_probes", .. })));
}

#[test]
fn label_probes_follow_the_configs_and_fit_as_the_params_do() {
    let mut r = rng(11);
    let (ytr, yte) = (uniform_labels(&mut r, 400, 3), uniform_labels(&mut r, 200, 3));
    let train = LabelledCodes::new(noisy_one_hot(&mut r, &ytr, 3, 0.8), ytr).unwrap();
    let test = LabelledCodes::new(noisy_one_hot(&mut r, &yte, 3, 0.8), yte).unwrap();
    let b = BootstrapOptions::default();

    // The defaults: logistic (scikit-learn's defaults), then kNN with k = 5,
    // scored exactly as the params' own fits.
    let options = ProbeOptions::default();
    assert_eq!(
        options.probes.iter().map(ProbeConfig::family).collect::<Vec<_>>(),
        [ProbeFamily::Logistic, ProbeFamily::Knn]
    );
    assert_eq!(options.nuisance_probes, [ProbeConfig::Logistic(LogisticProbeParams::default())]);
    let report = probe_codes(&train, &test, &options).unwrap();
    let direct_logistic = LogisticProbe::params().fit(&train).unwrap().score(&test, &b).unwrap();
    let direct_knn = KnnProbe::params().k(5).fit(&train).unwrap().score(&test, &b).unwrap();
    assert_eq!(report.scores(ProbeFamily::Logistic), Some(&direct_logistic));
    assert_eq!(report.scores(ProbeFamily::Knn), Some(&direct_knn));

    // with_probe replaces in place (order kept), without drops, and a
    // family twice is refused before fitting.
    let knn1 = ProbeConfig::Knn(KnnProbeParams::new().k(1));
    let options = ProbeOptions::default().with_probe(knn1.clone()).mutual_info(None);
    assert_eq!(options.probes[1], knn1);
    assert_eq!(options.probe(ProbeFamily::Knn), Some(&knn1));
    let report = probe_codes(&train, &test, &options).unwrap();
    assert_eq!(report.probes.iter().map(|p| p.family).collect::<Vec<_>>(), [ProbeFamily::Logistic, ProbeFamily::Knn]);
    let direct_knn1 = KnnProbe::params().k(1).fit(&train).unwrap().score(&test, &b).unwrap();
    assert_eq!(report.probes[1].scores, direct_knn1);
    let knn_first = ProbeOptions::default()
        .without(ProbeFamily::Logistic)
        .with_probe(ProbeConfig::Logistic(LogisticProbeParams::new()));
    assert_eq!(
        knn_first.probes.iter().map(ProbeConfig::family).collect::<Vec<_>>(),
        [ProbeFamily::Knn, ProbeFamily::Logistic]
    );
    assert_eq!(probe_codes(&train, &test, &knn_first).unwrap().probes[0].family, ProbeFamily::Knn);
    let twice = ProbeOptions::default().probes(vec![knn1.clone(), ProbeConfig::Knn(KnnProbeParams::new())]);
    let err = probe_codes(&train, &test, &twice).unwrap_err();
    assert!(matches!(err, MetricsError::InvalidParameter { name: "probes", .. }), "{err}");
    assert!(ProbeOptions::default().without(ProbeFamily::Knn).without(ProbeFamily::Logistic).probes.is_empty());
}

#[test]
fn probe_options_round_trip_as_json_and_toml_with_a_family_tag() {
    let options = ProbeOptions::default()
        .with_probe(ProbeConfig::Logistic(LogisticProbeParams::new().alpha(0.5).max_iterations(200)))
        .with_probe(ProbeConfig::Knn(KnnProbeParams::new().k(7)))
        .nuisance_probes(vec![ProbeConfig::Knn(KnnProbeParams::new().k(3))])
        .mutual_info(Some(MiOptions { bins: 10 }))
        .bootstrap(BootstrapOptions { resamples: 50, confidence: 0.9, seed: 4 });

    let json = serde_json::to_string(&options).unwrap();
    assert!(json.contains(r#"{"family":"knn","k":3}"#), "{json}");
    assert_eq!(serde_json::from_str::<ProbeOptions>(&json).unwrap(), options);
    let toml_text = toml::to_string(&options).unwrap();
    assert!(toml_text.contains("[[probes]]") && toml_text.contains(r#"family = "logistic""#), "{toml_text}");
    assert_eq!(toml::from_str::<ProbeOptions>(&toml_text).unwrap(), options);

    // Hand-written: absent parameters and fields take their defaults.
    let written: ProbeOptions = toml::from_str(
        r#"
        [[probes]]
        family = "knn"
        k = 9

        [[probes]]
        family = "logistic"

        [[nuisance_probes]]
        family = "knn"
        "#,
    )
    .unwrap();
    let expected = ProbeOptions::default()
        .probes(vec![ProbeConfig::Knn(KnnProbeParams::new().k(9)), ProbeConfig::Logistic(LogisticProbeParams::new())])
        .nuisance_probes(vec![ProbeConfig::Knn(KnnProbeParams::new())]);
    assert_eq!(written, expected);
    assert_eq!(serde_json::from_str::<ProbeOptions>("{}").unwrap(), ProbeOptions::default());
    let none: ProbeOptions = serde_json::from_str(r#"{"nuisance_probes": [], "mutual_info": null}"#).unwrap();
    assert_eq!(none, ProbeOptions::default().nuisance_probes(Vec::new()).mutual_info(None));

    // One config alone; an unknown family or an old per-family key is refused.
    let config: ProbeConfig = serde_json::from_str(r#"{"family": "logistic", "tolerance": 1e-6}"#).unwrap();
    assert_eq!(config, ProbeConfig::Logistic(LogisticProbeParams::new().tolerance(1e-6)));
    assert_eq!(config.family(), ProbeFamily::Logistic);
    assert_eq!(
        toml::from_str::<ProbeConfig>("family = \"knn\"\nk = 2").unwrap(),
        ProbeConfig::Knn(KnnProbeParams::new().k(2))
    );
    assert!(serde_json::from_str::<ProbeConfig>(r#"{"family": "boosted-trees"}"#).is_err());
    assert_eq!(
        serde_json::from_str::<ProbeConfig>(r#"{"family": "forest", "trees": 7}"#).unwrap(),
        ProbeConfig::Forest(tsd_metrics::ForestProbeParams::new().trees(7))
    );
    assert!(serde_json::from_str::<ProbeConfig>(r#"{"k": 2}"#).is_err());
    assert!(serde_json::from_str::<ProbeOptions>(r#"{"knn": {"k": 2}}"#).is_err());
    let mlp = serde_json::from_str::<ProbeConfig>(r#"{"family": "mlp", "seed": 3}"#);
    #[cfg(feature = "mlp")]
    assert_eq!(mlp.unwrap(), ProbeConfig::Mlp(tsd_metrics::MlpProbeParams::new().seed(3)));
    // The wide MLP's absent fields take its own defaults, not the Jha probe's.
    let wide = toml::from_str::<ProbeConfig>("family = \"mlp-wide\"\nseed = 3");
    #[cfg(feature = "mlp")]
    assert_eq!(
        wide.unwrap(),
        ProbeConfig::WideMlp(tsd_metrics::WideMlpProbeParams(tsd_metrics::MlpProbeParams::wide().seed(3)))
    );
    #[cfg(not(feature = "mlp"))]
    assert!(wide.is_err());
    #[cfg(not(feature = "mlp"))]
    assert!(mlp.is_err());
}

#[test]
fn nuisance_scores_without_a_family_parse_as_logistic() {
    let old = r#"{
        "name": "azimuth",
        "cardinality": 24,
        "scores": {
            "accuracy": 0.5, "balanced_accuracy": 0.5, "macro_f1": 0.4, "chance": 0.25, "leakage": 0.333,
            "ci_low": 0.45, "ci_high": 0.55, "n_train": 100, "n_test": 50, "n_classes": 24
        }
    }"#;
    let scores: NuisanceScores = serde_json::from_str(old).unwrap();
    assert_eq!((scores.name.as_str(), scores.cardinality, scores.family), ("azimuth", 24, ProbeFamily::Logistic));
    assert_eq!(scores.scores.n_classes, 24);

    // New files name the family, and read back as written.
    let knn = NuisanceScores { family: ProbeFamily::Knn, ..scores };
    let json = serde_json::to_string(&knn).unwrap();
    assert!(json.contains(r#""family":"knn""#), "{json}");
    assert_eq!(serde_json::from_str::<NuisanceScores>(&json).unwrap(), knn);
}

// ------------------------------------------------------------------ files

#[test]
fn csv_labels_map_by_train_classes_in_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let train = write(dir.path(), "train.csv", "z0,label,z1\n0.1,dog,1\n0.2,cat,2\n0.3,bird,3\n0.4,cat,4\n");
    let test = write(dir.path(), "test.csv", "z0,label,z1\n1,cat,1\n2,bird,2\n");
    let split = load_csv_split(&train, &test, "label").unwrap();
    assert_eq!(split.labels.classes, ["bird", "cat", "dog"]);
    assert_eq!(split.train.y, [2, 1, 0, 1]);
    assert_eq!(split.test.y, [1, 0]);
    assert_eq!(split.feature_names, ["z0", "z1"]);
    assert_eq!(split.train.x[[2, 1]], 3.0);

    // Integer labels sort numerically, not as text.
    let train = write(dir.path(), "itrain.csv", "y,a\n10,0\n9,1\n100,2\n");
    let test = write(dir.path(), "itest.csv", "y,a\n100,0\n");
    let split = load_csv_split(&train, &test, "y").unwrap();
    assert_eq!(split.labels.classes, ["9", "10", "100"]);
    assert_eq!(split.train.y, [1, 0, 2]);
    assert_eq!(split.test.y, [2]);
}

#[test]
fn npy_codes_load_f32_or_f64_with_any_integer_labels() {
    use ndarray_npy::WriteNpyExt;
    let dir = tempfile::tempdir().unwrap();
    let save = |name: &str, write: &dyn Fn(std::fs::File)| {
        let path = dir.path().join(name);
        write(std::fs::File::create(&path).unwrap());
        path
    };
    let xtr = save("xtr.npy", &|f| Array2::from_shape_fn((4, 2), |(i, j)| (i * 2 + j) as f64).write_npy(f).unwrap());
    let ytr = save("ytr.npy", &|f| Array1::from(vec![3i64, 7, 3, 7]).write_npy(f).unwrap());
    let xte = save("xte.npy", &|f| Array2::<f32>::ones((2, 2)).write_npy(f).unwrap());
    let yte = save("yte.npy", &|f| Array1::from(vec![7u8, 3]).write_npy(f).unwrap());
    let split = load_npy_split(&xtr, &ytr, &xte, &yte).unwrap();
    assert_eq!(split.labels.classes, ["3", "7"]);
    assert_eq!(split.train.y, [0, 1, 0, 1]);
    assert_eq!(split.test.y, [1, 0]);
    assert_eq!(split.train.x[[3, 1]], 7.0);

    // Labels must be 1-D integers; features finite.
    let y2d = save("y2d.npy", &|f| Array2::<i64>::zeros((4, 1)).write_npy(f).unwrap());
    let err = load_npy_split(&xtr, &y2d, &xte, &yte).unwrap_err();
    assert!(matches!(err.root(), MetricsError::Npy { .. }), "{err}");
    assert!(err.to_string().contains("y2d.npy"), "{err}");
    let yf = save("yf.npy", &|f| Array1::<f32>::zeros(4).write_npy(f).unwrap());
    let err = load_npy_split(&xtr, &yf, &xte, &yte).unwrap_err();
    assert!(err.to_string().contains("integer"), "{err}");
    let xnan = save("xnan.npy", &|f| {
        let mut x = Array2::<f32>::zeros((4, 2));
        x[[2, 1]] = f32::NAN;
        x.write_npy(f).unwrap()
    });
    let err = load_npy_split(&xnan, &ytr, &xte, &yte).unwrap_err();
    assert!(matches!(err.root(), MetricsError::NonFinite { row: 2, column: 1, .. }), "{err}");
    assert!(err.to_string().contains("xnan.npy"), "{err}");
    let yshort = save("yshort.npy", &|f| Array1::from(vec![1i32, 2]).write_npy(f).unwrap());
    let err = load_npy_split(&xtr, &yshort, &xte, &yte).unwrap_err();
    assert!(matches!(err.root(), MetricsError::LengthMismatch { rows: 4, labels: 2 }), "{err}");
}

// ----------------------------------------------------------- bad inputs

/// Loads `train` / `test` CSV text with label column `y`.
fn load_texts(train: &str, test: &str) -> (MetricsError, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (write(dir.path(), "train.csv", train), write(dir.path(), "test.csv", test));
    let err = load_csv_split(&a, &b, "y").unwrap_err();
    (err, a, b)
}

const GOOD: &str = "a,b,y\n1,2,x\n3,4,w\n";

#[test]
fn ragged_csv_names_file_and_line() {
    let (err, train, _) = load_texts("a,b,y\n1,2,x\n3,w\n", GOOD);
    assert!(matches!(err.root(), MetricsError::RaggedRow { line: 3, expected: 3, found: 2 }), "{err}");
    assert!(err.to_string().starts_with(&train.display().to_string()), "{err}");
}

#[test]
fn a_finite_1e39_is_called_out_of_range_not_non_finite() {
    let (err, _, test) = load_texts(GOOD, "a,b,y\n1,2,x\n3,1e39,w\n");
    assert!(matches!(err.root(), MetricsError::OutOfRangeCell { line: 3, ref column, .. } if column == "b"), "{err}");
    assert!(err.to_string().contains(&test.display().to_string()) && err.to_string().contains("range"), "{err}");
    let (err, _, _) = load_texts(GOOD, "a,b,y\n1,2,x\n3,inf,w\n");
    assert!(matches!(err.root(), MetricsError::NonFiniteCell { .. }), "{err}");
}

#[test]
fn nan_in_codes_names_row_and_column() {
    let (err, _, test) = load_texts(GOOD, "a,b,y\n1,2,x\n3,NaN,w\n");
    assert!(matches!(err.root(), MetricsError::NonFiniteCell { line: 3, ref column, .. } if column == "b"), "{err}");
    assert!(err.to_string().contains(&test.display().to_string()));

    let mut x = Array2::<f32>::zeros((3, 2));
    x[[1, 0]] = f32::INFINITY;
    let err = LabelledCodes::new(x, vec![0, 1, 0]).unwrap_err();
    assert!(matches!(err, MetricsError::NonFinite { row: 1, column: 0, .. }), "{err}");
}

#[test]
fn unparseable_cell_names_line_and_column() {
    let (err, _, _) = load_texts("a,b,y\n1,2,x\n3,four,w\n", GOOD);
    assert!(
        matches!(err.root(), MetricsError::ParseNumber { line: 3, ref column, ref value } if column == "b" && value == "four"),
        "{err}"
    );
}

#[test]
fn single_train_class_is_refused() {
    let (err, train, _) = load_texts("a,b,y\n1,2,x\n3,4,x\n", "a,b,y\n1,2,x\n");
    assert!(matches!(err.root(), MetricsError::SingleClass { .. }), "{err}");
    assert!(err.to_string().contains(&train.display().to_string()));

    let codes = LabelledCodes::new(Array2::zeros((3, 2)), vec![1, 1, 1]).unwrap();
    let err = LogisticProbe::params().fit(&codes).unwrap_err();
    assert!(matches!(err, MetricsError::SingleClass { .. }), "{err}");
    let err = probe_codes(&codes, &codes, &ProbeOptions::default()).unwrap_err();
    assert!(matches!(err, MetricsError::SingleClass { .. }), "{err}");
}

#[test]
fn test_label_unseen_in_train_is_refused() {
    let (err, _, test) = load_texts(GOOD, "a,b,y\n1,2,x\n3,4,v\n");
    assert!(matches!(err.root(), MetricsError::UnseenTestLabel { row: 1, ref label } if label.contains('v')), "{err}");
    assert!(err.to_string().contains(&test.display().to_string()));

    let train = LabelledCodes::new(Array2::zeros((2, 1)), vec![0, 1]).unwrap();
    let test = LabelledCodes::new(Array2::zeros((2, 1)), vec![1, 2]).unwrap();
    let err = probe_codes(&train, &test, &ProbeOptions::default()).unwrap_err();
    assert!(matches!(err, MetricsError::UnseenTestLabel { row: 1, .. }), "{err}");
    let probe = LogisticProbe::params().fit(&train).unwrap();
    let err = probe.score(&test, &BootstrapOptions::default()).unwrap_err();
    assert!(matches!(err, MetricsError::UnseenTestLabel { row: 1, .. }), "{err}");
}

#[test]
fn mismatched_column_counts_are_refused() {
    let (err, _, _) = load_texts(GOOD, "a,y\n1,x\n");
    assert!(matches!(err.root(), MetricsError::DimensionMismatch { train: 2, test: 1 }), "{err}");
    let (err, _, _) = load_texts(GOOD, "b,a,y\n1,2,x\n");
    assert!(matches!(err.root(), MetricsError::FeatureNamesDiffer { index: 0, .. }), "{err}");

    let train = LabelledCodes::new(Array2::zeros((2, 3)), vec![0, 1]).unwrap();
    let test = LabelledCodes::new(Array2::zeros((2, 2)), vec![0, 1]).unwrap();
    let err = probe_codes(&train, &test, &ProbeOptions::default()).unwrap_err();
    assert!(matches!(err, MetricsError::DimensionMismatch { train: 3, test: 2 }), "{err}");
    let probe = LogisticProbe::params().fit(&train).unwrap();
    assert!(matches!(probe.predict(test.x.view()), Err(MetricsError::DimensionMismatch { .. })));
}

#[test]
fn empty_inputs_are_refused() {
    let (err, train, _) = load_texts("", GOOD);
    assert!(matches!(err.root(), MetricsError::EmptyFile { .. }), "{err}");
    assert!(err.to_string().contains(&train.display().to_string()));
    let (err, _, _) = load_texts(GOOD, "a,b,y\n");
    assert!(matches!(err.root(), MetricsError::EmptyFile { .. }), "{err}");
    let (err, _, _) = load_texts("a,b\n1,2\n", GOOD);
    assert!(matches!(err.root(), MetricsError::MissingLabelColumn { .. }), "{err}");
    let (err, _, _) = load_texts("y\nx\nw\n", GOOD);
    assert!(matches!(err.root(), MetricsError::Empty { .. }), "{err}");

    let err = LabelledCodes::new(Array2::zeros((0, 2)), vec![]).unwrap_err();
    assert!(matches!(err, MetricsError::Empty { .. }), "{err}");
    let err = LabelledCodes::new(Array2::zeros((2, 2)), vec![0]).unwrap_err();
    assert!(matches!(err, MetricsError::LengthMismatch { rows: 2, labels: 1 }), "{err}");
    let missing = std::path::Path::new("/nonexistent/codes.csv");
    let err = load_csv_split(missing, missing, "y").unwrap_err();
    assert!(matches!(err.root(), MetricsError::Io(_)), "{err}");
    assert!(err.to_string().contains("/nonexistent/codes.csv"));
}

// -------------------------------------------------------------- MLP probe

#[cfg(feature = "mlp")]
mod mlp {
    use super::*;
    use tsd_metrics::MlpProbe;

    /// XOR of the signs of two dimensions (plus two noise dimensions): no
    /// linear probe does better than chance, an MLP nearly always right.
    fn xor_codes(r: &mut ChaCha8Rng, n: usize) -> LabelledCodes {
        let x = gaussian(r, n, 4);
        let y = x.rows().into_iter().map(|row| usize::from((row[0] > 0.0) != (row[1] > 0.0))).collect();
        LabelledCodes::new(x, y).unwrap()
    }

    #[test]
    fn mlp_beats_the_linear_probe_on_a_nonlinear_code() {
        let mut r = rng(8);
        let (train, test) = (xor_codes(&mut r, 3000), xor_codes(&mut r, 1000));
        let b = BootstrapOptions::default();
        let linear = LogisticProbe::params().fit(&train).unwrap().score(&test, &b).unwrap();
        let mlp = MlpProbe::params().max_epochs(30).seed(1).fit(&train).unwrap().score(&test, &b).unwrap();
        eprintln!("xor code: linear {linear}\nxor code: mlp {mlp}");
        assert!(linear.accuracy < 0.6, "linear {linear}");
        assert!(mlp.accuracy > 0.9, "mlp {mlp}");
        assert!(mlp.accuracy - linear.accuracy > 0.3);
    }

    #[test]
    fn mlp_is_seeded_and_goes_through_probe_codes() {
        let mut r = rng(9);
        let (train, test) = (xor_codes(&mut r, 600), xor_codes(&mut r, 200));
        let params = MlpProbe::params().max_epochs(3).seed(5);
        let options = ProbeOptions::default().probes(vec![ProbeConfig::Mlp(params.clone())]);
        let a = probe_codes(&train, &test, &options).unwrap();
        let b = probe_codes(&train, &test, &options).unwrap();
        assert_eq!(a.probes[0].family, ProbeFamily::Mlp);
        assert_eq!(a, b);
    }
}

/// `tsd probe` on weak inputs (issue 17): a single-class test set, a 1-row
/// test set and codes at 1e-15 scale each give a warning in the report.
#[test]
fn weak_inputs_are_reported_not_silently_scored() {
    let mut r = rng(17);
    let y = uniform_labels(&mut r, 300, 3);
    let x = noisy_one_hot(&mut r, &y, 3, 0.1);
    let train = LabelledCodes::new(x.clone(), y.clone()).unwrap();
    let options = ProbeOptions::default().mutual_info(None);
    let usual = probe_codes(&train, &train, &options).unwrap();
    assert!(usual.warnings.is_empty(), "{:?}", usual.warnings);
    assert!(!usual.to_json().unwrap().contains("warnings"), "no warnings key for usual inputs");

    let one_class: Vec<usize> = (0..300).filter(|&i| y[i] == 0).collect();
    let test = LabelledCodes::new(x.select(ndarray::Axis(0), &one_class), vec![0; one_class.len()]).unwrap();
    let report = probe_codes(&train, &test, &options).unwrap();
    assert!(report.warnings.iter().any(|w| w.contains("1 class")), "{:?}", report.warnings);
    assert!(report.to_string().starts_with("warning: "), "{report}");

    let test = LabelledCodes::new(x.select(ndarray::Axis(0), &[0]), vec![y[0]]).unwrap();
    let report = probe_codes(&train, &test, &options).unwrap();
    assert!(report.warnings.iter().any(|w| w.contains("only 1 test rows")), "{:?}", report.warnings);

    let tiny = LabelledCodes::new(x.mapv(|v| v * 1e-15), y).unwrap();
    let report = probe_codes(&tiny, &tiny, &options).unwrap();
    assert!(report.warnings.iter().any(|w| w.contains("standardise")), "{:?}", report.warnings);
}

/// Issue 17: a semicolon-separated CSV, a `.npy` given as CSV, a CSV given
/// as `.npy` and a truncated `.npy` header each get a message that says what
/// the file is, instead of "no label column", Rust `Debug` text or "failed to
/// fill whole buffer".
#[test]
fn files_of_the_wrong_kind_say_what_they_are() {
    use ndarray_npy::WriteNpyExt;
    let (err, train, _) = load_texts("a;b;y\n1;2;x\n3;4;w\n", GOOD);
    assert!(matches!(err.root(), MetricsError::NotCsv { .. }), "{err}");
    assert!(err.to_string().contains("';'") && err.to_string().contains(&train.display().to_string()), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let npy = dir.path().join("codes.npy");
    Array2::<f32>::ones((3, 2)).write_npy(std::fs::File::create(&npy).unwrap()).unwrap();
    let csv = write(dir.path(), "test.csv", GOOD);
    let err = load_csv_split(&npy, &csv, "y").unwrap_err();
    assert!(matches!(err.root(), MetricsError::NotCsv { .. }) && err.to_string().contains(".npy file"), "{err}");
    let binary = dir.path().join("binary.csv");
    std::fs::write(&binary, b"a,b,y\n1,\xff\xfe,x\n").unwrap();
    let err = load_csv_split(&binary, &csv, "y").unwrap_err();
    assert!(err.to_string().contains("not UTF-8"), "{err}");

    let labels = dir.path().join("y.npy");
    Array1::from(vec![1i64, 2, 1]).write_npy(std::fs::File::create(&labels).unwrap()).unwrap();
    let err = load_npy_split(&csv, &labels, &npy, &labels).unwrap_err();
    assert!(err.to_string().contains("not a .npy file") && err.to_string().contains("test.csv"), "{err}");
    let truncated = dir.path().join("truncated.npy");
    std::fs::write(&truncated, &std::fs::read(&npy).unwrap()[..20]).unwrap();
    let err = load_npy_split(&truncated, &labels, &npy, &labels).unwrap_err();
    assert!(err.to_string().contains("truncated") && err.to_string().contains("truncated.npy"), "{err}");
}
