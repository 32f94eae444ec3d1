//! Typed errors of the model crate.

use std::path::PathBuf;

/// Everything that can go wrong while building, training, saving or loading a model.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// An error from libtorch.
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A checkpoint or model file is not what it should be.
    #[error("{path}: {problem}")]
    BadCheckpoint {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// A configuration file or value is invalid.
    #[error("config{}: {problem}", path.as_ref().map(|p| format!(" {}", p.display())).unwrap_or_default())]
    BadConfig {
        /// The file, when the config came from one.
        path: Option<PathBuf>,
        /// What is wrong.
        problem: String,
    },
    /// A loss became NaN or infinite; the last good checkpoint is kept.
    #[error("{loss} loss became {value} at {phase}, epoch {epoch}, batch {batch}; the last good checkpoint is kept")]
    NonFinite {
        /// Training phase (`step1`, `step2`, ...).
        phase: String,
        /// Epoch (0-based).
        epoch: usize,
        /// Batch within the epoch (0-based).
        batch: usize,
        /// Which loss.
        loss: String,
        /// Its value.
        value: f64,
    },
    /// Training was asked to stop (Ctrl-C, SIGTERM); the checkpoint holds every finished epoch.
    #[error("stopped at {phase} epoch {}: every finished epoch is in the checkpoint; run the same command with --resume to continue", epoch + 1)]
    Stopped {
        /// Training phase.
        phase: String,
        /// Epoch (0-based) that was under way (or next, when stopped between epochs).
        epoch: usize,
    },
    /// Data does not fit the model (wrong image shape, label out of range...).
    #[error("data: {0}")]
    Data(String),
    /// CUDA was requested but is not available.
    #[error("--device cuda was requested but no CUDA device is available")]
    NoCuda,
}

/// Result type of the model crate.
pub type Result<T> = std::result::Result<T, CoreError>;

impl CoreError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        CoreError::Io { path: path.into(), source }
    }
}
