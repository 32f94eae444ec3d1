//! How much a sweep run trains and probes: the full published budget, or a
//! quick one that checks the whole pipeline in minutes.

use tch::Device;
use tsd_core::config::Schedule;
use tsd_core::MethodConfig;
use tsd_metrics::{MlpProbeParams, ProbeOptions};

/// Training images of a quick run: enough for MNIST digits to separate
/// (S-probe accuracy well above 90 %) in two epochs.
pub const QUICK_TRAIN_IMAGES: usize = 10_000;
/// Epochs of every training phase in a quick run (two-step: 2 + 2, Mathieu: 2).
pub const QUICK_EPOCHS: usize = 2;
/// BatchNorm momentum (torch terms) of quick two-step runs.
pub const QUICK_BN_MOMENTUM: f64 = 0.1;
/// Most epochs of the MLP probe in a quick run (the full probe allows 100,
/// early-stopped with patience 5).
pub const QUICK_PROBE_EPOCHS: usize = 10;

/// A sweep's budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// The presets' epochs on all training images, the full MLP probe.
    Full,
    /// [`QUICK_EPOCHS`] per phase on [`QUICK_TRAIN_IMAGES`] images, a short MLP probe.
    Quick,
}

impl Budget {
    /// `Quick` when `quick`, else `Full`.
    pub fn new(quick: bool) -> Budget {
        if quick {
            Budget::Quick
        } else {
            Budget::Full
        }
    }

    /// Whether this is the quick budget.
    pub fn is_quick(self) -> bool {
        self == Budget::Quick
    }

    /// Cuts the preset's epochs for a quick run. A quick two-step run also steps
    /// Z-encoder and decoder on every batch: with the released schedule (every
    /// 4th batch of every 4th epoch) two epochs would give them only a quarter
    /// of one epoch of updates, and Z would stay an untrained encoder. Its
    /// BatchNorm running averages use torch's default momentum 0.1: with
    /// Keras' 0.99 (0.01 here) a few hundred steps leave them close to their
    /// initial values, and evaluation-mode accuracy collapses (seen on Cars3D:
    /// 63% train, 2% validation accuracy after 2 quick epochs).
    pub fn apply(self, config: &mut MethodConfig) {
        if self.is_quick() {
            config.set_epochs(QUICK_EPOCHS);
            if let MethodConfig::TwoStep(c) = config {
                c.step2.schedule = Schedule::EveryBatch;
                c.bn_momentum = QUICK_BN_MOMENTUM;
            }
        }
    }

    /// Training images to keep (`None`: all).
    pub fn train_subset(self) -> Option<usize> {
        self.is_quick().then_some(QUICK_TRAIN_IMAGES)
    }

    /// The probes: logistic, kNN and the MLP probe (on `device` when it is a GPU).
    pub fn probes(self, device: Device) -> ProbeOptions {
        let mut mlp = MlpProbeParams::default();
        if self.is_quick() {
            mlp = mlp.max_epochs(QUICK_PROBE_EPOCHS);
        }
        if let Device::Cuda(i) = device {
            mlp = mlp.cuda_device(Some(i));
        }
        ProbeOptions::default().mlp(Some(mlp))
    }
}
