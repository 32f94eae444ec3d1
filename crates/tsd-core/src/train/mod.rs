//! Training machinery shared by every model: epochs grouped in phases,
//! progress bars, a per-epoch CSV log, atomic checkpoints after every epoch,
//! exact resume, and a guard that stops on a NaN/Inf loss.

mod log;
mod stop;

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use tch::{Kind, Tensor};

pub use log::{EpochRecord, History};
pub use stop::{Stop, Stopped};

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

    /// Whether `phase` has converged after the epochs in `history` and stops
    /// before its last epoch (checked before each epoch; default: never).
    fn converged(&self, _phase: usize, _history: &History) -> bool {
        false
    }

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
    /// What the run is (e.g. `config` = its TOML, `data` = its data options):
    /// stored in every checkpoint, and a resume from a checkpoint of another
    /// run is refused, naming what differs. Empty: no check.
    pub identity: BTreeMap<String, String>,
}

impl RunOptions {
    /// A fresh run in `dir`, progress shown, no identity.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        RunOptions { dir: dir.into(), resume: false, quiet: false, identity: BTreeMap::new() }
    }
}

/// Metadata prefix of a checkpoint's [`RunOptions::identity`].
const IDENTITY_PREFIX: &str = "run/";

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
        Progress {
            bar,
            to_log,
            last_line: Instant::now(),
            message: String::new(),
            phase: self.phase,
            epoch: self.epoch,
        }
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

/// How many batches a [`LossGuard`] lets pass between two checks.
pub const CHECK_EVERY: usize = 16;

/// Losses of the latest batches, kept where they were computed and checked
/// for NaN/Inf together every [`CHECK_EVERY`] batches, in one read: reading
/// each batch's loss on the host would make a GPU wait on every batch. A
/// non-finite loss still stops the epoch naming its batch and loss; the
/// weights of the few batches after it are dropped with the epoch (the
/// checkpoint holds the previous one).
#[derive(Debug, Default)]
pub struct LossGuard {
    pending: Vec<(usize, &'static str, Tensor)>,
}

impl LossGuard {
    /// Keeps `loss` (a scalar) of `batch` for the next check.
    pub fn watch(&mut self, batch: usize, name: &'static str, loss: &Tensor) {
        self.pending.push((batch, name, loss.detach()));
    }

    /// Whether the check is due after `batch` (every [`CHECK_EVERY`] batches).
    pub fn due(batch: usize) -> bool {
        (batch + 1).is_multiple_of(CHECK_EVERY)
    }

    /// An error naming the first watched loss that is not finite; clears the watch list.
    pub fn check(&mut self, ctx: &EpochContext) -> Result<()> {
        let pending = std::mem::take(&mut self.pending);
        if pending.is_empty() {
            return Ok(());
        }
        let all = Tensor::stack(&pending.iter().map(|(_, _, t)| t.to_kind(Kind::Double)).collect::<Vec<_>>(), 0);
        if all.isfinite().all().int64_value(&[]) == 1 {
            return Ok(());
        }
        let values = Vec::<f64>::try_from(&all).unwrap_or_default();
        for ((batch, name, _), value) in pending.iter().zip(values) {
            ctx.check_finite(*batch, name, value)?;
        }
        Ok(())
    }
}

/// Set (by a signal handler of the binary, or by a notebook) to stop training
/// at the next batch; every epoch finished before is in the checkpoint.
pub fn stop_flag() -> &'static Arc<AtomicBool> {
    static STOP: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    STOP.get_or_init(|| Arc::new(AtomicBool::new(false)))
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
    phase: &'static str,
    epoch: usize,
}

impl Progress {
    /// One more batch done; an error when a stop was asked for
    /// ([`stop_flag`]): the epoch's work so far is dropped, and the last
    /// checkpoint (the previous epoch) is where a resume starts.
    pub fn inc(&mut self, batches: u64) -> Result<()> {
        if stop_flag().load(Ordering::Relaxed) {
            self.bar.finish_and_clear();
            return Err(CoreError::Stopped { phase: self.phase.to_string(), epoch: self.epoch });
        }
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
        Ok(())
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
        check_identity(&meta, &run.identity, &ckpt_path)?;
        model.load_state(&tensors, &ckpt_path)?;
        phase = meta_usize(&meta, "phase", &ckpt_path)?;
        epoch = meta_usize(&meta, "epoch", &ckpt_path)?;
        history = History::from_json(meta.get("history").map(String::as_str).unwrap_or("[]"), &ckpt_path)?;
        history.resumed = history.records.len();
        if !run.quiet {
            eprintln!("resuming from {} (phase {}, epoch {})", ckpt_path.display(), phase + 1, epoch);
        }
    }
    let phases = model.phases();
    while phase < phases.len() {
        let (name, epochs) = phases[phase];
        while epoch < epochs && !model.converged(phase, &history) {
            let ctx = EpochContext { phase: name, epoch, epochs, quiet: run.quiet };
            let started = Instant::now();
            let figures = model.train_epoch(phase, epoch, &ctx)?;
            let record = EpochRecord::new(name, epoch, started.elapsed().as_secs_f64(), &figures)?;
            if !run.quiet {
                eprintln!("{record}");
            }
            history.push(record);
            epoch += 1;
            // The log first: a kill between the two leaves a log one epoch
            // ahead of the checkpoint, which the resumed epoch rewrites,
            // never a checkpoint whose epoch the log lacks.
            history.write_csv(&log_path)?;
            save_state(model, &ckpt_path, phase, epoch, &history, &run.identity)?;
            if stop_flag().load(Ordering::Relaxed) {
                return Err(CoreError::Stopped { phase: name.to_string(), epoch });
            }
        }
        model.end_phase(phase)?;
        phase += 1;
        epoch = 0;
        save_state(model, &ckpt_path, phase, epoch, &history, &run.identity)?;
    }
    Ok(history)
}

fn save_state<T: Trainable + ?Sized>(
    model: &T,
    path: &Path,
    phase: usize,
    epoch: usize,
    history: &History,
    identity: &BTreeMap<String, String>,
) -> Result<()> {
    let mut meta = BTreeMap::from([
        ("phase".to_string(), phase.to_string()),
        ("epoch".to_string(), epoch.to_string()),
        ("history".to_string(), history.to_json()),
    ]);
    meta.extend(identity.iter().map(|(k, v)| (format!("{IDENTITY_PREFIX}{k}"), v.clone())));
    checkpoint::save(path, &model.state(), &meta)
}

/// Refuses a checkpoint written for another run than `identity` describes
/// (checkpoints without an identity, from older versions, are accepted).
fn check_identity(meta: &BTreeMap<String, String>, identity: &BTreeMap<String, String>, path: &Path) -> Result<()> {
    let mut differences = Vec::new();
    for (key, now) in identity {
        let Some(there) = meta.get(&format!("{IDENTITY_PREFIX}{key}")) else { continue };
        if there != now {
            differences.push(match toml_differences(there, now) {
                Some(fields) if !fields.is_empty() => format!("{key}: {}", fields.join(", ")),
                _ => format!("{key} differs"),
            });
        }
    }
    if differences.is_empty() {
        return Ok(());
    }
    Err(CoreError::BadCheckpoint {
        path: path.to_path_buf(),
        problem: format!(
            "the checkpoint was written by another run ({}); resume it with that run's options, \
             or delete it to train this run from its first epoch",
            differences.join("; ")
        ),
    })
}

/// The dotted keys whose values differ between two TOML texts, as
/// `key: A there, B now` (`None` when either is not TOML).
fn toml_differences(there: &str, now: &str) -> Option<Vec<String>> {
    fn flatten(prefix: &str, value: &toml::Value, out: &mut BTreeMap<String, String>) {
        match value {
            toml::Value::Table(t) => {
                for (k, v) in t {
                    let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    flatten(&key, v, out);
                }
            }
            other => {
                out.insert(prefix.to_string(), other.to_string());
            }
        }
    }
    let parse = |text: &str| -> Option<BTreeMap<String, String>> {
        let mut out = BTreeMap::new();
        flatten("", &toml::Value::Table(text.parse().ok()?), &mut out);
        Some(out)
    };
    let (a, b) = (parse(there)?, parse(now)?);
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    Some(
        keys.into_iter()
            .filter(|k| a.get(*k) != b.get(*k))
            .map(|k| {
                let show = |v: Option<&String>| v.cloned().unwrap_or_else(|| "nothing".into());
                format!("{k}: {} there, {} now", show(a.get(k)), show(b.get(k)))
            })
            .collect(),
    )
}

fn meta_usize(meta: &BTreeMap<String, String>, key: &str, path: &Path) -> Result<usize> {
    meta.get(key).and_then(|v| v.parse().ok()).ok_or_else(|| CoreError::BadCheckpoint {
        path: path.to_path_buf(),
        problem: format!("metadata {key:?} missing or not a number"),
    })
}
