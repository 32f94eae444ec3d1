//! Helpers shared by the end-to-end tests: running the built `tsd` binary
//! and writing small datasets in the real file formats.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

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

/// Runs the built `tsd` in `cwd` without a library path or data folder from the environment.
pub fn tsd(cwd: &Path, args: &[&str]) -> Output {
    Command::new(tsd_binary())
        .args(args)
        .current_dir(cwd)
        .env_remove("LD_LIBRARY_PATH")
        .env_remove("TSD_DATA_DIR")
        .output()
        .expect("tsd could not be started")
}

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
