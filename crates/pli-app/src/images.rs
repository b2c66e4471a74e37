//! Page images for the viewer: the page taken from the courrier's searchable PDF (its
//! original scan), turned as shown, scaled to screen size, as JPEG.

use crate::{Answer, Failure, say};
use std::io::Cursor;
use std::path::Path;

/// Longest side of a page image sent to the viewer: sharp at 200 % zoom on a laptop.
const VIEWER_MAX_SIDE: u32 = 2000;
/// What a JPEG page is decoded to at least: its DCT scale gives 1754 px for an A4 page
/// scanned at 300 dpi (1/2), enough for the same zoom.
const VIEWER_MIN_SIDE: u32 = 1200;

pub(crate) fn mime_of(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        _ => "image/jpeg",
    }
}

/// The largest page sent as its scan's own JPEG, untouched: an A4 page at 300 dpi (3508 px;
/// the demo's pages weigh 100–300 kB). Sending it costs no CPU here (decoding and encoding
/// it again took ~100 ms, most of a loaded server's time), the browser scales it; larger
/// scans are scaled down as before.
const AS_IS_MAX_SIDE: u32 = 3600;
const AS_IS_MAX_BYTES: usize = 1_500_000;

/// The page's own JPEG when the viewer can show it as is: upright (not turned by `/Rotate`),
/// one plain grey or RGB JPEG, not too large.
pub(crate) fn page_as_is(pdf: &Path, position: usize, rotation: u32) -> Answer<Option<Vec<u8>>> {
    if !rotation.is_multiple_of(360) {
        return Ok(None);
    }
    Ok(pli_capture::source::jpeg_page_bytes(pdf, position)
        .map_err(say)?
        .filter(|(bytes, w, h)| bytes.len() <= AS_IS_MAX_BYTES && (*w).max(*h) <= AS_IS_MAX_SIDE)
        .map(|(bytes, _, _)| bytes))
}

pub(crate) fn page_jpeg(pdf: &Path, position: usize, rotation: u32) -> Answer<Vec<u8>> {
    // Most scans are JPEG pages: decoded straight at screen size. Others whole.
    let mut img = match pli_capture::source::jpeg_page_preview(pdf, position, VIEWER_MIN_SIDE).map_err(say)? {
        Some(preview) => preview,
        None => {
            let mut pages = pli_capture::source::open_batch(pdf).map_err(say)?;
            pages
                .nth(position)
                .ok_or_else(|| Failure::not_found(format!("« {} » n'a pas de page {}", pdf.display(), position + 1)))?
                .map_err(say)?
                .pixels
        }
    };
    img = match rotation {
        90 => img.rotate90(),
        180 => img.rotate180(),
        270 => img.rotate270(),
        _ => img,
    };
    if img.width().max(img.height()) > VIEWER_MAX_SIDE {
        // Box sampling: as sharp as a triangle filter for text at this ratio, several times faster.
        img = img.thumbnail(VIEWER_MAX_SIDE, VIEWER_MAX_SIDE);
    }
    let mut out = Cursor::new(Vec::new());
    // JPEG holds grey or RGB, not alpha: a colour scan stays in colour.
    let img = if img.color().has_color() {
        image::DynamicImage::ImageRgb8(img.to_rgb8())
    } else {
        image::DynamicImage::ImageLuma8(img.to_luma8())
    };
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82)
        .encode_image(&img)
        .map_err(|e| Failure::internal(format!("page {} de « {} » : {e}", position + 1, pdf.display())))?;
    Ok(out.into_inner())
}
