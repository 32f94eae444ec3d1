//! The Gaussian-prior adversarial baseline of Mathieu et al. (NIPS 2016),
//! "Disentangling factors of variation in deep representations using
//! adversarial training" (`../shared/REFERENCE.md` §2), as Jha et al.
//! (ECCV 2018) re-implemented and trained it: the implementation whose
//! numbers later papers publish (REFERENCE §3).
//!
//! One encoder gives a label code s and a Gaussian code z (reparameterised,
//! KL to N(0, I)); the decoder maps (z, s) back to an image in `[0, 1]`. Each
//! iteration reconstructs, swaps s between two images of a class, and makes
//! `Dec(z, s3)` and `Dec(prior sample, s3)` pass a pair discriminator as
//! images of x3's class ([`train`]); the prior-sample fake is what forces the
//! class to come from s. [`crate::Disentangler::encode`] gives the mean of z,
//! [`crate::Disentangler::encode_sampled`] also one sample.

mod batches;
mod config;
pub mod model;
pub mod nets;
mod series_nets;
pub mod train;

pub use batches::{PairedBatch, PairedBatches};
pub use config::{BatchOrder, MathieuConfig, MathieuNetwork};
pub use model::MathieuModel;
pub use train::{MathieuFigures, MathieuTrainer};

use crate::common::config::InputScaling;
use crate::common::cross_section::CrossSectionShape;
use crate::common::saved::SavedModel;
use crate::common::tensors::TensorData;
use crate::method::{dataset_name, Budget, Curve, CurvePanel, Method, MethodSettings, QUICK_EPOCHS};
use crate::model::ModelSpec;
use crate::train::{self as training, History, RunOptions};
use crate::{CoreError, Result};

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

    /// Inputs in [0, 1] with a sigmoid decoder, as Jha et al.
    fn input_scaling(&self) -> InputScaling {
        InputScaling::Unit
    }
}

impl Method for Mathieu {
    const NAME: &'static str = "mathieu";
    const TITLE: &'static str = "Mathieu et al.";
    const CITATION: &'static str =
        "Mathieu, Zhao, Sprechmann, Ramesh & LeCun, NIPS 2016; trained as re-implemented by Jha et al., ECCV 2018";
    const CURVES_CAPTION: &'static str = "Training curves: reconstruction loss (`rec`, `val_rec`) and the image discriminator's accuracy (`disc_acc`); one line per seed.";
    const PRESETS: &'static [&'static str] = &["mnist", "mnist-64", "sprites", "returns", "factor-model"];

    type Config = MathieuConfig;
    type Model = MathieuModel;
    type Figures = MathieuFigures;

    /// The preset of the dataset (MNIST: Jha et al.'s release; return
    /// windows: [`MathieuConfig::returns`]); any other dataset gets the
    /// Sprites preset ([`MathieuConfig::sprites_network`]). The quick budget
    /// trains [`QUICK_EPOCHS`].
    fn preset(name: &str, budget: Budget) -> Result<MathieuConfig> {
        let mut config = match name {
            "mnist" => MathieuConfig::mnist(),
            "mnist-64" => MathieuConfig::mnist_64(),
            "sprites" => MathieuConfig::sprites(),
            "returns" | "factor-model" => MathieuConfig::returns(name),
            other => MathieuConfig::sprites_network(dataset_name::<Self>(other)?),
        };
        if budget.is_quick() {
            config.epochs = QUICK_EPOCHS;
        }
        Ok(config)
    }

    /// The conv networks take images of at least [`nets::MIN_SIDE`] pixels
    /// a side; the cross-section networks, return windows with their context.
    fn train_tensors(
        config: &MathieuConfig,
        spec: ModelSpec,
        train: TensorData,
        val: TensorData,
        run: &RunOptions,
    ) -> Result<(MathieuModel, History)> {
        match config.network {
            MathieuNetwork::CrossSection { .. } => CrossSectionShape::check(&spec).map_err(CoreError::Data)?,
            MathieuNetwork::Conv if spec.side < nets::MIN_SIDE => {
                return Err(CoreError::Data(format!(
                    "Mathieu et al.'s conv networks need images of at least {0}x{0} pixels (a last conv map \
                     of 2x2 or more for its InstanceNorm), got {1}x{1}{2}",
                    nets::MIN_SIDE,
                    spec.side,
                    if spec.side == 1 {
                        " (for return windows, use the returns preset's cross-section network)"
                    } else {
                        ""
                    }
                )));
            }
            MathieuNetwork::Conv => {}
        }
        let mut model = MathieuModel::new(config.clone(), spec, train.images.device());
        let mut trainer = MathieuTrainer::from_tensors(&mut model, train, val)?;
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
