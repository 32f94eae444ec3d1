//! small NORB (LeCun, Huang & Bottou 2004): 5 categories × 10 instances,
//! 9 elevations × 18 azimuths × 6 lightings, stereo pairs of 96×96 grey.
//!
//! Binary matrix format: little-endian i32 magic (0x1E3D4C55 u8,
//! 0x1E3D4C54 i32, 0x1E3D4C51 f32, 0x1E3D4C53 f64, 0x1E3D4C56 i16), i32
//! `ndim`, then `max(3, ndim)` i32 dims (unused ones are 1), then the
//! elements, little-endian, row-major. Files may be gzipped.
//!
//! Dataset (label, nuisances, files, download: [`facts::NORB`](crate::facts::NORB)):
//! label = category (5 classes); images = left camera only, area-downscaled
//! to `size × size`; nuisances [`FACTORS`] (the azimuth is the stored even
//! value / 2). A seeded hold-out of the training file is the validation part.

use std::path::{Path, PathBuf};

use crate::builder::{PartsBuilder, Schema};
use crate::error::{DataError, Result};
use crate::gz::Source;
use crate::locate::require_file;
use crate::matrix::{ByteOrder, ElemType, Elements, Matrix, MatrixReader};
use crate::resize::AreaResize;
use crate::split::SplitIndices;
use crate::{mnist, DatasetKind, Splits};

/// Training files: images, categories, info.
pub const TRAINING: [&str; 3] = [
    "smallnorb-5x46789x9x18x6x2x96x96-training-dat.mat",
    "smallnorb-5x46789x9x18x6x2x96x96-training-cat.mat",
    "smallnorb-5x46789x9x18x6x2x96x96-training-info.mat",
];
/// Test files: images, categories, info.
pub const TESTING: [&str; 3] = [
    "smallnorb-5x01235x9x18x6x2x96x96-testing-dat.mat",
    "smallnorb-5x01235x9x18x6x2x96x96-testing-cat.mat",
    "smallnorb-5x01235x9x18x6x2x96x96-testing-info.mat",
];
/// All six files (each may be gzipped, `.gz` appended).
pub const FILES: [&str; 6] = [TRAINING[0], TRAINING[1], TRAINING[2], TESTING[0], TESTING[1], TESTING[2]];

/// Number of object categories (animal, human, airplane, truck, car).
pub const N_CATEGORIES: usize = 5;
/// `(name, cardinality)` of the four info columns as nuisances (the
/// [`nuisances`](crate::DatasetFacts::nuisances) of its facts).
pub const FACTORS: [(&str, usize); 4] = crate::facts::NORB_NUISANCES;
/// Column of the info files that holds the azimuth, stored as 0, 2, …, 34.
const AZIMUTH_COLUMN: usize = 2;

/// Longest dims list accepted (the format has no limit; real files use 1..4).
const MAX_NDIM: i32 = 16;

/// Element type of a NORB magic number.
pub fn elem_type_of(magic: u32) -> Option<ElemType> {
    Some(match magic {
        0x1E3D4C55 => ElemType::U8,
        0x1E3D4C54 => ElemType::I32,
        0x1E3D4C51 => ElemType::F32,
        0x1E3D4C53 => ElemType::F64,
        0x1E3D4C56 => ElemType::I16,
        _ => return None,
    })
}

/// NORB magic number of an element type (`None` for i8, which NORB lacks).
pub fn magic_of(ty: ElemType) -> Option<u32> {
    Some(match ty {
        ElemType::U8 => 0x1E3D4C55,
        ElemType::I32 => 0x1E3D4C54,
        ElemType::F32 => 0x1E3D4C51,
        ElemType::F64 => 0x1E3D4C53,
        ElemType::I16 => 0x1E3D4C56,
        ElemType::I8 => return None,
    })
}

/// Opens a NORB matrix file and parses its header.
pub fn open(path: &Path) -> Result<MatrixReader> {
    let mut src = Source::open(path)?;
    let mut head = [0u8; 8];
    src.read_exact_or_truncated(&mut head, 8)?;
    let magic = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
    let ndim = i32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    let elem = elem_type_of(magic).ok_or_else(|| DataError::BadMagic {
        path: path.to_path_buf(),
        found: magic,
        expected: "0x1E3D4C55 (u8), 0x1E3D4C54 (i32), 0x1E3D4C51 (f32), 0x1E3D4C53 (f64) \
                   or 0x1E3D4C56 (i16), little-endian"
            .into(),
    })?;
    if !(0..=MAX_NDIM).contains(&ndim) {
        return Err(DataError::InvalidHeader {
            path: path.to_path_buf(),
            message: format!("ndim {ndim} outside 0..={MAX_NDIM}"),
        });
    }
    let ndim = ndim as usize;
    let stored = ndim.max(3);
    let header_len = 8 + 4 * stored as u64;
    let mut raw = vec![0u8; 4 * stored];
    src.read_exact_or_truncated(&mut raw, header_len)?;
    let all: Vec<i32> = raw.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    if let Some(&d) = all[..ndim].iter().find(|&&d| d < 0) {
        return Err(DataError::InvalidHeader {
            path: path.to_path_buf(),
            message: format!("negative dimension {d} in {:?}", &all[..ndim]),
        });
    }
    let dims = all[..ndim].iter().map(|&d| d as usize).collect();
    MatrixReader::new(src, magic, elem, ByteOrder::Little, dims, header_len)
}

/// Reads a whole NORB matrix file.
pub fn read(path: &Path) -> Result<Matrix> {
    open(path)?.into_matrix()
}

/// Encodes a NORB matrix in memory (header with `max(3, ndim)` dims, then
/// little-endian elements); used by tests and tools that write small files.
///
/// # Panics
/// For i8 elements, which the format has no magic for.
pub fn encode(matrix: &Matrix) -> Vec<u8> {
    let magic = magic_of(matrix.data.elem_type()).expect("NORB has no i8 matrices");
    let mut out = magic.to_le_bytes().to_vec();
    out.extend_from_slice(&(matrix.dims.len() as i32).to_le_bytes());
    for k in 0..matrix.dims.len().max(3) {
        let d = matrix.dims.get(k).copied().unwrap_or(1) as i32;
        out.extend_from_slice(&d.to_le_bytes());
    }
    match &matrix.data {
        Elements::U8(v) => out.extend_from_slice(v),
        Elements::I8(_) => unreachable!("rejected above"),
        Elements::I16(v) => v.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        Elements::I32(v) => v.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        Elements::F32(v) => v.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        Elements::F64(v) => v.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
    }
    out
}

/// Categories and nuisances of one NORB part, checked.
#[derive(Debug, Clone)]
pub struct NorbLabels {
    /// Category of each pair, `0..5`.
    pub categories: Vec<usize>,
    /// `[instance, elevation, azimuth / 2, lighting]` of each pair.
    pub factors: Vec<[usize; 4]>,
}

/// Reads and checks a `-cat` file (`[N]` integers in `0..5`) and its `-info`
/// file (`[N, 4]`: instance 0..9, elevation 0..8, azimuth 0..34 even, lighting 0..5).
pub fn read_labels(cat_path: &Path, info_path: &Path) -> Result<NorbLabels> {
    let cat = read(cat_path)?;
    let info = read(info_path)?;
    let ints = |m: &Matrix, path: &Path, expected: &str| -> Result<Vec<i64>> {
        m.data.to_i64().ok_or_else(|| DataError::BadMagic {
            path: path.to_path_buf(),
            found: magic_of(m.data.elem_type()).unwrap_or(0),
            expected: expected.into(),
        })
    };
    let cats = ints(&cat, cat_path, "an integer matrix, 0x1E3D4C54 (i32)")?;
    let infos = ints(&info, info_path, "an integer matrix, 0x1E3D4C54 (i32)")?;
    if cat.dims.len() != 1 {
        return Err(DataError::UnexpectedDims {
            path: cat_path.to_path_buf(),
            found: cat.dims,
            expected: "[N]".into(),
        });
    }
    if info.dims.len() != 2 || info.dims[1] != 4 {
        return Err(DataError::UnexpectedDims {
            path: info_path.to_path_buf(),
            found: info.dims,
            expected: "[N, 4]".into(),
        });
    }
    if info.dims[0] != cat.dims[0] {
        return Err(DataError::CountMismatch {
            images: cat_path.to_path_buf(),
            n_images: cat.dims[0],
            labels: info_path.to_path_buf(),
            n_labels: info.dims[0],
        });
    }
    let mut categories = Vec::with_capacity(cats.len());
    for (i, &c) in cats.iter().enumerate() {
        if !(0..N_CATEGORIES as i64).contains(&c) {
            return Err(DataError::LabelOutOfRange {
                path: cat_path.to_path_buf(),
                index: i,
                value: c,
                limit: N_CATEGORIES as i64,
            });
        }
        categories.push(c as usize);
    }
    let mut factors = Vec::with_capacity(cats.len());
    for (i, row) in infos.chunks_exact(4).enumerate() {
        let mut f = [0usize; 4];
        for (k, (&v, &(name, card))) in row.iter().zip(&FACTORS).enumerate() {
            let azimuth = k == AZIMUTH_COLUMN;
            let (value, ok) = if azimuth {
                (v / 2, v % 2 == 0 && (0..2 * card as i64).contains(&v))
            } else {
                (v, (0..card as i64).contains(&v))
            };
            if !ok {
                let allowed =
                    if azimuth { format!("an even number in 0..={}", 2 * (card - 1)) } else { format!("0..{card}") };
                return Err(DataError::FactorOutOfRange {
                    path: info_path.to_path_buf(),
                    factor: name.to_string(),
                    index: i,
                    value: v,
                    allowed,
                });
            }
            f[k] = value as usize;
        }
        factors.push(f);
    }
    Ok(NorbLabels { categories, factors })
}

/// The six file paths found in `dir`, training then testing (dat, cat, info).
pub fn files_in(dir: &Path) -> Result<[PathBuf; 6]> {
    let f = |name| require_file(DatasetKind::Norb, dir, name);
    Ok([f(FILES[0])?, f(FILES[1])?, f(FILES[2])?, f(FILES[3])?, f(FILES[4])?, f(FILES[5])?])
}

/// Loads small NORB from `dir` (holding [`FILES`]): left-camera images
/// downscaled to `size × size` (96 keeps them); `val_size` training pairs,
/// drawn with `seed`, form the validation part.
pub fn load_dir(dir: &Path, size: usize, val_size: usize, seed: u64) -> Result<Splits> {
    load_planned(dir, size, val_size, seed).map(|(s, _)| s)
}

pub(crate) fn load_planned(dir: &Path, size: usize, val_size: usize, seed: u64) -> Result<(Splits, SplitIndices)> {
    if size == 0 {
        return Err(DataError::options(DatasetKind::Norb.dir_name(), "size must be at least 1"));
    }
    let [tr_dat, tr_cat, tr_info, te_dat, te_cat, te_info] = files_in(dir)?;
    let train_labels = read_labels(&tr_cat, &tr_info)?;
    let test_labels = read_labels(&te_cat, &te_info)?;
    let mut train_reader = open_images(&tr_dat, &tr_cat, train_labels.categories.len())?;
    let mut test_reader = open_images(&te_dat, &te_cat, test_labels.categories.len())?;
    let (h, w) = (train_reader.dims()[2], train_reader.dims()[3]);
    if (test_reader.dims()[2], test_reader.dims()[3]) != (h, w) {
        return Err(DataError::UnexpectedDims {
            path: te_dat,
            found: test_reader.dims().to_vec(),
            expected: format!("[N, 2, {h}, {w}] like the training file"),
        });
    }
    let n_train = train_labels.categories.len();
    if val_size >= n_train {
        return Err(DataError::options(
            DatasetKind::Norb.dir_name(),
            format!("val_size {val_size} leaves no training pair of {n_train}"),
        ));
    }
    let plan = mnist::split_plan(n_train, test_labels.categories.len(), val_size, seed);
    let schema = Schema::new(DatasetKind::Norb, N_CATEGORIES, (1, size, size));
    let mut builder = PartsBuilder::new(schema, &plan);
    let mut resize = AreaResize::new(h, w, size, size);
    let mut pair = vec![0u8; train_reader.record_bytes()];
    for (i, (&c, f)) in train_labels.categories.iter().zip(&train_labels.factors).enumerate() {
        train_reader.read_record(&mut pair)?;
        if let Some(dst) = builder.item(i, c, f) {
            resize.plane(&pair[..h * w], dst);
        }
    }
    train_reader.finish()?;
    for (&c, f) in test_labels.categories.iter().zip(&test_labels.factors) {
        test_reader.read_record(&mut pair)?;
        resize.plane(&pair[..h * w], builder.test_item(c, f));
    }
    test_reader.finish()?;
    Ok((builder.finish(), plan))
}

/// Opens a `-dat` file: u8 `[n, 2, H, W]` with `n` the number of labels.
fn open_images(path: &Path, cat_path: &Path, n: usize) -> Result<MatrixReader> {
    let reader = open(path)?;
    if reader.elem_type() != ElemType::U8 {
        return Err(DataError::BadMagic {
            path: path.to_path_buf(),
            found: reader.magic(),
            expected: "0x1E3D4C55 (u8 images)".into(),
        });
    }
    let dims = reader.dims();
    if dims.len() != 4 || dims[1] != 2 || dims[2] == 0 || dims[3] == 0 {
        return Err(DataError::UnexpectedDims {
            path: path.to_path_buf(),
            found: dims.to_vec(),
            expected: "[N, 2, height, width] (stereo pairs)".into(),
        });
    }
    if dims[0] != n {
        return Err(DataError::CountMismatch {
            images: path.to_path_buf(),
            n_images: dims[0],
            labels: cat_path.to_path_buf(),
            n_labels: n,
        });
    }
    Ok(reader)
}
