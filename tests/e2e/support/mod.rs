//! Helpers shared by the end-to-end tests: running the built `tsd` binary,
//! reading its `--help` pages and its CSV output, and writing small datasets
//! in the real file formats.

pub mod help;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The `tsd` binary of this build profile, built once per test run: this
/// crate is not the binary's own, so Cargo does not build it for us.
/// `cargo build -p tsd-cli` is a no-op when the binary is up to date.
pub fn tsd_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        // The test executable lives in <target>/<profile>/deps/.
        let exe = std::env::current_exe().expect("the test binary's path");
        let profile_dir = exe.parent().and_then(Path::parent).expect("<target>/<profile>/deps/<test>");
        let mut build = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        build.args(["build", "--quiet", "-p", "tsd-cli", "--bin", "tsd"]).current_dir(env!("CARGO_MANIFEST_DIR"));
        if profile_dir.file_name().is_some_and(|p| p == "release") {
            build.arg("--release");
        }
        let status = build.status().expect("cargo could not be started to build tsd");
        assert!(status.success(), "building the tsd binary failed");
        let binary = profile_dir.join("tsd");
        assert!(binary.exists(), "{} missing after cargo build", binary.display());
        binary
    })
}

/// The built `tsd` with `args`, in `cwd`, without a library path or data folder from the environment.
fn command<S: AsRef<std::ffi::OsStr>>(cwd: &Path, args: &[S]) -> Command {
    let mut command = Command::new(tsd_binary());
    command.args(args).current_dir(cwd).env_remove("LD_LIBRARY_PATH").env_remove("TSD_DATA_DIR");
    command
}

/// Runs the built `tsd` in `cwd` without a library path or data folder from the environment.
pub fn tsd(cwd: &Path, args: &[&str]) -> Output {
    command(cwd, args).output().expect("tsd could not be started")
}

/// Starts `tsd` like [`tsd`] in the background, stdout discarded, stderr piped
/// (for `wait_with_output`; a run that is never read from must stay `--quiet`).
pub fn spawn<S: AsRef<std::ffi::OsStr>>(cwd: &Path, args: &[S]) -> Child {
    command(cwd, args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("tsd could not be started")
}

/// Waits (polling, two minutes at most) until `ready` holds; panics with `what` otherwise.
pub fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !ready() {
        assert!(Instant::now() < deadline, "{what} not within two minutes");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `tsd` like [`tsd`] and panics with its command line and output unless it succeeds; returns its stdout.
pub fn tsd_ok(cwd: &Path, args: &[&str]) -> String {
    let out = tsd(cwd, args);
    assert!(out.status.success(), "tsd {} failed:\n{}", args.join(" "), text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs `tsd` like [`tsd`] and panics unless it fails (without a crash); returns stdout and stderr.
pub fn tsd_fails(cwd: &Path, args: &[&str]) -> String {
    let out = tsd(cwd, args);
    let msg = text(&out);
    assert!(!out.status.success(), "tsd {} succeeded:\n{msg}", args.join(" "));
    assert!(out.status.code().is_some(), "tsd {} was killed by a signal:\n{msg}", args.join(" "));
    assert!(!msg.contains("panicked"), "tsd {} panicked:\n{msg}", args.join(" "));
    msg
}

/// The root of the workspace (the checkout), which holds README.md and scripts/.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ sits in the workspace root").to_path_buf()
}

/// Header and records of a CSV file with a header row.
pub fn read_csv_file(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = reader.headers().unwrap().iter().map(str::to_string).collect();
    let rows = reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
    (header, rows)
}

/// Options of `tsd train` for a run of seconds on [`write_small_mnist`]'s data in
/// `--data-dir .`: 600 training images, narrow networks, one epoch a step, no MLP probe.
pub const TINY_TRAIN: [&str; 23] = [
    "train",
    "--dataset",
    "mnist",
    "--data-dir",
    ".",
    "--device",
    "cpu",
    "--quiet",
    "--val-size",
    "400",
    "--train-subset",
    "600",
    "--step1-epochs",
    "1",
    "--step2-epochs",
    "1",
    "--no-mlp-probe",
    "--set",
    "nf=8",
    "--set",
    "batch_size=50",
    "--set",
    "bn_momentum=0.1",
];

/// Standard output and error of a finished command.
pub fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Writes an MNIST-format IDX file (gzipped when `name` ends in `.gz`).
pub fn write_idx(path: &Path, magic: u32, dims: &[u32], payload: &[u8]) {
    let mut bytes = magic.to_be_bytes().to_vec();
    for d in dims {
        bytes.extend(d.to_be_bytes());
    }
    bytes.extend(payload);
    let mut file = std::fs::File::create(path).unwrap();
    if path.extension().is_some_and(|e| e == "gz") {
        let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        gz.write_all(&bytes).unwrap();
        gz.finish().unwrap();
    } else {
        file.write_all(&bytes).unwrap();
    }
}

/// A small MNIST-format dataset (generated shapes padded to 28x28) under `root/mnist`.
pub fn write_small_mnist(root: &Path) {
    let dir = root.join("mnist");
    std::fs::create_dir_all(&dir).unwrap();
    for (prefix, n, seed) in [("train", 2600, 1), ("t10k", 400, 2)] {
        let data = tsd_data::synthetic::shapes(n, 4, seed);
        let mut pixels = vec![0u8; n * 28 * 28];
        for i in 0..n {
            for r in 0..16 {
                for c in 0..16 {
                    pixels[i * 784 + (r + 6) * 28 + c + 6] = data.images[[i, 0, r, c]];
                }
            }
        }
        let labels: Vec<u8> = data.labels.iter().map(|&y| y as u8).collect();
        write_idx(&dir.join(format!("{prefix}-images-idx3-ubyte.gz")), 2051, &[n as u32, 28, 28], &pixels);
        write_idx(&dir.join(format!("{prefix}-labels-idx1-ubyte")), 2049, &[n as u32], &labels);
    }
}
