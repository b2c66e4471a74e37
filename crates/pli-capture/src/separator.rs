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
    BarcodeFormat, BinaryBitmap, DecodeHints, Luma8LuminanceSource, MultiFormatReader, Reader, common::HybridBinarizer,
};
use std::collections::HashSet;

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
}

/// What was found on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageCodes {
    /// The separator payload, when one of the page's codes is a separator.
    pub separator: Option<SeparatorPayload>,
    /// Every code read, separator or not (for logs and diagnostics).
    pub payloads: Vec<String>,
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
        SeparatorReader { formats, one_d, patterns: profile.separator.patterns.clone() }
    }

    /// Whether `payload` is a separator under Pli's contract or the profile's patterns.
    pub fn classify(&self, payload: &str) -> Option<SeparatorPayload> {
        if let Some(p) = parse_pli_payload(payload) {
            return Some(p);
        }
        let text = payload.trim();
        self.patterns.iter().find_map(|pattern| {
            let caps = pattern.regex.captures(text)?;
            Some(SeparatorPayload {
                raw: text.to_string(),
                direction: caps.name("direction").map(|m| m.as_str().to_string()),
            })
        })
    }

    /// Looks for a separator on a page, given its full-resolution grey image, its copy
    /// downscaled to about 100 dpi and how much ink the page carries.
    ///
    /// Cheapest first (figures on a 300 dpi A4 page): a quick decode of the small copy
    /// (about 2 ms: separator sheets' codes), every row of it for 1D codes (about 4 ms:
    /// the quick look only scans rows near the middle), then a finer copy (about 5 ms:
    /// 2D codes down to 1.5 cm, narrow 1D codes). A sparse page, the kind a separator sheet is,
    /// also gets a harder look at the small copy for blurred or distorted codes (about
    /// 10 ms) and a quick decode at full resolution for codes smaller still (about
    /// 15 ms); pages of text and blank backs do not pay for those. Only a page that does
    /// carry a code that is not a separator gets the costly search for several codes.
    pub fn read_page(&self, full: &GrayImage, small: &GrayImage, ink: Ink) -> PageCodes {
        let factor = (full.width() / small.width().max(1)).max(1);
        let finer_factor = factor.saturating_sub(1).max(1);
        let finer = (finer_factor > 1).then(|| downscale_box(full, finer_factor));
        let finer = finer.as_ref().unwrap_or(full);
        let all = &self.formats;
        let mut passes = vec![(small, false, all), (small, true, &self.one_d), (finer, false, all)];
        if ink == Ink::Sparse {
            passes.push((small, true, all));
            if !std::ptr::eq(finer, full) {
                passes.push((full, false, all));
            }
        }
        for (img, try_harder, formats) in passes {
            if formats.is_empty() {
                continue;
            }
            let Some(first) = decode_one(img, hints(formats, try_harder)) else { continue };
            if let Some(separator) = self.classify(&first) {
                return PageCodes { separator: Some(separator), payloads: vec![first] };
            }
            // A code that is not a separator: the page may carry several (a form with
            // its own codes and a separator label, say).
            let mut payloads = decode_many(img, hints(all, true));
            if !payloads.contains(&first) {
                payloads.insert(0, first);
            }
            let separator = payloads.iter().find_map(|c| self.classify(c));
            return PageCodes { separator, payloads };
        }
        PageCodes { separator: None, payloads: Vec::new() }
    }
}

fn hints(formats: &HashSet<BarcodeFormat>, try_harder: bool) -> DecodeHints {
    DecodeHints { PossibleFormats: Some(formats.clone()), TryHarder: Some(try_harder), ..DecodeHints::default() }
}

fn bitmap(img: &GrayImage) -> Option<BinaryBitmap<HybridBinarizer<Luma8LuminanceSource>>> {
    if img.width() == 0 || img.height() == 0 {
        return None;
    }
    let source = Luma8LuminanceSource::new(img.as_raw().clone(), img.width(), img.height()).ok()?;
    Some(BinaryBitmap::new(HybridBinarizer::new(source)))
}

/// The first code rxing finds.
fn decode_one(img: &GrayImage, hints: DecodeHints) -> Option<String> {
    let mut bitmap = bitmap(img)?;
    MultiFormatReader::default().decode_with_hints(&mut bitmap, &hints).ok().map(|r| r.getText().to_string())
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
