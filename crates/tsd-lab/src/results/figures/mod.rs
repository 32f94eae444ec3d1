//! The PNG figures of a results folder: 2-D embeddings of S and Z, swap
//! grids and training curves. Text is drawn with DejaVu Sans embedded in the
//! binary (the `dejavu` crate through plotters' `ab_glyph` backend), so the
//! figures render the same on machines without any system font.

pub mod curves;
pub mod embedding;
pub mod swap;

use std::sync::OnceLock;

use crate::error::{LabError, Result};
use plotters::style::{FontStyle, HSLColor, RGBColor};

/// The font family name figures ask plotters for.
pub const FONT: &str = "sans-serif";

/// Registers the embedded font with plotters (once per process).
pub fn register_font() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(LabError::Figure("the embedded DejaVu Sans font could not be parsed".into()))
    }
}

/// Matplotlib's `tab10` colours: distinct for up to ten classes or series.
const TAB10: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

/// Colour of class or series `i` of `n`: `tab10` for up to ten, else hues
/// spread by the golden ratio so neighbouring indices still differ.
pub fn colour(i: usize, n: usize) -> RGBColor {
    if n <= TAB10.len() {
        let (r, g, b) = TAB10[i % TAB10.len()];
        return RGBColor(r, g, b);
    }
    let hue = (i as f64 * 0.618_033_988_749_895).fract();
    let hsl = HSLColor(hue, 0.75, 0.45);
    let (r, g, b) = plotters::style::Color::rgb(&hsl);
    RGBColor(r, g, b)
}

/// Converts a plotters drawing error (not `Send + Sync`) into a [`LabError::Figure`].
pub(crate) fn drawing<T, E: std::fmt::Display>(result: std::result::Result<T, E>) -> Result<T> {
    result.map_err(|e| LabError::Figure(e.to_string()))
}
