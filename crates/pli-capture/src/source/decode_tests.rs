//! Pages whose images decode in unusual ways come out as a person sees them: each is
//! compared with poppler's rendering of the same PDF (`pdftoppm`), or with the image as
//! it shows on white paper.

use super::*;
use image::{DynamicImage, GrayImage, Luma, Rgb, RgbImage};
use lopdf::{Dictionary, Document, Object, Stream, dictionary};

const W: u32 = 120;
const H: u32 = 90;

/// A one-page PDF, the image drawn over the whole page at 72 dpi (one pixel per point).
fn pdf_page(dict: Dictionary, data: Vec<u8>, extra: Vec<(Dictionary, Vec<u8>, &str)>) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let mut dict = dict;
    for (d, bytes, key) in extra {
        let id = doc.add_object(Stream::new(d, bytes).with_compression(false));
        dict.set(key.as_bytes().to_vec(), id);
    }
    let image = doc.add_object(Stream::new(dict, data).with_compression(false));
    let content = doc.add_object(Stream::new(dictionary! {}, format!("q {W} 0 0 {H} 0 0 cm /Im0 Do Q").into_bytes()));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), (W as i64).into(), (H as i64).into()],
        "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => image } },
        "Contents" => content,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn image(space: Object, bpc: i64) -> Dictionary {
    dictionary! {
        "Type" => "XObject", "Subtype" => "Image", "Width" => W as i64, "Height" => H as i64,
        "ColorSpace" => space, "BitsPerComponent" => bpc, "Filter" => "FlateDecode",
    }
}

fn zlib(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(data).unwrap();
    z.finish().unwrap()
}

/// A pattern of dark blocks on light paper and a slow gradient: large features, so that
/// a renderer's half-pixel placement does not count as a difference.
fn level(x: u32, y: u32) -> u8 {
    if (x / 30 + y / 30).is_multiple_of(3) {
        25
    } else if y >= 60 {
        (x * 2) as u8
    } else {
        235
    }
}

/// Pli's page and poppler's rendering at the same size, in grey (the same conversion
/// both sides); the mean absolute difference in grey levels. A few levels come from the
/// renderer placing edges half a pixel apart; an inverted image is off by a hundred.
fn difference_with_poppler(pdf: &[u8]) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("page.pdf");
    std::fs::write(&path, pdf).unwrap();
    let page = open_batch(&path).unwrap().next().unwrap().unwrap();
    let ours = page.pixels.to_luma8();
    let dpi = 72.0 * ours.width() as f64 / W as f64;
    let prefix = dir.path().join("poppler");
    let status = std::process::Command::new("pdftoppm")
        .args(["-r", &format!("{dpi}"), "-png", "-singlefile"])
        .arg(&path)
        .arg(&prefix)
        .status()
        .unwrap();
    assert!(status.success());
    let theirs = image::open(prefix.with_extension("png")).unwrap().to_luma8();
    assert_eq!(ours.dimensions(), theirs.dimensions());
    mean_difference(&ours, &theirs)
}

fn mean_difference(a: &GrayImage, b: &GrayImage) -> f64 {
    let sum: u64 = a.pixels().zip(b.pixels()).map(|(p, q)| p.0[0].abs_diff(q.0[0]) as u64).sum();
    sum as f64 / (a.width() * a.height()) as f64
}

#[test]
fn inverted_grey_decode_arrays_are_seen_as_poppler_draws_them() {
    let samples: Vec<u8> = (0..H).flat_map(|y| (0..W).map(move |x| level(x, y))).collect();
    let mut dict = image("DeviceGray".into(), 8);
    dict.set("Decode", vec![Object::Integer(1), Object::Integer(0)]);
    let d = difference_with_poppler(&pdf_page(dict, zlib(&samples), vec![]));
    assert!(d < 6.0, "mean difference {d:.1}");
}

#[test]
fn an_image_mask_is_drawn_black_where_its_samples_say() {
    let stride = W.div_ceil(8) as usize;
    let mut bits = vec![0u8; stride * H as usize];
    for y in 0..H {
        for x in 0..W {
            if level(x, y) > 128 {
                bits[y as usize * stride + x as usize / 8] |= 0x80 >> (x % 8); // 1: not painted
            }
        }
    }
    for decode in [None, Some(vec![Object::Integer(1), Object::Integer(0)])] {
        let mut dict = dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => W as i64, "Height" => H as i64,
            "ImageMask" => true, "Filter" => "FlateDecode",
        };
        if let Some(d) = decode.clone() {
            dict.set("Decode", d);
        }
        let d = difference_with_poppler(&pdf_page(dict, zlib(&bits), vec![]));
        assert!(d < 6.0, "Decode {decode:?}: mean difference {d:.1}");
    }
}

#[test]
fn cmyk_samples_are_seen_as_poppler_draws_them() {
    let samples: Vec<u8> =
        (0..H).flat_map(|y| (0..W).flat_map(move |x| [x as u8 / 2, y as u8 / 2, 0, 255 - level(x, y)])).collect();
    let d = difference_with_poppler(&pdf_page(image("DeviceCMYK".into(), 8), zlib(&samples), vec![]));
    // Poppler's CMYK to RGB is not the plain formula: a few levels apart on colours. An
    // inverted or misread image is a hundred levels off.
    assert!(d < 25.0, "mean difference {d:.1}");
}

#[test]
fn sixteen_bit_samples_are_seen_as_poppler_draws_them() {
    let samples: Vec<u8> = (0..H).flat_map(|y| (0..W).flat_map(move |x| [level(x, y), 0x80])).collect();
    let d = difference_with_poppler(&pdf_page(image("DeviceGray".into(), 16), zlib(&samples), vec![]));
    assert!(d < 6.0, "mean difference {d:.1}");
}

#[test]
fn an_image_with_a_soft_mask_is_seen_on_white_paper() {
    // Black where the mask hides it: a person sees the white page there, not black.
    let rgb: Vec<u8> =
        (0..H).flat_map(|y| (0..W).flat_map(move |x| if x < W / 2 { [0, 0, 0] } else { [level(x, y); 3] })).collect();
    let alpha: Vec<u8> = (0..H).flat_map(|_| (0..W).map(|x| if x < W / 2 { 0 } else { 255 })).collect();
    let mask = image("DeviceGray".into(), 8);
    let pdf = pdf_page(image("DeviceRGB".into(), 8), zlib(&rgb), vec![(mask, zlib(&alpha), "SMask")]);
    let d = difference_with_poppler(&pdf);
    assert!(d < 6.0, "mean difference {d:.1}");
}

#[test]
fn sixteen_bit_and_transparent_png_pages_are_seen_on_white_paper() {
    let dir = tempfile::tempdir().unwrap();
    let deep = image::ImageBuffer::<Luma<u16>, Vec<u16>>::from_fn(W, H, |x, y| Luma([level(x, y) as u16 * 257]));
    let path = dir.path().join("deep.png");
    DynamicImage::ImageLuma16(deep).save(&path).unwrap();
    let page = open_batch(&path).unwrap().next().unwrap().unwrap().pixels.to_luma8();
    assert_eq!(mean_difference(&page, &GrayImage::from_fn(W, H, |x, y| Luma([level(x, y)]))), 0.0);

    let clear =
        image::RgbaImage::from_fn(W, H, |x, y| image::Rgba([0, 0, 0, if x < W / 2 { 0 } else { 255 - level(x, y) }]));
    let path = dir.path().join("clear.png");
    clear.save(&path).unwrap();
    let page = open_batch(&path).unwrap().next().unwrap().unwrap().pixels.to_rgb8();
    let expected = RgbImage::from_fn(W, H, |x, y| Rgb([if x < W / 2 { 255 } else { level(x, y) }; 3]));
    let diff =
        mean_difference(&DynamicImage::ImageRgb8(page).to_luma8(), &DynamicImage::ImageRgb8(expected).to_luma8());
    assert!(diff < 1.0, "mean difference {diff:.1}");
}
