//! The typed [`Method`] trait seen through one object-safe face, so that a
//! registry can list methods of different config and model types: the
//! handle [`MethodId`], a config of any method ([`MethodConfig`]) and a
//! trained model of any method ([`TrainedModel`]). Written once, generically.

use std::any::Any;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tch::Device;
use tsd_data::{Dataset, Splits};

use super::{registry, series, Budget, Method, MethodSettings, Model, OwnScore, Series};
use crate::common::saved::SavedModel;
use crate::common::tensors::TensorData;
use crate::model::{Disentangler, ModelSpec};
use crate::train::{History, RunOptions, Stop};
use crate::{CoreError, Result};

/// A config of some method, behind `dyn`.
pub(crate) trait AnyConfig: Any + Send + Sync + fmt::Debug {
    fn clone_box(&self) -> Box<dyn AnyConfig>;
    fn eq_dyn(&self, other: &dyn AnyConfig) -> bool;
    fn as_any(&self) -> &dyn Any;
    fn to_toml(&self) -> Result<String>;
    fn save(&self, path: &Path) -> Result<()>;
    fn set(&mut self, key: &str, value: &str) -> Result<()>;
    fn seed(&self) -> u64;
    fn total_epochs(&self) -> usize;
    fn stop(&self) -> Stop;
}

impl<C: MethodSettings> AnyConfig for C {
    fn clone_box(&self) -> Box<dyn AnyConfig> {
        Box::new(self.clone())
    }
    fn eq_dyn(&self, other: &dyn AnyConfig) -> bool {
        other.as_any().downcast_ref::<C>() == Some(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn to_toml(&self) -> Result<String> {
        toml::to_string_pretty(self).map_err(|e| CoreError::BadConfig { path: None, problem: e.to_string() })
    }
    fn save(&self, path: &Path) -> Result<()> {
        crate::common::config::ConfigFile::save(self, path)
    }
    fn set(&mut self, key: &str, value: &str) -> Result<()> {
        crate::common::config::ConfigFile::set(self, key, value)
    }
    fn seed(&self) -> u64 {
        MethodSettings::seed(self)
    }
    fn total_epochs(&self) -> usize {
        MethodSettings::total_epochs(self)
    }
    fn stop(&self) -> Stop {
        MethodSettings::stop(self)
    }
}

/// A trained model that can save itself, behind `dyn`.
pub(crate) trait DynModel: Model {
    fn save_file(&self, path: &Path) -> Result<()>;
}

impl<T: Model + SavedModel> DynModel for T {
    fn save_file(&self, path: &Path) -> Result<()> {
        SavedModel::save(self, path)
    }
}

/// A method, behind `dyn` (implemented for every [`Method`]).
pub(crate) trait DynMethod: Send + Sync {
    fn name(&self) -> &'static str;
    fn title(&self) -> &'static str;
    fn citation(&self) -> &'static str;
    fn curves_caption(&self) -> &'static str;
    fn presets(&self) -> &'static [&'static str];
    fn preset(&self, name: &str, budget: Budget) -> Result<Box<dyn AnyConfig>>;
    fn load_config(&self, path: &Path) -> Result<Box<dyn AnyConfig>>;
    fn train(
        &self,
        config: &dyn AnyConfig,
        splits: &Splits,
        device: Device,
        run: &RunOptions,
    ) -> Result<(Box<dyn DynModel>, History)>;
    fn train_tensors(
        &self,
        config: &dyn AnyConfig,
        spec: ModelSpec,
        train: TensorData,
        val: TensorData,
        run: &RunOptions,
    ) -> Result<(Box<dyn DynModel>, History)>;
    fn load(&self, path: &Path, device: Device) -> Result<Box<dyn DynModel>>;
    fn series(&self, history: &History) -> Result<Vec<Series>>;
}

/// `config` as `M`'s config type.
fn typed<M: Method>(config: &dyn AnyConfig) -> Result<&M::Config> {
    config.as_any().downcast_ref::<M::Config>().ok_or_else(|| CoreError::BadConfig {
        path: None,
        problem: format!("a config of another method was given to {}", M::NAME),
    })
}

impl<M: Method> DynMethod for M {
    fn name(&self) -> &'static str {
        M::NAME
    }
    fn title(&self) -> &'static str {
        M::TITLE
    }
    fn citation(&self) -> &'static str {
        M::CITATION
    }
    fn curves_caption(&self) -> &'static str {
        M::CURVES_CAPTION
    }
    fn presets(&self) -> &'static [&'static str] {
        M::PRESETS
    }
    fn preset(&self, name: &str, budget: Budget) -> Result<Box<dyn AnyConfig>> {
        Ok(Box::new(M::preset(name, budget)?))
    }
    fn load_config(&self, path: &Path) -> Result<Box<dyn AnyConfig>> {
        Ok(Box::new(<M::Config as crate::common::config::ConfigFile>::load(path)?))
    }
    fn train(
        &self,
        config: &dyn AnyConfig,
        splits: &Splits,
        device: Device,
        run: &RunOptions,
    ) -> Result<(Box<dyn DynModel>, History)> {
        let (model, history) = M::train(typed::<M>(config)?, splits, device, run)?;
        Ok((Box::new(model), history))
    }
    fn train_tensors(
        &self,
        config: &dyn AnyConfig,
        spec: ModelSpec,
        train: TensorData,
        val: TensorData,
        run: &RunOptions,
    ) -> Result<(Box<dyn DynModel>, History)> {
        let (model, history) = M::train_tensors(typed::<M>(config)?, spec, train, val, run)?;
        Ok((Box::new(model), history))
    }
    fn load(&self, path: &Path, device: Device) -> Result<Box<dyn DynModel>> {
        Ok(Box::new(<M::Model as SavedModel>::load(path, device)?))
    }
    fn series(&self, history: &History) -> Result<Vec<Series>> {
        series(&M::curves(), history)
    }
}

/// A registered method: compares, hashes and prints by name, orders as the
/// registry lists methods, and (de)serialises as its name (`"two-step"`).
#[derive(Clone, Copy)]
pub struct MethodId(pub(crate) &'static dyn DynMethod);

impl MethodId {
    /// Every registered method, in registry order.
    pub fn all() -> &'static [MethodId] {
        &registry::METHODS
    }

    /// The method registered as `name`.
    pub fn named(name: &str) -> Option<MethodId> {
        Self::all().iter().copied().find(|m| m.name() == name)
    }

    /// The name on the command line and in files.
    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// How tables and pages name it (`Mathieu et al.`).
    pub fn title(self) -> &'static str {
        self.0.title()
    }

    /// Where it comes from (authors, venue).
    pub fn citation(self) -> &'static str {
        self.0.citation()
    }

    /// Caption of its training-curves figure.
    pub fn curves_caption(self) -> &'static str {
        self.0.curves_caption()
    }

    /// Names of its presets.
    pub fn presets(self) -> &'static [&'static str] {
        self.0.presets()
    }

    /// The preset `name` (a dataset name, or an extra such as `mnist-64`) at `budget`.
    pub fn preset(self, name: &str, budget: Budget) -> Result<MethodConfig> {
        Ok(MethodConfig { method: self, config: self.0.preset(name, budget)? })
    }

    /// Reads a TOML config of this method.
    pub fn load_config(self, path: &Path) -> Result<MethodConfig> {
        Ok(MethodConfig { method: self, config: self.0.load_config(path)? })
    }

    /// Loads a model file of this method.
    pub fn load_model(self, path: &Path, device: Device) -> Result<TrainedModel> {
        Ok(TrainedModel { method: self, model: self.0.load(path, device)? })
    }

    /// The training curves of a run of this method, from its log.
    pub fn curves(self, history: &History) -> Result<Vec<Series>> {
        self.0.series(history)
    }

    fn position(self) -> usize {
        Self::all().iter().position(|m| m.name() == self.name()).unwrap_or(usize::MAX)
    }
}

impl fmt::Debug for MethodId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MethodId({:?})", self.name())
    }
}

impl fmt::Display for MethodId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

impl PartialEq for MethodId {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}

impl Eq for MethodId {}

impl Hash for MethodId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name().hash(state)
    }
}

impl PartialOrd for MethodId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for MethodId {
    fn cmp(&self, other: &Self) -> Ordering {
        self.position().cmp(&other.position())
    }
}

impl FromStr for MethodId {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        MethodId::named(s).ok_or_else(|| {
            let names: Vec<&str> = MethodId::all().iter().map(|m| m.name()).collect();
            format!("unknown method {s:?}: expected {}", names.join(" or "))
        })
    }
}

impl Serialize for MethodId {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for MethodId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// The config of some method.
pub struct MethodConfig {
    method: MethodId,
    config: Box<dyn AnyConfig>,
}

impl MethodConfig {
    /// Wraps a typed config of method `M`.
    pub fn of<M: Method>(config: M::Config) -> Self {
        let method = MethodId::named(M::NAME).expect("every Method is listed in registry::METHODS");
        MethodConfig { method, config: Box::new(config) }
    }

    /// The method.
    pub fn method(&self) -> MethodId {
        self.method
    }

    /// The typed config, when it is a `C`.
    pub fn typed<C: 'static>(&self) -> Option<&C> {
        self.config.as_any().downcast_ref()
    }

    /// Writes the config as TOML (atomically).
    pub fn save(&self, path: &Path) -> Result<()> {
        self.config.save(path)
    }

    /// TOML text of the config.
    pub fn to_toml(&self) -> Result<String> {
        self.config.to_toml()
    }

    /// Overrides one field by dotted path (`step2.lambda_adv`, `epochs`).
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        self.config.set(key, value)
    }

    /// Total epochs over all phases (with a converging [`MethodConfig::stop`]: the most it trains).
    pub fn total_epochs(&self) -> usize {
        self.config.total_epochs()
    }

    /// Its converging rule, or [`Stop::Epochs`].
    pub fn stop(&self) -> Stop {
        self.config.stop()
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.config.seed()
    }

    /// Whether the config saved at `path` (a run's `config.toml`) equals this one.
    pub fn matches_file(&self, path: &Path) -> Result<bool> {
        Ok(self.method.load_config(path)? == *self)
    }

    /// Trains (or resumes, per `run`) this config on `splits.train`, monitoring on `splits.val`.
    pub fn train(&self, splits: &Splits, device: Device, run: &RunOptions) -> Result<(TrainedModel, History)> {
        let (model, history) = self.method.0.train(&*self.config, splits, device, run)?;
        Ok((TrainedModel { method: self.method, model }, history))
    }

    /// Trains (or resumes) on inputs already held as tensors of `spec`'s shape
    /// (see [`Method::train_tensors`]).
    pub fn train_tensors(
        &self,
        spec: ModelSpec,
        train: TensorData,
        val: TensorData,
        run: &RunOptions,
    ) -> Result<(TrainedModel, History)> {
        let (model, history) = self.method.0.train_tensors(&*self.config, spec, train, val, run)?;
        Ok((TrainedModel { method: self.method, model }, history))
    }
}

impl Clone for MethodConfig {
    fn clone(&self) -> Self {
        MethodConfig { method: self.method, config: self.config.clone_box() }
    }
}

impl PartialEq for MethodConfig {
    fn eq(&self, other: &Self) -> bool {
        self.method == other.method && self.config.eq_dyn(&*other.config)
    }
}

impl fmt::Debug for MethodConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MethodConfig").field("method", &self.method).field("config", &self.config).finish()
    }
}

/// A trained model of some method.
pub struct TrainedModel {
    method: MethodId,
    model: Box<dyn DynModel>,
}

impl TrainedModel {
    /// The method.
    pub fn method(&self) -> MethodId {
        self.method
    }

    /// The model as a [`Disentangler`].
    pub fn disentangler(&self) -> &dyn Disentangler {
        &*self.model
    }

    /// Saves the model file.
    pub fn save(&self, path: &Path) -> Result<()> {
        self.model.save_file(path)
    }

    /// Test accuracies of the model's own networks (empty for methods without any).
    pub fn own_scores(&self, test: &Dataset) -> Vec<OwnScore> {
        self.model.own_scores(test)
    }
}

impl fmt::Debug for TrainedModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrainedModel").field("method", &self.method).finish_non_exhaustive()
    }
}
