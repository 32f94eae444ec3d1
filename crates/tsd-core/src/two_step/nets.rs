//! Networks of the two-step model (REFERENCE §1.1): the conv encoder of S and
//! of Z, and the decoder of `concat[z, s]`.

use tch::nn::{self, Module};
use tch::Tensor;

use crate::common::layers::{conv, dense, DenseBnRelu};

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
