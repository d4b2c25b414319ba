//! The Okabe–Ito colour-blind-safe palette (Okabe & Ito 2008, "Color Universal Design").

use plotters::style::RGBColor;

pub const BLACK: RGBColor = RGBColor(0, 0, 0);
pub const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
pub const SKY_BLUE: RGBColor = RGBColor(0x56, 0xB4, 0xE9);
pub const BLUISH_GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
pub const YELLOW: RGBColor = RGBColor(0xF0, 0xE4, 0x42);
pub const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
pub const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
pub const REDDISH_PURPLE: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
/// Neutral grey for "none"/"unspent" and for axes.
pub const GREY: RGBColor = RGBColor(0xBB, 0xBB, 0xBB);
pub const DARK_GREY: RGBColor = RGBColor(0x44, 0x44, 0x44);
pub const MID_GREY: RGBColor = RGBColor(0x66, 0x66, 0x66);
pub const GRID: RGBColor = RGBColor(0xE4, 0xE4, 0xE4);

/// Series colours in order of use: strong, distinguishable colours first (yellow, hard to see
/// on white as a line, last).
pub const SERIES: [RGBColor; 8] = [
    BLUE,
    VERMILLION,
    BLUISH_GREEN,
    REDDISH_PURPLE,
    ORANGE,
    SKY_BLUE,
    BLACK,
    YELLOW,
];

/// The colour of the `i`-th series (or scenario); cycles after eight.
pub fn series(i: usize) -> RGBColor {
    SERIES[i % SERIES.len()]
}

/// The colour as CSS hex, e.g. `#0072B2`.
pub fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// True when black text reads better than white on this colour.
pub fn is_light(c: RGBColor) -> bool {
    // Relative luminance (sRGB approximation).
    let l = 0.2126 * c.0 as f64 + 0.7152 * c.1 as f64 + 0.0722 * c.2 as f64;
    l > 140.0
}
