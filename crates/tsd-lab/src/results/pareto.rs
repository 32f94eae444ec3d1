//! Leakage against reconstruction across the points of a sweep: each
//! sub-folder of a sweep folder is one point (a runs folder of `tsd
//! reproduce` trained with its own `--set` overrides); every finished run
//! in it gives its test reconstruction error and the best any fresh probe
//! read from its Z. Written as a table (`pareto.md`, `pareto.csv`) and a
//! figure (`pareto.png`), the points on the front marked. With validation
//! probes, each run's Z is also probed on its validation hold-out, the
//! figure a sweep's settings are chosen by.

use std::fmt::Write as _;
use std::path::Path;

use plotters::prelude::*;
use serde::Serialize;
use tch::Device;
use tsd_core::{Budget, MethodId};
use tsd_data::Splits;
use tsd_metrics::LeakageReport;

use super::collect::{collect, RunRecord};
use super::figures::{colour, drawing, register_font, FONT};
use super::summary::{mean_z_reconstruction_pixels, pixel_mse};
use crate::budget::probes;
use crate::error::{Context, LabError, Result};
use crate::pipeline::{probe_validation, MODEL_FILE, VALIDATION_FILE};

/// One finished run of a sweep point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParetoPoint {
    /// The sweep point (its folder's name).
    pub point: String,
    /// The method.
    pub method: MethodId,
    /// The seed.
    pub seed: u64,
    /// Test reconstruction MSE in `[0, 1]` pixel units.
    pub reconstruction_mse_pixels: f64,
    /// The same with every image's Z replaced by the test set's mean Z: the
    /// gap is what Z carries of each image.
    pub reconstruction_mse_mean_z_pixels: f64,
    /// The highest test accuracy of any fresh probe on Z, and that probe.
    pub z_best: (String, f64),
    /// The same on one sample of Z, for a stochastic Z.
    pub z_sample_best: Option<(String, f64)>,
    /// The highest accuracy of the full-budget probes on Z scored on the
    /// validation hold-out, when asked for.
    pub z_validation_best: Option<(String, f64)>,
    /// The highest test accuracy of any fresh probe on S.
    pub s_best: f64,
    /// Bonferroni p-value of the per-class two-sample tests of Z, when measured.
    pub z_independence_p: Option<f64>,
    /// Share of the most frequent test label.
    pub chance: f64,
    /// Share of swapped test images a classifier of real images reads as S's label.
    pub swaps_follow_s: Option<f64>,
    /// Epochs trained over all phases.
    pub epochs: usize,
    /// Training images.
    pub train_images: usize,
    /// How training ended.
    pub stopped: tsd_core::train::Stopped,
    /// Whether no other point has both a lower reconstruction error and a
    /// lower best probe accuracy on Z.
    pub on_front: bool,
}

/// The best probe of a report: its family's name and its accuracy.
fn best_probe(report: &LeakageReport) -> (String, f64) {
    report
        .probes
        .iter()
        .map(|p| (p.family.name().to_string(), p.scores.accuracy))
        .fold((String::from("none"), f64::NAN), |best, p| if best.1.is_nan() || p.1 > best.1 { p } else { best })
}

/// The validation probes of `run`'s Z: read from its [`VALIDATION_FILE`], or
/// measured with the full-budget probes (no permutation tests) and written there.
fn validation_report(
    run: &RunRecord,
    model: &dyn tsd_core::Disentangler,
    splits: &Splits,
    device: Device,
) -> Result<LeakageReport> {
    let path = run.dir.join(VALIDATION_FILE);
    if path.exists() {
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        return serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()));
    }
    eprintln!("validation probes of {}", run.dir.display());
    let report = probe_validation(model, splits, &probes(Budget::Full, device).independence(None))?;
    tsd_core::common::checkpoint::write_atomic(&path, serde_json::to_string_pretty(&report)?.as_bytes())?;
    Ok(report)
}

fn point_of(point: &str, run: &RunRecord, device: Device, validation: bool) -> Result<ParetoPoint> {
    let model = run
        .manifest
        .method
        .load_model(&run.dir.join(MODEL_FILE), device)
        .with_context(|| format!("loading the model of {}", run.dir.display()))?;
    let model = model.disentangler();
    let splits = run.manifest.data.load().with_context(|| format!("loading the data of {}", run.dir.display()))?;
    let z_validation_best = match validation {
        true => Some(best_probe(&validation_report(run, model, &splits, device)?)),
        false => None,
    };
    let s = &run.summary;
    Ok(ParetoPoint {
        point: point.to_string(),
        method: run.manifest.method,
        seed: run.manifest.seed,
        reconstruction_mse_pixels: pixel_mse(s.test_reconstruction_mse, model.normalization()),
        reconstruction_mse_mean_z_pixels: mean_z_reconstruction_pixels(model, &splits.test),
        z_best: best_probe(&s.z.label),
        z_sample_best: s.z_sample.as_ref().map(|a| best_probe(&a.label)),
        z_validation_best,
        s_best: best_probe(&s.s.label).1,
        z_independence_p: s.z.label.independence.as_ref().map(|t| t.p_value),
        chance: s.z.label.chance,
        swaps_follow_s: s.swap_labels.map(|w| w.follows_s),
        epochs: s.epochs,
        train_images: s.train_images,
        stopped: s.stopped,
        on_front: false,
    })
}

/// Every finished run of every point under `sweep` (one sub-folder per
/// point), in point order, with [`ParetoPoint::on_front`] set; with
/// `validation`, each with its validation probes of Z.
pub fn points(sweep: &Path, device: Device, validation: bool) -> Result<Vec<ParetoPoint>> {
    let mut folders: Vec<_> = std::fs::read_dir(sweep)
        .with_context(|| format!("reading {}", sweep.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    let mut out = Vec::new();
    for folder in folders {
        let name = folder.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        for run in collect(&folder)?.finished {
            out.push(point_of(&name, &run, device, validation)?);
        }
    }
    mark_front(&mut out);
    Ok(out)
}

/// Sets [`ParetoPoint::on_front`]: no other point is at least as good on
/// both axes and better on one.
fn mark_front(points: &mut [ParetoPoint]) {
    let key: Vec<(f64, f64)> = points.iter().map(|p| (p.reconstruction_mse_pixels, p.z_best.1)).collect();
    for (i, p) in points.iter_mut().enumerate() {
        let (rec, leak) = key[i];
        p.on_front =
            !key.iter().enumerate().any(|(j, &(r, l))| j != i && r <= rec && l <= leak && (r < rec || l < leak));
    }
}

/// Writes `pareto.md`, `pareto.csv` and `pareto.png` of `points` into `results`.
pub fn write(results: &Path, points: &[ParetoPoint]) -> Result<()> {
    if points.is_empty() {
        return Err(LabError::Refused("no finished run in any sweep point".into()));
    }
    std::fs::create_dir_all(results).with_context(|| format!("creating {}", results.display()))?;
    let path = results.join("pareto.csv");
    let mut csv = csv::Writer::from_path(&path).with_context(|| format!("writing {}", path.display()))?;
    csv.write_record([
        "point",
        "method",
        "seed",
        "reconstruction_mse_pixels",
        "reconstruction_mse_mean_z_pixels",
        "z_best_probe",
        "z_best_accuracy",
        "z_sample_best_accuracy",
        "z_validation_best_probe",
        "z_validation_best_accuracy",
        "s_best_accuracy",
        "z_independence_p",
        "chance",
        "swaps_follow_s",
        "epochs",
        "train_images",
        "on_front",
    ])
    .with_context(|| format!("writing {}", path.display()))?;
    let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for p in points {
        csv.write_record([
            p.point.clone(),
            p.method.name().to_string(),
            p.seed.to_string(),
            p.reconstruction_mse_pixels.to_string(),
            p.reconstruction_mse_mean_z_pixels.to_string(),
            p.z_best.0.clone(),
            p.z_best.1.to_string(),
            opt(p.z_sample_best.as_ref().map(|b| b.1)),
            p.z_validation_best.as_ref().map(|b| b.0.clone()).unwrap_or_default(),
            opt(p.z_validation_best.as_ref().map(|b| b.1)),
            p.s_best.to_string(),
            opt(p.z_independence_p),
            p.chance.to_string(),
            opt(p.swaps_follow_s),
            p.epochs.to_string(),
            p.train_images.to_string(),
            p.on_front.to_string(),
        ])
        .with_context(|| format!("writing {}", path.display()))?;
    }
    csv.flush().with_context(|| format!("writing {}", path.display()))?;
    let md = results.join("pareto.md");
    std::fs::write(&md, markdown(points)).with_context(|| format!("writing {}", md.display()))?;
    plot(&results.join("pareto.png"), points)
}

/// The table of every point, best first along the reconstruction axis.
pub fn markdown(points: &[ParetoPoint]) -> String {
    let pct = |v: f64| format!("{:.2}%", 100.0 * v);
    let mut out = String::from("# Leakage against reconstruction\n\n");
    let _ = writeln!(
        out,
        "Each row is one run: its test reconstruction MSE in [0, 1] pixels (`with mean Z`: with every image's Z \
         replaced by the test set's mean Z; the gap is what Z carries of each image) and the highest test accuracy \
         any fresh probe of the run's audit reached on Z (chance {}). `front`: no other run has both a lower error and a \
         lower leakage. `Z MMD test p`: Bonferroni p-value of the per-class two-sample tests of Z (below \
         0.05: some class's codes differ from the others'). Each row's budget is in its columns (epochs over both steps, training images, how it \
         stopped). Written by `tsd pareto` from the run folders; `pareto.png` draws it.\n",
        pct(points[0].chance)
    );
    let validation = points.iter().any(|p| p.z_validation_best.is_some());
    if validation {
        out.push_str(
            "`best on Z (validation)`: the same probes fitted on the train codes and scored on the validation \
             hold-out, the column to choose settings by (`tsd pareto --validation`).\n\n",
        );
    }
    let (val_head, val_rule) = if validation { (" best on Z (validation) |", "---|") } else { ("", "") };
    let _ = writeln!(out, "| point | method | seed | rec. MSE (px) | with mean Z | best probe on Z |{val_head} Z sample | best on S | Z MMD test p | swaps follow S | epochs | stopped | images | front |");
    let _ = writeln!(out, "|---|---|---|---|---|---|{val_rule}---|---|---|---|---|---|---|---|");
    let mut order: Vec<&ParetoPoint> = points.iter().collect();
    order.sort_by(|a, b| a.reconstruction_mse_pixels.total_cmp(&b.reconstruction_mse_pixels));
    for p in order {
        let val_cell = match (&p.z_validation_best, validation) {
            (Some((probe, acc)), _) => format!(" {} ({probe}) |", pct(*acc)),
            (None, true) => " - |".into(),
            (None, false) => String::new(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.5} | {:.5} | {} ({}) |{} {} | {} | {} | {} | {} | {} | {} | {} |",
            p.point,
            p.method.name(),
            p.seed,
            p.reconstruction_mse_pixels,
            p.reconstruction_mse_mean_z_pixels,
            pct(p.z_best.1),
            p.z_best.0,
            val_cell,
            p.z_sample_best.as_ref().map(|b| pct(b.1)).unwrap_or_else(|| "-".into()),
            pct(p.s_best),
            p.z_independence_p.map(|v| format!("{v:.3}")).unwrap_or_else(|| "-".into()),
            p.swaps_follow_s.map(pct).unwrap_or_else(|| "-".into()),
            p.epochs,
            p.stopped.as_str(),
            p.train_images,
            if p.on_front { "yes" } else { "" }
        );
    }
    out
}

/// Scatter of reconstruction error (x) against the best probe on Z (y), one
/// colour per method, each point labelled, chance drawn dashed.
fn plot(path: &Path, points: &[ParetoPoint]) -> Result<()> {
    register_font()?;
    let root = BitMapBackend::new(path, (1000, 700)).into_drawing_area();
    drawing(root.fill(&WHITE))?;
    let xs = points.iter().map(|p| p.reconstruction_mse_pixels);
    let (x_lo, x_hi) = (xs.clone().fold(f64::INFINITY, f64::min), xs.fold(0.0, f64::max));
    let pad = (x_hi - x_lo).max(1e-4) * 0.15;
    let mut chart = drawing(
        ChartBuilder::on(&root)
            .caption("Label read from Z by the best fresh probe, against reconstruction", (FONT, 20))
            .margin(16)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d((x_lo - pad)..(x_hi + pad), 0.0..1.0),
    )?;
    drawing(
        chart
            .configure_mesh()
            .x_desc("test reconstruction MSE, [0, 1] pixels (lower is better)")
            .y_desc("best probe accuracy on Z (lower is better)")
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw(),
    )?;
    let chance = points[0].chance;
    let dashes = (0..40).map(|i| {
        let t = |k: f64| x_lo - pad + (x_hi - x_lo + 2.0 * pad) * k / 40.0;
        PathElement::new(vec![(t(i as f64), chance), (t(i as f64 + 0.5), chance)], BLACK.stroke_width(1))
    });
    drawing(chart.draw_series(dashes))?;
    let chance_label = format!("chance {:.1}%", 100.0 * chance);
    drawing(chart.draw_series(std::iter::once(Text::new(
        chance_label,
        (x_lo - pad * 0.9, chance + 0.01),
        (FONT, 13),
    ))))?;
    let mut methods: Vec<MethodId> = Vec::new();
    for p in points {
        if !methods.contains(&p.method) {
            methods.push(p.method);
        }
    }
    for (m, method) in methods.iter().enumerate() {
        let style = colour(m, methods.len());
        let series = drawing(chart.draw_series(points.iter().filter(|p| p.method == *method).map(|p| {
            let size = if p.on_front { 7 } else { 5 };
            Circle::new((p.reconstruction_mse_pixels, p.z_best.1), size, style.filled())
        })))?;
        series.label(method.title()).legend(move |(x, y)| Circle::new((x + 8, y), 5, style.filled()));
    }
    let anchors: Vec<(i32, i32)> =
        points.iter().map(|p| chart.backend_coord(&(p.reconstruction_mse_pixels, p.z_best.1))).collect();
    let font = (FONT, 13).into_font();
    let sizes = points.iter().map(|p| drawing(root.estimate_text_size(&p.point, &font.clone().into())));
    let sizes: Vec<(u32, u32)> = sizes.collect::<Result<_>>()?;
    for (p, at) in points.iter().zip(place_labels(&anchors, &sizes)) {
        drawing(root.draw(&Text::new(p.point.clone(), at, font.clone())))?;
    }
    drawing(
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font((FONT, 14))
            .draw(),
    )?;
    drawing(root.present())
}

/// Top-left corners of the labels of the points at pixel `anchors`, of
/// pixel `sizes`: each label takes the first place beside its point (right,
/// then left; level, then further up or down) that overlaps neither a label
/// already placed nor another point, so that neighbours stay legible.
fn place_labels(anchors: &[(i32, i32)], sizes: &[(u32, u32)]) -> Vec<(i32, i32)> {
    type Box = (i32, i32, i32, i32);
    let overlaps = |a: Box, b: Box| a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3;
    let markers: Vec<Box> = anchors.iter().map(|&(x, y)| (x - 7, y - 7, x + 7, y + 7)).collect();
    let mut placed: Vec<Box> = Vec::new();
    let mut order: Vec<usize> = (0..anchors.len()).collect();
    order.sort_by_key(|&i| anchors[i]);
    let mut out = vec![(0, 0); anchors.len()];
    for i in order {
        let ((x, y), (w, h)) = (anchors[i], (sizes[i].0 as i32, sizes[i].1 as i32));
        let boxes = [-h / 2, 4, -h - 4, 4 + h, -2 * h - 4, 4 + 2 * h]
            .into_iter()
            .flat_map(|dy| [x + 9, x - 9 - w].map(|left| (left, y + dy, left + w, y + dy + h)));
        let free = |b: &Box| {
            !placed.iter().any(|&p| overlaps(*b, p))
                && !markers.iter().enumerate().any(|(j, &m)| j != i && overlaps(*b, m))
        };
        let candidates: Vec<Box> = boxes.collect();
        let chosen = candidates.iter().copied().find(free).unwrap_or(candidates[0]);
        placed.push(chosen);
        out[i] = (chosen.0, chosen.1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(name: &str, rec: f64, leak: f64) -> ParetoPoint {
        ParetoPoint {
            point: name.into(),
            method: "two-step".parse().unwrap(),
            seed: 0,
            reconstruction_mse_pixels: rec,
            reconstruction_mse_mean_z_pixels: 2.0 * rec,
            z_best: ("mlp".into(), leak),
            z_sample_best: None,
            z_validation_best: None,
            s_best: 0.99,
            z_independence_p: None,
            chance: 0.11,
            swaps_follow_s: None,
            epochs: 2,
            train_images: 100,
            stopped: tsd_core::train::Stopped::FixedEpochs,
            on_front: false,
        }
    }

    #[test]
    fn the_front_holds_the_points_nothing_beats_on_both_axes() {
        let mut points =
            vec![point("a", 0.01, 0.9), point("b", 0.02, 0.5), point("c", 0.03, 0.6), point("d", 0.02, 0.5)];
        mark_front(&mut points);
        let front: Vec<&str> = points.iter().filter(|p| p.on_front).map(|p| p.point.as_str()).collect();
        assert_eq!(front, ["a", "b", "d"], "c is beaten by b; equal points both stay");
    }

    #[test]
    fn labels_of_neighbouring_points_do_not_overlap() {
        // Three points a few pixels apart, as two runs of nearly equal scores are drawn.
        let anchors = [(300, 200), (304, 201), (310, 199), (600, 400)];
        let sizes = [(120, 14), (140, 14), (100, 14), (80, 14)];
        let at = place_labels(&anchors, &sizes);
        let boxes: Vec<(i32, i32, i32, i32)> =
            at.iter().zip(sizes).map(|(&(x, y), (w, h))| (x, y, x + w as i32, y + h as i32)).collect();
        for i in 0..boxes.len() {
            for j in i + 1..boxes.len() {
                let (a, b) = (boxes[i], boxes[j]);
                assert!(!(a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3), "labels {i} and {j} overlap: {boxes:?}");
            }
            let (x, y) = anchors[i];
            assert!((boxes[i].0 - x).abs() < 200 && (boxes[i].1 - y).abs() < 60, "label {i} far from its point");
        }
        assert_eq!(at[3], (609, 393), "a lone point's label sits level, to its right");
    }

    #[test]
    fn the_table_sorts_by_reconstruction_and_the_figure_is_written() {
        let mut points = vec![point("worse", 0.05, 0.2), point("better", 0.01, 0.8)];
        mark_front(&mut points);
        let md = markdown(&points);
        assert!(md.find("| better |").unwrap() < md.find("| worse |").unwrap(), "{md}");
        assert!(!md.contains("validation"), "no validation column without validation probes: {md}");
        points[1].z_validation_best = Some(("forest".into(), 0.3));
        let md = markdown(&points);
        let header = md.lines().find(|l| l.starts_with("| point")).unwrap();
        let better = md.lines().find(|l| l.starts_with("| better")).unwrap();
        let worse = md.lines().find(|l| l.starts_with("| worse")).unwrap();
        assert!(header.contains("best on Z (validation)") && better.contains("| 30.00% (forest) |"), "{md}");
        assert!(worse.contains("| 20.00% (mlp) | - |"), "{md}");
        assert_eq!(header.matches('|').count(), better.matches('|').count(), "{md}");
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &points).unwrap();
        for file in ["pareto.md", "pareto.csv", "pareto.png"] {
            assert!(std::fs::metadata(dir.path().join(file)).unwrap().len() > 100, "{file}");
        }
        assert!(write(dir.path(), &[]).is_err());
    }
}
