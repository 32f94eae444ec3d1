//! Codes with labels: the input of every metric, and their readers.
//!
//! A code matrix is `N x D` f32 (one row per example); labels are class
//! indices `0..n_classes`. Files are read in pairs (train, test) so that label
//! strings map to the same class indices in both: the classes seen in train,
//! sorted (numerically when every label is an integer, otherwise as text),
//! define the indices, and a test label unseen in train is an error.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::error::{MetricsError, Result};

/// Codes (`N x D`, one row per example) and one class index per row.
///
/// Build with [`LabelledCodes::new`], which checks the invariants; every
/// metric re-checks them with [`LabelledCodes::validate`] since the fields
/// are public.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledCodes {
    /// Codes, `(N, D)`.
    pub x: Array2<f32>,
    /// Class index of each row, `N` entries.
    pub y: Vec<usize>,
}

impl LabelledCodes {
    /// Checks that `x` is non-empty and finite and that `y` has one label per row.
    pub fn new(x: Array2<f32>, y: Vec<usize>) -> Result<Self> {
        let codes = LabelledCodes { x, y };
        codes.validate()?;
        Ok(codes)
    }

    /// Codes labelled by a nuisance factor instead of the class.
    pub fn from_factor(x: Array2<f32>, factor: &tsd_data::Factor) -> Result<Self> {
        Self::new(x, factor.values.clone())
    }

    /// The checks of [`LabelledCodes::new`]: non-empty, one label per row,
    /// every value finite (the error names the first bad row and column).
    pub fn validate(&self) -> Result<()> {
        check_finite(self.x.view())?;
        if self.x.nrows() != self.y.len() {
            return Err(MetricsError::LengthMismatch { rows: self.x.nrows(), labels: self.y.len() });
        }
        if self.x.nrows() == 0 {
            return Err(MetricsError::Empty { what: "codes have no rows".into() });
        }
        if self.x.ncols() == 0 {
            return Err(MetricsError::Empty { what: "codes have no columns".into() });
        }
        Ok(())
    }

    /// Number of examples `N`.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// True when there is no example (never, after [`LabelledCodes::new`]).
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// Code width `D`.
    pub fn dim(&self) -> usize {
        self.x.ncols()
    }

    /// `1 + the largest label` (0 when empty).
    pub fn n_classes(&self) -> usize {
        self.y.iter().max().map_or(0, |&m| m + 1)
    }

    /// The distinct labels present, ascending.
    pub fn classes(&self) -> Vec<usize> {
        self.y.iter().copied().collect::<BTreeSet<_>>().into_iter().collect()
    }

    /// Count of each label, indexed by label (`n_classes()` entries).
    pub fn class_counts(&self) -> Vec<usize> {
        class_counts(&self.y)
    }

    /// Share of the most frequent label: the accuracy of always guessing it.
    pub fn majority_rate(&self) -> f64 {
        majority_rate(&self.y)
    }

    /// The rows at `indices` (in that order).
    pub fn select(&self, indices: &[usize]) -> LabelledCodes {
        LabelledCodes { x: self.x.select(Axis(0), indices), y: indices.iter().map(|&i| self.y[i]).collect() }
    }

    /// The same codes with other labels (e.g. a nuisance factor, or a
    /// permutation for a sanity check).
    pub fn with_labels(&self, y: Vec<usize>) -> Result<LabelledCodes> {
        LabelledCodes::new(self.x.clone(), y)
    }
}

/// Count of each label, indexed by label.
pub(crate) fn class_counts(y: &[usize]) -> Vec<usize> {
    let n = y.iter().max().map_or(0, |&m| m + 1);
    let mut counts = vec![0; n];
    for &c in y {
        counts[c] += 1;
    }
    counts
}

/// Share of the most frequent label (0 when empty).
pub(crate) fn majority_rate(y: &[usize]) -> f64 {
    if y.is_empty() {
        return 0.0;
    }
    let max = class_counts(y).into_iter().max().unwrap_or(0);
    max as f64 / y.len() as f64
}

/// Errors at the first NaN or infinity, naming its row and column.
pub fn check_finite(x: ArrayView2<f32>) -> Result<()> {
    for ((row, column), &value) in x.indexed_iter() {
        if !value.is_finite() {
            return Err(MetricsError::NonFinite { row, column, value });
        }
    }
    Ok(())
}

/// The checks every probe makes on a (train, test) pair: both valid, equal
/// widths, at least two classes in train, every test label seen in train.
pub fn check_split(train: &LabelledCodes, test: &LabelledCodes) -> Result<()> {
    train.validate()?;
    test.validate()?;
    if train.dim() != test.dim() {
        return Err(MetricsError::DimensionMismatch { train: train.dim(), test: test.dim() });
    }
    check_train_labels(&train.y)?;
    check_test_labels(&train.y, &test.y)
}

/// At least two distinct classes.
pub(crate) fn check_train_labels(y: &[usize]) -> Result<()> {
    let first = y.first().copied().ok_or_else(|| MetricsError::Empty { what: "no train labels".into() })?;
    if y.iter().all(|&c| c == first) {
        return Err(MetricsError::SingleClass { class: first.to_string() });
    }
    Ok(())
}

/// Every test label occurs in train.
pub(crate) fn check_test_labels(train: &[usize], test: &[usize]) -> Result<()> {
    let seen = class_counts(train);
    for (row, &c) in test.iter().enumerate() {
        if seen.get(c).copied().unwrap_or(0) == 0 {
            return Err(MetricsError::UnseenTestLabel { label: c.to_string(), row });
        }
    }
    Ok(())
}

/// Codes and labels as read from a file, labels still as written.
#[derive(Debug, Clone, PartialEq)]
pub struct RawCodes {
    /// Codes, `(N, D)`, all finite.
    pub x: Array2<f32>,
    /// Label of each row as written in the file.
    pub labels: Vec<String>,
    /// Name of each feature column (CSV header, or the index for `.npy`).
    pub feature_names: Vec<String>,
}

/// The map from label text to class index, defined by the train labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelMap {
    /// Label text of each class index.
    pub classes: Vec<String>,
}

impl LabelMap {
    /// The distinct labels, sorted numerically when all are integers and as
    /// text otherwise; index `i` is the `i`-th.
    pub fn from_labels<S: AsRef<str>>(labels: &[S]) -> Self {
        let distinct: BTreeSet<&str> = labels.iter().map(|s| s.as_ref()).collect();
        let ints: Option<Vec<(i128, &str)>> =
            distinct.iter().map(|s| s.parse::<i128>().ok().map(|v| (v, *s))).collect();
        let classes = match ints {
            Some(mut ints) => {
                ints.sort();
                ints.into_iter().map(|(_, s)| s.to_string()).collect()
            }
            None => distinct.into_iter().map(str::to_string).collect(),
        };
        LabelMap { classes }
    }

    /// Number of classes.
    pub fn len(&self) -> usize {
        self.classes.len()
    }

    /// True when there is no class.
    pub fn is_empty(&self) -> bool {
        self.classes.is_empty()
    }

    /// Class indices of `labels`; a label not in the map is
    /// [`MetricsError::UnseenTestLabel`] naming its first row.
    pub fn encode<S: AsRef<str>>(&self, labels: &[S]) -> Result<Vec<usize>> {
        let index: BTreeMap<&str, usize> = self.classes.iter().enumerate().map(|(i, s)| (s.as_str(), i)).collect();
        labels
            .iter()
            .enumerate()
            .map(|(row, s)| {
                index
                    .get(s.as_ref())
                    .copied()
                    .ok_or_else(|| MetricsError::UnseenTestLabel { label: format!("{:?}", s.as_ref()), row })
            })
            .collect()
    }
}

/// Train and test codes read from files, with the label map they share.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeSplit {
    /// Train codes (the probes are fitted on these).
    pub train: LabelledCodes,
    /// Test codes (the probes are scored on these).
    pub test: LabelledCodes,
    /// Label text of each class index.
    pub labels: LabelMap,
    /// Feature column names.
    pub feature_names: Vec<String>,
}

impl CodeSplit {
    /// Pairs raw train and test codes: equal widths and feature names, labels
    /// mapped by the train classes. Errors name the file they concern.
    pub fn from_raw(train: RawCodes, test: RawCodes, train_path: &Path, test_path: &Path) -> Result<CodeSplit> {
        if train.x.ncols() != test.x.ncols() {
            return Err(
                MetricsError::DimensionMismatch { train: train.x.ncols(), test: test.x.ncols() }.in_file(test_path)
            );
        }
        if let Some(index) = (0..train.feature_names.len()).find(|&i| train.feature_names[i] != test.feature_names[i]) {
            return Err(MetricsError::FeatureNamesDiffer {
                index,
                train: train.feature_names[index].clone(),
                test: test.feature_names[index].clone(),
            }
            .in_file(test_path));
        }
        let labels = LabelMap::from_labels(&train.labels);
        if labels.len() < 2 {
            return Err(MetricsError::SingleClass {
                class: format!("{:?}", labels.classes.first().cloned().unwrap_or_default()),
            }
            .in_file(train_path));
        }
        let train_y = labels.encode(&train.labels).map_err(|e| e.in_file(train_path))?;
        let test_y = labels.encode(&test.labels).map_err(|e| e.in_file(test_path))?;
        Ok(CodeSplit {
            train: LabelledCodes::new(train.x, train_y).map_err(|e| e.in_file(train_path))?,
            test: LabelledCodes::new(test.x, test_y).map_err(|e| e.in_file(test_path))?,
            labels,
            feature_names: train.feature_names,
        })
    }
}

/// Reads train and test codes from two CSV files with a header; the column
/// named `label_column` holds the labels (any text), every other column is a
/// numeric feature.
pub fn load_csv_split(
    train_path: impl AsRef<Path>,
    test_path: impl AsRef<Path>,
    label_column: &str,
) -> Result<CodeSplit> {
    let (train_path, test_path) = (train_path.as_ref(), test_path.as_ref());
    let train = read_csv_codes(train_path, label_column)?;
    let test = read_csv_codes(test_path, label_column)?;
    CodeSplit::from_raw(train, test, train_path, test_path)
}

/// Reads train and test codes from `.npy` files: features f32 or f64 2-D,
/// labels any integer type 1-D.
pub fn load_npy_split(
    train_x: impl AsRef<Path>,
    train_y: impl AsRef<Path>,
    test_x: impl AsRef<Path>,
    test_y: impl AsRef<Path>,
) -> Result<CodeSplit> {
    let train = read_npy_codes(train_x.as_ref(), train_y.as_ref())?;
    let test = read_npy_codes(test_x.as_ref(), test_y.as_ref())?;
    CodeSplit::from_raw(train, test, train_x.as_ref(), test_x.as_ref())
}

/// Reads one CSV file of codes (see [`load_csv_split`]); errors are wrapped
/// in [`MetricsError::InFile`] and name the line and column.
pub fn read_csv_codes(path: impl AsRef<Path>, label_column: &str) -> Result<RawCodes> {
    let path = path.as_ref();
    read_csv_inner(path, label_column).map_err(|e| e.in_file(path))
}

/// The magic string every `.npy` file starts with.
const NPY_MAGIC: &[u8] = b"\x93NUMPY";

fn read_csv_inner(path: &Path, label_column: &str) -> Result<RawCodes> {
    let mut file = File::open(path)?;
    let mut start = [0u8; 6];
    let n = std::io::Read::read(&mut file, &mut start)?;
    if start[..n] == *NPY_MAGIC {
        return Err(MetricsError::NotCsv {
            problem: "it is a .npy file; give .npy codes with their labels file (--train X.npy --train-labels Y.npy)"
                .into(),
        });
    }
    std::io::Seek::rewind(&mut file)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(BufReader::new(file));
    let header = reader.headers().map_err(csv_error)?.clone();
    if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
        return Err(MetricsError::EmptyFile { what: "no header" });
    }
    let label_positions: Vec<usize> = (0..header.len()).filter(|&i| &header[i] == label_column).collect();
    let label_at = match label_positions[..] {
        [i] => i,
        [] => {
            // One column whose name holds another separator: not a comma-separated file.
            let other = [';', '\t', '|'].into_iter().find(|&c| header.len() == 1 && header[0].contains(c));
            if let Some(delimiter) = other {
                return Err(MetricsError::NotCsv {
                    problem: format!(
                        "its header is one column separated by {delimiter:?}, not by commas; \
                         write the codes comma-separated"
                    ),
                });
            }
            return Err(MetricsError::MissingLabelColumn {
                column: label_column.to_string(),
                available: header.iter().collect::<Vec<_>>().join(","),
            });
        }
        _ => return Err(MetricsError::DuplicateLabelColumn { column: label_column.to_string() }),
    };
    let feature_names: Vec<String> =
        (0..header.len()).filter(|&i| i != label_at).map(|i| header[i].to_string()).collect();
    let width = feature_names.len();
    if width == 0 {
        return Err(MetricsError::Empty {
            what: format!("no feature column besides the label column {label_column:?}"),
        });
    }

    let mut values: Vec<f32> = Vec::new();
    let mut labels: Vec<String> = Vec::new();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(csv_error)? {
        let line = record.position().map_or(0, |p| p.line());
        if record.len() == 1 && record[0].is_empty() {
            continue; // a blank line
        }
        if record.len() != header.len() {
            return Err(MetricsError::RaggedRow { line, expected: header.len(), found: record.len() });
        }
        for (i, cell) in record.iter().enumerate() {
            if i == label_at {
                labels.push(cell.to_string());
                continue;
            }
            let value: f32 = cell.parse().map_err(|_| MetricsError::ParseNumber {
                line,
                column: header[i].to_string(),
                value: cell.to_string(),
            })?;
            if !value.is_finite() {
                // A finite number beyond f32's range (1e39) parses to infinity.
                let out_of_range = cell.trim().parse::<f64>().is_ok_and(f64::is_finite);
                let column = header[i].to_string();
                let value = cell.to_string();
                return Err(if out_of_range {
                    MetricsError::OutOfRangeCell { line, column, value }
                } else {
                    MetricsError::NonFiniteCell { line, column, value }
                });
            }
            values.push(value);
        }
    }
    if labels.is_empty() {
        return Err(MetricsError::EmptyFile { what: "a header but no data rows" });
    }
    let x = Array2::from_shape_vec((labels.len(), width), values).expect("one value per feature column on every row");
    Ok(RawCodes { x, labels, feature_names })
}

fn csv_error(e: csv::Error) -> MetricsError {
    let line = e.position().map_or(0, |p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(io) => MetricsError::Io(io),
        csv::ErrorKind::Utf8 { .. } => MetricsError::NotCsv {
            problem: format!("line {line} is not UTF-8 text: is it a binary file? CSV codes are text"),
        },
        kind => MetricsError::Csv { line, message: format!("{kind:?}") },
    }
}

/// Reads one pair of `.npy` files (see [`load_npy_split`]); errors are
/// wrapped in [`MetricsError::InFile`] naming the file at fault.
pub fn read_npy_codes(x_path: impl AsRef<Path>, y_path: impl AsRef<Path>) -> Result<RawCodes> {
    let (x_path, y_path) = (x_path.as_ref(), y_path.as_ref());
    let x = read_npy_features(x_path).map_err(|e| e.in_file(x_path))?;
    let y = read_npy_labels(y_path).map_err(|e| e.in_file(y_path))?;
    if x.nrows() != y.len() {
        return Err(MetricsError::LengthMismatch { rows: x.nrows(), labels: y.len() }.in_file(y_path));
    }
    Ok(RawCodes {
        feature_names: (0..x.ncols()).map(|i| i.to_string()).collect(),
        x,
        labels: y.iter().map(|v| v.to_string()).collect(),
    })
}

/// A 2-D f32 or f64 `.npy` array (f64 is narrowed to f32), finite.
pub fn read_npy_features(path: impl AsRef<Path>) -> Result<Array2<f32>> {
    use ndarray_npy::{ReadNpyError, ReadNpyExt};
    let bytes = npy_bytes(path.as_ref())?;
    let x = match Array2::<f32>::read_npy(&bytes[..]) {
        Ok(x) => x,
        Err(ReadNpyError::WrongDescriptor(_)) => Array2::<f64>::read_npy(&bytes[..])
            .map_err(|e| npy_error(e, "features must be a 2-D f32 or f64 array"))?
            .mapv(|v| v as f32),
        Err(e) => return Err(npy_error(e, "features must be a 2-D f32 or f64 array")),
    };
    if x.is_empty() {
        return Err(MetricsError::EmptyFile { what: "the feature array has no elements" });
    }
    check_finite(x.view())?;
    Ok(x)
}

/// A 1-D integer `.npy` array of any width and signedness.
pub fn read_npy_labels(path: impl AsRef<Path>) -> Result<Array1<i128>> {
    let bytes = npy_bytes(path.as_ref())?;
    let mut found = None;
    let readers: [fn(&[u8]) -> IntRead; 8] = [
        read_int::<i64>,
        read_int::<i32>,
        read_int::<u8>,
        read_int::<u16>,
        read_int::<u32>,
        read_int::<u64>,
        read_int::<i8>,
        read_int::<i16>,
    ];
    for read in readers {
        match read(&bytes) {
            IntRead::Done(y) => {
                if y.is_empty() {
                    return Err(MetricsError::EmptyFile { what: "the label array has no elements" });
                }
                return Ok(y);
            }
            IntRead::WrongType(desc) => found = Some(desc),
            IntRead::Failed(e) => return Err(npy_error(e, LABELS_WANTED)),
        }
    }
    Err(MetricsError::Npy { message: format!("{LABELS_WANTED}, found element type {}", found.unwrap_or_default()) })
}

const LABELS_WANTED: &str = "labels must be a 1-D integer array";

enum IntRead {
    Done(Array1<i128>),
    WrongType(String),
    Failed(ndarray_npy::ReadNpyError),
}

fn read_int<T>(bytes: &[u8]) -> IntRead
where
    T: ndarray_npy::ReadableElement + Copy + Into<i128>,
{
    use ndarray_npy::{ReadNpyError, ReadNpyExt};
    match Array1::<T>::read_npy(bytes) {
        Ok(y) => IntRead::Done(y.mapv(Into::into)),
        Err(ReadNpyError::WrongDescriptor(desc)) => IntRead::WrongType(desc.to_string()),
        Err(e) => IntRead::Failed(e),
    }
}

/// The bytes of a `.npy` file whose header [`crate::npy_header::check`] accepts.
fn npy_bytes(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path)?;
    crate::npy_header::check(&bytes)?;
    Ok(bytes)
}

fn npy_error(e: ndarray_npy::ReadNpyError, what: &str) -> MetricsError {
    match e {
        ndarray_npy::ReadNpyError::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            MetricsError::Npy { message: "truncated: the file ends inside its header or its data".into() }
        }
        ndarray_npy::ReadNpyError::Io(io) => MetricsError::Io(io),
        ndarray_npy::ReadNpyError::WrongNdim(_, found) => {
            MetricsError::Npy { message: format!("{what}, found {found} dimensions") }
        }
        other => MetricsError::Npy { message: format!("{what}: {other}") },
    }
}
