//! One dataset's results folder: `table.csv`, `table.md`, `configs/`,
//! `logs/` and `figures/`, rebuilt from its finished runs.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tsd_core::{encode_dataset, Method, TrainedModel};
use tsd_data::{Dataset, DatasetKind};

use super::collect::RunRecord;
use super::figures::embedding::Projection;
use super::figures::{curves, embedding, swap};
use super::markdown::{anchor_table, label_probe_table, leakage_table, nuisance_table, run_table};
use super::table::{run_rows, write_csv, TableRow};
use super::MergeOptions;
use crate::pipeline::MODEL_FILE;
use crate::setup::DataRequest;

/// Test images drawn in the embedding figures.
pub const EMBEDDED_IMAGES: usize = 2000;

/// What was written for one dataset, for the README.
#[derive(Debug)]
pub struct DatasetResults {
    /// The dataset.
    pub dataset: DatasetKind,
    /// Every row of its `table.csv`.
    pub rows: Vec<TableRow>,
    /// Methods present, in `Method::ALL` order.
    pub methods: Vec<String>,
    /// Problems that did not stop the merge (e.g. data missing for figures).
    pub warnings: Vec<String>,
}

/// A figure of the page: file name under `figures/` and caption.
struct Figure {
    file: String,
    caption: String,
}

/// Writes `dir` from `runs` (all of one dataset and budget, ordered by method then seed).
pub fn write(dir: &Path, runs: &[&RunRecord], options: &MergeOptions) -> Result<DatasetResults> {
    let dataset = runs[0].manifest.dataset;
    for sub in ["configs", "logs", "figures"] {
        let path = dir.join(sub);
        if path.exists() {
            std::fs::remove_dir_all(&path).with_context(|| format!("clearing {}", path.display()))?;
        }
        std::fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
    }
    let mut rows = Vec::new();
    // The first run of each method draws the figures: keep only its model.
    let mut models: Vec<Option<TrainedModel>> = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        let model = TrainedModel::load(run.manifest.method, &run.dir.join(MODEL_FILE), options.device)
            .with_context(|| format!("loading the model of {}", run.dir.display()))?;
        rows.extend(run_rows(run, Some(model.disentangler().normalization())));
        copy_log(run, dir)?;
        let first_of_method = runs[..i].iter().all(|r| r.manifest.method != run.manifest.method);
        models.push(first_of_method.then_some(model));
    }
    write_csv(&rows, &dir.join("table.csv"))?;
    let methods: Vec<Method> =
        Method::ALL.into_iter().filter(|m| runs.iter().any(|r| r.manifest.method == *m)).collect();
    let mut warnings = Vec::new();
    let mut figures = Vec::new();
    let mut data = TestData::default();
    for &method in &methods {
        let first = runs.iter().position(|r| r.manifest.method == method).unwrap_or(0);
        let of_method: Vec<&RunRecord> = runs.iter().copied().filter(|r| r.manifest.method == method).collect();
        write_configs(dir, method, &of_method)?;
        figures.push(curves_figure(dir, method, &of_method)?);
        let model = models[first].as_ref().context("the first run of a method keeps its model")?;
        match data.get(&runs[first].manifest.data, options) {
            Ok(test) => figures.extend(model_figures(dir, runs[first], model, test, options)?),
            Err(e) => warnings
                .push(format!("{dataset} {method}: no embedding or swap figure, the test data did not load: {e:#}")),
        }
    }
    let methods: Vec<String> = methods.iter().map(|m| m.to_string()).collect();
    let page = page(dataset, runs, &rows, &methods, &figures, &warnings);
    tsd_core::checkpoint::write_atomic(&dir.join("table.md"), page.as_bytes())?;
    Ok(DatasetResults { dataset, rows, methods, warnings })
}

/// Test sets loaded so far (methods of one seed share theirs).
#[derive(Default)]
struct TestData {
    loaded: Vec<(DataRequest, Dataset)>,
}

impl TestData {
    /// The test set of `request`, with the merge's `--data-dir` if given.
    fn get(&mut self, request: &DataRequest, options: &MergeOptions) -> Result<&Dataset> {
        let mut request = request.clone();
        if options.data_dir.is_some() {
            request.data_dir = options.data_dir.clone();
        }
        let index = match self.loaded.iter().position(|(r, _)| *r == request) {
            Some(i) => i,
            None => {
                let test = request.load()?.test;
                self.loaded.push((request, test));
                self.loaded.len() - 1
            }
        };
        Ok(&self.loaded[index].1)
    }
}

/// Copies the run's `log.csv` to `logs/<method>-seed<k>.csv`.
fn copy_log(run: &RunRecord, dir: &Path) -> Result<()> {
    let from = run.dir.join(tsd_core::train::LOG_FILE);
    let to = dir.join("logs").join(format!("{}-seed{}.csv", run.manifest.method, run.manifest.seed));
    std::fs::copy(&from, &to).with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
    Ok(())
}

/// Writes `configs/<method>.toml`: the first seed's config, headed by a note
/// when the other seeds' configs differ only in `seed`; configs that differ
/// in more get a file of their own, `configs/<method>-seed<k>.toml`.
fn write_configs(dir: &Path, method: Method, runs: &[&RunRecord]) -> Result<()> {
    let without_seed = |text: &str| -> Result<toml::Table> {
        let mut table: toml::Table = text.parse().context("parsing a run's config.toml")?;
        table.remove("seed");
        Ok(table)
    };
    let first = without_seed(&runs[0].config_toml)?;
    let seeds: Vec<String> = runs.iter().map(|r| r.manifest.seed.to_string()).collect();
    let mut header =
        format!("# Config of {method}, seed {} (exact file of {}).\n", runs[0].manifest.seed, runs[0].dir.display());
    if runs.len() > 1 {
        let same = runs.iter().all(|r| without_seed(&r.config_toml).is_ok_and(|t| t == first));
        header.push_str(&format!(
            "# Runs of seeds {} differ from it only in `seed`{}.\n",
            seeds.join(", "),
            if same { "" } else { ", except those with a configs/<method>-seed<k>.toml beside this file" }
        ));
    }
    let path = dir.join("configs").join(format!("{method}.toml"));
    tsd_core::checkpoint::write_atomic(&path, format!("{header}\n{}", runs[0].config_toml).as_bytes())?;
    for run in &runs[1..] {
        if without_seed(&run.config_toml)? != first {
            let path = dir.join("configs").join(format!("{method}-seed{}.toml", run.manifest.seed));
            tsd_core::checkpoint::write_atomic(&path, run.config_toml.as_bytes())?;
        }
    }
    Ok(())
}

/// Training curves of every seed of `method`.
fn curves_figure(dir: &Path, method: Method, runs: &[&RunRecord]) -> Result<Figure> {
    let file = format!("curves-{method}.png");
    let logs: Vec<&[_]> = runs.iter().map(|r| r.log.as_slice()).collect();
    let title = format!("{method} on {}: training curves ({} seed(s))", runs[0].manifest.dataset, runs.len());
    curves::plot(&dir.join("figures").join(&file), &title, &logs)?;
    let caption = match method {
        Method::TwoStep => "Training curves: step-1 classifier accuracy on S, then step-2 reconstruction loss (train `rec`, validation `val_rec`) and the adversary's accuracy on Z (`adv_acc`, `val_adv_acc`); one line per seed.",
        Method::Mathieu => "Training curves: reconstruction loss (`rec`, `val_rec`) and the image discriminator's accuracy (`disc_acc`); one line per seed.",
    };
    Ok(Figure { file, caption: caption.into() })
}

/// The embedding and swap figures of one run's model on `test`.
fn model_figures(
    dir: &Path,
    run: &RunRecord,
    model: &TrainedModel,
    test: &Dataset,
    options: &MergeOptions,
) -> Result<Vec<Figure>> {
    let (method, seed) = (run.manifest.method, run.manifest.seed);
    let model = model.disentangler();
    let mut order: Vec<usize> = (0..test.len()).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(0));
    order.truncate(EMBEDDED_IMAGES);
    let sample = test.select(&order);
    let (s, z) = encode_dataset(model, &sample, 500)?;
    let how = options.projection.unwrap_or(if run.manifest.quick { Projection::Pca } else { Projection::Tsne });
    let (s2, used) = embedding::project(&s, how)?;
    let (z2, _) = embedding::project(&z, used)?;
    let embed_file = format!("embedding-{method}.png");
    let title = format!("{method} on {} (seed {seed}): {used} of {} test codes", run.manifest.dataset, sample.len());
    let panels = [("S (should cluster by label)", &s2), ("Z (should not)", &z2)];
    embedding::plot(&dir.join("figures").join(&embed_file), &title, panels, &sample.labels, test.n_classes)?;

    let sources = swap::pick_sources(test);
    let images = test.select(&sources).images;
    let swapped = swap::swap_images(model, &images)?;
    let swap_file = format!("swap-{method}.png");
    swap::write_grid(&dir.join("figures").join(&swap_file), &images, &swapped)?;
    Ok(vec![
        Figure {
            file: embed_file,
            caption: format!(
                "{used} of S (left) and Z (right) for {} random test images, coloured by {} (seed {seed}).",
                sample.len(),
                run.manifest.label
            ),
        },
        Figure {
            file: swap_file,
            caption: format!(
                "Swap grid (seed {seed}): the top row and left column are test images; the cell in row i, column j decodes S of row i's image with Z of column j's image, so each row should keep its {} and each column its style.",
                run.manifest.label
            ),
        },
    ])
}

/// Per-dataset caveats for the page and the README.
pub fn dataset_note(dataset: DatasetKind) -> Option<&'static str> {
    match dataset {
        DatasetKind::Sprites => Some(
            "Sprites identity labels: characters 2k and 2k+1 differ only in the weapon, which most clips do not draw; \
             52.5 % of frames are bit-identical to a frame of another character, so no classifier can name the character \
             of a single frame more than ~74 % of the time (see `crates/tsd-data/src/sprites.rs`). S-probe accuracies are \
             capped there, and Z accuracies above chance partly reflect the same ambiguity.",
        ),
        DatasetKind::Cars3d => Some(
            "Cars3D stands in for small NORB (not available offline): 3-D objects, label = car identity (181 classes \
             after dropping two bit-identical duplicates of the 183), nuisances = elevation and azimuth; each car's 96 \
             views are split at random into train / validation / test (see `crates/tsd-data/src/cars3d.rs`).",
        ),
        DatasetKind::Mnist | DatasetKind::Norb => None,
    }
}

/// The Markdown page `table.md`.
fn page(
    dataset: DatasetKind,
    runs: &[&RunRecord],
    rows: &[TableRow],
    methods: &[String],
    figures: &[Figure],
    warnings: &[String],
) -> String {
    let first = runs[0];
    let quick = first.manifest.quick;
    let label = &first.manifest.label;
    let mut md = format!("# {dataset}: two-step vs Mathieu et al., fresh probes of S and Z\n\n");
    if quick {
        md.push_str(&format!("> **Quick budget**: {}.\n\n", super::quick_note()));
    }
    md.push_str(&format!(
        "Label: `{label}` ({} classes); {} test images; {} run(s). Long-format numbers of every run: \
         [table.csv](table.csv); exact configs: [configs/](configs/); per-epoch logs: [logs/](logs/).\n\n",
        first.summary.s.label.n_classes,
        first.summary.test_images,
        runs.len()
    ));
    if let Some(note) = dataset_note(dataset) {
        md.push_str(&format!("{note}\n\n"));
    }
    md.push_str(&format!(
        "## Label probes\n\nTest accuracy (%) of fresh probes fitted on train codes: one seed shows the 95 % bootstrap CI \
         over test images, several show mean ± std over seeds. S should be high, Z at chance.\n\n{}\n",
        label_probe_table(rows, methods)
    ));
    md.push_str(&format!(
        "## Normalised leakage\n\n(accuracy − chance) / (1 − chance), clamped to [0, 1]: 0 is chance, 1 a perfect probe.\n\n{}\n",
        leakage_table(rows, methods)
    ));
    md.push_str("## Nuisance factors\n\n");
    match nuisance_table(rows, methods) {
        Some(t) => md.push_str(&format!(
            "Logistic probes of each nuisance factor (test accuracy %). Z should carry them, S should not.\n\n{t}\n"
        )),
        None => md.push_str(&format!("{dataset} has no nuisance labels.\n\n")),
    }
    md.push_str(&format!(
        "## Runs\n\n{}\nReconstruction MSE in `[0, 1]` pixel units compares the methods; the model-scale MSE is in each \
         model's own input scaling. \"Own\" networks are the two-step model's step-1 classifier and step-2 adversary \
         (not fresh probes). Wall time covers training and probing.\n\n",
        run_table(rows, methods)
    ));
    md.push_str(&format!("## Published anchors\n\n{}\n", anchor_table(dataset, rows, methods)));
    md.push_str("## Figures\n\n");
    for f in figures {
        md.push_str(&format!("![{}](figures/{})\n\n{}\n\n", f.file, f.file, f.caption));
    }
    for w in warnings {
        md.push_str(&format!("> Warning: {w}\n\n"));
    }
    md
}

/// The folder of `dataset` under `root`.
pub fn dir(root: &Path, dataset: DatasetKind) -> PathBuf {
    root.join(dataset.dir_name())
}
