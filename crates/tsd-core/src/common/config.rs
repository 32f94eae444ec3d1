//! What every method's config shares: TOML load / save / dotted-path
//! overrides ([`ConfigFile`]), the input scaling and the optimiser family.

use std::path::Path;

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::{CoreError, Result};

/// How u8 pixels are mapped before entering the networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputScaling {
    /// `x / 255` standardised by the training set's global mean and std (released MNIST).
    Standardize,
    /// `x / 255` in [0, 1] (released Sprites).
    Unit,
    /// `x / 127.5 - 1` in [-1, 1] (Mathieu et al.).
    Symmetric,
}

/// Optimiser family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    /// Plain SGD without momentum.
    Sgd,
    /// Adam.
    Adam,
}

/// TOML load / save / dotted-path override, shared by every config struct.
pub trait ConfigFile: Serialize + DeserializeOwned {
    /// Reads a TOML config file.
    fn load(path: &Path) -> Result<Self> {
        read_toml(path)
    }

    /// Writes the config as TOML (atomically).
    fn save(&self, path: &Path) -> Result<()> {
        write_toml(self, path)
    }

    /// Overrides one field by dotted path, e.g. `set("step2.adversary.lr", "0.1")`.
    fn set(&mut self, key: &str, value: &str) -> Result<()> {
        *self = set_field(self, key, value)?;
        Ok(())
    }
}

/// Reads any TOML config, naming the file in errors.
fn read_toml<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| CoreError::io(path, e))?;
    toml::from_str(&text).map_err(|e| CoreError::BadConfig { path: Some(path.to_path_buf()), problem: e.to_string() })
}

/// Writes any config as TOML.
fn write_toml<T: Serialize>(config: &T, path: &Path) -> Result<()> {
    let text = toml::to_string_pretty(config)
        .map_err(|e| CoreError::BadConfig { path: Some(path.to_path_buf()), problem: e.to_string() })?;
    crate::common::checkpoint::write_atomic(path, text.as_bytes())
}

/// Returns `config` with the field at dotted `key` set to `value` (parsed as a
/// TOML value, else taken as a string). Unknown keys and wrong types are errors.
fn set_field<T: Serialize + DeserializeOwned>(config: &T, key: &str, value: &str) -> Result<T> {
    let bad = |problem: String| CoreError::BadConfig { path: None, problem };
    let mut root = toml::Value::try_from(config).map_err(|e| bad(e.to_string()))?;
    let mut slot = &mut root;
    for part in key.split('.') {
        slot =
            slot.as_table_mut().and_then(|t| t.get_mut(part)).ok_or_else(|| bad(format!("unknown field {key:?}")))?;
    }
    let parsed = format!("v = {value}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_string()));
    *slot = parsed;
    root.try_into().map_err(|e: toml::de::Error| bad(format!("{key} = {value}: {e}")))
}
