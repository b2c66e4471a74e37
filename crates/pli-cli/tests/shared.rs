//! One shared registry on PostgreSQL, several `pli` processes at once, as on an agency's
//! workstations: chrono numbers stay unique and gapless, the history one unbroken chain.

use pli_store::testing::{Engine, Site};
use pli_testkit::{BatchSpec, Format, write_batch};
use std::path::Path;
use std::process::{Command, Output};

/// `pli` on the site's data folder and shared database.
fn pli(site: &Site, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pli"))
        .env("PLI_DATA", site.data_dir())
        .env("PLI_DATABASE", site.database_url().expect("a PostgreSQL site"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(site: &Site, args: &[&str]) -> Vec<serde_json::Value> {
    let out = pli(site, args);
    assert!(out.status.success(), "pli {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn organisation(site: &Site, dir: &Path) {
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let directions = write("directions.csv", "code;nom;parent\nDG;Direction générale;\nDRH;Ressources humaines;DG\n");
    let users =
        write("utilisateurs.csv", "identifiant;nom;roles\nop;Opératrice;opérateur\nrh;Référent RH;référent:DRH\n");
    let types = write("types.csv", "code;nom;delai_jours\nCOUR;Courrier;30\n");
    ok(site, &["org", "import", "--directions", &directions, "--users", &users, "--types", &types, "--json"]);
}

fn register_paper(site: &Site, n: usize) -> String {
    let subject = format!("Lettre papier {n}");
    let r = ok(
        site,
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
            &subject,
            "--json",
        ],
    );
    r[0]["chrono"].as_str().unwrap().to_string()
}

fn chain_verified(site: &Site) {
    let out = pli(site, &["history", "verify"]);
    assert!(
        out.status.success(),
        "history verify:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn four_processes_registering_fifty_letters_each_get_gapless_chrono_numbers() {
    let Some(site) = Site::new(Engine::Postgres) else { return };
    let dir = tempfile::tempdir().unwrap();
    organisation(&site, dir.path());
    let (processes, each) = (4, 50);
    // Four processes at any moment, each a separate `pli` with its own connection.
    let chronos: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..processes)
            .map(|w| {
                let site = &site;
                scope.spawn(move || (0..each).map(|i| register_paper(site, w * each + i)).collect::<Vec<_>>())
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap()).collect()
    });
    let mut seqs: Vec<usize> =
        chronos.iter().map(|c| c.rsplit('-').next().unwrap().parse().unwrap_or_else(|_| panic!("{c}"))).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=processes * each).collect::<Vec<_>>(), "unique and without gaps");
    assert_eq!(site.count("SELECT count(*) FROM event WHERE kind = 'courrier_registered'"), (processes * each) as i64);
    chain_verified(&site);
}

#[test]
fn a_capture_and_a_referent_acting_at_once_leave_one_unbroken_chain() {
    let Some(site) = Site::new(Engine::Postgres) else { return };
    let dir = tempfile::tempdir().unwrap();
    organisation(&site, dir.path());
    let registered: Vec<String> = (0..12).map(|i| register_paper(&site, i)).collect();
    assert_eq!(registered.len(), 12);
    let ids: Vec<String> = ok(&site, &["baskets", "--as", "rh", "--basket", "À traiter", "--json"])
        .iter()
        .map(|c| c["id"].as_i64().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 12);
    let batch = dir.path().join("lot.pdf");
    let spec = BatchSpec {
        seed: 11,
        letters: 3,
        pages_per_letter: (1, 1),
        lines_per_page: 5,
        blank_backs: 0.0,
        directions: vec!["DRH".into()],
        ..BatchSpec::default()
    };
    write_batch(&spec, Format::Pdf, &batch).unwrap();
    std::thread::scope(|scope| {
        let capture = scope.spawn(|| ok(&site, &["ingest", "--workers", "1", "--json", batch.to_str().unwrap()]));
        // Meanwhile the referent takes and closes each letter, one process per action.
        for id in &ids {
            ok(&site, &["courrier", "act", id, "--as", "rh", "take", "--json"]);
            ok(&site, &["courrier", "act", id, "--as", "rh", "close", "--json"]);
        }
        assert_eq!(capture.join().unwrap().len(), 3, "three courriers captured");
    });
    assert_eq!(site.count("SELECT count(*) FROM event WHERE kind = 'courrier_closed'"), 12);
    assert_eq!(site.count("SELECT count(*) FROM courrier WHERE batch_id IS NOT NULL"), 3);
    assert_eq!(site.count("SELECT count(*) FROM event WHERE kind = 'courrier_captured'"), 12 + 3, "paper and scanned");
    // One chain: every event's predecessor is the one just before it, none forked.
    assert_eq!(
        site.count("SELECT count(*) FROM event e JOIN event p ON p.id = e.id - 1 WHERE e.prev_hash <> p.hash"),
        0
    );
    chain_verified(&site);
}
