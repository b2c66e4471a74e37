//! Separator sheets: barcodes read with rxing on a downscaled grey copy of every page,
//! then at full resolution when the small copy shows none (small codes), and the
//! payload rules that say which codes are separators.

use crate::imaging::downscale_box;
use crate::profile::{PayloadPattern, Profile, Symbology};
use image::GrayImage;
use pli_core::SeparatorPayload;
use pli_core::separator::parse_pli_payload;
use rxing::multi::{GenericMultipleBarcodeReader, MultipleBarcodeReader};
use rxing::{
    BarcodeFormat, BinaryBitmap, DecodeHints, Luma8LuminanceSource, MultiFormatReader, Reader,
    common::{GlobalHistogramBinarizer, HybridBinarizer},
};
use std::collections::{BTreeMap, HashSet};

/// How much ink a page carries, which decides how hard to look for a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ink {
    /// A blank back, by the profile's threshold.
    Blank,
    /// Some ink, but less than a page of text: a separator sheet, a short note.
    Sparse,
    /// A page of text (3–8 % of its area inked).
    Text,
}

impl Ink {
    /// Below 1.5 % of inked area, a page that is not blank is sparse.
    pub fn of(ratio: f32, blank_max: f32) -> Ink {
        if ratio <= blank_max {
            Ink::Blank
        } else if ratio < 0.015 {
            Ink::Sparse
        } else {
            Ink::Text
        }
    }
}

/// Reads separator sheets according to a profile.
pub struct SeparatorReader {
    formats: HashSet<BarcodeFormat>,
    /// The profile's 1D symbologies, which need every row scanned.
    one_d: HashSet<BarcodeFormat>,
    patterns: Vec<PayloadPattern>,
    /// Another tool's entity ids mapped to Pli direction codes.
    directions: BTreeMap<String, String>,
}

/// What was found on a page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageCodes {
    /// The separator payload, when one of the page's codes is a separator.
    pub separator: Option<SeparatorPayload>,
    /// Every code read, separator or not (for logs and diagnostics).
    pub payloads: Vec<String>,
    /// What the operator should know about the separator, in French: an entity id the
    /// profile does not map to a direction (the courrier is not pre-routed).
    pub note: Option<String>,
}

impl SeparatorReader {
    pub fn new(profile: &Profile) -> Self {
        let formats: HashSet<BarcodeFormat> = profile
            .separator
            .symbologies
            .iter()
            .map(|s| match s {
                Symbology::Qr => BarcodeFormat::QR_CODE,
                Symbology::Code128 => BarcodeFormat::CODE_128,
                Symbology::Code39 => BarcodeFormat::CODE_39,
                Symbology::DataMatrix => BarcodeFormat::DATA_MATRIX,
            })
            .collect();
        let is_1d = |f: &&BarcodeFormat| matches!(f, BarcodeFormat::CODE_128 | BarcodeFormat::CODE_39);
        let one_d = formats.iter().filter(is_1d).copied().collect();
        let (patterns, directions) = (profile.separator.patterns.clone(), profile.separator.directions.clone());
        SeparatorReader { formats, one_d, patterns, directions }
    }

    /// Whether `payload` is a separator under Pli's contract or the profile's patterns,
    /// read on a page that looks like a separator sheet.
    pub fn classify(&self, payload: &str) -> Option<SeparatorPayload> {
        self.recognise(payload, true).map(|(p, _)| p)
    }

    /// Whether `payload`, read on a page that looks like a sheet (`sheet`) or not, is a
    /// separator; with a note when its entity maps to no direction.
    fn recognise(&self, payload: &str, sheet: bool) -> Option<(SeparatorPayload, Option<String>)> {
        if let Some(p) = parse_pli_payload(payload) {
            return Some((p, None));
        }
        let text = payload.trim();
        self.patterns.iter().filter(|p| sheet || !p.sheet_only).find_map(|pattern| {
            let caps = pattern.regex.captures(text)?;
            let mut direction = caps.name("direction").map(|m| m.as_str().to_string());
            let mut note = None;
            if let Some(entity) = caps.name("entity").map(|m| m.as_str()) {
                match self.directions.get(entity) {
                    Some(code) => direction = Some(code.clone()),
                    None if pattern.known_only => return None,
                    None => {
                        note = Some(format!(
                            "entité « {entity} » absente de [separator.directions] du profil : courrier séparé sans pré-orientation"
                        ))
                    }
                }
            }
            Some((SeparatorPayload { raw: text.to_string(), direction }, note))
        })
    }

    /// Looks for a separator on a page, given its full-resolution grey image, its copy
    /// downscaled to about 100 dpi and how much ink the page carries.
    ///
    /// Cheapest first (figures on a 300 dpi A4 page): a quick decode of the small copy
    /// (about 2 ms: separator sheets' codes), every row of it for 1D codes (about 4 ms:
    /// the quick look only scans rows near the middle), then a finer copy (about 5 ms:
    /// 2D codes down to 1.5 cm, narrow 1D codes). Pages of text and blank backs stop
    /// there. A page that looks like a sheet (little of it inked: a title, a code, a few
    /// lines, whatever its ink ratio) also gets the hard look at scans as they come: the
    /// finer copy with its contrast stretched, turned upright by the skew its edges show
    /// (up to 45°), every row read with two binarizers, then full resolution for codes
    /// smaller still. Only a page that does carry a code that is not a separator gets
    /// the costly search for several codes.
    pub fn read_page(&self, full: &GrayImage, small: &GrayImage, ink: Ink) -> PageCodes {
        let factor = (full.width() / small.width().max(1)).max(1);
        let finer_factor = factor.saturating_sub(1).max(1);
        let finer = (finer_factor > 1).then(|| downscale_box(full, finer_factor));
        let finer = finer.as_ref().unwrap_or(full);
        let all = &self.formats;
        let quick = [
            Pass { img: small, try_harder: false, formats: all, global: false },
            Pass { img: small, try_harder: true, formats: &self.one_d, global: false },
            Pass { img: finer, try_harder: false, formats: all, global: false },
        ];
        // Where the ink lies says whether the page looks like a sheet (see `sheet_like`).
        let share = inked_share(small);
        let sheet = ink == Ink::Sparse || (ink != Ink::Blank && share < SHEET_MAX_SHARE);
        if let Some(codes) = self.first_code(&quick, sheet) {
            return codes;
        }
        // Blank backs and pages of text stop here. A page is judged by where its ink lies,
        // not only by how much: a sheet with a large code and a title may hold as much ink
        // as a short letter, and a faint sheet may pass for blank by its ink ratio.
        // A page dominated by one pattern of bars, such as a Patch-T sheet whose thick bars
        // ink half its squares, is a sheet too: its edges line up where text's turn every way.
        if share == 0.0 {
            return PageCodes::default();
        }
        let text = ink == Ink::Text && share >= SHEET_MAX_SHARE;
        let barred = text && barred(small);
        if text && !barred {
            return PageCodes::default();
        }
        let sheet = sheet || barred;
        let region = code_region(small);
        // The code's region at full resolution, upright: bars read across whatever the skew.
        if let Some(r) = region {
            let upright = upright_crop(full, factor, r.bounds, r.skew);
            let passes = [
                Pass { img: &upright, try_harder: true, formats: all, global: false },
                Pass { img: &upright, try_harder: true, formats: all, global: true },
            ];
            if let Some(codes) = self.first_code(&passes, sheet) {
                return codes;
            }
        }
        // The whole finer copy, contrast stretched and upright (the densest edges may have
        // been another pattern's, such as a Patch-T sheet's thick bars).
        let stretched = match region {
            Some(r) if r.skew.abs() >= 1.0 => straighten(&stretch_contrast(finer), r.skew),
            _ => stretch_contrast(finer),
        };
        let mut hard = vec![
            Pass { img: &stretched, try_harder: true, formats: all, global: false },
            Pass { img: &stretched, try_harder: true, formats: all, global: true },
        ];
        if !std::ptr::eq(finer, full) {
            hard.push(Pass { img: full, try_harder: false, formats: all, global: false });
        }
        self.first_code(&hard, sheet).unwrap_or_default()
    }

    /// The codes of the first pass that finds one.
    fn first_code(&self, passes: &[Pass], sheet: bool) -> Option<PageCodes> {
        for pass in passes {
            if pass.formats.is_empty() {
                continue;
            }
            let Some(first) = decode_one(pass.img, hints(pass.formats, pass.try_harder), pass.global) else {
                continue;
            };
            if let Some((separator, note)) = self.recognise(&first, sheet) {
                return Some(PageCodes { separator: Some(separator), payloads: vec![first], note });
            }
            // A code that is not a separator: the page may carry several (a form with
            // its own codes and a separator label, say).
            let mut payloads = decode_many(pass.img, hints(&self.formats, true));
            if !payloads.contains(&first) {
                payloads.insert(0, first);
            }
            let (separator, note) = payloads.iter().find_map(|c| self.recognise(c, sheet)).unzip();
            return Some(PageCodes { separator, payloads, note: note.flatten() });
        }
        None
    }
}

/// One look at a page: which copy, how hard, which codes, which binarizer.
struct Pass<'a> {
    img: &'a GrayImage,
    try_harder: bool,
    formats: &'a HashSet<BarcodeFormat>,
    /// One threshold for the whole image (rxing's global histogram binarizer) instead
    /// of one per block: steadier on noise and faint, even ink.
    global: bool,
}

/// Whether a page looks like a separator sheet rather than a page of text: at most a
/// third of its 8 mm squares (on the ~100 dpi copy) hold ink. A sheet's title, code and
/// few lines cover far less; a page of text covers most of its text block, however
/// skewed. Ink is judged against the page's own paper, so tinted paper is no text.
pub fn sheet_like(small: &GrayImage) -> bool {
    inked_share(small) < SHEET_MAX_SHARE
}

/// Above this share of inked squares, a page is text (see [`sheet_like`]).
const SHEET_MAX_SHARE: f32 = 0.33;

/// Whether one pattern of bars rules a page, judged on its ~50 dpi copy (a quarter of the
/// cost, and text's strokes blur there while bars wider than a millimetre stay): at least
/// [`BARS_MIN_ALIGNMENT`] of its edge strength within 2° of one direction.
fn barred(small: &GrayImage) -> bool {
    code_region(&downscale_box(small, 2)).is_some_and(|r| r.alignment >= BARS_MIN_ALIGNMENT)
}

/// See [`barred`] and [`CodeRegion::alignment`]. On the ~50 dpi copy, generated letters with
/// codes show at most 0.18 under every scan condition; NAPS2's Patch-T sheet scanned 16°
/// askew 0.35–0.38, straight 0.82–0.85. Midway.
const BARS_MIN_ALIGNMENT: f32 = 0.26;

/// Share of the page's 8 mm squares (32 px on the ~100 dpi copy), margins excluded,
/// holding at least a few pixels of ink: darker than midway between the paper (the
/// median) and the page's darkest marks, so that faint ink on tinted paper counts, and
/// nothing counts on a page whose darkest marks are barely darker than its paper.
pub fn inked_share(small: &GrayImage) -> f32 {
    const TILE: u32 = 32;
    let (w, h) = small.dimensions();
    let (mx, my) = (w / 20, h / 25);
    if w <= 2 * mx + TILE || h <= 2 * my + TILE {
        return 0.0;
    }
    let (paper, darkest) = (percentile(small, 0.5), percentile(small, 0.002));
    if paper.saturating_sub(darkest) < 40 {
        return 0.0;
    }
    let dark = darkest + (paper - darkest) / 2;
    let (tw, th) = ((w - 2 * mx) / TILE, (h - 2 * my) / TILE);
    let mut inked = 0;
    for ty in 0..th {
        for tx in 0..tw {
            let mut count = 0;
            for y in my + ty * TILE..my + (ty + 1) * TILE {
                let row = &small.as_raw()[(y * w + mx + tx * TILE) as usize..][..TILE as usize];
                count += row.iter().filter(|&&p| p < dark).count();
            }
            if count >= 8 {
                inked += 1;
            }
        }
    }
    inked as f32 / (tw * th).max(1) as f32
}

/// The grey level below which `share` of the image lies.
fn percentile(img: &GrayImage, share: f32) -> u8 {
    let mut histogram = [0u32; 256];
    for &p in img.as_raw() {
        histogram[p as usize] += 1;
    }
    let target = (img.as_raw().len() as f32 * share) as u32;
    let mut seen = 0;
    for (value, count) in histogram.iter().enumerate() {
        seen += count;
        if seen > target {
            return value as u8;
        }
    }
    255
}

/// Stretches grey levels so that the darkest ink (the 0.2 % darkest pixels) is black
/// and the paper (the median) white: faint ink on tinted paper gets the contrast the
/// binarizers expect.
fn stretch_contrast(img: &GrayImage) -> GrayImage {
    let (ink, paper) = (percentile(img, 0.002) as i32, percentile(img, 0.5) as i32);
    if paper - ink < 8 {
        return img.clone();
    }
    let span = (paper - ink) as f32;
    let lut: Vec<u8> = (0..256).map(|v| (((v - ink) as f32 / span) * 255.0).clamp(0.0, 255.0).round() as u8).collect();
    let mut out = img.clone();
    out.iter_mut().for_each(|p| *p = lut[*p as usize]);
    out
}

/// Where a page's code most likely lies, and its skew: the strong edges of the page (on
/// the ~100 dpi copy), their directions folded onto a quarter turn. The bars of a code and
/// the strokes of printed text lie along the sheet's axes, so the directions pile up at
/// the angle the sheet was fed; the code is where edges at that angle are densest (bars
/// and modules are denser than letters).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CodeRegion {
    /// Degrees the sheet was turned; [`straighten`] by it sets the page upright.
    pub skew: f32,
    /// The box around the densest edges, in the copy's pixels: x, y, width, height.
    pub bounds: (u32, u32, u32, u32),
    /// Share of the page's edge strength within 2° of the skew: a page of text, whose
    /// round letters turn every way, stays low; a page dominated by bars is high.
    pub alignment: f32,
}

/// Side of the squares edges are counted in (4 mm on the ~100 dpi copy).
const CELL: u32 = 16;
/// Directions are counted in half-degree bins over −45°..45°.
const BINS: usize = 180;

/// Finds the skew and the likely code region of a page from its ~100 dpi copy.
pub fn code_region(small: &GrayImage) -> Option<CodeRegion> {
    let (w, h) = small.dimensions();
    if w < CELL * 3 || h < CELL * 3 {
        return None;
    }
    let (cw, ch) = (w / CELL, h / CELL);
    let mut histogram = vec![0f32; BINS];
    // Per cell, strong edges per 5° of direction.
    let mut cells = vec![[0u16; 18]; (cw * ch) as usize];
    let raw = small.as_raw();
    let at = |x: u32, y: u32| raw[(y * w + x) as usize] as f32;
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            // Scharr: its directions are true to a degree where Sobel's stray by several.
            let gx = 3.0 * (at(x + 1, y - 1) - at(x - 1, y - 1))
                + 10.0 * (at(x + 1, y) - at(x - 1, y))
                + 3.0 * (at(x + 1, y + 1) - at(x - 1, y + 1));
            let gy = 3.0 * (at(x - 1, y + 1) - at(x - 1, y - 1))
                + 10.0 * (at(x, y + 1) - at(x, y - 1))
                + 3.0 * (at(x + 1, y + 1) - at(x + 1, y - 1));
            let magnitude = gx.abs() + gy.abs();
            if magnitude < 480.0 {
                continue;
            }
            let degrees = (gy.atan2(gx).to_degrees() + 45.0).rem_euclid(90.0);
            let bin = ((degrees * 2.0) as usize).min(BINS - 1);
            histogram[bin] += magnitude;
            let (cx, cy) = ((x / CELL).min(cw - 1), (y / CELL).min(ch - 1));
            let cell = &mut cells[(cy * cw + cx) as usize][bin / 10];
            *cell = cell.saturating_add(1);
        }
    }
    // The peak of the histogram smoothed over ±1°.
    let smoothed = |i: usize| (0..5).map(|d| histogram[(i + BINS + d - 2) % BINS]).sum::<f32>();
    let peak = (0..BINS).max_by(|&a, &b| smoothed(a).total_cmp(&smoothed(b)))?;
    if smoothed(peak) <= 0.0 {
        return None;
    }
    // The centre of mass around the peak, finer than a bin (and fair between equal bins).
    let (mut sum, mut weight) = (0.0, 0.0);
    for d in -4i32..=4 {
        let h = histogram[(peak as i32 + d).rem_euclid(BINS as i32) as usize];
        sum += h * (peak as f32 + d as f32);
        weight += h;
    }
    let skew = (sum / weight) / 2.0 + 0.25 - 45.0;
    let total: f32 = histogram.iter().sum();
    let aligned: f32 = (-4i32..=4).map(|d| histogram[(peak as i32 + d).rem_euclid(BINS as i32) as usize]).sum();
    let alignment = aligned / total;
    // Edges within about 5° of the peak, per cell.
    let coarse = peak / 10;
    let score: Vec<u32> = cells
        .iter()
        .map(|c| {
            let near = if peak % 10 < 5 { (coarse + 17) % 18 } else { (coarse + 1) % 18 };
            c[coarse] as u32 + c[near] as u32
        })
        .collect();
    let best = (0..score.len()).max_by_key(|&i| score[i])?;
    if score[best] == 0 {
        return None;
    }
    // Grow the densest cell over its neighbours at least a third as dense.
    let keep = score[best] / 3;
    let mut seen = vec![false; score.len()];
    let mut stack = vec![best];
    seen[best] = true;
    let (mut x0, mut y0, mut x1, mut y1) = (cw, ch, 0, 0);
    while let Some(i) = stack.pop() {
        let (cx, cy) = (i as u32 % cw, i as u32 / cw);
        (x0, y0, x1, y1) = (x0.min(cx), y0.min(cy), x1.max(cx), y1.max(cy));
        for (dx, dy) in [(-1i32, 0i32), (1, 0), (0, -1), (0, 1), (-1, -1), (1, 1), (-1, 1), (1, -1)] {
            let (nx, ny) = (cx as i32 + dx, cy as i32 + dy);
            if nx < 0 || ny < 0 || nx >= cw as i32 || ny >= ch as i32 {
                continue;
            }
            let n = (ny as u32 * cw + nx as u32) as usize;
            if !seen[n] && score[n] >= keep {
                seen[n] = true;
                stack.push(n);
            }
        }
    }
    let bounds = (x0 * CELL, y0 * CELL, (x1 - x0 + 1) * CELL, (y1 - y0 + 1) * CELL);
    Some(CodeRegion { skew, bounds, alignment })
}

/// The skew of a page in degrees (see [`code_region`]).
pub fn skew_degrees(small: &GrayImage) -> f32 {
    code_region(small).map(|r| r.skew).unwrap_or(0.0)
}

/// The skew of a code, to a quarter of a degree, within 3° of a first estimate: the angle
/// at which its dark pixels, projected across and along the bars (or modules), pile up
/// most sharply. Finer than edge directions, which one-pixel bars blur.
fn fine_skew(crop: &GrayImage, coarse: f32) -> f32 {
    let (w, h) = crop.dimensions();
    // Every other pixel is enough; the contrast is already stretched.
    let dark: Vec<(f32, f32)> = (0..h)
        .step_by(2)
        .flat_map(|y| (0..w).step_by(2).map(move |x| (x, y)))
        .filter(|&(x, y)| crop.get_pixel(x, y).0[0] < 128)
        .map(|(x, y)| (x as f32, y as f32))
        .collect();
    if dark.len() < 100 {
        return coarse;
    }
    let size = (w + h) as usize * 2;
    let sharpness = |degrees: f32| {
        let (sin, cos) = degrees.to_radians().sin_cos();
        let (mut across, mut along) = (vec![0u32; size], vec![0u32; size]);
        for &(x, y) in &dark {
            across[((x * cos + y * sin) as i64 + h as i64).clamp(0, size as i64 - 1) as usize] += 1;
            along[((y * cos - x * sin) as i64 + w as i64).clamp(0, size as i64 - 1) as usize] += 1;
        }
        across.iter().chain(&along).map(|&n| (n as u64) * (n as u64)).sum::<u64>()
    };
    (-12..=12).map(|step| coarse + step as f32 * 0.25).max_by_key(|&a| sharpness(a)).unwrap_or(coarse)
}

/// The region `bounds` of the ~100 dpi copy cut from `full` (`factor` times larger), with
/// a margin for the code's quiet zone, turned upright by `skew`.
fn upright_crop(full: &GrayImage, factor: u32, bounds: (u32, u32, u32, u32), skew: f32) -> GrayImage {
    let (x, y, w, h) = bounds;
    // The quiet zone, and what the skew moves into the box's corners.
    let margin = CELL * 2 + (w.max(h) as f32 * skew.to_radians().abs().sin() / 2.0) as u32;
    let (x0, y0) = (x.saturating_sub(margin) * factor, y.saturating_sub(margin) * factor);
    let x1 = ((x + w + margin) * factor).min(full.width());
    let y1 = ((y + h + margin) * factor).min(full.height());
    let crop = image::imageops::crop_imm(full, x0, y0, x1.saturating_sub(x0), y1.saturating_sub(y0)).to_image();
    let crop = stretch_contrast(&crop);
    let skew = fine_skew(&crop, skew);
    if skew.abs() >= 0.5 { straighten(&crop, skew) } else { crop }
}

/// Turns an image by minus `degrees` about its centre, filling with white.
pub fn straighten(img: &GrayImage, degrees: f32) -> GrayImage {
    imageproc::geometric_transformations::rotate_about_center(
        img,
        -degrees.to_radians(),
        imageproc::geometric_transformations::Interpolation::Bilinear,
        image::Luma([255]),
    )
}

fn hints(formats: &HashSet<BarcodeFormat>, try_harder: bool) -> DecodeHints {
    DecodeHints { PossibleFormats: Some(formats.clone()), TryHarder: Some(try_harder), ..DecodeHints::default() }
}

fn source(img: &GrayImage) -> Option<Luma8LuminanceSource> {
    if img.width() == 0 || img.height() == 0 {
        return None;
    }
    Luma8LuminanceSource::new(img.as_raw().clone(), img.width(), img.height()).ok()
}

fn bitmap(img: &GrayImage) -> Option<BinaryBitmap<HybridBinarizer<Luma8LuminanceSource>>> {
    Some(BinaryBitmap::new(HybridBinarizer::new(source(img)?)))
}

/// The first code rxing finds, with its per-block binarizer or a global one.
fn decode_one(img: &GrayImage, hints: DecodeHints, global: bool) -> Option<String> {
    let result = if global {
        let mut bitmap = BinaryBitmap::new(GlobalHistogramBinarizer::new(source(img)?));
        MultiFormatReader::default().decode_with_hints(&mut bitmap, &hints)
    } else {
        MultiFormatReader::default().decode_with_hints(&mut bitmap(img)?, &hints)
    };
    result.ok().map(|r| r.getText().to_string())
}

/// Every code rxing finds.
fn decode_many(img: &GrayImage, hints: DecodeHints) -> Vec<String> {
    let Some(mut bitmap) = bitmap(img) else { return Vec::new() };
    let mut reader = GenericMultipleBarcodeReader::new(MultiFormatReader::default());
    reader
        .decode_multiple_with_hints(&mut bitmap, &hints)
        .map(|results| results.into_iter().map(|r| r.getText().to_string()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;
    use image::Luma;

    /// A4 at 100 dpi × `scale`, with vertical bars (a crude 1D code) and a line of blocks (text).
    fn page_at(scale: u32) -> GrayImage {
        let mut img = GrayImage::from_pixel(827 * scale, 1169 * scale, Luma([240]));
        let mut block = |x0: u32, y0: u32, w: u32, h: u32| {
            for y in y0 * scale..(y0 + h) * scale {
                for x in x0 * scale..(x0 + w) * scale {
                    img.put_pixel(x, y, Luma([20]));
                }
            }
        };
        for x in (300..560).step_by(5) {
            block(x, 500, 2 + (x / 5 % 3), 80);
        }
        for x in (100..700).step_by(14) {
            block(x, 200, 6, 25);
        }
        img
    }

    fn bars_page() -> GrayImage {
        page_at(1)
    }

    fn turned(img: &GrayImage, degrees: f32) -> GrayImage {
        imageproc::geometric_transformations::rotate_about_center(
            img,
            degrees.to_radians(),
            imageproc::geometric_transformations::Interpolation::Bilinear,
            Luma([240]),
        )
    }

    #[test]
    fn the_skew_of_a_page_is_measured_and_undone() {
        for degrees in [-15.0f32, -7.0, 0.0, 4.0, 12.0] {
            // Turned at full resolution, as the scanner sees it; measured on the small copy.
            let full = turned(&page_at(3), degrees);
            let region = code_region(&downscale_box(&full, 3)).unwrap();
            assert!((region.skew - degrees).abs() < 3.0, "{degrees}° seen as {}°", region.skew);
            // Finer on the code itself, at full resolution.
            let upright = upright_crop(&full, 3, region.bounds, region.skew);
            let left = fine_skew(&upright, 0.0);
            assert!(left.abs() <= 0.5, "{degrees}°: {left}° left");
        }
    }

    #[test]
    fn the_code_region_is_where_the_bars_are() {
        let region = code_region(&downscale_box(&turned(&page_at(3), 10.0), 3)).unwrap();
        let (x, y, w, h) = region.bounds;
        let (cx, cy) = (x + w / 2, y + h / 2);
        // The bars' centre (430, 540) moves little under a 10° turn about the page's centre.
        assert!((380..480).contains(&cx) && (480..620).contains(&cy), "{:?}", region.bounds);
    }

    #[test]
    fn a_page_of_text_is_not_sheet_like_and_a_sheet_is() {
        let mut text = GrayImage::from_pixel(827, 1169, Luma([200])); // tinted paper
        for line in 0..40 {
            for x in (60..760).step_by(9) {
                for y in 80 + line * 25..92 + line * 25 {
                    img_put(&mut text, x, y);
                }
            }
        }
        assert!(!sheet_like(&text), "{}", inked_share(&text));
        assert!(sheet_like(&bars_page()), "{}", inked_share(&bars_page()));
        assert!(sheet_like(&GrayImage::from_pixel(827, 1169, Luma([180]))));
    }

    #[test]
    fn bars_askew_line_up_where_round_letters_do_not() {
        // Bars fed 16° askew, seen on the small copy.
        assert!(barred(&downscale_box(&turned(&page_at(3), 16.0), 3)));
        // Lines of round letters (rings): their edges turn every way.
        let mut text = GrayImage::from_pixel(827, 1169, Luma([235]));
        for line in 0..40u32 {
            for cx in (70..750u32).step_by(12) {
                for a in 0..64 {
                    let t = a as f32 * std::f32::consts::TAU / 64.0;
                    for r in [4.0f32, 4.5, 5.0] {
                        let (x, y) = (cx as f32 + r * t.cos(), (90 + line * 25) as f32 + r * t.sin());
                        text.put_pixel(x as u32, y as u32, Luma([30]));
                    }
                }
            }
        }
        assert!(!barred(&text));
    }

    fn img_put(img: &mut GrayImage, x: u32, y: u32) {
        for dx in 0..4 {
            img.put_pixel(x + dx, y, Luma([30]));
        }
    }

    #[test]
    fn faint_ink_is_stretched_to_black_on_white() {
        let mut img = GrayImage::from_pixel(100, 100, Luma([200]));
        for y in 40..60 {
            for x in 0..100 {
                img.put_pixel(x, y, Luma([130]));
            }
        }
        let out = stretch_contrast(&img);
        assert_eq!((out.get_pixel(0, 0).0[0], out.get_pixel(0, 50).0[0]), (255, 0));
    }

    fn maarch() -> SeparatorReader {
        let mut profile = Profile::find("maarch-separators", None).unwrap();
        profile.separator.directions =
            [("DGS", "DIR-GEN"), ("DRH", "DRH")].into_iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        SeparatorReader::new(&profile)
    }

    #[test]
    fn maarch_sheets_map_their_entity_to_a_direction() {
        let reader = maarch();
        let direction = |payload: &str, sheet: bool| reader.recognise(payload, sheet).map(|(p, _)| p.direction);
        assert_eq!(direction("MAARCH_DGS", false), Some(Some("DIR-GEN".into())));
        assert_eq!(direction("MEM_DRH", false), Some(Some("DRH".into())));
        assert_eq!(direction("GENERIQUE", false), Some(None));
        assert_eq!(direction("PLI-SEP:DAF", false), Some(Some("DAF".into())));
        // The entity id alone: only a known one, only on a sheet.
        assert_eq!(direction("DGS", true), Some(Some("DIR-GEN".into())));
        assert_eq!(direction("DGS", false), None);
        assert_eq!(direction("COLIS", true), None);
        assert_eq!(direction("1A02345678901", true), None);
    }

    #[test]
    fn an_unknown_maarch_entity_splits_without_direction_and_says_so() {
        let (payload, note) = maarch().recognise("MAARCH_SVC-X", false).unwrap();
        assert_eq!(payload.direction, None);
        let note = note.unwrap();
        assert!(note.contains("SVC-X") && note.contains("sans pré-orientation"), "{note}");
    }

    #[test]
    fn a_direction_that_is_not_a_code_is_refused_in_the_profile() {
        let toml = "[separator.directions]\n\"DGS\" = \"DIR GEN\"\n";
        let err = Profile::from_toml(toml, "m.toml").unwrap_err().to_string();
        assert!(err.contains("separator.directions") && err.contains("DGS"), "{err}");
        assert!(Profile::from_toml("[separator.directions]\n\"DGS\" = \"DIR-GEN\"\n", "m.toml").is_ok());
    }
}
