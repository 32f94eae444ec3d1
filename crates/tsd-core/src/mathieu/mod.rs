//! The Gaussian-prior adversarial baseline of Mathieu et al. (NIPS 2016),
//! "Disentangling factors of variation in deep representations using
//! adversarial training" (`../shared/REFERENCE.md` §2).
//!
//! One encoder gives a label code s and a Gaussian code z (reparameterised,
//! KL to N(0, I)). Batches are triplets: x1 and x2 share a label, x3 has
//! another. The generator reconstructs x1, swaps s between x1 and x2, and
//! makes `Dec(z3, s1)` pass a label-conditioned discriminator as an image of
//! x1's label. Evaluation uses the mean of z.

mod config;
pub mod model;
pub mod nets;
pub mod train;

use tch::Device;
use tsd_data::Splits;

pub use config::{LossWeights, MathieuConfig};
pub use model::MathieuModel;
pub use train::{MathieuFigures, MathieuTrainer};

use crate::common::saved::SavedModel;
use crate::method::{dataset_name, Budget, Curve, CurvePanel, Method, MethodSettings, QUICK_EPOCHS};
use crate::model::ModelSpec;
use crate::train::{self as training, History, RunOptions};
use crate::Result;

/// The baseline of Mathieu et al., as registered.
#[derive(Debug, Clone, Copy)]
pub struct Mathieu;

impl MethodSettings for MathieuConfig {
    fn seed(&self) -> u64 {
        self.seed
    }

    fn total_epochs(&self) -> usize {
        self.epochs
    }
}

impl Method for Mathieu {
    const NAME: &'static str = "mathieu";
    const TITLE: &'static str = "Mathieu et al.";
    const CITATION: &'static str = "Mathieu, Zhao, Sprechmann, Ramesh & LeCun, NIPS 2016";
    const CURVES_CAPTION: &'static str = "Training curves: reconstruction loss (`rec`, `val_rec`) and the image discriminator's accuracy (`disc_acc`); one line per seed.";
    const PRESETS: &'static [&'static str] = &["mnist", "mnist-64", "sprites"];

    type Config = MathieuConfig;
    type Model = MathieuModel;
    type Figures = MathieuFigures;

    /// The preset of the dataset (REFERENCE §2); any other dataset gets the
    /// Sprites preset ([`MathieuConfig::sprites_network`]). The quick budget
    /// trains [`QUICK_EPOCHS`].
    fn preset(name: &str, budget: Budget) -> Result<MathieuConfig> {
        let mut config = match name {
            "mnist" => MathieuConfig::mnist(),
            "mnist-64" => MathieuConfig::mnist_64(),
            "sprites" => MathieuConfig::sprites(),
            other => MathieuConfig::sprites_network(dataset_name::<Self>(other)?),
        };
        if budget.is_quick() {
            config.epochs = QUICK_EPOCHS;
        }
        Ok(config)
    }

    fn train(
        config: &MathieuConfig,
        splits: &Splits,
        device: Device,
        run: &RunOptions,
    ) -> Result<(MathieuModel, History)> {
        let spec = ModelSpec::for_data(&splits.train, config.scaling)?;
        let mut model = MathieuModel::new(config.clone(), spec, device);
        let mut trainer = MathieuTrainer::new(&mut model, &splits.train, &splits.val)?;
        let history = training::fit(&mut trainer, run)?;
        drop(trainer);
        Ok((model, history))
    }

    fn curves() -> Vec<Curve<MathieuFigures>> {
        vec![
            Curve { panel: CurvePanel::Reconstruction, legend: "train rec", value: |f| Some(f.rec) },
            Curve { panel: CurvePanel::Reconstruction, legend: "train val_rec", value: |f| Some(f.val_rec) },
            Curve { panel: CurvePanel::Accuracy, legend: "train disc_acc", value: |f| Some(f.disc_acc) },
        ]
    }
}
