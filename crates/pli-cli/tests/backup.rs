//! `pli backup` and `pli restore` on a data folder made by real capture (generated scans,
//! real OCR), qualified and routed through the command line; `pli check`; `pli history
//! verify` with anchors kept in the backup and in an export.

use pli_store::integrity::sha256_file;
use pli_testkit::{BatchSpec, Format, write_batch};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

fn pli(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pli")).env("PLI_DATA", data).args(args).output().unwrap()
}

fn ok(data: &Path, args: &[&str]) -> Vec<Value> {
    let out = pli(data, args);
    assert!(
        out.status.success(),
        "pli {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn said(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// An organisation and a batch of `letters` one-page letters written under `dir`.
fn setup(dir: &Path, data: &Path, letters: usize, seed: u64) -> std::path::PathBuf {
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let directions = write("directions.csv", "code;nom\nDRH;Ressources humaines\nDAF;Finances\n");
    let users =
        write("utilisateurs.csv", "identifiant;nom;roles\nop;Opératrice;opérateur\nrh;Référent RH;référent:DRH\n");
    let types = write("types.csv", "code;nom;delai_jours\nCOUR;Courrier;30\n");
    ok(data, &["org", "import", "--directions", &directions, "--users", &users, "--types", &types, "--json"]);
    let batch = dir.join(format!("lot-{seed}.pdf"));
    let spec = BatchSpec {
        seed,
        letters,
        pages_per_letter: (1, 1),
        lines_per_page: 5,
        blank_backs: 0.0,
        directions: vec!["DRH".into()],
        ..BatchSpec::default()
    };
    write_batch(&spec, Format::Pdf, &batch).unwrap();
    batch
}

#[test]
fn a_captured_qualified_routed_folder_comes_back_whole_from_its_backup() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let batch = setup(dir.path(), &data, 3, 21);
    let ids: Vec<String> = ok(&data, &["ingest", "--json", batch.to_str().unwrap()])
        .iter()
        .map(|c| c["courrier"].as_i64().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 3);
    for id in &ids[..2] {
        let form = ["--type", "COUR", "--direction", "DRH", "--accept-suggestions", "--register", "--json"];
        ok(&data, &[&["courrier", "qualify", id, "--as", "op"][..], &form[..]].concat());
    }
    ok(&data, &["courrier", "qualify", &ids[2], "--as", "op", "--confidential", "--json"]);
    ok(&data, &["courrier", "act", &ids[0], "--as", "rh", "take", "--json"]);
    let export = dir.path().join("activite.csv");
    let today = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Paris").unwrap()).date();
    let (from, to) = (today.yesterday().unwrap().to_string(), today.tomorrow().unwrap().to_string());
    ok(&data, &["stats", "--from", &from, "--to", &to, "--out", export.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&export).unwrap().contains("Historique"), "the export carries the head");

    let dest = dir.path().join("sauvegarde");
    let b = &ok(&data, &["backup", dest.to_str().unwrap(), "--json"])[0];
    assert_eq!(b["courriers"], 3);
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(dest.join("manifest.json")).unwrap()).unwrap();
    let files = manifest["files"].as_array().unwrap();
    let pdfs = files.iter().filter(|f| f["path"].as_str().unwrap().ends_with("courrier.pdf")).count();
    assert_eq!(pdfs, 3, "every courrier's searchable PDF");

    let restored = dir.path().join("restauré");
    let r = &ok(&data, &["restore", dest.to_str().unwrap(), restored.to_str().unwrap(), "--json"])[0];
    assert_eq!(r["files"].as_u64().unwrap() as usize, files.len());
    // Every document, byte for byte: the manifest's hash, the restored file's, the original's.
    // (The database was checked against it before the restored history was opened, which
    // puts it back in WAL mode: its header changes.)
    for f in files.iter().filter(|f| f["path"] != "pli.sqlite3") {
        let path = f["path"].as_str().unwrap();
        let (sha, size) = sha256_file(&restored.join(path)).unwrap();
        assert_eq!((sha.as_str(), size), (f["sha256"].as_str().unwrap(), f["size"].as_u64().unwrap()), "{path}");
        if path.starts_with("courriers/") {
            assert_eq!(sha256_file(&data.join(path)).unwrap().0, sha, "{path} as captured");
        }
    }
    let manifest_path = dest.join("manifest.json");
    let anchors = ["--anchor", manifest_path.to_str().unwrap(), "--anchor", export.to_str().unwrap()];
    let v = &ok(&restored, &[&["history", "verify", "--json"][..], &anchors[..]].concat())[0];
    assert!(v["broken"].is_null() && v["anchor_problems"].as_array().unwrap().is_empty(), "{v}");
    assert!(v["anchors"].as_u64().unwrap() >= 3, "its own, the manifest's, the export's: {v}");
    let c = &ok(&restored, &["check", "--json"])[0];
    assert!(c["damage"].as_array().unwrap().is_empty() && c["history"].as_array().unwrap().is_empty(), "{c}");
    assert!(c["documents"].as_u64().unwrap() as usize >= pdfs * 2);
    // The restored registry answers as the original did.
    let show = &ok(&restored, &["courrier", "show", &ids[1], "--as", "rh", "--json"])[0];
    assert_eq!(show["state"], "to_process");

    // Restoring over a folder in use is refused.
    let again = pli(&data, &["restore", dest.to_str().unwrap(), restored.to_str().unwrap()]);
    assert!(!again.status.success() && said(&again).contains("n'est pas vide"), "{}", said(&again));

    // The original's tail cut by hand: found by its own anchors, and by the backup's alone.
    let db = rusqlite::Connection::open(data.join("pli.sqlite3")).unwrap();
    db.execute_batch("DROP TRIGGER event_no_delete").unwrap();
    db.execute("DELETE FROM event WHERE id = (SELECT max(id) FROM event)", []).unwrap();
    drop(db);
    let out = pli(&data, &["history", "verify"]);
    assert!(!out.status.success() && said(&out).contains("historique tronqué"), "{}", said(&out));
    std::fs::remove_file(data.join("history.anchor")).unwrap();
    std::fs::remove_file(data.join("history.key")).unwrap();
    let out = pli(&data, &["history", "verify", "--anchor", dest.join("manifest.json").to_str().unwrap()]);
    assert!(!out.status.success() && said(&out).contains("manifest.json"), "{}", said(&out));
    let out = pli(&data, &["check"]);
    assert!(!out.status.success() && said(&out).contains("ATTEINTE"), "{}", said(&out));
}

#[test]
fn a_backup_taken_while_a_capture_writes_holds_what_its_database_records() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let batch = setup(dir.path(), &data, 6, 22);
    let mut ingest = Command::new(env!("CARGO_BIN_EXE_pli"))
        .env("PLI_DATA", &data)
        .args(["ingest", "--json", batch.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut backups = Vec::new();
    loop {
        let done = ingest.try_wait().unwrap().is_some();
        let dest = dir.path().join(format!("sauvegarde-{}", backups.len()));
        ok(&data, &["backup", dest.to_str().unwrap(), "--json"]);
        backups.push(dest);
        if done {
            break;
        }
    }
    assert!(ingest.wait().unwrap().success());
    let mut states = BTreeSet::new();
    for dest in &backups {
        let manifest: Value =
            serde_json::from_str(&std::fs::read_to_string(dest.join("manifest.json")).unwrap()).unwrap();
        let listed: BTreeSet<&str> =
            manifest["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
        let db = rusqlite::Connection::open(dest.join("pli.sqlite3")).unwrap();
        let folders: BTreeSet<String> = db
            .prepare("SELECT folder FROM batch")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let referenced: Vec<String> = db
            .prepare("SELECT pdf_path FROM courrier UNION SELECT thumbnail_path FROM courrier_page")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for r in &referenced {
            assert!(listed.contains(r.as_str()), "{}: {r} referenced, not backed up", dest.display());
        }
        for p in listed.iter().filter(|p| p.starts_with("courriers/")) {
            assert!(!p.contains(".partial"), "{p}: a capture's unfinished folder is never backed up");
            assert!(folders.iter().any(|f| p.starts_with(&format!("{f}/"))), "{p}: not recorded by the copy");
        }
        states.insert(referenced.len());
        // Every backup restores, whatever the moment it was taken.
        let restored = dest.with_extension("restauré");
        ok(&data, &["restore", dest.to_str().unwrap(), restored.to_str().unwrap(), "--json"]);
    }
    eprintln!("{} backups during the capture, {} different states", backups.len(), states.len());
    assert!(states.contains(&12), "the last backup holds the 6 courriers: {states:?}");
}
