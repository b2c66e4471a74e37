//! The demo only when asked for, and sessions that follow the organisation as it is
//! now: the desktop's services as the window calls them, with the command line changing
//! the organisation beside it.

use pli_app::{Answer, DEMO_PASSWORD, Desk, DeskSettings, ErrorKind, ScannerSettings};
use pli_core::capture::Actor;
use pli_core::registration::ChronoFormat;
use pli_store::Store;
use pli_store::org::{DirectionRow, OrganisationSheets, Sheet};
use std::path::Path;

/// The answer failed with `kind`, saying `words`.
#[track_caller]
fn fails<T: std::fmt::Debug>(answer: Answer<T>, kind: ErrorKind, words: &str) {
    let failure = answer.unwrap_err();
    assert_eq!(failure.kind, kind, "{failure}");
    assert!(failure.message.contains(words), "« {failure} » does not say « {words} »");
}

fn settings(data: &Path, demo: bool) -> DeskSettings {
    DeskSettings {
        data_dir: data.to_path_buf(),
        scanner: Some(ScannerSettings {
            folder: data.join("scanner").display().to_string(),
            profile: "generic-pdf".into(),
        }),
        demo,
        demo_batch: true,
        workstation: "poste-test".into(),
        chrono: ChronoFormat::default(),
        server: None,
    }
}

fn admin() -> Actor {
    Actor { login: "admin".into(), workstation: "poste".into() }
}

fn users(text: &str) -> OrganisationSheets {
    OrganisationSheets {
        users: Some(Sheet { name: "utilisateurs.csv".into(), text: text.into() }),
        ..Default::default()
    }
}

#[test]
fn without_the_demo_an_empty_data_folder_has_no_account_and_says_how_to_begin() {
    let data = tempfile::tempdir().unwrap();
    let desk = Desk::open(settings(data.path(), false)).unwrap();
    let start = desk.startup();
    assert!(!start.demo && start.demo_accounts.is_empty());
    assert!(!data.path().join("scanner/lot-demo.pdf").exists(), "no demo batch either");
    for login in ["accueil", "referent", "agent", "pilote"] {
        let said = desk.sign_in(login, DEMO_PASSWORD).unwrap_err();
        assert_eq!(said.kind, ErrorKind::Refused);
        assert!(said.message.contains("pli org import") && said.message.contains("pilote"), "{said}");
    }
    assert!(Store::open(data.path()).unwrap().catalogue().unwrap().users.is_empty());
}

#[test]
fn the_first_real_import_retires_the_demo_accounts_and_signs_them_out() {
    let data = tempfile::tempdir().unwrap();
    let desk = Desk::open(DeskSettings { demo_batch: false, ..settings(data.path(), true) }).unwrap();
    assert!(desk.startup().demo);
    desk.sign_in("pilote", DEMO_PASSWORD).unwrap();
    assert!(desk.me().unwrap().unwrap().lead);

    // The real organisation, imported from the command line while the window is open.
    let mut cli = Store::open(data.path()).unwrap();
    let real = "identifiant;nom;roles;actif;mot_de_passe\nmarie;Marie Dupont;pilote;oui;motdepasse-marie\n";
    cli.import_organisation(&users(real), &admin()).unwrap();
    fails(desk.catalogue(), ErrorKind::Refused, "session terminée"); // out at the very next call
    assert!(desk.me().unwrap().is_none());
    let start = desk.startup();
    assert!(!start.demo && start.demo_accounts.is_empty(), "the sign-in screen no longer shows them");
    for login in ["accueil", "referent", "agent", "pilote"] {
        assert!(desk.sign_in(login, DEMO_PASSWORD).is_err(), "{login}");
    }
    // Counted as an auditor would, through a connection of the test's own on the data
    // folder's SQLite file (the desktop's registry), not through Pli.
    let retired: i64 = rusqlite::Connection::open(data.path().join("pli.sqlite3"))
        .unwrap()
        .query_row(
            "SELECT count(*) FROM event WHERE kind = 'user_deactivated' AND json_extract(data, '$.demo_account_retired')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(retired, 4, "one event per demo account");

    // Marie signs in; demoted meanwhile, she loses the lead's screens at her next call.
    assert!(desk.sign_in("marie", "motdepasse-marie").unwrap().lead);
    assert!(desk.activity("2026-01-01", "2026-01-31").is_ok());
    cli.import_organisation(&users("identifiant;nom;roles\nmarie;Marie Dupont;opérateur\n"), &admin()).unwrap();
    fails(desk.activity("2026-01-01", "2026-01-31"), ErrorKind::Refused, "réservé");
    let dsi = DirectionRow { code: "DSI".into(), name: "Numérique".into(), parent: None, active: true };
    fails(desk.save_direction(&dsi), ErrorKind::Refused, "pilote");
    assert!(!desk.me().unwrap().unwrap().lead);
}

#[test]
fn demo_accounts_of_an_earlier_pli_are_recognised_even_once_the_marker_is_deleted() {
    let data = tempfile::tempdir().unwrap();
    // As an earlier Pli left it: the demo users imported as any others, marker deleted.
    let mut old = Store::open(data.path()).unwrap();
    let demo_users = include_str!("../../../assets/demo/organisation/users.csv");
    let directions = include_str!("../../../assets/demo/organisation/directions.csv");
    let sheets = OrganisationSheets {
        directions: Some(Sheet { name: "directions.csv".into(), text: directions.into() }),
        ..users(demo_users)
    };
    old.import_organisation(&sheets, &admin()).unwrap();
    drop(old);
    let desk = Desk::open(settings(data.path(), false)).unwrap();
    assert!(desk.startup().demo, "still on the published password: known as demo accounts");
    let mut cli = Store::open(data.path()).unwrap();
    cli.import_organisation(&users("identifiant;nom;roles\nmarie;Marie Dupont;pilote\n"), &admin()).unwrap();
    assert!(desk.sign_in("pilote", DEMO_PASSWORD).is_err(), "retired by the real import");
    assert!(!desk.startup().demo);
}
