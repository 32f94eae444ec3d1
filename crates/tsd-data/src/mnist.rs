//! MNIST: 60,000 training and 10,000 test digits, 28×28 grey, from the four
//! standard IDX files (gzipped or not).
//!
//! Label (the digit, 10 classes) and files: [`facts::MNIST`](crate::facts::MNIST);
//! no nuisance factor. A seeded random hold-out of the training file is the
//! validation part; `t10k` is the test part.

use std::path::{Path, PathBuf};

use crate::builder::{PartsBuilder, Schema};
use crate::error::{DataError, Result};
use crate::locate::require_file;
use crate::split::{holdout, SplitIndices};
use crate::{idx, DatasetKind, Splits};

/// The files of MNIST (each may be gzipped, `.gz` appended).
pub const FILES: [&str; 4] =
    ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

/// IDX magic of the image files (u8, 3 dims).
pub const IMAGES_MAGIC: u32 = 2051;
/// IDX magic of the label files (u8, 1 dim).
pub const LABELS_MAGIC: u32 = 2049;
/// Number of digit classes.
pub const N_CLASSES: usize = 10;

/// Images and labels of one MNIST file pair.
#[derive(Debug, Clone)]
pub struct RawMnist {
    /// Image height and width.
    pub rows: usize,
    /// Image width.
    pub cols: usize,
    /// `N · rows · cols` pixels.
    pub pixels: Vec<u8>,
    /// `N` labels in `0..10`.
    pub labels: Vec<u8>,
}

impl RawMnist {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there is no image.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

/// Reads one image file and its label file, checking magics, dims, counts
/// and label range.
pub fn read_pair(images: &Path, labels: &Path) -> Result<RawMnist> {
    let (idims, pixels) = idx::read_u8(images, IMAGES_MAGIC)?;
    let (ldims, labels_v) = idx::read_u8(labels, LABELS_MAGIC)?;
    let (n, rows, cols) = (idims[0], idims[1], idims[2]);
    if rows == 0 || cols == 0 {
        return Err(DataError::UnexpectedDims {
            path: images.to_path_buf(),
            found: idims,
            expected: "[N, rows, cols] with rows, cols > 0 (28, 28 for MNIST)".into(),
        });
    }
    if ldims[0] != n {
        return Err(DataError::CountMismatch {
            images: images.to_path_buf(),
            n_images: n,
            labels: labels.to_path_buf(),
            n_labels: ldims[0],
        });
    }
    if let Some(i) = labels_v.iter().position(|&y| y as usize >= N_CLASSES) {
        return Err(DataError::LabelOutOfRange {
            path: labels.to_path_buf(),
            index: i,
            value: labels_v[i] as i64,
            limit: N_CLASSES as i64,
        });
    }
    Ok(RawMnist { rows, cols, pixels, labels: labels_v })
}

/// The four file paths found in `dir`, in the order of [`FILES`].
pub fn files_in(dir: &Path) -> Result<[PathBuf; 4]> {
    let f = |name| require_file(DatasetKind::Mnist, dir, name);
    Ok([f(FILES[0])?, f(FILES[1])?, f(FILES[2])?, f(FILES[3])?])
}

/// The training / validation plan for `n_train` training images.
pub fn split_plan(n_train: usize, n_test: usize, val_size: usize, seed: u64) -> SplitIndices {
    let (train, val) = holdout(n_train, val_size, seed);
    SplitIndices { n: n_train, train, val, test: (0..n_test).collect(), separate_test: true }
}

/// Loads MNIST from `dir` (holding [`FILES`]): `val_size` training images,
/// drawn with `seed`, form the validation part.
pub fn load_dir(dir: &Path, val_size: usize, seed: u64) -> Result<Splits> {
    load_planned(dir, val_size, seed).map(|(s, _)| s)
}

pub(crate) fn load_planned(dir: &Path, val_size: usize, seed: u64) -> Result<(Splits, SplitIndices)> {
    let [tri, trl, tei, tel] = files_in(dir)?;
    let train = read_pair(&tri, &trl)?;
    let test = read_pair(&tei, &tel)?;
    if (test.rows, test.cols) != (train.rows, train.cols) {
        return Err(DataError::UnexpectedDims {
            path: tei,
            found: vec![test.len(), test.rows, test.cols],
            expected: format!("images of {}×{} like the training file", train.rows, train.cols),
        });
    }
    if val_size >= train.len() {
        return Err(DataError::options(
            DatasetKind::Mnist.dir_name(),
            format!("val_size {val_size} leaves no training image of {}", train.len()),
        ));
    }
    let plan = split_plan(train.len(), test.len(), val_size, seed);
    let size = train.rows * train.cols;
    let schema = Schema::new(DatasetKind::Mnist, N_CLASSES, (1, train.rows, train.cols));
    let mut b = PartsBuilder::new(schema, &plan);
    for (i, (img, &y)) in train.pixels.chunks_exact(size).zip(&train.labels).enumerate() {
        if let Some(dst) = b.item(i, y as usize, &[]) {
            dst.copy_from_slice(img);
        }
    }
    for (img, &y) in test.pixels.chunks_exact(size).zip(&test.labels) {
        b.test_item(y as usize, &[]).copy_from_slice(img);
    }
    Ok((b.finish(), plan))
}
