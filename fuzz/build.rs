//! Records libtorch's library folder as the run-time search path of the
//! targets that use it (checkpoints, configs, run folders). Unlike the
//! workspace's build script it does not force `libtorch_cuda.so` in: the
//! parser targets must not map libtorch at all, to run under AFL's memory limit.

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    if let Some(libtorch) = std::env::var_os("LIBTORCH") {
        let libtorch = std::path::PathBuf::from(libtorch);
        let lib = libtorch.canonicalize().unwrap_or(libtorch).join("lib");
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    }
}
