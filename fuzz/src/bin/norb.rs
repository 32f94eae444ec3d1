//! small NORB binary matrices, raw or gzipped.
fn main() {
    let path = tsd_fuzz::scratch().join("input.mat");
    afl::fuzz!(|data: &[u8]| {
        tsd_fuzz::put(&path, data);
        let _ = tsd_data::norb::read(&path);
    });
}
