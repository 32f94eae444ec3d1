//! Training of the two-step model: step 1 fits the S-encoder and its
//! classifier (best validation epoch kept); step 2 freezes them and trains the
//! Z-encoder and decoder against an adversary on Z, in the released order.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};
use tsd_data::Dataset;

use super::config::Schedule;
use super::matching::{class_mmd, confusion, Matching};
use super::model::{correct_t, TwoStepModel};
use crate::common::checkpoint::{self, TensorMap};
use crate::common::config::OptimizerKind;
use crate::common::optim::Optimizer;
use crate::common::tensors::{epoch_rng, normal_noise, TensorData};
use crate::model::Disentangler;
use crate::train::{EpochContext, History, LossGuard, Trainable};
use crate::{CoreError, Result};

/// What one epoch of two-step training measured, by phase (the `phase`
/// column of `log.csv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "lowercase")]
pub enum TwoStepEpoch {
    /// Step 1: the S-encoder and its classifier.
    Step1(Step1Figures),
    /// Step 2: the Z-encoder and decoder against the adversary.
    Step2(Step2Figures),
}

/// A step-1 epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step1Figures {
    /// Mean classifier cross-entropy over the epoch's batches.
    pub loss: f64,
    /// Training accuracy of the classifier (train mode, as it trained).
    pub acc: f64,
    /// Validation accuracy of the classifier (evaluation mode).
    pub val_acc: f64,
    /// Training images per second (validation excluded).
    pub samples_per_s: f64,
}

/// A step-2 epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step2Figures {
    /// Mean reconstruction loss of the encoder/decoder steps; `None` in an
    /// epoch where the schedule gave them none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rec: Option<f64>,
    /// Mean adversary cross-entropy (its last step on each batch).
    pub adv_loss: f64,
    /// The adversary's accuracy on the training batches' Z, read from the
    /// logits of its last step on each batch (training mode, before that update).
    pub adv_acc: f64,
    /// Validation reconstruction loss.
    pub val_rec: f64,
    /// The adversary's validation accuracy on Z.
    pub val_adv_acc: f64,
    /// Encoder/decoder steps taken (a count, kept as a number of the log).
    pub encoder_steps: f64,
    /// Matched Z: mean class-conditional MMD^2 of the encoder/decoder steps
    /// (`None` for the two-step method and epochs without such steps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mmd: Option<f64>,
    /// Matched Z: mean `KL(U || adversary)` of the encoder/decoder steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confusion: Option<f64>,
    /// Training images per second (validation excluded).
    pub samples_per_s: f64,
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
    /// Codes and validation figures step 2 reuses.
    cache: Step2Cache,
}

impl<'a> TwoStepTrainer<'a> {
    /// A trainer over `train` (fitting) and `val` (model selection, monitoring).
    pub fn new(model: &'a mut TwoStepModel, train: &Dataset, val: &Dataset) -> Self {
        let (device, norm) = (model.device(), model.spec.normalization);
        Self::from_tensors(model, TensorData::new(train, norm, device), TensorData::new(val, norm, device))
    }

    /// A trainer over data already held as tensors on the model's device
    /// (e.g. return windows, [`TensorData::from_series`]).
    pub fn from_tensors(model: &'a mut TwoStepModel, train: TensorData, val: TensorData) -> Self {
        let c = &model.config;
        let opt_s = Optimizer::new(&model.s_vs, OptimizerKind::Adam, c.step1.lr, 0.9);
        let opt_z = Optimizer::new(&model.z_vs, OptimizerKind::Adam, c.step2.lr, c.step2.beta1);
        let opt_adv = adversary_optimizer(model);
        TwoStepTrainer { train, val, model, opt_s, opt_z, opt_adv, best_s: None, cache: Step2Cache::default() }
    }

    fn step1_epoch(&mut self, epoch: usize, ctx: &EpochContext) -> Result<Step1Figures> {
        let m = &*self.model;
        let batches = self.train.shuffled_batches(m.config.batch_size, m.config.seed, epoch);
        let mut bar = ctx.progress(batches.len());
        let mut guard = LossGuard::default();
        let (mut loss_sum, mut hits) = (DeviceSum::new(m.device()), DeviceSum::new(m.device()));
        let mut seen = 0usize;
        for (b, (x, y)) in batches.enumerate() {
            let logits = m.classifier.forward_t(&m.enc_s.forward_t(&x, true), true);
            let loss = logits.cross_entropy_for_logits(&y);
            guard.watch(b, "classifier cross-entropy", &loss);
            self.opt_s.backward_step(&loss);
            let n = y.size()[0] as usize;
            loss_sum.add(&(&loss.detach() * n as f64));
            hits.add(&correct_t(&logits.detach(), &y));
            seen += n;
            bar.inc(1)?;
            if LossGuard::due(b) {
                guard.check(ctx)?;
                bar.set_message(format!("loss {:.4} acc {:.3}", loss_sum.mean(seen), hits.mean(seen)));
            }
        }
        guard.check(ctx)?;
        bar.finish_and_clear();
        let rate = seen as f64 / bar.elapsed().as_secs_f64().max(1e-9);
        let val_acc = m.s_classifier_accuracy(&self.val);
        if self.best_s.as_ref().is_none_or(|(best, _)| val_acc > *best) {
            self.best_s = Some((val_acc, checkpoint::snapshot(&checkpoint::var_tensors(&m.s_vs, ""))));
        }
        Ok(Step1Figures { loss: loss_sum.mean(seen), acc: hits.mean(seen), val_acc, samples_per_s: rate })
    }

    fn step2_epoch(&mut self, epoch: usize, ctx: &EpochContext) -> Result<Step2Figures> {
        let matching = self.model.config.step2.matching.as_ref();
        if let Some(warmup) = matching.filter(|t| t.resets_adversary(epoch)).map(|t| t.adversary_warmup) {
            self.reset_adversary(epoch, warmup, ctx)?;
        }
        let m = &*self.model;
        let c = &m.config.step2;
        let mut terms = c.matching.as_ref().map(|t| MatchingStep::new(t, m.config.seed, epoch, m.device()));
        let batches = self.train.shuffled_indices(m.config.batch_size, m.config.seed, epoch);
        let stepping = (0..batches.len()).any(|b| c.schedule.steps_encoder(epoch, b));
        let cache = &mut self.cache;
        let s_train = cache.s_train.get_or_insert_with(|| m.enc_s.encode_all(&self.train.images)).shallow_clone();
        if !stepping && cache.z_train.is_none() {
            cache.z_train = Some(m.enc_z.encode_all(&self.train.images));
        }
        let mut bar = ctx.progress(batches.len());
        let mut guard = LossGuard::default();
        let device = m.device();
        let (mut adv_loss_sum, mut adv_hits, mut rec_sum) =
            (DeviceSum::new(device), DeviceSum::new(device), DeviceSum::new(device));
        let (mut seen, mut ed_steps) = (0usize, 0usize);
        for (b, idx) in batches.iter().enumerate() {
            let y = self.train.labels.index_select(0, idx);
            // As in the released code: the encoder/decoder step comes first,
            // then the adversary steps on the updated encoder's codes.
            let z_fixed = if c.schedule.steps_encoder(epoch, b) {
                let x = self.train.images.index_select(0, idx);
                let s = s_train.index_select(0, idx);
                let z = m.enc_z.forward_t(&x, true);
                let z_decoded = match terms.as_mut() {
                    Some(t) => t.noisy(&z),
                    None => z.shallow_clone(),
                };
                let rec = m.recon_loss(&m.decode_raw(&s, &z_decoded, Some(&x)), &x);
                let adv_logits = m.adversary.forward_t(&z, true);
                let adv = clipped_cross_entropy(&adv_logits, &y, c.ce_clip);
                let mut loss = &rec * c.lambda_rec - &adv * c.lambda_adv;
                if let Some(t) = terms.as_mut() {
                    loss += t.loss(&z, &y, m.spec.n_classes, &adv_logits);
                }
                guard.watch(b, "reconstruction", &rec);
                guard.watch(b, "encoder/decoder total", &loss);
                self.opt_z.backward_step(&loss);
                cache.invalidate_z();
                rec_sum.add(&rec.detach());
                ed_steps += 1;
                tch::no_grad(|| m.enc_z.forward_t(&x, false))
            } else if let Some(z) = &cache.z_train {
                z.index_select(0, idx)
            } else {
                tch::no_grad(|| m.enc_z.forward_t(&self.train.images.index_select(0, idx), false))
            };
            let n = y.size()[0] as usize;
            for step in 0..c.adversary.steps_per_batch.max(1) {
                let logits = m.adversary.forward_t(&z_fixed, true);
                let loss = clipped_cross_entropy(&logits, &y, c.ce_clip);
                guard.watch(b, "adversary cross-entropy", &loss);
                self.opt_adv.backward_step(&loss);
                if step + 1 == c.adversary.steps_per_batch.max(1) {
                    adv_loss_sum.add(&(&loss.detach() * n as f64));
                    adv_hits.add(&correct_t(&logits.detach(), &y));
                }
            }
            seen += n;
            bar.inc(1)?;
            if LossGuard::due(b) {
                guard.check(ctx)?;
                bar.set_message(format!(
                    "adv loss {:.3} adv acc {:.3} rec {:.4}",
                    adv_loss_sum.mean(seen),
                    adv_hits.mean(seen),
                    rec_sum.mean(ed_steps)
                ));
            }
        }
        guard.check(ctx)?;
        bar.finish_and_clear();
        let rate = seen as f64 / bar.elapsed().as_secs_f64().max(1e-9);
        let (val_rec, val_z) = self.cache.validation(m, &self.val);
        let val_adv_acc = m.adversary_accuracy(&val_z, &self.val.labels);
        Ok(Step2Figures {
            rec: (ed_steps > 0).then(|| rec_sum.mean(ed_steps)),
            adv_loss: adv_loss_sum.mean(seen),
            adv_acc: adv_hits.mean(seen),
            val_rec,
            val_adv_acc,
            encoder_steps: ed_steps as f64,
            mmd: terms.as_ref().filter(|_| ed_steps > 0).map(|t| t.mmd.mean(ed_steps)),
            confusion: terms.as_ref().filter(|_| ed_steps > 0).map(|t| t.confusion.mean(ed_steps)),
            samples_per_s: rate,
        })
    }

    /// Matched Z: a freshly initialised adversary (and optimiser state),
    /// trained for `warmup` passes ([`Matching::adversary_warmup`]) over the
    /// training set's current codes before the epoch's encoder/decoder steps.
    fn reset_adversary(&mut self, epoch: usize, warmup: usize, ctx: &EpochContext) -> Result<()> {
        let m = &*self.model;
        let seed = m.config.seed.wrapping_add(RESET_SALT);
        m.reinit_adversary(seed.wrapping_add(epoch as u64));
        self.opt_adv = adversary_optimizer(m);
        let z = self.cache.z_train.get_or_insert_with(|| m.enc_z.encode_all(&self.train.images)).shallow_clone();
        let mut guard = LossGuard::default();
        for pass in 0..warmup {
            let order = self.train.shuffled_indices(m.config.batch_size, seed, epoch * 1000 + pass);
            for (b, idx) in order.iter().enumerate() {
                let logits = m.adversary.forward_t(&z.index_select(0, idx), true);
                let loss =
                    clipped_cross_entropy(&logits, &self.train.labels.index_select(0, idx), m.config.step2.ce_clip);
                guard.watch(b, "re-initialised adversary cross-entropy", &loss);
                self.opt_adv.backward_step(&loss);
            }
            guard.check(ctx)?;
        }
        Ok(())
    }
}

/// The adversary's optimiser, as its config asks (a fresh state).
fn adversary_optimizer(model: &TwoStepModel) -> Optimizer {
    let adv = &model.config.step2.adversary;
    Optimizer::new(&model.adv_vs, adv.optimizer, adv.lr, 0.9)
}

/// Offset of the seeds of the matched-Z terms' noise and of the adversary's
/// re-initialisation, away from the batch order's.
const RESET_SALT: u64 = 0x006d_6174_6368_6564; // "matched"

/// The matched-Z terms of one step-2 epoch: the noise on Z (drawn from a
/// generator of the seed and epoch, so a resumed run draws the same) and
/// the terms' sums for the log.
struct MatchingStep<'t> {
    terms: &'t Matching,
    rng: rand_chacha::ChaCha8Rng,
    device: tch::Device,
    mmd: DeviceSum,
    confusion: DeviceSum,
}

impl<'t> MatchingStep<'t> {
    fn new(terms: &'t Matching, seed: u64, epoch: usize, device: tch::Device) -> Self {
        let rng = epoch_rng(seed.wrapping_add(RESET_SALT), epoch);
        MatchingStep { terms, rng, device, mmd: DeviceSum::new(device), confusion: DeviceSum::new(device) }
    }

    /// `z` with the configured Gaussian noise added (`z` itself without noise).
    fn noisy(&mut self, z: &Tensor) -> Tensor {
        if self.terms.noise <= 0.0 {
            return z.shallow_clone();
        }
        let size = z.size();
        z + normal_noise(&mut self.rng, [size[0], size[1]], self.device) * self.terms.noise
    }

    /// The weighted matched-Z terms of a batch with codes `z`, labels `y`
    /// and adversary logits `adv_logits` (both terms logged, even at weight 0).
    fn loss(&mut self, z: &Tensor, y: &Tensor, n_classes: i64, adv_logits: &Tensor) -> Tensor {
        let mmd = class_mmd(z, y, n_classes, &self.terms.kernel_scales);
        let confusion = confusion(adv_logits);
        self.mmd.add(&mmd.detach());
        self.confusion.add(&confusion.detach());
        mmd * self.terms.mmd + confusion * self.terms.confusion
    }
}

/// What step 2 computes once and reuses while it stays valid (never saved:
/// a resumed run computes it again from the same weights).
#[derive(Debug, Default)]
struct Step2Cache {
    /// S of every training image: the step-1 encoder is frozen in step 2.
    s_train: Option<Tensor>,
    /// Z of every training image, until the next encoder/decoder step: the
    /// adversary-only batches of the released schedule train on it.
    z_train: Option<Tensor>,
    /// S of every validation image.
    s_val: Option<Tensor>,
    /// Validation reconstruction loss and Z, until the next encoder/decoder step.
    val: Option<(f64, Tensor)>,
}

impl Step2Cache {
    /// Forgets everything that depends on the Z-encoder and the decoder.
    fn invalidate_z(&mut self) {
        self.z_train = None;
        self.val = None;
    }

    /// The validation reconstruction loss and Z, computed when not cached.
    fn validation(&mut self, m: &TwoStepModel, val: &TensorData) -> (f64, Tensor) {
        let s = self.s_val.get_or_insert_with(|| m.enc_s.encode_all(&val.images));
        let (rec, z) = self.val.get_or_insert_with(|| m.reconstruction_and_z(val, s));
        (*rec, z.shallow_clone())
    }
}

/// A sum kept on the device (read once, by [`DeviceSum::mean`]).
#[derive(Debug)]
struct DeviceSum(Tensor);

impl DeviceSum {
    fn new(device: tch::Device) -> Self {
        DeviceSum(Tensor::zeros([], (Kind::Double, device)))
    }

    fn add(&mut self, value: &Tensor) {
        self.0 += value.to_kind(Kind::Double);
    }

    /// The sum divided by `count` (0 when nothing was counted).
    fn mean(&self, count: usize) -> f64 {
        if count == 0 {
            return 0.0;
        }
        self.0.double_value(&[]) / count as f64
    }
}

impl Trainable for TwoStepTrainer<'_> {
    type Figures = TwoStepEpoch;

    fn phases(&self) -> Vec<(&'static str, usize)> {
        vec![("step1", self.model.config.step1.epochs), ("step2", self.model.config.step2.epochs)]
    }

    fn train_epoch(&mut self, phase: usize, epoch: usize, ctx: &EpochContext) -> Result<TwoStepEpoch> {
        match phase {
            0 => self.step1_epoch(epoch, ctx).map(TwoStepEpoch::Step1),
            _ => {
                self.model.s_vs.freeze();
                self.step2_epoch(epoch, ctx).map(TwoStepEpoch::Step2)
            }
        }
    }

    /// Step 2 under a converging [`Stop`]: judged on the validation
    /// reconstruction loss, at the end of a schedule cycle.
    fn converged(&self, phase: usize, history: &History) -> bool {
        let c = &self.model.config.step2;
        if phase != 1 {
            return false;
        }
        let val_rec: Vec<f64> = history.phase("step2").filter_map(|r| r.get("val_rec")).collect();
        let cycle = match c.schedule {
            Schedule::Released { every_epoch, .. } => every_epoch.max(1),
            Schedule::EveryBatch => 1,
        };
        val_rec.len().is_multiple_of(cycle) && c.stop.reached(&val_rec)
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
        let mut out = crate::common::saved::SavedModel::named_tensors(&*self.model);
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
        crate::common::saved::SavedModel::load_tensors(&*self.model, tensors, path)?;
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
