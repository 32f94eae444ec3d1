//! The classical decomposition the learned methods are compared with: each
//! window's returns regressed (OLS with an intercept, over its input days) on
//! the mean return of the other stocks (the market) and of the other stocks of
//! its sector. The loadings times those means are the shared component; the
//! rest, intercept (the stock's own drift, its alpha) included, the specific
//! one; the same coefficients give the specific return of the horizon days.

use ndarray::Array2;
use tsd_data::returns::SeriesSet;

/// The classical split of every window of a set.
#[derive(Debug, Clone)]
pub struct Decomposition {
    /// `b_m m_t + b_s s_t` over the input days, `(N, input_days)`.
    pub shared: Array2<f32>,
    /// `r_t - b_m m_t - b_s s_t` (intercept and residual) over the input days.
    pub specific: Array2<f32>,
    /// `(a, b_m, b_s)` of each window.
    pub loadings: Array2<f32>,
    /// Sum of the specific returns over the horizon days (with the input days' coefficients).
    pub future_specific: Vec<f64>,
}

/// Ridge added to the normal equations (relative to their trace), so that a
/// window whose market and sector means coincide still has a solution.
const JITTER: f64 = 1e-9;

/// Regresses every window of `set` on its market and sector means.
pub fn decompose(set: &SeriesSet) -> Decomposition {
    let (n, span) = set.raw.dim();
    let l = set.input_days;
    let mut shared = Array2::zeros((n, l));
    let mut specific = Array2::zeros((n, l));
    let mut loadings = Array2::zeros((n, 3));
    let mut future_specific = Vec::with_capacity(n);
    for i in 0..n {
        let regressors = |d: usize| [1.0, set.market[(i, d)] as f64, set.sector[(i, d)] as f64];
        let mut xtx = [[0.0f64; 3]; 3];
        let mut xty = [0.0f64; 3];
        for d in 0..l {
            let x = regressors(d);
            let y = set.raw[(i, d)] as f64;
            for a in 0..3 {
                xty[a] += x[a] * y;
                for b in 0..3 {
                    xtx[a][b] += x[a] * x[b];
                }
            }
        }
        let coef = solve3(xtx, xty);
        // The shared part: the loadings on the means, without the intercept.
        let fit = |d: usize| regressors(d).iter().zip(&coef).skip(1).map(|(x, c)| x * c).sum::<f64>();
        for d in 0..l {
            let f = fit(d);
            shared[(i, d)] = f as f32;
            specific[(i, d)] = (set.raw[(i, d)] as f64 - f) as f32;
        }
        for (k, c) in coef.iter().enumerate() {
            loadings[(i, k)] = *c as f32;
        }
        future_specific.push((l..span).map(|d| set.raw[(i, d)] as f64 - fit(d)).sum());
    }
    Decomposition { shared, specific, loadings, future_specific }
}

/// Solves the 3x3 system `a x = b` (symmetric positive semi-definite `a`,
/// with a small ridge) by Gaussian elimination with partial pivoting.
fn solve3(mut a: [[f64; 3]; 3], mut b: [f64; 3]) -> [f64; 3] {
    let trace = a[0][0] + a[1][1] + a[2][2];
    for (k, row) in a.iter_mut().enumerate() {
        row[k] += JITTER * trace.max(1e-300);
    }
    for col in 0..3 {
        let pivot = (col..3).max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs())).unwrap_or(col);
        a.swap(col, pivot);
        b.swap(col, pivot);
        let p = a[col][col];
        if p.abs() < 1e-300 {
            continue;
        }
        let pivot_row = a[col];
        for r in col + 1..3 {
            let f = a[r][col] / p;
            for (v, &q) in a[r].iter_mut().zip(&pivot_row).skip(col) {
                *v -= f * q;
            }
            b[r] -= f * b[col];
        }
    }
    let mut x = [0.0; 3];
    for r in (0..3).rev() {
        let s: f64 = (r + 1..3).map(|c| a[r][c] * x[c]).sum();
        x[r] = if a[r][r].abs() < 1e-300 { 0.0 } else { (b[r] - s) / a[r][r] };
    }
    x
}

#[cfg(test)]
mod tests {
    use tsd_data::returns::windows::{self, WindowOptions};
    use tsd_data::returns::FactorModel;

    use super::*;

    #[test]
    fn a_window_that_is_exactly_shared_keeps_only_its_drift_as_specific() {
        let model = FactorModel { stocks: 20, sectors: 2, years: 1, days_per_year: 200, ..FactorModel::default() };
        let panel = model.generate().unwrap();
        let opts = WindowOptions { input_days: 30, horizon: 5, stride: 30, ..WindowOptions::default() };
        let mut set = windows::split(&panel, &opts).unwrap().train;
        // Make window 0 exactly 0.001 + 1.5 market - 0.5 sector.
        for d in 0..35 {
            set.raw[(0, d)] = 0.001 + 1.5 * set.market[(0, d)] - 0.5 * set.sector[(0, d)];
        }
        let dec = decompose(&set);
        // Its specific part is its intercept (its own drift), and the horizon's too.
        assert!(dec.specific.row(0).iter().all(|v| (v - 0.001).abs() < 1e-5), "{:?}", dec.specific.row(0));
        assert!((dec.loadings[(0, 1)] - 1.5).abs() < 1e-3 && (dec.loadings[(0, 2)] + 0.5).abs() < 1e-3);
        assert!((dec.future_specific[0] - 0.005).abs() < 1e-5);
        // Elsewhere the parts add up to the returns.
        for d in 0..30 {
            assert!((dec.shared[(3, d)] + dec.specific[(3, d)] - set.raw[(3, d)]).abs() < 1e-6);
        }
        // With an intercept, the specific part sums to the intercept times the days.
        assert!((dec.specific.row(5).sum() - 30.0 * dec.loadings[(5, 0)]).abs() < 1e-4);
    }

    #[test]
    fn collinear_regressors_still_solve() {
        let x = solve3([[2.0, 2.0, 2.0], [2.0, 2.0, 2.0], [2.0, 2.0, 2.0]], [4.0, 4.0, 4.0]);
        assert!(x.iter().all(|v| v.is_finite()));
    }
}
