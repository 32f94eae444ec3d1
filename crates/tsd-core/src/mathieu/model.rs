//! The networks of the baseline in their variable stores, and its model file.

use tch::nn::VarStore;
use tch::{Device, Tensor};
use tsd_data::Normalization;

use super::config::MathieuConfig;
use super::nets::{Decoder, Discriminator, Encoder, Sizes};
use crate::common::config::InputScaling;
use crate::common::saved::SavedModel;
use crate::method::Model;
use crate::model::{Codes, Disentangler, ModelSpec};

/// The networks of the baseline: generator (encoder + decoder) and discriminator,
/// each in its own [`VarStore`].
#[derive(Debug)]
pub struct MathieuModel {
    /// Hyper-parameters.
    pub config: MathieuConfig,
    /// Data shape and normalisation.
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
        let sizes = Sizes {
            channels: spec.channels,
            side: spec.side,
            nf: config.nf,
            hidden: config.hidden,
            bn_momentum: config.bn_momentum,
        };
        let gen_vs = VarStore::new(device);
        let encoder = Encoder::new(&(gen_vs.root() / "encoder"), sizes, config.s_dim, config.z_dim);
        let decoder = Decoder::new(&(gen_vs.root() / "decoder"), sizes, config.s_dim, config.z_dim);
        let disc_vs = VarStore::new(device);
        let disc = Discriminator::new(&(disc_vs.root() / "discriminator"), sizes, spec.n_classes);
        MathieuModel { config, spec, gen_vs, encoder, decoder, disc_vs, disc }
    }

    /// The decoder's output activation for the input scaling.
    pub(super) fn activate(&self, raw: Tensor) -> Tensor {
        match self.config.scaling {
            InputScaling::Symmetric => raw.tanh(),
            InputScaling::Unit => raw.sigmoid(),
            InputScaling::Standardize => raw,
        }
    }
}

impl SavedModel for MathieuModel {
    type Config = MathieuConfig;
    const FORMAT: &'static str = "tsd-mathieu-v1";

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

    fn encode(&self, images: &Tensor) -> Codes {
        let e = tch::no_grad(|| self.encoder.forward_t(images, false));
        Codes { s: e.s, z: e.mu }
    }

    fn decode(&self, s: &Tensor, z: &Tensor) -> Tensor {
        self.activate(tch::no_grad(|| self.decoder.forward_t(s, z, false)))
    }
}
