//! The desktop's services: what each Tauri command does, over Pli's libraries. The
//! Tauri shell (`src-tauri`) only forwards calls here, so that all of it is testable
//! without a window. One signed-in user per window; every read and change goes
//! through that user's [`Session`], so the access policy applies as in the CLI.
//!
//! Errors are [`Failure`]s: a kind (refused, not found, invalid, conflict, internal) the
//! window may act on, and a plain French sentence it shows as it is.

pub mod acknowledgements;
mod demo;
mod failure;
mod images;
pub mod office;
mod remote;
mod types;

pub use demo::{DEMO_PASSWORD, accounts as demo_accounts, install_organisation_if_empty as install_demo_if_empty};
pub use failure::{Answer, Failure, say};
pub use pli_store::ErrorKind;
pub use remote::{LOCAL_COMMANDS, SERVER_FILE};
pub use types::*;

use pli_capture::profile::Profile;
use pli_core::capture::Actor;
use pli_core::registration::{ChronoFormat, Qualification};
use pli_core::split::SplitEdit;
use pli_core::stats::Report;
use pli_core::{CourrierState, Role};
use pli_store::org::{Catalogue, DirectionRow, DocumentTypeRow, UserRow};
use pli_store::registry::{
    Act, BasketCount, Contact, CourrierSummary, NewContact, Registered, SearchFilters, SearchResult, Suggestions,
};
use pli_store::{CourrierView, HistoryEntry, Intake, IntakeState, Session, Store};
use pli_watch::{ActorSource, Inbox, WatchEvent, Watcher, WatcherSettings};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};

/// Where the desktop keeps its data and which scanner folder it watches.
#[derive(Debug, Clone)]
pub struct DeskSettings {
    pub data_dir: PathBuf,
    /// The scanner's output folder and its profile, when imposed (the environment);
    /// else those saved by the administration screen in `<data>/poste.toml`, else
    /// `<data>/scanner` read with `generic-pdf`.
    pub scanner: Option<ScannerSettings>,
    /// On an empty data folder, install the demo organisation (asked for explicitly:
    /// its accounts' password is public).
    pub demo: bool,
    /// With the demo, put the demo batch in the scanner folder.
    pub demo_batch: bool,
    pub workstation: String,
    pub chrono: ChronoFormat,
    /// The Pli server this workstation is connected to, when imposed (`PLI_SERVER`); else
    /// the one saved in `<data>/server.toml`, else none: standalone.
    pub server: Option<String>,
}

impl DeskSettings {
    /// From the environment: `PLI_DATA` (else the user's data folder), `PLI_SCANNER_DIR`,
    /// `PLI_SCANNER_PROFILE` (default `generic-pdf`), `PLI_DEMO=1` (or `--demo` on the
    /// command line) for the demo on an empty data folder, `PLI_DEMO_BATCH=0` to skip the
    /// demo batch, `PLI_CHRONO_FORMAT`, `PLI_SERVER` (a connected workstation's server).
    pub fn from_env() -> Answer<DeskSettings> {
        let data_dir = match std::env::var_os("PLI_DATA") {
            Some(dir) => PathBuf::from(dir),
            None => directories::ProjectDirs::from("fr", "Pli", "pli")
                .map(|d| d.data_dir().to_path_buf())
                .ok_or_else(|| Failure::internal("dossier de données introuvable : définissez PLI_DATA"))?,
        };
        let chrono = match std::env::var("PLI_CHRONO_FORMAT") {
            Ok(f) => ChronoFormat::new(&f).map_err(Failure::invalid)?,
            Err(_) => ChronoFormat::default(),
        };
        let scanner = match (std::env::var("PLI_SCANNER_DIR"), std::env::var("PLI_SCANNER_PROFILE")) {
            (Err(_), Err(_)) => None,
            (folder, profile) => Some(ScannerSettings {
                folder: folder.unwrap_or_else(|_| data_dir.join("scanner").display().to_string()),
                profile: profile.unwrap_or_else(|_| DEFAULT_PROFILE.into()),
            }),
        };
        Ok(DeskSettings {
            scanner,
            demo: std::env::var("PLI_DEMO").is_ok_and(|v| v == "1") || std::env::args().any(|a| a == "--demo"),
            demo_batch: std::env::var("PLI_DEMO_BATCH").map(|v| v != "0").unwrap_or(true),
            workstation: std::fs::read_to_string("/etc/hostname")
                .map(|s| s.trim().to_string())
                .unwrap_or_else(|_| "poste".into()),
            data_dir,
            chrono,
            server: std::env::var("PLI_SERVER").ok().map(|u| u.trim().to_string()).filter(|u| !u.is_empty()),
        })
    }
}

/// What an empty data folder needs before anyone can sign in.
pub const NO_ACCOUNT: &str = "aucun compte dans ce dossier de données : importez l'organisation \
    (pli org import --users utilisateurs.csv, colonnes identifiant;nom;roles;actif;mot_de_passe, \
    avec au moins un pilote), ou lancez la démonstration (PLI_DEMO=1 ou --demo)";

/// The profile a new workstation reads its scanner's batches with.
const DEFAULT_PROFILE: &str = "generic-pdf";

/// Where the administration screen keeps this workstation's scanner settings.
const SCANNER_SETTINGS_FILE: &str = "poste.toml";

/// Where a connected workstation puts the server's PDFs it opens, under the data folder.
const DOWNLOADED_PDFS: &str = "cache/pdf";

/// The session of a user signed in to the server, as this workstation keeps it: their
/// login and roles (capture records batches as them; the server decides everything else).
fn remote_session(me: &Me, workstation: &str) -> Session {
    use pli_core::access::{Grant, Viewer};
    let held =
        [(me.operator, Role::Operator), (me.referent, Role::Referent), (me.agent, Role::Agent), (me.lead, Role::Lead)];
    let grants = held.iter().filter(|(has, _)| *has).map(|(_, role)| Grant { role: *role, direction: None }).collect();
    Session { viewer: Viewer::new(0, me.login.clone(), grants), workstation: workstation.to_string() }
}

/// The server's page-image links (`/img/…`) as this window's (`pli://localhost/img/…`,
/// fetched from the server by [`Desk::image`]).
fn window_links(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) if s.starts_with("/img/") => *s = format!("pli://localhost{s}"),
        serde_json::Value::Array(items) => items.iter_mut().for_each(window_links),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(window_links),
        _ => {}
    }
}

type Publish = Arc<dyn Fn(WatchEvent) + Send + Sync>;

/// The capture engine running in its thread.
struct Running {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

/// The desktop's state: the store, who is signed in, the scanner folder and the
/// capture engine that watches it.
pub struct Desk {
    settings: DeskSettings,
    store: Mutex<Store>,
    /// Shared with capture, which records batches as the operator signed in here.
    session: Arc<Mutex<Option<Session>>>,
    inbox: Mutex<Inbox>,
    capture: Mutex<Option<Running>>,
    publish: Mutex<Option<Publish>>,
    /// Why capture stopped or could not start, for the capture screen.
    capture_problem: Arc<Mutex<Option<String>>>,
    /// The integrity check started with the desk, for the lead's banner.
    integrity: Arc<Mutex<IntegrityStatus>>,
    /// The server, on a connected workstation (see [`remote`]).
    remote: Mutex<Option<Arc<remote::Remote>>>,
    delivered: remote::Hook,
}

/// How often the history's head is anchored while the window stays open (it is also at
/// every export and when the window closes).
const ANCHOR_EVERY: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Checks the data folder in its own thread and connection (the window is not held up),
/// then anchors the history's head periodically until the desk is gone.
fn spawn_integrity_check(data_dir: PathBuf, status: &Arc<Mutex<IntegrityStatus>>) {
    let weak = Arc::downgrade(status);
    std::thread::spawn(move || {
        let result = Store::open(&data_dir).and_then(|mut store| store.check_integrity(false));
        let Some(status) = weak.upgrade() else { return };
        let done = match result {
            Ok(report) => IntegrityStatus {
                running: false,
                problems: report.problems(),
                documents: report.documents,
                checked_at: Some(jiff::Timestamp::now().to_string()),
            },
            Err(e) => {
                tracing::error!("contrôle d'intégrité impossible : {e}");
                IntegrityStatus {
                    running: false,
                    problems: vec![format!("contrôle d'intégrité impossible : {e}")],
                    documents: 0,
                    checked_at: Some(jiff::Timestamp::now().to_string()),
                }
            }
        };
        *status.lock().unwrap_or_else(|e| e.into_inner()) = done;
        drop(status);
        loop {
            std::thread::sleep(ANCHOR_EVERY);
            if weak.strong_count() == 0 {
                return;
            }
            if let Err(e) = Store::open(&data_dir).and_then(|s| s.anchor_history()) {
                tracing::warn!("ancre de l'historique non écrite : {e}");
            }
        }
    });
}

/// Reads and checks the scanner settings: the profile must exist; the folder is
/// created when missing (a local folder; a share must be mounted first).
fn inbox_for(data_dir: &Path, scanner: &ScannerSettings) -> Answer<Inbox> {
    let profile = Profile::find(scanner.profile.trim(), Some(&data_dir.join("scanner-profiles"))).map_err(say)?;
    let folder = PathBuf::from(scanner.folder.trim());
    if !folder.is_absolute() {
        return Err(Failure::invalid(format!(
            "dossier du scanner « {} » : un chemin complet est attendu",
            folder.display()
        )));
    }
    let inbox = Inbox::new(profile, Some(folder), data_dir).map_err(say)?;
    std::fs::create_dir_all(&inbox.folder)
        .map_err(|e| Failure::internal(format!("dossier du scanner « {} » : {e}", inbox.folder.display())))?;
    Ok(inbox)
}

fn saved_scanner(data_dir: &Path) -> Answer<Option<ScannerSettings>> {
    let path = data_dir.join(SCANNER_SETTINGS_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text)
            .map(Some)
            .map_err(|e| Failure::internal(format!("« {} » illisible : {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Failure::internal(format!("« {} » : {e}", path.display()))),
    }
}

impl Desk {
    /// Opens the data folder. With the demo asked for, on an empty data folder, installs
    /// the demo organisation and puts the demo batch in the scanner folder (the watcher
    /// then ingests it); without it, an empty data folder has no account until the
    /// organisation is imported.
    pub fn open(settings: DeskSettings) -> Answer<Desk> {
        let mut store = Store::open(&settings.data_dir).map_err(say)?;
        let system = Actor { login: "pli".into(), workstation: settings.workstation.clone() };
        let first_start = settings.demo && demo::install_organisation_if_empty(&mut store, &system)?;
        demo::mark_legacy_accounts(&mut store)?;
        if !store.has_accounts().map_err(say)? {
            tracing::warn!("{}", NO_ACCOUNT);
        }
        let scanner = match &settings.scanner {
            Some(imposed) => imposed.clone(),
            None => saved_scanner(&settings.data_dir)?.unwrap_or_else(|| ScannerSettings {
                folder: settings.data_dir.join("scanner").display().to_string(),
                profile: DEFAULT_PROFILE.into(),
            }),
        };
        let inbox = inbox_for(&settings.data_dir, &scanner)?;
        if first_start && settings.demo_batch {
            demo::drop_demo_batch(&inbox.folder)?;
        }
        let integrity = Arc::new(Mutex::new(IntegrityStatus { running: true, ..Default::default() }));
        spawn_integrity_check(settings.data_dir.clone(), &integrity);
        let server = match &settings.server {
            Some(imposed) => Some(imposed.clone()),
            None => remote::saved_server(&settings.data_dir)?,
        };
        let delivered = remote::Hook::default();
        let remote = server.map(|url| {
            // PDFs downloaded to be opened: the previous run's are not needed any more.
            let _ = std::fs::remove_dir_all(settings.data_dir.join(DOWNLOADED_PDFS));
            remote::Remote::start(url, settings.workstation.clone(), settings.data_dir.clone(), delivered.clone())
        });
        Ok(Desk {
            settings,
            store: Mutex::new(store),
            session: Default::default(),
            inbox: Mutex::new(inbox),
            capture: Mutex::new(None),
            publish: Mutex::new(None),
            capture_problem: Default::default(),
            integrity,
            remote: Mutex::new(remote),
            delivered,
        })
    }

    /// The integrity check's findings (the lead).
    pub fn integrity(&self) -> Answer<IntegrityStatus> {
        let s = self.session()?;
        self.require(&s, &[Role::Lead], "le contrôle d'intégrité")?;
        Ok(self.integrity.lock().unwrap_or_else(|e| e.into_inner()).clone())
    }

    fn inbox(&self) -> Inbox {
        self.inbox.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Starts the capture engine on the scanner folder; its progress goes to `publish`.
    pub fn start_capture(&self, publish: impl Fn(WatchEvent) + Send + Sync + 'static) {
        *self.publish.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(publish));
        self.restart_capture();
    }

    /// Stops capture: the batch in hand is abandoned safely and taken again at the next start.
    pub fn stop_capture(&self) {
        // Taken out first: the status stays readable while the batch in hand winds down.
        let running = self.capture.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(running) = running {
            running.stop.store(true, std::sync::atomic::Ordering::SeqCst);
            let _ = running.thread.join();
        }
    }

    fn restart_capture(&self) {
        self.stop_capture();
        let Some(publish) = self.publish.lock().unwrap_or_else(|e| e.into_inner()).clone() else { return };
        let stop = Arc::new(AtomicBool::new(false));
        let remote = self.remote();
        let thread = self.start_watcher(stop.clone(), move |e| {
            // A batch committed here: off to the server now (connected workstation).
            if let (WatchEvent::BatchDone { .. }, Some(remote)) = (&e, &remote) {
                remote.nudge();
            }
            publish(e)
        });
        *self.capture.lock().unwrap_or_else(|e| e.into_inner()) = Some(Running { stop, thread });
    }

    /// Where capture stands: the folder, its profile, whether it runs, why not.
    pub fn capture_status(&self) -> Answer<CaptureStatus> {
        self.fresh()?;
        let inbox = self.inbox();
        let running =
            self.capture.lock().unwrap_or_else(|e| e.into_inner()).as_ref().is_some_and(|r| !r.thread.is_finished());
        let outbox = match self.remote() {
            Some(remote) => Some(OutboxStatus {
                server: remote.url.clone(),
                waiting: self.store().outbox().map_err(say)?.len(),
                problem: remote.problem(),
            }),
            None => None,
        };
        Ok(CaptureStatus {
            folder: inbox.folder.display().to_string(),
            profile: inbox.profile.name,
            imposed: self.settings.scanner.is_some(),
            running,
            problem: self.capture_problem.lock().unwrap_or_else(|e| e.into_inner()).clone(),
            outbox,
        })
    }

    /// Changes the scanner folder or its profile (the lead), saves them for the next
    /// starts and restarts capture on them.
    pub fn set_scanner(&self, scanner: &ScannerSettings) -> Answer<CaptureStatus> {
        let s = self.session()?;
        self.require(&s, &[Role::Lead], "l'administration")?;
        if self.settings.scanner.is_some() {
            return Err(Failure::refused(
                "le dossier du scanner est imposé par l'environnement (PLI_SCANNER_DIR, PLI_SCANNER_PROFILE)",
            ));
        }
        let inbox = inbox_for(&self.settings.data_dir, scanner)?;
        let saved = ScannerSettings { folder: inbox.folder.display().to_string(), profile: inbox.profile.name.clone() };
        let path = self.settings.data_dir.join(SCANNER_SETTINGS_FILE);
        let text = toml::to_string(&saved).map_err(say)?;
        let part = path.with_extension("toml.part");
        std::fs::write(&part, text)
            .and_then(|_| std::fs::rename(&part, &path))
            .map_err(|e| Failure::internal(format!("« {} » : {e}", path.display())))?;
        tracing::info!(folder = %saved.folder, profile = %saved.profile, "dossier du scanner changé par {}", s.viewer.login);
        *self.inbox.lock().unwrap_or_else(|e| e.into_inner()) = inbox;
        self.restart_capture();
        self.capture_status()
    }

    pub fn settings(&self) -> &DeskSettings {
        &self.settings
    }

    /// Runs the capture engine on the scanner folder in its own thread until `stop`.
    /// Its own store connection: capture never waits for the window, nor the window
    /// for capture.
    fn start_watcher(
        &self,
        stop: Arc<AtomicBool>,
        publish: impl Fn(WatchEvent) + Send + Sync + 'static,
    ) -> std::thread::JoinHandle<()> {
        let data = self.settings.data_dir.clone();
        let inbox = self.inbox();
        let problem = self.capture_problem.clone();
        *problem.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let session = self.session.clone();
        let workstation = self.settings.workstation.clone();
        // The mail room's operator signed in at this workstation scans; with nobody (or no
        // operator) signed in, the workstation's capture account.
        let actor = ActorSource::new(move || {
            let signed_in = session.lock().unwrap_or_else(|e| e.into_inner()).clone();
            match signed_in {
                Some(s) if s.viewer.has(Role::Operator) || s.viewer.has(Role::Lead) => {
                    Actor { login: s.viewer.login, workstation: s.workstation }
                }
                _ => Actor { login: "capture".into(), workstation: workstation.clone() },
            }
        });
        let settings = WatcherSettings {
            database: None,
            workers: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            actor,
            until_idle: false,
        };
        std::thread::Builder::new()
            .name("pli-capture".into())
            .spawn(move || {
                let failed = match Watcher::open(&data, vec![inbox], settings, stop, publish) {
                    Ok(mut watcher) => watcher.run().err().map(|e| format!("la capture s'est arrêtée : {e}")),
                    Err(e) => Some(format!("la capture ne peut pas démarrer : {e}")),
                };
                if let Some(why) = failed {
                    tracing::error!("{why}");
                    *problem.lock().unwrap_or_else(|e| e.into_inner()) = Some(why);
                }
            })
            .expect("a thread for capture")
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The session as signed in. The store re-reads its user and roles on every call;
    /// calls that decide here use [`Desk::fresh`].
    fn session(&self) -> Answer<Session> {
        self.session
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| Failure::refused("session terminée : reconnectez-vous"))
    }

    /// The session with its user's state now: a deactivated user is signed out at their
    /// next call, a removed role is gone. Not while the store is locked by the caller.
    fn fresh(&self) -> Answer<Session> {
        let cached = self.session()?;
        if self.remote().is_some() {
            // The server knows the user: asked again. While it cannot be reached, the
            // workstation's own screens (capture, its outbox) go on with what it said last.
            return match self.me() {
                Ok(Some(_)) => self.session(),
                Ok(None) => Err(Failure::refused("session terminée : reconnectez-vous")),
                Err(f) if f.kind == ErrorKind::Internal => Ok(cached),
                Err(f) => Err(f),
            };
        }
        let current = self.store().current(&cached);
        match current {
            Ok(s) => Ok(s),
            Err(e) => {
                if matches!(e, pli_store::StoreError::Refused(pli_core::Refusal::SessionEnded)) {
                    self.sign_out();
                }
                Err(say(e))
            }
        }
    }

    /// Checks the roles the session's user holds now.
    fn require(&self, s: &Session, roles: &[Role], what: &str) -> Answer<()> {
        if self.remote().is_some() {
            let s = self.fresh()?;
            return match roles.iter().any(|r| s.viewer.has(*r)) {
                true => Ok(()),
                false => Err(Failure::refused(format!("{what} : réservé à d'autres rôles"))),
            };
        }
        office::require(&self.store(), s, roles, what).map(drop)
    }

    pub fn startup(&self) -> Startup {
        // Read each time: the first real import retires the demo accounts.
        let server = self.remote().map(|r| r.url.clone());
        // Connected: the accounts are the server's (its demo ones are not told here).
        let demo = server.is_none() && self.store().has_demo_accounts().unwrap_or(false);
        Startup {
            data_dir: self.settings.data_dir.display().to_string(),
            scanner_folder: self.inbox().folder.display().to_string(),
            scanner_profile: self.inbox().profile.name,
            demo,
            demo_accounts: if demo { demo::accounts() } else { Vec::new() },
            may_set_server: server.is_none()
                && self.settings.server.is_none()
                && !self.store().has_accounts().unwrap_or(true),
            server,
        }
    }

    fn remote(&self) -> Option<Arc<remote::Remote>> {
        self.remote.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The server this workstation is connected to, if any.
    pub fn server(&self) -> Option<String> {
        self.remote().map(|r| r.url.clone())
    }

    /// Connects this workstation to the Pli server at `url` (checked by its `/healthz`
    /// first) and keeps it in `<data>/server.toml`: on a workstation with no account yet
    /// (its first start), or by the lead. Whoever was signed in here is signed out.
    pub fn set_server(&self, url: &str) -> Answer<Startup> {
        if self.settings.server.is_some() {
            return Err(Failure::refused("le serveur est imposé par l'environnement (PLI_SERVER)"));
        }
        let first_start = self.remote().is_none() && !self.store().has_accounts().map_err(say)?;
        if !first_start {
            let s = self.session()?;
            self.require(&s, &[Role::Lead], "le choix du serveur")?;
        }
        let url = remote::save_server(&self.settings.data_dir, url)?;
        tracing::info!(server = %url, "poste relié au serveur");
        self.sign_out();
        let remote = remote::Remote::start(
            url,
            self.settings.workstation.clone(),
            self.settings.data_dir.clone(),
            self.delivered.clone(),
        );
        *self.remote.lock().unwrap_or_else(|e| e.into_inner()) = Some(remote);
        // Capture nudges the new link's deliveries.
        if self.capture.lock().unwrap_or_else(|e| e.into_inner()).is_some() {
            self.restart_capture();
        }
        Ok(self.startup())
    }

    /// Connected: one of the window's commands answered by the server, as it is (its
    /// errors keep their kind and sentence; a session it ended signs out here too). Page
    /// images' links are turned into this window's `pli://` ones, fetched from the server.
    pub fn remote_call(&self, command: &str, args: serde_json::Value) -> Answer<serde_json::Value> {
        let remote = self.remote().ok_or_else(|| Failure::invalid("ce poste n'est relié à aucun serveur"))?;
        if LOCAL_COMMANDS.contains(&command) {
            return Err(Failure::invalid(format!("« {command} » se fait sur ce poste, pas sur le serveur")));
        }
        let mut answer = remote.call(command, args).map_err(|e| self.remote_failure(e))?;
        if matches!(command, "pages" | "batch_check") {
            window_links(&mut answer);
        }
        Ok(answer)
    }

    fn remote_failure(&self, e: pli_link::LinkError) -> Failure {
        if remote::session_ended(&e) {
            *self.session.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
        remote::failure(e)
    }

    /// Connected: looks at the outbox now (the capture screen's « envoyer maintenant »).
    pub fn deliver_now(&self) {
        if let Some(remote) = self.remote() {
            remote.nudge();
        }
    }

    /// Connected: `changed` is called when deliveries put new courriers on the server.
    pub fn on_delivered(&self, changed: impl Fn() + Send + Sync + 'static) {
        *self.delivered.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(changed));
    }

    pub fn sign_in(&self, login: &str, password: &str) -> Answer<Me> {
        if let Some(remote) = self.remote() {
            let me = remote.sign_in(login.trim(), password)?;
            *self.session.lock().unwrap_or_else(|e| e.into_inner()) =
                Some(remote_session(&me, &self.settings.workstation));
            return Ok(me);
        }
        if !self.store().has_accounts().map_err(say)? {
            return Err(Failure::refused(NO_ACCOUNT));
        }
        let viewer = self.store().sign_in(login.trim(), password, &self.settings.workstation).map_err(say)?;
        let session = Session { viewer, workstation: self.settings.workstation.clone() };
        let me = self.me_of(&session)?;
        *self.session.lock().unwrap_or_else(|e| e.into_inner()) = Some(session);
        Ok(me)
    }

    pub fn sign_out(&self) {
        *self.session.lock().unwrap_or_else(|e| e.into_inner()) = None;
        if let Some(remote) = self.remote() {
            remote.sign_out();
        }
    }

    /// Who is signed in, as they are now (none once deactivated).
    pub fn me(&self) -> Answer<Option<Me>> {
        if self.session.lock().unwrap_or_else(|e| e.into_inner()).is_none() {
            return Ok(None);
        }
        if let Some(remote) = self.remote() {
            let answer = remote.call("me", serde_json::json!({})).map_err(|e| self.remote_failure(e))?;
            let me: Option<Me> = serde_json::from_value(answer)
                .map_err(|e| Failure::internal(format!("réponse du serveur illisible : {e}")))?;
            // Its roles as they are now (capture records batches as this operator).
            *self.session.lock().unwrap_or_else(|e| e.into_inner()) =
                me.as_ref().map(|me| remote_session(me, &self.settings.workstation));
            if me.is_none() {
                remote.forget();
            }
            return Ok(me);
        }
        match self.fresh() {
            Ok(s) => self.me_of(&s).map(Some),
            Err(_) if self.session.lock().unwrap_or_else(|e| e.into_inner()).is_none() => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn me_of(&self, s: &Session) -> Answer<Me> {
        office::me(&self.store(), s)
    }

    pub fn baskets(&self) -> Answer<Vec<BasketCount>> {
        self.store().baskets(&self.session()?).map_err(say)
    }

    pub fn basket(&self, name: &str) -> Answer<Vec<CourrierSummary>> {
        self.store().basket(&self.session()?, name).map_err(say)
    }

    pub fn courrier(&self, id: i64) -> Answer<CourrierView> {
        office::courrier(&mut self.store(), &self.session()?, id)
    }

    pub fn pages(&self, id: i64) -> Answer<Vec<PageView>> {
        office::pages(&self.store(), &self.session()?, id, Links::Window)
    }

    /// A page image for the window's `pli://` URLs (see [`office::image`]).
    pub fn image(&self, path: &str) -> Answer<(&'static str, Vec<u8>)> {
        if let Some(remote) = self.remote() {
            if !path.starts_with("/img/") {
                return Err(Failure::not_found(format!("image inconnue « {path} »")));
            }
            let (mime, bytes) = remote.get(path).map_err(|e| self.remote_failure(e))?;
            return Ok((remote::image_mime(&mime), bytes));
        }
        let image = office::image(&mut self.store(), &self.session()?, path)?;
        image.render()
    }

    /// The OCR text; reading it is recorded.
    pub fn text(&self, id: i64) -> Answer<String> {
        office::text(&mut self.store(), &self.session()?, id)
    }

    pub fn history(&self, id: i64) -> Answer<Vec<HistoryEntry>> {
        self.store().history(&self.session()?, id).map_err(say)
    }

    pub fn act(&self, id: i64, act: &Act) -> Answer<CourrierState> {
        let s = self.session()?;
        let mut store = self.store();
        let state = store.act(&s, id, act).map_err(say)?;
        office::after_act(&mut store, &s, id, act);
        drop(store);
        if matches!(act, Act::Forward { .. }) {
            self.send_in_background(&s);
        }
        Ok(state)
    }

    pub fn next_to_qualify(&self, after: Option<i64>) -> Answer<Option<i64>> {
        self.store().next_to_qualify(&self.session()?, after).map_err(say)
    }

    pub fn suggestions(&self, id: i64) -> Answer<Suggestions> {
        self.store().suggestions(&self.session()?, id).map_err(say)
    }

    pub fn save_draft(&self, id: i64, form: &Qualification) -> Answer<()> {
        self.store().qualify(&self.session()?, id, form).map_err(say)
    }

    pub fn register(&self, id: i64, form: &Qualification) -> Answer<Registered> {
        let s = self.session()?;
        let mut store = self.store();
        let registered = store.register(&s, id, form, &self.settings.chrono).map_err(say)?;
        office::acknowledge(&mut store, &s, id);
        drop(store);
        self.send_in_background(&s);
        Ok(registered)
    }

    pub fn contacts(&self, typed: &str) -> Answer<Vec<Contact>> {
        self.fresh()?;
        self.store().search_contacts(typed, 10).map_err(say)
    }

    pub fn create_contact(&self, contact: &NewContact) -> Answer<i64> {
        self.store().create_contact(&self.session()?, contact).map(|(id, _)| id).map_err(say)
    }

    pub fn catalogue(&self) -> Answer<Catalogue> {
        self.fresh()?;
        self.store().catalogue().map_err(say)
    }

    /// The capture journal, newest first.
    pub fn intakes(&self) -> Answer<Vec<Intake>> {
        let s = self.session()?;
        self.require(&s, &[Role::Operator, Role::Lead], "la capture")?;
        let mut intakes = self.store().recent_intakes(200).map_err(say)?;
        if self.remote().is_some() {
            // The window shows the server's batches: a batch is named by the server's number
            // once delivered, and by none while it waits in the outbox.
            let sent = self.store().sent_batches().map_err(say)?;
            for i in &mut intakes {
                i.batch_id = i.batch_id.and_then(|b| sent.get(&b).copied());
            }
        }
        Ok(intakes)
    }

    /// Puts a quarantined original back into its scanner folder, where the watcher
    /// takes it again (a new journal row; the failed one stays as history).
    pub fn retry_intake(&self, id: i64) -> Answer<()> {
        let s = self.session()?;
        self.require(&s, &[Role::Operator, Role::Lead], "la capture")?;
        let intake = self.store().intake(id).map_err(say)?;
        let quarantined = match (&intake.state, &intake.moved_to) {
            (IntakeState::Failed, Some(path)) if !path.is_empty() => PathBuf::from(path),
            _ => return Err(Failure::conflict(format!("le lot n° {id} n'est pas en quarantaine"))),
        };
        if !quarantined.is_file() {
            return Err(Failure::conflict(format!("« {} » n'est plus en quarantaine", quarantined.display())));
        }
        let source = Path::new(&intake.source_path);
        let name = source
            .file_name()
            .ok_or_else(|| Failure::internal(format!("nom de fichier illisible : {}", intake.source_path)))?;
        let inbox_folder = self.inbox().folder;
        let folder = source.parent().unwrap_or(&inbox_folder);
        let mut back = folder.join(name);
        if back.exists() {
            back = folder.join(format!("{id}-{}", name.to_string_lossy()));
        }
        pli_watch::move_path(&quarantined, &back).map_err(|e| {
            Failure::internal(format!(
                "« {} » ne peut pas revenir dans « {} » : {e}",
                quarantined.display(),
                folder.display()
            ))
        })?;
        // The note beside it told why it failed; the journal keeps that.
        let _ = std::fs::remove_file(pli_watch::error_note_path(&quarantined));
        tracing::info!(intake = id, to = %back.display(), "lot remis au scanner par {}", s.viewer.login);
        Ok(())
    }

    /// A batch's courriers and their pages, for the split check.
    pub fn batch_check(&self, batch: i64) -> Answer<BatchCheck> {
        office::batch_check(&self.store(), &self.session()?, batch, Links::Window)
    }

    pub fn correct_split(&self, edit: &SplitEdit) -> Answer<Vec<i64>> {
        self.store().edit_split(&self.session()?, edit, &pli_capture::pdf::Composer).map_err(say)
    }

    /// Puts back page `page` (from 0) of `batch`, dropped as blank by capture: into
    /// `into` at `at` (from 0), or where it was scanned. It is OCRed with the profile of
    /// this workstation's scanner.
    pub fn restore_dropped_page(
        &self,
        batch: i64,
        page: usize,
        into: Option<i64>,
        at: Option<usize>,
    ) -> Answer<pli_store::dropped::Restored> {
        let s = self.session()?;
        let reader = pli_capture::restore::KeptPageReader::new(&self.inbox().profile);
        self.store().restore_dropped_page(&s, batch, page, into, at, &reader, &pli_capture::pdf::Composer).map_err(say)
    }

    pub fn search(&self, query: &str, filters: &SearchFilters) -> Answer<Vec<SearchResult>> {
        self.store().search_filtered(&self.session()?, query, filters, 100).map_err(say)
    }

    /// The PDF's path, for the system viewer; opening it is recorded as a reading.
    pub fn pdf_to_open(&self, id: i64) -> Answer<PathBuf> {
        if let Some(remote) = self.remote() {
            return self.download(&remote, &format!("/pdf/{id}"), &format!("courrier-{id}.pdf"));
        }
        office::pdf(&mut self.store(), &self.session()?, id)
    }

    /// Connected: a PDF the server serves at `path`, downloaded into the private data
    /// folder as `name` (written aside, then renamed), to be opened here.
    fn download(&self, remote: &remote::Remote, path: &str, name: &str) -> Answer<PathBuf> {
        let (_, bytes) = remote.get(path).map_err(|e| self.remote_failure(e))?;
        let dir = self.settings.data_dir.join(DOWNLOADED_PDFS);
        std::fs::create_dir_all(&dir).map_err(|e| Failure::internal(format!("dossier « {} » : {e}", dir.display())))?;
        let path = dir.join(name);
        let part = path.with_extension("pdf.part");
        std::fs::write(&part, &bytes)
            .and_then(|_| std::fs::rename(&part, &path))
            .map_err(|e| Failure::internal(format!("écriture de « {} » : {e}", path.display())))?;
        Ok(path)
    }

    /// The activity of the local days `from..=to` (`YYYY-MM-DD`).
    pub fn activity(&self, from: &str, to: &str) -> Answer<Report> {
        let s = self.session()?;
        self.require(&s, &[Role::Lead], "l'activité")?;
        let (from, to) = (office::day(from)?, office::day(to)?);
        // Its own connection: a long report does not hold the window's.
        let store = Store::open(&self.settings.data_dir).map_err(say)?;
        store.activity_report(from, to, &pli_core::stats::Settings::default()).map_err(say)
    }

    /// Writes the activity export under `<data>/exports/` and returns its path.
    pub fn export_activity(&self, from: &str, to: &str, format: ExportFormat) -> Answer<PathBuf> {
        if let Some(remote) = self.remote() {
            let ext = match format {
                ExportFormat::Csv => "csv",
                ExportFormat::Xlsx => "xlsx",
            };
            let (from, to) = (office::day(from)?, office::day(to)?);
            let (_, bytes) = remote
                .get(&format!("/export/activity?from={from}&to={to}&format={ext}"))
                .map_err(|e| self.remote_failure(e))?;
            return self.write_export(&format!("activite-{from}-{to}.{ext}"), &bytes);
        }
        let report = self.activity(from, to)?;
        // The history's head goes with every export: an anchor kept elsewhere.
        let head = self.store().anchor_history().map_err(say)?;
        let (bytes, ext) = match format {
            ExportFormat::Csv => (pli_store::stats::to_csv(&report, head.as_ref()).into_bytes(), "csv"),
            ExportFormat::Xlsx => {
                (pli_store::stats::to_xlsx(&report, head.as_ref()).map_err(Failure::internal)?, "xlsx")
            }
        };
        self.write_export(&format!("activite-{from}-{to}.{ext}"), &bytes)
    }

    fn write_export(&self, name: &str, bytes: &[u8]) -> Answer<PathBuf> {
        let dir = self.settings.data_dir.join("exports");
        std::fs::create_dir_all(&dir).map_err(|e| Failure::internal(format!("dossier « {} » : {e}", dir.display())))?;
        let path = dir.join(name);
        std::fs::write(&path, bytes)
            .map_err(|e| Failure::internal(format!("écriture de « {} » : {e}", path.display())))?;
        Ok(path)
    }

    pub fn save_direction(&self, row: &DirectionRow) -> Answer<()> {
        self.store().save_direction(&self.session()?, row).map_err(say)
    }

    pub fn save_document_type(&self, row: &DocumentTypeRow) -> Answer<()> {
        self.store().save_document_type(&self.session()?, row).map_err(say)
    }

    /// Current and coming absences: every one for the lead, one's own (absent or delegate) otherwise.
    pub fn absences(&self) -> Answer<Vec<pli_store::absence::AbsenceView>> {
        self.store().absences(&self.session()?).map_err(say)
    }

    /// Records an absence (one's own; the lead's for anyone).
    pub fn record_absence(&self, absence: &pli_store::absence::NewAbsence) -> Answer<i64> {
        self.store().record_absence(&self.session()?, absence).map_err(say)
    }

    pub fn cancel_absence(&self, id: i64) -> Answer<()> {
        self.store().cancel_absence(&self.session()?, id).map_err(say)
    }

    /// Whom one may name as delegate.
    pub fn colleagues(&self) -> Answer<Vec<pli_store::absence::Colleague>> {
        self.store().colleagues(&self.session()?).map_err(say)
    }

    /// What is due this week and late among the courriers this user works (home screen).
    pub fn due_summary(&self) -> Answer<pli_store::deadline::DueSummary> {
        self.store().due_summary_today(&self.session()?).map_err(say)
    }

    /// The signed-in user's e-mail address and whether they receive the daily digest.
    pub fn digest_choice(&self) -> Answer<pli_store::digest::DigestChoice> {
        self.store().digest_choice(&self.session()?).map_err(say)
    }

    /// The signed-in user receives the daily digest of reminders, or not.
    pub fn set_digest(&self, digest: bool) -> Answer<()> {
        self.store().set_digest(&self.session()?, digest).map_err(say)
    }

    pub fn site_calendars(&self) -> Answer<pli_store::deadline::SiteCalendars> {
        self.store().current(&self.session()?).map_err(say)?;
        self.store().site_calendars().map_err(say)
    }

    pub fn set_direction_region(&self, direction: &str, region: &str) -> Answer<()> {
        let region = pli_store::deadline::region_named(region).map_err(say)?;
        self.store().set_direction_region(&self.session()?, direction, region).map_err(say)
    }

    pub fn add_closure_day(&self, day: &pli_store::deadline::ClosureDay) -> Answer<()> {
        self.store().add_closure_day(&self.session()?, day).map_err(say)
    }

    pub fn remove_closure_day(&self, day: &str, direction: Option<&str>) -> Answer<()> {
        self.store().remove_closure_day(&self.session()?, day, direction).map_err(say)
    }

    /// Every role's baskets, in order (the lead's editor).
    pub fn role_baskets(&self) -> Answer<Vec<pli_store::basket_admin::BasketDefinition>> {
        self.store().role_baskets(&self.session()?).map_err(say)
    }

    /// Adds, renames, moves or removes one of a role's baskets (the lead).
    pub fn change_basket(&self, change: &pli_store::basket_admin::BasketChange) -> Answer<()> {
        self.store().change_basket(&self.session()?, change).map_err(say)
    }

    pub fn save_user(&self, row: &UserRow, password: &str) -> Answer<()> {
        self.store().save_user(&self.session()?, row, password).map_err(say)
    }

    /// Scanner profiles shipped with Pli and those of `<data>/scanner-profiles/`.
    pub fn profiles(&self) -> Answer<Vec<ProfileView>> {
        self.fresh()?;
        let extra = self.settings.data_dir.join("scanner-profiles");
        let inbox = self.inbox();
        let mut names: Vec<String> = pli_capture::profile::BUILT_IN.iter().map(|(n, _)| n.to_string()).collect();
        if let Ok(entries) = std::fs::read_dir(&extra) {
            for e in entries.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "toml")
                    && let Some(stem) = p.file_stem()
                {
                    names.push(stem.to_string_lossy().into_owned());
                }
            }
        }
        names.sort();
        names.dedup();
        names
            .iter()
            .map(|n| {
                let p = Profile::find(n, Some(&extra)).map_err(say)?;
                let watched = p.name == inbox.profile.name;
                Ok(ProfileView {
                    folder: if watched {
                        Some(inbox.folder.display().to_string())
                    } else {
                        p.input.folder.as_ref().map(|f| f.display().to_string())
                    },
                    watched,
                    watch_mode: format!("{:?}", p.input.watch).to_lowercase(),
                    formats: p.input.formats.iter().map(|f| format!("{f:?}").to_lowercase()).collect(),
                    description: p.description,
                    name: p.name,
                })
            })
            .collect()
    }

    /// Writes separator sheets (one per direction code; a plain one when none) to
    /// `<data>/exports/` and returns the PDF's path.
    pub fn separator_sheets(&self, directions: &[String]) -> Answer<PathBuf> {
        let s = self.session()?;
        self.require(&s, &[Role::Operator, Role::Lead], "les feuilles de séparation")?;
        let sheets = pli_capture::pdf::sheets_for_directions(directions).map_err(Failure::invalid)?;
        let name = if directions.is_empty() {
            "separateurs".to_string()
        } else {
            format!("separateurs-{}", directions.join("-"))
        };
        self.write_export(&format!("{name}.pdf"), &pli_capture::pdf::separator_sheets_pdf(&sheets))
    }
}

#[cfg(test)]
mod tests;
