//! Training curves: the series each method names for its logs
//! ([`tsd_core::MethodId::curves`]), reconstruction losses on the left and
//! accuracies on the right, against the epoch counted across phases, one
//! line per seed.

use std::path::Path;

use crate::error::Result;
use plotters::prelude::*;

use tsd_core::method::CurvePanel;
use tsd_core::Series;

use super::{colour, drawing, register_font, FONT};

/// Draws reconstruction (left) and accuracy (right) curves of every seed's series.
pub fn plot(path: &Path, title: &str, seeds: &[Vec<Series>]) -> Result<()> {
    register_font()?;
    let root = BitMapBackend::new(path, (1240, 560)).into_drawing_area();
    drawing(root.fill(&WHITE))?;
    let root = drawing(root.titled(title, (FONT, 22)))?;
    let panels = root.split_evenly((1, 2));
    let sides = [(CurvePanel::Reconstruction, "reconstruction loss"), (CurvePanel::Accuracy, "accuracy")];
    for (area, (panel, heading)) in panels.iter().zip(sides) {
        let per_seed: Vec<Vec<&Series>> =
            seeds.iter().map(|list| list.iter().filter(|s| s.panel == panel).collect()).collect();
        let mut names: Vec<&str> = Vec::new();
        for s in per_seed.iter().flatten() {
            if !names.contains(&s.name.as_str()) {
                names.push(&s.name);
            }
        }
        let points = || per_seed.iter().flatten().flat_map(|s| s.points.iter());
        let x_max = points().map(|p| p.0).fold(1.0, f64::max) as i32;
        let (y_lo, y_hi) = match panel {
            CurvePanel::Accuracy => (0.0, 1.0),
            CurvePanel::Reconstruction => padded(points().map(|p| p.1)),
        };
        let mut chart = drawing(
            ChartBuilder::on(area)
                .caption(heading, (FONT, 18))
                .margin(14)
                .x_label_area_size(40)
                .y_label_area_size(60)
                .build_cartesian_2d(0..x_max + 1, y_lo..y_hi),
        )?;
        drawing(
            chart
                .configure_mesh()
                .x_desc("epoch (all phases)")
                .x_labels((x_max as usize + 2).min(12))
                .label_style((FONT, 14))
                .axis_desc_style((FONT, 15))
                .light_line_style(WHITE.mix(0.0))
                .draw(),
        )?;
        for (n, name) in names.iter().enumerate() {
            let style = colour(n, names.len());
            for (seed, list) in per_seed.iter().enumerate() {
                let Some(s) = list.iter().find(|s| &s.name == name) else { continue };
                let at = |&(x, y): &(f64, f64)| (x as i32, y);
                let line = drawing(chart.draw_series(LineSeries::new(s.points.iter().map(at), style.stroke_width(2))))?;
                if seed == 0 {
                    line.label(*name)
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style.stroke_width(3)));
                }
                drawing(chart.draw_series(s.points.iter().map(|p| Circle::new(at(p), 3, style.filled()))))?;
            }
        }
        if !names.is_empty() {
            drawing(
                chart
                    .configure_series_labels()
                    .position(SeriesLabelPosition::LowerLeft)
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .label_font((FONT, 14))
                    .draw(),
            )?;
        }
    }
    drawing(root.present())?;
    Ok(())
}

/// `(min, max)` of `values` widened by 5 % of the range (or of the value when flat).
fn padded(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = 0.05 * (hi - lo).max(hi.abs().max(1e-3) * 0.1);
    (lo - pad, hi + pad)
}
