//! Separator sheets on scans as they come: every symbology under every hard condition
//! (tinted paper, faint ink, noise, skew up to 15°, heavy JPEG, 200 dpi, all mixed), with
//! a title and lines of text on the sheet; letters carrying codes that are not separators
//! never split; Maarch's sheets; a real Patch-T sheet scanned askew; and one hard batch
//! through the whole pipeline. Sheets are read as the pipeline reads them, without OCR.
//! Seeds differ from the benchmark's, so the tests are not tuned to its images.

use image::GrayImage;
use pli_capture::imaging::downscale_box;
use pli_capture::profile::Profile;
use pli_capture::separator::{Ink, PageCodes, SeparatorReader};
use pli_testkit::{Condition, Fonts, ForeignCode, Rng, Symbology, foreign_sample, pli_payload, separator_sample};
use std::path::PathBuf;

const SEED: u64 = 0x5EED_0016;

fn read(reader: &SeparatorReader, img: &GrayImage, dpi: u32, profile: &Profile) -> PageCodes {
    let small = downscale_box(img, ((dpi as f32 / 100.0).round() as u32).max(1));
    let ink = Ink::of(pli_capture::blank::ink_ratio(&small), profile.blank.max_ink_ratio);
    reader.read_page(img, &small, ink)
}

/// Three sheets per condition (24 per symbology), each with its own seed.
fn recall(symbology: Symbology) {
    let fonts = Fonts::load().unwrap();
    let profile = Profile::find("generic-pdf", None).unwrap();
    let reader = SeparatorReader::new(&profile);
    let mut misses = Vec::new();
    let mut sheets = 0;
    for condition in Condition::ALL {
        for n in 0..3u64 {
            let mut rng = Rng::new(SEED ^ (symbology as u64) << 40 ^ (condition as u64) << 20 ^ n);
            let payload = pli_payload(&mut rng, symbology);
            let page = separator_sample(&fonts, &payload, symbology, condition, &mut rng).unwrap();
            let found = read(&reader, &page.image, page.scan.dpi, &profile).separator.map(|s| s.raw);
            sheets += 1;
            if found.as_deref() != Some(payload.as_str()) {
                misses.push(format!("{} #{n} {:?}: {found:?}", condition.name(), page.scan));
            }
        }
    }
    assert!(misses.is_empty(), "{symbology:?}: {} of {sheets} sheets missed:\n{}", misses.len(), misses.join("\n"));
}

#[test]
fn qr_sheets_are_all_found_on_hard_scans() {
    recall(Symbology::Qr);
}

#[test]
fn datamatrix_sheets_are_all_found_on_hard_scans() {
    recall(Symbology::DataMatrix);
}

#[test]
fn code128_sheets_are_all_found_on_hard_scans() {
    recall(Symbology::Code128);
}

#[test]
fn code39_sheets_are_all_found_on_hard_scans() {
    recall(Symbology::Code39);
}

/// A Maarch profile whose lead mapped two entities.
fn maarch_profile() -> Profile {
    let mut profile = Profile::find("maarch-separators", None).unwrap();
    profile.separator.directions = [("DGS", "DIR-GEN"), ("DRH", "DRH"), ("ARCHIVES", "DAF")]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    profile
}

#[test]
fn codes_on_letters_never_split() {
    let fonts = Fonts::load().unwrap();
    // Every symbology read, and the Maarch profile whose bare ids (DGS, DRH, ARCHIVES)
    // are also what some labels on these letters carry.
    let generic = Profile::find("generic-pdf", None).unwrap();
    let maarch = maarch_profile();
    let readers = [(&generic, SeparatorReader::new(&generic)), (&maarch, SeparatorReader::new(&maarch))];
    let mut splits = Vec::new();
    let mut read_codes = 0;
    for kind in ForeignCode::ALL {
        for condition in Condition::ALL {
            let mut rng = Rng::new(SEED ^ 0xF0 << 48 ^ (kind as u64) << 40 ^ (condition as u64) << 20);
            let page = foreign_sample(&fonts, kind, condition, &mut rng).unwrap();
            for (profile, reader) in &readers {
                let codes = read(reader, &page.image, page.scan.dpi, profile);
                read_codes += codes.payloads.contains(&page.payload) as usize;
                if let Some(sep) = codes.separator {
                    splits.push(format!(
                        "{kind:?} {} « {} » in {}: {sep:?}",
                        condition.name(),
                        page.payload,
                        profile.name
                    ));
                }
            }
        }
    }
    assert!(splits.is_empty(), "false splits:\n{}", splits.join("\n"));
    // The codes were there to be read: most are read (and refused).
    assert!(read_codes >= ForeignCode::ALL.len() * Condition::ALL.len(), "only {read_codes} foreign codes read");
}

#[test]
fn maarch_sheets_split_and_route_through_the_lead_s_table() {
    let fonts = Fonts::load().unwrap();
    let profile = maarch_profile();
    let reader = SeparatorReader::new(&profile);
    let cases = [
        ("DGS", Symbology::Code128, Some("DIR-GEN")),
        ("DRH", Symbology::Qr, Some("DRH")),
        ("MAARCH_ARCHIVES", Symbology::Qr, Some("DAF")),
        ("MEM_DGS", Symbology::Code128, Some("DIR-GEN")),
        ("MAARCH_SVC-INCONNU", Symbology::Code128, None),
        ("GENERIQUE", Symbology::Qr, None),
    ];
    for (i, (payload, symbology, direction)) in cases.into_iter().enumerate() {
        for condition in [Condition::Skewed, Condition::Mixed] {
            let mut rng = Rng::new(SEED ^ 0x3A << 40 ^ (condition as u64) << 20 ^ i as u64);
            let page = separator_sample(&fonts, payload, symbology, condition, &mut rng).unwrap();
            let codes = read(&reader, &page.image, page.scan.dpi, &profile);
            let sep = codes.separator.unwrap_or_else(|| panic!("{payload} ({}) not found", condition.name()));
            assert_eq!(sep.direction.as_deref(), direction, "{payload}");
            // An entity the table lacks still splits, and says why it is not pre-routed.
            assert_eq!(codes.note.is_some(), payload.contains("INCONNU"), "{payload}: {:?}", codes.note);
        }
    }
}

fn real_scans() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/peer-samples/real-scans/naps2");
    if dir.join("patcht.jpg").is_file() {
        Some(dir)
    } else {
        eprintln!("NOTICE: {} absent: real Patch-T scans skipped", dir.display());
        None
    }
}

fn read_real(files: &[(&str, Option<&str>)]) {
    let Some(dir) = real_scans() else { return };
    let profile = Profile::find("patch-t", None).unwrap();
    let reader = SeparatorReader::new(&profile);
    for &(file, expected) in files {
        let page = pli_capture::source::open_batch(&dir.join(file)).unwrap().next().unwrap().unwrap();
        let dpi = page.dpi.unwrap_or(300.0).round() as u32;
        let codes = read(&reader, &page.pixels.to_luma8(), dpi, &profile);
        assert_eq!(codes.separator.map(|s| s.raw).as_deref(), expected, "{file}: read {:?}", codes.payloads);
    }
}

/// NAPS2's scans: a Patch-T sheet straight and NAPS2's deskewed copy of an askew one; a
/// photo with a UPC code is not a separator.
#[test]
fn real_patch_t_sheets_are_read() {
    read_real(&[("patcht.jpg", Some("PATCHT")), ("deskewed.jpg", Some("PATCHT")), ("image_upc_barcode.jpg", None)]);
}

/// The same sheet scanned about 16° askew (colour and 1-bit).
#[test]
fn a_real_patch_t_sheet_scanned_askew_is_read() {
    read_real(&[("skewed.jpg", Some("PATCHT")), ("skewed_bw.png", Some("PATCHT"))]);
}

#[test]
fn a_hard_batch_is_split_exactly_by_the_pipeline() {
    use pli_capture::pipeline::Capture;
    use pli_core::capture::Actor;
    use pli_testkit::{BatchSpec, Format, write_batch};
    let dir = tempfile::tempdir().unwrap();
    // Code 39 sheets with a title and text, fed askew on tinted paper at 200 dpi, among
    // letters that carry tracking labels, web-address QR codes and franking DataMatrix.
    let spec = BatchSpec {
        seed: SEED,
        letters: 5,
        pages_per_letter: (1, 1),
        lines_per_page: 8,
        blank_backs: 0.0,
        symbology: Symbology::Code39,
        sheet_scan: Some(Condition::Mixed),
        foreign_codes: 0.8,
        dpi: 200,
        ..BatchSpec::default()
    };
    let batch = dir.path().join("lot.pdf");
    let truth = write_batch(&spec, Format::Pdf, &batch).unwrap();
    let foreign = truth
        .pages
        .iter()
        .filter(|p| matches!(&p.role, pli_testkit::PageRole::Content { foreign_code: Some(_), .. }))
        .count();
    assert!(foreign >= 2, "the seed should put foreign codes on letters ({foreign})");
    let data = dir.path().join("data");
    let mut store = pli_store::Store::open(&data).unwrap();
    let capture = Capture::new(Profile::find("generic-pdf", None).unwrap(), 2);
    let actor = Actor { login: "test".into(), workstation: "ci".into() };
    let report = capture.ingest(&mut store, &data, &batch, &actor, &|_| {}).unwrap();
    let separators: Vec<usize> = truth
        .pages
        .iter()
        .filter(|p| matches!(p.role, pli_testkit::PageRole::Separator { .. }))
        .map(|p| p.index)
        .collect();
    assert_eq!(report.separator_pages, separators);
    let got: Vec<(Vec<usize>, Option<String>)> =
        report.courriers.iter().map(|c| (c.pages.clone(), c.direction.clone())).collect();
    let want: Vec<(Vec<usize>, Option<String>)> =
        truth.letters.iter().map(|l| (l.pages.clone(), l.direction.clone())).collect();
    assert_eq!(got, want);
}
