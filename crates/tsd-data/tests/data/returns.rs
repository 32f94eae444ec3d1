//! R data files, the stockdata reader (split corrections, bad input), the
//! factor model and the windows cut from a returns panel.

use std::path::Path;

use proptest::prelude::*;
use tempfile::tempdir;
use tsd_data::rdata::{self, Compression, RObject, RValue};
use tsd_data::returns::windows::{self, RETURN_MEAN, RETURN_SCALE};
use tsd_data::returns::{stockdata, FactorModel, ReturnsPanel, SplitKind, WindowOptions};
use tsd_data::DataError;

/// A stockdata-like file: `prices[stock][day]`, tickers and sectors.
fn stockdata_file(path: &Path, prices: &[Vec<f64>], sectors: &[&str], compression: Compression) {
    let days = prices[0].len();
    let data = RObject::real(prices.concat()).with_dim(&[days, prices.len()]);
    let tickers: Vec<String> = (0..prices.len()).map(|i| format!("T{i}")).collect();
    let names: Vec<String> = (0..prices.len()).map(|i| format!("Company {i}")).collect();
    let info_values: Vec<String> =
        tickers.iter().cloned().chain(sectors.iter().map(|s| s.to_string())).chain(names).collect();
    let info = RObject::strings(info_values).with_dim(&[prices.len(), 3]);
    let list = RObject::named_list(vec![("data", data), ("info", info)]);
    rdata::write(path, &[("stockdata", list)], compression).unwrap();
}

/// Prices of `n` stocks over `days` days moving by small, distinct returns.
fn smooth_prices(n: usize, days: usize) -> Vec<Vec<f64>> {
    (0..n)
        .map(|i| {
            let mut p = 20.0 + i as f64;
            (0..days)
                .map(|t| {
                    let v = p;
                    p *= 1.0 + 0.01 * (((i * 7 + t * 3) % 11) as f64 - 5.0) / 5.0;
                    v
                })
                .collect()
        })
        .collect()
}

#[test]
fn round_trip_of_every_supported_type() {
    let dir = tempdir().unwrap();
    let obj = RObject::named_list(vec![
        ("reals", RObject::real(vec![1.5, f64::NAN, -2.0]).with_dim(&[3, 1])),
        ("ints", RObject::new(RValue::Integer(vec![Some(1), None, Some(-7)]))),
        ("logicals", RObject::new(RValue::Logical(vec![Some(true), Some(false), None]))),
        ("strings", RObject::new(RValue::Character(vec![Some("a".into()), None, Some("é".into())]))),
        ("nested", RObject::named_list(vec![("empty", RObject::new(RValue::Null))])),
    ]);
    for compression in [Compression::None, Compression::Gzip, Compression::Bzip2] {
        let p = dir.path().join(format!("{compression:?}.rda"));
        rdata::write(&p, &[("x", obj.clone()), ("y", RObject::real(vec![3.0]))], compression).unwrap();
        let back = rdata::read(&p).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!((back[0].0.as_str(), back[1].0.as_str()), ("x", "y"));
        let x = &back[0].1;
        assert_eq!(x.names().unwrap(), ["reals", "ints", "logicals", "strings", "nested"]);
        let RValue::Real(r) = &x.get("reals").unwrap().value else { panic!() };
        assert!(r[0] == 1.5 && r[1].is_nan() && r[2] == -2.0);
        assert_eq!(x.get("reals").unwrap().dim(), Some(vec![3, 1]));
        assert_eq!(x.get("ints").unwrap(), obj.get("ints").unwrap());
        assert_eq!(x.get("logicals").unwrap(), obj.get("logicals").unwrap());
        assert_eq!(x.get("strings").unwrap(), obj.get("strings").unwrap());
        assert_eq!(x.get("nested").unwrap().get("empty").unwrap().value, RValue::Null);
        assert_eq!(x.get("reals").unwrap().describe(), "double matrix");
    }
}

#[test]
fn rdata_errors_name_the_file() {
    let dir = tempdir().unwrap();
    let good = dir.path().join("good.rda");
    rdata::write(&good, &[("m", RObject::real(vec![1.0, 2.0]))], Compression::None).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let check = |name: &str, content: &[u8], want: fn(&DataError) -> bool| {
        let p = dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        let e = rdata::read(&p).unwrap_err();
        assert!(want(&e), "{name}: {e:?}");
        assert_eq!(e.path(), Some(p.as_path()));
        assert!(e.to_string().contains(&p.display().to_string()), "{e}");
    };
    check("magic", b"PK\x03\x04 not R", |e| matches!(e, DataError::BadMagic { .. }));
    check("ascii", b"RDA2\nA\n2\n", |e| matches!(e, DataError::BadMagic { .. }));
    check("truncated", &bytes[..bytes.len() - 5], |e| matches!(e, DataError::Truncated { .. }));
    check("trailing", &[bytes.as_slice(), &[0, 0]].concat(), |e| matches!(e, DataError::BadContent { .. }));
    check("xz", &[0xfd, b'7', b'z', b'X', b'Z', 0, 1, 2], |e| e.to_string().contains("xz-compressed"));
    check("bzip2", b"BZh91AY&SY not really", |e| e.to_string().contains("corrupt bzip2"));
    // A complex vector (type 15) where a value should be.
    let mut complex = bytes[..bytes.len() - 4 - 4 - 16 - 4].to_vec();
    let tail = &bytes[bytes.len() - 4 - 4 - 16 - 4..];
    assert_eq!(&tail[..4], &14u32.to_be_bytes(), "the REALSXP header");
    complex.extend_from_slice(&15u32.to_be_bytes());
    complex.extend_from_slice(&tail[4..]);
    check("complex", &complex, |e| e.to_string().contains("complex vector"));
    // A vector announcing more elements than the file holds is refused before allocating.
    let mut huge = bytes.clone();
    let at = bytes.len() - 4 - 16 - 4;
    huge[at..at + 4].copy_from_slice(&0x7fff_ffffu32.to_be_bytes());
    check("huge", &huge, |e| matches!(e, DataError::Truncated { .. }));
}

#[test]
fn stockdata_corrects_split_jumps_and_lists_them() {
    let dir = tempdir().unwrap();
    let mut prices = smooth_prices(4, 30);
    prices[1][10..].iter_mut().for_each(|p| *p /= 2.0); // a 2:1 split before day 10
    prices[2][20..].iter_mut().for_each(|p| *p *= 8.0); // a 1:8 reverse split
    prices[3][15..].iter_mut().for_each(|p| *p *= 0.6); // a 40 % fall no split explains
    let p = dir.path().join("stockdata.rda");
    stockdata_file(&p, &prices, &["Energy", "Utilities", "Energy", "Financials"], Compression::Bzip2);
    let panel = stockdata::read(&p).unwrap();
    assert_eq!((panel.days(), panel.stocks()), (29, 4));
    assert_eq!(panel.tickers, ["T0", "T1", "T2", "T3"]);
    assert_eq!(panel.sector_names, ["Energy", "Financials", "Utilities"]);
    assert_eq!(panel.sectors, [0, 2, 0, 1]);
    let found: Vec<(usize, usize, f64)> = panel.corrections.iter().map(|c| (c.stock, c.day, c.factor)).collect();
    assert_eq!(found, [(1, 9, 2.0), (2, 19, 0.125)]);
    let smooth = smooth_prices(4, 30);
    for c in &panel.corrections {
        let truth = smooth[c.stock][c.day + 1] / smooth[c.stock][c.day] - 1.0;
        assert!((panel.returns[(c.day, c.stock)] - truth).abs() < 1e-12);
    }
    assert!((panel.returns[(14, 3)] - (-0.4 + 0.6 * (smooth[3][15] / smooth[3][14] - 1.0))).abs() < 1e-12);
    assert!(panel.returns.iter().filter(|r| r.abs() > 0.2).count() == 1, "only the unexplained fall stays large");
}

#[test]
fn stockdata_refuses_bad_content() {
    let dir = tempdir().unwrap();
    let p = dir.path().join("s.rda");
    let mut prices = smooth_prices(2, 5);
    prices[1][3] = 0.0;
    stockdata_file(&p, &prices, &["A", "B"], Compression::None);
    let e = stockdata::read(&p).unwrap_err();
    assert!(e.to_string().contains("price of T1 on day 3 is 0"), "{e}");
    // `data` of the wrong type.
    let list = RObject::named_list(vec![
        ("data", RObject::strings(["x"])),
        ("info", RObject::strings(["T", "A"]).with_dim(&[1, 2])),
    ]);
    rdata::write(&p, &[("stockdata", list)], Compression::Gzip).unwrap();
    let e = stockdata::read(&p).unwrap_err();
    assert!(
        matches!(e, DataError::BadContent { .. })
            && e.to_string().contains("character vector, expected a double matrix"),
        "{e}"
    );
    // No `info`.
    let list = RObject::named_list(vec![("data", RObject::real(vec![1.0; 4]).with_dim(&[2, 2]))]);
    rdata::write(&p, &[("stockdata", list)], Compression::Gzip).unwrap();
    assert!(stockdata::read(&p).unwrap_err().to_string().contains("without a `info` element"));
    // Info for another number of stocks.
    let info = RObject::strings(["T", "A"]).with_dim(&[1, 2]);
    let list = RObject::named_list(vec![("data", RObject::real(vec![1.0; 4]).with_dim(&[2, 2])), ("info", info)]);
    rdata::write(&p, &[("stockdata", list)], Compression::Gzip).unwrap();
    assert!(matches!(stockdata::read(&p).unwrap_err(), DataError::CountMismatch { n_images: 2, n_labels: 1, .. }));
}

#[test]
fn missing_stockdata_says_how_to_get_it() {
    let dir = tempdir().unwrap();
    let e = stockdata::locate(Some(dir.path())).unwrap_err();
    assert!(matches!(e, DataError::MissingDataset { .. }));
    assert!(e.to_string().contains("get-stockdata") && e.to_string().contains("r-cran-huge"), "{e}");
    std::fs::create_dir_all(dir.path().join("returns")).unwrap();
    std::fs::write(dir.path().join("returns/stockdata.rda"), b"").unwrap();
    assert_eq!(stockdata::locate(Some(dir.path())).unwrap(), dir.path().join("returns/stockdata.rda"));
}

fn small_model(seed: u64) -> FactorModel {
    FactorModel { stocks: 30, sectors: 3, years: 2, days_per_year: 100, seed, ..FactorModel::default() }
}

#[test]
fn factor_model_is_seeded_and_its_parts_add_up() {
    let a = small_model(1).generate().unwrap();
    assert_eq!(a.returns, small_model(1).generate().unwrap().returns);
    assert_ne!(a.returns, small_model(2).generate().unwrap().returns);
    assert_eq!((a.days(), a.stocks()), (200, 30));
    assert_eq!(a.sector_counts(), [10, 10, 10]);
    let t = a.truth.as_ref().unwrap();
    let sum = &t.market + &t.sector + &t.specific;
    assert!(sum.iter().zip(&a.returns).all(|(x, y)| (x - y).abs() < 1e-15));
    // Stocks of one sector share one factor: their sector parts are proportional.
    let same: Vec<usize> = (0..30).filter(|&i| a.sectors[i] == a.sectors[0]).collect();
    let ratio = |t_: usize| t.sector[(t_, same[1])] / t.sector[(t_, same[0])];
    assert!((ratio(5) - ratio(50)).abs() < 1e-9);
    // Every component moves.
    for part in [&t.market, &t.sector, &t.specific] {
        assert!(part.std(0.0) > 1e-3);
    }
    assert!(FactorModel { sectors: 40, ..small_model(0) }.generate().is_err());
    assert!(FactorModel { sector_ar: (0.5, 1.0), ..small_model(0) }.generate().is_err());
}

#[test]
fn windows_keep_the_future_out_of_training() {
    let panel = small_model(3).generate().unwrap();
    let opts = WindowOptions { input_days: 20, horizon: 5, stride: 3, ..WindowOptions::default() };
    let s = windows::split(&panel, &opts).unwrap();
    let last_day = |set: &tsd_data::returns::SeriesSet| set.starts.iter().map(|&d| d + 25).max().unwrap();
    let first_day = |set: &tsd_data::returns::SeriesSet| *set.starts.iter().min().unwrap();
    assert!(last_day(&s.train) <= first_day(&s.val) && last_day(&s.val) <= first_day(&s.test));
    assert_eq!(s.train.inputs.dim().1, 20);
    assert_eq!(s.train.raw.dim().1, 25);
    // Every window is its stock's returns, scaled and clipped.
    let (i, stock, start) = (7, s.test.stocks[7], s.test.starts[7]);
    for d in 0..20 {
        let r = panel.returns[(start + d, stock)];
        let want = ((r - RETURN_MEAN) / RETURN_SCALE).clamp(-4.0, 4.0) as f32;
        assert!((s.test.inputs[(i, d)] - want).abs() < 1e-6);
    }
    assert_eq!(s.test.labels[7], panel.sectors[stock]);
    // Leave-one-out means of the market and the sector.
    let day = start + 3;
    let others: Vec<usize> = (0..30).filter(|&j| j != stock).collect();
    let market = others.iter().map(|&j| panel.returns[(day, j)]).sum::<f64>() / 29.0;
    let peers: Vec<usize> = others.iter().copied().filter(|&j| panel.sectors[j] == panel.sectors[stock]).collect();
    let sector = peers.iter().map(|&j| panel.returns[(day, j)]).sum::<f64>() / peers.len() as f64;
    assert!((s.test.market[(i, 3)] as f64 - market).abs() < 1e-6);
    assert!((s.test.sector[(i, 3)] as f64 - sector).abs() < 1e-6);
    // The context: the day's mean of all stocks, then of each sector, scaled;
    // the same for every window of those days, whatever its sector.
    let scaled = |r: f64| ((r - RETURN_MEAN) / RETURN_SCALE).clamp(-4.0, 4.0) as f32;
    assert_eq!((s.test.context_paths(), s.test.context.dim().1), (4, 4 * 20));
    let all = (0..30).map(|j| panel.returns[(day, j)]).sum::<f64>() / 30.0;
    assert!((s.test.context[(i, 3)] - scaled(all)).abs() < 1e-6);
    let sector_j = |k: usize| (0..30).filter(|&j| panel.sectors[j] == k).collect::<Vec<_>>();
    for k in 0..3 {
        let mean = sector_j(k).iter().map(|&j| panel.returns[(day, j)]).sum::<f64>() / sector_j(k).len() as f64;
        assert!((s.test.context[(i, (1 + k) * 20 + 3)] - scaled(mean)).abs() < 1e-6);
    }
    let twin = (0..s.test.len()).find(|&j| s.test.starts[j] == start && s.test.labels[j] != s.test.labels[i]).unwrap();
    assert_eq!(s.test.context.row(i), s.test.context.row(twin));
    let both = s.test.inputs_with_context();
    assert_eq!(both.dim().1, 5 * 20);
    assert_eq!(both.row(i).slice(ndarray::s![..20]), s.test.inputs.row(i));
    let truth = s.test.truth.as_ref().unwrap();
    assert!((truth.specific[(i, 3)] as f64 - panel.truth.as_ref().unwrap().specific[(day, stock)]).abs() < 1e-6);
    let future = s.test.future_return()[i];
    let want: f64 = (20..25).map(|d| panel.returns[(start + d, stock)]).sum();
    assert!((future - want).abs() < 1e-5);
}

#[test]
fn stocks_and_time_split_gives_each_part_its_own_stocks() {
    let panel = small_model(4).generate().unwrap();
    let opts = WindowOptions {
        input_days: 20,
        horizon: 5,
        stride: 10,
        split: SplitKind::StocksAndTime,
        ..WindowOptions::default()
    };
    let s = windows::split(&panel, &opts).unwrap();
    let stocks = |set: &tsd_data::returns::SeriesSet| {
        let mut v = set.stocks.clone();
        v.sort_unstable();
        v.dedup();
        v
    };
    let (a, b, c) = (stocks(&s.train), stocks(&s.val), stocks(&s.test));
    assert_eq!((a.len(), b.len(), c.len()), (18, 6, 6));
    assert!(a.iter().all(|x| !b.contains(x) && !c.contains(x)) && b.iter().all(|x| !c.contains(x)));
    // Too long a window for the periods is a clear error.
    let long = WindowOptions { input_days: 60, ..opts };
    let e = windows::split(&panel, &long).unwrap_err();
    assert!(e.to_string().contains("fewer than a window's 65"), "{e}");
}

#[test]
fn panel_without_truth_has_windows_without_truth() {
    let mut panel: ReturnsPanel = small_model(5).generate().unwrap();
    panel.truth = None;
    let s = windows::split(&panel, &WindowOptions { input_days: 20, stride: 20, ..WindowOptions::default() }).unwrap();
    assert!(s.train.truth.is_none() && !s.train.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Mutated R data files (raw or bzip2) give `Ok` or `Err`, never a panic.
    #[test]
    fn mutated_rdata(muts in prop::collection::vec((any::<usize>(), any::<u8>()), 1..4), cut in any::<usize>(), bz in any::<bool>()) {
        let dir = tempdir().unwrap();
        let p = dir.path().join("x.rda");
        stockdata_file(&p, &smooth_prices(3, 4), &["A", "B", "A"], if bz { Compression::Bzip2 } else { Compression::None });
        let mut bytes = std::fs::read(&p).unwrap();
        for (pos, v) in muts {
            let n = bytes.len();
            bytes[pos % n] = v;
        }
        if cut % 3 == 0 {
            bytes.truncate(cut % (bytes.len() + 1));
        }
        std::fs::write(&p, &bytes).unwrap();
        let _ = rdata::read(&p);
        let _ = stockdata::read(&p);
    }
}
