//! Dataset readers for tsd: MNIST, Sprites, Cars3D and small NORB, and daily
//! stock returns ([`returns`]: real S&P 500 prices read from an R data file by
//! [`rdata`], and a factor model with known truth).
//!
//! Every reader returns a [`Dataset`] of u8 images `(N, C, H, W)` with labels
//! and nuisance factors, split into train / validation / test ([`Splits`]).
//! Bad input (wrong magic, truncated file, inconsistent dims, corrupt gzip,
//! labels out of range) is a [`DataError`] naming the file and the problem.
//! This crate uses ndarray only; it never links libtorch.
//!
//! ```no_run
//! use tsd_data::{load, DatasetKind, LoadOptions};
//!
//! let splits = load(DatasetKind::Mnist, &LoadOptions::default())?;
//! assert_eq!(splits.train.image_shape(), (1, 28, 28));
//! assert_eq!(splits.val.len(), 2000);
//! # Ok::<(), tsd_data::DataError>(())
//! ```
//!
//! What is known about each dataset (files, label, nuisances, origin, known
//! duplicates, caveats for results pages) is in one place, [`facts`]:
//! [`DatasetKind::facts`] gives its [`DatasetFacts`].
//!
//! Modules: [`facts`] (per-dataset facts), [`gz`] (transparent gunzip), [`idx`] and [`norb`] (the two file
//! formats, read whole or record by record), [`resize`] (area downscale),
//! [`mnist`], [`sprites`], [`cars3d`], [`norb`] (the datasets), [`split`]
//! (seeded split plans), [`mod@locate`] (where the data lives), [`mod@survey`]
//! (a report on all of them), [`rdata`] (R's XDR serialisation) and
//! [`returns`] (return panels cut into windows for the financial experiment).

mod builder;
pub mod cars3d;
mod dataset;
mod error;
pub mod facts;
pub mod gz;
pub mod idx;
mod kind;
pub mod locate;
pub mod matrix;
pub mod mnist;
pub mod norb;
mod normalize;
pub mod rdata;
pub mod resize;
pub mod returns;
pub mod split;
pub mod sprites;
pub mod survey;
pub mod synthetic;

pub use dataset::{Dataset, Factor, Splits};
pub use error::{DataError, Result};
pub use facts::DatasetFacts;
pub use kind::{load, load_with_plan, DatasetKind, LoadOptions, UnknownDataset};
pub use locate::locate;
pub use matrix::{ElemType, Elements, Matrix, MatrixReader};
pub use normalize::Normalization;
pub use resize::{resize_area, AreaResize};
pub use split::{Part, SplitIndices};
pub use sprites::SpritesSplit;
pub use survey::{survey, Check, DatasetReport, Status, SurveyTable};
