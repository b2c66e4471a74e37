//! The watcher: looks at each scanner folder (on file-system events, or by polling for
//! network shares), takes complete batches one at a time, oldest first, and sees each
//! through to its archive or its quarantine, journalled at every step.

use crate::events::WatchEvent;
use crate::fault::crash_point;
use crate::moving::move_path;
use crate::scan::scan;
use crate::tracker::Tracker;
use pli_capture::pipeline::{CAPTURE_LOCK, Capture, IngestError, Progress, open_capture_lock};
use pli_capture::profile::{Profile, WatchMode};
use pli_capture::{Problem, source::open_batch};
use pli_core::capture::{Actor, BatchStore, CommittedBatch, KnownBatch, NewBatch};
use pli_store::{Intake, IntakeState, Store, StoreError};
use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A batch that crashed Pli this many times in a row is set aside in quarantine
/// rather than crash it again.
const MAX_INTERRUPTIONS: u32 = 5;

/// Why watching cannot start or go on.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("profil « {0} » : aucun dossier à surveiller (ni input.folder dans le profil, ni --profile {0}=DOSSIER)")]
    NoFolder(String),
    #[error("le dossier « {0} » est surveillé deux fois")]
    FolderTwice(PathBuf),
    #[error("« {path} » : {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("un autre « pli watch » surveille déjà le dossier de données « {0} »")]
    AlreadyWatching(PathBuf),
    #[error("surveillance de « {path} » impossible : {source}")]
    Notify { path: PathBuf, source: notify::Error },
    #[error(
        "le dossier du scanner « {folder} » et le dossier de données « {data} » se recouvrent : Pli y prendrait \
         ses propres documents pour des lots ; choisissez un dossier hors du dossier de données (ou son \
         sous-dossier « scanner »)"
    )]
    ScannerFolderInData { folder: PathBuf, data: PathBuf },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A scanner folder, with the profile its batches are read with and where its
/// originals go.
#[derive(Debug, Clone)]
pub struct Inbox {
    pub profile: Profile,
    pub folder: PathBuf,
    pub archive: PathBuf,
    pub quarantine: PathBuf,
}

impl Inbox {
    /// The profile's folders, `folder` standing for its `input.folder` when given;
    /// archive and quarantine default to `archive/<profile>/` and `quarantine/<profile>/`
    /// in the data folder.
    pub fn new(profile: Profile, folder: Option<PathBuf>, data_dir: &Path) -> Result<Inbox, WatchError> {
        let folder = folder
            .or_else(|| profile.input.folder.clone())
            .ok_or_else(|| WatchError::NoFolder(profile.name.clone()))?;
        check_scanner_folder(&folder, data_dir)?;
        let (archive, quarantine) = default_destinations(data_dir, &profile.name);
        Ok(Inbox {
            archive: profile.input.archive.clone().unwrap_or(archive),
            quarantine: profile.input.quarantine.clone().unwrap_or(quarantine),
            folder,
            profile,
        })
    }
}

/// The sub-folder of the data folder that may serve as a scanner folder (the desktop's
/// default): nothing of Pli's own is ever written there.
pub const SCANNER_DIR: &str = "scanner";

/// Refuses a scanner folder that is the data folder, contains it, or lies inside it
/// anywhere but its `scanner/` sub-folder: the watcher would take Pli's own documents
/// (`courriers/`, the archive, the logs) for batches and move them away.
pub fn check_scanner_folder(folder: &Path, data_dir: &Path) -> Result<(), WatchError> {
    let (f, d) = (resolved(folder), resolved(data_dir));
    if d.starts_with(&f) || (f.starts_with(&d) && !f.starts_with(d.join(SCANNER_DIR))) {
        return Err(WatchError::ScannerFolderInData { folder: folder.to_path_buf(), data: data_dir.to_path_buf() });
    }
    Ok(())
}

/// A path with its links and `..` resolved, even when its end does not exist yet:
/// each existing part is canonicalised as it is reached, the rest taken as written.
fn resolved(path: &Path) -> PathBuf {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => _ = out.pop(),
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
        if let Ok(real) = out.canonicalize() {
            out = real;
        }
    }
    out
}

fn default_destinations(data_dir: &Path, profile: &str) -> (PathBuf, PathBuf) {
    (data_dir.join("archive").join(profile), data_dir.join("quarantine").join(profile))
}

/// Who capture's events are recorded as, asked again for each batch: the CLI gives its
/// OS user; the desktop, the operator signed in at the workstation when a batch is taken.
#[derive(Clone)]
pub struct ActorSource(Arc<dyn Fn() -> Actor + Send + Sync>);

impl ActorSource {
    pub fn fixed(actor: Actor) -> ActorSource {
        ActorSource(Arc::new(move || actor.clone()))
    }

    pub fn new(f: impl Fn() -> Actor + Send + Sync + 'static) -> ActorSource {
        ActorSource(Arc::new(f))
    }

    pub fn get(&self) -> Actor {
        (self.0)()
    }
}

impl std::fmt::Debug for ActorSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ActorSource").field(&self.get()).finish()
    }
}

/// How the watcher runs.
#[derive(Debug, Clone)]
pub struct WatcherSettings {
    /// OCR engines per profile.
    pub workers: usize,
    /// Recorded on every event.
    pub actor: ActorSource,
    /// Return once every folder is empty instead of watching on.
    pub until_idle: bool,
    /// The shared registry (`postgres://…`); none: the data folder's SQLite file.
    pub database: Option<String>,
}

struct Watched {
    inbox: Inbox,
    capture: Capture,
    tracker: Tracker,
    last_look: Option<Instant>,
}

/// Outcome of taking one batch.
enum Taken {
    /// Its original has left the scanner folder (archive or quarantine).
    Settled,
    /// A stop was asked while it was being read: it stays, to be taken again.
    Abandoned,
}

/// A problem that may pass (disk full, permission, busy database, a file still open).
struct Passing(String);

impl From<StoreError> for Passing {
    fn from(e: StoreError) -> Self {
        Passing(e.to_string())
    }
}

type Publish = Box<dyn Fn(WatchEvent) + Send + Sync>;

pub struct Watcher {
    data_dir: PathBuf,
    store: Store,
    watched: Vec<Watched>,
    settings: WatcherSettings,
    stop: Arc<AtomicBool>,
    publish: Publish,
    _one_watcher: File,
}

impl Watcher {
    /// Opens the store and claims the data folder (one watcher per data folder).
    /// `stop` ends the run: the batch in hand is abandoned safely, to be taken again.
    pub fn open(
        data_dir: &Path,
        inboxes: Vec<Inbox>,
        settings: WatcherSettings,
        stop: Arc<AtomicBool>,
        publish: impl Fn(WatchEvent) + Send + Sync + 'static,
    ) -> Result<Watcher, WatchError> {
        let store = Store::open_with(data_dir, settings.database.as_deref())?;
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| WatchError::Io { path, source }
        };
        let lock_path = data_dir.join("watch.lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(WatchError::AlreadyWatching(data_dir.to_path_buf())),
            Err(std::fs::TryLockError::Error(e)) => return Err(io(&lock_path)(e)),
        }
        let mut folders = BTreeSet::new();
        let mut watched = Vec::new();
        for inbox in inboxes {
            if !folders.insert(inbox.folder.clone()) {
                return Err(WatchError::FolderTwice(inbox.folder));
            }
            if inbox.profile.input.watch == WatchMode::Notify {
                // A local scanner folder; a missing network share is not created (poll mode).
                std::fs::create_dir_all(&inbox.folder).map_err(io(&inbox.folder))?;
            }
            let capture = Capture::new(inbox.profile.clone(), settings.workers).with_cancel(stop.clone());
            let tracker = Tracker::new(Duration::from_secs(inbox.profile.input.stable_seconds));
            watched.push(Watched { inbox, capture, tracker, last_look: None });
        }
        Ok(Watcher {
            data_dir: data_dir.to_path_buf(),
            store,
            watched,
            settings,
            stop,
            publish: Box::new(publish),
            _one_watcher: lock,
        })
    }

    /// Resumes what the previous run left, then watches until `stop` is set (or, with
    /// `until_idle`, until every folder is empty).
    pub fn run(&mut self) -> Result<(), WatchError> {
        let orphans_removed = self.remove_orphan_documents()?;
        let resumed = self.resume_unsettled()?;
        let profiles = self.watched.iter().map(|w| w.inbox.profile.name.clone()).collect();
        (self.publish)(WatchEvent::Started { profiles, resumed, orphans_removed });

        let (wake_tx, wake_rx) = mpsc::channel::<usize>();
        let _notifiers = self.start_notifiers(&wake_tx)?;
        let mut woken: BTreeSet<usize> = (0..self.watched.len()).collect();
        while !self.stop.load(Ordering::Relaxed) {
            let now = Instant::now();
            for (i, w) in self.watched.iter_mut().enumerate() {
                if woken.contains(&i) || w.last_look.is_none_or(|t| now >= t + look_interval(w)) {
                    look(w, now);
                }
            }
            woken.clear();
            if let Some((i, path)) = self.oldest_ready() {
                self.take(i, &path);
                continue;
            }
            if self.settings.until_idle && self.watched.iter().all(|w| w.tracker.is_empty()) {
                break;
            }
            // Sleep until a batch may be ready, the next look is due or an event comes;
            // never long, so that a stop is seen at once.
            let now = Instant::now();
            let mut wait = Duration::from_millis(250);
            for w in &self.watched {
                if let Some(due) = w.tracker.next_due(now) {
                    wait = wait.min(due.max(Duration::from_millis(20)));
                }
            }
            if let Ok(i) = wake_rx.recv_timeout(wait) {
                woken.insert(i);
                woken.extend(wake_rx.try_iter());
            }
        }
        (self.publish)(WatchEvent::Stopped);
        Ok(())
    }

    fn start_notifiers(&self, wake: &mpsc::Sender<usize>) -> Result<Vec<notify::RecommendedWatcher>, WatchError> {
        use notify::Watcher as _;
        let mut notifiers = Vec::new();
        for (i, w) in self.watched.iter().enumerate() {
            if w.inbox.profile.input.watch != WatchMode::Notify {
                continue;
            }
            let tx = wake.clone();
            let folder = &w.inbox.folder;
            let err = |source| WatchError::Notify { path: folder.clone(), source };
            let mut notifier = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                if event.is_ok() {
                    let _ = tx.send(i);
                }
            })
            .map_err(err)?;
            notifier.watch(folder, notify::RecursiveMode::Recursive).map_err(err)?;
            notifiers.push(notifier);
        }
        Ok(notifiers)
    }

    fn oldest_ready(&self) -> Option<(usize, PathBuf)> {
        let now = Instant::now();
        self.watched.iter().enumerate().find_map(|(i, w)| w.tracker.ready(now).map(|p| (i, p)))
    }

    /// Takes one complete batch; a passing problem puts it back with a growing delay.
    fn take(&mut self, i: usize, path: &Path) {
        match self.try_take(i, path) {
            Ok(Taken::Settled) => {
                self.watched[i].tracker.forget(path);
                // Look again before calling the folder idle: a file left in place (one
                // that replaced the original) is a batch of its own.
                self.watched[i].last_look = None;
            }
            Ok(Taken::Abandoned) => (self.publish)(WatchEvent::Abandoned { path: shown(path) }),
            Err(Passing(reason)) => {
                let delay = self.watched[i].tracker.postpone(path, Instant::now());
                tracing::warn!(file = %path.display(), %reason, retry_in = delay.as_secs(), "lot remis à plus tard");
                (self.publish)(WatchEvent::Retrying { path: shown(path), reason, in_seconds: delay.as_secs() });
            }
        }
    }

    fn try_take(&mut self, i: usize, path: &Path) -> Result<Taken, Passing> {
        let profile = self.watched[i].inbox.profile.name.clone();
        let source = journal_name(path);
        (self.publish)(WatchEvent::BatchSeen { profile: profile.clone(), path: shown(path) });

        // Complete means it opens, too: a file still being written after a pause
        // longer than the delay gets one more wait before it is called unreadable.
        let links = links_inside(path);
        let unreadable = match links.first() {
            Some(_) => Some(format!(
                "« {source} » : le dossier contient un lien symbolique (« {} ») ; Pli ne suit pas les liens : \
                 remplacez-le par la page elle-même",
                links.iter().take(5).map(String::as_str).collect::<Vec<_>>().join(" », « ")
            )),
            None => match open_batch(path) {
                Ok(_) => None,
                Err(e) if e.problem.is_transient() => return Err(Passing(e.to_string())),
                Err(e) if self.watched[i].tracker.failures(path) == 0 => {
                    return Err(Passing(format!("{e} (peut-être encore en cours d'écriture)")));
                }
                Err(e) => Some(e.to_string()),
            },
        };
        let hash = pli_capture::content_hash(path).map_err(|e| Passing(e.to_string()))?;
        let existing = match self.store.unsettled_intake_at(&source)? {
            Some(row) if row.content_hash == hash => Some(row),
            Some(row) => {
                // Overwritten with other bytes: the old ones are gone from the folder.
                if matches!(row.state, IntakeState::Seen | IntakeState::Ingesting) {
                    let why =
                        "remplacé dans le dossier du scanner par un autre fichier du même nom avant d'être intégré";
                    self.store.intake_failed(row.id, why, &self.settings.actor.get())?;
                } else {
                    tracing::warn!(file = %source, "original remplacé par un autre fichier avant d'être archivé");
                }
                self.store.intake_moved(row.id, "")?;
                None
            }
            None => None,
        };
        if let Some(row) = &existing
            && matches!(row.state, IntakeState::Done | IntakeState::Duplicate | IntakeState::Failed)
        {
            return self.settle(row);
        }
        let intake = match existing {
            Some(row) => row,
            None => {
                let row = self.store.intake_begin(&profile, &source, &hash)?;
                if let Some(known) = self.store.batch_by_hash(&hash)? {
                    return self.duplicate(&row, &known);
                }
                row
            }
        };
        if let Some(reason) = unreadable {
            return self.fail(&intake, &reason);
        }
        if intake.interrupted >= MAX_INTERRUPTIONS {
            let why = format!("la lecture de ce lot a interrompu Pli {} fois ; il est mis de côté", intake.interrupted);
            return self.fail(&intake, &why);
        }
        self.store.intake_resume(intake.id)?;
        self.ingest(i, path, &intake)
    }

    fn ingest(&mut self, i: usize, path: &Path, intake: &Intake) -> Result<Taken, Passing> {
        let recognised = AtomicUsize::new(0);
        let pages = AtomicUsize::new(0);
        let publish = &self.publish;
        let progress = |p: Progress| match p {
            Progress::Started { pages: n } => {
                pages.store(n.unwrap_or(0), Ordering::Relaxed);
                publish(WatchEvent::BatchStarted { path: shown(path), pages: n });
            }
            Progress::PageRecognised { .. } => {
                let done = recognised.fetch_add(1, Ordering::Relaxed) + 1;
                let n = pages.load(Ordering::Relaxed);
                publish(WatchEvent::PageRecognised { path: shown(path), done, pages: (n > 0).then_some(n) });
            }
            _ => {}
        };
        let mut journalled =
            Journalled { store: &mut self.store, intake: intake.id, path, content_hash: &intake.content_hash };
        let result = self.watched[i].capture.ingest(
            &mut journalled,
            &self.data_dir,
            path,
            &self.settings.actor.get(),
            &progress,
        );
        match result {
            Ok(report) => {
                crash_point("after-commit");
                for c in &report.courriers {
                    (self.publish)(WatchEvent::CourrierCreated {
                        path: shown(path),
                        courrier: c.courrier,
                        pages: c.pages.clone(),
                        direction: c.direction.clone(),
                    });
                }
                let row = self.store.intake(intake.id)?;
                self.settle(&row)
            }
            Err(IngestError::AlreadyIngested { known, .. }) => self.duplicate(intake, &known),
            Err(IngestError::Capture(e)) if matches!(e.problem, Problem::Cancelled) => {
                self.store.intake_retry_later(intake.id, &e.to_string())?;
                Ok(Taken::Abandoned)
            }
            Err(IngestError::Capture(e)) if e.problem.is_transient() => {
                self.store.intake_retry_later(intake.id, &e.to_string())?;
                Err(Passing(e.to_string()))
            }
            Err(IngestError::Capture(e)) => self.fail(intake, &e.to_string()),
            Err(e @ IngestError::Store { .. }) => {
                let _ = self.store.intake_retry_later(intake.id, &e.to_string());
                Err(Passing(e.to_string()))
            }
        }
    }

    fn duplicate(&mut self, intake: &Intake, known: &KnownBatch) -> Result<Taken, Passing> {
        tracing::warn!(
            file = %intake.source_path, batch = known.batch_id, first = %known.source_path,
            "lot déjà intégré : archivé sans être intégré une seconde fois"
        );
        self.store.intake_duplicate(intake.id, known.batch_id, &self.settings.actor.get())?;
        let row = self.store.intake(intake.id)?;
        self.settle(&row)
    }

    fn fail(&mut self, intake: &Intake, reason: &str) -> Result<Taken, Passing> {
        tracing::error!(file = %intake.source_path, %reason, "lot illisible : mis en quarantaine");
        self.store.intake_failed(intake.id, reason, &self.settings.actor.get())?;
        let row = self.store.intake(intake.id)?;
        self.settle(&row)
    }

    /// Moves the original of a journalled batch whose fate is decided to the archive
    /// (done, duplicate) or the quarantine (failed), and settles its row. Safe to run
    /// again after a crash at any point.
    fn settle(&mut self, intake: &Intake) -> Result<Taken, Passing> {
        let source = original_path(&intake.source_path);
        let name = Path::new(&intake.source_path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "lot".into());
        let (archive, quarantine) = self.destinations(&intake.profile);
        // The journal id makes the name unique and the same on every try.
        let dest = match intake.state {
            IntakeState::Failed => quarantine.join(format!("{}-{name}", intake.id)),
            _ => archive.join(intake.seen_at.get(..10).unwrap_or("sans-date")).join(format!("{}-{name}", intake.id)),
        };
        let io = |e: std::io::Error, what: &Path| Passing(format!("« {} » : {e}", what.display()));
        if std::fs::symlink_metadata(&source).is_ok() {
            // Only the bytes journalled leave the folder: a file replaced since (same
            // name, other content) stays, to be taken as a batch of its own.
            let now = pli_capture::content_hash(&source).map_err(|e| Passing(e.to_string()))?;
            if now != intake.content_hash {
                tracing::warn!(
                    file = %intake.source_path,
                    "remplacé dans le dossier du scanner par un autre fichier du même nom : \
                     le nouveau fichier sera pris comme un lot à part"
                );
                self.store.intake_moved(intake.id, "")?;
                return Ok(Taken::Settled);
            }
            if intake.state == IntakeState::Failed {
                write_error_note(&dest, intake).map_err(|e| io(e, &dest))?;
            }
            move_path(&source, &dest).map_err(|e| io(e, &source))?;
            crash_point("after-move");
        } else if std::fs::symlink_metadata(&dest).is_err() {
            tracing::error!(file = %intake.source_path, "l'original a disparu du dossier du scanner sans être archivé");
            self.store.intake_moved(intake.id, "")?;
            return Ok(Taken::Settled);
        }
        self.store.intake_moved(intake.id, &dest.display().to_string())?;
        let path = PathBuf::from(&intake.source_path);
        let event = match intake.state {
            IntakeState::Failed => {
                WatchEvent::BatchFailed { path, reason: intake.error.clone().unwrap_or_default(), quarantined_to: dest }
            }
            IntakeState::Duplicate => {
                WatchEvent::BatchDuplicate { path, known_batch: intake.batch_id.unwrap_or_default(), archived_to: dest }
            }
            _ => {
                let batch = intake.batch_id.unwrap_or_default();
                let courriers = self.store.courriers_of_batch(batch)?.len();
                tracing::info!(file = %intake.source_path, batch, courriers, archive = %dest.display(), "lot intégré et archivé");
                // A watcher runs for weeks: anchor the history's head at every batch, not
                // only when it stops, so a cut-off tail is caught by `pli history verify`.
                if let Err(e) = self.store.anchor_history() {
                    tracing::warn!("ancre de l'historique non écrite : {e}");
                }
                WatchEvent::BatchDone { path, batch, courriers, archived_to: dest }
            }
        };
        (self.publish)(event);
        Ok(Taken::Settled)
    }

    fn destinations(&self, profile: &str) -> (PathBuf, PathBuf) {
        match self.watched.iter().find(|w| w.inbox.profile.name == profile) {
            Some(w) => (w.inbox.archive.clone(), w.inbox.quarantine.clone()),
            None => default_destinations(&self.data_dir, profile),
        }
    }

    /// After a crash: originals whose fate was decided are moved; batches that vanished
    /// before being ingested are recorded as such; the rest waits in its folder.
    fn resume_unsettled(&mut self) -> Result<usize, WatchError> {
        let interrupted = self.store.intake_mark_interrupted()?;
        if interrupted > 0 {
            tracing::warn!(interrupted, "captures interrompues par un arrêt brutal : elles vont être reprises");
        }
        let mut resumed = interrupted;
        for intake in self.store.unsettled_intakes()? {
            match intake.state {
                IntakeState::Done | IntakeState::Duplicate | IntakeState::Failed => {
                    resumed += 1;
                    if let Err(Passing(reason)) = self.settle(&intake) {
                        tracing::warn!(file = %intake.source_path, %reason, "archivage repoussé");
                    }
                }
                IntakeState::Seen | IntakeState::Ingesting => {
                    if std::fs::symlink_metadata(original_path(&intake.source_path)).is_err() {
                        let why = "le fichier a disparu du dossier du scanner avant d'être intégré";
                        tracing::error!(file = %intake.source_path, why);
                        self.store.intake_failed(intake.id, why, &self.settings.actor.get())?;
                        self.store.intake_moved(intake.id, "")?;
                    }
                }
            }
        }
        Ok(resumed)
    }

    /// Removes documents written by captures that never committed. Skipped while
    /// another process (`pli ingest`) is capturing into the same data folder.
    fn remove_orphan_documents(&mut self) -> Result<usize, WatchError> {
        let lock_path = self.data_dir.join(CAPTURE_LOCK);
        let lock =
            open_capture_lock(&self.data_dir).map_err(|source| WatchError::Io { path: lock_path.clone(), source })?;
        if lock.try_lock().is_err() {
            tracing::info!(
                "une capture est en cours dans ce dossier de données : nettoyage remis au prochain démarrage"
            );
            return Ok(0);
        }
        let orphans = self.store.orphan_document_folders()?;
        for dir in &orphans {
            tracing::warn!(folder = %dir.display(), "documents d'une capture interrompue, jamais enregistrés : supprimés");
            std::fs::remove_dir_all(dir).map_err(|source| WatchError::Io { path: dir.clone(), source })?;
        }
        Ok(orphans.len())
    }
}

/// Looks at a scanner folder; a folder that cannot be read (a share that is down)
/// holds no batch until it can.
fn look(w: &mut Watched, now: Instant) {
    let skip = [w.inbox.archive.as_path(), w.inbox.quarantine.as_path()];
    let input = &w.inbox.profile.input;
    let found = match scan(&w.inbox.folder, &input.formats, input.done_marker.as_deref(), &skip) {
        Ok(found) => found,
        Err(e) => {
            if w.last_look.is_none() || !w.tracker.is_empty() {
                tracing::warn!(folder = %w.inbox.folder.display(), error = %e, "dossier du scanner illisible");
            }
            Vec::new()
        }
    };
    w.tracker.observe(found, now);
    w.last_look = Some(now);
}

/// How often a folder is looked at without an event: in poll mode, the profile's
/// interval; with events, every second while a batch is being written (to see it
/// settle), else the interval as a safety net against lost events.
fn look_interval(w: &Watched) -> Duration {
    let poll = Duration::from_secs(w.inbox.profile.input.poll_seconds);
    match w.inbox.profile.input.watch {
        WatchMode::Poll => poll,
        WatchMode::Notify if !w.tracker.is_empty() => poll.min(Duration::from_secs(1)),
        WatchMode::Notify => poll,
    }
}

/// `<quarantined file>.error.txt`: why, in plain words, French first.
fn write_error_note(dest: &Path, intake: &Intake) -> std::io::Result<()> {
    let note = format!(
        "Pli n'a pas pu intégrer ce lot. / Pli could not ingest this batch.\n\n\
         Fichier / file : {}\nProfil / profile : {}\nReçu le / seen at : {}\n\n\
         Raison : {}\n\n\
         Que faire : ouvrez le fichier pour le vérifier ; si besoin, numérisez le lot à nouveau et\n\
         déposez le nouveau fichier dans le dossier du scanner. Ce fichier peut être supprimé ensuite.\n\
         What to do: open the file to check it; if needed, scan the batch again and drop the new\n\
         file in the scanner folder. This file can then be deleted.\n",
        intake.source_path,
        intake.profile,
        intake.seen_at,
        intake.error.as_deref().unwrap_or("inconnue"),
    );
    if let Some(dir) = dest.parent() {
        pli_capture::durable::create_dir_all_synced(dir)?;
    }
    // Its name is made durable with the quarantined file's, when its folder is synced.
    std::fs::write(error_note_path(dest), note)?;
    pli_capture::durable::sync_file(&error_note_path(dest))
}

/// The note written beside a quarantined original (`<name>.error.txt`): why it failed.
pub fn error_note_path(quarantined: &Path) -> PathBuf {
    let mut path = quarantined.as_os_str().to_owned();
    path.push(".error.txt");
    PathBuf::from(path)
}

/// The store as capture sees it, committing the batch and its journal row together.
struct Journalled<'a> {
    store: &'a mut Store,
    intake: i64,
    path: &'a Path,
    content_hash: &'a str,
}

impl BatchStore for Journalled<'_> {
    type Error = StoreError;

    fn commit_batch(&mut self, batch: &NewBatch, actor: &Actor) -> Result<CommittedBatch, StoreError> {
        crash_point("before-commit");
        // What was read must be the bytes journalled, still in the folder: a file replaced
        // or rewritten while it was read is not committed; it is taken again, as what it is now.
        let now = pli_capture::content_hash(self.path).map_err(|e| StoreError::Invalid(e.to_string()))?;
        if batch.content_hash != self.content_hash || now != self.content_hash {
            return Err(StoreError::Invalid(format!(
                "« {} » a été remplacé ou modifié pendant sa lecture : il sera repris",
                journal_name(self.path)
            )));
        }
        self.store.commit_batch_for_intake(batch, actor, self.intake)
    }

    fn batch_by_hash(&self, content_hash: &str) -> Result<Option<KnownBatch>, StoreError> {
        self.store.batch_by_hash(content_hash)
    }
}

/// How the journal names an original: its path, any byte of its name that is not UTF-8
/// (a scanner writing in another encoding) written `\xNN`, so that it is found again.
fn journal_name(path: &Path) -> String {
    match path.to_str() {
        Some(s) => s.to_string(),
        None => {
            let mut out = String::new();
            for chunk in path.as_os_str().as_encoded_bytes().utf8_chunks() {
                out.push_str(chunk.valid());
                for b in chunk.invalid() {
                    out.push_str(&format!("\\x{b:02X}"));
                }
            }
            out
        }
    }
}

/// The path a journal name stands for: itself when it exists, else its `\xNN` undone.
fn original_path(journalled: &str) -> PathBuf {
    let literal = PathBuf::from(journalled);
    #[cfg(unix)]
    if std::fs::symlink_metadata(&literal).is_err() && journalled.contains("\\x") {
        use std::os::unix::ffi::OsStringExt;
        let bytes = journalled.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let hex = bytes.get(i + 2..i + 4).and_then(|h| std::str::from_utf8(h).ok());
            match (bytes[i..].starts_with(b"\\x"), hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
                (true, Some(b)) => {
                    out.push(b);
                    i += 4;
                }
                _ => {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
        }
        return PathBuf::from(std::ffi::OsString::from_vec(out));
    }
    literal
}

/// A path as front ends are shown it (their events are JSON, which needs UTF-8).
fn shown(path: &Path) -> PathBuf {
    PathBuf::from(journal_name(path))
}

/// The symbolic links inside a folder of pages (at any depth), in name order.
fn links_inside(path: &Path) -> Vec<String> {
    let mut links = Vec::new();
    for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
        let Ok(kind) = entry.file_type() else { continue };
        let name = entry.file_name().to_string_lossy().into_owned();
        if kind.is_symlink() {
            links.push(name);
        } else if kind.is_dir() {
            links.extend(links_inside(&entry.path()).into_iter().map(|link| format!("{name}/{link}")));
        }
    }
    links.sort();
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_name_that_is_not_utf8_is_journalled_so_that_it_is_found_again() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(std::ffi::OsStr::from_bytes(b"lot-\xe9t\xe9.pdf"));
        std::fs::write(&path, b"%PDF").unwrap();
        let name = journal_name(&path);
        assert!(name.ends_with("lot-\\xE9t\\xE9.pdf"), "{name}");
        assert_eq!(original_path(&name), path);
        // A UTF-8 name is kept as it is, even one that looks escaped.
        let plain = dir.path().join("lot-\\x41.pdf");
        std::fs::write(&plain, b"%PDF").unwrap();
        assert_eq!(journal_name(&plain), plain.to_str().unwrap());
        assert_eq!(original_path(plain.to_str().unwrap()), plain);
    }

    #[test]
    fn a_scanner_folder_overlapping_the_data_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("donnees");
        std::fs::create_dir_all(data.join("courriers")).unwrap();
        for folder in [
            data.clone(),
            data.join("courriers"),
            data.join("archive/scan"),
            data.join("nouveau"),
            dir.path().to_path_buf(),
            data.join("scanner/../courriers"),
        ] {
            let err = check_scanner_folder(&folder, &data).unwrap_err();
            assert!(err.to_string().contains("se recouvrent"), "{}: {err}", folder.display());
        }
        #[cfg(unix)]
        {
            // Through a link to the data folder, too.
            std::os::unix::fs::symlink(&data, dir.path().join("lien")).unwrap();
            assert!(check_scanner_folder(&dir.path().join("lien/scan"), &data).is_err());
        }
        for folder in [data.join("scanner"), data.join("scanner/poste-2"), dir.path().join("scan"), "/srv/scan".into()]
        {
            check_scanner_folder(&folder, &data).unwrap();
        }
        // Relative paths are read from the current folder.
        assert!(check_scanner_folder(Path::new("."), Path::new("donnees")).is_err());
    }
}
