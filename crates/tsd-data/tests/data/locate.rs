//! Search order of the data folders.

use std::path::{Path, PathBuf};

use tempfile::tempdir;
use tsd_data::locate::{candidate_dirs, find_file, locate};
use tsd_data::DatasetKind;

use crate::common::{mnist_dir, write};

#[test]
fn explicit_dir_is_the_only_one() {
    let dirs = candidate_dirs(Some(Path::new("/x")), Some(Path::new("/env")), Some(Path::new("/ws")));
    assert_eq!(dirs, vec![PathBuf::from("/x")]);
}

#[test]
fn env_then_workspace_data_then_shared() {
    let dirs = candidate_dirs(None, Some(Path::new("/env")), Some(Path::new("/ws")));
    assert_eq!(dirs, vec![PathBuf::from("/env"), PathBuf::from("/ws/data"), PathBuf::from("/ws/../shared/data")]);
    let dirs = candidate_dirs(None, Some(Path::new("")), Some(Path::new("/ws")));
    assert_eq!(dirs[0], PathBuf::from("/ws/data"));
}

#[test]
fn finds_gz_or_raw_and_needs_every_file() {
    let dir = tempdir().unwrap();
    let d = mnist_dir(dir.path(), 2, 2, true);
    assert_eq!(locate(DatasetKind::Mnist, Some(dir.path())).unwrap(), d);
    let raw = write(&d, "x", b"1", false);
    assert_eq!(find_file(&d, "x"), Some(raw));
    assert_eq!(find_file(&d, "train-images-idx3-ubyte"), Some(d.join("train-images-idx3-ubyte.gz")));
    std::fs::remove_file(d.join("train-images-idx3-ubyte.gz")).unwrap();
    assert!(locate(DatasetKind::Mnist, Some(dir.path())).is_err());
}
