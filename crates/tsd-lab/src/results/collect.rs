//! Finding the finished runs of a runs folder and reading what they wrote.

use std::path::{Path, PathBuf};

use crate::error::{Context, Result};
use tsd_core::train::{History, LOG_FILE};
use tsd_data::DatasetKind;

use crate::manifest::{RunManifest, MANIFEST_FILE};
use crate::pipeline::{read_summary, RunSummary, CONFIG_FILE, SUMMARY_FILE};

/// One finished run.
#[derive(Debug, Clone)]
pub struct RunRecord {
    /// Its folder.
    pub dir: PathBuf,
    /// What it is and how its data was loaded.
    pub manifest: RunManifest,
    /// What it measured.
    pub summary: RunSummary,
    /// Its config file's text.
    pub config_toml: String,
    /// Its per-epoch log (`log.csv`), read back with its method's figures type
    /// by [`tsd_core::MethodId::curves`].
    pub log: History,
}

/// The runs under a runs folder.
#[derive(Debug, Default)]
pub struct Collected {
    /// Finished runs (with `summary.json`), ordered by budget, dataset, method, seed.
    pub finished: Vec<RunRecord>,
    /// Run folders with a manifest but no (readable) `summary.json` yet.
    pub unfinished: Vec<PathBuf>,
    /// Run folders left out because their `summary.json` does not read, with why.
    pub damaged: Vec<String>,
}

/// Reads every run folder `<runs>/<dataset>/<method>/<run>` holding a `run.json`.
pub fn collect(runs: &Path) -> Result<Collected> {
    let mut collected = Collected::default();
    for dir in run_dirs(runs)? {
        if dir.join(SUMMARY_FILE).exists() {
            match read_summary(&dir) {
                Ok(summary) => collected.finished.push(read_run(&dir, summary)?),
                Err(e) => {
                    collected.damaged.push(format!("{} left out: {}", dir.display(), e.chain()));
                    collected.unfinished.push(dir);
                }
            }
        } else {
            collected.unfinished.push(dir);
        }
    }
    let order = |r: &RunRecord| {
        let m = &r.manifest;
        (m.quick, DatasetKind::ALL.iter().position(|&d| d == m.dataset), m.method, m.seed)
    };
    collected.finished.sort_by_key(order);
    Ok(collected)
}

/// Folders three levels below `runs` that hold a manifest, sorted.
fn run_dirs(runs: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut level = vec![runs.to_path_buf()];
    for _ in 0..3 {
        let mut next = Vec::new();
        for dir in level {
            let entries = std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?;
            for entry in entries {
                let path = entry?.path();
                if path.is_dir() {
                    next.push(path);
                }
            }
        }
        level = next;
    }
    found.extend(level.into_iter().filter(|d| d.join(MANIFEST_FILE).exists()));
    found.sort();
    Ok(found)
}

/// Reads one finished run folder, whose `summary` was read already.
fn read_run(dir: &Path, summary: RunSummary) -> Result<RunRecord> {
    let config_path = dir.join(CONFIG_FILE);
    Ok(RunRecord {
        dir: dir.to_path_buf(),
        manifest: RunManifest::read(dir)?,
        summary,
        config_toml: std::fs::read_to_string(&config_path)
            .with_context(|| format!("reading {}", config_path.display()))?,
        log: History::read_csv(&dir.join(LOG_FILE))?,
    })
}
