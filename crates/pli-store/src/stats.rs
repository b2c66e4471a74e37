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

/// Checkpoints are kept only for instants at least this old: later events may still
/// arrive with an earlier time (a workstation's clock).
const SETTLED_AFTER: jiff::SignedDuration = jiff::SignedDuration::from_hours(48);

fn event_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, String, String, String, Option<i64>, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
}

fn stat_event(row: (i64, String, String, String, Option<i64>, String)) -> Result<StatEvent> {
    let (id, at, actor, kind, courrier, data) = row;
    let at = at.parse().map_err(|e| StoreError::Invalid(format!("événement {id} : date illisible « {at} » ({e})")))?;
    let data = serde_json::from_str(&data).unwrap_or(serde_json::Value::Null);
    Ok(StatEvent { id, at, actor, kind, courrier, data })
}

fn rfc3339(t: Timestamp) -> String {
    // Whole seconds, `Z`: the same shape as stored events, so text order is time order.
    format!("{}", t.strftime("%Y-%m-%dT%H:%M:%SZ"))
}

impl Store {
    /// The activity report for the local days `from..=to`.
    pub fn activity_report(&self, from: Date, to: Date, settings: &Settings) -> Result<Report> {
        let tz = &settings.time_zone;
        let invalid = |e: String| StoreError::Invalid(e);
        let start = day_start(from, tz).map_err(invalid)?;
        let end = day_start(to.tomorrow().map_err(|e| invalid(e.to_string()))?, tz).map_err(invalid)?;
        let open = self.open_at(start, tz)?;

        let mut stmt = self
            .conn
            .prepare("SELECT id, at, actor, kind, courrier_id, data FROM event WHERE at >= ?1 AND at < ?2")
            .map_err(self.sql())?;
        let events = stmt
            .query_map([rfc3339(start), rfc3339(end)], event_from)
            .map_err(self.sql())?
            .map(|row| row.map_err(self.sql()).and_then(stat_event))
            .collect::<Result<Vec<_>>>()?;

        // First registrations of the courriers closed in the period.
        let closed: std::collections::BTreeSet<i64> =
            events.iter().filter(|e| e.kind == "courrier_closed").filter_map(|e| e.courrier).collect();
        let mut registrations = HashMap::new();
        let mut first = self
            .conn
            .prepare_cached(
                "SELECT at, data FROM event WHERE courrier_id = ?1 AND kind = 'courrier_registered' ORDER BY id LIMIT 1",
            )
            .map_err(self.sql())?;
        for c in closed {
            let row: Option<(String, String)> =
                first.query_row([c], |r| Ok((r.get(0)?, r.get(1)?))).optional().map_err(self.sql())?;
            if let Some((at, data)) = row {
                let data: serde_json::Value = serde_json::from_str(&data).unwrap_or_default();
                let text = |k: &str| data.get(k).and_then(|v| v.as_str()).map(String::from);
                if let Ok(at) = at.parse() {
                    registrations.insert(
                        c,
                        Registration {
                            at,
                            document_type: text("document_type"),
                            due: text("due_date").and_then(|d| d.parse().ok()),
                        },
                    );
                }
            }
        }
        let types: HashMap<String, TypeInfo> = self
            .conn
            .prepare("SELECT code, deadline_days, undelivered FROM document_type")
            .and_then(|mut st| {
                st.query_map([], |r| Ok((r.get(0)?, TypeInfo { deadline_days: r.get(1)?, undelivered: r.get(2)? })))?
                    .collect()
            })
            .map_err(self.sql())?;
        let prior = Prior { open, directions: HashMap::new(), registrations };
        Ok(report(&events, &types, from, to, settings, prior))
    }

    /// The courriers open just before `at`, and their main direction: the nearest
    /// checkpoint before it, then the events since, saving a checkpoint at each Monday
    /// crossed (and at `at`) once they are settled.
    fn open_at(&self, at: Timestamp, tz: &TimeZone) -> Result<HashMap<i64, String>> {
        let checkpoint: Option<(String, String)> = self
            .conn
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
                self.conn
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
        let mut stmt = self.conn.prepare(&sql).map_err(self.sql())?;
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
            let text = |k: &str| e.data.get(k).and_then(|v| v.as_str()).map(String::from);
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
        days,
        returns,
        backlog,
        times("Délais par direction", "direction", &r.by_direction),
        times("Délais par type", "type de document", &r.by_type),
    ]
}

/// CSV for French Excel: BOM, semicolons, decimal commas, one table after another with
/// its title on a line of its own.
pub fn to_csv(r: &Report) -> String {
    let mut out = String::from("\u{feff}");
    for (i, t) in tables(r).iter().enumerate() {
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

/// XLSX: one sheet per table, numbers as numbers, dates and times as such.
pub fn to_xlsx(r: &Report) -> std::result::Result<Vec<u8>, String> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let time = Format::new().set_num_format("hh:mm");
    let decimal = Format::new().set_num_format("0.0");
    for t in tables(r) {
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
