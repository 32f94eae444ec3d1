//! Moving datasets into tensors and cutting them into seeded mini-batches.

use ndarray::{Array4, ArrayView2};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tch::{Device, Tensor};
use tsd_data::{Dataset, Normalization};

/// Serialises the sections that seed libtorch's global generator and then draw
/// from it (weight initialisation), so models built on several threads at once
/// (tests, notebooks) still get the weights their seed promises.
static TORCH_RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `build` right after `tch::manual_seed(seed)`, with no other seeded section in between.
pub fn seeded<T>(seed: u64, build: impl FnOnce() -> T) -> T {
    let _guard = TORCH_RNG.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    tch::manual_seed(seed as i64);
    build()
}

/// Standard normal noise of `shape` drawn from `rng` (not from libtorch's global
/// generator, so it does not depend on what other threads draw).
pub fn normal_noise(rng: &mut ChaCha8Rng, shape: [i64; 2], device: Device) -> Tensor {
    let n = (shape[0] * shape[1]) as usize;
    let values: Vec<f32> = (0..n).map(|_| rng.sample(rand_distr::StandardNormal)).collect();
    Tensor::from_slice(&values).view(shape).to_device(device)
}

/// u8 images `(N, C, H, W)` -> normalised f32 tensor on `device`.
pub fn images_to_tensor(images: &Array4<u8>, norm: Normalization, device: Device) -> Tensor {
    let (n, c, h, w) = images.dim();
    let values: Vec<f32> = images.iter().map(|&p| norm.apply(p)).collect();
    Tensor::from_slice(&values).view([n as i64, c as i64, h as i64, w as i64]).to_device(device)
}

/// Examples per forward pass when a whole dataset is encoded or evaluated
/// without gradients (larger than a training batch: fewer, fuller kernels).
pub const EVAL_BATCH: i64 = 1000;

/// `f` applied to `xs` in chunks of [`EVAL_BATCH`] rows, without gradients,
/// the results concatenated along the first dimension.
pub fn map_chunks(xs: &Tensor, f: impl Fn(&Tensor) -> Tensor) -> Tensor {
    let n = xs.size()[0];
    tch::no_grad(|| {
        if n == 0 {
            return f(xs);
        }
        let parts: Vec<Tensor> = (0..n)
            .step_by(EVAL_BATCH as usize)
            .map(|start| f(&xs.narrow(0, start, EVAL_BATCH.min(n - start))))
            .collect();
        Tensor::cat(&parts, 0)
    })
}

/// A dataset held as tensors: normalised images and i64 labels.
#[derive(Debug)]
pub struct TensorData {
    /// `(N, C, H, W)` f32.
    pub images: Tensor,
    /// `(N,)` i64.
    pub labels: Tensor,
}

impl TensorData {
    /// Converts `data` with `norm`, onto `device`.
    pub fn new(data: &Dataset, norm: Normalization, device: Device) -> Self {
        let labels: Vec<i64> = data.labels.iter().map(|&y| y as i64).collect();
        TensorData {
            images: images_to_tensor(&data.images, norm, device),
            labels: Tensor::from_slice(&labels).to_device(device),
        }
    }

    /// A series dataset: row `i` of `values` (`(N, L)`, already scaled) is
    /// example `i`, held as `(N, L, 1, 1)`: L channels of side 1, the shape
    /// [`ModelSpec::for_series`](crate::model::ModelSpec::for_series) describes
    /// (dense networks flatten it; nothing is normalised).
    pub fn from_series(values: ArrayView2<f32>, labels: &[usize], device: Device) -> Self {
        let (n, l) = values.dim();
        let flat: Vec<f32> = values.iter().copied().collect();
        let labels: Vec<i64> = labels.iter().map(|&y| y as i64).collect();
        TensorData {
            images: Tensor::from_slice(&flat).view([n as i64, l as i64, 1, 1]).to_device(device),
            labels: Tensor::from_slice(&labels).to_device(device),
        }
    }

    /// The same tensors, shared (no copy).
    pub fn shallow_clone(&self) -> Self {
        TensorData { images: self.images.shallow_clone(), labels: self.labels.shallow_clone() }
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels.size()[0] as usize
    }

    /// True when there is no example.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Mini-batches `(images, labels)` in a shuffled order that depends only on
    /// `(seed, epoch)`, so a resumed run sees the same batches. The last partial
    /// batch is kept.
    pub fn shuffled_batches(
        &self,
        batch_size: usize,
        seed: u64,
        epoch: usize,
    ) -> impl ExactSizeIterator<Item = (Tensor, Tensor)> + '_ {
        self.shuffled_indices(batch_size, seed, epoch).into_iter().map(move |idx| self.select(&idx))
    }

    /// The example indices of [`TensorData::shuffled_batches`]' batches, as
    /// i64 tensors on the data's device (to gather codes cached per example).
    pub fn shuffled_indices(&self, batch_size: usize, seed: u64, epoch: usize) -> Vec<Tensor> {
        let mut order: Vec<i64> = (0..self.len() as i64).collect();
        order.shuffle(&mut epoch_rng(seed, epoch));
        let device = self.images.device();
        order.chunks(batch_size.max(1)).map(|chunk| Tensor::from_slice(chunk).to_device(device)).collect()
    }

    /// The examples at `idx`: `(images, labels)`.
    pub fn select(&self, idx: &Tensor) -> (Tensor, Tensor) {
        (self.images.index_select(0, idx), self.labels.index_select(0, idx))
    }

    /// Mini-batches in dataset order (for evaluation).
    pub fn ordered_batches(&self, batch_size: usize) -> Vec<(Tensor, Tensor)> {
        let n = self.len() as i64;
        (0..n)
            .step_by(batch_size.max(1))
            .map(|start| {
                let len = (batch_size as i64).min(n - start);
                (self.images.narrow(0, start, len), self.labels.narrow(0, start, len))
            })
            .collect()
    }
}

/// The generator of everything random in `epoch` of a run seeded with `seed`.
pub fn epoch_rng(seed: u64, epoch: usize) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}
