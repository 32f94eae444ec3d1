//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong when loading codes or measuring leakage.
///
/// Errors raised while reading a file are wrapped in [`MetricsError::InFile`],
/// so the message starts with the file's path; the inner error names the row
/// (or line) and column.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MetricsError {
    /// An error inside a named file.
    #[error("{}: {source}", path.display())]
    InFile {
        /// The file being read.
        path: PathBuf,
        /// What went wrong in it.
        #[source]
        source: Box<MetricsError>,
    },

    /// The file could not be opened or read.
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),

    /// The CSV reader failed (bad quoting, invalid UTF-8, ...).
    #[error("line {line}: malformed CSV: {message}")]
    Csv {
        /// 1-based line in the file (the header is line 1).
        line: u64,
        /// The reader's message.
        message: String,
    },

    /// A CSV row with more or fewer fields than the header.
    #[error("line {line}: expected {expected} fields as in the header, found {found}")]
    RaggedRow {
        /// 1-based line in the file (the header is line 1).
        line: u64,
        /// Number of header fields.
        expected: usize,
        /// Number of fields on this line.
        found: usize,
    },

    /// A CSV feature cell that is not a number.
    #[error("line {line}, column {column:?}: cannot parse {value:?} as a number")]
    ParseNumber {
        /// 1-based line in the file (the header is line 1).
        line: u64,
        /// Header name of the column.
        column: String,
        /// The offending text.
        value: String,
    },

    /// The label column named by the caller is not in the CSV header.
    #[error("no label column {column:?} in the header (columns: {available})")]
    MissingLabelColumn {
        /// The requested column.
        column: String,
        /// The header, comma-separated.
        available: String,
    },

    /// The label column appears more than once in the CSV header.
    #[error("label column {column:?} appears more than once in the header")]
    DuplicateLabelColumn {
        /// The repeated column.
        column: String,
    },

    /// A file with no data at all, or a header and no rows.
    #[error("empty file: {what}")]
    EmptyFile {
        /// What is missing ("no header", "no data rows").
        what: &'static str,
    },

    /// A `.npy` file that cannot be read as the expected array.
    #[error("not a usable .npy array: {message}")]
    Npy {
        /// The reader's message, or what was expected.
        message: String,
    },

    /// A NaN or infinite value among the codes.
    #[error("non-finite value {value} at row {row}, column {column} (0-based)")]
    NonFinite {
        /// 0-based row (example).
        row: usize,
        /// 0-based column (code dimension).
        column: usize,
        /// The value found.
        value: f32,
    },

    /// A CSV cell that parses to NaN or infinity.
    #[error("line {line}, column {column:?}: non-finite value {value:?}")]
    NonFiniteCell {
        /// 1-based line in the file (the header is line 1).
        line: u64,
        /// Header name of the column.
        column: String,
        /// The offending text.
        value: String,
    },

    /// A file given as CSV codes that is not comma-separated text.
    #[error("not CSV codes: {problem}")]
    NotCsv {
        /// What it is instead, and what to do.
        problem: String,
    },

    /// A CSV cell holding a finite number too large for f32 (codes are read as f32).
    #[error("line {line}, column {column:?}: {value} is beyond the range of f32 codes (±3.4e38); rescale the codes")]
    OutOfRangeCell {
        /// 1-based line in the file (the header is line 1).
        line: u64,
        /// Header name of the column.
        column: String,
        /// The offending text.
        value: String,
    },

    /// Number of code rows and number of labels differ.
    #[error("{rows} rows of codes but {labels} labels")]
    LengthMismatch {
        /// Rows of the code matrix.
        rows: usize,
        /// Length of the label vector.
        labels: usize,
    },

    /// Train and test codes have different widths.
    #[error("train codes have {train} columns but test codes have {test}")]
    DimensionMismatch {
        /// Width of the train codes.
        train: usize,
        /// Width of the test codes.
        test: usize,
    },

    /// Train and test CSV headers name their feature columns differently.
    #[error("feature column {index} is {train:?} in train but {test:?} in test")]
    FeatureNamesDiffer {
        /// 0-based position among the feature columns.
        index: usize,
        /// Name in the train header.
        train: String,
        /// Name in the test header.
        test: String,
    },

    /// Codes with no rows or no columns.
    #[error("empty input: {what}")]
    Empty {
        /// Which input is empty.
        what: String,
    },

    /// Every train example has the same label: there is nothing to learn.
    #[error("the train labels hold a single class ({class}); a probe needs at least two")]
    SingleClass {
        /// The only class present.
        class: String,
    },

    /// A test label that never occurs in train.
    #[error("test label {label} (row {row}, 0-based) never occurs in the train labels")]
    UnseenTestLabel {
        /// The label as written in the input.
        label: String,
        /// 0-based row of its first occurrence.
        row: usize,
    },

    /// Not enough examples for the requested computation.
    #[error("too few examples for {what}: {found}, need at least {needed}")]
    TooFewExamples {
        /// What needs them.
        what: String,
        /// How many there are.
        found: usize,
        /// How many are needed.
        needed: usize,
    },

    /// A hyper-parameter outside its valid range.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// Why it is invalid.
        reason: String,
    },

    /// A nuisance factor that is missing or inconsistent.
    #[error("nuisance factor {name:?}: {source}")]
    Factor {
        /// The factor's name.
        name: String,
        /// What went wrong with it.
        #[source]
        source: Box<MetricsError>,
    },

    /// A nuisance factor present in train but not in test.
    #[error("no test values for nuisance factor {name:?}")]
    MissingFactor {
        /// The factor's name.
        name: String,
    },

    /// linfa's logistic regression failed.
    #[error("logistic regression failed: {0}")]
    Logistic(#[from] linfa_logistic::error::Error),

    /// The L-BFGS run of the logistic probe's fused objective failed.
    #[error("L-BFGS failed: {0}")]
    Solver(String),

    /// Writing CSV or JSON failed.
    #[error("serialisation failed: {0}")]
    Serialise(String),

    /// libtorch failed (MLP probe).
    #[cfg(feature = "mlp")]
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),
}

impl MetricsError {
    /// Wraps `self` with the path of the file it came from.
    pub fn in_file(self, path: impl Into<PathBuf>) -> Self {
        MetricsError::InFile { path: path.into(), source: Box::new(self) }
    }

    /// The innermost error, past [`MetricsError::InFile`] and
    /// [`MetricsError::Factor`] wrappers (handy in `match`es and tests).
    pub fn root(&self) -> &MetricsError {
        match self {
            MetricsError::InFile { source, .. } | MetricsError::Factor { source, .. } => source.root(),
            other => other,
        }
    }
}

/// `Result` with [`MetricsError`].
pub type Result<T, E = MetricsError> = std::result::Result<T, E>;
