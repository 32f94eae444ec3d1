//! The networks of the baseline in their variable stores, and its model file.

use rand_chacha::ChaCha8Rng;
use tch::nn::VarStore;
use tch::{Device, Tensor};
use tsd_data::returns::windows::CLIP;
use tsd_data::Normalization;

use super::config::{MathieuConfig, MathieuNetwork};
use super::nets::{Decoder, Discriminator, Encoded, Encoder, Sizes};
use super::series_nets::{SeriesDiscriminator, SeriesEncoder};
use crate::common::cross_section::{CrossSectionDecoder, CrossSectionShape};
use crate::common::saved::SavedModel;
use crate::common::tensors::normal_noise;
use crate::method::Model;
use crate::model::{Codes, Disentangler, ModelSpec};

/// The networks of the baseline: generator (encoder + decoder) and
/// discriminator, each in its own [`VarStore`].
#[derive(Debug)]
pub struct MathieuModel {
    /// Hyper-parameters.
    pub config: MathieuConfig,
    /// Data shape and normalisation (`[0, 1]` pixels, or scaled return windows).
    pub spec: ModelSpec,
    /// Encoder and decoder.
    pub gen_vs: VarStore,
    nets: Nets,
    /// Discriminator.
    pub disc_vs: VarStore,
}

/// Jha et al.'s three conv networks.
#[derive(Debug)]
struct ConvNets {
    encoder: Encoder,
    decoder: Decoder,
    disc: Discriminator,
}

/// The three cross-section networks, and the inputs' layout.
#[derive(Debug)]
struct SeriesNets {
    shape: CrossSectionShape,
    encoder: SeriesEncoder,
    decoder: CrossSectionDecoder,
    disc: SeriesDiscriminator,
}

/// The three networks, of one architecture.
#[derive(Debug)]
enum Nets {
    /// Jha et al.'s convs.
    Conv(Box<ConvNets>),
    /// The cross-section networks for return windows.
    CrossSection(Box<SeriesNets>),
}

impl MathieuModel {
    fn build(config: MathieuConfig, spec: ModelSpec, device: Device) -> Self {
        let gen_vs = VarStore::new(device);
        let disc_vs = VarStore::new(device);
        let (enc, dec, dis) = (gen_vs.root() / "encoder", gen_vs.root() / "decoder", disc_vs.root() / "discriminator");
        let (s_dim, z_dim) = (config.s_dim, config.z_dim);
        let nets = match &config.network {
            MathieuNetwork::Conv => {
                let sizes = Sizes::new(spec.channels, spec.side, config.nf, config.init_std);
                Nets::Conv(Box::new(ConvNets {
                    encoder: Encoder::new(&enc, sizes, s_dim, z_dim),
                    decoder: Decoder::new(&dec, sizes, s_dim, z_dim),
                    disc: Discriminator::new(&dis, sizes),
                }))
            }
            MathieuNetwork::CrossSection { widths } => {
                let shape = CrossSectionShape::of(&spec);
                Nets::CrossSection(Box::new(SeriesNets {
                    shape,
                    encoder: SeriesEncoder::new(&enc, shape, widths, s_dim, z_dim),
                    decoder: CrossSectionDecoder::new(&dec, s_dim + z_dim, widths, shape),
                    disc: SeriesDiscriminator::new(&dis, shape, widths),
                }))
            }
        };
        MathieuModel { config, spec, gen_vs, nets, disc_vs }
    }

    /// The codes of inputs (with gradients when enabled).
    pub(super) fn encoded(&self, xs: &Tensor) -> Encoded {
        match &self.nets {
            Nets::Conv(nets) => nets.encoder.forward(xs),
            Nets::CrossSection(nets) => nets.encoder.forward(xs),
        }
    }

    /// Outputs from codes (with gradients when enabled): images in `[0, 1]`
    /// (a sigmoid), or windows on the days of `inputs` (their context;
    /// without them, as if every mean path were flat at zero) within the
    /// scaled returns' `±CLIP` (`CLIP tanh(out / CLIP)`, near the identity
    /// inside it): like the sigmoid, a bound to the inputs' range.
    pub(super) fn generate(&self, s: &Tensor, z: &Tensor, inputs: Option<&Tensor>) -> Tensor {
        match &self.nets {
            Nets::Conv(nets) => nets.decoder.forward(s, z).sigmoid(),
            Nets::CrossSection(nets) => (nets.decoder.forward(&Tensor::cat(&[z, s], 1), inputs) / CLIP).tanh() * CLIP,
        }
    }

    /// A generated output as the discriminator takes inputs: an image as it
    /// is, a window followed by the context of `inputs`, on whose days it was made.
    pub(super) fn as_input(&self, generated: &Tensor, inputs: &Tensor) -> Tensor {
        match &self.nets {
            Nets::Conv(_) => generated.shallow_clone(),
            Nets::CrossSection(nets) => nets.shape.with_context_of(generated, inputs),
        }
    }

    /// The discriminator's logits `(N, 2)` for `(reference, candidate)` pairs of inputs.
    pub(super) fn judge(&self, reference: &Tensor, candidate: &Tensor) -> Tensor {
        match &self.nets {
            Nets::Conv(nets) => nets.disc.forward(reference, candidate),
            Nets::CrossSection(nets) => nets.disc.forward(reference, candidate),
        }
    }
}

/// A reparameterised sample `mu + exp(logvar / 2) * eps` with `eps` from `rng`.
pub(super) fn sample(mu: &Tensor, logvar: &Tensor, rng: &mut ChaCha8Rng) -> Tensor {
    let size = mu.size();
    mu + (logvar * 0.5).exp() * normal_noise(rng, [size[0], size[1]], mu.device())
}

impl SavedModel for MathieuModel {
    type Config = MathieuConfig;
    const FORMAT: &'static str = "tsd-mathieu-v2";

    /// A freshly initialised model; initialisation depends only on `config.seed`.
    fn new(config: MathieuConfig, spec: ModelSpec, device: Device) -> Self {
        crate::common::tensors::seeded(config.seed, || Self::build(config, spec, device))
    }

    fn stores(&self) -> Vec<(&'static str, &VarStore)> {
        vec![("gen/", &self.gen_vs), ("disc/", &self.disc_vs)]
    }

    fn config(&self) -> &MathieuConfig {
        &self.config
    }

    fn spec(&self) -> &ModelSpec {
        &self.spec
    }
}

/// The baseline has no network of its own that reads a code (its
/// discriminator judges images), so it reports no own scores.
impl Model for MathieuModel {}

impl Disentangler for MathieuModel {
    fn device(&self) -> Device {
        self.gen_vs.device()
    }

    fn normalization(&self) -> Normalization {
        self.spec.normalization
    }

    /// S and the mean of Z.
    fn encode(&self, images: &Tensor) -> Codes {
        let e = tch::no_grad(|| self.encoded(images));
        Codes { s: e.s, z: e.mu }
    }

    /// S, the mean of Z and one reparameterised sample of Z per image, from one encoder pass.
    fn encode_sampled(&self, images: &Tensor, rng: &mut ChaCha8Rng) -> (Codes, Option<Tensor>) {
        let e = tch::no_grad(|| self.encoded(images));
        let z_sample = sample(&e.mu, &e.logvar, rng);
        (Codes { s: e.s, z: e.mu }, Some(z_sample))
    }

    fn decode(&self, s: &Tensor, z: &Tensor) -> Tensor {
        tch::no_grad(|| self.generate(s, z, None))
    }

    fn decode_given(&self, s: &Tensor, z: &Tensor, inputs: &Tensor) -> Tensor {
        tch::no_grad(|| self.generate(s, z, Some(inputs)))
    }

    fn reconstructed(&self, inputs: &Tensor) -> Tensor {
        self.spec.reconstructed(inputs)
    }
}
