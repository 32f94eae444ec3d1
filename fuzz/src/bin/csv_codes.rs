//! Codes as CSV (`tsd probe --train x.csv`), label column `label`.
fn main() {
    let path = tsd_fuzz::scratch().join("codes.csv");
    afl::fuzz!(|data: &[u8]| {
        tsd_fuzz::put(&path, data);
        let _ = tsd_metrics::read_csv_codes(&path, "label");
    });
}
