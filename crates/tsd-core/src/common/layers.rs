//! Layers shared by the models: the building blocks of the released Keras
//! code (REFERENCE §1.1), with
//! Keras initialisation: dense glorot-normal, conv glorot-uniform, zero biases,
//! BatchNorm momentum 0.99 in Keras terms (0.01 here) and eps 1e-3.

use tch::nn::{self, Module, ModuleT};
use tch::Tensor;

/// Kernel size of every conv (5x5, 'same' padding).
pub(crate) const KERNEL: i64 = 5;

/// Dense layer with glorot-normal weights and zero bias.
pub fn dense(p: nn::Path, inputs: i64, outputs: i64) -> nn::Linear {
    let stdev = (2.0 / (inputs + outputs) as f64).sqrt();
    let cfg = nn::LinearConfig {
        ws_init: nn::Init::Randn { mean: 0.0, stdev },
        bs_init: Some(nn::Init::Const(0.0)),
        bias: true,
    };
    nn::linear(p, inputs, outputs, cfg)
}

/// 5x5 'same' conv with glorot-uniform weights and zero bias.
pub fn conv(p: nn::Path, inputs: i64, outputs: i64, stride: i64) -> nn::Conv2D {
    let fan = (inputs + outputs) * KERNEL * KERNEL;
    let limit = (6.0 / fan as f64).sqrt();
    let cfg = nn::ConvConfig {
        stride,
        padding: KERNEL / 2,
        ws_init: nn::Init::Uniform { lo: -limit, up: limit },
        bs_init: nn::Init::Const(0.0),
        ..Default::default()
    };
    nn::conv2d(p, inputs, outputs, KERNEL, cfg)
}

/// BatchNorm over features with Keras' eps; `momentum` in torch terms
/// (Keras' 0.99 is 0.01 here).
pub fn batch_norm(p: nn::Path, features: i64, momentum: f64) -> nn::BatchNorm {
    nn::batch_norm1d(p, features, bn_config(momentum))
}

/// BatchNorm over conv channels, settings as [`batch_norm`].
pub fn batch_norm2d(p: nn::Path, channels: i64, momentum: f64) -> nn::BatchNorm {
    nn::batch_norm2d(p, channels, bn_config(momentum))
}

fn bn_config(momentum: f64) -> nn::BatchNormConfig {
    nn::BatchNormConfig { momentum, eps: 1e-3, ..Default::default() }
}

/// `Dense -> BatchNorm -> ReLU`.
#[derive(Debug)]
pub(crate) struct DenseBnRelu {
    dense: nn::Linear,
    bn: nn::BatchNorm,
}

impl DenseBnRelu {
    pub(crate) fn new(p: &nn::Path, inputs: i64, outputs: i64, momentum: f64) -> Self {
        let bn = batch_norm(p / "bn", outputs, momentum);
        DenseBnRelu { dense: dense(p / "dense", inputs, outputs), bn }
    }

    pub(crate) fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        self.bn.forward_t(&self.dense.forward(xs), train).relu()
    }
}

/// Classifier / adversary: `depth x [Dense(width), BN, ReLU] -> Dense(classes)` (logits).
#[derive(Debug)]
pub struct Mlp {
    blocks: Vec<DenseBnRelu>,
    out: nn::Linear,
}

impl Mlp {
    /// Builds the MLP under `p` (`bn_momentum` in torch terms).
    pub fn new(p: &nn::Path, inputs: i64, width: i64, depth: usize, classes: i64, bn_momentum: f64) -> Self {
        let mut blocks = Vec::with_capacity(depth);
        let mut dim = inputs;
        for i in 0..depth {
            blocks.push(DenseBnRelu::new(&(p / format!("block{i}")), dim, width, bn_momentum));
            dim = width;
        }
        Mlp { blocks, out: dense(p / "out", dim, classes) }
    }

    /// `(N, inputs)` -> logits `(N, classes)`.
    pub fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        let h = self.blocks.iter().fold(xs.shallow_clone(), |h, b| b.forward_t(&h, train));
        self.out.forward(&h)
    }
}

/// `Dense(w)` layers named `layer{i}` under `p`, one for each of `widths`,
/// from `inputs` values; and the width they end at.
pub(crate) fn dense_layers(p: &nn::Path, inputs: i64, widths: impl IntoIterator<Item = i64>) -> (Vec<nn::Linear>, i64) {
    let mut layers = Vec::new();
    let mut d = inputs;
    for (i, w) in widths.into_iter().enumerate() {
        layers.push(dense(p / format!("layer{i}"), d, w));
        d = w;
    }
    (layers, d)
}

/// [`dense_layers`] of `widths` taken in reverse (widest last).
pub(crate) fn reversed_layers(p: &nn::Path, inputs: i64, widths: &[i64]) -> (Vec<nn::Linear>, i64) {
    dense_layers(p, inputs, widths.iter().rev().copied())
}

/// `xs` through `layers`, each followed by a ReLU.
pub(crate) fn relu_stack(layers: &[nn::Linear], xs: &Tensor) -> Tensor {
    layers.iter().fold(xs.shallow_clone(), |h, l| l.forward(&h).relu())
}
