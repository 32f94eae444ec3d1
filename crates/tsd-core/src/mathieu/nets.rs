//! Networks of the baseline as Jha et al. built them: a conv encoder with a
//! label code s and a Gaussian code z (mean and log-variance heads), a decoder
//! that projects z and s separately and concatenates them, and a *pair*
//! discriminator that judges (a real image of a class, a candidate) together.
//!
//! Every InstanceNorm normalises with the instance's own statistics, in
//! training and in evaluation alike (Jha et al. train that way; their layers
//! also keep running statistics, which their evaluation mode would use —
//! tsd has no such second mode, so encoding is deterministic and batch-free).

use tch::nn::{self, Module};
use tch::Tensor;

/// Kernel of the encoder's and discriminator's convs (5x5, stride 2, padding 1).
const CONV_KERNEL: i64 = 5;
/// Kernel of the decoder's transposed convs (4x4, stride 2).
const DECONV_KERNEL: i64 = 4;
/// Slope of every LeakyReLU.
const LEAK: f64 = 0.2;
/// The smallest image side for which the last conv map is at least 2x2 (on a
/// 1x1 map InstanceNorm outputs zeros and the codes stop depending on the image).
pub const MIN_SIDE: i64 = 24;
/// InstanceNorm epsilon (PyTorch's default).
const NORM_EPS: f64 = 1e-5;

/// Layer sizes for one image geometry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sizes {
    /// Image channels.
    pub channels: i64,
    /// Base width.
    pub nf: i64,
    /// Side of the encoder's (and discriminator's) last feature map.
    pub conv_side: i64,
    /// Side of the decoder's first feature map.
    pub deconv_side: i64,
    /// Paddings of the decoder's three transposed convs.
    pub deconv_padding: [i64; 3],
    /// Image side (the decoder crops its output to it when it overshoots).
    pub side: i64,
    /// Std of the normal initialisation of conv and linear weights.
    pub init_std: f64,
}

impl Sizes {
    /// Sizes for square `side`-pixel images: 28 gives Jha et al.'s MNIST
    /// networks exactly (decoder 2 -> 6 -> 14 -> 28); any other side gives
    /// ours: the decoder starts at `ceil(side/8)`, doubles three times and
    /// crops the centre when that overshoots (never for multiples of 8).
    /// The convs need `side >= MIN_SIDE`.
    pub fn new(channels: i64, side: i64, nf: i64, init_std: f64) -> Sizes {
        let (deconv_side, deconv_padding) = match side {
            28 => (2, [0, 0, 1]),
            _ => ((side + 7) / 8, [1, 1, 1]),
        };
        let conv_side = (0..3).fold(side, |s, _| (s + 2 - CONV_KERNEL) / 2 + 1);
        Sizes { channels, nf, conv_side, deconv_side, deconv_padding, side, init_std }
    }

    /// Width of each code's projection in the decoder (256 at 28x28, nf 16).
    fn projection(&self) -> i64 {
        4 * self.nf * self.deconv_side * self.deconv_side
    }

    fn linear(&self, p: nn::Path, inputs: i64, outputs: i64) -> nn::Linear {
        let cfg = nn::LinearConfig {
            ws_init: nn::Init::Randn { mean: 0.0, stdev: self.init_std },
            bs_init: Some(nn::Init::Const(0.0)),
            bias: true,
        };
        nn::linear(p, inputs, outputs, cfg)
    }

    fn conv(&self, p: nn::Path, inputs: i64, outputs: i64) -> nn::Conv2D {
        let cfg = nn::ConvConfig {
            stride: 2,
            padding: 1,
            ws_init: nn::Init::Randn { mean: 0.0, stdev: self.init_std },
            bs_init: nn::Init::Const(0.0),
            ..Default::default()
        };
        nn::conv2d(p, inputs, outputs, CONV_KERNEL, cfg)
    }

    /// A transposed conv with PyTorch's default initialisation: weight and
    /// bias uniform in `±1/sqrt(outputs * k²)`.
    fn deconv(&self, p: nn::Path, inputs: i64, outputs: i64, padding: i64) -> nn::ConvTranspose2D {
        let bound = 1.0 / ((outputs * DECONV_KERNEL * DECONV_KERNEL) as f64).sqrt();
        let uniform = nn::Init::Uniform { lo: -bound, up: bound };
        let cfg =
            nn::ConvTransposeConfig { stride: 2, padding, ws_init: uniform, bs_init: uniform, ..Default::default() };
        nn::conv_transpose2d(p, inputs, outputs, DECONV_KERNEL, cfg)
    }
}

/// InstanceNorm without affine parameters, with the instance's statistics.
fn instance_norm(xs: &Tensor) -> Tensor {
    xs.instance_norm::<Tensor>(None, None, None, None, true, 0.1, NORM_EPS, false)
}

/// LeakyReLU with slope [`LEAK`] as a PReLU of fixed slope: one kernel each
/// way (tch's `leaky_relu` has no slope argument; `max(x, LEAK x)` took six).
pub(super) fn leaky(xs: &Tensor) -> Tensor {
    xs.prelu(&Tensor::full([1], LEAK, (xs.kind(), xs.device())))
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

/// `3 x [conv 5x5/2 -> InstanceNorm -> ReLU]` (nf, 2nf, 4nf), flattened, then
/// linear heads mu, logvar and s.
#[derive(Debug)]
pub struct Encoder {
    convs: [nn::Conv2D; 3],
    mu: nn::Linear,
    logvar: nn::Linear,
    s: nn::Linear,
}

impl Encoder {
    /// Builds the encoder under `p`.
    pub fn new(p: &nn::Path, sizes: Sizes, s_dim: i64, z_dim: i64) -> Self {
        let nf = sizes.nf;
        let flat = 4 * nf * sizes.conv_side * sizes.conv_side;
        Encoder {
            convs: [
                sizes.conv(p / "conv0", sizes.channels, nf),
                sizes.conv(p / "conv1", nf, 2 * nf),
                sizes.conv(p / "conv2", 2 * nf, 4 * nf),
            ],
            mu: sizes.linear(p / "mu", flat, z_dim),
            logvar: sizes.linear(p / "logvar", flat, z_dim),
            s: sizes.linear(p / "s", flat, s_dim),
        }
    }

    /// Images `(N, C, H, W)` -> codes.
    pub fn forward(&self, xs: &Tensor) -> Encoded {
        let h = self.convs.iter().fold(xs.shallow_clone(), |h, c| instance_norm(&c.forward(&h)).relu());
        let h = h.flatten(1, -1);
        Encoded { s: self.s.forward(&h), mu: self.mu.forward(&h), logvar: self.logvar.forward(&h) }
    }
}

/// `[Linear(z) -> LeakyReLU, Linear(s) -> LeakyReLU]` concatenated into
/// `(8nf, d, d)`, then `2 x [deconv 4x4/2 -> InstanceNorm -> LeakyReLU]`
/// (2nf, nf) and a last deconv to the image channels; the output is
/// pre-sigmoid.
#[derive(Debug)]
pub struct Decoder {
    from_z: nn::Linear,
    from_s: nn::Linear,
    deconvs: [nn::ConvTranspose2D; 3],
    sizes: Sizes,
}

impl Decoder {
    /// Builds the decoder under `p`.
    pub fn new(p: &nn::Path, sizes: Sizes, s_dim: i64, z_dim: i64) -> Self {
        let (nf, pad) = (sizes.nf, sizes.deconv_padding);
        Decoder {
            from_z: sizes.linear(p / "from_z", z_dim, sizes.projection()),
            from_s: sizes.linear(p / "from_s", s_dim, sizes.projection()),
            deconvs: [
                sizes.deconv(p / "deconv0", 8 * nf, 2 * nf, pad[0]),
                sizes.deconv(p / "deconv1", 2 * nf, nf, pad[1]),
                sizes.deconv(p / "deconv2", nf, sizes.channels, pad[2]),
            ],
            sizes,
        }
    }

    /// Codes -> pre-activation images `(N, C, side, side)`.
    pub fn forward(&self, s: &Tensor, z: &Tensor) -> Tensor {
        let d = self.sizes.deconv_side;
        let h = Tensor::cat(&[leaky(&self.from_z.forward(z)), leaky(&self.from_s.forward(s))], 1);
        let h = h.view([-1, 8 * self.sizes.nf, d, d]);
        let h = leaky(&instance_norm(&self.deconvs[0].forward(&h)));
        let h = leaky(&instance_norm(&self.deconvs[1].forward(&h)));
        let out = self.deconvs[2].forward(&h);
        let (made, side) = (out.size()[2], self.sizes.side);
        if made == side {
            return out;
        }
        let offset = (made - side) / 2;
        out.narrow(2, offset, side).narrow(3, offset, side)
    }
}

/// Pair discriminator: `(reference, candidate)` stacked on channels, `3 x
/// [conv 5x5/2 -> InstanceNorm -> LeakyReLU]` (2nf, 4nf, 8nf), flattened,
/// `Linear -> 2` logits (class 1: a real pair of one class).
#[derive(Debug)]
pub struct Discriminator {
    convs: [nn::Conv2D; 3],
    out: nn::Linear,
}

impl Discriminator {
    /// Builds the discriminator under `p`.
    pub fn new(p: &nn::Path, sizes: Sizes) -> Self {
        let nf = sizes.nf;
        let flat = 8 * nf * sizes.conv_side * sizes.conv_side;
        Discriminator {
            convs: [
                sizes.conv(p / "conv0", 2 * sizes.channels, 2 * nf),
                sizes.conv(p / "conv1", 2 * nf, 4 * nf),
                sizes.conv(p / "conv2", 4 * nf, 8 * nf),
            ],
            out: sizes.linear(p / "out", flat, 2),
        }
    }

    /// Reference and candidate images `(N, C, H, W)` -> logits `(N, 2)`.
    pub fn forward(&self, reference: &Tensor, candidate: &Tensor) -> Tensor {
        let pair = Tensor::cat(&[reference, candidate], 1);
        let h = self.convs.iter().fold(pair, |h, c| leaky(&instance_norm(&c.forward(&h))));
        self.out.forward(&h.flatten(1, -1))
    }
}

#[cfg(test)]
mod tests {
    use tch::{Device, Kind, Tensor};

    use super::{leaky, LEAK};

    #[test]
    fn leaky_is_max_of_x_and_its_scaled_self_in_value_and_gradient() {
        tch::manual_seed(7);
        let x = Tensor::randn([64, 8, 5, 5], (Kind::Float, Device::Cpu));
        let g = Tensor::randn([64, 8, 5, 5], (Kind::Float, Device::Cpu));
        let value_and_grad = |f: &dyn Fn(&Tensor) -> Tensor| {
            let x = x.detach().set_requires_grad(true);
            let y = f(&x);
            let grad = Tensor::run_backward(&[(&y * &g).sum(Kind::Float)], &[&x], false, false).remove(0);
            (y.detach(), grad)
        };
        let (y, dy) = value_and_grad(&|x| leaky(x));
        let (reference, d_reference) = value_and_grad(&|x| x.maximum(&(x * LEAK)));
        assert!(x.lt(0.0).any().int64_value(&[]) == 1 && x.gt(0.0).any().int64_value(&[]) == 1);
        assert!(y.equal(&reference), "values differ");
        assert!(dy.equal(&d_reference), "gradients differ");
    }
}
