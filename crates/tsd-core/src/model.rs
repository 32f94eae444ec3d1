//! The interface every disentangling model offers, so that evaluation code never
//! cares which model it has.

use ndarray::Array2;
use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};
use tsd_data::{Dataset, Normalization};

use crate::common::config::InputScaling;
use crate::common::tensors::{images_to_tensor, TensorData};
use crate::{CoreError, Result};

/// What the model needs to know about its data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    /// Image channels.
    pub channels: i64,
    /// Image side (square images; a multiple of 4).
    pub side: i64,
    /// Number of label classes.
    pub n_classes: i64,
    /// Input mapping, fitted on the training set.
    pub normalization: Normalization,
}

impl ModelSpec {
    /// The spec for training on `train` with `scaling`.
    pub fn for_data(train: &Dataset, scaling: InputScaling) -> Result<Self> {
        let (c, h, w) = train.image_shape();
        if h != w || h % 4 != 0 || h == 0 {
            return Err(CoreError::Data(format!("images must be square with a side divisible by 4, got {h}x{w}")));
        }
        let normalization = match scaling {
            InputScaling::Standardize => Normalization::standardize_from(train),
            InputScaling::Unit => Normalization::Unit,
            InputScaling::Symmetric => Normalization::Symmetric,
        };
        Ok(ModelSpec { channels: c as i64, side: h as i64, n_classes: train.n_classes as i64, normalization })
    }
}

/// The two codes of a batch: `s` carries the label, `z` everything else.
#[derive(Debug)]
pub struct Codes {
    /// `(N, s_dim)`.
    pub s: Tensor,
    /// `(N, z_dim)`.
    pub z: Tensor,
}

/// A model that splits an image into (S, Z) and puts it back together.
/// Every method runs in evaluation mode without gradients.
pub trait Disentangler {
    /// Where the model's tensors live.
    fn device(&self) -> Device;

    /// How u8 pixels are mapped to model inputs (and back).
    fn normalization(&self) -> Normalization;

    /// Normalised images `(N, C, H, W)` -> codes.
    fn encode(&self, images: &Tensor) -> Codes;

    /// Codes -> images `(N, C, H, W)` in the normalised input space.
    fn decode(&self, s: &Tensor, z: &Tensor) -> Tensor;

    /// Images with S taken from `s_from` and Z from `z_from` (same batch size).
    fn swap(&self, s_from: &Tensor, z_from: &Tensor) -> Tensor {
        let a = self.encode(s_from);
        let b = self.encode(z_from);
        self.decode(&a.s, &b.z)
    }
}

/// Codes of a whole dataset as ndarrays `(N, s_dim)` and `(N, z_dim)`, in batches.
pub fn encode_dataset(
    model: &dyn Disentangler,
    data: &Dataset,
    batch_size: usize,
) -> Result<(Array2<f32>, Array2<f32>)> {
    let (mut s_rows, mut z_rows) = (Vec::new(), Vec::new());
    let (mut s_dim, mut z_dim) = (0, 0);
    for start in (0..data.len()).step_by(batch_size.max(1)) {
        let end = (start + batch_size).min(data.len());
        let indices: Vec<usize> = (start..end).collect();
        let batch = images_to_tensor(&data.select(&indices).images, model.normalization(), model.device());
        let codes = model.encode(&batch);
        s_dim = codes.s.size()[1] as usize;
        z_dim = codes.z.size()[1] as usize;
        s_rows.extend(Vec::<f32>::try_from(&codes.s.to_kind(Kind::Float).to_device(Device::Cpu).view([-1]))?);
        z_rows.extend(Vec::<f32>::try_from(&codes.z.to_kind(Kind::Float).to_device(Device::Cpu).view([-1]))?);
    }
    let n = data.len();
    let to_array =
        |rows: Vec<f32>, dim: usize| Array2::from_shape_vec((n, dim), rows).map_err(|e| CoreError::Data(e.to_string()));
    Ok((to_array(s_rows, s_dim)?, to_array(z_rows, z_dim)?))
}

/// Mean squared reconstruction error of `model` over `data`, per pixel, in the
/// model's input scaling (evaluation mode, `batch` images at a time).
pub fn reconstruction_mse(model: &dyn Disentangler, data: &TensorData, batch: usize) -> f64 {
    let mut total = 0.0;
    for (x, _) in data.ordered_batches(batch) {
        let codes = model.encode(&x);
        let rec = model.decode(&codes.s, &codes.z);
        total += rec.mse_loss(&x, tch::Reduction::Mean).double_value(&[]) * x.size()[0] as f64;
    }
    total / data.len().max(1) as f64
}
