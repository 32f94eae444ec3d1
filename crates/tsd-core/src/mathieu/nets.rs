//! Networks of the Mathieu et al. baseline: a conv encoder with a label code s
//! and a Gaussian code z (mean and log-variance heads), a decoder that sums
//! linear projections of z and s, and a label-conditioned discriminator.

use tch::nn::{self, Module, ModuleT};
use tch::Tensor;

use crate::common::layers::{batch_norm, batch_norm2d, conv, dense};

/// Slope of the discriminator's LeakyReLU.
const LEAK: f64 = 0.2;

/// `conv(stride) -> BatchNorm2d`.
#[derive(Debug)]
struct ConvBn {
    conv: nn::Conv2D,
    bn: nn::BatchNorm,
}

impl ConvBn {
    fn new(p: &nn::Path, inputs: i64, outputs: i64, stride: i64, momentum: f64) -> Self {
        ConvBn { conv: conv(p / "conv", inputs, outputs, stride), bn: batch_norm2d(p / "bn", outputs, momentum) }
    }

    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        self.bn.forward_t(&self.conv.forward(xs), train)
    }
}

/// Sizes shared by the three networks.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// Image channels.
    pub channels: i64,
    /// Image side (a multiple of 4).
    pub side: i64,
    /// Base number of filters.
    pub nf: i64,
    /// Dense width.
    pub hidden: i64,
    /// BatchNorm momentum (torch terms).
    pub bn_momentum: f64,
}

impl Sizes {
    fn flat(&self) -> i64 {
        2 * self.nf * (self.side / 4) * (self.side / 4)
    }
}

/// The encoder's output for a batch.
#[derive(Debug)]
pub struct Encoded {
    /// Label code `(N, s_dim)`.
    pub s: Tensor,
    /// Mean of z `(N, z_dim)`.
    pub mu: Tensor,
    /// Log-variance of z `(N, z_dim)`.
    pub logvar: Tensor,
}

/// `conv(nf,/2)-BN-ReLU -> conv(2nf,/2)-BN-ReLU -> Dense(hidden)-BN-ReLU -> heads s, mu, logvar`.
#[derive(Debug)]
pub struct Encoder {
    convs: [ConvBn; 2],
    dense: nn::Linear,
    bn: nn::BatchNorm,
    s: nn::Linear,
    mu: nn::Linear,
    logvar: nn::Linear,
}

impl Encoder {
    /// Builds the encoder under `p`.
    pub fn new(p: &nn::Path, sizes: Sizes, s_dim: i64, z_dim: i64) -> Self {
        let Sizes { channels, nf, hidden, bn_momentum: m, .. } = sizes;
        Encoder {
            convs: [ConvBn::new(&(p / "conv0"), channels, nf, 2, m), ConvBn::new(&(p / "conv1"), nf, 2 * nf, 2, m)],
            dense: dense(p / "dense", sizes.flat(), hidden),
            bn: batch_norm(p / "bn", hidden, m),
            s: dense(p / "s", hidden, s_dim),
            mu: dense(p / "mu", hidden, z_dim),
            logvar: dense(p / "logvar", hidden, z_dim),
        }
    }

    /// Images `(N, C, H, W)` -> codes.
    pub fn forward_t(&self, xs: &Tensor, train: bool) -> Encoded {
        let h = self.convs.iter().fold(xs.shallow_clone(), |h, c| c.forward_t(&h, train).relu());
        let h = self.bn.forward_t(&self.dense.forward(&h.flatten(1, -1)), train).relu();
        Encoded { s: self.s.forward(&h), mu: self.mu.forward(&h), logvar: self.logvar.forward(&h) }
    }
}

/// `Dense(z) + Dense(s) -> BN-ReLU -> (2nf, D/4, D/4) -> up, conv(nf)-BN-ReLU -> up,
/// conv(nf)-BN-ReLU -> conv(C)`; the output is pre-activation.
#[derive(Debug)]
pub struct Decoder {
    from_z: nn::Linear,
    from_s: nn::Linear,
    bn: nn::BatchNorm,
    convs: [ConvBn; 2],
    out: nn::Conv2D,
    sizes: Sizes,
}

impl Decoder {
    /// Builds the decoder under `p`.
    pub fn new(p: &nn::Path, sizes: Sizes, s_dim: i64, z_dim: i64) -> Self {
        let Sizes { channels, nf, bn_momentum: m, .. } = sizes;
        Decoder {
            from_z: dense(p / "from_z", z_dim, sizes.flat()),
            from_s: dense(p / "from_s", s_dim, sizes.flat()),
            bn: batch_norm(p / "bn", sizes.flat(), m),
            convs: [ConvBn::new(&(p / "conv0"), 2 * nf, nf, 1, m), ConvBn::new(&(p / "conv1"), nf, nf, 1, m)],
            out: conv(p / "out", nf, channels, 1),
            sizes,
        }
    }

    /// Codes -> pre-activation images `(N, C, side, side)`.
    pub fn forward_t(&self, s: &Tensor, z: &Tensor, train: bool) -> Tensor {
        let n = s.size()[0];
        let q = self.sizes.side / 4;
        let h = self.bn.forward_t(&(self.from_z.forward(z) + self.from_s.forward(s)), train).relu();
        let h = h.view([n, 2 * self.sizes.nf, q, q]).upsample_nearest2d([2 * q, 2 * q], None, None);
        let h = self.convs[0].forward_t(&h, train).relu().upsample_nearest2d([4 * q, 4 * q], None, None);
        let h = self.convs[1].forward_t(&h, train).relu();
        self.out.forward(&h)
    }
}

/// Label-conditioned discriminator: conv trunk on the image, its features
/// concatenated with the one-hot label, then `Dense(hidden)-LeakyReLU -> Dense(1)` (logit).
#[derive(Debug)]
pub struct Discriminator {
    conv0: nn::Conv2D,
    conv1: ConvBn,
    dense: nn::Linear,
    out: nn::Linear,
    n_classes: i64,
}

impl Discriminator {
    /// Builds the discriminator under `p`.
    pub fn new(p: &nn::Path, sizes: Sizes, n_classes: i64) -> Self {
        let Sizes { channels, nf, hidden, bn_momentum: m, .. } = sizes;
        Discriminator {
            conv0: conv(p / "conv0", channels, nf, 2),
            conv1: ConvBn::new(&(p / "conv1"), nf, 2 * nf, 2, m),
            dense: dense(p / "dense", sizes.flat() + n_classes, hidden),
            out: dense(p / "out", hidden, 1),
            n_classes,
        }
    }

    /// Images `(N, C, H, W)` and labels `(N,)` -> real/fake logits `(N,)`.
    pub fn forward_t(&self, xs: &Tensor, labels: &Tensor, train: bool) -> Tensor {
        let h = self.conv0.forward(xs).leaky_relu_with_slope(LEAK);
        let h = self.conv1.forward_t(&h, train).leaky_relu_with_slope(LEAK).flatten(1, -1);
        let onehot = labels.one_hot(self.n_classes).to_kind(h.kind());
        let h = self.dense.forward(&Tensor::cat(&[h, onehot], 1)).leaky_relu_with_slope(LEAK);
        self.out.forward(&h).squeeze_dim(1)
    }
}

/// Slope-parameterised LeakyReLU for tch tensors.
trait LeakyRelu {
    fn leaky_relu_with_slope(&self, slope: f64) -> Tensor;
}

impl LeakyRelu for Tensor {
    fn leaky_relu_with_slope(&self, slope: f64) -> Tensor {
        self.maximum(&(self * slope))
    }
}
