//! The networks of the baseline in their variable stores, and its model file.

use rand_chacha::ChaCha8Rng;
use tch::nn::VarStore;
use tch::{Device, Tensor};
use tsd_data::Normalization;

use super::config::MathieuConfig;
use super::nets::{Decoder, Discriminator, Encoder, Sizes};
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
    /// Data shape and normalisation (always `[0, 1]` pixels).
    pub spec: ModelSpec,
    /// Encoder and decoder.
    pub gen_vs: VarStore,
    pub(super) encoder: Encoder,
    pub(super) decoder: Decoder,
    /// Discriminator.
    pub disc_vs: VarStore,
    pub(super) disc: Discriminator,
}

impl MathieuModel {
    fn build(config: MathieuConfig, spec: ModelSpec, device: Device) -> Self {
        let sizes = Sizes::new(spec.channels, spec.side, config.nf, config.init_std);
        let gen_vs = VarStore::new(device);
        let encoder = Encoder::new(&(gen_vs.root() / "encoder"), sizes, config.s_dim, config.z_dim);
        let decoder = Decoder::new(&(gen_vs.root() / "decoder"), sizes, config.s_dim, config.z_dim);
        let disc_vs = VarStore::new(device);
        let disc = Discriminator::new(&(disc_vs.root() / "discriminator"), sizes);
        MathieuModel { config, spec, gen_vs, encoder, decoder, disc_vs, disc }
    }

    /// Images from codes, in `[0, 1]` (with gradients when enabled).
    pub(super) fn generate(&self, s: &Tensor, z: &Tensor) -> Tensor {
        self.decoder.forward(s, z).sigmoid()
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
        let e = tch::no_grad(|| self.encoder.forward(images));
        Codes { s: e.s, z: e.mu }
    }

    /// S, the mean of Z and one reparameterised sample of Z per image, from one encoder pass.
    fn encode_sampled(&self, images: &Tensor, rng: &mut ChaCha8Rng) -> (Codes, Option<Tensor>) {
        let e = tch::no_grad(|| self.encoder.forward(images));
        let z_sample = sample(&e.mu, &e.logvar, rng);
        (Codes { s: e.s, z: e.mu }, Some(z_sample))
    }

    fn decode(&self, s: &Tensor, z: &Tensor) -> Tensor {
        tch::no_grad(|| self.generate(s, z))
    }
}
