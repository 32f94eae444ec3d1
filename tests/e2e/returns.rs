//! End-to-end: `tsd reproduce --dataset factor-model --quick` (synthetic, no
//! files needed), `--dataset returns` on a stockdata file written in its real
//! format, and the refusals.

use tempfile::tempdir;
use tsd_data::rdata::{self, Compression, RObject};

use crate::support::{tsd_fails, tsd_ok};

#[test]
fn factor_model_quick_writes_its_tables_and_reuses_its_audits() {
    let dir = tempdir().unwrap();
    let args = ["reproduce", "--dataset", "factor-model", "--quick", "--seeds", "2", "--device", "cpu"];
    // A shard audits its seeds only and writes no tables; the run without one reuses its audit.
    let shard: Vec<&str> = args.iter().copied().chain(["--shard", "1/2"]).collect();
    let out = crate::support::tsd(dir.path(), &shard);
    assert!(String::from_utf8_lossy(&out.stderr).contains("shard 1/2 done"), "{}", crate::support::text(&out));
    assert!(dir.path().join("runs/reproduce/quick/factor-model/seed1/audit.json").is_file());
    assert!(!dir.path().join("runs/reproduce/quick/factor-model/seed0").exists());
    assert!(!dir.path().join("results").exists());
    let out = crate::support::tsd(dir.path(), &args);
    assert!(out.status.success() && String::from_utf8_lossy(&out.stderr).matches("already audited").count() == 1);
    let page = std::fs::read_to_string(dir.path().join("results/quick/factor-model/README.md")).unwrap();
    let needles =
        ["classical Z (alpha + residuals)", "oracle: true specific path", "Seeds: 2", "specific `u`", "MMD p"];
    for needle in needles.into_iter().chain(["mathieu Z (mean)", "mathieu Z (one sample)"]) {
        assert!(page.contains(needle), "{needle} not in:\n{page}");
    }
    let audits: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("results/quick/factor-model/audits.json")).unwrap(),
    )
    .unwrap();
    let audits = audits.as_array().unwrap();
    assert_eq!(audits.len(), 2);
    // The residuals of the classical regression hold most of the true specific path; the raw window less.
    let r2 = |code: &str| {
        let c = audits[0]["codes"].as_array().unwrap().iter().find(|c| c["features"] == code).unwrap();
        c["components"]["specific"]["r2"].as_f64().unwrap()
    };
    assert!(
        r2("classical Z (alpha + residuals)") > 0.7 && r2("classical Z (alpha + residuals)") > r2("raw window") + 0.2
    );
    // A second run reuses both seeds' audits, and so does one with --quiet
    // (how it prints is not part of what an audit computes).
    let out = crate::support::tsd(dir.path(), &args);
    assert!(String::from_utf8_lossy(&out.stderr).matches("already audited").count() == 2);
    let quiet: Vec<&str> = args.iter().copied().chain(["--quiet"]).collect();
    let out = crate::support::tsd(dir.path(), &quiet);
    assert!(
        String::from_utf8_lossy(&out.stderr).matches("already audited").count() == 2,
        "{}",
        crate::support::text(&out)
    );
    // Another list of methods keeps the audits of the codes already made:
    // nothing is probed again.
    let one: Vec<&str> = args.iter().copied().chain(["--method", "two-step"]).collect();
    let out = crate::support::tsd(dir.path(), &one);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && err.matches("two-step Z: audited before, kept").count() == 2, "{err}");
    assert!(!err.contains("probing"), "{err}");
    let page = std::fs::read_to_string(dir.path().join("results/quick/factor-model/README.md")).unwrap();
    assert!(page.contains("two-step Z") && !page.contains("mathieu Z"), "{page}");
}

#[test]
fn real_returns_from_a_stockdata_file() {
    let dir = tempdir().unwrap();
    let (days, stocks) = (600, 12);
    let mut prices = Vec::new();
    for i in 0..stocks {
        let mut p = 30.0 + i as f64;
        for t in 0..days {
            prices.push(p);
            p *= 1.0 + 0.01 * ((((i + 3) * (t + 5) * 7919) % 41) as f64 - 20.0) / 20.0;
            if i == 2 && t == 100 {
                p /= 2.0; // a 2:1 split
            }
        }
    }
    let sectors = ["Energy", "Utilities", "Financials"];
    let info: Vec<String> = (0..stocks)
        .map(|i| format!("T{i}"))
        .chain((0..stocks).map(|i| sectors[i % 3].to_string()))
        .chain((0..stocks).map(|i| format!("Company {i}")))
        .collect();
    let list = RObject::named_list(vec![
        ("data", RObject::real(prices).with_dim(&[days, stocks])),
        ("info", RObject::strings(info).with_dim(&[stocks, 3])),
    ]);
    std::fs::create_dir_all(dir.path().join("data/returns")).unwrap();
    rdata::write(&dir.path().join("data/returns/stockdata.rda"), &[("stockdata", list)], Compression::Bzip2).unwrap();
    tsd_ok(dir.path(), &["reproduce", "--dataset", "returns", "--quick", "--data-dir", "data", "--device", "cpu"]);
    let page = std::fs::read_to_string(dir.path().join("results/quick/returns/README.md")).unwrap();
    assert!(page.contains("1 one-day jumps explained by a split were corrected"), "{page}");
    let corrections = std::fs::read_to_string(dir.path().join("results/quick/returns/corrections.csv")).unwrap();
    assert!(corrections.contains("T2,100,"), "{corrections}");
    // No data there: a clear error saying how to get it.
    let empty = tempdir().unwrap();
    let msg = tsd_fails(empty.path(), &["reproduce", "--dataset", "returns", "--data-dir", ".", "--device", "cpu"]);
    assert!(msg.contains("get-stockdata"), "{msg}");
    // Image-dataset options are refused, not ignored.
    let msg = tsd_fails(empty.path(), &["reproduce", "--dataset", "factor-model", "--quick", "--train-subset", "500"]);
    assert!(msg.contains("--train-subset") && msg.contains("factor-model"), "{msg}");
    assert!(!empty.path().join("runs").exists());
}
