//! Feature standardisation with train statistics (scikit-learn's `StandardScaler`).

use ndarray::{Array1, Array2, ArrayView2};

use crate::error::{MetricsError, Result};

/// Per-column mean and scale fitted on train codes, applied unchanged to test
/// codes so that the test set leaks nothing into the probe.
#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer {
    /// Column means.
    pub mean: Array1<f64>,
    /// Column standard deviations (population, ddof = 0, as scikit-learn);
    /// a constant column gets scale 1 so it maps to 0 instead of NaN.
    pub scale: Array1<f64>,
    /// Columns that vary, but by less than the zero-spread rule allows, and
    /// so were left unscaled like constant ones (codes at a 1e-15 scale): a
    /// probe reads (almost) nothing from them.
    pub negligible: Vec<usize>,
}

impl Standardizer {
    /// Column statistics of `x` (in f64, two passes).
    pub fn fit(x: ArrayView2<f32>) -> Result<Self> {
        let n = x.nrows();
        if n == 0 || x.ncols() == 0 {
            return Err(MetricsError::Empty { what: "cannot standardise empty codes".into() });
        }
        let mut mean = Array1::<f64>::zeros(x.ncols());
        for row in x.rows() {
            for (m, &v) in mean.iter_mut().zip(row) {
                *m += f64::from(v);
            }
        }
        mean /= n as f64;
        let mut var = Array1::<f64>::zeros(x.ncols());
        for row in x.rows() {
            for ((s, &v), &m) in var.iter_mut().zip(row).zip(&mean) {
                let d = f64::from(v) - m;
                *s += d * d;
            }
        }
        let sd = var.mapv(|s| (s / n as f64).sqrt());
        // Same rule as scikit-learn's `_handle_zeros_in_scale`: a column
        // with (near) zero spread is left unscaled.
        let flat = |sd: f64| sd < 10.0 * f64::EPSILON * sd.max(1.0);
        let negligible = (0..sd.len()).filter(|&j| sd[j] > 0.0 && flat(sd[j])).collect();
        let scale = sd.mapv(|sd| if flat(sd) { 1.0 } else { sd });
        Ok(Standardizer { mean, scale, negligible })
    }

    /// Number of columns.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// `(x - mean) / scale` in f64.
    pub fn transform(&self, x: ArrayView2<f32>) -> Result<Array2<f64>> {
        self.transform_map(x, |v| v)
    }

    /// `(x - mean) / scale` narrowed to f32 (computed in f64, as [`Standardizer::transform`]).
    pub fn transform_f32(&self, x: ArrayView2<f32>) -> Result<Array2<f32>> {
        self.transform_map(x, |v| v as f32)
    }

    /// `map((x - mean) / scale)` element by element, computed in f64 with no
    /// intermediate matrix (on 100,000 x 512 codes an f64 copy is 410 MB).
    pub fn transform_map<T>(&self, x: ArrayView2<f32>, map: impl Fn(f64) -> T) -> Result<Array2<T>> {
        self.check_dim(x)?;
        Ok(Array2::from_shape_fn(x.raw_dim(), |(i, j)| map(self.standardize(x[[i, j]], j))))
    }

    /// `(value - mean) / scale` of column `column`.
    pub fn standardize(&self, value: f32, column: usize) -> f64 {
        (f64::from(value) - self.mean[column]) / self.scale[column]
    }

    /// Errors unless `x` has the width the statistics were fitted on.
    pub fn check_width(&self, x: ArrayView2<f32>) -> Result<()> {
        self.check_dim(x)
    }

    fn check_dim(&self, x: ArrayView2<f32>) -> Result<()> {
        if x.ncols() != self.dim() {
            return Err(MetricsError::DimensionMismatch { train: self.dim(), test: x.ncols() });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn matches_population_statistics_and_keeps_constant_columns_finite() {
        let x = array![[1.0f32, 5.0], [3.0, 5.0]];
        let s = Standardizer::fit(x.view()).unwrap();
        assert_eq!(s.mean, array![2.0, 5.0]);
        assert_eq!(s.scale, array![1.0, 1.0]);
        let t = s.transform(x.view()).unwrap();
        assert_eq!(t, array![[-1.0, 0.0], [1.0, 0.0]]);
    }

    #[test]
    fn rejects_other_widths() {
        let s = Standardizer::fit(array![[1.0f32, 2.0]].view()).unwrap();
        let err = s.transform(array![[1.0f32]].view()).unwrap_err();
        assert!(matches!(err, MetricsError::DimensionMismatch { train: 2, test: 1 }));
    }
}
