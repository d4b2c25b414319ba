//! The embedded font. No system fonts can be assumed, so DejaVu Sans (shipped inside the binary
//! by the `dejavu` crate) is registered with plotters under the family name `sans-serif` once,
//! before anything is drawn.

use std::sync::OnceLock;

use plotters::style::{register_font, FontStyle};

use crate::error::{Error, Result};

/// The font family every chart uses.
pub const FAMILY: &str = "sans-serif";

/// Registers DejaVu Sans (regular and bold) with plotters; cheap after the first call.
pub fn ensure_fonts() -> Result<()> {
    static REGISTERED: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            register_font(FAMILY, FontStyle::Normal, dejavu::sans::regular())
                .map_err(|_| "the embedded DejaVu Sans font could not be loaded".to_string())?;
            register_font(FAMILY, FontStyle::Bold, dejavu::sans::bold())
                .map_err(|_| "the embedded DejaVu Sans Bold font could not be loaded".to_string())
        })
        .clone()
        .map_err(Error::Other)
}
