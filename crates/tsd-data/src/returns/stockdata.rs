//! Daily closing prices of 452 S&P 500 stocks over 1,258 trading days
//! (2003-2007), with tickers and GICS sectors: `stockdata` of the R package
//! `huge` (GPL-2), shipped by Debian's `r-cran-huge` as `data/stockdata.rda`.
//!
//! The prices are not split-adjusted. [`read`] turns them into daily returns
//! and corrects each one-day jump that a split explains ([`split_factor`]),
//! listing every correction it made.

use std::path::{Path, PathBuf};

use ndarray::Array2;
use serde::Serialize;

use crate::error::{DataError, Result};
use crate::locate::data_dirs;
use crate::rdata::{self, RObject};
use crate::returns::ReturnsPanel;

/// Name of the file, in the `returns/` folder of a data folder.
pub const STOCKDATA_FILE: &str = "stockdata.rda";
/// Where Debian's `r-cran-huge` installs it.
pub const DEBIAN_PATH: &str = "/usr/lib/R/site-library/huge/data/stockdata.rda";
/// How to get it (printed when it is missing).
pub const HOW_TO_GET: &str = "get it with `scripts/get-stockdata` (it runs `apt-get download r-cran-huge` and \
     `dpkg-deb -x`, and copies data/stockdata.rda into data/returns/), or `apt-get install r-cran-huge`";

/// Smallest one-day move (in |log price ratio|) considered as a split: 0.25,
/// a 22 % fall or a 28 % rise.
pub const MIN_SPLIT_MOVE: f64 = 0.25;
/// Largest |log| return left after a split correction: 0.06 (6 %).
pub const MAX_RESIDUAL_MOVE: f64 = 0.06;
/// Split factors tried: forward splits (2:1, 3:2, 3:1, 4:1, 5:1) and reverse
/// splits 1:2 to 1:10.
const SPLIT_FACTORS: [f64; 14] =
    [2.0, 1.5, 3.0, 4.0, 5.0, 0.5, 1.0 / 3.0, 0.25, 0.2, 1.0 / 6.0, 1.0 / 7.0, 0.125, 1.0 / 9.0, 0.1];

/// One return corrected as a split.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SplitCorrection {
    /// Stock (column of the panel).
    pub stock: usize,
    /// Its ticker.
    pub ticker: String,
    /// Day of the return (row of the panel; the price moved from day `day` to `day + 1`).
    pub day: usize,
    /// The price ratio `p_{t} / p_{t-1}` found.
    pub ratio: f64,
    /// The split factor that explains it (2 for a 2:1 split, 0.125 for 1:8).
    pub factor: f64,
    /// The return after correction, `ratio * factor - 1`.
    pub corrected: f64,
}

/// The split factor explaining a one-day price ratio, if any: the ratio moves
/// by at least [`MIN_SPLIT_MOVE`] and `ratio * factor` is within
/// [`MAX_RESIDUAL_MOVE`] of 1 (the closest factor wins).
///
/// ```
/// use tsd_data::returns::stockdata::split_factor;
/// assert_eq!(split_factor(0.497), Some(2.0));
/// assert_eq!(split_factor(7.79), Some(0.125)); // a 1:8 reverse split
/// assert_eq!(split_factor(0.80), None); // a 20 % fall
/// assert_eq!(split_factor(0.58), None); // explained by no split
/// ```
pub fn split_factor(ratio: f64) -> Option<f64> {
    if ratio.is_nan() || ratio <= 0.0 || ratio.ln().abs() < MIN_SPLIT_MOVE {
        return None;
    }
    SPLIT_FACTORS
        .iter()
        .map(|&k| (k, (ratio * k).ln().abs()))
        .filter(|&(_, residual)| residual <= MAX_RESIDUAL_MOVE)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(k, _)| k)
}

/// Where `stockdata.rda` is: `returns/stockdata.rda` under the first data
/// folder that has it (see [`crate::locate`]), else Debian's install path.
pub fn locate(explicit: Option<&Path>) -> Result<PathBuf> {
    let dirs: Vec<PathBuf> = data_dirs(explicit).into_iter().map(|d| d.join("returns")).collect();
    if let Some(dir) = dirs.iter().find(|d| d.join(STOCKDATA_FILE).is_file()) {
        return Ok(dir.join(STOCKDATA_FILE));
    }
    if explicit.is_none() && Path::new(DEBIAN_PATH).is_file() {
        return Ok(PathBuf::from(DEBIAN_PATH));
    }
    let mut searched = dirs;
    if explicit.is_none() {
        searched.push(PathBuf::from(DEBIAN_PATH).parent().map(Path::to_path_buf).unwrap_or_default());
    }
    Err(DataError::MissingDataset {
        dataset: "returns".into(),
        states: searched
            .iter()
            .map(|d| if d.is_dir() { format!("no {STOCKDATA_FILE}") } else { "no such folder".into() })
            .collect(),
        searched,
        expected: vec![STOCKDATA_FILE.into()],
        hint: Some(format!("{STOCKDATA_FILE} is not shipped with tsd: {HOW_TO_GET}")),
    })
}

/// Reads `stockdata.rda` (or a file of the same layout: a list with `data`, a
/// `(days, stocks)` double matrix of positive prices, and `info`, a
/// `(stocks, 2+)` character matrix of ticker and sector) into returns with
/// split jumps corrected.
pub fn read(path: &Path) -> Result<ReturnsPanel> {
    let objects = rdata::read(path)?;
    let bad = |message: String| DataError::BadContent { path: path.to_path_buf(), message };
    let (name, list) = objects
        .iter()
        .find(|(n, _)| n == "stockdata")
        .or(objects.first())
        .ok_or_else(|| bad("the file holds no object".into()))?;
    let field = |f: &str| -> Result<&RObject> {
        list.get(f).ok_or_else(|| bad(format!("`{name}` is a {} without a `{f}` element", list.describe())))
    };
    let data = field("data")?;
    let (days, stocks, prices) = data
        .real_matrix()
        .ok_or_else(|| bad(format!("`{name}$data` is a {}, expected a double matrix of prices", data.describe())))?;
    let info = field("info")?;
    let (rows, cols, info) = info.character_matrix().filter(|&(_, cols, _)| cols >= 2).ok_or_else(|| {
        bad(format!("`{name}$info` is a {}, expected a character matrix (ticker, sector, …)", info.describe()))
    })?;
    if rows != stocks {
        return Err(DataError::CountMismatch {
            images: path.to_path_buf(),
            n_images: stocks,
            labels: path.to_path_buf(),
            n_labels: rows,
        });
    }
    if days < 2 {
        return Err(bad(format!("`{name}$data` has {days} day(s) of prices: returns need at least 2")));
    }
    let _ = cols;
    let text = |i: usize, what: &str| -> Result<String> {
        info[i]
            .clone()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad(format!("`{name}$info` has no {what} for stock #{}", i % rows)))
    };
    let tickers = (0..stocks).map(|i| text(i, "ticker")).collect::<Result<Vec<_>>>()?;
    let sector_of = (0..stocks).map(|i| text(rows + i, "sector")).collect::<Result<Vec<_>>>()?;
    let mut sector_names = sector_of.clone();
    sector_names.sort();
    sector_names.dedup();
    let sectors = sector_of.iter().map(|s| sector_names.binary_search(s).expect("listed")).collect();

    let mut returns = Array2::zeros((days - 1, stocks));
    let mut corrections = Vec::new();
    for stock in 0..stocks {
        let p = &prices[stock * days..(stock + 1) * days];
        if let Some(t) = p.iter().position(|&x| !(x.is_finite() && x > 0.0)) {
            return Err(bad(format!(
                "`{name}$data`: price of {} on day {t} is {}, expected a positive number",
                tickers[stock], p[t]
            )));
        }
        for day in 0..days - 1 {
            let ratio = p[day + 1] / p[day];
            returns[(day, stock)] = match split_factor(ratio) {
                Some(factor) => {
                    let corrected = ratio * factor - 1.0;
                    corrections.push(SplitCorrection {
                        stock,
                        ticker: tickers[stock].clone(),
                        day,
                        ratio,
                        factor,
                        corrected,
                    });
                    corrected
                }
                None => ratio - 1.0,
            };
        }
    }
    Ok(ReturnsPanel { name: "stockdata".into(), returns, tickers, sectors, sector_names, corrections, truth: None })
}
