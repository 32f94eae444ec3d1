//! One writer per run folder, and refusals that change nothing.
//!
//! [`RunFolder::open`] takes an advisory lock on `<run>/.lock` (released by
//! the kernel when the process ends, however it ends, so a killed run never
//! leaves it stuck), then checks that the run can start or resume there, and
//! only then writes `run.json` and `config.toml`. A second writer is refused
//! with the other process named; a refused start leaves every file as it was
//! (the lock file aside).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use tsd_core::train::CHECKPOINT_FILE;
use tsd_core::MethodConfig;

use crate::error::{Context, LabError, Result};
use crate::manifest::RunManifest;
use crate::pipeline::CONFIG_FILE;

/// The lock file inside a run folder.
pub const LOCK_FILE: &str = ".lock";

/// A run folder held by this process until dropped.
#[derive(Debug)]
pub struct RunFolder {
    dir: PathBuf,
    _lock: File,
}

impl RunFolder {
    /// Locks `dir` (creating it) and checks, before writing anything, that
    /// `manifest` and `config` may start there (or, with `resume`, continue
    /// the run there); then writes `run.json` and `config.toml`.
    ///
    /// Refused: another process holds the folder; a checkpoint is there and
    /// `resume` is off; the folder's run has another dataset, method, seed,
    /// budget, data options or (when resuming) config.
    pub fn open(dir: &Path, manifest: &RunManifest, config: &MethodConfig, resume: bool) -> Result<RunFolder> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let lock = lock(&dir.join(LOCK_FILE))?;
        let checkpoint = dir.join(CHECKPOINT_FILE);
        if checkpoint.exists() && !resume {
            return Err(LabError::Refused(format!(
                "{}: a training checkpoint is already there: pass --resume to continue it, or choose another output folder",
                checkpoint.display()
            )));
        }
        let config_path = dir.join(CONFIG_FILE);
        if resume && config_path.exists() && !config.matches_file(&config_path)? {
            return Err(LabError::Refused(format!(
                "{}: the run was started with another config; resume with the same options (compare with `tsd config`), \
                 or start it again in another folder",
                config_path.display()
            )));
        }
        manifest.write(dir)?; // refuses another run's folder before writing
        config.save(&config_path)?;
        Ok(RunFolder { dir: dir.to_path_buf(), _lock: lock })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// Takes the exclusive lock of `path` without waiting, and writes this
/// process's id and command into it (for the message of a refused writer).
fn lock(path: &Path) -> Result<File> {
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            let holder = if holder.is_empty() { "another process".to_string() } else { holder.to_string() };
            return Err(LabError::Busy { dir: path.parent().unwrap_or(path).to_path_buf(), holder });
        }
        Err(TryLockError::Error(e)) => return Err(e).context(format!("locking {}", path.display())),
    }
    let me = format!("process {} ({})", std::process::id(), crate::manifest::command_line());
    let write = |file: &mut File| -> std::io::Result<()> {
        file.set_len(0)?;
        file.seek(SeekFrom::Start(0))?;
        file.write_all(me.as_bytes())
    };
    write(&mut file).with_context(|| format!("writing {}", path.display()))?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use tsd_core::{Budget, MethodId};
    use tsd_data::DatasetKind;

    use super::*;
    use crate::manifest::Machine;
    use crate::setup::DataRequest;

    fn manifest(train_subset: Option<usize>) -> RunManifest {
        let data = DataRequest { dataset: DatasetKind::Mnist, data_dir: None, seed: 0, val_size: None, train_subset };
        RunManifest {
            dataset: DatasetKind::Mnist,
            method: "two-step".parse().unwrap(),
            seed: 0,
            quick: false,
            data,
            label: "digit".into(),
            command: "tsd train".into(),
            machine: Machine::current(),
        }
    }

    fn config(step2_epochs: usize) -> MethodConfig {
        let mut config = "two-step".parse::<MethodId>().unwrap().preset("mnist", Budget::Full).unwrap();
        config.set("step2.epochs", &step2_epochs.to_string()).unwrap();
        config
    }

    /// The files of `dir` but the lock, with their bytes.
    fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap() != LOCK_FILE)
            .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn a_refused_train_changes_nothing_in_the_run_folder() {
        let dir = tempfile::tempdir().unwrap();
        drop(RunFolder::open(dir.path(), &manifest(Some(500)), &config(1), false).unwrap());
        std::fs::write(dir.path().join(CHECKPOINT_FILE), b"a checkpoint").unwrap();
        let before = files(dir.path());
        // Another config without --resume: refused for the checkpoint, nothing rewritten.
        let err = RunFolder::open(dir.path(), &manifest(Some(500)), &config(4), false).unwrap_err();
        assert!(err.to_string().contains("--resume"), "{err}");
        // Another config with --resume: refused for the config.
        let err = RunFolder::open(dir.path(), &manifest(Some(500)), &config(4), true).unwrap_err();
        assert!(err.to_string().contains("another config"), "{err}");
        // Other data options: refused, naming the option.
        let err = RunFolder::open(dir.path(), &manifest(Some(600)), &config(1), true).unwrap_err();
        assert!(err.to_string().contains("train_subset (Some(500) there, Some(600) now)"), "{err}");
        assert_eq!(files(dir.path()), before);
        // The same options resume.
        RunFolder::open(dir.path(), &manifest(Some(500)), &config(1), true).unwrap();
    }

    #[test]
    fn a_second_writer_is_refused_naming_the_first_until_it_ends() {
        let dir = tempfile::tempdir().unwrap();
        let first = RunFolder::open(dir.path(), &manifest(None), &config(1), false).unwrap();
        let before = files(dir.path());
        let err = RunFolder::open(dir.path(), &manifest(None), &config(2), false).unwrap_err();
        let pid = format!("process {}", std::process::id());
        assert!(err.to_string().contains("being written by") && err.to_string().contains(&pid), "{err}");
        assert_eq!(files(dir.path()), before);
        drop(first);
        RunFolder::open(dir.path(), &manifest(None), &config(2), false).unwrap();
    }
}
