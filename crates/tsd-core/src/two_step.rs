//! The two-step model (Hadad, Wolf & Shahar, CVPR 2018): step 1 trains an
//! S-encoder with a classifier; step 2 freezes it and trains a Z-encoder and a
//! decoder to reconstruct the image while an adversary, trained on detached Z,
//! tries to read the label from Z.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::{Device, Kind, Reduction, Tensor};
use tsd_data::{Dataset, Normalization};

use crate::checkpoint::{self, TensorMap};
use crate::config::{OptimizerKind, ReconLoss, TwoStepConfig};
use crate::model::{Codes, Disentangler, ModelSpec};
use crate::nets::{ConvEncoder, Decoder, Mlp};
use crate::optim::Optimizer;
use crate::tensors::TensorData;
use crate::train::{EpochContext, Trainable};
use crate::{CoreError, Result};

/// Format tag stored in saved two-step models.
const FORMAT: &str = "tsd-two-step-v1";

/// The networks of the two-step model, each trained part in its own [`VarStore`].
#[derive(Debug)]
pub struct TwoStepModel {
    /// Hyper-parameters.
    pub config: TwoStepConfig,
    /// Data shape and normalisation.
    pub spec: ModelSpec,
    /// S-encoder and classifier (step 1, frozen in step 2).
    pub s_vs: VarStore,
    enc_s: ConvEncoder,
    classifier: Mlp,
    /// Z-encoder and decoder (step 2).
    pub z_vs: VarStore,
    enc_z: ConvEncoder,
    decoder: Decoder,
    /// Adversary on Z (step 2).
    pub adv_vs: VarStore,
    adversary: Mlp,
}

impl TwoStepModel {
    /// A freshly initialised model; initialisation depends only on `config.seed`.
    pub fn new(config: TwoStepConfig, spec: ModelSpec, device: Device) -> Self {
        crate::tensors::seeded(config.seed, || Self::build(config, spec, device))
    }

    fn build(config: TwoStepConfig, spec: ModelSpec, device: Device) -> Self {
        let c = &config;
        let s_vs = VarStore::new(device);
        let (shape, bn) = ((spec.channels, spec.side), c.bn_momentum);
        let enc_s = ConvEncoder::new(&(s_vs.root() / "enc_s"), shape, c.nf, c.enc_hidden, c.s_dim, bn);
        let cls = &c.step1.classifier;
        let classifier = Mlp::new(&(s_vs.root() / "classifier"), c.s_dim, cls.width, cls.depth, spec.n_classes, bn);
        let z_vs = VarStore::new(device);
        let enc_z = ConvEncoder::new(&(z_vs.root() / "enc_z"), shape, c.nf, c.enc_hidden, c.z_dim, bn);
        let decoder = Decoder::new(&(z_vs.root() / "decoder"), c.s_dim + c.z_dim, spec.channels, spec.side, c.nf);
        let adv_vs = VarStore::new(device);
        let adv = &c.step2.adversary.mlp;
        let adversary = Mlp::new(&(adv_vs.root() / "adversary"), c.z_dim, adv.width, adv.depth, spec.n_classes, bn);
        TwoStepModel { config, spec, s_vs, enc_s, classifier, z_vs, enc_z, decoder, adv_vs, adversary }
    }

    /// Classifier logits from S, evaluation mode.
    pub fn classify(&self, images: &Tensor) -> Tensor {
        tch::no_grad(|| self.classifier.forward_t(&self.enc_s.forward_t(images, false), false))
    }

    /// Decoder output before its final activation (for the loss).
    fn decode_raw(&self, s: &Tensor, z: &Tensor) -> Tensor {
        self.decoder.forward(&Tensor::cat(&[z, s], 1))
    }

    /// Reconstruction loss of raw decoder output against `target`.
    fn recon_loss(&self, raw: &Tensor, target: &Tensor) -> Tensor {
        match self.config.recon {
            ReconLoss::Mse => raw.mse_loss(target, Reduction::Mean),
            ReconLoss::Bce => raw.binary_cross_entropy_with_logits::<Tensor>(target, None, None, Reduction::Mean),
        }
    }

    fn named_tensors(&self) -> Vec<(String, Tensor)> {
        let mut out = checkpoint::var_tensors(&self.s_vs, "s/");
        out.extend(checkpoint::var_tensors(&self.z_vs, "z/"));
        out.extend(checkpoint::var_tensors(&self.adv_vs, "adv/"));
        out
    }

    fn load_tensors(&self, tensors: &TensorMap, path: &Path) -> Result<()> {
        checkpoint::load_vars(&self.s_vs, "s/", tensors, path)?;
        checkpoint::load_vars(&self.z_vs, "z/", tensors, path)?;
        checkpoint::load_vars(&self.adv_vs, "adv/", tensors, path)
    }

    /// Saves weights, config and spec to one safetensors file (atomically).
    pub fn save(&self, path: &Path) -> Result<()> {
        checkpoint::save_model(path, FORMAT, &self.config, &self.spec, &self.named_tensors())
    }

    /// Loads a model written by [`TwoStepModel::save`].
    pub fn load(path: &Path, device: Device) -> Result<Self> {
        let (tensors, config, spec) = checkpoint::load_model(path, FORMAT, device)?;
        let model = TwoStepModel::new(config, spec, device);
        model.load_tensors(&tensors, path)?;
        Ok(model)
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
        let raw = tch::no_grad(|| self.decode_raw(s, z));
        match self.config.recon {
            ReconLoss::Mse => raw,
            ReconLoss::Bce => raw.sigmoid(),
        }
    }
}

/// Mean cross-entropy of `logits` against `labels`, reading the true
/// class's softmax probability clipped to `[clip, 1 - clip]` (Keras'
/// `categorical_crossentropy`); `clip <= 0` is the plain cross-entropy.
fn clipped_cross_entropy(logits: &Tensor, labels: &Tensor, clip: f64) -> Tensor {
    if clip <= 0.0 {
        return logits.cross_entropy_for_logits(labels);
    }
    let p = logits.softmax(-1, logits.kind()).gather(1, &labels.unsqueeze(1), false);
    -p.clamp(clip, 1.0 - clip).log().mean(logits.kind())
}

/// Number of rows of `logits` whose argmax equals `labels`.
fn correct(logits: &Tensor, labels: &Tensor) -> f64 {
    logits.argmax(-1, false).eq_tensor(labels).to_kind(Kind::Float).sum(Kind::Float).double_value(&[])
}

/// Trains a [`TwoStepModel`]: phase 0 is step 1, phase 1 is step 2.
#[derive(Debug)]
pub struct TwoStepTrainer<'a> {
    model: &'a mut TwoStepModel,
    train: TensorData,
    val: TensorData,
    opt_s: Optimizer,
    opt_z: Optimizer,
    opt_adv: Optimizer,
    /// Best step-1 weights so far and their validation accuracy.
    best_s: Option<(f64, Vec<(String, Tensor)>)>,
}

impl<'a> TwoStepTrainer<'a> {
    /// A trainer over `train` (fitting) and `val` (model selection, monitoring).
    pub fn new(model: &'a mut TwoStepModel, train: &Dataset, val: &Dataset) -> Self {
        let device = model.device();
        let norm = model.spec.normalization;
        let c = &model.config;
        let opt_s = Optimizer::new(&model.s_vs, OptimizerKind::Adam, c.step1.lr, 0.9);
        let opt_z = Optimizer::new(&model.z_vs, OptimizerKind::Adam, c.step2.lr, c.step2.beta1);
        let adv = &c.step2.adversary;
        let opt_adv = Optimizer::new(&model.adv_vs, adv.optimizer, adv.lr, 0.9);
        TwoStepTrainer {
            train: TensorData::new(train, norm, device),
            val: TensorData::new(val, norm, device),
            model,
            opt_s,
            opt_z,
            opt_adv,
            best_s: None,
        }
    }

    fn step1_epoch(&mut self, epoch: usize, ctx: &EpochContext) -> Result<Vec<(&'static str, f64)>> {
        let m = &*self.model;
        let batches = self.train.shuffled_batches(m.config.batch_size, m.config.seed, epoch);
        let mut bar = ctx.progress(batches.len());
        let (mut loss_sum, mut hits, mut seen) = (0.0, 0.0, 0usize);
        for (b, (x, y)) in batches.enumerate() {
            let logits = m.classifier.forward_t(&m.enc_s.forward_t(&x, true), true);
            let loss = logits.cross_entropy_for_logits(&y);
            let value = loss.double_value(&[]);
            ctx.check_finite(b, "classifier cross-entropy", value)?;
            self.opt_s.backward_step(&loss);
            let n = y.size()[0] as usize;
            loss_sum += value * n as f64;
            hits += correct(&logits.detach(), &y);
            seen += n;
            bar.inc(1);
            bar.set_message(format!("loss {:.4} acc {:.3}", loss_sum / seen as f64, hits / seen as f64));
        }
        bar.finish_and_clear();
        let rate = seen as f64 / bar.elapsed().as_secs_f64().max(1e-9);
        let val_acc = m.s_classifier_accuracy(&self.val);
        if self.best_s.as_ref().is_none_or(|(best, _)| val_acc > *best) {
            self.best_s = Some((val_acc, checkpoint::snapshot(&checkpoint::var_tensors(&m.s_vs, ""))));
        }
        Ok(vec![
            ("loss", loss_sum / seen.max(1) as f64),
            ("acc", hits / seen.max(1) as f64),
            ("val_acc", val_acc),
            ("samples_per_s", rate),
        ])
    }

    fn step2_epoch(&mut self, epoch: usize, ctx: &EpochContext) -> Result<Vec<(&'static str, f64)>> {
        let m = &*self.model;
        let c = &m.config.step2;
        let batches = self.train.shuffled_batches(m.config.batch_size, m.config.seed, epoch);
        let mut bar = ctx.progress(batches.len());
        let (mut adv_loss_sum, mut adv_hits, mut seen) = (0.0, 0.0, 0usize);
        let (mut rec_sum, mut ed_steps) = (0.0, 0usize);
        for (b, (x, y)) in batches.enumerate() {
            // As in the released code: the encoder/decoder step comes first,
            // then the adversary steps on the updated encoder's codes.
            if c.schedule.steps_encoder(epoch, b) {
                let s = tch::no_grad(|| m.enc_s.forward_t(&x, false));
                let z = m.enc_z.forward_t(&x, true);
                let rec = m.recon_loss(&m.decode_raw(&s, &z), &x);
                let adv = clipped_cross_entropy(&m.adversary.forward_t(&z, true), &y, c.ce_clip);
                let loss = &rec * c.lambda_rec - &adv * c.lambda_adv;
                let rec_value = rec.double_value(&[]);
                ctx.check_finite(b, "reconstruction", rec_value)?;
                ctx.check_finite(b, "encoder/decoder total", loss.double_value(&[]))?;
                self.opt_z.backward_step(&loss);
                rec_sum += rec_value;
                ed_steps += 1;
            }
            let z_fixed = tch::no_grad(|| m.enc_z.forward_t(&x, false));
            let mut adv_loss = 0.0;
            for _ in 0..c.adversary.steps_per_batch.max(1) {
                let logits = m.adversary.forward_t(&z_fixed, true);
                let loss = clipped_cross_entropy(&logits, &y, c.ce_clip);
                adv_loss = loss.double_value(&[]);
                ctx.check_finite(b, "adversary cross-entropy", adv_loss)?;
                self.opt_adv.backward_step(&loss);
            }
            let n = y.size()[0] as usize;
            adv_loss_sum += adv_loss * n as f64;
            adv_hits += correct(&tch::no_grad(|| m.adversary.forward_t(&z_fixed, false)), &y);
            seen += n;
            bar.inc(1);
            bar.set_message(format!(
                "adv loss {:.3} adv acc {:.3} rec {:.4}",
                adv_loss_sum / seen as f64,
                adv_hits / seen as f64,
                rec_sum / ed_steps.max(1) as f64
            ));
        }
        bar.finish_and_clear();
        let rate = seen as f64 / bar.elapsed().as_secs_f64().max(1e-9);
        let val = m.evaluate_tensors(&self.val);
        let mut row = vec![
            ("adv_loss", adv_loss_sum / seen.max(1) as f64),
            ("adv_acc", adv_hits / seen.max(1) as f64),
            ("val_rec", val.reconstruction_loss),
            ("val_adv_acc", val.adversary_accuracy),
            ("encoder_steps", ed_steps as f64),
            ("samples_per_s", rate),
        ];
        if ed_steps > 0 {
            row.insert(0, ("rec", rec_sum / ed_steps as f64));
        }
        Ok(row)
    }
}

impl Trainable for TwoStepTrainer<'_> {
    fn phases(&self) -> Vec<(&'static str, usize)> {
        vec![("step1", self.model.config.step1.epochs), ("step2", self.model.config.step2.epochs)]
    }

    fn train_epoch(&mut self, phase: usize, epoch: usize, ctx: &EpochContext) -> Result<Vec<(&'static str, f64)>> {
        match phase {
            0 => self.step1_epoch(epoch, ctx),
            _ => {
                self.model.s_vs.freeze();
                self.step2_epoch(epoch, ctx)
            }
        }
    }

    fn end_phase(&mut self, phase: usize) -> Result<()> {
        if phase == 0 {
            if let Some((_, best)) = &self.best_s {
                let map: TensorMap = best.iter().map(|(n, t)| (n.clone(), t.shallow_clone())).collect();
                checkpoint::load_vars(&self.model.s_vs, "", &map, Path::new("<best step-1 weights>"))?;
            }
        }
        Ok(())
    }

    fn state(&self) -> Vec<(String, Tensor)> {
        let mut out = self.model.named_tensors();
        out.extend(self.opt_s.state("opt_s/"));
        out.extend(self.opt_z.state("opt_z/"));
        out.extend(self.opt_adv.state("opt_adv/"));
        if let Some((acc, best)) = &self.best_s {
            out.push(("best_s_val_acc".into(), Tensor::from_slice(&[*acc as f32])));
            out.extend(best.iter().map(|(n, t)| (format!("best_s/{n}"), t.shallow_clone())));
        }
        out
    }

    fn load_state(&mut self, tensors: &TensorMap, path: &Path) -> Result<()> {
        self.model.load_tensors(tensors, path)?;
        self.opt_s.load_state("opt_s/", tensors)?;
        self.opt_z.load_state("opt_z/", tensors)?;
        self.opt_adv.load_state("opt_adv/", tensors)?;
        self.best_s = match tensors.get("best_s_val_acc") {
            None => None,
            Some(acc) => {
                let best = checkpoint::var_tensors(&self.model.s_vs, "")
                    .into_iter()
                    .map(|(n, _)| {
                        let t = tensors.get(&format!("best_s/{n}")).ok_or_else(|| CoreError::BadCheckpoint {
                            path: path.to_path_buf(),
                            problem: format!("best_s/{n} missing"),
                        })?;
                        Ok((n, t.to_device(self.model.device())))
                    })
                    .collect::<Result<Vec<_>>>()?;
                Some((acc.double_value(&[0]), best))
            }
        };
        Ok(())
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
    /// Classifier accuracy on S, adversary accuracy on Z and reconstruction loss over `data`.
    pub fn evaluate(&self, data: &Dataset) -> TwoStepEval {
        self.evaluate_tensors(&TensorData::new(data, self.spec.normalization, self.device()))
    }

    fn evaluate_tensors(&self, data: &TensorData) -> TwoStepEval {
        let (mut cls, mut adv, mut rec) = (0.0, 0.0, 0.0);
        for (x, y) in data.ordered_batches(self.config.batch_size.max(1)) {
            let codes = self.encode(&x);
            tch::no_grad(|| {
                cls += correct(&self.classifier.forward_t(&codes.s, false), &y);
                adv += correct(&self.adversary.forward_t(&codes.z, false), &y);
                let loss = self.recon_loss(&self.decode_raw(&codes.s, &codes.z), &x);
                rec += loss.double_value(&[]) * x.size()[0] as f64;
            });
        }
        let n = data.len().max(1) as f64;
        TwoStepEval { s_classifier_accuracy: cls / n, adversary_accuracy: adv / n, reconstruction_loss: rec / n }
    }

    /// Accuracy of the step-1 classifier over `data`, running only the
    /// S-encoder and the classifier (step 1's validation: Z, the decoder and
    /// the adversary are not trained yet, and the decoder is the costly part).
    fn s_classifier_accuracy(&self, data: &TensorData) -> f64 {
        let hits: f64 = data
            .ordered_batches(self.config.batch_size.max(1))
            .into_iter()
            .map(|(x, y)| correct(&self.classify(&x), &y))
            .sum();
        hits / data.len().max(1) as f64
    }
}
