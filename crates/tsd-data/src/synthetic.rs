//! Small generated datasets whose label and nuisances are known by
//! construction: for tests, examples and end-to-end checks without real data.
//!
//! Each class is a fixed random 4x4 binary template (upscaled x2 to 8x8).
//! It is drawn at one of four corners (`position` nuisance) with one of three
//! intensities (`intensity` nuisance) on a faintly noisy background. The label
//! and the nuisances are independent.

use ndarray::Array4;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{Dataset, Factor, Splits};

/// Side of the generated images.
pub const SIDE: usize = 16;
/// Pixel values of the three intensities.
const INTENSITIES: [u8; 3] = [255, 180, 110];
/// Top-left corners of the four positions.
const POSITIONS: [(usize, usize); 4] = [(0, 0), (0, 8), (8, 0), (8, 8)];

/// `n` images of `n_classes` classes (1 channel, 16x16); the same `seed` gives the same data.
pub fn shapes(n: usize, n_classes: usize, seed: u64) -> Dataset {
    let templates = class_templates(n_classes);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut images = Array4::<u8>::zeros((n, 1, SIDE, SIDE));
    let (mut labels, mut positions, mut intensities) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let (y, p, v) = (rng.gen_range(0..n_classes), rng.gen_range(0..POSITIONS.len()), rng.gen_range(0..3));
        for r in 0..SIDE {
            for c in 0..SIDE {
                images[[i, 0, r, c]] = rng.gen_range(0..20);
            }
        }
        let (top, left) = POSITIONS[p];
        for r in 0..8 {
            for c in 0..8 {
                if templates[y][r / 2][c / 2] {
                    images[[i, 0, top + r, left + c]] = INTENSITIES[v];
                }
            }
        }
        labels.push(y);
        positions.push(p);
        intensities.push(v);
    }
    Dataset {
        name: "synthetic".into(),
        images,
        labels,
        n_classes,
        label_name: "shape".into(),
        nuisances: vec![
            Factor { name: "position".into(), values: positions, cardinality: POSITIONS.len() },
            Factor { name: "intensity".into(), values: intensities, cardinality: INTENSITIES.len() },
        ],
    }
}

/// Train / validation / test sets drawn independently (seeds `seed`, `seed + 1`, `seed + 2`).
pub fn splits(n_train: usize, n_val: usize, n_test: usize, n_classes: usize, seed: u64) -> Splits {
    Splits {
        train: shapes(n_train, n_classes, seed),
        val: shapes(n_val, n_classes, seed.wrapping_add(1)),
        test: shapes(n_test, n_classes, seed.wrapping_add(2)),
    }
}

/// Distinct 4x4 binary templates, the same for every call.
fn class_templates(n_classes: usize) -> Vec<[[bool; 4]; 4]> {
    let mut rng = ChaCha8Rng::seed_from_u64(0x5EED);
    let mut templates: Vec<[[bool; 4]; 4]> = Vec::with_capacity(n_classes);
    while templates.len() < n_classes {
        let mut t = [[false; 4]; 4];
        for cell in t.iter_mut().flatten() {
            *cell = rng.gen_bool(0.5);
        }
        if !templates.contains(&t) {
            templates.push(t);
        }
    }
    templates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_data_and_factors_cover_their_range() {
        let a = shapes(200, 5, 7);
        assert_eq!(a.images, shapes(200, 5, 7).images);
        assert_ne!(a.images, shapes(200, 5, 8).images);
        assert!(a.class_counts().iter().all(|&c| c > 0));
        for f in &a.nuisances {
            assert!((0..f.cardinality).all(|v| f.values.contains(&v)), "{}", f.name);
        }
    }
}
