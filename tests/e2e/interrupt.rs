//! Interrupted training (issue 17): `kill -9` at random moments, resumed each
//! time, ends byte-identical to an uninterrupted run; Ctrl-C stops at the next
//! batch and says how to resume; a second writer of a run folder is refused.

use std::path::Path;
use std::process::Command;
use std::thread::sleep;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::support::{spawn, text, tsd, tsd_fails, tsd_ok, wait_until, write_small_mnist, TINY_TRAIN};

/// [`TINY_TRAIN`] with `epochs` per step, the encoder stepping on every batch, into `out`.
fn train_args(epochs: &str, out: &str) -> Vec<String> {
    let mut args: Vec<String> = TINY_TRAIN.iter().map(|a| a.to_string()).collect();
    for flag in ["--step1-epochs", "--step2-epochs"] {
        let at = args.iter().position(|a| a == flag).unwrap();
        args[at + 1] = epochs.into();
    }
    args.extend(["--set", "step2.schedule.kind=every_batch", "--out", out].map(String::from));
    args
}

fn as_strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// `log.csv` without the columns that measure time.
fn log_without_times(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.contains("samples_per_s"))
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            [cells[0], cells[1], cells[3], cells[4]].join(",")
        })
        .collect()
}

#[test]
fn kill_9_at_random_moments_then_resume_ends_byte_identical_to_an_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    write_small_mnist(dir.path());
    let whole = train_args("3", "whole");
    let started = Instant::now();
    tsd_ok(dir.path(), &as_strs(&whole));
    let full_time = started.elapsed();

    let killed = train_args("3", "killed");
    let mut resumed = killed.clone();
    resumed.push("--resume".into());
    let log = dir.path().join("killed/log.csv");
    let epochs_logged = || {
        log_without_times(&log)
            .iter()
            .skip(1)
            .map(|l| l.split(',').take(2).collect::<Vec<_>>())
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    let epoch_time = full_time / 8; // 6 epochs, start-up and probing
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    let mut kills = 0;
    for attempt in 0..3 {
        let args = if attempt == 0 { &killed } else { &resumed };
        let before = if log.exists() { epochs_logged() } else { 0 };
        let mut child = spawn(dir.path(), args);
        // Each attempt trains at least one more epoch, then dies at a random moment.
        wait_until("a new epoch", || child.try_wait().unwrap().is_some() || (log.exists() && epochs_logged() > before));
        sleep(epoch_time.mul_f64(rng.gen_range(0.0..1.0)));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
    }
    assert!(kills >= 2, "only {kills} kills landed before the run ended");
    tsd_ok(dir.path(), &as_strs(&resumed));
    let read = |run: &str, file: &str| std::fs::read(dir.path().join(run).join(file)).unwrap();
    assert!(read("whole", "model.safetensors") == read("killed", "model.safetensors"), "model files differ");
    // The logged figures agree to the last bits or so: a loss read back from
    // libtorch can differ in its last bit between processes (its reductions
    // depend on where the data lies in memory), while the weights are identical.
    let logs = |run: &str| log_without_times(&dir.path().join(run).join("log.csv"));
    let (a, b) = (logs("whole"), logs("killed"));
    assert_eq!(a.len(), b.len(), "{a:?}\n{b:?}");
    for (x, y) in a.iter().zip(&b).skip(1) {
        let (kx, vx) = x.rsplit_once(',').unwrap();
        let (ky, vy) = y.rsplit_once(',').unwrap();
        let (vx, vy): (f64, f64) = (vx.parse().unwrap(), vy.parse().unwrap());
        assert!(kx == ky && (vx - vy).abs() <= 1e-12 * vx.abs().max(1.0), "{x} vs {y}");
    }
}

#[test]
fn ctrl_c_stops_at_the_next_batch_and_says_how_to_resume() {
    let dir = tempfile::tempdir().unwrap();
    write_small_mnist(dir.path());
    let args = train_args("200", "run");
    let child = spawn(dir.path(), &args);
    let log = dir.path().join("run/log.csv");
    wait_until("a finished epoch", || log.exists());
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("stopped at step1") && stderr.contains("--resume"), "{stderr}");
    assert!(dir.path().join("run/checkpoint.safetensors").exists());
    assert!(!dir.path().join("run/model.safetensors").exists(), "a stopped run wrote a model");
}

#[test]
fn a_second_writer_of_a_run_folder_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write_small_mnist(dir.path());
    let first = train_args("200", "run");
    let mut child = spawn(dir.path(), &first);
    let log = dir.path().join("run/log.csv");
    wait_until("a finished epoch", || log.exists());
    let config = std::fs::read(dir.path().join("run/config.toml")).unwrap();
    let mut second = train_args("200", "run");
    second.extend(["--set", "step2.lambda_adv=2"].map(String::from));
    let msg = tsd_fails(dir.path(), &as_strs(&second));
    assert!(msg.contains("being written by process") && msg.contains(&child.id().to_string()), "{msg}");
    assert_eq!(std::fs::read(dir.path().join("run/config.toml")).unwrap(), config);
    child.kill().unwrap();
    child.wait().unwrap();
    // The lock dies with its process: the folder is free again (and a
    // different config is still refused, now for the checkpoint there).
    let out = tsd(dir.path(), &as_strs(&second));
    assert!(!out.status.success() && text(&out).contains("--resume"), "{}", text(&out));
}
