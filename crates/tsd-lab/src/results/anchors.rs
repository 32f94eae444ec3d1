//! Published numbers our tables are set beside (REFERENCE §3): fresh MLP
//! probes (z -> 256 -> 256 -> classes) on test codes, from Jha et al.,
//! "Disentangling Factors of Variation with Cycle-Consistent VAEs", ECCV 2018.
//! The two-step paper's own table values could not be obtained offline.

use tsd_data::DatasetKind;

/// Where the anchors come from.
pub const SOURCE: &str = "Jha et al., ECCV 2018 (MLP probe z→256→256→classes, BN + LeakyReLU 0.2); their Z is one \
     sample of the Gaussian code per image (their released MNIST checkpoints reproduce their numbers that way under \
     tsd's probe, not with the mean: `benchmarks/audit_released.sh`), so compare them with our `Z sampled` rows";

/// One published row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Anchor {
    /// The dataset.
    pub dataset: DatasetKind,
    /// The model measured.
    pub model: &'static str,
    /// Z dimension.
    pub z_dim: usize,
    /// S dimension.
    pub s_dim: usize,
    /// Probe accuracy on Z, test set, percent.
    pub z_test: f64,
    /// Probe accuracy on S, test set, percent.
    pub s_test: f64,
}

/// Every published row, in REFERENCE §3's order.
pub const ANCHORS: [Anchor; 7] = [
    anchor(DatasetKind::Mnist, "Szabo et al. 2017", 16, 16, 96.08, 98.46),
    anchor(DatasetKind::Mnist, "Mathieu et al. 2016", 16, 16, 66.83, 98.52),
    anchor(DatasetKind::Mnist, "Cycle-consistent VAE", 16, 16, 17.56, 98.35),
    anchor(DatasetKind::Mnist, "Mathieu et al. 2016", 64, 64, 72.20, 98.64),
    anchor(DatasetKind::Mnist, "Cycle-consistent VAE", 64, 64, 26.55, 98.33),
    anchor(DatasetKind::Sprites, "Mathieu et al. 2016", 512, 64, 11.98, 96.75),
    anchor(DatasetKind::Sprites, "Cycle-consistent VAE", 512, 64, 11.47, 97.16),
];

const fn anchor(dataset: DatasetKind, model: &'static str, z_dim: usize, s_dim: usize, z: f64, s: f64) -> Anchor {
    Anchor { dataset, model, z_dim, s_dim, z_test: z, s_test: s }
}

/// The published rows of `dataset` (none for Cars3D and NORB).
pub fn for_dataset(dataset: DatasetKind) -> Vec<Anchor> {
    ANCHORS.iter().copied().filter(|a| a.dataset == dataset).collect()
}
