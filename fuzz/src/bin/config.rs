//! Config files (`--config`, a run's `config.toml`) of every registered method.
use tsd_core::MethodId;

fn main() {
    let path = tsd_fuzz::scratch().join("config.toml");
    afl::fuzz!(|data: &[u8]| {
        tsd_fuzz::put(&path, data);
        for method in MethodId::all() {
            if let Ok(mut config) = method.load_config(&path) {
                let _ = config.set("seed", "3");
                let _ = config.to_toml();
            }
        }
    });
}
