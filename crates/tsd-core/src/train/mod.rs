//! Training machinery shared by every model: epochs grouped in phases,
//! progress bars, a per-epoch CSV log, atomic checkpoints after every epoch,
//! exact resume, and a guard that stops on a NaN/Inf loss.

mod log;

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use tch::Tensor;

pub use log::{EpochRecord, History};

use crate::common::checkpoint::{self, TensorMap};
use crate::{CoreError, Result};

/// Name of the training-state checkpoint inside a run folder.
pub const CHECKPOINT_FILE: &str = "checkpoint.safetensors";
/// Name of the per-epoch log inside a run folder.
pub const LOG_FILE: &str = "log.csv";

/// A model (with its data and optimisers) that trains epoch by epoch.
pub trait Trainable {
    /// What one epoch measured: a struct of numbers (or an enum of such
    /// structs, one variant per phase, tagged `phase`), written to the log
    /// in field order ([`EpochRecord`]) and read back with [`EpochRecord::figures`].
    type Figures: Serialize;

    /// The phases in order, with their number of epochs (e.g. `[("step1", 40), ("step2", 40)]`).
    fn phases(&self) -> Vec<(&'static str, usize)>;

    /// Trains one epoch of `phase` and returns its figures.
    fn train_epoch(&mut self, phase: usize, epoch: usize, ctx: &EpochContext) -> Result<Self::Figures>;

    /// Called once after the last epoch of `phase` (e.g. to restore the best weights).
    fn end_phase(&mut self, phase: usize) -> Result<()>;

    /// Everything needed to resume: weights, optimiser states, best-so-far snapshots.
    fn state(&self) -> Vec<(String, Tensor)>;

    /// Restores a state written by [`Trainable::state`] (read from `path`).
    fn load_state(&mut self, tensors: &TensorMap, path: &Path) -> Result<()>;
}

/// Where and how a training run writes.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Run folder: checkpoint, log and (by the caller) model and config.
    pub dir: PathBuf,
    /// Continue from the folder's checkpoint instead of refusing to overwrite it.
    pub resume: bool,
    /// Hide progress bars and per-epoch lines.
    pub quiet: bool,
}

/// Per-epoch helpers handed to [`Trainable::train_epoch`].
#[derive(Debug)]
pub struct EpochContext {
    phase: &'static str,
    epoch: usize,
    epochs: usize,
    quiet: bool,
}

impl EpochContext {
    /// Progress over `batches` batches, labelled with phase and epoch: a bar on
    /// a terminal, a line every [`LOG_INTERVAL`] in logs (Slurm, CI, nohup).
    pub fn progress(&self, batches: usize) -> Progress {
        let bar = ProgressBar::new(batches as u64);
        let to_log = !self.quiet && !std::io::stderr().is_terminal();
        if self.quiet || to_log {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        let style = ProgressStyle::with_template("{prefix} [{bar:25}] {pos}/{len} {per_sec} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(format!("{} epoch {}/{}", self.phase, self.epoch + 1, self.epochs));
        Progress { bar, to_log, last_line: Instant::now(), message: String::new() }
    }

    /// An error unless `value` is finite.
    pub fn check_finite(&self, batch: usize, loss: &str, value: f64) -> Result<()> {
        if value.is_finite() {
            return Ok(());
        }
        Err(CoreError::NonFinite {
            phase: self.phase.to_string(),
            epoch: self.epoch,
            batch,
            loss: loss.to_string(),
            value,
        })
    }
}

/// How often [`Progress`] writes a line when stderr is not a terminal.
pub const LOG_INTERVAL: std::time::Duration = std::time::Duration::from_secs(30);

/// Progress of one epoch: an indicatif bar, or periodic lines in a log.
#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
    to_log: bool,
    last_line: Instant,
    message: String,
}

impl Progress {
    /// One more batch done.
    pub fn inc(&mut self, batches: u64) {
        self.bar.inc(batches);
        if self.to_log && self.last_line.elapsed() >= LOG_INTERVAL {
            self.last_line = Instant::now();
            let (pos, len) = (self.bar.position(), self.bar.length().unwrap_or(0));
            eprintln!(
                "{} {pos}/{len} batches ({:.1} batches/s) {}",
                self.bar.prefix(),
                self.bar.per_sec(),
                self.message
            );
        }
    }

    /// The figures shown beside the bar.
    pub fn set_message(&mut self, message: String) {
        self.bar.set_message(message.clone());
        self.message = message;
    }

    /// Removes the bar.
    pub fn finish_and_clear(&self) {
        self.bar.finish_and_clear();
    }

    /// Time since the epoch started.
    pub fn elapsed(&self) -> std::time::Duration {
        self.bar.elapsed()
    }
}

/// Runs (or resumes) every phase of `model`, checkpointing after each epoch.
/// Returns the whole history, including epochs done before a resume.
pub fn fit<T: Trainable + ?Sized>(model: &mut T, run: &RunOptions) -> Result<History> {
    let ckpt_path = run.dir.join(CHECKPOINT_FILE);
    let log_path = run.dir.join(LOG_FILE);
    let (mut phase, mut epoch, mut history) = (0usize, 0usize, History::default());
    if ckpt_path.exists() {
        if !run.resume {
            return Err(CoreError::BadConfig {
                path: Some(ckpt_path),
                problem: "a training checkpoint is already there: pass --resume to continue it, or choose another output folder".into(),
            });
        }
        let (tensors, meta) = checkpoint::load(&ckpt_path, tch::Device::Cpu)?;
        model.load_state(&tensors, &ckpt_path)?;
        phase = meta_usize(&meta, "phase", &ckpt_path)?;
        epoch = meta_usize(&meta, "epoch", &ckpt_path)?;
        history = History::from_json(meta.get("history").map(String::as_str).unwrap_or("[]"), &ckpt_path)?;
        if !run.quiet {
            eprintln!("resuming from {} (phase {}, epoch {})", ckpt_path.display(), phase + 1, epoch);
        }
    }
    let phases = model.phases();
    while phase < phases.len() {
        let (name, epochs) = phases[phase];
        while epoch < epochs {
            let ctx = EpochContext { phase: name, epoch, epochs, quiet: run.quiet };
            let started = Instant::now();
            let figures = model.train_epoch(phase, epoch, &ctx)?;
            let record = EpochRecord::new(name, epoch, started.elapsed().as_secs_f64(), &figures)?;
            if !run.quiet {
                eprintln!("{record}");
            }
            history.push(record);
            epoch += 1;
            save_state(model, &ckpt_path, phase, epoch, &history)?;
            history.write_csv(&log_path)?;
        }
        model.end_phase(phase)?;
        phase += 1;
        epoch = 0;
        save_state(model, &ckpt_path, phase, epoch, &history)?;
    }
    Ok(history)
}

fn save_state<T: Trainable + ?Sized>(
    model: &T,
    path: &Path,
    phase: usize,
    epoch: usize,
    history: &History,
) -> Result<()> {
    let meta = BTreeMap::from([
        ("phase".to_string(), phase.to_string()),
        ("epoch".to_string(), epoch.to_string()),
        ("history".to_string(), history.to_json()),
    ]);
    checkpoint::save(path, &model.state(), &meta)
}

fn meta_usize(meta: &BTreeMap<String, String>, key: &str, path: &Path) -> Result<usize> {
    meta.get(key).and_then(|v| v.parse().ok()).ok_or_else(|| CoreError::BadCheckpoint {
        path: path.to_path_buf(),
        problem: format!("metadata {key:?} missing or not a number"),
    })
}
