//! Where tensors live: the CUDA kernels of libtorch are loaded whenever the
//! libtorch we built against has them, so `--device auto|cuda` can find a GPU.

use tsd_core::{CoreError, DeviceChoice};

/// Whether this process has mapped a shared library whose file name is `name`.
fn library_loaded(name: &str) -> bool {
    let maps = std::fs::read_to_string("/proc/self/maps").expect("reading /proc/self/maps");
    maps.lines().any(|line| line.rsplit('/').next() == Some(name))
}

#[test]
fn cuda_kernels_are_loaded_when_libtorch_has_them() {
    let lib = std::path::Path::new(env!("LIBTORCH")).join("lib");
    let has_cuda_kernels = lib.join("libtorch_cuda.so").exists();
    assert!(library_loaded("libtorch_cpu.so"), "libtorch_cpu.so is not mapped: is /proc/self/maps readable?");
    assert_eq!(
        library_loaded("libtorch_cuda.so"),
        has_cuda_kernels,
        "libtorch_cuda.so in {}: {has_cuda_kernels}; the linker must keep it (build/libtorch_rpath.rs)",
        lib.display()
    );
}

#[test]
fn cuda_request_resolves_only_where_a_gpu_is() {
    let gpu = tch::Cuda::is_available();
    match DeviceChoice::Cuda.resolve() {
        Ok(device) => assert!(gpu && device == tch::Device::Cuda(0)),
        Err(err) => assert!(!gpu && matches!(err, CoreError::NoCuda), "{err}"),
    }
    let auto = DeviceChoice::Auto.resolve().unwrap();
    assert_eq!(auto, if gpu { tch::Device::Cuda(0) } else { tch::Device::Cpu });
    assert_eq!(DeviceChoice::Cpu.resolve().unwrap(), tch::Device::Cpu);
}
