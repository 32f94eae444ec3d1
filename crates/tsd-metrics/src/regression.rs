//! How much of a continuous target a code holds: a ridge regression from
//! standardised codes to (several) targets, with its penalty chosen on a
//! validation split, scored by R² on the test split.
//!
//! R² is pooled over the target columns: `1 - Σ(y - ŷ)² / Σ(y - ȳ)²`, with
//! `ȳ` the training mean of each column, so predicting the training mean
//! scores 0 and a perfect prediction 1 (it can be negative).
//!
//! ```
//! use ndarray::Array2;
//! use tsd_metrics::regression::{r2_by_ridge, RIDGE_GRID};
//!
//! let x = |n: usize| Array2::from_shape_fn((n, 2), |(i, j)| ((i * (3 + j)) % 17) as f32);
//! let y = |x: &Array2<f32>| x.map_axis(ndarray::Axis(1), |r| 2.0 * r[0] - r[1]).insert_axis(ndarray::Axis(1));
//! let (a, b, c) = (x(200), x(60), x(80));
//! let fit = r2_by_ridge((&a, &y(&a)), (&b, &y(&b)), (&c, &y(&c)), &RIDGE_GRID)?;
//! assert!(fit.r2 > 0.999);
//! # Ok::<(), tsd_metrics::MetricsError>(())
//! ```

use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::error::{MetricsError, Result};
use crate::standardize::Standardizer;

/// Penalties tried, relative to the number of training rows.
pub const RIDGE_GRID: [f64; 6] = [1e-6, 1e-4, 1e-3, 1e-2, 1e-1, 1.0];

/// A ridge map from standardised codes to targets.
#[derive(Debug, Clone)]
pub struct RidgeMap {
    standardizer: Standardizer,
    weights: Array2<f64>,
    intercept: Array1<f64>,
}

/// The test R² of the penalty that did best on validation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RidgeFit {
    /// Pooled test R².
    pub r2: f64,
    /// Validation R² of the chosen penalty.
    pub val_r2: f64,
    /// The chosen penalty (relative to the training rows).
    pub penalty: f64,
}

impl RidgeMap {
    /// Fits `y ≈ standardise(x) W + b` minimising `|y - ŷ|² + penalty · n · |W|²`.
    pub fn fit(x: ArrayView2<f32>, y: ArrayView2<f32>, penalty: f64) -> Result<RidgeMap> {
        check_pair(x, y)?;
        if !(penalty.is_finite() && penalty > 0.0) {
            return Err(MetricsError::InvalidParameter {
                name: "penalty",
                reason: format!("{penalty} is not positive"),
            });
        }
        let standardizer = Standardizer::fit(x)?;
        let xs = standardizer.transform(x)?;
        let yf = y.mapv(f64::from);
        let intercept = yf.mean_axis(Axis(0)).expect("rows checked");
        let yc = &yf - &intercept;
        let mut gram = xs.t().dot(&xs);
        let n = x.nrows() as f64;
        gram.diag_mut().mapv_inplace(|v| v + penalty * n);
        let rhs = xs.t().dot(&yc);
        let weights = cholesky_solve(gram, rhs)?;
        Ok(RidgeMap { standardizer, weights, intercept })
    }

    /// Predictions for `x`.
    pub fn predict(&self, x: ArrayView2<f32>) -> Result<Array2<f64>> {
        Ok(self.standardizer.transform(x)?.dot(&self.weights) + &self.intercept)
    }

    /// Pooled R² of the predictions for `x` against `y` (baseline: the training means).
    pub fn r2(&self, x: ArrayView2<f32>, y: ArrayView2<f32>) -> Result<f64> {
        check_pair(x, y)?;
        let pred = self.predict(x)?;
        let (mut sse, mut sst) = (0.0, 0.0);
        for ((p, &t), &m) in pred.iter().zip(y.iter()).zip(self.intercept.iter().cycle()) {
            let t = f64::from(t);
            sse += (t - p).powi(2);
            sst += (t - m).powi(2);
        }
        Ok(if sst > 0.0 { 1.0 - sse / sst } else { 0.0 })
    }
}

/// Fits a ridge map on `train` for each penalty of `grid`, keeps the one with
/// the best R² on `val`, and scores it on `test`. Each part is `(codes, targets)`.
pub fn r2_by_ridge(
    train: (&Array2<f32>, &Array2<f32>),
    val: (&Array2<f32>, &Array2<f32>),
    test: (&Array2<f32>, &Array2<f32>),
    grid: &[f64],
) -> Result<RidgeFit> {
    let mut best: Option<(f64, f64, RidgeMap)> = None;
    for &penalty in grid {
        let map = RidgeMap::fit(train.0.view(), train.1.view(), penalty)?;
        let val_r2 = map.r2(val.0.view(), val.1.view())?;
        if best.as_ref().is_none_or(|(b, _, _)| val_r2 > *b) {
            best = Some((val_r2, penalty, map));
        }
    }
    let (val_r2, penalty, map) =
        best.ok_or_else(|| MetricsError::InvalidParameter { name: "grid", reason: "no penalty to try".into() })?;
    Ok(RidgeFit { r2: map.r2(test.0.view(), test.1.view())?, val_r2, penalty })
}

fn check_pair(x: ArrayView2<f32>, y: ArrayView2<f32>) -> Result<()> {
    if x.nrows() != y.nrows() {
        return Err(MetricsError::LengthMismatch { rows: x.nrows(), labels: y.nrows() });
    }
    if x.nrows() == 0 || y.ncols() == 0 {
        return Err(MetricsError::Empty { what: "regression needs rows and targets".into() });
    }
    crate::codes::check_finite(x)?;
    crate::codes::check_finite(y)
}

/// Solves `a w = b` for a symmetric positive definite `a` (Cholesky).
fn cholesky_solve(mut a: Array2<f64>, mut b: Array2<f64>) -> Result<Array2<f64>> {
    let n = a.nrows();
    for j in 0..n {
        let mut d = a[(j, j)];
        for k in 0..j {
            d -= a[(j, k)] * a[(j, k)];
        }
        if !d.is_finite() || d <= 0.0 {
            return Err(MetricsError::InvalidParameter {
                name: "penalty",
                reason: "the regularised Gram matrix is not positive definite".into(),
            });
        }
        let d = d.sqrt();
        a[(j, j)] = d;
        for i in j + 1..n {
            let mut s = a[(i, j)];
            for k in 0..j {
                s -= a[(i, k)] * a[(j, k)];
            }
            a[(i, j)] = s / d;
        }
    }
    // Forward (L z = b) then backward (Lᵀ w = z) substitution, column by column of b.
    for c in 0..b.ncols() {
        for i in 0..n {
            let mut s = b[(i, c)];
            for k in 0..i {
                s -= a[(i, k)] * b[(k, c)];
            }
            b[(i, c)] = s / a[(i, i)];
        }
        for i in (0..n).rev() {
            let mut s = b[(i, c)];
            for k in i + 1..n {
                s -= a[(k, i)] * b[(k, c)];
            }
            b[(i, c)] = s / a[(i, i)];
        }
    }
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_linear_map_and_scores_noise_near_zero() {
        let x = Array2::from_shape_fn((300, 3), |(i, j)| (((i * 7 + j * 13) % 23) as f32 - 11.0) / 5.0);
        let y = Array2::from_shape_fn((300, 2), |(i, c)| {
            let r = x.row(i);
            if c == 0 {
                r[0] - 2.0 * r[2] + 1.0
            } else {
                0.5 * r[1]
            }
        });
        let map = RidgeMap::fit(x.view(), y.view(), 1e-8).unwrap();
        assert!(map.r2(x.view(), y.view()).unwrap() > 0.999_999);
        let p = map.predict(x.slice(ndarray::s![..1, ..])).unwrap();
        assert!((p[(0, 0)] - f64::from(y[(0, 0)])).abs() < 1e-4);
        // A target unrelated to x: R² at most a little above 0 out of sample.
        let noise = Array2::from_shape_fn((300, 1), |(i, _)| ((i * 7919) % 101) as f32);
        let fit = r2_by_ridge(
            (&x.slice(ndarray::s![..200, ..]).to_owned(), &noise.slice(ndarray::s![..200, ..]).to_owned()),
            (&x.slice(ndarray::s![200..250, ..]).to_owned(), &noise.slice(ndarray::s![200..250, ..]).to_owned()),
            (&x.slice(ndarray::s![250.., ..]).to_owned(), &noise.slice(ndarray::s![250.., ..]).to_owned()),
            &RIDGE_GRID,
        )
        .unwrap();
        assert!(fit.r2 < 0.1, "{fit:?}");
        // A large penalty shrinks towards the mean: R² falls.
        let shrunk = RidgeMap::fit(x.view(), y.view(), 100.0).unwrap();
        assert!(shrunk.r2(x.view(), y.view()).unwrap() < 0.2);
    }

    #[test]
    fn bad_input_is_an_error() {
        let x = Array2::<f32>::zeros((4, 2));
        assert!(RidgeMap::fit(x.view(), Array2::<f32>::zeros((3, 1)).view(), 1.0).is_err());
        assert!(RidgeMap::fit(x.view(), Array2::<f32>::zeros((4, 1)).view(), 0.0).is_err());
        let mut bad = Array2::<f32>::zeros((4, 1));
        bad[(0, 0)] = f32::NAN;
        assert!(RidgeMap::fit(x.view(), bad.view(), 1.0).is_err());
    }
}
