//! Browser sessions of `pli serve`, kept in the database rather than in one server's
//! memory: any of several servers behind one load balancer answers any request, and a
//! lead who ends a user's sessions ends them on every server at once.
//!
//! The cookie carries a random token; only its SHA-256 is stored, so a copy of the
//! database opens no session. Sign-in and sign-out are events; the bookkeeping of a
//! session (its last request) is not, and does not wait for the writers' lock.

use crate::org::current_session_q;
use crate::{Result, Session, Store, StoreError, append_event, now_rfc3339, params};
use pli_core::event::EventKind;
use pli_core::{Refusal, Role, Viewer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// How long a browser session lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Ended after this long without a request.
    pub idle: std::time::Duration,
    /// Ended this long after sign-in, however active (a stolen cookie does not last).
    pub lifetime: std::time::Duration,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            idle: std::time::Duration::from_secs(30 * 60),
            lifetime: std::time::Duration::from_secs(12 * 3600),
        }
    }
}

/// A session's last request is written at most this often: one write per request would
/// cost more than the request. The idle timeout is late by as much at worst.
const TOUCH_EVERY: i64 = 20;

/// A live browser session: who, with their roles as they are now, and the value
/// state-changing requests must echo.
#[derive(Debug, Clone)]
pub struct WebSession {
    pub session: Session,
    pub csrf: String,
}

/// A browser session, as the lead sees it.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct OpenSession {
    pub login: String,
    pub address: String,
    pub created_at: String,
    pub last_seen: String,
}

impl Store {
    /// Records a browser session for `viewer`, who has just signed in.
    pub fn open_web_session(&mut self, viewer: &Viewer, token_hash: &str, csrf: &str, address: &str) -> Result<()> {
        let now = unix_now();
        self.write_unchained(|q| {
            q.exec(
                "INSERT INTO web_session (token_hash, user_id, csrf, address, created_at, last_seen)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                params![token_hash, viewer.user_id, csrf, address, now],
            )
            .map(drop)
        })
    }

    /// The session a token's hash names, if still alive: idle no longer than
    /// `limits.idle`, younger than `limits.lifetime`, its user still active (with the
    /// roles they hold now). A dead one is deleted; `None` either way.
    /// `activity`: the request is the user's (it defers the idle timeout); a live-update
    /// stream looking whether its session still lives is not.
    pub fn web_session(
        &mut self,
        token_hash: &str,
        workstation: &str,
        limits: &SessionLimits,
        activity: bool,
    ) -> Result<Option<WebSession>> {
        let now = unix_now();
        let found = self.read(|q| {
            let Some(r) = q.opt(
                "SELECT user_id, csrf, created_at, last_seen FROM web_session WHERE token_hash = ?1",
                params![token_hash],
            )?
            else {
                return Ok(None);
            };
            let (user_id, csrf, created, seen): (i64, String, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            let stub = Session { viewer: Viewer::new(user_id, String::new(), vec![]), workstation: workstation.into() };
            let current = match current_session_q(q, &stub) {
                Ok(s) => Some(s),
                Err(StoreError::Refused(Refusal::SessionEnded)) => None,
                Err(e) => return Err(e),
            };
            Ok(Some((current, csrf, created, seen)))
        })?;
        let Some((current, csrf, created, seen)) = found else { return Ok(None) };
        let alive = now - created < limits.lifetime.as_secs() as i64 && now - seen < limits.idle.as_secs() as i64;
        let Some(session) = current.filter(|_| alive) else {
            self.write_unchained(|q| q.exec("DELETE FROM web_session WHERE token_hash = ?1", params![token_hash]))?;
            return Ok(None);
        };
        if activity && now - seen >= TOUCH_EVERY {
            self.write_unchained(|q| {
                q.exec("UPDATE web_session SET last_seen = ?2 WHERE token_hash = ?1", params![token_hash, now])
            })?;
        }
        Ok(Some(WebSession { session, csrf }))
    }

    /// Ends one browser session (its user signed out), with an event.
    pub fn end_web_session(&mut self, token_hash: &str, s: &Session) -> Result<()> {
        self.write(|q| {
            let n = q.exec("DELETE FROM web_session WHERE token_hash = ?1", params![token_hash])?;
            if n > 0 {
                append_event(q, &now_rfc3339(), &s.event(EventKind::UserSignedOut, None, serde_json::json!({})))?;
            }
            Ok(())
        })
    }

    /// Ends every browser session of `login`, on every server (the lead; the user
    /// themself too, "sign out everywhere"). Returns how many were ended.
    pub fn end_web_sessions_of(&mut self, s: &Session, login: &str) -> Result<usize> {
        self.write(|q| {
            let s = current_session_q(q, s)?;
            if s.viewer.login != login && !s.viewer.has(Role::Lead) {
                return Err(Refusal::LeadOnly("mettre fin aux sessions d'un autre utilisateur").into());
            }
            let ended = q.exec(
                "DELETE FROM web_session WHERE user_id = (SELECT id FROM app_user WHERE login = ?1)",
                params![login],
            )?;
            let data = serde_json::json!({ "login": login, "sessions": ended });
            append_event(q, &now_rfc3339(), &s.event(EventKind::SessionsEnded, None, data))?;
            Ok(ended as usize)
        })
    }

    /// The browser sessions alive now, for the lead and the server's metrics. Dead ones
    /// are forgotten on the way.
    pub fn web_sessions(&mut self, limits: &SessionLimits) -> Result<Vec<OpenSession>> {
        let now = unix_now();
        let (born_after, seen_after) = (now - limits.lifetime.as_secs() as i64, now - limits.idle.as_secs() as i64);
        self.write_unchained(|q| {
            q.exec(
                "DELETE FROM web_session WHERE created_at <= ?1 OR last_seen <= ?2",
                params![born_after, seen_after],
            )?;
            q.rows(
                "SELECT u.login, w.address, w.created_at, w.last_seen
                 FROM web_session w JOIN app_user u ON u.id = w.user_id
                 ORDER BY w.last_seen DESC",
                params![],
            )?
            .iter()
            .map(|r| {
                Ok(OpenSession {
                    login: r.get(0)?,
                    address: r.get(1)?,
                    created_at: rfc3339(r.get(2)?),
                    last_seen: rfc3339(r.get(3)?),
                })
            })
            .collect()
        })
    }
}

fn unix_now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix).ok().and_then(|t| t.format(&Rfc3339).ok()).unwrap_or_default()
}
