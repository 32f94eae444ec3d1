//! What a sweep's budget means beyond the methods' own presets (which each
//! method supplies per [`Budget`], e.g. [`tsd_core::method::QUICK_EPOCHS`]):
//! how many training images a run sees and how long the MLP probe trains.

use tch::Device;
use tsd_core::Budget;
use tsd_metrics::{MlpProbeParams, ProbeConfig, ProbeOptions};

/// Training images of a quick run: enough for MNIST digits to separate
/// (S-probe accuracy well above 90 %) in two epochs.
pub const QUICK_TRAIN_IMAGES: usize = 10_000;
/// Most epochs of the MLP probe in a quick run (the full probe allows 100,
/// early-stopped with patience 5).
pub const QUICK_PROBE_EPOCHS: usize = 10;

/// Training images to keep at `budget` (`None`: all).
pub fn train_subset(budget: Budget) -> Option<usize> {
    budget.is_quick().then_some(QUICK_TRAIN_IMAGES)
}

/// The probes at `budget`: logistic, kNN and the MLP probe (on `device` when it is a GPU).
pub fn probes(budget: Budget, device: Device) -> ProbeOptions {
    let mut mlp = MlpProbeParams::default();
    if budget.is_quick() {
        mlp = mlp.max_epochs(QUICK_PROBE_EPOCHS);
    }
    if let Device::Cuda(i) = device {
        mlp = mlp.cuda_device(Some(i));
    }
    ProbeOptions::default().with_probe(ProbeConfig::Mlp(mlp))
}
