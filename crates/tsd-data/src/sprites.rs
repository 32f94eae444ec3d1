//! Sprites (Reed et al. 2015): 672 characters × 178 animation frames, 60×60 RGB.
//!
//! Label, nuisances, files and caveats: [`facts::SPRITES`](crate::facts::SPRITES).
//! The label is the character index; the nuisances are the clip (which of
//! the 21 animation clips) and the frame index within it. The 1.29 GB image
//! file is streamed one character at a time and each frame is
//! area-downscaled to `size × size` as it is read, so peak memory is about
//! the size of the output.
//!
//! Caveat: about half the frames are bit-identical to a frame of another
//! character (characters `2k` and `2k + 1` differ only in the weapon), which
//! caps single-frame identity accuracy near 74 %; the measurement is in the
//! [`duplicates`](crate::DatasetFacts::duplicates) of the facts. The survey
//! reports it as a warning.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::builder::{PartsBuilder, Schema};
use crate::error::{DataError, Result};
use crate::locate::require_file;
use crate::resize::AreaResize;
use crate::split::{check_fractions, within_groups, SplitIndices};
use crate::{gz, idx, DatasetKind, Splits};

/// The files of Sprites (the IDX files may be gzipped, `.gz` appended).
pub const FILES: [&str; 3] = ["sprites-images-idx5-ubyte", "sprites-attributes-idx2-ubyte", "splits.json"];

/// Characters in the full release.
pub const RELEASE_CHARACTERS: usize = 672;
/// Frames in each of the 21 clips, in file order (5 actions × 4 directions, then "hurt").
pub const CLIP_FRAMES: [usize; 21] = [7, 7, 7, 7, 8, 8, 8, 8, 9, 9, 9, 9, 6, 6, 6, 6, 13, 13, 13, 13, 6];
/// Frames per character (sum of [`CLIP_FRAMES`]).
pub const FRAMES: usize = 178;
/// Longest clip: the cardinality of the `frame` nuisance.
pub const MAX_CLIP_FRAMES: usize = 13;
/// Cardinality of each of the 7 attribute columns.
pub const ATTRIBUTE_CARDINALITIES: [usize; 7] = [2, 4, 3, 6, 2, 2, 2];
/// IDX magic of the image file (u8, 5 dims).
pub const IMAGES_MAGIC: u32 = 0x0805;
/// IDX magic of the attribute file (u8, 2 dims).
pub const ATTRIBUTES_MAGIC: u32 = 0x0802;

/// How Sprites is split into train / validation / test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SpritesSplit {
    /// The original 500 / 72 / 100 character split of `splits.json`: test
    /// characters are never seen in training. Labels stay the character index
    /// (`n_classes` = number of characters).
    Characters,
    /// Every character's frames are split at random (seeded) so that an
    /// identity classifier can be tested on unseen frames of known characters.
    Frames {
        /// Seed of the frame shuffle.
        seed: u64,
        /// Fraction of each character's frames held out for validation.
        val_fraction: f64,
        /// Fraction of each character's frames held out for test.
        test_fraction: f64,
    },
}

impl Default for SpritesSplit {
    /// Frames with 10 % validation and 10 % test, seed 0.
    fn default() -> Self {
        SpritesSplit::Frames { seed: 0, val_fraction: 0.1, test_fraction: 0.1 }
    }
}

/// `(clip, frame within clip)` of each of the 178 frames.
pub fn frame_factors() -> Vec<(usize, usize)> {
    CLIP_FRAMES.iter().enumerate().flat_map(|(c, &n)| (0..n).map(move |f| (c, f))).collect()
}

/// The original character split, read from `splits.json`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CharacterSplit {
    /// Training characters.
    pub train: Vec<usize>,
    /// Validation characters.
    pub val: Vec<usize>,
    /// Test characters.
    pub test: Vec<usize>,
}

/// Reads `splits.json` and checks that its indices are below `n_characters`
/// and that no character is in two parts.
pub fn read_splits(path: &Path, n_characters: usize) -> Result<CharacterSplit> {
    let bytes = gz::read_all(path)?;
    let bad = |message: String| DataError::BadSplits { path: path.to_path_buf(), message };
    let s: CharacterSplit = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
    let mut seen = vec![None; n_characters];
    for (name, part) in [("train", &s.train), ("val", &s.val), ("test", &s.test)] {
        for &c in part {
            let Some(slot) = seen.get_mut(c) else {
                return Err(bad(format!("{name} character {c} is outside 0..{n_characters} (the image file's count)")));
            };
            if let Some(other) = slot.replace(name) {
                return Err(bad(format!("character {c} is in both {other} and {name}")));
            }
        }
    }
    Ok(s)
}

/// The frame-level plan of a character split (pool item = `character · 178 + frame`).
pub fn character_plan(split: &CharacterSplit, n_characters: usize) -> SplitIndices {
    let frames = |chars: &[usize]| {
        let mut v: Vec<usize> =
            chars.iter().flat_map(|&c| (c * FRAMES..(c + 1) * FRAMES).collect::<Vec<_>>()).collect();
        v.sort_unstable();
        v
    };
    SplitIndices {
        n: n_characters * FRAMES,
        train: frames(&split.train),
        val: frames(&split.val),
        test: frames(&split.test),
        separate_test: false,
    }
}

/// The plan of a frame split: each character's 178 frames split with the
/// given fractions (pool item = `character · 178 + frame`).
pub fn frame_plan(n_characters: usize, val_fraction: f64, test_fraction: f64, seed: u64) -> SplitIndices {
    within_groups(n_characters, FRAMES, val_fraction, test_fraction, seed)
}

/// The three file paths found in `dir`, in the order of [`FILES`].
pub fn files_in(dir: &Path) -> Result<[PathBuf; 3]> {
    let f = |name| require_file(DatasetKind::Sprites, dir, name);
    Ok([f(FILES[0])?, f(FILES[1])?, f(FILES[2])?])
}

/// Loads Sprites from `dir` (holding [`FILES`]), frames downscaled to
/// `size × size` (60 keeps them as they are), split as `split` says.
pub fn load_dir(dir: &Path, size: usize, split: SpritesSplit) -> Result<Splits> {
    load_planned(dir, size, split).map(|(s, _)| s)
}

pub(crate) fn load_planned(dir: &Path, size: usize, split: SpritesSplit) -> Result<(Splits, SplitIndices)> {
    if size == 0 {
        return Err(DataError::options(DatasetKind::Sprites.dir_name(), "size must be at least 1"));
    }
    let [images_path, attributes_path, splits_path] = files_in(dir)?;
    let mut reader = idx::open_expecting(&images_path, IMAGES_MAGIC)?;
    let dims = reader.dims().to_vec();
    if dims[1] != FRAMES || dims[4] != 3 || dims[2] == 0 || dims[3] == 0 {
        return Err(DataError::UnexpectedDims {
            path: images_path,
            found: dims,
            expected: format!("[characters, {FRAMES}, height, width, 3]"),
        });
    }
    let (n_chars, in_h, in_w) = (dims[0], dims[2], dims[3]);
    check_attributes(&attributes_path, &images_path, n_chars)?;

    let plan = match split {
        SpritesSplit::Characters => character_plan(&read_splits(&splits_path, n_chars)?, n_chars),
        SpritesSplit::Frames { seed, val_fraction, test_fraction } => {
            check_fractions(DatasetKind::Sprites.dir_name(), FRAMES, val_fraction, test_fraction)?;
            frame_plan(n_chars, val_fraction, test_fraction, seed)
        }
    };
    let schema = Schema::new(DatasetKind::Sprites, n_chars, (3, size, size));
    let mut builder = PartsBuilder::new(schema, &plan);
    let mut resize = AreaResize::new(in_h, in_w, size, size);
    let factors = frame_factors();
    let frame_bytes = in_h * in_w * 3;
    let mut record = vec![0u8; reader.record_bytes()];
    for c in 0..n_chars {
        reader.read_record(&mut record)?;
        for (f, frame) in record.chunks_exact(frame_bytes).enumerate() {
            let (clip, within) = factors[f];
            if let Some(dst) = builder.item(c * FRAMES + f, c, &[clip, within]) {
                resize.hwc_to_chw(frame, 3, dst);
            }
        }
    }
    reader.finish()?;
    Ok((builder.finish(), plan))
}

/// Checks the attribute file: `[n_characters, 7]` u8, each column within its cardinality.
fn check_attributes(path: &Path, images: &Path, n_chars: usize) -> Result<()> {
    let (dims, attrs) = idx::read_u8(path, ATTRIBUTES_MAGIC)?;
    if dims[1] != ATTRIBUTE_CARDINALITIES.len() {
        return Err(DataError::UnexpectedDims {
            path: path.to_path_buf(),
            found: dims,
            expected: "[characters, 7]".into(),
        });
    }
    if dims[0] != n_chars {
        return Err(DataError::CountMismatch {
            images: images.to_path_buf(),
            n_images: n_chars,
            labels: path.to_path_buf(),
            n_labels: dims[0],
        });
    }
    for (i, row) in attrs.chunks_exact(7).enumerate() {
        for (k, (&v, &card)) in row.iter().zip(&ATTRIBUTE_CARDINALITIES).enumerate() {
            if v as usize >= card {
                return Err(DataError::FactorOutOfRange {
                    path: path.to_path_buf(),
                    factor: format!("attribute {k}"),
                    index: i,
                    value: v as i64,
                    allowed: format!("0..{card}"),
                });
            }
        }
    }
    Ok(())
}
