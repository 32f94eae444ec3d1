//! `tsd config`: every preset of every registered method, the quick budget,
//! and the errors for an unknown method or preset.

use tsd_core::{Budget, MethodId};

use crate::support::{text, tsd, tsd_fails, tsd_ok};

#[test]
fn the_binary_runs_from_another_folder_and_prints_a_preset_that_parses() {
    let dir = tempfile::tempdir().unwrap();
    let out = tsd(dir.path(), &["config", "--dataset", "mnist"]);
    assert!(out.status.success(), "{}", text(&out));
    let config: tsd_core::TwoStepConfig = toml::from_str(&String::from_utf8_lossy(&out.stdout)).unwrap();
    assert_eq!(config, tsd_core::TwoStepConfig::mnist_released());
}

/// `tsd config --method <method> --dataset <preset> [--quick]`, parsed.
fn printed(dir: &std::path::Path, method: MethodId, preset: &str, quick: bool) -> toml::Table {
    let mut args = vec!["config", "--method", method.name(), "--dataset", preset];
    if quick {
        args.push("--quick");
    }
    let out = tsd_ok(dir, &args);
    out.parse().unwrap_or_else(|e| panic!("tsd {}: not TOML ({e}):\n{out}", args.join(" ")))
}

/// The library's own preset, as TOML.
fn library(method: MethodId, preset: &str, budget: Budget) -> toml::Table {
    method.preset(preset, budget).unwrap().to_toml().unwrap().parse().unwrap()
}

/// Every `epochs` field of a config, with its dotted path (`step1.epochs`).
fn epochs(table: &toml::Table, prefix: &str) -> Vec<(String, i64)> {
    let mut found = Vec::new();
    for (key, value) in table {
        let path = format!("{prefix}{key}");
        match value {
            toml::Value::Table(inner) => found.extend(epochs(inner, &format!("{path}."))),
            toml::Value::Integer(n) if key == "epochs" => found.push((path, *n)),
            _ => {}
        }
    }
    found
}

#[test]
fn config_prints_every_preset_of_every_method_as_the_library_builds_it_and_its_help_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let help = tsd_ok(dir.path(), &["config", "--help"]);
    for &method in MethodId::all() {
        assert!(help.contains(method.name()), "tsd config --help does not name {method}:\n{help}");
        assert!(!method.presets().is_empty(), "{method} has no preset");
        for preset in method.presets() {
            assert!(help.contains(preset), "tsd config --help does not name the preset {preset}:\n{help}");
            let full = printed(dir.path(), method, preset, false);
            assert_eq!(full, library(method, preset, Budget::Full), "{method} {preset}");
            assert!(!epochs(&full, "").is_empty(), "{method} {preset}: no epochs field");
        }
    }
}

#[test]
fn config_quick_prints_two_epochs_a_phase_and_the_every_batch_schedule_for_two_step() {
    let dir = tempfile::tempdir().unwrap();
    for &method in MethodId::all() {
        for preset in method.presets() {
            let (full, quick) = (printed(dir.path(), method, preset, false), printed(dir.path(), method, preset, true));
            assert_eq!(quick, library(method, preset, Budget::Quick), "{method} {preset} --quick");
            let quick_epochs = epochs(&quick, "");
            assert!(
                !quick_epochs.is_empty() && quick_epochs.iter().all(|(_, n)| *n == 2),
                "{method} {preset} --quick: {quick_epochs:?}"
            );
            assert_ne!(epochs(&full, ""), quick_epochs, "{method} {preset}: --quick changed no epochs");
            if method.name() == "two-step" {
                let phases: Vec<&str> = quick_epochs.iter().map(|(path, _)| path.as_str()).collect();
                assert_eq!(phases, ["step1.epochs", "step2.epochs"], "{preset}");
                assert_eq!(quick["step2"]["schedule"]["kind"].as_str(), Some("every_batch"), "{preset}: {quick:#?}");
            }
        }
    }
    // The released MNIST settings step the encoder on every 4th batch of every 4th epoch; --quick does not.
    let two_step = MethodId::named("two-step").expect("two-step is registered");
    let released = printed(dir.path(), two_step, "mnist", false);
    assert_eq!(released["step2"]["schedule"]["kind"].as_str(), Some("released"), "{released:#?}");
}

#[test]
fn config_names_the_registered_methods_or_the_presets_when_given_an_unknown_one() {
    let dir = tempfile::tempdir().unwrap();
    let msg = tsd_fails(dir.path(), &["config", "--method", "nope"]);
    assert!(msg.contains("nope"), "{msg}");
    for method in MethodId::all() {
        assert!(msg.contains(method.name()), "unknown method: {method} not named:\n{msg}");
    }
    for &method in MethodId::all() {
        let msg = tsd_fails(dir.path(), &["config", "--method", method.name(), "--dataset", "nope"]);
        assert!(msg.contains("nope"), "{msg}");
        for preset in method.presets() {
            assert!(msg.contains(preset), "unknown {method} preset: {preset} not named:\n{msg}");
        }
    }
}
