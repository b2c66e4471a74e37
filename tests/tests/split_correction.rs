//! Split correction on a real ingested batch: merge, split, move, turn and delete
//! pages; the searchable PDFs (read back by poppler), the thumbnails and the search
//! index follow, and every correction is an event.

use pli_capture::pdf::Composer;
use pli_capture::pipeline::Capture;
use pli_capture::profile::Profile;
use pli_core::capture::Actor;
use pli_core::split::SplitEdit;
use pli_store::org::{OrganisationSheets, Sheet};
use pli_store::{Session, Store};
use pli_testkit::{BatchSpec, Format, write_batch};
use std::path::Path;
use std::process::Command;

fn pdf_pages(pdf: &Path) -> Vec<(String, u32)> {
    let info = Command::new("pdfinfo").args(["-f", "1", "-l", "99"]).arg(pdf).output().unwrap();
    assert!(info.status.success(), "pdfinfo refuses {}", pdf.display());
    let info = String::from_utf8_lossy(&info.stdout);
    let rotations: Vec<u32> = info
        .lines()
        .filter(|l| l.starts_with("Page") && l.contains("rot:"))
        .map(|l| l.rsplit(':').next().unwrap().trim().parse().unwrap())
        .collect();
    (1..=rotations.len())
        .map(|n| {
            let n = n.to_string();
            let text = Command::new("pdftotext").args(["-f", &n, "-l", &n]).arg(pdf).arg("-").output().unwrap();
            (String::from_utf8_lossy(&text.stdout).into_owned(), rotations[n.parse::<usize>().unwrap() - 1])
        })
        .collect()
}

fn long_words(line: &str) -> Vec<&str> {
    line.split(|c: char| !c.is_alphanumeric() && c != '\'').filter(|w| w.chars().count() > 6).take(3).collect()
}

/// Whether OCR text holds most of the long words of a line (OCR may miss one).
fn shares_words(text: &str, line: &str) -> bool {
    let words = long_words(line);
    words.iter().filter(|w| text.contains(*w)).count() * 3 >= words.len() * 2
}

#[test]
fn merge_split_turn_and_delete_pages_and_the_documents_follow() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("lot.pdf");
    let spec = BatchSpec {
        seed: 77,
        letters: 2,
        pages_per_letter: (2, 2),
        lines_per_page: 6,
        blank_backs: 0.0,
        ..BatchSpec::default()
    };
    write_batch(&spec, Format::Pdf, &batch).unwrap();
    let data = dir.path().join("data");
    let mut store = Store::open(&data).unwrap();
    let sheets = OrganisationSheets {
        users: Some(Sheet { name: "u.csv".into(), text: "identifiant;nom;roles\nop;Opératrice;opérateur\n".into() }),
        ..Default::default()
    };
    let actor = Actor { login: "test".into(), workstation: "ci".into() };
    store.import_organisation(&sheets, &actor).unwrap();
    let capture = Capture::new(Profile::find("generic-pdf", None).unwrap(), 2);
    let report = capture.ingest(&mut store, &data, &batch, &actor, &|_| {}).unwrap();
    let (a, b) = (report.courriers[0].courrier, report.courriers[1].courrier);
    let op = Session { viewer: store.viewer("op").unwrap(), workstation: "poste".into() };
    let pdf_of = |store: &Store, id: i64| data.join(store.courrier(&op, id).unwrap().pdf.unwrap());
    // Read through a connection of the test's own on the data folder's SQLite file (this
    // scenario is SQLite's), not through Pli.
    let db = rusqlite::Connection::open(data.join("pli.sqlite3")).unwrap();
    // The OCR text of each of the four pages, to recognise them wherever they go.
    let page_texts: Vec<String> = db
        .prepare(
            "SELECT p.text FROM courrier_page p WHERE p.courrier_id IN (?1, ?2) ORDER BY p.courrier_id, p.position",
        )
        .unwrap()
        .query_map([a, b], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(page_texts.len(), 4);
    let first_line = |page: usize| page_texts[page].lines().find(|l| long_words(l).len() >= 3).unwrap().to_string();
    let old_pdf_a = pdf_of(&store, a);

    // Merge b into a: four pages, a's then b's.
    store.edit_split(&op, &SplitEdit::Merge { into: a, from: b }, &Composer).unwrap();
    let merged = pdf_pages(&pdf_of(&store, a));
    assert_eq!(merged.len(), 4);
    assert!(shares_words(&merged[2].0, &first_line(2)), "b's first page comes third: {}", merged[2].0);
    assert!(shares_words(&merged[1].0, &first_line(1)), "a's second page stays second: {}", merged[1].0);
    assert!(store.courrier(&op, b).is_err(), "b is withdrawn");
    assert!(!old_pdf_a.exists(), "the superseded PDF is removed once the correction is committed");

    // Split a at its third page again: a new courrier with b's pages.
    let ids = store.edit_split(&op, &SplitEdit::SplitAt { courrier: a, position: 2 }, &Composer).unwrap();
    let c = *ids.last().unwrap();
    assert_ne!(c, b);
    let split = pdf_pages(&pdf_of(&store, c));
    assert_eq!(split.len(), 2);
    assert_eq!(store.courrier(&op, c).unwrap().pages, 2);

    // Turn the second page of c a quarter, delete the first page of a.
    store.edit_split(&op, &SplitEdit::Rotate { courrier: c, position: 1, quarter_turns: 1 }, &Composer).unwrap();
    let turned = pdf_pages(&pdf_of(&store, c));
    assert_eq!((turned[0].1, turned[1].1), (0, 90), "pdfinfo sees the new /Rotate");
    assert!(!turned[1].0.trim().is_empty(), "the text layer came along");
    let thumb = data.join(&store.content(&op, c, pli_store::registry::Reading::Text).unwrap().thumbnails[1]);
    let (w, h) = image::image_dimensions(&thumb).unwrap();
    assert!(w > h, "the thumbnail is turned too ({w}×{h})");

    store.edit_split(&op, &SplitEdit::DeletePage { courrier: a, position: 0 }, &Composer).unwrap();
    let left = pdf_pages(&pdf_of(&store, a));
    assert_eq!(left.len(), 1);

    // The search index follows the pages: a line of the deleted page no longer finds a;
    // a line of b's second page finds c.
    let hits = store.search_visible(&op, &long_words(&first_line(3)).join(" "), 5).unwrap();
    assert!(hits.iter().any(|h| h.courrier == c), "{hits:?}");
    let events: i64 =
        db.query_row("SELECT count(*) FROM event WHERE kind = 'split_corrected'", [], |r| r.get(0)).unwrap();
    assert_eq!(events, 6, "one event per courrier changed: merge 2, split 2, turn 1, delete 1");

    // An impossible correction says why, and changes nothing.
    let err =
        store.edit_split(&op, &SplitEdit::SplitAt { courrier: c, position: 5 }, &Composer).unwrap_err().to_string();
    assert!(err.contains("page 6"), "{err}");
    assert_eq!(pdf_pages(&pdf_of(&store, c)).len(), 2);
}
