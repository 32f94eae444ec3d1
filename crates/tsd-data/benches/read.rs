//! Wall time and peak memory of reading the real datasets.
//!
//! `cargo bench -p tsd-data --bench read`. Each dataset is read in a fresh
//! child process (this binary re-run with `TSD_BENCH_STEP` set), so the peak
//! resident set size printed for it (VmHWM) is its own. Datasets that are
//! not found are skipped with a note.

use std::process::Command;
use std::time::Instant;

use tsd_data::{load, DataError, DatasetKind, LoadOptions};

const STEP_ENV: &str = "TSD_BENCH_STEP";

/// (step name, dataset, target wall time in seconds)
const STEPS: [(&str, DatasetKind, f64); 3] = [
    ("mnist", DatasetKind::Mnist, 0.5),
    ("cars3d", DatasetKind::Cars3d, f64::INFINITY),
    ("sprites", DatasetKind::Sprites, 15.0),
];

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn run_step(name: &str) {
    let Some(&(_, kind, target)) = STEPS.iter().find(|s| s.0 == name) else {
        eprintln!("unknown step {name}");
        std::process::exit(2);
    };
    let opts = LoadOptions::default();
    let start = Instant::now();
    match load(kind, &opts) {
        Ok(s) => {
            let secs = start.elapsed().as_secs_f64();
            let (c, h, w) = s.train.image_shape();
            let target = if target.is_finite() { format!(" (target < {target} s)") } else { String::new() };
            println!(
                "{name:<8} {secs:>7.3} s{target}  peak RSS {:>7.1} MiB  {} + {} + {} images of {c}x{h}x{w}",
                peak_rss_mib().unwrap_or(f64::NAN),
                s.train.len(),
                s.val.len(),
                s.test.len()
            );
        }
        Err(e @ DataError::MissingDataset { .. }) => {
            println!("{name:<8} skipped: {}", e.to_string().lines().next().unwrap_or(""));
        }
        Err(e) => {
            eprintln!("{name}: {e}");
            std::process::exit(1);
        }
    }
}

fn main() {
    if let Ok(step) = std::env::var(STEP_ENV) {
        run_step(&step);
        return;
    }
    let exe = std::env::current_exe().expect("own executable");
    println!("read + decode + split with default options, each in a fresh process");
    for (name, _, _) in STEPS {
        let status = Command::new(&exe).env(STEP_ENV, name).status().expect("spawn self");
        if !status.success() {
            eprintln!("{name}: failed ({status})");
        }
    }
}
