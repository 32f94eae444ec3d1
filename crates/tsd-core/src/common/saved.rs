//! A model file: every variable of the model's stores, its config (TOML) and
//! data spec (JSON) in one safetensors file, loadable from PyTorch with
//! `safetensors.torch.load_file`. Written once here for every model.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;
use tch::nn::VarStore;
use tch::{Device, Tensor};

use crate::common::checkpoint::{self, TensorMap};
use crate::model::ModelSpec;
use crate::Result;

/// A model made of named [`VarStore`]s, saved to and loaded from one file.
pub trait SavedModel: Sized {
    /// Its hyper-parameters.
    type Config: Serialize + DeserializeOwned;

    /// Format tag stored in the file (e.g. `tsd-two-step-v1`); loading a file
    /// of another format is an error.
    const FORMAT: &'static str;

    /// A freshly initialised model (initialisation depends only on the config's seed).
    fn new(config: Self::Config, spec: ModelSpec, device: Device) -> Self;

    /// Each variable store with the prefix of its tensors' names (`"s/"`, `"adv/"`, ...).
    fn stores(&self) -> Vec<(&'static str, &VarStore)>;

    /// The hyper-parameters.
    fn config(&self) -> &Self::Config;

    /// Data shape and normalisation.
    fn spec(&self) -> &ModelSpec;

    /// Every variable of every store, names prefixed, sorted per store.
    fn named_tensors(&self) -> Vec<(String, Tensor)> {
        self.stores().into_iter().flat_map(|(prefix, vs)| checkpoint::var_tensors(vs, prefix)).collect()
    }

    /// Copies `tensors` (read from `path`) into every store's variables.
    fn load_tensors(&self, tensors: &TensorMap, path: &Path) -> Result<()> {
        self.stores().into_iter().try_for_each(|(prefix, vs)| checkpoint::load_vars(vs, prefix, tensors, path))
    }

    /// Saves weights, config and spec to one safetensors file (atomically).
    fn save(&self, path: &Path) -> Result<()> {
        checkpoint::save_model(path, Self::FORMAT, self.config(), self.spec(), &self.named_tensors())
    }

    /// Loads a model written by [`SavedModel::save`].
    fn load(path: &Path, device: Device) -> Result<Self> {
        let (tensors, config, spec) = checkpoint::load_model(path, Self::FORMAT, device)?;
        let model = Self::new(config, spec, device);
        model.load_tensors(&tensors, path)?;
        Ok(model)
    }
}
