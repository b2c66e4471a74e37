//! The registry from the command line, as a script would drive it: load an
//! organisation, ingest a generated batch, qualify and register with the suggestions
//! accepted, work the courrier as a referent, read its history, verify the chain.

use pli_testkit::{BatchSpec, Format, write_batch};
use serde_json::Value;

mod common;
use common::{ok, pli};

#[test]
fn a_letter_from_scan_to_close_through_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let directions = write(
        "directions.csv",
        "code;nom;parent\nDG;Direction générale;\nDRH;Ressources humaines;DG\nDAF;Finances;DG\n",
    );
    let users = write(
        "utilisateurs.csv",
        "identifiant;nom;roles\nop;Opératrice;opérateur\nrh;Référent RH;référent:DRH\naf;Référente DAF;référent:DAF\n",
    );
    let types = write("types.csv", "code;nom;delai_jours\nCOUR;Courrier;30\n");
    let imported =
        &ok(&data, &["org", "import", "--directions", &directions, "--users", &users, "--types", &types, "--json"])[0];
    assert_eq!((imported["directions"].as_u64(), imported["users"].as_u64()), (Some(3), Some(3)));

    let batch = dir.path().join("lot.pdf");
    let spec = BatchSpec {
        seed: 5,
        letters: 1,
        pages_per_letter: (1, 1),
        lines_per_page: 6,
        blank_backs: 0.0,
        directions: vec!["DRH".into()],
        ..BatchSpec::default()
    };
    let truth = write_batch(&spec, Format::Pdf, &batch).unwrap();
    let ingested = ok(&data, &["ingest", "--json", batch.to_str().unwrap()]);
    let id = ingested[0]["courrier"].as_i64().unwrap().to_string();
    let letter = &truth.letters[0];

    // Suggestions read from the OCR text.
    let s = &ok(&data, &["courrier", "suggest", &id, "--as", "op", "--json"])[0];
    assert_eq!(s["subject"]["value"], letter.subject.as_str());
    assert_eq!(s["reference"]["value"], letter.reference.as_str());
    assert_eq!(s["main_direction"]["value"], "DRH", "from the separator sheet");
    assert!(s["letter_date"]["value"].is_string());

    // A referent does not see it before it is registered.
    assert!(!pli(&data, &["courrier", "show", &id, "--as", "rh", "--json"]).status.success());

    let r = &ok(
        &data,
        &[
            "courrier",
            "qualify",
            &id,
            "--as",
            "op",
            "--type",
            "COUR",
            "--copy",
            "DAF",
            "--accept-suggestions",
            "--register",
            "--json",
        ],
    )[0];
    let chrono = r["chrono"].as_str().unwrap().to_string();
    assert!(chrono.starts_with("A-") && chrono.ends_with("-000001"), "{chrono}");

    let baskets = ok(&data, &["baskets", "--as", "rh", "--json"]);
    let to_process = baskets.iter().find(|b| b["name"] == "À traiter").unwrap();
    assert_eq!(to_process["count"], 1);
    let lines = ok(&data, &["baskets", "--as", "rh", "--basket", "À traiter", "--json"]);
    assert_eq!(lines[0]["chrono"], chrono.as_str());
    assert_eq!(lines[0]["subject"], letter.subject.as_str());
    let copies = ok(&data, &["baskets", "--as", "af", "--basket", "En copie", "--json"]);
    assert_eq!(copies.len(), 1, "DAF has it in copy");

    let redirect = pli(&data, &["courrier", "act", &id, "--as", "rh", "redirect", "DAF", "--reason", ""]);
    assert!(!redirect.status.success() && String::from_utf8_lossy(&redirect.stderr).contains("motif obligatoire"));
    ok(&data, &["courrier", "act", &id, "--as", "rh", "take", "--json"]);
    ok(&data, &["courrier", "act", &id, "--as", "rh", "redirect", "DAF", "--reason", "budget", "--json"]);
    ok(&data, &["courrier", "act", &id, "--as", "af", "return", "--reason", "mal qualifié", "--json"]);
    ok(&data, &["courrier", "qualify", &id, "--as", "op", "--direction", "DRH", "--register", "--json"]);
    let closed = &ok(&data, &["courrier", "act", &id, "--as", "rh", "close", "--note", "répondu", "--json"])[0];
    assert_eq!(closed["state"], "closed");

    let history: Vec<String> = ok(&data, &["courrier", "history", &id, "--as", "rh", "--json"])
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        history,
        [
            "courrier_captured",
            "courrier_registered",
            "courrier_routed",
            "courrier_taken",
            "courrier_redirected",
            "courrier_returned",
            "courrier_registered",
            "courrier_routed",
            "courrier_closed",
        ]
    );
    let verified = &ok(&data, &["history", "verify", "--json"])[0];
    assert!(verified["broken"].is_null() && verified["events"].as_u64().unwrap() >= 10, "{verified}");

    // This activity in the weekly figures (yesterday to tomorrow: midnight-proof).
    let today = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Paris").unwrap()).date();
    let (from, to) = (today.yesterday().unwrap().to_string(), today.tomorrow().unwrap().to_string());
    let out = pli(&data, &["stats", "--from", &from, "--to", &to, "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let total =
        |field: &str| report["days"].as_array().unwrap().iter().map(|d| d[field].as_u64().unwrap()).sum::<u64>();
    assert_eq!(
        (total("scanned"), total("registered"), total("routed"), total("closed"), total("returns")),
        (1, 1, 2, 1, 1),
        "registered once (the second time, after the return, is not a new registration), routed twice"
    );
    let xlsx = dir.path().join("semaine.xlsx");
    let out = pli(&data, &["stats", "--from", &from, "--to", &to, "--format", "xlsx", "--out", xlsx.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&xlsx).unwrap();
    assert!(bytes.starts_with(b"PK"), "an XLSX is a zip");
    for sheet in 1..=6 {
        let entry = format!("xl/worksheets/sheet{sheet}.xml");
        assert!(bytes.windows(entry.len()).any(|w| w == entry.as_bytes()), "{entry}");
    }
    let csv = pli(&data, &["stats", "--from", &from, "--to", &to]);
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert!(csv.starts_with('\u{feff}') && csv.contains("date;semaine;numérisés;enregistrés"), "{csv}");
    assert!(csv.contains(&format!("{};", today.strftime("%d/%m/%Y"))), "French dates: {csv}");
    assert!(csv.contains("Délais par direction") && csv.contains(";1;"), "{csv}");

    // Tampering by hand is found and named.
    let db = rusqlite::Connection::open(data.join("pli.sqlite3")).unwrap();
    db.execute_batch("DROP TRIGGER event_no_update").unwrap();
    let target: i64 = db.query_row("SELECT id FROM event WHERE kind = 'courrier_closed'", [], |r| r.get(0)).unwrap();
    db.execute("UPDATE event SET data = '{}' WHERE id = ?1", [target]).unwrap();
    let out = pli(&data, &["history", "verify"]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains(&format!("événement {target}")), "{said}");
}

/// A confidential letter keeps its flag and priority through a second form that leaves
/// them out, and through a return to the mail room; only `--not-confidential` lifts it,
/// with its own event.
#[test]
fn a_confidential_letter_never_loses_its_flag_by_omission() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let directions = write("directions.csv", "code;nom\nDRH;Ressources humaines\nDAF;Finances\n");
    let users =
        write("utilisateurs.csv", "identifiant;nom;roles\nop;Opératrice;opérateur\nrh;Référent RH;référent:DRH\n");
    let types = write("types.csv", "code;nom;delai_jours\nCOUR;Courrier;30\n");
    ok(&data, &["org", "import", "--directions", &directions, "--users", &users, "--types", &types, "--json"]);
    let batch = dir.path().join("lot.pdf");
    let spec = BatchSpec {
        seed: 9,
        letters: 1,
        pages_per_letter: (1, 1),
        lines_per_page: 4,
        blank_backs: 0.0,
        ..BatchSpec::default()
    };
    write_batch(&spec, Format::Pdf, &batch).unwrap();
    let id = ok(&data, &["ingest", "--json", batch.to_str().unwrap()])[0]["courrier"].as_i64().unwrap().to_string();
    let show = |login: &str| ok(&data, &["courrier", "show", &id, "--as", login, "--json"])[0].clone();

    // The draft says confidential and urgent; the registering form says neither.
    ok(&data, &["courrier", "qualify", &id, "--as", "op", "--confidential", "--priority", "urgent", "--json"]);
    ok(&data, &["courrier", "qualify", &id, "--as", "op", "--subject", "Arrêt maladie", "--json"]);
    let form = ["--type", "COUR", "--subject", "Arrêt maladie", "--direction", "DRH", "--register", "--json"];
    ok(&data, &[&["courrier", "qualify", &id, "--as", "op"][..], &form[..]].concat());
    let view = show("rh");
    assert_eq!((view["confidential"].as_bool(), view["priority"].as_str()), (Some(true), Some("urgent")), "{view}");
    assert!(
        !pli(&data, &["courrier", "show", &id, "--as", "op", "--json"]).status.success(),
        "gone from the mail room"
    );

    // Returned, then registered again without the flag: still confidential.
    ok(&data, &["courrier", "act", &id, "--as", "rh", "return", "--reason", "mauvaise direction", "--json"]);
    ok(&data, &["courrier", "qualify", &id, "--as", "op", "--direction", "DRH", "--register", "--json"]);
    assert_eq!(show("rh")["confidential"].as_bool(), Some(true));

    // Lifting it is said explicitly, and recorded.
    let both = pli(&data, &["courrier", "qualify", &id, "--as", "op", "--confidential", "--not-confidential"]);
    assert!(!both.status.success(), "the two flags together are refused");
    ok(&data, &["courrier", "act", &id, "--as", "rh", "return", "--reason", "pas confidentiel", "--json"]);
    ok(&data, &["courrier", "qualify", &id, "--as", "op", "--not-confidential", "--register", "--json"]);
    assert_eq!(show("op")["confidential"].as_bool(), Some(false), "the mail room sees it again");
    let kinds: Vec<String> = ok(&data, &["courrier", "history", &id, "--as", "rh", "--json"])
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds.iter().filter(|k| *k == "confidentiality_lifted").count(), 1, "{kinds:?}");
}
