//! The runs of a reproduction sweep: one per (dataset, method, seed), in a
//! fixed order, each in its own folder `<runs>/<dataset>/<method>/seed<k>[-quick]`,
//! shards of that order for job arrays, and [`run`], which trains and probes
//! every run of a sweep that has not finished yet.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::error::refuse_unless;
use crate::error::{Context, LabError, Result};
use tch::Device;
use tsd_core::{Budget, MethodConfig, MethodId};
use tsd_data::{DatasetKind, Splits};

use crate::budget;
use crate::pipeline::{read_summary, train_and_audit, RunRequest, RunSummary, CONFIG_FILE, SUMMARY_FILE};
use crate::setup::{apply_overrides, DataRequest};

/// One run of a sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RunKey {
    /// The dataset.
    pub dataset: DatasetKind,
    /// The method.
    pub method: MethodId,
    /// Seed of the config and of the data split.
    pub seed: u64,
    /// Quick budget (its own folders, never mixed with full runs).
    pub quick: bool,
}

impl RunKey {
    /// The run's folder under `runs`.
    pub fn dir(&self, runs: &Path) -> PathBuf {
        let suffix = if self.quick { "-quick" } else { "" };
        runs.join(self.dataset.dir_name()).join(self.method.name()).join(format!("seed{}{suffix}", self.seed))
    }
}

impl fmt::Display for RunKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} seed {}", self.dataset, self.method, self.seed)?;
        if self.quick {
            f.write_str(" (quick)")?;
        }
        Ok(())
    }
}

/// Every run of a sweep in its fixed order: dataset, then seed, then method,
/// so an interrupted sweep already holds both methods for the first seeds.
pub fn plan(datasets: &[DatasetKind], methods: &[MethodId], seeds: u64, quick: bool) -> Vec<RunKey> {
    let mut runs = Vec::new();
    for &dataset in datasets {
        for seed in 0..seeds {
            for &method in methods {
                runs.push(RunKey { dataset, method, seed, quick });
            }
        }
    }
    runs
}

/// Shard `index` of `count`: the runs whose position in [`plan`]'s order is
/// `index` modulo `count`. With a Slurm job array:
///
/// ```text
/// #SBATCH --array=0-7
/// tsd reproduce --dataset all --seeds 5 --shard ${SLURM_ARRAY_TASK_ID}/8
/// # once every task has finished:
/// tsd merge
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, `0..count`.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Shard {
    /// Whether the run at `position` of the plan belongs to this shard.
    pub fn takes(&self, position: usize) -> bool {
        position % self.count == self.index
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("bad shard {s:?}: expected i/n with 0 <= i < n, e.g. 0/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (usize, usize) =
            (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// What a sweep runs and how.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// Datasets, in order.
    pub datasets: Vec<DatasetKind>,
    /// A dataset asked for by name: its absence is an error, not a skip.
    pub required: Option<DatasetKind>,
    /// Methods, in order.
    pub methods: Vec<MethodId>,
    /// Seeds `0..seeds` per (dataset, method).
    pub seeds: u64,
    /// Budget of every run (its own folders and results for quick).
    pub budget: Budget,
    /// Only the runs of this shard.
    pub shard: Option<Shard>,
    /// The runs folder.
    pub runs: PathBuf,
    /// Folder holding the datasets (`None`: the usual search).
    pub data_dir: Option<PathBuf>,
    /// `--set [METHOD:]KEY=VALUE` overrides, in order.
    pub overrides: Vec<String>,
    /// Training images per run (`None`: the budget's).
    pub train_subset: Option<usize>,
    /// Validation hold-out for MNIST and NORB (`None`: the loader's default).
    pub val_size: Option<usize>,
    /// Where runs train.
    pub device: Device,
    /// Hide the runs' own progress output.
    pub quiet: bool,
}

/// Hears what a sweep does, to show it (a progress bar, log lines).
pub trait SweepProgress {
    /// A run starts: its position, the total and its folder.
    fn run_started(&self, position: usize, total: usize, key: &RunKey, dir: &Path);
    /// What is being done now.
    fn stage(&self, text: &str);
    /// A line for the user.
    fn line(&self, text: &str);
    /// Runs `work`, which prints to stderr itself (training, probing), with any bar hidden.
    fn suspend(&self, work: &mut dyn FnMut());
    /// A run finished (trained, skipped, failed or left out).
    fn run_done(&self, summary: Option<&RunSummary>);
}

/// What a sweep did.
#[derive(Debug, Default)]
pub struct SweepReport {
    /// Runs trained and probed now.
    pub trained: usize,
    /// Runs finished before (their summary re-used).
    pub skipped: usize,
    /// Runs that failed, with why.
    pub failed: Vec<String>,
    /// Datasets whose files are missing (runs left out).
    pub missing: Vec<DatasetKind>,
    /// Runs left to another process that was training them.
    pub busy: Vec<String>,
}

/// Number of runs `options` plans (after sharding).
pub fn plan_len(options: &SweepOptions) -> usize {
    planned(options).len()
}

/// The runs of `options`, in order, after sharding.
fn planned(options: &SweepOptions) -> Vec<RunKey> {
    plan(&options.datasets, &options.methods, options.seeds, options.budget.is_quick())
        .into_iter()
        .enumerate()
        .filter(|(i, _)| options.shard.is_none_or(|s| s.takes(*i)))
        .map(|(_, key)| key)
        .collect()
}

/// Trains and probes every run of `options` that has not finished; finished
/// runs (with `summary.json`) are skipped, interrupted ones resume. A failed
/// run is reported and the sweep goes on.
pub fn run(options: &SweepOptions, progress: &dyn SweepProgress) -> Result<SweepReport> {
    let runs = planned(options);
    let mut report = SweepReport { missing: missing_datasets(&runs, options, progress)?, ..Default::default() };
    let mut cache: Option<(DataRequest, Splits)> = None;
    for (i, key) in runs.iter().enumerate() {
        if report.missing.contains(&key.dataset) {
            progress.run_done(None);
            continue;
        }
        progress.run_started(i + 1, runs.len(), key, &key.dir(&options.runs));
        match run_one(key, options, &mut cache, progress) {
            Ok(Some(summary)) => {
                report.trained += 1;
                progress.run_done(Some(&summary));
            }
            Ok(None) => {
                report.skipped += 1;
                progress.run_done(None);
            }
            // A stop (Ctrl-C) ends the sweep: the runs after it would stop at once.
            Err(e @ LabError::Core(tsd_core::CoreError::Stopped { .. })) => return Err(e),
            Err(LabError::Busy { holder, .. }) => {
                progress.line(&format!("   left to {holder}, which is training it"));
                report.busy.push(format!("{key}: {holder}"));
                progress.run_done(None);
            }
            Err(e) => {
                progress.line(&format!("run {key} failed: {}", e.chain()));
                report.failed.push(format!("{key}: {}", e.chain()));
                progress.run_done(None);
            }
        }
    }
    Ok(report)
}

/// Datasets with runs still to train whose files are missing. Datasets not
/// asked for by name are reported and left out; one asked for by name is an
/// error (the message says where it looked and how to get it).
fn missing_datasets(runs: &[RunKey], options: &SweepOptions, progress: &dyn SweepProgress) -> Result<Vec<DatasetKind>> {
    let mut missing = Vec::new();
    for dataset in DatasetKind::ALL {
        let pending = runs.iter().any(|k| k.dataset == dataset && !k.dir(&options.runs).join(SUMMARY_FILE).exists());
        if !pending {
            continue;
        }
        if let Err(e) = tsd_data::locate(dataset, options.data_dir.as_deref()) {
            if options.required == Some(dataset) {
                return Err(e).context(format!("--dataset {dataset}"));
            }
            progress.line(&format!("skipping {dataset}: {e}"));
            missing.push(dataset);
        }
    }
    Ok(missing)
}

/// The config of `key`: the method's preset for the dataset and budget, the seed, then the overrides.
pub fn run_config(key: &RunKey, budget: Budget, overrides: &[String]) -> Result<MethodConfig> {
    let mut config = key.method.preset(key.dataset.dir_name(), budget)?;
    config.set("seed", &key.seed.to_string())?;
    apply_overrides(&mut config, overrides)?;
    Ok(config)
}

/// Trains and probes one run (`Some` summary), or skips it when its summary exists (`None`).
fn run_one(
    key: &RunKey,
    options: &SweepOptions,
    cache: &mut Option<(DataRequest, Splits)>,
    progress: &dyn SweepProgress,
) -> Result<Option<RunSummary>> {
    let dir = key.dir(&options.runs);
    let config = run_config(key, options.budget, &options.overrides)?;
    if dir.join(SUMMARY_FILE).exists() {
        refuse_unless!(
            config.matches_file(&dir.join(CONFIG_FILE))?,
            "{} finished with another config than the one asked for now; use another --runs folder",
            dir.display()
        );
        match read_summary(&dir) {
            Ok(_) => {
                progress.line(&format!("   finished before: re-using {}", dir.join(SUMMARY_FILE).display()));
                return Ok(None);
            }
            // A damaged summary: the finished checkpoint resumes with no
            // epoch to train, and the codes are probed again.
            Err(e) => progress.line(&format!("   {}; probing the trained model again", e.chain())),
        }
    }
    let request = DataRequest {
        dataset: key.dataset,
        data_dir: options.data_dir.clone(),
        seed: key.seed,
        val_size: options.val_size,
        train_subset: options.train_subset.or(budget::train_subset(options.budget)),
    };
    if cache.as_ref().is_none_or(|(r, _)| *r != request) {
        *cache = None;
        progress.stage(&format!("{key}: loading {}", key.dataset));
        *cache = Some((request.clone(), request.load()?));
    }
    let splits = &cache.as_ref().expect("loaded above").1;
    let run = RunRequest {
        config,
        data: request,
        quick: key.quick,
        out: dir,
        resume: true,
        quiet: options.quiet,
        device: options.device,
        probes: budget::probes(options.budget, options.device),
    };
    progress.stage(&format!("{key}: training and probing"));
    let mut outcome = None;
    progress.suspend(&mut || outcome = Some(train_and_audit(&run, splits)));
    let (_, _, summary) = outcome.expect("suspend runs its work")?;
    Ok(Some(summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_plan() {
        let plan = plan(&DatasetKind::ALL, MethodId::all(), 3, false);
        assert_eq!(plan.len(), 4 * MethodId::all().len() * 3);
        let names = (plan[0].method.name(), plan[1].method.name(), plan[1].seed);
        assert_eq!(names, ("two-step", "mathieu", 0));
        let shards: Vec<Shard> = (0..5).map(|i| format!("{i}/5").parse().unwrap()).collect();
        for (position, _) in plan.iter().enumerate() {
            assert_eq!(shards.iter().filter(|s| s.takes(position)).count(), 1);
        }
    }

    #[test]
    fn shard_syntax_is_checked() {
        assert_eq!("1/2".parse::<Shard>().unwrap(), Shard { index: 1, count: 2 });
        for bad in ["2/2", "0/0", "1", "a/2", "-1/2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn quick_runs_have_their_own_folders() {
        let key = RunKey { dataset: DatasetKind::Mnist, method: "mathieu".parse().unwrap(), seed: 2, quick: true };
        assert_eq!(key.dir(Path::new("runs")), Path::new("runs/mnist/mathieu/seed2-quick"));
        assert_eq!(RunKey { quick: false, ..key }.dir(Path::new("r")), Path::new("r/mnist/mathieu/seed2"));
    }
}
