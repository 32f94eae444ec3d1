//! Network building blocks of the released Keras code (REFERENCE §1.1), with
//! Keras initialisation: dense glorot-normal, conv glorot-uniform, zero biases,
//! BatchNorm momentum 0.99 in Keras terms (0.01 here) and eps 1e-3.

use tch::nn::{self, Module, ModuleT};
use tch::Tensor;

/// Kernel size of every conv (5x5, 'same' padding).
const KERNEL: i64 = 5;

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
struct DenseBnRelu {
    dense: nn::Linear,
    bn: nn::BatchNorm,
}

impl DenseBnRelu {
    fn new(p: &nn::Path, inputs: i64, outputs: i64, momentum: f64) -> Self {
        let bn = batch_norm(p / "bn", outputs, momentum);
        DenseBnRelu { dense: dense(p / "dense", inputs, outputs), bn }
    }

    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
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

/// Conv trunk `conv(nf, /2) -> conv(nf/2, /2) -> conv(nf/2)`, then
/// `Dense(hidden) -> BN -> ReLU -> Dense(dim) -> ReLU`: a non-negative code.
#[derive(Debug)]
pub struct ConvEncoder {
    convs: [nn::Conv2D; 3],
    hidden: DenseBnRelu,
    head: nn::Linear,
}

impl ConvEncoder {
    /// Builds the encoder for `(channels, side, side)` images.
    pub fn new(p: &nn::Path, shape: (i64, i64), nf: i64, hidden: i64, dim: i64, bn_momentum: f64) -> Self {
        let (channels, side) = shape;
        let flat = nf / 2 * trunk_side(side) * trunk_side(side);
        ConvEncoder {
            convs: [
                conv(p / "conv0", channels, nf, 2),
                conv(p / "conv1", nf, nf / 2, 2),
                conv(p / "conv2", nf / 2, nf / 2, 1),
            ],
            hidden: DenseBnRelu::new(&(p / "hidden"), flat, hidden, bn_momentum),
            head: dense(p / "head", hidden, dim),
        }
    }

    /// `(N, C, H, W)` -> code `(N, dim)`, non-negative.
    pub fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        let h = self.convs.iter().fold(xs.shallow_clone(), |h, c| c.forward(&h).relu());
        let h = self.hidden.forward_t(&h.flatten(1, -1), train);
        self.head.forward(&h).relu()
    }
}

/// Side of the trunk's output for an input of side `side` (two stride-2 convs).
fn trunk_side(side: i64) -> i64 {
    let half = |s: i64| (s + 1) / 2;
    half(half(side))
}

/// Decoder: `concat[z, s] -> Dense(nf*D*D/32) ReLU -> (nf/2, D/4, D/4) -> conv -> up x2
/// -> conv -> up x2 -> conv(nf) -> conv(C)`; the output layer is linear (the caller
/// applies a sigmoid for BCE).
#[derive(Debug)]
pub struct Decoder {
    dense: nn::Linear,
    convs: [nn::Conv2D; 4],
    nf: i64,
    side: i64,
}

impl Decoder {
    /// Builds the decoder of codes of total size `code_dim` into `(channels, side, side)`.
    pub fn new(p: &nn::Path, code_dim: i64, channels: i64, side: i64, nf: i64) -> Self {
        let quarter = side / 4;
        Decoder {
            dense: dense(p / "dense", code_dim, nf / 2 * quarter * quarter),
            convs: [
                conv(p / "conv0", nf / 2, nf / 2, 1),
                conv(p / "conv1", nf / 2, nf / 2, 1),
                conv(p / "conv2", nf / 2, nf, 1),
                conv(p / "conv3", nf, channels, 1),
            ],
            nf,
            side,
        }
    }

    /// `(N, code_dim)` -> pre-activation images `(N, C, side, side)`.
    pub fn forward(&self, code: &Tensor) -> Tensor {
        let n = code.size()[0];
        let q = self.side / 4;
        let h = self.dense.forward(code).relu().view([n, self.nf / 2, q, q]);
        let h = self.convs[0].forward(&h).relu().upsample_nearest2d([2 * q, 2 * q], None, None);
        let h = self.convs[1].forward(&h).relu().upsample_nearest2d([4 * q, 4 * q], None, None);
        let h = self.convs[2].forward(&h).relu();
        self.convs[3].forward(&h)
    }
}
