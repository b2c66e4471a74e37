use super::*;
use pli_core::capture::{BatchPageRecord, NewCourrier, NewCourrierPage, PageRole};

fn actor() -> Actor {
    Actor { login: "operateur".into(), workstation: "poste-1".into() }
}

fn batch(text: &str, hash: &str) -> NewBatch {
    NewBatch {
        source_path: "/scan/lot.pdf".into(),
        content_hash: hash.into(),
        profile: "generic-pdf".into(),
        folder: format!("courriers/{hash}"),
        pages: vec![
            BatchPageRecord {
                source_index: 0,
                role: PageRole::Separator,
                detail: Some("PLI-SEP:DRH".into()),
                kept: None,
            },
            BatchPageRecord { source_index: 1, role: PageRole::Content, detail: None, kept: None },
            BatchPageRecord { source_index: 2, role: PageRole::Blank, detail: Some("0.0001".into()), kept: None },
        ],
        courriers: vec![NewCourrier {
            separator: Some("PLI-SEP:DRH".into()),
            direction: Some("DRH".into()),
            pdf_path: format!("courriers/{hash}/0/courrier.pdf"),
            text: text.into(),
            pages: vec![NewCourrierPage {
                source_index: 1,
                rotation_degrees: 0,
                ocr_confidence: 93.0,
                thumbnail_path: format!("courriers/{hash}/0/p0.jpg"),
                text: String::new(),
            }],
        }],
    }
}

#[test]
fn a_committed_batch_is_searchable_without_accents_or_case() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let c = store.commit_batch(&batch("Demande de l'Établissement public de santé", "h1"), &actor()).unwrap();
    assert_eq!(c.courrier_ids.len(), 1);
    let hits = store.search("etablissement SANTE", 10).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].courrier, c.courrier_ids[0]);
    assert!(hits[0].snippet.contains("**Établissement**"), "{}", hits[0].snippet);
    assert!(store.search("hôpital", 10).unwrap().is_empty());
}

#[test]
fn fts_operators_typed_by_users_are_plain_words() {
    assert_eq!(fts_query("NEAR(a b) OR \"x"), Some("\"NEAR\" \"a\" \"b\" \"OR\" \"x\"".into()));
    assert_eq!(fts_query(" -*: "), None);
}

#[test]
fn commit_writes_one_event_per_courrier_and_one_per_batch() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let c = store.commit_batch(&batch("texte", "h1"), &actor()).unwrap();
    let events = store.courrier_events(c.courrier_ids[0]).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, "courrier_captured");
    assert_eq!(events[0].1["pages"], serde_json::json!([1]));
    let batch_events: i64 = store
        .db
        .sqlite()
        .unwrap()
        .query_row("SELECT count(*) FROM event WHERE kind = 'batch_ingested'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(batch_events, 1);
}

#[test]
fn a_failed_commit_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    store.commit_batch(&batch("texte", "h1"), &actor()).unwrap();
    // Same folder again violates the UNIQUE constraint after the first inserts ran.
    let mut again = batch("autre", "h1");
    again.content_hash = "h2".into();
    assert!(store.commit_batch(&again, &actor()).is_err());
    assert_eq!(store.courrier_count().unwrap(), 1);
    assert!(store.batch_by_hash("h2").unwrap().is_none());
    let events: i64 = store.db.sqlite().unwrap().query_row("SELECT count(*) FROM event", [], |r| r.get(0)).unwrap();
    assert_eq!(events, 2);
}

#[test]
fn events_cannot_be_updated_or_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    store.commit_batch(&batch("texte", "h1"), &actor()).unwrap();
    assert!(store.db.sqlite().unwrap().execute("UPDATE event SET actor = 'x'", []).is_err());
    assert!(store.db.sqlite().unwrap().execute("DELETE FROM event", []).is_err());
}

#[test]
fn reopening_keeps_data_and_schema() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut store = Store::open(dir.path()).unwrap();
        store.commit_batch(&batch("texte", "h1"), &actor()).unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.courrier_count().unwrap(), 1);
    assert_eq!(store.batch_by_hash("h1").unwrap().unwrap().source_path, "/scan/lot.pdf");
}

#[test]
fn a_query_with_more_matches_than_the_ranking_window_ranks_the_most_recent() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let conn = store.db.sqlite().unwrap();
    conn.execute_batch("BEGIN").unwrap();
    for id in 1..=(search::RANKING_WINDOW as i64 + 500) {
        // The oldest courrier is the most relevant, but outside the window of recent matches.
        let text =
            if id == 1 { "subvention subvention subvention accordée" } else { "subvention accordée au service" };
        conn.execute("INSERT INTO courrier_text (rowid, text) VALUES (?1, ?2)", rusqlite::params![id, text]).unwrap();
    }
    conn.execute_batch("COMMIT").unwrap();
    let hits = store.search("subvention accordee", 20).unwrap();
    assert_eq!(hits.len(), 20);
    assert!(hits.iter().all(|h| h.courrier > 500), "only the most recent matches are ranked");
    // A word found in few courriers is found wherever it is.
    conn.execute("INSERT INTO courrier_text (rowid, text) VALUES (9999, 'hapax')", []).unwrap();
    assert_eq!(store.search("hapax", 20).unwrap()[0].courrier, 9999);
}

#[test]
fn a_journalled_batch_is_done_in_the_same_transaction_as_its_commit() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let intake = store.intake_begin("generic-pdf", "/scan/lot.pdf", "h1").unwrap();
    assert_eq!(intake.state, IntakeState::Ingesting);
    let committed = store.commit_batch_for_intake(&batch("texte", "h1"), &actor(), intake.id).unwrap();
    let after = store.unsettled_intake_at("/scan/lot.pdf").unwrap().expect("still unsettled: not moved yet");
    assert_eq!((after.state, after.batch_id), (IntakeState::Done, Some(committed.batch_id)));
    store.intake_moved(intake.id, "/archive/lot.pdf").unwrap();
    assert!(store.unsettled_intake_at("/scan/lot.pdf").unwrap().is_none());
    assert_eq!(store.courriers_of_batch(committed.batch_id).unwrap(), committed.courrier_ids);
    assert!(store.unsettled_intakes().unwrap().is_empty());
}

#[test]
fn a_failed_commit_leaves_the_journal_ingesting() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    store.commit_batch(&batch("a", "h1"), &actor()).unwrap();
    let intake = store.intake_begin("generic-pdf", "/scan/lot.pdf", "h2").unwrap();
    // Same documents folder as the first batch: the UNIQUE constraint refuses it.
    let mut clash = batch("b", "h2");
    clash.folder = "courriers/h1".into();
    assert!(store.commit_batch_for_intake(&clash, &actor(), intake.id).is_err());
    assert_eq!(store.intake(intake.id).unwrap().state, IntakeState::Ingesting);
    assert_eq!(store.courrier_count().unwrap(), 1);
}

#[test]
fn interrupted_captures_go_back_to_seen_and_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let a = store.intake_begin("p", "/scan/a.pdf", "ha").unwrap();
    let b = store.intake_begin("p", "/scan/b.pdf", "hb").unwrap();
    store.intake_retry_later(b.id, "base occupée").unwrap();
    assert_eq!(store.intake_mark_interrupted().unwrap(), 1);
    let a = store.intake(a.id).unwrap();
    assert_eq!((a.state, a.interrupted), (IntakeState::Seen, 1));
    assert_eq!(store.intake(b.id).unwrap().interrupted, 0);
    assert_eq!(store.unsettled_intakes().unwrap().len(), 2);
}

#[test]
fn duplicates_and_failures_write_their_event_with_the_state() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let first = store.commit_batch(&batch("a", "h1"), &actor()).unwrap();
    let dup = store.intake_begin("p", "/scan/copie.pdf", "h1").unwrap();
    store.intake_duplicate(dup.id, first.batch_id, &actor()).unwrap();
    let bad = store.intake_begin("p", "/scan/abime.pdf", "h9").unwrap();
    store.intake_failed(bad.id, "fichier tronqué", &actor()).unwrap();
    assert_eq!(store.intake(dup.id).unwrap().state, IntakeState::Duplicate);
    assert_eq!(store.intake(bad.id).unwrap().error.as_deref(), Some("fichier tronqué"));
    let events: Vec<(String, String)> = store
        .db
        .sqlite()
        .unwrap()
        .prepare("SELECT kind, data FROM event WHERE kind IN ('batch_duplicate', 'batch_failed') ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].0, "batch_duplicate");
    assert!(events[0].1.contains("/scan/copie.pdf"), "{}", events[0].1);
    assert_eq!(events[1].0, "batch_failed");
    assert!(events[1].1.contains("fichier tronqué"), "{}", events[1].1);
}

#[test]
fn document_folders_no_batch_owns_are_orphans() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    store.commit_batch(&batch("a", "h1"), &actor()).unwrap();
    for name in ["h1", "lot-1-abc", "lot-2-def.partial"] {
        std::fs::create_dir_all(dir.path().join("courriers").join(name)).unwrap();
    }
    let orphans = store.orphan_document_folders().unwrap();
    let names: Vec<_> = orphans.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["lot-1-abc", "lot-2-def.partial"]);
}

#[test]
fn every_connection_commits_durably_under_wal() {
    // A commit must survive a power cut before the original is archived or old documents
    // deleted: under WAL that takes synchronous = FULL (2); NORMAL (1) syncs only at checkpoints.
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let store = Store::open(dir.path()).unwrap();
        let sync: i64 = store.db.sqlite().unwrap().query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        let mode: String = store.db.sqlite().unwrap().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!((sync, mode.as_str()), (2, "wal"));
    }
}
