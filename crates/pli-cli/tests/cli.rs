//! The `pli` command line as scripts use it: the JSON contract, exit codes, and bad
//! input that leaves nothing behind.

use pli_testkit::{BatchSpec, Format, write_batch};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn pli(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pli")).env("PLI_DATA", data).args(args).output().unwrap()
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            out.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    out
}

#[test]
fn ingest_and_search_speak_the_json_contract() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("lot.pdf");
    let spec = BatchSpec { seed: 2, letters: 2, lines_per_page: 6, blank_backs: 0.5, ..BatchSpec::default() };
    let truth = write_batch(&spec, Format::Pdf, &batch).unwrap();
    let data = dir.path().join("data");
    let out = pli(&data, &["ingest", "--json", batch.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), truth.letters.len());
    for (line, letter) in lines.iter().zip(&truth.letters) {
        for field in ["batch", "courrier", "pages", "blank_pages", "separator", "direction", "pdf", "text"] {
            assert!(line.get(field).is_some(), "field {field} missing in {line}");
        }
        assert_eq!(line["batch"], batch.to_str().unwrap());
        assert_eq!(line["pages"], serde_json::json!(letter.pages));
        assert_eq!(line["blank_pages"], serde_json::json!(letter.blank_pages));
        assert_eq!(line["direction"], serde_json::json!(letter.direction));
        assert!(Path::new(line["pdf"].as_str().unwrap()).is_file());
    }
    let subject_word = truth.letters[0].reference.clone();
    let out = pli(&data, &["search", "--json", &subject_word]);
    assert!(out.status.success());
    let hits = json_lines(&out);
    assert_eq!(hits[0]["courrier"], lines[0]["courrier"], "searching the reference {subject_word}");
    assert!(hits[0]["score"].is_number() && hits[0]["snippet"].as_str().unwrap().contains("**"));
}

#[test]
fn a_bad_batch_fails_alone_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("bon.pdf");
    write_batch(
        &BatchSpec { seed: 9, letters: 1, lines_per_page: 4, blank_backs: 0.0, ..BatchSpec::default() },
        Format::Pdf,
        &good,
    )
    .unwrap();
    let full = std::fs::read(&good).unwrap();
    let bad = dir.path().join("tronque.pdf");
    std::fs::write(&bad, &full[..full.len() / 2]).unwrap();
    let empty = dir.path().join("vide.tif");
    std::fs::write(&empty, b"").unwrap();
    let data = dir.path().join("data");
    let out = pli(&data, &["ingest", "--json", bad.to_str().unwrap(), empty.to_str().unwrap(), good.to_str().unwrap()]);
    assert!(!out.status.success(), "a failed batch makes the exit code non-zero");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("tronque.pdf") && stderr.contains("vide.tif") && stderr.contains("vide (0 octet)"),
        "{stderr}"
    );
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1, "the good batch went on");
    assert_eq!(lines[0]["batch"], good.to_str().unwrap());
    assert_eq!(std::fs::read(&bad).unwrap(), &full[..full.len() / 2], "the original is untouched");
    let folders = files_under(&data.join("courriers"));
    assert_eq!(folders.len(), 1, "only the good batch has documents: {folders:?}");
    assert!(!folders[0].ends_with(".partial"));
}

#[test]
fn an_unknown_profile_or_a_missing_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = pli(dir.path(), &["ingest", "--profile", "nope", "x.pdf"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("« nope » introuvable"));
    let out = pli(dir.path(), &["ingest", "absent.pdf"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("absent.pdf"));
}

#[test]
fn separator_sheets_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let sheets = dir.path().join("sep.pdf");
    let out = pli(
        dir.path(),
        &[
            "separators",
            "--out",
            sheets.to_str().unwrap(),
            "--direction",
            "DRH=Ressources humaines",
            "--direction",
            "DAF",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::read(&sheets).unwrap().starts_with(b"%PDF"));
    let out = pli(dir.path(), &["separators", "--out", sheets.to_str().unwrap(), "--direction", "pas un code"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("code de direction invalide"));
}
