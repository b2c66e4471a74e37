//! The acknowledgement's PDF read back with poppler, as the mail room and the sender see it.

use pli_core::acknowledgement::{AckFacts, AckKind, ImplicitDecision, ServiceContact, Template, default_template};
use pli_receipt::pdf::{ADDRESS_BLOCK, Letter, LetterError, letter_pdf};
use std::process::Command;
use time::macros::date;

fn facts(implicit: Option<(ImplicitDecision, time::Date)>) -> AckFacts {
    AckFacts {
        kind: AckKind::Receipt,
        chrono: "A-2026-000123".into(),
        subject: "Demande d'autorisation d'extension de l'EHPAD « Les Tilleuls »".into(),
        sender: "Mme Élodie Müller".into(),
        sender_address: vec!["Résidence Les Peupliers".into(), "12 rue des Écoles".into(), "67000 Strasbourg".into()],
        received_on: date!(2026 - 03 - 02),
        produced_on: date!(2026 - 03 - 03),
        service: ServiceContact {
            designation: "Direction de l'offre de soins — pôle autorisations".into(),
            address: vec!["14 rue du Maréchal Juin".into(), "CS 30002".into(), "67084 Strasbourg Cedex".into()],
            email: Some("ars-dos-autorisations@example.fr".into()),
            phone: "03 88 88 88 88".into(),
        },
        implicit,
        forwarded_to: None,
    }
}

fn letter(f: &AckFacts) -> Letter {
    let body = Template::parse(f.kind, default_template(f.kind)).unwrap().render(f);
    Letter::new(f, body)
}

fn poppler(args: &[&str], pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ar.pdf");
    std::fs::write(&path, pdf).unwrap();
    let mut cmd = Command::new(args[0]);
    cmd.args(&args[1..]).arg(&path);
    if args[0] == "pdftotext" {
        cmd.arg("-");
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("{} (poppler-utils) : {e}", args[0]));
    assert!(out.status.success(), "{}: {}", args[0], String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Words with their boxes in points from the top-left corner, as `pdftotext -bbox` gives.
fn words(pdf: &[u8]) -> Vec<(String, [f32; 4])> {
    let html = poppler(&["pdftotext", "-bbox", "-f", "1", "-l", "1"], pdf);
    let attr = |tag: &str, name: &str| -> f32 {
        let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        tag[start..].split('"').next().unwrap().parse().unwrap()
    };
    html.split("<word ")
        .skip(1)
        .map(|w| {
            let (tag, rest) = w.split_once('>').unwrap();
            let text = rest.split("</word>").next().unwrap().replace("&amp;", "&").replace("&apos;", "'");
            (text, [attr(tag, "xMin"), attr(tag, "yMin"), attr(tag, "xMax"), attr(tag, "yMax")])
        })
        .collect()
}

#[test]
fn every_r112_5_item_is_in_the_pdf_for_a_rejection() {
    let pdf = letter_pdf(&letter(&facts(Some((ImplicitDecision::Rejection, date!(2026 - 05 - 02)))))).unwrap();
    if let Some(dir) = std::env::var_os("PLI_RECEIPT_SAMPLE") {
        std::fs::write(std::path::Path::new(&dir).join("accuse-de-reception.pdf"), &pdf).unwrap();
    }
    let text = poppler(&["pdftotext"], &pdf);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for item in [
        // 1° the date of receipt and the date the implicit decision arises
        "reçu le 2 mars 2026",
        "réputée rejetée le 2 mai 2026",
        // 2° the service: designation, postal address, e-mail, phone
        "Direction de l'offre de soins — pôle autorisations",
        "14 rue du Maréchal Juin",
        "67084 Strasbourg Cedex",
        "ars-dos-autorisations@example.fr",
        "03 88 88 88 88",
        // SVR: appeal routes and delays
        "deux mois",
        "recours gracieux",
        "recours hiérarchique",
        "tribunal administratif",
        // the letter itself
        "Objet : Accusé de réception",
        "Référence : A-2026-000123",
        "« Les Tilleuls »",
        "Le 3 mars 2026",
    ] {
        assert!(flat.contains(item), "{item:?} not found by pdftotext in:\n{flat}");
    }
    let info = poppler(&["pdfinfo"], &pdf);
    let info = info.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(info.contains("Page size: 595.28 x 841.89 pts (A4)"), "{info}");
    assert!(info.contains("Title: Accusé de réception — A-2026-000123"), "{info}");
}

#[test]
fn an_acceptance_names_the_certificate_and_a_type_without_one_says_so() {
    let pdf = letter_pdf(&letter(&facts(Some((ImplicitDecision::Acceptance, date!(2026 - 05 - 02)))))).unwrap();
    let flat = poppler(&["pdftotext"], &pdf).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("réputée acceptée le 2 mai 2026") && flat.contains("L. 232-3"), "{flat}");
    let pdf = letter_pdf(&letter(&facts(None))).unwrap();
    let flat = poppler(&["pdftotext"], &pdf).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("pas susceptible de donner lieu à une décision implicite"), "{flat}");
}

#[test]
fn the_sender_s_address_lies_inside_the_envelope_window_and_nothing_else_does() {
    let pdf = letter_pdf(&letter(&facts(None))).unwrap();
    let mm = 72.0 / 25.4;
    let (left, top, width, height) = ADDRESS_BLOCK;
    let window = [left * mm, top * mm, (left + width) * mm, (top + height) * mm];
    let inside = |b: &[f32; 4]| b[0] >= window[0] && b[1] >= window[1] && b[2] <= window[2] && b[3] <= window[3];
    let words = words(&pdf);
    let address =
        ["Mme", "Élodie", "Müller", "Résidence", "Peupliers", "12", "rue", "des", "Écoles", "67000", "STRASBOURG"];
    for w in address {
        let found: Vec<_> = words.iter().filter(|(t, b)| t == w && inside(b)).collect();
        assert!(
            !found.is_empty(),
            "{w:?} not inside the window {window:?}: {:?}",
            words.iter().filter(|(t, _)| t == w).collect::<Vec<_>>()
        );
    }
    // Only the address shows through the window.
    let strays: Vec<_> =
        words.iter().filter(|(t, b)| inside(b) && !address.contains(&t.as_str()) && t != "Les").collect();
    assert!(strays.is_empty(), "{strays:?}");
    // The DL window itself (100 × 45 mm, 20 mm from the right, 15 mm from the bottom of a
    // 110 × 220 envelope) holds the block whichever way the sheet slides (± 5 mm).
    for slide in [-5.0_f32, 0.0, 5.0] {
        let (wl, wt) = ((220.0 - 20.0 - 100.0 - 5.0) * mm, (110.0 - 15.0 - 45.0 + slide) * mm);
        assert!(window[0] >= wl && window[2] <= wl + 100.0 * mm, "slide {slide}");
        assert!(window[1] >= wt && window[3] <= wt + 45.0 * mm + 0.01, "slide {slide}: {window:?} vs {wt}");
    }
    // The service's address is top left, above the window.
    let (_, b) = words.iter().find(|(t, _)| t == "Maréchal").unwrap();
    let (_, start) = words.iter().find(|(t, w)| t == "14" && (w[1] - b[1]).abs() < 1.0).unwrap();
    assert!(start[0] < 21.0 * mm, "{start:?}");
    assert!(b[3] < top * mm, "{b:?}");
}

#[test]
fn a_sender_without_postal_address_or_with_a_line_too_long_is_refused_clearly() {
    let mut f = facts(None);
    f.sender_address.clear();
    assert_eq!(letter_pdf(&letter(&f)).unwrap_err(), LetterError::NoAddress);
    let mut f = facts(None);
    f.sender_address = (1..=6).map(|i| format!("ligne {i}")).collect();
    assert_eq!(letter_pdf(&letter(&f)).unwrap_err(), LetterError::TooManyLines(7));
    let mut f = facts(None);
    f.sender_address[1] = "W".repeat(60);
    let err = letter_pdf(&letter(&f)).unwrap_err();
    assert!(err.to_string().contains("trop longue"), "{err}");
    // A long line that still fits at a smaller size is printed, inside the window.
    let mut f = facts(None);
    f.sender_address[1] = "Bâtiment C, 1234 avenue du Général de Gaulle prolongée".into();
    assert!(letter_pdf(&letter(&f)).is_ok());
}

#[test]
fn a_long_body_goes_on_to_a_second_page() {
    let f = facts(None);
    let body = (0..80)
        .map(|i| format!("Paragraphe {i} du modèle, assez long pour occuper une ligne."))
        .collect::<Vec<_>>()
        .join("\n\n");
    let pdf = letter_pdf(&Letter::new(&f, body)).unwrap();
    let info = poppler(&["pdfinfo"], &pdf);
    assert!(info.lines().any(|l| l.starts_with("Pages:") && !l.ends_with(" 1")), "{info}");
    let flat = poppler(&["pdftotext"], &pdf);
    assert!(flat.contains("Paragraphe 79 du modèle"), "{flat}");
}

#[test]
fn the_day_s_postal_acknowledgements_merge_into_one_pdf_to_print() {
    let mut first = facts(None);
    first.chrono = "A-2026-000001".into();
    let mut second = facts(Some((ImplicitDecision::Rejection, date!(2026 - 05 - 02))));
    second.chrono = "A-2026-000002".into();
    let long =
        Letter::new(&second, (0..80).map(|i| format!("Paragraphe {i} assez long.")).collect::<Vec<_>>().join("\n\n"));
    let pdfs = [letter_pdf(&letter(&first)).unwrap(), letter_pdf(&long).unwrap()];
    let merged = pli_receipt::pdf::merge(&pdfs).unwrap();
    let info = poppler(&["pdfinfo"], &merged);
    let pages: usize =
        info.lines().find(|l| l.starts_with("Pages:")).unwrap().split_whitespace().last().unwrap().parse().unwrap();
    assert!(pages >= 3, "one page, then two: {info}");
    let text = poppler(&["pdftotext"], &merged);
    let (a, b) = (text.find("Référence : A-2026-000001").unwrap(), text.find("Référence : A-2026-000002").unwrap());
    assert!(a < b, "in the order given");
    assert!(text.contains("Paragraphe 79 assez long."));
    assert!(pli_receipt::pdf::merge(&[b"not a pdf".to_vec()]).unwrap_err().contains("accusé n° 1"));
}
