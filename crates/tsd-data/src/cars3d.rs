//! Cars3D (Reed et al. 2015): 183 car models × 4 elevations × 24 azimuths,
//! stored 64×64 RGB.
//!
//! Label, nuisances, files and known duplicates: [`facts::CARS3D`](crate::facts::CARS3D).
//! The label is the car; the nuisances are the elevation and azimuth of the
//! view. Of the two bit-identical model pairs of the 183-car release the
//! second of each ([`DROPPED_DUPLICATES`]) is dropped: 181 cars, relabelled
//! `0..181` in file order; files with another number of cars (e.g. small test
//! files) drop nothing. A near-duplicate pair is kept
//! ([`NEAR_DUPLICATE_LABELS`]); the survey reports it as a warning. Each
//! car's 96 views are split at random (seeded) into train / validation / test.

use std::path::{Path, PathBuf};

use crate::builder::{PartsBuilder, Schema};
use crate::error::{DataError, Result};
use crate::locate::require_file;
use crate::resize::AreaResize;
use crate::split::{check_fractions, within_groups, SplitIndices};
use crate::{idx, DatasetKind, Splits};

/// The file of Cars3D (may be gzipped, `.gz` appended).
pub const FILES: [&str; 1] = ["cars3d-images-idx6-ubyte"];
/// IDX magic of the image file (u8, 6 dims).
pub const IMAGES_MAGIC: u32 = 0x0806;
/// Number of cars in the full release.
pub const RELEASE_CARS: usize = 183;
/// Car indices dropped from the full release: duplicates of cars 30 and 154.
pub const DROPPED_DUPLICATES: [usize; 2] = [113, 157];
/// Labels (after dropping [`DROPPED_DUPLICATES`]) of the near-duplicate pair
/// `car_013` / `car_059`, kept (see [`facts::CARS3D`](crate::facts::CARS3D)).
pub const NEAR_DUPLICATE_LABELS: [(usize, usize); 1] = [(12, 57)];
/// Camera elevations per car.
pub const ELEVATIONS: usize = 4;
/// Camera azimuths per car.
pub const AZIMUTHS: usize = 24;
/// Views per car.
pub const VIEWS: usize = ELEVATIONS * AZIMUTHS;

/// The file's car indices that are kept, in order (their position is the label).
pub fn kept_cars(n_cars: usize) -> Vec<usize> {
    (0..n_cars).filter(|c| n_cars != RELEASE_CARS || !DROPPED_DUPLICATES.contains(c)).collect()
}

/// The view-level plan for `n_kept` cars (pool item = `label · 96 + view`,
/// view = `elevation · 24 + azimuth`).
pub fn split_plan(n_kept: usize, val_fraction: f64, test_fraction: f64, seed: u64) -> SplitIndices {
    within_groups(n_kept, VIEWS, val_fraction, test_fraction, seed)
}

/// The image file found in `dir`.
pub fn file_in(dir: &Path) -> Result<PathBuf> {
    require_file(DatasetKind::Cars3d, dir, FILES[0])
}

/// Loads Cars3D from `dir`, images area-downscaled to `size × size`
/// (32 is an exact 2×2 mean of the stored 64×64; 64 keeps them).
pub fn load_dir(dir: &Path, size: usize, val_fraction: f64, test_fraction: f64, seed: u64) -> Result<Splits> {
    load_planned(dir, size, val_fraction, test_fraction, seed).map(|(s, _)| s)
}

pub(crate) fn load_planned(
    dir: &Path,
    size: usize,
    val_fraction: f64,
    test_fraction: f64,
    seed: u64,
) -> Result<(Splits, SplitIndices)> {
    if size == 0 {
        return Err(DataError::options(DatasetKind::Cars3d.dir_name(), "size must be at least 1"));
    }
    check_fractions(DatasetKind::Cars3d.dir_name(), VIEWS, val_fraction, test_fraction)?;
    let path = file_in(dir)?;
    let mut reader = idx::open_expecting(&path, IMAGES_MAGIC)?;
    let dims = reader.dims().to_vec();
    if dims[1] != ELEVATIONS || dims[2] != AZIMUTHS || dims[5] != 3 || dims[3] == 0 || dims[4] == 0 {
        return Err(DataError::UnexpectedDims {
            path,
            found: dims,
            expected: format!("[cars, {ELEVATIONS}, {AZIMUTHS}, height, width, 3]"),
        });
    }
    let (n_cars, in_h, in_w) = (dims[0], dims[3], dims[4]);
    let kept = kept_cars(n_cars);
    let plan = split_plan(kept.len(), val_fraction, test_fraction, seed);
    let schema = Schema::new(DatasetKind::Cars3d, kept.len(), (3, size, size));
    let mut builder = PartsBuilder::new(schema, &plan);
    let mut resize = AreaResize::new(in_h, in_w, size, size);
    let view_bytes = in_h * in_w * 3;
    let mut record = vec![0u8; reader.record_bytes()];
    let mut label = 0;
    for car in 0..n_cars {
        reader.read_record(&mut record)?;
        if kept.get(label) != Some(&car) {
            continue;
        }
        for (v, view) in record.chunks_exact(view_bytes).enumerate() {
            let factors = [v / AZIMUTHS, v % AZIMUTHS];
            if let Some(dst) = builder.item(label * VIEWS + v, label, &factors) {
                resize.hwc_to_chw(view, 3, dst);
            }
        }
        label += 1;
    }
    reader.finish()?;
    Ok((builder.finish(), plan))
}
