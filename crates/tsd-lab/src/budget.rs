//! What a sweep's budget means beyond the methods' own presets (which each
//! method supplies per [`Budget`], e.g. [`tsd_core::method::QUICK_EPOCHS`]):
//! how many training images a run sees and which probes audit it.

use tch::Device;
use tsd_core::Budget;
use tsd_metrics::{
    ForestProbeParams, IndependenceOptions, MlpProbeParams, ProbeConfig, ProbeOptions, WideMlpProbeParams,
};

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

/// The probes at `budget`: logistic, kNN, the MLP probe of Jha et al. and,
/// at the full budget, the suite's wide MLP and random forest (MLPs on
/// `device` when it is a GPU); and the per-class two-sample tests.
pub fn probes(budget: Budget, device: Device) -> ProbeOptions {
    let on_device = |mlp: MlpProbeParams| match device {
        Device::Cuda(i) => mlp.cuda_device(Some(i)),
        _ => mlp,
    };
    let options = ProbeOptions::default().independence(Some(IndependenceOptions::default()));
    if budget.is_quick() {
        return options
            .with_probe(ProbeConfig::Mlp(on_device(MlpProbeParams::default().max_epochs(QUICK_PROBE_EPOCHS))));
    }
    options
        .with_probe(ProbeConfig::Mlp(on_device(MlpProbeParams::default())))
        .with_probe(ProbeConfig::WideMlp(WideMlpProbeParams(on_device(MlpProbeParams::wide()))))
        .with_probe(ProbeConfig::Forest(ForestProbeParams::default()))
}
