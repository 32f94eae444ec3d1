//! Seeded split plans: deterministic, disjoint, covering.

use tempfile::tempdir;
use tsd_data::split::{fraction_counts, holdout, within_groups};
use tsd_data::{cars3d, load_with_plan, mnist, sprites, DatasetKind, SplitIndices};

use crate::common::{mnist_dir, opts};

#[test]
fn holdout_is_seeded_disjoint_and_covering() {
    let a = mnist::split_plan(1000, 50, 100, 7);
    assert_eq!(a, mnist::split_plan(1000, 50, 100, 7));
    assert_ne!(a.val, mnist::split_plan(1000, 50, 100, 8).val);
    a.check().unwrap();
    assert_eq!((a.train.len(), a.val.len(), a.test.len()), (900, 100, 50));
    let (rest, held) = holdout(10, 10, 0);
    assert!(rest.is_empty() && held == (0..10).collect::<Vec<_>>());
}

#[test]
fn within_groups_is_seeded_disjoint_covering_and_balanced() {
    let a = within_groups(20, 96, 0.1, 0.2, 3);
    a.check().unwrap();
    assert_eq!(a, within_groups(20, 96, 0.1, 0.2, 3));
    assert_ne!(a, within_groups(20, 96, 0.1, 0.2, 4));
    for g in 0..20 {
        let in_group = |v: &[usize]| v.iter().filter(|&&i| i / 96 == g).count();
        assert_eq!((in_group(&a.train), in_group(&a.val), in_group(&a.test)), (67, 10, 19));
    }
    // Groups are not all split the same way.
    let first: Vec<usize> = a.test.iter().filter(|&&i| i < 96).copied().collect();
    let second: Vec<usize> = a.test.iter().filter(|&&i| (96..192).contains(&i)).map(|i| i - 96).collect();
    assert_ne!(first, second);
    assert_eq!(fraction_counts(178, 0.1, 0.1), (142, 18, 18));
}

#[test]
fn dataset_plans() {
    cars3d::split_plan(181, 0.1, 0.2, 0).check().unwrap();
    sprites::frame_plan(672, 0.1, 0.1, 0).check().unwrap();
    let chars = sprites::CharacterSplit { train: vec![0, 2], val: vec![3], test: vec![1] };
    let p = sprites::character_plan(&chars, 4);
    p.check().unwrap();
    assert_eq!(p.test, (178..356).collect::<Vec<_>>());
}

#[test]
fn check_finds_overlap_gaps_and_strays() {
    let ok = SplitIndices { n: 4, train: vec![0, 1], val: vec![2], test: vec![3], separate_test: false };
    ok.check().unwrap();
    let overlap = SplitIndices { val: vec![1, 2], ..ok.clone() };
    assert!(overlap.check().unwrap_err().contains("two parts"));
    let gap = SplitIndices { test: vec![], ..ok.clone() };
    assert!(gap.check().unwrap_err().contains("no part"));
    let stray = SplitIndices { test: vec![3, 4], ..ok.clone() };
    assert!(stray.check().unwrap_err().contains("outside"));
    let unsorted = SplitIndices { train: vec![1, 0], ..ok };
    assert!(unsorted.check().is_err());
}

#[test]
fn loaded_splits_follow_the_seed() {
    let dir = tempdir().unwrap();
    mnist_dir(dir.path(), 40, 3, false);
    let o = |seed| opts(dir.path()).with_seed(seed);
    let (a, pa) = load_with_plan(DatasetKind::Mnist, &o(1)).unwrap();
    let (b, pb) = load_with_plan(DatasetKind::Mnist, &o(1)).unwrap();
    let (_, pc) = load_with_plan(DatasetKind::Mnist, &o(2)).unwrap();
    assert_eq!(pa, pb);
    assert_eq!(a.val.images, b.val.images);
    assert_eq!(a.train.labels, b.train.labels);
    assert_ne!(pa.val, pc.val);
    pc.check().unwrap();
}

#[test]
fn with_seed_also_seeds_the_sprites_frame_split() {
    let o = tsd_data::LoadOptions::default().with_seed(5);
    assert_eq!(o.sprites_split, tsd_data::SpritesSplit::Frames { seed: 5, val_fraction: 0.1, test_fraction: 0.1 });
}
