//! Multi-page TIFF, one directory (page) decoded at a time. Pages are re-encoded
//! losslessly (Flate) for the searchable PDF.

use super::{PageSource, check_size, guarded};
use crate::{CaptureError, EmbeddedImage, Problem, ScannedPage};
use image::{DynamicImage, GrayImage, RgbImage};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use tiff::ColorType;
use tiff::decoder::ifd::Value;
use tiff::decoder::{Decoder, DecodingResult, Limits};
use tiff::tags::{ResolutionUnit, Tag};

pub struct TiffSource {
    path: PathBuf,
    decoder: Option<Decoder<BufReader<File>>>,
    index: usize,
    first: bool,
}

impl TiffSource {
    pub fn open(path: &Path, first_index: usize) -> Result<Self, CaptureError> {
        let file = File::open(path).map_err(|e| CaptureError::new(path, Problem::Io(e)))?;
        let decoder = guarded(path, None, || {
            Decoder::new(BufReader::new(file))
                .map(|d| d.with_limits(limits()))
                .map_err(|e| CaptureError::new(path, Problem::Corrupt(e.to_string())))
        })?;
        Ok(TiffSource { path: path.to_path_buf(), decoder: Some(decoder), index: first_index, first: true })
    }

    fn read_page(&mut self) -> Option<Result<ScannedPage, CaptureError>> {
        let path = self.path.clone();
        let index = self.index;
        let decoder = self.decoder.as_mut()?;
        let result = guarded(&path, Some(index), || {
            let corrupt = |e: tiff::TiffError| CaptureError::at_page(&path, index, Problem::Corrupt(e.to_string()));
            let (w, h) = decoder.dimensions().map_err(corrupt)?;
            check_size(&path, index, w as u64, h as u64)?;
            let color = decoder.colortype().map_err(corrupt)?;
            let dpi = resolution(decoder);
            let data = decoder.read_image().map_err(corrupt)?;
            let pixels = to_pixels(w, h, color, data)
                .ok_or_else(|| CaptureError::at_page(&path, index, Problem::Unsupported(format!("TIFF {color:?}"))))?;
            let original = EmbeddedImage::flate_from_pixels(&pixels);
            Ok(ScannedPage { index, pixels, original, dpi })
        });
        Some(result)
    }
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.decoding_buffer_size = (crate::MAX_PAGE_PIXELS * 4) as usize;
    limits
}

fn resolution(decoder: &mut Decoder<BufReader<File>>) -> Option<f32> {
    // A RATIONAL in practice (the tiff crate's `get_tag_f32` reads only FLOAT).
    let x = match decoder.get_tag(Tag::XResolution).ok()? {
        Value::Rational(n, d) if d > 0 => n as f32 / d as f32,
        Value::Float(x) => x,
        Value::Double(x) => x as f32,
        Value::Short(x) => x as f32,
        Value::Unsigned(x) => x as f32,
        _ => return None,
    };
    let x = Some(x).filter(|x| *x > 0.0)?;
    let unit = decoder.find_tag_unsigned::<u16>(Tag::ResolutionUnit).ok().flatten();
    match unit.and_then(ResolutionUnit::from_u16) {
        Some(ResolutionUnit::Centimeter) => Some(x * 2.54),
        Some(ResolutionUnit::None) => None,
        _ => Some(x),
    }
}

/// Turns decoded samples into `Luma8` or `Rgb8`; bilevel rows are byte-padded and, after
/// the decoder's handling of WhiteIsZero, 1 means white.
fn to_pixels(w: u32, h: u32, color: ColorType, data: DecodingResult) -> Option<DynamicImage> {
    let n = (w as usize) * (h as usize);
    let bytes: Vec<u8> = match data {
        DecodingResult::U8(v) => v,
        DecodingResult::U16(v) => v.iter().map(|s| (s >> 8) as u8).collect(),
        _ => return None,
    };
    // Extra samples of unspecified meaning (e.g. an alpha channel not marked as such):
    // read as grey/RGB with alpha by their count.
    let color = match color {
        ColorType::Multiband { bit_depth, num_samples: 1 } => ColorType::Gray(bit_depth),
        ColorType::Multiband { bit_depth, num_samples: 2 } => ColorType::GrayA(bit_depth),
        ColorType::Multiband { bit_depth, num_samples: 3 } => ColorType::RGB(bit_depth),
        ColorType::Multiband { bit_depth, num_samples: 4 } => ColorType::RGBA(bit_depth),
        other => other,
    };
    let img = match color {
        ColorType::Gray(1) => {
            let stride = (w as usize).div_ceil(8);
            if bytes.len() < stride * h as usize {
                return None;
            }
            DynamicImage::ImageLuma8(GrayImage::from_fn(w, h, |x, y| {
                let byte = bytes[y as usize * stride + x as usize / 8];
                image::Luma([if byte & (0x80 >> (x % 8)) != 0 { 255 } else { 0 }])
            }))
        }
        ColorType::Gray(8 | 16) => DynamicImage::ImageLuma8(GrayImage::from_raw(w, h, take(bytes, n)?)?),
        ColorType::GrayA(8 | 16) => {
            let la = image::GrayAlphaImage::from_raw(w, h, take(bytes, 2 * n)?)?;
            super::image_file::normalise(DynamicImage::ImageLumaA8(la))
        }
        ColorType::RGB(8 | 16) => DynamicImage::ImageRgb8(RgbImage::from_raw(w, h, take(bytes, 3 * n)?)?),
        ColorType::RGBA(8 | 16) => {
            let rgba = image::RgbaImage::from_raw(w, h, take(bytes, 4 * n)?)?;
            super::image_file::normalise(DynamicImage::ImageRgba8(rgba))
        }
        ColorType::CMYK(8) => {
            let cmyk = take(bytes, 4 * n)?;
            let rgb = cmyk
                .chunks_exact(4)
                .flat_map(|p| {
                    let k = 255 - p[3] as u32;
                    [p[0], p[1], p[2]].map(|c| ((255 - c as u32) * k / 255) as u8)
                })
                .collect();
            DynamicImage::ImageRgb8(RgbImage::from_raw(w, h, rgb)?)
        }
        _ => return None,
    };
    Some(img)
}

fn take(mut v: Vec<u8>, n: usize) -> Option<Vec<u8>> {
    if v.len() < n {
        return None;
    }
    v.truncate(n);
    Some(v)
}

impl Iterator for TiffSource {
    type Item = Result<ScannedPage, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        if !self.first {
            let decoder = self.decoder.as_mut()?;
            if !decoder.more_images() {
                self.decoder = None;
                return None;
            }
            let path = self.path.clone();
            let index = self.index;
            if let Err(e) = guarded(&path, Some(index), || {
                decoder.next_image().map_err(|e| CaptureError::at_page(&path, index, Problem::Corrupt(e.to_string())))
            }) {
                self.decoder = None;
                return Some(Err(e));
            }
        }
        self.first = false;
        let page = self.read_page();
        match &page {
            Some(Ok(_)) => self.index += 1,
            Some(Err(_)) => self.decoder = None,
            None => {}
        }
        page
    }
}

impl PageSource for TiffSource {
    fn page_count(&self) -> Option<usize> {
        None
    }
}
