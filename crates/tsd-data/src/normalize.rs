//! Conversion of u8 images to the f32 ranges the models expect.

use ndarray::Array4;
use serde::{Deserialize, Serialize};

use crate::Dataset;

/// How u8 pixels become f32 model inputs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Normalization {
    /// `x / 255`, in `[0, 1]` (decoders with a sigmoid output).
    Unit,
    /// `x / 127.5 - 1`, in `[-1, 1]` (decoders with a tanh output).
    Symmetric,
    /// `(x / 255 - mean) / std` with the training set's global mean and std
    /// (the released MNIST example).
    Standardize {
        /// Mean of `x / 255` over the training set.
        mean: f32,
        /// Standard deviation of `x / 255` over the training set.
        std: f32,
    },
    /// Values used as they are: inputs that are not pixels (return windows,
    /// already scaled by their reader); a byte maps to its value.
    Identity,
}

impl Normalization {
    /// Standardisation with the global mean and std of `train`'s pixels in `[0, 1]`.
    pub fn standardize_from(train: &Dataset) -> Normalization {
        let n = train.images.len().max(1) as f64;
        let (mut sum, mut sum_sq) = (0f64, 0f64);
        for &p in train.images.iter() {
            let v = p as f64 / 255.0;
            sum += v;
            sum_sq += v * v;
        }
        let mean = sum / n;
        let std = (sum_sq / n - mean * mean).max(1e-12).sqrt();
        Normalization::Standardize { mean: mean as f32, std: std as f32 }
    }

    /// Maps one u8 pixel.
    pub fn apply(&self, p: u8) -> f32 {
        let v = p as f32;
        match *self {
            Normalization::Unit => v / 255.0,
            Normalization::Symmetric => v / 127.5 - 1.0,
            Normalization::Standardize { mean, std } => (v / 255.0 - mean) / std,
            Normalization::Identity => v,
        }
    }

    /// Inverse of [`Normalization::apply`], clamped to `[0, 255]`.
    pub fn invert(&self, v: f32) -> u8 {
        let p = match *self {
            Normalization::Unit => v * 255.0,
            Normalization::Symmetric => (v + 1.0) * 127.5,
            Normalization::Standardize { mean, std } => (v * std + mean) * 255.0,
            Normalization::Identity => v,
        };
        p.round().clamp(0.0, 255.0) as u8
    }

    /// All of `images` mapped to f32, same shape.
    pub fn to_f32(&self, images: &Array4<u8>) -> Array4<f32> {
        images.mapv(|p| self.apply(p))
    }
}
