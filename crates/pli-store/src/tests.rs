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
            BatchPageRecord { source_index: 0, role: PageRole::Separator, detail: Some("PLI-SEP:DRH".into()) },
            BatchPageRecord { source_index: 1, role: PageRole::Content, detail: None },
            BatchPageRecord { source_index: 2, role: PageRole::Blank, detail: Some("0.0001".into()) },
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
        .connection()
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
    let events: i64 = store.connection().query_row("SELECT count(*) FROM event", [], |r| r.get(0)).unwrap();
    assert_eq!(events, 2);
}

#[test]
fn events_cannot_be_updated_or_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    store.commit_batch(&batch("texte", "h1"), &actor()).unwrap();
    assert!(store.connection().execute("UPDATE event SET actor = 'x'", []).is_err());
    assert!(store.connection().execute("DELETE FROM event", []).is_err());
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
    let conn = store.connection();
    conn.execute_batch("BEGIN").unwrap();
    for id in 1..=(search::RANKING_WINDOW as i64 + 500) {
        // The oldest courrier is the most relevant, but outside the window of recent matches.
        let text = if id == 1 { "subvention subvention subvention accordée" } else { "subvention accordée au service" };
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
