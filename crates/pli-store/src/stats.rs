//! Weekly activity reports from the event history (`pli_core::stats` computes them),
//! and their exports: CSV for French Excel (semicolons, UTF-8 BOM, decimal commas),
//! XLSX with a sheet per table and typed cells, JSON for other tools.

use crate::{Result, Store, StoreError};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use pli_core::stats::{Prior, Registration, Report, Settings, StatEvent, TypeInfo, day_start, report};
use rusqlite::{OptionalExtension, params};
use std::collections::HashMap;

/// Kinds that open or close a courrier in a direction's backlog.
const BACKLOG_KINDS: &str =
    "'courrier_routed','courrier_redirected','courrier_returned','courrier_closed','courrier_reopened'";

/// Kinds whose data the figures read (the others' is not even fetched).
const WITH_DATA: &str = "'courrier_captured','courrier_registered','courrier_routed','courrier_redirected','courrier_returned','courrier_reopened'";

/// Checkpoints are kept only for instants at least this old: later events may still
/// arrive with an earlier time (a workstation's clock).
const SETTLED_AFTER: jiff::SignedDuration = jiff::SignedDuration::from_hours(48);

fn event_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, String, String, String, Option<i64>, String)> {
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

fn rfc3339(t: Timestamp) -> String {
    // Whole seconds, `Z`: the same shape as stored events, so text order is time order.
    format!("{}", t.strftime("%Y-%m-%dT%H:%M:%SZ"))
}

impl Store {
    /// The activity report for the local days `from..=to`.
    pub fn activity_report(&self, from: Date, to: Date, settings: &Settings) -> Result<Report> {
        // A long period is computed in two parts side by side (two cores), cut on the
        // Monday nearest its middle so that no week is split; the second part starts
        // from the backlog checkpoint at that Monday.
        let days = (to - from).get_days();
        if days >= 8 * 7 {
            let middle =
                from.checked_add(jiff::Span::new().days(days / 2)).map_err(|e| StoreError::Invalid(e.to_string()))?;
            let monday = middle
                .checked_sub(jiff::Span::new().days(middle.weekday().to_monday_zero_offset() as i64))
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            let before = monday.yesterday().map_err(|e| StoreError::Invalid(e.to_string()))?;
            // The checkpoint at the cut, made here first so both parts can use it.
            self.open_at(day_start(monday, &settings.time_zone).map_err(StoreError::Invalid)?, &settings.time_zone)?;
            let data_dir = self.data_dir.clone();
            let (first, second) = std::thread::scope(|scope| {
                let later = scope.spawn(|| Store::open(&data_dir)?.report_part(monday, to, settings, false));
                (
                    self.report_part(from, before, settings, false),
                    later.join().expect("the report thread does not panic"),
                )
            });
            return Ok(first?.followed_by(second?));
        }
        self.report_part(from, to, settings, true)
    }

    /// One part of a report; `parallel_read` when it is the only part running.
    fn report_part(&self, from: Date, to: Date, settings: &Settings, parallel_read: bool) -> Result<Report> {
        let tz = &settings.time_zone;
        let invalid = |e: String| StoreError::Invalid(e);
        let start = day_start(from, tz).map_err(invalid)?;
        let end = day_start(to.tomorrow().map_err(|e| invalid(e.to_string()))?, tz).map_err(invalid)?;
        let open = self.open_at(start, tz)?;

        let events = self.events_between(start, end, parallel_read)?;

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
            let mut stmt = self
                .conn()
                .prepare(
                    "SELECT courrier_id, at, data FROM event
                     WHERE at >= ?1 AND at < ?2 AND kind = 'courrier_registered' ORDER BY id",
                )
                .map_err(self.sql())?;
            let rows = stmt
                .query_map([rfc3339(quarter_before), rfc3339(start)], |r| {
                    Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
                })
                .map_err(self.sql())?;
            for row in rows {
                let (c, at, data) = row.map_err(self.sql())?;
                if let Some(c) = c.filter(|c| wanted.contains(c)) {
                    keep(c, &at, &data, &mut registrations);
                }
            }
            wanted.retain(|c| !registrations.contains_key(c));
        }
        {
            let mut first = self
                .conn()
                .prepare_cached(
                    "SELECT at, data FROM event WHERE courrier_id = ?1 AND kind = 'courrier_registered' ORDER BY id LIMIT 1",
                )
                .map_err(self.sql())?;
            for c in wanted {
                let row: Option<(String, String)> =
                    first.query_row([c], |r| Ok((r.get(0)?, r.get(1)?))).optional().map_err(self.sql())?;
                if let Some((at, data)) = row {
                    keep(c, &at, &data, &mut registrations);
                }
            }
        }
        let types: HashMap<String, TypeInfo> = self
            .conn()
            .prepare("SELECT code, deadline_days, undelivered FROM document_type")
            .and_then(|mut st| {
                st.query_map([], |r| Ok((r.get(0)?, TypeInfo { deadline_days: r.get(1)?, undelivered: r.get(2)? })))?
                    .collect()
            })
            .map_err(self.sql())?;
        let prior = Prior { open, directions: HashMap::new(), registrations };
        Ok(report(&events, &types, from, to, settings, prior))
    }

    /// Every event in `[start, end)`, read by two connections in parallel (one per half
    /// of the period: WAL lets readers run side by side), in time order.
    fn events_between(&self, start: Timestamp, end: Timestamp, parallel: bool) -> Result<Vec<StatEvent>> {
        let sql = format!(
            "SELECT id, at, actor, kind, courrier_id, CASE WHEN kind IN ({WITH_DATA}) THEN data ELSE '' END
             FROM event WHERE at >= ?1 AND at < ?2 ORDER BY at"
        );
        let db = self.db_path.clone();
        let read = |conn: &rusqlite::Connection, from: Timestamp, to: Timestamp| -> Result<Vec<StatEvent>> {
            let err = |source| StoreError::Sqlite { path: db.clone(), source };
            let mut stmt = conn.prepare(&sql).map_err(err)?;
            let rows = stmt.query_map([rfc3339(from), rfc3339(to)], event_from).map_err(err)?;
            rows.map(|row| row.map_err(err).and_then(stat_event)).collect()
        };
        let middle = start + jiff::SignedDuration::from_secs((end.as_second() - start.as_second()) / 2);
        if !parallel || end.as_second() - start.as_second() < 14 * 86_400 {
            // Short: not worth a thread.
            return read(self.conn(), start, end);
        }
        let (first, second) = std::thread::scope(|scope| {
            let later = scope.spawn(|| -> Result<Vec<StatEvent>> {
                let conn = rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                    .map_err(|source| StoreError::Sqlite { path: db.clone(), source })?;
                read(&conn, middle, end)
            });
            let earlier = read(self.conn(), start, middle);
            (earlier, later.join().expect("the reading thread does not panic"))
        });
        let mut events = first?;
        events.extend(second?);
        Ok(events)
    }

    /// The courriers open just before `at`, and their main direction: the nearest
    /// checkpoint before it, then the events since, saving a checkpoint at each Monday
    /// crossed (and at `at`) once they are settled.
    fn open_at(&self, at: Timestamp, tz: &TimeZone) -> Result<HashMap<i64, String>> {
        let checkpoint: Option<(String, String)> = self
            .conn()
            .query_row(
                "SELECT at, open FROM stats_checkpoint WHERE at <= ?1 ORDER BY at DESC LIMIT 1",
                [rfc3339(at)],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(self.sql())?;
        let (since, mut open): (String, HashMap<i64, String>) = match checkpoint {
            Some((since, json)) => (since, serde_json::from_str(&json).unwrap_or_default()),
            None => (String::new(), HashMap::new()),
        };
        if since == rfc3339(at) {
            return Ok(open);
        }
        let settled = Timestamp::now() - SETTLED_AFTER;
        let save = |when: Timestamp, open: &HashMap<i64, String>| -> Result<()> {
            if when <= settled {
                let json = serde_json::to_string(open).unwrap_or_default();
                self.conn()
                    .execute(
                        "INSERT OR IGNORE INTO stats_checkpoint (at, open) VALUES (?1, ?2)",
                        params![rfc3339(when), json],
                    )
                    .map_err(self.sql())?;
            }
            Ok(())
        };
        let mut next_monday: Option<Timestamp> = None;
        let sql = format!(
            "SELECT id, at, actor, kind, courrier_id, data FROM event
             WHERE at >= ?1 AND at < ?2 AND kind IN ({BACKLOG_KINDS}) ORDER BY at, id"
        );
        let mut stmt = self.conn().prepare(&sql).map_err(self.sql())?;
        let rows = stmt.query_map([since, rfc3339(at)], event_from).map_err(self.sql())?;
        for row in rows {
            let e = stat_event(row.map_err(self.sql())?)?;
            let monday_after = |t: Timestamp| -> Option<Timestamp> {
                let d = t.to_zoned_datetime(tz.clone()).date();
                let days = 7 - d.weekday().to_monday_zero_offset() as i64;
                day_start(d.checked_add(jiff::Span::new().days(days)).ok()?, tz).ok()
            };
            let boundary = *next_monday.get_or_insert_with(|| monday_after(e.at).unwrap_or(at));
            if e.at >= boundary {
                save(boundary, &open)?;
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
        save(at, &open)?;
        Ok(open)
    }
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
        columns: vec![first, "clos", "médiane (jours)", "90e centile (jours)", "dans le délai (%)"],
        rows: v
            .iter()
            .map(|p| {
                vec![
                    Text(p.group.clone()),
                    Int(p.closed as i64),
                    Decimal(p.median_days),
                    Decimal(p.p90_days),
                    Decimal(p.within_deadline * 100.0),
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
    use super::parse_utc;

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
