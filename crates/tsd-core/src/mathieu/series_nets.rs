//! The baseline's networks for a return window followed by its cross-section
//! ([`MathieuNetwork::CrossSection`](super::config::MathieuNetwork), ours):
//! the encoder and the pair discriminator. The decoder is the shared
//! [`CrossSectionDecoder`](crate::common::cross_section::CrossSectionDecoder).

use tch::nn::{self, Module};
use tch::Tensor;

use super::nets::{leaky, Encoded};
use crate::common::cross_section::{CrossSectionShape, LOADINGS_HIDDEN};
use crate::common::layers::{dense, dense_layers};

/// `xs` through `layers`, each followed by a LeakyReLU.
fn leaky_stack(layers: &[nn::Linear], xs: &Tensor) -> Tensor {
    layers.iter().fold(xs.shallow_clone(), |h, l| leaky(&l.forward(&h)))
}

/// `loadings = Dense(LOADINGS_HIDDEN) -> LeakyReLU -> Dense(paths)` of the
/// moments; `h = trunk(concat[window - loadings . paths, moments])` with
/// LeakyReLUs; linear heads s, mu and logvar of `h`.
#[derive(Debug)]
pub struct SeriesEncoder {
    shape: CrossSectionShape,
    hidden: nn::Linear,
    loadings: nn::Linear,
    trunk: Vec<nn::Linear>,
    mu: nn::Linear,
    logvar: nn::Linear,
    s: nn::Linear,
}

impl SeriesEncoder {
    /// Builds it under `p` for inputs laid out as `shape`.
    pub fn new(p: &nn::Path, shape: CrossSectionShape, widths: &[i64], s_dim: i64, z_dim: i64) -> Self {
        let moments = shape.moment_count();
        let (trunk, d) = dense_layers(&(p / "trunk"), shape.length + moments, widths.iter().copied());
        SeriesEncoder {
            shape,
            hidden: dense(p / "loadings_hidden", moments, LOADINGS_HIDDEN),
            loadings: dense(p / "loadings", LOADINGS_HIDDEN, shape.paths),
            trunk,
            mu: dense(p / "mu", d, z_dim),
            logvar: dense(p / "logvar", d, z_dim),
            s: dense(p / "s", d, s_dim),
        }
    }

    /// Windows with their context `(N, C, 1, 1)` -> codes.
    pub fn forward(&self, xs: &Tensor) -> Encoded {
        let features = self.shape.residual_and_moments(xs, |m| self.loadings.forward(&leaky(&self.hidden.forward(m))));
        let h = leaky_stack(&self.trunk, &features);
        Encoded { s: self.s.forward(&h), mu: self.mu.forward(&h), logvar: self.logvar.forward(&h) }
    }
}

/// Pair discriminator: each of `(reference, candidate)` as its window and
/// its moments on its own days' paths, both concatenated, `[Dense(w) ->
/// LeakyReLU] for each width -> Dense(2)` logits (class 1: a real pair of one class).
#[derive(Debug)]
pub struct SeriesDiscriminator {
    shape: CrossSectionShape,
    layers: Vec<nn::Linear>,
    out: nn::Linear,
}

impl SeriesDiscriminator {
    /// Builds it under `p` for inputs laid out as `shape`.
    pub fn new(p: &nn::Path, shape: CrossSectionShape, widths: &[i64]) -> Self {
        let (layers, d) = dense_layers(p, 2 * (shape.length + shape.moment_count()), widths.iter().copied());
        SeriesDiscriminator { shape, layers, out: dense(p / "out", d, 2) }
    }

    /// A window and its moments, `(N, length + 2 * paths)`.
    fn features(&self, xs: &Tensor) -> Tensor {
        let (window, paths) = self.shape.split(xs);
        let moments = CrossSectionShape::moments(&window, &paths);
        Tensor::cat(&[window, moments], 1)
    }

    /// Reference and candidate windows with their contexts -> logits `(N, 2)`.
    pub fn forward(&self, reference: &Tensor, candidate: &Tensor) -> Tensor {
        let pair = Tensor::cat(&[self.features(reference), self.features(candidate)], 1);
        self.out.forward(&leaky_stack(&self.layers, &pair))
    }
}
