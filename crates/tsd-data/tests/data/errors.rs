//! Every kind of bad input gives the right typed error, naming the file.

use std::path::Path;

use tempfile::tempdir;
use tsd_data::{cars3d, idx, load, mnist, norb, sprites, DataError, DatasetKind, Elements, LoadOptions, SpritesSplit};

use crate::common::{gzip, idx_u8, mnist_dir, norb_bytes, norb_dir, opts, sprites_dir, write};

/// The error names `path`, both as a field and in its message.
fn names(e: &DataError, path: &Path) {
    assert_eq!(e.path(), Some(path), "{e:?}");
    assert!(e.to_string().contains(&path.display().to_string()), "{e}");
}

#[test]
fn wrong_magic() {
    let dir = tempdir().unwrap();
    // Not IDX at all.
    let p = write(dir.path(), "a", &[1, 2, 3, 4, 5, 6, 7, 8], false);
    let e = idx::read(&p).unwrap_err();
    assert!(matches!(e, DataError::BadMagic { found: 0x01020304, .. }), "{e}");
    names(&e, &p);
    // Unknown type code.
    let p = write(dir.path(), "b", &[0, 0, 0x0A, 1, 0, 0, 0, 0], true);
    assert!(matches!(idx::read(&p).unwrap_err(), DataError::BadMagic { found: 0x0A01, .. }));
    // A labels file where MNIST expects images.
    let root = dir.path().join("m");
    let d = mnist_dir(&root, 5, 5, true);
    let images = d.join("train-images-idx3-ubyte.gz");
    std::fs::copy(d.join("train-labels-idx1-ubyte.gz"), &images).unwrap();
    let e = load(DatasetKind::Mnist, &opts(&root)).unwrap_err();
    assert!(matches!(e, DataError::BadMagic { found: 2049, .. }), "{e}");
    assert!(e.to_string().contains("0x00000803"), "{e}");
    names(&e, &images);
    // NORB.
    let p = write(dir.path(), "c.mat", &[0x55, 0x4C, 0x3D, 0x1F, 1, 0, 0, 0], false);
    let e = norb::read(&p).unwrap_err();
    assert!(matches!(e, DataError::BadMagic { found: 0x1F3D4C55, .. }), "{e}");
    names(&e, &p);
}

#[test]
fn truncated() {
    let dir = tempdir().unwrap();
    let full = idx_u8(&[4, 3], (0..12).collect());
    for gz in [false, true] {
        // In the header.
        let p = write(dir.path(), "h", &full[..6], gz);
        let e = idx::read(&p).unwrap_err();
        assert!(matches!(e, DataError::Truncated { expected: 12, actual: 6, .. }), "{e}");
        names(&e, &p);
        // In the payload.
        let p = write(dir.path(), "p", &full[..full.len() - 5], gz);
        let e = idx::read(&p).unwrap_err();
        assert!(matches!(e, DataError::Truncated { expected: 24, actual: 19, .. }), "{e}");
        names(&e, &p);
        // A raw file is checked when opened; a gzip stream when it runs out.
        if gz {
            let mut r = idx::open(&p).unwrap();
            let mut buf = [0u8; 3];
            let got: Result<Vec<()>, _> = (0..4).map(|_| r.read_record(&mut buf)).collect();
            assert!(matches!(got, Err(DataError::Truncated { .. })));
        } else {
            assert!(matches!(idx::open(&p), Err(DataError::Truncated { .. })));
        }
    }
    // NORB, in the dims and in the payload.
    let n = norb_bytes(&[2, 3], Elements::I32(vec![1; 6]));
    for cut in [14, n.len() - 1] {
        let p = write(dir.path(), "n.mat", &n[..cut], true);
        let e = norb::read(&p).unwrap_err();
        assert!(matches!(e, DataError::Truncated { .. }), "{e}");
        names(&e, &p);
    }
}

#[test]
fn trailing_bytes() {
    let dir = tempdir().unwrap();
    let mut bytes = idx_u8(&[2, 2], vec![1, 2, 3, 4]);
    bytes.extend_from_slice(&[9, 9, 9]);
    for gz in [false, true] {
        let p = write(dir.path(), "t", &bytes, gz);
        let e = idx::read(&p).unwrap_err();
        assert!(matches!(e, DataError::LengthMismatch { expected: 16, actual: 19, .. }), "{e}");
        names(&e, &p);
        // Streaming a gzip file: detected by finish().
        if gz {
            let mut r = idx::open(&p).unwrap();
            let mut buf = [0u8; 2];
            r.read_record(&mut buf).unwrap();
            r.read_record(&mut buf).unwrap();
            assert!(matches!(r.finish(), Err(DataError::LengthMismatch { .. })));
        }
    }
    let mut n = norb_bytes(&[2], Elements::U8(vec![1, 2]));
    n.push(0);
    let p = write(dir.path(), "n.mat", &n, false);
    assert!(matches!(norb::read(&p), Err(DataError::LengthMismatch { .. })));
}

#[test]
fn dims_disagree_with_length() {
    let dir = tempdir().unwrap();
    // The header says 3 × 2 bytes; the file carries 3 × 4.
    let mut bytes = idx_u8(&[3, 2], vec![0; 6]);
    bytes.extend_from_slice(&[0; 6]);
    for gz in [false, true] {
        let p = write(dir.path(), "d", &bytes, gz);
        let e = idx::read(&p).unwrap_err();
        match &e {
            DataError::LengthMismatch { dims, expected, actual, .. } => {
                assert_eq!((dims.as_slice(), *expected, *actual), (&[3, 2][..], 18, 24));
            }
            _ => panic!("{e}"),
        }
        assert!(e.to_string().contains("[3, 2]"), "{e}");
        names(&e, &p);
    }
    // Dims that no file could hold are rejected before anything is allocated.
    let mut huge = vec![0, 0, 8, 3];
    for d in [u32::MAX, u32::MAX, u32::MAX] {
        huge.extend_from_slice(&d.to_be_bytes());
    }
    for gz in [false, true] {
        let p = write(dir.path(), "huge", &huge, gz);
        assert!(idx::read(&p).is_err());
    }
    // Valid dims, but not those of the dataset.
    let root = dir.path().join("s");
    let d = sprites_dir(&root, 2, 2, 2, false);
    let p = write(&d, "sprites-images-idx5-ubyte", &idx_u8(&[2, 177, 2, 2, 3], vec![0; 2 * 177 * 12]), false);
    let e = sprites::load_dir(&d, 2, SpritesSplit::default()).unwrap_err();
    assert!(matches!(e, DataError::UnexpectedDims { .. }), "{e}");
    names(&e, &p);
    // Negative NORB dims.
    let mut n = norb_bytes(&[1], Elements::U8(vec![0]));
    n[8..12].copy_from_slice(&(-1i32).to_le_bytes());
    let p = write(dir.path(), "neg.mat", &n, false);
    assert!(matches!(norb::read(&p), Err(DataError::InvalidHeader { .. })));
}

#[test]
fn images_and_labels_of_different_counts() {
    let dir = tempdir().unwrap();
    let root = dir.path();
    let d = mnist_dir(root, 6, 4, false);
    let labels = write(&d, "t10k-labels-idx1-ubyte", &idx_u8(&[3], vec![0, 1, 2]), false);
    let e = load(DatasetKind::Mnist, &opts(root)).unwrap_err();
    match &e {
        DataError::CountMismatch { n_images: 4, n_labels: 3, labels: l, images } => {
            assert_eq!(l, &labels);
            assert_eq!(images, &d.join("t10k-images-idx3-ubyte"));
        }
        _ => panic!("{e}"),
    }
    assert!(e.to_string().contains(&labels.display().to_string()));
    // Sprites attributes and NORB dat / cat.
    let d = sprites_dir(&root.join("s"), 2, 2, 2, true);
    write(&d, "sprites-attributes-idx2-ubyte", &idx_u8(&[3, 7], vec![0; 21]), true);
    assert!(matches!(
        sprites::load_dir(&d, 2, SpritesSplit::default()),
        Err(DataError::CountMismatch { n_images: 2, n_labels: 3, .. })
    ));
    let d = norb_dir(&root.join("n"), 5, 3, 2, 2, false);
    write(&d, norb::TRAINING[1], &norb_bytes(&[4], Elements::I32(vec![0; 4])), false);
    write(&d, norb::TRAINING[2], &norb_bytes(&[4, 4], Elements::I32(vec![0; 16])), false);
    let e = norb::load_dir(&d, 2, 1, 0).unwrap_err();
    assert!(matches!(e, DataError::CountMismatch { n_images: 5, n_labels: 4, .. }), "{e}");
    names(&e, &d.join(norb::TRAINING[0]));
}

#[test]
fn corrupt_gzip() {
    let dir = tempdir().unwrap();
    let payload: Vec<u8> = (0..4000u32).map(|i| (i * 7 % 251) as u8).collect();
    let good = gzip(&idx_u8(&[4000], payload));
    // A flipped byte in the deflate data, a cut stream, garbage after the magic.
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x55;
    let cut = good[..good.len() / 2].to_vec();
    let garbage = vec![0x1f, 0x8b, 8, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    let mut crc = good.clone();
    let n = crc.len();
    crc[n - 6] ^= 1; // CRC32 of the trailer
    for (name, bytes) in [("flip", flipped), ("cut", cut), ("garbage", garbage), ("crc", crc)] {
        let p = dir.path().join(format!("{name}.gz"));
        std::fs::write(&p, bytes).unwrap();
        let e = idx::read(&p).unwrap_err();
        assert!(matches!(e, DataError::CorruptGzip { .. } | DataError::Truncated { .. }), "{name}: {e}");
        names(&e, &p);
        if name != "cut" {
            assert!(matches!(e, DataError::CorruptGzip { .. }), "{name}: {e}");
        }
    }
}

#[test]
fn labels_out_of_range() {
    let dir = tempdir().unwrap();
    let root = dir.path();
    let d = mnist_dir(root, 5, 5, true);
    let p = write(&d, "train-labels-idx1-ubyte", &idx_u8(&[5], vec![0, 1, 2, 10, 4]), true);
    let e = load(DatasetKind::Mnist, &opts(root)).unwrap_err();
    assert!(matches!(e, DataError::LabelOutOfRange { index: 3, value: 10, limit: 10, .. }), "{e}");
    names(&e, &p);
    let d = norb_dir(&root.join("n"), 4, 4, 2, 2, true);
    let p = write(&d, norb::TESTING[1], &norb_bytes(&[4], Elements::I32(vec![0, 5, 1, 1])), true);
    let e = norb::load_dir(&d, 2, 1, 0).unwrap_err();
    assert!(matches!(e, DataError::LabelOutOfRange { index: 1, value: 5, limit: 5, .. }), "{e}");
    names(&e, &p);
    let p = write(&d, norb::TESTING[1], &norb_bytes(&[4], Elements::I32(vec![0, -1, 1, 1])), true);
    assert!(matches!(norb::load_dir(&d, 2, 1, 0), Err(DataError::LabelOutOfRange { value: -1, .. })));
    names(&norb::load_dir(&d, 2, 1, 0).unwrap_err(), &p);
    write(&d, norb::TESTING[1], &norb_bytes(&[4], Elements::I32(vec![0; 4])), true);
    // Odd azimuth, azimuth 36, lighting 6, elevation 9, instance -1.
    for (col, v) in [(2, 3), (2, 36), (3, 6), (1, 9), (0, -1)] {
        let mut info = vec![0i32; 16];
        info[4 + col] = v;
        let p = write(&d, norb::TESTING[2], &norb_bytes(&[4, 4], Elements::I32(info)), true);
        let e = norb::load_dir(&d, 2, 1, 0).unwrap_err();
        assert!(matches!(e, DataError::FactorOutOfRange { index: 1, value, .. } if value == v as i64), "{e}");
        names(&e, &p);
    }
}

#[test]
fn bad_splits_json() {
    let dir = tempdir().unwrap();
    let d = sprites_dir(dir.path(), 3, 2, 2, false);
    for bad in [
        "not json",
        r#"{"train": [0], "val": [1]}"#,
        r#"{"train": [0, 3], "val": [1], "test": [2]}"#,
        r#"{"train": [0, 1], "val": [1], "test": [2]}"#,
        r#"{"train": [0], "val": [-1], "test": [2]}"#,
    ] {
        let p = write(&d, "splits.json", bad.as_bytes(), false);
        let e = sprites::load_dir(&d, 2, SpritesSplit::Characters).unwrap_err();
        assert!(matches!(e, DataError::BadSplits { .. }), "{bad}: {e}");
        names(&e, &p);
    }
}

#[test]
fn missing_dataset_lists_folders_and_files() {
    let dir = tempdir().unwrap();
    let opts = LoadOptions::default().with_data_dir(dir.path());
    for kind in DatasetKind::ALL {
        let e = load(kind, &opts).unwrap_err();
        let DataError::MissingDataset { dataset, searched, expected, .. } = &e else { panic!("{e}") };
        assert_eq!(dataset, &kind.to_string());
        assert_eq!(searched, &vec![dir.path().join(kind.dir_name())]);
        assert_eq!(expected.len(), tsd_data::locate::expected_files(kind).len());
        let msg = e.to_string();
        assert!(msg.contains(&dir.path().join(kind.dir_name()).display().to_string()), "{msg}");
        for f in expected {
            assert!(msg.contains(f.as_str()), "{msg}");
        }
    }
    let e = load(DatasetKind::Norb, &opts).unwrap_err().to_string();
    assert!(e.contains("https://cs.nyu.edu/~ylclab/data/norb-v1.0-small/"), "{e}");
    assert!(e.contains("smallnorb-5x46789x9x18x6x2x96x96-training-dat.mat"), "{e}");
    // A folder missing one file: that file is named.
    let d = mnist_dir(dir.path(), 3, 3, false);
    std::fs::remove_file(d.join("t10k-labels-idx1-ubyte")).unwrap();
    let e = mnist::load_dir(&d, 1, 0).unwrap_err();
    assert!(matches!(e, DataError::MissingDataset { .. }), "{e}");
    assert!(e.to_string().contains("t10k-labels-idx1-ubyte"), "{e}");
}

/// Issue 17: a dataset folder with one file missing and one replaced by a
/// folder said "NOT FOUND" listing all four names; now it says which is which.
#[test]
fn a_missing_file_and_a_folder_in_place_of_a_file_are_named_as_such() {
    let dir = tempdir().unwrap();
    let d = mnist_dir(dir.path(), 3, 3, false);
    std::fs::remove_file(d.join("t10k-labels-idx1-ubyte")).unwrap();
    let images = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("train-images"));
    let images = images.unwrap();
    std::fs::remove_file(&images).unwrap();
    std::fs::create_dir(&images).unwrap();
    let opts = LoadOptions::default().with_data_dir(dir.path());
    let msg = load(DatasetKind::Mnist, &opts).unwrap_err().to_string();
    assert!(msg.contains("missing: t10k-labels-idx1-ubyte"), "{msg}");
    assert!(msg.contains("a folder, not a file: train-images-idx3-ubyte"), "{msg}");
    let other = tempdir().unwrap();
    let msg = load(DatasetKind::Mnist, &LoadOptions::default().with_data_dir(other.path())).unwrap_err().to_string();
    assert!(msg.contains("(no such folder)"), "{msg}");
}

#[test]
fn io_error_names_the_file() {
    let dir = tempdir().unwrap();
    let p = dir.path().join("nope");
    let e = idx::read(&p).unwrap_err();
    assert!(matches!(e, DataError::Io { .. }), "{e}");
    names(&e, &p);
    // A folder where a file is expected.
    let e = idx::read(dir.path()).unwrap_err();
    assert!(matches!(e, DataError::Io { .. }), "{e}");
}

#[test]
fn invalid_options() {
    let dir = tempdir().unwrap();
    let root = dir.path();
    mnist_dir(root, 4, 2, false);
    let o = LoadOptions { val_size: 4, ..opts(root) };
    assert!(matches!(load(DatasetKind::Mnist, &o), Err(DataError::InvalidOptions { .. })));
    let d = crate::common::cars3d_dir(root, 2, 2, 2, false);
    assert!(matches!(cars3d::load_dir(&d, 2, 0.5, 0.5, 0), Err(DataError::InvalidOptions { .. })));
    assert!(matches!(cars3d::load_dir(&d, 0, 0.1, 0.1, 0), Err(DataError::InvalidOptions { .. })));
    assert!(matches!(cars3d::load_dir(&d, 2, -0.1, 0.1, 0), Err(DataError::InvalidOptions { .. })));
}
