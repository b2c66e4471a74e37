//! Whole-pipeline tests on generated batches: exact split points, blank removal,
//! direction codes, orientation, OCR accuracy, the searchable PDF and search.

use pli_capture::pipeline::{BatchReport, Capture};
use pli_capture::profile::Profile;
use pli_core::capture::Actor;
use pli_store::Store;
use pli_testkit::{BatchSpec, Format, GroundTruth, Symbology, cer, write_batch};
use std::path::Path;
use std::process::Command;

fn actor() -> Actor {
    Actor { login: "test".into(), workstation: "ci".into() }
}

fn ingest(path: &Path, data: &Path) -> BatchReport {
    let mut store = Store::open(data).unwrap();
    let capture = Capture::new(Profile::find("generic-pdf", None).unwrap(), 2);
    capture.ingest(&mut store, data, path, &actor(), &|_| {}).unwrap()
}

/// Compares a report with the ground truth, letter by letter.
fn assert_matches_truth(report: &BatchReport, truth: &GroundTruth) {
    assert_eq!(report.courriers.len(), truth.letters.len(), "number of courriers");
    let blanks: Vec<usize> =
        truth.pages.iter().filter(|p| p.role == pli_testkit::PageRole::Blank).map(|p| p.index).collect();
    assert_eq!(report.blank_pages, blanks, "blank pages");
    for (i, (c, l)) in report.courriers.iter().zip(&truth.letters).enumerate() {
        assert_eq!(c.pages, l.pages, "courrier {i}: content pages");
        assert_eq!(c.blank_pages, l.blank_pages, "courrier {i}: blank pages");
        assert_eq!(c.direction, l.direction, "courrier {i}: direction");
        assert_eq!(c.separator, l.separator, "courrier {i}: separator");
        // The generator turned a page by r clockwise; making it upright takes 360 - r.
        let expected: Vec<u32> = l.pages.iter().map(|&p| (360 - truth.pages[p].rotation) % 360).collect();
        assert_eq!(c.rotations, expected, "courrier {i}: orientation");
        let error = cer(&l.text, &c.text);
        assert!(
            error < 0.03,
            "courrier {i}: character error rate {:.2} %\n--- expected\n{}\n--- got\n{}",
            error * 100.0,
            l.text,
            c.text
        );
    }
}

#[test]
fn a_pdf_batch_is_split_turned_upright_and_read() {
    let dir = tempfile::tempdir().unwrap();
    let spec = BatchSpec {
        seed: 17,
        letters: 4,
        lines_per_page: 12,
        blank_backs: 0.4,
        upside_down: 0.25,
        quarter_turn: 0.15,
        ..BatchSpec::default()
    };
    let batch = dir.path().join("lot.pdf");
    let truth = write_batch(&spec, Format::Pdf, &batch).unwrap();
    assert!(truth.pages.iter().any(|p| p.rotation == 180), "the seed should give an upside-down page");
    assert!(truth.pages.iter().any(|p| p.rotation % 180 == 90), "the seed should give a quarter-turned page");
    let report = ingest(&batch, &dir.path().join("data"));
    assert_matches_truth(&report, &truth);
}

#[test]
fn a_tiff_batch_with_code128_separators() {
    let dir = tempfile::tempdir().unwrap();
    let spec =
        BatchSpec { seed: 5, letters: 3, lines_per_page: 8, symbology: Symbology::Code128, ..BatchSpec::default() };
    let batch = dir.path().join("lot.tiff");
    let truth = write_batch(&spec, Format::Tiff, &batch).unwrap();
    assert_matches_truth(&ingest(&batch, &dir.path().join("data")), &truth);
}

#[test]
fn a_folder_of_pages_with_code39_separators_and_no_first_separator() {
    let dir = tempfile::tempdir().unwrap();
    let spec = BatchSpec {
        seed: 8,
        letters: 3,
        lines_per_page: 8,
        symbology: Symbology::Code39,
        first_separator: false,
        ..BatchSpec::default()
    };
    let batch = dir.path().join("lot");
    let truth = write_batch(&spec, Format::Folder, &batch).unwrap();
    std::fs::remove_file(batch.join("truth.json")).unwrap(); // not a page
    assert_matches_truth(&ingest(&batch, &dir.path().join("data")), &truth);
}

#[test]
fn datamatrix_separators_split_too() {
    let dir = tempfile::tempdir().unwrap();
    let spec = BatchSpec {
        seed: 21,
        letters: 2,
        lines_per_page: 6,
        symbology: Symbology::DataMatrix,
        blank_backs: 0.0,
        ..BatchSpec::default()
    };
    let batch = dir.path().join("lot.pdf");
    let truth = write_batch(&spec, Format::Pdf, &batch).unwrap();
    assert_matches_truth(&ingest(&batch, &dir.path().join("data")), &truth);
}

#[test]
fn the_searchable_pdf_holds_the_ocr_text_and_search_ignores_accents() {
    let dir = tempfile::tempdir().unwrap();
    let spec = BatchSpec {
        seed: 3,
        letters: 2,
        lines_per_page: 10,
        blank_backs: 0.0,
        upside_down: 0.0,
        ..BatchSpec::default()
    };
    let batch = dir.path().join("lot.pdf");
    write_batch(&spec, Format::Pdf, &batch).unwrap();
    let data = dir.path().join("data");
    let report = ingest(&batch, &data);
    for c in &report.courriers {
        let info =
            Command::new("pdfinfo").arg(&c.pdf).output().expect("pdfinfo (poppler-utils) is installed by make test");
        assert!(info.status.success(), "pdfinfo: {}", String::from_utf8_lossy(&info.stderr));
        assert!(info.stderr.is_empty(), "pdfinfo warns: {}", String::from_utf8_lossy(&info.stderr));
        let text = Command::new("pdftotext").arg(&c.pdf).arg("-").output().unwrap();
        let text = String::from_utf8(text.stdout).unwrap();
        let error = cer(&c.text, &text);
        assert!(
            error < 0.05,
            "pdftotext differs from the OCR text by {:.1} %:\n{text}\n---\n{}",
            error * 100.0,
            c.text
        );
    }
    let store = Store::open(&data).unwrap();
    // Every letter is addressed to the "Agence régionale de santé": search without accents.
    let hits = store.search("agence regionale SANTE", 10).unwrap();
    let mut found: Vec<i64> = hits.iter().map(|h| h.courrier).collect();
    found.sort();
    assert_eq!(found, report.courriers.iter().map(|c| c.courrier).collect::<Vec<_>>());
    assert!(hits[0].snippet.contains("**"), "{}", hits[0].snippet);
}

#[test]
fn the_same_batch_twice_is_refused_the_second_time() {
    let dir = tempfile::tempdir().unwrap();
    let spec = BatchSpec { seed: 4, letters: 1, lines_per_page: 4, blank_backs: 0.0, ..BatchSpec::default() };
    let batch = dir.path().join("lot.pdf");
    write_batch(&spec, Format::Pdf, &batch).unwrap();
    let data = dir.path().join("data");
    ingest(&batch, &data);
    let mut store = Store::open(&data).unwrap();
    let capture = Capture::new(Profile::find("generic-pdf", None).unwrap(), 1);
    let again = capture.ingest(&mut store, &data, &batch, &actor(), &|_| {});
    assert!(matches!(again, Err(pli_capture::pipeline::IngestError::AlreadyIngested { .. })));
    assert_eq!(store.courrier_count().unwrap(), 1);
}

#[test]
fn printed_separator_sheets_are_read_back_by_the_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    let sheets = pli_capture::pdf::sheets_for_directions(&["DRH=Ressources humaines".into(), "DAF".into()]).unwrap();
    let path = dir.path().join("separateurs.pdf");
    std::fs::write(&path, pli_capture::pdf::separator_sheets_pdf(&sheets)).unwrap();
    let profile = Profile::find("generic-pdf", None).unwrap();
    let reader = pli_capture::separator::SeparatorReader::new(&profile);
    let directions: Vec<Option<String>> = pli_capture::source::open_batch(&path)
        .unwrap()
        .map(|page| {
            let gray = page.unwrap().pixels.to_luma8();
            let small = pli_capture::imaging::downscale_box(&gray, 3);
            let ink =
                pli_capture::separator::Ink::of(pli_capture::blank::ink_ratio(&small), profile.blank.max_ink_ratio);
            reader.read_page(&gray, &small, ink).separator.and_then(|s| s.direction)
        })
        .collect();
    assert_eq!(directions, [Some("DRH".to_string()), Some("DAF".to_string())]);
}
