//! Drawing: chart figures as plain data ([`Figure`]) and one generic routine per figure kind
//! that draws it on any plotters backend (PNG bitmap or SVG).
//!
//! Layout of every figure, top to bottom: a bold title, a grey subtitle (wrapped), the plot with
//! axis titles, and a legend (wrapped into rows) below the plot, so that nothing is drawn over
//! the data. All sizes are for a 1200-pixel-wide picture and scale with the width.

use std::path::Path;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::font::{ensure_fonts, FAMILY};
use super::glyphs;
use super::palette::{self, DARK_GREY, GRID, MID_GREY};
use super::units::{
    format_log_tick, format_unit_value, log_ticks, nice_ceil, nice_ticks, power_of_ten_above,
    power_of_ten_below, TickFormat, Unit,
};
use crate::error::{Error, Result};

/// Result of drawing operations; the message is wrapped into [`Error::Other`] by the caller.
pub(crate) type DResult<T = ()> = std::result::Result<T, String>;

trait Msg<T> {
    fn m(self) -> DResult<T>;
}

impl<T, E: std::fmt::Display> Msg<T> for std::result::Result<T, E> {
    fn m(self) -> DResult<T> {
        self.map_err(|e| e.to_string())
    }
}

/// Picture size in pixels (SVG user units).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub width: u32,
    pub height: u32,
}

impl Default for Size {
    fn default() -> Self {
        Size {
            width: 1200,
            height: 700,
        }
    }
}

/// Scaled sizes and fonts.
struct Sty {
    s: f64,
    /// Draw text one character at a time with bearing correction (bitmap output).
    per_char: bool,
}

impl Sty {
    fn new(size: Size, per_char: bool) -> Sty {
        Sty {
            s: size.width as f64 / 1200.0,
            per_char,
        }
    }
    fn px(&self, v: f64) -> i32 {
        (v * self.s).round() as i32
    }
    /// Font sizes are even whole numbers: plotters' bitmap text places each glyph at
    /// `size / 2 + top` truncated toward zero, so an odd or fractional size moves some glyphs a
    /// pixel off the baseline (a full stop then reads as a middle dot).
    fn font_size(&self, size: f64) -> f64 {
        ((size * self.s / 2.0).round() * 2.0).max(2.0)
    }
    fn font(&self, size: f64) -> FontDesc<'static> {
        FontDesc::new(
            FontFamily::Name(FAMILY),
            self.font_size(size),
            FontStyle::Normal,
        )
    }
    fn bold(&self, size: f64) -> FontDesc<'static> {
        FontDesc::new(
            FontFamily::Name(FAMILY),
            self.font_size(size),
            FontStyle::Bold,
        )
    }
    fn title(&self) -> TextStyle<'static> {
        self.bold(30.0).color(&BLACK)
    }
    fn subtitle(&self) -> TextStyle<'static> {
        self.font(19.0).color(&DARK_GREY)
    }
    fn tick(&self) -> TextStyle<'static> {
        self.font(18.0).color(&DARK_GREY)
    }
    fn desc(&self) -> TextStyle<'static> {
        self.font(20.0).color(&DARK_GREY)
    }
    fn legend(&self) -> TextStyle<'static> {
        self.font(18.0).color(&BLACK)
    }
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    /// A solid line.
    Line(RGBColor),
    /// A filled square with an opacity.
    Fill(RGBColor, f64),
    /// A median line over a light band.
    Band(RGBColor),
    /// A dot on a line (interval charts).
    Dot(RGBColor),
}

/// One legend entry.
#[derive(Debug, Clone)]
pub(crate) struct LegendItem {
    pub swatch: Swatch,
    pub label: String,
}

impl LegendItem {
    pub fn new(swatch: Swatch, label: impl Into<String>) -> Self {
        LegendItem {
            swatch,
            label: label.into(),
        }
    }
}

/// A value axis or the time axis.
#[derive(Debug, Clone)]
pub(crate) struct Axis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
    fmt: TickFormat,
    desc: String,
}

impl Axis {
    /// A value axis covering `[lo, hi]`, widened to whole tick steps.
    fn value(unit: Unit, lo: f64, hi: f64, target: usize, desc: &str) -> Axis {
        let (lo, hi) = sane_range(lo, hi);
        let (_, step) = nice_ticks(unit, lo, hi, target);
        let lo2 = (lo / step + 1e-9).floor() * step;
        let hi2 = (hi / step - 1e-9).ceil() * step;
        let (ticks, step) = nice_ticks(unit, lo2, hi2, target);
        Axis {
            lo: lo2,
            hi: hi2,
            fmt: TickFormat::new(unit, lo2.abs().max(hi2.abs()), step),
            ticks,
            desc: desc.to_string(),
        }
    }

    /// An axis over exactly `[lo, hi]` (ticks inside it).
    fn exact(unit: Unit, lo: f64, hi: f64, target: usize, desc: &str) -> Axis {
        let (lo, hi) = sane_range(lo, hi);
        let (ticks, step) = nice_ticks(unit, lo, hi, target);
        Axis {
            lo,
            hi,
            fmt: TickFormat::new(unit, lo.abs().max(hi.abs()), step),
            ticks,
            desc: desc.to_string(),
        }
    }
}

fn sane_range(lo: f64, hi: f64) -> (f64, f64) {
    let lo = if lo.is_finite() { lo } else { 0.0 };
    let hi = if hi.is_finite() { hi } else { lo + 1.0 };
    if hi > lo {
        (lo, hi)
    } else if lo == 0.0 {
        (0.0, 1.0)
    } else {
        let d = lo.abs() * 0.1;
        (lo - d, lo + d)
    }
}

/// One series of a fan chart: quantiles per x (missing values break the line and bands).
#[derive(Debug, Clone)]
pub(crate) struct FanLine {
    pub label: String,
    pub color: RGBColor,
    pub xs: Vec<f64>,
    pub p5: Vec<Option<f64>>,
    pub p25: Vec<Option<f64>>,
    pub p50: Vec<Option<f64>>,
    pub p75: Vec<Option<f64>>,
    pub p95: Vec<Option<f64>>,
}

/// Fan chart: bands and median lines over time.
#[derive(Debug, Clone)]
pub(crate) struct FanFigure {
    pub title: String,
    pub subtitle: String,
    pub unit: Unit,
    pub y_desc: String,
    pub lines: Vec<FanLine>,
    /// Draw the P25–P75 band too (single-run charts); comparisons draw only P5–P95.
    pub inner_band: bool,
}

/// Histogram of per-trial values with the median and 90% interval marked.
#[derive(Debug, Clone)]
pub(crate) struct HistFigure {
    pub title: String,
    pub subtitle: String,
    pub unit: Unit,
    pub x_desc: String,
    /// (left edge, right edge, share of all trials).
    pub bins: Vec<(f64, f64, f64)>,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
    /// Shown instead of the plot when nothing is to be drawn.
    pub message: Option<String>,
}

/// Stacked shares over time.
#[derive(Debug, Clone)]
pub(crate) struct StackFigure {
    pub title: String,
    pub subtitle: String,
    pub xs: Vec<f64>,
    /// Bottom first: (label, colour, value per x).
    pub layers: Vec<(String, RGBColor, Vec<f64>)>,
}

/// One horizontal stacked bar of a sources-and-uses chart.
#[derive(Debug, Clone)]
pub(crate) struct BarRow {
    pub label: String,
    pub items: Vec<(String, f64, RGBColor)>,
}

/// Horizontal stacked bars (sources and uses of funds).
#[derive(Debug, Clone)]
pub(crate) struct BarsFigure {
    pub title: String,
    pub subtitle: String,
    pub unit: Unit,
    pub x_desc: String,
    pub rows: Vec<BarRow>,
}

/// One row of an interval chart.
#[derive(Debug, Clone)]
pub(crate) struct IntervalRow {
    pub label: String,
    pub color: RGBColor,
    pub p5: Option<f64>,
    pub p25: Option<f64>,
    pub p50: Option<f64>,
    pub p75: Option<f64>,
    pub p95: Option<f64>,
}

/// Medians and intervals of one outcome per scenario (comparison of summary metrics).
#[derive(Debug, Clone)]
pub(crate) struct IntervalFigure {
    pub title: String,
    pub subtitle: String,
    pub unit: Unit,
    pub x_desc: String,
    pub rows: Vec<IntervalRow>,
}

/// A chart ready to draw.
#[derive(Debug, Clone)]
pub(crate) enum Figure {
    Fan(FanFigure),
    /// A fan chart on a logarithmic y axis (see [`LogScale`]); drawn like [`Figure::Fan`] when
    /// no value is positive.
    LogFan(FanFigure),
    Hist(HistFigure),
    Stack(StackFigure),
    Bars(BarsFigure),
    Interval(IntervalFigure),
}

impl Figure {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, st: &Sty) -> DResult {
        match self {
            Figure::Fan(f) => draw_fan(root, st, f, false),
            Figure::LogFan(f) => draw_fan(root, st, f, true),
            Figure::Hist(f) => draw_hist(root, st, f),
            Figure::Stack(f) => draw_stack(root, st, f),
            Figure::Bars(f) => draw_bars(root, st, f),
            Figure::Interval(f) => draw_interval(root, st, f),
        }
    }

    pub fn title(&self) -> &str {
        match self {
            Figure::Fan(f) | Figure::LogFan(f) => &f.title,
            Figure::Hist(f) => &f.title,
            Figure::Stack(f) => &f.title,
            Figure::Bars(f) => &f.title,
            Figure::Interval(f) => &f.title,
        }
    }
}

/// Draws `fig` into a PNG file.
pub(crate) fn write_png(fig: &Figure, path: &Path, size: Size) -> Result<()> {
    ensure_fonts()?;
    let st = Sty::new(size, true);
    let root = BitMapBackend::new(path, (size.width, size.height)).into_drawing_area();
    fig.draw(&root, &st)
        .and_then(|_| root.present().m())
        .map_err(|e| Error::Other(format!("drawing {}: {e}", path.display())))
}

/// Draws `fig` as an SVG document.
pub(crate) fn to_svg(fig: &Figure, size: Size) -> Result<String> {
    ensure_fonts()?;
    let st = Sty::new(size, false);
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (size.width, size.height)).into_drawing_area();
        fig.draw(&root, &st)
            .and_then(|_| root.present().m())
            .map_err(|e| Error::Other(format!("drawing SVG chart `{}`: {e}", fig.title())))?;
    }
    Ok(out)
}

fn text_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
) -> DResult<i32> {
    Ok(area.estimate_text_size(text, style).m()?.0 as i32)
}

/// Draws `s` on `area` (pixel coordinates of `area`) anchored at `pos`; `vertical` text reads
/// bottom to top. Bitmap output draws one character at a time, each moved right by its left
/// side bearing, which plotters' bitmap text drops (see `glyphs`).
#[allow(clippy::too_many_arguments)]
fn text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    st: &Sty,
    s: &str,
    pos: (i32, i32),
    style: &TextStyle,
    h: HPos,
    v: VPos,
    vertical: bool,
) -> DResult {
    if s.is_empty() {
        return Ok(());
    }
    let transform = if vertical {
        FontTransform::Rotate270
    } else {
        FontTransform::None
    };
    let metrics = glyphs::metrics(style.font.get_style());
    let Some(m) = metrics.filter(|_| st.per_char) else {
        let ts = style.pos(Pos::new(h, v)).transform(transform);
        return area.draw(&Text::new(s.to_string(), pos, ts)).m();
    };
    let size = style.font.get_size();
    let w = text_width(area, s, style)?;
    let left = match h {
        HPos::Left => 0,
        HPos::Center => -w / 2,
        HPos::Right => -w,
    };
    let ts = style.pos(Pos::new(HPos::Left, v)).transform(transform);
    for (i, c) in s.char_indices() {
        if c.is_whitespace() {
            continue;
        }
        let pen = if i == 0 {
            0
        } else {
            text_width(area, &s[..i], style)?
        };
        let off = left + pen + m.lsb_px(c, size);
        let at = if vertical {
            (pos.0, pos.1 - off)
        } else {
            (pos.0 + off, pos.1)
        };
        area.draw(&Text::new(c.to_string(), at, ts.clone())).m()?;
    }
    Ok(())
}

/// Splits `text` into lines no wider than `max_w` pixels (at word boundaries).
fn wrap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    max_w: i32,
) -> DResult<Vec<String>> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split(' ') {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if !line.is_empty() && text_width(area, &candidate, style)? > max_w {
                lines.push(std::mem::take(&mut line));
                line = word.to_string();
            } else {
                line = candidate;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
    }
    Ok(lines)
}

fn draw_swatch<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    st: &Sty,
    sw: Swatch,
    x: i32,
    yc: i32,
) -> DResult {
    let w = st.px(34.0);
    let h = st.px(14.0);
    match sw {
        Swatch::Line(c) => root
            .draw(&PathElement::new(
                vec![(x, yc), (x + w, yc)],
                c.stroke_width(st.px(3.0).max(1) as u32),
            ))
            .m(),
        Swatch::Fill(c, a) => root
            .draw(&Rectangle::new(
                [(x, yc - h / 2 - 2), (x + w, yc + h / 2 + 2)],
                c.mix(a).filled(),
            ))
            .m(),
        Swatch::Band(c) => {
            root.draw(&Rectangle::new(
                [(x, yc - h / 2 - 2), (x + w, yc + h / 2 + 2)],
                c.mix(0.22).filled(),
            ))
            .m()?;
            root.draw(&PathElement::new(
                vec![(x, yc), (x + w, yc)],
                c.stroke_width(st.px(3.0).max(1) as u32),
            ))
            .m()
        }
        Swatch::Dot(c) => {
            root.draw(&PathElement::new(
                vec![(x, yc), (x + w, yc)],
                c.stroke_width(st.px(2.0).max(1) as u32),
            ))
            .m()?;
            root.draw(&Circle::new((x + w / 2, yc), st.px(6.0), c.filled()))
                .m()
        }
    }
}

/// Fills the background, draws title, subtitle and legend, and returns the area left for the
/// plot.
fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    st: &Sty,
    title: &str,
    subtitle: &str,
    legend: &[LegendItem],
) -> DResult<DrawingArea<DB, Shift>> {
    root.fill(&WHITE).m()?;
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let pad = st.px(24.0);
    let max_w = w - 2 * pad;
    let mut y = st.px(18.0);
    let title_style = st.title().pos(Pos::new(HPos::Left, VPos::Top));
    for line in wrap(root, title, &title_style, max_w)? {
        text(
            root,
            st,
            &line,
            (pad, y),
            &title_style,
            HPos::Left,
            VPos::Top,
            false,
        )?;
        y += st.px(38.0);
    }
    let sub_style = st.subtitle().pos(Pos::new(HPos::Left, VPos::Top));
    if !subtitle.is_empty() {
        y += st.px(2.0);
        for line in wrap(root, subtitle, &sub_style, max_w)? {
            text(
                root,
                st,
                &line,
                (pad, y),
                &sub_style,
                HPos::Left,
                VPos::Top,
                false,
            )?;
            y += st.px(25.0);
        }
    }
    let header = y + st.px(6.0);

    // Legend rows, laid out from the bottom.
    let leg_style = st.legend().pos(Pos::new(HPos::Left, VPos::Center));
    let row_h = st.px(30.0);
    let sw_w = st.px(34.0) + st.px(8.0);
    let gap = st.px(30.0);
    let mut rows: Vec<Vec<(i32, &LegendItem)>> = Vec::new();
    let mut row: Vec<(i32, &LegendItem)> = Vec::new();
    let mut x = 0;
    for item in legend {
        let iw = sw_w + text_width(root, &item.label, &leg_style)?;
        if !row.is_empty() && x + iw > max_w {
            rows.push(std::mem::take(&mut row));
            x = 0;
        }
        row.push((x, item));
        x += iw + gap;
    }
    if !row.is_empty() {
        rows.push(row);
    }
    let legend_h = if rows.is_empty() {
        st.px(12.0)
    } else {
        rows.len() as i32 * row_h + st.px(16.0)
    };
    let top = h - legend_h + st.px(6.0);
    for (r, items) in rows.iter().enumerate() {
        let yc = top + r as i32 * row_h + row_h / 2;
        for (x, item) in items {
            let x = pad + x;
            draw_swatch(root, st, item.swatch, x, yc)?;
            text(
                root,
                st,
                &item.label,
                (x + sw_w, yc),
                &leg_style,
                HPos::Left,
                VPos::Center,
                false,
            )?;
        }
    }
    Ok(root.margin(header, legend_h, st.px(12.0), st.px(12.0)))
}

/// A linear f64 coordinate with ticks chosen by us (plotters' own f64 coordinate picks its
/// own ticks; `WithKeyPoints` over it cannot take a label formatter).
#[derive(Debug, Clone)]
struct Ticked {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        if self.hi == self.lo {
            return (limit.0 + limit.1) / 2;
        }
        let t = (v - self.lo) / (self.hi - self.lo);
        let len = (limit.1 - limit.0) as f64;
        limit.0 + (len * t + 1e-3).floor() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

type Chart2d<'a, DB> = ChartContext<'a, DB, Cartesian2d<Ticked, Ticked>>;

/// Builds the cartesian plot with axes, ticks, grid lines, tick labels and axis titles. Labels
/// are drawn by [`text`] on `root` (the whole picture, whose pixel coordinates are absolute).
fn build<'a, DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &'a DrawingArea<DB, Shift>,
    st: &Sty,
    x: &Axis,
    y: &Axis,
    y_labels: Option<&dyn Fn(&f64) -> String>,
) -> DResult<Chart2d<'a, DB>> {
    let tick = st.tick();
    let y_label = |t: &f64| match y_labels {
        Some(f) => f(t),
        None => y.fmt.format(*t),
    };
    let mut y_w = 0;
    for t in &y.ticks {
        y_w = y_w.max(text_width(area, &y_label(t), &tick)?);
    }
    let desc_h = if y.desc.is_empty() { 0 } else { st.px(34.0) };
    let y_area = y_w + desc_h + st.px(18.0);
    let x_desc_h = if x.desc.is_empty() { 0 } else { st.px(28.0) };
    let x_area = st.px(32.0) + x_desc_h;
    let mut chart = ChartBuilder::on(area)
        .margin_top(st.px(8.0))
        .margin_right(st.px(34.0))
        .margin_left(st.px(4.0))
        .x_label_area_size(x_area)
        .y_label_area_size(y_area)
        .build_cartesian_2d(
            Ticked {
                lo: x.lo,
                hi: x.hi,
                ticks: x.ticks.clone(),
            },
            Ticked {
                lo: y.lo,
                hi: y.hi,
                ticks: y.ticks.clone(),
            },
        )
        .m()?;
    let blank = |_: &f64| String::new();
    let tick_len = st.px(5.0);
    chart
        .configure_mesh()
        .x_label_formatter(&blank)
        .y_label_formatter(&blank)
        .label_style(tick.clone())
        .bold_line_style(GRID.stroke_width(1))
        .light_line_style(TRANSPARENT)
        .axis_style(MID_GREY.stroke_width(1))
        .set_all_tick_mark_size(tick_len)
        .draw()
        .m()?;
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let gap = st.px(5.0);
    for t in &x.ticks {
        let (px, _) = chart.backend_coord(&(*t, y.lo));
        let label = x.fmt.format(*t);
        text(
            root,
            st,
            &label,
            (px, yr.end + tick_len + gap),
            &tick,
            HPos::Center,
            VPos::Top,
            false,
        )?;
    }
    for t in &y.ticks {
        let (_, py) = chart.backend_coord(&(x.lo, *t));
        let label = y_label(t);
        text(
            root,
            st,
            &label,
            (xr.start - tick_len - gap, py),
            &tick,
            HPos::Right,
            VPos::Center,
            false,
        )?;
    }
    let desc = st.desc();
    if !x.desc.is_empty() {
        let yb = yr.end + st.px(32.0) + st.px(4.0);
        text(
            root,
            st,
            &x.desc,
            ((xr.start + xr.end) / 2, yb),
            &desc,
            HPos::Center,
            VPos::Top,
            false,
        )?;
    }
    if !y.desc.is_empty() {
        let (ax, _) = area.get_base_pixel();
        let xl = ax + st.px(4.0);
        text(
            root,
            st,
            &y.desc,
            (xl, (yr.start + yr.end) / 2),
            &desc,
            HPos::Center,
            VPos::Top,
            true,
        )?;
    }
    Ok(chart)
}

/// Runs of consecutive indices where `f(i)` is true.
fn runs(n: usize, f: impl Fn(usize) -> bool) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for i in 0..=n {
        let ok = i < n && f(i);
        match (ok, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    out
}

fn band_polygons(xs: &[f64], lo: &[Option<f64>], hi: &[Option<f64>]) -> Vec<Vec<(f64, f64)>> {
    runs(xs.len(), |i| lo[i].is_some() && hi[i].is_some())
        .into_iter()
        .filter(|r| r.len() >= 2)
        .map(|r| {
            let mut pts: Vec<(f64, f64)> =
                r.clone().map(|i| (xs[i], hi[i].unwrap_or(0.0))).collect();
            pts.extend(r.rev().map(|i| (xs[i], lo[i].unwrap_or(0.0))));
            pts
        })
        .collect()
}

fn time_axis(xs: impl Iterator<Item = f64>) -> Axis {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for x in xs {
        lo = lo.min(x);
        hi = hi.max(x);
    }
    if !lo.is_finite() {
        lo = 2024.0;
        hi = 2041.0;
    }
    if hi - lo < 1.0 {
        hi = lo + 1.0;
    }
    Axis::exact(Unit::Year, lo, hi, 10, "Year")
}

/// The y axis of a log-scale fan chart, `[lo, hi]` with both > 0. Values are drawn at
/// `log10(v)`; values at or below `lo` (zero, negative: bands of trials in which nothing has
/// happened yet) are clipped to the bottom of the axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LogScale {
    pub lo: f64,
    pub hi: f64,
}

impl LogScale {
    /// The range for `lines`, or `None` when no value is positive (draw a linear axis then).
    ///
    /// The bottom is the smallest positive value (usually a P5) rounded down to a power of ten,
    /// but not below 10⁻³ of the largest median, so that bands reaching down to almost zero do
    /// not squash the picture; a positive median below that is still shown (the bottom then
    /// goes down to it, but never below 10⁻⁶ of the largest median). The top is the largest
    /// value rounded up to the next labelled tick (a power of ten, or 2× or 5× one on a short
    /// axis).
    pub fn for_lines(lines: &[FanLine]) -> Option<LogScale> {
        let positive = |q: fn(&FanLine) -> &Vec<Option<f64>>| {
            lines
                .iter()
                .flat_map(move |l| q(l).iter().flatten().copied())
                .filter(|v| v.is_finite() && *v > 0.0)
        };
        let all = || {
            positive(|l| &l.p5)
                .chain(positive(|l| &l.p25))
                .chain(positive(|l| &l.p50))
                .chain(positive(|l| &l.p75))
                .chain(positive(|l| &l.p95))
        };
        let top = all().fold(f64::NAN, f64::max);
        if top.is_nan() {
            return None;
        }
        let smallest = all().fold(f64::NAN, f64::min);
        let max_med = positive(|l| &l.p50).fold(f64::NAN, f64::max);
        let min_med = positive(|l| &l.p50).fold(f64::NAN, f64::min);
        let (max_med, min_med) = if max_med.is_nan() {
            (top, top)
        } else {
            (max_med, min_med)
        };
        let floor = (max_med * 1e-3).min(min_med).max(max_med * 1e-6);
        let mut lo = power_of_ten_below(smallest.max(floor));
        let mut hi = nice_ceil(top * 1.02);
        if hi <= lo {
            lo = power_of_ten_below(lo / 2.0);
            hi = power_of_ten_above(hi * 2.0);
        }
        // The top of the axis is a labelled tick: a power of ten unless 2× and 5× are labelled.
        if log_ticks(lo, hi)
            .last()
            .is_none_or(|t| *t < hi * (1.0 - 1e-9))
        {
            hi = power_of_ten_above(hi);
        }
        // Values next to the limits of `f64` get a linear axis.
        (lo > 0.0 && hi.is_finite() && hi > lo).then_some(LogScale { lo, hi })
    }

    /// Where `v` is drawn (`log10`, clipped to the axis); `None` stays a gap.
    fn pos(&self, v: Option<f64>) -> Option<f64> {
        let v = v.filter(|v| !v.is_nan())?;
        Some(v.clamp(self.lo, self.hi).log10())
    }

    /// `l` with every value moved to its position on the axis.
    fn line(&self, l: &FanLine) -> FanLine {
        let q = |v: &[Option<f64>]| v.iter().map(|x| self.pos(*x)).collect();
        FanLine {
            label: l.label.clone(),
            color: l.color,
            xs: l.xs.clone(),
            p5: q(&l.p5),
            p25: q(&l.p25),
            p50: q(&l.p50),
            p75: q(&l.p75),
            p95: q(&l.p95),
        }
    }

    /// The axis in `log10` units, with ticks at powers of ten (see [`log_ticks`]) and a little
    /// room below the bottom tick, so that clipped values are not hidden by the axis line.
    /// Returns the axis and the tick labels by position.
    fn axis(&self, unit: Unit, desc: &str) -> (Axis, Vec<(f64, String)>) {
        let ticks = log_ticks(self.lo, self.hi);
        let labels: Vec<(f64, String)> = ticks
            .iter()
            .map(|t| (t.log10(), format_log_tick(unit, *t)))
            .collect();
        let (lo, hi) = (self.lo.log10(), self.hi.log10());
        let axis = Axis {
            lo: lo - (hi - lo) * 0.015,
            hi,
            ticks: labels.iter().map(|(p, _)| *p).collect(),
            fmt: TickFormat::new(unit, self.hi, self.hi),
            desc: format!("{desc} (log scale)"),
        };
        (axis, labels)
    }
}

/// Draws a fan chart, on a log y axis when `log` is set and some value is positive.
fn draw_fan<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    st: &Sty,
    f: &FanFigure,
    log: bool,
) -> DResult {
    let mut legend: Vec<LegendItem> = Vec::new();
    if f.inner_band {
        legend.extend(
            f.lines
                .iter()
                .map(|l| LegendItem::new(Swatch::Line(l.color), format!("{} (median)", l.label))),
        );
        legend.push(LegendItem::new(Swatch::Fill(MID_GREY, 0.45), "P25–P75"));
        legend.push(LegendItem::new(Swatch::Fill(MID_GREY, 0.2), "P5–P95"));
    } else {
        // Comparisons show a band per scenario; probability lines have none.
        legend.extend(f.lines.iter().map(|l| {
            let banded = l.p5.iter().any(|v| v.is_some());
            let sw = if banded {
                Swatch::Band(l.color)
            } else {
                Swatch::Line(l.color)
            };
            LegendItem::new(sw, l.label.clone())
        }));
    }
    let area = frame(root, st, &f.title, &f.subtitle, &legend)?;

    let x = time_axis(f.lines.iter().flat_map(|l| l.xs.iter().copied()));
    if let Some(scale) = log.then(|| LogScale::for_lines(&f.lines)).flatten() {
        let (y, labels) = scale.axis(f.unit, &f.y_desc);
        let label_of = |t: &f64| {
            labels
                .iter()
                .find(|(p, _)| (p - t).abs() < 1e-9)
                .map(|(_, l)| l.clone())
                .unwrap_or_default()
        };
        let lines: Vec<FanLine> = f.lines.iter().map(|l| scale.line(l)).collect();
        let mut chart = build(root, &area, st, &x, &y, Some(&label_of))?;
        return draw_fan_data(&mut chart, st, &lines, f.inner_band);
    }
    let (mut lo, mut hi) = (0.0f64, f64::NEG_INFINITY);
    for l in &f.lines {
        for v in l.p5.iter().chain(&l.p50).chain(&l.p95).flatten() {
            lo = lo.min(*v);
            hi = hi.max(*v);
        }
    }
    if !hi.is_finite() {
        hi = 1.0;
    }
    if matches!(f.unit, Unit::Share) && hi <= 1.0 && lo >= 0.0 {
        hi = 1.0;
    } else {
        hi += (hi - lo) * 0.04;
    }
    let mut y = Axis::value(f.unit, lo, hi, 7, &f.y_desc);
    // A little room below the lowest tick, so that a line at zero is not hidden by the axis.
    y.lo -= (y.hi - y.lo) * 0.015;
    let mut chart = build(root, &area, st, &x, &y, None)?;
    draw_fan_data(&mut chart, st, &f.lines, f.inner_band)
}

/// Bands and median lines of a fan chart, in the chart's coordinates.
fn draw_fan_data<DB: DrawingBackend>(
    chart: &mut Chart2d<'_, DB>,
    st: &Sty,
    lines: &[FanLine],
    inner_band: bool,
) -> DResult {
    let (outer, inner) = if inner_band {
        (0.16, 0.30)
    } else {
        (0.16, 0.0)
    };
    for l in lines {
        for poly in band_polygons(&l.xs, &l.p5, &l.p95) {
            chart
                .draw_series(std::iter::once(Polygon::new(
                    poly,
                    l.color.mix(outer).filled(),
                )))
                .m()?;
        }
        if inner_band {
            for poly in band_polygons(&l.xs, &l.p25, &l.p75) {
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        poly,
                        l.color.mix(inner).filled(),
                    )))
                    .m()?;
            }
        }
    }
    let width = st.px(3.0).max(1) as u32;
    for l in lines {
        if !inner_band {
            // Thin band edges help tell overlapping scenarios apart.
            for q in [&l.p5, &l.p95] {
                for r in runs(l.xs.len(), |i| q[i].is_some()) {
                    chart
                        .draw_series(LineSeries::new(
                            r.map(|i| (l.xs[i], q[i].unwrap_or(0.0))),
                            l.color.mix(0.55).stroke_width(1),
                        ))
                        .m()?;
                }
            }
        }
        for r in runs(l.xs.len(), |i| l.p50[i].is_some()) {
            if r.len() == 1 {
                let i = r.start;
                chart
                    .draw_series(std::iter::once(Circle::new(
                        (l.xs[i], l.p50[i].unwrap_or(0.0)),
                        st.px(4.0),
                        l.color.filled(),
                    )))
                    .m()?;
            } else {
                chart
                    .draw_series(LineSeries::new(
                        r.map(|i| (l.xs[i], l.p50[i].unwrap_or(0.0))),
                        l.color.stroke_width(width),
                    ))
                    .m()?;
            }
        }
    }
    Ok(())
}

fn draw_hist<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    st: &Sty,
    f: &HistFigure,
) -> DResult {
    let bar = palette::BLUE;
    let mid = palette::VERMILLION;
    let span = palette::ORANGE;
    let legend = if f.message.is_some() {
        Vec::new()
    } else {
        vec![
            LegendItem::new(Swatch::Fill(bar, 0.8), "Share of trials per bin"),
            LegendItem::new(
                Swatch::Line(mid),
                format!("Median {}", format_unit_value(f.unit, f.p50)),
            ),
            LegendItem::new(
                Swatch::Fill(span, 0.3),
                format!(
                    "90% interval {} to {}",
                    format_unit_value(f.unit, f.p5),
                    format_unit_value(f.unit, f.p95)
                ),
            ),
        ]
    };
    let area = frame(root, st, &f.title, &f.subtitle, &legend)?;
    if let Some(msg) = &f.message {
        let (w, h) = area.dim_in_pixel();
        area.draw(&Rectangle::new(
            [
                (st.px(20.0), st.px(10.0)),
                (w as i32 - st.px(20.0), h as i32 - st.px(20.0)),
            ],
            GRID.stroke_width(2),
        ))
        .m()?;
        let style = st.font(24.0).color(&DARK_GREY);
        let (bx, by) = area.get_base_pixel();
        let at = (bx + w as i32 / 2, by + h as i32 / 2);
        text(root, st, msg, at, &style, HPos::Center, VPos::Center, false)?;
        return Ok(());
    }
    let mut xlo = f.bins.first().map(|b| b.0).unwrap_or(f.p5);
    let mut xhi = f.bins.last().map(|b| b.1).unwrap_or(f.p95);
    // A few bins at least, so that a lone bar does not fill the plot.
    let bin_w = f.bins.first().map(|b| b.1 - b.0).unwrap_or(1.0);
    let min_span = bin_w * 12.0;
    if xhi - xlo < min_span {
        let mid = (xlo + xhi) / 2.0;
        xlo = mid - min_span / 2.0;
        xhi = mid + min_span / 2.0;
    }
    let pad = (xhi - xlo) * 0.02;
    let x = Axis::exact(f.unit, xlo - pad, xhi + pad, 9, &f.x_desc);
    let top = f.bins.iter().map(|b| b.2).fold(0.0, f64::max);
    let ymax = (top * 1.08).min(1.0).max(top);
    let y = Axis::value(Unit::Share, 0.0, ymax, 6, "Share of all trials");
    let mut chart = build(root, &area, st, &x, &y, None)?;
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(f.p5, 0.0), (f.p95, y.hi)],
            span.mix(0.16).filled(),
        )))
        .m()?;
    chart
        .draw_series(f.bins.iter().map(|(a, b, v)| {
            let gap = (b - a) * 0.06;
            Rectangle::new([(a + gap, 0.0), (b - gap, *v)], bar.mix(0.8).filled())
        }))
        .m()?;
    for p in [f.p5, f.p95] {
        chart
            .draw_series(DashedLineSeries::new(
                vec![(p, 0.0), (p, y.hi)],
                st.px(8.0),
                st.px(6.0),
                span.stroke_width(st.px(2.0).max(1) as u32),
            ))
            .m()?;
    }
    chart
        .draw_series(LineSeries::new(
            vec![(f.p50, 0.0), (f.p50, y.hi)],
            mid.stroke_width(st.px(3.0).max(1) as u32),
        ))
        .m()?;
    Ok(())
}

fn draw_stack<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    st: &Sty,
    f: &StackFigure,
) -> DResult {
    let legend: Vec<LegendItem> = f
        .layers
        .iter()
        .map(|(l, c, _)| LegendItem::new(Swatch::Fill(*c, 1.0), l.clone()))
        .collect();
    let area = frame(root, st, &f.title, &f.subtitle, &legend)?;
    let n = f.xs.len();
    let mut cum = vec![0.0; n];
    let mut tops = Vec::new();
    for (_, _, v) in &f.layers {
        let lower = cum.clone();
        for (i, c) in cum.iter_mut().enumerate() {
            *c += v.get(i).copied().unwrap_or(0.0).max(0.0);
        }
        tops.push((lower, cum.clone()));
    }
    let ymax = cum.iter().copied().fold(1.0, f64::max);
    let x = time_axis(f.xs.iter().copied());
    let y = Axis::value(Unit::Share, 0.0, ymax, 5, "Share of trials");
    let mut chart = build(root, &area, st, &x, &y, None)?;
    for ((_, c, _), (lower, upper)) in f.layers.iter().zip(&tops) {
        if n == 0 {
            break;
        }
        let mut pts: Vec<(f64, f64)> = (0..n).map(|i| (f.xs[i], upper[i])).collect();
        pts.extend((0..n).rev().map(|i| (f.xs[i], lower[i])));
        chart
            .draw_series(std::iter::once(Polygon::new(pts, c.filled())))
            .m()?;
    }
    // Thin white separators make adjacent layers easy to tell apart.
    for (_, upper) in &tops {
        chart
            .draw_series(LineSeries::new(
                (0..n).map(|i| (f.xs[i], upper[i])),
                WHITE.stroke_width(1),
            ))
            .m()?;
    }
    Ok(())
}

fn draw_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    st: &Sty,
    f: &BarsFigure,
) -> DResult {
    let area = frame(root, st, &f.title, &f.subtitle, &[])?;
    let max_total = f
        .rows
        .iter()
        .map(|r| r.items.iter().map(|i| i.1.max(0.0)).sum::<f64>())
        .fold(0.0, f64::max);
    let x = Axis::value(f.unit, 0.0, max_total.max(1e-9) * 1.14, 7, &f.x_desc);
    let labels: Vec<String> = f.rows.iter().map(|r| r.label.clone()).collect();
    let row_label_style = st.bold(19.0).color(&BLACK);
    let mut label_w = 0;
    for l in &labels {
        label_w = label_w.max(text_width(root, l, &row_label_style)?);
    }
    // The y axis is in "rows" (0 at the bottom); no ticks, row names are drawn by hand.
    let y = Axis {
        lo: 0.0,
        hi: 1.0,
        ticks: vec![],
        fmt: TickFormat::new(Unit::Plain, 1.0, 1.0),
        desc: String::new(),
    };
    let y_area_min = label_w + st.px(16.0);
    let blank = |_: &f64| String::new();
    let area = area.margin(0, 0, y_area_min, 0);
    let chart = build(root, &area, st, &x, &y, Some(&blank))?;
    let plot = chart.plotting_area();
    let (pw, ph) = plot.dim_in_pixel();
    let (pw, ph) = (pw as i32, ph as i32);
    let to_y = |py: i32| 1.0 - py as f64 / ph as f64;
    let leg_style = st.legend();
    let seg_style = st.font(17.0);
    let bar_h = st.px(46.0);
    let line_h = st.px(28.0);
    let n = f.rows.len().max(1) as i32;
    let slot = ph / n;
    for (r, row) in f.rows.iter().enumerate() {
        let total: f64 = row.items.iter().map(|i| i.1.max(0.0)).sum();
        let top = r as i32 * slot + st.px(14.0);
        // The bar.
        let mut acc = 0.0;
        for (_, v, c) in &row.items {
            let v = v.max(0.0);
            if v <= 0.0 {
                continue;
            }
            let (y0, y1) = (to_y(top), to_y(top + bar_h));
            plot.draw(&Rectangle::new([(acc, y0), (acc + v, y1)], c.filled()))
                .m()?;
            let (px0, _) = chart.backend_coord(&(acc, y0));
            let (px1, _) = chart.backend_coord(&(acc + v, y0));
            let pct = if total > 0.0 {
                format!("{:.0}%", v / total * 100.0)
            } else {
                String::new()
            };
            let tcolor = if palette::is_light(*c) { BLACK } else { WHITE };
            let ts = seg_style.color(&tcolor);
            if text_width(root, &pct, &ts)? + st.px(8.0) < px1 - px0 {
                let at = chart.backend_coord(&(acc + v / 2.0, to_y(top + bar_h / 2)));
                text(root, st, &pct, at, &ts, HPos::Center, VPos::Center, false)?;
            }
            plot.draw(&PathElement::new(
                vec![(acc + v, y0), (acc + v, y1)],
                WHITE.stroke_width(1),
            ))
            .m()?;
            acc += v;
        }
        // Total at the end of the bar.
        let tot_style = st.bold(18.0).color(&BLACK);
        let (bx, by) = chart.backend_coord(&(acc, to_y(top + bar_h / 2)));
        let total_text = format_unit_value(f.unit, total);
        let at = (bx + st.px(8.0), by);
        text(
            root,
            st,
            &total_text,
            at,
            &tot_style,
            HPos::Left,
            VPos::Center,
            false,
        )?;
        // Row name, right-aligned left of the plot.
        let (ax, _) = chart.backend_coord(&(x.lo, 0.0));
        let at = (ax - st.px(12.0), by);
        text(
            root,
            st,
            &row.label,
            at,
            &row_label_style,
            HPos::Right,
            VPos::Center,
            false,
        )?;
        // The row's legend under the bar, wrapped to the plot width.
        let (origin_x, origin_y) = chart.backend_coord(&(x.lo, to_y(top + bar_h)));
        let mut lx = 0;
        let mut ly = origin_y + st.px(8.0) + line_h / 2;
        let sw_w = st.px(34.0) + st.px(8.0);
        for (label, v, c) in &row.items {
            let item = format!("{label} {}", format_unit_value(f.unit, *v));
            let iw = sw_w + text_width(root, &item, &leg_style)?;
            if lx > 0 && lx + iw > pw {
                lx = 0;
                ly += line_h;
            }
            draw_swatch(root, st, Swatch::Fill(*c, 1.0), origin_x + lx, ly)?;
            let at = (origin_x + lx + sw_w, ly);
            text(
                root,
                st,
                &item,
                at,
                &leg_style,
                HPos::Left,
                VPos::Center,
                false,
            )?;
            lx += iw + st.px(26.0);
        }
    }
    Ok(())
}

fn draw_interval<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    st: &Sty,
    f: &IntervalFigure,
) -> DResult {
    let legend = vec![
        LegendItem::new(Swatch::Dot(MID_GREY), "Median"),
        LegendItem::new(Swatch::Fill(MID_GREY, 0.55), "P25–P75"),
        LegendItem::new(Swatch::Line(MID_GREY), "P5–P95"),
    ];
    let area = frame(root, st, &f.title, &f.subtitle, &legend)?;
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for r in &f.rows {
        for v in [r.p5, r.p50, r.p95].into_iter().flatten() {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if !lo.is_finite() {
        lo = 0.0;
        hi = 1.0;
    }
    let pad = if hi > lo {
        (hi - lo) * 0.08
    } else {
        lo.abs().max(1.0) * 0.1
    };
    let (mut lo, mut hi) = (lo - pad, hi + pad);
    if matches!(f.unit, Unit::Share) {
        lo = lo.max(0.0);
        hi = hi.min(1.0);
    }
    if !matches!(f.unit, Unit::Year) && lo < 0.0 && lo + pad >= 0.0 {
        lo = 0.0;
    }
    let x = Axis::value(f.unit, lo, hi, 7, &f.x_desc);
    let n = f.rows.len().max(1);
    let centers: Vec<f64> = (0..n).map(|i| (n - i) as f64 - 0.5).collect();
    let labels: Vec<String> = f.rows.iter().map(|r| r.label.clone()).collect();
    let y = Axis {
        lo: 0.0,
        hi: n as f64,
        ticks: centers.clone(),
        fmt: TickFormat::new(Unit::Plain, 1.0, 1.0),
        desc: String::new(),
    };
    let label_of = |v: &f64| {
        let i = (n as f64 - 0.5 - v).round();
        if i >= 0.0 && (i as usize) < labels.len() {
            labels[i as usize].clone()
        } else {
            String::new()
        }
    };
    let mut chart = build(root, &area, st, &x, &y, Some(&label_of))?;
    let value_style = st.font(17.0).color(&BLACK);
    for (r, yc) in f.rows.iter().zip(&centers) {
        if let (Some(a), Some(b)) = (r.p5, r.p95) {
            chart
                .draw_series(LineSeries::new(
                    vec![(a, *yc), (b, *yc)],
                    r.color.stroke_width(st.px(3.0).max(1) as u32),
                ))
                .m()?;
        }
        if let (Some(a), Some(b)) = (r.p25, r.p75) {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(a, yc - 0.09), (b, yc + 0.09)],
                    r.color.mix(0.55).filled(),
                )))
                .m()?;
        }
        if let Some(m) = r.p50 {
            chart
                .draw_series(std::iter::once(Circle::new(
                    (m, *yc),
                    st.px(8.0),
                    r.color.filled(),
                )))
                .m()?;
            chart
                .draw_series(std::iter::once(Circle::new(
                    (m, *yc),
                    st.px(8.0),
                    WHITE.stroke_width(2),
                )))
                .m()?;
            let at = chart.backend_coord(&(m, yc + 0.16));
            let label = format_unit_value(f.unit, m);
            text(
                root,
                st,
                &label,
                at,
                &value_style,
                HPos::Center,
                VPos::Bottom,
                false,
            )?;
        } else {
            let at = chart.backend_coord(&((x.lo + x.hi) / 2.0, *yc));
            let style = st.font(17.0).color(&DARK_GREY);
            let msg = "did not happen in any trial";
            text(root, st, msg, at, &style, HPos::Center, VPos::Center, false)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_split_on_gaps() {
        let v = [true, true, false, true, false, false, true, true, true];
        let r = runs(v.len(), |i| v[i]);
        assert_eq!(r, vec![0..2, 3..4, 6..9]);
    }

    fn line(p5: &[f64], p50: &[f64], p95: &[f64]) -> FanLine {
        let o = |v: &[f64]| v.iter().map(|x| Some(*x)).collect::<Vec<_>>();
        FanLine {
            label: "x".into(),
            color: palette::BLUE,
            xs: (0..p50.len()).map(|i| 2024.0 + i as f64 / 4.0).collect(),
            p5: o(p5),
            p25: o(p5),
            p50: o(p50),
            p75: o(p95),
            p95: o(p95),
        }
    }

    #[test]
    fn log_scale_range() {
        // Like accelerators: from below 1M to tens of billions.
        let l = line(
            &[5.6e5, 2e7, 3.6e8],
            &[7.2e5, 8.6e7, 4.4e9],
            &[9e5, 2e8, 4.05e10],
        );
        let s = LogScale::for_lines(&[l]).unwrap();
        assert_eq!((s.lo, s.hi), (1e5, 1e11));
        // Bands reaching down to almost nothing stop at 10⁻³ of the largest median...
        let l = line(
            &[1e-9, 0.0, 50.0],
            &[2.0, 300.0, 1000.0],
            &[5.0, 900.0, 3000.0],
        );
        let s = LogScale::for_lines(&[l]).unwrap();
        assert_eq!((s.lo, s.hi), (1.0, 10_000.0));
        assert_eq!(s.pos(Some(0.0)), Some(0.0));
        assert_eq!(s.pos(Some(-3.0)), Some(0.0));
        assert_eq!(s.pos(Some(1e-9)), Some(0.0));
        assert_eq!(s.pos(None), None);
        assert_eq!(s.pos(Some(f64::NAN)), None);
        // ... but a positive median below that is shown, down to 10⁻⁶ of the largest.
        let l = line(&[0.0, 0.0, 0.0], &[0.02, 3.0, 48.0], &[0.1, 9.0, 120.0]);
        let s = LogScale::for_lines(&[l]).unwrap();
        assert_eq!((s.lo, s.hi), (0.01, 1000.0));
        let l = line(&[0.0, 0.0], &[1e-12, 1.0], &[1e-12, 1.0]);
        let s = LogScale::for_lines(&[l]).unwrap();
        assert_eq!(s.lo, 1e-6);
        // A short range ends on a 2× or 5× tick.
        let l = line(&[3.0, 4.0], &[5.0, 6.0], &[7.0, 30.0]);
        let s = LogScale::for_lines(&[l]).unwrap();
        assert_eq!((s.lo, s.hi), (1.0, 50.0));
        // Medians all zero: the bands set the range.
        let l = line(&[0.0, 0.0], &[0.0, 0.0], &[0.0, 2.5e6]);
        let s = LogScale::for_lines(&[l]).unwrap();
        assert_eq!((s.lo, s.hi), (1e6, 5e6));
        // Nothing positive: no log axis.
        let l = line(&[0.0, -1.0], &[0.0, 0.0], &[0.0, 0.0]);
        assert_eq!(LogScale::for_lines(&[l]), None);
        assert_eq!(LogScale::for_lines(&[]), None);
        let l = line(&[f64::NAN], &[f64::INFINITY], &[f64::NAN]);
        assert_eq!(LogScale::for_lines(&[l]), None);
        let l = line(&[1.0], &[f64::MAX], &[f64::MAX]);
        assert_eq!(LogScale::for_lines(&[l]), None);
    }

    #[test]
    fn log_fans_render_whatever_the_values() {
        let fan = |lines: Vec<FanLine>| {
            Figure::LogFan(FanFigure {
                title: "Log fan".into(),
                subtitle: "test".into(),
                unit: Unit::H100e,
                y_desc: "Accelerators (H100-equivalents)".into(),
                lines,
                inner_band: true,
            })
        };
        let cases = [
            (
                line(&[0.0, 1e6, 1e8], &[1e6, 1e8, 1e10], &[2e6, 2e8, 4e10]),
                true,
            ),
            (line(&[0.0; 3], &[0.0; 3], &[0.0; 3]), false),
            (line(&[-1.0, 0.0], &[0.0, 0.0], &[1.0, 0.0]), true),
            (line(&[7.0], &[7.0], &[7.0]), true),
            (line(&[], &[], &[]), false),
        ];
        let tmp = tempfile::tempdir().unwrap();
        let size = Size {
            width: 600,
            height: 350,
        };
        for (i, (l, log)) in cases.into_iter().enumerate() {
            let fig = fan(vec![l]);
            let svg = to_svg(&fig, Size::default()).unwrap();
            assert!(svg.contains("Log fan"));
            assert_eq!(svg.contains("(log scale)"), log, "case {i}");
            assert!(!svg.contains("NaN"), "case {i}");
            write_png(&fig, &tmp.path().join(format!("{i}.png")), size).unwrap();
        }
    }

    #[test]
    fn polygons_skip_single_points() {
        let xs = [0.0, 1.0, 2.0, 3.0];
        let lo = [Some(0.0), Some(0.0), None, Some(1.0)];
        let hi = [Some(1.0), Some(2.0), None, Some(2.0)];
        let p = band_polygons(&xs, &lo, &hi);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0], vec![(0.0, 1.0), (1.0, 2.0), (1.0, 0.0), (0.0, 0.0)]);
    }
}
