//! A run folder's `run.json`, `summary.json` and `log.csv` (read by
//! `tsd merge`, `tsd codes` and `tsd reproduce`); the input is all three
//! files, split at the first two NUL bytes.
fn main() {
    let dir = tsd_fuzz::scratch();
    afl::fuzz!(|data: &[u8]| {
        let mut parts = data.splitn(3, |&b| b == 0);
        let (manifest, summary, log) =
            (parts.next().unwrap_or(&[]), parts.next().unwrap_or(&[]), parts.next().unwrap_or(&[]));
        tsd_fuzz::put(&dir.join("run.json"), manifest);
        tsd_fuzz::put(&dir.join("summary.json"), summary);
        tsd_fuzz::put(&dir.join("log.csv"), log);
        let _ = tsd_lab::manifest::RunManifest::read(&dir);
        let _ = tsd_lab::pipeline::read_summary(&dir);
        if let Ok(history) = tsd_core::train::History::read_csv(&dir.join("log.csv")) {
            for method in tsd_core::MethodId::all() {
                let _ = method.curves(&history);
            }
        }
    });
}
