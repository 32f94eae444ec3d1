//! Several runs' leakage reports (codes from several seeds of one model),
//! summarised as mean ± std per probe.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{MetricsError, Result};
use crate::probe::ProbeFamily;
use crate::report::{finish_csv, LeakageReport};
use crate::scores::{ProbeScores, SeedSummary};

/// One probe's scores across runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeSummary {
    /// Which probe.
    pub family: ProbeFamily,
    /// Its scores as mean ± std across runs.
    pub summary: SeedSummary,
}

/// The reports of several runs with the same probes, and their summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunsReport {
    /// Each run's report, in the order given.
    pub runs: Vec<LeakageReport>,
    /// Mean ± std across runs, one entry per probe, in the reports' order.
    pub summary: Vec<ProbeSummary>,
}

impl RunsReport {
    /// Summarises `runs` (at least one); every run must have run the same
    /// probes in the same order.
    pub fn new(runs: Vec<LeakageReport>) -> Result<RunsReport> {
        let first = runs.first().ok_or_else(|| MetricsError::Empty { what: "no run to summarise".into() })?;
        let families: Vec<ProbeFamily> = first.probes.iter().map(|p| p.family).collect();
        for (i, run) in runs.iter().enumerate() {
            let these: Vec<ProbeFamily> = run.probes.iter().map(|p| p.family).collect();
            if these != families {
                return Err(MetricsError::InvalidParameter {
                    name: "runs",
                    reason: format!("run {i} has probes {these:?}, run 0 has {families:?}"),
                });
            }
        }
        let summary = families
            .iter()
            .enumerate()
            .map(|(k, &family)| {
                let scores: Vec<ProbeScores> = runs.iter().map(|r| r.probes[k].scores.clone()).collect();
                Ok(ProbeSummary { family, summary: SeedSummary::new(&scores)? })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(RunsReport { runs, summary })
    }

    /// One CSV row per run and probe, with a leading `run` column (0-based).
    pub fn to_csv(&self) -> Result<String> {
        let mut w = csv::Writer::from_writer(Vec::new());
        for (run, report) in self.runs.iter().enumerate() {
            report.write_csv_rows(&mut w, Some(run))?;
        }
        finish_csv(w)
    }

    /// Pretty JSON of the runs and the summary.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| MetricsError::Serialise(e.to_string()))
    }
}

impl fmt::Display for RunsReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "across {} runs (mean ± std):", self.runs.len())?;
        writeln!(
            f,
            "{:<9} {:<17} {:<17} {:<17} {:<17} {:>8}",
            "probe", "accuracy", "bal.acc", "macro-F1", "leakage", "chance"
        )?;
        for p in &self.summary {
            let s = &p.summary;
            writeln!(
                f,
                "{:<9} {:<17} {:<17} {:<17} {:<17} {:>8.4}",
                p.family.name(),
                s.accuracy.to_string(),
                s.balanced_accuracy.to_string(),
                s.macro_f1.to_string(),
                s.leakage.to_string(),
                s.chance.mean
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::LabelledCodes;
    use crate::report::{probe_codes, ProbeOptions};
    use ndarray::Array2;

    /// Codes whose first dimension is the label plus `noise * (i % 7)`.
    fn codes(n: usize, noise: f32) -> LabelledCodes {
        let y: Vec<usize> = (0..n).map(|i| i % 3).collect();
        let x =
            Array2::from_shape_fn(
                (n, 2),
                |(i, j)| if j == 0 { y[i] as f32 + noise * (i % 7) as f32 } else { (i % 5) as f32 },
            );
        LabelledCodes::new(x, y).unwrap()
    }

    #[test]
    fn summarises_each_probe_across_runs() {
        let options = ProbeOptions::default().mutual_info(None);
        let reports: Vec<LeakageReport> = [0.0, 0.2]
            .iter()
            .map(|&noise| probe_codes(&codes(90, noise), &codes(60, noise), &options).unwrap())
            .collect();
        let accuracies: Vec<f64> = reports.iter().map(|r| r.probes[0].scores.accuracy).collect();
        let runs = RunsReport::new(reports).unwrap();
        assert_eq!(runs.summary.len(), 2);
        let logistic = &runs.summary[0];
        assert_eq!(logistic.family, runs.runs[0].probes[0].family);
        assert_eq!(logistic.summary.runs, 2);
        assert!((logistic.summary.accuracy.mean - (accuracies[0] + accuracies[1]) / 2.0).abs() < 1e-12);
        let csv = runs.to_csv().unwrap();
        assert_eq!(csv.lines().count(), 1 + 2 * 2, "{csv}");
        assert!(csv.starts_with("run,probe,accuracy"));
        let back: RunsReport = serde_json::from_str(&runs.to_json().unwrap()).unwrap();
        assert_eq!((back.runs.len(), back.summary[1].family), (2, runs.summary[1].family));
        assert!((back.summary[0].summary.accuracy.std - logistic.summary.accuracy.std).abs() < 1e-12);
        assert!(runs.to_string().contains("across 2 runs"));
    }

    #[test]
    fn refuses_no_runs_and_runs_with_different_probes() {
        assert!(matches!(RunsReport::new(Vec::new()), Err(MetricsError::Empty { .. })));
        let full = probe_codes(&codes(90, 0.1), &codes(60, 0.1), &ProbeOptions::default()).unwrap();
        let linear_only =
            probe_codes(&codes(90, 0.1), &codes(60, 0.1), &ProbeOptions::default().without(ProbeFamily::Knn)).unwrap();
        assert!(matches!(RunsReport::new(vec![full, linear_only]), Err(MetricsError::InvalidParameter { .. })));
    }
}
