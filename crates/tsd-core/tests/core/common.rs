//! Helpers shared by the test modules.

use std::path::Path;

use tch::Tensor;
use tsd_core::common::checkpoint::TensorMap;
use tsd_core::train::{EpochContext, History, RunOptions, Trainable};
use tsd_core::CoreError;
use tsd_data::{synthetic, Splits};

/// Classes of the generated data.
pub const CLASSES: usize = 4;

/// Small generated train / val / test sets.
pub fn data() -> Splits {
    synthetic::splits(800, 200, 200, CLASSES, 1)
}

/// Run options in `dir` (progress shown when `TSD_TEST_VERBOSE` is set).
pub fn run(dir: &Path, resume: bool) -> RunOptions {
    RunOptions { resume, quiet: std::env::var_os("TSD_TEST_VERBOSE").is_none(), ..RunOptions::new(dir) }
}

/// The figure `key` of every epoch of `phase`.
pub fn values(history: &History, phase: &str, key: &str) -> Vec<f64> {
    history.phase(phase).filter_map(|r| r.get(key)).collect()
}

/// Wraps a trainer and fails (as a kill would) after `remaining` epochs.
pub struct Interrupted<T> {
    inner: T,
    remaining: usize,
}

impl<T: Trainable> Interrupted<T> {
    /// `inner`, stopped after `epochs` epochs.
    pub fn new(inner: T, epochs: usize) -> Self {
        Interrupted { inner, remaining: epochs }
    }
}

impl<T: Trainable> Trainable for Interrupted<T> {
    type Figures = T::Figures;

    fn phases(&self) -> Vec<(&'static str, usize)> {
        self.inner.phases()
    }
    fn train_epoch(&mut self, phase: usize, epoch: usize, ctx: &EpochContext) -> tsd_core::Result<T::Figures> {
        if self.remaining == 0 {
            return Err(CoreError::Data("simulated interruption".into()));
        }
        self.remaining -= 1;
        self.inner.train_epoch(phase, epoch, ctx)
    }
    fn converged(&self, phase: usize, history: &tsd_core::train::History) -> bool {
        self.inner.converged(phase, history)
    }
    fn end_phase(&mut self, phase: usize) -> tsd_core::Result<()> {
        self.inner.end_phase(phase)
    }
    fn state(&self) -> Vec<(String, Tensor)> {
        self.inner.state()
    }
    fn load_state(&mut self, tensors: &TensorMap, path: &Path) -> tsd_core::Result<()> {
        self.inner.load_state(tensors, path)
    }
}
