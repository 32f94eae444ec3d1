//! One code's leakage report: every probe's scores plus the per-dimension
//! mutual information, as a table for people, CSV/JSON for files and HTML
//! for notebooks.

use std::fmt::{self, Write as _};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::codes::{check_split, majority_rate, LabelledCodes};
use crate::error::{MetricsError, Result};
use crate::independence::{class_independence, IndependenceOptions, IndependenceTest};
use crate::knn::KnnProbeParams;
use crate::logistic::LogisticProbeParams;
use crate::mutual_info::{mutual_information, MiOptions, MutualInfo};
use crate::probe::{check_distinct_families, ProbeConfig, ProbeFamily};
use crate::scores::{BootstrapOptions, ProbeScores};
use crate::standardize::Standardizer;

/// Dimensions listed by the `Display` table (all of them go to CSV/JSON).
const DISPLAY_TOP_DIMS: usize = 10;

/// Which probes [`probe_codes`] (and [`crate::probe_nuisances`]) run and how.
///
/// Start from `ProbeOptions::default()` and adjust with the builder methods,
/// e.g. `ProbeOptions::default().with_probe(ProbeConfig::Knn(KnnProbeParams::new().k(15)))`.
/// Each list holds a family at most once ([`probe_codes`] refuses repeats).
/// Serialised (JSON, TOML) with every field optional; `progress` is skipped
/// and unknown keys are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProbeOptions {
    /// Label probes, fitted and reported in this order. Default: logistic
    /// with scikit-learn's defaults, then k-NN with k = 5 (no MLP: it trains
    /// a network).
    pub probes: Vec<ProbeConfig>,
    /// Probes of each nuisance factor, in this order, for callers of
    /// [`crate::probe_nuisances`]. Default: logistic with scikit-learn's
    /// defaults only.
    pub nuisance_probes: Vec<ProbeConfig>,
    /// Per-dimension mutual information on the train codes; default on, 20 bins.
    pub mutual_info: Option<MiOptions>,
    /// Confidence intervals of the accuracies; default 1000 resamples, 95%, seed 0.
    pub bootstrap: BootstrapOptions,
    /// Class-vs-rest MMD permutation tests on the test codes
    /// ([`crate::class_independence`]); default off.
    pub independence: Option<IndependenceOptions>,
    /// Print a line per fitted probe to stderr (accuracy, seconds); default
    /// off. Probing large codes takes minutes.
    #[serde(skip)]
    pub progress: bool,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        ProbeOptions {
            probes: vec![
                ProbeConfig::Logistic(LogisticProbeParams::default()),
                ProbeConfig::Knn(KnnProbeParams::default()),
            ],
            nuisance_probes: vec![ProbeConfig::Logistic(LogisticProbeParams::default())],
            mutual_info: Some(MiOptions::default()),
            bootstrap: BootstrapOptions::default(),
            independence: None,
            progress: false,
        }
    }
}

impl ProbeOptions {
    /// Sets the label probe of `probe`'s family: replaces the one of that
    /// family in place, or appends it.
    pub fn with_probe(mut self, probe: ProbeConfig) -> Self {
        match self.probes.iter_mut().find(|p| p.family() == probe.family()) {
            Some(slot) => *slot = probe,
            None => self.probes.push(probe),
        }
        self
    }

    /// Drops the label probe of `family` (if any).
    pub fn without(mut self, family: ProbeFamily) -> Self {
        self.probes.retain(|p| p.family() != family);
        self
    }

    /// The label probe of `family`, if it runs.
    pub fn probe(&self, family: ProbeFamily) -> Option<&ProbeConfig> {
        self.probes.iter().find(|p| p.family() == family)
    }

    /// Replaces the label probes (in the order given).
    pub fn probes(mut self, probes: Vec<ProbeConfig>) -> Self {
        self.probes = probes;
        self
    }

    /// Replaces the nuisance probes (in the order given; empty skips them).
    pub fn nuisance_probes(mut self, probes: Vec<ProbeConfig>) -> Self {
        self.nuisance_probes = probes;
        self
    }

    /// Sets (or with `None` skips) the mutual-information table.
    pub fn mutual_info(mut self, options: Option<MiOptions>) -> Self {
        self.mutual_info = options;
        self
    }

    /// Sets the bootstrap of the confidence intervals.
    pub fn bootstrap(mut self, options: BootstrapOptions) -> Self {
        self.bootstrap = options;
        self
    }

    /// Sets (or with `None` skips) the per-class two-sample tests.
    pub fn independence(mut self, options: Option<IndependenceOptions>) -> Self {
        self.independence = options;
        self
    }

    /// Prints (or not) a line per fitted probe to stderr.
    pub fn progress(mut self, on: bool) -> Self {
        self.progress = on;
        self
    }
}

/// One probe's scores in a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeResult {
    /// Which probe.
    pub family: ProbeFamily,
    /// Its scores on the test codes.
    pub scores: ProbeScores,
}

/// How much one code carries about the label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeakageReport {
    /// Train examples.
    pub n_train: usize,
    /// Test examples.
    pub n_test: usize,
    /// Code width.
    pub dim: usize,
    /// Classes in the train labels.
    pub n_classes: usize,
    /// Share of the most frequent test label.
    pub chance: f64,
    /// Scores of each probe run, in the order of [`ProbeOptions::probes`]
    /// (by default logistic, then knn).
    pub probes: Vec<ProbeResult>,
    /// Per-dimension mutual information (train codes), when asked for.
    pub mutual_info: Option<MutualInfo>,
    /// Per-class two-sample tests of the test codes, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub independence: Option<IndependenceTest>,
    /// What makes these numbers weak (one test class, few test rows, codes
    /// at an extreme scale); see [`input_warnings`]. Empty, and then absent
    /// from JSON, for usual inputs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Fewest test rows whose bootstrap CI is worth reporting.
pub const MIN_TEST_ROWS: usize = 20;

/// Warnings about inputs that make a report say little: one test class
/// (chance 1, leakage 0 whatever the codes), fewer than [`MIN_TEST_ROWS`]
/// test rows (a CI of [1, 1] from one row), and train-code columns whose
/// spread is so small (codes at a 1e-15 scale) that the probes' standardising
/// treats them as constant ([`Standardizer::negligible`]).
pub fn input_warnings(train: &LabelledCodes, test: &LabelledCodes) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let test_classes = test.classes().len();
    if test_classes < 2 {
        out.push(format!("the test labels have {test_classes} class: chance is 1 and no accuracy can show leakage"));
    }
    if test.len() < MIN_TEST_ROWS {
        out.push(format!(
            "only {} test rows: the accuracies and their bootstrap CIs are not meaningful (use at least {MIN_TEST_ROWS})",
            test.len()
        ));
    }
    let negligible = Standardizer::fit(train.x.view())?.negligible.len();
    if negligible > 0 {
        out.push(format!(
            "{negligible} of {} code columns vary too little to standardise (a spread below ~1e-15): the probes \
             standardise the codes and treat such columns as constant, reading nothing from them; rescale the codes",
            train.dim()
        ));
    }
    Ok(out)
}

/// Fits the label probes of `options` on `train` (in their order), scores
/// them on `test`, and measures the per-dimension mutual information of the
/// train codes. `options.nuisance_probes` are not used here.
///
/// Errors before fitting anything when the inputs are unusable (widths
/// differ, one train class, a test label unseen in train, NaN, empty) or a
/// family appears twice among the probes.
pub fn probe_codes(train: &LabelledCodes, test: &LabelledCodes, options: &ProbeOptions) -> Result<LeakageReport> {
    check_split(train, test)?;
    options.bootstrap.check()?;
    check_distinct_families(&options.probes, "probes")?;
    let mut probes = Vec::with_capacity(options.probes.len());
    for config in &options.probes {
        let (family, started) = (config.family(), Instant::now());
        let scores = config.fit(train)?.score(test, &options.bootstrap)?;
        if options.progress {
            let (n, dim, secs) = (train.len(), train.dim(), started.elapsed().as_secs_f64());
            eprintln!("    {family:<8} probe on {n} x {dim} codes: {:.2}% ({secs:.1} s)", 100.0 * scores.accuracy);
        }
        probes.push(ProbeResult { family, scores });
    }
    let mutual_info = options.mutual_info.as_ref().map(|o| mutual_information(train, o)).transpose()?;
    let independence = options.independence.as_ref().map(|o| class_independence(test, o)).transpose()?;
    Ok(LeakageReport {
        n_train: train.len(),
        n_test: test.len(),
        dim: train.dim(),
        n_classes: train.classes().len(),
        chance: majority_rate(&test.y),
        probes,
        mutual_info,
        independence,
        warnings: input_warnings(train, test)?,
    })
}

/// One row of [`LeakageReport::to_csv`] (and of a multi-run CSV, with `run`).
#[derive(Serialize)]
struct CsvRow {
    #[serde(skip_serializing_if = "Option::is_none")]
    run: Option<usize>,
    probe: ProbeFamily,
    accuracy: f64,
    balanced_accuracy: f64,
    macro_f1: f64,
    chance: f64,
    leakage: f64,
    ci_low: f64,
    ci_high: f64,
    n_train: usize,
    n_test: usize,
    n_classes: usize,
    dim: usize,
}

impl LeakageReport {
    /// The scores of `family`, if it was run.
    pub fn scores(&self, family: ProbeFamily) -> Option<&ProbeScores> {
        self.probes.iter().find(|p| p.family == family).map(|p| &p.scores)
    }

    /// One CSV row per probe (header `probe,accuracy,balanced_accuracy,
    /// macro_f1,chance,leakage,ci_low,ci_high,n_train,n_test,n_classes,dim`).
    pub fn to_csv(&self) -> Result<String> {
        let mut w = csv::Writer::from_writer(Vec::new());
        self.write_csv_rows(&mut w, None)?;
        finish_csv(w)
    }

    /// Writes one CSV row per probe, with a leading `run` column when given.
    pub(crate) fn write_csv_rows(&self, w: &mut csv::Writer<Vec<u8>>, run: Option<usize>) -> Result<()> {
        for p in &self.probes {
            let s = &p.scores;
            w.serialize(CsvRow {
                run,
                probe: p.family,
                accuracy: s.accuracy,
                balanced_accuracy: s.balanced_accuracy,
                macro_f1: s.macro_f1,
                chance: s.chance,
                leakage: s.leakage,
                ci_low: s.ci_low,
                ci_high: s.ci_high,
                n_train: s.n_train,
                n_test: s.n_test,
                n_classes: s.n_classes,
                dim: self.dim,
            })
            .map_err(|e| MetricsError::Serialise(e.to_string()))?;
        }
        Ok(())
    }

    /// One CSV row per dimension (header `dim,mi,normalised`), in dimension
    /// order; empty when mutual information was not asked for.
    pub fn mutual_info_csv(&self) -> Result<String> {
        let mut w = csv::Writer::from_writer(Vec::new());
        for d in self.mutual_info.iter().flat_map(|m| &m.dims) {
            w.serialize(d).map_err(|e| MetricsError::Serialise(e.to_string()))?;
        }
        finish_csv(w)
    }

    /// The whole report as pretty JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| MetricsError::Serialise(e.to_string()))
    }

    /// The report as an HTML table (probes), followed by the mutual
    /// information table when present.
    pub fn to_html(&self) -> String {
        let mut h = String::new();
        let _ = write!(
            h,
            "<table><caption>Leakage: {} train / {} test codes, {} dims, {} classes, chance {:.4}</caption>\
             <tr><th>probe</th><th>accuracy</th><th>95% CI</th><th>balanced acc.</th><th>macro F1</th><th>leakage</th></tr>",
            self.n_train, self.n_test, self.dim, self.n_classes, self.chance
        );
        for p in &self.probes {
            let s = &p.scores;
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{:.4}</td><td>[{:.4}, {:.4}]</td><td>{:.4}</td><td>{:.4}</td><td>{:.4}</td></tr>",
                p.family, s.accuracy, s.ci_low, s.ci_high, s.balanced_accuracy, s.macro_f1, s.leakage
            );
        }
        h.push_str("</table>");
        if let Some(mi) = &self.mutual_info {
            h.push('\n');
            h.push_str(&mi.to_html());
        }
        h
    }

    /// Rich display in an evcxr (Rust Jupyter) notebook: prints the HTML
    /// between evcxr's content markers.
    pub fn evcxr_display(&self) {
        print_evcxr_html(&self.to_html());
    }
}

/// Prints `html` between evcxr's rich-content markers.
pub(crate) fn print_evcxr_html(html: &str) {
    println!("EVCXR_BEGIN_CONTENT text/html\n{html}\nEVCXR_END_CONTENT");
}

pub(crate) fn finish_csv(w: csv::Writer<Vec<u8>>) -> Result<String> {
    let bytes = w.into_inner().map_err(|e| MetricsError::Serialise(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| MetricsError::Serialise(e.to_string()))
}

impl fmt::Display for LeakageReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        writeln!(
            f,
            "leakage: {} train / {} test codes, {} dims, {} classes, chance {:.4}",
            self.n_train, self.n_test, self.dim, self.n_classes, self.chance
        )?;
        writeln!(
            f,
            "{:<9} {:>8}  {:<18} {:>8} {:>8} {:>8}",
            "probe", "accuracy", "95% CI", "bal.acc", "macro-F1", "leakage"
        )?;
        for p in &self.probes {
            let s = &p.scores;
            writeln!(
                f,
                "{:<9} {:>8.4}  {:<18} {:>8.4} {:>8.4} {:>8.4}",
                p.family.name(),
                s.accuracy,
                format!("[{:.4}, {:.4}]", s.ci_low, s.ci_high),
                s.balanced_accuracy,
                s.macro_f1,
                s.leakage
            )?;
        }
        if let Some(test) = &self.independence {
            write!(f, "{test}")?;
        }
        if let Some(mi) = &self.mutual_info {
            let shown = mi.dims.len().min(DISPLAY_TOP_DIMS);
            writeln!(
                f,
                "mutual information with the label, top {shown} of {} dims ({} bins, H(label) = {:.4} nats):",
                mi.dims.len(),
                mi.bins,
                mi.label_entropy
            )?;
            writeln!(f, "{:>5}  {:>8}  {:>8}", "dim", "MI nats", "MI/H")?;
            for d in mi.ranked().iter().take(shown) {
                writeln!(f, "{:>5}  {:>8.4}  {:>8.4}", d.dim, d.mi, d.normalised)?;
            }
        }
        Ok(())
    }
}
