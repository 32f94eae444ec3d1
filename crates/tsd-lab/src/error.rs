//! Typed errors of the experiment library. The `tsd` binary prints them
//! with their chain of causes ([`std::error::Error::source`]).

use std::fmt;

/// Everything that can go wrong while running, auditing or merging runs.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// From the model crate (training, checkpoints, configs).
    #[error(transparent)]
    Core(#[from] tsd_core::CoreError),
    /// From the data readers.
    #[error(transparent)]
    Data(#[from] tsd_data::DataError),
    /// From the probes.
    #[error(transparent)]
    Metrics(#[from] tsd_metrics::MetricsError),
    /// Reading or writing a file or folder (the context names it).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A JSON file that does not parse or a value that does not serialise.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// A CSV file that does not parse.
    #[error(transparent)]
    Csv(#[from] csv::Error),
    /// A TOML text that does not parse.
    #[error(transparent)]
    Toml(#[from] toml::de::Error),
    /// An image that could not be written.
    #[error(transparent)]
    Image(#[from] image::ImageError),
    /// A libtorch tensor that could not be read.
    #[error(transparent)]
    Torch(#[from] tch::TchError),
    /// An array of the wrong shape.
    #[error(transparent)]
    Shape(#[from] ndarray::ShapeError),
    /// Drawing a figure failed (plotters' and t-SNE's errors, as text).
    #[error("drawing a figure: {0}")]
    Figure(String),
    /// A run folder held by another process (see [`crate::run_folder`]).
    #[error("{dir}: the run folder is being written by {holder}; wait for it to finish, or use another folder")]
    Busy {
        /// The run folder.
        dir: std::path::PathBuf,
        /// Who holds it (`process 123 (tsd train ...)`).
        holder: String,
    },
    /// A request refused before anything was changed (another config in a
    /// run folder, an unusable option), or a value missing where it must be.
    #[error("{0}")]
    Refused(String),
    /// What was being done when `source` happened.
    #[error("{context}")]
    Context {
        /// What was being done (`reading runs/x/summary.json`).
        context: String,
        /// What went wrong.
        #[source]
        source: Box<LabError>,
    },
}

impl<W> From<csv::IntoInnerError<W>> for LabError {
    fn from(e: csv::IntoInnerError<W>) -> Self {
        LabError::Io(e.into_error())
    }
}

impl From<linfa_tsne::TSneError> for LabError {
    fn from(e: linfa_tsne::TSneError) -> Self {
        LabError::Figure(format!("t-SNE: {e}"))
    }
}

/// Result type of the experiment library.
pub type Result<T, E = LabError> = std::result::Result<T, E>;

impl LabError {
    /// The error and its causes on one line, `context: cause: cause`.
    pub fn chain(&self) -> String {
        let mut text = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            text.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        text
    }
}

/// `ensure!` for [`LabError::Refused`]: returns the formatted message as an error unless `cond`.
macro_rules! refuse_unless {
    ($cond:expr, $($message:tt)+) => {
        if !$cond {
            return Err($crate::error::LabError::Refused(format!($($message)+)));
        }
    };
}
pub(crate) use refuse_unless;

/// Adds what was being done to an error (or to a missing value).
pub trait Context<T> {
    /// With a fixed description.
    fn context(self, context: impl fmt::Display) -> Result<T>;
    /// With a description made only when there is an error.
    fn with_context<C: fmt::Display>(self, context: impl FnOnce() -> C) -> Result<T>;
}

impl<T, E: Into<LabError>> Context<T> for std::result::Result<T, E> {
    fn context(self, context: impl fmt::Display) -> Result<T> {
        self.map_err(|e| LabError::Context { context: context.to_string(), source: Box::new(e.into()) })
    }

    fn with_context<C: fmt::Display>(self, context: impl FnOnce() -> C) -> Result<T> {
        self.map_err(|e| LabError::Context { context: context().to_string(), source: Box::new(e.into()) })
    }
}

impl<T> Context<T> for Option<T> {
    fn context(self, context: impl fmt::Display) -> Result<T> {
        self.ok_or_else(|| LabError::Refused(context.to_string()))
    }

    fn with_context<C: fmt::Display>(self, context: impl FnOnce() -> C) -> Result<T> {
        self.ok_or_else(|| LabError::Refused(context().to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_keeps_the_cause_in_the_chain() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let err = Err::<(), _>(io).context("reading runs/x/summary.json").unwrap_err();
        assert_eq!(err.to_string(), "reading runs/x/summary.json");
        assert_eq!(err.chain(), "reading runs/x/summary.json: no such file");
        let missing = None::<u8>.with_context(|| "no model").unwrap_err();
        assert!(matches!(missing, LabError::Refused(m) if m == "no model"));
    }
}
