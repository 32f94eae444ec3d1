//! Where the data lives.
//!
//! Each dataset is a sub-folder (`mnist/`, `sprites/`, `cars3d/`, `norb/`) of a
//! data folder. The data folders tried, in order:
//! 1. an explicit `--data-dir`, if given (then only it);
//! 2. otherwise the environment variable `TSD_DATA_DIR`, if set;
//! 3. `<workspace>/data`;
//! 4. `<workspace>/../shared/data`,
//!
//! where `<workspace>` is the root of the workspace this crate was built in.
//! The first folder holding all of a dataset's files wins.

use std::path::{Path, PathBuf};

use crate::error::{DataError, Result};
use crate::DatasetKind;

/// Environment variable naming a data folder.
pub const DATA_DIR_ENV: &str = "TSD_DATA_DIR";

/// Where small NORB can be downloaded (it is not shipped with tsd); the
/// [`download`](crate::DatasetFacts::download) of its facts.
pub use crate::facts::NORB_URL;

/// The data folders to try, in order (see the module docs).
pub fn data_dirs(explicit: Option<&Path>) -> Vec<PathBuf> {
    let env = std::env::var_os(DATA_DIR_ENV).map(PathBuf::from);
    let workspace = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).canonicalize().ok();
    candidate_dirs(explicit, env.as_deref(), workspace.as_deref())
}

/// The search order of [`data_dirs`] for a given explicit folder, value of
/// `TSD_DATA_DIR` (an empty value counts as unset) and workspace root.
pub fn candidate_dirs(explicit: Option<&Path>, env: Option<&Path>, workspace: Option<&Path>) -> Vec<PathBuf> {
    if let Some(dir) = explicit {
        return vec![dir.to_path_buf()];
    }
    let mut dirs = Vec::new();
    if let Some(env) = env.filter(|p| !p.as_os_str().is_empty()) {
        dirs.push(env.to_path_buf());
    }
    if let Some(ws) = workspace {
        dirs.push(ws.join("data"));
        let shared = ws.join("../shared/data");
        dirs.push(shared.canonicalize().unwrap_or(shared));
    }
    dirs
}

/// Files a dataset's folder must hold (each also accepted with `.gz` appended):
/// the [`files`](crate::DatasetFacts::files) of its facts.
pub fn expected_files(kind: DatasetKind) -> &'static [&'static str] {
    kind.facts().files
}

/// `dir/name.gz` if it exists, else `dir/name` if it exists.
pub fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    let gz = dir.join(format!("{name}.gz"));
    if gz.is_file() {
        return Some(gz);
    }
    let raw = dir.join(name);
    raw.is_file().then_some(raw)
}

/// Like [`find_file`], but a missing file is a [`DataError::MissingDataset`]
/// that names `dir` and the file.
pub fn require_file(kind: DatasetKind, dir: &Path, name: &str) -> Result<PathBuf> {
    find_file(dir, name).ok_or_else(|| missing(kind, vec![dir.to_path_buf()], &[name]))
}

/// The folder holding `kind`'s files: the `<kind>/` sub-folder of the first
/// data folder (see [`data_dirs`]) that has all of them.
pub fn locate(kind: DatasetKind, explicit: Option<&Path>) -> Result<PathBuf> {
    let files = expected_files(kind);
    let mut searched = Vec::new();
    for base in data_dirs(explicit) {
        let dir = base.join(kind.dir_name());
        if files.iter().all(|f| find_file(&dir, f).is_some()) {
            return Ok(dir);
        }
        searched.push(dir);
    }
    Err(missing(kind, searched, files))
}

fn missing(kind: DatasetKind, searched: Vec<PathBuf>, files: &[&str]) -> DataError {
    let name = kind.dir_name();
    let hint = match kind.facts().download {
        Some(url) => format!(
            "{name} is not shipped with tsd: download its {} files from {url} \
             into a `{name}/` folder of a data folder (they may stay gzipped)",
            expected_files(kind).len()
        ),
        None => {
            format!("put the files in a `{name}/` folder of a data folder, or pass --data-dir / set {DATA_DIR_ENV}")
        }
    };
    let states = searched.iter().map(|dir| folder_state(dir, files)).collect();
    DataError::MissingDataset {
        dataset: kind.to_string(),
        states,
        searched,
        expected: files.iter().map(|s| s.to_string()).collect(),
        hint: Some(hint),
    }
}

/// What `dir` lacks of `files`: `no such folder`, `not a folder`, or the
/// missing files and the names that are folders instead of files.
fn folder_state(dir: &Path, files: &[&str]) -> String {
    if !dir.exists() {
        return "no such folder".into();
    }
    if !dir.is_dir() {
        return "not a folder".into();
    }
    let (mut missing, mut folders) = (Vec::new(), Vec::new());
    for &name in files {
        if find_file(dir, name).is_some() {
            continue;
        }
        if dir.join(name).is_dir() || dir.join(format!("{name}.gz")).is_dir() {
            folders.push(name);
        } else {
            missing.push(name);
        }
    }
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("missing: {}", missing.join(", ")));
    }
    if !folders.is_empty() {
        parts.push(format!("a folder, not a file: {}", folders.join(", ")));
    }
    parts.join("; ")
}
