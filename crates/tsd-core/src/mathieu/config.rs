//! Hyper-parameters of the Mathieu et al. (NIPS 2016) baseline, with presets
//! from the official code (`MichaelMathieu/factors-variation`) and from the
//! PyTorch re-implementation used by later comparisons (Jha et al. 2018);
//! see `../shared/REFERENCE.md` §2.

use serde::{Deserialize, Serialize};

use crate::common::config::{ConfigFile, InputScaling, OptimizerKind};

/// Weights of the generator's losses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LossWeights {
    /// Reconstruction `Dec(z1, s1) ~ x1` (official: 0.5).
    pub reconstruction: f64,
    /// Same-label swaps `Dec(z1, s2) ~ x1`, `Dec(z2, s1) ~ x2` (official: 1).
    pub swap: f64,
    /// Adversarial swap `Dec(z3, s2)` judged by the discriminator (official: 0.01).
    pub adversarial: f64,
    /// KL of z to N(0, I), multiplied by `6 / (C*H*W)` (official: 0.1).
    pub kl: f64,
}

/// Every hyper-parameter of a Mathieu et al. run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MathieuConfig {
    /// Dataset the preset was made for.
    pub dataset: String,
    /// Base number of conv filters (encoder nf -> 2nf, decoder 2nf -> nf).
    pub nf: i64,
    /// Width of the dense layer between conv trunk and codes.
    pub hidden: i64,
    /// Dimension of s (the label code).
    pub s_dim: i64,
    /// Dimension of z (the Gaussian code).
    pub z_dim: i64,
    /// Input scaling (official: [-1, 1] with a tanh decoder).
    pub scaling: InputScaling,
    /// BatchNorm momentum in torch terms (torch default 0.1).
    pub bn_momentum: f64,
    /// Triplets per batch (official: 16; Jha et al.: 64).
    pub batch_size: usize,
    /// Seed of initialisation, triplet sampling and z sampling.
    pub seed: u64,
    /// Epochs (one epoch: as many triplets as training images).
    pub epochs: usize,
    /// Adam learning rate of encoder + decoder (Jha et al.: 1e-4).
    pub lr: f64,
    /// Adam beta1 (Jha et al.: 0.5).
    pub beta1: f64,
    /// Discriminator optimiser (official: SGD or Adam).
    pub disc_optimizer: OptimizerKind,
    /// Discriminator learning rate.
    pub disc_lr: f64,
    /// Target of real images for the discriminator (official: 0.95, label smoothing).
    pub real_label: f64,
    /// Loss weights.
    pub weights: LossWeights,
}

impl MathieuConfig {
    /// MNIST with z = s = 16, the setting of the published comparisons (Jha et al.).
    pub fn mnist() -> Self {
        MathieuConfig {
            dataset: "mnist".into(),
            nf: 16,
            hidden: 256,
            s_dim: 16,
            z_dim: 16,
            scaling: InputScaling::Symmetric,
            bn_momentum: 0.1,
            batch_size: 64,
            seed: 0,
            epochs: 10,
            lr: 1e-4,
            beta1: 0.5,
            disc_optimizer: OptimizerKind::Adam,
            disc_lr: 1e-4,
            real_label: 0.95,
            weights: LossWeights { reconstruction: 0.5, swap: 1.0, adversarial: 0.01, kl: 0.1 },
        }
    }

    /// MNIST with z = s = 64 (the second published MNIST row).
    pub fn mnist_64() -> Self {
        MathieuConfig { s_dim: 64, z_dim: 64, ..Self::mnist() }
    }

    /// Sprites at 32x32 with the official code sizes (s = 64, z = 512, batch 16).
    pub fn sprites() -> Self {
        MathieuConfig {
            dataset: "sprites".into(),
            nf: 64,
            hidden: 512,
            s_dim: 64,
            z_dim: 512,
            batch_size: 16,
            epochs: 10,
            ..Self::mnist()
        }
    }

    /// The Sprites preset for another dataset (Cars3D, small NORB) at its image size (32x32 by default).
    pub fn sprites_network(dataset: &str) -> Self {
        MathieuConfig { dataset: dataset.into(), ..Self::sprites() }
    }
}

impl ConfigFile for MathieuConfig {}
