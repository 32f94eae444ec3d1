//! Build script shared by the crates whose binaries and tests link libtorch:
//! records libtorch's library folder as the run-time search path, so a plain
//! `cargo run` / `cargo test`, or a built `tsd` started from anywhere, finds
//! `libtorch_cpu.so` and friends without `LD_LIBRARY_PATH`.
//!
//! `LIBTORCH` comes from the workspace's `.cargo/config.toml` (the `.libtorch`
//! link made by `scripts/bootstrap`); it is resolved to the real folder so the
//! binaries keep working when the checkout that built them is gone.
//!
//! When libtorch has CUDA kernels (`libtorch_cuda.so`, as in the PyTorch
//! wheel), it is also linked with `--no-as-needed`: nothing in tch names one of
//! its symbols, so the default `--as-needed` would drop it, and libtorch would
//! then never see a GPU (`--device cuda` refused, `auto` always the CPU).

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    println!("cargo:rerun-if-changed=../../build/libtorch_rpath.rs");
    let Some(libtorch) = std::env::var_os("LIBTORCH") else {
        println!("cargo:warning=LIBTORCH is not set: run scripts/bootstrap first");
        return;
    };
    let libtorch = std::path::PathBuf::from(libtorch);
    let libtorch = libtorch.canonicalize().unwrap_or(libtorch);
    let lib = libtorch.join("lib");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    // tsd-metrics links libtorch only with its `mlp` feature; without it no
    // search path for libtorch is given, and `-ltorch_cuda` would not resolve.
    let links_torch = std::env::var("CARGO_PKG_NAME").as_deref() != Ok("tsd-metrics")
        || std::env::var_os("CARGO_FEATURE_MLP").is_some();
    if links_torch && lib.join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
}
