//! Suggestions on generated letters: the date, subject and reference read from the
//! OCR text of clean pages are exact; the direction suggestion learned from a generated
//! history is measured and reported.

use pli_capture::pipeline::Capture;
use pli_capture::profile::Profile;
use pli_core::capture::Actor;
use pli_core::suggest::{self, DirectionModel};
use pli_store::Store;
use pli_testkit::{BatchSpec, Format, MONTHS, Rng, make_letter, write_batch};
use time::{Date, Month};

fn parse_french_date(s: &str) -> Date {
    let parts: Vec<&str> = s.split(' ').collect();
    let month = MONTHS.iter().position(|m| *m == parts[1]).unwrap() as u8 + 1;
    Date::from_calendar_date(parts[2].parse().unwrap(), Month::try_from(month).unwrap(), parts[0].parse().unwrap())
        .unwrap()
}

#[test]
fn date_subject_and_reference_are_exact_on_clean_pages() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("propre.pdf");
    let spec = BatchSpec {
        seed: 31,
        letters: 8,
        pages_per_letter: (1, 1),
        lines_per_page: 8,
        blank_backs: 0.0,
        max_skew: 0.0,
        noise: 0,
        jpeg_quality: 95,
        ..BatchSpec::default()
    };
    let truth = write_batch(&spec, Format::Pdf, &batch).unwrap();
    let data = dir.path().join("data");
    let mut store = Store::open(&data).unwrap();
    // French only: with `fra+eng`, Tesseract reads « pièces » as « pieces » on one of
    // these subjects (an English word); the extraction itself is what is tested here.
    let mut profile = Profile::find("generic-pdf", None).unwrap();
    profile.ocr.languages = "fra".into();
    let capture = Capture::new(profile, 2);
    let actor = Actor { login: "test".into(), workstation: "ci".into() };
    let report = capture.ingest(&mut store, &data, &batch, &actor, &|_| {}).unwrap();
    assert_eq!(report.courriers.len(), truth.letters.len());
    for (c, letter) in report.courriers.iter().zip(&truth.letters) {
        let date = suggest::letter_date(&c.text).unwrap_or_else(|| panic!("no date in\n{}", c.text));
        assert_eq!(date.value, parse_french_date(&letter.date), "date in\n{}", c.text);
        assert!(date.confidence >= 0.9);
        assert_eq!(suggest::subject(&c.text).unwrap().value, letter.subject, "subject in\n{}", c.text);
        assert_eq!(suggest::reference(&c.text).unwrap().value, letter.reference, "reference in\n{}", c.text);
    }
}

/// A mail room's history: each subject usually goes to one direction, one letter in
/// ten elsewhere (a human choice the text cannot explain).
#[test]
fn direction_suggestions_learned_from_a_generated_history() {
    let directions = ["DOS", "DAF", "DRH", "DSP"];
    let mut rng = Rng::new(2026);
    let mut letters = Vec::new();
    for _ in 0..500 {
        let letter = make_letter(&mut rng, 1, 12);
        let usual = directions[letter.subject.len() % directions.len()];
        let direction = if rng.chance(0.1) { *rng.pick(&directions) } else { usual };
        let text: String = letter.pages.concat().join("\n");
        letters.push((text, direction));
    }
    let (history, held_out) = letters.split_at(400);
    let mut model = DirectionModel::default();
    for (text, direction) in history {
        model.learn(direction, text);
    }
    let right = held_out.iter().filter(|(text, direction)| model.suggest(text).unwrap().value == *direction).count();
    let accuracy = right as f64 / held_out.len() as f64;
    eprintln!(
        "direction suggestion: {right}/{} right ({:.1} %) after learning {} routed letters",
        held_out.len(),
        accuracy * 100.0,
        history.len()
    );
    // Ninety per cent follow the usual route; a useful model gets most of those.
    assert!(accuracy > 0.75, "accuracy {accuracy}");
}
