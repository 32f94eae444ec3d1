//! The two-step disentanglement method (Hadad, Wolf & Shahar, CVPR 2018):
//! step 1 trains an S-encoder with a classifier; step 2 freezes it and trains
//! a Z-encoder and a decoder to reconstruct the image while an adversary,
//! trained on detached Z, tries to read the label from Z.
//!
//! - [`config`]: hyper-parameters with the authors' released presets;
//! - [`nets`]: the conv encoders and the decoder;
//! - [`matching`]: the extra step-2 terms of the matched-Z method;
//! - [`model`]: the model, its file and its test-set evaluation;
//! - [`train`]: both steps, resumable epoch by epoch.

pub mod config;
pub mod matching;
pub mod model;
pub mod nets;
pub mod train;

pub use config::{AdversaryConfig, MlpConfig, Network, ReconLoss, Schedule, Step1Config, Step2Config, TwoStepConfig};
pub use model::{TwoStepEval, TwoStepModel};
pub use train::{Step1Figures, Step2Figures, TwoStepEpoch, TwoStepTrainer};

use crate::common::config::InputScaling;
use crate::common::saved::SavedModel;
use crate::common::tensors::TensorData;
use crate::method::{dataset_name, Budget, Curve, CurvePanel, Method, MethodSettings, QUICK_EPOCHS};
use crate::model::ModelSpec;
use crate::train::{self as training, History, RunOptions, Stop};
use crate::{CoreError, Result};

/// BatchNorm momentum (torch terms) of quick runs: with Keras' 0.99 (0.01
/// here) a few hundred steps leave the running averages close to their
/// initial values, and evaluation-mode accuracy collapses (seen on Cars3D:
/// 63% train, 2% validation accuracy after 2 quick epochs).
pub const QUICK_BN_MOMENTUM: f64 = 0.1;

/// The two-step method, as registered.
#[derive(Debug, Clone, Copy)]
pub struct TwoStep;

impl MethodSettings for TwoStepConfig {
    fn seed(&self) -> u64 {
        self.seed
    }

    fn total_epochs(&self) -> usize {
        self.step1.epochs + self.step2.epochs
    }

    fn input_scaling(&self) -> InputScaling {
        self.scaling
    }

    fn stop(&self) -> Stop {
        self.step2.stop
    }
}

impl Method for TwoStep {
    const NAME: &'static str = "two-step";
    const TITLE: &'static str = "two-step";
    const CITATION: &'static str = "Hadad, Wolf & Shahar, CVPR 2018";
    const CURVES_CAPTION: &'static str = "Training curves: step-1 classifier accuracy on S, then step-2 reconstruction loss (train `rec`, validation `val_rec`) and the adversary's accuracy on Z (`adv_acc`, `val_adv_acc`); one line per seed.";
    const PRESETS: &'static [&'static str] = &["mnist", "sprites", "returns", "factor-model"];

    type Config = TwoStepConfig;
    type Model = TwoStepModel;
    type Figures = TwoStepEpoch;

    /// The released settings of the dataset (REFERENCE §1); return windows
    /// (`returns`, `factor-model`) get [`TwoStepConfig::returns`]; any other
    /// dataset gets the released Sprites network
    /// ([`TwoStepConfig::sprites_network`]). The quick budget
    /// trains [`QUICK_EPOCHS`] per step and also steps Z-encoder and decoder on
    /// every batch: with the released schedule (every 4th batch of every 4th
    /// epoch) two epochs would give them only a quarter of one epoch of
    /// updates, and Z would stay an untrained encoder. Its BatchNorm uses
    /// [`QUICK_BN_MOMENTUM`].
    fn preset(name: &str, budget: Budget) -> Result<TwoStepConfig> {
        let mut config = match name {
            "mnist" => TwoStepConfig::mnist_released(),
            "sprites" => TwoStepConfig::sprites_released(),
            "returns" | "factor-model" => TwoStepConfig::returns(name),
            other => TwoStepConfig::sprites_network(dataset_name::<Self>(other)?),
        };
        if budget.is_quick() {
            config.step1.epochs = QUICK_EPOCHS;
            config.step2.epochs = QUICK_EPOCHS;
            config.step2.schedule = Schedule::EveryBatch;
            config.step2.stop = Stop::Epochs;
            config.bn_momentum = QUICK_BN_MOMENTUM;
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
        if let Network::CrossSection { .. } = config.network {
            crate::common::cross_section::CrossSectionShape::check(&spec).map_err(CoreError::Data)?;
        }
        let mut model = TwoStepModel::new(config.clone(), spec, train.images.device());
        let mut trainer = TwoStepTrainer::from_tensors(&mut model, train, val);
        let history = training::fit(&mut trainer, run)?;
        drop(trainer);
        Ok((model, history))
    }

    fn curves() -> Vec<Curve<TwoStepEpoch>> {
        use TwoStepEpoch::{Step1, Step2};
        vec![
            Curve {
                panel: CurvePanel::Reconstruction,
                legend: "step2 rec",
                value: |e| if let Step2(s) = e { s.rec } else { None },
            },
            Curve {
                panel: CurvePanel::Reconstruction,
                legend: "step2 val_rec",
                value: |e| if let Step2(s) = e { Some(s.val_rec) } else { None },
            },
            Curve {
                panel: CurvePanel::Accuracy,
                legend: "step1 acc",
                value: |e| if let Step1(s) = e { Some(s.acc) } else { None },
            },
            Curve {
                panel: CurvePanel::Accuracy,
                legend: "step1 val_acc",
                value: |e| if let Step1(s) = e { Some(s.val_acc) } else { None },
            },
            Curve {
                panel: CurvePanel::Accuracy,
                legend: "step2 adv_acc",
                value: |e| if let Step2(s) = e { Some(s.adv_acc) } else { None },
            },
            Curve {
                panel: CurvePanel::Accuracy,
                legend: "step2 val_adv_acc",
                value: |e| if let Step2(s) = e { Some(s.val_adv_acc) } else { None },
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::method::series;
    use crate::train::EpochRecord;

    fn step1(epoch: usize, acc: f64) -> EpochRecord {
        let figures = TwoStepEpoch::Step1(Step1Figures { loss: 1.0, acc, val_acc: acc, samples_per_s: 10.0 });
        EpochRecord::new("step1", epoch, 1.0, &figures).unwrap()
    }

    fn step2(epoch: usize, rec: Option<f64>, val_adv_acc: f64) -> EpochRecord {
        let figures = TwoStepEpoch::Step2(Step2Figures {
            rec,
            adv_loss: 2.0,
            adv_acc: 0.5,
            val_rec: 3.0,
            val_adv_acc,
            encoder_steps: if rec.is_some() { 145.0 } else { 0.0 },
            mmd: None,
            confusion: None,
            samples_per_s: 10.0,
        });
        EpochRecord::new("step2", epoch, 1.0, &figures).unwrap()
    }

    #[test]
    fn figures_go_to_the_log_in_field_order_and_come_back_typed() {
        let record = step2(0, None, 0.3);
        let names: Vec<&str> = record.values.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["adv_loss", "adv_acc", "val_rec", "val_adv_acc", "encoder_steps", "samples_per_s"]);
        let with_rec = step2(1, Some(2.5), 0.2);
        assert_eq!(with_rec.values[0], ("rec".to_string(), 2.5));
        for r in [record, with_rec, step1(0, 0.7)] {
            let back: TwoStepEpoch = r.figures().unwrap();
            assert_eq!(EpochRecord::new(&r.phase, r.epoch, r.seconds, &back).unwrap(), r);
        }
    }

    #[test]
    fn epochs_count_across_phases_and_gaps_stay_gaps() {
        let history = History {
            records: vec![step1(0, 0.5), step1(1, 0.7), step2(0, Some(2.0), 0.3), step2(1, None, 0.2)],
            resumed: 0,
        };
        let all = series(&TwoStep::curves(), &history).unwrap();
        let find = |name: &str| all.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no {name}"));
        assert_eq!(find("step1 acc").points, vec![(1.0, 0.5), (2.0, 0.7)]);
        assert_eq!(find("step2 val_adv_acc").points, vec![(3.0, 0.3), (4.0, 0.2)]);
        assert_eq!(find("step2 rec").points, vec![(3.0, 2.0)]);
        assert_eq!(find("step2 rec").panel, CurvePanel::Reconstruction);
    }
}
