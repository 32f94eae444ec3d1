//! Daily stock returns for the paper's financial experiment: real S&P 500
//! prices ([`stockdata`], from the Debian package `r-cran-huge`), a factor
//! model with known truth ([`factor_model`]), and the windows both are cut
//! into ([`windows`]).
//!
//! A [`ReturnsPanel`] is a `(days, stocks)` matrix of simple daily returns with
//! each stock's ticker and sector; the synthetic one also carries the true
//! components of every return ([`FactorTruth`]).

pub mod factor_model;
pub mod stockdata;
pub mod windows;

use ndarray::Array2;

pub use factor_model::FactorModel;
pub use stockdata::{SplitCorrection, STOCKDATA_FILE};
pub use windows::{SeriesSet, SeriesSplits, SplitKind, WindowOptions};

/// Daily returns of a set of stocks, with their tickers and sectors.
#[derive(Debug, Clone)]
pub struct ReturnsPanel {
    /// `"stockdata"` (real) or `"factor-model"` (synthetic).
    pub name: String,
    /// Simple daily returns `(days, stocks)`: `p_t / p_{t-1} - 1`.
    pub returns: Array2<f64>,
    /// Ticker of each stock.
    pub tickers: Vec<String>,
    /// Sector of each stock, in `0..sector_names.len()`.
    pub sectors: Vec<usize>,
    /// Sector names.
    pub sector_names: Vec<String>,
    /// One-day price jumps corrected as splits (real data only).
    pub corrections: Vec<SplitCorrection>,
    /// The true components of every return (synthetic data only).
    pub truth: Option<FactorTruth>,
}

/// The known components of a synthetic return: `r = market + sector + specific`.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorTruth {
    /// `beta_i * m_t`, `(days, stocks)`.
    pub market: Array2<f64>,
    /// `gamma_i * f_{sector(i), t}`, `(days, stocks)`.
    pub sector: Array2<f64>,
    /// The stock-specific term `u_it`, `(days, stocks)`.
    pub specific: Array2<f64>,
}

impl ReturnsPanel {
    /// Number of trading days (of returns).
    pub fn days(&self) -> usize {
        self.returns.nrows()
    }

    /// Number of stocks.
    pub fn stocks(&self) -> usize {
        self.returns.ncols()
    }

    /// Number of stocks in each sector.
    pub fn sector_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.sector_names.len()];
        for &s in &self.sectors {
            counts[s] += 1;
        }
        counts
    }
}
