//! Separator sheets: barcodes read with rxing on a downscaled grey copy of every page,
//! then at full resolution when the small copy shows none (small codes), and the
//! payload rules that say which codes are separators.

use crate::imaging::downscale_box;
use crate::profile::{PayloadPattern, Profile, Symbology};
use image::GrayImage;
use pli_core::SeparatorPayload;
use pli_core::separator::parse_pli_payload;
use rxing::{BarcodeFormat, DecodeHints, MultiFormatReader, Reader, BinaryBitmap, common::HybridBinarizer, Luma8LuminanceSource};
use rxing::multi::{GenericMultipleBarcodeReader, MultipleBarcodeReader};
use std::collections::HashSet;

/// Reads separator sheets according to a profile.
pub struct SeparatorReader {
    formats: HashSet<BarcodeFormat>,
    patterns: Vec<PayloadPattern>,
    /// Downscale factor of the first look (3: a 3 cm QR at 300 dpi is still found).
    pub first_look_factor: u32,
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
        let formats = profile
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
        SeparatorReader { formats, patterns: profile.separator.patterns.clone(), first_look_factor: 3 }
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

    /// Looks for a separator on a page, given its full-resolution grey image and, if the
    /// caller has it, the copy downscaled by `first_look_factor`.
    pub fn read_page(&self, full: &GrayImage, small: Option<&GrayImage>) -> PageCodes {
        let owned;
        let small = match small {
            Some(s) => s,
            None => {
                owned = downscale_box(full, self.first_look_factor);
                &owned
            }
        };
        let mut codes = self.decode_all(small);
        if codes.is_empty() {
            // Small codes vanish at a third of the resolution: look again at full size.
            codes = self.decode_all(full);
        }
        let separator = codes.iter().find_map(|c| self.classify(c));
        PageCodes { separator, payloads: codes }
    }

    /// Every code rxing finds on an image, in the profile's symbologies.
    fn decode_all(&self, img: &GrayImage) -> Vec<String> {
        if img.width() == 0 || img.height() == 0 {
            return Vec::new();
        }
        let mut hints = DecodeHints {
            PossibleFormats: Some(self.formats.clone()),
            TryHarder: Some(true),
            ..DecodeHints::default()
        };
        let Ok(source) = Luma8LuminanceSource::new(img.as_raw().clone(), img.width(), img.height()) else {
            return Vec::new();
        };
        let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
        // One code is the common case (a separator sheet); a page may carry several.
        let mut reader = GenericMultipleBarcodeReader::new(MultiFormatReader::default());
        match reader.decode_multiple_with_hints(&mut bitmap, &mut hints) {
            Ok(results) => results.into_iter().map(|r| r.getText().to_string()).collect(),
            Err(_) => {
                let mut single = MultiFormatReader::default();
                single.decode_with_hints(&mut bitmap, &hints).map(|r| vec![r.getText().to_string()]).unwrap_or_default()
            }
        }
    }
}
