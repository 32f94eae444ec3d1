//! The networks of the two-step model, its model file and its test-set
//! evaluation (own classifier on S, own adversary on Z).

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::{Device, Kind, Reduction, Tensor};
use tsd_data::{Dataset, Normalization};

use super::config::{ReconLoss, TwoStepConfig};
use super::nets::{CodeDecoder, Encoder};
use crate::common::layers::Mlp;
use crate::common::saved::SavedModel;
use crate::common::tensors::{TensorData, EVAL_BATCH};
use crate::method::{Code, Model, OwnScore};
use crate::model::{Codes, Disentangler, ModelSpec};

/// The networks of the two-step model, each trained part in its own [`VarStore`].
#[derive(Debug)]
pub struct TwoStepModel {
    /// Hyper-parameters.
    pub config: TwoStepConfig,
    /// Data shape and normalisation.
    pub spec: ModelSpec,
    /// S-encoder and classifier (step 1, frozen in step 2).
    pub s_vs: VarStore,
    pub(super) enc_s: Encoder,
    pub(super) classifier: Mlp,
    /// Z-encoder and decoder (step 2).
    pub z_vs: VarStore,
    pub(super) enc_z: Encoder,
    decoder: CodeDecoder,
    /// Adversary on Z (step 2).
    pub adv_vs: VarStore,
    pub(super) adversary: Mlp,
}

impl TwoStepModel {
    fn build(config: TwoStepConfig, spec: ModelSpec, device: Device) -> Self {
        let c = &config;
        let s_vs = VarStore::new(device);
        let (net, bn) = (&c.network, c.bn_momentum);
        let enc_s = Encoder::new(&(s_vs.root() / "enc_s"), net, &spec, c.nf, c.enc_hidden, c.s_dim, bn);
        let cls = &c.step1.classifier;
        let classifier = Mlp::new(&(s_vs.root() / "classifier"), c.s_dim, cls.width, cls.depth, spec.n_classes, bn);
        let z_vs = VarStore::new(device);
        let enc_z = Encoder::new(&(z_vs.root() / "enc_z"), net, &spec, c.nf, c.enc_hidden, c.z_dim, bn);
        let decoder = CodeDecoder::new(&(z_vs.root() / "decoder"), net, &spec, c.s_dim + c.z_dim, c.nf);
        let adv_vs = VarStore::new(device);
        let adversary = Self::new_adversary(&adv_vs, c, &spec);
        TwoStepModel { config, spec, s_vs, enc_s, classifier, z_vs, enc_z, decoder, adv_vs, adversary }
    }

    /// The adversary of `config` on Z, built under `vs`.
    fn new_adversary(vs: &VarStore, config: &TwoStepConfig, spec: &ModelSpec) -> Mlp {
        let adv = &config.step2.adversary.mlp;
        Mlp::new(&(vs.root() / "adversary"), config.z_dim, adv.width, adv.depth, spec.n_classes, config.bn_momentum)
    }

    /// Gives the adversary fresh weights and BatchNorm statistics, as a
    /// model of `config` with seed `seed` would start with.
    pub(super) fn reinit_adversary(&self, seed: u64) {
        let fresh = VarStore::new(self.device());
        crate::common::tensors::seeded(seed, || Self::new_adversary(&fresh, &self.config, &self.spec));
        let fresh = fresh.variables();
        tch::no_grad(|| {
            for (name, mut var) in self.adv_vs.variables() {
                var.copy_(&fresh[&name]);
            }
        });
    }

    /// Classifier logits from S, evaluation mode.
    pub fn classify(&self, images: &Tensor) -> Tensor {
        tch::no_grad(|| self.classifier.forward_t(&self.enc_s.forward_t(images, false), false))
    }

    /// Decoder output before its final activation (for the loss), for
    /// inputs like `inputs` (whose context a cross-section decoder reads).
    pub(super) fn decode_raw(&self, s: &Tensor, z: &Tensor, inputs: Option<&Tensor>) -> Tensor {
        self.decoder.forward(&Tensor::cat(&[z, s], 1), inputs)
    }

    /// Reconstruction loss of raw decoder output against the part of
    /// `inputs` the decoder gives back.
    pub(super) fn recon_loss(&self, raw: &Tensor, inputs: &Tensor) -> Tensor {
        let target = &self.spec.reconstructed(inputs);
        match self.config.recon {
            ReconLoss::Mse => raw.mse_loss(target, Reduction::Mean),
            ReconLoss::Bce => raw.binary_cross_entropy_with_logits::<Tensor>(target, None, None, Reduction::Mean),
        }
    }
}

impl SavedModel for TwoStepModel {
    type Config = TwoStepConfig;
    const FORMAT: &'static str = "tsd-two-step-v1";

    /// A freshly initialised model; initialisation depends only on `config.seed`.
    fn new(config: TwoStepConfig, spec: ModelSpec, device: Device) -> Self {
        crate::common::tensors::seeded(config.seed, || Self::build(config, spec, device))
    }

    fn stores(&self) -> Vec<(&'static str, &VarStore)> {
        vec![("s/", &self.s_vs), ("z/", &self.z_vs), ("adv/", &self.adv_vs)]
    }

    fn config(&self) -> &TwoStepConfig {
        &self.config
    }

    fn spec(&self) -> &ModelSpec {
        &self.spec
    }
}

impl Model for TwoStepModel {
    /// The step-1 classifier on S and the step-2 adversary on Z.
    fn own_scores(&self, test: &Dataset) -> Vec<OwnScore> {
        let eval = self.evaluate(test);
        vec![
            OwnScore { network: "classifier".into(), code: Code::S, accuracy: eval.s_classifier_accuracy },
            OwnScore { network: "adversary".into(), code: Code::Z, accuracy: eval.adversary_accuracy },
        ]
    }
}

impl Disentangler for TwoStepModel {
    fn device(&self) -> Device {
        self.s_vs.device()
    }

    fn normalization(&self) -> Normalization {
        self.spec.normalization
    }

    fn encode(&self, images: &Tensor) -> Codes {
        tch::no_grad(|| Codes { s: self.enc_s.forward_t(images, false), z: self.enc_z.forward_t(images, false) })
    }

    fn decode(&self, s: &Tensor, z: &Tensor) -> Tensor {
        self.activate(tch::no_grad(|| self.decode_raw(s, z, None)))
    }

    fn decode_given(&self, s: &Tensor, z: &Tensor, inputs: &Tensor) -> Tensor {
        self.activate(tch::no_grad(|| self.decode_raw(s, z, Some(inputs))))
    }

    fn reconstructed(&self, inputs: &Tensor) -> Tensor {
        self.spec.reconstructed(inputs)
    }
}

/// Test-set figures of a trained two-step model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TwoStepEval {
    /// Accuracy of the step-1 classifier on S.
    pub s_classifier_accuracy: f64,
    /// Accuracy of the model's own adversary on Z (not a fresh probe).
    pub adversary_accuracy: f64,
    /// Mean reconstruction loss (the training loss: MSE or BCE).
    pub reconstruction_loss: f64,
}

impl TwoStepModel {
    /// The decoder's final activation on its raw output.
    fn activate(&self, raw: Tensor) -> Tensor {
        match self.config.recon {
            ReconLoss::Mse => raw,
            ReconLoss::Bce => raw.sigmoid(),
        }
    }

    /// Classifier accuracy on S, adversary accuracy on Z and reconstruction loss over `data`.
    pub fn evaluate(&self, data: &Dataset) -> TwoStepEval {
        self.evaluate_tensors(&TensorData::new(data, self.spec.normalization, self.device()))
    }

    pub(super) fn evaluate_tensors(&self, data: &TensorData) -> TwoStepEval {
        let (mut cls, mut adv, mut rec) = (0.0, 0.0, 0.0);
        for (x, y) in data.ordered_batches(self.config.batch_size.max(1)) {
            let codes = self.encode(&x);
            tch::no_grad(|| {
                cls += correct(&self.classifier.forward_t(&codes.s, false), &y);
                adv += correct(&self.adversary.forward_t(&codes.z, false), &y);
                let loss = self.recon_loss(&self.decode_raw(&codes.s, &codes.z, Some(&x)), &x);
                rec += loss.double_value(&[]) * x.size()[0] as f64;
            });
        }
        let n = data.len().max(1) as f64;
        TwoStepEval { s_classifier_accuracy: cls / n, adversary_accuracy: adv / n, reconstruction_loss: rec / n }
    }

    /// Mean reconstruction loss over `data` whose S is `s` (evaluation mode,
    /// large chunks) and the Z of every example.
    pub(super) fn reconstruction_and_z(&self, data: &TensorData, s: &Tensor) -> (f64, Tensor) {
        let z = self.enc_z.encode_all(&data.images);
        let n = data.len() as i64;
        let mut rec = 0.0;
        tch::no_grad(|| {
            for start in (0..n).step_by(EVAL_BATCH as usize) {
                let len = EVAL_BATCH.min(n - start);
                let x = data.images.narrow(0, start, len);
                let raw = self.decode_raw(&s.narrow(0, start, len), &z.narrow(0, start, len), Some(&x));
                rec += self.recon_loss(&raw, &x).double_value(&[]) * len as f64;
            }
        });
        (rec / data.len().max(1) as f64, z)
    }

    /// Accuracy of the adversary on the codes `z` of examples labelled `labels`.
    pub(super) fn adversary_accuracy(&self, z: &Tensor, labels: &Tensor) -> f64 {
        let logits = crate::common::tensors::map_chunks(z, |z| self.adversary.forward_t(z, false));
        correct(&logits, labels) / labels.size()[0].max(1) as f64
    }

    /// Accuracy of the step-1 classifier over `data`, running only the
    /// S-encoder and the classifier (step 1's validation: Z, the decoder and
    /// the adversary are not trained yet, and the decoder is the costly part).
    pub(super) fn s_classifier_accuracy(&self, data: &TensorData) -> f64 {
        let hits: f64 = data
            .ordered_batches(self.config.batch_size.max(1))
            .into_iter()
            .map(|(x, y)| correct(&self.classify(&x), &y))
            .sum();
        hits / data.len().max(1) as f64
    }
}

/// Number of rows of `logits` whose argmax equals `labels`.
pub(super) fn correct(logits: &Tensor, labels: &Tensor) -> f64 {
    correct_t(logits, labels).double_value(&[])
}

/// [`correct`] as a scalar tensor on the logits' device (no host read).
pub(super) fn correct_t(logits: &Tensor, labels: &Tensor) -> Tensor {
    logits.argmax(-1, false).eq_tensor(labels).sum(Kind::Int64)
}
