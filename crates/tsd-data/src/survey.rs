//! A report on every dataset: where it was found, what it holds, and checks
//! that it loads and splits cleanly. `tsd data` prints it.

use std::collections::HashMap;
use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::split::{Part, SplitIndices};
use crate::{load_with_plan, locate, Dataset, DatasetKind, LoadOptions, Splits};

/// What [`survey`] found about one dataset.
#[derive(Debug, Clone, Serialize)]
pub struct DatasetReport {
    /// Which dataset.
    pub dataset: DatasetKind,
    /// Folder it was read from (`None` when missing).
    pub location: Option<PathBuf>,
    /// The error that stopped it (missing data, corrupt file), as text.
    pub error: Option<String>,
    /// `[C, H, W]` of the loaded images.
    pub image_shape: Option<[usize; 3]>,
    /// What the label is, e.g. `"digit"`.
    pub label_name: Option<String>,
    /// Number of label classes.
    pub n_classes: Option<usize>,
    /// Nuisance factors as `name(cardinality)`.
    pub nuisances: Vec<String>,
    /// One row per part: train, val, test.
    pub splits: Vec<SplitReport>,
    /// Verifications run on the loaded data.
    pub checks: Vec<Check>,
    /// Wall time of the load, in seconds.
    pub load_seconds: Option<f64>,
}

/// Size and class balance of one part.
#[derive(Debug, Clone, Serialize)]
pub struct SplitReport {
    /// `"train"`, `"val"` or `"test"`.
    pub part: String,
    /// Number of images.
    pub size: usize,
    /// Classes with at least one image.
    pub classes_present: usize,
    /// Fewest images of any class (0 when a class is absent from this part).
    pub class_count_min: usize,
    /// Most images of any class.
    pub class_count_max: usize,
}

/// Outcome of a [`Check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// It held.
    Ok,
    /// A known property of the data worth knowing, not a defect of the reader.
    Warn,
    /// It failed.
    Fail,
}

/// One verification and its outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What was checked.
    pub name: String,
    /// Outcome.
    pub status: Status,
    /// Numbers behind the verdict.
    pub detail: String,
}

impl Check {
    fn new(name: &str, passed: bool, detail: String) -> Check {
        let status = if passed { Status::Ok } else { Status::Fail };
        Check { name: name.to_string(), status, detail }
    }
}

impl DatasetReport {
    /// True when the dataset loaded and no check failed (warnings allowed).
    pub fn ok(&self) -> bool {
        self.error.is_none() && self.checks.iter().all(|c| c.status != Status::Fail)
    }
}

/// Surveys every dataset with the default [`LoadOptions`] and `data_dir`.
pub fn survey(data_dir: Option<&Path>) -> Vec<DatasetReport> {
    let opts = LoadOptions { data_dir: data_dir.map(Path::to_path_buf), ..LoadOptions::default() };
    survey_with(&opts)
}

/// Surveys every dataset with the given options.
pub fn survey_with(opts: &LoadOptions) -> Vec<DatasetReport> {
    DatasetKind::ALL.iter().map(|&kind| survey_one(kind, opts)).collect()
}

/// Surveys one dataset.
pub fn survey_one(kind: DatasetKind, opts: &LoadOptions) -> DatasetReport {
    let mut report = DatasetReport {
        dataset: kind,
        location: None,
        error: None,
        image_shape: None,
        label_name: None,
        n_classes: None,
        nuisances: Vec::new(),
        splits: Vec::new(),
        checks: Vec::new(),
        load_seconds: None,
    };
    match locate::locate(kind, opts.data_dir.as_deref()) {
        Ok(dir) => report.location = Some(dir),
        Err(e) => {
            report.error = Some(e.to_string());
            return report;
        }
    }
    let start = Instant::now();
    let (splits, plan) = match load_with_plan(kind, opts) {
        Ok(x) => x,
        Err(e) => {
            report.error = Some(e.to_string());
            report.checks.push(Check::new("loads", false, e.to_string()));
            return report;
        }
    };
    report.load_seconds = Some(start.elapsed().as_secs_f64());
    let train = &splits.train;
    let (c, h, w) = train.image_shape();
    report.image_shape = Some([c, h, w]);
    report.label_name = Some(train.label_name.clone());
    report.n_classes = Some(train.n_classes);
    report.nuisances = train.nuisances.iter().map(|f| format!("{}({})", f.name, f.cardinality)).collect();
    for (part, d) in parts(&splits) {
        report.splits.push(split_report(part, d));
    }
    let n = train.len() + splits.val.len() + splits.test.len();
    report.checks.push(Check::new("loads", true, format!("{n} images")));
    report.checks.push(check_ranges(&splits));
    report.checks.push(check_plan(&plan, &splits));
    report.checks.push(check_duplicates(&splits, known_pairs(kind, train.n_classes)));
    report
}

fn parts(s: &Splits) -> [(Part, &Dataset); 3] {
    [(Part::Train, &s.train), (Part::Val, &s.val), (Part::Test, &s.test)]
}

fn split_report(part: Part, d: &Dataset) -> SplitReport {
    let counts = d.class_counts();
    SplitReport {
        part: part.name().into(),
        size: d.len(),
        classes_present: counts.iter().filter(|&&n| n > 0).count(),
        class_count_min: counts.iter().copied().min().unwrap_or(0),
        class_count_max: counts.iter().copied().max().unwrap_or(0),
    }
}

/// Labels and nuisance values inside their ranges, one of each per image.
fn check_ranges(splits: &Splits) -> Check {
    let mut problems = Vec::new();
    for (part, d) in parts(splits) {
        if d.images.dim().0 != d.labels.len() {
            problems.push(format!("{}: {} images, {} labels", part.name(), d.images.dim().0, d.len()));
        }
        if let Some(y) = d.labels.iter().find(|&&y| y >= d.n_classes) {
            problems.push(format!("{}: label {y} ≥ {}", part.name(), d.n_classes));
        }
        for f in &d.nuisances {
            if f.values.len() != d.len() {
                problems.push(format!("{}: {} has {} values", part.name(), f.name, f.values.len()));
            }
            if let Some(v) = f.values.iter().find(|&&v| v >= f.cardinality) {
                problems.push(format!("{}: {} value {v} ≥ {}", part.name(), f.name, f.cardinality));
            }
        }
    }
    let detail = if problems.is_empty() { "all in range".into() } else { problems.join("; ") };
    Check::new("labels and nuisances in range", problems.is_empty(), detail)
}

/// The split plan is disjoint and covers the pool, and matches the part sizes.
fn check_plan(plan: &SplitIndices, splits: &Splits) -> Check {
    let mut result = plan.check();
    if result.is_ok() {
        for (part, d) in parts(splits) {
            if plan.part(part).len() != d.len() {
                result = Err(format!("{} plan has {} items, the part {}", part.name(), plan.part(part).len(), d.len()));
            }
        }
    }
    let pool = if plan.separate_test {
        format!("train+val cover the {} training items; test is its own file", plan.n)
    } else {
        format!("train+val+test cover the {} items", plan.n)
    };
    Check::new("split index sets disjoint and covering", result.is_ok(), result.err().unwrap_or(pool))
}

/// Label pairs that are known to share images, and why.
struct Known {
    is_known: fn(usize, usize) -> bool,
    why: &'static str,
}

/// The known shared-image label pairs of `kind` (loaded with `n_classes`).
fn known_pairs(kind: DatasetKind, n_classes: usize) -> Option<Known> {
    match kind {
        DatasetKind::Cars3d if n_classes == kind.facts().n_classes => Some(Known {
            is_known: |a, b| crate::cars3d::NEAR_DUPLICATE_LABELS.contains(&(a, b)),
            why: "car_013 / car_059 are near-duplicate models, see tsd_data::facts::CARS3D",
        }),
        DatasetKind::Sprites => Some(Known {
            is_known: |a, b| a / 4 == b / 4,
            why: "characters 4k..4k+3 differ only in attributes (e.g. the weapon) that many \
                  frames do not show, see tsd_data::facts::SPRITES",
        }),
        _ => None,
    }
}

/// No image content carries two different labels, which is what a
/// duplicate identity (such as Cars3D's two identical model pairs, which the
/// reader drops) would cause. Known pairs ([`known_pairs`]) only warn. Also
/// counts contents that occur in more than one part, for information:
/// identical frames of one character in two parts are legitimate.
fn check_duplicates(splits: &Splits, known: Option<Known>) -> Check {
    // content hash -> (labels seen (at most a few), parts bit mask)
    let mut seen: HashMap<u64, (Vec<usize>, u8)> = HashMap::new();
    for (k, (_, d)) in parts(splits).into_iter().enumerate() {
        let images = d.images.as_standard_layout();
        let size = (images.len() / d.len().max(1)).max(1);
        let flat = images.as_slice().expect("standard layout");
        for (img, &y) in flat.chunks_exact(size).zip(&d.labels) {
            let mut h = DefaultHasher::new();
            img.hash(&mut h);
            let e = seen.entry(h.finish()).or_default();
            if !e.0.contains(&y) && e.0.len() < 4 {
                e.0.push(y);
            }
            e.1 |= 1 << k;
        }
    }
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let mut conflicting = 0;
    for (labels, _) in seen.values().filter(|e| e.0.len() > 1) {
        conflicting += 1;
        for (i, &a) in labels.iter().enumerate() {
            for &b in &labels[i + 1..] {
                let p = (a.min(b), a.max(b));
                if !pairs.contains(&p) {
                    pairs.push(p);
                }
            }
        }
    }
    pairs.sort_unstable();
    let shared = seen.values().filter(|e| e.1.count_ones() > 1).count();
    let unknown: Vec<_> = pairs.iter().filter(|&&(a, b)| !known.as_ref().is_some_and(|k| (k.is_known)(a, b))).collect();
    let status = match (pairs.is_empty(), unknown.is_empty()) {
        (true, _) => Status::Ok,
        (false, true) => Status::Warn,
        (false, false) => Status::Fail,
    };
    let mut detail = format!("{conflicting} image contents carry two labels");
    if !pairs.is_empty() {
        let shown: Vec<String> = pairs.iter().take(8).map(|(a, b)| format!("{a}&{b}")).collect();
        let more = if pairs.len() > 8 { format!(" and {} more", pairs.len() - 8) } else { String::new() };
        detail += &format!(" (label pairs {}{more}", shown.join(", "));
        match (&known, unknown.is_empty()) {
            (Some(k), true) => detail += &format!("; known: {})", k.why),
            _ => detail += ")",
        }
    }
    detail += &format!("; {shared} of {} distinct contents occur in more than one part", seen.len());
    Check { name: "no identical image under two labels".into(), status, detail }
}

impl fmt::Display for DatasetReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(dir) => writeln!(f, "{}: {}", self.dataset, dir.display())?,
            None => writeln!(f, "{}: NOT FOUND", self.dataset)?,
        }
        if let Some(e) = &self.error {
            for line in e.lines() {
                writeln!(f, "  {line}")?;
            }
            if self.location.is_none() {
                return Ok(());
            }
        }
        if let (Some([c, h, w]), Some(n), Some(label)) = (self.image_shape, self.n_classes, &self.label_name) {
            let nuisances = if self.nuisances.is_empty() { "none".into() } else { self.nuisances.join(", ") };
            writeln!(
                f,
                "  images {c}x{h}x{w} u8, label `{label}` ({n} classes), nuisances: {nuisances}{}",
                self.load_seconds.map(|s| format!(", loaded in {s:.1} s")).unwrap_or_default()
            )?;
        }
        if !self.splits.is_empty() {
            writeln!(f, "  {:<6} {:>8} {:>8} {:>16}", "part", "images", "classes", "per class")?;
            for s in &self.splits {
                writeln!(
                    f,
                    "  {:<6} {:>8} {:>8} {:>16}",
                    s.part,
                    s.size,
                    s.classes_present,
                    format!("{}..{}", s.class_count_min, s.class_count_max)
                )?;
            }
        }
        for c in &self.checks {
            let tag = match c.status {
                Status::Ok => "ok",
                Status::Warn => "warn",
                Status::Fail => "FAIL",
            };
            writeln!(f, "  [{tag}] {}: {}", c.name, c.detail)?;
        }
        Ok(())
    }
}

/// All reports, one block each.
pub struct SurveyTable<'a>(pub &'a [DatasetReport]);

impl fmt::Display for SurveyTable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}
