//! Matched Z (ours): the two-step model's step 2 with terms that aim at a Z
//! from which no probe trained afterwards can read the label, rather than a
//! Z that fools the model's own adversary.
//!
//! Step 1 is the two-step method's (S-encoder and classifier, then frozen).
//! Step 2 trains the Z-encoder and decoder to reconstruct while matching the
//! distribution of every class's codes to the other classes' (class-conditional
//! MMD), pushing the output of an adversary re-initialised and re-trained
//! before every epoch toward uniform (a confusion loss), and optionally decoding a noisy
//! Z; the released term (the adversary's cross-entropy, maximised) is off by
//! default. Every term is a field of `step2.matching` (or `step2.lambda_adv`)
//! with a weight, so an ablation is one `--set` per row. See
//! [`crate::two_step::matching`] for the terms and why.

use crate::common::config::OptimizerKind;
use crate::common::tensors::TensorData;
use crate::method::{Budget, Curve, CurvePanel, Method};
use crate::model::ModelSpec;
use crate::train::{History, RunOptions, Stop};
use crate::two_step::config::{Schedule, MNIST_STEP2_MAX_EPOCHS};
use crate::two_step::matching::Matching;
use crate::two_step::{TwoStep, TwoStepConfig, TwoStepEpoch, TwoStepModel};
use crate::Result;

/// Most step-2 epochs of the MNIST preset (it stops once converged).
pub const MNIST_MATCHED_MAX_EPOCHS: usize = 60;

/// Most step-2 epochs of the presets on the Sprites network (Sprites,
/// Cars3D, small NORB).
pub const SPRITES_MATCHED_MAX_EPOCHS: usize = 30;

/// Adam learning rate of the matched-Z adversary (the released one: SGD 0.01).
pub const MATCHED_ADVERSARY_LR: f64 = 1e-3;

/// Hidden width of the matched-Z adversary (released MNIST: 64; Sprites: 256).
pub const MATCHED_ADVERSARY_WIDTH: i64 = 256;

/// The matched-Z method, as registered.
#[derive(Debug, Clone, Copy)]
pub struct MatchedZ;

impl Method for MatchedZ {
    const NAME: &'static str = "matched-z";
    const TITLE: &'static str = "matched Z (ours)";
    const CITATION: &'static str =
        "tsd: two-step step 1, then Z matched across classes (class-conditional MMD), a confusion loss and a re-trained adversary";
    const CURVES_CAPTION: &'static str = "Training curves: step-1 classifier accuracy on S, then step-2 reconstruction loss (`rec`, `val_rec`), the class-conditional MMD^2 of Z, each class against the others (`mmd`), and the adversary's accuracy on Z (`adv_acc`, `val_adv_acc`; the adversary is re-initialised and re-trained before every epoch); one line per seed.";
    const PRESETS: &'static [&'static str] = TwoStep::PRESETS;

    type Config = TwoStepConfig;
    type Model = TwoStepModel;
    type Figures = TwoStepEpoch;

    /// The two-step preset of the same name with its step 2 changed: the
    /// matched-Z terms at [`Matching::preset`], the released cross-entropy
    /// term off (`lambda_adv = 0`), an adversary as strong as the probes it
    /// must fool (Adam at [`MATCHED_ADVERSARY_LR`], width
    /// [`MATCHED_ADVERSARY_WIDTH`], re-initialised and re-trained for three
    /// passes on the current codes before every epoch: with the released SGD
    /// adversary a fresh MLP probe still read 64% from Z on MNIST), the encoder/decoder stepping on every
    /// batch (the MMD term needs its steps), and a converging step 2 of at
    /// most [`MNIST_MATCHED_MAX_EPOCHS`] (MNIST) or
    /// [`SPRITES_MATCHED_MAX_EPOCHS`] (image datasets on the Sprites
    /// network). Cars3D trains all [`SPRITES_MATCHED_MAX_EPOCHS`]: its
    /// validation reconstruction swings by half its value from epoch to
    /// epoch while the training one falls, so the rule stopped runs on noise
    /// after 13 epochs with the class-conditional MMD still falling. The
    /// quick budget is the two-step quick budget.
    fn preset(name: &str, budget: Budget) -> Result<TwoStepConfig> {
        let mut config = TwoStep::preset(name, budget)?;
        let step2 = &mut config.step2;
        step2.matching = Some(Matching::preset());
        step2.lambda_adv = 0.0;
        step2.adversary.optimizer = OptimizerKind::Adam;
        step2.adversary.lr = MATCHED_ADVERSARY_LR;
        step2.adversary.mlp.width = MATCHED_ADVERSARY_WIDTH;
        step2.schedule = Schedule::EveryBatch;
        if !budget.is_quick() && !step2.stop.is_epochs() {
            let mnist = step2.epochs == MNIST_STEP2_MAX_EPOCHS;
            step2.epochs = if mnist { MNIST_MATCHED_MAX_EPOCHS } else { SPRITES_MATCHED_MAX_EPOCHS };
            step2.stop = match name {
                "cars3d" => Stop::Epochs,
                _ => Stop::Converged { patience: 10, min_improvement: 0.01 },
            };
        }
        Ok(config)
    }

    fn train_tensors(
        config: &TwoStepConfig,
        spec: ModelSpec,
        train: TensorData,
        val: TensorData,
        run: &RunOptions,
    ) -> Result<(TwoStepModel, History)> {
        TwoStep::train_tensors(config, spec, train, val, run)
    }

    fn curves() -> Vec<Curve<TwoStepEpoch>> {
        let mut curves = TwoStep::curves();
        curves.push(Curve {
            panel: CurvePanel::Reconstruction,
            legend: "step2 mmd",
            value: |e| if let TwoStepEpoch::Step2(s) = e { s.mmd } else { None },
        });
        curves
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_switch_on_the_terms_and_keep_step_one() {
        for name in ["mnist", "sprites", "cars3d", "returns"] {
            let two = TwoStep::preset(name, Budget::Full).unwrap();
            let matched = MatchedZ::preset(name, Budget::Full).unwrap();
            assert_eq!(matched.step1, two.step1, "{name}");
            assert_eq!(matched.step2.matching, Some(Matching::preset()), "{name}");
            assert_eq!(matched.step2.lambda_adv, 0.0);
            assert_eq!(matched.step2.schedule, Schedule::EveryBatch);
            assert_eq!(matched.step2.adversary.optimizer, OptimizerKind::Adam);
        }
        let mnist = MatchedZ::preset("mnist", Budget::Full).unwrap();
        assert_eq!(mnist.step2.epochs, MNIST_MATCHED_MAX_EPOCHS);
        let cars = MatchedZ::preset("cars3d", Budget::Full).unwrap();
        assert_eq!((cars.step2.epochs, cars.step2.stop), (SPRITES_MATCHED_MAX_EPOCHS, Stop::Epochs));
        assert!(!MatchedZ::preset("sprites", Budget::Full).unwrap().step2.stop.is_epochs());
        let quick = MatchedZ::preset("mnist", Budget::Quick).unwrap();
        assert_eq!(quick.step2.epochs, TwoStep::preset("mnist", Budget::Quick).unwrap().step2.epochs);
    }

    #[test]
    fn every_term_is_one_set_away_and_two_step_has_none() {
        use crate::common::config::ConfigFile;
        let mut c = MatchedZ::preset("mnist", Budget::Full).unwrap();
        c.set("step2.matching.mmd", "0").unwrap();
        c.set("step2.matching.confusion", "0").unwrap();
        c.set("step2.matching.noise", "0.1").unwrap();
        c.set("step2.matching.adversary_reset", "0").unwrap();
        let m = c.step2.matching.as_ref().unwrap();
        assert_eq!((m.mmd, m.confusion, m.noise, m.adversary_reset), (0.0, 0.0, 0.1, 0));
        let mut two = TwoStep::preset("mnist", Budget::Full).unwrap();
        assert!(two.set("step2.matching.mmd", "1").is_err());
        assert!(!toml::to_string(&two).unwrap().contains("matching"));
    }
}
