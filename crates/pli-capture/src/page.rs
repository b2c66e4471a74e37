//! A scanned page as it leaves a page source: decoded pixels for analysis and OCR,
//! and the original encoded image to embed in the searchable PDF without loss.

use image::DynamicImage;

/// One page of a batch, numbered from 0 in scan order.
pub struct ScannedPage {
    /// 0-based index of the page in its batch.
    pub index: usize,
    /// Decoded pixels: `Luma8` for bilevel and grey pages, `Rgb8` for colour pages.
    pub pixels: DynamicImage,
    /// The page image as it should be embedded in a PDF.
    pub original: EmbeddedImage,
    /// Resolution in dots per inch, when the source says it (PDF: from the page size).
    pub dpi: Option<f32>,
}

/// Colour space of an embedded image, in PDF terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdfColor {
    Gray,
    Rgb,
    Cmyk,
}

/// How the embedded image bytes are encoded, in PDF filter terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageEncoding {
    /// JPEG bytes, as the scanner wrote them (`/DCTDecode`).
    Dct,
    /// zlib-compressed raw samples, row by row (`/FlateDecode`).
    Flate,
    /// CCITT Group 4 bytes (`/CCITTFaxDecode`, K = -1), 1 bit per pixel.
    CcittG4 {
        /// `/BlackIs1` of the PDF filter parameters.
        black_is_1: bool,
    },
}

/// An encoded page image ready to become a PDF image XObject as-is.
#[derive(Debug, Clone)]
pub struct EmbeddedImage {
    pub width: u32,
    pub height: u32,
    pub color: PdfColor,
    pub bits_per_component: u8,
    pub encoding: ImageEncoding,
    pub data: Vec<u8>,
}

impl EmbeddedImage {
    /// Losslessly re-encodes decoded pixels as Flate (used for PNG, LZW TIFF, rendered pages).
    pub fn flate_from_pixels(pixels: &DynamicImage) -> Self {
        use std::io::Write;
        let (color, samples): (PdfColor, Vec<u8>) = match pixels {
            DynamicImage::ImageLuma8(g) => (PdfColor::Gray, g.as_raw().clone()),
            other => (PdfColor::Rgb, other.to_rgb8().into_raw()),
        };
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(&samples).expect("writing to memory cannot fail");
        EmbeddedImage {
            width: pixels.width(),
            height: pixels.height(),
            color,
            bits_per_component: 8,
            encoding: ImageEncoding::Flate,
            data: z.finish().expect("writing to memory cannot fail"),
        }
    }
}

/// The clockwise quarter turn that makes a page upright.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum Rotation {
    #[default]
    None,
    Cw90,
    Cw180,
    Cw270,
}

impl Rotation {
    pub fn degrees(self) -> u32 {
        match self {
            Rotation::None => 0,
            Rotation::Cw90 => 90,
            Rotation::Cw180 => 180,
            Rotation::Cw270 => 270,
        }
    }

    /// Applies the turn to decoded pixels.
    pub fn apply(self, img: &DynamicImage) -> DynamicImage {
        match self {
            Rotation::None => img.clone(),
            Rotation::Cw90 => img.rotate90(),
            Rotation::Cw180 => img.rotate180(),
            Rotation::Cw270 => img.rotate270(),
        }
    }
}

/// A word found by OCR, with its box in pixels of the upright page image
/// (origin top-left, y downwards).
#[derive(Debug, Clone, PartialEq)]
pub struct OcrWord {
    pub text: String,
    pub left: u32,
    pub top: u32,
    pub width: u32,
    pub height: u32,
    /// Tesseract's confidence, 0–100.
    pub confidence: f32,
}
