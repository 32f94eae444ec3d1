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

/// The probes of a returns audit at `budget` ([`crate::returns::ReturnsProbes`]):
/// of the sector, those of [`probes`] without the random forest (linfa-trees'
/// cost grows with the square of the training codes, 21,000 windows and
/// more here), with the per-class two-sample tests; of the next return's
/// tertile, logistic, kNN and the MLP probe of Jha et al.
pub fn returns_probes(budget: Budget, device: Device) -> crate::returns::ReturnsProbes {
    let mut sector = probes(budget, device);
    sector.probes.retain(|p| !matches!(p, ProbeConfig::Forest(_)));
    let mut tertile = sector.clone().independence(None);
    tertile.probes.retain(|p| !matches!(p, ProbeConfig::WideMlp(_)));
    tertile.mutual_info = None;
    crate::returns::ReturnsProbes { sector, tertile }
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
