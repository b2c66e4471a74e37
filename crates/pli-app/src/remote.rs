//! A workstation connected to a Pli server (`pli serve`): the operator signs in to the
//! server, the window's commands (but the workstation's own: capture, scanner settings,
//! profiles) are answered by the server, and the batches captured here leave the local
//! registry (the outbox) for the server in a thread of their own — at sign-in, after
//! each batch committed here, and every few seconds while some wait — through the same
//! signed-in [`Link`], so each is recorded on the server as scanned by that operator.
//!
//! Capture is unchanged: it commits into the local registry, which is the outbox
//! (`pli_link`); an original leaves the scanner folder as in standalone mode.

use crate::{Answer, Failure, Me};
use pli_link::{Link, LinkError, ServerSettings};
use pli_store::{ErrorKind, Store};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

/// Where a workstation keeps the address of its server: `url = "https://…"`.
pub const SERVER_FILE: &str = "server.toml";

/// How long a batch waits before it is sent again while the server cannot take it.
const RETRY_EVERY: Duration = Duration::from_secs(10);

/// The commands this workstation answers itself when connected; every other one is the
/// server's. (The UI's door holds the same list.)
pub const LOCAL_COMMANDS: &[&str] = &[
    "startup",
    "sign_in",
    "sign_out",
    "me",
    "capture_status",
    "set_scanner",
    "set_server",
    "profiles",
    "intakes",
    "retry_intake",
    "integrity",
    "separator_sheets",
    "open_pdf",
    "open_acknowledgement",
    "print_postal_acknowledgements",
    "export_activity",
    "deliver_now",
];

#[derive(serde::Serialize, serde::Deserialize)]
struct ServerFile {
    url: String,
}

/// The server address saved in the data folder, if any.
pub fn saved_server(data_dir: &Path) -> Answer<Option<String>> {
    let path = data_dir.join(SERVER_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str::<ServerFile>(&text)
            .map(|f| Some(f.url.trim().to_string()).filter(|u| !u.is_empty()))
            .map_err(|e| Failure::internal(format!("« {} » illisible : {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Failure::internal(format!("« {} » : {e}", path.display()))),
    }
}

/// Checks that a Pli server answers at `url` (its `/healthz`), then saves it (written
/// aside, then renamed). Returns the address as saved.
pub fn save_server(data_dir: &Path, url: &str) -> Answer<String> {
    let url = url.trim().trim_end_matches('/').to_string();
    if !(url.starts_with("http://") || url.starts_with("https://")) || url.contains(char::is_whitespace) {
        return Err(Failure::invalid(format!("adresse du serveur « {url} » : http://… ou https://… attendu")));
    }
    Link::check_server(&url).map_err(|e| {
        Failure::invalid(format!("le serveur « {url} » ne répond pas comme un serveur Pli : {}", failure(e).message))
    })?;
    let path = data_dir.join(SERVER_FILE);
    let text = toml::to_string(&ServerFile { url: url.clone() }).map_err(crate::say)?;
    let part = path.with_extension("toml.part");
    std::fs::write(&part, text)
        .and_then(|_| std::fs::rename(&part, &path))
        .map_err(|e| Failure::internal(format!("« {} » : {e}", path.display())))?;
    Ok(url)
}

/// A link's failure as the window's: the server's refusals keep their kind (its statuses
/// map one to one to kinds) and its French sentence.
pub fn failure(e: LinkError) -> Failure {
    match e {
        LinkError::Refused { status, message } => {
            let kind = match status {
                400 | 413 => ErrorKind::Invalid,
                404 => ErrorKind::NotFound,
                409 => ErrorKind::Conflict,
                s if s >= 500 => ErrorKind::Internal,
                _ => ErrorKind::Refused, // 401, 403, 429
            };
            Failure::new(kind, message)
        }
        e @ LinkError::Unreachable(_) => Failure::internal(e.to_string()),
        LinkError::Local(why) => Failure::internal(why),
    }
}

/// A content type the server gave for an image, as one of those the window knows.
pub fn image_mime(mime: &str) -> &'static str {
    match mime.split(';').next().unwrap_or("").trim() {
        "image/png" => "image/png",
        "image/webp" => "image/webp",
        _ => "image/jpeg",
    }
}

/// The session ended on the server (idle, signed out elsewhere, account closed).
pub fn session_ended(e: &LinkError) -> bool {
    matches!(e, LinkError::Refused { status: 401, .. })
}

/// What the delivery thread last saw.
#[derive(Default)]
struct Delivering {
    /// Why the last pass stopped (server unreachable, refused…); none after a full pass.
    problem: Option<String>,
    /// Asked to look at the outbox now.
    nudged: bool,
    stop: bool,
}

/// The connection to the server: the signed-in link and the delivery thread.
pub(crate) struct Remote {
    pub url: String,
    workstation: String,
    link: Mutex<Option<Link>>,
    state: Arc<(Mutex<Delivering>, Condvar)>,
    /// Told when a delivery put new courriers on the server (the window reloads its counts).
    changed: Hook,
}

/// What to call when deliveries put new courriers on the server (set by the shell).
pub(crate) type Hook = Arc<Mutex<Option<Arc<dyn Fn() + Send + Sync>>>>;

impl Remote {
    /// Connects to `url` and starts delivering the outbox of `data_dir` (once someone signs in).
    pub fn start(url: String, workstation: String, data_dir: PathBuf, changed: Hook) -> Arc<Remote> {
        let remote = Arc::new(Remote { url, workstation, link: Mutex::new(None), state: Default::default(), changed });
        let weak = Arc::downgrade(&remote);
        let state = remote.state.clone();
        std::thread::Builder::new()
            .name("pli-delivery".into())
            .spawn(move || deliver_loop(weak, state, data_dir))
            .expect("a thread for deliveries");
        remote
    }

    /// Signs in to the server as `login`; the link is kept for the window and deliveries.
    pub fn sign_in(&self, login: &str, password: &str) -> Answer<Me> {
        let mut link = Link::new(ServerSettings {
            url: self.url.clone(),
            login: login.to_string(),
            password: password.to_string(),
            workstation: self.workstation.clone(),
        });
        link.sign_in().map_err(failure)?;
        let me: Option<Me> = serde_json::from_value(link.call("me", serde_json::json!({})).map_err(failure)?)
            .map_err(|e| Failure::internal(format!("réponse du serveur illisible : {e}")))?;
        let me = me.ok_or_else(|| Failure::refused("le serveur ne reconnaît pas la session ouverte"))?;
        *self.link.lock().unwrap_or_else(|e| e.into_inner()) = Some(link);
        self.nudge();
        Ok(me)
    }

    /// Ends the session on the server (as far as it can be reached) and forgets it here.
    pub fn sign_out(&self) {
        if let Some(link) = self.link.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = link.call("sign_out", serde_json::json!({}));
        }
    }

    pub fn forget(&self) {
        self.link.lock().unwrap_or_else(|e| e.into_inner()).take();
    }

    fn link(&self) -> Answer<Link> {
        self.link
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| Failure::refused("session terminée : reconnectez-vous"))
    }

    /// One of the window's commands, answered by the server. A session the server ended
    /// is forgotten here too.
    pub fn call(&self, command: &str, args: serde_json::Value) -> Result<serde_json::Value, LinkError> {
        let link = self.link().map_err(|f| LinkError::Refused { status: 401, message: f.message })?;
        let answer = link.call(command, args);
        if answer.as_ref().is_err_and(session_ended) {
            self.forget();
        }
        answer
    }

    /// A file the server serves (`/img/…`, `/pdf/<id>`, `/export/…`).
    pub fn get(&self, path: &str) -> Result<(String, Vec<u8>), LinkError> {
        let link = self.link().map_err(|f| LinkError::Refused { status: 401, message: f.message })?;
        let answer = link.get(path);
        if answer.as_ref().is_err_and(session_ended) {
            self.forget();
        }
        answer
    }

    /// Asks the delivery thread to look at the outbox now.
    pub fn nudge(&self) {
        let (lock, wake) = &*self.state;
        lock.lock().unwrap_or_else(|e| e.into_inner()).nudged = true;
        wake.notify_all();
    }

    /// Why the last delivery pass stopped, if it did.
    pub fn problem(&self) -> Option<String> {
        self.state.0.lock().unwrap_or_else(|e| e.into_inner()).problem.clone()
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        let (lock, wake) = &*self.state;
        lock.lock().unwrap_or_else(|e| e.into_inner()).stop = true;
        wake.notify_all();
    }
}

/// Passes over the outbox while the remote lives: when nudged, and every [`RETRY_EVERY`]
/// while batches wait. Its own connection to the local registry.
fn deliver_loop(remote: Weak<Remote>, state: Arc<(Mutex<Delivering>, Condvar)>, data_dir: PathBuf) {
    let mut store: Option<Store> = None;
    let mut waiting = false;
    loop {
        {
            let (lock, wake) = &*state;
            let mut s = lock.lock().unwrap_or_else(|e| e.into_inner());
            // Nothing waiting: sleep until nudged (a minute at most, for batches captured
            // by another process on this data folder).
            let patience = if waiting { RETRY_EVERY } else { Duration::from_secs(60) };
            if !s.nudged && !s.stop {
                s = wake.wait_timeout(s, patience).unwrap_or_else(|e| e.into_inner()).0;
            }
            if s.stop {
                return;
            }
            s.nudged = false;
        }
        let Some(remote) = remote.upgrade() else { return };
        let Some(mut link) = remote.link.lock().unwrap_or_else(|e| e.into_inner()).clone() else {
            continue; // nobody signed in: batches wait for the next operator
        };
        if store.is_none() {
            store = match Store::open(&data_dir) {
                Ok(s) => Some(s),
                Err(e) => {
                    remote.state.0.lock().unwrap_or_else(|e| e.into_inner()).problem =
                        Some(format!("registre du poste : {e}"));
                    waiting = true;
                    continue;
                }
            };
        }
        let Some(local) = store.as_mut() else { continue };
        let pass = link.deliver_outbox(local, |batch, done| {
            tracing::info!(batch, server_batch = done.batch_id, "lot envoyé au serveur");
        });
        waiting = pass.waiting > 0;
        if matches!(pass.problem, Some(LinkError::Local(_))) {
            store = None; // opened again next time
        }
        remote.state.0.lock().unwrap_or_else(|e| e.into_inner()).problem = pass.problem.as_ref().map(|p| p.to_string());
        // The pass may have signed in again (its session had ended): the window's link
        // follows, unless someone signed out or in meanwhile.
        {
            let mut shared = remote.link.lock().unwrap_or_else(|e| e.into_inner());
            if shared.as_ref().is_some_and(|l| l.settings().login == link.settings().login) && link.signed_in() {
                *shared = Some(link);
            }
        }
        if pass.delivered > 0
            && let Some(changed) = remote.changed.lock().unwrap_or_else(|e| e.into_inner()).clone()
        {
            changed();
        }
    }
}
