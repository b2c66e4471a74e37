//! The searchable PDF of a courrier: each page is the original scanned image, embedded
//! as the scanner encoded it (JPEG, Flate or CCITT G4 bytes, never re-encoded), with
//! an invisible text layer (render mode 3) placed on the OCR words, so that search and
//! selection in any PDF viewer land on the right words.
//!
//! A page that OCR had to turn keeps its original image and gets `/Rotate`; its words
//! are written with a text matrix turned the same way, so the viewer shows both upright.

use super::winansi;
use crate::{EmbeddedImage, ImageEncoding, OcrWord, PdfColor, Rotation};
use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Document, Object, Stream, StringFormat, dictionary};

/// One page of the output.
pub struct PdfPage<'a> {
    /// The original page image, embedded as-is.
    pub image: &'a EmbeddedImage,
    /// Resolution of the image, to size the page (72 points per inch).
    pub dpi: f32,
    /// Clockwise turn that makes the original image upright.
    pub rotation: Rotation,
    /// OCR words, boxes in pixels of the upright image.
    pub words: &'a [OcrWord],
}

/// Document information.
pub struct PdfInfo {
    pub title: String,
    pub producer: String,
}

/// Writes the PDF of `pages` to `out`.
pub fn write_searchable_pdf(pages: &[PdfPage<'_>], info: &PdfInfo, out: &mut dyn std::io::Write) -> lopdf::Result<()> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let mut kids = Vec::with_capacity(pages.len());
    for page in pages {
        let image_id =
            doc.add_object(Stream::new(image_dictionary(page.image), page.image.data.clone()).with_compression(false));
        let geometry = Geometry::new(page);
        let mut content = Stream::new(Dictionary::new(), page_content(page, &geometry).encode()?);
        content.compress()?;
        let content_id = doc.add_object(content);
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), Object::Real(geometry.width_pt), Object::Real(geometry.height_pt)],
            "Rotate" => page.rotation.degrees() as i64,
            "Resources" => dictionary! {
                "XObject" => dictionary! { "Im0" => image_id },
                "Font" => dictionary! { "F1" => font_id },
            },
            "Contents" => content_id,
        });
        kids.push(page_id.into());
    }
    let count = kids.len() as i64;
    doc.objects
        .insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }));
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    let info_id = doc.add_object(dictionary! {
        "Title" => Object::String(pdf_text_string(&info.title), StringFormat::Hexadecimal),
        "Producer" => Object::String(pdf_text_string(&info.producer), StringFormat::Hexadecimal),
    });
    doc.trailer.set("Root", catalog_id);
    doc.trailer.set("Info", info_id);
    doc.save_to(&mut &mut *out)?;
    Ok(())
}

fn image_dictionary(image: &EmbeddedImage) -> Dictionary {
    let mut dict = dictionary! {
        "Type" => "XObject",
        "Subtype" => "Image",
        "Width" => image.width as i64,
        "Height" => image.height as i64,
        "ColorSpace" => match image.color {
            PdfColor::Gray => "DeviceGray",
            PdfColor::Rgb => "DeviceRGB",
            PdfColor::Cmyk => "DeviceCMYK",
        },
        "BitsPerComponent" => image.bits_per_component as i64,
    };
    match image.encoding {
        ImageEncoding::Dct => dict.set("Filter", "DCTDecode"),
        ImageEncoding::Flate => dict.set("Filter", "FlateDecode"),
        ImageEncoding::CcittG4 { black_is_1 } => {
            dict.set("Filter", "CCITTFaxDecode");
            dict.set(
                "DecodeParms",
                dictionary! {
                    "K" => -1,
                    "Columns" => image.width as i64,
                    "Rows" => image.height as i64,
                    "BlackIs1" => black_is_1,
                },
            );
        }
    }
    dict
}

/// PDF text strings outside content streams: UTF-16BE with a byte-order mark.
fn pdf_text_string(text: &str) -> Vec<u8> {
    let mut out = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out
}

/// Page size and the mapping from upright-image pixels to PDF user space.
struct Geometry {
    width_pt: f32,
    height_pt: f32,
    /// Points per pixel.
    scale: f32,
    /// Original image size in pixels.
    width_px: f32,
    height_px: f32,
    rotation: Rotation,
}

impl Geometry {
    fn new(page: &PdfPage<'_>) -> Self {
        let dpi = if (50.0..=1200.0).contains(&page.dpi) { page.dpi } else { 300.0 };
        let scale = 72.0 / dpi;
        let (w, h) = (page.image.width.max(1) as f32, page.image.height.max(1) as f32);
        Geometry {
            width_pt: w * scale,
            height_pt: h * scale,
            scale,
            width_px: w,
            height_px: h,
            rotation: page.rotation,
        }
    }

    /// A point of the upright image (pixels, y down) in PDF user space (points, y up).
    fn to_pdf(&self, ux: f32, uy: f32) -> (f32, f32) {
        let (w, h) = (self.width_px, self.height_px);
        // Undo the clockwise turn: upright pixel → original pixel.
        let (ox, oy) = match self.rotation {
            Rotation::None => (ux, uy),
            Rotation::Cw90 => (uy, h - ux),
            Rotation::Cw180 => (w - ux, h - uy),
            Rotation::Cw270 => (w - uy, ux),
        };
        (ox * self.scale, (h - oy) * self.scale)
    }

    /// The text matrix's rotation part: upright "right" and "up" in PDF user space.
    fn text_axes(&self) -> [f32; 4] {
        match self.rotation {
            Rotation::None => [1.0, 0.0, 0.0, 1.0],
            Rotation::Cw90 => [0.0, 1.0, -1.0, 0.0],
            Rotation::Cw180 => [-1.0, 0.0, 0.0, -1.0],
            Rotation::Cw270 => [0.0, -1.0, 1.0, 0.0],
        }
    }
}

/// Draws the image over the whole page, then the invisible words.
fn page_content(page: &PdfPage<'_>, g: &Geometry) -> Content {
    let mut ops = vec![
        Operation::new("q", vec![]),
        Operation::new("cm", vec![g.width_pt.into(), 0.into(), 0.into(), g.height_pt.into(), 0.into(), 0.into()]),
        Operation::new("Do", vec!["Im0".into()]),
        Operation::new("Q", vec![]),
    ];
    let words: Vec<&OcrWord> =
        page.words.iter().filter(|w| w.width > 0 && w.height > 0 && !w.text.trim().is_empty()).collect();
    if !words.is_empty() {
        ops.push(Operation::new("BT", vec![]));
        ops.push(Operation::new("Tr", vec![3.into()]));
        let [a, b, c, d] = g.text_axes();
        for word in words {
            let encoded = winansi::encode(word.text.trim());
            let size_pt = word.height as f32 * g.scale;
            let em_width = winansi::helvetica_width(&encoded).max(0.1);
            let stretch = (word.width as f32 * g.scale) / (em_width * size_pt) * 100.0;
            // Helvetica's descent is about a fifth of the size: the baseline sits above
            // the bottom of the box.
            let baseline = (word.top + word.height) as f32 - 0.2 * word.height as f32;
            let (x, y) = g.to_pdf(word.left as f32, baseline);
            ops.push(Operation::new("Tf", vec!["F1".into(), size_pt.into()]));
            ops.push(Operation::new("Tz", vec![stretch.clamp(1.0, 1000.0).into()]));
            ops.push(Operation::new("Tm", vec![a.into(), b.into(), c.into(), d.into(), x.into(), y.into()]));
            let mut shown = encoded;
            shown.push(b' ');
            ops.push(Operation::new("Tj", vec![Object::String(shown, StringFormat::Hexadecimal)]));
        }
        ops.push(Operation::new("ET", vec![]));
    }
    Content { operations: ops }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn jpeg_page(w: u32, h: u32) -> EmbeddedImage {
        let img = image::GrayImage::from_pixel(w, h, image::Luma([240]));
        let mut data = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut data, 80).encode_image(&img).unwrap();
        EmbeddedImage {
            width: w,
            height: h,
            color: PdfColor::Gray,
            bits_per_component: 8,
            encoding: ImageEncoding::Dct,
            data,
        }
    }

    fn word(text: &str, left: u32, top: u32, width: u32, height: u32) -> OcrWord {
        OcrWord { text: text.into(), left, top, width, height, confidence: 95.0 }
    }

    fn page_count(pdfinfo: &str) -> u32 {
        pdfinfo.lines().find_map(|l| l.strip_prefix("Pages:")).map(|n| n.trim().parse().unwrap()).unwrap()
    }

    fn have_poppler() -> bool {
        Command::new("pdftotext").arg("-v").output().is_ok()
    }

    fn write(pages: &[PdfPage<'_>], dir: &std::path::Path) -> std::path::PathBuf {
        let path = dir.join("out.pdf");
        let mut bytes = Vec::new();
        write_searchable_pdf(pages, &PdfInfo { title: "Courrier é".into(), producer: "Pli".into() }, &mut bytes)
            .unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Words and their boxes (xMin, yMin) in upright page points, from `pdftotext -bbox`.
    fn bbox_words(pdf: &std::path::Path) -> Vec<(String, f32, f32)> {
        let out = Command::new("pdftotext").args(["-bbox"]).arg(pdf).arg("-").output().unwrap();
        assert!(out.status.success());
        let html = String::from_utf8(out.stdout).unwrap();
        html.lines()
            .filter(|l| l.trim_start().starts_with("<word"))
            .map(|l| {
                let attr = |name: &str| -> f32 {
                    let start = l.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                    l[start..].split('"').next().unwrap().parse().unwrap()
                };
                let text = l.split('>').nth(1).unwrap().split('<').next().unwrap().to_string();
                (text, attr("xMin"), attr("yMin"))
            })
            .collect()
    }

    #[test]
    fn pdftotext_reads_the_words_back_in_order_with_accents() {
        if !have_poppler() {
            eprintln!("poppler-utils absent: test skipped (make test installs it)");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let img = jpeg_page(2480, 3508);
        let words = [
            word("Établissement", 300, 400, 520, 50),
            word("reçu", 860, 400, 160, 50),
            word("l'œuvre", 1060, 400, 260, 50),
            word("Objet", 300, 600, 200, 50),
        ];
        let pdf = write(&[PdfPage { image: &img, dpi: 300.0, rotation: Rotation::None, words: &words }], dir.path());
        let info = Command::new("pdfinfo").arg(&pdf).output().unwrap();
        assert!(info.status.success());
        let info = String::from_utf8_lossy(&info.stdout);
        assert_eq!(page_count(&info), 1, "{info}");
        assert!(info.contains("595.2 x 841.92 pts"), "{info}");
        let text = Command::new("pdftotext").arg(&pdf).arg("-").output().unwrap();
        let text = String::from_utf8(text.stdout).unwrap();
        assert!(text.contains("Établissement reçu l'œuvre"), "{text}");
        assert!(text.contains("Objet"), "{text}");
    }

    #[test]
    fn turned_pages_keep_words_over_their_place_in_the_upright_view() {
        if !have_poppler() {
            eprintln!("poppler-utils absent: test skipped (make test installs it)");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        for rotation in [Rotation::None, Rotation::Cw90, Rotation::Cw180, Rotation::Cw270] {
            // The original image is landscape when a quarter turn makes it portrait.
            let img = match rotation {
                Rotation::Cw90 | Rotation::Cw270 => jpeg_page(3508, 2480),
                _ => jpeg_page(2480, 3508),
            };
            let words = [
                word("Première", 600, 900, 400, 60),
                word("ligne", 1100, 900, 220, 60),
                word("Seconde", 600, 1500, 380, 60),
            ];
            let pdf = write(&[PdfPage { image: &img, dpi: 300.0, rotation, words: &words }], dir.path());
            let found = bbox_words(&pdf);
            assert_eq!(found.len(), words.len(), "{rotation:?}: {found:?}");
            for w in &words {
                let (_, x, y) = found.iter().find(|(t, _, _)| *t == w.text).expect("every word is found");
                let (ex, ey) = (w.left as f32 * 0.24, w.top as f32 * 0.24);
                assert!((x - ex).abs() < 6.0 && (y - ey).abs() < 12.0, "{rotation:?}: {x},{y} vs {ex},{ey}");
            }
        }
    }

    #[test]
    fn flate_and_g4_pages_are_valid_pdf() {
        if !have_poppler() {
            eprintln!("poppler-utils absent: test skipped (make test installs it)");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let rgb = image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(850, 1100, image::Rgb([250, 245, 230])));
        let flate = EmbeddedImage::flate_from_pixels(&rgb);
        // An all-white 16×16 G4 image: one "pass"-free coding of 16 white rows is V0 codes.
        let g4 = EmbeddedImage {
            width: 16,
            height: 2,
            color: PdfColor::Gray,
            bits_per_component: 1,
            encoding: ImageEncoding::CcittG4 { black_is_1: false },
            data: vec![0xFF, 0xFF],
        };
        let words = [word("texte", 100, 100, 200, 40)];
        let pdf = write(
            &[
                PdfPage { image: &flate, dpi: 100.0, rotation: Rotation::None, words: &words },
                PdfPage { image: &g4, dpi: 0.0, rotation: Rotation::None, words: &[] },
            ],
            dir.path(),
        );
        let info = Command::new("pdfinfo").arg(&pdf).output().unwrap();
        assert!(info.status.success());
        assert_eq!(page_count(&String::from_utf8_lossy(&info.stdout)), 2);
        let render =
            Command::new("pdftoppm").args(["-r", "20", "-png"]).arg(&pdf).arg(dir.path().join("r")).output().unwrap();
        assert!(render.status.success() && render.stderr.is_empty(), "{}", String::from_utf8_lossy(&render.stderr));
    }

    #[test]
    fn no_words_and_odd_boxes_do_not_fail() {
        let img = jpeg_page(100, 100);
        let words = [word("", 0, 0, 0, 0), word("x", 500, 500, 10, 10), word("中文", 10, 10, 0, 5)];
        let mut out = Vec::new();
        let info = PdfInfo { title: String::new(), producer: "Pli".into() };
        write_searchable_pdf(
            &[PdfPage { image: &img, dpi: 300.0, rotation: Rotation::Cw90, words: &words }],
            &info,
            &mut out,
        )
        .unwrap();
        assert!(out.starts_with(b"%PDF-1.5"));
    }
}
