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

/// The bold face of separator sheets' titles (fonts-dejavu-core).
const BOLD_PATH: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

pub struct Fonts {
    fonts: Vec<FontVec>,
    bold: FontVec,
}

impl Fonts {
    pub fn load() -> anyhow::Result<Fonts> {
        let mut fonts = Vec::new();
        for path in FONT_PATHS {
            let bytes = std::fs::read(path)
                .map_err(|e| anyhow::anyhow!("{path}: {e} (paquets fonts-dejavu-core et fonts-liberation2)"))?;
            fonts.push(FontVec::try_from_vec(bytes)?);
        }
        let bold =
            std::fs::read(BOLD_PATH).map_err(|e| anyhow::anyhow!("{BOLD_PATH}: {e} (paquet fonts-dejavu-core)"))?;
        Ok(Fonts { fonts, bold: FontVec::try_from_vec(bold)? })
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

fn format_of(symbology: Symbology) -> BarcodeFormat {
    match symbology {
        Symbology::Qr => BarcodeFormat::QR_CODE,
        Symbology::DataMatrix => BarcodeFormat::DATA_MATRIX,
        Symbology::Code128 => BarcodeFormat::CODE_128,
        Symbology::Code39 => BarcodeFormat::CODE_39,
    }
}

/// Whether a symbology is a row of bars (1D) rather than a matrix (2D).
pub fn is_linear(symbology: Symbology) -> bool {
    matches!(symbology, Symbology::Code128 | Symbology::Code39)
}

/// Draws a code in black with its top-left corner at (x, y): `module` pixels per module
/// (the narrow bar of a 1D code), a 1D code `bar_height` pixels tall. Returns its size.
pub fn draw_code(
    img: &mut GrayImage,
    payload: &str,
    symbology: Symbology,
    (x, y): (u32, u32),
    module: u32,
    bar_height: u32,
) -> anyhow::Result<(u32, u32)> {
    let format = format_of(symbology);
    // The smallest matrix: one pixel per module.
    let matrix = MultiFormatWriter
        .encode(payload, &format, 1, 1)
        .map_err(|e| anyhow::anyhow!("code {format:?} impossible pour « {payload} » : {e}"))?;
    let (mw, mh) = (matrix.width(), matrix.height());
    let (w, h) = (mw * module, if is_linear(symbology) { bar_height } else { mh * module });
    for dy in 0..h {
        let my = if is_linear(symbology) { 0 } else { dy / module };
        for dx in 0..w {
            if matrix.get(dx / module, my) && x + dx < img.width() && y + dy < img.height() {
                img.put_pixel(x + dx, y + dy, Luma([0]));
            }
        }
    }
    Ok((w, h))
}

/// Text in black, bold if asked, centred on the page when `x` is `None`.
pub fn draw_line(img: &mut GrayImage, fonts: &Fonts, bold: bool, size: f32, x: Option<f32>, baseline: f32, text: &str) {
    let font = if bold { &fonts.bold } else { &fonts.fonts[1] };
    let x = x.unwrap_or_else(|| ((img.width() as f32 - text_width(font, size, text)) / 2.0).max(40.0));
    draw_text(img, font, size, x, baseline, text, 0);
}

/// What is printed on a separator sheet besides its code.
#[derive(Debug, Clone)]
pub struct SheetText {
    pub title: String,
    pub lines: Vec<String>,
}

/// A separator sheet as sites print them, black on white at 300 dpi: a title line, the
/// code (its size, module and place drawn at random within what sheets use), the payload
/// spelt out under a 1D code, and a few lines of instructions.
pub fn separator_sheet(
    fonts: &Fonts,
    payload: &str,
    symbology: Symbology,
    text: &SheetText,
    rng: &mut Rng,
) -> anyhow::Result<GrayImage> {
    let mut img = crate::scan::white_page();
    let title_size = 80.0 + rng.below(50) as f32;
    let mut baseline = 300.0 + rng.below(300) as f32;
    draw_line(&mut img, fonts, true, title_size, None, baseline, &text.title);
    baseline += title_size * 0.6;
    // 1D: narrow bar 0.25–0.5 mm, 1.2–2.5 cm tall; 2D: module 0.8–1.6 mm.
    let (module, bar_height) = if is_linear(symbology) {
        (3 + rng.below(4) as u32, 140 + rng.below(160) as u32)
    } else {
        (10 + rng.below(9) as u32, 0)
    };
    let top = baseline as u32 + 150 + rng.below(500) as u32;
    // Measure, then place: centred or towards either side.
    let (w, _) = draw_code(&mut crate::scan::white_page(), payload, symbology, (0, 0), module, bar_height)?;
    let free = PAGE_W.saturating_sub(w + 2 * 200);
    let x = 200 + rng.below(free as u64 + 1) as u32;
    let (_, h) = draw_code(&mut img, payload, symbology, (x, top), module, bar_height)?;
    baseline = (top + h) as f32 + 80.0;
    if is_linear(symbology) {
        draw_line(&mut img, fonts, false, 42.0, Some(x as f32 + 40.0), baseline, payload);
        baseline += 60.0;
    }
    baseline += 120.0 + rng.below(200) as f32;
    let size = 40.0 + rng.below(14) as f32;
    for line in &text.lines {
        draw_line(&mut img, fonts, false, size, Some(MARGIN as f32), baseline, line);
        baseline += size * 1.6;
    }
    Ok(img)
}

/// A code that is not a separator, as letters carry them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForeignCode {
    /// A registered-mail or parcel tracking number in Code 128, at the top right.
    Tracking,
    /// A web address in a QR code, at the bottom.
    UrlQr,
    /// A franking DataMatrix (as La Poste prints them), at the top right.
    PostalDataMatrix,
    /// A bare upper-case word in Code 128 (a label, a service name): what a bare-id
    /// separator pattern could mistake for a sheet.
    BareWord,
}

impl ForeignCode {
    pub const ALL: [ForeignCode; 4] =
        [ForeignCode::Tracking, ForeignCode::UrlQr, ForeignCode::PostalDataMatrix, ForeignCode::BareWord];

    /// A payload of this kind, drawn at random.
    pub fn payload(self, rng: &mut Rng) -> String {
        let digits =
            |rng: &mut Rng, n: usize| (0..n).map(|_| char::from(b'0' + rng.below(10) as u8)).collect::<String>();
        match self {
            ForeignCode::Tracking => {
                let prefix = rng.pick(&["1A", "1K", "2C", "6A", "8R", "RK", "LL"]);
                format!("{prefix}{}", digits(rng, 11))
            }
            ForeignCode::UrlQr => {
                let site = rng.pick(&[
                    "https://www.service-public.fr/particuliers/vosdroits/F",
                    "https://www.laposte.fr/outils/suivre-vos-envois?code=",
                    "https://mairie-colmar.fr/demarches?dossier=",
                ]);
                format!("{site}{}", digits(rng, 5))
            }
            ForeignCode::PostalDataMatrix => format!("DM01FRA{}LP{}", digits(rng, 12), digits(rng, 16)),
            ForeignCode::BareWord => {
                rng.pick(&["DGS", "COLIS", "URGENT", "LRAR", "DRH", "ARCHIVES", "SERVICE-COURRIER"]).to_string()
            }
        }
    }

    fn symbology(self) -> Symbology {
        match self {
            ForeignCode::Tracking | ForeignCode::BareWord => Symbology::Code128,
            ForeignCode::UrlQr => Symbology::Qr,
            ForeignCode::PostalDataMatrix => Symbology::DataMatrix,
        }
    }
}

/// A page of text (black on white, 300 dpi) carrying a code that is not a separator.
pub fn letter_with_code(
    fonts: &Fonts,
    font: usize,
    size: f32,
    lines: &[String],
    kind: ForeignCode,
    payload: &str,
    rng: &mut Rng,
) -> anyhow::Result<GrayImage> {
    let mut img = text_page(fonts, font, size, lines, 255, 0);
    let symbology = kind.symbology();
    let (module, bar_height) = match symbology {
        Symbology::Code128 => (3 + rng.below(3) as u32, 90 + rng.below(60) as u32),
        _ => (6 + rng.below(3) as u32, 0),
    };
    let (w, h) = draw_code(&mut crate::scan::white_page(), payload, symbology, (0, 0), module, bar_height)?;
    let (x, y) = match kind {
        // Above the text block, in the top margin.
        ForeignCode::Tracking | ForeignCode::BareWord | ForeignCode::PostalDataMatrix => {
            let x = PAGE_W.saturating_sub(w + 100 + rng.below(400) as u32).max(MARGIN);
            (x, 15 + rng.below(235u64.saturating_sub(h as u64).max(1)) as u32)
        }
        ForeignCode::UrlQr => (PAGE_W - w - 150 - rng.below(600) as u32, PAGE_H - h - 120 - rng.below(150) as u32),
    };
    // A white label under the code, as stickers and printed blocks have.
    for yy in y.saturating_sub(10)..(y + h + 10).min(PAGE_H) {
        for xx in x.saturating_sub(30)..(x + w + 30).min(PAGE_W) {
            img.put_pixel(xx, yy, Luma([255]));
        }
    }
    draw_code(&mut img, payload, symbology, (x, y), module, bar_height)?;
    Ok(img)
}
