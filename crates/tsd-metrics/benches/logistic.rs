//! Our logistic probe against scikit-learn's `LogisticRegression(lbfgs)` on
//! the same codes (with `benchmarks/probe_vs_sklearn.py`).
//!
//! ```text
//! cargo bench -p tsd-metrics --bench logistic            # writes target/tsd-bench/
//! .venv/bin/python benchmarks/probe_vs_sklearn.py target/tsd-bench
//! ```
//!
//! Writes `train.csv` (58,000 codes) and `test.csv` (10,000 codes) of width
//! 16 with 10 classes, seeded, then fits our probe `REPEATS` times and writes
//! the accuracy and fit times to `ours.json`. The codes are Gaussian classes
//! (means drawn with spread 0.6 around the origin, unit noise; a linear probe
//! reaches ~75%) seen through random per-column scales (0.01 to 100) and
//! offsets, so standardisation matters. An optional argument (not starting
//! with `--`) replaces the output folder.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tsd_metrics::{load_csv_split, probe_codes, LogisticProbe, Probe, ProbeOptions};

const N_TRAIN: usize = 58_000;
const N_TEST: usize = 10_000;
const DIM: usize = 16;
const CLASSES: usize = 10;
/// Spread of the class means (noise has unit variance): ~75% linear accuracy.
const MEAN_SPREAD: f64 = 0.6;
const SEED: u64 = 20_180_908;
const REPEATS: usize = 7;

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn main() {
    let out: PathBuf = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/tsd-bench"));
    std::fs::create_dir_all(&out).expect("create the output folder");

    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let means = Array2::from_shape_fn((CLASSES, DIM), |_| MEAN_SPREAD * normal(&mut rng));
    let scales: Vec<f64> = (0..DIM).map(|_| 10f64.powf(rng.gen_range(-2.0..2.0))).collect();
    let offsets: Vec<f64> = (0..DIM).map(|_| rng.gen_range(-50.0..50.0)).collect();
    let mut write_split = |name: &str, n: usize| {
        let mut text = String::with_capacity(n * DIM * 12);
        for j in 0..DIM {
            let _ = write!(text, "z{j},");
        }
        text.push_str("label\n");
        for _ in 0..n {
            let y = rng.gen_range(0..CLASSES);
            for j in 0..DIM {
                let v = (means[[y, j]] + normal(&mut rng)) * scales[j] + offsets[j];
                // f32's shortest round-trip text: both sides read the same numbers.
                let _ = write!(text, "{},", v as f32);
            }
            let _ = writeln!(text, "{y}");
        }
        std::fs::write(out.join(name), text).expect("write the codes");
    };
    write_split("train.csv", N_TRAIN);
    write_split("test.csv", N_TEST);

    let split = load_csv_split(out.join("train.csv"), out.join("test.csv"), "label").expect("read the codes back");
    let params = LogisticProbe::params();
    let mut times = Vec::with_capacity(REPEATS);
    let mut accuracy = 0.0;
    for _ in 0..REPEATS {
        let start = Instant::now();
        let probe = params.fit(&split.train).expect("fit");
        times.push(start.elapsed().as_secs_f64());
        let predicted = probe.predict(split.test.x.view()).expect("predict");
        let hits = predicted.iter().zip(&split.test.y).filter(|(p, t)| p == t).count();
        accuracy = hits as f64 / split.test.len() as f64;
    }
    times.sort_by(f64::total_cmp);
    let median = times[REPEATS / 2];
    let json = serde_json::json!({
        "implementation": "tsd-metrics LogisticProbe (fused-objective L-BFGS, then linfa-logistic 0.8 from there, f64)",
        "n_train": N_TRAIN,
        "n_test": N_TEST,
        "dim": DIM,
        "classes": CLASSES,
        "alpha": 1.0,
        "max_iterations": 100,
        "tolerance": 1e-4,
        "accuracy": accuracy,
        "fit_seconds_median": median,
        "fit_seconds_min": times[0],
        "repeats": REPEATS,
    });
    std::fs::write(out.join("ours.json"), serde_json::to_string_pretty(&json).unwrap()).expect("write ours.json");
    println!("tsd-metrics logistic probe: {N_TRAIN} x {DIM} train, {N_TEST} test, {CLASSES} classes");
    println!("  test accuracy {:.4}, fit {:.3} s median / {:.3} s min of {REPEATS}", accuracy, median, times[0]);
    println!("  codes and ours.json in {}", out.display());

    // For scale: the whole default report (logistic, 5-NN, MI) on these codes.
    let start = Instant::now();
    let report = probe_codes(&split.train, &split.test, &ProbeOptions::default()).expect("report");
    println!("\nprobe_codes with the default options: {:.2} s\n{report}", start.elapsed().as_secs_f64());
}
