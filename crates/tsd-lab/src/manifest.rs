//! `run.json`: what a sweep run is (dataset, method, seed, budget), how its
//! data was loaded, and the command and machine that ran it. Written before a
//! run trains, so `tsd merge` can rebuild tables and figures from run folders
//! alone, wherever they were trained.

use std::path::Path;

use crate::error::refuse_unless;
use crate::error::{Context, Result};
use serde::{Deserialize, Serialize};
use tsd_core::MethodId;
use tsd_data::DatasetKind;

use crate::setup::DataRequest;
use crate::sweep::RunKey;

/// File name of the manifest inside a run folder.
pub const MANIFEST_FILE: &str = "run.json";

/// The CPU a run used, read from `/proc/cpuinfo`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Machine {
    /// CPU model name (`"unknown"` where `/proc/cpuinfo` is unreadable).
    pub cpu: String,
    /// Logical CPUs this process may use.
    pub cores: usize,
}

impl Machine {
    /// This machine.
    pub fn current() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        Machine {
            cpu: cpu_model(&cpuinfo).unwrap_or_else(|| "unknown".into()),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// The first `model name` of a `/proc/cpuinfo` text.
fn cpu_model(cpuinfo: &str) -> Option<String> {
    cpuinfo
        .lines()
        .find_map(|line| line.split_once(':').filter(|(k, _)| k.trim() == "model name").map(|(_, v)| v.trim()))
        .map(str::to_string)
}

/// The manifest of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunManifest {
    /// The dataset.
    pub dataset: DatasetKind,
    /// The method.
    pub method: MethodId,
    /// The seed (config seed and data split seed).
    pub seed: u64,
    /// Trained with the quick budget.
    pub quick: bool,
    /// How the data was loaded.
    pub data: DataRequest,
    /// What the label is (`digit`, `identity`, ...).
    pub label: String,
    /// The command that (last) ran it.
    pub command: String,
    /// Where it (last) ran.
    pub machine: Machine,
}

impl RunManifest {
    /// The run's key.
    pub fn key(&self) -> RunKey {
        RunKey { dataset: self.dataset, method: self.method, seed: self.seed, quick: self.quick }
    }

    /// Reads `dir/run.json`.
    pub fn read(dir: &Path) -> Result<RunManifest> {
        let path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }

    /// What differs between the run `self` describes and `other` (dataset,
    /// method, seed, budget, data options), each naming both values; empty
    /// when `other` may resume this run (the command and machine may change).
    pub fn differences(&self, other: &RunManifest) -> Vec<String> {
        fn field<T: PartialEq + std::fmt::Debug>(out: &mut Vec<String>, what: &str, there: &T, now: &T) {
            if there != now {
                out.push(format!("{what} ({there:?} there, {now:?} now)"));
            }
        }
        let mut out = Vec::new();
        field(&mut out, "another dataset", &self.dataset, &other.dataset);
        field(&mut out, "another method", &self.method.name(), &other.method.name());
        field(&mut out, "another seed", &self.seed, &other.seed);
        field(&mut out, "another budget (quick)", &self.quick, &other.quick);
        let (a, b) = (&self.data, &other.data);
        let mut data = Vec::new();
        field(&mut data, "data_dir", &a.data_dir, &b.data_dir);
        field(&mut data, "split seed", &a.seed, &b.seed);
        field(&mut data, "val_size", &a.val_size, &b.val_size);
        field(&mut data, "train_subset", &a.train_subset, &b.train_subset);
        if a.dataset != b.dataset && self.dataset == other.dataset {
            field(&mut data, "dataset", &a.dataset, &b.dataset);
        }
        if !data.is_empty() {
            out.push(format!("other data options: {}", data.join(", ")));
        }
        out
    }

    /// Writes `dir/run.json`, refusing a folder whose run differs (see
    /// [`RunManifest::differences`]): its checkpoint would resume on other data.
    pub fn write(&self, dir: &Path) -> Result<()> {
        if dir.join(MANIFEST_FILE).exists() {
            let differences = RunManifest::read(dir)?.differences(self);
            refuse_unless!(
                differences.is_empty(),
                "{}: the run there has {}; use the same options or another --runs folder",
                dir.join(MANIFEST_FILE).display(),
                differences.join(", ")
            );
        }
        let text = serde_json::to_string_pretty(self)?;
        tsd_core::common::checkpoint::write_atomic(&dir.join(MANIFEST_FILE), text.as_bytes())?;
        Ok(())
    }
}

/// This process's command line, program name without its folder, arguments
/// with spaces quoted.
pub fn command_line() -> String {
    let mut args = std::env::args();
    let program = args
        .next()
        .map(|p| Path::new(&p).file_name().map_or(p.clone(), |f| f.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "tsd".into());
    std::iter::once(program)
        .chain(args.map(|a| if a.contains(char::is_whitespace) { format!("'{a}'") } else { a }))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_model_is_the_first_model_name() {
        let text = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n\nprocessor\t: 1\nmodel name\t: other\n";
        assert_eq!(cpu_model(text).as_deref(), Some("AMD EPYC 7B13"));
        assert_eq!(cpu_model("flags: x"), None);
    }

    #[test]
    fn a_folder_refuses_other_data_options_but_takes_a_new_command() {
        let dir = tempfile::tempdir().unwrap();
        let data = DataRequest {
            dataset: DatasetKind::Mnist,
            data_dir: None,
            seed: 1,
            val_size: None,
            train_subset: Some(10),
        };
        let manifest = RunManifest {
            dataset: DatasetKind::Mnist,
            method: "two-step".parse().unwrap(),
            seed: 1,
            quick: true,
            data: data.clone(),
            label: "digit".into(),
            command: "tsd reproduce".into(),
            machine: Machine::current(),
        };
        manifest.write(dir.path()).unwrap();
        let again = RunManifest { command: "tsd reproduce --shard 0/2".into(), ..manifest.clone() };
        again.write(dir.path()).unwrap();
        assert_eq!(RunManifest::read(dir.path()).unwrap(), again);
        let other = RunManifest { data: DataRequest { train_subset: Some(20), ..data }, ..manifest };
        let err = other.write(dir.path()).unwrap_err();
        assert!(err.to_string().contains("other data options"), "{err}");
        assert!(err.to_string().contains("train_subset (Some(10) there, Some(20) now)"), "{err}");
        // Another method in the same folder (issue 17: the message showed two identical data options).
        let mathieu = RunManifest { method: "mathieu".parse().unwrap(), ..again };
        let err = mathieu.write(dir.path()).unwrap_err();
        assert!(err.to_string().contains("another method (\"two-step\" there, \"mathieu\" now)"), "{err}");
        assert!(!err.to_string().contains("data options"), "{err}");
    }
}
