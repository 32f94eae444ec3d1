//! tsd's experiment library: train a method on a dataset and audit its codes
//! with fresh probes, in run folders; sweeps of runs with their budgets; and
//! the results folder (typed summaries, exporters, figures) built from them.
//! The `tsd` binary only parses arguments and prints; notebooks call this
//! crate directly.
//!
//! - [`error`]: the typed [`LabError`] every function here returns;
//! - [`pipeline`]: train one run (any registered method) and probe its codes
//!   into a [`pipeline::RunSummary`];
//! - [`run_folder`]: one writer per run folder, checks before any write;
//! - [`setup`]: a run's data request and `--set` overrides;
//! - [`sweep`], [`budget`], [`manifest`]: the runs of a reproduction sweep,
//!   what the quick budget means for data and probes, and each run's `run.json`;
//! - [`returns`]: the financial experiment (returns windows, the classical
//!   decomposition, their audit and tables);
//! - [`results`]: a results folder rebuilt from run folders: typed
//!   summaries keyed by (method, code, probe) and their exporters (CSV,
//!   Markdown, JSON, README), figures.

pub mod budget;
pub mod error;
pub mod manifest;
pub mod pipeline;
pub mod results;
pub mod returns;
pub mod run_folder;
pub mod setup;
pub mod swap_labels;
pub mod sweep;

pub use error::{LabError, Result};
