//! The one error type of this crate: every variant names the file and the problem.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What can go wrong while locating, reading or splitting a dataset.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The operating system refused a read (or open) of `path`.
    #[error("{}: I/O error: {source}", path.display())]
    Io {
        /// File being read.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// The file starts like gzip (`1f 8b`) but does not decompress.
    #[error("{}: corrupt gzip stream: {message}", path.display())]
    CorruptGzip {
        /// File being read.
        path: PathBuf,
        /// What the decompressor said.
        message: String,
    },

    /// The magic number is not the one this reader expects.
    #[error("{}: wrong magic number: found 0x{found:08X}, expected {expected}", path.display())]
    BadMagic {
        /// File being read.
        path: PathBuf,
        /// The magic number found (IDX: big-endian, NORB: little-endian).
        found: u32,
        /// What was expected, in words.
        expected: String,
    },

    /// The header is well-formed in length but describes an impossible array.
    #[error("{}: invalid header: {message}", path.display())]
    InvalidHeader {
        /// File being read.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },

    /// The file ends before the header or the data its header announces.
    #[error(
        "{}: truncated: the header announces {expected} bytes in all, the file holds only {actual}",
        path.display()
    )]
    Truncated {
        /// File being read (decompressed bytes are counted for a `.gz`).
        path: PathBuf,
        /// Bytes the header and dims require.
        expected: u64,
        /// Bytes actually present.
        actual: u64,
    },

    /// The file is longer than its dims say (trailing bytes).
    #[error(
        "{}: dims {dims:?} imply {expected} bytes in all, but the file holds {actual} (trailing bytes)",
        path.display()
    )]
    LengthMismatch {
        /// File being read.
        path: PathBuf,
        /// Dims from the header.
        dims: Vec<usize>,
        /// Bytes the header and dims require.
        expected: u64,
        /// Bytes actually present.
        actual: u64,
    },

    /// The dims are valid but not those this dataset has.
    #[error("{}: unexpected dims {found:?}, expected {expected}", path.display())]
    UnexpectedDims {
        /// File being read.
        path: PathBuf,
        /// Dims found in the header.
        found: Vec<usize>,
        /// What was expected, in words.
        expected: String,
    },

    /// Two files that must describe the same items disagree on their number.
    #[error(
        "{} holds {n_images} items but {} holds {n_labels}",
        images.display(),
        labels.display()
    )]
    CountMismatch {
        /// The image file.
        images: PathBuf,
        /// Number of items in it.
        n_images: usize,
        /// The label (or attribute / info) file.
        labels: PathBuf,
        /// Number of items in it.
        n_labels: usize,
    },

    /// A label lies outside `0..limit`.
    #[error("{}: label #{index} is {value}, outside 0..{limit}", path.display())]
    LabelOutOfRange {
        /// Label file.
        path: PathBuf,
        /// Position of the label in the file.
        index: usize,
        /// The value found.
        value: i64,
        /// Number of classes.
        limit: i64,
    },

    /// A factor value (e.g. NORB azimuth) is not one the format allows.
    #[error("{}: {factor} of item #{index} is {value}, expected {allowed}", path.display())]
    FactorOutOfRange {
        /// File being read.
        path: PathBuf,
        /// Factor name.
        factor: String,
        /// Item position in the file.
        index: usize,
        /// The value found.
        value: i64,
        /// The allowed values, in words.
        allowed: String,
    },

    /// The file is well-formed but does not hold what it should (an R data
    /// file with an unsupported object, a price matrix of the wrong type, …).
    #[error("{}: {message}", path.display())]
    BadContent {
        /// File being read.
        path: PathBuf,
        /// What is wrong, and where.
        message: String,
    },

    /// `splits.json` is unreadable or inconsistent.
    #[error("{}: bad splits file: {message}", path.display())]
    BadSplits {
        /// The splits file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },

    /// None of the folders looked in holds the dataset's files.
    #[error("{}", missing_message(dataset, searched, states, expected, hint.as_deref()))]
    MissingDataset {
        /// Dataset name, e.g. `"norb"`.
        dataset: String,
        /// Every folder looked in, in order.
        searched: Vec<PathBuf>,
        /// What each searched folder lacks (`no such folder`, `missing: a, b`,
        /// `a folder, not a file: c`), in the order of `searched`.
        states: Vec<String>,
        /// The files expected in the folder (each may also be gzipped, `.gz`).
        expected: Vec<String>,
        /// How to obtain the data, when known.
        hint: Option<String>,
    },

    /// The load options cannot be satisfied (e.g. a hold-out larger than the set).
    #[error("invalid options for {dataset}: {message}")]
    InvalidOptions {
        /// Dataset name.
        dataset: String,
        /// What is wrong.
        message: String,
    },
}

/// Result with a [`DataError`].
pub type Result<T> = std::result::Result<T, DataError>;

impl DataError {
    /// The file the error is about, when there is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            DataError::Io { path, .. }
            | DataError::CorruptGzip { path, .. }
            | DataError::BadMagic { path, .. }
            | DataError::InvalidHeader { path, .. }
            | DataError::Truncated { path, .. }
            | DataError::LengthMismatch { path, .. }
            | DataError::UnexpectedDims { path, .. }
            | DataError::LabelOutOfRange { path, .. }
            | DataError::FactorOutOfRange { path, .. }
            | DataError::BadContent { path, .. }
            | DataError::BadSplits { path, .. } => Some(path),
            DataError::CountMismatch { images, .. } => Some(images),
            DataError::MissingDataset { .. } | DataError::InvalidOptions { .. } => None,
        }
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> DataError {
        DataError::Io { path: path.to_path_buf(), source }
    }

    pub(crate) fn options(dataset: &str, message: impl Into<String>) -> DataError {
        DataError::InvalidOptions { dataset: dataset.to_string(), message: message.into() }
    }
}

fn missing_message(
    dataset: &str,
    searched: &[PathBuf],
    states: &[String],
    expected: &[String],
    hint: Option<&str>,
) -> String {
    let mut s = format!("dataset `{dataset}` not found; looked in:");
    if searched.is_empty() {
        s.push_str(" (no folder)");
    }
    for (i, dir) in searched.iter().enumerate() {
        let _ = write!(s, "\n  {}", dir.display());
        if let Some(state) = states.get(i).filter(|t| !t.is_empty()) {
            let _ = write!(s, " ({state})");
        }
    }
    s.push_str("\nexpected files there (each may be gzipped, with `.gz` appended):");
    for f in expected {
        let _ = write!(s, "\n  {f}");
    }
    if let Some(h) = hint {
        let _ = write!(s, "\n{h}");
    }
    s
}
