//! `pli migrate`: a workstation that captured, qualified and routed letters moves its
//! registry into a shared PostgreSQL database and documents folder; verified there, run
//! twice without duplicating, and run again after being killed midway.

use pli_store::testing::{Engine, Site};
use pli_testkit::{BatchSpec, Format, write_batch};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

mod common;
use common::ok;

/// `pli` on the shared registry and documents.
fn shared(site: &Site, args: &[&str]) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_pli"))
        .env("PLI_DATA", site.data_dir())
        .env("PLI_DATABASE", site.database_url().unwrap())
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "pli {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn migrate(workstation: &Path, site: &Site) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pli"))
        .env_remove("PLI_DATABASE")
        .args(["--data", workstation.to_str().unwrap(), "migrate", "--json"])
        .args(["--to", site.database_url().unwrap(), "--to-data", site.data_dir().to_str().unwrap()])
        .output()
        .unwrap()
}

/// A workstation's data folder: an organisation, two scanned letters, one registered
/// and taken by its referent.
fn workstation(dir: &Path) -> (std::path::PathBuf, String) {
    let data = dir.join("poste");
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let directions = write("d.csv", "code;nom;parent\nDG;Direction générale;\nDRH;Ressources humaines;DG\n");
    let users = write("u.csv", "identifiant;nom;roles\nop;Opératrice;opérateur\nrh;Référent RH;référent:DRH\n");
    let types = write("t.csv", "code;nom;delai_jours\nCOUR;Courrier;30\n");
    ok(&data, &["org", "import", "--directions", &directions, "--users", &users, "--types", &types, "--json"]);
    let batch = dir.join("lot.pdf");
    let spec = BatchSpec {
        seed: 8,
        letters: 2,
        pages_per_letter: (1, 2),
        lines_per_page: 6,
        blank_backs: 0.0,
        directions: vec!["DRH".into()],
        ..BatchSpec::default()
    };
    write_batch(&spec, Format::Pdf, &batch).unwrap();
    let ingested = ok(&data, &["ingest", "--json", batch.to_str().unwrap()]);
    let id = ingested[0]["courrier"].as_i64().unwrap().to_string();
    let args =
        ["courrier", "qualify", &id, "--as", "op", "--type", "COUR", "--accept-suggestions", "--register", "--json"];
    let chrono = ok(&data, &args)[0]["chrono"].as_str().unwrap().to_string();
    ok(&data, &["courrier", "act", &id, "--as", "rh", "take", "--json"]);
    (data, chrono)
}

#[test]
fn a_workstation_moves_into_the_shared_database_verified_once_and_only_once() {
    let Some(site) = Site::new(Engine::Postgres) else { return };
    let dir = tempfile::tempdir().unwrap();
    let (data, chrono) = workstation(dir.path());

    let out = migrate(&data, &site);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["copied"], true);
    assert!(report["documents_copied"].as_u64().unwrap() >= 4, "{report}");
    assert_eq!(report["documents_checked"], report["documents_copied"].as_u64().unwrap() - 2, "{report}");
    let events = report["events"].as_u64().unwrap();

    // The referent works on from the shared registry, as on the workstation.
    let shown = &shared(&site, &["courrier", "show", "1", "--as", "rh", "--json"])[0];
    assert_eq!(shown["chrono"], chrono.as_str());
    assert_eq!(shown["state"], "in_progress");
    let found = shared(&site, &["search", "--as", "rh", "--json", "objet"]);
    assert!(!found.is_empty(), "the text is searchable there");
    // New rows get new ids, after the moved ones.
    let paper = &shared(
        &site,
        &[
            "courrier",
            "register-paper",
            "--as",
            "op",
            "--type",
            "COUR",
            "--direction",
            "DRH",
            "--subject",
            "Papier",
            "--json",
        ],
    )[0];
    assert_eq!(paper["courrier"], 3, "{paper}");
    assert!(paper["chrono"].as_str().unwrap().ends_with("-000002"), "{paper}");

    // Twice: refused, since the target's history has gone on (nothing duplicated).
    let again = migrate(&data, &site);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("autre historique"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(site.count("SELECT count(*) FROM courrier"), 3);
    assert_eq!(site.count("SELECT count(*) FROM event"), events as i64 + 3); // the paper letter: captured, registered, routed
}

#[test]
fn a_move_run_twice_or_killed_midway_ends_the_same_verified() {
    let Some(site) = Site::new(Engine::Postgres) else { return };
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = workstation(dir.path());
    // Killed at some point of its work: before, during or after the commit.
    let mut child = Command::new(env!("CARGO_BIN_EXE_pli"))
        .args(["--data", data.to_str().unwrap(), "migrate", "--json"])
        .args(["--to", site.database_url().unwrap(), "--to-data", site.data_dir().to_str().unwrap()])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(150));
    let _ = child.kill();
    let _ = child.wait();
    let first = migrate(&data, &site);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let second = migrate(&data, &site);
    assert!(second.status.success(), "{}", String::from_utf8_lossy(&second.stderr));
    let report: Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(report["copied"], false, "the second run only verifies");
    let rows: Vec<(String, i64)> = serde_json::from_value(report["rows"].clone()).unwrap();
    let courriers = rows.iter().find(|(t, _)| t == "courrier").unwrap().1;
    assert_eq!(courriers, 2);
    assert_eq!(site.count("SELECT count(*) FROM courrier"), 2, "nothing twice");
}
