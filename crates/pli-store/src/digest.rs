//! The daily digest of reminders (issue 15, item 5): for each active user with an e-mail
//! address who has not opted out, one plain-text e-mail listing what is late and what is
//! due this week among the courriers they work: a referent, the open courriers of their
//! directions (as their home screen counts them, [`Store::due_summary`]); anyone, those
//! assigned to them. Nothing to say, no e-mail.
//!
//! Each user's digest of a day is claimed (a `digest_sent` row, its primary key the day
//! and the user) in a write transaction before it leaves: whichever process inserts the
//! row sends it, so two `pli serve` over one database, or a run again, never send it
//! twice. A digest is sent at most once: a refusal is kept with its reason, not retried
//! that day.

use crate::db::{Q, params};
use crate::registry::Session;
use crate::{Result, Store, StoreError, append_event, now_rfc3339};
use pli_core::{EventKind, Viewer};
use pli_receipt::mail::SmtpSettings;
use serde::Serialize;
use time::Date;

/// What a digest says of a confidential courrier instead of its subject.
pub const CONFIDENTIAL: &str = "(courrier confidentiel : objet visible dans Pli)";

/// The workstation digests are computed "from" (no one's window).
const DIGEST_WORKSTATION: &str = "rappels";

/// One courrier of a digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DigestLine {
    pub courrier: i64,
    pub chrono: String,
    pub subject: String,
    /// The main direction's code.
    pub direction: String,
    /// `YYYY-MM-DD`.
    pub due_date: String,
}

/// What a user's digest lists on a day, each part by due date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Digest {
    /// Open and past their due date.
    pub late: Vec<DigestLine>,
    /// Open and due from the day to Sunday.
    pub due_this_week: Vec<DigestLine>,
}

/// What a pass of [`Store::send_digests`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DigestReport {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub sent: usize,
    /// Users with nothing late nor due this week: no e-mail.
    pub nothing_to_say: usize,
    /// Already claimed that day (by this or another process).
    pub already_sent: usize,
    /// Users who chose not to receive it.
    pub opted_out: usize,
    /// Active users without an e-mail address.
    pub without_email: usize,
    /// (login, reason) of each digest refused or unanswered.
    pub failed: Vec<(String, String)>,
}

/// A user's e-mail address and digest choice, for their own screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DigestChoice {
    pub email: Option<String>,
    pub digest: bool,
}

fn french_date(iso: &str) -> String {
    match crate::deadline::parse_date(iso) {
        Some(d) => format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year()),
        None => iso.to_string(),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n > 1 { many } else { one })
}

impl Digest {
    pub fn is_empty(&self) -> bool {
        self.late.is_empty() && self.due_this_week.is_empty()
    }

    /// The e-mail's subject line.
    pub fn subject(&self) -> String {
        let mut parts = Vec::new();
        if !self.late.is_empty() {
            parts.push(format!("{} en retard", plural(self.late.len(), "courrier", "courriers")));
        }
        if !self.due_this_week.is_empty() {
            parts.push(format!(
                "{} à échéance cette semaine",
                plural(self.due_this_week.len(), "courrier", "courriers")
            ));
        }
        format!("Pli — rappels : {}", parts.join(", "))
    }

    /// The e-mail's text, in plain French, for `name` on `day`.
    pub fn text(&self, name: &str, day: Date) -> String {
        let line = |l: &DigestLine| {
            format!("- {} · {} · {} · échéance le {}\n", l.chrono, l.subject, l.direction, french_date(&l.due_date))
        };
        let mut text = format!(
            "Bonjour {name},\n\nVoici les courriers dont vous avez la charge qui demandent votre attention au {}.\n",
            french_date(&day.to_string())
        );
        for (title, lines) in [("En retard", &self.late), ("À échéance cette semaine", &self.due_this_week)] {
            if !lines.is_empty() {
                text.push_str(&format!("\n{title} ({}) :\n", lines.len()));
                text.extend(lines.iter().map(line));
            }
        }
        text.push_str(
            "\nCe message vous est envoyé chaque jour ouvré où un courrier est en retard ou à échéance.\n\
             Pour ne plus le recevoir : Pli, écran d'accueil, « Rappels par courriel ».\n",
        );
        text
    }
}

impl Store {
    /// What `s`'s digest lists on `today`: the open courriers it works (main direction one
    /// it is referent of, or assigned to it; and those of the users it stands in for
    /// today) that are late, or due by Sunday. For a referent, what [`Store::due_summary`]
    /// counts; an agent's are only those assigned to them, not every courrier of their
    /// direction.
    pub fn digest(&self, s: &Session, today: Date) -> Result<Digest> {
        let s = self.current(s)?;
        let v = s.viewer.visibility();
        // As `due_summary`, but a direction's courriers only for its referents (a test
        // checks both agree for a referent); a delegate works the absent's too.
        let (mut referent_of, mut users) = (v.referent_of.clone(), vec![v.user_id]);
        for absent in &v.stands_in_for {
            referent_of.extend(&absent.referent_of);
            users.push(absent.user_id);
        }
        let mine = format!(
            "c.state NOT IN ('closed', 'to_qualify') AND c.due_date IS NOT NULL AND {}
             AND ({} OR {})",
            crate::registry::visible_sql(&v),
            crate::registry::in_ids("c.main_direction_id", &referent_of),
            crate::registry::in_ids("c.assignee_id", &users),
        );
        let sunday = today + time::Duration::days(6 - i64::from(today.weekday().number_days_from_monday()));
        let (today, sunday) = (today.to_string(), sunday.to_string());
        self.read(|q| {
            Ok(Digest {
                late: lines(q, &format!("{mine} AND c.due_date < ?1"), params![today])?,
                due_this_week: lines(
                    q,
                    &format!("{mine} AND c.due_date >= ?1 AND c.due_date <= ?2"),
                    params![today, sunday],
                )?,
            })
        })
    }

    /// The signed-in user's e-mail address and whether they receive the digest.
    pub fn digest_choice(&self, s: &Session) -> Result<DigestChoice> {
        let s = self.current(s)?;
        self.read(|q| {
            let r = q
                .opt("SELECT email, digest FROM app_user WHERE id = ?1", params![s.viewer.user_id])?
                .ok_or_else(|| StoreError::NotFound("utilisateur inconnu".into()))?;
            Ok(DigestChoice { email: r.get(0)?, digest: r.get(1)? })
        })
    }

    /// The signed-in user chooses to receive the daily digest or not (their own choice,
    /// with its event; the lead sees it in the users' list).
    pub fn set_digest(&mut self, s: &Session, wanted: bool) -> Result<()> {
        self.write(|q| {
            let s = crate::org::current_session_q(q, s)?;
            let before: bool = q.one("SELECT digest FROM app_user WHERE id = ?1", params![s.viewer.user_id])?;
            if before == wanted {
                return Ok(());
            }
            q.exec("UPDATE app_user SET digest = ?2 WHERE id = ?1", params![s.viewer.user_id, wanted])?;
            let data = serde_json::json!({ "login": s.viewer.login, "digest": wanted });
            append_event(q, &now_rfc3339(), &s.event(EventKind::DigestChoiceChanged, None, data)).map(drop)
        })
    }

    /// Sends `day`'s digest to every active user with an e-mail address who has not opted
    /// out and has something late or due this week, through `settings`' server. Each is
    /// claimed before it leaves (never twice a day, whichever process runs this); a refused
    /// address is kept with its reason and the others still go. An SMTP server that does
    /// not answer at all is an error before anything is claimed: the pass can run again.
    pub fn send_digests(&mut self, day: Date, settings: &SmtpSettings) -> Result<DigestReport> {
        let users = self.read(|q| {
            q.rows(
                "SELECT id, login, display_name, email, digest FROM app_user WHERE active = 1 ORDER BY id",
                params![],
            )?
            .iter()
            .map(|r| {
                Ok((
                    r.get::<i64>(0)?,
                    r.get::<String>(1)?,
                    r.get::<String>(2)?,
                    r.get::<Option<String>>(3)?,
                    r.get::<bool>(4)?,
                ))
            })
            .collect::<Result<Vec<_>>>()
        })?;
        let mut report = DigestReport { day: day.to_string(), ..Default::default() };
        let mut checked = false;
        for (id, login, name, email, wanted) in users {
            let Some(email) = email.filter(|e| !e.trim().is_empty()) else {
                report.without_email += 1;
                continue;
            };
            if !wanted {
                report.opted_out += 1;
                continue;
            }
            let s =
                Session { viewer: Viewer::new(id, login.clone(), Vec::new()), workstation: DIGEST_WORKSTATION.into() };
            let digest = match self.digest(&s, day) {
                Ok(d) => d,
                // Deactivated since the list was read: no digest.
                Err(StoreError::Refused(_)) => continue,
                Err(e) => return Err(e),
            };
            if digest.is_empty() {
                report.nothing_to_say += 1;
                continue;
            }
            // The first to send: the SMTP server must answer before anything is claimed,
            // else a server down at the hour would use up everyone's digest of the day.
            if !checked {
                pli_receipt::mail::reachable(settings)
                    .map_err(|e| StoreError::Internal(format!("rappels du {day} non envoyés : {e}")))?;
                checked = true;
            }
            let claimed = self.write_unchained(|q| {
                q.exec(
                    "INSERT INTO digest_sent (day, user_id, claimed_at, late, due) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT DO NOTHING",
                    params![
                        day.to_string(),
                        id,
                        now_rfc3339(),
                        digest.late.len() as i64,
                        digest.due_this_week.len() as i64
                    ],
                )
            })?;
            if claimed == 0 {
                report.already_sent += 1;
                continue;
            }
            let outcome = pli_receipt::mail::send_text(settings, &email, &digest.subject(), &digest.text(&name, day));
            let error = outcome.as_ref().err().map(|e| e.to_string());
            self.write_unchained(|q| {
                q.exec(
                    "UPDATE digest_sent SET sent_at = ?3, last_error = ?4 WHERE day = ?1 AND user_id = ?2",
                    params![day.to_string(), id, error.is_none().then(now_rfc3339), error.clone()],
                )
                .map(drop)
            })?;
            match error {
                None => report.sent += 1,
                Some(reason) => {
                    tracing::warn!(login = %login, "rappels du {day} non envoyés : {reason}");
                    report.failed.push((login, reason));
                }
            }
        }
        Ok(report)
    }
}

/// The courriers `condition` selects, as digest lines, by due date.
fn lines(q: &mut Q<'_>, condition: &str, args: &[&dyn crate::db::Param]) -> Result<Vec<DigestLine>> {
    let sql = format!(
        "SELECT c.id, c.chrono, c.subject, d.code, c.due_date, c.confidential FROM courrier c
         LEFT JOIN direction d ON d.id = c.main_direction_id
         WHERE {condition} ORDER BY c.due_date, c.id"
    );
    q.rows(&sql, args)?
        .iter()
        .map(|r| {
            let id: i64 = r.get(0)?;
            // An e-mail may leave the agency's network: a confidential one's subject stays in Pli.
            let subject = match r.get::<bool>(5)? {
                true => Some(CONFIDENTIAL.to_string()),
                false => r.get::<Option<String>>(2)?,
            };
            Ok(DigestLine {
                courrier: id,
                chrono: r.get::<Option<String>>(1)?.unwrap_or_else(|| format!("courrier n° {id}")),
                subject: subject.filter(|s| !s.trim().is_empty()).unwrap_or_else(|| "(sans objet)".into()),
                direction: r.get::<Option<String>>(3)?.unwrap_or_else(|| "—".into()),
                due_date: r.get(4)?,
            })
        })
        .collect()
}

/// Today's date and the hour in Paris, when the digest's time is reckoned.
pub fn paris_now() -> (Date, u8) {
    let now = jiff::Timestamp::now().to_zoned_datetime(pli_core::stats::Settings::default().time_zone);
    let d = now.date();
    let day = time::Month::try_from(d.month() as u8)
        .and_then(|m| Date::from_calendar_date(d.year() as i32, m, d.day() as u8))
        .unwrap_or_else(|_| crate::registry::today());
    (day, u8::try_from(now.hour()).unwrap_or(0))
}
