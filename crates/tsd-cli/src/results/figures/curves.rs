//! Training curves from the per-epoch logs: reconstruction losses (every
//! figure whose name contains `rec`) and accuracies (`acc`: the step-1
//! classifier on S and the adversary on Z for two-step, the discriminator for
//! Mathieu et al.) against the epoch counted across phases, one line per seed.

use std::path::Path;

use anyhow::Result;
use plotters::prelude::*;

use super::{colour, drawing, register_font, FONT};
use crate::results::collect::LogRow;

/// One line: a figure of one phase of one seed's log.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// `"<phase> <metric>"`, the legend entry.
    pub name: String,
    /// `(epoch counted from 1 across phases, value)`.
    pub points: Vec<(f64, f64)>,
}

/// The series of one log whose metric name contains `pattern`, in order of
/// first appearance.
pub fn series(log: &[LogRow], pattern: &str) -> Vec<Series> {
    let mut epochs: Vec<(&str, usize)> = Vec::new();
    let mut out: Vec<Series> = Vec::new();
    for row in log {
        let key = (row.phase.as_str(), row.epoch);
        let x = match epochs.iter().position(|&e| e == key) {
            Some(i) => i,
            None => {
                epochs.push(key);
                epochs.len() - 1
            }
        } as f64
            + 1.0;
        if !row.metric.contains(pattern) || !row.value.is_finite() {
            continue;
        }
        let name = format!("{} {}", row.phase, row.metric);
        match out.iter_mut().find(|s| s.name == name) {
            Some(s) => s.points.push((x, row.value)),
            None => out.push(Series { name, points: vec![(x, row.value)] }),
        }
    }
    out
}

/// Draws reconstruction (left) and accuracy (right) curves of every seed's log.
pub fn plot(path: &Path, title: &str, logs: &[&[LogRow]]) -> Result<()> {
    register_font()?;
    let root = BitMapBackend::new(path, (1240, 560)).into_drawing_area();
    drawing(root.fill(&WHITE))?;
    let root = drawing(root.titled(title, (FONT, 22)))?;
    let panels = root.split_evenly((1, 2));
    for (area, (pattern, heading)) in panels.iter().zip([("rec", "reconstruction loss"), ("acc", "accuracy")]) {
        let per_seed: Vec<Vec<Series>> = logs.iter().map(|log| series(log, pattern)).collect();
        let mut names: Vec<&str> = Vec::new();
        for s in per_seed.iter().flatten() {
            if !names.contains(&s.name.as_str()) {
                names.push(&s.name);
            }
        }
        let points = || per_seed.iter().flatten().flat_map(|s| s.points.iter());
        let x_max = points().map(|p| p.0).fold(1.0, f64::max) as i32;
        let (y_lo, y_hi) = if pattern == "acc" { (0.0, 1.0) } else { padded(points().map(|p| p.1)) };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(phase: &str, epoch: usize, metric: &str, value: f64) -> LogRow {
        LogRow { phase: phase.into(), epoch, seconds: 1.0, metric: metric.into(), value }
    }

    #[test]
    fn epochs_count_across_phases_and_gaps_stay_gaps() {
        let log = vec![
            row("step1", 0, "acc", 0.5),
            row("step1", 1, "acc", 0.7),
            row("step2", 0, "rec", 2.0),
            row("step2", 0, "val_adv_acc", 0.3),
            row("step2", 1, "val_adv_acc", 0.2),
        ];
        let acc = series(&log, "acc");
        assert_eq!(acc.len(), 2);
        assert_eq!(acc[0], Series { name: "step1 acc".into(), points: vec![(1.0, 0.5), (2.0, 0.7)] });
        assert_eq!(acc[1].points, vec![(3.0, 0.3), (4.0, 0.2)]);
        assert_eq!(series(&log, "rec")[0].points, vec![(3.0, 2.0)]);
    }
}
