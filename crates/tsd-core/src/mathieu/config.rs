//! Hyper-parameters of the Mathieu et al. (NIPS 2016) baseline as Jha et al.
//! (ECCV 2018) re-implemented and trained it in PyTorch — the implementation
//! whose numbers the later comparisons publish (`../shared/REFERENCE.md` §2,
//! §3). Their released settings are the MNIST presets; the others are ours,
//! by analogy.

use serde::{Deserialize, Serialize};

use crate::common::config::ConfigFile;

/// Which batches an epoch sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchOrder {
    /// One seeded pass over the shuffled training set (each image with a
    /// random other image of its class), replayed in the same order for the
    /// whole run: what Jha et al.'s `itertools.cycle(DataLoader)` does.
    Cycled,
    /// A fresh shuffle and fresh same-class partners for every pass.
    Reshuffled,
}

/// Every hyper-parameter of a Mathieu et al. run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MathieuConfig {
    /// Dataset the preset was made for.
    pub dataset: String,
    /// Base width: encoder convs `nf, 2nf, 4nf`, decoder `8nf -> 2nf -> nf`,
    /// discriminator `2nf, 4nf, 8nf` (Jha et al.: 16).
    pub nf: i64,
    /// Dimension of s (the label code).
    pub s_dim: i64,
    /// Dimension of z (the Gaussian code).
    pub z_dim: i64,
    /// Images per batch (Jha et al.: 64).
    pub batch_size: usize,
    /// Seed of initialisation, batches and z sampling.
    pub seed: u64,
    /// Epochs; one epoch is `train images / batch_size` iterations, each of
    /// one auto-encoder step, `generator_steps` and `discriminator_steps`.
    pub epochs: usize,
    /// Adam learning rate of all three optimisers (Jha et al.: 1e-4).
    pub lr: f64,
    /// Adam beta1 (Jha et al.: 0.5; beta2 is 0.999).
    pub beta1: f64,
    /// Generator steps per iteration (Jha et al.: 2).
    pub generator_steps: usize,
    /// Discriminator steps per iteration (Jha et al.: 1).
    pub discriminator_steps: usize,
    /// The discriminator steps only while its accuracy on the step's batch
    /// (real and fake pairs) is below this (Jha et al.: 0.8).
    pub disc_accuracy_limit: f64,
    /// Standard deviation of the normal initialisation of conv and linear
    /// weights (biases start at 0; transposed convs keep PyTorch's default).
    pub init_std: f64,
    /// Batch order over the run.
    pub batches: BatchOrder,
}

impl MathieuConfig {
    /// MNIST with z = s = 16: Jha et al.'s released training (50 epochs).
    pub fn mnist() -> Self {
        MathieuConfig {
            dataset: "mnist".into(),
            nf: 16,
            s_dim: 16,
            z_dim: 16,
            batch_size: 64,
            seed: 0,
            epochs: 50,
            lr: 1e-4,
            beta1: 0.5,
            generator_steps: 2,
            discriminator_steps: 1,
            disc_accuracy_limit: 0.8,
            init_std: 0.05,
            batches: BatchOrder::Cycled,
        }
    }

    /// MNIST with z = s = 64 (the second published MNIST row).
    pub fn mnist_64() -> Self {
        MathieuConfig { s_dim: 64, z_dim: 64, ..Self::mnist() }
    }

    /// Sprites (ours, by analogy): the MNIST training with the original's
    /// Sprites code sizes (s = 64, z = 512).
    pub fn sprites() -> Self {
        MathieuConfig { dataset: "sprites".into(), s_dim: 64, z_dim: 512, ..Self::mnist() }
    }

    /// Another dataset (Cars3D, small NORB; ours): the Sprites preset.
    pub fn sprites_network(dataset: &str) -> Self {
        MathieuConfig { dataset: dataset.into(), ..Self::sprites() }
    }
}

impl ConfigFile for MathieuConfig {}
