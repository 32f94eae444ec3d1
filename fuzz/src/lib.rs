//! Shared by the fuzz targets: every parser of tsd reads files, so each
//! target writes AFL's input to a scratch file (in /dev/shm when there is
//! one) and calls the real reader on it.

use std::path::PathBuf;

/// A scratch folder of this process, for the input files.
pub fn scratch() -> PathBuf {
    let base = if std::path::Path::new("/dev/shm").is_dir() { PathBuf::from("/dev/shm") } else { std::env::temp_dir() };
    let dir = base.join(format!("tsd-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// Writes `data` to `path` (a failure here is the fuzzer's machine, not tsd).
pub fn put(path: &std::path::Path, data: &[u8]) {
    std::fs::write(path, data).expect("writing the scratch input");
}
