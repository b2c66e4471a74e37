//! The window's side of acknowledgements of receipt: a courrier's acknowledgements, the
//! lead's templates, services and SMTP settings, the mail room's print of the day's
//! postal ones, and sending the e-mails still to send. The rules are the store's.

use crate::{Answer, Desk, Failure, say};
use pli_core::Role;
use pli_receipt::mail::{Security, SmtpSettings};
use pli_store::acknowledgement::{AckTemplateRow, AckView, SendReport, ServiceContactRow};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use ts_rs::TS;

/// Where the lead's SMTP settings live (mode 0600; the password never in the database).
pub const SMTP_SETTINGS_FILE: &str = "smtp.toml";

/// The templates the lead has saved, the defaults and the placeholders, for the editor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AckTemplates {
    pub templates: Vec<AckTemplateRow>,
    pub default_receipt: String,
    pub default_forwarded: String,
    /// (name, meaning) of every placeholder.
    pub placeholders: Vec<(String, String)>,
}

/// The SMTP settings as the window shows and sends them: the password is never shown;
/// `password: None` on saving keeps the one set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SmtpForm {
    pub host: String,
    pub port: u16,
    /// "none", "start_tls" or "tls".
    pub security: String,
    pub from: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// On reading: whether a password is set.
    pub password_set: bool,
}

fn security(s: &str) -> Answer<Security> {
    Ok(match s {
        "none" => Security::None,
        "start_tls" | "" => Security::StartTls,
        "tls" => Security::Tls,
        other => return Err(Failure::invalid(format!("sécurité « {other} » inconnue (none, start_tls, tls)"))),
    })
}

fn security_name(s: Security) -> &'static str {
    match s {
        Security::None => "none",
        Security::StartTls => "start_tls",
        Security::Tls => "tls",
    }
}

impl Desk {
    fn smtp_path(&self) -> PathBuf {
        self.settings.data_dir.join(SMTP_SETTINGS_FILE)
    }

    /// A courrier's acknowledgements (channel, date, sent or why not).
    pub fn acknowledgements(&self, id: i64) -> Answer<Vec<AckView>> {
        self.store().acknowledgements(&self.session()?, id).map_err(say)
    }

    /// The file of one of a courrier's acknowledgements, to open (reading it is recorded).
    /// Connected: the server's, downloaded into the data folder.
    pub fn acknowledgement_file(&self, id: i64, acknowledgement: i64) -> Answer<PathBuf> {
        if let Some(remote) = self.remote() {
            return self.download(
                &remote,
                &format!("/ack/{id}/{acknowledgement}"),
                &format!("accuse-{id}-{acknowledgement}.pdf"),
            );
        }
        let s = self.session()?;
        crate::office::acknowledgement_file(&mut self.store(), &s, id, acknowledgement)
    }

    pub fn ack_templates(&self) -> Answer<AckTemplates> {
        let s = self.session()?;
        crate::office::ack_templates(&self.store(), &s)
    }

    pub fn set_ack_template(&self, row: &AckTemplateRow) -> Answer<()> {
        self.store().set_ack_template(&self.session()?, row).map_err(say)
    }

    pub fn service_contacts(&self) -> Answer<Vec<ServiceContactRow>> {
        let s = self.session()?;
        crate::office::service_contacts(&self.store(), &s)
    }

    pub fn set_service_contact(&self, row: &ServiceContactRow) -> Answer<()> {
        self.store().set_service_contact(&self.session()?, row).map_err(say)
    }

    /// The SMTP settings (lead only), without the password.
    pub fn smtp_settings(&self) -> Answer<Option<SmtpForm>> {
        let s = self.session()?;
        self.require(&s, &[Role::Lead], "le serveur de courriel")?;
        let saved = SmtpSettings::load(&self.smtp_path()).map_err(|e| Failure::internal(e.to_string()))?;
        Ok(saved.map(|c| SmtpForm {
            host: c.host,
            port: c.port,
            security: security_name(c.security).into(),
            from: c.from,
            username: c.username,
            password: None,
            password_set: c.password.is_some(),
        }))
    }

    /// Saves the SMTP settings (lead only) in `<data>/smtp.toml`, mode 0600.
    pub fn set_smtp_settings(&self, form: &SmtpForm) -> Answer<()> {
        let s = self.session()?;
        self.require(&s, &[Role::Lead], "le serveur de courriel")?;
        let path = self.smtp_path();
        let kept = SmtpSettings::load(&path).ok().flatten().and_then(|c| c.password);
        let settings = SmtpSettings {
            host: form.host.trim().into(),
            port: form.port,
            security: security(form.security.trim())?,
            from: form.from.trim().into(),
            username: form.username.clone().filter(|u| !u.trim().is_empty()),
            password: form.password.clone().filter(|p| !p.is_empty()).or(kept),
            timeout_seconds: 30,
        };
        settings.save(&path).map_err(|e| Failure::invalid(e.to_string()))?;
        tracing::info!(host = %settings.host, "serveur de courriel réglé par {}", s.viewer.login);
        Ok(())
    }

    /// Sends the e-mails still to send, now. Without SMTP settings, says so.
    pub fn send_acknowledgements(&self) -> Answer<SendReport> {
        let s = self.session()?;
        let settings = SmtpSettings::load(&self.smtp_path())
            .map_err(|e| Failure::internal(e.to_string()))?
            .ok_or_else(|| Failure::invalid("aucun serveur de courriel n'est réglé (Administration)"))?;
        self.store().send_acknowledgements(&s, &settings).map_err(say)
    }

    /// Sends the e-mails still to send on a thread of its own with its own connection, so
    /// that registering never waits for the SMTP server; one pass at a time. Called after
    /// each registration: what a pass could not send is tried again at the next.
    pub(crate) fn send_in_background(&self, s: &pli_store::Session) -> Option<std::thread::JoinHandle<()>> {
        static SENDING: AtomicBool = AtomicBool::new(false);
        let settings = SmtpSettings::load(&self.smtp_path()).ok().flatten()?;
        if SENDING.swap(true, Ordering::AcqRel) {
            return None;
        }
        let (data_dir, s) = (self.settings.data_dir.clone(), s.clone());
        Some(std::thread::spawn(move || {
            match pli_store::Store::open(&data_dir).and_then(|mut store| store.send_acknowledgements(&s, &settings)) {
                Ok(report) if report.failed.is_empty() => {}
                Ok(report) => tracing::warn!("accusés de réception à envoyer encore : {:?}", report.failed),
                Err(e) => tracing::warn!("envoi des accusés de réception impossible : {e}"),
            }
            SENDING.store(false, Ordering::Release);
        }))
    }

    /// The day's postal acknowledgements in one PDF under `<data>/exports/`, to print;
    /// `None` when there is none.
    /// Connected: the server makes it (and marks them printed) and answers where to fetch
    /// it; it is downloaded into this workstation's `exports/`.
    pub fn print_postal_acknowledgements(&self) -> Answer<Option<PathBuf>> {
        if let Some(remote) = self.remote() {
            let answer = remote.call("print_postal_acknowledgements", serde_json::json!({}));
            let url: Option<String> = serde_json::from_value(answer.map_err(|e| self.remote_failure(e))?)
                .map_err(|e| Failure::internal(format!("réponse du serveur illisible : {e}")))?;
            let Some(url) = url else { return Ok(None) };
            let name = url
                .strip_prefix("/ack-print/")
                .filter(|n| crate::office::is_postal_print(n))
                .ok_or_else(|| Failure::internal(format!("impression du serveur inattendue « {url} »")))?;
            let (_, bytes) = remote.get(&url).map_err(|e| self.remote_failure(e))?;
            return self.write_export(name, &bytes).map(Some);
        }
        let exports = self.settings.data_dir.join("exports");
        let s = self.session()?;
        let name = crate::office::print_postal_acknowledgements(&mut self.store(), &s, &exports)?;
        Ok(name.map(|n| exports.join(n)))
    }
}

#[cfg(test)]
mod tests {
    use crate::demo::DEMO_PASSWORD;
    use crate::{Desk, DeskSettings, ErrorKind, ScannerSettings};
    use pli_core::acknowledgement::{AckKind, ServiceContact};
    use pli_core::registration::{ChronoFormat, Qualification};
    use pli_store::acknowledgement::{AckTemplateRow, ServiceContactRow};
    use pli_store::registry::NewContact;

    fn desk(data: &std::path::Path) -> Desk {
        Desk::open(DeskSettings {
            data_dir: data.to_path_buf(),
            scanner: Some(ScannerSettings {
                folder: data.join("scanner").display().to_string(),
                profile: "generic-pdf".into(),
            }),
            demo: true,
            demo_batch: false,
            workstation: "poste-test".into(),
            chrono: ChronoFormat::default(),
            server: None,
        })
        .unwrap()
    }

    #[test]
    fn the_lead_sets_up_acknowledgements_and_the_mail_room_prints_the_day_s() {
        let data = tempfile::tempdir().unwrap();
        let desk = desk(data.path());
        desk.sign_in("accueil", DEMO_PASSWORD).unwrap();
        assert_eq!(desk.ack_templates().unwrap_err().kind, ErrorKind::Refused);
        assert_eq!(desk.smtp_settings().unwrap_err().kind, ErrorKind::Refused);
        desk.sign_out();
        desk.sign_in("pilote", DEMO_PASSWORD).unwrap();
        let t = desk.ack_templates().unwrap();
        assert!(t.templates.is_empty() && t.default_receipt.contains("{decision_implicite}"));
        let receipt = AckTemplateRow {
            kind: AckKind::Receipt,
            document_type: Some("RECL".into()),
            direction: None,
            body: t.default_receipt.clone(),
        };
        desk.set_ack_template(&receipt).unwrap();
        let bad = AckTemplateRow { body: "{inconnu}".into(), ..receipt.clone() };
        assert_eq!(desk.set_ack_template(&bad).unwrap_err().kind, ErrorKind::Invalid);
        desk.set_service_contact(&ServiceContactRow {
            direction: "DOS".into(),
            contact: ServiceContact {
                designation: "Direction de l'offre de soins".into(),
                address: vec!["14 rue du Maréchal Juin".into(), "67084 Strasbourg Cedex".into()],
                email: None,
                phone: "03 88 88 88 88".into(),
            },
        })
        .unwrap();

        // SMTP settings: saved 0600, the password never read back, kept when not retyped.
        let form = super::SmtpForm {
            host: "smtp.example.fr".into(),
            port: 587,
            security: "start_tls".into(),
            from: "Accueil <accueil@example.fr>".into(),
            username: Some("pli".into()),
            password: Some("s3cret".into()),
            password_set: false,
        };
        desk.set_smtp_settings(&form).unwrap();
        let read = desk.smtp_settings().unwrap().unwrap();
        assert_eq!((read.password.as_deref(), read.password_set), (None, true));
        desk.set_smtp_settings(&super::SmtpForm { password: None, port: 465, security: "tls".into(), ..form }).unwrap();
        let text = std::fs::read_to_string(data.path().join(super::SMTP_SETTINGS_FILE)).unwrap();
        assert!(text.contains("s3cret") && text.contains("465"), "{text}");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.path().join(super::SMTP_SETTINGS_FILE)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);

        // A paper courrier registered by the mail room, acknowledged, printed with the day's.
        desk.sign_out();
        desk.sign_in("accueil", DEMO_PASSWORD).unwrap();
        let s = desk.session().unwrap();
        let id = {
            let mut store = desk.store();
            let sender = NewContact {
                organisation_kind: false,
                name: "Mme Élodie Müller".into(),
                organisation: None,
                address: Some("12 rue des Écoles".into()),
                postcode: Some("67000".into()),
                city: Some("Strasbourg".into()),
                email: None,
            };
            let sender = store.create_contact(&s, &sender).unwrap().0;
            let form = Qualification {
                document_type: Some("RECL".into()),
                sender: Some(sender),
                subject: Some("Réclamation".into()),
                arrival_date: Some(time::OffsetDateTime::now_utc().date()),
                main_direction: Some("DOS".into()),
                ..Default::default()
            };
            let id = store.register_paper(&s, &form, &ChronoFormat::default()).unwrap().courrier;
            crate::office::acknowledge(&mut store, &s, id);
            id
        };
        let acks = desk.acknowledgements(id).unwrap();
        assert_eq!((acks.len(), acks[0].channel.as_str(), acks[0].sent_at.is_none()), (1, "post", true));
        assert!(desk.acknowledgement_file(id, acks[0].id).unwrap().exists());
        assert_eq!(desk.acknowledgement_file(id, acks[0].id + 99).unwrap_err().kind, ErrorKind::NotFound);
        let printed = desk.print_postal_acknowledgements().unwrap().expect("one to print");
        assert!(printed.starts_with(data.path().join("exports")));
        assert!(std::fs::read(&printed).unwrap().starts_with(b"%PDF"));
        assert!(desk.acknowledgements(id).unwrap()[0].sent_at.is_some());
        assert_eq!(desk.print_postal_acknowledgements().unwrap(), None);
        // No e-mail acknowledgement is waiting: nothing is tried.
        assert!(desk.send_acknowledgements().unwrap().failed.is_empty());
    }

    #[test]
    fn an_e_mail_acknowledgement_leaves_in_the_background_to_a_real_smtp_server() {
        let data = tempfile::tempdir().unwrap();
        let desk = desk(data.path());
        desk.sign_in("pilote", DEMO_PASSWORD).unwrap();
        let mut receipt = desk.ack_templates().unwrap();
        desk.set_ack_template(&AckTemplateRow {
            kind: AckKind::Receipt,
            document_type: None,
            direction: None,
            body: std::mem::take(&mut receipt.default_receipt),
        })
        .unwrap();
        desk.set_service_contact(&ServiceContactRow {
            direction: "DRH".into(),
            contact: ServiceContact {
                designation: "Direction des ressources humaines".into(),
                address: vec!["1 place de la République".into(), "67000 Strasbourg".into()],
                email: Some("drh@example.fr".into()),
                phone: "03 88 00 00 00".into(),
            },
        })
        .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        desk.set_smtp_settings(&super::SmtpForm {
            host: "127.0.0.1".into(),
            port,
            security: "none".into(),
            from: "Accueil <accueil@example.fr>".into(),
            username: None,
            password: None,
            password_set: false,
        })
        .unwrap();
        let inbox = tempfile::tempdir().unwrap();
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../pli-receipt/tests/smtp/sink.py");
        let mut sink = std::process::Command::new("/usr/bin/python3")
            .arg(&script)
            .arg(port.to_string())
            .arg(inbox.path())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("/usr/bin/python3 with python3-aiosmtpd (scripts/install-deps.sh)");
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(sink.stdout.take().unwrap()), &mut line).unwrap();
        assert_eq!(line.trim(), "ready");

        let s = desk.session().unwrap();
        let id = {
            let mut store = desk.store();
            let sender = NewContact {
                organisation_kind: false,
                name: "M. Paul Martin".into(),
                organisation: None,
                address: None,
                postcode: None,
                city: None,
                email: Some("paul.martin@example.org".into()),
            };
            let sender = store.create_contact(&s, &sender).unwrap().0;
            let form = Qualification {
                document_type: Some("COUR".into()),
                sender: Some(sender),
                subject: Some("Candidature spontanée".into()),
                arrival_date: Some(time::OffsetDateTime::now_utc().date()),
                main_direction: Some("DRH".into()),
                ..Default::default()
            };
            let id = store.register_paper(&s, &form, &ChronoFormat::default()).unwrap().courrier;
            crate::office::acknowledge(&mut store, &s, id);
            id
        };
        desk.send_in_background(&s).expect("a pass starts").join().unwrap();
        let _ = sink.kill();
        let _ = sink.wait();
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(inbox.path().join("1.json")).expect("received")).unwrap();
        assert_eq!(m["rcpt_tos"], serde_json::json!(["paul.martin@example.org"]));
        assert_eq!(m["attachments"][0]["type"], "application/pdf");
        let ack = desk.acknowledgements(id).unwrap().remove(0);
        assert_eq!((ack.channel.as_str(), ack.sent_at.is_some()), ("email", true));
    }
}
