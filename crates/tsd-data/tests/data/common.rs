//! Writers of small files in the real formats, shared by the test modules.

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;
use tsd_data::{idx, norb, Elements, Matrix};

/// Gzips `bytes`.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Writes `bytes` to `dir/name` (gzipped to `dir/name.gz` when `gz`); returns the path.
pub fn write(dir: &Path, name: &str, bytes: &[u8], gz: bool) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = if gz { dir.join(format!("{name}.gz")) } else { dir.join(name) };
    std::fs::write(&path, if gz { gzip(bytes) } else { bytes.to_vec() }).unwrap();
    path
}

/// IDX bytes of a u8 array.
pub fn idx_u8(dims: &[usize], data: Vec<u8>) -> Vec<u8> {
    assert_eq!(dims.iter().product::<usize>(), data.len());
    idx::encode(&Matrix { dims: dims.to_vec(), data: Elements::U8(data) })
}

/// NORB bytes of an array.
pub fn norb_bytes(dims: &[usize], data: Elements) -> Vec<u8> {
    assert_eq!(dims.iter().product::<usize>(), data.len());
    norb::encode(&Matrix { dims: dims.to_vec(), data })
}

/// Pixel `p` of MNIST-like image `i` (the first two pixels spell `i`, so
/// every image is distinct).
pub fn mnist_pixel(i: usize, p: usize) -> u8 {
    match p {
        0 => (i % 256) as u8,
        1 => (i / 256 % 256) as u8,
        _ => ((i * 7 + p * 3) % 256) as u8,
    }
}

/// Writes the four MNIST files with `n_train` / `n_test` images of `rows × cols`,
/// image `i` made of [`mnist_pixel`] and labelled `i % 10`. Returns the folder.
pub fn mnist_dir(root: &Path, n_train: usize, n_test: usize, gz: bool) -> PathBuf {
    let dir = root.join("mnist");
    for (prefix, n) in [("train", n_train), ("t10k", n_test)] {
        let pixels = (0..n).flat_map(|i| (0..28 * 28).map(move |p| mnist_pixel(i, p))).collect();
        write(&dir, &format!("{prefix}-images-idx3-ubyte"), &idx_u8(&[n, 28, 28], pixels), gz);
        let labels = (0..n).map(|i| (i % 10) as u8).collect();
        write(&dir, &format!("{prefix}-labels-idx1-ubyte"), &idx_u8(&[n], labels), gz);
    }
    dir
}

/// Value of channel `ch` of pixel `(y, x)` of frame `f` of character `c`.
pub fn sprite_pixel(c: usize, f: usize, y: usize, x: usize, ch: usize) -> u8 {
    ((c * 31 + f * 5 + y * 3 + x * 7 + ch * 11) % 256) as u8
}

/// Writes Sprites files for `n` characters of `h × w` frames, plus a
/// `splits.json` putting character `c` in train, val or test by `c % 3`.
pub fn sprites_dir(root: &Path, n: usize, h: usize, w: usize, gz: bool) -> PathBuf {
    let dir = root.join("sprites");
    let mut px = Vec::with_capacity(n * 178 * h * w * 3);
    for c in 0..n {
        for f in 0..178 {
            for y in 0..h {
                for x in 0..w {
                    for ch in 0..3 {
                        px.push(sprite_pixel(c, f, y, x, ch));
                    }
                }
            }
        }
    }
    write(&dir, "sprites-images-idx5-ubyte", &idx_u8(&[n, 178, h, w, 3], px), gz);
    let attrs = (0..n * 7).map(|k| ((k / 7) % 2) as u8).collect();
    write(&dir, "sprites-attributes-idx2-ubyte", &idx_u8(&[n, 7], attrs), gz);
    let part = |r: usize| (0..n).filter(|c| c % 3 == r).collect::<Vec<_>>();
    let json = format!(r#"{{"note": "test", "train": {:?}, "val": {:?}, "test": {:?}}}"#, part(0), part(1), part(2));
    write(&dir, "splits.json", json.as_bytes(), false);
    dir
}

/// Value of channel `ch` of pixel `(y, x)` of view `v` of car `c` (the top-left
/// pixel spells `v` and `c`, so every view is distinct).
pub fn car_pixel(c: usize, v: usize, y: usize, x: usize, ch: usize) -> u8 {
    match (y, x, ch) {
        (0, 0, 0) => v as u8,
        (0, 0, 1) => c as u8,
        _ => ((c * 13 + v * 3 + y * 17 + x * 5 + ch * 29) % 256) as u8,
    }
}

/// Writes a Cars3D file of `n` cars with `h × w` views.
pub fn cars3d_dir(root: &Path, n: usize, h: usize, w: usize, gz: bool) -> PathBuf {
    let dir = root.join("cars3d");
    let mut px = Vec::with_capacity(n * 96 * h * w * 3);
    for c in 0..n {
        for v in 0..96 {
            for y in 0..h {
                for x in 0..w {
                    for ch in 0..3 {
                        px.push(car_pixel(c, v, y, x, ch));
                    }
                }
            }
        }
    }
    write(&dir, "cars3d-images-idx6-ubyte", &idx_u8(&[n, 4, 24, h, w, 3], px), gz);
    dir
}

/// Value of pixel `(y, x)` of camera `cam` of NORB pair `i` of part `t` (0 train, 1 test).
pub fn norb_pixel(t: usize, i: usize, cam: usize, y: usize, x: usize) -> u8 {
    ((t * 101 + i * 7 + cam * 50 + y * 3 + x) % 256) as u8
}

/// `[instance, elevation, azimuth (stored, even), lighting]` of NORB pair `i`.
pub fn norb_info(i: usize) -> [i32; 4] {
    [(i % 10) as i32, (i % 9) as i32, (2 * (i % 18)) as i32, (i % 6) as i32]
}

/// Writes the six NORB files with `n_train` / `n_test` pairs of `h × w` images;
/// pair `i` has category `i % 5` and info [`norb_info`].
pub fn norb_dir(root: &Path, n_train: usize, n_test: usize, h: usize, w: usize, gz: bool) -> PathBuf {
    let dir = root.join("norb");
    for (t, (n, names)) in
        [(n_train, tsd_data::norb::TRAINING), (n_test, tsd_data::norb::TESTING)].into_iter().enumerate()
    {
        let mut px = Vec::with_capacity(n * 2 * h * w);
        for i in 0..n {
            for cam in 0..2 {
                for y in 0..h {
                    for x in 0..w {
                        px.push(norb_pixel(t, i, cam, y, x));
                    }
                }
            }
        }
        write(&dir, names[0], &norb_bytes(&[n, 2, h, w], Elements::U8(px)), gz);
        let cat = (0..n).map(|i| (i % 5) as i32).collect();
        write(&dir, names[1], &norb_bytes(&[n], Elements::I32(cat)), gz);
        let info = (0..n).flat_map(norb_info).collect();
        write(&dir, names[2], &norb_bytes(&[n, 4], Elements::I32(info)), gz);
    }
    dir
}

/// Options reading from `root` only, with small hold-outs.
pub fn opts(root: &Path) -> tsd_data::LoadOptions {
    tsd_data::LoadOptions { val_size: 3, ..tsd_data::LoadOptions::default() }.with_data_dir(root)
}
