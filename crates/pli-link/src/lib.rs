//! A scanner workstation's link to a Pli server (`pli serve`). Capture stays here (OCR
//! is the workstation's work) and commits into the local registry as in standalone mode;
//! every batch committed here and not yet acknowledged by the server is in the **outbox**
//! (`Store::outbox`), and leaves it only when the server has recorded it:
//!
//! 1. each file of the batch's folder is sent (`PUT /deliveries/<capture id>/<path>`,
//!    with its SHA-256), then
//! 2. the batch (`POST /deliveries/<capture id>`): the server checks every file, records
//!    the batch with its events in one transaction and answers its batch id;
//! 3. only then the batch is marked sent here (`Store::mark_sent`).
//!
//! Any step may fail (network cut, server restarting, workstation killed): everything is
//! sent again later, and the server records a capture id once however often it arrives.

use pli_store::Store;
use pli_store::delivery::{Delivered, Delivery};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the server is and whom the workstation signs in as (an account of the mail room).
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// `http://host:port` or `https://…`, without a trailing path.
    pub url: String,
    pub login: String,
    pub password: String,
    /// This workstation's name, recorded with every batch it captured.
    pub workstation: String,
}

/// Why a delivery did not go through (it is tried again later).
#[derive(Debug, Clone)]
pub enum LinkError {
    /// The server could not be reached, or the connection broke: the network's or a
    /// restart's; try again.
    Unreachable(String),
    /// The server answered no (its French sentence): e.g. the account is refused.
    Refused { status: u16, message: String },
    /// Something on this workstation (a file of the batch missing, the local registry).
    Local(String),
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkError::Unreachable(why) => write!(f, "serveur injoignable : {why}"),
            LinkError::Refused { status, message } => write!(f, "le serveur refuse ({status}) : {message}"),
            LinkError::Local(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for LinkError {}

/// A signed-in link to the server. A clone shares the connections and the session as
/// it was when cloned (a window's calls run on clones while a pass delivers).
#[derive(Clone)]
pub struct Link {
    settings: ServerSettings,
    agent: ureq::Agent,
    /// The session and CSRF cookies, once signed in.
    cookies: Option<(String, String)>,
}

/// What one pass over the outbox did.
#[derive(Debug, Clone, Default)]
pub struct Pass {
    /// Batches the server acknowledged during this pass.
    pub delivered: usize,
    /// Still waiting (all of the outbox when the server could not be reached).
    pub waiting: usize,
    /// Bytes of files sent.
    pub bytes: u64,
    /// Why the pass stopped early, if it did.
    pub problem: Option<LinkError>,
}

impl Link {
    pub fn new(settings: ServerSettings) -> Link {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // A stalled connection is given up and the batch sent again later.
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        Link { settings, agent, cookies: None }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.settings.url.trim_end_matches('/'))
    }

    /// Signs in (again): the session may have ended meanwhile (idle, server restarted is
    /// not one: sessions outlive restarts).
    pub fn sign_in(&mut self) -> Result<(), LinkError> {
        // Before a session, the CSRF value is the client's own, sent as cookie and header.
        let csrf = hex::encode(Sha256::digest(format!("{:?}{}", std::time::SystemTime::now(), std::process::id())));
        let body = serde_json::json!({ "login": self.settings.login, "password": self.settings.password });
        let mut r = self
            .agent
            .post(&self.url("/api/sign_in"))
            .header("Cookie", &format!("pli_csrf={csrf}"))
            .header("X-Pli-Csrf", &csrf)
            .send_json(&body)
            .map_err(unreachable)?;
        if r.status() != 200 {
            return Err(refused(&mut r));
        }
        let mut session = None;
        let mut token = None;
        for v in r.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap_or("");
            let pair = v.split(';').next().unwrap_or("");
            if let Some(s) = pair.strip_prefix("pli_session=") {
                session = Some(s.to_string());
            } else if let Some(c) = pair.strip_prefix("pli_csrf=") {
                token = Some(c.to_string());
            }
        }
        match (session, token) {
            (Some(s), Some(c)) => {
                self.cookies = Some((s, c));
                Ok(())
            }
            _ => Err(LinkError::Refused { status: 200, message: "réponse de connexion sans session".into() }),
        }
    }

    /// Whether a session is held (signed in, not refused since).
    pub fn signed_in(&self) -> bool {
        self.cookies.is_some()
    }

    /// Who this link signs in as.
    pub fn settings(&self) -> &ServerSettings {
        &self.settings
    }

    /// Runs one of the window's commands on the server (`POST /api/<command>`, `args` as
    /// the JSON body, the CSRF value echoed) and returns its JSON answer. Never signs in
    /// again by itself: a session the server ended (401) is the person's to open again.
    pub fn call(&self, command: &str, args: serde_json::Value) -> Result<serde_json::Value, LinkError> {
        let (session, csrf) = self.session()?;
        let mut r = self
            .agent
            .post(&self.url(&format!("/api/{command}")))
            .header("Cookie", &format!("pli_session={session}; pli_csrf={csrf}"))
            .header("X-Pli-Csrf", &csrf)
            .send_json(&args)
            .map_err(unreachable)?;
        if r.status() != 200 {
            return Err(answer_refused(&mut r));
        }
        // A long basket or a year's activity may pass ureq's 10 MB default.
        let text = r.body_mut().with_config().limit(1 << 30).read_to_string().map_err(unreachable)?;
        // Unit answers are `null`; an empty body means the same.
        if text.trim().is_empty() {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_str(&text).map_err(|e| LinkError::Unreachable(format!("réponse illisible : {e}")))
    }

    /// A file the server serves to the signed-in (`/img/…`, `/pdf/<id>`, `/export/…`): its
    /// content type and bytes.
    pub fn get(&self, path: &str) -> Result<(String, Vec<u8>), LinkError> {
        let (session, csrf) = self.session()?;
        let mut r = self
            .agent
            .get(&self.url(path))
            .header("Cookie", &format!("pli_session={session}; pli_csrf={csrf}"))
            .call()
            .map_err(unreachable)?;
        if r.status() != 200 {
            return Err(answer_refused(&mut r));
        }
        let mime = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_string();
        let bytes = r.body_mut().with_config().limit(u64::MAX).read_to_vec().map_err(unreachable)?;
        Ok((mime, bytes))
    }

    /// Is a Pli server answering at `url` (`GET /healthz`, before it is saved)?
    pub fn check_server(url: &str) -> Result<(), LinkError> {
        let link = Link::new(ServerSettings {
            url: url.to_string(),
            login: String::new(),
            password: String::new(),
            workstation: String::new(),
        });
        let mut r = link.agent.get(&link.url("/healthz")).call().map_err(unreachable)?;
        if r.status() != 200 {
            return Err(answer_refused(&mut r));
        }
        // Pli's own answer (another site's page, or Pli's window served for any path, is not).
        let health: serde_json::Value = r.body_mut().read_json().unwrap_or_default();
        match (health["database"].as_str(), health["documents"].as_str()) {
            (Some("ok"), Some("ok")) => Ok(()),
            _ => Err(LinkError::Refused { status: 200, message: "pas la réponse de santé d'un serveur Pli".into() }),
        }
    }

    fn session(&self) -> Result<(String, String), LinkError> {
        self.cookies
            .clone()
            .ok_or_else(|| LinkError::Refused { status: 401, message: "session terminée : reconnectez-vous".into() })
    }

    fn signed(&mut self) -> Result<(String, String), LinkError> {
        if self.cookies.is_none() {
            self.sign_in()?;
        }
        Ok(self.cookies.clone().expect("signed in"))
    }

    /// Sends one batch of the outbox and, once the server acknowledged it, marks it sent.
    pub fn deliver(&mut self, store: &mut Store, batch_id: i64) -> Result<(Delivered, u64), LinkError> {
        let out = store.outgoing(batch_id).map_err(|e| LinkError::Local(e.to_string()))?;
        let folder = store.resolve(&out.batch.folder);
        let files = files_of(&folder)?;
        let capture_id = out.batch.content_hash.clone();
        let mut hashes = BTreeMap::new();
        let mut sent = 0;
        for (path, file) in &files {
            let bytes = std::fs::read(file).map_err(|e| LinkError::Local(format!("« {} » : {e}", file.display())))?;
            let sha = hex::encode(Sha256::digest(&bytes));
            self.with_session(|link, (session, csrf)| {
                link.agent
                    .put(&link.url(&format!("/deliveries/{capture_id}/{path}")))
                    .header("Cookie", &format!("pli_session={session}; pli_csrf={csrf}"))
                    .header("X-Pli-Csrf", csrf)
                    .header("X-Pli-Sha256", &sha)
                    .send(&bytes[..])
            })?;
            sent += bytes.len() as u64;
            hashes.insert(path.clone(), sha);
        }
        let delivery = Delivery {
            batch: out.batch,
            files: hashes,
            operator: out.captured_by.login,
            workstation: if out.captured_by.workstation.is_empty() {
                self.settings.workstation.clone()
            } else {
                out.captured_by.workstation
            },
        };
        let mut r = self.with_session(|link, (session, csrf)| {
            link.agent
                .post(&link.url(&format!("/deliveries/{capture_id}")))
                .header("Cookie", &format!("pli_session={session}; pli_csrf={csrf}"))
                .header("X-Pli-Csrf", csrf)
                .send_json(&delivery)
        })?;
        let done: Delivered =
            r.body_mut().read_json().map_err(|e| LinkError::Unreachable(format!("réponse illisible : {e}")))?;
        // Acknowledged: out of the outbox. (Killed before this line, it is sent again and
        // the server answers the same.)
        store.mark_sent(batch_id, done.batch_id).map_err(|e| LinkError::Local(e.to_string()))?;
        Ok((done, sent))
    }

    /// Runs a request with the session; signs in again once if it had ended (401).
    fn with_session(
        &mut self,
        request: impl Fn(&Link, (&str, &str)) -> Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<ureq::http::Response<ureq::Body>, LinkError> {
        for attempt in 0..2 {
            let (session, csrf) = self.signed()?;
            let mut r = request(self, (&session, &csrf)).map_err(unreachable)?;
            match r.status().as_u16() {
                200 => return Ok(r),
                401 if attempt == 0 => self.cookies = None,
                _ => return Err(refused(&mut r)),
            }
        }
        Err(LinkError::Refused { status: 401, message: "session refusée".into() })
    }

    /// One pass over the outbox, oldest first; stops at the first failure (the rest waits
    /// for the next pass).
    pub fn deliver_outbox(&mut self, store: &mut Store, mut each: impl FnMut(i64, &Delivered)) -> Pass {
        let outbox = match store.outbox() {
            Ok(o) => o,
            Err(e) => return Pass { problem: Some(LinkError::Local(e.to_string())), ..Pass::default() },
        };
        let mut pass = Pass { waiting: outbox.len(), ..Pass::default() };
        for batch_id in outbox {
            match self.deliver(store, batch_id) {
                Ok((done, bytes)) => {
                    pass.delivered += 1;
                    pass.waiting -= 1;
                    pass.bytes += bytes;
                    each(batch_id, &done);
                }
                Err(e) => {
                    tracing::warn!(batch = batch_id, "lot non envoyé : {e}");
                    pass.problem = Some(e);
                    break;
                }
            }
        }
        pass
    }
}

fn unreachable(e: ureq::Error) -> LinkError {
    LinkError::Unreachable(e.to_string())
}

fn refused(r: &mut ureq::http::Response<ureq::Body>) -> LinkError {
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap_or_default();
    let message = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| text.chars().take(200).collect());
    // A proxy's or a restarting server's answer is the network's, not a refusal.
    if status >= 500 {
        return LinkError::Unreachable(format!("{status} {message}"));
    }
    LinkError::Refused { status, message }
}

/// The server's answer to a window's call as it is: its status and its sentence (a 500
/// too: the server's own failure, not the network's).
fn answer_refused(r: &mut ureq::http::Response<ureq::Body>) -> LinkError {
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap_or_default();
    let message = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| format!("réponse {status} du serveur"));
    // A proxy's gateway errors: the server is not there.
    if matches!(status, 502..=504) {
        return LinkError::Unreachable(format!("{status} {message}"));
    }
    LinkError::Refused { status, message }
}

/// Every file of a batch's folder, by path relative to it (sorted).
fn files_of(folder: &Path) -> Result<Vec<(String, PathBuf)>, LinkError> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                walk(root, &path, out)?;
            } else {
                let relative = path.strip_prefix(root).expect("under root").to_string_lossy().replace('\\', "/");
                out.push((relative, path));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(folder, folder, &mut out).map_err(|e| LinkError::Local(format!("« {} » : {e}", folder.display())))?;
    out.sort();
    Ok(out)
}
