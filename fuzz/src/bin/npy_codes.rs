//! Codes and labels as `.npy` (`tsd probe --train x.npy --train-labels y.npy`).
fn main() {
    let path = tsd_fuzz::scratch().join("codes.npy");
    afl::fuzz!(|data: &[u8]| {
        tsd_fuzz::put(&path, data);
        let _ = tsd_metrics::codes::read_npy_features(&path);
        let _ = tsd_metrics::codes::read_npy_labels(&path);
    });
}
