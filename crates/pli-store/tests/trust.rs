//! A history that proves itself and backups a mail room can trust, tried as an attacker
//! able to write the database file would: cut the tail, seal the chain again, change a
//! record without its event; and as an operator would: back up while batches commit,
//! restore, check every document.

use pli_core::capture::{Actor, BatchPageRecord, BatchStore, NewBatch, NewCourrier, NewCourrierPage, PageRole};
use pli_core::registration::{ChronoFormat, Qualification};
use pli_store::anchor::{ANCHOR_FILE, Anchor, KEY_FILE, NamedAnchor};
use pli_store::org::{OrganisationSheets, Sheet};
use pli_store::registry::Act;
use pli_store::{Session, Store};
use std::path::Path;
use time::macros::date;

const DIRECTIONS: &str = "code;nom;parent;actif\nDRH;Ressources humaines;;oui\nDAF;Affaires financières;;oui\n";
const USERS: &str = "identifiant;nom;roles;actif;mot_de_passe\nop;Odile;opérateur;oui;motdepasse1\n\
                     rh;René;référent:DRH;oui;\nagent;Alain;agent:DRH;oui;\n";
const TYPES: &str = "code;nom;delai_jours;npai\nCOUR;Courrier;30;non\n";

fn actor() -> Actor {
    Actor { login: "admin".into(), workstation: "test".into() }
}

fn site(dir: &Path) -> Store {
    let mut store = Store::open(dir).unwrap();
    let sheet = |name: &str, text: &str| Some(Sheet { name: name.into(), text: text.into() });
    let sheets = OrganisationSheets {
        directions: sheet("directions.csv", DIRECTIONS),
        users: sheet("utilisateurs.csv", USERS),
        document_types: sheet("types.csv", TYPES),
    };
    store.import_organisation(&sheets, &actor()).unwrap();
    store
}

fn session(store: &Store, login: &str) -> Session {
    Session { viewer: store.viewer(login).unwrap(), workstation: "poste".into() }
}

/// A batch whose documents are written on disk first, then committed, as capture does.
fn capture(store: &mut Store, name: &str, letters: usize) -> Vec<i64> {
    let folder = format!("courriers/{name}");
    let mut courriers = Vec::new();
    for i in 0..letters {
        let dir = store.data_dir().join(&folder).join(format!("{i:03}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("courrier.pdf"), format!("%PDF-1.7 lettre {name} {i} {}", "x".repeat(5000))).unwrap();
        std::fs::write(dir.join("page-000.jpg"), format!("vignette {name} {i}")).unwrap();
        std::fs::write(dir.join("text.txt"), format!("texte {name} {i}")).unwrap();
        courriers.push(NewCourrier {
            separator: None,
            direction: None,
            pdf_path: format!("{folder}/{i:03}/courrier.pdf"),
            text: format!("texte {name} {i}"),
            pages: vec![NewCourrierPage {
                source_index: i,
                rotation_degrees: 0,
                ocr_confidence: 90.0,
                thumbnail_path: format!("{folder}/{i:03}/page-000.jpg"),
                text: format!("texte {name} {i}"),
            }],
        });
    }
    let batch = NewBatch {
        source_path: format!("/scan/{name}.pdf"),
        content_hash: name.into(),
        profile: "generic-pdf".into(),
        folder,
        pages: (0..letters)
            .map(|i| BatchPageRecord { source_index: i, role: PageRole::Content, detail: None, kept: None })
            .collect(),
        courriers,
    };
    store.commit_batch(&batch, &actor()).unwrap().courrier_ids
}

fn form(direction: &str, confidential: bool) -> Qualification {
    Qualification {
        document_type: Some("COUR".into()),
        subject: Some("Demande".into()),
        arrival_date: Some(date!(2026 - 11 - 20)),
        main_direction: Some(direction.into()),
        confidential: Some(confidential),
        ..Qualification::default()
    }
}

/// Two courriers registered (one confidential) and worked: taken, assigned.
fn busy_site(dir: &Path) -> (Store, Vec<i64>) {
    let mut store = site(dir);
    let ids = capture(&mut store, "lot-a", 2);
    let op = session(&store, "op");
    store.register(&op, ids[0], &form("DRH", true), &ChronoFormat::default()).unwrap();
    store.register(&op, ids[1], &form("DAF", false), &ChronoFormat::default()).unwrap();
    let rh = session(&store, "rh");
    store.act(&rh, ids[0], &Act::Assign { agent: "agent".into() }).unwrap();
    (store, ids)
}

/// The attacker's tools: the database opened by hand, the triggers dropped.
fn by_hand(dir: &Path) -> rusqlite::Connection {
    let db = rusqlite::Connection::open(dir.join("pli.sqlite3")).unwrap();
    db.execute_batch("DROP TRIGGER IF EXISTS event_no_update; DROP TRIGGER IF EXISTS event_no_delete;").unwrap();
    db
}

/// Seals every event again from `from` on, as someone who knows the chain's recipe would.
fn reseal_from(db: &rusqlite::Connection, from: i64) {
    let mut prev: String = db
        .query_row(
            "SELECT coalesce((SELECT hash FROM event WHERE id = ?1 - 1), ?2)",
            rusqlite::params![from, pli_core::event::GENESIS_HASH],
            |r| r.get(0),
        )
        .unwrap();
    type Row = (i64, String, String, String, String, Option<i64>, String);
    let rows: Vec<Row> = db
        .prepare("SELECT id, at, actor, workstation, kind, courrier_id, data FROM event WHERE id >= ?1 ORDER BY id")
        .unwrap()
        .query_map([from], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (id, at, actor, ws, kind, courrier, data) in rows {
        let fields = pli_core::event::SealedFields {
            id,
            at: &at,
            actor: &actor,
            workstation: &ws,
            kind: &kind,
            courrier,
            data: &data,
        };
        let hash = pli_core::event::chain_hash(&prev, &fields);
        db.execute("UPDATE event SET prev_hash = ?1, hash = ?2 WHERE id = ?3", rusqlite::params![prev, hash, id])
            .unwrap();
        prev = hash;
    }
}

#[test]
fn a_clean_folder_passes_and_its_head_is_anchored_with_a_private_key() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = busy_site(dir.path());
    let (head, _) = store.history_head().unwrap().unwrap();
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    let report = store.verify_history().unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!((report.last_event, report.anchors), (head, 1));
    let anchors = std::fs::read_to_string(dir.path().join(ANCHOR_FILE)).unwrap();
    let last: Anchor = serde_json::from_str(anchors.lines().last().unwrap()).unwrap();
    assert_eq!((last.event, last.hash.as_str()), (head, report.head.as_str()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(KEY_FILE)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the key is its owner's only");
    }
    // A line being appended (no newline yet), as a backup may copy it, is not a problem.
    let mut f = std::fs::OpenOptions::new().append(true).open(dir.path().join(ANCHOR_FILE)).unwrap();
    std::io::Write::write_all(&mut f, b"{\"event\":99,\"ha").unwrap();
    assert!(store.verify_history().unwrap().intact());
    drop(f);
    // Nor once the next anchor follows it, on a line of its own.
    drop(store);
    let mut store = Store::open(dir.path()).unwrap();
    capture(&mut store, "lot-b", 1);
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    let report = store.verify_history().unwrap();
    assert!(report.intact() && report.anchors == 2, "{report:?}");
    let text = std::fs::read_to_string(dir.path().join(ANCHOR_FILE)).unwrap();
    assert!(text.lines().last().unwrap().starts_with("{\"event\""), "{text}");
    // The key is not in the database.
    let key = std::fs::read_to_string(dir.path().join(KEY_FILE)).unwrap();
    let db = std::fs::read(dir.path().join("pli.sqlite3")).unwrap();
    assert!(!db.windows(key.len()).any(|w| w == key.as_bytes()));
}

#[test]
fn a_cut_off_tail_is_detected_though_the_chain_that_remains_is_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = busy_site(dir.path());
    let (head, _) = store.history_head().unwrap().unwrap();
    drop(store); // anchored at `head`
    let db = by_hand(dir.path());
    db.execute("DELETE FROM event WHERE id > ?1", [head - 2]).unwrap();
    drop(db);
    let store = Store::open(dir.path()).unwrap();
    let report = store.verify_history().unwrap();
    assert!(report.broken.is_none(), "what remains is a valid chain: the old check passed it");
    assert!(!report.intact());
    let said = report.anchor_problems.join("\n");
    assert!(said.contains("historique tronqué") && said.contains(&format!("atteste l'événement {head}")), "{said}");
}

#[test]
fn a_chain_rewritten_and_sealed_again_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = busy_site(dir.path());
    drop(store);
    let db = by_hand(dir.path());
    let target: i64 =
        db.query_row("SELECT min(id) FROM event WHERE kind = 'courrier_registered'", [], |r| r.get(0)).unwrap();
    db.execute("UPDATE event SET actor = 'quelquun' WHERE id = ?1", [target]).unwrap();
    reseal_from(&db, target);
    drop(db);
    let store = Store::open(dir.path()).unwrap();
    let report = store.verify_history().unwrap();
    assert!(report.broken.is_none(), "sealed again: the chain alone cannot tell");
    let said = report.anchor_problems.join("\n");
    assert!(said.contains("réécrit puis scellé à nouveau"), "{said}");

    // Adding an anchor for the new head does not help without the key.
    let (head, hash) = store.history_head().unwrap().unwrap();
    let forged = Anchor::sealed(head, &hash, b"pas la cle");
    let mut line = serde_json::to_string(&forged).unwrap();
    line.push('\n');
    std::fs::write(
        dir.path().join(ANCHOR_FILE),
        std::fs::read_to_string(dir.path().join(ANCHOR_FILE)).unwrap() + &line,
    )
    .unwrap();
    let said = store.verify_history().unwrap().anchor_problems.join("\n");
    assert!(said.contains("sceau invalide"), "{said}");
    // Nor does removing the anchors, while the key is there.
    std::fs::remove_file(dir.path().join(ANCHOR_FILE)).unwrap();
    let said = store.verify_history().unwrap().anchor_problems.join("\n");
    assert!(said.contains("a disparu"), "{said}");
    std::mem::forget(store); // no new anchor: the test looks at the file as the attacker left it
}

#[test]
fn an_anchor_kept_elsewhere_catches_a_cut_even_with_the_local_anchors_gone() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = busy_site(dir.path());
    let kept = store.anchor_history().unwrap().unwrap();
    drop(store);
    // The attacker cuts the tail and removes the key and the anchors too.
    let db = by_hand(dir.path());
    db.execute("DELETE FROM event WHERE id > ?1", [kept.event - 1]).unwrap();
    drop(db);
    std::fs::remove_file(dir.path().join(ANCHOR_FILE)).unwrap();
    std::fs::remove_file(dir.path().join(KEY_FILE)).unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert!(store.verify_history().unwrap().anchor_problems.is_empty(), "locally, nothing is left to tell");
    let external = [NamedAnchor { anchor: kept.clone(), source: "manifest.json".into() }];
    let report = store.verify_history_against(&external).unwrap();
    let said = report.anchor_problems.join("\n");
    assert!(said.contains("historique tronqué") && said.contains("manifest.json"), "{said}");
    std::mem::forget(store);
}

#[test]
fn a_record_changed_without_its_event_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (store, ids) = busy_site(dir.path());
    assert!(store.verify_history().unwrap().intact());
    drop(store);
    let db = rusqlite::Connection::open(dir.path().join("pli.sqlite3")).unwrap();
    // The chain and the triggers are left alone: only the record changes.
    db.execute("UPDATE courrier SET confidential = 0 WHERE id = ?1", [ids[0]]).unwrap();
    db.execute(
        "UPDATE courrier SET main_direction_id = (SELECT id FROM direction WHERE code = 'DRH'), state = 'closed' WHERE id = ?1",
        [ids[1]],
    )
    .unwrap();
    db.execute("UPDATE courrier SET assignee_id = NULL WHERE id = ?1", [ids[0]]).unwrap();
    drop(db);
    let store = Store::open(dir.path()).unwrap();
    let report = store.verify_history().unwrap();
    assert!(report.broken.is_none() && report.anchor_problems.is_empty(), "{report:?}");
    let said = report.record_problems.join("\n");
    assert!(
        said.contains(&format!("courrier {}", ids[0])) && said.contains("confidentiel : non au lieu de oui"),
        "{said}"
    );
    assert!(said.contains("attribué à aucun(e) au lieu de agent"), "{said}");
    assert!(said.contains("direction principale DRH au lieu de DAF"), "{said}");
    assert!(said.contains("état « closed » au lieu de « to_process »"), "{said}");
}

#[test]
fn the_integrity_check_finds_a_changed_and_a_missing_document() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = busy_site(dir.path());
    let first = store.check_integrity(false).unwrap();
    assert!(first.is_sound(), "{first:?}");
    // 2 courriers × (PDF, thumbnail, text), hashed when the batch was committed.
    assert_eq!((first.documents, first.recorded), (6, 0));
    let pdf = dir.path().join("courriers/lot-a/000/courrier.pdf");
    let mut bytes = std::fs::read(&pdf).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&pdf, bytes).unwrap();
    std::fs::remove_file(dir.path().join("courriers/lot-a/001/page-000.jpg")).unwrap();
    let report = store.check_integrity(true).unwrap();
    assert!(!report.is_sound());
    let said = report.problems().join("\n");
    assert!(said.contains("courriers/lot-a/000/courrier.pdf » : contenu modifié"), "{said}");
    assert!(said.contains("courriers/lot-a/001/page-000.jpg » : document manquant"), "{said}");
    assert!(report.database.is_empty() && report.history.is_empty());
}

#[test]
fn the_integrity_check_reports_a_damaged_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = busy_site(dir.path());
    for i in 0..30 {
        capture(&mut store, &format!("lot-{i}"), 3);
    }
    drop(store);
    // Rewrites the page of a table deep in the file, as a failing disk would.
    let db = rusqlite::Connection::open(dir.path().join("pli.sqlite3")).unwrap();
    db.pragma_update(None, "journal_mode", "DELETE").unwrap();
    let page: i64 =
        db.query_row("SELECT max(pageno) FROM dbstat WHERE name = 'courrier_page'", [], |r| r.get(0)).unwrap_or(0);
    drop(db);
    assert!(page > 1, "the table spans pages");
    let path = dir.path().join("pli.sqlite3");
    let mut bytes = std::fs::read(&path).unwrap();
    let start = (page as usize - 1) * 4096;
    for b in &mut bytes[start + 8..start + 200] {
        *b = 0xA5;
    }
    std::fs::write(&path, bytes).unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let report = store.check_integrity(false).unwrap();
    assert!(!report.database.is_empty(), "{report:?}");
    std::mem::forget(store);
}

#[test]
fn a_backup_taken_while_batches_commit_holds_exactly_what_its_database_records() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (store, _) = busy_site(&data);
    drop(store);
    let writer_data = data.clone();
    let writer = std::thread::spawn(move || {
        let mut store = Store::open(&writer_data).unwrap();
        for i in 0..40 {
            capture(&mut store, &format!("lot-w{i:02}"), 2);
        }
    });
    let mut backups = Vec::new();
    while !writer.is_finished() || backups.is_empty() {
        let dest = dir.path().join(format!("sauvegarde-{}", backups.len()));
        pli_store::backup::backup(&data, &dest).unwrap();
        backups.push(dest);
    }
    writer.join().unwrap();
    let mut seen_courriers = std::collections::BTreeSet::new();
    for dest in &backups {
        let manifest = pli_store::backup::read_manifest(dest).unwrap();
        pli_store::backup::verify_files(dest, &manifest).unwrap();
        let db = rusqlite::Connection::open(dest.join("pli.sqlite3")).unwrap();
        let folders: std::collections::BTreeSet<String> = db
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
        let files = pli_store::backup::files_by_path(&manifest);
        for r in &referenced {
            assert!(files.contains_key(r.as_str()), "{}: {r} referenced but not backed up", dest.display());
        }
        for path in files.keys().filter(|p| p.starts_with("courriers/")) {
            let folder = path.splitn(3, '/').take(2).collect::<Vec<_>>().join("/");
            assert!(folders.contains(&folder), "{}: {path} backed up but its batch is not in the copy", dest.display());
        }
        let (event, hash): (i64, String) = db
            .query_row("SELECT id, hash FROM event ORDER BY id DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        let head = manifest.history.as_ref().unwrap();
        assert_eq!((head.event, &head.hash), (event, &hash), "the manifest names the copy's head");
        seen_courriers.insert(manifest.courriers);
    }
    eprintln!("{} backups during the writes, {} different states", backups.len(), seen_courriers.len());
    assert!(
        backups.len() < 2 || seen_courriers.len() > 1,
        "backups taken during the writes saw different states: {seen_courriers:?}"
    );

    // The last backup restores whole, refuses an occupied folder, and a damaged one.
    let last = backups.last().unwrap();
    let restored = dir.path().join("restauré");
    std::fs::create_dir_all(&restored).unwrap();
    std::fs::write(restored.join("autre.txt"), "déjà là").unwrap();
    let err = pli_store::backup::restore(last, &restored, false).unwrap_err().to_string();
    assert!(err.contains("n'est pas vide"), "{err}");
    let r = pli_store::backup::restore(last, &restored, true).unwrap();
    let aside = r.previous.unwrap();
    assert_eq!(std::fs::read_to_string(aside.join("autre.txt")).unwrap(), "déjà là", "set aside, not deleted");
    #[cfg(unix)]
    for sub in ["courriers", "courriers/lot-a", "courriers/lot-a/000"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(restored.join(sub)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{sub}: the mail room's only");
    }
    let mut store = Store::open(&restored).unwrap();
    assert!(store.check_integrity(false).unwrap().is_sound());
    assert!(store.verify_history().unwrap().intact());
    drop(store);

    let manifest = pli_store::backup::read_manifest(last).unwrap();
    let victim = manifest.files.iter().find(|f| f.path.ends_with("courrier.pdf")).unwrap();
    let mut bytes = std::fs::read(last.join(&victim.path)).unwrap();
    bytes[10] ^= 1;
    std::fs::write(last.join(&victim.path), bytes).unwrap();
    let elsewhere = dir.path().join("ailleurs");
    let err = pli_store::backup::restore(last, &elsewhere, false).unwrap_err().to_string();
    assert!(err.contains(&victim.path) && err.contains("ne correspond pas au manifeste"), "{err}");
    assert!(!elsewhere.exists(), "nothing restored from a damaged backup");
}

#[test]
fn a_backup_of_a_folder_never_anchored_leaves_it_verifiable() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut store = site(&data);
    capture(&mut store, "lot-a", 1);
    std::mem::forget(store); // a process that never closed its store: no anchor yet
    assert!(!data.join(KEY_FILE).exists());
    let manifest = pli_store::backup::backup(&data, &dir.path().join("sauvegarde")).unwrap();
    let store = Store::open(&data).unwrap();
    let report = store.verify_history().unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.anchors, 1, "the backup's head is anchored in the folder too");
    assert_eq!(manifest.history.unwrap().event, report.last_event);
}
