//! Choosing a dataset and loading it with options.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::split::SplitIndices;
use crate::sprites::SpritesSplit;
use crate::{cars3d, locate, mnist, norb, sprites, Splits};

/// The datasets tsd reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatasetKind {
    /// MNIST digits.
    Mnist,
    /// Sprites characters (Reed et al. 2015).
    Sprites,
    /// Cars3D (Reed et al. 2015).
    Cars3d,
    /// small NORB.
    Norb,
}

impl DatasetKind {
    /// Every kind, in the order reports list them.
    pub const ALL: [DatasetKind; 4] =
        [DatasetKind::Mnist, DatasetKind::Sprites, DatasetKind::Cars3d, DatasetKind::Norb];

    /// Lower-case name, also the name of its data sub-folder
    /// ([`DatasetFacts::name`](crate::DatasetFacts::name)).
    pub const fn dir_name(self) -> &'static str {
        self.facts().name
    }
}

impl fmt::Display for DatasetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.dir_name())
    }
}

/// A name that is not one of `mnist`, `sprites`, `cars3d`, `norb`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown dataset `{0}` (expected one of: mnist, sprites, cars3d, norb)")]
pub struct UnknownDataset(pub String);

impl FromStr for DatasetKind {
    type Err = UnknownDataset;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        DatasetKind::ALL
            .into_iter()
            .find(|k| k.dir_name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownDataset(s.to_string()))
    }
}

/// How to load a dataset. [`Default`] gives the project's standard settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoadOptions {
    /// Data folder holding `mnist/`, `sprites/`, … ; `None`: search
    /// (see [`locate`](mod@crate::locate)).
    pub data_dir: Option<PathBuf>,
    /// Seed of the validation hold-outs (MNIST, NORB) and of Cars3D's view
    /// split. Default 0.
    pub seed: u64,
    /// Training images held out for validation, MNIST and NORB. Default 2,000
    /// (the released MNIST example's hold-out).
    pub val_size: usize,
    /// Side of the square output images for Sprites, Cars3D and NORB; MNIST
    /// always keeps its 28×28. Default 32 (the released Sprites model's input).
    pub size: usize,
    /// Sprites split. Default: frames, 10 % validation, 10 % test, seed 0.
    pub sprites_split: SpritesSplit,
    /// Fraction of each car's 96 views held out for validation. Default 0.1.
    pub cars3d_val_fraction: f64,
    /// Fraction of each car's 96 views held out for test. Default 0.2.
    pub cars3d_test_fraction: f64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            data_dir: None,
            seed: 0,
            val_size: 2000,
            size: 32,
            sprites_split: SpritesSplit::default(),
            cars3d_val_fraction: 0.1,
            cars3d_test_fraction: 0.2,
        }
    }
}

impl LoadOptions {
    /// Sets the seed, including that of a Sprites frame split.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        if let SpritesSplit::Frames { seed: s, .. } = &mut self.sprites_split {
            *s = seed;
        }
        self
    }

    /// Sets the data folder.
    pub fn with_data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }
}

/// Locates and loads `kind`, split into train / validation / test.
pub fn load(kind: DatasetKind, opts: &LoadOptions) -> Result<Splits> {
    load_with_plan(kind, opts).map(|(s, _)| s)
}

/// Loads `kind` and also returns which source items went to which part.
pub fn load_with_plan(kind: DatasetKind, opts: &LoadOptions) -> Result<(Splits, SplitIndices)> {
    let dir = locate::locate(kind, opts.data_dir.as_deref())?;
    match kind {
        DatasetKind::Mnist => mnist::load_planned(&dir, opts.val_size, opts.seed),
        DatasetKind::Sprites => sprites::load_planned(&dir, opts.size, opts.sprites_split),
        DatasetKind::Cars3d => {
            cars3d::load_planned(&dir, opts.size, opts.cars3d_val_fraction, opts.cars3d_test_fraction, opts.seed)
        }
        DatasetKind::Norb => norb::load_planned(&dir, opts.size, opts.val_size, opts.seed),
    }
}
