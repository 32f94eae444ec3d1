//! The runs of a reproduction sweep: one per (dataset, method, seed), in a
//! fixed order, each in its own folder `<runs>/<dataset>/<method>/seed<k>[-quick]`,
//! and shards of that order for job arrays.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use tsd_core::Method;
use tsd_data::DatasetKind;

/// One run of a sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RunKey {
    /// The dataset.
    pub dataset: DatasetKind,
    /// The method.
    pub method: Method,
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
pub fn plan(datasets: &[DatasetKind], methods: &[Method], seeds: u64, quick: bool) -> Vec<RunKey> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_plan() {
        let plan = plan(&DatasetKind::ALL, &Method::ALL, 3, false);
        assert_eq!(plan.len(), 4 * 2 * 3);
        assert_eq!((plan[0].method, plan[1].method, plan[1].seed), (Method::TwoStep, Method::Mathieu, 0));
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
        let key = RunKey { dataset: DatasetKind::Mnist, method: Method::Mathieu, seed: 2, quick: true };
        assert_eq!(key.dir(Path::new("runs")), Path::new("runs/mnist/mathieu/seed2-quick"));
        assert_eq!(RunKey { quick: false, ..key }.dir(Path::new("r")), Path::new("r/mnist/mathieu/seed2"));
    }
}
