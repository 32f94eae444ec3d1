//! Per-dataset facts agree with the kinds, the readers and `locate`.

use std::collections::BTreeSet;
use std::path::Path;

use tempfile::tempdir;
use tsd_data::locate::{expected_files, locate, NORB_URL};
use tsd_data::{cars3d, facts, load, DatasetKind, LoadOptions};

use crate::common::*;

#[test]
fn every_kind_has_its_facts() {
    let consts = [facts::MNIST, facts::SPRITES, facts::CARS3D, facts::NORB];
    for (kind, c) in DatasetKind::ALL.into_iter().zip(consts) {
        let f = kind.facts();
        assert_eq!(*f, c);
        assert_eq!(f.name, kind.dir_name());
        assert_eq!(f.name.parse::<DatasetKind>().unwrap(), kind);
        for text in [f.title, f.label, f.label_meaning, f.origin, f.anchor_caveat] {
            assert!(!text.trim().is_empty(), "{kind}");
        }
        assert!(f.n_classes > 1 && !f.files.is_empty(), "{kind}");
        assert_eq!(f.nuisance_names().len(), f.nuisances.len());
        // A stand-in is itself available and has no stand-in.
        if let Some(s) = f.stand_in {
            assert_ne!(s, kind);
            assert!(s.facts().availability.is_none() && s.facts().stand_in.is_none());
        }
    }
    let names: BTreeSet<_> = DatasetKind::ALL.iter().map(|k| k.facts().name).collect();
    assert_eq!(names.len(), 4);
}

#[test]
fn norb_is_unavailable_and_cars3d_stands_in() {
    let f = DatasetKind::Norb.facts();
    assert_eq!(f.download, Some(NORB_URL));
    assert_eq!(f.stand_in, Some(DatasetKind::Cars3d));
    let note = f.availability.unwrap();
    assert!(note.contains(NORB_URL) && note.contains("Cars3D stands in"), "{note}");
    for k in [DatasetKind::Mnist, DatasetKind::Sprites, DatasetKind::Cars3d] {
        assert!(k.facts().availability.is_none(), "{k}");
    }
    assert!(DatasetKind::Cars3d.facts().results_caveat.unwrap().contains("stands in for small NORB"));
}

#[test]
fn known_duplicates() {
    let cars = DatasetKind::Cars3d.facts();
    assert_eq!(cars.n_classes, cars3d::kept_cars(cars3d::RELEASE_CARS).len());
    assert_eq!(cars.n_classes, cars3d::RELEASE_CARS - cars3d::DROPPED_DUPLICATES.len());
    let text = cars.duplicates.join(" ");
    for i in cars3d::DROPPED_DUPLICATES {
        assert!(text.contains(&format!("{i}")), "{text}");
    }
    for (a, b) in cars3d::NEAR_DUPLICATE_LABELS {
        assert!(text.contains(&format!("labels {a} and {b}")), "{text}");
    }
    assert!(DatasetKind::Sprites.facts().duplicates.join(" ").contains("52.5 %"));
    for k in [DatasetKind::Mnist, DatasetKind::Norb] {
        assert!(k.facts().duplicates.is_empty() && k.facts().results_caveat.is_none(), "{k}");
    }
}

/// Loads `kind` from `root` (the full number of classes where the files
/// allow it) and checks name, label, classes and nuisances against its facts.
fn check_reader(kind: DatasetKind, root: &Path, all_classes: bool) {
    let opts = LoadOptions { size: 1, ..opts(root) };
    let s = load(kind, &opts).unwrap();
    let f = kind.facts();
    for (_, d) in s.parts() {
        assert_eq!((d.name.as_str(), d.label_name.as_str()), (f.name, f.label), "{kind}");
        let nuisances: Vec<_> = d.nuisances.iter().map(|n| (n.name.as_str(), n.cardinality)).collect();
        assert_eq!(nuisances, f.nuisances, "{kind}");
        if all_classes {
            assert_eq!(d.n_classes, f.n_classes, "{kind}");
        }
    }
}

#[test]
fn readers_return_the_facts() {
    let dir = tempdir().unwrap();
    let root = dir.path();
    mnist_dir(root, 8, 2, false);
    check_reader(DatasetKind::Mnist, root, true);
    // The full numbers of characters and cars, 1×1 pixel each.
    sprites_dir(root, tsd_data::sprites::RELEASE_CHARACTERS, 1, 1, true);
    check_reader(DatasetKind::Sprites, root, true);
    cars3d_dir(root, cars3d::RELEASE_CARS, 1, 1, true);
    check_reader(DatasetKind::Cars3d, root, true);
    norb_dir(root, 8, 2, 2, 2, false);
    check_reader(DatasetKind::Norb, root, true);
}

#[test]
fn expected_files_are_what_locate_requires() {
    for kind in DatasetKind::ALL {
        let files = kind.facts().files;
        assert_eq!(expected_files(kind), files, "{kind}");
        let dir = tempdir().unwrap();
        let folder = dir.path().join(kind.dir_name());
        for (k, name) in files.iter().enumerate() {
            write(&folder, name, b"", k % 2 == 0);
        }
        assert_eq!(locate(kind, Some(dir.path())).unwrap(), folder, "{kind}");
        // Any one missing: not found, and the error names it.
        for (k, name) in files.iter().enumerate() {
            let path = folder.join(if k % 2 == 0 { format!("{name}.gz") } else { name.to_string() });
            let bytes = std::fs::read(&path).unwrap();
            std::fs::remove_file(&path).unwrap();
            let e = locate(kind, Some(dir.path())).unwrap_err().to_string();
            assert!(e.contains(name), "{kind}: {e}");
            std::fs::write(&path, bytes).unwrap();
        }
    }
}

/// The test writers produce exactly the files the facts list.
#[test]
fn generated_folders_hold_the_listed_files() {
    let dir = tempdir().unwrap();
    let root = dir.path();
    let folders = [
        (DatasetKind::Mnist, mnist_dir(root, 1, 1, true)),
        (DatasetKind::Sprites, sprites_dir(root, 1, 1, 1, true)),
        (DatasetKind::Cars3d, cars3d_dir(root, 1, 1, 1, true)),
        (DatasetKind::Norb, norb_dir(root, 1, 1, 1, 1, true)),
    ];
    for (kind, folder) in folders {
        let found: BTreeSet<String> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().trim_end_matches(".gz").to_string())
            .collect();
        let listed: BTreeSet<String> = kind.facts().files.iter().map(|s| s.to_string()).collect();
        assert_eq!(found, listed, "{kind}");
    }
}
