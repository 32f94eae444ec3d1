//! Checkpoints and model files (safetensors with tsd's metadata: checksum,
//! format tag, config TOML, data spec JSON).
use tsd_core::{ModelSpec, TwoStepConfig};

fn main() {
    let path = tsd_fuzz::scratch().join("model.safetensors");
    afl::fuzz!(|data: &[u8]| {
        tsd_fuzz::put(&path, data);
        let _ = tsd_core::common::checkpoint::load(&path, tch::Device::Cpu);
        let _ = tsd_core::common::checkpoint::load_model::<TwoStepConfig, ModelSpec>(
            &path,
            "tsd-two-step-v1",
            tch::Device::Cpu,
        );
    });
}
