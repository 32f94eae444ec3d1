//! Which label a swapped image shows, read by a classifier trained on real
//! images: a model whose label lives in S makes `Dec(S(a), Z(b))` look like
//! an image of `a`'s label; a collapsed one (the decoder ignoring S) makes it
//! look like `b`'s. This judges the swap grids with a number, not by eye.

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::{Device, Kind};
use tsd_core::{images_to_tensor, Disentangler};
use tsd_data::{Dataset, Splits};
use tsd_metrics::{LabelledCodes, MlpProbeParams, Probe};

use crate::error::{Context, Result};

/// Training images the pixel classifier learns from (a seeded subset beyond this).
pub const CLASSIFIER_IMAGES: usize = 10_000;
/// Swapped pairs judged.
pub const PAIRS: usize = 2_000;

/// What the classifier read in swapped test images.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SwapLabels {
    /// Pairs `(a, b)` of test images with different labels that were swapped.
    pub pairs: usize,
    /// Fraction of `Dec(S(a), Z(b))` classified as `a`'s label (S's: the goal).
    pub follows_s: f64,
    /// Fraction classified as `b`'s label (Z's: label leaking through Z).
    pub follows_z: f64,
    /// The classifier's accuracy on the real test images (its own ceiling).
    pub classifier_accuracy: f64,
}

/// Trains an MLP (`params`) on the pixels of up to [`CLASSIFIER_IMAGES`]
/// training images, then classifies `Dec(S(a), Z(b))` for [`PAIRS`] seeded
/// random test pairs with different labels. `None` when the test set has a single label.
pub fn read_swaps(
    model: &dyn Disentangler,
    splits: &Splits,
    params: &MlpProbeParams,
    seed: u64,
) -> Result<Option<SwapLabels>> {
    let test = &splits.test;
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5357_4150);
    let mut train_rows: Vec<usize> = (0..splits.train.len()).collect();
    rand::seq::SliceRandom::shuffle(train_rows.as_mut_slice(), &mut rng);
    train_rows.truncate(CLASSIFIER_IMAGES);
    let train = splits.train.select(&train_rows);
    let classifier = params
        .fit(&LabelledCodes::new(pixels(&train)?, train.labels.clone())?)
        .context("training the pixel classifier of the swap check")?;
    let predicted = classifier.predict(pixels(test)?.view())?;
    let hits = predicted.iter().zip(&test.labels).filter(|(p, y)| p == y).count();
    let classifier_accuracy = hits as f64 / test.len().max(1) as f64;

    if test.labels.iter().all(|&y| y == test.labels[0]) {
        return Ok(None);
    }
    let mut pairs = Vec::with_capacity(PAIRS);
    while pairs.len() < PAIRS {
        let (a, b) = (rng.gen_range(0..test.len()), rng.gen_range(0..test.len()));
        if test.labels[a] != test.labels[b] {
            pairs.push((a, b));
        }
    }
    let (mut follows_s, mut follows_z) = (0usize, 0usize);
    for chunk in pairs.chunks(500) {
        let (a, b): (Vec<usize>, Vec<usize>) = chunk.iter().copied().unzip();
        let swapped = swapped(model, &test.select(&a), &test.select(&b))?;
        for (k, p) in classifier.predict(swapped.view())?.into_iter().enumerate() {
            follows_s += usize::from(p == test.labels[a[k]]);
            follows_z += usize::from(p == test.labels[b[k]]);
        }
    }
    let n = pairs.len() as f64;
    Ok(Some(SwapLabels {
        pairs: pairs.len(),
        follows_s: follows_s as f64 / n,
        follows_z: follows_z as f64 / n,
        classifier_accuracy,
    }))
}

/// Images as rows of `[0, 1]` pixels.
fn pixels(data: &Dataset) -> Result<Array2<f32>> {
    let n = data.len();
    let values: Vec<f32> = data.images.iter().map(|&p| f32::from(p) / 255.0).collect();
    let dim = values.len() / n.max(1);
    Array2::from_shape_vec((n, dim), values).context("flattening images")
}

/// `Dec(S(a_k), Z(b_k))` as rows of `[0, 1]` pixels (rounded to u8 levels, like a saved image).
fn swapped(model: &dyn Disentangler, a: &Dataset, b: &Dataset) -> Result<Array2<f32>> {
    let norm = model.normalization();
    let xa = images_to_tensor(&a.images, norm, model.device());
    let xb = images_to_tensor(&b.images, norm, model.device());
    let images = model.swap(&xa, &xb).to_kind(Kind::Float).to_device(Device::Cpu).contiguous();
    let n = a.len();
    let values = Vec::<f32>::try_from(images.view([-1])).context("reading the swapped images")?;
    let pixels: Vec<f32> = values.iter().map(|&v| f32::from(norm.invert(v)) / 255.0).collect();
    let dim = pixels.len() / n.max(1);
    Array2::from_shape_vec((n, dim), pixels).context("flattening swapped images")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Tensor;
    use tsd_core::Codes;
    use tsd_data::{synthetic, Normalization};

    /// A "model" whose S is the image and whose decoder returns S or Z as told.
    struct Copy {
        keep_s: bool,
    }

    impl Disentangler for Copy {
        fn device(&self) -> Device {
            Device::Cpu
        }
        fn normalization(&self) -> Normalization {
            Normalization::Unit
        }
        fn encode(&self, images: &Tensor) -> Codes {
            let flat = images.flatten(1, -1);
            Codes { s: flat.shallow_clone(), z: flat }
        }
        fn decode(&self, s: &Tensor, z: &Tensor) -> Tensor {
            let side = (s.size()[1] as f64).sqrt() as i64;
            let x = if self.keep_s { s } else { z };
            x.view([-1, 1, side, side])
        }
    }

    #[test]
    fn swaps_follow_the_code_the_decoder_keeps() {
        let splits = synthetic::splits(600, 100, 300, 4, 1);
        let params = MlpProbeParams::new().max_epochs(30);
        let keep_s = read_swaps(&Copy { keep_s: true }, &splits, &params, 0).unwrap().unwrap();
        let keep_z = read_swaps(&Copy { keep_s: false }, &splits, &params, 0).unwrap().unwrap();
        assert!(keep_s.classifier_accuracy > 0.9, "{keep_s:?}");
        assert!(keep_s.follows_s > 0.85 && keep_s.follows_z < 0.1, "{keep_s:?}");
        assert!(keep_z.follows_z > 0.85 && keep_z.follows_s < 0.1, "{keep_z:?}");
        assert_eq!(keep_s.pairs, PAIRS);
    }
}
