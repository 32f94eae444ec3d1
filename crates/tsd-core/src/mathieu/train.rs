//! Training of the baseline: triplet batches, the generator's losses
//! (reconstruction, same-label swaps, adversarial swap, KL) and the
//! label-conditioned discriminator, one step each per batch.

use std::path::Path;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::{Kind, Reduction, Tensor};
use tsd_data::Dataset;

use super::model::MathieuModel;
use crate::common::checkpoint::TensorMap;
use crate::common::config::OptimizerKind;
use crate::common::optim::Optimizer;
use crate::common::saved::SavedModel;
use crate::common::tensors::{epoch_rng, normal_noise, TensorData};
use crate::model::{reconstruction_mse, Disentangler};
use crate::train::{EpochContext, Trainable};
use crate::{CoreError, Result};

/// What one epoch of the baseline's training measured (means over the epoch's triplets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MathieuFigures {
    /// Reconstruction `Dec(z1, s1) ~ x1`.
    pub rec: f64,
    /// Same-label swaps.
    pub swap: f64,
    /// The generator's adversarial loss.
    pub gen_adv: f64,
    /// KL of z to the prior.
    pub kl: f64,
    /// The discriminator's loss.
    pub disc_loss: f64,
    /// The discriminator's accuracy on real and fake images.
    pub disc_acc: f64,
    /// Validation reconstruction MSE (evaluation mode, mean of z).
    pub val_rec: f64,
    /// Training triplets per second.
    pub samples_per_s: f64,
}

/// KL divergence of `N(mu, exp(logvar))` to `N(0, I)`, summed over dimensions, mean over the batch.
fn kl_to_prior(mu: &Tensor, logvar: &Tensor) -> Tensor {
    let per_dim = (logvar.exp() + mu.square() - logvar - 1.0) * 0.5;
    per_dim.sum_dim_intlist(1, false, Kind::Float).mean(Kind::Float)
}

/// Trains a [`MathieuModel`] (one phase, `train`).
#[derive(Debug)]
pub struct MathieuTrainer<'a> {
    model: &'a mut MathieuModel,
    train: TensorData,
    val: TensorData,
    by_class: Vec<Vec<i64>>,
    labels: Vec<usize>,
    opt_gen: Optimizer,
    opt_disc: Optimizer,
}

impl<'a> MathieuTrainer<'a> {
    /// A trainer over `train` (fitting) and `val` (monitoring). Needs at least two classes.
    pub fn new(model: &'a mut MathieuModel, train: &Dataset, val: &Dataset) -> Result<Self> {
        let mut by_class = vec![Vec::new(); train.n_classes];
        for (i, &y) in train.labels.iter().enumerate() {
            by_class[y].push(i as i64);
        }
        if by_class.iter().filter(|c| !c.is_empty()).count() < 2 {
            return Err(CoreError::Data(
                "Mathieu et al. triplets need at least two classes in the training set".into(),
            ));
        }
        let (device, norm, c) = (model.device(), model.spec.normalization, &model.config);
        let opt_gen = Optimizer::new(&model.gen_vs, OptimizerKind::Adam, c.lr, c.beta1);
        let opt_disc = Optimizer::new(&model.disc_vs, c.disc_optimizer, c.disc_lr, c.beta1);
        Ok(MathieuTrainer {
            train: TensorData::new(train, norm, device),
            val: TensorData::new(val, norm, device),
            by_class,
            labels: train.labels.clone(),
            model,
            opt_gen,
            opt_disc,
        })
    }

    /// Index triplets `(x1, x2, x3)` for one epoch: x1 runs over the shuffled
    /// training set, x2 shares its label, x3 has another. Depends only on `(seed, epoch)`.
    fn triplets(&self, epoch: usize) -> Vec<[Vec<i64>; 3]> {
        let batch = self.model.config.batch_size.max(1);
        let mut rng = epoch_rng(self.model.config.seed, epoch);
        let mut order: Vec<usize> = (0..self.labels.len()).collect();
        rand::seq::SliceRandom::shuffle(order.as_mut_slice(), &mut rng);
        let pick = |class: &[i64], rng: &mut ChaCha8Rng| class[rng.gen_range(0..class.len())];
        order
            .chunks(batch)
            .map(|chunk| {
                let mut t = [Vec::new(), Vec::new(), Vec::new()];
                for &i in chunk {
                    let y = self.labels[i];
                    let other = loop {
                        let c = rng.gen_range(0..self.by_class.len());
                        if c != y && !self.by_class[c].is_empty() {
                            break c;
                        }
                    };
                    t[0].push(i as i64);
                    t[1].push(pick(&self.by_class[y], &mut rng));
                    t[2].push(pick(&self.by_class[other], &mut rng));
                }
                t
            })
            .collect()
    }
}

impl Trainable for MathieuTrainer<'_> {
    type Figures = MathieuFigures;

    fn phases(&self) -> Vec<(&'static str, usize)> {
        vec![("train", self.model.config.epochs)]
    }

    fn train_epoch(&mut self, _phase: usize, epoch: usize, ctx: &EpochContext) -> Result<MathieuFigures> {
        let triplets = self.triplets(epoch);
        let mut noise_rng = epoch_rng(self.model.config.seed.wrapping_add(1), epoch);
        let mut bar = ctx.progress(triplets.len());
        let m = &*self.model;
        let c = &m.config;
        let kl_weight = c.weights.kl * 6.0 / (m.spec.channels * m.spec.side * m.spec.side) as f64;
        let mut sums = [0.0f64; 6];
        let mut seen = 0usize;
        let device = m.device();
        for (b, idx) in triplets.iter().enumerate() {
            let take = |i: usize| {
                let t = Tensor::from_slice(&idx[i]).to_device(device);
                (self.train.images.index_select(0, &t), self.train.labels.index_select(0, &t))
            };
            let ((x1, y1), (x2, _), (x3, _)) = (take(0), take(1), take(2));
            let n = x1.size()[0];
            let e = m.encoder.forward_t(&Tensor::cat(&[&x1, &x2, &x3], 0), true);
            let z = &e.mu + (&e.logvar * 0.5).exp() * normal_noise(&mut noise_rng, [3 * n, c.z_dim], device);
            let (s1, s2) = (e.s.narrow(0, 0, n), e.s.narrow(0, n, n));
            let (z1, z2, z3) = (z.narrow(0, 0, n), z.narrow(0, n, n), z.narrow(0, 2 * n, n));
            let decode = |s: &Tensor, z: &Tensor| m.activate(m.decoder.forward_t(s, z, true));
            let rec = decode(&s1, &z1).mse_loss(&x1, Reduction::Mean);
            let swap =
                decode(&s2, &z1).mse_loss(&x1, Reduction::Mean) + decode(&s1, &z2).mse_loss(&x2, Reduction::Mean);
            let fake = decode(&s1, &z3);
            let real_target = Tensor::full([n], c.real_label, (Kind::Float, device));
            let gan = m.disc.forward_t(&fake, &y1, true).binary_cross_entropy_with_logits::<Tensor>(
                &real_target,
                None,
                None,
                Reduction::Mean,
            );
            let kl = kl_to_prior(&e.mu, &e.logvar);
            let w = &c.weights;
            let loss = &rec * w.reconstruction + &swap * w.swap + &gan * w.adversarial + &kl * kl_weight;
            let figures = [rec.double_value(&[]), swap.double_value(&[]), gan.double_value(&[]), kl.double_value(&[])];
            for (name, value) in ["reconstruction", "swap", "adversarial", "KL"].iter().zip(figures) {
                ctx.check_finite(b, name, value)?;
            }
            self.opt_gen.backward_step(&loss);

            let d_real = m.disc.forward_t(&x2, &y1, true);
            let d_fake = m.disc.forward_t(&fake.detach(), &y1, true);
            let zeros = Tensor::zeros([n], (Kind::Float, device));
            let d_loss = d_real.binary_cross_entropy_with_logits::<Tensor>(&real_target, None, None, Reduction::Mean)
                + d_fake.binary_cross_entropy_with_logits::<Tensor>(&zeros, None, None, Reduction::Mean);
            let d_value = d_loss.double_value(&[]);
            ctx.check_finite(b, "discriminator", d_value)?;
            self.opt_disc.backward_step(&d_loss);
            let d_hits = d_real.gt(0.0).to_kind(Kind::Float).sum(Kind::Float).double_value(&[])
                + d_fake.le(0.0).to_kind(Kind::Float).sum(Kind::Float).double_value(&[]);

            let nf = n as f64;
            for (sum, v) in sums.iter_mut().zip(figures.iter().chain([d_value, d_hits / (2.0 * nf)].iter())) {
                *sum += v * nf;
            }
            seen += n as usize;
            bar.inc(1)?;
            bar.set_message(format!(
                "rec {:.4} swap {:.4} D acc {:.3}",
                sums[0] / seen as f64,
                sums[1] / seen as f64,
                sums[5] / seen as f64
            ));
        }
        bar.finish_and_clear();
        let rate = seen as f64 / bar.elapsed().as_secs_f64().max(1e-9);
        let mean = |i: usize| sums[i] / seen.max(1) as f64;
        Ok(MathieuFigures {
            rec: mean(0),
            swap: mean(1),
            gen_adv: mean(2),
            kl: mean(3),
            disc_loss: mean(4),
            disc_acc: mean(5),
            val_rec: reconstruction_mse(&*self.model, &self.val, 256),
            samples_per_s: rate,
        })
    }

    fn end_phase(&mut self, _phase: usize) -> Result<()> {
        Ok(())
    }

    fn state(&self) -> Vec<(String, Tensor)> {
        let mut out = self.model.named_tensors();
        out.extend(self.opt_gen.state("opt_gen/"));
        out.extend(self.opt_disc.state("opt_disc/"));
        out
    }

    fn load_state(&mut self, tensors: &TensorMap, path: &Path) -> Result<()> {
        self.model.load_tensors(tensors, path)?;
        self.opt_gen.load_state("opt_gen/", tensors)?;
        self.opt_disc.load_state("opt_disc/", tensors)
    }
}
