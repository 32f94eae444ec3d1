//! The models of tsd, built with tch (libtorch).
//!
//! - [`TwoStepModel`]: the two-step disentanglement method (Hadad, Wolf & Shahar,
//!   CVPR 2018) with the authors' released settings ([`TwoStepConfig`] presets).
//! - [`Disentangler`]: what every model offers evaluation code (encode to
//!   `(S, Z)`, decode, swap).
//! - [`train::fit`]: seeded, resumable training with atomic safetensors
//!   checkpoints, progress bars, a per-epoch CSV log and a NaN/Inf guard.
//!
//! ```no_run
//! use tsd_core::{train, Disentangler, ModelSpec, TwoStepConfig, TwoStepModel, TwoStepTrainer};
//! let splits = tsd_data::load(tsd_data::DatasetKind::Mnist, &Default::default())?;
//! let mut config = TwoStepConfig::mnist_released();
//! config.step1.epochs = 1;
//! config.step2.epochs = 1;
//! let spec = ModelSpec::for_data(&splits.train, config.scaling)?;
//! let mut model = TwoStepModel::new(config, spec, tch::Device::Cpu);
//! let mut trainer = TwoStepTrainer::new(&mut model, &splits.train, &splits.val);
//! let run = train::RunOptions { dir: "runs/example".into(), resume: false, quiet: false };
//! train::fit(&mut trainer, &run)?;
//! model.save(std::path::Path::new("runs/example/model.safetensors"))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod checkpoint;
pub mod config;
mod device;
mod error;
pub mod mathieu;
mod method;
mod model;
pub mod nets;
mod optim;
mod tensors;
pub mod train;
mod two_step;

pub use config::{ConfigFile, TwoStepConfig};
pub use device::{device_name, DeviceChoice};
pub use error::{CoreError, Result};
pub use mathieu::{MathieuConfig, MathieuModel, MathieuTrainer};
pub use method::{train_method, Method, MethodConfig, TrainedModel};
pub use model::{encode_dataset, reconstruction_mse, Codes, Disentangler, ModelSpec};
pub use optim::Optimizer;
pub use tensors::{images_to_tensor, TensorData};
pub use two_step::{TwoStepEval, TwoStepModel, TwoStepTrainer};
