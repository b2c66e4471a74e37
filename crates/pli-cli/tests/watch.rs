//! `pli watch` as a mail room runs it: batches dropped into scanner folders while it
//! runs or while it is stopped, written slowly or renamed into place, unreadable,
//! dropped twice, in two scanners' folders at once; stopped cleanly; and killed with
//! SIGKILL at random moments, after which every page must still be in exactly one
//! courrier and every original archived exactly once.

use pli_store::Store;
use pli_testkit::{BatchSpec, Format, GroundTruth, Rng, write_batch};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(240);

/// A data folder with a test profile: quick to call a file complete, polled or not.
struct Site {
    _dir: tempfile::TempDir,
    root: PathBuf,
    data: PathBuf,
}

impl Site {
    fn new() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let data = root.join("data");
        std::fs::create_dir_all(data.join("scanner-profiles")).unwrap();
        for (name, mode) in [("scan", "notify"), ("partage", "poll")] {
            let profile = format!(
                "description = \"test {mode}\"\n[input]\nformats = [\"pdf\", \"tiff\", \"folder\"]\n\
                 watch = \"{mode}\"\nstable_seconds = 1\npoll_seconds = 1\ndone_marker = \".done\"\n"
            );
            std::fs::write(data.join(format!("scanner-profiles/{name}.toml")), profile).unwrap();
        }
        std::fs::create_dir_all(root.join("inbox")).unwrap();
        std::fs::create_dir_all(root.join("staging")).unwrap();
        Site { _dir: dir, root, data }
    }

    fn inbox(&self) -> PathBuf {
        self.root.join("inbox")
    }

    /// A generated batch written outside the scanner folder (with its truth.json).
    fn make_batch(&self, name: &str, seed: u64, letters: usize, format: Format) -> (PathBuf, GroundTruth) {
        let path = self.root.join("staging").join(name);
        let spec = BatchSpec {
            seed,
            letters,
            pages_per_letter: (1, 1),
            lines_per_page: 4,
            blank_backs: 0.0,
            ..BatchSpec::default()
        };
        let truth = write_batch(&spec, format, &path).unwrap();
        if format == Format::Folder {
            std::fs::remove_file(path.join("truth.json")).unwrap();
        }
        (path, truth)
    }

    fn watch(&self, args: &[&str]) -> Watching {
        self.watch_with_env(args, &[])
    }

    fn watch_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Watching {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pli"));
        cmd.env("PLI_DATA", &self.data).env("PLI_LOG", "info").arg("watch").arg("--json").args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, events) = mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                let event: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                if tx.send(event).is_err() {
                    break;
                }
            }
        });
        let stderr = child.stderr.take().unwrap();
        let (log_tx, log) = mpsc::channel();
        std::thread::spawn(move || {
            let mut all = String::new();
            for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                all.push_str(&line);
                all.push('\n');
            }
            let _ = log_tx.send(all);
        });
        Watching { child, events, seen: Vec::new(), log }
    }

    fn store(&self) -> Store {
        Store::open(&self.data).unwrap()
    }

    /// A connection of the test's own on the data folder's SQLite file (these scenarios
    /// are SQLite's: a workstation's watch), as another program on the machine would open
    /// it: not through Pli.
    fn db(&self) -> rusqlite::Connection {
        let db = rusqlite::Connection::open(self.data.join("pli.sqlite3")).unwrap();
        db.busy_timeout(Duration::from_secs(10)).unwrap();
        db
    }

    fn count(&self, sql: &str) -> i64 {
        self.db().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// Files and folders directly or one date folder deep under `dir`.
    fn archived(&self, dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() && p.file_name().unwrap().len() == 10 {
                out.extend(std::fs::read_dir(&p).unwrap().flatten().map(|e| e.path()));
            } else {
                out.push(p);
            }
        }
        out.sort();
        out
    }
}

struct Watching {
    child: Child,
    events: mpsc::Receiver<Value>,
    seen: Vec<Value>,
    log: mpsc::Receiver<String>,
}

impl Watching {
    /// Waits until `n` events of this kind have come, returning them.
    fn wait_for(&mut self, kind: &str, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let found: Vec<Value> = self.seen.iter().filter(|e| e["event"] == kind).cloned().collect();
            if found.len() >= n {
                return found;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(e) => self.seen.push(e),
                Err(_) => {
                    let _ = self.child.kill();
                    panic!(
                        "waited for {n} `{kind}` events; got {:#?}\n{}",
                        self.seen,
                        self.log.recv().unwrap_or_default()
                    );
                }
            }
        }
    }

    fn drain(&mut self) {
        self.seen.extend(self.events.try_iter());
    }

    fn kinds(&self) -> Vec<String> {
        self.seen.iter().map(|e| e["event"].as_str().unwrap().to_string()).collect()
    }

    /// Waits for the process to end by itself; returns whether it succeeded, and its log.
    fn finish(mut self) -> (bool, Vec<Value>, String) {
        let deadline = Instant::now() + TIMEOUT;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("pli watch did not end; events so far: {:#?}", self.seen);
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let log = self.log.recv_timeout(Duration::from_secs(10)).unwrap_or_default();
        self.seen.extend(self.events.iter());
        (status.success(), self.seen, log)
    }

    fn signal(&self, signal: &str) {
        let ok = Command::new("kill").args([&format!("-{signal}"), &self.child.id().to_string()]).status().unwrap();
        assert!(ok.success());
    }
}

fn run_until_idle(site: &Site, args: &[&str]) -> (Vec<Value>, String) {
    let mut all = vec!["--until-idle"];
    all.extend_from_slice(args);
    let (ok, events, log) = site.watch(&all).finish();
    assert!(ok, "pli watch --until-idle failed:\n{log}");
    (events, log)
}

fn of_kind<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["event"] == kind).collect()
}

fn profile_arg(name: &str, folder: &Path) -> String {
    format!("{name}={}", folder.display())
}

/// The content pages each batch's courriers hold, by batch source file name.
fn pages_by_batch(site: &Site) -> BTreeMap<String, Vec<i64>> {
    let db = site.db();
    let mut stmt = db
        .prepare(
            "SELECT b.source_path, cp.source_index FROM courrier_page cp
             JOIN courrier c ON c.id = cp.courrier_id JOIN batch b ON b.id = c.batch_id
             ORDER BY b.id, c.seq_in_batch, cp.position",
        )
        .unwrap();
    let mut out: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))).unwrap() {
        let (source, page) = row.unwrap();
        let name = Path::new(&source).file_name().unwrap().to_string_lossy().into_owned();
        out.entry(name).or_default().push(page);
    }
    out
}

fn content_pages(truth: &GroundTruth) -> Vec<i64> {
    truth.content_pages().into_iter().map(|p| p as i64).collect()
}

#[test]
fn batches_waiting_at_start_are_taken_once_and_a_second_drop_is_archived_as_duplicate() {
    let site = Site::new();
    let (a, truth_a) = site.make_batch("lot-a.pdf", 11, 2, Format::Pdf);
    let (b, truth_b) = site.make_batch("lot-b.tif", 12, 1, Format::Tiff);
    std::fs::copy(&a, site.inbox().join("lot-a.pdf")).unwrap();
    std::fs::copy(&a, site.inbox().join("lot-a-encore.pdf")).unwrap();
    std::fs::copy(&b, site.inbox().join("lot-b.tif")).unwrap();

    let (events, log) = run_until_idle(&site, &["--profile", &profile_arg("scan", &site.inbox())]);
    assert_eq!(of_kind(&events, "batch_done").len(), 2, "{events:#?}");
    let dup = of_kind(&events, "batch_duplicate");
    assert_eq!(dup.len(), 1, "{events:#?}");
    assert!(log.contains("déjà intégré"), "a log line says it: {log}");
    assert_eq!(of_kind(&events, "courrier_created").len(), truth_a.letters.len() + truth_b.letters.len());

    assert!(std::fs::read_dir(site.inbox()).unwrap().next().is_none(), "the scanner folder is emptied");
    let archived = site.archived(&site.data.join("archive/scan"));
    assert_eq!(archived.len(), 3, "{archived:?}");
    assert_eq!(std::fs::read(&archived[0]).unwrap().len(), std::fs::read(&a).unwrap().len());
    let pages = pages_by_batch(&site);
    assert_eq!(pages.len(), 2, "the duplicate made no batch: {pages:?}");
    let first_a = dup[0]["path"].as_str().unwrap();
    let ingested_a = if first_a.ends_with("lot-a.pdf") { "lot-a-encore.pdf" } else { "lot-a.pdf" };
    assert_eq!(pages[ingested_a], content_pages(&truth_a));
    assert_eq!(pages["lot-b.tif"], content_pages(&truth_b));
    assert_eq!(site.count("SELECT count(*) FROM event WHERE kind = 'batch_duplicate'"), 1);
    assert_eq!(site.count("SELECT count(*) FROM intake WHERE moved_to IS NULL"), 0);
    assert!(site.data.join("logs").read_dir().unwrap().next().is_some(), "a log file under the data folder");
}

#[test]
fn a_slow_writer_and_a_write_then_rename_are_each_taken_whole() {
    let site = Site::new();
    let (slow, truth_slow) = site.make_batch("lent.pdf", 21, 2, Format::Pdf);
    let (renamed, truth_renamed) = site.make_batch("renomme.pdf", 22, 1, Format::Pdf);
    let mut w = site.watch(&["--profile", &profile_arg("scan", &site.inbox())]);
    w.wait_for("started", 1);

    // A scanner writing one batch over a few seconds, pausing under the stable delay.
    let bytes = std::fs::read(&slow).unwrap();
    let target = site.inbox().join("lent.pdf");
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let mut f = std::fs::File::create(&target).unwrap();
        for chunk in bytes.chunks(bytes.len() / 8 + 1) {
            f.write_all(chunk).unwrap();
            f.flush().unwrap();
            std::thread::sleep(Duration::from_millis(400));
        }
    });
    // Another writing under a temporary name, then renaming.
    let tmp = site.inbox().join("renomme.pdf.tmp");
    std::fs::copy(&renamed, &tmp).unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    std::fs::rename(&tmp, site.inbox().join("renomme.pdf")).unwrap();
    writer.join().unwrap();

    w.wait_for("batch_done", 2);
    w.signal("TERM");
    let (ok, events, log) = w.finish();
    assert!(ok, "SIGTERM is a clean stop:\n{log}");
    assert_eq!(events.last().unwrap()["event"], "stopped");
    let kinds: Vec<&str> = events.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert!(!kinds.contains(&"batch_failed") && !kinds.contains(&"retrying"), "taken whole at first try: {kinds:?}");
    let pages = pages_by_batch(&site);
    assert_eq!(pages["lent.pdf"], content_pages(&truth_slow));
    assert_eq!(pages["renomme.pdf"], content_pages(&truth_renamed));
    assert!(!pages.keys().any(|k| k.ends_with(".tmp")));
}

#[test]
fn an_unreadable_batch_goes_to_quarantine_with_the_reason_and_the_rest_goes_on() {
    let site = Site::new();
    let (good, truth) = site.make_batch("bon.pdf", 31, 1, Format::Pdf);
    let full = std::fs::read(&good).unwrap();
    std::fs::write(site.inbox().join("tronque.pdf"), &full[..full.len() / 3]).unwrap();
    std::fs::write(site.inbox().join("vide.tif"), b"").unwrap();
    std::fs::copy(&good, site.inbox().join("bon.pdf")).unwrap();

    let (events, _) = run_until_idle(&site, &["--profile", &profile_arg("scan", &site.inbox())]);
    let failed = of_kind(&events, "batch_failed");
    assert_eq!(failed.len(), 2, "{events:#?}");
    assert_eq!(of_kind(&events, "batch_done").len(), 1);
    assert_eq!(pages_by_batch(&site)["bon.pdf"], content_pages(&truth));

    let quarantine = site.data.join("quarantine/scan");
    let mut names: Vec<String> = std::fs::read_dir(&quarantine)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 4, "each file with its note: {names:?}");
    let truncated = names.iter().find(|n| n.ends_with("tronque.pdf")).expect("the truncated PDF");
    assert_eq!(std::fs::read(quarantine.join(truncated)).unwrap(), &full[..full.len() / 3], "kept as it was");
    let note = std::fs::read_to_string(quarantine.join(format!("{truncated}.error.txt"))).unwrap();
    assert!(note.starts_with("Pli n'a pas pu intégrer ce lot"), "French first: {note}");
    assert!(note.contains("tronque.pdf") && note.contains("Raison :") && note.contains("What to do"), "{note}");
    let empty = names.iter().find(|n| n.ends_with("vide.tif.error.txt")).unwrap();
    assert!(std::fs::read_to_string(quarantine.join(empty)).unwrap().contains("0 octet"));
    assert_eq!(site.count("SELECT count(*) FROM event WHERE kind = 'batch_failed'"), 2);
    assert_eq!(site.count("SELECT count(*) FROM intake WHERE state = 'failed' AND moved_to IS NOT NULL"), 2);
}

#[test]
fn two_scanners_at_once_one_of_them_polled() {
    let site = Site::new();
    let share = site.root.join("partage");
    std::fs::create_dir_all(&share).unwrap();
    let (a, truth_a) = site.make_batch("local.pdf", 41, 1, Format::Pdf);
    let (b, truth_b) = site.make_batch("reseau.tif", 42, 1, Format::Tiff);
    let mut w =
        site.watch(&["--profile", &profile_arg("scan", &site.inbox()), "--profile", &profile_arg("partage", &share)]);
    let started = w.wait_for("started", 1);
    assert_eq!(started[0]["profiles"], serde_json::json!(["scan", "partage"]));
    std::fs::copy(&a, site.inbox().join("local.pdf")).unwrap();
    std::fs::copy(&b, share.join("reseau.tif")).unwrap();
    w.wait_for("batch_done", 2);
    w.signal("INT");
    let (ok, _, log) = w.finish();
    assert!(ok, "{log}");
    let pages = pages_by_batch(&site);
    assert_eq!(pages["local.pdf"], content_pages(&truth_a));
    assert_eq!(pages["reseau.tif"], content_pages(&truth_b));
    let profiles: Vec<(String, String)> = site
        .db()
        .prepare("SELECT source_path, profile FROM batch ORDER BY source_path")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(profiles[0].0.ends_with("local.pdf") && profiles[0].1 == "scan", "{profiles:?}");
    assert!(profiles[1].0.ends_with("reseau.tif") && profiles[1].1 == "partage", "{profiles:?}");
    assert_eq!(site.archived(&site.data.join("archive/partage")).len(), 1);
}

#[test]
fn a_folder_of_pages_is_taken_only_when_its_done_marker_appears() {
    let site = Site::new();
    let (pages_dir, truth) = site.make_batch("lot-pages", 51, 2, Format::Folder);
    let mut w = site.watch(&["--profile", &profile_arg("scan", &site.inbox())]);
    w.wait_for("started", 1);
    let target = site.inbox().join("lot-pages");
    std::fs::create_dir(&target).unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&pages_dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for f in &files {
        // Slower than the stable delay: only the marker may say the folder is complete.
        std::fs::copy(f, target.join(f.file_name().unwrap())).unwrap();
        std::thread::sleep(Duration::from_millis(1300));
    }
    w.drain();
    assert!(!w.kinds().contains(&"batch_seen".to_string()), "taken before its marker: {:?}", w.kinds());
    std::fs::write(target.join(".done"), b"").unwrap();
    w.wait_for("batch_done", 1);
    w.signal("TERM");
    assert!(w.finish().0);
    assert_eq!(pages_by_batch(&site)["lot-pages"], content_pages(&truth));
    let archived = site.archived(&site.data.join("archive/scan"));
    assert_eq!(archived.len(), 1);
    assert!(archived[0].join(".done").exists() && archived[0].is_dir());
}

#[test]
fn a_stop_during_capture_abandons_the_batch_and_the_next_start_finishes_it() {
    let site = Site::new();
    let (batch, truth) = site.make_batch("long.pdf", 61, 6, Format::Pdf);
    std::fs::copy(&batch, site.inbox().join("long.pdf")).unwrap();
    let mut w = site.watch(&["--profile", &profile_arg("scan", &site.inbox()), "--workers", "1"]);
    w.wait_for("page_recognised", 1);
    w.signal("TERM");
    let (ok, events, log) = w.finish();
    assert!(ok, "{log}");
    assert_eq!(of_kind(&events, "abandoned").len(), 1, "{events:#?}");
    assert!(site.inbox().join("long.pdf").exists(), "the original stays in the scanner folder");
    assert_eq!(site.count("SELECT count(*) FROM courrier"), 0);
    assert_eq!(site.count("SELECT count(*) FROM intake WHERE state = 'seen' AND moved_to IS NULL"), 1);
    assert!(std::fs::read_dir(site.data.join("courriers")).unwrap().next().is_none(), "no documents left behind");

    let (events, _) = run_until_idle(&site, &["--profile", &profile_arg("scan", &site.inbox())]);
    assert_eq!(of_kind(&events, "batch_done").len(), 1);
    assert_eq!(pages_by_batch(&site)["long.pdf"], content_pages(&truth));
    assert_eq!(site.count("SELECT count(*) FROM intake"), 1, "the same journal row was resumed");
}

#[test]
fn a_busy_database_is_waited_for_and_nothing_is_lost() {
    let site = Site::new();
    let (batch, truth) = site.make_batch("patience.pdf", 71, 1, Format::Pdf);
    drop(site.store());
    let mut w = site.watch(&["--profile", &profile_arg("scan", &site.inbox())]);
    w.wait_for("started", 1);
    // Another program holds the database for longer than Pli's busy timeout.
    let other = site.db();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    std::fs::copy(&batch, site.inbox().join("patience.pdf")).unwrap();
    let retry = w.wait_for("retrying", 1);
    assert!(retry[0]["reason"].as_str().unwrap().contains("base de données"), "{retry:?}");
    other.execute_batch("ROLLBACK").unwrap();
    w.wait_for("batch_done", 1);
    w.signal("TERM");
    assert!(w.finish().0);
    assert_eq!(pages_by_batch(&site)["patience.pdf"], content_pages(&truth));
    assert_eq!(site.count("SELECT count(*) FROM intake WHERE moved_to IS NULL"), 0);
}

/// SIGKILL at random moments (and aborts at the riskiest points), restarts, and at the
/// end: every content page in exactly one courrier, every batch archived exactly once,
/// nothing in progress. `PLI_FAULT_BATCHES` and `PLI_FAULT_KILLS` run it larger.
#[test]
fn killed_at_random_moments_nothing_is_lost_or_duplicated() {
    let k: usize = std::env::var("PLI_FAULT_BATCHES").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let r: usize = std::env::var("PLI_FAULT_KILLS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let seed = std::env::var("PLI_FAULT_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(7);
    let site = Site::new();
    let mut truths = BTreeMap::new();
    let mut originals = BTreeMap::new();
    let mut to_drop = Vec::new();
    for i in 0..k {
        let name = format!("lot-{i:02}.pdf");
        let (path, truth) = site.make_batch(&name, 100 + i as u64, 2, Format::Pdf);
        originals.insert(name.clone(), std::fs::read(&path).unwrap());
        truths.insert(name.clone(), truth);
        to_drop.push((name, path));
    }
    to_drop.reverse();
    // As a scanner does: written under a temporary name, then renamed.
    let drop_next = |to_drop: &mut Vec<(String, PathBuf)>| {
        if let Some((name, path)) = to_drop.pop() {
            let tmp = site.inbox().join(format!("{name}.tmp"));
            std::fs::copy(&path, &tmp).unwrap();
            std::fs::rename(&tmp, site.inbox().join(&name)).unwrap();
        }
    };
    let profile = profile_arg("scan", &site.inbox());
    // First the riskiest moments, each surely reached with the first batch: documents
    // written but not committed; committed but the original not moved; moved but not
    // journalled.
    drop_next(&mut to_drop);
    for point in ["before-commit", "after-commit", "after-move"] {
        let (ok, _, log) =
            site.watch_with_env(&["--profile", &profile, "--until-idle"], &[("PLI_CRASH_AT", point)]).finish();
        assert!(!ok && log.contains(&format!("PLI_CRASH_AT={point}")), "crash point {point} not reached:\n{log}");
    }
    // Then SIGKILL at random moments, the other batches dropped along the way.
    let mut rng = Rng::new(seed);
    let mut kills = 0;
    for round in 0..r {
        let share = to_drop.len().div_ceil(r - round);
        for _ in 0..share {
            drop_next(&mut to_drop);
        }
        let w = site.watch(&["--profile", &profile]);
        // Start-up and the stable delay take about a second; then capture runs.
        std::thread::sleep(Duration::from_millis(800 + rng.below(3000)));
        let mut child = w.child;
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
    }
    run_until_idle(&site, &["--profile", &profile]);

    let pages = pages_by_batch(&site);
    let pages_total: usize = truths.values().map(|t| t.pages.len()).sum();
    let interrupted = site.count("SELECT coalesce(sum(interrupted), 0) FROM intake");
    eprintln!(
        "fault injection: K={k} batches, {pages_total} pages, R={r} random moments ({kills} SIGKILL), \
         3 crash points, seed {seed}: {interrupted} captures interrupted and resumed"
    );
    assert_eq!(pages.len(), k, "one batch per original: {pages:?}");
    for (name, truth) in &truths {
        assert_eq!(pages[name], content_pages(truth), "{name}: every content page in exactly one courrier");
    }
    assert_eq!(site.count("SELECT count(*) FROM batch"), k as i64);
    assert_eq!(site.count("SELECT count(*) FROM intake WHERE moved_to IS NULL"), 0, "nothing left in progress");
    assert_eq!(site.count("SELECT count(*) FROM intake WHERE state = 'done'"), k as i64);
    assert!(std::fs::read_dir(site.inbox()).unwrap().next().is_none(), "nothing left in the scanner folder");
    let archived = site.archived(&site.data.join("archive/scan"));
    assert_eq!(archived.len(), k, "each archived once: {archived:?}");
    for file in &archived {
        let name = file.file_name().unwrap().to_string_lossy();
        let original = name.split_once('-').unwrap().1;
        assert_eq!(&std::fs::read(file).unwrap(), &originals[original], "{name} archived intact");
    }
    assert!(site.store().orphan_document_folders().unwrap().is_empty(), "no documents without a batch");
    let integrity: String = site.db().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
}

#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_is_ingested_once_and_archived() {
    use std::os::unix::ffi::OsStrExt;
    let site = Site::new();
    let (a, truth) = site.make_batch("lot.pdf", 41, 1, Format::Pdf);
    // « lot-été.pdf » in Latin-1, as an old scanner or a Windows share may write it.
    let name = std::ffi::OsStr::from_bytes(b"lot-\xe9t\xe9.pdf");
    std::fs::copy(&a, site.inbox().join(name)).unwrap();

    let (events, _) = run_until_idle(&site, &["--profile", &profile_arg("scan", &site.inbox())]);
    assert_eq!(of_kind(&events, "batch_seen").len(), 1, "taken once, not at every look: {events:#?}");
    assert_eq!(of_kind(&events, "batch_done").len(), 1, "{events:#?}");
    assert!(std::fs::read_dir(site.inbox()).unwrap().next().is_none(), "the scanner folder is emptied");
    let archived = site.archived(&site.data.join("archive/scan"));
    assert_eq!(archived.len(), 1, "{archived:?}");
    assert_eq!(std::fs::read(&archived[0]).unwrap(), std::fs::read(&a).unwrap());
    assert_eq!(pages_by_batch(&site).into_values().collect::<Vec<_>>(), [content_pages(&truth)]);
    assert_eq!(site.count("SELECT count(*) FROM intake"), 1);
    assert_eq!(site.count("SELECT count(*) FROM event WHERE kind LIKE 'batch_%'"), 1, "one batch_ingested event");
}

#[cfg(unix)]
#[test]
fn a_link_inside_a_folder_of_pages_is_refused_never_followed() {
    let site = Site::new();
    let (pages, _) = site.make_batch("pages", 43, 1, Format::Folder);
    // A page that is not the scanner's, and the whole disk, linked into the batch.
    let elsewhere = site.root.join("confidentiel.jpg");
    std::fs::copy(pages.join("page-0001.jpg"), &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, pages.join("page-9999.jpg")).unwrap();
    std::os::unix::fs::symlink("/", pages.join("racine")).unwrap();
    std::fs::write(pages.join(".done"), b"").unwrap();
    std::fs::rename(&pages, site.inbox().join("pages")).unwrap();

    let (events, _) = run_until_idle(&site, &["--profile", &profile_arg("scan", &site.inbox())]);
    let failed = of_kind(&events, "batch_failed");
    assert_eq!(failed.len(), 1, "{events:#?}");
    let reason = failed[0]["reason"].as_str().unwrap();
    assert!(reason.contains("lien symbolique") && reason.contains("page-9999.jpg"), "{reason}");
    assert_eq!(site.count("SELECT count(*) FROM courrier"), 0, "nothing read through a link");
    let quarantined = std::fs::read_dir(site.data.join("quarantine/scan"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .expect("the folder in quarantine");
    for link in ["page-9999.jpg", "racine"] {
        assert!(std::fs::symlink_metadata(quarantined.join(link)).unwrap().file_type().is_symlink(), "{link}");
    }
    assert!(elsewhere.exists(), "the link's target is left alone");
}

#[test]
fn a_scanner_folder_inside_or_around_the_data_folder_is_refused() {
    let site = Site::new();
    std::fs::create_dir_all(site.data.join("courriers/lot-1")).unwrap();
    std::fs::write(site.data.join("courriers/lot-1/.done"), b"").unwrap();
    for folder in [site.data.clone(), site.data.join("courriers"), site.root.clone()] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pli"))
            .env("PLI_DATA", &site.data)
            .args(["watch", "--until-idle", "--profile", &profile_arg("scan", &folder)])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("« {} » was accepted as a scanner folder", folder.display());
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        assert!(!status.success() && err.contains("se recouvrent"), "{}: {err}", folder.display());
    }
    assert!(site.data.join("courriers/lot-1/.done").exists(), "Pli's own documents stay where they are");
}
