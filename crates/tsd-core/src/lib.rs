//! The models of tsd, built with tch (libtorch), behind one trait and one registry.
//!
//! - [`method`]: the [`Method`] trait every method implements in its own
//!   folder, and the registry that lists them ([`MethodId::all`]); the rest of
//!   tsd handles any method through [`MethodId`], [`MethodConfig`] and
//!   [`TrainedModel`] and never matches on one.
//! - [`two_step`]: the two-step disentanglement method (Hadad, Wolf & Shahar,
//!   CVPR 2018) with the authors' released settings.
//! - [`mathieu`]: the Gaussian-prior adversarial baseline (Mathieu et al., NIPS 2016).
//! - [`matched_z`]: ours, the two-step model's step 2 with Z matched to one
//!   prior in every class (class-conditional MMD) and a confusion loss.
//! - [`Disentangler`]: what every model offers evaluation code (encode to
//!   `(S, Z)`, decode, swap).
//! - [`common`]: layers, optimisers, checkpoints and the model file shared by all models.
//! - [`train::fit`]: seeded, resumable training with atomic safetensors
//!   checkpoints, progress bars, a per-epoch CSV log of typed figures and a NaN/Inf guard.
//!
//! ```no_run
//! use tsd_core::{Budget, MethodId, train::RunOptions};
//! let splits = tsd_data::load(tsd_data::DatasetKind::Mnist, &Default::default())?;
//! let two_step: MethodId = "two-step".parse()?;
//! let mut config = two_step.preset("mnist", Budget::Full)?;
//! config.set("step1.epochs", "1")?;
//! config.set("step2.epochs", "1")?;
//! let run = RunOptions::new("runs/example");
//! let (model, _history) = config.train(&splits, tch::Device::Cpu, &run)?;
//! model.save(std::path::Path::new("runs/example/model.safetensors"))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod common;
mod device;
mod error;
pub mod matched_z;
pub mod mathieu;
pub mod method;
mod model;
pub mod train;
pub mod two_step;

pub use common::config::{ConfigFile, InputScaling, OptimizerKind};
pub use common::saved::SavedModel;
pub use common::tensors::{images_to_tensor, TensorData};
pub use device::{device_name, DeviceChoice};
pub use error::{CoreError, Result};
pub use mathieu::{BatchOrder, Mathieu, MathieuConfig, MathieuModel, MathieuTrainer};
pub use method::{Budget, Code, Method, MethodConfig, MethodId, Model, OwnScore, Series};
pub use model::{
    encode_dataset, encode_tensor, encode_with_samples, reconstruction_mse, reconstruction_mse_mean_z, Codes,
    DatasetCodes, Disentangler, ModelSpec,
};
pub use two_step::{TwoStep, TwoStepConfig, TwoStepEval, TwoStepModel, TwoStepTrainer};
