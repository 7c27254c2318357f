//! WCAG 2 contrast of the brand colour against the white text the widget puts on it: the
//! launcher, the header and the visitor's bubbles are white on the brand colour, so a light
//! brand colour would make them unreadable.

/// WCAG AA for normal-size text.
pub const AA_RATIO: f64 = 4.5;

/// `#rrggbb` (any case) as its three channels; `None` for anything else.
pub fn parse_hex(raw: &str) -> Option<[u8; 3]> {
    let hex = raw.strip_prefix('#')?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([channel(0)?, channel(2)?, channel(4)?])
}

/// Relative luminance (WCAG 2.x definition).
fn luminance(rgb: [u8; 3]) -> f64 {
    let lin = |c: u8| {
        let s = f64::from(c) / 255.0;
        if s <= 0.04045 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2])
}

/// The contrast ratio of white text on `rgb`, from 1 to 21.
pub fn against_white(rgb: [u8; 3]) -> f64 {
    1.05 / (luminance(rgb) + 0.05)
}

/// A darker shade for hover states (each channel at 85%), as `#rrggbb`: darker than an AA
/// colour stays AA.
pub fn darker(rgb: [u8; 3]) -> String {
    let d = |c: u8| (f64::from(c) * 0.85).round() as u8;
    format!("#{:02x}{:02x}{:02x}", d(rgb[0]), d(rgb[1]), d(rgb[2]))
}
