//! Library side of the `tsd` command: the pipeline that trains a method on a
//! dataset and audits its codes with fresh probes, and the reproduction sweep
//! built on it. The binary (`main.rs`) and the notebooks both call it.
//!
//! - [`pipeline`]: train one run and probe its codes;
//! - [`setup`]: a run's data request and `--set` overrides;
//! - [`sweep`], [`budget`], [`manifest`]: the runs of `tsd reproduce`, their
//!   budget and their `run.json`;
//! - [`results`]: `tsd merge`, tables, figures and README from run folders.

pub mod budget;
pub mod manifest;
pub mod pipeline;
pub mod results;
pub mod setup;
pub mod sweep;
