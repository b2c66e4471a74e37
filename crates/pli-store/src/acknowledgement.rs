//! Acknowledgements of receipt in the registry (issue 15, CRPA L112-3, R112-5): the lead's
//! templates and the handling services' contact details, and each acknowledgement made —
//! its PDF kept with the courrier (hash in `document_hash`), a row and an event.
//!
//! Producing one is a call of its own, made after a successful registration, so that a
//! registration never fails because of an acknowledgement; it is idempotent (one per
//! courrier and kind). The PDF is written and synced first, then its row, its hash and
//! its event in one transaction. By e-mail when the sender has an address, else by post
//! (printed by the mail room with the day's others). A message the SMTP server refused or
//! could not take stays to send, with the reason, and is tried again.

use crate::db::{Q, params};
use crate::registry::Session;
use crate::{Result, Store, StoreError, append_event, now_rfc3339};
use pli_core::acknowledgement::{AckFacts, AckKind, ImplicitDecision, ServiceContact, Template, default_template};
use pli_core::capture::Actor;
use pli_core::{EventKind, NewEvent, Refusal, Role};
use pli_receipt::mail::{Mail, SmtpSettings};
use pli_receipt::pdf::{Letter, letter_pdf};
use serde::{Deserialize, Serialize};
use std::path::Path;
use time::Date;

/// A template as the lead edits it: for a kind, a document type (or every type), a
/// direction (or every direction).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct AckTemplateRow {
    pub kind: AckKind,
    pub document_type: Option<String>,
    pub direction: Option<String>,
    pub body: String,
}

/// A direction's handling service, as acknowledgements name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ServiceContactRow {
    pub direction: String,
    pub contact: ServiceContact,
}

/// One acknowledgement of a courrier, as its record shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct AckView {
    pub id: i64,
    pub courrier: i64,
    pub kind: AckKind,
    /// "post" or "email".
    pub channel: String,
    pub recipient: String,
    pub forwarded_to: Option<String>,
    pub document_path: String,
    pub sha256: String,
    pub produced_at: String,
    /// `None`: still to send (e-mail) or to print (post).
    pub sent_at: Option<String>,
    pub attempts: i64,
    pub last_error: Option<String>,
}

fn lead_only(s: &Session) -> Result<()> {
    if !s.viewer.has(Role::Lead) {
        return Err(Refusal::LeadOnly("les accusés de réception").into());
    }
    Ok(())
}

fn id_of(q: &mut Q<'_>, table: &str, what: &str, code: &str) -> Result<i64> {
    q.opt(&format!("SELECT id FROM {table} WHERE code = ?1"), params![code])?
        .map(|r| r.get(0))
        .transpose()?
        .ok_or_else(|| StoreError::Invalid(format!("{what} inconnu(e) « {code} »")))
}

fn code_of(q: &mut Q<'_>, table: &str, id: Option<i64>) -> Result<Option<String>> {
    match id {
        None => Ok(None),
        Some(id) => {
            q.opt(&format!("SELECT code FROM {table} WHERE id = ?1"), params![id])?.map(|r| r.get(0)).transpose()
        }
    }
}

const VIEW_COLUMNS: &str = "id, courrier_id, kind, channel, recipient, forwarded_to, document_path, sha256, produced_at, \
                            sent_at, attempts, last_error";

fn view(r: &crate::db::Row) -> Result<AckView> {
    let kind: String = r.get(2)?;
    Ok(AckView {
        id: r.get(0)?,
        courrier: r.get(1)?,
        kind: AckKind::parse(&kind).ok_or_else(|| StoreError::Internal(format!("accusé : genre « {kind} »")))?,
        channel: r.get(3)?,
        recipient: r.get(4)?,
        forwarded_to: r.get(5)?,
        document_path: r.get(6)?,
        sha256: r.get(7)?,
        produced_at: r.get(8)?,
        sent_at: r.get(9)?,
        attempts: r.get(10)?,
        last_error: r.get(11)?,
    })
}

fn existing(q: &mut Q<'_>, courrier: i64, kind: AckKind) -> Result<Option<AckView>> {
    q.opt(
        &format!("SELECT {VIEW_COLUMNS} FROM acknowledgement WHERE courrier_id = ?1 AND kind = ?2"),
        params![courrier, kind.as_str()],
    )?
    .map(|r| view(&r))
    .transpose()
}

/// What producing needs, read in one transaction.
struct Prepared {
    facts: AckFacts,
    template: Template,
    email: Option<String>,
    folder: String,
}

/// The facts of a registered courrier and the template that applies; `None` when no
/// template applies (its type needs no acknowledgement of this kind).
fn prepare(
    q: &mut Q<'_>,
    courrier: i64,
    kind: AckKind,
    forwarded_to: Option<&str>,
    today: Date,
) -> Result<Option<Prepared>> {
    let r = q
        .opt(
            "SELECT c.chrono, c.subject, c.arrival_date, c.document_type_id, c.main_direction_id, c.implicit_decision,
                    c.implicit_decision_on, ct.name, ct.organisation, ct.address, ct.postcode, ct.city, ct.email, b.folder
             FROM courrier c LEFT JOIN contact ct ON ct.id = c.sender_id LEFT JOIN batch b ON b.id = c.batch_id
             WHERE c.id = ?1",
            params![courrier],
        )?
        .ok_or_else(|| StoreError::NotFound(format!("courrier n° {courrier} introuvable")))?;
    let Some(chrono) = r.get::<Option<String>>(0)? else {
        return Err(StoreError::Invalid(format!(
            "courrier n° {courrier} : pas encore enregistré (pas de numéro chrono)"
        )));
    };
    let (type_id, direction_id): (Option<i64>, Option<i64>) = (r.get(3)?, r.get(4)?);
    let body = q.opt(
        "SELECT body FROM ack_template WHERE kind = ?1
            AND (document_type_id = ?2 OR document_type_id IS NULL) AND (direction_id = ?3 OR direction_id IS NULL)
         ORDER BY CASE WHEN document_type_id IS NULL THEN 1 ELSE 0 END, CASE WHEN direction_id IS NULL THEN 1 ELSE 0 END
         LIMIT 1",
        params![kind.as_str(), type_id.unwrap_or(-1), direction_id.unwrap_or(-1)],
    )?;
    // The sender of a forwarded courrier is always told (L114-2), in the default words when
    // the lead wrote none; a receipt only for the types a template names.
    let body: String = match (body, kind) {
        (Some(r), _) => r.get(0)?,
        (None, AckKind::Forwarded) => default_template(kind).to_string(),
        (None, AckKind::Receipt) => return Ok(None),
    };
    let template = Template::parse(kind, &body).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let direction = code_of(q, "direction", direction_id)?.unwrap_or_default();
    let service = q
        .opt(
            "SELECT designation, address, email, phone FROM service_contact WHERE direction_id = ?1",
            params![direction_id.unwrap_or(-1)],
        )?
        .map(|s| -> Result<ServiceContact> {
            Ok(ServiceContact {
                designation: s.get(0)?,
                address: s.get::<String>(1)?.lines().map(String::from).collect(),
                email: s.get(2)?,
                phone: s.get(3)?,
            })
        })
        .transpose()?
        .ok_or_else(|| {
            StoreError::Invalid(format!(
                "les coordonnées du service de la direction « {direction} » ne sont pas renseignées : \
                 l'accusé de réception ne peut pas être fait (Administration, services)"
            ))
        })?;
    let date =
        |s: Option<String>| s.and_then(|s| Date::parse(&s, &time::format_description::well_known::Iso8601::DATE).ok());
    let received_on =
        date(r.get(2)?).ok_or_else(|| StoreError::Invalid(format!("courrier {chrono} : date d'arrivée manquante")))?;
    let implicit = match (r.get::<Option<String>>(5)?, date(r.get(6)?)) {
        (Some(kind), Some(on)) => ImplicitDecision::parse(&kind).map(|k| (k, on)),
        _ => None,
    };
    let (name, organisation): (Option<String>, Option<String>) = (r.get(7)?, r.get(8)?);
    let sender = name.clone().unwrap_or_default();
    let mut sender_address = Vec::new();
    if let Some(o) = organisation.filter(|o| !o.trim().is_empty() && Some(o) != name.as_ref()) {
        sender_address.push(o);
    }
    if let Some(a) = r.get::<Option<String>>(9)? {
        sender_address.extend(a.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from));
    }
    let town = [r.get::<Option<String>>(10)?, r.get::<Option<String>>(11)?].into_iter().flatten().collect::<Vec<_>>();
    if !town.is_empty() {
        sender_address.push(town.join(" "));
    }
    let email: Option<String> = r.get::<Option<String>>(12)?.filter(|e| !e.trim().is_empty());
    let folder = r.get::<Option<String>>(13)?.unwrap_or_else(|| "accuses-de-reception".into());
    let facts = AckFacts {
        kind,
        chrono,
        subject: r.get::<Option<String>>(1)?.unwrap_or_default(),
        sender,
        sender_address,
        received_on,
        produced_on: today,
        service,
        implicit,
        forwarded_to: forwarded_to.map(String::from),
    };
    Ok(Some(Prepared { facts, template, email, folder }))
}

/// Writes `bytes` to `path` (new, 0600), synced with its folder.
fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(parent) = path.parent() {
        crate::private::create_dir_all(parent)?;
    }
    let partial = path.with_extension("partial");
    crate::private::create_file(&partial)?;
    let mut f = std::fs::OpenOptions::new().write(true).truncate(true).open(&partial)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&partial, path)?;
    if let Some(parent) = path.parent() {
        std::fs::File::open(parent)?.sync_all()?;
    }
    Ok(())
}

fn subject_line(kind: AckKind, chrono: &str) -> String {
    match kind {
        AckKind::Receipt => format!("Accusé de réception — {chrono}"),
        AckKind::Forwarded => format!("Transmission de votre courrier — {chrono}"),
    }
}

/// What was sent and what is still to send after a pass.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SendReport {
    pub sent: usize,
    /// (chrono or id, reason) of each message still to send.
    pub failed: Vec<(i64, String)>,
}

impl Store {
    /// Every template, the lead's and none else (the defaults are not rows).
    pub fn ack_templates(&self) -> Result<Vec<AckTemplateRow>> {
        self.read(|q| {
            let rows =
                q.rows("SELECT kind, document_type_id, direction_id, body FROM ack_template ORDER BY id", params![])?;
            rows.iter()
                .map(|r| {
                    let kind: String = r.get(0)?;
                    Ok(AckTemplateRow {
                        kind: AckKind::parse(&kind).unwrap_or(AckKind::Receipt),
                        document_type: code_of(q, "document_type", r.get(1)?)?,
                        direction: code_of(q, "direction", r.get(2)?)?,
                        body: r.get(3)?,
                    })
                })
                .collect()
        })
    }

    /// Saves a template (lead only), checked first: an unknown placeholder or one R112-5
    /// requires and missing is refused now, not at print time. An empty body removes it.
    /// Each change is an event with the text before and after.
    pub fn set_ack_template(&mut self, s: &Session, row: &AckTemplateRow) -> Result<()> {
        let body = row.body.trim();
        if !body.is_empty() {
            Template::parse(row.kind, body).map_err(|e| StoreError::Invalid(e.to_string()))?;
        }
        self.write(|q| {
            let s = crate::org::current_session_q(q, s)?;
            lead_only(&s)?;
            let type_id =
                row.document_type.as_deref().map(|c| id_of(q, "document_type", "type de document", c)).transpose()?;
            let direction_id = row.direction.as_deref().map(|c| id_of(q, "direction", "direction", c)).transpose()?;
            let key = params![row.kind.as_str(), type_id.unwrap_or(0), direction_id.unwrap_or(0)];
            let before: Option<String> = q
                .opt(
                    "SELECT body FROM ack_template WHERE kind = ?1 AND coalesce(document_type_id, 0) = ?2
                        AND coalesce(direction_id, 0) = ?3",
                    key,
                )?
                .map(|r| r.get(0))
                .transpose()?;
            if before.as_deref().unwrap_or("") == body {
                return Ok(());
            }
            let now = now_rfc3339();
            match (&before, body.is_empty()) {
                (Some(_), true) => q.exec(
                    "DELETE FROM ack_template WHERE kind = ?1 AND coalesce(document_type_id, 0) = ?2
                        AND coalesce(direction_id, 0) = ?3",
                    key,
                )?,
                (Some(_), false) => q.exec(
                    "UPDATE ack_template SET body = ?4, updated_at = ?5 WHERE kind = ?1
                        AND coalesce(document_type_id, 0) = ?2 AND coalesce(direction_id, 0) = ?3",
                    params![row.kind.as_str(), type_id.unwrap_or(0), direction_id.unwrap_or(0), body, now],
                )?,
                (None, _) => q.exec(
                    "INSERT INTO ack_template (kind, document_type_id, direction_id, body, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![row.kind.as_str(), type_id, direction_id, body, now],
                )?,
            };
            let data = serde_json::json!({
                "kind": row.kind.as_str(), "document_type": row.document_type, "direction": row.direction,
                "body": { "before": before, "after": (!body.is_empty()).then_some(body) },
            });
            append_event(q, &now, &s.event(EventKind::AckTemplateChanged, None, data)).map(drop)
        })
    }

    /// The handling services' contact details, by direction code.
    pub fn service_contacts(&self) -> Result<Vec<ServiceContactRow>> {
        self.read(|q| {
            q.rows(
                "SELECT d.code, s.designation, s.address, s.email, s.phone FROM service_contact s
                 JOIN direction d ON d.id = s.direction_id ORDER BY d.code",
                params![],
            )?
            .iter()
            .map(|r| {
                Ok(ServiceContactRow {
                    direction: r.get(0)?,
                    contact: ServiceContact {
                        designation: r.get(1)?,
                        address: r.get::<String>(2)?.lines().map(String::from).collect(),
                        email: r.get(3)?,
                        phone: r.get(4)?,
                    },
                })
            })
            .collect()
        })
    }

    /// Sets a direction's handling service (lead only): what R112-5 needs must be there.
    pub fn set_service_contact(&mut self, s: &Session, row: &ServiceContactRow) -> Result<()> {
        let c = &row.contact;
        let missing = c.missing();
        if !missing.is_empty() {
            return Err(StoreError::Invalid(format!(
                "service de la direction « {} » : il manque {} (exigé par l'article R112-5 du CRPA)",
                row.direction,
                missing.join(", ")
            )));
        }
        let address = c.address.iter().map(|l| l.trim()).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n");
        let email = c.email.as_deref().map(str::trim).filter(|e| !e.is_empty());
        self.write(|q| {
            let s = crate::org::current_session_q(q, s)?;
            lead_only(&s)?;
            let id = id_of(q, "direction", "direction", &row.direction)?;
            let before = q
                .opt(
                    "SELECT designation, address, email, phone FROM service_contact WHERE direction_id = ?1",
                    params![id],
                )?
                .map(|r| -> Result<serde_json::Value> {
                    Ok(serde_json::json!({
                        "designation": r.get::<String>(0)?, "address": r.get::<String>(1)?,
                        "email": r.get::<Option<String>>(2)?, "phone": r.get::<String>(3)?,
                    }))
                })
                .transpose()?;
            let after = serde_json::json!({
                "designation": c.designation.trim(), "address": address, "email": email, "phone": c.phone.trim(),
            });
            if before.as_ref() == Some(&after) {
                return Ok(());
            }
            let now = now_rfc3339();
            q.exec("DELETE FROM service_contact WHERE direction_id = ?1", params![id])?;
            q.exec(
                "INSERT INTO service_contact (direction_id, designation, address, email, phone, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, c.designation.trim(), address, email, c.phone.trim(), now],
            )?;
            let data = serde_json::json!({ "direction": row.direction, "before": before, "after": after });
            append_event(q, &now, &s.event(EventKind::ServiceContactChanged, None, data)).map(drop)
        })
    }

    /// Produces the acknowledgement of `kind` of a registered courrier the session may
    /// see, once: called again, it gives the one already made. `None` when no template
    /// applies (the type needs none). For a forwarded courrier, `forwarded_to` names the
    /// competent body. The PDF is written and synced before its row and event.
    pub fn produce_acknowledgement(
        &mut self,
        s: &Session,
        courrier: i64,
        kind: AckKind,
        forwarded_to: Option<&str>,
        today: Date,
    ) -> Result<Option<AckView>> {
        let forwarded_to = forwarded_to.map(str::trim).filter(|f| !f.is_empty());
        if kind == AckKind::Forwarded && forwarded_to.is_none() {
            return Err(StoreError::Invalid("transmission : l'organisme destinataire est à nommer".into()));
        }
        let prepared = self.read(|q| {
            let s = crate::org::current_session_q(q, s)?;
            let facts = crate::registry::courrier_facts(q, courrier)?.ok_or(Refusal::NotVisible)?;
            if !s.viewer.can_read(&facts) {
                return Err(Refusal::NotVisible.into());
            }
            if let Some(done) = existing(q, courrier, kind)? {
                return Ok(Err(done));
            }
            prepare(q, courrier, kind, forwarded_to, today).map(Ok)
        })?;
        let p = match prepared {
            Err(done) => return Ok(Some(done)),
            Ok(None) => return Ok(None),
            Ok(Some(p)) => p,
        };
        let text = p.template.render(&p.facts);
        let (channel, recipient) = match &p.email {
            Some(e) => ("email", e.trim().to_string()),
            None => (
                "post",
                [p.facts.sender.clone()]
                    .into_iter()
                    .chain(p.facts.sender_address.clone())
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
        };
        let pdf = letter_pdf(&Letter::new(&p.facts, text.clone())).or_else(|e| {
            // By e-mail the PDF is an attachment: an address too long for a window is no bar.
            if channel == "email" {
                let mut facts = p.facts.clone();
                facts.sender_address = vec!["—".into()];
                letter_pdf(&Letter::new(&facts, text.clone()))
            } else {
                Err(e)
            }
        });
        let pdf = pdf.map_err(|e| StoreError::Invalid(format!("accusé de réception de {} : {e}", p.facts.chrono)))?;
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&pdf));
        // A name of its own per content: a file already committed is never overwritten.
        let relative = format!("{}/accuses/{courrier}-{}-{}.pdf", p.folder, kind.as_str(), &sha[..12]);
        let path = self.resolve(&relative);
        write_synced(&path, &pdf).map_err(|source| StoreError::Io { path: path.clone(), source })?;
        let size = pdf.len() as i64;
        let made = self.write(|q| {
            let s = crate::org::current_session_q(q, s)?;
            if let Some(done) = existing(q, courrier, kind)? {
                return Ok(done);
            }
            let now = now_rfc3339();
            let id: i64 = q.one(
                "INSERT INTO acknowledgement (courrier_id, kind, channel, recipient, forwarded_to, body, document_path,
                                              sha256, produced_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
                params![courrier, kind.as_str(), channel, recipient, forwarded_to, text, relative, sha, now],
            )?;
            q.exec(
                "INSERT INTO document_hash (path, sha256, size, recorded_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                params![relative, sha, size, now],
            )?;
            let data = serde_json::json!({
                "acknowledgement": id, "kind": kind.as_str(), "channel": channel, "recipient": recipient,
                "forwarded_to": forwarded_to, "document": relative, "sha256": sha,
            });
            append_event(q, &now, &s.event(EventKind::AcknowledgementProduced, Some(courrier), data))?;
            existing(q, courrier, kind)?.ok_or_else(|| StoreError::Internal("accusé inséré introuvable".into()))
        })?;
        if made.document_path != relative {
            // Another writer made it meanwhile: ours is referenced by nothing.
            let _ = std::fs::remove_file(&path);
        }
        Ok(Some(made))
    }

    /// What the front ends call right after a successful registration: the courrier's
    /// acknowledgement of receipt, dated today in Paris, when its type needs one.
    pub fn acknowledge_registered(&mut self, s: &Session, courrier: i64) -> Result<Option<AckView>> {
        self.produce_acknowledgement(s, courrier, AckKind::Receipt, None, crate::registry::today())
    }

    /// Tells the sender of a courrier forwarded to `body` (`Act::Forward`), once.
    pub fn acknowledge_forwarded(&mut self, s: &Session, courrier: i64, body: &str) -> Result<Option<AckView>> {
        self.produce_acknowledgement(s, courrier, AckKind::Forwarded, Some(body), crate::registry::today())
    }

    /// The acknowledgements of a courrier the session may see.
    pub fn acknowledgements(&self, s: &Session, courrier: i64) -> Result<Vec<AckView>> {
        self.read(|q| {
            let s = crate::org::current_session_q(q, s)?;
            let facts = crate::registry::courrier_facts(q, courrier)?.ok_or(Refusal::NotVisible)?;
            if !s.viewer.can_read(&facts) {
                return Err(Refusal::NotVisible.into());
            }
            q.rows(
                &format!("SELECT {VIEW_COLUMNS} FROM acknowledgement WHERE courrier_id = ?1 ORDER BY id"),
                params![courrier],
            )?
            .iter()
            .map(view)
            .collect()
        })
    }

    /// Sends every e-mail acknowledgement still to send through `settings`' server; each
    /// sent is marked with its event, each refusal or silence kept with its reason for the
    /// next pass. The PDF attached is the one kept (its hash checked first).
    pub fn send_acknowledgements(&mut self, s: &Session, settings: &SmtpSettings) -> Result<SendReport> {
        self.send_pending(Sender::Session(s), settings)
    }

    /// [`Store::send_acknowledgements`] by a process on its own (`pli serve`'s timer): the
    /// events name `actor`, no one's session.
    pub fn send_acknowledgements_as(&mut self, actor: &Actor, settings: &SmtpSettings) -> Result<SendReport> {
        self.send_pending(Sender::Process(actor), settings)
    }

    fn send_pending(&mut self, by: Sender<'_>, settings: &SmtpSettings) -> Result<SendReport> {
        let pending = self.read(|q| {
            q.rows(
                &format!("SELECT {VIEW_COLUMNS}, body FROM acknowledgement WHERE channel = 'email' AND sent_at IS NULL ORDER BY id"),
                params![],
            )?
            .iter()
            .map(|r| Ok((view(r)?, r.get::<String>(12)?)))
            .collect::<Result<Vec<_>>>()
        })?;
        let mut report = SendReport::default();
        for (ack, text) in pending {
            let path = self.resolve(&ack.document_path);
            let outcome = match std::fs::read(&path) {
                Err(e) => Err(format!("{} : lecture impossible ({e})", ack.document_path)),
                Ok(pdf) if hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&pdf)) != ack.sha256 => {
                    Err(format!("{} : le document ne correspond plus à son empreinte", ack.document_path))
                }
                Ok(pdf) => {
                    let chrono = ack.document_path.rsplit('/').next().unwrap_or_default().to_string();
                    let chrono = self
                        .read(|q| {
                            q.one::<Option<String>>("SELECT chrono FROM courrier WHERE id = ?1", params![ack.courrier])
                        })?
                        .unwrap_or(chrono);
                    let mail = Mail {
                        to: ack.recipient.clone(),
                        subject: subject_line(ack.kind, &chrono),
                        text,
                        pdf,
                        pdf_name: format!("accuse-reception-{chrono}.pdf"),
                    };
                    pli_receipt::mail::send(settings, &mail).map_err(|e| e.to_string())
                }
            };
            let now = now_rfc3339();
            match outcome {
                Ok(()) => {
                    self.write(|q| {
                        let who = match by {
                            Sender::Session(s) => {
                                let s = crate::org::current_session_q(q, s)?;
                                Actor { login: s.viewer.login, workstation: s.workstation }
                            }
                            Sender::Process(actor) => actor.clone(),
                        };
                        let changed = q.exec(
                            "UPDATE acknowledgement SET sent_at = ?2, attempts = attempts + 1, last_error = NULL
                             WHERE id = ?1 AND sent_at IS NULL",
                            params![ack.id, now],
                        )?;
                        if changed == 1 {
                            let data = serde_json::json!({ "acknowledgement": ack.id, "channel": "email", "recipient": ack.recipient });
                            let event = NewEvent {
                                actor: who.login,
                                workstation: who.workstation,
                                kind: EventKind::AcknowledgementSent,
                                courrier: Some(ack.courrier),
                                data,
                            };
                            append_event(q, &now, &event)?;
                        }
                        Ok(())
                    })?;
                    report.sent += 1;
                }
                Err(reason) => {
                    // Not a change of the courrier: the row keeps why, for the record and the retry.
                    self.write_unchained(|q| {
                        q.exec(
                            "UPDATE acknowledgement SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
                            params![ack.id, reason],
                        )
                        .map(drop)
                    })?;
                    report.failed.push((ack.courrier, reason));
                }
            }
        }
        Ok(report)
    }
}

impl Store {
    /// The mail room's print of postal acknowledgements (operator or lead): every one
    /// still to print, produced up to `day` included (UTC day of `produced_at`), merged in
    /// one PDF in the order they were made, each checked against its hash first; each is
    /// then marked sent with its event. Nothing to print: `None`.
    pub fn print_postal_acknowledgements(&mut self, s: &Session, day: Date) -> Result<Option<Vec<u8>>> {
        let until = format!("{}T99", day);
        let pending = self.read(|q| {
            let s = crate::org::current_session_q(q, s)?;
            if !(s.viewer.has(Role::Operator) || s.viewer.has(Role::Lead)) {
                return Err(Refusal::LeadOnly("l'impression des accusés de réception").into());
            }
            q.rows(
                &format!(
                    "SELECT {VIEW_COLUMNS} FROM acknowledgement WHERE channel = 'post' AND sent_at IS NULL
                     AND produced_at < ?1 ORDER BY id"
                ),
                params![until],
            )?
            .iter()
            .map(view)
            .collect::<Result<Vec<_>>>()
        })?;
        if pending.is_empty() {
            return Ok(None);
        }
        let mut letters = Vec::new();
        for ack in &pending {
            let path = self.resolve(&ack.document_path);
            let bytes = std::fs::read(&path).map_err(|source| StoreError::Io { path: path.clone(), source })?;
            if hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)) != ack.sha256 {
                return Err(StoreError::Invalid(format!(
                    "{} : le document ne correspond plus à son empreinte (rien n'a été imprimé)",
                    ack.document_path
                )));
            }
            letters.push(bytes);
        }
        let merged = pli_receipt::pdf::merge(&letters).map_err(StoreError::Internal)?;
        self.write(|q| {
            let s = crate::org::current_session_q(q, s)?;
            let now = now_rfc3339();
            for ack in &pending {
                let changed = q.exec(
                    "UPDATE acknowledgement SET sent_at = ?2, attempts = attempts + 1 WHERE id = ?1 AND sent_at IS NULL",
                    params![ack.id, now],
                )?;
                if changed == 1 {
                    let data = serde_json::json!({ "acknowledgement": ack.id, "channel": "post", "recipient": ack.recipient });
                    append_event(q, &now, &s.event(EventKind::AcknowledgementSent, Some(ack.courrier), data))?;
                }
            }
            Ok(())
        })?;
        Ok(Some(merged))
    }
}

/// Who sends the e-mails still to send: a signed-in user, or a process on its own.
#[derive(Clone, Copy)]
enum Sender<'a> {
    Session(&'a Session),
    Process(&'a Actor),
}

/// The default text of a kind, for the lead's editor.
pub fn default_body(kind: AckKind) -> &'static str {
    default_template(kind)
}
