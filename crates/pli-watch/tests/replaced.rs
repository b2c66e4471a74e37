//! A batch replaced in the scanner folder by another file of the same name, while Pli
//! reads it or once its courriers are committed but before its original is archived:
//! the archive must only ever hold the bytes that were ingested, and the new file is
//! taken as a batch of its own.

use pli_capture::content_hash;
use pli_capture::profile::Profile;
use pli_core::capture::Actor;
use pli_store::{IntakeState, Store};
use pli_testkit::{BatchSpec, Format, write_batch};
use pli_watch::{ActorSource, Inbox, WatchEvent, Watcher, WatcherSettings};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

struct Site {
    _dir: tempfile::TempDir,
    data: PathBuf,
    inbox: PathBuf,
    /// The first batch dropped, and the one that replaces it.
    first: PathBuf,
    second: PathBuf,
}

fn site() -> Site {
    let dir = tempfile::tempdir().unwrap();
    let (data, inbox) = (dir.path().join("data"), dir.path().join("inbox"));
    std::fs::create_dir_all(&inbox).unwrap();
    let batch = |seed, name: &str| {
        let path = dir.path().join(name);
        let spec = BatchSpec { seed, letters: 1, pages_per_letter: (1, 1), lines_per_page: 3, ..BatchSpec::default() };
        write_batch(&spec, Format::Pdf, &path).unwrap();
        path
    };
    let (first, second) = (batch(51, "premier.pdf"), batch(52, "second.pdf"));
    Site { _dir: dir, data, inbox, first, second }
}

/// Runs the watcher until the scanner folder is empty; when `when` is published the
/// first time, the batch in the folder is replaced (by a rename, as a scanner does).
fn run(site: &Site, when: fn(&WatchEvent) -> bool) -> Vec<WatchEvent> {
    let target = site.inbox.join("lot.pdf");
    std::fs::copy(&site.first, &target).unwrap();
    let profile = Profile::from_toml(
        "description = \"test\"\n[input]\nformats = [\"pdf\"]\nstable_seconds = 0\npoll_seconds = 1\n",
        "test",
    )
    .unwrap();
    let inbox = Inbox::new(profile, Some(site.inbox.clone()), &site.data).unwrap();
    let settings = WatcherSettings {
        database: None,
        workers: 1,
        actor: ActorSource::fixed(Actor { login: "test".into(), workstation: "poste".into() }),
        until_idle: true,
    };
    let events = Arc::new(Mutex::new(Vec::new()));
    let (seen, replaced) = (events.clone(), AtomicBool::new(false));
    let (second, staged) = (site.second.clone(), site.inbox.join(".lot.pdf.tmp"));
    let publish = move |e: WatchEvent| {
        if when(&e) && !replaced.swap(true, Ordering::SeqCst) {
            std::fs::copy(&second, &staged).unwrap();
            std::fs::rename(&staged, &target).unwrap();
        }
        seen.lock().unwrap().push(e);
    };
    let stop = Arc::new(AtomicBool::new(false));
    Watcher::open(&site.data, vec![inbox], settings, stop, publish).unwrap().run().unwrap();
    Arc::try_unwrap(events).unwrap().into_inner().unwrap()
}

/// A connection of the test's own on the data folder's SQLite file (a workstation's
/// watch: SQLite's scenario), not through Pli.
fn db(site: &Site) -> rusqlite::Connection {
    rusqlite::Connection::open(site.data.join("pli.sqlite3")).unwrap()
}

/// Every archived original holds the bytes of the batch its journal row committed, and
/// both files' bytes were ingested exactly as journalled.
fn check_archive(site: &Site) -> (pli_store::Intake, pli_store::Intake) {
    let store = Store::open(&site.data).unwrap();
    let rows = store.recent_intakes(10).unwrap();
    assert!(std::fs::read_dir(&site.inbox).unwrap().next().is_none(), "the scanner folder is emptied");
    for row in &rows {
        let Some(moved) = row.moved_to.as_deref().filter(|m| !m.is_empty()) else { continue };
        assert_eq!(content_hash(Path::new(moved)).unwrap(), row.content_hash, "archived: the bytes journalled");
        if row.state == IntakeState::Done {
            let batch: String = db(site)
                .query_row("SELECT content_hash FROM batch WHERE id = ?1", [row.batch_id.unwrap()], |r| r.get(0))
                .unwrap();
            assert_eq!(batch, row.content_hash, "the batch committed is the file journalled");
        }
    }
    let hash = |p: &Path| content_hash(p).unwrap();
    let of = |h: String| rows.iter().find(|r| r.content_hash == h).cloned().expect("a journal row");
    let second = of(hash(&site.second));
    assert_eq!(second.state, IntakeState::Done, "the new file is ingested as a batch of its own");
    assert_eq!(std::fs::read(second.moved_to.as_deref().unwrap()).unwrap(), std::fs::read(&site.second).unwrap());
    (of(hash(&site.first)), second)
}

#[test]
fn a_batch_replaced_while_it_is_read_is_not_committed_and_the_new_file_is_taken() {
    let site = site();
    run(&site, |e| matches!(e, WatchEvent::BatchStarted { .. }));
    let (first, _) = check_archive(&site);
    assert_eq!(first.state, IntakeState::Failed, "the replaced bytes were never ingested: {first:?}");
    assert!(first.error.as_deref().unwrap_or_default().contains("remplacé"), "{first:?}");
    let batches: i64 = db(&site).query_row("SELECT count(*) FROM batch", [], |r| r.get(0)).unwrap();
    assert_eq!(batches, 1, "only what was read whole is committed");
}

#[test]
fn a_batch_replaced_after_its_commit_is_not_archived_in_its_place() {
    let site = site();
    run(&site, |e| matches!(e, WatchEvent::CourrierCreated { .. }));
    let (first, _) = check_archive(&site);
    assert_eq!(first.state, IntakeState::Done, "{first:?}");
    assert_eq!(first.moved_to.as_deref(), Some(""), "its original is gone from the folder: nothing to archive");
}
