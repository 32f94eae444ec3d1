//! The swap grid: row `i` decodes S of source image `i` with the Z of each
//! column's source image. The first row and column show the sources, so a
//! good model keeps the row's label and the column's style in every cell.

use std::path::Path;

use crate::error::{Context, Result};
use image::{Rgb, RgbImage};
use ndarray::{Array4, Axis};
use tch::{Device, Kind, Tensor};
use tsd_core::{images_to_tensor, Disentangler};
use tsd_data::{Dataset, Normalization};

/// Source images per side of the grid.
pub const SOURCES: usize = 8;
/// Pixels between cells.
const GAP: u32 = 2;
/// Pixels between the sources and the swapped cells.
const SEPARATOR: u32 = 6;
/// Smallest side of a drawn cell (images are enlarged by whole factors).
const MIN_CELL: usize = 64;
/// Background between cells.
const BACKGROUND: Rgb<u8> = Rgb([255, 255, 255]);

/// Up to [`SOURCES`] test images of distinct labels, the first of each label
/// in test order (filled up with further images when there are fewer labels).
pub fn pick_sources(data: &Dataset) -> Vec<usize> {
    let mut picked: Vec<usize> = Vec::new();
    for (i, y) in data.labels.iter().enumerate() {
        if picked.len() < SOURCES && !picked.iter().any(|&j| data.labels[j] == *y) {
            picked.push(i);
        }
    }
    let extra: Vec<usize> = (0..data.len()).filter(|i| !picked.contains(i)).collect();
    let missing = SOURCES.min(data.len()) - picked.len();
    picked.extend(extra.into_iter().take(missing));
    picked
}

/// Swapped images `(K * K, C, H, W)` as u8, row `i` taking S from source `i`
/// and column `j` taking Z from source `j`.
pub fn swap_images(model: &dyn Disentangler, sources: &Array4<u8>) -> Result<Array4<u8>> {
    let k = sources.dim().0;
    let x = images_to_tensor(sources, model.normalization(), model.device());
    let codes = model.encode(&x);
    let mut rows = Vec::with_capacity(k);
    for i in 0..k as i64 {
        let s = codes.s.get(i).unsqueeze(0).expand([k as i64, -1], false);
        rows.push(model.decode(&s, &codes.z));
    }
    to_pixels(&Tensor::cat(&rows, 0), model.normalization())
}

/// Decoded model-space images `(N, C, H, W)` back to u8 pixels.
pub fn to_pixels(images: &Tensor, norm: Normalization) -> Result<Array4<u8>> {
    let (n, c, h, w) = images.size4()?;
    let decoded = images.to_kind(Kind::Float).to_device(Device::Cpu).contiguous();
    let values = Vec::<f32>::try_from(decoded.view([-1])).context("reading the decoded images")?;
    let pixels: Vec<u8> = values.iter().map(|&v| norm.invert(v)).collect();
    Array4::from_shape_vec((n as usize, c as usize, h as usize, w as usize), pixels)
        .context("decoded images have an unexpected shape")
}

/// Assembles the grid (sources on the top row and left column, swaps inside)
/// and writes it as PNG.
pub fn write_grid(path: &Path, sources: &Array4<u8>, swapped: &Array4<u8>) -> Result<()> {
    let (k, _, h, w) = sources.dim();
    let scale = MIN_CELL.div_ceil(h.max(w)).max(1);
    let (cw, ch) = ((w * scale) as u32, (h * scale) as u32);
    let side = |cells: u32| cells * (cw.max(ch) + GAP) + SEPARATOR;
    let mut grid = RgbImage::from_pixel(side(k as u32 + 1), side(k as u32 + 1), BACKGROUND);
    let origin = |cell: usize| {
        let extra = if cell > 0 { SEPARATOR } else { 0 };
        cell as u32 * (cw.max(ch) + GAP) + extra
    };
    for j in 0..k {
        paste(&mut grid, sources, j, scale, (origin(j + 1), origin(0)));
        paste(&mut grid, sources, j, scale, (origin(0), origin(j + 1)));
    }
    for i in 0..k {
        for j in 0..k {
            paste(&mut grid, swapped, i * k + j, scale, (origin(j + 1), origin(i + 1)));
        }
    }
    grid.save(path).with_context(|| format!("writing {}", path.display()))
}

/// Copies image `index` of `images` (1 or 3 channels) into `grid` at `(x, y)`, enlarged `scale` times.
fn paste(grid: &mut RgbImage, images: &Array4<u8>, index: usize, scale: usize, (x, y): (u32, u32)) {
    let image = images.index_axis(Axis(0), index);
    let (c, h, w) = image.dim();
    for r in 0..h * scale {
        for q in 0..w * scale {
            let at = |ch: usize| image[[ch.min(c - 1), r / scale, q / scale]];
            grid.put_pixel(x + q as u32, y + r as u32, Rgb([at(0), at(1), at(2)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_have_distinct_labels_first() {
        let data = tsd_data::synthetic::shapes(40, 4, 3);
        let picked = pick_sources(&data);
        assert_eq!(picked.len(), SOURCES);
        let mut first: Vec<usize> = picked[..4].iter().map(|&i| data.labels[i]).collect();
        first.sort_unstable();
        assert_eq!(first, vec![0, 1, 2, 3]);
    }

    #[test]
    fn the_grid_shows_sources_on_its_edges() {
        let dir = tempfile::tempdir().unwrap();
        let sources = Array4::from_shape_fn((2, 1, 4, 4), |(i, ..)| 100 * i as u8 + 50);
        let swapped = Array4::from_shape_fn((4, 1, 4, 4), |(i, ..)| 10 * i as u8);
        let path = dir.path().join("grid.png");
        write_grid(&path, &sources, &swapped).unwrap();
        let grid = image::open(&path).unwrap().to_rgb8();
        let cell = 4 * (MIN_CELL as u32 / 4) + GAP;
        let at = |col: u32, row: u32| {
            let pos = |n: u32| n * cell + if n > 0 { SEPARATOR } else { 0 } + 1;
            grid.get_pixel(pos(col), pos(row)).0[0]
        };
        assert_eq!((at(0, 0), at(1, 0), at(2, 0), at(0, 2)), (255, 50, 150, 150));
        assert_eq!((at(1, 1), at(2, 1), at(1, 2), at(2, 2)), (0, 10, 20, 30));
    }
}
