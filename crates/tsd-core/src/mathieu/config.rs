//! Hyper-parameters of the Mathieu et al. (NIPS 2016) baseline as Jha et al.
//! (ECCV 2018) re-implemented and trained it in PyTorch — the implementation
//! whose numbers the later comparisons publish (`../shared/REFERENCE.md` §2,
//! §3). Their released settings are the MNIST presets; the others are ours,
//! by analogy.

use serde::{Deserialize, Serialize};

use crate::common::config::ConfigFile;
use crate::two_step::config::RETURNS_Z_DIM;

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

/// The baseline's networks.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MathieuNetwork {
    /// Jha et al.'s convs (images; a sigmoid output against `[0, 1]` pixels).
    #[default]
    Conv,
    /// Ours, for a return window followed by its cross-section (Mathieu et
    /// al. have no network for series): the encoder learns loadings on the
    /// mean paths from the window's products with them and codes the window
    /// less its loadings times the paths, beside those products, on a dense
    /// trunk of these widths with LeakyReLUs and no normalisation (their
    /// forward pass has no training mode), then linear heads for s, the mean
    /// and the log-variance of z; the decoder is the two-step model's
    /// cross-section decoder of `concat[z, s]` (loadings times the paths
    /// plus a linear map of the codes), bounded to the scaled returns' ±4
    /// as the sigmoid bounds images; the pair discriminator sees each window with its moments on
    /// its own days' paths, through a dense stack of these widths.
    CrossSection {
        /// Hidden widths, input side first (the decoder takes them in reverse).
        widths: Vec<i64>,
    },
}

impl MathieuNetwork {
    /// Whether this is the conv network (left out of config files, as before it existed).
    pub fn is_conv(&self) -> bool {
        *self == MathieuNetwork::Conv
    }
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
    /// Weight of `KL(z)` per input value in the auto-encoder and generator
    /// steps (Jha et al.: 1).
    #[serde(default = "unit_weight")]
    pub kl_weight: f64,
    /// Weight of the generator's adversarial loss (Jha et al.: 1; Mathieu
    /// et al.'s original: 0.01).
    #[serde(default = "unit_weight")]
    pub adversarial_weight: f64,
    /// Batch order over the run.
    pub batches: BatchOrder,
    /// Architecture (default: conv).
    #[serde(default, skip_serializing_if = "MathieuNetwork::is_conv")]
    pub network: MathieuNetwork,
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
            kl_weight: 1.0,
            adversarial_weight: 1.0,
            batches: BatchOrder::Cycled,
            network: MathieuNetwork::Conv,
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

    /// Ours, for windows of daily returns (`returns`, `factor-model`): Jha
    /// et al.'s training (losses, steps per iteration, optimisers, the
    /// discriminator's 80% throttle, batches of 64) on the cross-section
    /// network ([`MathieuNetwork::CrossSection`], 256 and 256 units), with
    /// the two-step returns preset's code sizes (s of 10, z of
    /// [`RETURNS_Z_DIM`]) and a fixed 30 epochs.
    pub fn returns(dataset: &str) -> Self {
        MathieuConfig {
            dataset: dataset.into(),
            s_dim: 10,
            z_dim: RETURNS_Z_DIM,
            epochs: 30,
            network: MathieuNetwork::CrossSection { widths: vec![256, 256] },
            ..Self::mnist()
        }
    }
}

/// Jha et al.'s weight of a term, for config files written before its field.
fn unit_weight() -> f64 {
    1.0
}

impl ConfigFile for MathieuConfig {}
