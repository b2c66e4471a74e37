//! Qualification, registration, routing and the referents' actions, with the access
//! policy of `pli_core::access` applied on every call: a user gets only what they may
//! see, whatever the call (get, list, search, content, history). Each change is
//! written with its event in one transaction; a refused change writes nothing.

use crate::db::{Dialect, FromValue, Param, Q, Row, params};
use crate::{Result, Store, StoreError, append_event, now_rfc3339};
use pli_core::basket::{BasketFilter, Scope};
use pli_core::deadline::DueState;
use pli_core::registration::{ChronoFormat, Priority, Qualification};
use pli_core::suggest::{self, DirectionModel, KnownContact, Suggested};
use pli_core::{Action, CourrierFacts, CourrierState, EventKind, NewEvent, Refusal, Viewer, Visibility};
use serde::Serialize;
use time::Date;

/// Who acts, from which workstation.
#[derive(Debug, Clone)]
pub struct Session {
    pub viewer: Viewer,
    pub workstation: String,
}

impl Session {
    pub(crate) fn event(&self, kind: EventKind, courrier: Option<i64>, data: serde_json::Value) -> NewEvent {
        NewEvent { actor: self.viewer.login.clone(), workstation: self.workstation.clone(), kind, courrier, data }
    }
}

/// What of a courrier someone read, as its history says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Its record (sender, subject, dates…).
    Record,
    /// A page image (from 0).
    Page(usize),
    /// Its PDF.
    Pdf,
    /// Its OCR text.
    Text,
}

impl Reading {
    fn data(self) -> serde_json::Value {
        match self {
            Reading::Record => serde_json::json!({ "what": "record" }),
            Reading::Page(p) => serde_json::json!({ "what": "page", "page": p + 1 }),
            Reading::Pdf => serde_json::json!({ "what": "pdf" }),
            Reading::Text => serde_json::json!({ "what": "text" }),
        }
    }
}

/// The same reading by the same reader is recorded once within this time.
pub const READING_REPEAT: time::Duration = time::Duration::minutes(10);

/// A courrier's record, as its reader sees it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CourrierView {
    pub id: i64,
    pub state: CourrierState,
    pub chrono: Option<String>,
    pub batch: Option<i64>,
    pub pages: usize,
    /// Relative to the data folder; none for a courrier received on paper only.
    pub pdf: Option<String>,
    pub separator: Option<String>,
    pub direction_hint: Option<String>,
    pub document_type: Option<String>,
    pub sender: Option<ContactRef>,
    pub subject: Option<String>,
    pub letter_date: Option<String>,
    pub arrival_date: Option<String>,
    pub reference: Option<String>,
    pub priority: String,
    pub confidential: bool,
    pub main_direction: Option<String>,
    pub copies: Vec<String>,
    pub comment: Option<String>,
    pub registered_at: Option<String>,
    pub due_date: Option<String>,
    pub late: bool,
    /// Late, alert, reminder or on time (said in words by the screens).
    pub due_state: DueState,
    pub remind_on: Option<String>,
    pub alert_on: Option<String>,
    /// `acceptance` or `rejection`: what the body's silence means, and from when.
    pub implicit_decision: Option<String>,
    pub implicit_decision_on: Option<String>,
    pub taken_by: Option<String>,
    pub assignee: Option<String>,
    pub returned_reason: Option<String>,
    pub closed_at: Option<String>,
    pub answer_note: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct ContactRef {
    pub id: i64,
    pub name: String,
}

/// A line of a basket.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CourrierSummary {
    pub id: i64,
    pub chrono: Option<String>,
    pub state: CourrierState,
    pub subject: Option<String>,
    pub sender: Option<String>,
    pub main_direction: Option<String>,
    pub due_date: Option<String>,
    pub late: bool,
    pub due_state: DueState,
    pub priority: String,
    pub confidential: bool,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct BasketCount {
    pub role: String,
    pub name: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct HistoryEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    /// The absent user the actor stood in for (« X pour Y »), if any.
    pub on_behalf_of: Option<String>,
    pub workstation: String,
    pub kind: String,
    pub data: serde_json::Value,
}

/// What the text suggests for the form; each with its confidence.
#[derive(Debug, Clone, Serialize, Default, ts_rs::TS)]
pub struct Suggestions {
    #[ts(as = "Option<Suggested<String>>")]
    pub letter_date: Option<Suggested<Date>>,
    pub subject: Option<Suggested<String>>,
    pub reference: Option<Suggested<String>>,
    pub sender: Option<Suggested<ContactRef>>,
    pub main_direction: Option<Suggested<String>>,
}

/// A page of a courrier, for the page viewer and the batch check (paths relative to
/// the data folder).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StoredPage {
    pub position: usize,
    /// Its index in the batch as scanned, from 0.
    pub source_index: usize,
    pub rotation: u32,
    pub thumbnail: String,
    pub pdf: String,
}

/// What the search screen can narrow a search to; empty fields do not narrow.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct SearchFilters {
    pub direction: Option<String>,
    pub document_type: Option<String>,
    pub state: Option<CourrierState>,
    /// Arrival (or, before registration, capture) date, `YYYY-MM-DD`, inclusive.
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A search result with what the list shows of its courrier.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SearchResult {
    pub courrier: i64,
    pub score: f64,
    /// An extract of the text with the matched words between `**`.
    pub snippet: String,
    pub chrono: Option<String>,
    pub state: CourrierState,
    pub subject: Option<String>,
    pub sender: Option<String>,
    pub main_direction: Option<String>,
    pub document_type: Option<String>,
    /// `YYYY-MM-DD`: the arrival date, else the capture date.
    pub date: String,
    pub due_date: Option<String>,
    pub late: bool,
}

/// The content of a courrier, for its reader (reading is an event).
#[derive(Debug, Clone, Serialize)]
pub struct Content {
    pub pdf: Option<std::path::PathBuf>,
    pub thumbnails: Vec<std::path::PathBuf>,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Registered {
    pub courrier: i64,
    pub chrono: String,
    pub due_date: String,
}

/// A referent's or an agent's action on a courrier.
#[derive(Debug, Clone, serde::Deserialize, ts_rs::TS)]
#[serde(tag = "act", rename_all = "snake_case")]
pub enum Act {
    Take,
    Assign {
        agent: String,
    },
    Annotate {
        note: String,
    },
    Redirect {
        to: String,
        reason: String,
    },
    Return {
        reason: String,
    },
    Close {
        note: Option<String>,
    },
    /// Sent on to the competent body (CRPA L114-2): closed here, noted as forwarded to
    /// `to`; the front ends then tell the sender (an acknowledgement of kind forwarded).
    Forward {
        to: String,
        note: Option<String>,
    },
    Reopen,
}

impl Act {
    fn action(&self) -> Action {
        match self {
            Act::Take => Action::Take,
            Act::Assign { .. } => Action::Assign,
            Act::Annotate { .. } => Action::Annotate,
            Act::Redirect { .. } => Action::Redirect,
            Act::Return { .. } => Action::Return,
            Act::Close { .. } | Act::Forward { .. } => Action::Close,
            Act::Reopen => Action::Reopen,
        }
    }
}

/// A new sender for the contact directory.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct NewContact {
    pub organisation_kind: bool,
    pub name: String,
    pub organisation: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Contact {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub organisation: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
}

/// The first event that breaks the chain, if any; what the anchors and the records say.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ChainReport {
    pub events: usize,
    /// Id of the last event (0 when there is none).
    pub last_event: i64,
    /// Hash of the last event: write it down elsewhere to detect a cut-off tail later.
    pub head: String,
    pub broken: Option<ChainBreak>,
    /// Anchors checked (the data folder's, and those given).
    pub anchors: usize,
    /// A cut-off tail, a chain sealed again, an anchor forged: in plain words.
    pub anchor_problems: Vec<String>,
    /// Courriers whose record differs from what their events say.
    pub record_problems: Vec<String>,
}

impl ChainReport {
    /// Nothing found.
    pub fn intact(&self) -> bool {
        self.broken.is_none() && self.anchor_problems.is_empty() && self.record_problems.is_empty()
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ChainBreak {
    /// The event altered, or the first one removed.
    pub event: i64,
    pub problem: String,
}

/// The most lines a basket's list gives (its count is exact).
pub const BASKET_LINES: usize = 1000;

/// The visibility rule as an SQL condition on `c` (a courrier): the viewer's own, or any
/// absent user's they stand in for. Only integers are interpolated.
pub(crate) fn visible_sql(v: &Visibility) -> String {
    let mut any = vec![readable_sql(v)];
    any.extend(v.stands_in_for.iter().map(readable_sql));
    format!("c.withdrawn IS NULL AND ({})", any.join(" OR "))
}

/// One visibility's own rule (its `stands_in_for` aside).
fn readable_sql(v: &Visibility) -> String {
    format!(
        "(c.assignee_id = {uid}
          OR (c.confidential = 0 AND ({all} OR {main_in_dirs}
              OR EXISTS (SELECT 1 FROM courrier_copy cc WHERE cc.courrier_id = c.id AND {copy_in_dirs})))
          OR (c.confidential = 1 AND ({main_in_refs} OR ({mail} AND c.state = 'to_qualify'))))",
        uid = v.user_id,
        all = flag(v.all_open),
        main_in_dirs = in_ids("c.main_direction_id", &v.directions),
        copy_in_dirs = in_ids("cc.direction_id", &v.directions),
        main_in_refs = in_ids("c.main_direction_id", &v.referent_of),
        mail = flag(v.mail_room),
    )
}

/// The readers of a courrier a viewer is among, as a PostgreSQL array to test against
/// `courrier_text.readers` (main direction and copies by id, the assignee as its negated
/// user id; migration 0010): every courrier `v` may see has one of them, so the test only
/// narrows what the access rule then checks. None for the mail room and the lead, who see
/// every courrier that is not confidential; a delegate adds the keys of the absent users
/// he stands in for. Only integers are interpolated.
pub(crate) fn reader_keys(v: &Visibility) -> Option<String> {
    fn keys(v: &Visibility, out: &mut Vec<i64>) -> Option<()> {
        if v.all_open {
            return None;
        }
        out.extend(v.directions.iter().chain(&v.referent_of).copied().chain([-v.user_id]));
        v.stands_in_for.iter().try_for_each(|a| keys(a, out))
    }
    let mut out = Vec::new();
    keys(v, &mut out)?;
    out.sort_unstable();
    out.dedup();
    Some(format!("ARRAY[{}]::BIGINT[]", out.iter().map(i64::to_string).collect::<Vec<_>>().join(",")))
}

/// `col IN (ids)`; false when there are none (PostgreSQL refuses an empty list, SQLite
/// finds it false).
pub(crate) fn in_ids(col: &str, ids: &[i64]) -> String {
    if ids.is_empty() {
        return "1 = 0".into();
    }
    format!("{col} IN ({})", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
}

/// A known flag as a condition (PostgreSQL refuses a bare integer as one).
fn flag(b: bool) -> &'static str {
    if b { "1 = 1" } else { "1 = 0" }
}

/// Today in Paris: a courrier is late from the day after its due date, local time.
pub(crate) fn today() -> Date {
    let paris = pli_core::stats::Settings::default().time_zone;
    let d = jiff::Timestamp::now().to_zoned_datetime(paris).date();
    time::Month::try_from(d.month() as u8)
        .and_then(|m| Date::from_calendar_date(d.year() as i32, m, d.day() as u8))
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc().date())
}

/// Late: not closed and past its due date (both `YYYY-MM-DD`, so text order is date order).
fn is_late(state: CourrierState, due: Option<&str>, today: &str) -> bool {
    state != CourrierState::Closed && due.is_some_and(|d| d < today)
}

/// Where an open courrier stands against its clock on `today`.
fn due_state(
    state: CourrierState,
    today: Date,
    due: Option<&str>,
    remind: Option<&str>,
    alert: Option<&str>,
) -> DueState {
    let date = |d: Option<&str>| d.and_then(crate::deadline::parse_date);
    // As `is_late`: a courrier returned to the mail room keeps the clock of its registration.
    pli_core::deadline::due_state(state != CourrierState::Closed, today, date(due), date(remind), date(alert))
}

fn iso(d: Date) -> String {
    d.to_string()
}

fn refused_invisible() -> StoreError {
    StoreError::Refused(Refusal::NotVisible)
}

fn parse_state(s: &str) -> CourrierState {
    CourrierState::parse(s).unwrap_or(CourrierState::ToQualify)
}

/// The first column of every row.
fn column<T: FromValue>(rows: Vec<Row>) -> Result<Vec<T>> {
    rows.iter().map(|r| r.get(0)).collect()
}

/// The session as the database has it now (inside the caller's transaction when it
/// changes things): see `org::current_session`.
fn current_in(q: &mut Q<'_>, s: &Session) -> Result<Session> {
    crate::org::current_session_q(q, s)
}

/// What the access rules need of a courrier; none if it does not exist or was withdrawn.
pub(crate) fn courrier_facts(q: &mut Q<'_>, id: i64) -> Result<Option<CourrierFacts>> {
    let Some(r) = q.opt(
        "SELECT state, main_direction_id, confidential, assignee_id FROM courrier WHERE id = ?1 AND withdrawn IS NULL",
        params![id],
    )?
    else {
        return Ok(None);
    };
    let copies = column(q.rows("SELECT direction_id FROM courrier_copy WHERE courrier_id = ?1", params![id])?)?;
    Ok(Some(CourrierFacts {
        state: parse_state(&r.get::<String>(0)?),
        main_direction: r.get(1)?,
        copies,
        confidential: r.get(2)?,
        assignee: r.get(3)?,
    }))
}

fn direction_id(q: &mut Q<'_>, code: &str) -> Result<i64> {
    q.opt("SELECT id FROM direction WHERE code = ?1 AND active = 1", params![code])?
        .map(|r| r.get(0))
        .transpose()?
        .ok_or_else(|| StoreError::Invalid(format!("direction inconnue ou inactive « {code} »")))
}

/// Facts of a courrier the session may see; refused alike whether it does not exist
/// or is not visible, so that ids reveal nothing.
fn visible_facts(q: &mut Q<'_>, s: &Session, id: i64) -> Result<CourrierFacts> {
    let f = courrier_facts(q, id)?.ok_or_else(refused_invisible)?;
    if !s.viewer.can_read(&f) {
        return Err(refused_invisible());
    }
    Ok(f)
}

/// The OCR text of a courrier (empty if it has none).
fn courrier_text(q: &mut Q<'_>, id: i64) -> Result<String> {
    q.opt("SELECT text FROM courrier_text WHERE rowid = ?1", params![id])?
        .map(|r| r.get(0))
        .transpose()
        .map(Option::unwrap_or_default)
}

/// How many events `verify_history` reads at a time.
const EVENT_CHUNK: i64 = 10_000;

/// What `ts_headline` shows of a matching text: the words between `**`, as SQLite's
/// `snippet`.
const HEADLINE: &str = "StartSel=**, StopSel=**, MaxWords=12, MinWords=5, MaxFragments=1";

impl Store {
    /// A courrier's record.
    pub fn courrier(&self, s: &Session, id: i64) -> Result<CourrierView> {
        let s = &self.read(|q| current_in(q, s))?;
        let day = today();
        let today = iso(day);
        self.read(|q| {
            visible_facts(q, s, id)?;
            let r = q.row(
                "SELECT c.id, c.state, c.chrono, c.batch_id,
                        (SELECT count(*) FROM courrier_page p WHERE p.courrier_id = c.id), c.pdf_path, c.separator,
                        c.direction_hint, t.code, ct.id, ct.name, c.subject, c.letter_date, c.arrival_date, c.reference,
                        c.priority, c.confidential, d.code, c.comment, c.registered_at, c.due_date,
                        tk.login, asg.login, c.returned_reason, c.closed_at, c.answer_note,
                        c.remind_on, c.alert_on, c.implicit_decision, c.implicit_decision_on
                 FROM courrier c
                 LEFT JOIN document_type t ON t.id = c.document_type_id
                 LEFT JOIN contact ct ON ct.id = c.sender_id
                 LEFT JOIN direction d ON d.id = c.main_direction_id
                 LEFT JOIN app_user tk ON tk.id = c.taken_by
                 LEFT JOIN app_user asg ON asg.id = c.assignee_id
                 WHERE c.id = ?1",
                params![id],
            )?;
            let state = parse_state(&r.get::<String>(1)?);
            let due: Option<String> = r.get(20)?;
            let (remind_on, alert_on): (Option<String>, Option<String>) = (r.get(26)?, r.get(27)?);
            let copies = column(q.rows(
                "SELECT d.code FROM courrier_copy cc JOIN direction d ON d.id = cc.direction_id
                 WHERE cc.courrier_id = ?1 ORDER BY d.code",
                params![id],
            )?)?;
            Ok(CourrierView {
                id: r.get(0)?,
                late: is_late(state, due.as_deref(), &today),
                due_state: due_state(state, day, due.as_deref(), remind_on.as_deref(), alert_on.as_deref()),
                remind_on,
                alert_on,
                implicit_decision: r.get(28)?,
                implicit_decision_on: r.get(29)?,
                state,
                chrono: r.get(2)?,
                batch: r.get(3)?,
                pages: r.get::<i64>(4)? as usize,
                pdf: r.get(5)?,
                separator: r.get(6)?,
                direction_hint: r.get(7)?,
                document_type: r.get(8)?,
                sender: match r.get::<Option<i64>>(9)? {
                    Some(id) => Some(ContactRef { id, name: r.get(10)? }),
                    None => None,
                },
                subject: r.get(11)?,
                letter_date: r.get(12)?,
                arrival_date: r.get(13)?,
                reference: r.get(14)?,
                priority: r.get(15)?,
                confidential: r.get(16)?,
                main_direction: r.get(17)?,
                copies,
                comment: r.get(18)?,
                registered_at: r.get(19)?,
                due_date: due,
                taken_by: r.get(21)?,
                assignee: r.get(22)?,
                returned_reason: r.get(23)?,
                closed_at: r.get(24)?,
                answer_note: r.get(25)?,
            })
        })
    }

    /// The PDF, thumbnails and text of a courrier; reading `what` of it is recorded.
    pub fn content(&mut self, s: &Session, id: i64, what: Reading) -> Result<Content> {
        let current = &self.read(|q| current_in(q, s))?;
        let (pdf, thumbnails, text) = self.read(|q| {
            visible_facts(q, current, id)?;
            let pdf: Option<String> = q.one("SELECT pdf_path FROM courrier WHERE id = ?1", params![id])?;
            let thumbnails: Vec<String> = column(q.rows(
                "SELECT thumbnail_path FROM courrier_page WHERE courrier_id = ?1 ORDER BY position",
                params![id],
            )?)?;
            Ok((pdf, thumbnails, courrier_text(q, id)?))
        })?;
        self.record_reading(s, id, what)?;
        Ok(Content {
            pdf: pdf.map(|p| self.data_dir.join(p)),
            thumbnails: thumbnails.into_iter().map(|p| self.data_dir.join(p)).collect(),
            text,
        })
    }

    /// Records that `s` read part of a courrier ("who has seen this letter?"), once per
    /// reader, courrier and part within [`READING_REPEAT`]: a page shown again while
    /// scrolling back is not news. Refused (as missing) when the courrier is not visible.
    ///
    /// Who reads, whether they may, and whether it was just recorded are read before the
    /// writers' lock is taken: it is held only to append (every reading waits for it), and
    /// a repeated reading does not take it at all. The content was already read when this
    /// is called: the event says a fact, it grants nothing.
    pub fn record_reading(&mut self, s: &Session, id: i64, what: Reading) -> Result<()> {
        let now = time::OffsetDateTime::now_utc();
        let (s, data, recent) = self.read(|q| {
            let s = current_in(q, s)?;
            let f = visible_facts(q, &s, id)?;
            let for_user = s.viewer.reading_for(&f).ok().flatten().map(|a| a.login.clone());
            let data = with_for(what.data(), for_user);
            let text = data.to_string();
            let last: Option<String> = match q.opt(
                "SELECT at FROM event WHERE courrier_id = ?1 AND kind = ?2 AND actor = ?3 AND data = ?4
                 ORDER BY id DESC LIMIT 1",
                params![id, EventKind::CourrierRead.as_str(), s.viewer.login, text],
            )? {
                Some(r) => r.get(0)?,
                None => None,
            };
            let recent = last
                .and_then(|at| time::OffsetDateTime::parse(&at, &time::format_description::well_known::Rfc3339).ok())
                .is_some_and(|at| now - at < READING_REPEAT);
            Ok((s, data, recent))
        })?;
        if recent {
            return Ok(());
        }
        self.write(|q| append_event(q, &now_rfc3339(), &s.event(EventKind::CourrierRead, Some(id), data)).map(drop))
    }

    /// A courrier's history, oldest first.
    pub fn history(&self, s: &Session, id: i64) -> Result<Vec<HistoryEntry>> {
        let s = &self.read(|q| current_in(q, s))?;
        self.read(|q| {
            visible_facts(q, s, id)?;
            q.rows(
                "SELECT id, at, actor, workstation, kind, data FROM event WHERE courrier_id = ?1 ORDER BY id",
                params![id],
            )?
            .iter()
            .map(|r| {
                let data: String = r.get(5)?;
                let data = serde_json::from_str(&data).unwrap_or(serde_json::Value::Null);
                Ok(HistoryEntry {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    actor: r.get(2)?,
                    on_behalf_of: on_behalf_of(&data),
                    workstation: r.get(3)?,
                    kind: r.get(4)?,
                    data,
                })
            })
            .collect()
        })
    }

    /// Full-text search over the courriers this session may see.
    pub fn search_visible(&self, s: &Session, query: &str, limit: usize) -> Result<Vec<crate::SearchHit>> {
        let hits = self.search_filtered(s, query, &SearchFilters::default(), limit)?;
        Ok(hits
            .into_iter()
            .map(|h| crate::SearchHit { courrier: h.courrier, score: h.score, snippet: h.snippet })
            .collect())
    }

    /// Full-text search narrowed by direction, type, state and dates, best first.
    ///
    /// SQLite: FTS5, ranked by BM25, its `snippet`. PostgreSQL: the `tsv` column,
    /// ranked by `ts_rank_cd`; `ts_headline` (costly: it parses the whole text) only
    /// for the page of results, once ranked and limited. As in [`Store::search`], only
    /// the most recent matches this session may see (the engine's ranking window) are
    /// ranked: ranking every match of common words over a million courriers took
    /// 120–160 ms on PostgreSQL, most of a loaded server's database time.
    pub fn search_filtered(
        &self,
        s: &Session,
        query: &str,
        filters: &SearchFilters,
        limit: usize,
    ) -> Result<Vec<SearchResult>> {
        let s = &self.read(|q| current_in(q, s))?;
        let v = s.viewer.visibility();
        let visible = visible_sql(&v);
        // `CAST(? AS TEXT) IS NULL`: PostgreSQL cannot type a parameter from `? IS NULL`.
        const FILTERS: &str = "(CAST(?3 AS TEXT) IS NULL OR d.code = ?3)
               AND (CAST(?4 AS TEXT) IS NULL OR dt.code = ?4)
               AND (CAST(?5 AS TEXT) IS NULL OR c.state = ?5)
               AND (CAST(?6 AS TEXT) IS NULL OR coalesce(c.arrival_date, substr(c.created_at, 1, 10)) >= ?6)
               AND (CAST(?7 AS TEXT) IS NULL OR coalesce(c.arrival_date, substr(c.created_at, 1, 10)) <= ?7)";
        const JOINS: &str = "FROM courrier_text t JOIN courrier c ON c.id = t.rowid
             LEFT JOIN contact ct ON ct.id = c.sender_id
             LEFT JOIN direction d ON d.id = c.main_direction_id
             LEFT JOIN document_type dt ON dt.id = c.document_type_id";
        let (text_query, sql) = match self.dialect() {
            Dialect::Sqlite => {
                let Some(fts) = crate::fts_query(query) else { return Ok(Vec::new()) };
                let sql = format!(
                    "SELECT t.rowid, -bm25(courrier_text), snippet(courrier_text, 0, '**', '**', '…', 12),
                            c.chrono, c.state, c.subject, ct.name, d.code, dt.code,
                            coalesce(c.arrival_date, substr(c.created_at, 1, 10)), c.due_date
                     {JOINS}
                     WHERE courrier_text MATCH ?1 AND {visible}
                       AND {FILTERS}
                       AND t.rowid >= (SELECT coalesce(min(id), 0) FROM (
                             SELECT t.rowid AS id {JOINS}
                             WHERE courrier_text MATCH ?1 AND {visible} AND {FILTERS}
                             ORDER BY t.rowid DESC LIMIT ?8))
                     ORDER BY bm25(courrier_text) LIMIT ?2"
                );
                (fts, sql)
            }
            Dialect::Postgres => {
                let Some(tsq) = crate::search::ts_query(query) else { return Ok(Vec::new()) };
                // A referent or an agent may see a few hundredths of the registry: with his
                // readers beside the words (PostgreSQL migration 0010) the planner knows how
                // many matches he has, and either takes them from the index (few) or walks
                // the texts newest first testing words and readers in the row (many, so the
                // window fills soon); the access rule is checked on what it finds. The mail room
                // and the lead see nearly everything: PostgreSQL fills their window by walking
                // the courriers newest first and testing each one's text, which stops soon for
                // common words; for few matches in all (counted first, through the index) `+ 0`
                // forbids that walk, which would read the whole table to find them.
                let (readers, newest) = match reader_keys(&v) {
                    Some(keys) => (format!("AND t.readers && {keys}"), "t.rowid"),
                    None => {
                        const FEW_MATCHES: i64 = 10_000;
                        let matches: i64 = self.read(|q| {
                            q.one(
                                "SELECT count(*) FROM (SELECT 1 FROM courrier_text
                                                       WHERE tsv @@ to_tsquery('pli_fr', ?1) LIMIT ?2) m",
                                params![tsq, FEW_MATCHES + 1],
                            )
                        })?;
                        (String::new(), if matches <= FEW_MATCHES { "t.rowid + 0" } else { "t.rowid" })
                    }
                };
                let sql = format!(
                    "SELECT p.id, p.score, ts_headline('pli_fr', t.text, to_tsquery('pli_fr', ?1), '{HEADLINE}'),
                            p.chrono, p.state, p.subject, p.sender, p.main_direction, p.document_type, p.shown_date,
                            p.due_date
                     FROM (SELECT w.id, CAST(ts_rank_cd(w.tsv, to_tsquery('pli_fr', ?1)) AS DOUBLE PRECISION) AS score,
                                  w.chrono, w.state, w.subject, w.sender, w.main_direction, w.document_type, w.shown_date,
                                  w.due_date
                           FROM (SELECT t.rowid AS id, t.tsv, c.chrono, c.state, c.subject, ct.name AS sender,
                                        d.code AS main_direction, dt.code AS document_type,
                                        coalesce(c.arrival_date, substr(c.created_at, 1, 10)) AS shown_date, c.due_date
                                 {JOINS}
                                 WHERE t.tsv @@ to_tsquery('pli_fr', ?1) {readers} AND {visible}
                                   AND {FILTERS}
                                 ORDER BY {newest} DESC LIMIT ?8) w
                           ORDER BY score DESC, w.id DESC LIMIT ?2) p
                     JOIN courrier_text t ON t.rowid = p.id
                     ORDER BY p.score DESC, p.id DESC"
                );
                (tsq, sql)
            }
        };
        let blank = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
        let today = iso(today());
        self.read(|q| {
            q.rows(
                &sql,
                params![
                    text_query,
                    limit as i64,
                    blank(&filters.direction),
                    blank(&filters.document_type),
                    filters.state.map(CourrierState::as_str),
                    blank(&filters.from),
                    blank(&filters.to),
                    crate::search::ranking_window(q.dialect()) as i64
                ],
            )?
            .iter()
            .map(|r| {
                let state = parse_state(&r.get::<String>(4)?);
                let due: Option<String> = r.get(10)?;
                Ok(SearchResult {
                    late: is_late(state, due.as_deref(), &today),
                    due_date: due,
                    courrier: r.get(0)?,
                    score: r.get(1)?,
                    snippet: r.get(2)?,
                    chrono: r.get(3)?,
                    state,
                    subject: r.get(5)?,
                    sender: r.get(6)?,
                    main_direction: r.get(7)?,
                    document_type: r.get(8)?,
                    date: r.get(9)?,
                })
            })
            .collect()
        })
    }

    /// A courrier's pages, in order; reading them is not an event (the viewer shows
    /// images the reader was already allowed to open).
    pub fn pages(&self, s: &Session, id: i64) -> Result<Vec<StoredPage>> {
        let s = &self.read(|q| current_in(q, s))?;
        self.read(|q| {
            visible_facts(q, s, id)?;
            q.rows(
                "SELECT p.position, p.source_index, p.rotation, p.thumbnail_path, c.pdf_path
                 FROM courrier_page p JOIN courrier c ON c.id = p.courrier_id
                 WHERE p.courrier_id = ?1 ORDER BY p.position",
                params![id],
            )?
            .iter()
            .map(|r| {
                Ok(StoredPage {
                    position: r.get::<i64>(0)? as usize,
                    source_index: r.get::<i64>(1)? as usize,
                    rotation: r.get(2)?,
                    thumbnail: r.get(3)?,
                    pdf: r.get(4)?,
                })
            })
            .collect()
        })
    }

    /// The next courrier of the mail room's queue after `after` (oldest first, returned
    /// ones included), or the first when `after` is none.
    pub fn next_to_qualify(&self, s: &Session, after: Option<i64>) -> Result<Option<i64>> {
        let s = &self.read(|q| current_in(q, s))?;
        let sql = format!(
            "SELECT c.id FROM courrier c WHERE c.state = 'to_qualify' AND c.id > ?1 AND {} ORDER BY c.id LIMIT 1",
            visible_sql(&s.viewer.visibility())
        );
        self.read(|q| q.opt(&sql, params![after.unwrap_or(0)])?.map(|r| r.get(0)).transpose())
    }

    /// Where a batch was taken from (the scanner's file or folder).
    pub fn batch_source(&self, batch: i64) -> Result<String> {
        self.read(|q| {
            q.opt("SELECT source_path FROM batch WHERE id = ?1", params![batch])?.map(|r| r.get(0)).transpose()
        })?
        .ok_or_else(|| StoreError::NotFound(format!("lot n° {batch} introuvable")))
    }

    /// The live courriers of a batch, in scan order (split corrections included).
    pub fn batch_courriers(&self, s: &Session, batch: i64) -> Result<Vec<i64>> {
        let s = &self.read(|q| current_in(q, s))?;
        let sql = format!(
            "SELECT c.id FROM courrier c WHERE c.batch_id = ?1 AND {}
             ORDER BY (SELECT min(p.source_index) FROM courrier_page p WHERE p.courrier_id = c.id), c.id",
            visible_sql(&s.viewer.visibility())
        );
        self.read(|q| column(q.rows(&sql, params![batch])?))
    }

    /// Ids of every courrier this session may see (for tests and exports).
    pub fn visible_ids(&self, s: &Session) -> Result<Vec<i64>> {
        let s = &self.read(|q| current_in(q, s))?;
        let sql = format!("SELECT c.id FROM courrier c WHERE {} ORDER BY c.id", visible_sql(&s.viewer.visibility()));
        self.read(|q| column(q.rows(&sql, params![])?))
    }

    /// Saves the qualification form without registering (a draft the next operator finds).
    pub fn qualify(&mut self, s: &Session, id: i64, form: &Qualification) -> Result<()> {
        self.write(|q| {
            let s = &current_in(q, s)?;
            let f = courrier_facts(q, id)?.ok_or_else(refused_invisible)?;
            pli_core::workflow::next_state(&s.viewer, &f, Action::Register)?;
            let saved = saved_qualification(q, id)?;
            let form = form.clone().keep_flags(&saved);
            write_record(q, id, &form)?;
            let now = now_rfc3339();
            lift_confidentiality_event(q, s, id, &form, &saved, &now)?;
            append_event(
                q,
                &now,
                &s.event(EventKind::CourrierQualified, Some(id), serde_json::to_value(&form).unwrap_or_default()),
            )?;
            Ok(())
        })
    }

    /// Registers a courrier: the form (over the saved draft) must be complete; it gets
    /// its chrono number (kept if it had one before a return) and is routed to its main
    /// direction and copies. One transaction: number, record, routing and events.
    pub fn register(
        &mut self,
        s: &Session,
        id: i64,
        form: &Qualification,
        chrono: &ChronoFormat,
    ) -> Result<Registered> {
        self.write(|q| {
            let s = &current_in(q, s)?;
            let f = courrier_facts(q, id)?.ok_or_else(refused_invisible)?;
            pli_core::workflow::next_state(&s.viewer, &f, Action::Register)?;
            let saved = saved_qualification(q, id)?;
            let form = form.clone().or(&saved);
            lift_confidentiality_event(q, s, id, &form, &saved, &now_rfc3339())?;
            register_in(q, s, id, &form, chrono)
        })
    }

    /// Registers mail received on paper only (confidential, medical): a record without
    /// pages, routed like any other.
    pub fn register_paper(&mut self, s: &Session, form: &Qualification, chrono: &ChronoFormat) -> Result<Registered> {
        self.write(|q| {
            let s = &current_in(q, s)?;
            let queued = CourrierFacts {
                state: CourrierState::ToQualify,
                main_direction: None,
                copies: vec![],
                confidential: form.is_confidential(),
                assignee: None,
            };
            pli_core::workflow::next_state(&s.viewer, &queued, Action::Register)?;
            let now = now_rfc3339();
            let id = q.insert("INSERT INTO courrier (created_at) VALUES (?1) RETURNING id", params![now])?;
            append_event(
                q,
                &now,
                &s.event(EventKind::CourrierCaptured, Some(id), serde_json::json!({ "paper_only": true })),
            )?;
            register_in(q, s, id, form, chrono)
        })
    }

    /// A referent's or agent's action. Refused actions write nothing.
    pub fn act(&mut self, s: &Session, id: i64, act: &Act) -> Result<CourrierState> {
        self.write(|q| {
            let s = &current_in(q, s)?;
            let f = courrier_facts(q, id)?.ok_or_else(refused_invisible)?;
            let action = act.action();
            let acting = pli_core::workflow::acting(&s.viewer, &f, action)?;
            let next = acting.next;
            // Done for an absent user: taken in their name, and the event says so.
            let for_user = acting.for_user.map(|a| (a.user_id, a.login.clone()));
            let me = for_user.as_ref().map_or(s.viewer.user_id, |(id, _)| *id);
            let from = f.state.as_str();
            let (kind, data) = match act {
                Act::Take => {
                    q.exec(
                        "UPDATE courrier SET state = ?2, taken_by = ?3 WHERE id = ?1",
                        params![id, next.as_str(), me],
                    )?;
                    (EventKind::CourrierTaken, serde_json::json!({ "from": from, "to": next.as_str() }))
                }
                Act::Assign { agent } => {
                    let main = f.main_direction.unwrap_or_default();
                    let agent_id: Option<i64> = q
                        .opt(
                            "SELECT u.id FROM app_user u JOIN user_role r ON r.user_id = u.id
                             WHERE u.login = ?1 AND u.active = 1 AND r.role IN ('agent', 'referent') AND r.direction_id = ?2",
                            params![agent, main],
                        )?
                        .map(|r| r.get(0))
                        .transpose()?;
                    let agent_id = agent_id.ok_or_else(|| {
                        StoreError::Invalid(format!(
                            "« {agent} » n'est ni agent ni référent actif de la direction de ce courrier"
                        ))
                    })?;
                    q.exec(
                        "UPDATE courrier SET state = ?2, assignee_id = ?3, taken_by = coalesce(taken_by, ?4) WHERE id = ?1",
                        params![id, next.as_str(), agent_id, me],
                    )?;
                    (
                        EventKind::CourrierAssigned,
                        serde_json::json!({ "from": from, "to": next.as_str(), "agent": agent }),
                    )
                }
                Act::Annotate { note } => {
                    if note.trim().is_empty() {
                        return Err(StoreError::Invalid("annotation vide".into()));
                    }
                    (EventKind::CourrierAnnotated, serde_json::json!({ "note": note.trim() }))
                }
                Act::Redirect { to, reason } => {
                    let reason = pli_core::workflow::require_reason(action, Some(reason))?;
                    let target = direction_id(q, to)?;
                    if Some(target) == f.main_direction {
                        return Err(StoreError::Invalid(format!("le courrier est déjà à la direction « {to} »")));
                    }
                    let old = main_code(q, f.main_direction)?;
                    q.exec(
                        "UPDATE courrier SET state = ?2, main_direction_id = ?3, taken_by = NULL, assignee_id = NULL WHERE id = ?1",
                        params![id, next.as_str(), target],
                    )?;
                    let mut data = serde_json::json!({ "from": from, "to": next.as_str(), "from_direction": old, "to_direction": to, "reason": reason });
                    if let Some(clock) = redirected_clock(q, id, target)? {
                        data.as_object_mut().expect("an object").extend(clock);
                    }
                    (EventKind::CourrierRedirected, data)
                }
                Act::Return { reason } => {
                    let reason = pli_core::workflow::require_reason(action, Some(reason))?;
                    let old = main_code(q, f.main_direction)?;
                    q.exec(
                        "UPDATE courrier SET state = ?2, returned_reason = ?3, taken_by = NULL, assignee_id = NULL WHERE id = ?1",
                        params![id, next.as_str(), reason],
                    )?;
                    (
                        EventKind::CourrierReturned,
                        serde_json::json!({ "from": from, "to": next.as_str(), "direction": old, "reason": reason }),
                    )
                }
                Act::Close { note } => {
                    let now = now_rfc3339();
                    q.exec(
                        "UPDATE courrier SET state = ?2, closed_at = ?3, answer_note = ?4 WHERE id = ?1",
                        params![id, next.as_str(), now, note],
                    )?;
                    let direction = main_code(q, f.main_direction)?;
                    (
                        EventKind::CourrierClosed,
                        serde_json::json!({ "from": from, "to": next.as_str(), "note": note, "direction": direction }),
                    )
                }
                Act::Forward { to, note } => {
                    let to = to.trim();
                    if to.is_empty() {
                        return Err(StoreError::Invalid("transmission : l'organisme destinataire est à nommer".into()));
                    }
                    let note = note.as_deref().map(str::trim).filter(|n| !n.is_empty());
                    let answer = note.map_or_else(|| format!("Transmis à {to}"), |n| format!("Transmis à {to} : {n}"));
                    let now = now_rfc3339();
                    q.exec(
                        "UPDATE courrier SET state = ?2, closed_at = ?3, answer_note = ?4 WHERE id = ?1",
                        params![id, next.as_str(), now, answer],
                    )?;
                    let direction = main_code(q, f.main_direction)?;
                    (
                        EventKind::CourrierClosed,
                        serde_json::json!({ "from": from, "to": next.as_str(), "note": note, "direction": direction,
                                            "forwarded_to": to }),
                    )
                }
                Act::Reopen => {
                    q.exec("UPDATE courrier SET state = ?2, closed_at = NULL WHERE id = ?1", params![id, next.as_str()])?;
                    let direction = main_code(q, f.main_direction)?;
                    (
                        EventKind::CourrierReopened,
                        serde_json::json!({ "from": from, "to": next.as_str(), "direction": direction }),
                    )
                }
            };
            let data = with_for(data, for_user.map(|(_, login)| login));
            append_event(q, &now_rfc3339(), &s.event(kind, Some(id), data))?;
            Ok(next)
        })
    }

    /// The baskets of the session's roles, with their counts.
    pub fn baskets(&self, s: &Session) -> Result<Vec<BasketCount>> {
        let s = &self.read(|q| current_in(q, s))?;
        self.read(|q| {
            let mut out = Vec::new();
            for (role, name, filter, as_whom) in worked_baskets(q, s)? {
                let count: i64 = q.one(
                    &format!("SELECT count(*) FROM courrier c WHERE {}", basket_sql(&as_whom, &filter)),
                    params![],
                )?;
                out.push(BasketCount { role, name, count });
            }
            Ok(out)
        })
    }

    /// The courriers of one basket, most urgent first (a basket of closed courriers: the
    /// last closed first), at most [`BASKET_LINES`]: « Traités » holds years of a
    /// direction's work (24 000 lines over a million courriers), which nobody reads as a
    /// list; the basket's count says how many there are, the search finds the others.
    pub fn basket(&self, s: &Session, name: &str) -> Result<Vec<CourrierSummary>> {
        let s = &self.read(|q| current_in(q, s))?;
        let day = today();
        let today = iso(day);
        self.read(|q| {
            let (_, _, filter, as_whom) = worked_baskets(q, s)?
                .into_iter()
                .find(|(_, n, _, _)| n == name)
                .ok_or_else(|| StoreError::NotFound(format!("bannette « {name} » inconnue pour vos rôles")))?;
            let order = if filter.states == [CourrierState::Closed] {
                "c.closed_at DESC, c.id DESC"
            } else {
                "c.priority = 'urgent' DESC, c.due_date IS NULL, c.due_date, c.id"
            };
            let sql = format!(
                "SELECT c.id, c.chrono, c.state, c.subject, ct.name, d.code, c.due_date, c.priority, c.confidential,
                        c.remind_on, c.alert_on
                 FROM courrier c LEFT JOIN contact ct ON ct.id = c.sender_id LEFT JOIN direction d ON d.id = c.main_direction_id
                 WHERE {} ORDER BY {order} LIMIT {BASKET_LINES}",
                basket_sql(&as_whom, &filter)
            );
            q.rows(&sql, params![])?
                .iter()
                .map(|r| {
                    let state = parse_state(&r.get::<String>(2)?);
                    let due: Option<String> = r.get(6)?;
                    Ok(CourrierSummary {
                        id: r.get(0)?,
                        chrono: r.get(1)?,
                        late: is_late(state, due.as_deref(), &today),
                        due_state: due_state(
                            state,
                            day,
                            due.as_deref(),
                            r.get::<Option<String>>(9)?.as_deref(),
                            r.get::<Option<String>>(10)?.as_deref(),
                        ),
                        state,
                        subject: r.get(3)?,
                        sender: r.get(4)?,
                        main_direction: r.get(5)?,
                        due_date: due,
                        priority: r.get(7)?,
                        confidential: r.get(8)?,
                    })
                })
                .collect()
        })
    }

    /// Suggestions for the form, read from the courrier's text.
    pub fn suggestions(&self, s: &Session, id: i64) -> Result<Suggestions> {
        let s = &self.read(|q| current_in(q, s))?;
        self.read(|q| {
            visible_facts(q, s, id)?;
            let text = courrier_text(q, id)?;
            let hint: Option<String> = q.one("SELECT direction_hint FROM courrier WHERE id = ?1", params![id])?;
            let contacts: Vec<KnownContact> = q
                .rows("SELECT id, name FROM contact", params![])?
                .iter()
                .map(|r| Ok(KnownContact { id: r.get(0)?, name: r.get(1)? }))
                .collect::<Result<_>>()?;
            let sender = suggest::sender(&text, &contacts).map(|s| Suggested {
                value: ContactRef {
                    id: s.value,
                    name: contacts.iter().find(|c| c.id == s.value).map(|c| c.name.clone()).unwrap_or_default(),
                },
                confidence: s.confidence,
            });
            // The separator sheet says it surest; else what similar letters were routed to.
            let main_direction = match hint {
                Some(code) => Some(Suggested { value: code, confidence: 1.0 }),
                None => self.suggest_direction(q, &text)?,
            };
            Ok(Suggestions {
                letter_date: suggest::letter_date(&text),
                subject: suggest::subject(&text),
                reference: suggest::reference(&text),
                sender,
                main_direction,
            })
        })
    }

    /// The direction the letters routed so far suggest for `text`: a naive Bayes model
    /// of the last routed courriers, kept between calls. New registrations since it was
    /// learned are added to it; a redirection, return, reopening or split correction
    /// (which change what it learned) has it learned again. Courriers still to qualify
    /// (the one being suggested for among them) are never in it.
    fn suggest_direction(&self, q: &mut Q<'_>, text: &str) -> Result<Option<Suggested<String>>> {
        const ROUTING: &str = "('courrier_registered', 'courrier_routed', 'courrier_redirected', \
             'courrier_returned', 'courrier_reopened', 'split_corrected')";
        // The newest routing event, read from the end of the log back: routing is
        // frequent, so this stops early even over millions of events.
        let latest: i64 = q
            .opt(&format!("SELECT id FROM event WHERE kind IN {ROUTING} ORDER BY id DESC LIMIT 1"), params![])?
            .map(|r| r.get(0))
            .transpose()?
            .unwrap_or(0);
        fn learned_texts(q: &mut Q<'_>, sql: &str, args: &[&dyn Param]) -> Result<Vec<(String, String)>> {
            q.rows(sql, args)?.iter().map(|r| Ok((r.get(0)?, r.get(1)?))).collect()
        }
        const ROUTED: &str = "SELECT d.code, t.text FROM courrier c JOIN direction d ON d.id = c.main_direction_id
             JOIN courrier_text t ON t.rowid = c.id WHERE c.state != 'to_qualify' AND c.withdrawn IS NULL";
        let mut cached = self.direction_model.lock().unwrap_or_else(|e| e.into_inner());
        let up_to_date = match cached.as_mut() {
            Some((at, _)) if *at == latest => true,
            Some((at, model)) => {
                // What happened since, by id from there: short between two calls.
                let changes: Vec<(String, Option<i64>)> = q
                    .rows(
                        &format!(
                            "SELECT kind, courrier_id FROM event WHERE id > ?1 AND id <= ?2 AND kind IN {ROUTING}"
                        ),
                        params![*at, latest],
                    )?
                    .iter()
                    .map(|r| Ok((r.get(0)?, r.get(1)?)))
                    .collect::<Result<_>>()?;
                let additive = changes.len() <= 1000
                    && changes.iter().all(|(kind, _)| kind == "courrier_registered" || kind == "courrier_routed");
                if additive {
                    let courriers: std::collections::BTreeSet<i64> = changes.iter().filter_map(|(_, c)| *c).collect();
                    for id in courriers {
                        for (code, text) in learned_texts(q, &format!("{ROUTED} AND c.id = ?1"), params![id])? {
                            model.learn(&code, &text);
                        }
                    }
                    *at = latest;
                }
                additive
            }
            None => false,
        };
        if !up_to_date {
            let mut model = DirectionModel::default();
            for (code, text) in learned_texts(q, &format!("{ROUTED} ORDER BY c.id DESC LIMIT 5000"), params![])? {
                model.learn(&code, &text);
            }
            *cached = Some((latest, model));
        }
        Ok(cached.as_ref().and_then(|(_, model)| model.suggest(text)))
    }

    /// Adds a sender to the contact directory, or finds the one already there with the
    /// same name and postcode. Returns its id and whether it was created.
    pub fn create_contact(&mut self, s: &Session, c: &NewContact) -> Result<(i64, bool)> {
        if c.name.trim().is_empty() {
            return Err(StoreError::Invalid("contact : nom vide".into()));
        }
        let key =
            format!("{}|{}", suggest::squash(&suggest::fold(&c.name)), c.postcode.as_deref().unwrap_or("").trim());
        self.write(|q| {
            let s = &current_in(q, s)?;
            if let Some(r) = q.opt("SELECT id FROM contact WHERE match_key = ?1", params![key])? {
                return Ok((r.get(0)?, false));
            }
            let now = now_rfc3339();
            let id = q.insert(
                "INSERT INTO contact (kind, name, organisation, address, postcode, city, email, match_key, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
                params![
                    if c.organisation_kind { "organisation" } else { "person" },
                    c.name.trim(),
                    c.organisation,
                    c.address,
                    c.postcode,
                    c.city,
                    c.email,
                    key,
                    now
                ],
            )?;
            append_event(
                q,
                &now,
                &s.event(EventKind::ContactCreated, None, serde_json::json!({ "contact": id, "name": c.name.trim() })),
            )?;
            Ok((id, true))
        })
    }

    /// Contacts whose name contains every word typed (accents and case ignored), for
    /// search as you type.
    pub fn search_contacts(&self, typed: &str, limit: usize) -> Result<Vec<Contact>> {
        // Folded and squashed: lower-case letters and digits only, so no LIKE wildcard
        // and no case to differ between the engines (`match_key` is folded alike).
        let patterns: Vec<String> = suggest::squash(&suggest::fold(typed))
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(|w| format!("%{w}%"))
            .collect();
        let mut sql = String::from("SELECT id, kind, name, organisation, postcode, city FROM contact WHERE 1 = 1");
        for i in 0..patterns.len() {
            sql.push_str(&format!(" AND match_key LIKE ?{}", i + 2));
        }
        sql.push_str(" ORDER BY name LIMIT ?1");
        let limit = limit as i64;
        let mut args: Vec<&dyn Param> = vec![&limit];
        args.extend(patterns.iter().map(|p| p as &dyn Param));
        self.read(|q| {
            q.rows(&sql, &args)?
                .iter()
                .map(|r| {
                    Ok(Contact {
                        id: r.get(0)?,
                        kind: r.get(1)?,
                        name: r.get(2)?,
                        organisation: r.get(3)?,
                        postcode: r.get(4)?,
                        city: r.get(5)?,
                    })
                })
                .collect()
        })
    }

    /// Recomputes the event chain and names the first event altered or removed; checks
    /// it against the data folder's anchors (a cut-off tail, a chain sealed again) and
    /// every courrier's record against its events.
    pub fn verify_history(&self) -> Result<ChainReport> {
        self.verify_history_against(&[])
    }

    /// As `verify_history`, with anchors kept elsewhere too (a backup's manifest, an export).
    pub fn verify_history_against(&self, external: &[crate::anchor::NamedAnchor]) -> Result<ChainReport> {
        let (mut anchors, mut anchor_problems) = crate::anchor::local_anchors(self.data_dir())?;
        let key = crate::anchor::read_key(self.data_dir())?;
        for a in external {
            // Sealed by another key: not this folder's (or forged); its id and hash still count.
            if let (Some(k), Some(_)) = (&key, &a.anchor.mac)
                && !a.anchor.seal_matches(k)
            {
                anchor_problems.push(format!("{} : l'ancre ne porte pas le sceau de ce dossier de données", a.source));
            }
            anchors.push(a.clone());
        }
        let mut check = crate::anchor::AnchorCheck::new(anchors);
        let sql = format!(
            "SELECT {}, prev_hash, hash FROM event WHERE id > ?1 ORDER BY id LIMIT ?2",
            crate::STORED_EVENT_COLUMNS
        );
        let mut expected_prev = pli_core::event::GENESIS_HASH.to_string();
        let mut last_id = 0i64;
        let mut events = 0usize;
        let mut broken = None;
        let record_problems = self.read(|q| {
            // By chunks, in id order: millions of events are never all in memory.
            let mut after = i64::MIN;
            loop {
                let rows = q.rows(&sql, params![after, EVENT_CHUNK])?;
                let Some(last) = rows.last() else { break };
                after = last.get(0)?;
                for r in &rows {
                    let event = crate::StoredEvent::from_row(r)?;
                    let id = event.id;
                    let prev: String = r.get::<Option<String>>(7)?.unwrap_or_default();
                    let hash: String = r.get::<Option<String>>(8)?.unwrap_or_default();
                    events += 1;
                    check.see(id, &hash);
                    if broken.is_none() {
                        let problem = if event.seal(&prev) != hash {
                            Some(ChainBreak { event: id, problem: format!("l'événement {id} a été modifié") })
                        } else if prev != expected_prev {
                            Some(if id != last_id + 1 {
                                ChainBreak {
                                    event: last_id + 1,
                                    problem: format!("événement(s) {} à {} supprimé(s)", last_id + 1, id - 1),
                                }
                            } else {
                                ChainBreak {
                                    event: last_id,
                                    problem: format!(
                                        "l'événement {last_id} a été modifié (son empreinte ne correspond plus)"
                                    ),
                                }
                            })
                        } else {
                            None
                        };
                        broken = problem;
                    }
                    expected_prev = hash;
                    last_id = id;
                }
            }
            crate::replay::check_records(q)
        })?;
        let checked = check.checked;
        anchor_problems.extend(check.finish(last_id));
        let head = if broken.is_none() { expected_prev } else { String::new() };
        Ok(ChainReport {
            events,
            last_event: last_id,
            head,
            broken,
            anchors: checked,
            anchor_problems,
            record_problems,
        })
    }
}

/// The code of a direction, by id.
fn main_code(q: &mut Q<'_>, direction: Option<i64>) -> Result<Option<String>> {
    match direction {
        Some(id) => q.opt("SELECT code FROM direction WHERE id = ?1", params![id])?.map(|r| r.get(0)).transpose(),
        None => Ok(None),
    }
}

/// The baskets a session works, each with whom it is seen as: its own roles' (as the
/// user alone), then, for each absent user it stands in for, theirs as they would see
/// them (`assigned_to_me` meaning them), named « … — pour Y ».
fn worked_baskets(q: &mut Q<'_>, s: &Session) -> Result<Vec<(String, String, BasketFilter, Session)>> {
    let alone = Session { viewer: s.viewer.alone(), workstation: s.workstation.clone() };
    let mut out: Vec<_> =
        basket_definitions(q, &alone)?.into_iter().map(|(role, name, f)| (role, name, f, alone.clone())).collect();
    for absent in &s.viewer.stands_in_for {
        let theirs = Session { viewer: absent.as_viewer(), workstation: s.workstation.clone() };
        for (role, name, f) in basket_definitions(q, &theirs)? {
            out.push((role, format!("{name} — pour {}", absent.login), f, theirs.clone()));
        }
    }
    Ok(out)
}

/// An event's data with whom it was done for, when for an absent user.
fn with_for(mut data: serde_json::Value, for_user: Option<String>) -> serde_json::Value {
    if let (Some(login), Some(o)) = (for_user, data.as_object_mut()) {
        o.insert("for".into(), serde_json::Value::String(login));
    }
    data
}

/// Whom an event was done for, from its data (see [`with_for`]).
fn on_behalf_of(data: &serde_json::Value) -> Option<String> {
    data.get("for").and_then(|v| v.as_str()).map(str::to_string)
}

/// The baskets of the session's roles: (role, name, filter), in their order.
fn basket_definitions(q: &mut Q<'_>, s: &Session) -> Result<Vec<(String, String, BasketFilter)>> {
    let roles: Vec<&str> = s.viewer.grants.iter().map(|g| g.role.as_str()).collect();
    let mut out = Vec::new();
    for r in q.rows("SELECT role, name, filter FROM basket ORDER BY role, position", params![])? {
        let (role, name, filter): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        if !roles.contains(&role.as_str()) {
            continue;
        }
        let filter: BasketFilter = serde_json::from_str(&filter)
            .map_err(|e| StoreError::Invalid(format!("bannette « {name} » : filtre illisible ({e})")))?;
        out.push((role, name, filter));
    }
    Ok(out)
}

/// The record as a form (the draft saved so far, or what was registered).
fn saved_qualification(q: &mut Q<'_>, id: i64) -> Result<Qualification> {
    let date = |s: Option<String>| {
        s.and_then(|s| Date::parse(&s, time::macros::format_description!("[year]-[month]-[day]")).ok())
    };
    let Some(r) = q.opt(
        "SELECT t.code, c.sender_id, c.subject, c.letter_date, c.arrival_date, c.reference, c.priority, c.confidential,
                d.code, c.comment
         FROM courrier c LEFT JOIN document_type t ON t.id = c.document_type_id
         LEFT JOIN direction d ON d.id = c.main_direction_id WHERE c.id = ?1",
        params![id],
    )?
    else {
        return Ok(Qualification::default());
    };
    Ok(Qualification {
        document_type: r.get(0)?,
        sender: r.get(1)?,
        subject: r.get(2)?,
        letter_date: date(r.get(3)?),
        arrival_date: date(r.get(4)?),
        reference: r.get(5)?,
        priority: Priority::parse(&r.get::<String>(6)?),
        confidential: Some(r.get(7)?),
        main_direction: r.get(8)?,
        copies: Vec::new(),
        comment: r.get(9)?,
    })
}

/// When a form explicitly lifts the confidential flag, says so in its own event.
fn lift_confidentiality_event(
    q: &mut Q<'_>,
    s: &Session,
    id: i64,
    form: &Qualification,
    saved: &Qualification,
    now: &str,
) -> Result<()> {
    if form.lifts_confidentiality(saved) {
        append_event(q, now, &s.event(EventKind::ConfidentialityLifted, Some(id), serde_json::json!({})))?;
    }
    Ok(())
}

/// Writes the record's fields (codes resolved to ids) on a courrier.
fn write_record(q: &mut Q<'_>, id: i64, form: &Qualification) -> Result<()> {
    let type_id: Option<i64> = match &form.document_type {
        Some(code) => Some(
            q.opt("SELECT id FROM document_type WHERE code = ?1 AND active = 1", params![code])?
                .map(|r| r.get(0))
                .transpose()?
                .ok_or_else(|| StoreError::Invalid(format!("type de document inconnu « {code} »")))?,
        ),
        None => None,
    };
    if let Some(sender) = form.sender {
        let known: i64 = q.one("SELECT count(*) FROM contact WHERE id = ?1", params![sender])?;
        if known == 0 {
            return Err(StoreError::Invalid(format!("expéditeur inconnu (contact n° {sender})")));
        }
    }
    let main = form.main_direction.as_deref().map(|c| direction_id(q, c)).transpose()?;
    let copies = form.copies.iter().map(|c| direction_id(q, c)).collect::<Result<Vec<_>>>()?;
    q.exec(
        "UPDATE courrier SET document_type_id = ?2, sender_id = ?3, subject = ?4, letter_date = ?5, arrival_date = ?6,
                reference = ?7, priority = ?8, confidential = ?9, main_direction_id = ?10, comment = ?11 WHERE id = ?1",
        params![
            id,
            type_id,
            form.sender,
            form.subject.as_deref().map(str::trim),
            form.letter_date.map(iso),
            form.arrival_date.map(iso),
            form.reference,
            form.priority_or_normal().as_str(),
            form.is_confidential(),
            main,
            form.comment
        ],
    )?;
    q.exec("DELETE FROM courrier_copy WHERE courrier_id = ?1", params![id])?;
    for d in copies.into_iter().filter(|d| Some(*d) != main) {
        q.exec(
            "INSERT INTO courrier_copy (courrier_id, direction_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![id, d],
        )?;
    }
    Ok(())
}

/// Registration inside the caller's transaction: record, chrono number, routing, events.
fn register_in(q: &mut Q<'_>, s: &Session, id: i64, form: &Qualification, chrono: &ChronoFormat) -> Result<Registered> {
    let missing = form.missing_for_registration();
    if !missing.is_empty() {
        return Err(StoreError::Invalid(format!("enregistrement impossible, à remplir : {}", missing.join(", "))));
    }
    write_record(q, id, form)?;
    let now = time::OffsetDateTime::now_utc();
    let existing: Option<String> = q.one("SELECT chrono FROM courrier WHERE id = ?1", params![id])?;
    let again = existing.is_some();
    let number = match existing {
        Some(n) => n,
        None => {
            // The counter moves only inside a committed registration: no gap, no reuse.
            let seq: i64 = q.one(
                "INSERT INTO chrono_counter (year, last) VALUES (?1, 1)
                 ON CONFLICT (year) DO UPDATE SET last = chrono_counter.last + 1 RETURNING last",
                params![now.year()],
            )?;
            chrono.format(now.year(), seq as u64)
        }
    };
    // The clock runs from the arrival date (not the scan date), on the main direction's calendar.
    let main = form.main_direction.as_deref().map(|c| direction_id(q, c)).transpose()?;
    let (_, clock) = crate::deadline::clock(
        q,
        form.document_type.as_deref().unwrap_or(""),
        main,
        form.arrival_date.expect("checked above"),
        form.priority_or_normal(),
    )?;
    let due = clock.due_on;
    let at = now_rfc3339();
    q.exec(
        "UPDATE courrier SET chrono = ?2, state = 'to_process', registered_at = ?3,
                returned_reason = NULL, taken_by = NULL, assignee_id = NULL, closed_at = NULL WHERE id = ?1",
        params![id, number, at],
    )?;
    crate::deadline::write_clock(q, id, &clock)?;
    let mut data = serde_json::json!({
        "chrono": number, "document_type": form.document_type, "sender": form.sender, "subject": form.subject,
        "letter_date": form.letter_date.map(iso), "arrival_date": form.arrival_date.map(iso), "reference": form.reference,
        "priority": form.priority_or_normal().as_str(), "confidential": form.is_confidential(), "again": again,
    });
    data.as_object_mut().expect("an object").extend(crate::deadline::clock_json(&clock));
    append_event(q, &at, &s.event(EventKind::CourrierRegistered, Some(id), data))?;
    append_event(
        q,
        &at,
        &s.event(
            EventKind::CourrierRouted,
            Some(id),
            serde_json::json!({
                "main_direction": form.main_direction, "copies": form.copies,
            }),
        ),
    )?;
    Ok(Registered { courrier: id, chrono: number, due_date: iso(due) })
}

/// On a redirection to `target`, the clock counted again from today on the new
/// direction's calendar, when the courrier's type says so (written here; returned for the
/// event). The implicit decision keeps its date: it runs from the body's receipt, whoever
/// handles it (CRPA L114-2).
fn redirected_clock(q: &mut Q<'_>, id: i64, target: i64) -> Result<Option<serde_json::Map<String, serde_json::Value>>> {
    let Some(r) = q.opt(
        "SELECT t.code, c.priority, c.implicit_decision, c.implicit_decision_on FROM courrier c
         JOIN document_type t ON t.id = c.document_type_id WHERE c.id = ?1 AND c.due_date IS NOT NULL",
        params![id],
    )?
    else {
        return Ok(None);
    };
    let (code, priority): (String, String) = (r.get(0)?, r.get(1)?);
    let priority = Priority::parse(&priority).unwrap_or_default();
    let rule = crate::deadline::rule_of(q, &code)?;
    if !rule.recompute_on_redirect {
        return Ok(None);
    }
    let (_, mut clock) = crate::deadline::clock(q, &code, Some(target), today(), priority)?;
    let kept = match (r.get::<Option<String>>(2)?, r.get::<Option<String>>(3)?) {
        (Some(kind), Some(on)) => pli_core::deadline::ImplicitDecision::parse(&kind)
            .zip(crate::deadline::parse_date(&on))
            .map(|(kind, on)| pli_core::deadline::ImplicitDecisionOn { kind, on }),
        _ => None,
    };
    clock.implicit_decision = kept;
    crate::deadline::write_clock(q, id, &clock)?;
    Ok(Some(crate::deadline::clock_json(&clock)))
}

/// A basket's filter and the visibility rule, as one SQL condition on `c`.
fn basket_sql(s: &Session, f: &BasketFilter) -> String {
    let v = s.viewer.visibility();
    let mut parts = vec![visible_sql(&v)];
    let states = f.states.iter().map(|st| format!("'{}'", st.as_str())).collect::<Vec<_>>().join(",");
    if !states.is_empty() {
        parts.push(format!("c.state IN ({states})"));
    }
    match f.scope {
        Some(Scope::Main) => parts.push(in_ids("c.main_direction_id", &v.directions)),
        // The copy's own state (migrations 0016 / pg 0011): the direction's open copies
        // come from its index, not from every copy it ever had.
        Some(Scope::Copy) => parts.push(format!(
            "EXISTS (SELECT 1 FROM courrier_copy cc WHERE cc.courrier_id = c.id AND {}{})",
            in_ids("cc.direction_id", &v.directions),
            if states.is_empty() { String::new() } else { format!(" AND cc.courrier_state IN ({states})") }
        )),
        None => {}
    }
    if f.assigned_to_me {
        parts.push(format!("c.assignee_id = {}", v.user_id));
    }
    if f.late {
        parts.push(format!("c.state != 'closed' AND c.due_date < '{}'", iso(today())));
    }
    match f.returned {
        Some(true) => parts.push("c.returned_reason IS NOT NULL".into()),
        Some(false) => parts.push("c.returned_reason IS NULL".into()),
        None => {}
    }
    parts.join(" AND ")
}
