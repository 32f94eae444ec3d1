//! 2-D embeddings of S and of Z coloured by label, side by side: S should
//! form one cluster per class, Z should show no class structure.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::error::Result;
use linfa::traits::Transformer;
use ndarray::{Array1, Array2, Axis};
use plotters::prelude::*;

use super::{colour, drawing, register_font, FONT};

/// Classes up to which the figure draws a legend (beyond, colours only).
const LEGEND_MAX_CLASSES: usize = 20;
/// t-SNE perplexity (the usual default), lowered for small samples.
const PERPLEXITY: f64 = 30.0;
/// t-SNE iterations: enough for 2,000 points to settle, ~5 s on one core.
const TSNE_ITERATIONS: usize = 1000;
/// Power iterations per principal component (converges long before for codes
/// of a few hundred dimensions).
const POWER_ITERATIONS: usize = 300;

/// How codes are mapped to 2-D.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    /// The first two principal components.
    Pca,
    /// Barnes-Hut t-SNE (linfa-tsne), perplexity 30.
    Tsne,
}

impl FromStr for Projection {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "pca" => Ok(Projection::Pca),
            "tsne" | "t-sne" => Ok(Projection::Tsne),
            other => Err(format!("unknown projection {other:?}: expected pca or tsne")),
        }
    }
}

impl fmt::Display for Projection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Projection::Pca => "PCA",
            Projection::Tsne => "t-SNE",
        })
    }
}

/// `codes` `(N, D)` mapped to `(N, 2)`, and the projection actually used:
/// t-SNE falls back to PCA for fewer than 16 points, constant codes, or a
/// diverged run.
pub fn project(codes: &Array2<f32>, how: Projection) -> Result<(Array2<f64>, Projection)> {
    let x = codes.mapv(f64::from);
    let constant = x.var_axis(Axis(0), 0.0).iter().all(|&v| v < 1e-12);
    if how == Projection::Tsne && x.nrows() >= 16 && !constant {
        let perplexity = PERPLEXITY.min((x.nrows() - 1) as f64 / 3.0 - 1.0);
        let embedded = linfa_tsne::TSneParams::embedding_size(2)
            .perplexity(perplexity)
            .approx_threshold(0.5)
            .max_iter(TSNE_ITERATIONS)
            .transform(x.clone())?;
        if embedded.iter().all(|v| v.is_finite()) {
            return Ok((embedded, Projection::Tsne));
        }
    }
    Ok((pca_2d(&x), Projection::Pca))
}

/// Projection of centred `x` on its first two principal components (power
/// iteration with deflation; columns padded with zeros when `x` has one).
fn pca_2d(x: &Array2<f64>) -> Array2<f64> {
    let centred = x - &x.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(x.ncols()));
    let mut cov = centred.t().dot(&centred) / (x.nrows().max(2) - 1) as f64;
    let mut out = Array2::zeros((x.nrows(), 2));
    for k in 0..2.min(x.ncols()) {
        // A start vector no covariance of real data is orthogonal to in practice.
        let mut v = Array1::from_shape_fn(x.ncols(), |i| 1.0 + 0.01 * i as f64);
        let mut eigenvalue = 0.0;
        for _ in 0..POWER_ITERATIONS {
            let w = cov.dot(&v);
            eigenvalue = w.dot(&w).sqrt();
            if eigenvalue < 1e-300 {
                break;
            }
            v = w / eigenvalue;
        }
        out.column_mut(k).assign(&centred.dot(&v));
        let outer = v.view().insert_axis(Axis(1)).dot(&v.view().insert_axis(Axis(0)));
        cov = cov - outer * eigenvalue;
    }
    out
}

/// Draws the S and Z embeddings (`(N, 2)` each) side by side, one colour per
/// label in `labels`, with a legend for up to 20 classes.
pub fn plot(
    path: &Path,
    title: &str,
    panels: [(&str, &Array2<f64>); 2],
    labels: &[usize],
    n_classes: usize,
) -> Result<()> {
    register_font()?;
    let root = BitMapBackend::new(path, (1240, 620)).into_drawing_area();
    drawing(root.fill(&WHITE))?;
    let root = drawing(root.titled(title, (FONT, 22)))?;
    let legend = n_classes <= LEGEND_MAX_CLASSES;
    let (plots, key) = root.split_horizontally(if legend { 1160 } else { 1240 });
    for (area, (name, points)) in plots.split_evenly((1, 2)).iter().zip(panels) {
        let (xs, ys) = (bounds(points.column(0).iter()), bounds(points.column(1).iter()));
        let mut chart = drawing(
            ChartBuilder::on(area).caption(name, (FONT, 18)).margin(12).build_cartesian_2d(xs.0..xs.1, ys.0..ys.1),
        )?;
        drawing(chart.configure_mesh().disable_mesh().x_labels(0).y_labels(0).draw())?;
        let dots = points
            .rows()
            .into_iter()
            .zip(labels)
            .map(|(p, &y)| Circle::new((p[0], p[1]), 2, colour(y, n_classes).filled()));
        drawing(chart.draw_series(dots))?;
    }
    if legend {
        for class in 0..n_classes {
            let y = 60 + 24 * class as i32;
            drawing(key.draw(&Circle::new((16, y), 6, colour(class, n_classes).filled())))?;
            drawing(key.draw(&Text::new(class.to_string(), (28, y - 8), (FONT, 16))))?;
        }
    }
    drawing(root.present())?;
    Ok(())
}

/// `(min, max)` of `values`, widened by 5 % (and to a unit range when flat).
fn bounds<'a>(values: impl Iterator<Item = &'a f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() || !hi.is_finite() {
        return (-1.0, 1.0);
    }
    let pad = if hi - lo > 1e-12 { 0.05 * (hi - lo) } else { 1.0 };
    (lo - pad, hi + pad)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three clusters in 5-D: class `c` sits at `10 c` along one axis.
    fn clusters(n: usize) -> (Array2<f32>, Vec<usize>) {
        let labels: Vec<usize> = (0..n).map(|i| i % 3).collect();
        let x = Array2::from_shape_fn((n, 5), |(i, j)| {
            let jitter = ((i * 31 + j * 17) % 11) as f32 / 11.0;
            if j == 2 {
                10.0 * labels[i] as f32 + jitter
            } else {
                jitter
            }
        });
        (x, labels)
    }

    /// Smallest distance between class centroids over the largest distance
    /// of a point to its class centroid, in 2-D: above 1, the classes do not overlap.
    fn separation(points: &Array2<f64>, labels: &[usize]) -> f64 {
        let centroid = |c: usize| {
            let rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == c).collect();
            points.select(Axis(0), &rows).mean_axis(Axis(0)).unwrap()
        };
        let centroids: Vec<Array1<f64>> = (0..3).map(centroid).collect();
        let dist = |a: &Array1<f64>, b: ndarray::ArrayView1<f64>| (a - &b).mapv(|d| d * d).sum().sqrt();
        let radius = points.rows().into_iter().zip(labels).map(|(p, &y)| dist(&centroids[y], p)).fold(1e-9, f64::max);
        let gap = [(0, 1), (1, 2), (0, 2)]
            .into_iter()
            .map(|(a, b)| dist(&centroids[a], centroids[b].view()))
            .fold(f64::INFINITY, f64::min);
        gap / radius
    }

    #[test]
    fn pca_puts_the_high_variance_axis_first() {
        let (x, labels) = clusters(90);
        let (points, used) = project(&x, Projection::Pca).unwrap();
        assert_eq!((used, points.dim()), (Projection::Pca, (90, 2)));
        assert!(separation(&points, &labels) > 2.0, "{}", separation(&points, &labels));
        // Centred, and the second component carries far less variance.
        assert!(points.column(0).mean().unwrap().abs() < 1e-9);
        assert!(points.column(0).var(0.0) > 50.0 * points.column(1).var(0.0));
    }

    #[test]
    fn tsne_separates_clusters_and_constant_codes_fall_back_to_pca() {
        let (x, labels) = clusters(120);
        let (points, used) = project(&x, Projection::Tsne).unwrap();
        assert_eq!(used, Projection::Tsne);
        assert!(separation(&points, &labels) > 1.0, "{}", separation(&points, &labels));
        let (flat, used) = project(&Array2::zeros((50, 4)), Projection::Tsne).unwrap();
        assert_eq!(used, Projection::Pca);
        assert!(flat.iter().all(|v| *v == 0.0));
    }

    #[test]
    fn projection_names_parse() {
        assert_eq!("tsne".parse::<Projection>().unwrap(), Projection::Tsne);
        assert_eq!("pca".parse::<Projection>().unwrap(), Projection::Pca);
        assert!("umap".parse::<Projection>().is_err());
    }
}
