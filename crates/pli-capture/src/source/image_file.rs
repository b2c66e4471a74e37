//! A single JPEG or PNG page. A JPEG is embedded as the scanner wrote it; a PNG is
//! re-encoded losslessly (Flate).

use super::{FileKind, PageSource, check_size, guarded, image_limits};
use crate::{CaptureError, EmbeddedImage, ImageEncoding, PdfColor, Problem, ScannedPage};
use image::{DynamicImage, ImageFormat, ImageReader};
use std::io::Cursor;
use std::path::{Path, PathBuf};

pub struct ImageSource {
    path: PathBuf,
    kind: FileKind,
    index: usize,
    done: bool,
}

impl ImageSource {
    pub fn open(path: &Path, kind: FileKind, index: usize) -> Result<Self, CaptureError> {
        Ok(ImageSource { path: path.to_path_buf(), kind, index, done: false })
    }

    fn read(&self) -> Result<ScannedPage, CaptureError> {
        let path = &self.path;
        let bytes = std::fs::read(path).map_err(|e| CaptureError::new(path, Problem::Io(e)))?;
        let format = if self.kind == FileKind::Jpeg { ImageFormat::Jpeg } else { ImageFormat::Png };
        let pixels = decode(path, self.index, &bytes, format)?;
        let (original, dpi) = if self.kind == FileKind::Jpeg {
            let color = if matches!(pixels, DynamicImage::ImageLuma8(_)) { PdfColor::Gray } else { PdfColor::Rgb };
            let dpi = jfif_dpi(&bytes);
            let original = EmbeddedImage {
                width: pixels.width(),
                height: pixels.height(),
                color,
                bits_per_component: 8,
                encoding: ImageEncoding::Dct,
                data: bytes,
            };
            (original, dpi)
        } else {
            (EmbeddedImage::flate_from_pixels(&pixels), png_dpi(&bytes))
        };
        Ok(ScannedPage { index: self.index, pixels, original, dpi })
    }
}

/// Decodes image bytes into `Luma8` or `Rgb8` (alpha composited on white), checking the
/// size first.
pub(crate) fn decode(
    path: &Path,
    index: usize,
    bytes: &[u8],
    format: ImageFormat,
) -> Result<DynamicImage, CaptureError> {
    guarded(path, Some(index), || {
        let corrupt = |e: image::ImageError| CaptureError::at_page(path, index, Problem::Corrupt(e.to_string()));
        let (w, h) = ImageReader::with_format(Cursor::new(bytes), format).into_dimensions().map_err(corrupt)?;
        check_size(path, index, w as u64, h as u64)?;
        let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
        reader.limits(image_limits());
        let img = reader.decode().map_err(corrupt)?;
        Ok(normalise(img))
    })
}

/// Grey stays grey, everything else becomes RGB; transparency is laid on white paper.
pub(crate) fn normalise(img: DynamicImage) -> DynamicImage {
    let has_alpha = img.color().has_alpha();
    let gray = !img.color().has_color();
    match (gray, has_alpha) {
        (true, false) => DynamicImage::ImageLuma8(img.into_luma8()),
        (false, false) => DynamicImage::ImageRgb8(img.into_rgb8()),
        (true, true) => {
            let la = img.into_luma_alpha8();
            DynamicImage::ImageLuma8(image::GrayImage::from_fn(la.width(), la.height(), |x, y| {
                let p = la.get_pixel(x, y).0;
                image::Luma([over_white(p[0], p[1])])
            }))
        }
        (false, true) => {
            let rgba = img.into_rgba8();
            DynamicImage::ImageRgb8(image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
                let p = rgba.get_pixel(x, y).0;
                image::Rgb([over_white(p[0], p[3]), over_white(p[1], p[3]), over_white(p[2], p[3])])
            }))
        }
    }
}

fn over_white(value: u8, alpha: u8) -> u8 {
    ((value as u32 * alpha as u32 + 255 * (255 - alpha as u32)) / 255) as u8
}

/// Dots per inch from a JFIF APP0 header, when it gives them.
fn jfif_dpi(bytes: &[u8]) -> Option<f32> {
    if bytes.len() < 18 || bytes[2..4] != [0xFF, 0xE0] || &bytes[6..11] != b"JFIF\0" {
        return None;
    }
    let x = u16::from_be_bytes([bytes[14], bytes[15]]) as f32;
    match bytes[13] {
        1 if x > 0.0 => Some(x),
        2 if x > 0.0 => Some(x * 2.54),
        _ => None,
    }
}

/// Dots per inch from a PNG's `pHYs` chunk, when it gives them in pixels per metre.
fn png_dpi(bytes: &[u8]) -> Option<f32> {
    let mut at = 8;
    while let Some(head) = bytes.get(at..at + 8) {
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let data = bytes.get(at + 8..(at + 8).checked_add(len)?)?;
        match &head[4..8] {
            b"pHYs" if data.len() >= 9 && data[8] == 1 => {
                let x = u32::from_be_bytes([data[0], data[1], data[2], data[3]]) as f32;
                return (x > 0.0).then_some(x * 0.0254);
            }
            b"IDAT" | b"IEND" => return None, // pHYs comes before the image data
            _ => at += 12 + len,
        }
    }
    None
}

impl Iterator for ImageSource {
    type Item = Result<ScannedPage, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        self.done = true;
        Some(self.read())
    }
}

impl PageSource for ImageSource {
    fn page_count(&self) -> Option<usize> {
        Some(1)
    }
}
