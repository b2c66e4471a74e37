//! Pages dropped as blank are kept with their batch and can be put back: capture keeps
//! each one's original image, the store lists them, and a page put back is OCRed into a
//! courrier (its searchable PDF read back by poppler, its words found by search), with
//! its event; refused on a registered courrier, a page not dropped, or a user outside
//! the mail room.

use pli_capture::pdf::Composer;
use pli_capture::pipeline::Capture;
use pli_capture::profile::Profile;
use pli_capture::restore::KeptPageReader;
use pli_core::capture::Actor;
use pli_core::registration::{ChronoFormat, Qualification};
use pli_store::org::{OrganisationSheets, Sheet};
use pli_store::{Session, Store};
use pli_testkit::{BatchSpec, Format, PageRole, write_batch};
use std::path::Path;
use std::process::Command;

const USERS: &str = "identifiant;nom;roles;actif;mot_de_passe\n\
                     op;Odile Opératrice;opérateur;oui;\n\
                     rh;René Référent;référent:DRH;oui;\n";

fn site(dir: &Path) -> Store {
    let mut store = Store::open(dir).unwrap();
    let sheets = OrganisationSheets {
        directions: Some(Sheet {
            name: "d.csv".into(),
            text: "code;nom;parent;actif\nDRH;Ressources humaines;;oui\n".into(),
        }),
        users: Some(Sheet { name: "u.csv".into(), text: USERS.into() }),
        document_types: Some(Sheet {
            name: "t.csv".into(),
            text: "code;nom;delai_jours;npai\nCOUR;Courrier;30;non\n".into(),
        }),
    };
    store.import_organisation(&sheets, &actor()).unwrap();
    store
}

fn actor() -> Actor {
    Actor { login: "test".into(), workstation: "ci".into() }
}

fn session(store: &Store, login: &str) -> Session {
    Session { viewer: store.viewer(login).unwrap(), workstation: "poste".into() }
}

fn pdf_text(pdf: &Path) -> (usize, String) {
    let info = Command::new("pdfinfo").arg(pdf).output().unwrap();
    assert!(info.status.success(), "pdfinfo refuses {}", pdf.display());
    let pages = String::from_utf8_lossy(&info.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:").map(|n| n.trim().parse().unwrap()))
        .unwrap();
    let text = Command::new("pdftotext").arg(pdf).arg("-").output().unwrap();
    (pages, String::from_utf8_lossy(&text.stdout).into_owned())
}

/// Image sizes of a PDF's pages, as poppler lists them (width, height, encoding).
fn pdf_images(pdf: &Path) -> Vec<(u32, u32, String)> {
    let out = Command::new("pdfimages").arg("-list").arg(pdf).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(2)
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[3].parse().unwrap(), f[4].parse().unwrap(), f[8].to_string())
        })
        .collect()
}

#[test]
fn capture_keeps_the_image_of_every_page_it_drops() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("lot.pdf");
    let spec = BatchSpec {
        seed: 5,
        letters: 2,
        pages_per_letter: (1, 1),
        lines_per_page: 4,
        blank_backs: 1.0,
        ..BatchSpec::default()
    };
    let truth = write_batch(&spec, Format::Pdf, &batch).unwrap();
    let data = dir.path().join("data");
    let mut store = site(&data);
    let capture = Capture::new(Profile::find("generic-pdf", None).unwrap(), 2);
    let report = capture.ingest(&mut store, &data, &batch, &actor(), &|_| {}).unwrap();
    let blanks: Vec<usize> = truth.pages.iter().filter(|p| p.role == PageRole::Blank).map(|p| p.index).collect();
    assert!(!blanks.is_empty(), "the generated batch has blank backs");
    assert_eq!(report.blank_pages, blanks, "the blank backs are dropped");

    let op = session(&store, "op");
    let dropped = store.dropped_pages(&op, report.batch_id).unwrap();
    assert_eq!(dropped.iter().map(|d| d.source_index).collect::<Vec<_>>(), blanks);
    let source_images = pdf_images(&batch);
    for d in &dropped {
        let (pdf, thumb) = (data.join(d.pdf.as_ref().unwrap()), data.join(d.thumbnail.as_ref().unwrap()));
        assert!(d.pdf.as_ref().unwrap().contains("/dropped/"), "kept with the batch: {:?}", d.pdf);
        assert_eq!(pdf_text(&pdf).0, 1, "one page: {}", pdf.display());
        // The original image, as scanned: same size and encoding as in the batch.
        assert_eq!(pdf_images(&pdf), vec![source_images[d.source_index].clone()], "page {}", d.source_index);
        let t = image::open(&thumb).unwrap();
        assert!(t.width() >= 100 && t.height() > t.width(), "a portrait thumbnail: {}x{}", t.width(), t.height());
    }
    // Nobody outside the mail room sees them.
    assert!(store.dropped_pages(&session(&store, "rh"), report.batch_id).is_err());
}

#[test]
fn a_dropped_page_is_put_back_ocred_and_found_and_refusals_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("lot.pdf");
    // Two letters of two short pages each, with a separator before each.
    let spec = BatchSpec {
        seed: 31,
        letters: 2,
        pages_per_letter: (2, 2),
        lines_per_page: 3,
        blank_backs: 0.0,
        ..BatchSpec::default()
    };
    let truth = write_batch(&spec, Format::Pdf, &batch).unwrap();
    let data = dir.path().join("data");
    let mut store = site(&data);
    // A profile that takes pages with a few lines for blank: every letter page is dropped.
    let mut profile = Profile::find("generic-pdf", None).unwrap();
    profile.blank.max_ink_ratio = 0.19;
    let capture = Capture::new(profile.clone(), 2);
    let report = capture.ingest(&mut store, &data, &batch, &actor(), &|_| {}).unwrap();
    let letters: Vec<Vec<usize>> = truth.letters.iter().map(|l| l.pages.clone()).collect();
    assert_eq!(report.blank_pages, letters.concat(), "this profile drops every letter page");
    assert!(report.courriers.is_empty());
    let b = report.batch_id;
    let op = session(&store, "op");
    let reader = KeptPageReader::new(&profile);

    // No courrier is left of the first letter: its second page makes a new one, which
    // carries the letter's separator; its first page then goes before it.
    let (p1, p2) = (letters[0][0], letters[0][1]);
    let first = store.restore_dropped_page(&op, b, p2, None, None, &reader, &Composer).unwrap();
    assert!(first.created);
    let a = first.courrier;
    let back = store.restore_dropped_page(&op, b, p1, None, None, &reader, &Composer).unwrap();
    assert_eq!((back.courrier, back.position, back.created), (a, 0, false));
    let pages: Vec<usize> = store.pages(&op, a).unwrap().iter().map(|p| p.source_index).collect();
    assert_eq!(pages, vec![p1, p2]);
    let view = store.courrier(&op, a).unwrap();
    assert_eq!(view.separator, truth.letters[0].separator);
    let (n, text) = pdf_text(&data.join(view.pdf.unwrap()));
    assert_eq!(n, 2);
    // Search finds words of each page put back (OCR may miss one word: most are found).
    let words: Vec<&str> =
        truth.letters[0].text.split(|c: char| !c.is_alphabetic()).filter(|w| w.chars().count() >= 8).collect();
    let found =
        words.iter().filter(|w| store.search_visible(&op, w, 10).unwrap().iter().any(|h| h.courrier == a)).count();
    assert!(found * 3 >= words.len() * 2, "search finds {found} of {} words: {words:?}", words.len());
    assert!(words.iter().filter(|w| text.contains(*w)).count() * 3 >= words.len() * 2, "PDF text: {text}");
    // The pages are content now, and no longer listed as dropped.
    let left: Vec<usize> = store.dropped_pages(&op, b).unwrap().iter().map(|d| d.source_index).collect();
    assert_eq!(left, letters[1]);
    // Each is an event naming the page, who and which courrier.
    // Read through a connection of the test's own on the data folder's SQLite file (this
    // scenario is SQLite's), not through Pli.
    let db = rusqlite::Connection::open(data.join("pli.sqlite3")).unwrap();
    let events: Vec<(String, i64, String)> = db
        .prepare("SELECT actor, courrier_id, data FROM event WHERE kind = 'page_restored' ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(events.len(), 2);
    assert!(events.iter().all(|(who, id, _)| who == "op" && *id == a), "{events:?}");
    assert!(events[0].2.contains(&format!("\"page\":{p2}")), "{}", events[0].2);
    assert!(store.verify_history().unwrap().intact());

    // Refusals write nothing and say why.
    let refused = |store: &mut Store, s: &Session, page: usize, into: Option<i64>| {
        store.restore_dropped_page(s, b, page, into, None, &reader, &Composer).unwrap_err().to_string()
    };
    let err = refused(&mut store, &op, p1, None);
    assert!(err.contains("n'est pas une page écartée"), "{err}");
    let err = refused(&mut store, &op, truth.pages[0].index, None);
    assert!(err.contains("n'est pas une page écartée"), "separator: {err}");
    let rh = session(&store, "rh");
    let err = refused(&mut store, &rh, letters[1][0], None);
    assert!(err.contains("service courrier"), "{err}");
    let q = Qualification {
        document_type: Some("COUR".into()),
        subject: Some("Demande".into()),
        arrival_date: Some(time::macros::date!(2026 - 11 - 20)),
        main_direction: Some("DRH".into()),
        confidential: Some(false),
        ..Qualification::default()
    };
    store.register(&op, a, &q, &ChronoFormat::default()).unwrap();
    let err = refused(&mut store, &op, letters[1][0], Some(a));
    assert!(err.contains("impossible"), "registered: {err}");
    assert_eq!(store.dropped_pages(&op, b).unwrap().len(), 2, "nothing changed");
    let count: i64 = db.query_row("SELECT count(*) FROM event WHERE kind = 'page_restored'", [], |r| r.get(0)).unwrap();
    assert_eq!(count, 2);
}
