//! Networks of the two-step model (REFERENCE §1.1): the conv encoder of S and
//! of Z, and the decoder of `concat[z, s]`; and their dense counterparts for
//! inputs that are not images (return windows), chosen by
//! [`Network`](super::config::Network).

use tch::nn::{self, Module};
use tch::Tensor;

use super::config::Network;
use crate::common::cross_section::{CrossSectionDecoder, CrossSectionShape, LOADINGS_HIDDEN};
use crate::common::layers::{conv, dense, relu_stack, reversed_layers, DenseBnRelu, KERNEL};
use crate::model::ModelSpec;

/// The encoder of one code, conv or dense.
#[derive(Debug)]
pub enum Encoder {
    /// The released conv trunk.
    Conv(Box<ConvEncoder>),
    /// A dense trunk.
    Dense(DenseEncoder),
    /// A window coded beside its cross-section.
    CrossSection(CrossSectionEncoder),
}

impl Encoder {
    /// The encoder `network` describes, for inputs of `spec`, with a code of `dim`.
    pub fn new(p: &nn::Path, network: &Network, spec: &ModelSpec, nf: i64, hidden: i64, dim: i64, bn: f64) -> Self {
        match network {
            Network::Conv => {
                Encoder::Conv(Box::new(ConvEncoder::new(p, (spec.channels, spec.side), nf, hidden, dim, bn)))
            }
            Network::Dense { widths } => Encoder::Dense(DenseEncoder::new(p, spec.input_size(), widths, dim, bn)),
            Network::CrossSection { widths } => {
                Encoder::CrossSection(CrossSectionEncoder::new(p, CrossSectionShape::of(spec), widths, dim, bn))
            }
        }
    }

    /// Inputs `(N, C, H, W)` -> code `(N, dim)`, non-negative.
    pub fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        match self {
            Encoder::Conv(e) => e.forward_t(xs, train),
            Encoder::Dense(e) => e.forward_t(xs, train),
            Encoder::CrossSection(e) => e.forward_t(xs, train),
        }
    }

    /// The codes of all of `xs`, evaluation mode, in large chunks without gradients.
    pub fn encode_all(&self, xs: &Tensor) -> Tensor {
        crate::common::tensors::map_chunks(xs, |x| self.forward_t(x, false))
    }
}

/// The decoder of `concat[z, s]`, conv or dense.
#[derive(Debug)]
pub enum CodeDecoder {
    /// The released conv decoder.
    Conv(Box<Decoder>),
    /// A dense decoder.
    Dense(DenseDecoder),
    /// Loadings on the cross-section plus a linear map of the codes.
    CrossSection(CrossSectionDecoder),
}

impl CodeDecoder {
    /// The decoder `network` describes, from codes of total size `code_dim` to inputs of `spec`.
    pub fn new(p: &nn::Path, network: &Network, spec: &ModelSpec, code_dim: i64, nf: i64) -> Self {
        match network {
            Network::Conv => CodeDecoder::Conv(Box::new(Decoder::new(p, code_dim, spec.channels, spec.side, nf))),
            Network::Dense { widths } => CodeDecoder::Dense(DenseDecoder::new(p, code_dim, widths, spec)),
            Network::CrossSection { widths } => {
                CodeDecoder::CrossSection(CrossSectionDecoder::new(p, code_dim, widths, CrossSectionShape::of(spec)))
            }
        }
    }

    /// Codes -> pre-activation outputs `(N, C - context, H, W)`; `inputs` are
    /// those the codes came from (or others of the same days), whose context
    /// the cross-section decoder reads (without them it decodes as if every
    /// mean path were flat at zero); the other decoders ignore them.
    pub fn forward(&self, code: &Tensor, inputs: Option<&Tensor>) -> Tensor {
        match self {
            CodeDecoder::Conv(d) => d.forward(code),
            CodeDecoder::Dense(d) => d.forward(code),
            CodeDecoder::CrossSection(d) => d.forward(code, inputs),
        }
    }
}

/// `flatten -> [Dense(w) -> BN -> ReLU] for each width -> Dense(dim) -> ReLU`:
/// the conv encoder's head on a dense trunk (a non-negative code).
#[derive(Debug)]
pub struct DenseEncoder {
    blocks: Vec<DenseBnRelu>,
    head: nn::Linear,
}

impl DenseEncoder {
    /// Builds it for inputs of `inputs` values.
    pub fn new(p: &nn::Path, inputs: i64, widths: &[i64], dim: i64, bn_momentum: f64) -> Self {
        let mut blocks = Vec::with_capacity(widths.len());
        let mut d = inputs;
        for (i, &w) in widths.iter().enumerate() {
            blocks.push(DenseBnRelu::new(&(p / format!("block{i}")), d, w, bn_momentum));
            d = w;
        }
        DenseEncoder { blocks, head: dense(p / "head", d, dim) }
    }

    /// `(N, C, H, W)` -> code `(N, dim)`.
    pub fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        let h = self.blocks.iter().fold(xs.flatten(1, -1), |h, b| b.forward_t(&h, train));
        self.head.forward(&h).relu()
    }
}

/// `concat[z, s] -> [Dense(w) -> ReLU] for each width, widest last -> Dense(C*H*W)`,
/// reshaped to `(N, C, H, W)`; the output layer is linear.
#[derive(Debug)]
pub struct DenseDecoder {
    layers: Vec<nn::Linear>,
    out: nn::Linear,
    shape: [i64; 3],
}

impl DenseDecoder {
    /// Builds it for codes of `code_dim` values and outputs of `spec`'s shape;
    /// `widths` are the encoder's, taken in reverse.
    pub fn new(p: &nn::Path, code_dim: i64, widths: &[i64], spec: &ModelSpec) -> Self {
        let (layers, d) = reversed_layers(p, code_dim, widths);
        DenseDecoder {
            layers,
            out: dense(p / "out", d, spec.output_size()),
            shape: [spec.output_channels(), spec.side, spec.side],
        }
    }

    /// `(N, code_dim)` -> `(N, C, H, W)`.
    pub fn forward(&self, code: &Tensor) -> Tensor {
        let h = relu_stack(&self.layers, code);
        let [c, hh, w] = self.shape;
        self.out.forward(&h).view([-1, c, hh, w])
    }
}

/// `loadings = Dense(LOADINGS_HIDDEN) -> BN -> ReLU -> Dense(paths)` of the
/// moments; `code = trunk(concat[window - loadings . paths, moments])` on a
/// [`DenseEncoder`] (a non-negative code).
#[derive(Debug)]
pub struct CrossSectionEncoder {
    shape: CrossSectionShape,
    hidden: DenseBnRelu,
    loadings: nn::Linear,
    trunk: DenseEncoder,
}

impl CrossSectionEncoder {
    /// Builds it for inputs laid out as `shape`, with a code of `dim`.
    pub fn new(p: &nn::Path, shape: CrossSectionShape, widths: &[i64], dim: i64, bn_momentum: f64) -> Self {
        let moments = shape.moment_count();
        CrossSectionEncoder {
            shape,
            hidden: DenseBnRelu::new(&(p / "loadings_hidden"), moments, LOADINGS_HIDDEN, bn_momentum),
            loadings: dense(p / "loadings", LOADINGS_HIDDEN, shape.paths),
            trunk: DenseEncoder::new(&(p / "trunk"), shape.length + moments, widths, dim, bn_momentum),
        }
    }

    /// `(N, C, 1, 1)` -> code `(N, dim)`.
    pub fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        let features = self.shape.residual_and_moments(xs, |m| self.loadings.forward(&self.hidden.forward_t(m, train)));
        self.trunk.forward_t(&features, train)
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
        let h = channels_last(&self.dense.forward(code).relu().view([n, self.nf / 2, q, q]));
        let h = self.convs[0].forward(&h).relu();
        let h = upsampled_conv(&self.convs[1], &h).relu();
        let h = upsampled_conv(&self.convs[2], &h).relu();
        // Back to the usual order for callers (a no-op for one channel).
        few_channel_conv(&self.convs[3], &h).contiguous()
    }
}

/// `conv.forward(&xs.upsample_nearest2d(2x))` for a stride-1 5x5 'same'
/// conv, computed without the upsampled image: on an image upsampled by
/// repetition, each output pixel's 25 taps fall on at most 3x3 distinct input
/// pixels, so the pair is one transposed conv of stride 2 whose 6x6 kernel
/// sums the taps that share an input pixel, `K[u] = W[4-u] + W[5-u]` along
/// each axis (out of range taps are 0). The same function with 2.8x fewer
/// multiply-adds and no upsampling pass; 1.4-2x less CPU time forward and
/// backward at the decoders' sizes. The parameters stay those of `conv`.
fn upsampled_conv(conv: &nn::Conv2D, xs: &Tensor) -> Tensor {
    let flipped = conv.ws.flip([2, 3]);
    let rows = flipped.constant_pad_nd([0, 0, 0, 1]) + flipped.constant_pad_nd([0, 0, 1, 0]);
    let kernel = rows.constant_pad_nd([0, 1, 0, 0]) + rows.constant_pad_nd([1, 0, 0, 0]);
    let pad = KERNEL / 2;
    xs.conv_transpose2d(&kernel.transpose(0, 1), conv.bs.as_ref(), [2, 2], [pad, pad], [0, 0], 1, [1, 1])
}

/// `conv.forward(xs)` for a stride-1 'same' conv with few output channels
/// (the decoder's last layer), computed as the equivalent transposed
/// convolution of the flipped kernel: oneDNN pads a conv's output channels to
/// 8, which made the 16 -> 1 channel layer the decoder's costliest; the
/// transposed form (whose *input* side has the many channels) took 40% less
/// CPU time forward and backward at 28x28 in channels-last order. The
/// parameters stay those of `conv`.
fn few_channel_conv(conv: &nn::Conv2D, xs: &Tensor) -> Tensor {
    let weight = conv.ws.flip([2, 3]).transpose(0, 1);
    xs.conv_transpose2d(&weight, conv.bs.as_ref(), [1, 1], [KERNEL / 2, KERNEL / 2], [0, 0], 1, [1, 1])
}

/// The same values in channels-last memory order (NCHW shape, NHWC strides):
/// libtorch's oneDNN convolutions then keep that order and skip reordering.
fn channels_last(x: &Tensor) -> Tensor {
    x.permute([0, 2, 3, 1]).contiguous().permute([0, 3, 1, 2])
}

#[cfg(test)]
mod tests {
    use tch::{nn, nn::Module, Device, Kind, Tensor};

    use super::{channels_last, few_channel_conv, upsampled_conv};
    use crate::common::layers::conv;

    #[test]
    fn the_strided_form_of_upsample_then_conv_computes_the_pair() {
        tch::manual_seed(4);
        let vs = nn::VarStore::new(Device::Cpu);
        let mut layer = conv(vs.root() / "c", 8, 6, 1);
        tch::no_grad(|| layer.bs.as_mut().unwrap().copy_(&Tensor::randn([6], (Kind::Float, Device::Cpu))));
        let x = Tensor::randn([3, 8, 7, 7], (Kind::Float, Device::Cpu));
        let reference = layer.forward(&x.upsample_nearest2d([14, 14], None, None));
        for input in [x.shallow_clone(), channels_last(&x)] {
            let fused = upsampled_conv(&layer, &input);
            assert_eq!(fused.size(), reference.size());
            let gap = (&reference - fused).abs().max().double_value(&[]);
            assert!(gap < 1e-4, "largest difference {gap}");
        }
    }

    #[test]
    fn the_transposed_form_of_the_last_conv_computes_the_conv() {
        tch::manual_seed(3);
        let vs = nn::VarStore::new(Device::Cpu);
        let mut layer = conv(vs.root() / "c", 16, 3, 1);
        let bias = Tensor::randn([3], (Kind::Float, Device::Cpu));
        tch::no_grad(|| layer.bs.as_mut().unwrap().copy_(&bias));
        let x = Tensor::randn([4, 16, 12, 12], (Kind::Float, Device::Cpu));
        for input in [x.shallow_clone(), channels_last(&x)] {
            let gap = (layer.forward(&x) - few_channel_conv(&layer, &input)).abs().max().double_value(&[]);
            assert!(gap < 1e-4, "largest difference {gap}");
        }
    }
}
