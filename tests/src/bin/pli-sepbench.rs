//! Separator recall: generated separator sheets of every symbology under each hard
//! condition (tinted paper, faint ink, noise, skew up to 15°, heavy JPEG, 200 dpi, all
//! mixed), and letter pages carrying codes that are not separators. Prints recall per
//! symbology and condition, false splits, and the time per page, for the reader as it
//! was before the hard-scan work (kept here as `before`) and as it is, in the same run.
//! Asserts nothing.
//!
//! `cargo run --release -p pli-testkit --bin pli-sepbench -- [sheets per cell] [seed]`

use image::GrayImage;
use pli_capture::imaging::downscale_box;
use pli_capture::profile::Profile;
use pli_capture::separator::{Ink, SeparatorReader};
use pli_testkit::{Condition, Fonts, ForeignCode, Rng, Symbology, foreign_sample, pli_payload, separator_sample};
use std::time::Instant;

const SYMBOLOGIES: [Symbology; 4] = [Symbology::Qr, Symbology::DataMatrix, Symbology::Code128, Symbology::Code39];

/// The separator code read on a page as the pipeline reads it: the ~100 dpi copy and
/// the page's ink decide how hard to look.
fn read(reader: &SeparatorReader, img: &GrayImage, dpi: u32, blank_max: f32, before: bool) -> (Option<String>, f64) {
    let t = Instant::now();
    let small = downscale_box(img, ((dpi as f32 / 100.0).round() as u32).max(1));
    let ink = Ink::of(pli_capture::blank::ink_ratio(&small), blank_max);
    let found = if before {
        old::read_page(reader, img, &small, ink)
    } else {
        reader.read_page(img, &small, ink).separator.map(|s| s.raw)
    };
    (found, t.elapsed().as_secs_f64() * 1000.0)
}

#[derive(Default, Clone, Copy)]
struct Tally {
    found: usize,
    pages: usize,
    ms: f64,
}

impl Tally {
    fn add(&mut self, ok: bool, ms: f64) {
        self.found += ok as usize;
        self.pages += 1;
        self.ms += ms;
    }
    fn pct(&self) -> String {
        format!("{:5.1} %", 100.0 * self.found as f64 / self.pages.max(1) as f64)
    }
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let per_cell: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(10);
    let seed: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(2026);
    let fonts = Fonts::load()?;
    let profile = Profile::find("generic-pdf", None)?;
    let reader = SeparatorReader::new(&profile);
    let blank_max = profile.blank.max_ink_ratio;
    println!(
        "{per_cell} separator sheets per symbology and condition, seed {seed}; recall before → after (ms/page before → after)"
    );
    print!("{:14}", "condition");
    for s in SYMBOLOGIES {
        print!("{:>34}", format!("{s:?}"));
    }
    println!();
    let mut sheets = [Tally::default(); 2];
    let mut per_symbology = [[Tally::default(); 2]; 4];
    let mut misses = Vec::new();
    for condition in Condition::ALL {
        print!("{:14}", condition.name());
        for (si, symbology) in SYMBOLOGIES.iter().enumerate() {
            let mut cell = [Tally::default(); 2];
            for n in 0..per_cell {
                let mut rng = Rng::new(seed ^ (si as u64) << 32 ^ (condition as u64) << 16 ^ n as u64);
                let payload = pli_payload(&mut rng, *symbology);
                let page = separator_sample(&fonts, &payload, *symbology, condition, &mut rng)?;
                for (b, before) in [true, false].into_iter().enumerate() {
                    let (found, ms) = read(&reader, &page.image, page.scan.dpi, blank_max, before);
                    let ok = found.as_deref() == Some(payload.as_str());
                    if !ok && !before {
                        let small = downscale_box(&page.image, (page.scan.dpi as f32 / 100.0).round() as u32);
                        misses.push(format!(
                            "{symbology:?} {} #{n}: {:?} → {found:?} (skew seen {:.1}°, inked share {:.2})",
                            condition.name(),
                            page.scan,
                            pli_capture::separator::skew_degrees(&small),
                            pli_capture::separator::inked_share(&small)
                        ));
                    }
                    for t in [&mut cell[b], &mut sheets[b], &mut per_symbology[si][b]] {
                        t.add(ok, ms);
                    }
                }
            }
            print!(
                "{:>34}",
                format!(
                    "{} → {} ({:.0} → {:.0})",
                    cell[0].pct(),
                    cell[1].pct(),
                    cell[0].ms / cell[0].pages as f64,
                    cell[1].ms / cell[1].pages as f64
                )
            );
        }
        println!();
    }
    print!("{:14}", "all");
    for t in per_symbology {
        print!("{:>34}", format!("{} → {}", t[0].pct(), t[1].pct()));
    }
    println!();
    for m in &misses {
        println!("  missed: {m}");
    }

    // Letters carrying codes that are not separators: none may split.
    let mut letters = [Tally::default(); 2];
    let mut split = Vec::new();
    for kind in ForeignCode::ALL {
        for condition in Condition::ALL {
            for n in 0..per_cell.div_ceil(2) {
                let mut rng = Rng::new(seed ^ 0xF0 << 40 ^ (kind as u64) << 32 ^ (condition as u64) << 16 ^ n as u64);
                let page = foreign_sample(&fonts, kind, condition, &mut rng)?;
                for (b, before) in [true, false].into_iter().enumerate() {
                    let (found, ms) = read(&reader, &page.image, page.scan.dpi, blank_max, before);
                    if let Some(found) = &found {
                        split.push(format!("{kind:?} {} ({}): {found}", condition.name(), ["before", "after"][b]));
                    }
                    letters[b].add(found.is_none(), ms);
                }
            }
        }
    }
    println!(
        "letters with a code that is not a separator: {} pages, {} false splits before, {} after",
        letters[0].pages,
        letters[0].pages - letters[0].found,
        letters[1].pages - letters[1].found
    );
    for s in &split {
        println!("  false split: {s}");
    }
    println!(
        "ms/page: separator sheets {:.1} → {:.1}; letter pages (with a foreign code) {:.1} → {:.1}",
        sheets[0].ms / sheets[0].pages as f64,
        sheets[1].ms / sheets[1].pages as f64,
        letters[0].ms / letters[0].pages as f64,
        letters[1].ms / letters[1].pages as f64
    );

    // Plain letter pages, the bulk of a batch.
    let spec = pli_testkit::BatchSpec {
        seed,
        letters: 6,
        pages_per_letter: (2, 3),
        blank_backs: 0.0,
        first_separator: false,
        ..Default::default()
    };
    let truth_pages = std::cell::RefCell::new(Vec::new());
    let truth = pli_testkit::generate(&spec, |i, img| {
        truth_pages.borrow_mut().push((i, img));
        Ok(())
    })?;
    let mut text = [Tally::default(); 2];
    for (i, img) in truth_pages.into_inner() {
        if !matches!(truth.pages[i].role, pli_testkit::PageRole::Content { .. }) {
            continue;
        }
        for (b, before) in [true, false].into_iter().enumerate() {
            let (found, ms) = read(&reader, &img, 300, blank_max, before);
            text[b].add(found.is_none(), ms);
        }
    }
    println!(
        "ms/page: {} plain text pages {:.1} → {:.1}",
        text[0].pages,
        text[0].ms / text[0].pages as f64,
        text[1].ms / text[1].pages as f64
    );
    Ok(())
}

/// The reader as it was before (commit a074aee), for the comparison.
mod old {
    use super::*;
    use rxing::{
        BarcodeFormat, BinaryBitmap, DecodeHints, Luma8LuminanceSource, MultiFormatReader, Reader,
        common::HybridBinarizer,
    };
    use std::collections::HashSet;

    fn hints(formats: &HashSet<BarcodeFormat>, try_harder: bool) -> DecodeHints {
        DecodeHints { PossibleFormats: Some(formats.clone()), TryHarder: Some(try_harder), ..DecodeHints::default() }
    }

    fn decode_one(img: &GrayImage, hints: DecodeHints) -> Option<String> {
        let source = Luma8LuminanceSource::new(img.as_raw().clone(), img.width(), img.height()).ok()?;
        let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
        MultiFormatReader::default().decode_with_hints(&mut bitmap, &hints).ok().map(|r| r.getText().to_string())
    }

    /// The old passes, without the search for several codes (which only matters for
    /// pages carrying a foreign code and a separator).
    pub fn read_page(reader: &SeparatorReader, full: &GrayImage, small: &GrayImage, ink: Ink) -> Option<String> {
        let all: HashSet<BarcodeFormat> =
            [BarcodeFormat::QR_CODE, BarcodeFormat::CODE_128, BarcodeFormat::CODE_39, BarcodeFormat::DATA_MATRIX]
                .into();
        let one_d: HashSet<BarcodeFormat> = [BarcodeFormat::CODE_128, BarcodeFormat::CODE_39].into();
        let factor = (full.width() / small.width().max(1)).max(1);
        let finer_factor = factor.saturating_sub(1).max(1);
        let finer = (finer_factor > 1).then(|| downscale_box(full, finer_factor));
        let finer = finer.as_ref().unwrap_or(full);
        let mut passes = vec![(small, false, &all), (small, true, &one_d), (finer, false, &all)];
        if ink == Ink::Sparse {
            passes.push((small, true, &all));
            if !std::ptr::eq(finer, full) {
                passes.push((full, false, &all));
            }
        }
        for (img, try_harder, formats) in passes {
            if let Some(code) = decode_one(img, hints(formats, try_harder)) {
                return reader.classify(&code).map(|s| s.raw);
            }
        }
        None
    }
}
