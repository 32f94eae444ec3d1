//! One entry point over both methods: configs, training and loading, so that
//! the runner and notebooks never branch on the method themselves.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use tch::Device;
use tsd_data::Splits;

use crate::config::ConfigFile;
use crate::train::{self, History, RunOptions};
use crate::{
    CoreError, Disentangler, MathieuConfig, MathieuModel, MathieuTrainer, ModelSpec, Result, TwoStepConfig,
    TwoStepModel, TwoStepTrainer,
};

/// A disentangling method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Hadad, Wolf & Shahar (CVPR 2018).
    TwoStep,
    /// Mathieu et al. (NIPS 2016), the Gaussian-prior adversarial baseline.
    Mathieu,
}

impl Method {
    /// Both methods.
    pub const ALL: [Method; 2] = [Method::TwoStep, Method::Mathieu];

    /// The CLI name.
    pub fn name(self) -> &'static str {
        match self {
            Method::TwoStep => "two-step",
            Method::Mathieu => "mathieu",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Method::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| format!("unknown method {s:?}: expected two-step or mathieu"))
    }
}

/// The config of either method.
#[derive(Debug, Clone, PartialEq)]
pub enum MethodConfig {
    /// Two-step.
    TwoStep(TwoStepConfig),
    /// Mathieu et al.
    Mathieu(MathieuConfig),
}

impl MethodConfig {
    /// The preset of `method` for `preset` (a dataset name, or `mnist-64` for Mathieu).
    pub fn preset(method: Method, preset: &str) -> Result<Self> {
        Ok(match method {
            Method::TwoStep => MethodConfig::TwoStep(TwoStepConfig::preset(preset)?),
            Method::Mathieu => MethodConfig::Mathieu(MathieuConfig::preset(preset)?),
        })
    }

    /// Reads a TOML config of `method`.
    pub fn load(method: Method, path: &Path) -> Result<Self> {
        Ok(match method {
            Method::TwoStep => MethodConfig::TwoStep(TwoStepConfig::load(path)?),
            Method::Mathieu => MethodConfig::Mathieu(MathieuConfig::load(path)?),
        })
    }

    /// The method.
    pub fn method(&self) -> Method {
        match self {
            MethodConfig::TwoStep(_) => Method::TwoStep,
            MethodConfig::Mathieu(_) => Method::Mathieu,
        }
    }

    /// Writes the config as TOML.
    pub fn save(&self, path: &Path) -> Result<()> {
        match self {
            MethodConfig::TwoStep(c) => c.save(path),
            MethodConfig::Mathieu(c) => c.save(path),
        }
    }

    /// TOML text of the config.
    pub fn to_toml(&self) -> Result<String> {
        let text = match self {
            MethodConfig::TwoStep(c) => toml::to_string_pretty(c),
            MethodConfig::Mathieu(c) => toml::to_string_pretty(c),
        };
        text.map_err(|e| CoreError::BadConfig { path: None, problem: e.to_string() })
    }

    /// Overrides one field by dotted path.
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        match self {
            MethodConfig::TwoStep(c) => c.set(key, value),
            MethodConfig::Mathieu(c) => c.set(key, value),
        }
    }

    /// Sets every training phase's number of epochs (quick runs).
    pub fn set_epochs(&mut self, epochs: usize) {
        match self {
            MethodConfig::TwoStep(c) => {
                c.step1.epochs = epochs;
                c.step2.epochs = epochs;
            }
            MethodConfig::Mathieu(c) => c.epochs = epochs,
        }
    }

    /// Total epochs over all phases.
    pub fn total_epochs(&self) -> usize {
        match self {
            MethodConfig::TwoStep(c) => c.step1.epochs + c.step2.epochs,
            MethodConfig::Mathieu(c) => c.epochs,
        }
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        match self {
            MethodConfig::TwoStep(c) => c.seed,
            MethodConfig::Mathieu(c) => c.seed,
        }
    }
}

/// A trained model of either method.
#[derive(Debug)]
pub enum TrainedModel {
    /// Two-step.
    TwoStep(TwoStepModel),
    /// Mathieu et al.
    Mathieu(MathieuModel),
}

impl TrainedModel {
    /// The model as a [`Disentangler`].
    pub fn disentangler(&self) -> &dyn Disentangler {
        match self {
            TrainedModel::TwoStep(m) => m,
            TrainedModel::Mathieu(m) => m,
        }
    }

    /// Saves the model file.
    pub fn save(&self, path: &Path) -> Result<()> {
        match self {
            TrainedModel::TwoStep(m) => m.save(path),
            TrainedModel::Mathieu(m) => m.save(path),
        }
    }

    /// Loads a model file of `method`.
    pub fn load(method: Method, path: &Path, device: Device) -> Result<Self> {
        Ok(match method {
            Method::TwoStep => TrainedModel::TwoStep(TwoStepModel::load(path, device)?),
            Method::Mathieu => TrainedModel::Mathieu(MathieuModel::load(path, device)?),
        })
    }
}

/// Trains (or resumes, per `run`) `config` on `splits.train`, monitoring on `splits.val`.
pub fn train_method(
    config: &MethodConfig,
    splits: &Splits,
    device: Device,
    run: &RunOptions,
) -> Result<(TrainedModel, History)> {
    match config {
        MethodConfig::TwoStep(c) => {
            let spec = ModelSpec::for_data(&splits.train, c.scaling)?;
            let mut model = TwoStepModel::new(c.clone(), spec, device);
            let mut trainer = TwoStepTrainer::new(&mut model, &splits.train, &splits.val);
            let history = train::fit(&mut trainer, run)?;
            drop(trainer);
            Ok((TrainedModel::TwoStep(model), history))
        }
        MethodConfig::Mathieu(c) => {
            let spec = ModelSpec::for_data(&splits.train, c.scaling)?;
            let mut model = MathieuModel::new(c.clone(), spec, device);
            let mut trainer = MathieuTrainer::new(&mut model, &splits.train, &splits.val)?;
            let history = train::fit(&mut trainer, run)?;
            drop(trainer);
            Ok((TrainedModel::Mathieu(model), history))
        }
    }
}
