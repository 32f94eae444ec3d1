//! The interface every disentangling model offers, so that evaluation code never
//! cares which model it has.

use ndarray::Array2;
use rand_chacha::ChaCha8Rng;
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
    /// Trailing input channels that are context, not data (0 for images):
    /// the encoders see them and a decoder conditioned on them is given
    /// them, but they are not reconstructed. Return windows carry their
    /// cross-section here ([`ModelSpec::for_series`]).
    #[serde(default)]
    pub context: i64,
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
        Ok(ModelSpec {
            channels: c as i64,
            side: h as i64,
            n_classes: train.n_classes as i64,
            normalization,
            context: 0,
        })
    }

    /// The spec of series of `length` steps followed by `context` values of
    /// context (already scaled, so [`Normalization::Identity`]), held as
    /// `length + context` channels of side 1 (see
    /// [`TensorData::from_series`]); only dense and cross-section networks take it.
    pub fn for_series(length: usize, context: usize, n_classes: usize) -> Self {
        ModelSpec {
            channels: (length + context) as i64,
            side: 1,
            n_classes: n_classes as i64,
            normalization: Normalization::Identity,
            context: context as i64,
        }
    }

    /// Channels a decoder gives back: all but the context.
    pub fn output_channels(&self) -> i64 {
        self.channels - self.context
    }

    /// The part of `inputs` `(N, C, H, W)` a decoder gives back (all of it without context).
    pub fn reconstructed(&self, inputs: &Tensor) -> Tensor {
        inputs.narrow(1, 0, self.output_channels())
    }

    /// Values a decoder gives back for one input, `output_channels * side * side`.
    pub fn output_size(&self) -> i64 {
        self.output_channels() * self.side * self.side
    }

    /// Values of one input, `channels * side * side`.
    pub fn input_size(&self) -> i64 {
        self.channels * self.side * self.side
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

    /// [`Disentangler::encode`] and, for models whose Z is a distribution
    /// (`encode` gives its mean), one random draw of Z per image from `rng`;
    /// `None` for deterministic codes.
    fn encode_sampled(&self, images: &Tensor, _rng: &mut ChaCha8Rng) -> (Codes, Option<Tensor>) {
        (self.encode(images), None)
    }

    /// Codes -> images `(N, C, H, W)` in the normalised input space.
    fn decode(&self, s: &Tensor, z: &Tensor) -> Tensor;

    /// [`Disentangler::decode`] for inputs like `inputs`: a model conditioned
    /// on a context the inputs carry ([`ModelSpec::context`]) reads it from
    /// them and gives back only the rest ([`Disentangler::reconstructed`]);
    /// others ignore `inputs`.
    fn decode_given(&self, s: &Tensor, z: &Tensor, _inputs: &Tensor) -> Tensor {
        self.decode(s, z)
    }

    /// The part of `inputs` that [`Disentangler::decode_given`] gives back:
    /// all of it unless the inputs carry a context.
    fn reconstructed(&self, inputs: &Tensor) -> Tensor {
        inputs.shallow_clone()
    }

    /// Images with S taken from `s_from` and Z from `z_from` (same batch
    /// size); a context comes with Z, from `z_from`.
    fn swap(&self, s_from: &Tensor, z_from: &Tensor) -> Tensor {
        let a = self.encode(s_from);
        let b = self.encode(z_from);
        self.decode_given(&a.s, &b.z, z_from)
    }
}

/// Codes of a whole dataset as ndarrays `(N, s_dim)` and `(N, z_dim)`, in batches.
pub fn encode_dataset(
    model: &dyn Disentangler,
    data: &Dataset,
    batch_size: usize,
) -> Result<(Array2<f32>, Array2<f32>)> {
    let codes = encode_with_samples(model, data, batch_size, None)?;
    Ok((codes.s, codes.z))
}

/// The codes of a dataset: S, Z (for a stochastic Z its mean) and, for models
/// with a stochastic Z, one sample of it per image.
#[derive(Debug, Clone)]
pub struct DatasetCodes {
    /// `(N, s_dim)`.
    pub s: Array2<f32>,
    /// `(N, z_dim)`.
    pub z: Array2<f32>,
    /// `(N, z_dim)`, drawn with the seed given to [`encode_with_samples`].
    pub z_sample: Option<Array2<f32>>,
}

/// Codes of a whole dataset in batches; with `sample_seed`, also one draw of
/// Z per image from a generator seeded with it (models without samples give `None`).
pub fn encode_with_samples(
    model: &dyn Disentangler,
    data: &Dataset,
    batch_size: usize,
    sample_seed: Option<u64>,
) -> Result<DatasetCodes> {
    let normalization = model.normalization();
    encode_batches(model, data.len(), batch_size, sample_seed, |start, end| {
        let indices: Vec<usize> = (start..end).collect();
        images_to_tensor(&data.select(&indices).images, normalization, model.device())
    })
}

/// Codes of inputs already held as a tensor `(N, C, H, W)` on the model's
/// device (e.g. return windows, [`TensorData::from_series`]), in batches;
/// `sample_seed` as in [`encode_with_samples`].
pub fn encode_tensor(
    model: &dyn Disentangler,
    inputs: &Tensor,
    batch_size: usize,
    sample_seed: Option<u64>,
) -> Result<DatasetCodes> {
    let n = inputs.size()[0] as usize;
    encode_batches(model, n, batch_size, sample_seed, |start, end| inputs.narrow(0, start as i64, (end - start) as i64))
}

/// Codes of `n` inputs whose batch `[start, end)` `batch` gives.
fn encode_batches(
    model: &dyn Disentangler,
    n: usize,
    batch_size: usize,
    sample_seed: Option<u64>,
    batch: impl Fn(usize, usize) -> Tensor,
) -> Result<DatasetCodes> {
    let mut rng = sample_seed.map(<ChaCha8Rng as rand::SeedableRng>::seed_from_u64);
    let mut rows: [Vec<f32>; 3] = Default::default();
    let mut dims = [0usize; 3];
    let mut sampled = rng.is_some();
    for start in (0..n).step_by(batch_size.max(1)) {
        let end = (start + batch_size).min(n);
        let batch = batch(start, end);
        let (codes, sample) = match rng.as_mut() {
            Some(rng) => model.encode_sampled(&batch, rng),
            None => (model.encode(&batch), None),
        };
        sampled &= sample.is_some();
        for (i, code) in [Some(codes.s), Some(codes.z), sample].into_iter().enumerate() {
            if let Some(code) = code {
                dims[i] = code.size()[1] as usize;
                rows[i].extend(Vec::<f32>::try_from(&code.to_kind(Kind::Float).to_device(Device::Cpu).view([-1]))?);
            }
        }
    }
    let [s, z, z_sample] = rows;
    let to_array =
        |rows: Vec<f32>, dim: usize| Array2::from_shape_vec((n, dim), rows).map_err(|e| CoreError::Data(e.to_string()));
    Ok(DatasetCodes {
        s: to_array(s, dims[0])?,
        z: to_array(z, dims[1])?,
        z_sample: if sampled { Some(to_array(z_sample, dims[2])?) } else { None },
    })
}

/// Mean squared reconstruction error of `model` over `data`, per pixel, in the
/// model's input scaling (evaluation mode, `batch` images at a time).
pub fn reconstruction_mse(model: &dyn Disentangler, data: &TensorData, batch: usize) -> f64 {
    reconstruction_mse_with(model, data, batch, Tensor::shallow_clone)
}

/// [`reconstruction_mse`] with every image's Z replaced by the mean Z of
/// `data`: what the reconstruction is without what Z says about each image.
/// Equal to [`reconstruction_mse`] when the decoder ignores Z (or Z is
/// constant); the gap is the part of each image Z carries.
pub fn reconstruction_mse_mean_z(model: &dyn Disentangler, data: &TensorData, batch: usize) -> f64 {
    let mut sum: Option<Tensor> = None;
    for (x, _) in data.ordered_batches(batch) {
        let z = model.encode(&x).z.to_kind(Kind::Double).sum_dim_intlist(0, true, Kind::Double);
        sum = Some(match sum {
            Some(total) => total + z,
            None => z,
        });
    }
    let Some(sum) = sum else { return 0.0 };
    let mean = sum / data.len() as f64;
    reconstruction_mse_with(model, data, batch, |z| mean.to_kind(z.kind()).expand_as(z))
}

/// Mean squared error of `Dec(S(x), z_of(Z(x)))` against `x` (its
/// reconstructed part) over `data`.
fn reconstruction_mse_with(
    model: &dyn Disentangler,
    data: &TensorData,
    batch: usize,
    z_of: impl Fn(&Tensor) -> Tensor,
) -> f64 {
    let mut total = 0.0;
    for (x, _) in data.ordered_batches(batch) {
        let codes = model.encode(&x);
        let rec = model.decode_given(&codes.s, &z_of(&codes.z), &x);
        total += rec.mse_loss(&model.reconstructed(&x), tch::Reduction::Mean).double_value(&[]) * x.size()[0] as f64;
    }
    total / data.len().max(1) as f64
}
