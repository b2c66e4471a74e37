//! Absences (issue 15): while a user is away, their delegate sees and works their
//! courriers, each action saying « X pour Y ». An absence is recorded or cancelled by the
//! absent user or by the lead, each with its event in the same transaction. Whom a session
//! stands in for is read again at every call (`org::current_session_q`): only absences
//! covering today (Paris date), not cancelled, of an absent user still active; what that
//! lets the delegate see and do is `pli_core::access`'s.

use crate::db::{Q, params};
use crate::registry::Session;
use crate::{Result, Store, StoreError, append_event, now_rfc3339};
use pli_core::{Absent, EventKind, Refusal, Role};
use serde::{Deserialize, Serialize};

/// An absence to record. `user` is the absent user's login: the session's own when none
/// (only the lead may name another).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct NewAbsence {
    pub user: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub starts_on: String,
    /// `YYYY-MM-DD`, inclusive.
    pub ends_on: String,
    /// The delegate's login.
    pub delegate: String,
}

/// An absence as the lead and the users concerned see it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct AbsenceView {
    pub id: i64,
    pub user: String,
    pub user_name: String,
    pub starts_on: String,
    pub ends_on: String,
    pub delegate: String,
    pub delegate_name: String,
    pub created_by: String,
    /// It covers today (else it is to come).
    pub current: bool,
}

/// A user one may name as delegate.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct Colleague {
    pub login: String,
    pub name: String,
}

/// The absent users `user_id` stands in for today: absences covering today, not
/// cancelled, whose absent user is active, each user once, in the order they started.
pub(crate) fn standing_in(q: &mut Q<'_>, user_id: i64) -> Result<Vec<Absent>> {
    let today = crate::registry::today().to_string();
    let rows = q.rows(
        "SELECT a.user_id, u.login FROM absence a JOIN app_user u ON u.id = a.user_id
         WHERE a.delegate_id = ?1 AND a.cancelled_at IS NULL AND a.starts_on <= ?2 AND a.ends_on >= ?2
           AND u.active = 1
         ORDER BY a.starts_on, a.id",
        params![user_id, today],
    )?;
    let mut out: Vec<Absent> = Vec::new();
    for r in rows {
        let (id, login): (i64, String) = (r.get(0)?, r.get(1)?);
        if id == user_id || out.iter().any(|a| a.user_id == id) {
            continue;
        }
        out.push(Absent { user_id: id, login, grants: crate::org::grants_of(q, id)? });
    }
    Ok(out)
}

/// A `YYYY-MM-DD` date, checked.
fn date(text: &str, what: &str) -> Result<String> {
    crate::deadline::parse_date(text.trim()).map(|d| d.to_string()).ok_or_else(|| {
        StoreError::Invalid(format!("absence : {what} « {} » n'est pas une date (AAAA-MM-JJ)", text.trim()))
    })
}

/// An active user's id and name, by login.
fn active_user(q: &mut Q<'_>, login: &str, what: &str) -> Result<(i64, String)> {
    q.opt("SELECT id, display_name FROM app_user WHERE login = ?1 AND active = 1", params![login.trim()])?
        .map(|r| Ok::<_, StoreError>((r.get(0)?, r.get(1)?)))
        .transpose()?
        .ok_or_else(|| StoreError::Invalid(format!("absence : {what} « {} » inconnu ou inactif", login.trim())))
}

impl Store {
    /// Records an absence: by the absent user themself, or by the lead for anyone. The
    /// delegate is an active user other than the absent one; the dates run forwards.
    /// Row and event in one transaction. Returns its id.
    pub fn record_absence(&mut self, s: &Session, a: &NewAbsence) -> Result<i64> {
        let (starts_on, ends_on) = (date(&a.starts_on, "début")?, date(&a.ends_on, "fin")?);
        if ends_on < starts_on {
            return Err(StoreError::Invalid(format!("absence : la fin ({ends_on}) précède le début ({starts_on})")));
        }
        self.write(|q| {
            let s = crate::org::current_session_q(q, s)?;
            let me = &s.viewer;
            let (user_id, user) = match a.user.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
                Some(login) if login != me.login => {
                    if !me.has(Role::Lead) {
                        return Err(Refusal::LeadOnly("déclarer l'absence d'un autre utilisateur").into());
                    }
                    (active_user(q, login, "utilisateur absent")?.0, login.to_string())
                }
                _ => (me.user_id, me.login.clone()),
            };
            let (delegate_id, _) = active_user(q, &a.delegate, "suppléant")?;
            if delegate_id == user_id {
                return Err(StoreError::Invalid("absence : le suppléant doit être un autre utilisateur".into()));
            }
            let now = now_rfc3339();
            let id = q.insert(
                "INSERT INTO absence (user_id, starts_on, ends_on, delegate_id, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                params![user_id, starts_on, ends_on, delegate_id, me.user_id, now],
            )?;
            let data = serde_json::json!({
                "absence": id, "user": user, "starts_on": starts_on, "ends_on": ends_on, "delegate": a.delegate.trim(),
            });
            append_event(q, &now, &s.event(EventKind::AbsenceRecorded, None, data))?;
            Ok(id)
        })
    }

    /// Cancels an absence (it stays, marked cancelled): by the absent user or the lead.
    pub fn cancel_absence(&mut self, s: &Session, id: i64) -> Result<()> {
        self.write(|q| {
            let s = crate::org::current_session_q(q, s)?;
            let Some(r) = q.opt(
                "SELECT a.user_id, u.login FROM absence a JOIN app_user u ON u.id = a.user_id
                 WHERE a.id = ?1 AND a.cancelled_at IS NULL",
                params![id],
            )?
            else {
                return Err(StoreError::NotFound(format!("absence n° {id} introuvable ou déjà annulée")));
            };
            let (user_id, user): (i64, String) = (r.get(0)?, r.get(1)?);
            if user_id != s.viewer.user_id && !s.viewer.has(Role::Lead) {
                return Err(Refusal::LeadOnly("annuler l'absence d'un autre utilisateur").into());
            }
            let now = now_rfc3339();
            q.exec("UPDATE absence SET cancelled_at = ?2 WHERE id = ?1", params![id, now])?;
            append_event(
                q,
                &now,
                &s.event(EventKind::AbsenceCancelled, None, serde_json::json!({ "absence": id, "user": user })),
            )?;
            Ok(())
        })
    }

    /// Current and coming absences, soonest first: every one for the lead; for anyone else,
    /// those where they are the absent user or the delegate.
    pub fn absences(&self, s: &Session) -> Result<Vec<AbsenceView>> {
        let today = crate::registry::today().to_string();
        self.read(|q| {
            let s = crate::org::current_session_q(q, s)?;
            let whose = if s.viewer.has(Role::Lead) {
                "(a.user_id = ?2 OR 1 = 1)"
            } else {
                "(a.user_id = ?2 OR a.delegate_id = ?2)"
            };
            q.rows(
                &format!(
                    "SELECT a.id, u.login, u.display_name, a.starts_on, a.ends_on, d.login, d.display_name, c.login
                 FROM absence a JOIN app_user u ON u.id = a.user_id JOIN app_user d ON d.id = a.delegate_id
                 JOIN app_user c ON c.id = a.created_by
                 WHERE a.cancelled_at IS NULL AND a.ends_on >= ?1 AND {whose}
                 ORDER BY a.starts_on, a.id"
                ),
                params![today, s.viewer.user_id],
            )?
            .iter()
            .map(|r| {
                let starts_on: String = r.get(3)?;
                Ok(AbsenceView {
                    id: r.get(0)?,
                    user: r.get(1)?,
                    user_name: r.get(2)?,
                    current: starts_on <= today,
                    starts_on,
                    ends_on: r.get(4)?,
                    delegate: r.get(5)?,
                    delegate_name: r.get(6)?,
                    created_by: r.get(7)?,
                })
            })
            .collect()
        })
    }

    /// Whom the session's user may name as delegate, by name: the active users of their
    /// directions (any user for the lead), themself excepted.
    pub fn colleagues(&self, s: &Session) -> Result<Vec<Colleague>> {
        self.read(|q| {
            let s = crate::org::current_session_q(q, s)?;
            let directions: Vec<i64> = s.viewer.grants.iter().filter_map(|g| g.direction).collect();
            let scope = if s.viewer.has(Role::Lead) {
                "1 = 1".to_string()
            } else {
                format!(
                    "EXISTS (SELECT 1 FROM user_role r WHERE r.user_id = u.id AND {})",
                    crate::registry::in_ids("r.direction_id", &directions)
                )
            };
            q.rows(
                &format!(
                    "SELECT u.login, u.display_name FROM app_user u
                     WHERE u.active = 1 AND u.id != ?1 AND {scope} ORDER BY u.display_name, u.login"
                ),
                params![s.viewer.user_id],
            )?
            .iter()
            .map(|r| Ok(Colleague { login: r.get(0)?, name: r.get(1)? }))
            .collect()
        })
    }
}
