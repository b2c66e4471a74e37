//! Weekly activity reports from the event history (`pli_core::stats` computes them),
//! and their exports: CSV for French Excel (semicolons, UTF-8 BOM, decimal commas),
//! XLSX with a sheet per table and typed cells, JSON for other tools.

use crate::db::{Q, params};
use crate::{Result, Store, StoreError};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use pli_core::stats::{Prior, Registration, Report, Settings, StatEvent, TypeInfo, day_start, report};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Kinds that open or close a courrier in a direction's backlog.
const BACKLOG_KINDS: &str =
    "'courrier_routed','courrier_redirected','courrier_returned','courrier_closed','courrier_reopened'";

/// Kinds whose data the figures read (the others' is not even fetched).
const WITH_DATA: &str = "'courrier_captured','courrier_registered','courrier_routed','courrier_redirected','courrier_returned','courrier_reopened','acknowledgement_sent'";

/// Checkpoints are kept only for instants at least this old: later events may still
/// arrive with an earlier time (a workstation's clock).
const SETTLED_AFTER: jiff::SignedDuration = jiff::SignedDuration::from_hours(48);

fn event_from(r: &crate::db::Row) -> Result<(i64, String, String, String, Option<i64>, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
}

/// `YYYY-MM-DDTHH:MM:SS[.f…]Z`, as Pli writes event times, read without the general
/// parser (a year's report reads millions); anything else goes to jiff.
fn parse_utc(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    let fast = b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[b.len() - 1] == b'Z';
    if !fast {
        return s.parse().ok();
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { std::str::from_utf8(&b[r]).ok()?.parse().ok() };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let nanos: i32 = match b[19] {
        b'.' => {
            let frac = std::str::from_utf8(&b[20..b.len() - 1]).ok()?;
            let digits = frac.len().min(9);
            frac[..digits].parse::<i32>().ok()? * 10i32.pow((9 - digits) as u32)
        }
        b'Z' => 0,
        _ => return s.parse().ok(),
    };
    jiff::civil::Date::new(y as i16, m as i8, d as i8).ok()?;
    if hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    // Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Hinnant).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Timestamp::new(days * 86_400 + hh * 3600 + mm * 60 + ss, nanos).ok()
}

fn stat_event(row: (i64, String, String, String, Option<i64>, String)) -> Result<StatEvent> {
    let (id, at, actor, kind, courrier, data) = row;
    let at = parse_utc(&at).ok_or_else(|| StoreError::Invalid(format!("événement {id} : date illisible « {at} »")))?;
    Ok(StatEvent { id, at, actor, kind, courrier, data })
}

/// Events read at a time: a long period is never held twice in memory (as rows, then
/// as events).
const PAGE: i64 = 50_000;

/// The events of `[from, to)` (and `filter`), in time order then the chain's, a page at
/// a time: each page starts after the last event of the one before (the same second
/// again, with a greater id), so every page is a range of the `at` index.
struct Pages {
    sql: String,
    after: (String, i64),
    to: String,
    size: i64,
    done: bool,
}

impl Pages {
    /// `column`: the sixth column read (`data`, or less); `filter`: ` AND …`.
    fn new(column: &str, filter: &str, from: String, to: String) -> Pages {
        Pages::sized(column, filter, from, to, PAGE)
    }

    fn sized(column: &str, filter: &str, from: String, to: String, size: i64) -> Pages {
        let sql = format!(
            "SELECT id, at, actor, kind, courrier_id, {column} FROM event
             WHERE at >= ?1 AND at < ?2 AND (at > ?1 OR id > ?3){filter} ORDER BY at, id LIMIT ?4"
        );
        Pages { sql, after: (from, -1), to, size, done: false }
    }

    fn next(&mut self, q: &mut Q<'_>) -> Result<Option<Vec<crate::db::Row>>> {
        if self.done {
            return Ok(None);
        }
        let page = q.rows(&self.sql, params![self.after.0, self.to, self.after.1, self.size])?;
        self.done = page.len() < self.size as usize;
        if let Some(last) = page.last() {
            self.after = (last.get(1)?, last.get(0)?);
        }
        Ok((!page.is_empty()).then_some(page))
    }
}

fn rfc3339(t: Timestamp) -> String {
    // Whole seconds, `Z`: the same shape as stored events, so text order is time order.
    format!("{}", t.strftime("%Y-%m-%dT%H:%M:%SZ"))
}

impl Store {
    /// The activity report for the local days `from..=to`.
    pub fn activity_report(&self, from: Date, to: Date, settings: &Settings) -> Result<Report> {
        let file = self.sqlite_file()?;
        // A long period is computed in two parts, cut on the Monday nearest its middle so
        // that no week is split; the second part starts from the backlog checkpoint at
        // that Monday. The parts run side by side (two cores, two connections).
        let days = (to - from).get_days();
        if days >= 8 * 7 {
            let middle =
                from.checked_add(jiff::Span::new().days(days / 2)).map_err(|e| StoreError::Invalid(e.to_string()))?;
            let monday = middle
                .checked_sub(jiff::Span::new().days(middle.weekday().to_monday_zero_offset() as i64))
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            let before = monday.yesterday().map_err(|e| StoreError::Invalid(e.to_string()))?;
            // The checkpoint at the cut, made here first so both parts can use it.
            let cut = day_start(monday, &settings.time_zone).map_err(StoreError::Invalid)?;
            self.read(|q| open_at(q, cut, &settings.time_zone))?;
            let Some(file) = file else {
                // PostgreSQL: the second part on a second connection, side by side.
                let Some(beside) = self.db.another()? else {
                    return Err(StoreError::Internal("une seconde connexion était attendue".into()));
                };
                let (first, second) = std::thread::scope(|scope| {
                    let later = scope.spawn(move || beside.read(|q| report_part(q, monday, to, settings, None)));
                    (
                        self.read(|q| report_part(q, from, before, settings, None)),
                        later.join().expect("the report thread does not panic"),
                    )
                });
                return Ok(first?.followed_by(second?));
            };
            let (first, second) = std::thread::scope(|scope| {
                let later = scope.spawn(|| -> Result<Report> {
                    // It may save checkpoints: a connection that can write.
                    let conn = open_sqlite(&file, false)?;
                    report_part(&mut Q::over_sqlite(&conn, &file), monday, to, settings, None)
                });
                (
                    self.read(|q| report_part(q, from, before, settings, None)),
                    later.join().expect("the report thread does not panic"),
                )
            });
            return Ok(first?.followed_by(second?));
        }
        self.read(|q| report_part(q, from, to, settings, file.as_deref()))
    }

    /// The database file on SQLite (a second connection can read it side by side), None
    /// on PostgreSQL.
    fn sqlite_file(&self) -> Result<Option<PathBuf>> {
        self.read(|q| Ok(q.sqlite().and_then(|c| c.path()).filter(|p| !p.is_empty()).map(PathBuf::from)))
    }
}

/// SQLite only: another connection to the store's file, for a part of a long report read
/// on the other core (WAL lets readers run beside the writer).
fn open_sqlite(file: &Path, read_only: bool) -> Result<rusqlite::Connection> {
    let err = |source| StoreError::Sqlite { path: file.to_path_buf(), source };
    let conn = if read_only {
        rusqlite::Connection::open_with_flags(file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    } else {
        rusqlite::Connection::open(file)
    }
    .map_err(err)?;
    conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(err)?;
    Ok(conn)
}

/// One part of a report; `parallel` (SQLite's file) to read a long period's events with
/// two connections.
fn report_part(q: &mut Q<'_>, from: Date, to: Date, settings: &Settings, parallel: Option<&Path>) -> Result<Report> {
    let tz = &settings.time_zone;
    let invalid = |e: String| StoreError::Invalid(e);
    let start = day_start(from, tz).map_err(invalid)?;
    let end = day_start(to.tomorrow().map_err(|e| invalid(e.to_string()))?, tz).map_err(invalid)?;
    let open = open_at(q, start, tz)?;

    let events = events_between(q, start, end, parallel)?;

    // First registrations of the courriers closed in the period but registered
    // before it (the period's own are in its events): a range over the preceding
    // quarter, then one lookup each for the rare older ones.
    let registered_in_period: std::collections::HashSet<i64> =
        events.iter().filter(|e| e.kind == "courrier_registered").filter_map(|e| e.courrier).collect();
    let mut wanted: std::collections::BTreeSet<i64> = events
        .iter()
        .filter(|e| e.kind == "courrier_closed")
        .filter_map(|e| e.courrier)
        .filter(|c| !registered_in_period.contains(c))
        .collect();
    let mut registrations = HashMap::new();
    let keep = |c: i64, at: &str, data: &str, registrations: &mut HashMap<i64, Registration>| {
        let data: serde_json::Value = serde_json::from_str(data).unwrap_or_default();
        let text = |k: &str| data.get(k).and_then(|v| v.as_str()).map(String::from);
        if data.get("again").and_then(|v| v.as_bool()) == Some(true) {
            return;
        }
        if let Ok(at) = at.parse() {
            registrations.entry(c).or_insert(Registration {
                at,
                document_type: text("document_type"),
                due: text("due_date").and_then(|d| d.parse().ok()),
            });
        }
    };
    // A range scan pays off only for many courriers (a long period).
    if wanted.len() > 10_000 {
        let quarter_before = start - jiff::SignedDuration::from_hours(24 * 92);
        let rows = q.rows(
            "SELECT courrier_id, at, data FROM event
             WHERE at >= ?1 AND at < ?2 AND kind = 'courrier_registered' ORDER BY id",
            params![rfc3339(quarter_before), rfc3339(start)],
        )?;
        for r in rows {
            let (c, at, data) = (r.get::<Option<i64>>(0)?, r.get::<String>(1)?, r.get::<String>(2)?);
            if let Some(c) = c.filter(|c| wanted.contains(c)) {
                keep(c, &at, &data, &mut registrations);
            }
        }
        wanted.retain(|c| !registrations.contains_key(c));
    }
    for c in wanted {
        let row = q.opt(
            "SELECT at, data FROM event WHERE courrier_id = ?1 AND kind = 'courrier_registered' ORDER BY id LIMIT 1",
            params![c],
        )?;
        if let Some(r) = row {
            keep(c, &r.get::<String>(0)?, &r.get::<String>(1)?, &mut registrations);
        }
    }
    // A redirection before the period that counted the delay again moved the due date
    // (the period's own redirections are in its events): the last one says it.
    if !registrations.is_empty() {
        let recounted = |data: &str| {
            let data: serde_json::Value = serde_json::from_str(data).unwrap_or_default();
            data.get("due_date").and_then(|v| v.as_str()).and_then(|d| d.parse().ok())
        };
        let batches: Vec<Vec<crate::db::Row>> = if registrations.len() > 10_000 {
            let quarter_before = start - jiff::SignedDuration::from_hours(24 * 92);
            vec![q.rows(
                "SELECT courrier_id, data FROM event
                 WHERE at >= ?1 AND at < ?2 AND kind = 'courrier_redirected' ORDER BY id",
                params![rfc3339(quarter_before), rfc3339(start)],
            )?]
        } else {
            // By 500 ids at a time (integers only interpolated): a few round trips.
            let ids: Vec<i64> = registrations.keys().copied().collect();
            ids.chunks(500)
                .map(|chunk| {
                    let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
                    q.rows(
                        &format!(
                            "SELECT courrier_id, data FROM event
                             WHERE courrier_id IN ({list}) AND at < ?1 AND kind = 'courrier_redirected' ORDER BY id"
                        ),
                        params![rfc3339(start)],
                    )
                })
                .collect::<Result<_>>()?
        };
        for r in batches.into_iter().flatten() {
            let (c, data) = (r.get::<Option<i64>>(0)?, r.get::<String>(1)?);
            if let (Some(reg), Some(due)) = (c.and_then(|c| registrations.get_mut(&c)), recounted(&data)) {
                reg.due = Some(due);
            }
        }
    }
    let types: HashMap<String, TypeInfo> = q
        .rows("SELECT code, deadline_days, undelivered FROM document_type", params![])?
        .into_iter()
        .map(|r| Ok((r.get(0)?, TypeInfo { deadline_days: r.get(1)?, undelivered: r.get(2)? })))
        .collect::<Result<_>>()?;
    let prior = Prior { open, directions: HashMap::new(), registrations };
    Ok(report(&events, &types, from, to, settings, prior))
}

/// Every event in `[start, end)`, in time order (then the chain's, for events of the
/// same second). A long period on SQLite (`parallel`) is read by two connections, one
/// per half, side by side.
fn events_between(q: &mut Q<'_>, start: Timestamp, end: Timestamp, parallel: Option<&Path>) -> Result<Vec<StatEvent>> {
    let columns = format!("CASE WHEN kind IN ({WITH_DATA}) THEN data ELSE '' END");
    let read = |q: &mut Q<'_>, from: Timestamp, to: Timestamp| -> Result<Vec<StatEvent>> {
        let mut events = Vec::new();
        let mut pages = Pages::new(&columns, "", rfc3339(from), rfc3339(to));
        while let Some(page) = pages.next(q)? {
            for r in &page {
                events.push(stat_event(event_from(r)?)?);
            }
        }
        Ok(events)
    };
    let file = parallel.filter(|_| end.as_second() - start.as_second() >= 14 * 86_400);
    let Some(file) = file else {
        // Short, or one connection: not worth a thread.
        return read(q, start, end);
    };
    let middle = start + jiff::SignedDuration::from_secs((end.as_second() - start.as_second()) / 2);
    let (first, second) = std::thread::scope(|scope| {
        let later = scope.spawn(|| -> Result<Vec<StatEvent>> {
            let conn = open_sqlite(file, true)?;
            read(&mut Q::over_sqlite(&conn, file), middle, end)
        });
        let earlier = read(q, start, middle);
        (earlier, later.join().expect("the reading thread does not panic"))
    });
    let mut events = first?;
    events.extend(second?);
    Ok(events)
}

/// The courriers open just before `at`, and their main direction: the nearest
/// checkpoint before it, then the events since, saving a checkpoint at each Monday
/// crossed (and at `at`) once they are settled.
///
/// The checkpoints are a cache (derived data, idempotent inserts), written within the
/// reading session: on SQLite each one commits alone, on PostgreSQL with the session.
fn open_at(q: &mut Q<'_>, at: Timestamp, tz: &TimeZone) -> Result<HashMap<i64, String>> {
    let checkpoint =
        q.opt("SELECT at, open FROM stats_checkpoint WHERE at <= ?1 ORDER BY at DESC LIMIT 1", params![rfc3339(at)])?;
    let (since, mut open): (String, HashMap<i64, String>) = match checkpoint {
        Some(r) => (r.get(0)?, serde_json::from_str(&r.get::<String>(1)?).unwrap_or_default()),
        None => (String::new(), HashMap::new()),
    };
    if since == rfc3339(at) {
        return Ok(open);
    }
    let settled = Timestamp::now() - SETTLED_AFTER;
    let save = |q: &mut Q<'_>, when: Timestamp, open: &HashMap<i64, String>| -> Result<()> {
        if when <= settled {
            let json = serde_json::to_string(open).unwrap_or_default();
            q.exec(
                "INSERT INTO stats_checkpoint (at, open) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![rfc3339(when), json],
            )?;
        }
        Ok(())
    };
    let mut next_monday: Option<Timestamp> = None;
    let filter = format!(" AND kind IN ({BACKLOG_KINDS})");
    let mut pages = Pages::new("data", &filter, since, rfc3339(at));
    while let Some(page) = pages.next(q)? {
        for row in &page {
            let e = stat_event(event_from(row)?)?;
            let monday_after = |t: Timestamp| -> Option<Timestamp> {
                let d = t.to_zoned_datetime(tz.clone()).date();
                let days = 7 - d.weekday().to_monday_zero_offset() as i64;
                day_start(d.checked_add(jiff::Span::new().days(days)).ok()?, tz).ok()
            };
            let boundary = *next_monday.get_or_insert_with(|| monday_after(e.at).unwrap_or(at));
            if e.at >= boundary {
                save(q, boundary, &open)?;
                next_monday = monday_after(e.at);
            }
            let data: serde_json::Value = serde_json::from_str(&e.data).unwrap_or_default();
            let text = |k: &str| data.get(k).and_then(|v| v.as_str()).map(String::from);
            let Some(c) = e.courrier else { continue };
            match e.kind.as_str() {
                "courrier_routed" => {
                    if let Some(d) = text("main_direction") {
                        open.insert(c, d);
                    }
                }
                "courrier_redirected" => {
                    if let Some(d) = text("to_direction") {
                        open.insert(c, d);
                    }
                }
                "courrier_reopened" => {
                    if let Some(d) = text("direction") {
                        open.insert(c, d);
                    }
                }
                _ => {
                    open.remove(&c);
                }
            }
        }
    }
    save(q, at, &open)?;
    Ok(open)
}

/// A table of the report: a name (the sheet's), column titles, rows of cells.
pub struct Table {
    pub name: &'static str,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Decimal(f64),
    Date(Date),
    Time(Option<jiff::civil::Time>),
}

/// The report as tables, French titles.
pub fn tables(r: &Report) -> Vec<Table> {
    use Cell::*;
    let activity = |a: &Option<pli_core::stats::Activity>| match a {
        Some(a) => vec![Time(Some(a.start)), Time(Some(a.end)), Decimal(a.minutes)],
        None => vec![Time(None), Time(None), Decimal(0.0)],
    };
    let days = Table {
        name: "Jours",
        columns: vec![
            "date",
            "semaine",
            "numérisés",
            "enregistrés",
            "orientés",
            "clos",
            "retours",
            "plis non distribués",
            "numérisation début",
            "numérisation fin",
            "numérisation minutes",
            "qualification début",
            "qualification fin",
            "qualification minutes",
            "opérateurs actifs",
            "utilisateurs connectés",
            "accusés de réception par courrier",
            "accusés de réception par courriel",
        ],
        rows: r
            .days
            .iter()
            .map(|d| {
                let mut row = vec![
                    Date(d.date),
                    Text(d.week.clone()),
                    Int(d.scanned as i64),
                    Int(d.registered as i64),
                    Int(d.routed as i64),
                    Int(d.closed as i64),
                    Int(d.returns as i64),
                    Int(d.undelivered as i64),
                ];
                row.extend(activity(&d.scanning));
                row.extend(activity(&d.qualification));
                row.push(Int(d.active_operators as i64));
                row.push(Int(d.connected_users as i64));
                row.push(Int(d.acknowledgements_by_post as i64));
                row.push(Int(d.acknowledgements_by_email as i64));
                row
            })
            .collect(),
    };
    let weeks = Table {
        name: "Semaines",
        columns: vec![
            "semaine",
            "jours",
            "numérisés",
            "enregistrés",
            "orientés",
            "clos",
            "retours",
            "plis non distribués",
            "numérisation minutes",
            "qualification minutes",
            "opérateurs actifs",
            "utilisateurs connectés",
            "ouverts en fin de semaine",
            "accusés de réception par courrier",
            "accusés de réception par courriel",
        ],
        rows: r
            .weeks
            .iter()
            .map(|w| {
                vec![
                    Text(w.week.clone()),
                    Int(w.days as i64),
                    Int(w.scanned as i64),
                    Int(w.registered as i64),
                    Int(w.routed as i64),
                    Int(w.closed as i64),
                    Int(w.returns as i64),
                    Int(w.undelivered as i64),
                    Decimal(w.scanning_minutes),
                    Decimal(w.qualification_minutes),
                    Int(w.active_operators as i64),
                    Int(w.connected_users as i64),
                    Int(w.backlog.values().sum::<usize>() as i64),
                    Int(w.acknowledgements_by_post as i64),
                    Int(w.acknowledgements_by_email as i64),
                ]
            })
            .collect(),
    };
    let returns = Table {
        name: "Retours par direction",
        columns: vec!["date", "direction", "retours"],
        rows: r
            .days
            .iter()
            .flat_map(|d| {
                d.returns_by_direction.iter().map(|(dir, n)| vec![Date(d.date), Text(dir.clone()), Int(*n as i64)])
            })
            .collect(),
    };
    let backlog = Table {
        name: "Stock par direction",
        columns: vec!["date", "direction", "ouverts en fin de journée"],
        rows: r
            .days
            .iter()
            .flat_map(|d| d.backlog.iter().map(|(dir, n)| vec![Date(d.date), Text(dir.clone()), Int(*n as i64)]))
            .collect(),
    };
    let times = |name: &'static str, first: &'static str, v: &[pli_core::stats::ProcessingTime]| Table {
        name,
        columns: vec![first, "clos", "médiane (jours)", "90e centile (jours)", "dans le délai (%)", "clos en retard"],
        rows: v
            .iter()
            .map(|p| {
                vec![
                    Text(p.group.clone()),
                    Int(p.closed as i64),
                    Decimal(p.median_days),
                    Decimal(p.p90_days),
                    Decimal(p.within_deadline * 100.0),
                    Int(p.late as i64),
                ]
            })
            .collect(),
    };
    vec![
        weeks,
        days,
        returns,
        backlog,
        times("Délais par direction", "direction", &r.by_direction),
        times("Délais par type", "type de document", &r.by_type),
    ]
}

/// Title of the table that carries the history's head in an export.
pub const HISTORY_TABLE: &str = "Historique";

/// The head of the event chain when the export was made (an anchor kept with it, for
/// `pli history verify --anchor`).
pub fn history_table(a: &crate::anchor::Anchor) -> Table {
    Table {
        name: HISTORY_TABLE,
        columns: vec!["dernier événement", "empreinte", "sceau", "le"],
        rows: vec![vec![
            Cell::Int(a.event),
            Cell::Text(a.hash.clone()),
            Cell::Text(a.mac.clone().unwrap_or_default()),
            Cell::Text(a.at.clone()),
        ]],
    }
}

fn all_tables(r: &Report, history: Option<&crate::anchor::Anchor>) -> Vec<Table> {
    tables(r).into_iter().chain(history.map(history_table)).collect()
}

/// CSV for French Excel: BOM, semicolons, decimal commas, one table after another with
/// its title on a line of its own; the history's head last, when given.
pub fn to_csv(r: &Report, history: Option<&crate::anchor::Anchor>) -> String {
    let mut out = String::from("\u{feff}");
    for (i, t) in all_tables(r, history).iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut w = csv::WriterBuilder::new().delimiter(b';').flexible(true).from_writer(Vec::new());
        let _ = w.write_record([t.name]);
        let _ = w.write_record(&t.columns);
        for row in &t.rows {
            let _ = w.write_record(row.iter().map(|c| match c {
                Cell::Text(s) => s.clone(),
                Cell::Int(n) => n.to_string(),
                Cell::Decimal(x) => format!("{x:.1}").replace('.', ","),
                Cell::Date(d) => d.strftime("%d/%m/%Y").to_string(),
                Cell::Time(Some(t)) => t.strftime("%H:%M").to_string(),
                Cell::Time(None) => String::new(),
            }));
        }
        out.push_str(&String::from_utf8_lossy(&w.into_inner().unwrap_or_default()));
    }
    out
}

/// XLSX: one sheet per table, numbers as numbers, dates and times as such; the
/// history's head on a sheet of its own, when given.
pub fn to_xlsx(r: &Report, history: Option<&crate::anchor::Anchor>) -> std::result::Result<Vec<u8>, String> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let time = Format::new().set_num_format("hh:mm");
    let decimal = Format::new().set_num_format("0.0");
    for t in all_tables(r, history) {
        let sheet = book.add_worksheet();
        sheet.set_name(t.name).map_err(err)?;
        for (c, title) in t.columns.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, *title, &bold).map_err(err)?;
            sheet.set_column_width(c as u16, (title.chars().count() as f64 + 2.0).max(10.0)).map_err(err)?;
        }
        for (i, row) in t.rows.iter().enumerate() {
            let r = i as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(s) => sheet.write_string(r, c, s).map(|_| ()),
                    Cell::Int(n) => sheet.write_number(r, c, *n as f64).map(|_| ()),
                    Cell::Decimal(x) => sheet.write_number_with_format(r, c, *x, &decimal).map(|_| ()),
                    Cell::Date(d) => {
                        let dt =
                            ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8).map_err(err)?;
                        sheet.write_datetime_with_format(r, c, &dt, &date).map(|_| ())
                    }
                    Cell::Time(Some(t)) => {
                        let dt = ExcelDateTime::from_hms(t.hour() as u16, t.minute() as u8, t.second() as f64)
                            .map_err(err)?;
                        sheet.write_datetime_with_format(r, c, &dt, &time).map(|_| ())
                    }
                    Cell::Time(None) => Ok(()),
                }
                .map_err(err)?;
            }
        }
    }
    book.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::{Pages, parse_utc};
    use crate::db::params;

    #[test]
    fn events_read_in_pages_are_those_of_one_query_in_the_same_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = crate::Store::open(dir.path()).unwrap();
        // Many events in the same second, ids not in time order, and a kind filtered out.
        store
            .write(|q| {
                for id in 1..=40i64 {
                    let at = format!("2025-03-0{}T09:00:0{}Z", 1 + id % 3, id % 2);
                    let kind = if id % 5 == 0 { "courrier_taken" } else { "courrier_routed" };
                    q.exec(
                        "INSERT INTO event (id, at, actor, workstation, kind, courrier_id, data) VALUES (?1, ?2, 'op', 'poste', ?3, NULL, '{}')",
                        params![id, at, kind],
                    )?;
                }
                Ok(())
            })
            .unwrap();
        let (from, to) = ("2025-03-01T09:00:01Z".to_string(), "2025-03-03T09:00:01Z".to_string());
        let filter = " AND kind IN ('courrier_routed')";
        let whole: Vec<i64> = store
            .read(|q| {
                q.rows(
                    &format!("SELECT id FROM event WHERE at >= ?1 AND at < ?2{filter} ORDER BY at, id"),
                    params![from, to],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect()
            })
            .unwrap();
        assert!(whole.len() > 20, "{whole:?}");
        for size in [1, 3, 7, 100] {
            let mut pages = Pages::sized("data", filter, from.clone(), to.clone(), size);
            let mut read = Vec::new();
            store
                .read(|q| {
                    while let Some(page) = pages.next(q)? {
                        assert!(page.len() as i64 <= size);
                        for r in &page {
                            read.push(r.get::<i64>(0)?);
                        }
                    }
                    Ok(())
                })
                .unwrap();
            assert_eq!(read, whole, "pages of {size}");
        }
    }

    #[test]
    fn event_times_read_fast_read_the_same() {
        for s in [
            "2026-11-25T13:26:21Z",
            "2026-11-25T13:26:21.123456789Z",
            "2026-11-25T13:26:21.5Z",
            "2000-02-29T00:00:00Z",
            "1970-01-01T00:00:00Z",
            "2026-03-29T01:05:00+00:00",
        ] {
            assert_eq!(parse_utc(s), Some(s.parse().unwrap()), "{s}");
        }
        assert_eq!(parse_utc("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_utc("hier"), None);
    }
}
