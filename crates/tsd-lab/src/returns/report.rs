//! `<results>/<source>/`: the tables of a returns reproduction (README.md),
//! every seed's audit (audits.json) and, for the real data, the split
//! corrections (corrections.csv).

use std::fmt::Write as _;
use std::path::Path;

use tsd_data::returns::{ReturnsPanel, SplitKind};
use tsd_metrics::MeanStd;

use super::{ReturnsOptions, ReturnsSource, SeedAudit};
use crate::error::Context;
use crate::Result;

/// Probe families of the tertile table, in column order.
const FAMILIES: [&str; 3] = ["logistic", "knn", "mlp"];
/// Probe families of the sector table (the wide MLP runs at the full budget only).
const SECTOR_FAMILIES: [&str; 4] = ["logistic", "knn", "mlp", "mlp-wide"];

/// Writes README.md, audits.json and (real data) corrections.csv into `dir`.
pub fn write_results(dir: &Path, options: &ReturnsOptions, panel: &ReturnsPanel, audits: &[SeedAudit]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let write = |name: &str, bytes: &[u8]| tsd_core::common::checkpoint::write_atomic(&dir.join(name), bytes);
    write("audits.json", serde_json::to_string_pretty(audits)?.as_bytes())?;
    if !panel.corrections.is_empty() {
        let mut w = csv::Writer::from_writer(Vec::new());
        for c in &panel.corrections {
            w.serialize(c)?;
        }
        write("corrections.csv", &w.into_inner().map_err(|e| std::io::Error::other(e.to_string()))?)?;
    }
    write("README.md", markdown(options, panel, audits).as_bytes())?;
    Ok(())
}

fn cell(values: &[f64], percent: bool) -> String {
    if values.is_empty() {
        return "–".into();
    }
    let k = if percent { 100.0 } else { 1.0 };
    let m = MeanStd::of(&values.iter().map(|v| v * k).collect::<Vec<_>>());
    let digits = if percent { 1 } else { 3 };
    if values.len() > 1 {
        format!("{:.digits$} ± {:.digits$}", m.mean, m.std)
    } else {
        format!("{:.digits$}", m.mean)
    }
}

/// `value` of the entry called `name` of each audit's `entries` (the audits that have one).
fn named<T>(
    audits: &[SeedAudit],
    entries: impl Fn(&SeedAudit) -> &[(String, T)],
    name: &str,
    value: impl Fn(&T) -> f64,
) -> Vec<f64> {
    audits.iter().filter_map(|a| entries(a).iter().find(|(n, _)| n == name).map(|(_, e)| value(e))).collect()
}

fn markdown(options: &ReturnsOptions, panel: &ReturnsPanel, audits: &[SeedAudit]) -> String {
    let mut s = String::new();
    let w = &options.windows;
    let seeds = audits.len();
    let title = match options.source {
        ReturnsSource::Stockdata => "Real S&P 500 returns (stockdata of r-cran-huge)",
        ReturnsSource::FactorModel => "A factor model with known truth",
    };
    let _ = writeln!(s, "# Market vs stock-specific factors: {title}\n");
    let _ = writeln!(
        s,
        "Written by `tsd reproduce --dataset {}`; every number below comes from `audits.json` beside this page.\n",
        options.source
    );
    match options.source {
        ReturnsSource::Stockdata => {
            let _ = writeln!(
                s,
                "Data: daily closes of {} S&P 500 stocks over {} trading days (2003-2007 per the package's help), \
                 turned into {} daily returns; {} one-day jumps explained by a split were corrected \
                 (listed in `corrections.csv`; the rule: `tsd_data::returns::stockdata::split_factor`). \
                 Dividends are not in the data. Label: the GICS sector ({} sectors).\n",
                panel.stocks(),
                panel.days() + 1,
                panel.days(),
                panel.corrections.len(),
                panel.sector_names.len()
            );
        }
        ReturnsSource::FactorModel => {
            let f = &options.factor_model;
            let _ = writeln!(
                s,
                "Data: `r_it = beta_i m_t + gamma_i f_sector(i),t + u_it`, {} stocks in {} sectors over {} years of {} days, \
                 one panel drawn per seed (`tsd_data::returns::FactorModel`: yearly market regimes, AR(1) sector factors \
                 with drifts in [{}, {}], coefficients in [{}, {}] and volatilities in [{}, {}], loadings in [{}, {}] \
                 independent of the sector, AR(1) specific terms with their own drift). Label: the sector.\n",
                f.stocks, f.sectors, f.years, f.days_per_year, f.sector_drift.0, f.sector_drift.1, f.sector_ar.0, f.sector_ar.1,
                f.sector_vol.0, f.sector_vol.1, f.loadings.0, f.loadings.1
            );
        }
    }
    let split = match w.split {
        SplitKind::Time => "by time only (all stocks in every part)",
        SplitKind::StocksAndTime => "by time and by stock (each part its own stocks, a seeded partition)",
    };
    let counts = audits.first().map(|a| a.windows).unwrap_or_default();
    let _ = writeln!(
        s,
        "Samples: one stock's {} scaled daily returns (`(r - 0.0007) / 0.04`, clipped to ±4), a new window every {} days; \
         the next {} days are the horizon. Split {split}: train, validation and test are consecutive periods \
         ({:.0} / {:.0} / {:.0} % of the days), every window inside one of them, horizon included. \
         Windows (seed 0): {} train, {} validation, {} test. Seeds: {seeds} (tables: mean ± std over seeds).\n",
        w.input_days,
        w.stride,
        w.horizon,
        100.0 * (1.0 - w.val_fraction - w.test_fraction),
        100.0 * w.val_fraction,
        100.0 * w.test_fraction,
        counts[0],
        counts[1],
        counts[2]
    );
    let rows: Vec<&str> =
        audits.first().map(|a| a.codes.iter().map(|c| c.features.as_str()).collect()).unwrap_or_default();
    let collect = |name: &str, f: &dyn Fn(&super::CodeAudit) -> Option<f64>| -> Vec<f64> {
        audits.iter().filter_map(|a| a.codes.iter().find(|c| c.features == name).and_then(f)).collect()
    };
    let chance = |pick: &dyn Fn(&super::CodeAudit) -> Option<f64>| {
        cell(&audits.iter().filter_map(|a| a.codes.first().and_then(pick)).collect::<Vec<_>>(), true)
    };

    let _ = writeln!(s, "## The sector from each code (fresh probes, test accuracy %)\n");
    let _ = writeln!(
        s,
        "S should carry it, Z should not. Chance (most frequent test sector): {} %.\n",
        chance(&|c| c.sector.first().map(|r| r.scores.chance))
    );
    let _ = writeln!(
        s,
        "Best: the highest of the probes on each seed. MMD p: the per-sector two-sample tests of the test codes \
         (each sector against the others, 1000 relabellings, Bonferroni over sectors; below 0.05 some sector's \
         codes differ). The test takes windows as independent, and they are not: a sector's test windows come \
         from a handful of stocks, each with its own drift and volatility, so it can reject where the probes \
         read nothing{}. The random forest of the image audits is left out: its cost grows with the square of \
         the training windows.\n",
        if options.source == ReturnsSource::FactorModel {
            " (see the oracle's row, whose true specific path is drawn independently of the sector)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        s,
        "| code | dims | logistic | kNN | MLP | wide MLP | best | MMD p |\n|---|---|---|---|---|---|---|---|"
    );
    for name in &rows {
        let dim = audits[0].codes.iter().find(|c| c.features == *name).map_or(0, |c| c.dim);
        let mut cols: Vec<String> =
            SECTOR_FAMILIES.iter().map(|f| cell(&collect(name, &|c| c.sector_accuracy(f)), true)).collect();
        cols.push(cell(&collect(name, &|c| c.best_sector_accuracy()), true));
        cols.push(cell(&collect(name, &|c| c.sector_independence.as_ref().map(|t| t.p_value)), false));
        let _ = writeln!(s, "| {name} | {dim} | {} |", cols.join(" | "));
    }
    let tertile_of = audits.first().map(|a| a.tertile_of.as_str()).unwrap_or("");
    let _ = writeln!(s, "\n## The next {}-day specific return's tertile (fresh probes, test accuracy %)\n", w.horizon);
    let _ = writeln!(
        s,
        "The first author's downstream test: predict the tertile (training cut-offs) of {tertile_of} from each code. \
         Chance is about 33 % (most frequent test tertile: {} %).\n",
        chance(&|c| c.tertile.first().map(|r| r.scores.chance))
    );
    let _ = writeln!(s, "| code | logistic | kNN | MLP |\n|---|---|---|---|");
    for name in &rows {
        let cols: Vec<String> =
            FAMILIES.iter().map(|f| cell(&collect(name, &|c| c.tertile_accuracy(f)), true)).collect();
        let _ = writeln!(s, "| {name} | {} |", cols.join(" | "));
    }
    if audits.iter().any(|a| a.codes.iter().any(|c| c.components.is_some())) {
        let _ = writeln!(s, "\n## How much of each true component a code holds (test R² of a ridge map, penalty chosen on validation)\n");
        let _ = writeln!(
            s,
            "Z should recover the specific path (target R² >= 0.5, and 0.3 above S's), S the shared path. \
             The raw window is one stock's returns alone; the classical regression and the learned methods also \
             see the window's cross-section (the mean return of the market and of each sector over the same days), \
             which is what tells the shared path from the specific one. The market and sector parts of the shared \
             path are mixed in every code (their own columns are lower than the shared one).\n"
        );
        let _ = writeln!(s, "| code | specific `u` | shared `beta m + gamma f` | market `beta m` | sector `gamma f` |\n|---|---|---|---|---|");
        for name in &rows {
            let r2 = |k: usize| {
                cell(
                    &collect(name, &|c| {
                        c.components.map(|r| [r.specific.r2, r.shared.r2, r.market.r2, r.sector.r2][k])
                    }),
                    false,
                )
            };
            let _ = writeln!(s, "| {name} | {} | {} | {} | {} |", r2(0), r2(1), r2(2), r2(3));
        }
    }
    if audits.iter().any(|a| !a.swaps.is_empty()) {
        let _ = writeln!(s, "\n## Counterfactual swaps (test pairs of the same days, other sectors)\n");
        let _ = writeln!(
            s,
            "Window i's code Z with window j's code S should give `u_i + (beta m + gamma f)_j`, scaled as the inputs; \
             error: MSE over the answer's variance (0 is perfect). Beside it, what returning j or i unchanged scores.\n"
        );
        let _ = writeln!(s, "| approach | pairs | swap | j unchanged | i unchanged |\n|---|---|---|---|---|");
        for (name, first) in &audits[0].swaps {
            let pick = |f: fn(&super::learned::SwapError) -> f64| cell(&named(audits, |a| &a.swaps, name, f), false);
            let _ = writeln!(
                s,
                "| {name} | {} | {} | {} | {} |",
                first.pairs,
                pick(|e| e.relative_mse),
                pick(|e| e.keep_shared_relative_mse),
                pick(|e| e.keep_specific_relative_mse)
            );
        }
    }
    if audits.iter().any(|a| !a.reconstructions.is_empty()) {
        let _ = writeln!(s, "\n## How well the learned methods reconstruct the test windows\n");
        let _ = writeln!(
            s,
            "Test MSE of `Dec(Enc(x))` on the scaled inputs, beside their variance (the MSE of predicting their mean): \
             a code can only hold a component the decoder gets back.\n"
        );
        let _ = writeln!(s, "| method | test MSE | variance of the inputs |\n|---|---|---|");
        for (name, _) in &audits[0].reconstructions {
            let pick = |f: fn(&super::learned::Reconstruction) -> f64| {
                cell(&named(audits, |a| &a.reconstructions, name, f), false)
            };
            let _ = writeln!(s, "| {name} | {} | {} |", pick(|r| r.mse), pick(|r| r.variance));
        }
    }
    let list = |names: &[String]| if names.is_empty() { "none".to_string() } else { names.join(", ") };
    let all: Vec<String> = tsd_core::MethodId::all().iter().map(|m| m.name().to_string()).collect();
    let without = super::ReturnsOptions::methods_with_preset(options.source, options.budget);
    let without: Vec<String> = all.into_iter().filter(|m| !without.contains(m)).collect();
    let epochs: Vec<String> = options
        .methods
        .iter()
        .filter_map(|name| {
            let method: tsd_core::MethodId = name.parse().ok()?;
            let c =
                super::learned::config(method, options.source.name(), options.budget, 0, &options.overrides).ok()?;
            Some(format!("{name} {} epochs over its phases, {}", c.total_epochs(), c.stop().describe()))
        })
        .collect();
    let _ = writeln!(
        s,
        "\n## Budgets and what is not here\n\nLearned methods trained on every seed: {} ({} budget: {}; presets: \
         `tsd config --method <name> --dataset {}`; overrides: {}). Their networks (the presets' cross-section \
         networks, `tsd_core::two_step::Network::CrossSection` and `tsd_core::mathieu::MathieuNetwork::CrossSection`) \
         take each window followed by its cross-section; the encoders learn loadings on the mean paths and code \
         the window less them, the decoder gives back learned loadings times the mean paths plus a linear map of \
         the codes. A method whose Z is a distribution (Mathieu et al.) is audited on its mean, `Z (mean)`, and \
         on one draw per window, `Z (one sample)`. Registered methods without a \
         network for series (no `{}` preset), so not in these tables: {}.",
        list(&options.methods),
        if options.budget.is_quick() { "quick" } else { "full" },
        list(&epochs),
        options.source,
        if options.overrides.is_empty() { "none".to_string() } else { options.overrides.join(" ") },
        options.source,
        list(&without)
    );
    s
}
