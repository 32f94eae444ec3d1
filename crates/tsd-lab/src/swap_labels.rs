//! Which label a swapped image shows, read by a classifier trained on real
//! images: a model whose label lives in S makes `Dec(S(a), Z(b))` look like
//! an image of `a`'s label; a collapsed one (the decoder ignoring S) makes it
//! look like `b`'s. This judges the swap grids with a number, not by eye.
//!
//! The classifier is a small CNN on `[0, 1]` pixels (two 5x5 conv + max-pool
//! blocks, 32 and 64 channels, a 128-unit dense layer), not a probe that
//! standardises each pixel: generated images have faint values on border
//! pixels that are constant in real images, which per-pixel standardisation
//! blows up into huge inputs.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Tensor};
use tsd_core::{images_to_tensor, Disentangler};
use tsd_data::{Dataset, Normalization, Splits};

use crate::error::{Context, Result};
use crate::results::figures::swap::to_pixels;

/// Training images the classifier learns from (a seeded subset beyond this).
pub const CLASSIFIER_IMAGES: usize = 20_000;
/// Epochs of the classifier over its training images.
const CLASSIFIER_EPOCHS: usize = 3;
/// Swapped pairs judged.
pub const PAIRS: usize = 2_000;
/// Images per batch (training and classifying).
const BATCH: usize = 128;

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

/// The CNN of [`read_swaps`].
struct Classifier {
    net: nn::Sequential,
    _vs: nn::VarStore,
}

impl Classifier {
    /// Trains on up to [`CLASSIFIER_IMAGES`] of `train` (seeded subset, batches and initialisation).
    fn fit(train: &Dataset, seed: u64, device: Device) -> Result<Classifier> {
        let (_, c, h, w) = train.images.dim();
        let (c, h, w) = (c as i64, h as i64, w as i64);
        let vs = nn::VarStore::new(device);
        let net = tsd_core::common::tensors::seeded(seed, || {
            let p = vs.root();
            let conv =
                |i, o, name: &str| nn::conv2d(&p / name, i, o, 5, nn::ConvConfig { padding: 2, ..Default::default() });
            nn::seq()
                .add(conv(c, 32, "conv0"))
                .add_fn(|x| x.relu().max_pool2d_default(2))
                .add(conv(32, 64, "conv1"))
                .add_fn(|x| x.relu().max_pool2d_default(2).flatten(1, -1))
                .add(nn::linear(&p / "dense", 64 * (h / 4) * (w / 4), 128, Default::default()))
                .add_fn(|x| x.relu())
                .add(nn::linear(&p / "out", 128, train.n_classes as i64, Default::default()))
        });
        let mut opt = nn::Adam::default().build(&vs, 1e-3).context("building the classifier's optimiser")?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut rows: Vec<usize> = (0..train.len()).collect();
        rows.shuffle(&mut rng);
        rows.truncate(CLASSIFIER_IMAGES);
        let x = images_to_tensor(&train.select(&rows).images, Normalization::Unit, device);
        let labels: Vec<i64> = rows.iter().map(|&i| train.labels[i] as i64).collect();
        let y = Tensor::from_slice(&labels).to_device(device);
        for _ in 0..CLASSIFIER_EPOCHS {
            let mut order: Vec<i64> = (0..rows.len() as i64).collect();
            order.shuffle(&mut rng);
            for chunk in order.chunks(BATCH) {
                let idx = Tensor::from_slice(chunk).to_device(device);
                let loss = net.forward(&x.index_select(0, &idx)).cross_entropy_for_logits(&y.index_select(0, &idx));
                opt.backward_step(&loss);
            }
        }
        Ok(Classifier { net, _vs: vs })
    }

    /// Predicted classes of `[0, 1]` images `(N, C, H, W)`.
    fn predict(&self, images: &Tensor) -> Result<Vec<usize>> {
        let mut out = Vec::with_capacity(images.size()[0] as usize);
        for batch in images.split(BATCH as i64, 0) {
            let best = tch::no_grad(|| self.net.forward(&batch).argmax(1, false)).to_device(Device::Cpu);
            out.extend(Vec::<i64>::try_from(&best).context("reading predictions")?.into_iter().map(|c| c as usize));
        }
        Ok(out)
    }
}

/// Trains the CNN on real training images, then classifies `Dec(S(a), Z(b))`
/// for [`PAIRS`] seeded random test pairs with different labels. `None` when
/// the test set has a single label.
pub fn read_swaps(model: &dyn Disentangler, splits: &Splits, seed: u64) -> Result<Option<SwapLabels>> {
    let test = &splits.test;
    if test.is_empty() || test.labels.iter().all(|&y| y == test.labels[0]) {
        return Ok(None);
    }
    let device = model.device();
    let classifier = Classifier::fit(&splits.train, seed, device)?;
    let predicted = classifier.predict(&images_to_tensor(&test.images, Normalization::Unit, device))?;
    let hits = predicted.iter().zip(&test.labels).filter(|(p, y)| p == y).count();
    let classifier_accuracy = hits as f64 / test.len() as f64;

    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5357_4150);
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
        let norm = model.normalization();
        let xa = images_to_tensor(&test.select(&a).images, norm, device);
        let xb = images_to_tensor(&test.select(&b).images, norm, device);
        // Rounded to u8 levels, as a saved swap grid shows them.
        let pixels = to_pixels(&model.swap(&xa, &xb), norm)?;
        let swapped = images_to_tensor(&pixels, Normalization::Unit, device);
        for (k, p) in classifier.predict(&swapped)?.into_iter().enumerate() {
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

#[cfg(test)]
mod tests {
    use super::*;
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
        let keep_s = read_swaps(&Copy { keep_s: true }, &splits, 0).unwrap().unwrap();
        let keep_z = read_swaps(&Copy { keep_s: false }, &splits, 0).unwrap().unwrap();
        assert!(keep_s.classifier_accuracy > 0.9, "{keep_s:?}");
        assert!(keep_s.follows_s > 0.85 && keep_s.follows_z < 0.1, "{keep_s:?}");
        assert!(keep_z.follows_z > 0.85 && keep_z.follows_s < 0.1, "{keep_z:?}");
        assert_eq!(keep_s.pairs, PAIRS);
    }
}
