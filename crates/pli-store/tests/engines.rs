//! What each engine keeps by itself, whoever connects: run on SQLite and PostgreSQL.

use pli_core::capture::{Actor, BatchPageRecord, BatchStore, NewBatch, NewCourrier, NewCourrierPage, PageRole};
use pli_store::on_both_engines;
use pli_store::testing::{Engine, Site};

fn batch(hash: &str, texts: &[&str]) -> NewBatch {
    NewBatch {
        source_path: format!("/scan/{hash}.pdf"),
        content_hash: hash.into(),
        profile: "generic-pdf".into(),
        folder: format!("courriers/{hash}"),
        pages: (0..texts.len())
            .map(|i| BatchPageRecord { source_index: i, role: PageRole::Content, detail: None, kept: None })
            .collect(),
        courriers: texts
            .iter()
            .enumerate()
            .map(|(i, t)| NewCourrier {
                separator: None,
                direction: Some("DRH".into()),
                pdf_path: format!("courriers/{hash}/{i}/courrier.pdf"),
                text: t.to_string(),
                pages: vec![NewCourrierPage {
                    source_index: i,
                    rotation_degrees: 0,
                    ocr_confidence: 91.5,
                    thumbnail_path: format!("courriers/{hash}/{i}/p0.jpg"),
                    text: t.to_string(),
                }],
            })
            .collect(),
    }
}

fn actor() -> Actor {
    Actor { login: "operateur".into(), workstation: "poste-1".into() }
}

fn a_batch_is_committed_whole_with_its_events(engine: Engine) {
    let Some(site) = Site::new(engine) else { return };
    let mut store = site.open();
    let committed = store.commit_batch(&batch("lot-a", &["Première lettre", "Deuxième lettre"]), &actor()).unwrap();
    assert_eq!(committed.courrier_ids.len(), 2);
    assert_eq!(store.courrier_count().unwrap(), 2);
    let events = store.courrier_events(committed.courrier_ids[1]).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, "courrier_captured");
    let known = store.batch_by_hash("lot-a").unwrap().expect("the batch is known by its hash");
    assert_eq!(known.batch_id, committed.batch_id);
    assert!(store.batch_by_hash("lot-b").unwrap().is_none());
    // Reopened (another process, later): everything is there.
    drop(store);
    let store = site.open();
    assert_eq!(store.courrier_count().unwrap(), 2);
    assert_eq!(site.count("SELECT count(*) FROM event"), 3);
}

fn a_batch_that_fails_midway_leaves_nothing(engine: Engine) {
    let Some(site) = Site::new(engine) else { return };
    let mut store = site.open();
    let mut bad = batch("lot-c", &["Une lettre", "Une autre"]);
    // The same page twice in one courrier: the second insert violates the primary key.
    let page = bad.courriers[1].pages[0].clone();
    bad.courriers[1].pages.push(page);
    bad.courriers[1].pages[1].rotation_degrees = 45; // refused by the rotation check as well
    assert!(store.commit_batch(&bad, &actor()).is_err());
    assert_eq!(store.courrier_count().unwrap(), 0);
    assert_eq!(site.count("SELECT count(*) FROM batch"), 0);
    assert_eq!(site.count("SELECT count(*) FROM event"), 0);
    // And the store goes on.
    store.commit_batch(&batch("lot-d", &["Lettre"]), &actor()).unwrap();
    assert_eq!(store.courrier_count().unwrap(), 1);
}

fn events_cannot_be_changed_or_deleted_even_from_outside(engine: Engine) {
    let Some(site) = Site::new(engine) else { return };
    let mut store = site.open();
    store.commit_batch(&batch("lot-e", &["Lettre"]), &actor()).unwrap();
    for attack in ["UPDATE event SET actor = 'quelqu''un'", "DELETE FROM event"] {
        let refused = site.raw(attack).expect_err(attack);
        assert!(refused.contains("append-only"), "{attack}: {refused}");
    }
    assert_eq!(site.count("SELECT count(*) FROM event WHERE actor = 'operateur'"), 2);
}

on_both_engines!(
    a_batch_is_committed_whole_with_its_events,
    a_batch_that_fails_midway_leaves_nothing,
    events_cannot_be_changed_or_deleted_even_from_outside,
);
