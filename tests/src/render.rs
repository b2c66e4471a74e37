//! Rendering pages as a scanner would deliver them: text drawn with real fonts at
//! 300 dpi, then skew, tinted paper, noise and specks; blank backs with bleed-through;
//! separator sheets with barcodes.

use crate::{Rng, Symbology};
use ab_glyph::{Font, FontVec, PxScale, ScaleFont};
use image::{GrayImage, Luma};
use rxing::{BarcodeFormat, MultiFormatWriter, Writer};

/// A4 at 300 dpi.
pub const PAGE_W: u32 = 2480;
pub const PAGE_H: u32 = 3508;
const MARGIN: u32 = 250;

/// Fonts from Debian's fonts-dejavu-core and fonts-liberation2.
pub const FONT_PATHS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
];

pub struct Fonts {
    fonts: Vec<FontVec>,
}

impl Fonts {
    pub fn load() -> anyhow::Result<Fonts> {
        let mut fonts = Vec::new();
        for path in FONT_PATHS {
            let bytes = std::fs::read(path)
                .map_err(|e| anyhow::anyhow!("{path}: {e} (paquets fonts-dejavu-core et fonts-liberation2)"))?;
            fonts.push(FontVec::try_from_vec(bytes)?);
        }
        Ok(Fonts { fonts })
    }

    pub fn len(&self) -> usize {
        self.fonts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fonts.is_empty()
    }
}

/// Width in pixels of `text` in `font` at `size`.
fn text_width(font: &FontVec, size: f32, text: &str) -> f32 {
    let scaled = font.as_scaled(PxScale::from(size));
    let mut width = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            width += scaled.kern(p, id);
        }
        width += scaled.h_advance(id);
        prev = Some(id);
    }
    width
}

/// Splits logical lines so that each fits the page width; returns the lines as drawn.
pub fn wrap(fonts: &Fonts, font: usize, size: f32, lines: &[String]) -> Vec<String> {
    let font = &fonts.fonts[font];
    let max = (PAGE_W - 2 * MARGIN) as f32;
    let mut out = Vec::new();
    for line in lines {
        let mut current = String::new();
        for word in line.split(' ') {
            let candidate = if current.is_empty() { word.to_string() } else { format!("{current} {word}") };
            if !current.is_empty() && text_width(font, size, &candidate) > max {
                out.push(std::mem::replace(&mut current, word.to_string()));
            } else {
                current = candidate;
            }
        }
        out.push(current);
    }
    out
}

/// Draws text in `ink` on the page, blending coverage.
fn draw_text(img: &mut GrayImage, font: &FontVec, size: f32, x: f32, baseline: f32, text: &str, ink: u8) {
    let scaled = font.as_scaled(PxScale::from(size));
    let mut caret = x;
    let mut prev = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            caret += scaled.kern(p, id);
        }
        let glyph = id.with_scale_and_position(PxScale::from(size), ab_glyph::point(caret, baseline));
        caret += scaled.h_advance(id);
        prev = Some(id);
        if let Some(outlined) = font.outline_glyph(glyph) {
            let bounds = outlined.px_bounds();
            outlined.draw(|gx, gy, coverage| {
                let (px, py) = (bounds.min.x as i32 + gx as i32, bounds.min.y as i32 + gy as i32);
                if px >= 0 && py >= 0 && (px as u32) < img.width() && (py as u32) < img.height() {
                    let p = img.get_pixel_mut(px as u32, py as u32);
                    let bg = p.0[0] as f32;
                    p.0[0] = (bg + (ink as f32 - bg) * coverage.min(1.0)) as u8;
                }
            });
        }
    }
}

/// Paper of the given brightness.
pub fn paper(level: u8) -> GrayImage {
    GrayImage::from_pixel(PAGE_W, PAGE_H, Luma([level]))
}

/// Text lines on paper, at `size` pixels, one line every `1.5 × size`.
pub fn text_page(fonts: &Fonts, font: usize, size: f32, lines: &[String], paper_level: u8, ink: u8) -> GrayImage {
    let mut img = paper(paper_level);
    let font = &fonts.fonts[font];
    let mut baseline = MARGIN as f32 + size;
    for line in lines {
        if !line.is_empty() {
            draw_text(&mut img, font, size, MARGIN as f32, baseline, line, ink);
        }
        baseline += size * 1.5;
    }
    img
}

/// A blank back: paper, and optionally the front's text showing through, mirrored and faint.
pub fn blank_back(fonts: &Fonts, front: Option<(&[String], usize, f32)>, paper_level: u8) -> GrayImage {
    match front {
        Some((lines, font, size)) => {
            let through = text_page(fonts, font, size, lines, paper_level, paper_level.saturating_sub(14));
            image::imageops::flip_horizontal(&through)
        }
        None => paper(paper_level),
    }
}

/// A separator sheet: the barcode and a large label.
pub fn separator_page(fonts: &Fonts, payload: &str, symbology: Symbology, label: &str) -> anyhow::Result<GrayImage> {
    let mut img = paper(250);
    let (format, w, h) = match symbology {
        // About 3.5 cm square at 300 dpi, quiet zone included.
        Symbology::Qr => (BarcodeFormat::QR_CODE, 420, 420),
        Symbology::DataMatrix => (BarcodeFormat::DATA_MATRIX, 300, 300),
        // About 10 cm × 2 cm.
        Symbology::Code128 => (BarcodeFormat::CODE_128, 1200, 240),
        Symbology::Code39 => (BarcodeFormat::CODE_39, 1400, 240),
    };
    let matrix = MultiFormatWriter
        .encode(payload, &format, w, h)
        .map_err(|e| anyhow::anyhow!("code {format:?} impossible pour « {payload} » : {e}"))?;
    let (mw, mh) = (matrix.width(), matrix.height());
    // DataMatrix comes back at one pixel per module: scale it up.
    let scale = (w as u32 / mw.max(1)).max(1);
    let (ox, oy) = ((PAGE_W - mw * scale) / 2, 500);
    for y in 0..mh * scale {
        for x in 0..mw * scale {
            if matrix.get(x / scale, y / scale) {
                img.put_pixel(ox + x, oy + y, Luma([15]));
            }
        }
    }
    let font = &fonts.fonts[1];
    let size = 110.0;
    let width = text_width(font, size, label);
    let x = ((PAGE_W as f32 - width) / 2.0).max(50.0);
    draw_text(&mut img, font, size, x, (oy + mh * scale + 300) as f32, label, 20);
    Ok(img)
}

/// Rotates the page by a small angle (degrees) about its centre, filling with paper.
pub fn skew(img: &GrayImage, degrees: f32, paper_level: u8) -> GrayImage {
    imageproc::geometric_transformations::rotate_about_center(
        img,
        degrees.to_radians(),
        imageproc::geometric_transformations::Interpolation::Bilinear,
        Luma([paper_level]),
    )
}

/// Sensor noise (±`amplitude`) on every pixel, and a few dark specks.
pub fn noise(img: &mut GrayImage, rng: &mut Rng, amplitude: u8, specks: usize) {
    if amplitude > 0 {
        let span = 2 * amplitude as u64 + 1;
        for p in img.iter_mut() {
            let delta = (rng.next() % span) as i16 - amplitude as i16;
            *p = (*p as i16 + delta).clamp(0, 255) as u8;
        }
    }
    for _ in 0..specks {
        let (x, y) = (rng.below(img.width() as u64 - 3) as u32, rng.below(img.height() as u64 - 3) as u32);
        let size = 1 + rng.below(3) as u32;
        for dy in 0..size {
            for dx in 0..size {
                img.put_pixel(x + dx, y + dy, Luma([60]));
            }
        }
    }
}
