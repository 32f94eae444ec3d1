//! IDX files (MNIST and tsd's Sprites/Cars3D files), raw or gzipped.
fn main() {
    let path = tsd_fuzz::scratch().join("input.idx");
    afl::fuzz!(|data: &[u8]| {
        tsd_fuzz::put(&path, data);
        let _ = tsd_data::idx::read(&path);
    });
}
