//! `tsd merge`: a results folder rebuilt from run folders alone (their
//! `run.json`, `summary.json`, `config.toml`, `log.csv` and
//! `model.safetensors`), so sharded sweeps and single sweeps end in the same
//! tables. `tsd reproduce` calls [`merge`] at its end.
//!
//! Layout: full runs go to `<results>/`, quick runs to `<results>/quick/`;
//! each holds `README.md` and one folder per dataset (see [`dataset::build`]
//! and the exporters of [`export`]).
//!
//! Data flow: run folders -> [`collect`] ([`collect::RunRecord`]) ->
//! [`dataset::build`] (figures, configs, logs; a typed
//! [`summary::DatasetSummary`] keyed by method, code and probe) ->
//! [`export::Exporter`]s (CSV, Markdown, JSON, README).

pub mod anchors;
pub mod collect;
pub mod dataset;
pub mod export;
pub mod figures;
pub mod markdown;
pub mod pareto;
pub mod readme;
pub mod summary;
pub mod table;

use std::path::{Path, PathBuf};

use crate::error::{Context, Result};
use tch::Device;

use self::collect::RunRecord;
use self::export::{Provenance, ResultsGroup};
use self::figures::embedding::Projection;
use self::summary::distinct;

/// What the quick budget is, for banners.
pub fn quick_note() -> String {
    use crate::budget::{QUICK_PROBE_EPOCHS, QUICK_TRAIN_IMAGES};
    use tsd_core::method::QUICK_EPOCHS;
    format!(
        "{QUICK_EPOCHS} epochs per training phase on the first {QUICK_TRAIN_IMAGES} training images (unless overridden; \
         see the run tables), MLP probe limited to {QUICK_PROBE_EPOCHS} epochs; the numbers check the pipeline and are \
         not comparable with published ones"
    )
}

/// Where to read runs and write results.
#[derive(Debug, Clone)]
pub struct MergeOptions {
    /// The runs folder (`<runs>/<dataset>/<method>/seed<k>[-quick]`).
    pub runs: PathBuf,
    /// The results folder.
    pub results: PathBuf,
    /// Where models encode the figures' test images.
    pub device: Device,
    /// 2-D projection of the embedding figures (`None`: t-SNE for full
    /// results, PCA for quick ones, where t-SNE would take a good share of the budget).
    pub projection: Option<Projection>,
    /// Overrides the data folder recorded in the runs (to draw figures on another machine).
    pub data_dir: Option<PathBuf>,
}

/// What a merge wrote.
#[derive(Debug, Default)]
pub struct MergeReport {
    /// The README files written.
    pub readmes: Vec<PathBuf>,
    /// Finished runs merged.
    pub runs: usize,
    /// Run folders without a summary yet (left out).
    pub unfinished: Vec<PathBuf>,
    /// Problems that did not stop the merge.
    pub warnings: Vec<String>,
    /// Each dataset's label-probe table, headed by its folder, for the terminal.
    pub headline: String,
}

/// Rebuilds every table, figure and README under `options.results` from the
/// finished runs under `options.runs`. `stage` hears what is being done.
pub fn merge(options: &MergeOptions, stage: &mut dyn FnMut(&str)) -> Result<MergeReport> {
    stage("reading run folders");
    let collected = collect::collect(&options.runs)?;
    let mut report = MergeReport {
        runs: collected.finished.len(),
        unfinished: collected.unfinished,
        warnings: collected.damaged,
        ..Default::default()
    };
    for quick in [false, true] {
        let group: Vec<&RunRecord> = collected.finished.iter().filter(|r| r.manifest.quick == quick).collect();
        if group.is_empty() {
            continue;
        }
        let root = group_root(&options.results, quick);
        let mut datasets = Vec::new();
        for kind in tsd_data::DatasetKind::ALL {
            let runs: Vec<&RunRecord> = group.iter().copied().filter(|r| r.manifest.dataset == kind).collect();
            if runs.is_empty() {
                continue;
            }
            stage(&format!("tables and figures of {kind}{}", if quick { " (quick)" } else { "" }));
            let summary = dataset::build(&dataset::dir(&root, kind), &runs, options)?;
            report.warnings.extend(summary.warnings.iter().cloned());
            report.headline.push_str(&format!(
                "{}:\n{}\n",
                dataset::dir(&root, kind).join("table.md").display(),
                markdown::label_probe_table(&summary)
            ));
            datasets.push(summary);
        }
        stage("README");
        let notes_path = root.join(readme::NOTES_FILE);
        let notes = match std::fs::read_to_string(&notes_path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e).context(format!("reading {}", notes_path.display())),
        };
        let results =
            ResultsGroup { quick, datasets, provenance: provenance(&group, options, &report.unfinished), notes };
        for exporter in export::all() {
            for (path, bytes) in exporter.export(&results)? {
                tsd_core::common::checkpoint::write_atomic(&root.join(path), &bytes)?;
            }
        }
        report.readmes.push(root.join("README.md"));
    }
    Ok(report)
}

/// Commands, machines and folders of `runs`, each listed once in first-seen order.
fn provenance(runs: &[&RunRecord], options: &MergeOptions, unfinished: &[PathBuf]) -> Provenance {
    Provenance {
        commands: distinct(runs.iter().map(|r| r.manifest.command.clone())),
        machines: distinct(runs.iter().map(|r| {
            let m = &r.manifest.machine;
            format!("{}, {} logical CPU(s), device {}", m.cpu, m.cores, r.summary.device)
        })),
        runs: runs.len(),
        runs_dir: options.runs.clone(),
        results_dir: options.results.clone(),
        unfinished: unfinished.to_vec(),
    }
}

/// `<results>` for full runs, `<results>/quick` for quick ones.
pub fn group_root(results: &Path, quick: bool) -> PathBuf {
    if quick {
        results.join("quick")
    } else {
        results.to_path_buf()
    }
}
