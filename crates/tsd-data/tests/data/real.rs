//! Tests on the real data, when it is present (located as `tsd data` would:
//! `TSD_DATA_DIR`, `<workspace>/data`, `<workspace>/../shared/data`).
//! Each test prints a note and passes when its dataset is absent.

use std::time::Instant;

use tsd_data::{load_with_plan, locate, DatasetKind, LoadOptions, SplitIndices, Splits};

fn load_real(kind: DatasetKind, opts: &LoadOptions) -> Option<(Splits, SplitIndices)> {
    if let Err(e) = locate(kind, None) {
        eprintln!("skipping: real {kind} data not found:\n{e}");
        return None;
    }
    let start = Instant::now();
    let out = load_with_plan(kind, opts).unwrap();
    eprintln!("{kind} loaded in {:.2} s", start.elapsed().as_secs_f64());
    Some(out)
}

#[test]
fn real_mnist() {
    let Some((s, plan)) = load_real(DatasetKind::Mnist, &LoadOptions::default()) else {
        return;
    };
    plan.check().unwrap();
    assert_eq!((s.train.len(), s.val.len(), s.test.len()), (58_000, 2_000, 10_000));
    assert_eq!(s.train.image_shape(), (1, 28, 28));
    // Label counts of the whole training file, before the hold-out.
    let mut counts = s.train.class_counts();
    for (c, v) in counts.iter_mut().zip(s.val.class_counts()) {
        *c += v;
    }
    assert_eq!(counts, vec![5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    assert_eq!(s.test.class_counts(), vec![980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    // First training labels 5 0 4 1 9, wherever the hold-out put them.
    let mut first = Vec::new();
    for i in 0..5 {
        let label = match plan.train.binary_search(&i) {
            Ok(k) => s.train.labels[k],
            Err(_) => s.val.labels[plan.val.binary_search(&i).unwrap()],
        };
        first.push(label);
    }
    assert_eq!(first, vec![5, 0, 4, 1, 9]);
    // Pixels span 0..=255 and the first image is not blank.
    assert_eq!(s.train.images.iter().copied().max(), Some(255));
}

#[test]
fn real_cars3d() {
    let Some((s, plan)) = load_real(DatasetKind::Cars3d, &LoadOptions::default()) else {
        return;
    };
    plan.check().unwrap();
    assert_eq!(s.train.n_classes, 181);
    assert_eq!(s.train.image_shape(), (3, 32, 32));
    assert_eq!((s.train.len(), s.val.len(), s.test.len()), (181 * 67, 181 * 10, 181 * 19));
    for (_, d) in s.parts() {
        assert!(d.class_counts().iter().all(|&n| n > 0));
    }
    // The background is white: the corner pixel of every view.
    assert!(s.test.images.slice(ndarray::s![.., .., 0, 0]).iter().all(|&p| p == 255));
    // Dropping 113 and 157 removed the identical pairs; only the known
    // near-duplicate pair (labels 12 and 57) shares images, a warning.
    let report = tsd_data::survey::survey_one(DatasetKind::Cars3d, &LoadOptions::default());
    assert!(report.ok(), "{report}");
    let dup = report.checks.iter().find(|c| c.name.contains("two labels")).unwrap();
    assert_eq!(dup.status, tsd_data::Status::Warn, "{report}");
    assert!(dup.detail.contains("label pairs 12&57;"), "{report}");
}

/// Full Sprites read + downscale (the whole 1.29 GB stream).
#[test]
fn real_sprites() {
    let Some((s, plan)) = load_real(DatasetKind::Sprites, &LoadOptions::default()) else {
        return;
    };
    plan.check().unwrap();
    assert_eq!(s.train.n_classes, 672);
    assert_eq!(s.train.image_shape(), (3, 32, 32));
    assert_eq!((s.train.len(), s.val.len(), s.test.len()), (672 * 142, 672 * 18, 672 * 18));
    assert_eq!(s.train.class_counts(), vec![142; 672]);
    // The original character split, from splits.json, through its plan only.
    let dir = locate(DatasetKind::Sprites, None).unwrap();
    let chars = tsd_data::sprites::read_splits(&dir.join("splits.json"), 672).unwrap();
    assert_eq!((chars.train.len(), chars.val.len(), chars.test.len()), (500, 72, 100));
    tsd_data::sprites::character_plan(&chars, 672).check().unwrap();
}

#[test]
fn real_stockdata() {
    use tsd_data::returns::{stockdata, windows, WindowOptions};
    let path = match stockdata::locate(None) {
        Ok(p) => p,
        Err(e) => return eprintln!("skipping: real stockdata not found:\n{e}"),
    };
    let panel = stockdata::read(&path).unwrap();
    assert_eq!((panel.days(), panel.stocks()), (1257, 452));
    assert_eq!(panel.sector_counts(), [70, 35, 37, 74, 46, 59, 64, 29, 6, 32]);
    assert_eq!(panel.sector_names[0], "Consumer Discretionary");
    assert_eq!(&panel.tickers[..3], ["MMM", "ACE", "ABT"]);
    // The split rule's corrections: mostly 2:1 and 3:2 splits, and the
    // reverse splits of ISRG (1:2), PCLN (1:6), JDSU (1:8) and TIE (1:10).
    assert_eq!(panel.corrections.len(), 204);
    let reverse: Vec<(&str, f64)> =
        panel.corrections.iter().filter(|c| c.factor < 1.0).map(|c| (c.ticker.as_str(), c.factor)).collect();
    assert_eq!(reverse.len(), 4, "{reverse:?}");
    assert!(panel.corrections.iter().all(|c| c.corrected.abs() < 0.07));
    let s = windows::split(&panel, &WindowOptions::default()).unwrap();
    assert_eq!((s.train.len(), s.val.len(), s.test.len()), (59_212, 13_560, 13_560));
}
