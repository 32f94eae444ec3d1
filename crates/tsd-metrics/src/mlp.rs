//! The nonlinear probe of Jha et al. (ECCV 2018, REFERENCE §3): an MLP
//! `z -> 256 -> 256 -> classes` (and, wider and deeper, the suite's
//! [`MlpProbeParams::wide`]), BatchNorm and LeakyReLU(0.2) after each
//! hidden layer, trained with Adam on train codes (standardised with the
//! train statistics), early-stopped on a seeded validation slice of train.
//! Feature `mlp`; links libtorch.
//!
//! Seeded: `tch::manual_seed(seed)` before the weights are drawn, and a
//! ChaCha8 stream from the same seed for the validation slice and the batch
//! order. On the CPU two fits with the same seed give the same probe.

use std::collections::HashMap;
use std::fmt;

use linfa::ParamGuard;
use ndarray::{s, ArrayView2};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::nn::{self, ModuleT, OptimizerConfig};
use tch::{Device, Kind, Tensor};

use crate::codes::{check_train_labels, class_counts, LabelledCodes};
use crate::error::{MetricsError, Result};
use crate::probe::Probe;
use crate::standardize::Standardizer;

/// Rows per forward pass when predicting.
const PREDICT_BATCH: usize = 4096;

/// Checked hyper-parameters of [`MlpProbe`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MlpProbeValidParams {
    hidden: usize,
    depth: usize,
    learning_rate: f64,
    batch_size: usize,
    max_epochs: usize,
    patience: usize,
    validation_fraction: f64,
    seed: u64,
    cuda_device: Option<usize>,
}

impl Default for MlpProbeValidParams {
    fn default() -> Self {
        MlpProbeValidParams {
            hidden: 256,
            depth: 2,
            learning_rate: 1e-3,
            batch_size: 128,
            max_epochs: 100,
            patience: 5,
            validation_fraction: 0.1,
            seed: 0,
            cuda_device: None,
        }
    }
}

impl MlpProbeValidParams {
    /// Width of every hidden layer.
    pub fn hidden(&self) -> usize {
        self.hidden
    }

    /// Number of hidden layers.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Adam learning rate.
    pub fn learning_rate(&self) -> f64 {
        self.learning_rate
    }

    /// Mini-batch size.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Most epochs.
    pub fn max_epochs(&self) -> usize {
        self.max_epochs
    }

    /// Epochs without a better validation loss before stopping.
    pub fn patience(&self) -> usize {
        self.patience
    }

    /// Share of train held out for early stopping.
    pub fn validation_fraction(&self) -> f64 {
        self.validation_fraction
    }

    /// Seed of the weights, the validation slice and the batch order.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Where the network runs.
    pub fn device(&self) -> Device {
        self.cuda_device.map_or(Device::Cpu, Device::Cuda)
    }

    /// Trains the probe on `train`; keeps the weights of the epoch with the
    /// lowest validation loss.
    pub fn fit(&self, train: &LabelledCodes) -> Result<MlpProbe> {
        train.validate()?;
        check_train_labels(&train.y)?;
        let n_val = ((train.len() as f64 * self.validation_fraction).ceil() as usize).max(1);
        let needed = n_val + 2;
        if train.len() < needed {
            return Err(MetricsError::TooFewExamples {
                what: "the MLP probe (a validation slice and a batch of two)".into(),
                found: train.len(),
                needed,
            });
        }
        let device = self.device();
        let standardizer = Standardizer::fit(train.x.view())?;
        let x = standardizer.transform_f32(train.x.view())?;
        let classes = train.classes();
        let mut compact = vec![0i64; train.n_classes()];
        for (i, &c) in classes.iter().enumerate() {
            compact[c] = i as i64;
        }
        let targets: Vec<i64> = train.y.iter().map(|&c| compact[c]).collect();

        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut order: Vec<usize> = (0..train.len()).collect();
        order.shuffle(&mut rng);
        let (val_idx, fit_idx) = order.split_at(n_val);
        let gather = |idx: &[usize]| -> Result<(Tensor, Tensor)> {
            let xs: Vec<f32> = idx.iter().flat_map(|&i| x.row(i).to_vec()).collect();
            let ys: Vec<i64> = idx.iter().map(|&i| targets[i]).collect();
            let xs = Tensor::f_from_slice(&xs)?.f_reshape([idx.len() as i64, x.ncols() as i64])?.f_to_device(device)?;
            Ok((xs, Tensor::f_from_slice(&ys)?.f_to_device(device)?))
        };
        let (x_fit, y_fit) = gather(fit_idx)?;
        let (x_val, y_val) = gather(val_idx)?;

        // Seeding and drawing the weights under one lock: libtorch's generator
        // is global, and another probe fitted at the same time on another
        // thread (tests, notebooks) would draw between the two.
        let (vs, net) = {
            let _guard = TORCH_RNG.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            tch::manual_seed(self.seed as i64);
            let vs = nn::VarStore::new(device);
            let net = Net::new(&vs.root(), x.ncols(), self.hidden, self.depth, classes.len());
            (vs, net)
        };
        let mut opt = nn::Adam::default().build(&vs, self.learning_rate)?;

        let mut best_loss = f64::INFINITY;
        let mut best: HashMap<String, Tensor> = snapshot(&vs);
        let mut stale = 0;
        let mut epochs = 0;
        let mut batch_order: Vec<i64> = (0..fit_idx.len() as i64).collect();
        for _ in 0..self.max_epochs {
            epochs += 1;
            batch_order.shuffle(&mut rng);
            for chunk in batch_order.chunks(self.batch_size) {
                if chunk.len() < 2 {
                    continue; // BatchNorm needs two rows in training mode
                }
                let idx = Tensor::f_from_slice(chunk)?.f_to_device(device)?;
                let xs = x_fit.f_index_select(0, &idx)?;
                let ys = y_fit.f_index_select(0, &idx)?;
                let loss = net.forward_t(&xs, true).cross_entropy_for_logits(&ys);
                opt.backward_step(&loss);
            }
            let val_loss =
                tch::no_grad(|| net.forward_t(&x_val, false).cross_entropy_for_logits(&y_val).double_value(&[]));
            if val_loss < best_loss {
                best_loss = val_loss;
                best = snapshot(&vs);
                stale = 0;
            } else {
                stale += 1;
                if stale >= self.patience {
                    break;
                }
            }
        }
        restore(&vs, &best);
        Ok(MlpProbe {
            vs,
            net,
            standardizer,
            classes,
            class_counts: class_counts(&train.y),
            device,
            epochs,
            best_validation_loss: best_loss,
        })
    }
}

/// Held while libtorch's global generator is seeded and drawn from.
static TORCH_RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Detached copies of every variable (weights and BatchNorm statistics).
fn snapshot(vs: &nn::VarStore) -> HashMap<String, Tensor> {
    vs.variables().into_iter().map(|(name, t)| (name, t.detach().copy())).collect()
}

fn restore(vs: &nn::VarStore, saved: &HashMap<String, Tensor>) {
    tch::no_grad(|| {
        for (name, mut t) in vs.variables() {
            if let Some(src) = saved.get(&name) {
                t.copy_(src);
            }
        }
    });
}

/// Unchecked hyper-parameters of [`MlpProbe`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MlpProbeParams(MlpProbeValidParams);

impl MlpProbeParams {
    /// The defaults (Jha et al.'s probe).
    pub fn new() -> Self {
        Self::default()
    }

    /// Width of every hidden layer; default 256 (Jha et al.).
    pub fn hidden(mut self, hidden: usize) -> Self {
        self.0.hidden = hidden;
        self
    }

    /// Number of hidden layers; default 2 (Jha et al.).
    pub fn depth(mut self, depth: usize) -> Self {
        self.0.depth = depth;
        self
    }

    /// The wide probe of the audit's suite ([`crate::ProbeFamily::WideMlp`]):
    /// three hidden layers of 512, trained until its validation loss has not
    /// improved for 10 epochs (at most 200).
    pub fn wide() -> Self {
        Self::new().hidden(512).depth(3).patience(10).max_epochs(200)
    }

    /// Adam learning rate; default 1e-3.
    pub fn learning_rate(mut self, learning_rate: f64) -> Self {
        self.0.learning_rate = learning_rate;
        self
    }

    /// Mini-batch size; default 128.
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.0.batch_size = batch_size;
        self
    }

    /// Most epochs; default 100.
    pub fn max_epochs(mut self, max_epochs: usize) -> Self {
        self.0.max_epochs = max_epochs;
        self
    }

    /// Epochs without a better validation loss before stopping; default 5.
    pub fn patience(mut self, patience: usize) -> Self {
        self.0.patience = patience;
        self
    }

    /// Share of train held out for early stopping; default 0.1.
    pub fn validation_fraction(mut self, fraction: f64) -> Self {
        self.0.validation_fraction = fraction;
        self
    }

    /// Seed of the weights, the validation slice and the batch order; default 0.
    pub fn seed(mut self, seed: u64) -> Self {
        self.0.seed = seed;
        self
    }

    /// Run on this CUDA device instead of the CPU (the default).
    pub fn cuda_device(mut self, device: Option<usize>) -> Self {
        self.0.cuda_device = device;
        self
    }

    /// Checks the parameters, then trains on `train`.
    pub fn fit(&self, train: &LabelledCodes) -> Result<MlpProbe> {
        self.check_ref()?.fit(train)
    }
}

impl ParamGuard for MlpProbeParams {
    type Checked = MlpProbeValidParams;
    type Error = MetricsError;

    fn check_ref(&self) -> Result<&Self::Checked> {
        let p = &self.0;
        let positive = [
            ("hidden", p.hidden),
            ("depth", p.depth),
            ("batch_size", p.batch_size),
            ("max_epochs", p.max_epochs),
            ("patience", p.patience),
        ];
        for (name, value) in positive {
            if value == 0 {
                return Err(MetricsError::InvalidParameter { name, reason: "must be at least 1".into() });
            }
        }
        if p.batch_size < 2 {
            return Err(MetricsError::InvalidParameter {
                name: "batch_size",
                reason: "BatchNorm needs at least 2 rows per batch".into(),
            });
        }
        if !(p.learning_rate.is_finite() && p.learning_rate > 0.0) {
            return Err(MetricsError::InvalidParameter {
                name: "learning_rate",
                reason: format!("must be finite and > 0, got {}", p.learning_rate),
            });
        }
        if !(p.validation_fraction > 0.0 && p.validation_fraction < 1.0) {
            return Err(MetricsError::InvalidParameter {
                name: "validation_fraction",
                reason: format!("must lie in (0, 1), got {}", p.validation_fraction),
            });
        }
        Ok(p)
    }

    fn check(self) -> Result<Self::Checked> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// `z -> hidden -> ... -> hidden -> classes` (`depth` hidden layers),
/// BatchNorm + LeakyReLU(0.2) after each hidden Linear.
#[derive(Debug)]
struct Net {
    hidden: Vec<(nn::Linear, nn::BatchNorm)>,
    out: nn::Linear,
}

impl Net {
    fn new(p: &nn::Path, input: usize, hidden: usize, depth: usize, classes: usize) -> Net {
        let (mut width, h) = (input as i64, hidden as i64);
        let layers = (1..=depth)
            .map(|i| {
                let fc = nn::linear(p / format!("fc{i}"), width, h, Default::default());
                let bn = nn::batch_norm1d(p / format!("bn{i}"), h, Default::default());
                width = h;
                (fc, bn)
            })
            .collect();
        Net { hidden: layers, out: nn::linear(p / "out", width, classes as i64, Default::default()) }
    }
}

/// LeakyReLU with slope 0.2 as a PReLU of fixed slope: one kernel each way
/// (tch's `leaky_relu` has no slope argument; `max(x, 0.2 x)` took six).
fn leaky_relu(xs: Tensor) -> Tensor {
    xs.prelu(&Tensor::full([1], 0.2, (xs.kind(), xs.device())))
}

impl ModuleT for Net {
    /// `xs`: `(B, D)` f32 -> logits `(B, classes)`.
    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        let h = self.hidden.iter().fold(xs.shallow_clone(), |h, (fc, bn)| leaky_relu(h.apply(fc).apply_t(bn, train)));
        h.apply(&self.out)
    }
}

/// [`MlpProbeParams`] whose absent fields take [`MlpProbeParams::wide`]'s
/// values (a config `family = "mlp-wide"` with only a seed is the wide probe).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct WideMlpProbeParams(pub MlpProbeParams);

impl Default for WideMlpProbeParams {
    fn default() -> Self {
        WideMlpProbeParams(MlpProbeParams::wide())
    }
}

impl<'de> Deserialize<'de> for WideMlpProbeParams {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error;
        let given = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
        let mut params = serde_json::to_value(MlpProbeParams::wide()).map_err(D::Error::custom)?;
        if let Some(fields) = params.as_object_mut() {
            fields.extend(given);
        }
        serde_json::from_value(params).map(WideMlpProbeParams).map_err(D::Error::custom)
    }
}

/// A trained MLP probe.
pub struct MlpProbe {
    #[allow(dead_code)] // owns the variables `net` uses
    vs: nn::VarStore,
    net: Net,
    standardizer: Standardizer,
    classes: Vec<usize>,
    class_counts: Vec<usize>,
    device: Device,
    epochs: usize,
    best_validation_loss: f64,
}

impl fmt::Debug for MlpProbe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MlpProbe")
            .field("classes", &self.classes)
            .field("device", &self.device)
            .field("epochs", &self.epochs)
            .field("best_validation_loss", &self.best_validation_loss)
            .finish_non_exhaustive()
    }
}

impl MlpProbe {
    /// Default hyper-parameters, to adjust and then `fit`.
    pub fn params() -> MlpProbeParams {
        MlpProbeParams::new()
    }

    /// Epochs run before stopping.
    pub fn epochs(&self) -> usize {
        self.epochs
    }

    /// Validation cross-entropy of the kept weights.
    pub fn best_validation_loss(&self) -> f64 {
        self.best_validation_loss
    }

    /// Classes seen in train, ascending (the network's outputs).
    pub fn classes(&self) -> &[usize] {
        &self.classes
    }
}

impl Probe for MlpProbe {
    fn predict(&self, x: ArrayView2<f32>) -> Result<Vec<usize>> {
        let x = self.standardizer.transform_f32(x)?;
        let mut out = Vec::with_capacity(x.nrows());
        for start in (0..x.nrows()).step_by(PREDICT_BATCH) {
            let block = x.slice(s![start..(start + PREDICT_BATCH).min(x.nrows()), ..]);
            let flat: Vec<f32> = block.iter().copied().collect();
            let xs = Tensor::f_from_slice(&flat)?
                .f_reshape([block.nrows() as i64, block.ncols() as i64])?
                .f_to_device(self.device)?;
            let best = tch::no_grad(|| self.net.forward_t(&xs, false).argmax(1, false))
                .f_to_kind(Kind::Int64)?
                .f_to_device(Device::Cpu)?;
            let best: Vec<i64> = Vec::<i64>::try_from(&best)?;
            out.extend(best.into_iter().map(|i| self.classes[i as usize]));
        }
        Ok(out)
    }

    fn train_class_counts(&self) -> &[usize] {
        &self.class_counts
    }

    fn dim(&self) -> usize {
        self.standardizer.dim()
    }
}
