//! A watcher runs for weeks: the history's head is anchored outside the database at
//! every batch it commits, not only when it stops, so `pli history verify` catches a
//! tail cut off the events table while it runs.

use pli_capture::profile::Profile;
use pli_core::capture::Actor;
use pli_testkit::{BatchSpec, Format, write_batch};
use pli_watch::{ActorSource, Inbox, WatchEvent, Watcher, WatcherSettings};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

#[test]
fn the_history_is_anchored_at_every_batch_while_the_watcher_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (data, inbox) = (dir.path().join("data"), dir.path().join("inbox"));
    std::fs::create_dir_all(&inbox).unwrap();
    for (seed, name) in [(61, "a.pdf"), (62, "b.pdf")] {
        let spec = BatchSpec { seed, letters: 1, pages_per_letter: (1, 1), lines_per_page: 3, ..BatchSpec::default() };
        write_batch(&spec, Format::Pdf, &inbox.join(name)).unwrap();
    }
    let profile = Profile::from_toml(
        "description = \"test\"\n[input]\nformats = [\"pdf\"]\nstable_seconds = 0\npoll_seconds = 1\n",
        "test",
    )
    .unwrap();
    let settings = WatcherSettings {
        database: None,
        workers: 1,
        actor: ActorSource::fixed(Actor { login: "test".into(), workstation: "poste".into() }),
        until_idle: true,
    };
    // Anchor lines present when each batch is announced done, the watcher still running.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (lines, anchors) = (seen.clone(), data.join("history.anchor"));
    let publish = move |e: WatchEvent| {
        if matches!(e, WatchEvent::BatchDone { .. }) {
            let n = std::fs::read_to_string(&anchors).map(|t| t.lines().count()).unwrap_or(0);
            lines.lock().unwrap().push(n);
        }
    };
    let inbox = Inbox::new(profile, Some(inbox), &data).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    Watcher::open(&data, vec![inbox], settings, stop, publish).unwrap().run().unwrap();
    let lines = seen.lock().unwrap().clone();
    assert_eq!(lines.len(), 2, "two batches done");
    assert!(lines[0] >= 1 && lines[1] > lines[0], "one more anchor at each batch: {lines:?}");
}
