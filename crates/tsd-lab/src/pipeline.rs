//! Train a method on a dataset into a run folder, then measure its codes with
//! fresh probes fitted on train codes and scored on held-out test codes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tch::Device;
use tsd_core::method::TrainedModel;
use tsd_core::train::{History, RunOptions, Stopped};
use tsd_core::{
    device_name, encode_with_samples, reconstruction_mse, Disentangler, MethodConfig, OwnScore, TensorData,
};
use tsd_data::{Dataset, Splits};
use tsd_metrics::{
    probe_codes, probe_nuisances, LabelledCodes, LeakageReport, NuisanceScores, ProbeFamily, ProbeOptions,
};

use crate::error::{Context, Result};
use crate::manifest::{command_line, Machine, RunManifest};
use crate::run_folder::RunFolder;
use crate::setup::DataRequest;
use crate::swap_labels::{read_swaps, SwapLabels};

/// File names inside a run folder.
pub const CONFIG_FILE: &str = "config.toml";
/// The trained model.
pub const MODEL_FILE: &str = "model.safetensors";
/// The run's figures.
pub const SUMMARY_FILE: &str = "summary.json";
/// Probes of Z scored on the validation hold-out ([`probe_validation`]), cached by `tsd pareto --validation`.
pub const VALIDATION_FILE: &str = "validation-probes.json";

/// Probes of one code (S or Z) of a model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodeAudit {
    /// Label probes (logistic, kNN, MLP), chance, per-dimension MI.
    pub label: LeakageReport,
    /// Logistic probes of each nuisance factor.
    pub nuisances: Vec<NuisanceScores>,
}

/// Everything a run measured; written to `summary.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunSummary {
    /// Dataset name.
    pub dataset: String,
    /// Method name.
    pub method: String,
    /// Where it ran.
    pub device: String,
    /// Training images.
    pub train_images: usize,
    /// Test images.
    pub test_images: usize,
    /// Epochs trained over all phases.
    pub epochs: usize,
    /// The most epochs its config allowed (more than `epochs` when a phase
    /// converged first); 0 in older files.
    #[serde(default)]
    pub max_epochs: usize,
    /// How training ended (older files: fixed epochs).
    #[serde(default)]
    pub stopped: Stopped,
    /// Wall time of training and probing, seconds: over every segment of a
    /// resumed run (the epochs trained before the last resume count with
    /// their own time).
    pub wall_seconds: f64,
    /// Mean squared reconstruction error on the test set, in the model's input scaling.
    pub test_reconstruction_mse: f64,
    /// The model's own networks that read a code (the two-step model's
    /// classifier on S and adversary on Z), on the test set; empty for methods
    /// without any. Older files hold `null` or the two-step fields; both read.
    #[serde(deserialize_with = "own_scores::deserialize")]
    pub own_networks: Vec<OwnScore>,
    /// Fresh probes on S.
    pub s: CodeAudit,
    /// Fresh probes on Z (for a stochastic Z, its mean).
    pub z: CodeAudit,
    /// Fresh probes on one sample of a stochastic Z per image (seeded with the
    /// run's seed); absent for deterministic codes and in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub z_sample: Option<CodeAudit>,
    /// Which label swapped test images show to a classifier of real images
    /// ([`crate::swap_labels`]); measured when the MLP probe runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swap_labels: Option<SwapLabels>,
}

/// How to run one method on one dataset.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// The method and its hyper-parameters.
    pub config: MethodConfig,
    /// How the data was loaded (recorded in `run.json`, so the run's data can be loaded again).
    pub data: DataRequest,
    /// Trained with the quick budget (recorded in `run.json`).
    pub quick: bool,
    /// Run folder.
    pub out: PathBuf,
    /// Continue from the folder's checkpoint.
    pub resume: bool,
    /// Hide progress output.
    pub quiet: bool,
    /// Where to train.
    pub device: Device,
    /// Which probes to run.
    pub probes: ProbeOptions,
}

/// Trains (or resumes) the run, saves model and config, probes S and Z and
/// writes `summary.json`, holding the run folder for the whole time (see
/// [`RunFolder::open`]: another writer, or a run of other options, is refused
/// before anything is written).
pub fn train_and_audit(request: &RunRequest, splits: &Splits) -> Result<(TrainedModel, History, RunSummary)> {
    let started = Instant::now();
    let out = &request.out;
    // The data folder as an absolute path, so that the run's data loads
    // again from any folder (`tsd codes`, `tsd merge`).
    let mut data = request.data.clone();
    if let Some(dir) = &data.data_dir {
        data.data_dir = Some(std::path::absolute(dir).with_context(|| format!("resolving {}", dir.display()))?);
    }
    let manifest = RunManifest {
        dataset: data.dataset,
        method: request.config.method(),
        seed: request.config.seed(),
        quick: request.quick,
        data,
        label: splits.train.label_name.clone(),
        command: command_line(),
        machine: Machine::current(),
    };
    let _folder = RunFolder::open(out, &manifest, &request.config, request.resume)?;
    if request.device.is_cuda() && !request.quiet {
        eprintln!("note: training on CUDA is not bit-reproducible (same seed, different weights); --device cpu is");
    }
    let identity = BTreeMap::from([
        ("config".to_string(), request.config.to_toml()?),
        ("data".to_string(), serde_json::to_string(&manifest.data)?),
    ]);
    let run = RunOptions { dir: out.clone(), resume: request.resume, quiet: request.quiet, identity };
    let (model, history) = request.config.train(splits, request.device, &run)?;
    model.save(&out.join(MODEL_FILE))?;
    if !request.quiet {
        eprintln!("probing S and Z of {} on {} ...", request.config.method(), splits.train.name);
    }
    let probes = request.probes.clone().progress(!request.quiet);
    let (s, z, z_sample) = audit_codes(model.disentangler(), splits, &probes, request.config.seed())?;
    // Trained like the MLP probe (a network), so skipped with it in quick checks.
    let swap_labels = if probes.probe(ProbeFamily::Mlp).is_some() {
        if !request.quiet {
            eprintln!("  reading swapped test images with a CNN trained on real images");
        }
        read_swaps(model.disentangler(), splits, request.config.seed())?
    } else {
        None
    };
    let summary = RunSummary {
        dataset: splits.train.name.clone(),
        method: request.config.method().to_string(),
        device: device_name(request.device),
        train_images: splits.train.len(),
        test_images: splits.test.len(),
        epochs: history.records.len(),
        max_epochs: request.config.total_epochs(),
        stopped: Stopped::of(request.config.stop(), history.records.len(), request.config.total_epochs()),
        wall_seconds: history.earlier_seconds() + started.elapsed().as_secs_f64(),
        test_reconstruction_mse: test_reconstruction_mse(model.disentangler(), &splits.test),
        own_networks: model.own_scores(&splits.test),
        s,
        z,
        z_sample,
        swap_labels,
    };
    let path = out.join(SUMMARY_FILE);
    tsd_core::common::checkpoint::write_atomic(&path, serde_json::to_string_pretty(&summary)?.as_bytes())?;
    Ok((model, history, summary))
}

/// Probes of S, of Z and (for a stochastic Z, drawn with `sample_seed`) of a
/// sample of Z: label probes fitted on train codes, scored on test codes, and
/// the nuisance probes of every nuisance factor.
pub fn audit_codes(
    model: &dyn Disentangler,
    splits: &Splits,
    probes: &ProbeOptions,
    sample_seed: u64,
) -> Result<(CodeAudit, CodeAudit, Option<CodeAudit>)> {
    let batch = 500;
    let train = encode_with_samples(model, &splits.train, batch, Some(part_seed(sample_seed, 0)))?;
    let test = encode_with_samples(model, &splits.test, batch, Some(part_seed(sample_seed, 1)))?;
    let audit = |code: &str, train: ndarray::Array2<f32>, test: ndarray::Array2<f32>| -> Result<CodeAudit> {
        if probes.progress {
            eprintln!("  probing {code} ({} train codes)", train.nrows());
        }
        let started = Instant::now();
        let nuisances = if splits.train.nuisances.is_empty() {
            Vec::new()
        } else {
            probe_nuisances(
                train.view(),
                &splits.train.nuisances,
                test.view(),
                &splits.test.nuisances,
                &probes.nuisance_probes,
                &probes.bootstrap,
            )?
        };
        if probes.progress && !nuisances.is_empty() {
            eprintln!("    nuisance probes: {:.1} s", started.elapsed().as_secs_f64());
        }
        let train = LabelledCodes::new(train, splits.train.labels.clone())?;
        let test = LabelledCodes::new(test, splits.test.labels.clone())?;
        Ok(CodeAudit { label: probe_codes(&train, &test, probes)?, nuisances })
    };
    let s = audit("S", train.s, test.s)?;
    let z = audit("Z", train.z, test.z)?;
    let z_sample = match (train.z_sample, test.z_sample) {
        (Some(train), Some(test)) => Some(audit("Z sample", train, test)?),
        _ => None,
    };
    Ok((s, z, z_sample))
}

/// Label probes of Z fitted on the train codes and scored on the validation
/// hold-out: the figure by which a method's settings are chosen, leaving the
/// test split for the reported audit.
pub fn probe_validation(model: &dyn Disentangler, splits: &Splits, probes: &ProbeOptions) -> Result<LeakageReport> {
    if splits.val.is_empty() {
        return Err(crate::error::LabError::Refused("the run's data has no validation hold-out".into()));
    }
    let batch = 500;
    let train = encode_with_samples(model, &splits.train, batch, None)?;
    let val = encode_with_samples(model, &splits.val, batch, None)?;
    let train = LabelledCodes::new(train.z, splits.train.labels.clone())?;
    let val = LabelledCodes::new(val.z, splits.val.labels.clone())?;
    Ok(probe_codes(&train, &val, probes)?)
}

/// The seed of the Z samples of split `part` (0 train, 1 test, 2 validation),
/// shared by the audit and the export so that both draw the same samples.
pub(crate) fn part_seed(sample_seed: u64, part: usize) -> u64 {
    sample_seed.wrapping_add(part as u64)
}

/// Mean squared reconstruction error on `data`, per pixel, in the model's input scaling.
fn test_reconstruction_mse(model: &dyn Disentangler, data: &Dataset) -> f64 {
    reconstruction_mse(model, &TensorData::new(data, model.normalization(), model.device()), 500)
}

/// Writes the codes of the train, test and validation sets as CSV
/// (`d0,…,dK,label`): `s_train.csv`, `s_test.csv`, `s_val.csv`, `z_train.csv`,
/// `z_test.csv`, `z_val.csv` in `dir`, and for a stochastic Z also one sample
/// of it (`zsample_train.csv`, …, drawn as the run's audit drew them from
/// `sample_seed`), ready for `tsd probe` or any other tool. Probing train
/// against `val` codes is how a method's settings are chosen without looking
/// at the test split. Returns the file names written.
pub fn export_codes(model: &dyn Disentangler, splits: &Splits, dir: &Path, sample_seed: u64) -> Result<Vec<String>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut written = Vec::new();
    let parts = [("train", &splits.train), ("test", &splits.test), ("val", &splits.val)];
    for (i, (part, data)) in parts.into_iter().enumerate().filter(|(_, (_, data))| !data.is_empty()) {
        let codes = encode_with_samples(model, data, 500, Some(part_seed(sample_seed, i)))?;
        let all = [("s", Some(codes.s)), ("z", Some(codes.z)), ("zsample", codes.z_sample)];
        for (code, x) in all.into_iter().filter_map(|(code, x)| x.map(|x| (code, x))) {
            written.push(format!("{code}_{part}.csv"));
            let path = dir.join(format!("{code}_{part}.csv"));
            let mut w = csv::Writer::from_writer(Vec::new());
            let mut header: Vec<String> = (0..x.ncols()).map(|j| format!("d{j}")).collect();
            header.push("label".into());
            w.write_record(&header)?;
            for (row, &y) in x.rows().into_iter().zip(&data.labels) {
                let mut record: Vec<String> = row.iter().map(|v| v.to_string()).collect();
                record.push(y.to_string());
                w.write_record(&record)?;
            }
            tsd_core::common::checkpoint::write_atomic(&path, &w.into_inner()?)?;
        }
    }
    Ok(written)
}

/// Reads the `summary.json` of a finished run folder.
pub fn read_summary(run: &Path) -> Result<RunSummary> {
    let path = run.join(SUMMARY_FILE);
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// Reading `own_networks` of `summary.json` files written before the field
/// became a list: `null` (methods without own networks) or the two-step
/// model's `{s_classifier_accuracy, adversary_accuracy, reconstruction_loss}`.
pub(crate) mod own_scores {
    use serde::{Deserialize, Deserializer};
    use tsd_core::{Code, OwnScore};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Stored {
        List(Vec<OwnScore>),
        TwoStep { s_classifier_accuracy: f64, adversary_accuracy: f64 },
        None(()),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<OwnScore>, D::Error> {
        Ok(match Stored::deserialize(deserializer)? {
            Stored::List(scores) => scores,
            Stored::TwoStep { s_classifier_accuracy, adversary_accuracy } => vec![
                OwnScore { network: "classifier".into(), code: Code::S, accuracy: s_classifier_accuracy },
                OwnScore { network: "adversary".into(), code: Code::Z, accuracy: adversary_accuracy },
            ],
            Stored::None(()) => Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use tsd_core::{Code, OwnScore};

    #[derive(Deserialize)]
    struct Own {
        #[serde(deserialize_with = "super::own_scores::deserialize")]
        own_networks: Vec<OwnScore>,
    }

    #[test]
    fn own_networks_of_older_summaries_still_read() {
        let read = |json: &str| serde_json::from_str::<Own>(json).unwrap().own_networks;
        let old = r#"{"own_networks": {"s_classifier_accuracy": 0.99, "adversary_accuracy": 0.2, "reconstruction_loss": 0.5}}"#;
        let scores = read(old);
        assert_eq!(scores.len(), 2);
        assert_eq!((scores[0].network.as_str(), scores[0].code, scores[0].accuracy), ("classifier", Code::S, 0.99));
        assert_eq!((scores[1].network.as_str(), scores[1].code, scores[1].accuracy), ("adversary", Code::Z, 0.2));
        assert!(read(r#"{"own_networks": null}"#).is_empty());
        let new = serde_json::to_string(&serde_json::json!({ "own_networks": [scores[1]] })).unwrap();
        assert_eq!(read(&new), vec![scores[1].clone()]);
    }
}
