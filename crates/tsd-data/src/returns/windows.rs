//! Cutting a [`ReturnsPanel`] into samples: one sample is one stock's returns
//! over `input_days` consecutive days (the input), followed by `horizon` days
//! whose returns are what the downstream test predicts. The label is the
//! stock's sector.
//!
//! Splits never let the future into training: the days are cut into three
//! consecutive periods (train, then validation, then test) and every window
//! lies inside one period, horizon included; [`SplitKind::StocksAndTime`]
//! also gives each period its own stocks.

use ndarray::{s, Array2};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::{DataError, Result};
use crate::returns::ReturnsPanel;

/// Mean daily return subtracted before scaling (the first author's `prep_data`).
pub const RETURN_MEAN: f64 = 0.0007;
/// Daily return scale (ibid.).
pub const RETURN_SCALE: f64 = 0.04;
/// Scaled returns are clipped to `±CLIP` (4 standard deviations).
pub const CLIP: f64 = 4.0;

/// A daily return as the models see it: `(r - RETURN_MEAN) / RETURN_SCALE`,
/// clipped to `±CLIP`.
pub fn scale_return(r: f32) -> f32 {
    ((r as f64 - RETURN_MEAN) / RETURN_SCALE).clamp(-CLIP, CLIP) as f32
}

/// How a panel is split into train, validation and test samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitKind {
    /// Every stock in every part; the parts are consecutive periods.
    Time,
    /// Consecutive periods, and each part its own stocks (a seeded partition).
    StocksAndTime,
}

/// How windows are cut. [`Default`]: 100 input days, a 5-day horizon, a new
/// window every 5 days, split by time 60 / 20 / 20.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WindowOptions {
    /// Days of returns the model sees.
    pub input_days: usize,
    /// Days after the input whose returns the downstream test predicts.
    pub horizon: usize,
    /// Days between the starts of consecutive windows of a stock.
    pub stride: usize,
    /// How the parts are separated.
    pub split: SplitKind,
    /// Fraction of the days (and, for [`SplitKind::StocksAndTime`], of the stocks) for validation.
    pub val_fraction: f64,
    /// Fraction for test (the last days).
    pub test_fraction: f64,
    /// Seed of the stock partition.
    pub seed: u64,
}

impl Default for WindowOptions {
    fn default() -> Self {
        WindowOptions {
            input_days: 100,
            horizon: 5,
            stride: 5,
            split: SplitKind::Time,
            val_fraction: 0.2,
            test_fraction: 0.2,
            seed: 0,
        }
    }
}

/// Windows of one part. Paths (`raw`, `market`, `sector`, `truth`) cover the
/// input days and the horizon, `input_days + horizon` columns.
#[derive(Debug, Clone)]
pub struct SeriesSet {
    /// Name of the panel.
    pub name: String,
    /// Name of the label (`"sector"`).
    pub label_name: String,
    /// Name of each class.
    pub class_names: Vec<String>,
    /// Scaled, clipped input returns `(N, input_days)`: `(r - 0.0007) / 0.04` within ±4.
    pub inputs: Array2<f32>,
    /// Sector of each window's stock.
    pub labels: Vec<usize>,
    /// Stock of each window (column of the panel).
    pub stocks: Vec<usize>,
    /// First input day of each window (row of the panel).
    pub starts: Vec<usize>,
    /// The stock's raw returns over input and horizon.
    pub raw: Array2<f32>,
    /// Equal-weighted mean return of all other stocks, same days.
    pub market: Array2<f32>,
    /// Equal-weighted mean return of the other stocks of its sector, same days
    /// (the market mean for a sector of one stock).
    pub sector: Array2<f32>,
    /// The cross-section over each window's input days, `(N, (1 + K) *
    /// input_days)` for `K` sectors: the scaled, clipped mean return of all
    /// stocks, then of each sector's stocks in turn, day by day. It is the same
    /// for every stock on the same days, so it says nothing of the window's
    /// own sector; networks that condition on it (the cross-section network)
    /// read the shared paths from it.
    pub context: Array2<f32>,
    /// The true components (synthetic data only).
    pub truth: Option<WindowTruth>,
    /// Days of input.
    pub input_days: usize,
}

/// The true components of each window's returns, input and horizon.
#[derive(Debug, Clone)]
pub struct WindowTruth {
    /// `beta_i * m_t`.
    pub market: Array2<f32>,
    /// `gamma_i * f_{sector(i), t}`.
    pub sector: Array2<f32>,
    /// `u_it`.
    pub specific: Array2<f32>,
}

impl SeriesSet {
    /// Number of windows.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there is no window.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Number of classes of the label.
    pub fn n_classes(&self) -> usize {
        self.class_names.len()
    }

    /// Mean paths in [`SeriesSet::context`]: the market's, then one per sector.
    pub fn context_paths(&self) -> usize {
        1 + self.n_classes()
    }

    /// Each window's input followed by its context, `(N, (2 + K) * input_days)`:
    /// what a network conditioned on the cross-section takes.
    pub fn inputs_with_context(&self) -> Array2<f32> {
        ndarray::concatenate![ndarray::Axis(1), self.inputs, self.context]
    }

    /// Sum of each window's raw returns over the horizon.
    pub fn future_return(&self) -> Vec<f64> {
        horizon_sums(&self.raw, self.input_days)
    }
}

/// Row sums of `paths` over the columns from `from` on.
pub fn horizon_sums(paths: &Array2<f32>, from: usize) -> Vec<f64> {
    paths.rows().into_iter().map(|r| r.iter().skip(from).map(|&v| v as f64).sum()).collect()
}

/// Train, validation and test windows.
#[derive(Debug, Clone)]
pub struct SeriesSplits {
    /// Windows of the first period.
    pub train: SeriesSet,
    /// Windows of the middle period.
    pub val: SeriesSet,
    /// Windows of the last period.
    pub test: SeriesSet,
}

impl SeriesSplits {
    /// `("train", train)`, `("val", val)`, `("test", test)`.
    pub fn parts(&self) -> [(&'static str, &SeriesSet); 3] {
        [("train", &self.train), ("val", &self.val), ("test", &self.test)]
    }
}

/// Cuts `panel` into windows and splits them per `opts`.
pub fn split(panel: &ReturnsPanel, opts: &WindowOptions) -> Result<SeriesSplits> {
    let bad = |m: String| DataError::options(&panel.name, m);
    let (days, stocks) = (panel.days(), panel.stocks());
    let fractions_ok = (0.0..1.0).contains(&opts.val_fraction)
        && (0.0..1.0).contains(&opts.test_fraction)
        && opts.val_fraction + opts.test_fraction < 1.0;
    if !fractions_ok || opts.input_days == 0 || opts.stride == 0 {
        return Err(bad(
            "input_days and stride must be positive, the val and test fractions in [0, 1) with a sum below 1".into(),
        ));
    }
    let span = opts.input_days + opts.horizon;
    let test_start = days - (days as f64 * opts.test_fraction).round() as usize;
    let val_start = test_start - (days as f64 * opts.val_fraction).round() as usize;
    let periods = [(0, val_start), (val_start, test_start), (test_start, days)];
    for (name, (a, b)) in ["train", "validation", "test"].iter().zip(periods) {
        if b - a < span {
            return Err(bad(format!(
                "the {name} period has {} days, fewer than a window's {span} (input {} + horizon {}): \
                 lower input_days or change the fractions",
                b - a,
                opts.input_days,
                opts.horizon
            )));
        }
    }
    let stock_parts: [Vec<usize>; 3] = match opts.split {
        SplitKind::Time => std::array::from_fn(|_| (0..stocks).collect()),
        SplitKind::StocksAndTime => {
            let mut order: Vec<usize> = (0..stocks).collect();
            order.shuffle(&mut ChaCha8Rng::seed_from_u64(opts.seed));
            let n_test = (stocks as f64 * opts.test_fraction).round() as usize;
            let n_val = (stocks as f64 * opts.val_fraction).round() as usize;
            if n_test == 0 || n_val == 0 || n_test + n_val >= stocks {
                return Err(bad(format!("{stocks} stocks are too few to give each part its own")));
            }
            let mut parts =
                [order[n_test + n_val..].to_vec(), order[n_test..n_test + n_val].to_vec(), order[..n_test].to_vec()];
            parts.iter_mut().for_each(|p| p.sort_unstable());
            parts
        }
    };
    let means = CrossSection::new(panel);
    let [train, val, test] = std::array::from_fn(|i| cut(panel, &means, &stock_parts[i], periods[i], opts));
    Ok(SeriesSplits { train, val, test })
}

/// Day sums of all stocks and of each sector, for leave-one-out means.
struct CrossSection {
    all: Vec<f64>,
    by_sector: Array2<f64>,
    sector_sizes: Vec<usize>,
    /// Each day's context, scaled: the mean of all stocks, then of each
    /// sector's stocks (0 for an empty sector), `(days, 1 + K)`.
    context: Array2<f32>,
}

impl CrossSection {
    fn new(panel: &ReturnsPanel) -> CrossSection {
        let k = panel.sector_names.len();
        let mut by_sector = Array2::zeros((panel.days(), k));
        for (i, &s) in panel.sectors.iter().enumerate() {
            let mut col = by_sector.column_mut(s);
            col += &panel.returns.column(i);
        }
        let all: Vec<f64> = by_sector.rows().into_iter().map(|r| r.sum()).collect();
        let sector_sizes = panel.sector_counts();
        let n = panel.stocks().max(1) as f64;
        let context = Array2::from_shape_fn((panel.days(), 1 + k), |(day, p)| {
            let mean = match p {
                0 => all[day] / n,
                _ if sector_sizes[p - 1] == 0 => 0.0,
                _ => by_sector[(day, p - 1)] / sector_sizes[p - 1] as f64,
            };
            scale_return(mean as f32)
        });
        CrossSection { all, by_sector, sector_sizes, context }
    }

    /// Mean of the other stocks on `day`, and of the other stocks of `stock`'s sector.
    fn means(&self, panel: &ReturnsPanel, day: usize, stock: usize) -> (f64, f64) {
        let own = panel.returns[(day, stock)];
        let n = panel.stocks();
        let market = if n > 1 { (self.all[day] - own) / (n - 1) as f64 } else { 0.0 };
        let s = panel.sectors[stock];
        let size = self.sector_sizes[s];
        let sector = if size > 1 { (self.by_sector[(day, s)] - own) / (size - 1) as f64 } else { market };
        (market, sector)
    }
}

fn cut(
    panel: &ReturnsPanel,
    means: &CrossSection,
    stocks: &[usize],
    (from, to): (usize, usize),
    opts: &WindowOptions,
) -> SeriesSet {
    let span = opts.input_days + opts.horizon;
    let starts_per_stock: Vec<usize> = (from..=to - span).step_by(opts.stride).collect();
    let n = stocks.len() * starts_per_stock.len();
    let mut raw = Array2::<f32>::zeros((n, span));
    let (mut market, mut sector) = (raw.clone(), raw.clone());
    let mut truth = panel.truth.as_ref().map(|_| (raw.clone(), raw.clone(), raw.clone()));
    let l = opts.input_days;
    let paths = means.context.ncols();
    let mut context = Array2::<f32>::zeros((n, paths * l));
    let (mut labels, mut window_stocks, mut starts) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let mut row = 0;
    for &stock in stocks {
        for &start in &starts_per_stock {
            for d in 0..span {
                let day = start + d;
                raw[(row, d)] = panel.returns[(day, stock)] as f32;
                let (m, s) = means.means(panel, day, stock);
                market[(row, d)] = m as f32;
                sector[(row, d)] = s as f32;
                if let (Some((tm, ts, tu)), Some(t)) = (truth.as_mut(), panel.truth.as_ref()) {
                    tm[(row, d)] = t.market[(day, stock)] as f32;
                    ts[(row, d)] = t.sector[(day, stock)] as f32;
                    tu[(row, d)] = t.specific[(day, stock)] as f32;
                }
            }
            for d in 0..l {
                for p in 0..paths {
                    context[(row, p * l + d)] = means.context[(start + d, p)];
                }
            }
            labels.push(panel.sectors[stock]);
            window_stocks.push(stock);
            starts.push(start);
            row += 1;
        }
    }
    let inputs = raw.slice(s![.., ..opts.input_days]).mapv(scale_return);
    SeriesSet {
        name: panel.name.clone(),
        label_name: "sector".into(),
        class_names: panel.sector_names.clone(),
        inputs,
        labels,
        stocks: window_stocks,
        starts,
        raw,
        market,
        sector,
        context,
        truth: truth.map(|(market, sector, specific)| WindowTruth { market, sector, specific }),
        input_days: opts.input_days,
    }
}
