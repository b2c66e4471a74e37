//! PDF batches as scanners write them: one image per page. The page image is taken out
//! with lopdf exactly as stored (JPEG, Flate or CCITT Group 4 bytes), so the searchable
//! PDF embeds the scanner's own encoding with no loss.
//!
//! Fallback: a page that is not a single image in one of those encodings (vector text,
//! several images, JBIG2, JPEG 2000, CCITT Group 3…) is rendered at 300 dpi in grey
//! with poppler's `pdftoppm` and embedded losslessly (Flate) from that rendering.
//! The page's own `/Rotate` is not applied: orientation is detected from the content.
//!
//! Memory: the file is read once to be parsed, without keeping its image streams (a
//! 300-page batch is some 300 MB of JPEG), and that copy is dropped before the first
//! page; each page's image bytes are then read from the file when the page is reached,
//! at the offset the cross-reference table gives. The file is never mapped: one
//! truncated under Pli (a scanner rewriting it) would kill the process (SIGBUS); read,
//! it gives an error naming the file and page.

use super::{PageSource, check_size, guarded, image_file};
use crate::{CaptureError, EmbeddedImage, ImageEncoding, PdfColor, Problem, ScannedPage};
use image::{DynamicImage, GrayImage, ImageFormat, RgbImage};
use lopdf::{Dictionary, Document, LoadOptions, Object, ObjectId, Stream};
use std::borrow::Cow;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Resolution of fallback renderings.
pub const FALLBACK_DPI: u32 = 300;

/// A page `pdftoppm` has not rendered in this time is given up (the child is killed).
pub const FALLBACK_TIME_LIMIT: Duration = Duration::from_secs(120);

/// Largest rendering read back from `pdftoppm` (a 120-megapixel grey PNG is well under).
const FALLBACK_MAX_BYTES: u64 = 256 << 20;

pub struct PdfSource {
    path: PathBuf,
    /// The file, open: image bytes are read from it page by page.
    file: std::fs::File,
    /// Its length when it was parsed.
    len: u64,
    doc: Document,
    pages: std::vec::IntoIter<ObjectId>,
    count: usize,
    next_index: usize,
    /// 1-based page number within this file, for `pdftoppm`.
    next_number: u32,
    failed: bool,
}

impl PdfSource {
    pub fn open(path: &Path, first_index: usize) -> Result<Self, CaptureError> {
        let mut file = std::fs::File::open(path).map_err(|e| CaptureError::new(path, Problem::Io(e)))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(|e| CaptureError::new(path, Problem::Io(e)))?;
        let len = bytes.len() as u64;
        let load = |filter: Option<lopdf::FilterFunc>| {
            guarded(path, None, || {
                let options = LoadOptions { max_decompressed_size: Some(64 << 20), filter, ..Default::default() };
                Document::load_mem_with_options(&bytes, options).map_err(|e| {
                    if has_encrypt_entry(&bytes) {
                        CaptureError::new(path, Problem::Encrypted)
                    } else {
                        CaptureError::new(path, Problem::Corrupt(e.to_string()))
                    }
                })
            })
        };
        let mut doc = load(Some(drop_image_bytes))?;
        if doc.get_pages().is_empty() {
            // lopdf repairs a damaged cross-reference table only when loading unfiltered:
            // such a file is loaded whole.
            doc = load(None)?;
        }
        drop(bytes);
        if doc.is_encrypted() || doc.trailer.get(b"Encrypt").is_ok() {
            return Err(CaptureError::new(path, Problem::Encrypted));
        }
        let pages: Vec<ObjectId> = guarded(path, None, || Ok(doc.get_pages().into_values().collect()))?;
        if pages.is_empty() {
            return Err(CaptureError::new(path, Problem::NoPages));
        }
        let count = pages.len();
        Ok(PdfSource {
            path: path.to_path_buf(),
            file,
            len,
            doc,
            pages: pages.into_iter(),
            count,
            next_index: first_index,
            next_number: 1,
            failed: false,
        })
    }

    fn read_page(&self, page_id: ObjectId, index: usize, number: u32) -> Result<ScannedPage, CaptureError> {
        let path = &self.path;
        guarded(path, Some(index), || match single_image(&self.doc, page_id) {
            Some((id, stream)) => match self.image_page_released(id, stream, path, index)? {
                Some((pixels, original)) => {
                    let dpi = page_width_pt(&self.doc, page_id).map(|pt| pixels.width() as f32 * 72.0 / pt);
                    Ok(ScannedPage { index, pixels, original, dpi })
                }
                None => render_page(path, index, number, page_size_pt(&self.doc, page_id)),
            },
            None => render_page(path, index, number, page_size_pt(&self.doc, page_id)),
        })
    }
}

impl PdfSource {
    /// Decodes a page image, its bytes read from the file.
    fn image_page_released(
        &self,
        id: ObjectId,
        stream: &Stream,
        path: &Path,
        index: usize,
    ) -> Result<Option<(DynamicImage, EmbeddedImage)>, CaptureError> {
        let data = self.stream_bytes(id, stream);
        image_page(&self.doc, stream, data.as_deref(), path, index)
    }

    /// The raw bytes of a stream whose content was left out at load time, read from the
    /// file: after the `stream` keyword at the object's offset, `/Length` bytes. `None`
    /// when they are not there (a damaged file, or one truncated since it was parsed).
    fn stream_bytes<'a>(&'a self, id: ObjectId, stream: &'a Stream) -> Option<Cow<'a, [u8]>> {
        if !stream.content.is_empty() {
            return Some(Cow::Borrowed(&stream.content));
        }
        let lopdf::xref::XrefEntry::Normal { offset, .. } = *self.doc.reference_table.get(id.0)? else { return None };
        let offset = u64::from(offset);
        let mut object = Vec::new();
        let mut file = &self.file;
        file.seek(SeekFrom::Start(offset)).ok()?;
        file.take(64 * 1024 + 8).read_to_end(&mut object).ok()?;
        let keyword = object.windows(6).position(|w| w == b"stream")?;
        let mut start = keyword + 6;
        if object.get(start) == Some(&b'\r') {
            start += 1;
        }
        if object.get(start) == Some(&b'\n') {
            start += 1;
        }
        let length = stream.dict.get(b"Length").map(|o| deref(&self.doc, o)).and_then(Object::as_i64).ok()?;
        let length = u64::try_from(length).ok()?;
        // Never more than the file held: a /Length is not trusted with an allocation.
        if offset + start as u64 + length > self.len {
            return None;
        }
        let mut data = vec![0; usize::try_from(length).ok()?];
        file.seek(SeekFrom::Start(offset + start as u64)).ok()?;
        file.read_exact(&mut data).ok()?;
        Some(Cow::Owned(data))
    }
}

/// Load-time filter: image streams are parsed without their bytes, read later page by page.
fn drop_image_bytes(id: (u32, u16), object: &mut Object) -> Option<((u32, u16), Object)> {
    if let Object::Stream(stream) = object
        && matches!(stream.dict.get(b"Subtype").and_then(Object::as_name), Ok(b"Image"))
    {
        stream.content = Vec::new();
    }
    // lopdf keeps the object as mutated here; the returned one only says "keep it".
    Some((id, Object::Null))
}

/// The bytes of a page's only image when it is one plain JPEG a browser shows as is:
/// DCT alone, grey or RGB (not CMYK, not inverted by `/Decode`), with its width and height.
fn plain_jpeg<T>(
    path: &Path,
    index: usize,
    with: impl FnOnce(&[u8]) -> Result<Option<T>, CaptureError>,
) -> Result<Option<T>, CaptureError> {
    guarded(path, Some(index), || {
        let doc = Document::load(path).map_err(|e| CaptureError::new(path, Problem::Corrupt(e.to_string())))?;
        let Some(page_id) = doc.get_pages().into_values().nth(index) else { return Ok(None) };
        let Some((_, stream)) = single_image(&doc, page_id) else { return Ok(None) };
        let plain_jpeg = matches!(filter_names(&doc, &stream.dict).as_slice(), [f] if f == "DCTDecode" || f == "DCT");
        let cmyk = ColorSpace::of(&doc, &stream.dict, false) == ColorSpace::Cmyk;
        let masked = stream.dict.has(b"SMask") || stream.dict.has(b"Mask");
        if !plain_jpeg || cmyk || masked || decode_inverted(&doc, &stream.dict) {
            return Ok(None);
        }
        with(&stream.content)
    })
}

/// A page of one of our searchable PDFs for showing on screen, at least `min_side`
/// pixels on its longest side: a page that is one plain JPEG is decoded at the smallest
/// DCT scale (1/8 to 1) that still gives that, several times faster than decoding it whole.
/// `None` when the page is anything else (the caller decodes it the ordinary way).
pub fn jpeg_page_preview(path: &Path, index: usize, min_side: u32) -> Result<Option<DynamicImage>, CaptureError> {
    plain_jpeg(path, index, |jpeg| {
        let corrupt = |e: jpeg_decoder::Error| CaptureError::at_page(path, index, Problem::Corrupt(e.to_string()));
        let mut decoder = jpeg_decoder::Decoder::new(std::io::Cursor::new(jpeg));
        decoder.read_info().map_err(corrupt)?;
        let Some(info) = decoder.info() else { return Ok(None) };
        check_size(path, index, info.width as u64, info.height as u64)?;
        // The decoder picks the smallest scale that reaches the size asked in one axis
        // at least: ask for the page's own proportions.
        let (w, h) = (info.width as u32, info.height as u32);
        let target = min_side.min(w.max(h));
        let (want_w, want_h) = (w * target / w.max(h), h * target / w.max(h));
        let (sw, sh) = decoder.scale(want_w as u16, want_h as u16).map_err(corrupt)?;
        let pixels = decoder.decode().map_err(corrupt)?;
        let (sw, sh) = (sw as u32, sh as u32);
        Ok(match info.pixel_format {
            jpeg_decoder::PixelFormat::L8 => GrayImage::from_raw(sw, sh, pixels).map(DynamicImage::ImageLuma8),
            jpeg_decoder::PixelFormat::RGB24 => RgbImage::from_raw(sw, sh, pixels).map(DynamicImage::ImageRgb8),
            _ => None,
        })
    })
}

/// A page that is one plain JPEG, as its file holds it: the bytes, width and height.
/// Showing it needs no decoding here at all (the browser decodes it); `None` when the
/// page is anything else.
pub fn jpeg_page_bytes(path: &Path, index: usize) -> Result<Option<(Vec<u8>, u32, u32)>, CaptureError> {
    plain_jpeg(path, index, |jpeg| {
        let mut decoder = jpeg_decoder::Decoder::new(std::io::Cursor::new(jpeg));
        // Only the header is read: a stream that does not even have one is not shown as is.
        if decoder.read_info().is_err() {
            return Ok(None);
        }
        let Some(info) = decoder.info() else { return Ok(None) };
        let browser_safe =
            matches!(info.pixel_format, jpeg_decoder::PixelFormat::L8 | jpeg_decoder::PixelFormat::RGB24);
        Ok(browser_safe.then(|| (jpeg.to_vec(), info.width as u32, info.height as u32)))
    })
}

fn has_encrypt_entry(bytes: &[u8]) -> bool {
    bytes.windows(8).any(|w| w == b"/Encrypt")
}

/// The page's only image XObject, if the page is one image, with its object id.
fn single_image(doc: &Document, page_id: ObjectId) -> Option<(ObjectId, &Stream)> {
    let (own, inherited) = doc.get_page_resources(page_id).ok()?;
    let resources = own.into_iter().chain(inherited.iter().filter_map(|id| doc.get_dictionary(*id).ok()));
    let mut images = Vec::new();
    for res in resources {
        let Ok(xobjects) = res.get(b"XObject").and_then(|o| deref(doc, o).as_dict()) else { continue };
        for (_, obj) in xobjects.iter() {
            let id = obj.as_reference().ok()?;
            let stream = deref(doc, obj).as_stream().ok()?;
            match stream.dict.get(b"Subtype").and_then(Object::as_name) {
                Ok(b"Image") => images.push((id, stream)),
                _ => return None, // forms and the like: not a plain scanned page
            }
        }
    }
    (images.len() == 1).then(|| images[0])
}

fn deref<'a>(doc: &'a Document, obj: &'a Object) -> &'a Object {
    doc.dereference(obj).map(|(_, o)| o).unwrap_or(obj)
}

fn page_width_pt(doc: &Document, page_id: ObjectId) -> Option<f32> {
    let mut dict = doc.get_dictionary(page_id).ok()?;
    for _ in 0..32 {
        if let Ok(boxed) = dict.get(b"MediaBox").map(|o| deref(doc, o)).and_then(Object::as_array) {
            let n: Vec<f32> = boxed.iter().filter_map(|o| deref(doc, o).as_float().ok()).collect();
            return (n.len() == 4 && n[2] - n[0] > 1.0).then(|| (n[2] - n[0]).abs());
        }
        dict = dict.get(b"Parent").ok().and_then(|p| deref(doc, p).as_dict().ok())?;
    }
    None
}

/// Decodes an image XObject whose encoded bytes are `data`; `None` when its encoding
/// calls for the rendering fallback.
fn image_page(
    doc: &Document,
    stream: &Stream,
    data: Option<&[u8]>,
    path: &Path,
    index: usize,
) -> Result<Option<(DynamicImage, EmbeddedImage)>, CaptureError> {
    let corrupt = |why: String| CaptureError::at_page(path, index, Problem::Corrupt(why));
    let data = data.ok_or_else(|| corrupt("données de l'image introuvables ou tronquées".into()))?;
    let dict = &stream.dict;
    let int = |key: &[u8]| dict.get(key).map(|o| deref(doc, o)).and_then(Object::as_i64).ok();
    let (Some(w), Some(h)) = (int(b"Width"), int(b"Height")) else {
        return Err(corrupt("image sans largeur ou hauteur".into()));
    };
    if w <= 0 || h <= 0 {
        return Err(corrupt(format!("image de {w} × {h} pixels")));
    }
    check_size(path, index, w as u64, h as u64)?;
    let (w, h) = (w as u32, h as u32);
    let filters = filter_names(doc, dict);
    let image_mask = matches!(dict.get(b"ImageMask").map(|o| deref(doc, o)), Ok(Object::Boolean(true)));
    let bpc = if image_mask { 1 } else { int(b"BitsPerComponent").unwrap_or(8) as u8 };
    let space = ColorSpace::of(doc, dict, image_mask);
    let inverted = decode_inverted(doc, dict);
    if dict.has(b"SMask") || dict.has(b"Mask") {
        // Transparency: what a person sees is the image laid on the page, as drawn by the
        // renderer (a masked-out black area shows as white paper).
        return Ok(None);
    }
    match filters.as_slice() {
        [f] if f == "DCTDecode" || f == "DCT" => {
            let pixels = image_file::decode(path, index, data, ImageFormat::Jpeg)?;
            let color = match space {
                ColorSpace::Cmyk => PdfColor::Cmyk,
                _ if matches!(pixels, DynamicImage::ImageLuma8(_)) => PdfColor::Gray,
                _ => PdfColor::Rgb,
            };
            let pixels = if inverted { invert(pixels) } else { pixels };
            let original = EmbeddedImage {
                width: w,
                height: h,
                color,
                bits_per_component: 8,
                encoding: ImageEncoding::Dct,
                data: data.to_vec(),
            };
            if inverted {
                // The /Decode inversion is not carried into our PDF: embed what we see.
                return Ok(Some((pixels.clone(), EmbeddedImage::flate_from_pixels(&pixels))));
            }
            Ok(Some((pixels, original)))
        }
        [f] if f == "CCITTFaxDecode" || f == "CCF" => {
            let params = decode_parms(doc, dict);
            let k = params.and_then(|p| p.get(b"K").ok()).and_then(|o| o.as_i64().ok()).unwrap_or(0);
            if k >= 0 {
                return Ok(None); // Group 3: rendered by the fallback
            }
            let black_is_1 = matches!(params.and_then(|p| p.get(b"BlackIs1").ok()), Some(Object::Boolean(true)));
            let pixels = decode_g4(data, w, h, black_is_1, inverted)
                .ok_or_else(|| corrupt("image CCITT G4 illisible".into()))?;
            let original = if inverted {
                EmbeddedImage::flate_from_pixels(&pixels)
            } else {
                EmbeddedImage {
                    width: w,
                    height: h,
                    color: PdfColor::Gray,
                    bits_per_component: 1,
                    encoding: ImageEncoding::CcittG4 { black_is_1 },
                    data: data.to_vec(),
                }
            };
            Ok(Some((pixels, original)))
        }
        [] | [_] if filters.is_empty() || filters[0] == "FlateDecode" || filters[0] == "Fl" => {
            let full = Stream::new(stream.dict.clone(), data.to_vec());
            let raw = full
                .decompressed_content_with_limit((crate::MAX_PAGE_PIXELS * 4) as usize)
                .map_err(|e| corrupt(e.to_string()))?;
            let Some(pixels) = samples_to_pixels(&raw, w, h, bpc, &space, inverted) else {
                return Ok(None);
            };
            // Plain 8-bit grey or RGB Flate without predictor is embedded as stored.
            let passthrough = filters.len() == 1
                && bpc == 8
                && !inverted
                && decode_parms(doc, dict).is_none()
                && matches!(space, ColorSpace::Gray | ColorSpace::Rgb);
            let original = if passthrough {
                let color = if space == ColorSpace::Gray { PdfColor::Gray } else { PdfColor::Rgb };
                EmbeddedImage {
                    width: w,
                    height: h,
                    color,
                    bits_per_component: 8,
                    encoding: ImageEncoding::Flate,
                    data: data.to_vec(),
                }
            } else {
                EmbeddedImage::flate_from_pixels(&pixels)
            };
            Ok(Some((pixels, original)))
        }
        _ => Ok(None),
    }
}

fn filter_names(doc: &Document, dict: &Dictionary) -> Vec<String> {
    match dict.get(b"Filter").map(|o| deref(doc, o)) {
        Ok(Object::Name(n)) => vec![String::from_utf8_lossy(n).into_owned()],
        Ok(Object::Array(a)) => a
            .iter()
            .filter_map(|o| deref(doc, o).as_name().ok())
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .collect(),
        _ => Vec::new(),
    }
}

fn decode_parms<'a>(doc: &'a Document, dict: &'a Dictionary) -> Option<&'a Dictionary> {
    match dict.get(b"DecodeParms").map(|o| deref(doc, o)) {
        Ok(Object::Dictionary(d)) => Some(d),
        Ok(Object::Array(a)) => a.first().and_then(|o| deref(doc, o).as_dict().ok()),
        _ => None,
    }
}

/// `/Decode [1 0]`: samples are inverted.
fn decode_inverted(doc: &Document, dict: &Dictionary) -> bool {
    dict.get(b"Decode")
        .map(|o| deref(doc, o))
        .and_then(Object::as_array)
        .ok()
        .and_then(|a| a.first().and_then(|o| o.as_float().ok()))
        .is_some_and(|first| first >= 1.0)
}

#[derive(Debug, Clone, PartialEq)]
enum ColorSpace {
    Gray,
    Rgb,
    Cmyk,
    /// A palette over grey or RGB: `components` bytes per entry.
    Indexed {
        components: usize,
        palette: Vec<u8>,
    },
    Unknown,
}

impl ColorSpace {
    fn of(doc: &Document, dict: &Dictionary, image_mask: bool) -> ColorSpace {
        if image_mask {
            return ColorSpace::Gray;
        }
        match dict.get(b"ColorSpace") {
            Ok(o) => Self::parse(doc, deref(doc, o)),
            Err(_) => ColorSpace::Gray,
        }
    }

    fn parse(doc: &Document, o: &Object) -> ColorSpace {
        match o {
            Object::Name(n) => match n.as_slice() {
                b"DeviceGray" | b"CalGray" | b"G" => ColorSpace::Gray,
                b"DeviceRGB" | b"CalRGB" | b"RGB" => ColorSpace::Rgb,
                b"DeviceCMYK" | b"CMYK" => ColorSpace::Cmyk,
                _ => ColorSpace::Unknown,
            },
            Object::Array(a) => match a.first().and_then(|o| o.as_name().ok()) {
                Some(b"ICCBased") => {
                    let n = a
                        .get(1)
                        .and_then(|s| deref(doc, s).as_stream().ok())
                        .and_then(|s| s.dict.get(b"N").ok())
                        .and_then(|n| n.as_i64().ok());
                    match n {
                        Some(1) => ColorSpace::Gray,
                        Some(3) => ColorSpace::Rgb,
                        Some(4) => ColorSpace::Cmyk,
                        _ => ColorSpace::Unknown,
                    }
                }
                Some(b"Indexed") | Some(b"I") if a.len() >= 4 => {
                    let components = match Self::parse(doc, deref(doc, &a[1])) {
                        ColorSpace::Gray => 1,
                        ColorSpace::Rgb => 3,
                        ColorSpace::Cmyk => 4,
                        _ => return ColorSpace::Unknown,
                    };
                    let palette = match deref(doc, &a[3]) {
                        Object::String(s, _) => s.clone(),
                        Object::Stream(s) => s.decompressed_content().unwrap_or_default(),
                        _ => return ColorSpace::Unknown,
                    };
                    ColorSpace::Indexed { components, palette }
                }
                Some(b"CalRGB") => ColorSpace::Rgb,
                Some(b"CalGray") => ColorSpace::Gray,
                _ => ColorSpace::Unknown,
            },
            _ => ColorSpace::Unknown,
        }
    }
}

/// Raw samples (rows byte-aligned) to `Luma8`/`Rgb8`; `None` for layouts left to the fallback.
fn samples_to_pixels(raw: &[u8], w: u32, h: u32, bpc: u8, space: &ColorSpace, inverted: bool) -> Option<DynamicImage> {
    let (wu, hu) = (w as usize, h as usize);
    let components = match space {
        ColorSpace::Gray | ColorSpace::Indexed { .. } => 1,
        ColorSpace::Rgb => 3,
        ColorSpace::Cmyk => 4,
        ColorSpace::Unknown => return None,
    };
    if !matches!(bpc, 1 | 2 | 4 | 8 | 16) || (bpc == 16 && matches!(space, ColorSpace::Indexed { .. })) {
        return None;
    }
    let stride = (wu * components * bpc as usize).div_ceil(8);
    if raw.len() < stride * hu {
        return None;
    }
    let sample = |row: &[u8], i: usize| -> u8 {
        match bpc {
            8 => row[i],
            16 => row[2 * i], // the high byte: samples are big-endian
            _ => {
                let bit = i * bpc as usize;
                let max = (1u16 << bpc) - 1;
                let v = (row[bit / 8] >> (8 - bpc as usize - bit % 8)) as u16 & max;
                v as u8
            }
        }
    };
    let scale = |v: u8| -> u8 { if bpc >= 8 { v } else { (v as u16 * 255 / ((1u16 << bpc) - 1)) as u8 } };
    let flip = |v: u8| if inverted { 255 - v } else { v };
    let img = match space {
        ColorSpace::Gray => DynamicImage::ImageLuma8(GrayImage::from_fn(w, h, |x, y| {
            let row = &raw[y as usize * stride..];
            image::Luma([flip(scale(sample(row, x as usize)))])
        })),
        ColorSpace::Rgb => DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
            let row = &raw[y as usize * stride..];
            let i = x as usize * 3;
            image::Rgb([0, 1, 2].map(|c| flip(scale(sample(row, i + c)))))
        })),
        ColorSpace::Cmyk => DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
            let row = &raw[y as usize * stride..];
            let i = x as usize * 4;
            let k = 255 - scale(sample(row, i + 3)) as u32;
            image::Rgb([0, 1, 2].map(|c| flip(((255 - scale(sample(row, i + c)) as u32) * k / 255) as u8)))
        })),
        ColorSpace::Indexed { components, palette } => {
            let entry = |v: u8| -> &[u8] {
                let start = v as usize * components;
                palette.get(start..start + components).unwrap_or(&[255, 255, 255, 255][..*components])
            };
            if *components == 1 {
                DynamicImage::ImageLuma8(GrayImage::from_fn(w, h, |x, y| {
                    image::Luma([entry(sample(&raw[y as usize * stride..], x as usize))[0]])
                }))
            } else if *components == 3 {
                DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
                    let e = entry(sample(&raw[y as usize * stride..], x as usize));
                    image::Rgb([e[0], e[1], e[2]])
                }))
            } else {
                return None;
            }
        }
        ColorSpace::Unknown => return None,
    };
    Some(img)
}

/// Decodes CCITT Group 4 data to grey pixels (black 0, white 255).
fn decode_g4(data: &[u8], w: u32, h: u32, black_is_1: bool, inverted: bool) -> Option<DynamicImage> {
    let (w16, h16) = (u16::try_from(w).ok()?, u16::try_from(h).ok()?);
    let mut pixels = Vec::with_capacity(w as usize * h as usize);
    let mut rows = 0u32;
    fax::decoder::decode_g4(data.iter().copied(), w16, Some(h16), |transitions| {
        if rows < h {
            // With BlackIs1 false (the default) a black pel is sample 0; with true, sample 1.
            pixels.extend(fax::decoder::pels(transitions, w16).map(|c| {
                let sample_is_1 = (c == fax::Color::Black) == black_is_1;
                let white = sample_is_1 != inverted;
                if white { 255u8 } else { 0 }
            }));
            rows += 1;
        }
    });
    if rows == 0 {
        return None;
    }
    // A stream ending early leaves the rest of the page white rather than failing it.
    pixels.resize(w as usize * h as usize, 255);
    GrayImage::from_raw(w, h, pixels).map(DynamicImage::ImageLuma8)
}

fn invert(img: DynamicImage) -> DynamicImage {
    let mut img = img;
    img.invert();
    img
}

/// The fallback: renders one page with `pdftoppm`, at most [`MAX_PAGE_PIXELS`] (the
/// page's size is checked first, and the rendering cropped to it), within
/// [`FALLBACK_TIME_LIMIT`]. `size_pt` is the page's media box, in points.
///
/// [`MAX_PAGE_PIXELS`]: crate::MAX_PAGE_PIXELS
fn render_page(
    path: &Path,
    index: usize,
    number: u32,
    size_pt: Option<(f32, f32)>,
) -> Result<ScannedPage, CaptureError> {
    // A page without a box is rendered as poppler does, on US Letter.
    let (w_pt, h_pt) = size_pt.unwrap_or((612.0, 792.0));
    let px = |pt: f32| (f64::from(pt) * f64::from(FALLBACK_DPI) / 72.0).ceil() as u64;
    let (width, height) = (px(w_pt), px(h_pt));
    check_size(path, index, width, height)?;
    let dir = tempfile::tempdir().map_err(|e| CaptureError::at_page(path, index, Problem::Io(e)))?;
    let prefix = dir.path().join("page");
    let stderr = std::fs::File::create(dir.path().join("stderr.txt"))
        .map_err(|e| CaptureError::at_page(path, index, Problem::Io(e)))?;
    let mut command = std::process::Command::new("pdftoppm");
    command
        .args(["-r", &FALLBACK_DPI.to_string(), "-gray", "-png", "-singlefile"])
        .args(["-f", &number.to_string(), "-l", &number.to_string()])
        // Cropped to the size checked above, whatever the page says once rendered.
        .args(["-x", "0", "-y", "0", "-W", &width.to_string(), "-H", &height.to_string()])
        .arg(path)
        .arg(&prefix)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(stderr);
    let status = run_bounded(command, FALLBACK_TIME_LIMIT).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::TimedOut => format!(
                "rendu de la page abandonné après {} s (pdftoppm) : page trop complexe",
                FALLBACK_TIME_LIMIT.as_secs()
            ),
            _ => format!(
                "page qui n'est pas une image numérisée ; son rendu demande pdftoppm (paquet poppler-utils) : {e}"
            ),
        };
        CaptureError::at_page(path, index, Problem::Unsupported(why))
    })?;
    let png = prefix.with_extension("png");
    if !status.success() || !png.exists() {
        let err = std::fs::read(dir.path().join("stderr.txt")).unwrap_or_default();
        let why = String::from_utf8_lossy(&err[..err.len().min(2000)]).trim().to_string();
        return Err(CaptureError::at_page(path, index, Problem::Corrupt(format!("rendu impossible : {why}"))));
    }
    let size = std::fs::metadata(&png).map_err(|e| CaptureError::at_page(path, index, Problem::Io(e)))?.len();
    if size > FALLBACK_MAX_BYTES {
        let why = format!("rendu de {} Mo, au plus {} Mo", size >> 20, FALLBACK_MAX_BYTES >> 20);
        return Err(CaptureError::at_page(path, index, Problem::Unsupported(why)));
    }
    let bytes = std::fs::read(&png).map_err(|e| CaptureError::at_page(path, index, Problem::Io(e)))?;
    let pixels = image_file::decode(path, index, &bytes, ImageFormat::Png)?;
    let original = EmbeddedImage::flate_from_pixels(&pixels);
    Ok(ScannedPage { index, pixels, original, dpi: Some(FALLBACK_DPI as f32) })
}

/// Runs a command, killing it if it has not ended within `limit` (`TimedOut`).
fn run_bounded(mut command: std::process::Command, limit: Duration) -> std::io::Result<std::process::ExitStatus> {
    let mut child = command.spawn()?;
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::from(std::io::ErrorKind::TimedOut));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The page's media box (inherited or its own), in points, with its user unit.
fn page_size_pt(doc: &Document, page_id: ObjectId) -> Option<(f32, f32)> {
    let mut dict = doc.get_dictionary(page_id).ok()?;
    let unit = dict.get(b"UserUnit").map(|o| deref(doc, o)).and_then(Object::as_float).unwrap_or(1.0).max(1.0);
    for _ in 0..32 {
        if let Ok(boxed) = dict.get(b"MediaBox").map(|o| deref(doc, o)).and_then(Object::as_array) {
            let n: Vec<f32> = boxed.iter().filter_map(|o| deref(doc, o).as_float().ok()).collect();
            return (n.len() == 4).then(|| ((n[2] - n[0]).abs() * unit, (n[3] - n[1]).abs() * unit));
        }
        dict = dict.get(b"Parent").ok().and_then(|p| deref(doc, p).as_dict().ok())?;
    }
    None
}

impl Iterator for PdfSource {
    type Item = Result<ScannedPage, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let page_id = self.pages.next()?;
        let (index, number) = (self.next_index, self.next_number);
        self.next_index += 1;
        self.next_number += 1;
        let page = self.read_page(page_id, index, number);
        self.failed = page.is_err();
        Some(page)
    }
}

impl PageSource for PdfSource {
    fn page_count(&self) -> Option<usize> {
        Some(self.count)
    }
}

#[cfg(test)]
mod preview_tests {
    use super::*;

    /// The demo batch: one grey JPEG per page, 300 dpi, as a production scanner writes it.
    fn demo() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo/lot-demo.pdf")
    }

    #[test]
    fn a_jpeg_page_preview_is_the_page_at_a_smaller_dct_scale() {
        let full = crate::source::open_batch(&demo()).unwrap().nth(1).unwrap().unwrap().pixels.to_luma8();
        let preview = jpeg_page_preview(&demo(), 1, 1200).unwrap().expect("a JPEG page").to_luma8();
        let (w, h) = (preview.width(), preview.height());
        assert!(h.max(w) >= 1200 && h < full.height(), "{w}×{h} from {}×{}", full.width(), full.height());
        assert_eq!(full.height() / h, full.width() / w, "the same scale both ways");
        // The same page: close to the whole decode scaled down the same way.
        let scaled = image::imageops::resize(&full, w, h, image::imageops::FilterType::Triangle);
        let diff: u64 = scaled.pixels().zip(preview.pixels()).map(|(a, b)| a.0[0].abs_diff(b.0[0]) as u64).sum();
        let mean = diff as f64 / (w * h) as f64;
        assert!(mean < 6.0, "mean difference {mean:.1} grey levels");
        // Asking for more than the scan holds gives the scan itself.
        let whole = jpeg_page_preview(&demo(), 1, 100_000).unwrap().unwrap();
        assert_eq!((whole.width(), whole.height()), (full.width(), full.height()));
        assert!(jpeg_page_preview(&demo(), 99, 1200).unwrap().is_none(), "no such page");
    }

    #[test]
    fn a_plain_jpeg_page_is_given_as_its_file_holds_it() {
        let Some(out) = std::process::Command::new("pdfimages")
            .args(["-j", "-f", "2", "-l", "2"])
            .arg(demo())
            .arg(std::env::temp_dir().join(format!("pli-pdfimages-{}", std::process::id())))
            .output()
            .ok()
            .filter(|o| o.status.success())
        else {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "pdfimages (poppler-utils) is installed in CI");
            eprintln!("NOTICE: pdfimages (poppler-utils) missing: test skipped");
            return;
        };
        drop(out);
        // poppler's own extraction of the DCT stream, to compare with.
        let extracted = std::env::temp_dir().join(format!("pli-pdfimages-{}-000.jpg", std::process::id()));
        let want = std::fs::read(&extracted).unwrap();
        let _ = std::fs::remove_file(&extracted);
        let (bytes, w, h) = jpeg_page_bytes(&demo(), 1).unwrap().expect("the demo's pages are plain JPEGs");
        assert_eq!(bytes, want, "the very bytes of the scan");
        let decoded = image::load_from_memory(&bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (w, h));
        assert!(jpeg_page_bytes(&demo(), 99).unwrap().is_none(), "no such page");

        // A page that is not a JPEG (lossless Flate samples) has no bytes to give as is.
        let gray = image::GrayImage::from_pixel(40, 60, image::Luma([200]));
        let image = crate::EmbeddedImage::flate_from_pixels(&image::DynamicImage::ImageLuma8(gray));
        let page = crate::pdf::PdfPage { image: &image, dpi: 100.0, rotation: crate::Rotation::None, words: &[] };
        let info = crate::pdf::PdfInfo { title: "t".into(), producer: "test".into() };
        let mut pdf = Vec::new();
        crate::pdf::write_searchable_pdf(&[page], &info, &mut pdf).unwrap();
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), pdf).unwrap();
        assert!(jpeg_page_bytes(file.path(), 0).unwrap().is_none());
    }
}

#[cfg(test)]
mod limit_tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_renderer_that_runs_too_long_is_killed() {
        let mut command = std::process::Command::new("sleep");
        command.arg("30");
        let started = std::time::Instant::now();
        let e = run_bounded(command, Duration::from_millis(300)).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(20), "not waited for: {:?}", started.elapsed());
        let mut quick = std::process::Command::new("true");
        quick.stdout(std::process::Stdio::null());
        assert!(run_bounded(quick, Duration::from_secs(30)).unwrap().success());
    }
}
