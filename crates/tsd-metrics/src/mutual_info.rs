//! Mutual information between each code dimension and the label: where in a
//! code the label hides.
//!
//! Each dimension is cut into equal-frequency bins (ties stay in one bin, so
//! a constant dimension is a single bin and scores 0), then the plug-in
//! estimate `I(bin; label) = sum p(b, c) ln(p(b, c) / (p(b) p(c)))` is taken
//! in nats and divided by `H(label)`. The plug-in estimate is biased upward
//! by about `(bins - 1)(classes - 1) / (2N)` nats: compare dimensions with
//! each other, and against that floor, rather than against zero.

use std::fmt;

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::codes::LabelledCodes;
use crate::error::{MetricsError, Result};

/// Options of [`mutual_information`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MiOptions {
    /// Equal-frequency bins per dimension; default 20 (capped at N).
    pub bins: usize,
}

impl Default for MiOptions {
    fn default() -> Self {
        MiOptions { bins: 20 }
    }
}

/// Mutual information of one code dimension with the label.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DimensionMi {
    /// 0-based code dimension.
    pub dim: usize,
    /// `I(dimension; label)` in nats.
    pub mi: f64,
    /// `mi / H(label)`, in `[0, 1]` (0 when the label is constant).
    pub normalised: f64,
}

/// Per-dimension mutual information with the label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MutualInfo {
    /// Bins used per dimension.
    pub bins: usize,
    /// Examples the estimate used.
    pub n_examples: usize,
    /// `H(label)` in nats.
    pub label_entropy: f64,
    /// One entry per dimension, in dimension order.
    pub dims: Vec<DimensionMi>,
}

impl MutualInfo {
    /// Dimensions by decreasing mutual information.
    pub fn ranked(&self) -> Vec<DimensionMi> {
        let mut dims = self.dims.clone();
        dims.sort_by(|a, b| b.mi.total_cmp(&a.mi).then(a.dim.cmp(&b.dim)));
        dims
    }

    /// The dimension carrying the most information about the label.
    pub fn most_informative(&self) -> Option<DimensionMi> {
        self.ranked().first().copied()
    }

    /// Sum over dimensions of the normalised scores (each dimension alone;
    /// not the information of the whole code).
    pub fn total_normalised(&self) -> f64 {
        self.dims.iter().map(|d| d.normalised).sum()
    }

    /// HTML table, dimensions by decreasing mutual information.
    pub fn to_html(&self) -> String {
        let mut h = format!(
            "<table><caption>Mutual information with the label by dimension ({} bins, H(label) = {:.4} nats)</caption>\
             <tr><th>dim</th><th>MI (nats)</th><th>MI / H</th></tr>",
            self.bins, self.label_entropy
        );
        for d in self.ranked() {
            h.push_str(&format!("<tr><td>{}</td><td>{:.4}</td><td>{:.4}</td></tr>", d.dim, d.mi, d.normalised));
        }
        h.push_str("</table>");
        h
    }

    /// Rich display in an evcxr (Rust Jupyter) notebook.
    pub fn evcxr_display(&self) {
        crate::report::print_evcxr_html(&self.to_html());
    }
}

impl fmt::Display for MutualInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "mutual information with the label ({} bins, {} examples, H(label) = {:.4} nats)",
            self.bins, self.n_examples, self.label_entropy
        )?;
        writeln!(f, "{:>5}  {:>8}  {:>8}", "dim", "MI nats", "MI/H")?;
        for d in self.ranked() {
            writeln!(f, "{:>5}  {:>8.4}  {:>8.4}", d.dim, d.mi, d.normalised)?;
        }
        Ok(())
    }
}

/// Mutual information between each column of `codes.x` and `codes.y`.
pub fn mutual_information(codes: &LabelledCodes, options: &MiOptions) -> Result<MutualInfo> {
    codes.validate()?;
    mutual_information_of(codes.x.view(), &codes.y, options)
}

/// [`mutual_information`] on a code matrix view and its labels.
pub fn mutual_information_of(x: ArrayView2<f32>, y: &[usize], options: &MiOptions) -> Result<MutualInfo> {
    if options.bins < 2 {
        return Err(MetricsError::InvalidParameter {
            name: "bins",
            reason: format!("must be at least 2, got {}", options.bins),
        });
    }
    if x.nrows() != y.len() {
        return Err(MetricsError::LengthMismatch { rows: x.nrows(), labels: y.len() });
    }
    let n = y.len();
    if n < 2 {
        return Err(MetricsError::TooFewExamples { what: "mutual information".into(), found: n, needed: 2 });
    }
    let bins = options.bins.min(n);
    let classes = y.iter().max().map_or(0, |&m| m + 1);
    let mut label_counts = vec![0usize; classes];
    for &c in y {
        label_counts[c] += 1;
    }
    let label_entropy = entropy(&label_counts, n);

    let mut order: Vec<usize> = (0..n).collect();
    let mut bin_of = vec![0usize; n];
    let mut joint = vec![0usize; bins * classes];
    let mut bin_counts = vec![0usize; bins];
    let dims = x
        .columns()
        .into_iter()
        .enumerate()
        .map(|(dim, column)| {
            order.sort_unstable_by(|&a, &b| column[a].total_cmp(&column[b]));
            // Equal-frequency bins by rank; a run of equal values takes the
            // bin of its first member.
            let mut start = 0;
            while start < n {
                let value = column[order[start]];
                let mut end = start + 1;
                while end < n && column[order[end]] == value {
                    end += 1;
                }
                let bin = start * bins / n;
                for &i in &order[start..end] {
                    bin_of[i] = bin;
                }
                start = end;
            }
            joint.iter_mut().for_each(|v| *v = 0);
            bin_counts.iter_mut().for_each(|v| *v = 0);
            for (i, &c) in y.iter().enumerate() {
                joint[bin_of[i] * classes + c] += 1;
                bin_counts[bin_of[i]] += 1;
            }
            let nf = n as f64;
            let mut mi = 0.0;
            for b in 0..bins {
                for c in 0..classes {
                    let nbc = joint[b * classes + c];
                    if nbc > 0 {
                        let nbc = nbc as f64;
                        mi += nbc / nf * (nbc * nf / (bin_counts[b] as f64 * label_counts[c] as f64)).ln();
                    }
                }
            }
            let mi = mi.max(0.0);
            let normalised = if label_entropy > 0.0 { (mi / label_entropy).min(1.0) } else { 0.0 };
            DimensionMi { dim, mi, normalised }
        })
        .collect();
    Ok(MutualInfo { bins, n_examples: n, label_entropy, dims })
}

/// Entropy in nats of a histogram with `n` entries.
fn entropy(counts: &[usize], n: usize) -> f64 {
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n as f64;
            -p * p.ln()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn a_dimension_equal_to_a_balanced_binary_label_carries_ln2() {
        let n = 1000;
        let y: Vec<usize> = (0..n).map(|i| i % 2).collect();
        let x = Array2::from_shape_fn((n, 2), |(i, j)| if j == 0 { y[i] as f32 } else { 3.0 });
        let mi = mutual_information_of(x.view(), &y, &MiOptions::default()).unwrap();
        assert!((mi.label_entropy - std::f64::consts::LN_2).abs() < 1e-12);
        assert!((mi.dims[0].mi - std::f64::consts::LN_2).abs() < 1e-12);
        assert!((mi.dims[0].normalised - 1.0).abs() < 1e-12);
        assert_eq!(mi.dims[1].mi, 0.0);
        assert_eq!(mi.most_informative().unwrap().dim, 0);
    }

    #[test]
    fn rejects_one_bin() {
        let x = Array2::<f32>::zeros((4, 1));
        let err = mutual_information_of(x.view(), &[0, 1, 0, 1], &MiOptions { bins: 1 });
        assert!(matches!(err, Err(MetricsError::InvalidParameter { .. })));
    }
}
