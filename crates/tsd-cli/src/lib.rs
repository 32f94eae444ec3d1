//! Library side of the `tsd` command: the pipeline that trains a method on a
//! dataset and audits its codes with fresh probes. The binary (`main.rs`) and
//! the notebooks both call it.

pub mod pipeline;
