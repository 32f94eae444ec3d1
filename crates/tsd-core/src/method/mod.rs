//! Methods behind one trait and one registry.
//!
//! A method is a unit struct implementing [`Method`] in its own folder
//! (`two_step/`, `mathieu/`): its config type with presets per dataset and
//! [`Budget`], its model, its training, the scores of its own networks and the
//! curves of its training log. [`registry::METHODS`] lists them; everything
//! else (the experiment library, the CLI, notebooks) goes through
//! [`MethodId`], [`MethodConfig`] and [`TrainedModel`] and never matches on a
//! method. Adding a method is one folder plus one line in the registry.

mod erased;
pub mod registry;

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tch::Device;
use tsd_data::{Dataset, DatasetKind, Splits};

pub use erased::{MethodConfig, MethodId, TrainedModel};

use crate::common::config::{ConfigFile, InputScaling};
use crate::common::saved::SavedModel;
use crate::common::tensors::TensorData;
use crate::model::{Disentangler, ModelSpec};
use crate::train::{History, RunOptions, Stop};
use crate::Result;

/// Epochs of every training phase in a quick run.
pub const QUICK_EPOCHS: usize = 2;

/// How much a run trains: the preset's published budget, or a quick one that
/// checks the whole pipeline in minutes (each method's presets say what
/// "quick" changes for it, e.g. [`QUICK_EPOCHS`] per phase).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Budget {
    /// The preset as published (or as released by the authors).
    #[default]
    Full,
    /// A few epochs: numbers that check the pipeline, not comparable with published ones.
    Quick,
}

impl Budget {
    /// `Quick` when `quick`, else `Full`.
    pub fn new(quick: bool) -> Budget {
        if quick {
            Budget::Quick
        } else {
            Budget::Full
        }
    }

    /// Whether this is the quick budget.
    pub fn is_quick(self) -> bool {
        self == Budget::Quick
    }
}

/// One of the two codes a disentangler splits an image into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Code {
    /// The code that should carry the label.
    S,
    /// The code that should carry everything else (for a stochastic Z, its mean).
    Z,
    /// One random draw of a stochastic Z per image (what its model decodes in
    /// training, and what the published tables probed).
    ZSample,
}

impl Code {
    /// Both codes, S first.
    pub const BOTH: [Code; 2] = [Code::S, Code::Z];
    /// Every code, in table order.
    pub const ALL: [Code; 3] = [Code::S, Code::Z, Code::ZSample];

    /// `"S"`, `"Z"` or `"Z sample"`.
    pub fn name(self) -> &'static str {
        match self {
            Code::S => "S",
            Code::Z => "Z",
            Code::ZSample => "Z sample",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Test accuracy of one of a model's own networks (not a fresh probe), e.g.
/// the two-step model's step-1 classifier on S or its adversary on Z.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnScore {
    /// The network (`classifier`, `adversary`).
    pub network: String,
    /// The code it reads.
    pub code: Code,
    /// Its accuracy on the test set, as a fraction.
    pub accuracy: f64,
}

/// Which panel of the training-curves figure a curve is drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CurvePanel {
    /// Reconstruction losses (scaled to their range).
    Reconstruction,
    /// Accuracies (0 to 1).
    Accuracy,
}

/// One curve of a method's training log: a figure of its per-epoch record.
#[derive(Debug, Clone, Copy)]
pub struct Curve<F> {
    /// Where it is drawn.
    pub panel: CurvePanel,
    /// Legend entry, e.g. `step2 val_rec`.
    pub legend: &'static str,
    /// The figure of an epoch, `None` for epochs of other phases.
    pub value: fn(&F) -> Option<f64>,
}

/// One series of points of a training-curves figure, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Which panel.
    pub panel: CurvePanel,
    /// Legend entry.
    pub name: String,
    /// `(epoch counted from 1 across phases, value)`.
    pub points: Vec<(f64, f64)>,
}

/// A trained model, whatever its method (saved and loaded as a [`SavedModel`]).
pub trait Model: Disentangler + Send {
    /// Test accuracies of the model's own networks (none by default).
    fn own_scores(&self, _test: &Dataset) -> Vec<OwnScore> {
        Vec::new()
    }
}

/// The config of a method: a TOML file with dotted-path overrides, a seed
/// and a training budget in epochs.
pub trait MethodSettings: ConfigFile + Clone + PartialEq + fmt::Debug + Send + Sync + 'static {
    /// The seed of initialisation and sampling.
    fn seed(&self) -> u64;

    /// Epochs over all training phases.
    fn total_epochs(&self) -> usize;

    /// How its image inputs are scaled.
    fn input_scaling(&self) -> InputScaling;

    /// The converging rule of its phase that has one; [`Stop::Epochs`] (the
    /// default) when every phase trains all its epochs.
    fn stop(&self) -> Stop {
        Stop::Epochs
    }
}

/// What a method supplies. Implemented by a unit struct in the method's own
/// folder and listed once in [`registry::METHODS`].
pub trait Method: Send + Sync + 'static {
    /// The name on the command line and in files (`two-step`).
    const NAME: &'static str;
    /// How tables and pages name it (`two-step`, `Mathieu et al.`).
    const TITLE: &'static str;
    /// Where it comes from (`Hadad, Wolf & Shahar, CVPR 2018`).
    const CITATION: &'static str;
    /// Caption of its training-curves figure.
    const CURVES_CAPTION: &'static str;
    /// Names of its own presets (datasets with settings of their own, and
    /// extras such as `mnist-64`); every other dataset of [`DatasetKind`]
    /// gets a default preset.
    const PRESETS: &'static [&'static str];

    /// Its hyper-parameters.
    type Config: MethodSettings;
    /// Its trained model.
    type Model: Model + SavedModel<Config = Self::Config> + 'static;
    /// What one epoch of its training measured (see [`crate::train::Trainable::Figures`]).
    type Figures: Serialize + DeserializeOwned;

    /// The preset named `name` (one of [`Method::PRESETS`] or a dataset name) at `budget`.
    fn preset(name: &str, budget: Budget) -> Result<Self::Config>;

    /// Trains (or resumes, per `run`) `config` on `splits.train`, monitoring
    /// on `splits.val`: the images as tensors, scaled per the config, given to
    /// [`Method::train_tensors`].
    fn train(
        config: &Self::Config,
        splits: &Splits,
        device: Device,
        run: &RunOptions,
    ) -> Result<(Self::Model, History)> {
        let spec = ModelSpec::for_data(&splits.train, config.input_scaling())?;
        let to_tensors = |d| TensorData::new(d, spec.normalization, device);
        Self::train_tensors(config, spec, to_tensors(&splits.train), to_tensors(&splits.val), run)
    }

    /// Trains (or resumes) `config` on inputs already held as tensors of
    /// `spec`'s shape (return windows: [`TensorData::from_series`] and
    /// [`ModelSpec::for_series`]), monitoring on `val`.
    fn train_tensors(
        config: &Self::Config,
        spec: ModelSpec,
        train: TensorData,
        val: TensorData,
        run: &RunOptions,
    ) -> Result<(Self::Model, History)>;

    /// The curves of its training log.
    fn curves() -> Vec<Curve<Self::Figures>>;
}

/// `name` when it names a dataset (for a method's default preset), else an
/// error listing the method's presets and the datasets.
pub(crate) fn dataset_name<M: Method>(name: &str) -> Result<&str> {
    match name.parse::<DatasetKind>() {
        Ok(kind) => Ok(kind.dir_name()),
        Err(_) => {
            let datasets: Vec<&str> = DatasetKind::ALL.iter().map(|d| d.dir_name()).collect();
            Err(crate::CoreError::BadConfig {
                path: None,
                problem: format!(
                    "no {} preset {name:?} (presets: {}; or a dataset: {})",
                    M::NAME,
                    M::PRESETS.join(", "),
                    datasets.join(", ")
                ),
            })
        }
    }
}

/// The series of `curves` over a whole training log, x counted across phases.
pub(crate) fn series<F: DeserializeOwned>(curves: &[Curve<F>], history: &History) -> Result<Vec<Series>> {
    let figures = history.figures::<F>()?;
    Ok(curves
        .iter()
        .map(|c| Series {
            panel: c.panel,
            name: c.legend.to_string(),
            points: figures
                .iter()
                .enumerate()
                .filter_map(|(i, f)| (c.value)(f).filter(|v| v.is_finite()).map(|v| (i as f64 + 1.0, v)))
                .collect(),
        })
        .filter(|s| !s.points.is_empty())
        .collect())
}
