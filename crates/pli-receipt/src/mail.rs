//! The acknowledgement by e-mail, when the sender gave an e-mail address: the text in the
//! message, the PDF attached, sent through the agency's SMTP server.
//!
//! The lead sets the server in `<data>/smtp.toml` (mode 0600, written aside then renamed):
//! the password lives there only, never in the database nor in a log (`Debug` hides it).
//! A refused or unreachable server is an error with its reason: the caller keeps the
//! acknowledgement to send and tries again later.

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Security {
    /// Plain SMTP: only for a relay on the same machine or a trusted network.
    None,
    /// STARTTLS, required (port 587).
    #[default]
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// The SMTP server the lead configured.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    #[serde(default)]
    pub security: Security,
    /// The sender of every acknowledgement, e.g. `Accueil ARS <ne-pas-repondre@ars.example.fr>`.
    pub from: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// Seconds before a silent server is given up.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
}

fn default_timeout() -> u64 {
    30
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("from", &self.from)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("timeout_seconds", &self.timeout_seconds)
            .finish()
    }
}

/// Why a message was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// The settings or an address are wrong: nothing was tried.
    #[error("{0}")]
    Invalid(String),
    /// The server answered no (its words kept).
    #[error("le serveur de courriel a refusé le message : {0}")]
    Refused(String),
    /// No answer: down, unreachable, or too slow.
    #[error("le serveur de courriel ne répond pas : {0}")]
    Unreachable(String),
}

impl SmtpSettings {
    /// Reads `<data>/smtp.toml`; `None` when the lead has set no server.
    pub fn load(path: &Path) -> Result<Option<SmtpSettings>, MailError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(MailError::Invalid(format!("{} : lecture impossible ({e})", path.display()))),
        };
        let settings: SmtpSettings = toml::from_str(&text).map_err(|e| {
            MailError::Invalid(format!("{} : réglages de courriel illisibles ({})", path.display(), e.message()))
        })?;
        settings.check()?;
        Ok(Some(settings))
    }

    /// Writes them to `path`, readable by the data folder's owner only.
    pub fn save(&self, path: &Path) -> Result<(), MailError> {
        self.check()?;
        let text = toml::to_string(self).expect("settings serialise");
        let aside = path.with_extension("toml.partial");
        let io = |e: std::io::Error| MailError::Invalid(format!("{} : écriture impossible ({e})", path.display()));
        {
            use std::io::Write;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(&aside).map_err(io)?;
            #[cfg(unix)]
            std::fs::set_permissions(&aside, std::os::unix::fs::PermissionsExt::from_mode(0o600)).map_err(io)?;
            file.write_all(text.as_bytes()).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        std::fs::rename(&aside, path).map_err(io)
    }

    /// What can be checked without asking the server.
    pub fn check(&self) -> Result<(), MailError> {
        if self.host.trim().is_empty() {
            return Err(MailError::Invalid("serveur de courriel : le nom du serveur est vide".into()));
        }
        if self.port == 0 {
            return Err(MailError::Invalid("serveur de courriel : le port est vide".into()));
        }
        self.from.parse::<Mailbox>().map_err(|e| {
            MailError::Invalid(format!("serveur de courriel : adresse d'expédition « {} » invalide ({e})", self.from))
        })?;
        if self.password.is_some() && self.username.is_none() {
            return Err(MailError::Invalid("serveur de courriel : un mot de passe sans identifiant".into()));
        }
        Ok(())
    }

    fn transport(&self) -> Result<SmtpTransport, MailError> {
        let tls = |e: lettre::transport::smtp::Error| {
            MailError::Invalid(format!("serveur de courriel « {} » : {e}", self.host))
        };
        let builder = match self.security {
            Security::None => SmtpTransport::builder_dangerous(&self.host),
            Security::StartTls => SmtpTransport::starttls_relay(&self.host).map_err(tls)?,
            Security::Tls => SmtpTransport::relay(&self.host).map_err(tls)?,
        };
        let mut builder = builder.port(self.port).timeout(Some(Duration::from_secs(self.timeout_seconds.max(1))));
        if let Some(user) = &self.username {
            builder = builder.credentials(Credentials::new(user.clone(), self.password.clone().unwrap_or_default()));
        }
        Ok(builder.build())
    }
}

/// One message: the acknowledgement's text, its PDF attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub pdf: Vec<u8>,
    pub pdf_name: String,
}

/// Sends `mail` through the server; the server's words on a refusal.
pub fn send(settings: &SmtpSettings, mail: &Mail) -> Result<(), MailError> {
    let pdf_type = ContentType::parse("application/pdf").expect("a valid MIME type");
    let message = message(settings, &mail.to, &mail.subject)?
        .multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain(mail.text.clone()))
                .singlepart(Attachment::new(mail.pdf_name.clone()).body(mail.pdf.clone(), pdf_type)),
        )
        .map_err(|e| MailError::Invalid(format!("message impossible à composer ({e})")))?;
    deliver(settings, &message)
}

/// Sends a message of plain text only (the daily digest of reminders).
pub fn send_text(settings: &SmtpSettings, to: &str, subject: &str, text: &str) -> Result<(), MailError> {
    let message = message(settings, to, subject)?
        .singlepart(SinglePart::plain(text.to_string()))
        .map_err(|e| MailError::Invalid(format!("message impossible à composer ({e})")))?;
    deliver(settings, &message)
}

/// Whether the server answers (connected, greeted, NOOP answered), before a pass that
/// must not start when it cannot finish (the daily digest claims each message it sends).
pub fn reachable(settings: &SmtpSettings) -> Result<(), MailError> {
    settings.check()?;
    match settings.transport()?.test_connection() {
        Ok(true) => Ok(()),
        Ok(false) => Err(MailError::Unreachable(format!("{}:{} ne répond pas à NOOP", settings.host, settings.port))),
        Err(e) => Err(MailError::Unreachable(e.to_string())),
    }
}

/// A message from the settings' sender to `to`, its body still to give.
fn message(settings: &SmtpSettings, to: &str, subject: &str) -> Result<lettre::message::MessageBuilder, MailError> {
    settings.check()?;
    let to: Mailbox = to
        .trim()
        .parse()
        .map_err(|e| MailError::Invalid(format!("adresse électronique « {} » invalide ({e})", to.trim())))?;
    let from: Mailbox = settings.from.parse().expect("checked");
    Ok(Message::builder().from(from).to(to).subject(subject.to_string()))
}

fn deliver(settings: &SmtpSettings, message: &Message) -> Result<(), MailError> {
    settings.transport()?.send(message).map(|_| ()).map_err(|e| {
        if e.is_permanent() || e.is_transient() {
            MailError::Refused(e.to_string())
        } else {
            MailError::Unreachable(e.to_string())
        }
    })
}
