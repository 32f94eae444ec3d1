//! Fuzzing: random bytes and mutated valid files (bit flips, byte writes,
//! truncations, appended bytes; raw or gzipped) fed to every reader must give
//! `Ok` or `Err`, never a panic or an abort.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use tempfile::tempdir;
use tsd_data::{cars3d, gz, idx, mnist, norb, sprites, Elements, SpritesSplit};

use crate::common::{cars3d_dir, gzip, idx_u8, norb_bytes, norb_dir, sprites_dir, write};

#[derive(Debug, Clone)]
enum Mutation {
    /// Flip bit `bit` of the byte at `pos % len`.
    Flip(usize, u8),
    /// Write `value` at `pos % len`.
    Set(usize, u8),
    /// Keep only the first `len % (len + 1)` bytes.
    Truncate(usize),
    /// Append bytes.
    Append(Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), 0u8..8).prop_map(|(p, b)| Mutation::Flip(p, b)),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(p, v)| Mutation::Set(p, v)),
        2 => any::<usize>().prop_map(Mutation::Truncate),
        1 => prop::collection::vec(any::<u8>(), 1..16).prop_map(Mutation::Append),
    ]
}

/// Mutations, and whether they apply to the gzipped bytes (else to the raw ones).
fn mutations() -> impl Strategy<Value = (Vec<Mutation>, bool)> {
    (prop::collection::vec(mutation(), 1..4), any::<bool>())
}

fn apply(bytes: &mut Vec<u8>, muts: &[Mutation]) {
    for m in muts {
        let n = bytes.len();
        match m {
            Mutation::Flip(p, b) if n > 0 => bytes[p % n] ^= 1 << b,
            Mutation::Set(p, v) if n > 0 => bytes[p % n] = *v,
            Mutation::Truncate(k) => bytes.truncate(k % (n + 1)),
            Mutation::Append(extra) => bytes.extend_from_slice(extra),
            _ => {}
        }
    }
}

/// Overwrites `path` (raw content `raw`) with a mutated version, gzipped or not.
fn mutate_file(path: &Path, raw: &[u8], muts: &[Mutation], on_gz: bool) {
    let mut bytes = if on_gz { gzip(raw) } else { raw.to_vec() };
    apply(&mut bytes, muts);
    std::fs::write(path, bytes).unwrap();
}

/// Valid file contents, each with the readers that take it.
fn templates() -> Vec<Vec<u8>> {
    vec![
        idx_u8(&[3, 2, 2], (0..12).collect()),
        idx::encode(&tsd_data::Matrix { dims: vec![2, 2], data: Elements::I32(vec![1, -2, 3, -4]) }),
        idx::encode(&tsd_data::Matrix { dims: vec![3], data: Elements::F64(vec![1.0, 2.0, 3.0]) }),
        norb_bytes(&[2, 2, 1, 2], Elements::U8((0..8).collect())),
        norb_bytes(&[3], Elements::I32(vec![0, 1, 2])),
        norb_bytes(&[2, 4], Elements::I32(vec![0, 1, 2, 3, 4, 5, 6, 7])),
        br#"{"train": [0], "val": [], "test": []}"#.to_vec(),
    ]
}

fn all_readers(path: &Path) {
    let _ = idx::read(path);
    let _ = norb::read(path);
    let _ = gz::read_all(path);
    let _ = sprites::read_splits(path, 3);
    if let Ok(mut r) = idx::open(path) {
        let mut buf = vec![0u8; r.record_bytes()];
        for _ in 0..r.n_records() {
            if r.read_record(&mut buf).is_err() {
                return;
            }
        }
        let _ = r.finish();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..96), magic in 0usize..4) {
        let dir = tempdir().unwrap();
        // Sometimes start with a valid magic so the header parsers get exercised.
        let prefix: &[u8] = match magic {
            0 => &[],
            1 => &[0, 0, 8, 3],
            2 => &[0x55, 0x4C, 0x3D, 0x1E],
            _ => &[0x1f, 0x8b],
        };
        let p = write(dir.path(), "f", &[prefix, &bytes].concat(), false);
        all_readers(&p);
    }

    #[test]
    fn mutated_files(t in 0usize..7, (muts, on_gz) in mutations()) {
        let dir = tempdir().unwrap();
        let p = dir.path().join("f");
        mutate_file(&p, &templates()[t], &muts, on_gz);
        all_readers(&p);
    }
}

/// Files of a small valid copy of each dataset, by name inside its folder.
fn dataset_files(d: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let raw = gz::read_all(&p).unwrap();
            (p, raw)
        })
        .collect();
    v.sort();
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn mutated_mnist(file in 0usize..4, (muts, on_gz) in mutations()) {
        let dir = tempdir().unwrap();
        let d = dir.path().join("mnist");
        for (prefix, n) in [("train", 4usize), ("t10k", 2)] {
            write(&d, &format!("{prefix}-images-idx3-ubyte"), &idx_u8(&[n, 2, 3], vec![9; n * 6]), true);
            write(&d, &format!("{prefix}-labels-idx1-ubyte"), &idx_u8(&[n], vec![1; n]), true);
        }
        let files = dataset_files(&d);
        mutate_file(&files[file].0, &files[file].1, &muts, on_gz);
        let _ = mnist::load_dir(&d, 1, 0);
    }

    #[test]
    fn mutated_sprites(file in 0usize..3, (muts, on_gz) in mutations(), chars in any::<bool>()) {
        let dir = tempdir().unwrap();
        let d = sprites_dir(dir.path(), 3, 1, 1, true);
        let files = dataset_files(&d);
        mutate_file(&files[file].0, &files[file].1, &muts, on_gz);
        let split = if chars { SpritesSplit::Characters } else { SpritesSplit::default() };
        let _ = sprites::load_dir(&d, 1, split);
    }

    #[test]
    fn mutated_cars3d((muts, on_gz) in mutations(), size in 1usize..4) {
        let dir = tempdir().unwrap();
        let d = cars3d_dir(dir.path(), 2, 2, 2, true);
        let files = dataset_files(&d);
        mutate_file(&files[0].0, &files[0].1, &muts, on_gz);
        let _ = cars3d::load_dir(&d, size, 0.1, 0.2, 0);
    }

    #[test]
    fn mutated_norb(file in 0usize..6, (muts, on_gz) in mutations()) {
        let dir = tempdir().unwrap();
        let d = norb_dir(dir.path(), 3, 2, 2, 2, true);
        let files = dataset_files(&d);
        mutate_file(&files[file].0, &files[file].1, &muts, on_gz);
        let _ = norb::load_dir(&d, 1, 1, 0);
    }
}
