//! Another project's real scanned samples (paperless-ngx's barcode tests): with the
//! same separator string, Pli finds the same separator pages. The samples are used by
//! path from `../shared/peer-samples/`; where that folder is absent (a newcomer's
//! clone) the test prints a notice and checks nothing.

use pli_capture::pipeline::Capture;
use pli_capture::profile::Profile;
use pli_core::capture::Actor;
use pli_store::Store;
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Deserialize)]
struct Expected {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    file: String,
    separator_string: String,
    separator_pages: Vec<usize>,
    documents: Option<usize>,
}

fn samples_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/peer-samples/paperless-barcodes");
    if dir.join("expected.json").is_file() {
        Some(dir)
    } else {
        eprintln!("NOTICE: {} absent: peer-sample tests skipped", dir.display());
        None
    }
}

/// A profile whose only extra separator is the case's string, as the other project's
/// tests configure it.
fn profile_for(separator: &str) -> Profile {
    let escaped: String = separator
        .chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$#&-~ ".contains(c);
            special.then_some('\\').into_iter().chain(std::iter::once(c))
        })
        .collect();
    let toml = format!(
        "[separator]\nsymbologies = [\"qr\", \"code128\", \"code39\", \"datamatrix\"]\nprecedes_first_letter = true\n[[separator.patterns]]\nregex = '{escaped}'\n"
    );
    Profile::from_toml(&toml, "peer.toml").unwrap()
}

#[test]
fn pli_finds_the_separator_pages_the_other_project_expects() {
    let Some(dir) = samples_dir() else { return };
    let expected: Expected =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let mut failures = Vec::new();
    for case in &expected.cases {
        let data = tempfile::tempdir().unwrap();
        let mut store = Store::open(data.path()).unwrap();
        let capture = Capture::new(profile_for(&case.separator_string), 2);
        let actor = Actor { login: "test".into(), workstation: "ci".into() };
        let report = match capture.ingest(&mut store, data.path(), &dir.join(&case.file), &actor, &|_| {}) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{} ({}): {e}", case.file, case.separator_string));
                continue;
            }
        };
        if report.separator_pages != case.separator_pages {
            failures.push(format!(
                "{} ({}): separators {:?}, expected {:?}",
                case.file, case.separator_string, report.separator_pages, case.separator_pages
            ));
        }
        if let Some(n) = case.documents
            && report.courriers.len() != n
        {
            failures.push(format!("{}: {} courriers, expected {n}", case.file, report.courriers.len()));
        }
        println!("{:40} {:16} separators {:?}", case.file, case.separator_string, report.separator_pages);
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        expected.cases.len(),
        failures.join("\n")
    );
}
