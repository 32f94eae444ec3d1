//! The files of a results folder, each made by an [`Exporter`] of the typed
//! results ([`ResultsGroup`]): `table.csv` ([`TableCsv`]), `table.md`
//! ([`TablePage`]) and `summary.json` ([`SummaryJson`]) per dataset, and
//! the folder's `README.md` ([`Readme`]).

use std::path::PathBuf;

use crate::error::Result;
use serde::Serialize;
use tsd_core::MethodId;

use super::markdown::{anchor_table, label_probe_table, leakage_table, nuisance_table, run_table};
use super::summary::DatasetSummary;
use super::{quick_note, readme, table};

/// What the runs of one budget (full or quick) produced, with where they came from.
#[derive(Debug, Clone, Serialize)]
pub struct ResultsGroup {
    /// Quick budget.
    pub quick: bool,
    /// One summary per dataset, in `DatasetKind::ALL` order.
    pub datasets: Vec<DatasetSummary>,
    /// How the runs were made.
    pub provenance: Provenance,
    /// The results folder's hand-written `NOTES.md`, if any.
    pub notes: Option<String>,
}

/// Commands, machines and folders behind a [`ResultsGroup`].
#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    /// Distinct commands that ran the runs.
    pub commands: Vec<String>,
    /// Distinct machines (`CPU, cores, device`).
    pub machines: Vec<String>,
    /// Finished runs merged.
    pub runs: usize,
    /// The runs folder.
    pub runs_dir: PathBuf,
    /// The results folder.
    pub results_dir: PathBuf,
    /// Run folders left out because they have not finished.
    pub unfinished: Vec<PathBuf>,
}

/// Turns typed results into files.
pub trait Exporter {
    /// The files it writes, relative to the group's folder, with their contents.
    fn export(&self, group: &ResultsGroup) -> Result<Vec<(PathBuf, Vec<u8>)>>;
}

/// Every exporter of a results folder.
pub fn all() -> Vec<Box<dyn Exporter>> {
    vec![Box::new(TableCsv), Box::new(TablePage), Box::new(SummaryJson), Box::new(Readme)]
}

/// `<dataset>/table.csv`: the long-format table of every run.
#[derive(Debug, Clone, Copy)]
pub struct TableCsv;

impl Exporter for TableCsv {
    fn export(&self, group: &ResultsGroup) -> Result<Vec<(PathBuf, Vec<u8>)>> {
        per_dataset(group, "table.csv", |d| table::to_csv(&table::rows(d)))
    }
}

/// `<dataset>/summary.json`: the typed summary itself.
#[derive(Debug, Clone, Copy)]
pub struct SummaryJson;

impl Exporter for SummaryJson {
    fn export(&self, group: &ResultsGroup) -> Result<Vec<(PathBuf, Vec<u8>)>> {
        per_dataset(group, "summary.json", |d| Ok(serde_json::to_vec_pretty(d)?))
    }
}

/// `<dataset>/table.md`: the page of a dataset (tables and figures).
#[derive(Debug, Clone, Copy)]
pub struct TablePage;

impl Exporter for TablePage {
    fn export(&self, group: &ResultsGroup) -> Result<Vec<(PathBuf, Vec<u8>)>> {
        per_dataset(group, "table.md", |d| Ok(page(d).into_bytes()))
    }
}

/// `README.md`: every dataset's headline table beside the published anchors,
/// provenance, and what was not reproduced.
#[derive(Debug, Clone, Copy)]
pub struct Readme;

impl Exporter for Readme {
    fn export(&self, group: &ResultsGroup) -> Result<Vec<(PathBuf, Vec<u8>)>> {
        Ok(vec![(PathBuf::from("README.md"), readme::render(group).into_bytes())])
    }
}

/// One file named `name` in each dataset's folder.
fn per_dataset(
    group: &ResultsGroup,
    name: &str,
    render: impl Fn(&DatasetSummary) -> Result<Vec<u8>>,
) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    group.datasets.iter().map(|d| Ok((PathBuf::from(d.dataset.dir_name()).join(name), render(d)?))).collect()
}

/// The methods' titles joined for a heading: `two-step vs Mathieu et al.`.
pub fn versus(methods: &[MethodId]) -> String {
    methods.iter().map(|m| m.title()).collect::<Vec<_>>().join(" vs ")
}

/// The Markdown page `table.md` of one dataset.
fn page(d: &DatasetSummary) -> String {
    let mut md = format!("# {}: {}, fresh probes of S and Z\n\n", d.dataset, versus(&d.methods()));
    if d.quick {
        md.push_str(&format!("> **Quick budget**: {}.\n\n", quick_note()));
    }
    md.push_str(&format!(
        "Label: `{}` ({} classes); {} test images; {} run(s). Long-format numbers of every run: \
         [table.csv](table.csv); exact configs: [configs/](configs/); per-epoch logs: [logs/](logs/); \
         typed summary: [summary.json](summary.json).\n\n",
        d.label,
        d.n_classes,
        d.test_images,
        d.runs.len()
    ));
    if let Some(note) = d.dataset.facts().results_caveat {
        md.push_str(&format!("{note}\n\n"));
    }
    md.push_str(&format!(
        "## Label probes\n\nTest accuracy (%) of fresh probes fitted on train codes: one seed shows the 95 % bootstrap CI \
         over test images, several show mean ± std over seeds. S should be high, Z at chance.\n\n{}\n",
        label_probe_table(d)
    ));
    md.push_str(&format!(
        "## Normalised leakage\n\n(accuracy − chance) / (1 − chance), clamped to [0, 1]: 0 is chance, 1 a perfect probe.\n\n{}\n",
        leakage_table(d)
    ));
    md.push_str("## Nuisance factors\n\n");
    match nuisance_table(d) {
        Some(t) => md.push_str(&format!(
            "Fresh probes of each nuisance factor (test accuracy %). Z should carry them, S should not.\n\n{t}\n"
        )),
        None => md.push_str(&format!("{} has no nuisance labels.\n\n", d.dataset)),
    }
    md.push_str(&format!(
        "## Runs\n\n{}\nReconstruction MSE in `[0, 1]` pixel units compares the methods; the model-scale MSE is in each \
         model's own input scaling. \"Own\" networks are a model's own networks that read a code (the two-step \
         model's step-1 classifier and step-2 adversary), not fresh probes. Wall time covers training and probing.\n\n",
        run_table(d)
    ));
    md.push_str(&format!("## Published anchors\n\n{}\n", anchor_table(d)));
    md.push_str("## Figures\n\n");
    for f in &d.figures {
        md.push_str(&format!("![{}](figures/{})\n\n{}\n\n", f.file, f.file, f.caption));
    }
    for w in &d.warnings {
        md.push_str(&format!("> Warning: {w}\n\n"));
    }
    md
}
