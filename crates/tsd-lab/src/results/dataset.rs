//! One dataset's results folder: `configs/`, `logs/` and `figures/`
//! rebuilt from its finished runs, and the typed [`DatasetSummary`] that the
//! exporters turn into `table.csv`, `table.md` and `summary.json`.

use std::path::{Path, PathBuf};

use crate::error::{Context, Result};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tsd_core::method::TrainedModel;
use tsd_core::{encode_dataset, MethodId};
use tsd_data::{Dataset, DatasetKind};

use super::collect::RunRecord;
use super::figures::embedding::Projection;
use super::figures::{curves, embedding, swap};
use super::summary::{mean_z_reconstruction_pixels, DatasetSummary, Figure, RunResult};
use super::MergeOptions;
use crate::pipeline::MODEL_FILE;
use crate::setup::DataRequest;

/// Test images drawn in the embedding figures.
pub const EMBEDDED_IMAGES: usize = 2000;

/// Rebuilds `dir`'s configs, logs and figures from `runs` (all of one dataset
/// and budget, ordered by method then seed) and returns their typed summary.
pub fn build(dir: &Path, runs: &[&RunRecord], options: &MergeOptions) -> Result<DatasetSummary> {
    let first = runs[0];
    let dataset = first.manifest.dataset;
    for sub in ["configs", "logs", "figures"] {
        let path = dir.join(sub);
        if path.exists() {
            std::fs::remove_dir_all(&path).with_context(|| format!("clearing {}", path.display()))?;
        }
        std::fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
    }
    let mut results = Vec::new();
    let mut data = TestData::default();
    // The first run of each method draws the figures: keep only its model.
    let mut models: Vec<Option<TrainedModel>> = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        let model = run
            .manifest
            .method
            .load_model(&run.dir.join(MODEL_FILE), options.device)
            .with_context(|| format!("loading the model of {}", run.dir.display()))?;
        let mut result = RunResult::of(run, Some(model.disentangler().normalization()));
        if let Ok(test) = data.get(&run.manifest.data, options) {
            result.figures.reconstruction_mse_mean_z_pixels =
                Some(mean_z_reconstruction_pixels(model.disentangler(), test));
        }
        results.push(result);
        copy_log(run, dir)?;
        let first_of_method = runs[..i].iter().all(|r| r.manifest.method != run.manifest.method);
        models.push(first_of_method.then_some(model));
    }
    let mut summary = DatasetSummary {
        dataset,
        quick: first.manifest.quick,
        label: first.manifest.label.clone(),
        n_classes: first.summary.s.label.n_classes,
        test_images: first.summary.test_images,
        runs: results,
        figures: Vec::new(),
        warnings: Vec::new(),
    };
    for method in summary.methods() {
        let first = runs.iter().position(|r| r.manifest.method == method).unwrap_or(0);
        let of_method: Vec<&RunRecord> = runs.iter().copied().filter(|r| r.manifest.method == method).collect();
        write_configs(dir, method, &of_method)?;
        summary.figures.push(curves_figure(dir, method, &of_method)?);
        let model = models[first].as_ref().context("the first run of a method keeps its model")?;
        match data.get(&runs[first].manifest.data, options) {
            Ok(test) => summary.figures.extend(model_figures(dir, runs[first], model, test, options)?),
            Err(e) => summary.warnings.push(format!(
                "{dataset} {method}: no embedding or swap figure, the test data did not load: {}",
                e.chain()
            )),
        }
    }
    Ok(summary)
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
fn write_configs(dir: &Path, method: MethodId, runs: &[&RunRecord]) -> Result<()> {
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
    tsd_core::common::checkpoint::write_atomic(&path, format!("{header}\n{}", runs[0].config_toml).as_bytes())?;
    for run in &runs[1..] {
        if without_seed(&run.config_toml)? != first {
            let path = dir.join("configs").join(format!("{method}-seed{}.toml", run.manifest.seed));
            tsd_core::common::checkpoint::write_atomic(&path, run.config_toml.as_bytes())?;
        }
    }
    Ok(())
}

/// Training curves of every seed of `method`, as the method names them.
fn curves_figure(dir: &Path, method: MethodId, runs: &[&RunRecord]) -> Result<Figure> {
    let file = format!("curves-{method}.png");
    let per_seed = runs
        .iter()
        .map(|r| method.curves(&r.log).with_context(|| format!("the training log of {}", r.dir.display())))
        .collect::<Result<Vec<_>>>()?;
    let title = format!("{method} on {}: training curves ({} seed(s))", runs[0].manifest.dataset, runs.len());
    curves::plot(&dir.join("figures").join(&file), &title, &per_seed)?;
    Ok(Figure { file, caption: method.curves_caption().into() })
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

/// The folder of `dataset` under `root`.
pub fn dir(root: &Path, dataset: DatasetKind) -> PathBuf {
    root.join(dataset.dir_name())
}
