//! linfa-logistic's multinomial objective, `sum_i NLL_i + alpha/2 * ||W||^2`
//! with every row of `W` penalised (the intercept is a weight on a constant
//! column), evaluated in one pass and cached.
//!
//! linfa's line search asks for the loss and then the gradient at the same
//! point, and linfa computes the softmax afresh for each (three `exp` passes
//! over the `N x K` scores per point, with the C library's scalar `exp`).
//! Here both come from one pass whose `exp` is a branch-free polynomial that
//! the compiler vectorises; the result is cached for the gradient call.

use std::sync::Mutex;

use argmin::core::{CostFunction, Error, Gradient};
use ndarray::{Array1, ArrayView2};

/// The objective over flattened weights `(D + 1) * K` (row-major `(D + 1, K)`).
pub(super) struct SoftmaxObjective<'a> {
    /// Inputs with their constant column, `(N, D + 1)`.
    x: ArrayView2<'a, f64>,
    /// Class index of each row, `0..classes`.
    y: &'a [usize],
    classes: usize,
    alpha: f64,
    last: Mutex<Option<Evaluation>>,
}

#[derive(Clone)]
struct Evaluation {
    at: Array1<f64>,
    loss: f64,
    gradient: Array1<f64>,
}

impl<'a> SoftmaxObjective<'a> {
    /// `y[i]` must be below `classes`; `x` has one row per label.
    pub(super) fn new(x: ArrayView2<'a, f64>, y: &'a [usize], classes: usize, alpha: f64) -> Self {
        debug_assert_eq!(x.nrows(), y.len());
        debug_assert!(y.iter().all(|&c| c < classes));
        SoftmaxObjective { x, y, classes, alpha, last: Mutex::new(None) }
    }

    fn evaluate(&self, w: &Array1<f64>) -> Evaluation {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = last.as_ref().filter(|e| e.at == *w) {
            return hit.clone();
        }
        let k = self.classes;
        let weights = w.view().into_shape_with_order((self.x.ncols(), k)).expect("weights of (D + 1) * K");
        let mut scores = self.x.dot(&weights);
        let mut loss = 0.5 * self.alpha * w.dot(w);
        let flat = scores.as_slice_mut().expect("a fresh product is contiguous");
        for (row, &label) in flat.chunks_exact_mut(k).zip(self.y) {
            let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            loss += max - row[label];
            row.iter_mut().for_each(|v| *v -= max);
        }
        exp_in_place(flat);
        // Rows become softmax(scores) - onehot(label), the gradient of each NLL.
        for (row, &label) in flat.chunks_exact_mut(k).zip(self.y) {
            let sum: f64 = row.iter().sum();
            loss += sum.ln();
            row.iter_mut().for_each(|v| *v /= sum);
            row[label] -= 1.0;
        }
        let mut gradient = self.x.t().dot(&scores);
        gradient.scaled_add(self.alpha, &weights);
        let gradient = gradient.into_shape_with_order(w.len()).expect("gradient of (D + 1) * K");
        let evaluation = Evaluation { at: w.clone(), loss, gradient };
        *last = Some(evaluation.clone());
        evaluation
    }
}

impl CostFunction for SoftmaxObjective<'_> {
    type Param = Array1<f64>;
    type Output = f64;

    fn cost(&self, w: &Array1<f64>) -> Result<f64, Error> {
        Ok(self.evaluate(w).loss)
    }
}

impl Gradient for SoftmaxObjective<'_> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;

    fn gradient(&self, w: &Array1<f64>) -> Result<Array1<f64>, Error> {
        Ok(self.evaluate(w).gradient)
    }
}

/// `exp` of every value, for inputs in `[-708, 709]` (smaller ones give
/// `exp(-708)`, about 3e-308): Cephes' rational approximation after
/// reducing by multiples of ln 2, relative error below 1e-15. Branch-free,
/// so the loop vectorises.
fn exp_in_place(values: &mut [f64]) {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    // ln 2 split in two, so that `k * LN2_HI` is exact for |k| < 2^11.
    const LN2_HI: f64 = 6.931_457_519_531_25e-1;
    const LN2_LO: f64 = 1.4286068203094173e-06;
    // Adding 1.5 * 2^52 rounds to an integer, which then sits in the low bits.
    const ROUND: f64 = 6_755_399_441_055_744.0;
    const P: [f64; 3] = [0.00012617719307481058, 0.030299440770744195, 1.0];
    const Q: [f64; 4] = [3.0019850513866446e-06, 0.002524483403496841, 0.22726554820815503, 2.0];
    for v in values.iter_mut() {
        let x = v.clamp(-708.0, 709.0);
        let shifted = x * LOG2E + ROUND;
        let k = shifted - ROUND;
        let r = x - k * LN2_HI - k * LN2_LO;
        let rr = r * r;
        let p = r * ((P[0] * rr + P[1]) * rr + P[2]);
        let q = ((Q[0] * rr + Q[1]) * rr + Q[2]) * rr + Q[3];
        let e = 1.0 + 2.0 * p / (q - p);
        let exponent = shifted.to_bits().wrapping_sub(ROUND.to_bits()).wrapping_add(1023);
        *v = e * f64::from_bits(exponent << 52);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    #[test]
    fn exp_matches_the_c_library() {
        let mut worst: f64 = 0.0;
        let inputs: Vec<f64> = (0..=200_000).map(|i| -708.0 + 1417.0 * i as f64 / 200_000.0).collect();
        let mut values = inputs.clone();
        exp_in_place(&mut values);
        for (&x, &e) in inputs.iter().zip(&values) {
            worst = worst.max((e / x.exp() - 1.0).abs());
        }
        assert!(worst < 1e-15, "largest relative error {worst:e}");
        let mut edges = [0.0, -0.0, 1.0, -1.0, -1e-300, -800.0, f64::NEG_INFINITY];
        exp_in_place(&mut edges);
        let expected = [1.0, 1.0, std::f64::consts::E, 1.0 / std::f64::consts::E, 1.0];
        assert!(edges[..5].iter().zip(expected).all(|(e, x)| (e / x - 1.0).abs() < 1e-15), "{edges:?}");
        assert!(edges[5] > 0.0 && edges[5] < 1e-307 && edges[6] == edges[5]);
    }

    /// Loss and gradient against the textbook formulas and a finite difference.
    #[test]
    fn loss_and_gradient_are_the_penalised_softmax_nll() {
        let x = array![[0.5, -1.0, 1.0], [2.0, 0.3, 1.0], [-1.5, 0.7, 1.0], [0.1, 0.1, 1.0]];
        let y = [0, 2, 1, 2];
        let alpha = 0.3;
        let w = Array1::from_iter((0..9).map(|i| 0.1 * i as f64 - 0.35));
        let objective = SoftmaxObjective::new(x.view(), &y, 3, alpha);
        let wm: Array2<f64> = w.clone().into_shape_with_order((3, 3)).unwrap();
        let scores = x.dot(&wm);
        let expected: f64 = scores
            .rows()
            .into_iter()
            .zip(&y)
            .map(|(s, &c)| s.iter().map(|v| v.exp()).sum::<f64>().ln() - s[c])
            .sum::<f64>()
            + 0.5 * alpha * w.dot(&w);
        let loss = objective.cost(&w).unwrap();
        assert!((loss - expected).abs() < 1e-12, "{loss} vs {expected}");
        let gradient = objective.gradient(&w).unwrap();
        for j in 0..w.len() {
            let h = 1e-6;
            let (mut up, mut down) = (w.clone(), w.clone());
            up[j] += h;
            down[j] -= h;
            let numeric = (objective.cost(&up).unwrap() - objective.cost(&down).unwrap()) / (2.0 * h);
            assert!((gradient[j] - numeric).abs() < 1e-6, "d/dw{j}: {} vs {numeric}", gradient[j]);
        }
    }
}
