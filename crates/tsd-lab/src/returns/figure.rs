//! The figure of one return window split into parts: a panel per part
//! (cumulative return over the window's days), each with its curves, e.g. the
//! window itself, its shared part and its specific part, each beside its true
//! counterpart on the factor model.

use std::path::Path;

use plotters::prelude::*;

use crate::results::figures::{colour, drawing, register_font, FONT};
use crate::Result;

/// One panel: a heading and its `(legend, daily returns)` curves, drawn as
/// cumulative sums.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Heading.
    pub heading: String,
    /// `(legend, daily returns)`.
    pub curves: Vec<(String, Vec<f32>)>,
}

/// Draws `panels` side by side into the PNG at `path`.
pub fn window_parts(path: &Path, title: &str, panels: &[Panel]) -> Result<()> {
    register_font()?;
    let root = BitMapBackend::new(path, (420 * panels.len().max(1) as u32, 400)).into_drawing_area();
    drawing(root.fill(&WHITE))?;
    let root = drawing(root.titled(title, (FONT, 20)))?;
    for (area, panel) in root.split_evenly((1, panels.len().max(1))).iter().zip(panels) {
        let cumulative: Vec<(String, Vec<f64>)> = panel
            .curves
            .iter()
            .map(|(name, r)| {
                let mut sum = 0.0;
                (
                    name.clone(),
                    r.iter()
                        .map(|&v| {
                            sum += v as f64;
                            sum
                        })
                        .collect(),
                )
            })
            .collect();
        let days = cumulative.iter().map(|(_, c)| c.len()).max().unwrap_or(1);
        let values = cumulative.iter().flat_map(|(_, c)| c.iter().copied());
        let (lo, hi) = values.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
        let pad = ((hi - lo) * 0.08).max(1e-3);
        let mut chart = drawing(
            ChartBuilder::on(area)
                .caption(&panel.heading, (FONT, 16))
                .margin(10)
                .x_label_area_size(34)
                .y_label_area_size(54)
                .build_cartesian_2d(0..days as i32, lo - pad..hi + pad),
        )?;
        drawing(
            chart
                .configure_mesh()
                .x_desc("day")
                .y_desc("cumulative return")
                .label_style((FONT, 12))
                .axis_desc_style((FONT, 13))
                .light_line_style(WHITE.mix(0.0))
                .draw(),
        )?;
        for (k, (name, c)) in cumulative.iter().enumerate() {
            let style = colour(k, cumulative.len());
            let series = LineSeries::new(c.iter().enumerate().map(|(d, &v)| (d as i32, v)), style.stroke_width(2));
            drawing(chart.draw_series(series))?
                .label(name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], style.stroke_width(2)));
        }
        drawing(
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .label_font((FONT, 12))
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK.mix(0.3))
                .draw(),
        )?;
    }
    drawing(root.present())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_a_png_of_the_expected_width() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.png");
        let curve = |k: f32| (0..30).map(|d| k * ((d % 7) as f32 - 3.0) / 100.0).collect::<Vec<f32>>();
        let panels = vec![
            Panel { heading: "window".into(), curves: vec![("raw".into(), curve(1.0))] },
            Panel { heading: "specific".into(), curves: vec![("Z".into(), curve(0.5)), ("true".into(), curve(0.4))] },
        ];
        window_parts(&path, "test", &panels).unwrap();
        let image = image::open(&path).unwrap();
        assert_eq!((image.width(), image.height()), (840, 400));
    }
}
