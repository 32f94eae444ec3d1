//! The step-2 terms of the matched-Z method ([`crate::matched_z`]): they aim at
//! a Z whose distribution is the same in every class, so that no probe
//! trained afterwards can read the label from it, instead of a Z that fools
//! one adversary.
//!
//! - [`class_mmd`]: for each class in the batch, the squared maximum mean
//!   discrepancy between its codes and the other classes' codes (the
//!   class-conditional distribution matching of VFAE, Louizos et al. 2016):
//!   zero only when Z has the same distribution in every class, i.e. when Z
//!   is independent of the label;
//! - [`confusion`]: the adversary's predicted distribution pushed toward
//!   uniform, `KL(U || p)`, rather than its cross-entropy maximised (which
//!   the encoder wins by making it confidently wrong, leaving the label
//!   readable by a fresh probe);
//! - Gaussian noise on Z before decoding, and an adversary re-initialised
//!   and re-trained on the current codes every few epochs
//!   ([`Matching::adversary_reset`]), so that a stale adversary cannot be
//!   fooled locally.

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

/// Weights and settings of the matched-Z terms; a weight of 0 turns its term off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Matching {
    /// Weight of [`class_mmd`] in the encoder/decoder loss.
    pub mmd: f64,
    /// Widths of the inverse multiquadric kernels `c / (c + |a - b|^2)` of
    /// [`class_mmd`], as multiples of the batch's mean squared distance
    /// between codes; the kernel is their sum.
    pub kernel_scales: Vec<f64>,
    /// Weight of [`confusion`] (the adversary's output pushed toward uniform).
    pub confusion: f64,
    /// Standard deviation of the Gaussian noise added to Z before decoding
    /// (training only).
    pub noise: f64,
    /// Re-initialise the adversary every this many step-2 epochs (0: never).
    pub adversary_reset: usize,
    /// Passes of the freshly re-initialised adversary over the training
    /// set's current codes, before the epoch's encoder/decoder steps.
    pub adversary_warmup: usize,
}

impl Matching {
    /// The defaults of every matched-Z preset.
    pub fn preset() -> Self {
        Matching {
            mmd: 10.0,
            kernel_scales: vec![0.05, 0.2, 1.0, 5.0],
            confusion: 10.0,
            noise: 0.0,
            adversary_reset: 1,
            adversary_warmup: 3,
        }
    }

    /// Whether the adversary is re-initialised at the start of step-2 `epoch`.
    pub fn resets_adversary(&self, epoch: usize) -> bool {
        self.adversary_reset > 0 && epoch > 0 && epoch.is_multiple_of(self.adversary_reset)
    }
}

/// Sum of inverse multiquadric kernels `c / (c + |a - b|^2)` between the
/// rows of `a` and of `b`, one per scalar tensor `c` in `widths`.
fn imq_kernel(a: &Tensor, b: &Tensor, widths: &[Tensor]) -> Tensor {
    let sq = |t: &Tensor| t.square().sum_dim_intlist(1, true, Kind::Float);
    let dist = (sq(a) + sq(b).transpose(0, 1) - a.matmul(&b.transpose(0, 1)) * 2.0).clamp_min(0.0);
    let mut total = dist.zeros_like();
    for c in widths {
        total += (&dist + c).reciprocal() * c;
    }
    total
}

/// Squared MMD (unbiased) between the codes `z` of each class and the codes
/// of the other classes in the batch, averaged over the classes with at
/// least two codes on each side, weighted by their count; 0 when there is
/// none. Zero in expectation exactly when Z's distribution is the same in
/// every class. The kernel widths are `scales` times the batch's mean
/// squared distance between codes (not differentiated), so shrinking Z
/// gains nothing. `labels` are class indices below `n_classes`.
///
/// The other classes' codes are the target rather than a fixed prior: the
/// released encoders end in a ReLU, so Z cannot take a Gaussian's values.
pub fn class_mmd(z: &Tensor, labels: &Tensor, n_classes: i64, scales: &[f64]) -> Tensor {
    let n = z.size()[0] as f64;
    // Kept on the device (no host read in the training loop); the widths are
    // formed in double precision, then rounded to the codes' precision.
    let spread = tch::no_grad(|| {
        let sq = z.square().sum(Kind::Float) * n - z.sum_dim_intlist(0, false, Kind::Float).square().sum(Kind::Float);
        (sq * 2.0 / (n * (n - 1.0)).max(1.0)).to_kind(Kind::Double).clamp_min(1e-6)
    });
    let widths: Vec<Tensor> = scales.iter().map(|&s| (&spread * s).to_kind(Kind::Float)).collect();
    let k0 = widths.len() as f64; // the kernel of a code with itself
    let kernel = imq_kernel(z, z, &widths);
    let one_hot = labels.one_hot(n_classes).to_kind(Kind::Float);
    let counts = one_hot.sum_dim_intlist(0, false, Kind::Float);
    let rest = -&counts + n;
    // Per class: kernel sums within the class, from the class to every code, and in all.
    let within = (&one_hot * kernel.matmul(&one_hot)).sum_dim_intlist(0, false, Kind::Float);
    let to_all = one_hot.transpose(0, 1).matmul(&kernel.sum_dim_intlist(1, true, Kind::Float)).squeeze_dim(1);
    let total = kernel.sum(Kind::Float);
    let pairs = |count: &Tensor| (count * (count - 1.0)).clamp_min(1.0);
    let mean_within = (&within - &counts * k0) / pairs(&counts);
    let mean_rest = (&total - &to_all * 2.0 + &within - &rest * k0) / pairs(&rest);
    let mean_cross = (&to_all - &within) / (&counts * &rest).clamp_min(1.0);
    let per_class = mean_within + mean_rest - mean_cross * 2.0;
    let weight = &counts * counts.ge(2.0).to_kind(Kind::Float) * rest.ge(2.0).to_kind(Kind::Float);
    (per_class * &weight).sum(Kind::Float) / weight.sum(Kind::Float).clamp_min(1.0)
}

/// `KL(U || softmax(logits))` averaged over the batch: 0 when the adversary
/// predicts every class with the same probability.
pub fn confusion(logits: &Tensor) -> Tensor {
    let classes = logits.size()[1] as f64;
    -logits.log_softmax(-1, Kind::Float).mean_dim(-1, false, Kind::Float).mean(Kind::Float) - classes.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scales() -> Vec<f64> {
        Matching::preset().kernel_scales
    }

    fn cpu() -> (Kind, tch::Device) {
        (Kind::Float, tch::Device::Cpu)
    }

    #[test]
    fn mmd_is_near_zero_when_classes_share_a_distribution_and_large_when_they_do_not() {
        tch::manual_seed(0);
        let (n, dim, classes) = (400, 8, 4);
        let labels = Tensor::arange(n, (Kind::Int64, tch::Device::Cpu)).remainder(classes);
        let shared = Tensor::randn([n, dim], cpu()).relu();
        let shift = labels.to_kind(Kind::Float).unsqueeze(1) * 3.0;
        let separated = &shared + shift;
        let low = class_mmd(&shared, &labels, classes, &scales()).double_value(&[]);
        let high = class_mmd(&separated, &labels, classes, &scales()).double_value(&[]);
        assert!(low.abs() < 0.02, "one distribution for all classes: MMD^2 {low}");
        assert!(high > 0.5, "classes shifted apart: MMD^2 {high}");
        // The widths follow the codes' spread: scaling Z changes nothing.
        let scaled = class_mmd(&(&separated * 0.01), &labels, classes, &scales()).double_value(&[]);
        assert!((scaled - high).abs() < 1e-3 * high, "{scaled} vs {high}");
    }

    #[test]
    fn mmd_skips_classes_too_small_to_compare_and_has_gradients() {
        let labels = Tensor::from_slice(&[0i64, 1, 1, 2, 2]);
        let values = [0.0f32, 0.0, 5.0, 5.0, 5.1, 5.0, 9.0, 9.0, 9.2, 9.0];
        let z = Tensor::from_slice(&values).view([5, 2]).set_requires_grad(true);
        let mmd = class_mmd(&z, &labels, 3, &scales());
        assert!(mmd.double_value(&[]) > 0.1);
        mmd.backward();
        assert!(z.grad().abs().sum(Kind::Float).double_value(&[]) > 0.0);
        let one_class = class_mmd(&z.narrow(0, 1, 2), &Tensor::from_slice(&[1i64, 1]), 3, &scales());
        assert_eq!(one_class.double_value(&[]), 0.0, "no other class to compare with");
    }

    #[test]
    fn confusion_is_zero_at_uniform_and_positive_when_confident() {
        let uniform = Tensor::zeros([5, 10], cpu());
        assert!(confusion(&uniform).double_value(&[]).abs() < 1e-6);
        let confident = Tensor::eye(10, cpu()) * 8.0;
        assert!(confusion(&confident).double_value(&[]) > 1.0);
    }

    #[test]
    fn resets_come_every_few_epochs_after_the_first() {
        let m = Matching { adversary_reset: 3, ..Matching::preset() };
        let resets: Vec<usize> = (0..10).filter(|&e| m.resets_adversary(e)).collect();
        assert_eq!(resets, [3, 6, 9]);
        assert!(!(0..10).any(|e| Matching { adversary_reset: 0, ..m.clone() }.resets_adversary(e)));
    }
}
