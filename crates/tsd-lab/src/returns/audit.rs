//! The audit of a set of codes of return windows: what each code tells about
//! the sector (fresh probes), about the stock's next specific return (its
//! tertile, fresh probes), and, on synthetic data, how much of each true
//! component it holds (ridge R², penalty chosen on validation).

use ndarray::{s, Array2};
use serde::{Deserialize, Serialize};
use tsd_data::returns::{SeriesSet, SeriesSplits};
use tsd_metrics::regression::{r2_by_ridge, RidgeFit, RIDGE_GRID};
use tsd_metrics::{probe_codes, IndependenceTest, LabelledCodes, LeakageReport, ProbeOptions, ProbeResult};

use crate::Result;

/// One code of every window of the three parts (train, validation, test).
#[derive(Debug, Clone)]
pub struct Features {
    /// Row name in the tables, e.g. `classical Z (alpha + residuals)`.
    pub name: String,
    /// `[train, val, test]` codes.
    pub parts: [Array2<f32>; 3],
}

/// What the codes are judged against, per part.
#[derive(Debug, Clone)]
pub struct Targets {
    /// Sector of each window.
    pub sectors: [Vec<usize>; 3],
    /// Tertile (0 low, 1 middle, 2 high) of each window's next specific return.
    pub tertiles: [Vec<usize>; 3],
    /// What the tertiles are of.
    pub tertile_of: String,
    /// The training cut-offs between the tertiles.
    pub cutoffs: (f64, f64),
    /// True `[specific, market, sector, shared]` paths over the input days,
    /// per part (synthetic data; shared = market + sector).
    pub truth: Option<[[Array2<f32>; 4]; 3]>,
}

impl Targets {
    /// The targets of `splits`: sectors; tertiles of `future_specific` (per
    /// part), cut at the training terciles; the true paths when the data has them.
    pub fn new(splits: &SeriesSplits, future_specific: [Vec<f64>; 3], tertile_of: &str) -> Targets {
        let parts = [&splits.train, &splits.val, &splits.test];
        let mut sorted = future_specific[0].clone();
        sorted.sort_by(f64::total_cmp);
        let at = |q: f64| {
            sorted.get(((sorted.len() as f64 * q) as usize).min(sorted.len().saturating_sub(1))).copied().unwrap_or(0.0)
        };
        let cutoffs = (at(1.0 / 3.0), at(2.0 / 3.0));
        let tertile = |v: &f64| {
            if *v < cutoffs.0 {
                0
            } else if *v < cutoffs.1 {
                1
            } else {
                2
            }
        };
        let truth = parts.iter().all(|p| p.truth.is_some()).then(|| {
            let paths = |p: &SeriesSet| {
                let t = p.truth.as_ref().expect("checked");
                let input = |a: &Array2<f32>| a.slice(s![.., ..p.input_days]).to_owned();
                let shared = &t.market + &t.sector;
                [input(&t.specific), input(&t.market), input(&t.sector), input(&shared)]
            };
            [paths(parts[0]), paths(parts[1]), paths(parts[2])]
        });
        Targets {
            sectors: parts.map(|p| p.labels.clone()),
            tertiles: future_specific.map(|v| v.iter().map(tertile).collect()),
            tertile_of: tertile_of.to_string(),
            cutoffs,
            truth,
        }
    }
}

/// The probes of each target ([`crate::budget::returns_probes`]).
#[derive(Debug, Clone)]
pub struct ReturnsProbes {
    /// Of the sector (the leak, and what S should carry).
    pub sector: ProbeOptions,
    /// Of the tertile of the next specific return (the downstream test).
    pub tertile: ProbeOptions,
}

impl ReturnsProbes {
    /// Prints a line per fitted probe (or not).
    pub fn progress(mut self, on: bool) -> Self {
        self.sector = self.sector.progress(on);
        self.tertile = self.tertile.progress(on);
        self
    }
}

/// Test R² of the true components from one code.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ComponentR2 {
    /// The stock-specific path `u`.
    pub specific: RidgeFit,
    /// The market path `beta m`.
    pub market: RidgeFit,
    /// The sector path `gamma f`.
    pub sector: RidgeFit,
    /// Their sum, the shared path `beta m + gamma f`.
    pub shared: RidgeFit,
}

/// The audit of one code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeAudit {
    /// Row name.
    pub features: String,
    /// Width of the code.
    pub dim: usize,
    /// Fresh probes of the sector.
    pub sector: Vec<ProbeResult>,
    /// Per-sector two-sample tests of the test codes (when the probes ask for them).
    pub sector_independence: Option<IndependenceTest>,
    /// Fresh probes of the tertile of the next specific return.
    pub tertile: Vec<ProbeResult>,
    /// R² of the true components (synthetic data only).
    pub components: Option<ComponentR2>,
}

impl CodeAudit {
    /// Accuracy of the probe family named `family` on the sector (`None` when it did not run).
    pub fn sector_accuracy(&self, family: &str) -> Option<f64> {
        accuracy(&self.sector, family)
    }

    /// The best accuracy of any probe on the sector.
    pub fn best_sector_accuracy(&self) -> Option<f64> {
        self.sector.iter().map(|r| r.scores.accuracy).reduce(f64::max)
    }

    /// Accuracy of the probe family named `family` on the tertile.
    pub fn tertile_accuracy(&self, family: &str) -> Option<f64> {
        accuracy(&self.tertile, family)
    }
}

fn accuracy(results: &[ProbeResult], family: &str) -> Option<f64> {
    results.iter().find(|r| r.family.name() == family).map(|r| r.scores.accuracy)
}

/// Audits `features` against `targets` with `probes`.
pub fn audit(features: &Features, targets: &Targets, probes: &ReturnsProbes) -> Result<CodeAudit> {
    let [train, val, test] = &features.parts;
    let probe = |labels: &[Vec<usize>; 3], options: &ProbeOptions| -> Result<LeakageReport> {
        let tr = LabelledCodes::new(train.clone(), labels[0].clone())?;
        let te = LabelledCodes::new(test.clone(), labels[2].clone())?;
        Ok(probe_codes(&tr, &te, options)?)
    };
    let sector = probe(&targets.sectors, &probes.sector)?;
    let components = match &targets.truth {
        None => None,
        Some(truth) => {
            let fit =
                |k: usize| r2_by_ridge((train, &truth[0][k]), (val, &truth[1][k]), (test, &truth[2][k]), &RIDGE_GRID);
            Some(ComponentR2 { specific: fit(0)?, market: fit(1)?, sector: fit(2)?, shared: fit(3)? })
        }
    };
    Ok(CodeAudit {
        features: features.name.clone(),
        dim: train.ncols(),
        sector: sector.probes,
        sector_independence: sector.independence,
        tertile: probe(&targets.tertiles, &probes.tertile)?.probes,
        components,
    })
}
