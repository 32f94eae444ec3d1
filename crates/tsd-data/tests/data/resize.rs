//! Area-averaging downscale.

use proptest::prelude::*;
use tsd_data::{resize_area, AreaResize};

/// Reference: each output pixel's footprint integrated directly in 2-D, in f64.
fn reference(src: &[u8], ih: usize, iw: usize, oh: usize, ow: usize) -> Vec<f64> {
    let (sy, sx) = (ih as f64 / oh as f64, iw as f64 / ow as f64);
    let mut out = vec![0.0; oh * ow];
    for oy in 0..oh {
        for ox in 0..ow {
            let (y0, y1) = (oy as f64 * sy, (oy + 1) as f64 * sy);
            let (x0, x1) = (ox as f64 * sx, (ox + 1) as f64 * sx);
            let mut acc = 0.0;
            for y in 0..ih {
                let wy = (y1.min(y as f64 + 1.0) - y0.max(y as f64)).max(0.0);
                for x in 0..iw {
                    let wx = (x1.min(x as f64 + 1.0) - x0.max(x as f64)).max(0.0);
                    acc += wy * wx * src[y * iw + x] as f64;
                }
            }
            out[oy * ow + ox] = acc / (sy * sx);
        }
    }
    out
}

fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (s >> 56) as u8
        })
        .collect()
}

#[test]
fn halving_is_the_exact_2x2_mean() {
    let src = noise(64 * 64, 1);
    let out = resize_area(&src, 64, 64, 32, 32);
    for y in 0..32 {
        for x in 0..32 {
            let sum: u32 = [(0, 0), (0, 1), (1, 0), (1, 1)]
                .iter()
                .map(|&(dy, dx)| src[(2 * y + dy) * 64 + 2 * x + dx] as u32)
                .sum();
            assert_eq!(out[y * 32 + x] as u32, (sum + 2) / 4, "({y}, {x})");
        }
    }
}

#[test]
fn constant_stays_constant() {
    for v in [0u8, 1, 77, 128, 254, 255] {
        for (ih, iw, oh, ow) in
            [(60, 60, 32, 32), (64, 64, 32, 32), (96, 96, 32, 32), (7, 5, 3, 2), (3, 3, 7, 7), (28, 28, 28, 28)]
        {
            let out = resize_area(&vec![v; ih * iw], ih, iw, oh, ow);
            assert!(out.iter().all(|&p| p == v), "{v}: {ih}x{iw} -> {oh}x{ow}");
        }
    }
}

#[test]
fn sixty_to_thirty_two_preserves_the_mean_and_matches_the_2d_reference() {
    for seed in 0..4 {
        let src = noise(60 * 60, seed);
        let out = resize_area(&src, 60, 60, 32, 32);
        let mean_in = src.iter().map(|&p| p as f64).sum::<f64>() / 3600.0;
        let mean_out = out.iter().map(|&p| p as f64).sum::<f64>() / 1024.0;
        assert!((mean_in - mean_out).abs() <= 0.5, "{mean_in} vs {mean_out}");
        let r = reference(&src, 60, 60, 32, 32);
        for (o, r) in out.iter().zip(&r) {
            assert!((*o as f64 - r).abs() <= 0.5 + 1e-3, "{o} vs {r}");
        }
    }
}

#[test]
fn interleaved_channels_equal_separate_planes() {
    let (h, w, c) = (9, 7, 3);
    let src = noise(h * w * c, 9);
    let mut r = AreaResize::new(h, w, 4, 5);
    let mut out = vec![0u8; c * 20];
    r.hwc_to_chw(&src, c, &mut out);
    for ch in 0..c {
        let plane: Vec<u8> = src.iter().skip(ch).step_by(c).copied().collect();
        assert_eq!(&out[ch * 20..(ch + 1) * 20], &resize_area(&plane, h, w, 4, 5)[..]);
    }
    // Same size: channels moved first, values untouched.
    let mut same = AreaResize::new(h, w, h, w);
    let mut out = vec![0u8; c * h * w];
    same.hwc_to_chw(&src, c, &mut out);
    for (p, px) in src.chunks(c).enumerate() {
        for ch in 0..c {
            assert_eq!(out[ch * h * w + p], px[ch]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn any_ratio_stays_within_half_a_level_of_the_reference(
        ih in 1usize..20, iw in 1usize..20, oh in 1usize..20, ow in 1usize..20, seed in 0u64..1000
    ) {
        let src = noise(ih * iw, seed);
        let out = resize_area(&src, ih, iw, oh, ow);
        let r = reference(&src, ih, iw, oh, ow);
        for (o, r) in out.iter().zip(&r) {
            prop_assert!((*o as f64 - r).abs() <= 0.5 + 1e-3, "{} vs {}", o, r);
        }
    }
}
