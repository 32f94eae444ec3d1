//! Area-averaging image resize (like OpenCV's `INTER_AREA` or PIL's box filter).
//!
//! Each output pixel covers a footprint of `in / out` source pixels along each
//! axis; its value is the overlap-weighted mean of the source pixels that
//! footprint touches. The filter is separable: rows are combined first (on
//! contiguous interleaved rows, which vectorises), then columns. For an
//! integer ratio (64 → 32, 96 → 32) this is exactly the mean of each k×k block.
//! Results are rounded half up (`floor(v + 0.5)`), the rounding used to make
//! our Cars3D file, so 64 → 32 gives `(a + b + c + d + 2) / 4` exactly.

/// Source taps of one output index along one axis.
#[derive(Debug, Clone)]
struct AxisTaps {
    /// `(first, last)` range into `index` / `weight` for each output index.
    spans: Vec<(usize, usize)>,
    index: Vec<usize>,
    weight: Vec<f32>,
}

impl AxisTaps {
    fn new(n_in: usize, n_out: usize) -> AxisTaps {
        assert!(n_in > 0 && n_out > 0, "resize needs non-empty sizes");
        let scale = n_in as f64 / n_out as f64;
        let (mut spans, mut index, mut weight) = (Vec::new(), Vec::new(), Vec::new());
        for j in 0..n_out {
            let lo = j as f64 * scale;
            let hi = ((j + 1) as f64 * scale).min(n_in as f64);
            let first = index.len();
            let i0 = lo.floor() as usize;
            let i1 = (hi.ceil() as usize).min(n_in);
            for i in i0..i1 {
                let overlap = hi.min((i + 1) as f64) - lo.max(i as f64);
                if overlap > 1e-9 {
                    index.push(i);
                    weight.push((overlap / scale) as f32);
                }
            }
            spans.push((first, index.len()));
        }
        AxisTaps { spans, index, weight }
    }
}

/// A reusable area resize from `in_h × in_w` to `out_h × out_w`.
#[derive(Debug, Clone)]
pub struct AreaResize {
    in_h: usize,
    in_w: usize,
    out_h: usize,
    out_w: usize,
    rows: AxisTaps,
    cols: AxisTaps,
    /// Row pass result, `out_h × (in_w · channels)`.
    tmp: Vec<f32>,
}

impl AreaResize {
    /// Prepares the weights.
    ///
    /// # Panics
    /// When a size is 0.
    pub fn new(in_h: usize, in_w: usize, out_h: usize, out_w: usize) -> AreaResize {
        AreaResize {
            in_h,
            in_w,
            out_h,
            out_w,
            rows: AxisTaps::new(in_h, out_h),
            cols: AxisTaps::new(in_w, out_w),
            tmp: Vec::new(),
        }
    }

    /// Output `(height, width)`.
    pub fn out_size(&self) -> (usize, usize) {
        (self.out_h, self.out_w)
    }

    /// Resizes one image stored `H × W × C` (channels interleaved, as in IDX
    /// RGB files) into `dst`, stored `C × out_h × out_w` (channels first).
    ///
    /// # Panics
    /// When `src` or `dst` does not have the size the shapes imply.
    pub fn hwc_to_chw(&mut self, src: &[u8], channels: usize, dst: &mut [u8]) {
        let (c, row_len) = (channels, self.in_w * channels);
        assert_eq!(src.len(), self.in_h * row_len, "source of the wrong size");
        assert_eq!(dst.len(), c * self.out_h * self.out_w, "destination of the wrong size");
        let plane = self.out_h * self.out_w;
        if self.in_h == self.out_h && self.in_w == self.out_w {
            // No resize: only move channels first.
            for (p, px) in src.chunks_exact(c).enumerate() {
                for (ch, &v) in px.iter().enumerate() {
                    dst[ch * plane + p] = v;
                }
            }
            return;
        }
        // Row pass: each output row is a weighted sum of whole source rows.
        self.tmp.clear();
        self.tmp.resize(self.out_h * row_len, 0.0);
        for (oy, &(a, b)) in self.rows.spans.iter().enumerate() {
            let out_row = &mut self.tmp[oy * row_len..(oy + 1) * row_len];
            for t in a..b {
                let w = self.rows.weight[t];
                let y = self.rows.index[t];
                let src_row = &src[y * row_len..(y + 1) * row_len];
                for (o, &s) in out_row.iter_mut().zip(src_row) {
                    *o += w * s as f32;
                }
            }
        }
        // Column pass, writing channels first.
        for oy in 0..self.out_h {
            let row = &self.tmp[oy * row_len..(oy + 1) * row_len];
            for (ox, &(a, b)) in self.cols.spans.iter().enumerate() {
                for ch in 0..c {
                    let mut acc = 0f32;
                    for t in a..b {
                        acc += self.cols.weight[t] * row[self.cols.index[t] * c + ch];
                    }
                    dst[ch * plane + oy * self.out_w + ox] = round_u8(acc);
                }
            }
        }
    }

    /// Resizes one single-channel image (`in_h × in_w` → `out_h × out_w`).
    pub fn plane(&mut self, src: &[u8], dst: &mut [u8]) {
        self.hwc_to_chw(src, 1, dst)
    }
}

/// Rounds half up and saturates to `0..=255`.
fn round_u8(v: f32) -> u8 {
    (v + 0.5).floor().clamp(0.0, 255.0) as u8
}

/// Resizes one single-channel `in_h × in_w` image to `out_h × out_w`.
pub fn resize_area(src: &[u8], in_h: usize, in_w: usize, out_h: usize, out_w: usize) -> Vec<u8> {
    let mut dst = vec![0u8; out_h * out_w];
    AreaResize::new(in_h, in_w, out_h, out_w).plane(src, &mut dst);
    dst
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_sum_to_one() {
        for (n_in, n_out) in [(60, 32), (64, 32), (96, 32), (7, 3), (3, 7), (5, 5)] {
            let taps = AxisTaps::new(n_in, n_out);
            for &(a, b) in &taps.spans {
                let s: f32 = taps.weight[a..b].iter().sum();
                assert!((s - 1.0).abs() < 1e-5, "{n_in}->{n_out}: {s}");
            }
        }
    }

    #[test]
    fn integer_ratio_has_k_equal_taps() {
        let taps = AxisTaps::new(96, 32);
        for (j, &(a, b)) in taps.spans.iter().enumerate() {
            assert_eq!(&taps.index[a..b], &[3 * j, 3 * j + 1, 3 * j + 2]);
        }
    }
}
