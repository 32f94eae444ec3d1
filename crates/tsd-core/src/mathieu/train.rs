//! Training of the baseline as Jha et al. ran it. Every iteration takes, in
//! order, from the stream of paired batches ([`super::batches`]):
//!
//! - **A**, the auto-encoder step (1 batch: images x1, partners x2 of the
//!   same class): `w KL(z1)/pixels + MSE(Dec(z1, s1), x1) + MSE(Dec(z1, s2), x1)`
//!   with z1 sampled, on its own Adam (`w` is `kl_weight`, 1 in Jha et al.;
//!   return windows: every output on x1's days, against x1's window);
//! - **B**, `generator_steps` generator steps (2 batches each: x1 from the
//!   first, x3 from the second): `Dec(z1, s3)` and `Dec(prior sample, s3)`
//!   must pass the pair discriminator as real pairs next to x3 (weighted by
//!   `adversarial_weight`, 1 in Jha et al.), plus `w KL(z1)/pixels`,
//!   on a second Adam over the same encoder and decoder;
//! - **C**, `discriminator_steps` discriminator steps (2 batches: x1 from the
//!   first, images x2 and partners x3 from the second): `(x2, x3)` is real,
//!   `(x3, Dec(mean z1, s3))` fake, on a third Adam, stepped only while the
//!   batch accuracy is below `disc_accuracy_limit`.
//!
//! Same maths as theirs, computed with fewer passes: the two images of a step
//! go through the encoder (and the two fakes through the decoder and
//! discriminator) as one batch — exact, since InstanceNorm is per image — the
//! discriminator's weights take no gradient in B, and C's fake is made
//! without gradients (their gradients there reach only the generator, whose
//! optimisers zero them before use).

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::{Kind, Reduction, Tensor};
use tsd_data::Dataset;

use super::batches::PairedBatches;
use super::model::{sample, MathieuModel};
use crate::common::checkpoint::TensorMap;
use crate::common::config::OptimizerKind;
use crate::common::optim::Optimizer;
use crate::common::saved::SavedModel;
use crate::common::tensors::{epoch_rng, normal_noise, TensorData};
use crate::model::{reconstruction_mse, Disentangler};
use crate::train::{EpochContext, Trainable};
use crate::Result;

/// Seed offset of the z noise (the batches use another).
const NOISE_STREAM: u64 = 0x004e_4f49_5345;

/// What one epoch of the baseline's training measured (means over its iterations).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MathieuFigures {
    /// Reconstruction `MSE(Dec(z1, s1), x1)` of step A.
    pub rec: f64,
    /// Same-class swap `MSE(Dec(z1, s2), x1)` of step A.
    pub swap: f64,
    /// `KL(z1)` per pixel of step A.
    pub kl: f64,
    /// The generator's adversarial loss (both fakes, summed) in step B.
    pub gen: f64,
    /// The discriminator's loss (real + fake) in step C.
    pub disc_loss: f64,
    /// The discriminator's accuracy on real and fake pairs in step C.
    pub disc_acc: f64,
    /// Fraction of discriminator steps taken (accuracy under the limit).
    pub disc_step_fraction: f64,
    /// Validation reconstruction MSE (mean of z).
    pub val_rec: f64,
    /// Training images per second (iterations x batch size).
    pub samples_per_s: f64,
}

/// KL of `N(mu, exp(logvar))` to `N(0, I)`, summed, divided by `batch x pixels`.
fn kl_per_pixel(mu: &Tensor, logvar: &Tensor, pixels: i64) -> Tensor {
    let sum = (logvar.exp() + mu.square() - logvar - 1.0).sum(Kind::Float) * 0.5;
    sum / (mu.size()[0] * pixels) as f64
}

/// Trains a [`MathieuModel`] (one phase, `train`).
#[derive(Debug)]
pub struct MathieuTrainer<'a> {
    model: &'a mut MathieuModel,
    train: TensorData,
    val: TensorData,
    batches: PairedBatches,
    opt_ae: Optimizer,
    opt_gen: Optimizer,
    opt_disc: Optimizer,
}

/// Sums of one epoch's per-iteration figures.
#[derive(Debug, Default)]
struct Sums {
    values: [f64; 6],
    disc_steps: usize,
    iterations: usize,
}

impl<'a> MathieuTrainer<'a> {
    /// A trainer over `train` (fitting) and `val` (monitoring).
    pub fn new(model: &'a mut MathieuModel, train: &Dataset, val: &Dataset) -> Result<Self> {
        let (device, norm) = (model.device(), model.spec.normalization);
        Self::from_tensors(model, TensorData::new(train, norm, device), TensorData::new(val, norm, device))
    }

    /// A trainer over data already held as tensors on the model's device.
    pub fn from_tensors(model: &'a mut MathieuModel, train: TensorData, val: TensorData) -> Result<Self> {
        let c = &model.config;
        let labels: Vec<usize> =
            Vec::<i64>::try_from(&train.labels.to_device(tch::Device::Cpu))?.into_iter().map(|y| y as usize).collect();
        let batches = PairedBatches::new(&labels, model.spec.n_classes as usize, c.batch_size, c.seed, c.batches)?;
        let adam = |vs| Optimizer::new(vs, OptimizerKind::Adam, c.lr, c.beta1);
        let (opt_ae, opt_gen, opt_disc) = (adam(&model.gen_vs), adam(&model.gen_vs), adam(&model.disc_vs));
        Ok(MathieuTrainer { train, val, batches, model, opt_ae, opt_gen, opt_disc })
    }

    /// Training iterations per epoch (full batches in the training set).
    pub fn iterations_per_epoch(&self) -> usize {
        self.batches.per_pass()
    }

    /// Batches one iteration takes from the stream.
    fn batches_per_iteration(&self) -> usize {
        let c = &self.model.config;
        1 + 2 * c.generator_steps + 2 * c.discriminator_steps
    }

    /// Images and partners of stream batch `k`.
    fn batch(&mut self, k: usize) -> (Tensor, Tensor) {
        let b = self.batches.get(k);
        let device = self.train.images.device();
        let take = |idx: &[i64]| self.train.images.index_select(0, &Tensor::from_slice(idx).to_device(device));
        (take(&b.images), take(&b.partners))
    }

    /// One iteration (global number `iteration`): steps A, B and C. Returns
    /// `[rec, swap, kl, gen, disc_loss, disc_acc]` and the discriminator steps taken.
    fn iteration(&mut self, iteration: usize) -> Result<([f64; 6], usize)> {
        let c = self.model.config.clone();
        let spec = self.model.spec;
        let pixels = spec.output_size();
        let mut next = iteration * self.batches_per_iteration();
        let mut take = |this: &mut Self| {
            next += 1;
            this.batch(next - 1)
        };
        let mut rng = epoch_rng(c.seed ^ NOISE_STREAM, iteration);

        // A: reconstruction and same-class swap.
        let (x1, x2) = take(self);
        let n = x1.size()[0];
        let m = &*self.model;
        let e = m.encoded(&Tensor::cat(&[&x1, &x2], 0));
        let (mu1, logvar1) = (e.mu.narrow(0, 0, n), e.logvar.narrow(0, 0, n));
        let z1 = sample(&mu1, &logvar1, &mut rng);
        let x1_twice = Tensor::cat(&[&x1, &x1], 0);
        let out = m.generate(&e.s, &Tensor::cat(&[&z1, &z1], 0), Some(&x1_twice));
        let target = spec.reconstructed(&x1);
        let rec = out.narrow(0, 0, n).mse_loss(&target, Reduction::Mean);
        let swap = out.narrow(0, n, n).mse_loss(&target, Reduction::Mean);
        let kl = kl_per_pixel(&mu1, &logvar1, pixels);
        self.opt_ae.backward_step(&(&kl * c.kl_weight + &rec + &swap));

        // B: the generator's fakes must pass as real pairs.
        self.model.disc_vs.freeze();
        let mut gen = Tensor::zeros([], (Kind::Float, x1.device()));
        for _ in 0..c.generator_steps {
            let (x1, _) = take(self);
            let (x3, _) = take(self);
            let m = &*self.model;
            let e = m.encoded(&Tensor::cat(&[&x1, &x3], 0));
            let (mu1, logvar1, s3) = (e.mu.narrow(0, 0, n), e.logvar.narrow(0, 0, n), e.s.narrow(0, n, n));
            let z1 = sample(&mu1, &logvar1, &mut rng);
            let prior = normal_noise(&mut rng, [n, c.z_dim], x1.device());
            // Both fakes on x1's days (windows: their context).
            let x1_twice = Tensor::cat(&[&x1, &x1], 0);
            let fakes = m.generate(&Tensor::cat(&[&s3, &s3], 0), &Tensor::cat(&[z1, prior], 0), Some(&x1_twice));
            let logits = m.judge(&Tensor::cat(&[&x3, &x3], 0), &m.as_input(&fakes, &x1_twice));
            let real = Tensor::ones([2 * n], (Kind::Int64, x1.device()));
            // Two batch means summed: twice the mean over both.
            let adversarial = logits.cross_entropy_for_logits(&real) * 2.0;
            let loss = &adversarial * c.adversarial_weight + kl_per_pixel(&mu1, &logvar1, pixels) * c.kl_weight;
            self.opt_gen.backward_step(&loss);
            gen += adversarial.detach() / c.generator_steps.max(1) as f64;
        }
        self.model.disc_vs.unfreeze();

        // C: the discriminator, throttled by its accuracy.
        let (mut disc_loss, mut disc_acc, mut stepped) = (0.0, 0.0, 0);
        for _ in 0..c.discriminator_steps {
            let (x1, _) = take(self);
            let (x2, x3) = take(self);
            let m = &*self.model;
            let fake = tch::no_grad(|| {
                let e = m.encoded(&Tensor::cat(&[&x1, &x3], 0));
                m.as_input(&m.generate(&e.s.narrow(0, n, n), &e.mu.narrow(0, 0, n), Some(&x1)), &x1)
            });
            let logits = m.judge(&Tensor::cat(&[&x2, &x3], 0), &Tensor::cat(&[&x3, &fake], 0));
            let device = x1.device();
            let truth =
                Tensor::cat(&[Tensor::ones([n], (Kind::Int64, device)), Tensor::zeros([n], (Kind::Int64, device))], 0);
            let loss = logits.cross_entropy_for_logits(&truth) * 2.0;
            let hits = logits.argmax(1, false).eq_tensor(&truth).to_kind(Kind::Float).mean(Kind::Float);
            let figures = Vec::<f64>::try_from(Tensor::stack(&[loss.detach(), hits], 0).to_kind(Kind::Double))?;
            let (value, accuracy) = (figures[0], figures[1]);
            if accuracy < c.disc_accuracy_limit {
                self.opt_disc.backward_step(&loss);
                stepped += 1;
            }
            disc_loss += value / c.discriminator_steps as f64;
            disc_acc += accuracy / c.discriminator_steps as f64;
        }
        let steps = Tensor::stack(&[rec.detach(), swap.detach(), kl.detach(), gen], 0).to_kind(Kind::Double);
        let ae = Vec::<f64>::try_from(steps)?;
        Ok(([ae[0], ae[1], ae[2], ae[3], disc_loss, disc_acc], stepped))
    }
}

impl Trainable for MathieuTrainer<'_> {
    type Figures = MathieuFigures;

    fn phases(&self) -> Vec<(&'static str, usize)> {
        vec![("train", self.model.config.epochs)]
    }

    fn train_epoch(&mut self, _phase: usize, epoch: usize, ctx: &EpochContext) -> Result<MathieuFigures> {
        let iterations = self.iterations_per_epoch();
        let mut bar = ctx.progress(iterations);
        let mut sums = Sums::default();
        for i in 0..iterations {
            let (figures, stepped) = self.iteration(epoch * iterations + i)?;
            for (name, value) in ["reconstruction", "swap", "KL", "generator", "discriminator"].iter().zip(figures) {
                ctx.check_finite(i, name, value)?;
            }
            for (sum, v) in sums.values.iter_mut().zip(figures) {
                *sum += v;
            }
            sums.disc_steps += stepped;
            sums.iterations += 1;
            bar.inc(1)?;
            let k = sums.iterations as f64;
            bar.set_message(format!(
                "rec {:.4} swap {:.4} D acc {:.3}",
                sums.values[0] / k,
                sums.values[1] / k,
                sums.values[5] / k
            ));
        }
        bar.finish_and_clear();
        let seconds = bar.elapsed().as_secs_f64().max(1e-9);
        let mean = |i: usize| sums.values[i] / sums.iterations.max(1) as f64;
        Ok(MathieuFigures {
            rec: mean(0),
            swap: mean(1),
            kl: mean(2),
            gen: mean(3),
            disc_loss: mean(4),
            disc_acc: mean(5),
            disc_step_fraction: sums.disc_steps as f64
                / (sums.iterations * self.model.config.discriminator_steps).max(1) as f64,
            val_rec: reconstruction_mse(&*self.model, &self.val, 256),
            samples_per_s: (sums.iterations * self.model.config.batch_size) as f64 / seconds,
        })
    }

    fn end_phase(&mut self, _phase: usize) -> Result<()> {
        Ok(())
    }

    fn state(&self) -> Vec<(String, Tensor)> {
        let mut out = self.model.named_tensors();
        out.extend(self.opt_ae.state("opt_ae/"));
        out.extend(self.opt_gen.state("opt_gen/"));
        out.extend(self.opt_disc.state("opt_disc/"));
        out
    }

    fn load_state(&mut self, tensors: &TensorMap, path: &Path) -> Result<()> {
        self.model.load_tensors(tensors, path)?;
        self.opt_ae.load_state("opt_ae/", tensors)?;
        self.opt_gen.load_state("opt_gen/", tensors)?;
        self.opt_disc.load_state("opt_disc/", tensors)
    }
}
