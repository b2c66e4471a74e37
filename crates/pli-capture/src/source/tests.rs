use super::*;
use crate::{ImageEncoding, PdfColor};
use lopdf::{Document, Object, Stream, dictionary};
use std::path::Path;

fn jpeg_bytes(w: u32, h: u32, level: u8) -> Vec<u8> {
    let img = image::GrayImage::from_pixel(w, h, image::Luma([level]));
    let mut out = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80);
    enc.set_pixel_density(image::codecs::jpeg::PixelDensity::dpi(200));
    enc.encode_image(&img).unwrap();
    out
}

/// A PDF with one page per (image dictionary, data), each on an A4-wide page.
fn pdf_with(images: Vec<(lopdf::Dictionary, Vec<u8>)>) -> Vec<u8> {
    let mut doc = Document::with_version("1.4");
    let pages_id = doc.new_object_id();
    let mut kids = Vec::new();
    for (dict, data) in images {
        let image = doc.add_object(Stream::new(dict, data).with_compression(false));
        let content = doc.add_object(Stream::new(dictionary! {}, b"q 595 0 0 842 0 0 cm /Im0 Do Q".to_vec()));
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => image } },
            "Contents" => content,
        });
        kids.push(Object::from(page));
    }
    let count = kids.len() as i64;
    doc.objects
        .insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }));
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn image_dict(w: i64, h: i64, space: &str, bpc: i64, filter: Option<&str>) -> lopdf::Dictionary {
    let mut d = dictionary! {
        "Type" => "XObject", "Subtype" => "Image", "Width" => w, "Height" => h,
        "ColorSpace" => space, "BitsPerComponent" => bpc,
    };
    if let Some(f) = filter {
        d.set("Filter", f);
    }
    d
}

fn zlib(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(data).unwrap();
    z.finish().unwrap()
}

fn read_all(path: &Path) -> Result<Vec<ScannedPage>, CaptureError> {
    open_batch(path)?.collect()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn pdf_jpeg_pages_are_taken_out_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let jpeg = jpeg_bytes(1654, 2339, 200);
    let path = write(
        dir.path(),
        "lot.pdf",
        &pdf_with(vec![(image_dict(1654, 2339, "DeviceGray", 8, Some("DCTDecode")), jpeg.clone())]),
    );
    let pages = read_all(&path).unwrap();
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].original.encoding, ImageEncoding::Dct);
    assert_eq!(pages[0].original.data, jpeg);
    assert_eq!((pages[0].pixels.width(), pages[0].pixels.height()), (1654, 2339));
    assert!((pages[0].dpi.unwrap() - 200.0).abs() < 1.0, "{:?}", pages[0].dpi);
}

#[test]
fn pdf_flate_pages_grey_bilevel_and_indexed() {
    let dir = tempfile::tempdir().unwrap();
    let grey: Vec<u8> = (0..40 * 30).map(|i| (i % 256) as u8).collect();
    // 1 bit per pixel, rows padded to bytes: 16 px wide = 2 bytes; first pixel black.
    let bilevel = vec![0x7F, 0xFF, 0xFF, 0xFF];
    let mut indexed = dictionary! {
        "Type" => "XObject", "Subtype" => "Image", "Width" => 2, "Height" => 1, "BitsPerComponent" => 8, "Filter" => "FlateDecode",
    };
    indexed.set(
        "ColorSpace",
        vec![
            Object::Name(b"Indexed".to_vec()),
            "DeviceRGB".into(),
            1.into(),
            Object::String(vec![255, 0, 0, 0, 0, 255], lopdf::StringFormat::Hexadecimal),
        ],
    );
    let path = write(
        dir.path(),
        "lot.pdf",
        &pdf_with(vec![
            (image_dict(40, 30, "DeviceGray", 8, Some("FlateDecode")), zlib(&grey)),
            (image_dict(16, 2, "DeviceGray", 1, Some("FlateDecode")), zlib(&bilevel)),
            (indexed, zlib(&[0, 1])),
        ]),
    );
    let pages = read_all(&path).unwrap();
    assert_eq!(pages[0].original.encoding, ImageEncoding::Flate);
    assert_eq!(pages[0].pixels.to_luma8().into_raw(), grey);
    let bi = pages[1].pixels.to_luma8();
    assert_eq!((bi.get_pixel(0, 0).0[0], bi.get_pixel(1, 0).0[0]), (0, 255));
    let rgb = pages[2].pixels.to_rgb8();
    assert_eq!((rgb.get_pixel(0, 0).0, rgb.get_pixel(1, 0).0), ([255, 0, 0], [0, 0, 255]));
    assert_eq!(pages.iter().map(|p| p.index).collect::<Vec<_>>(), [0, 1, 2]);
}

#[test]
fn a_pdf_page_that_is_not_an_image_is_rendered() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc = Document::with_version("1.4");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" });
    let content = doc.add_object(Stream::new(dictionary! {}, b"BT /F1 24 Tf 72 700 Td (Lettre) Tj ET".to_vec()));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } }, "Contents" => content,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let path = dir.path().join("vector.pdf");
    doc.save(&path).unwrap();
    if std::process::Command::new("pdftoppm").arg("-v").output().is_err() {
        eprintln!("poppler-utils absent: fallback not tested");
        return;
    }
    let pages = read_all(&path).unwrap();
    assert_eq!(pages[0].dpi, Some(pdf::FALLBACK_DPI as f32));
    assert_eq!(pages[0].pixels.width(), 2480);
    assert_eq!(pages[0].original.encoding, ImageEncoding::Flate);
}

#[test]
fn multi_page_tiff_in_grey_rgb_and_rgba() {
    use tiff::encoder::{Compression, TiffEncoder, colortype};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lot.tif");
    {
        let mut enc =
            TiffEncoder::new(std::fs::File::create(&path).unwrap()).unwrap().with_compression(Compression::Lzw);
        enc.write_image::<colortype::Gray8>(30, 20, &vec![100u8; 600]).unwrap();
        enc.write_image::<colortype::RGB8>(30, 20, &vec![50u8; 1800]).unwrap();
        let mut rgba = vec![0u8; 2400];
        rgba.chunks_mut(4).for_each(|p| p.copy_from_slice(&[0, 0, 0, 0])); // fully transparent
        enc.write_image::<colortype::RGBA8>(30, 20, &rgba).unwrap();
    }
    let pages = read_all(&path).unwrap();
    assert_eq!(pages.len(), 3);
    assert!(matches!(pages[0].pixels, image::DynamicImage::ImageLuma8(_)));
    assert_eq!(pages[1].original.color, PdfColor::Rgb);
    assert_eq!(pages[2].pixels.to_rgb8().get_pixel(5, 5).0, [255, 255, 255], "transparent is white paper");
}

#[test]
fn a_folder_is_read_in_file_name_order_and_skips_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    for (name, w) in [("p-0002.jpg", 20), ("p-0001.jpg", 10), ("p-0003.jpg", 30)] {
        write(dir.path(), name, &jpeg_bytes(w, 10, 128));
    }
    write(dir.path(), "p-0004.jpg.tmp", b"partial");
    write(dir.path(), ".DS_Store", b"x");
    let pages = read_all(dir.path()).unwrap();
    assert_eq!(pages.iter().map(|p| p.pixels.width()).collect::<Vec<_>>(), [10, 20, 30]);
    assert_eq!(pages.iter().map(|p| p.index).collect::<Vec<_>>(), [0, 1, 2]);
}

fn error_of(path: &Path) -> CaptureError {
    match open_batch(path) {
        Err(e) => e,
        Ok(source) => source.filter_map(Result::err).next().expect("an error"),
    }
}

#[test]
fn bad_input_gives_clear_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "vide.pdf", b"");
    assert!(matches!(error_of(&empty).problem, Problem::EmptyFile));
    let text = write(dir.path(), "notes.pdf", b"hello, this is not a PDF");
    let e = error_of(&text);
    assert!(matches!(e.problem, Problem::Unsupported(_)) && e.to_string().contains("notes.pdf"), "{e}");

    let full = pdf_with(vec![(image_dict(100, 100, "DeviceGray", 8, Some("DCTDecode")), jpeg_bytes(100, 100, 50))]);
    let truncated = write(dir.path(), "tronque.pdf", &full[..full.len() / 3]);
    let e = error_of(&truncated);
    assert!(e.to_string().contains("tronque.pdf"), "{e}");

    let mut doc = Document::load_mem(&full).unwrap();
    doc.trailer.set(
        "Encrypt",
        dictionary! { "Filter" => "Standard", "V" => 1, "R" => 2, "P" => -4,
        "O" => Object::string_literal("x".repeat(32)), "U" => Object::string_literal("x".repeat(32)) },
    );
    let mut encrypted = Vec::new();
    doc.save_to(&mut encrypted).unwrap();
    let enc = write(dir.path(), "chiffre.pdf", &encrypted);
    let e = error_of(&enc);
    assert!(matches!(e.problem, Problem::Encrypted), "{e}");

    let no_pages = write(dir.path(), "zero.pdf", &pdf_with(vec![]));
    assert!(matches!(error_of(&no_pages).problem, Problem::NoPages));

    let folder = dir.path().join("lot");
    std::fs::create_dir(&folder).unwrap();
    write(&folder, "p-0001.jpg", &jpeg_bytes(10, 10, 1));
    write(&folder, "p-0002.docx", b"PK\x03\x04 not a page");
    let e = error_of(&folder);
    assert!(e.to_string().contains("p-0002.docx"), "{e}");
}

#[test]
fn absurd_page_sizes_are_refused_before_allocation() {
    let dir = tempfile::tempdir().unwrap();
    let huge_pdf = write(
        dir.path(),
        "enorme.pdf",
        &pdf_with(vec![(image_dict(30000, 30000, "DeviceRGB", 8, Some("FlateDecode")), zlib(&[0; 10]))]),
    );
    let e = error_of(&huge_pdf);
    assert!(matches!(e.problem, Problem::PageTooLarge { width: 30000, height: 30000 }), "{e}");
    assert_eq!(e.page, Some(0));

    // A TIFF header announcing 30000 × 30000 grey pixels, with no data behind it.
    let mut tiff = b"II*\x00\x08\x00\x00\x00".to_vec();
    let entries: [(u16, u16, u32, u32); 7] = [
        (256, 4, 1, 30000),
        (257, 4, 1, 30000),
        (258, 3, 1, 8),
        (259, 3, 1, 1),
        (262, 3, 1, 1),
        (273, 4, 1, 8),
        (279, 4, 1, 900_000_000),
    ];
    tiff.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, kind, count, value) in entries {
        tiff.extend_from_slice(&tag.to_le_bytes());
        tiff.extend_from_slice(&kind.to_le_bytes());
        tiff.extend_from_slice(&count.to_le_bytes());
        tiff.extend_from_slice(&value.to_le_bytes());
    }
    tiff.extend_from_slice(&[0; 4]);
    let huge_tiff = write(dir.path(), "enorme.tif", &tiff);
    let e = error_of(&huge_tiff);
    assert!(matches!(e.problem, Problem::PageTooLarge { .. }), "{e}");

    // A JPEG whose header says 30000 × 30000.
    let mut jpeg = jpeg_bytes(16, 16, 10);
    let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    jpeg[sof + 5..sof + 9].copy_from_slice(&[0x75, 0x30, 0x75, 0x30]);
    let huge_jpeg = write(dir.path(), "enorme.jpg", &jpeg);
    assert!(matches!(error_of(&huge_jpeg).problem, Problem::PageTooLarge { .. }));
}

mod fuzz {
    //! Random and damaged inputs: an error or pages, never a panic or a hang. Crashes
    //! found are kept below as named regression cases.
    use super::*;
    use proptest::prelude::*;

    fn valid_samples() -> Vec<(&'static str, Vec<u8>)> {
        let jpeg = jpeg_bytes(64, 48, 90);
        let pdf = pdf_with(vec![
            (image_dict(64, 48, "DeviceGray", 8, Some("DCTDecode")), jpeg.clone()),
            (image_dict(8, 8, "DeviceGray", 8, Some("FlateDecode")), zlib(&[7; 64])),
        ]);
        let mut tiff = Vec::new();
        {
            use tiff::encoder::{Compression, TiffEncoder, colortype};
            let mut enc = TiffEncoder::new(std::io::Cursor::new(&mut tiff)).unwrap().with_compression(Compression::Lzw);
            enc.write_image::<colortype::Gray8>(16, 16, &[3u8; 256]).unwrap();
            enc.write_image::<colortype::RGB8>(8, 8, &[9u8; 192]).unwrap();
        }
        let mut png = Vec::new();
        image::GrayImage::from_pixel(20, 20, image::Luma([1]))
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        vec![("lot.pdf", pdf), ("lot.tif", tiff), ("page.jpg", jpeg), ("page.png", png)]
    }

    fn must_not_panic(name: &str, bytes: &[u8]) {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), name, bytes);
        let outcome = std::panic::catch_unwind(|| match open_batch(&path) {
            Ok(source) => {
                for page in source.take(50) {
                    if let Err(e) = page {
                        assert!(e.to_string().contains(name), "{e}");
                    }
                }
            }
            Err(e) => assert!(e.to_string().contains(name), "{e}"),
        });
        assert!(outcome.is_ok(), "panic on {name} ({} bytes)", bytes.len());
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        #[test]
        fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096), kind in 0usize..4) {
            let head: &[u8] = [&b"%PDF-1.4\n"[..], b"II*\0", b"\xFF\xD8\xFF", b"\x89PNG\r\n\x1a\n"][kind];
            let mut data = head.to_vec();
            data.extend(bytes);
            must_not_panic("aleatoire.bin", &data);
        }

        #[test]
        fn damaged_valid_files(which in 0usize..4, cut in 0.0f64..1.0, flips in proptest::collection::vec((0.0f64..1.0, any::<u8>()), 0..12)) {
            let (name, mut data) = valid_samples().swap_remove(which);
            for (at, byte) in flips {
                let i = ((data.len() - 1) as f64 * at) as usize;
                data[i] = byte;
            }
            let keep = ((data.len() as f64) * cut).max(1.0) as usize;
            data.truncate(keep);
            must_not_panic(name, &data);
        }
    }
}

fn noisy_jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::GrayImage::from_fn(w, h, |x, y| image::Luma([((x * 7 + y * 13 + x * y) % 251) as u8]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).unwrap();
    out
}

#[test]
fn a_pdf_truncated_while_it_is_read_gives_a_clear_error_not_a_crash() {
    // A scanner rewriting a batch Pli is reading: a mapped file would kill Pli (SIGBUS).
    let dir = tempfile::tempdir().unwrap();
    let pages = (0..4).map(|_| (image_dict(600, 800, "DeviceGray", 8, Some("DCTDecode")), noisy_jpeg(600, 800)));
    let bytes = pdf_with(pages.collect());
    let path = write(dir.path(), "lot.pdf", &bytes);
    let mut source = open_batch(&path).unwrap();
    assert!(source.next().unwrap().is_ok());
    std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(bytes.len() as u64 / 4).unwrap();
    let e = source.find_map(Result::err).expect("a clear error for the pages no longer there");
    assert!(e.to_string().contains("lot.pdf") && e.page.is_some(), "{e}");
    assert!(matches!(e.problem, Problem::Corrupt(_)), "{e}");
}

#[test]
fn a_huge_page_needing_the_renderer_is_refused_before_it_is_rendered() {
    // 200 × 200 inches: 60 000 pixels a side at 300 dpi, 3.6 gigapixels for pdftoppm.
    let dir = tempfile::tempdir().unwrap();
    let mut doc = Document::with_version("1.4");
    let pages_id = doc.new_object_id();
    let content = doc.add_object(Stream::new(dictionary! {}, b"0 0 m 14400 14400 l S".to_vec()));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "MediaBox" => vec![0.into(), 0.into(), 14400.into(), 14400.into()],
        "Contents" => content,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let path = dir.path().join("affiche.pdf");
    doc.save(&path).unwrap();
    let started = std::time::Instant::now();
    let e = error_of(&path);
    assert!(matches!(e.problem, Problem::PageTooLarge { width: 60_000, height: 60_000 }), "{e}");
    assert!(e.to_string().contains("affiche.pdf") && e.page == Some(0), "{e}");
    eprintln!("refused in {:?}", started.elapsed());
}
