//! Horizontal glyph metrics of the embedded DejaVu fonts, read from their `cmap`, `hhea` and
//! `hmtx` tables.
//!
//! Why: plotters 0.3.7 draws text through ab_glyph but drops each glyph's left side bearing
//! (it places the glyph's ink box, not its origin, at the pen position), so bitmap text has
//! uneven letter spacing ("w ith", "$1. 49tn"). The PNG path therefore draws text one character
//! at a time and shifts each by its bearing, which this module provides. SVG text is drawn by
//! the viewer and needs none of this.

use std::sync::OnceLock;

use plotters::style::FontStyle;

fn u16_at(d: &[u8], o: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*d.get(o)?, *d.get(o + 1)?]))
}

fn i16_at(d: &[u8], o: usize) -> Option<i16> {
    u16_at(d, o).map(|v| v as i16)
}

fn u32_at(d: &[u8], o: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *d.get(o)?,
        *d.get(o + 1)?,
        *d.get(o + 2)?,
        *d.get(o + 3)?,
    ]))
}

/// The parts of a TrueType font needed for left side bearings.
pub(crate) struct Metrics {
    data: &'static [u8],
    /// Offset of the format-4 `cmap` subtable.
    cmap4: usize,
    hmtx: usize,
    num_hmetrics: usize,
    /// ascender − descender in font units: ab_glyph scales a font of "size" s by s / this.
    height_units: f64,
}

impl Metrics {
    fn parse(data: &'static [u8]) -> Option<Metrics> {
        let num_tables = u16_at(data, 4)? as usize;
        let table = |tag: &[u8; 4]| -> Option<usize> {
            (0..num_tables).find_map(|i| {
                let rec = 12 + 16 * i;
                (data.get(rec..rec + 4)? == tag)
                    .then(|| u32_at(data, rec + 8).map(|o| o as usize))?
            })
        };
        let hhea = table(b"hhea")?;
        let hmtx = table(b"hmtx")?;
        let cmap = table(b"cmap")?;
        let mut ascender = i16_at(data, hhea + 4)? as f64;
        let mut descender = i16_at(data, hhea + 6)? as f64;
        // ttf-parser (under ab_glyph) prefers the OS/2 typographic metrics when the font says so.
        if let Some(os2) = table(b"OS/2") {
            let fs_selection = u16_at(data, os2 + 62).unwrap_or(0);
            if fs_selection & (1 << 7) != 0 {
                ascender = i16_at(data, os2 + 68)? as f64;
                descender = i16_at(data, os2 + 70)? as f64;
            }
        }
        let num_hmetrics = u16_at(data, hhea + 34)? as usize;
        let n = u16_at(data, cmap + 2)? as usize;
        let cmap4 = (0..n).find_map(|i| {
            let rec = cmap + 4 + 8 * i;
            let platform = u16_at(data, rec)?;
            let encoding = u16_at(data, rec + 2)?;
            let sub = cmap + u32_at(data, rec + 4)? as usize;
            ((platform == 3 && encoding == 1) || platform == 0)
                .then_some(sub)
                .filter(|s| u16_at(data, *s) == Some(4))
        })?;
        Some(Metrics {
            data,
            cmap4,
            hmtx,
            num_hmetrics,
            height_units: ascender - descender,
        })
    }

    /// The glyph of a character (0 when the font has none).
    pub fn glyph(&self, c: char) -> u16 {
        self.glyph_opt(c).unwrap_or(0)
    }

    fn glyph_opt(&self, c: char) -> Option<u16> {
        let c = u32::from(c);
        if c > 0xFFFF {
            return None;
        }
        let c = c as u16;
        let d = self.data;
        let t = self.cmap4;
        let seg_count = u16_at(d, t + 6)? as usize / 2;
        let ends = t + 14;
        let starts = ends + 2 * seg_count + 2;
        let deltas = starts + 2 * seg_count;
        let ranges = deltas + 2 * seg_count;
        // Binary search for the first segment whose end code is >= c.
        let (mut lo, mut hi) = (0usize, seg_count);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if u16_at(d, ends + 2 * mid)? < c {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let s = lo;
        if s >= seg_count || u16_at(d, starts + 2 * s)? > c {
            return None;
        }
        let delta = u16_at(d, deltas + 2 * s)?;
        let range = u16_at(d, ranges + 2 * s)? as usize;
        if range == 0 {
            return Some(c.wrapping_add(delta));
        }
        let start = u16_at(d, starts + 2 * s)?;
        let at = ranges + 2 * s + range + 2 * (c - start) as usize;
        let g = u16_at(d, at)?;
        (g != 0).then(|| g.wrapping_add(delta))
    }

    /// Left side bearing of a glyph, in font units.
    pub fn lsb(&self, glyph: u16) -> i16 {
        let g = glyph as usize;
        let at = if g < self.num_hmetrics {
            self.hmtx + 4 * g + 2
        } else {
            self.hmtx + 4 * self.num_hmetrics + 2 * (g - self.num_hmetrics)
        };
        i16_at(self.data, at).unwrap_or(0)
    }

    /// Advance width of a glyph, in font units.
    #[cfg(test)]
    pub fn advance(&self, glyph: u16) -> u16 {
        let g = (glyph as usize).min(self.num_hmetrics.saturating_sub(1));
        u16_at(self.data, self.hmtx + 4 * g).unwrap_or(0)
    }

    /// The left side bearing of `c` in pixels for a plotters font size, rounded down as
    /// ab_glyph rounds the glyph's ink box.
    pub fn lsb_px(&self, c: char, size: f64) -> i32 {
        (self.lsb(self.glyph(c)) as f64 * size / self.height_units).floor() as i32
    }

    /// Pixels per font unit at a plotters font size.
    #[cfg(test)]
    pub fn scale(&self, size: f64) -> f64 {
        size / self.height_units
    }
}

/// Metrics of the font used for `style` (bold or regular); `None` if the embedded font cannot
/// be read, in which case text is drawn without the correction.
pub(crate) fn metrics(style: FontStyle) -> Option<&'static Metrics> {
    static REGULAR: OnceLock<Option<Metrics>> = OnceLock::new();
    static BOLD: OnceLock<Option<Metrics>> = OnceLock::new();
    match style {
        FontStyle::Bold => BOLD.get_or_init(|| Metrics::parse(dejavu::sans::bold())),
        _ => REGULAR.get_or_init(|| Metrics::parse(dejavu::sans::regular())),
    }
    .as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::style::{FontDesc, FontFamily};

    #[test]
    fn parses_dejavu() {
        let m = metrics(FontStyle::Normal).expect("metrics");
        let a = m.glyph('a');
        assert_ne!(a, 0);
        assert_ne!(m.glyph('€'), 0);
        assert_ne!(m.glyph('–'), 0);
        assert!(m.lsb(m.glyph('i')) > 0);
        assert!(metrics(FontStyle::Bold).is_some());
    }

    #[test]
    fn scale_matches_plotters_layout() {
        crate::charts::font::ensure_fonts().unwrap();
        let m = metrics(FontStyle::Normal).unwrap();
        let text = "MMMMMMMMMMMMMMMMMMMM";
        let size = 200.0;
        let font = FontDesc::new(
            FontFamily::Name(crate::charts::font::FAMILY),
            size,
            FontStyle::Normal,
        );
        let (w, _) = font.box_size(text).unwrap();
        let ours = 20.0 * m.advance(m.glyph('M')) as f64 * m.scale(size);
        assert!((w as f64 - ours).abs() <= 2.0, "plotters {w} vs {ours}");
    }
}
