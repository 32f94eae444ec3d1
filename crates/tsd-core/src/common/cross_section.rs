//! What every method's cross-section network shares (ours, for return
//! windows followed by their context, [`ModelSpec::context`]): the layout of
//! such inputs, the window's moments with the mean paths, and the decoder
//! that gives back learned loadings times the paths plus a linear map of the
//! codes.

use tch::nn::{self, Module};
use tch::{Kind, Tensor};

use super::layers::{dense, relu_stack, reversed_layers};
use crate::model::ModelSpec;

/// Hidden units of the cross-section encoders' loadings head.
pub(crate) const LOADINGS_HIDDEN: i64 = 64;

/// How a cross-section network's input is laid out: a window of `length`
/// steps, then `paths` mean paths of the same length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrossSectionShape {
    /// Steps of the window.
    pub length: i64,
    /// Mean paths of the context.
    pub paths: i64,
}

impl CrossSectionShape {
    /// The layout of `spec`'s inputs (checked by [`CrossSectionShape::check`]).
    pub fn of(spec: &ModelSpec) -> Self {
        let length = spec.output_size();
        CrossSectionShape { length, paths: if length > 0 { spec.context / length } else { 0 } }
    }

    /// Whether `spec` describes series with a context of whole mean paths.
    pub fn check(spec: &ModelSpec) -> std::result::Result<(), String> {
        let shape = Self::of(spec);
        if spec.side != 1 || spec.context == 0 || shape.length == 0 || shape.paths * shape.length != spec.context {
            return Err(format!(
                "the cross-section network takes series followed by their context (whole mean paths of the \
                 window's length), got {} channels of side {} with {} of context",
                spec.channels, spec.side, spec.context
            ));
        }
        Ok(())
    }

    /// Values of the moments ([`CrossSectionShape::moments`]).
    pub fn moment_count(&self) -> i64 {
        2 * self.paths
    }

    /// The window `(N, length)` and the paths `(N, paths, length)` of `inputs`.
    pub fn split(&self, inputs: &Tensor) -> (Tensor, Tensor) {
        let flat = inputs.flatten(1, -1);
        let paths = flat.narrow(1, self.length, self.paths * self.length).view([-1, self.paths, self.length]);
        (flat.narrow(1, 0, self.length), paths)
    }

    /// The window's mean product with each path, then each path's mean square, `(N, 2 * paths)`.
    pub fn moments(window: &Tensor, paths: &Tensor) -> Tensor {
        let dims: &[i64] = &[2];
        let products = (paths * window.unsqueeze(1)).mean_dim(dims, false, Kind::Float);
        let squares = (paths * paths).mean_dim(dims, false, Kind::Float);
        Tensor::cat(&[products, squares], 1)
    }

    /// `sum_k loadings[:, k] * paths[:, k, :]`, `(N, length)`.
    pub fn loaded(loadings: &Tensor, paths: &Tensor) -> Tensor {
        (loadings.unsqueeze(2) * paths).sum_dim_intlist(1, false, Kind::Float)
    }

    /// What a cross-section encoder's trunk reads of `inputs`: the window
    /// less `loadings(moments)` times the paths, then the moments,
    /// `(N, length + 2 * paths)`.
    pub fn residual_and_moments(&self, inputs: &Tensor, loadings: impl FnOnce(&Tensor) -> Tensor) -> Tensor {
        let (window, paths) = self.split(inputs);
        let moments = Self::moments(&window, &paths);
        let residual = window - Self::loaded(&loadings(&moments), &paths);
        Tensor::cat(&[residual, moments], 1)
    }

    /// A window `(N, length, 1, 1)` followed by the context of `inputs`: a
    /// decoded window made an input again, on the days of `inputs`.
    pub fn with_context_of(&self, window: &Tensor, inputs: &Tensor) -> Tensor {
        let context = inputs.narrow(1, self.length, self.paths * self.length);
        Tensor::cat(&[window, &context], 1)
    }
}

/// `loadings = [Dense(w) -> ReLU] for each width, widest last -> Dense(paths)`
/// of the codes; output `loadings . paths + Dense(length)(codes)`, shaped
/// `(N, length, 1, 1)`.
#[derive(Debug)]
pub struct CrossSectionDecoder {
    shape: CrossSectionShape,
    layers: Vec<nn::Linear>,
    loadings: nn::Linear,
    own: nn::Linear,
}

impl CrossSectionDecoder {
    /// Builds it for codes of `code_dim` values and inputs laid out as
    /// `shape`; `widths` are the encoder's, taken in reverse.
    pub fn new(p: &nn::Path, code_dim: i64, widths: &[i64], shape: CrossSectionShape) -> Self {
        let (layers, d) = reversed_layers(p, code_dim, widths);
        CrossSectionDecoder {
            shape,
            layers,
            loadings: dense(p / "loadings", d, shape.paths),
            own: dense(p / "own", code_dim, shape.length),
        }
    }

    /// `(N, code_dim)` and the inputs whose paths to load -> `(N, length, 1, 1)`;
    /// without inputs it decodes as if every mean path were flat at zero.
    pub fn forward(&self, code: &Tensor, inputs: Option<&Tensor>) -> Tensor {
        let own = self.own.forward(code);
        let out = match inputs {
            Some(inputs) => {
                let h = relu_stack(&self.layers, code);
                let (_, paths) = self.shape.split(inputs);
                own + CrossSectionShape::loaded(&self.loadings.forward(&h), &paths)
            }
            None => own,
        };
        out.view([-1, self.shape.length, 1, 1])
    }
}
