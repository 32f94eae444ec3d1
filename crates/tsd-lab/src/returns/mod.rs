//! The paper's financial experiment: daily stock returns split into what is
//! shared with the market and the sector (S) and what is specific to the
//! stock (Z), on real S&P 500 returns ([`ReturnsSource::Stockdata`]) and on a
//! factor model with known truth ([`ReturnsSource::FactorModel`]).
//!
//! [`reproduce`] audits, for every seed, the codes of each approach (the
//! [`classical`] regression on market and sector means; the raw window; the
//! [`learned`] methods that have a returns preset, trained in run folders; on
//! synthetic data the true specific path as the oracle) with
//! [`audit::audit`], checks the counterfactual swaps on synthetic data,
//! caches each seed's audit in its run folder, and writes the tables of
//! `<results>/<source>/`.

pub mod audit;
pub mod classical;
pub mod figure;
pub mod learned;
mod report;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use tch::Device;
use tsd_core::{Budget, MethodId};
use tsd_data::returns::windows::{self, horizon_sums};
use tsd_data::returns::{stockdata, FactorModel, ReturnsPanel, SeriesSplits, SplitKind, WindowOptions};

use crate::error::Context;
use crate::sweep::Shard;
use crate::Result;
pub use audit::{CodeAudit, Features, ReturnsProbes, Targets};
pub use report::write_results;

/// Where the returns come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReturnsSource {
    /// Real S&P 500 returns (`stockdata` of r-cran-huge); `--dataset returns`.
    Stockdata,
    /// The factor model with known truth; `--dataset factor-model`.
    FactorModel,
}

impl ReturnsSource {
    /// Both sources.
    pub const ALL: [ReturnsSource; 2] = [ReturnsSource::Stockdata, ReturnsSource::FactorModel];

    /// Name on the command line and of its results folder.
    pub fn name(self) -> &'static str {
        match self {
            ReturnsSource::Stockdata => "returns",
            ReturnsSource::FactorModel => "factor-model",
        }
    }
}

impl fmt::Display for ReturnsSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ReturnsSource {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        ReturnsSource::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| format!("unknown returns dataset `{s}` (returns or factor-model)"))
    }
}

/// Everything a returns reproduction depends on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnsOptions {
    /// Which returns.
    pub source: ReturnsSource,
    /// Seeds `0..seeds`: each sets the stock partition and, for the factor
    /// model, the draw of the panel.
    pub seeds: u64,
    /// How windows are cut (its seed is replaced by each run's).
    pub windows: WindowOptions,
    /// The factor model's sizes and parameters (its seed is replaced by each run's).
    pub factor_model: FactorModel,
    /// The learned methods (their names), each trained on every seed.
    pub methods: Vec<String>,
    /// The methods' training budget.
    pub budget: Budget,
    /// `--set [METHOD:]KEY=VALUE` overrides of the methods' presets.
    pub overrides: Vec<String>,
    /// Data folder holding `returns/stockdata.rda` (default: the usual search).
    #[serde(skip)]
    pub data_dir: Option<PathBuf>,
    /// Where models train.
    #[serde(skip, default = "cpu")]
    pub device: Device,
    /// Hide the methods' per-epoch lines and progress bars.
    #[serde(skip)]
    pub quiet: bool,
}

fn cpu() -> Device {
    Device::Cpu
}

impl ReturnsOptions {
    /// The defaults for `source`: 100-day windows, 5-day horizon, split by
    /// stock and time 60/20/20; a new window every 5 days on the real data,
    /// every 20 on the factor model (500 stocks x 10 years).
    pub fn new(source: ReturnsSource, seeds: u64) -> ReturnsOptions {
        let stride = match source {
            ReturnsSource::Stockdata => 5,
            ReturnsSource::FactorModel => 20,
        };
        let windows = WindowOptions { stride, split: SplitKind::StocksAndTime, ..WindowOptions::default() };
        let budget = Budget::Full;
        ReturnsOptions {
            source,
            seeds,
            windows,
            factor_model: FactorModel::default(),
            methods: Self::methods_with_preset(source, budget),
            budget,
            overrides: Vec::new(),
            data_dir: None,
            device: Device::Cpu,
            quiet: false,
        }
    }

    /// The registered methods that have a preset for `source` (a network for
    /// series): what `--method all` trains.
    pub fn methods_with_preset(source: ReturnsSource, budget: Budget) -> Vec<String> {
        MethodId::all()
            .iter()
            .filter(|m| m.preset(source.name(), budget).is_ok())
            .map(|m| m.name().to_string())
            .collect()
    }

    /// The quick budget: the factor model at 100 stocks x 4 years, a window
    /// every 20 days on the real data (numbers that check the pipeline).
    pub fn quick(mut self) -> ReturnsOptions {
        self.budget = Budget::Quick;
        self.windows.stride = 20;
        self.factor_model = FactorModel { stocks: 100, years: 4, ..self.factor_model };
        self
    }

    /// The panel of run `seed` (the real data whatever the seed; the factor
    /// model drawn with it).
    pub fn panel(&self, seed: u64) -> Result<ReturnsPanel> {
        Ok(match self.source {
            ReturnsSource::Stockdata => stockdata::read(&stockdata::locate(self.data_dir.as_deref())?)?,
            ReturnsSource::FactorModel => FactorModel { seed, ..self.factor_model.clone() }.generate()?,
        })
    }

    /// The panel and windows of run `seed`.
    pub fn load(&self, seed: u64) -> Result<(ReturnsPanel, SeriesSplits)> {
        let panel = self.panel(seed)?;
        let splits = windows::split(&panel, &WindowOptions { seed, ..self.windows.clone() })?;
        Ok((panel, splits))
    }
}

/// Version of the audit's contents: an audit cached with another is made
/// again (bumped whenever what an audit computes changes).
pub const AUDIT_VERSION: u32 = 3;

/// The audit of one seed: the data it saw and every code's audit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedAudit {
    /// [`AUDIT_VERSION`] of the code that made it.
    pub version: u32,
    /// The options of the reproduction (seed aside).
    pub options: ReturnsOptions,
    /// The seed.
    pub seed: u64,
    /// Windows in train, validation and test.
    pub windows: [usize; 3],
    /// Stocks and days of the panel.
    pub panel: (usize, usize),
    /// Split jumps corrected in the prices (real data).
    pub corrections: usize,
    /// What the tertiles are of, and their training cut-offs.
    pub tertile_of: String,
    /// Training cut-offs between the tertiles.
    pub cutoffs: (f64, f64),
    /// One audit per code, in table order.
    pub codes: Vec<CodeAudit>,
    /// Counterfactual swaps on test pairs, per approach (synthetic data).
    pub swaps: Vec<(String, learned::SwapError)>,
    /// Test reconstruction of each learned method.
    pub reconstructions: Vec<(String, learned::Reconstruction)>,
}

/// Called as a reproduction goes.
pub trait ReturnsProgress {
    /// A line for the user.
    fn line(&self, text: &str);
}

/// File of a seed's audit in its run folder.
pub const AUDIT_FILE: &str = "audit.json";

/// Audits every seed (reusing the audits already in `runs/<source>/seed<k>/`
/// made with the same options) and writes `results/<source>/`; with a
/// `shard`, audits only the seeds it takes (seed `k` is run `k`) and writes
/// no results: a run without one, once every shard is done, reuses their
/// audits and writes them.
pub fn reproduce(
    options: &ReturnsOptions,
    probes: &ReturnsProbes,
    (runs, shard): (&Path, Option<Shard>),
    results: &Path,
    progress: &dyn ReturnsProgress,
) -> Result<Vec<SeedAudit>> {
    // Every method's preset first: a method without a network for series is
    // refused before any work.
    for name in &options.methods {
        let method: MethodId = name.parse().map_err(crate::LabError::Refused)?;
        learned::config(method, options.source.name(), options.budget, 0, &options.overrides)?;
    }
    let mut audits = Vec::new();
    for seed in (0..options.seeds).filter(|&k| shard.is_none_or(|s| s.takes(k as usize))) {
        let dir = runs.join(options.source.name()).join(format!("seed{seed}"));
        let path = dir.join(AUDIT_FILE);
        let earlier = match read_audit(&path, options)? {
            Some(done) if done.options.methods == options.methods => {
                progress.line(&format!("{} seed {seed}: already audited in {}", options.source, path.display()));
                audits.push(done);
                continue;
            }
            earlier => earlier,
        };
        progress.line(&format!("{} seed {seed}: loading and auditing (run folder {})", options.source, dir.display()));
        let audit = audit_seed(options, seed, probes, (&dir, earlier.as_ref()), progress)?;
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        tsd_core::common::checkpoint::write_atomic(&path, serde_json::to_string_pretty(&audit)?.as_bytes())?;
        audits.push(audit);
    }
    if shard.is_some() {
        return Ok(audits);
    }
    let panel = options.panel(0)?;
    write_results(&results.join(options.source.name()), options, &panel, &audits)?;
    Ok(audits)
}

/// The audit at `path` when it was made by this version with `options`,
/// the list of methods aside (its codes' audits hold for any list).
fn read_audit(path: &Path, options: &ReturnsOptions) -> Result<Option<SeedAudit>> {
    if !path.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    // Options are compared as written (data folder, device and quiet are not
    // part of them: they do not change what an audit computes).
    let any_methods = |o: &ReturnsOptions| serde_json::to_value(ReturnsOptions { methods: Vec::new(), ..o.clone() });
    let written = any_methods(options)?;
    match serde_json::from_str::<SeedAudit>(&text) {
        Ok(a) if any_methods(&a.options)? == written && a.version == AUDIT_VERSION => Ok(Some(a)),
        _ => Ok(None), // another version or other options: audited again, the file replaced
    }
}

/// The codes of seed `seed`, audited, its learned methods trained in `dir`;
/// a code already audited in `earlier` (the same seed and options, other
/// methods) keeps that audit, so adding a method probes only its codes.
pub fn audit_seed(
    options: &ReturnsOptions,
    seed: u64,
    probes: &ReturnsProbes,
    (dir, earlier): (&Path, Option<&SeedAudit>),
    progress: &dyn ReturnsProgress,
) -> Result<SeedAudit> {
    let (panel, splits) = options.load(seed)?;
    let parts = [&splits.train, &splits.val, &splits.test];
    let decomposed = parts.map(classical::decompose);
    let (future, tertile_of) = match splits.train.truth {
        Some(_) => (
            parts.map(|p| horizon_sums(&p.truth.as_ref().expect("synthetic").specific, p.input_days)),
            "the true specific return of the next days",
        ),
        None => (
            [0, 1, 2].map(|i| decomposed[i].future_specific.clone()),
            "the specific return of the next days (the return less the window's loadings times the market and sector means)",
        ),
    };
    let targets = Targets::new(&splits, future, tertile_of);
    let mut features = vec![
        Features { name: "raw window".into(), parts: parts.map(|p| p.inputs.clone()) },
        Features {
            name: "classical S (loadings x market and sector means)".into(),
            parts: [0, 1, 2].map(|i| decomposed[i].shared.clone()),
        },
        Features {
            name: "classical Z (alpha + residuals)".into(),
            parts: [0, 1, 2].map(|i| decomposed[i].specific.clone()),
        },
    ];
    let pairs = learned::swap_pairs(&splits.test);
    let mut swaps = Vec::new();
    let mut reconstructions = Vec::new();
    let classical_swaps = learned::classical_swaps(&decomposed[2], &pairs, splits.test.input_days);
    if let Some(e) = learned::swap_error(&splits.test, &pairs, &classical_swaps) {
        swaps.push(("classical".to_string(), e));
    }
    let identity = serde_json::to_string(&(&options.windows, &options.factor_model, seed))?;
    let data = parts.map(|p| learned::tensors(p, options.device));
    for name in &options.methods {
        let method: MethodId = name.parse().map_err(crate::LabError::Refused)?;
        let config = learned::config(method, options.source.name(), options.budget, seed, &options.overrides)?;
        let run_dir = dir.join(name);
        let epochs = config.total_epochs();
        progress.line(&format!("  training {name} in {} ({epochs} epochs; a rerun continues it)", run_dir.display()));
        let model = learned::train(&config, &splits.train, [&data[0], &data[1]], &identity, &run_dir, options.quiet)?;
        reconstructions.push((name.clone(), learned::reconstruction(&model, &splits.test, &data[2])));
        let [a, b, c] = [0, 1, 2].map(|i| learned::codes(&model, &data[i], learned::sample_seed(seed, i)));
        let (a, b, c) = (a?, b?, c?);
        features.push(Features { name: format!("{name} S"), parts: [a.s, b.s, c.s] });
        let z_name = if a.z_sample.is_some() { format!("{name} Z (mean)") } else { format!("{name} Z") };
        features.push(Features { name: z_name, parts: [a.z, b.z, c.z] });
        if let (Some(za), Some(zb), Some(zc)) = (a.z_sample, b.z_sample, c.z_sample) {
            features.push(Features { name: format!("{name} Z (one sample)"), parts: [za, zb, zc] });
        }
        if let Some(e) = learned::swap_error(&splits.test, &pairs, &learned::model_swaps(&model, &data[2], &pairs)?) {
            swaps.push((name.clone(), e));
        }
    }
    if let Some(truth) = &targets.truth {
        features.push(Features {
            name: "oracle: true specific path".into(),
            parts: [0, 1, 2].map(|i| truth[i][0].clone()),
        });
    }
    let mut codes = Vec::new();
    for f in &features {
        if let Some(done) = earlier.and_then(|a| a.codes.iter().find(|c| c.features == f.name)) {
            progress.line(&format!("  {}: audited before, kept", f.name));
            codes.push(done.clone());
            continue;
        }
        progress.line(&format!("  probing {} ({} dims)", f.name, f.parts[0].ncols()));
        codes.push(audit::audit(f, &targets, probes)?);
    }
    Ok(SeedAudit {
        version: AUDIT_VERSION,
        options: options.clone(),
        seed,
        windows: parts.map(|p| p.len()),
        panel: (panel.stocks(), panel.days()),
        corrections: panel.corrections.len(),
        tertile_of: targets.tertile_of.clone(),
        cutoffs: targets.cutoffs,
        codes,
        swaps,
        reconstructions,
    })
}
