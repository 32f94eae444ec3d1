//! A factor model of daily returns with known truth, generated in memory from
//! a seed:
//!
//! `r_it = beta_i * m_t + gamma_i * f_{sector(i), t} + u_it`
//!
//! - `m_t`, the market: each year draws one of three regimes (bull, bear,
//!   calm: a drift and a volatility), `m_t = drift + vol * e_t`;
//! - `f_{k,t}`, sector `k`'s factor: an AR(1) around its own drift, with its
//!   own coefficient and volatility (spread over [`FactorModel::sector_drift`],
//!   [`FactorModel::sector_ar`] and [`FactorModel::sector_vol`], so sectors
//!   differ in their dynamics and a window says something of its sector);
//! - `beta_i`, `gamma_i`: per-stock loadings drawn independently of the sector;
//! - `u_it`, the stock-specific term: an AR(1) around the stock's own drift.
//!
//! Every component is kept ([`FactorTruth`]), so a method can be judged on
//! whether its Z recovers `u` and its S the shared part, which no real-data
//! number can tell.

use ndarray::Array2;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use crate::error::{DataError, Result};
use crate::returns::{FactorTruth, ReturnsPanel};

/// Market regimes a year draws from: `(name, daily drift, daily volatility)`.
pub const REGIMES: [(&str, f64, f64); 3] = [("bull", 0.0008, 0.008), ("bear", -0.0008, 0.018), ("calm", 0.0002, 0.011)];

/// Sizes and parameters of the factor model. [`Default`]: 500 stocks in 10
/// sectors over 10 years of 250 days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FactorModel {
    /// Number of stocks.
    pub stocks: usize,
    /// Number of sectors (stocks are spread evenly over them, in random order).
    pub sectors: usize,
    /// Number of years.
    pub years: usize,
    /// Trading days per year.
    pub days_per_year: usize,
    /// Seed of everything drawn.
    pub seed: u64,
    /// Daily drifts of the sector factors, spread evenly over `[lo, hi]` (in a random order).
    pub sector_drift: (f64, f64),
    /// AR(1) coefficients of the sector factors, spread evenly over `[lo, hi]`.
    pub sector_ar: (f64, f64),
    /// Daily volatilities of the sector factors' innovations, spread evenly
    /// over `[lo, hi]` (in a random order, so that they do not follow the AR coefficients).
    pub sector_vol: (f64, f64),
    /// Range of the loadings `beta_i` and `gamma_i` (uniform).
    pub loadings: (f64, f64),
    /// Range of the specific terms' AR(1) coefficients (uniform).
    pub specific_ar: (f64, f64),
    /// Range of the specific terms' daily innovation volatility (uniform).
    pub specific_vol: (f64, f64),
    /// Standard deviation of the stocks' own daily drifts (normal, mean 0).
    pub specific_drift_sd: f64,
}

impl Default for FactorModel {
    fn default() -> Self {
        FactorModel {
            stocks: 500,
            sectors: 10,
            years: 10,
            days_per_year: 250,
            seed: 0,
            sector_drift: (-0.0015, 0.0015),
            sector_ar: (-0.5, 0.8),
            sector_vol: (0.004, 0.024),
            loadings: (0.5, 1.5),
            specific_ar: (0.0, 0.4),
            specific_vol: (0.008, 0.02),
            specific_drift_sd: 0.0005,
        }
    }
}

impl FactorModel {
    /// Draws the panel: returns, sectors and the true components.
    pub fn generate(&self) -> Result<ReturnsPanel> {
        self.check()?;
        let (n, k, days) = (self.stocks, self.sectors, self.years * self.days_per_year);
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let normal = |rng: &mut ChaCha8Rng| -> f64 { rng.sample(StandardNormal) };
        let spread =
            |(lo, hi): (f64, f64), i: usize| if k == 1 { lo } else { lo + (hi - lo) * i as f64 / (k - 1) as f64 };
        let uniform = |rng: &mut ChaCha8Rng, (lo, hi): (f64, f64)| lo + (hi - lo) * rng.gen::<f64>();

        let mut sectors: Vec<usize> = (0..n).map(|i| i % k).collect();
        sectors.shuffle(&mut rng);
        let sector_ar: Vec<f64> = (0..k).map(|i| spread(self.sector_ar, i)).collect();
        let mut sector_vol: Vec<f64> = (0..k).map(|i| spread(self.sector_vol, i)).collect();
        sector_vol.shuffle(&mut rng);
        let mut sector_drift: Vec<f64> = (0..k).map(|i| spread(self.sector_drift, i)).collect();
        sector_drift.shuffle(&mut rng);
        let beta: Vec<f64> = (0..n).map(|_| uniform(&mut rng, self.loadings)).collect();
        let gamma: Vec<f64> = (0..n).map(|_| uniform(&mut rng, self.loadings)).collect();
        let rho: Vec<f64> = (0..n).map(|_| uniform(&mut rng, self.specific_ar)).collect();
        let vol: Vec<f64> = (0..n).map(|_| uniform(&mut rng, self.specific_vol)).collect();
        let drift: Vec<f64> = (0..n).map(|_| self.specific_drift_sd * normal(&mut rng)).collect();

        let regimes: Vec<usize> = (0..self.years).map(|_| rng.gen_range(0..REGIMES.len())).collect();
        let (mut market, mut sector, mut specific) =
            (Array2::zeros((days, n)), Array2::zeros((days, n)), Array2::zeros((days, n)));
        let mut f = sector_drift.clone();
        let mut u = drift.clone();
        for t in 0..days {
            let (_, m_drift, m_vol) = REGIMES[regimes[t / self.days_per_year]];
            let m = m_drift + m_vol * normal(&mut rng);
            for j in 0..k {
                f[j] = sector_drift[j] + sector_ar[j] * (f[j] - sector_drift[j]) + sector_vol[j] * normal(&mut rng);
            }
            for i in 0..n {
                u[i] = drift[i] + rho[i] * (u[i] - drift[i]) + vol[i] * normal(&mut rng);
                market[(t, i)] = beta[i] * m;
                sector[(t, i)] = gamma[i] * f[sectors[i]];
                specific[(t, i)] = u[i];
            }
        }
        Ok(ReturnsPanel {
            name: "factor-model".into(),
            returns: &market + &sector + &specific,
            tickers: (0..n).map(|i| format!("S{i:04}")).collect(),
            sectors,
            sector_names: (0..k)
                .map(|j| {
                    format!(
                        "sector {j} (drift {:+.4}, AR {:.2}, vol {:.4})",
                        sector_drift[j], sector_ar[j], sector_vol[j]
                    )
                })
                .collect(),
            corrections: Vec::new(),
            truth: Some(FactorTruth { market, sector, specific }),
        })
    }

    fn check(&self) -> Result<()> {
        let bad = |m: &str| Err(DataError::options("factor-model", m));
        if self.stocks == 0 || self.sectors == 0 || self.years == 0 || self.days_per_year == 0 {
            return bad("stocks, sectors, years and days_per_year must all be at least 1");
        }
        if self.sectors > self.stocks {
            return bad("more sectors than stocks");
        }
        let ranges =
            [self.sector_drift, self.sector_ar, self.sector_vol, self.loadings, self.specific_ar, self.specific_vol];
        if ranges.iter().any(|&(lo, hi)| !(lo.is_finite() && hi.is_finite() && lo <= hi)) {
            return bad("every range must be finite with lo <= hi");
        }
        if self.sector_ar.0 <= -1.0
            || self.sector_ar.1 >= 1.0
            || self.specific_ar.0 <= -1.0
            || self.specific_ar.1 >= 1.0
        {
            return bad("AR(1) coefficients must lie strictly between -1 and 1");
        }
        if self.sector_vol.0 < 0.0
            || self.specific_vol.0 < 0.0
            || self.specific_drift_sd.is_nan()
            || self.specific_drift_sd < 0.0
        {
            return bad("volatilities must be non-negative");
        }
        Ok(())
    }
}
