//! The four dataset loaders on small files in their real formats.

use tempfile::tempdir;
use tsd_data::{cars3d, load_with_plan, norb, sprites, AreaResize, DatasetKind, LoadOptions, Splits, SpritesSplit};

use crate::common::*;

fn total(s: &Splits) -> usize {
    s.train.len() + s.val.len() + s.test.len()
}

#[test]
fn mnist_raw_and_gz() {
    for gz in [false, true] {
        let dir = tempdir().unwrap();
        mnist_dir(dir.path(), 20, 7, gz);
        let (s, plan) = load_with_plan(DatasetKind::Mnist, &opts(dir.path())).unwrap();
        assert_eq!((s.train.len(), s.val.len(), s.test.len()), (17, 3, 7));
        assert_eq!(s.train.image_shape(), (1, 28, 28));
        assert_eq!((s.train.n_classes, s.train.label_name.as_str()), (10, "digit"));
        assert!(s.train.nuisances.is_empty());
        plan.check().unwrap();
        for (part, d) in [(&plan.train, &s.train), (&plan.val, &s.val), (&plan.test, &s.test)] {
            for (k, &i) in part.iter().enumerate() {
                assert_eq!(d.labels[k], i % 10);
                let img: Vec<u8> = d.images.slice(ndarray::s![k, 0, .., ..]).iter().copied().collect();
                let want: Vec<u8> = (0..784).map(|p| mnist_pixel(i, p)).collect();
                assert_eq!(img, want);
            }
        }
    }
}

/// Checks every Sprites image against the pixels written, through the labels
/// and the clip / frame nuisances.
fn check_sprites_content(s: &Splits, h: usize, w: usize) {
    let offsets: Vec<usize> = sprites::CLIP_FRAMES
        .iter()
        .scan(0, |acc, &n| {
            let o = *acc;
            *acc += n;
            Some(o)
        })
        .collect();
    for (_, d) in s.parts() {
        let clip = &d.factor("clip").unwrap().values;
        let within = &d.factor("frame").unwrap().values;
        for k in 0..d.len() {
            let (c, f) = (d.labels[k], offsets[clip[k]] + within[k]);
            for ch in 0..3 {
                for y in 0..h {
                    for x in 0..w {
                        assert_eq!(d.images[[k, ch, y, x]], sprite_pixel(c, f, y, x, ch));
                    }
                }
            }
        }
    }
}

#[test]
fn sprites_frames_split_raw_and_gz() {
    for gz in [false, true] {
        let dir = tempdir().unwrap();
        sprites_dir(dir.path(), 4, 5, 6, gz);
        let o = LoadOptions { size: 5, ..opts(dir.path()) };
        let (s, plan) = load_with_plan(DatasetKind::Sprites, &o).unwrap();
        plan.check().unwrap();
        assert_eq!(total(&s), 4 * 178);
        // 178 frames: round(17.8) = 18 val and 18 test per character.
        assert_eq!((s.train.len(), s.val.len(), s.test.len()), (4 * 142, 4 * 18, 4 * 18));
        assert_eq!(s.train.class_counts(), vec![142; 4]);
        assert_eq!((s.train.n_classes, s.train.label_name.as_str()), (4, "identity"));
        let names: Vec<_> = s.train.nuisances.iter().map(|f| (f.name.as_str(), f.cardinality)).collect();
        assert_eq!(names, vec![("clip", 21), ("frame", 13)]);
    }
    // Square frames at their own size: every pixel checked.
    let dir = tempdir().unwrap();
    let d = sprites_dir(dir.path(), 3, 4, 4, true);
    let s = sprites::load_dir(&d, 4, SpritesSplit::default()).unwrap();
    check_sprites_content(&s, 4, 4);
}

#[test]
fn sprites_downscale_matches_area_resize() {
    let dir = tempdir().unwrap();
    let d = sprites_dir(dir.path(), 2, 6, 6, false);
    let s = sprites::load_dir(&d, 4, SpritesSplit::Characters).unwrap();
    let mut r = AreaResize::new(6, 6, 4, 4);
    let frame_of = |c: usize, f: usize| -> Vec<u8> {
        let mut v = Vec::new();
        for y in 0..6 {
            for x in 0..6 {
                for ch in 0..3 {
                    v.push(sprite_pixel(c, f, y, x, ch));
                }
            }
        }
        v
    };
    // Character 0 is in train (0 % 3 == 0): its frames in order.
    assert_eq!(s.train.len(), 178);
    for f in [0, 7, 100, 177] {
        let mut want = vec![0u8; 3 * 16];
        r.hwc_to_chw(&frame_of(0, f), 3, &mut want);
        let got: Vec<u8> = s.train.images.slice(ndarray::s![f, .., .., ..]).iter().copied().collect();
        assert_eq!(got, want, "frame {f}");
    }
}

#[test]
fn sprites_character_split() {
    let dir = tempdir().unwrap();
    let d = sprites_dir(dir.path(), 7, 2, 2, true);
    let s = sprites::load_dir(&d, 2, SpritesSplit::Characters).unwrap();
    // Characters 0, 3, 6 train; 1, 4 val; 2, 5 test; labels stay the character index.
    assert_eq!((s.train.len(), s.val.len(), s.test.len()), (3 * 178, 2 * 178, 2 * 178));
    assert_eq!(s.test.n_classes, 7);
    let mut test_chars: Vec<usize> = s.test.labels.clone();
    test_chars.dedup();
    assert_eq!(test_chars, vec![2, 5]);
    assert_eq!(s.train.class_counts(), vec![178, 0, 0, 178, 0, 0, 178]);
    check_sprites_content(&s, 2, 2);
}

#[test]
fn cars3d_views_and_2x2_means() {
    for gz in [false, true] {
        let dir = tempdir().unwrap();
        let d = cars3d_dir(dir.path(), 3, 4, 4, gz);
        let (s, plan) = load_with_plan(DatasetKind::Cars3d, &LoadOptions { size: 4, ..opts(dir.path()) }).unwrap();
        plan.check().unwrap();
        // 96 views: round(9.6) = 10 val, round(19.2) = 19 test, 67 train per car.
        assert_eq!((s.train.len(), s.val.len(), s.test.len()), (3 * 67, 3 * 10, 3 * 19));
        assert_eq!((s.train.n_classes, s.train.label_name.as_str()), (3, "identity"));
        for (_, p) in s.parts() {
            let el = &p.factor("elevation").unwrap().values;
            let az = &p.factor("azimuth").unwrap().values;
            for k in 0..p.len() {
                let v = el[k] * 24 + az[k];
                for ch in 0..3 {
                    for y in 0..4 {
                        for x in 0..4 {
                            assert_eq!(p.images[[k, ch, y, x]], car_pixel(p.labels[k], v, y, x, ch));
                        }
                    }
                }
            }
        }
        // Size 2: each pixel the 2×2 mean, rounded half up.
        let s = cars3d::load_dir(&d, 2, 0.1, 0.2, 0).unwrap();
        let p = &s.test;
        let (el, az) = (&p.nuisances[0].values, &p.nuisances[1].values);
        for k in 0..p.len() {
            let (c, v) = (p.labels[k], el[k] * 24 + az[k]);
            for ch in 0..3 {
                for y in 0..2 {
                    for x in 0..2 {
                        let sum: u32 = [(0, 0), (0, 1), (1, 0), (1, 1)]
                            .iter()
                            .map(|&(dy, dx)| car_pixel(c, v, 2 * y + dy, 2 * x + dx, ch) as u32)
                            .sum();
                        assert_eq!(p.images[[k, ch, y, x]] as u32, (sum + 2) / 4);
                    }
                }
            }
        }
    }
}

#[test]
fn cars3d_release_drops_the_two_duplicates() {
    let dir = tempdir().unwrap();
    let d = cars3d_dir(dir.path(), 183, 1, 1, true);
    let s = cars3d::load_dir(&d, 1, 0.1, 0.2, 0).unwrap();
    assert_eq!(s.train.n_classes, 181);
    assert_eq!(cars3d::kept_cars(183).len(), 181);
    assert_eq!(total(&s), 181 * 96);
    // Label l is file car kept[l]: 0..=112 → same, 113..=155 → +1, 156.. → +2.
    let kept = cars3d::kept_cars(183);
    assert_eq!((kept[112], kept[113], kept[155], kept[156], kept[180]), (112, 114, 156, 158, 182));
    let p = &s.train;
    for k in 0..p.len() {
        let v = p.nuisances[0].values[k] * 24 + p.nuisances[1].values[k];
        assert_eq!(p.images[[k, 0, 0, 0]], car_pixel(kept[p.labels[k]], v, 0, 0, 0));
    }
    // Another number of cars drops nothing.
    assert_eq!(cars3d::kept_cars(182).len(), 182);
}

#[test]
fn norb_raw_and_gz() {
    for gz in [false, true] {
        let dir = tempdir().unwrap();
        let d = norb_dir(dir.path(), 12, 7, 6, 6, gz);
        let (s, plan) = load_with_plan(DatasetKind::Norb, &LoadOptions { size: 6, ..opts(dir.path()) }).unwrap();
        plan.check().unwrap();
        assert_eq!((s.train.len(), s.val.len(), s.test.len()), (9, 3, 7));
        assert_eq!((s.train.n_classes, s.train.label_name.as_str()), (5, "category"));
        assert_eq!(s.train.image_shape(), (1, 6, 6));
        let names: Vec<_> = s.test.nuisances.iter().map(|f| (f.name.as_str(), f.cardinality)).collect();
        assert_eq!(names, vec![("instance", 10), ("elevation", 9), ("azimuth", 18), ("lighting", 6)]);
        for (t, (idx, p)) in [(0, (&plan.train, &s.train)), (0, (&plan.val, &s.val)), (1, (&plan.test, &s.test))] {
            for (k, &i) in idx.iter().enumerate() {
                assert_eq!(p.labels[k], i % 5);
                let info = norb_info(i);
                for (f, want) in p.nuisances.iter().zip([info[0], info[1], info[2] / 2, info[3]]) {
                    assert_eq!(f.values[k], want as usize);
                }
                for y in 0..6 {
                    for x in 0..6 {
                        // Left camera only.
                        assert_eq!(p.images[[k, 0, y, x]], norb_pixel(t, i, 0, y, x));
                    }
                }
            }
        }
        // Downscaled 6 → 3: 2×2 means of the left camera.
        let s = norb::load_dir(&d, 3, 2, 0).unwrap();
        for k in 0..s.test.len() {
            for y in 0..3 {
                for x in 0..3 {
                    let sum: u32 = [(0, 0), (0, 1), (1, 0), (1, 1)]
                        .iter()
                        .map(|&(dy, dx)| norb_pixel(1, k, 0, 2 * y + dy, 2 * x + dx) as u32)
                        .sum();
                    assert_eq!(s.test.images[[k, 0, y, x]] as u32, (sum + 2) / 4);
                }
            }
        }
    }
}

#[test]
fn kind_names_round_trip() {
    for k in DatasetKind::ALL {
        assert_eq!(k.to_string().parse::<DatasetKind>().unwrap(), k);
    }
    assert_eq!("CARS3D".parse::<DatasetKind>().unwrap(), DatasetKind::Cars3d);
    let e = "celeba".parse::<DatasetKind>().unwrap_err().to_string();
    assert!(e.contains("celeba") && e.contains("mnist, sprites, cars3d, norb"), "{e}");
}

#[test]
fn survey_reports_found_and_missing() {
    let dir = tempdir().unwrap();
    mnist_dir(dir.path(), 2010, 5, true);
    cars3d_dir(dir.path(), 2, 2, 2, false);
    let reports = tsd_data::survey(Some(dir.path()));
    assert_eq!(reports.len(), 4);
    let m = &reports[0];
    assert!(m.ok(), "{m}");
    assert_eq!(m.image_shape, Some([1, 28, 28]));
    assert_eq!(m.splits.iter().map(|s| s.size).collect::<Vec<_>>(), vec![10, 2000, 5]);
    assert!(reports[2].ok(), "{}", reports[2]);
    assert_eq!(reports[2].nuisances, vec!["elevation(4)", "azimuth(24)"]);
    for r in [&reports[1], &reports[3]] {
        assert!(!r.ok() && r.location.is_none());
        assert!(r.error.as_deref().unwrap().contains("not found"));
    }
    let text = tsd_data::SurveyTable(&reports).to_string();
    assert!(text.contains("mnist: ") && text.contains("norb: NOT FOUND"), "{text}");
    assert!(text.contains("cs.nyu.edu"), "{text}");
    let json = serde_json::to_string(&reports).unwrap();
    assert!(json.contains("\"dataset\":\"cars3d\""), "{json}");
}

/// Identical images under two labels: a failure, unless the pair is a known
/// one (Sprites characters of one block of four), which only warns.
#[test]
fn survey_flags_images_under_two_labels() {
    use tsd_data::survey::survey_one;
    use tsd_data::Status;
    let dup_status = |kind, root: &std::path::Path| {
        let r = survey_one(kind, &LoadOptions { size: 2, ..opts(root) });
        r.checks.iter().find(|c| c.name.contains("two labels")).unwrap().status
    };
    // Sprites, 5 characters of 2×2 frames; character `copy` made equal to character 0.
    for (copy, want) in [(1, Status::Warn), (4, Status::Fail)] {
        let dir = tempdir().unwrap();
        let d = sprites_dir(dir.path(), 5, 2, 2, false);
        let per_char = 178 * 2 * 2 * 3;
        let mut px: Vec<u8> = (0..5 * per_char).map(|k| (k % 251) as u8 ^ (k / per_char) as u8).collect();
        px.copy_within(0..per_char, copy * per_char);
        write(&d, "sprites-images-idx5-ubyte", &idx_u8(&[5, 178, 2, 2, 3], px), false);
        assert_eq!(dup_status(DatasetKind::Sprites, dir.path()), want, "copy {copy}");
    }
    // Cars3D with car 2 a copy of car 0 (not the 183-car release: nothing dropped).
    let dir = tempdir().unwrap();
    let d = cars3d_dir(dir.path(), 3, 2, 2, false);
    let per_car = 96 * 2 * 2 * 3;
    let mut px = std::fs::read(d.join("cars3d-images-idx6-ubyte")).unwrap()[28..].to_vec();
    px.copy_within(0..per_car, 2 * per_car);
    write(&d, "cars3d-images-idx6-ubyte", &idx_u8(&[3, 4, 24, 2, 2, 3], px), false);
    assert_eq!(dup_status(DatasetKind::Cars3d, dir.path()), Status::Fail);
}
