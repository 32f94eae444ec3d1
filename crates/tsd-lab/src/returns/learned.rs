//! A learned method on return windows: its returns preset trained on the
//! windows of one seed in a run folder (checkpointed every epoch, so a rerun
//! continues it), its S and Z codes of every part, and its counterfactual
//! swaps.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use ndarray::Array2;
use serde::{Deserialize, Serialize};
use tch::{Device, Tensor};
use tsd_core::method::TrainedModel;
use tsd_core::train::RunOptions;
use tsd_core::{encode_tensor, Budget, DatasetCodes, MethodConfig, MethodId, ModelSpec, TensorData};
use tsd_data::returns::windows::scale_return;
use tsd_data::returns::SeriesSet;

use super::classical::Decomposition;
use crate::error::Context;
use crate::Result;

/// Batch size of encoding.
const ENCODE_BATCH: usize = 1000;
/// Most test pairs of the counterfactual swap check.
pub const SWAP_PAIRS: usize = 2000;

/// `method`'s config for `source` windows at `budget`, with `--set` overrides and the run's seed.
pub fn config(method: MethodId, source: &str, budget: Budget, seed: u64, overrides: &[String]) -> Result<MethodConfig> {
    let mut config = method.preset(source, budget)?;
    crate::setup::apply_overrides(&mut config, overrides)?;
    config.set("seed", &seed.to_string())?;
    Ok(config)
}

/// The windows of `set`, each followed by its cross-section
/// ([`SeriesSet::inputs_with_context`]), as tensors on `device`
/// ([`TensorData::from_series`]).
pub fn tensors(set: &SeriesSet, device: Device) -> TensorData {
    TensorData::from_series(set.inputs_with_context().view(), &set.labels, device)
}

/// The model spec of [`tensors`] of `set`'s shape.
pub fn spec(set: &SeriesSet) -> ModelSpec {
    ModelSpec::for_series(set.input_days, set.context.ncols(), set.n_classes())
}

/// Trains (or finishes, or just reloads) `config` in `dir` on `train`,
/// monitoring on `val` (both [`tensors`] of windows of `train_set`'s shape).
pub fn train(
    config: &MethodConfig,
    train_set: &SeriesSet,
    [train, val]: [&TensorData; 2],
    identity: &str,
    dir: &Path,
    quiet: bool,
) -> Result<TrainedModel> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let spec = spec(train_set);
    let identity =
        BTreeMap::from([("config".to_string(), config.to_toml()?), ("data".to_string(), identity.to_string())]);
    let run = RunOptions { dir: dir.to_path_buf(), resume: true, quiet, identity };
    let (model, _history) = config.train_tensors(spec, train.shallow_clone(), val.shallow_clone(), &run)?;
    model.save(&dir.join("model.safetensors"))?;
    Ok(model)
}

/// The codes of every window of `data`: S, Z (for a model whose Z is a
/// distribution, its mean) and, for such a model, one draw of Z per window
/// with `sample_seed`.
pub fn codes(model: &TrainedModel, data: &TensorData, sample_seed: u64) -> Result<DatasetCodes> {
    Ok(encode_tensor(model.disentangler(), &data.images, ENCODE_BATCH, Some(sample_seed))?)
}

/// Seed of the Z draws of part `part` (0 train, 1 validation, 2 test) of
/// run `seed`: [`crate::pipeline::part_seed`] from `3 seed`, so that no two
/// runs' parts share a seed.
pub fn sample_seed(seed: u64, part: usize) -> u64 {
    crate::pipeline::part_seed(seed.wrapping_mul(3), part)
}

/// How well a model reconstructs the test windows, beside what predicting
/// their mean would score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Reconstruction {
    /// Test MSE of `Dec(Enc(x))` against `x` (scaled inputs).
    pub mse: f64,
    /// Variance of the test inputs (the MSE of predicting their mean).
    pub variance: f64,
}

/// The reconstruction of `model` on `set` (its [`tensors`] `data`).
pub fn reconstruction(model: &TrainedModel, set: &SeriesSet, data: &TensorData) -> Reconstruction {
    let d = model.disentangler();
    let mean = set.inputs.mean().unwrap_or(0.0);
    let variance =
        set.inputs.iter().map(|&v| ((v - mean) as f64).powi(2)).sum::<f64>() / set.inputs.len().max(1) as f64;
    Reconstruction { mse: tsd_core::reconstruction_mse(d, data, ENCODE_BATCH), variance }
}

/// How well a swap puts one window's specific path under another's shared
/// path (synthetic data): windows `i` and `j` of the same days and of
/// different sectors; the answer is `u_i + (beta m + gamma f)_j`, scaled and
/// clipped as the inputs are.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SwapError {
    /// Pairs checked.
    pub pairs: usize,
    /// Mean squared error of the swap against the answer, over the answer's variance.
    pub relative_mse: f64,
    /// The same for window `j` returned unchanged (what ignoring Z gives).
    pub keep_shared_relative_mse: f64,
    /// The same for window `i` returned unchanged (what ignoring S gives).
    pub keep_specific_relative_mse: f64,
}

/// Test pairs `(i, j)`: the same start day, another sector, at most [`SWAP_PAIRS`].
pub fn swap_pairs(set: &SeriesSet) -> Vec<(usize, usize)> {
    let mut by_day: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, &d) in set.starts.iter().enumerate() {
        by_day.entry(d).or_default().push(i);
    }
    let mut days: Vec<usize> = by_day.keys().copied().collect();
    days.sort_unstable();
    let mut pairs = Vec::new();
    for d in days {
        let group = &by_day[&d];
        for (k, &i) in group.iter().enumerate() {
            let partner = group.iter().cycle().skip(k + 1).take(group.len()).find(|&&j| set.labels[j] != set.labels[i]);
            if let Some(&j) = partner {
                pairs.push((i, j));
            }
        }
    }
    pairs.truncate(SWAP_PAIRS);
    pairs
}

/// The swap error of `swapped` (row `p`: pair `p`'s swap, scaled) on `set`'s `pairs`.
pub fn swap_error(set: &SeriesSet, pairs: &[(usize, usize)], swapped: &Array2<f32>) -> Option<SwapError> {
    let truth = set.truth.as_ref()?;
    let l = set.input_days;
    let answer = Array2::from_shape_fn((pairs.len(), l), |(p, d)| {
        let (i, j) = pairs[p];
        scale_return(truth.specific[(i, d)] + truth.market[(j, d)] + truth.sector[(j, d)])
    });
    let mean = answer.mean().unwrap_or(0.0);
    let var = answer.iter().map(|&a| (a - mean).powi(2) as f64).sum::<f64>().max(1e-12);
    let rel = |pred: &dyn Fn(usize, usize) -> f32| {
        let mut sse = 0.0;
        for p in 0..pairs.len() {
            for d in 0..l {
                sse += ((pred(p, d) - answer[(p, d)]) as f64).powi(2);
            }
        }
        sse / var
    };
    Some(SwapError {
        pairs: pairs.len(),
        relative_mse: rel(&|p, d| swapped[(p, d)]),
        keep_shared_relative_mse: rel(&|p, d| set.inputs[(pairs[p].1, d)]),
        keep_specific_relative_mse: rel(&|p, d| set.inputs[(pairs[p].0, d)]),
    })
}

/// A learned model's swaps of `pairs` of windows of `data`: `Dec(S_j, Z_i)`, `(pairs, input_days)`.
pub fn model_swaps(model: &TrainedModel, data: &TensorData, pairs: &[(usize, usize)]) -> Result<Array2<f32>> {
    let d = model.disentangler();
    let x = &data.images;
    let pick = |k: usize| {
        let idx: Vec<i64> = pairs.iter().map(|p| if k == 0 { p.0 } else { p.1 } as i64).collect();
        x.index_select(0, &Tensor::from_slice(&idx).to_device(d.device()))
    };
    let out = d.swap(&pick(1), &pick(0)).to_device(Device::Cpu).contiguous();
    let width: i64 = out.size()[1..].iter().product();
    let values = Vec::<f32>::try_from(&out.view([-1]))?;
    Ok(Array2::from_shape_vec((pairs.len(), width as usize), values)?)
}

/// The classical decomposition's swaps: `fitted_j + residual_i`, scaled.
pub fn classical_swaps(dec: &Decomposition, pairs: &[(usize, usize)], input_days: usize) -> Array2<f32> {
    Array2::from_shape_fn((pairs.len(), input_days), |(p, d)| {
        let (i, j) = pairs[p];
        scale_return(dec.specific[(i, d)] + dec.shared[(j, d)])
    })
}
