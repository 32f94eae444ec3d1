//! IDX and NORB readers, and transparent gunzip, on files the tests write.

use tempfile::tempdir;
use tsd_data::{gz, idx, norb, ElemType, Elements, Matrix};

use crate::common::{gzip, idx_u8, norb_bytes, write};

fn samples() -> Vec<Matrix> {
    vec![
        Matrix { dims: vec![2, 3], data: Elements::U8(vec![0, 1, 2, 253, 254, 255]) },
        Matrix { dims: vec![4], data: Elements::I8(vec![-128, -1, 0, 127]) },
        Matrix { dims: vec![2, 2], data: Elements::I16(vec![-32768, -2, 3, 32767]) },
        Matrix { dims: vec![3, 1], data: Elements::I32(vec![i32::MIN, -7, i32::MAX]) },
        Matrix { dims: vec![1, 1, 3], data: Elements::F32(vec![-1.5, 0.25, 3.0e10]) },
        Matrix { dims: vec![2], data: Elements::F64(vec![std::f64::consts::PI, -0.0]) },
        Matrix { dims: vec![0, 5], data: Elements::U8(vec![]) },
    ]
}

#[test]
fn idx_round_trip_every_type_raw_and_gz() {
    let dir = tempdir().unwrap();
    for (k, m) in samples().into_iter().enumerate() {
        for gz in [false, true] {
            let path = write(dir.path(), &format!("m{k}"), &idx::encode(&m), gz);
            assert_eq!(idx::read(&path).unwrap(), m, "{}", path.display());
        }
    }
}

#[test]
fn idx_header_layout_is_big_endian() {
    let bytes = idx_u8(&[2, 258], vec![0; 516]);
    assert_eq!(&bytes[..12], &[0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 1, 2]);
    assert_eq!(idx::magic(ElemType::U8, 3), 2051);
    assert_eq!(idx::magic(ElemType::U8, 1), 2049);
    let m = Matrix { dims: vec![1], data: Elements::I32(vec![0x01020304]) };
    assert_eq!(&idx::encode(&m)[8..], &[1, 2, 3, 4]);
}

#[test]
fn idx_streams_record_by_record() {
    let dir = tempdir().unwrap();
    let data: Vec<u8> = (0..5 * 6).map(|i| i as u8).collect();
    for gz in [false, true] {
        let path = write(dir.path(), "s", &idx_u8(&[5, 2, 3], data.clone()), gz);
        let mut r = idx::open(&path).unwrap();
        assert_eq!((r.n_records(), r.record_bytes(), r.dims()), (5, 6, &[5, 2, 3][..]));
        let mut buf = [0u8; 6];
        for k in 0..5 {
            r.read_record(&mut buf).unwrap();
            assert_eq!(&buf[..], &data[k * 6..(k + 1) * 6]);
        }
        r.finish().unwrap();
        // Reading part of the records then the rest also works.
        let mut r = idx::open(&path).unwrap();
        r.read_record(&mut buf).unwrap();
        assert_eq!(r.read_rest().unwrap(), Elements::U8(data[6..].to_vec()));
    }
}

#[test]
fn idx_read_u8_checks_the_magic() {
    let dir = tempdir().unwrap();
    let path = write(dir.path(), "l", &idx_u8(&[3], vec![1, 2, 3]), true);
    assert_eq!(idx::read_u8(&path, 2049).unwrap(), (vec![3], vec![1, 2, 3]));
    assert!(matches!(idx::read_u8(&path, 2051), Err(tsd_data::DataError::BadMagic { found: 2049, .. })));
}

#[test]
fn norb_round_trip_every_type_raw_and_gz() {
    let dir = tempdir().unwrap();
    let ms = samples().into_iter().filter(|m| m.data.elem_type() != ElemType::I8);
    for (k, m) in ms.enumerate() {
        for gz in [false, true] {
            let path = write(dir.path(), &format!("n{k}.mat"), &norb::encode(&m), gz);
            assert_eq!(norb::read(&path).unwrap(), m, "{}", path.display());
        }
    }
}

#[test]
fn norb_both_header_lengths() {
    // ndim 1 (a -cat file): 3 dims stored, the unused ones 1 → 20-byte header.
    let cat = norb_bytes(&[3], Elements::I32(vec![0, 4, 2]));
    assert_eq!(cat.len(), 20 + 12);
    assert_eq!(&cat[..20], &[0x54, 0x4C, 0x3D, 0x1E, 1, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
    // ndim 4 (a -dat file): 4 dims stored → 24-byte header.
    let dat = norb_bytes(&[2, 2, 1, 2], Elements::U8((0..8).collect()));
    assert_eq!(dat.len(), 24 + 8);
    assert_eq!(&dat[..8], &[0x55, 0x4C, 0x3D, 0x1E, 4, 0, 0, 0]);
    let dir = tempdir().unwrap();
    for gz in [false, true] {
        let m = norb::read(&write(dir.path(), "cat.mat", &cat, gz)).unwrap();
        assert_eq!(m.dims, vec![3]);
        assert_eq!(m.data, Elements::I32(vec![0, 4, 2]));
        let m = norb::read(&write(dir.path(), "dat.mat", &dat, gz)).unwrap();
        assert_eq!(m.dims, vec![2, 2, 1, 2]);
        assert_eq!(m.data, Elements::U8((0..8).collect()));
    }
    // ndim 2 written by hand with unused third dim 1 (a -info file).
    let mut info = vec![0x54, 0x4C, 0x3D, 0x1E, 2, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0];
    for v in [7i32, 8, 34, 5] {
        info.extend_from_slice(&v.to_le_bytes());
    }
    let m = norb::read(&write(dir.path(), "info.mat", &info, false)).unwrap();
    assert_eq!((m.dims, m.data), (vec![1, 4], Elements::I32(vec![7, 8, 34, 5])));
}

#[test]
fn gz_is_transparent_and_reads_concatenated_members() {
    let dir = tempdir().unwrap();
    let text = b"hello, gzip".to_vec();
    let raw = write(dir.path(), "t", &text, false);
    let gzp = write(dir.path(), "t", &text, true);
    assert_eq!(gz::read_all(&raw).unwrap(), text);
    assert_eq!(gz::read_all(&gzp).unwrap(), text);
    assert!(gz::Source::open(&gzp).unwrap().is_gzip());
    assert!(!gz::Source::open(&raw).unwrap().is_gzip());
    let mut two = gzip(b"abc");
    two.extend(gzip(b"def"));
    let p = dir.path().join("two.gz");
    std::fs::write(&p, two).unwrap();
    assert_eq!(gz::read_all(&p).unwrap(), b"abcdef");
    // An empty file is simply empty.
    let p = write(dir.path(), "empty", b"", false);
    assert_eq!(gz::read_all(&p).unwrap(), b"");
}
