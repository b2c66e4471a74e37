//! Weekly activity figures, computed from the event history alone (no counters that
//! could drift), per day in Europe/Paris time and per ISO week.
//!
//! - scanning: capture's events (a courrier captured, a batch ingested, duplicate or
//!   failed); qualification: the mail room's (qualified, split corrected, registered).
//!   For each, the first and last event of the day and the time spent: the sum of
//!   activity sessions, a gap longer than `session_gap` closing a session.
//! - returns: courriers sent back to the mail room by a direction; undelivered letters
//!   of the body's own (NPAI): first registrations under a document type so marked.
//! - backlog: courriers open (to process or in progress) per main direction at the end
//!   of each day, replayed from routing, redirections, returns, closes and reopenings.
//! - processing time: from first registration to close, per direction and per type.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// An event as the figures need it.
#[derive(Debug, Clone)]
pub struct StatEvent {
    pub id: i64,
    pub at: Timestamp,
    pub actor: String,
    pub kind: String,
    pub courrier: Option<i64>,
    /// The event's JSON data, parsed only for the kinds whose data counts.
    pub data: String,
}

/// The fields of event data the figures read (typed: faster than a JSON value).
#[derive(Debug, Default, serde::Deserialize)]
struct Fields {
    main_direction: Option<String>,
    to_direction: Option<String>,
    direction: Option<String>,
    document_type: Option<String>,
    due_date: Option<String>,
    again: Option<bool>,
    /// Acknowledgements of receipt: "post" or "email".
    channel: Option<String>,
    paper_only: Option<bool>,
}

/// Kinds whose data the figures read.
const WITH_DATA: &[&str] = &[
    "courrier_captured",
    "courrier_registered",
    "courrier_routed",
    "courrier_redirected",
    "courrier_returned",
    "courrier_reopened",
    "acknowledgement_sent",
];

/// A document type's deadline and whether it marks undelivered mail (NPAI).
#[derive(Debug, Clone)]
pub struct TypeInfo {
    pub deadline_days: i64,
    pub undelivered: bool,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub time_zone: TimeZone,
    /// A pause longer than this closes an activity session.
    pub session_gap: jiff::SignedDuration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            time_zone: TimeZone::get("Europe/Paris").expect("the bundled time zone database has Europe/Paris"),
            session_gap: jiff::SignedDuration::from_mins(15),
        }
    }
}

const SCANNING: &[&str] = &["batch_ingested", "batch_duplicate", "batch_failed", "courrier_captured"];
const QUALIFICATION: &[&str] = &["courrier_qualified", "split_corrected", "page_restored", "courrier_registered"];

/// First and last event of an activity in a day, and the time spent in it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Activity {
    #[ts(type = "string")]
    pub start: Time,
    #[ts(type = "string")]
    pub end: Time,
    pub minutes: f64,
    pub sessions: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct DayFigures {
    #[ts(type = "string")]
    pub date: Date,
    /// ISO week, e.g. `2026-W48`.
    pub week: String,
    pub scanned: usize,
    pub registered: usize,
    pub routed: usize,
    pub closed: usize,
    pub returns: usize,
    pub returns_by_direction: BTreeMap<String, usize>,
    pub undelivered: usize,
    /// Acknowledgements of receipt sent (printed for the post, accepted by the SMTP server).
    pub acknowledgements_by_post: usize,
    pub acknowledgements_by_email: usize,
    pub scanning: Option<Activity>,
    pub qualification: Option<Activity>,
    pub active_operators: usize,
    pub connected_users: usize,
    /// Open courriers per main direction at the end of the day.
    pub backlog: BTreeMap<String, usize>,
}

/// A week's totals; operators and users are counted once in the week.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct WeekFigures {
    pub week: String,
    pub days: usize,
    pub scanned: usize,
    pub registered: usize,
    pub routed: usize,
    pub closed: usize,
    pub returns: usize,
    pub undelivered: usize,
    pub acknowledgements_by_post: usize,
    pub acknowledgements_by_email: usize,
    pub scanning_minutes: f64,
    pub qualification_minutes: f64,
    pub active_operators: usize,
    pub connected_users: usize,
    /// Open courriers per main direction at the end of the week's last day in the period.
    pub backlog: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ProcessingTime {
    /// A direction code or a document type code.
    pub group: String,
    pub closed: usize,
    pub median_days: f64,
    pub p90_days: f64,
    /// Share closed on or before the due date, 0–1.
    pub within_deadline: f64,
    /// How many were closed after their due date.
    pub late: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Report {
    #[ts(type = "string")]
    pub from: Date,
    #[ts(type = "string")]
    pub to: Date,
    pub days: Vec<DayFigures>,
    /// The same figures per ISO week (of the days in the period).
    pub weeks: Vec<WeekFigures>,
    pub by_direction: Vec<ProcessingTime>,
    pub by_type: Vec<ProcessingTime>,
    /// Each courrier closed in the period, behind the processing times.
    #[serde(skip)]
    pub closed: Vec<ClosedSample>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClosedSample {
    pub direction: String,
    pub document_type: String,
    pub days: f64,
    pub in_time: bool,
}

/// The ISO week of a day, as `YYYY-Www`.
pub fn iso_week(date: Date) -> String {
    let w = date.iso_week_date();
    format!("{:04}-W{:02}", w.year(), w.week())
}

/// The Monday and Sunday of an ISO week written `YYYY-Www`.
pub fn week_bounds(week: &str) -> Result<(Date, Date), String> {
    let bad = || format!("semaine « {week} » : format attendu AAAA-Www, par exemple 2026-W48");
    let (year, w) = week.split_once("-W").ok_or_else(bad)?;
    let year: i16 = year.parse().map_err(|_| bad())?;
    let w: i8 = w.parse().map_err(|_| bad())?;
    let monday = jiff::civil::ISOWeekDate::new(year, w, jiff::civil::Weekday::Monday).map_err(|_| bad())?.date();
    Ok((monday, monday.checked_add(6.days()).map_err(|e| e.to_string())?))
}

/// A courrier's first registration, for its processing time.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    pub at: Timestamp,
    pub document_type: Option<String>,
    pub due: Option<Date>,
}

/// What happened before the events given: the courriers open at the start (courrier →
/// main direction), the main direction of courriers that may be reopened, and the first
/// registration of courriers that may be closed.
#[derive(Debug, Clone, Default)]
pub struct Prior {
    pub open: HashMap<i64, String>,
    pub directions: HashMap<i64, String>,
    pub registrations: HashMap<i64, Registration>,
}

/// The first instant of a local day.
pub fn day_start(day: Date, tz: &TimeZone) -> Result<Timestamp, String> {
    day.to_zoned_datetime(tz.clone()).map(|z| z.timestamp()).map_err(|e| e.to_string())
}

/// Computes the report for the days `from..=to`, from the state before (`prior`) and the
/// events of the period (any order: they are sorted by time, then id). Events outside
/// the period only update the replayed state.
pub fn report(
    events: &[StatEvent],
    types: &HashMap<String, TypeInfo>,
    from: Date,
    to: Date,
    settings: &Settings,
    prior: Prior,
) -> Report {
    let tz = &settings.time_zone;
    let mut events: Vec<&StatEvent> = events.iter().collect();
    events.sort_by_key(|e| (e.at, e.id));
    // Local day of an instant, the offset looked up per instant (cheaper than a zoned value).
    let local_date = |t: Timestamp| tz.to_offset(t).to_datetime(t).date();

    let mut days: Vec<DayFigures> = Vec::new();
    let mut day = from;
    while day <= to {
        days.push(DayFigures {
            date: day,
            week: iso_week(day),
            scanned: 0,
            registered: 0,
            routed: 0,
            closed: 0,
            returns: 0,
            returns_by_direction: BTreeMap::new(),
            undelivered: 0,
            acknowledgements_by_post: 0,
            acknowledgements_by_email: 0,
            scanning: None,
            qualification: None,
            active_operators: 0,
            connected_users: 0,
            backlog: BTreeMap::new(),
        });
        day = match day.tomorrow() {
            Ok(d) => d,
            Err(_) => break,
        };
    }
    let index = |d: Date| -> Option<usize> { (d >= from && d <= to).then(|| (d - from).get_days() as usize) };

    let mut scan_times: Vec<Vec<Timestamp>> = vec![Vec::new(); days.len()];
    let mut qualify_times: Vec<Vec<Timestamp>> = vec![Vec::new(); days.len()];
    let mut operators: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); days.len()];
    let mut connected: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); days.len()];
    // Replayed state: the open direction of each courrier, its first registration.
    let mut open: HashMap<i64, String> = prior.open;
    let mut direction_of: HashMap<i64, String> = prior.directions;
    let mut registered: HashMap<i64, (Timestamp, Option<String>, Option<Date>)> =
        prior.registrations.into_iter().map(|(c, r)| (c, (r.at, r.document_type, r.due))).collect();
    let mut closes: Vec<(i64, Timestamp, String)> = Vec::new();
    let mut counted: BTreeSet<i64> = BTreeSet::new();
    let mut next_day = 0usize;
    let mut close_day = |open: &HashMap<i64, String>, days: &mut Vec<DayFigures>, upto: usize| {
        while next_day < upto.min(days.len()) {
            let mut backlog = BTreeMap::new();
            for d in open.values() {
                *backlog.entry(d.clone()).or_insert(0) += 1;
            }
            days[next_day].backlog = backlog;
            next_day += 1;
        }
    };
    for e in &events {
        let date = local_date(e.at);
        if date > to {
            break;
        }
        // Days before this event are over: their end-of-day backlog is the state now.
        if date >= from {
            close_day(&open, &mut days, (date - from).get_days() as usize);
        }
        let i = index(date);
        let data: Fields = if WITH_DATA.contains(&e.kind.as_str()) {
            serde_json::from_str(&e.data).unwrap_or_default()
        } else {
            Fields::default()
        };
        let str_field = |k: &str| match k {
            "main_direction" => data.main_direction.clone(),
            "to_direction" => data.to_direction.clone(),
            "direction" => data.direction.clone(),
            "document_type" => data.document_type.clone(),
            "due_date" => data.due_date.clone(),
            _ => None,
        };
        match e.kind.as_str() {
            "courrier_routed" => {
                if let (Some(c), Some(d)) = (e.courrier, str_field("main_direction")) {
                    open.insert(c, d.clone());
                    direction_of.insert(c, d);
                }
            }
            "courrier_redirected" => {
                if let (Some(c), Some(d)) = (e.courrier, str_field("to_direction")) {
                    open.insert(c, d.clone());
                    direction_of.insert(c, d);
                }
                // A redirection that counted the delay again says the new due date.
                let due = str_field("due_date").and_then(|d| d.parse::<Date>().ok());
                if let (Some(c), Some(due)) = (e.courrier, due)
                    && let Some(r) = registered.get_mut(&c)
                {
                    r.2 = Some(due);
                }
            }
            "courrier_returned" | "courrier_closed" => {
                if let Some(c) = e.courrier {
                    let was = open.remove(&c);
                    if e.kind == "courrier_closed" {
                        let direction = was.or_else(|| direction_of.get(&c).cloned()).unwrap_or_default();
                        direction_of.insert(c, direction.clone());
                        closes.push((c, e.at, direction));
                    }
                }
            }
            "courrier_reopened" => {
                let direction =
                    str_field("direction").or_else(|| e.courrier.and_then(|c| direction_of.get(&c).cloned()));
                if let (Some(c), Some(d)) = (e.courrier, direction) {
                    open.insert(c, d);
                }
            }
            _ => {}
        }
        // A registration after a return keeps its number: not a new registration.
        let first_registration = e.kind == "courrier_registered"
            && data.again != Some(true)
            && e.courrier.is_some_and(|c| counted.insert(c));
        if first_registration {
            let due = str_field("due_date").and_then(|d| d.parse::<Date>().ok());
            registered.entry(e.courrier.unwrap_or_default()).or_insert((e.at, str_field("document_type"), due));
        }
        let Some(i) = i else { continue };
        let day = &mut days[i];
        connected[i].insert(&e.actor);
        match e.kind.as_str() {
            "courrier_captured" if data.paper_only != Some(true) => day.scanned += 1,
            "courrier_routed" => day.routed += 1,
            "courrier_closed" => day.closed += 1,
            "courrier_returned" => {
                day.returns += 1;
                let d = str_field("direction").unwrap_or_default();
                *day.returns_by_direction.entry(d).or_insert(0) += 1;
            }
            "acknowledgement_sent" => match data.channel.as_deref() {
                Some("email") => day.acknowledgements_by_email += 1,
                _ => day.acknowledgements_by_post += 1,
            },
            _ => {}
        }
        if first_registration {
            day.registered += 1;
            if str_field("document_type").and_then(|t| types.get(&t)).is_some_and(|t| t.undelivered) {
                day.undelivered += 1;
            }
        }
        if SCANNING.contains(&e.kind.as_str()) {
            scan_times[i].push(e.at);
            operators[i].insert(&e.actor);
        }
        if QUALIFICATION.contains(&e.kind.as_str()) {
            qualify_times[i].push(e.at);
            operators[i].insert(&e.actor);
        }
    }
    let all = days.len();
    close_day(&open, &mut days, all);
    for (i, day) in days.iter_mut().enumerate() {
        day.scanning = activity(&scan_times[i], tz, settings.session_gap);
        day.qualification = activity(&qualify_times[i], tz, settings.session_gap);
        day.active_operators = operators[i].len();
        day.connected_users = connected[i].len();
    }
    let mut weeks: Vec<WeekFigures> = Vec::new();
    let mut week_people: Vec<(BTreeSet<&str>, BTreeSet<&str>)> = Vec::new();
    for (i, d) in days.iter().enumerate() {
        if weeks.last().is_none_or(|w| w.week != d.week) {
            weeks.push(WeekFigures {
                week: d.week.clone(),
                days: 0,
                scanned: 0,
                registered: 0,
                routed: 0,
                closed: 0,
                returns: 0,
                undelivered: 0,
                acknowledgements_by_post: 0,
                acknowledgements_by_email: 0,
                scanning_minutes: 0.0,
                qualification_minutes: 0.0,
                active_operators: 0,
                connected_users: 0,
                backlog: BTreeMap::new(),
            });
            week_people.push((BTreeSet::new(), BTreeSet::new()));
        }
        let w = weeks.last_mut().expect("pushed above");
        let (ops, users) = week_people.last_mut().expect("pushed above");
        w.days += 1;
        w.scanned += d.scanned;
        w.registered += d.registered;
        w.routed += d.routed;
        w.closed += d.closed;
        w.returns += d.returns;
        w.undelivered += d.undelivered;
        w.acknowledgements_by_post += d.acknowledgements_by_post;
        w.acknowledgements_by_email += d.acknowledgements_by_email;
        w.scanning_minutes += d.scanning.as_ref().map_or(0.0, |a| a.minutes);
        w.qualification_minutes += d.qualification.as_ref().map_or(0.0, |a| a.minutes);
        ops.extend(operators[i].iter());
        users.extend(connected[i].iter());
        w.active_operators = ops.len();
        w.connected_users = users.len();
        w.backlog = d.backlog.clone();
    }

    // Processing times of the courriers closed in the period.
    let mut closed = Vec::new();
    for (c, closed_at, direction) in closes {
        let closed_day = local_date(closed_at);
        if closed_day < from || closed_day > to {
            continue;
        }
        let Some((reg_at, doc_type, due)) = registered.get(&c) else { continue };
        let days_taken = (closed_at.as_second() - reg_at.as_second()) as f64 / 86_400.0;
        let in_time = due.is_none_or(|due| closed_day <= due);
        closed.push(ClosedSample {
            direction,
            document_type: doc_type.clone().unwrap_or_default(),
            days: days_taken,
            in_time,
        });
    }
    let mut r = Report { from, to, days, weeks, by_direction: Vec::new(), by_type: Vec::new(), closed };
    r.summarise_processing();
    r
}

impl Report {
    fn summarise_processing(&mut self) {
        let mut by_direction: BTreeMap<String, Vec<(f64, bool)>> = BTreeMap::new();
        let mut by_type: BTreeMap<String, Vec<(f64, bool)>> = BTreeMap::new();
        for c in &self.closed {
            by_direction.entry(c.direction.clone()).or_default().push((c.days, c.in_time));
            by_type.entry(c.document_type.clone()).or_default().push((c.days, c.in_time));
        }
        self.by_direction = processing(by_direction);
        self.by_type = processing(by_type);
    }

    /// Joins the report of the days right after this one's (computed apart, e.g. in
    /// parallel, split on a Monday so that no week is cut).
    pub fn followed_by(mut self, next: Report) -> Report {
        self.to = next.to;
        self.days.extend(next.days);
        self.weeks.extend(next.weeks);
        self.closed.extend(next.closed);
        self.summarise_processing();
        self
    }
}

fn processing(groups: BTreeMap<String, Vec<(f64, bool)>>) -> Vec<ProcessingTime> {
    groups
        .into_iter()
        .map(|(group, mut v)| {
            v.sort_by(|a, b| a.0.total_cmp(&b.0));
            let n = v.len();
            // Nearest-rank percentiles: a value that occurred.
            let rank = |p: f64| v[((p * n as f64).ceil() as usize).clamp(1, n) - 1].0;
            ProcessingTime {
                group,
                closed: n,
                median_days: rank(0.5),
                p90_days: rank(0.9),
                within_deadline: v.iter().filter(|x| x.1).count() as f64 / n as f64,
                late: v.iter().filter(|x| !x.1).count(),
            }
        })
        .collect()
}

/// Sessions of one activity in a day: sorted times, split where the gap exceeds `gap`.
fn activity(times: &[Timestamp], tz: &TimeZone, gap: jiff::SignedDuration) -> Option<Activity> {
    let mut times = times.to_vec();
    times.sort();
    let (first, last) = (*times.first()?, *times.last()?);
    let mut seconds = 0i64;
    let mut sessions = 1;
    let mut session_start = first;
    for pair in times.windows(2) {
        if pair[1].duration_since(pair[0]) > gap {
            seconds += pair[0].as_second() - session_start.as_second();
            session_start = pair[1];
            sessions += 1;
        }
    }
    seconds += last.as_second() - session_start.as_second();
    Some(Activity {
        start: first.to_zoned_datetime(tz.clone()).time(),
        end: last.to_zoned_datetime(tz.clone()).time(),
        minutes: seconds as f64 / 60.0,
        sessions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};
    use serde_json::json;

    fn ev(id: i64, at: &str, actor: &str, kind: &str, courrier: Option<i64>, data: serde_json::Value) -> StatEvent {
        StatEvent {
            id,
            at: at.parse().unwrap(),
            actor: actor.into(),
            kind: kind.into(),
            courrier,
            data: data.to_string(),
        }
    }

    fn types() -> HashMap<String, TypeInfo> {
        HashMap::from([
            ("COUR".to_string(), TypeInfo { deadline_days: 30, undelivered: false }),
            ("RECL".to_string(), TypeInfo { deadline_days: 15, undelivered: false }),
            ("NPAI".to_string(), TypeInfo { deadline_days: 0, undelivered: true }),
        ])
    }

    fn registered(id: i64, at: &str, c: i64, t: &str, due: &str, again: bool) -> StatEvent {
        ev(
            id,
            at,
            "op1",
            "courrier_registered",
            Some(c),
            json!({ "document_type": t, "due_date": due, "again": again }),
        )
    }

    fn routed(id: i64, at: &str, c: i64, d: &str) -> StatEvent {
        ev(id, at, "op1", "courrier_routed", Some(c), json!({ "main_direction": d }))
    }

    /// ISO week 2026-W13, Monday 23 to Sunday 29 March 2026; Paris moves to summer time
    /// on Sunday 29 at 01:00 UTC. Figures worked out by hand in the comments.
    fn week13() -> Vec<StatEvent> {
        let mut v = vec![
            // Monday (UTC+1). Scanning 08:30, 08:40, 08:41 then 10:10: 11 min in 2 sessions.
            ev(1, "2026-03-23T07:30:00Z", "op1", "courrier_captured", Some(1), json!({})),
            ev(2, "2026-03-23T07:40:00Z", "op1", "courrier_captured", Some(2), json!({})),
            ev(3, "2026-03-23T07:41:00Z", "op1", "batch_ingested", None, json!({})),
            ev(4, "2026-03-23T09:10:00Z", "op1", "courrier_captured", Some(3), json!({})),
            // Qualification 09:00, 09:10, 10:20: 10 min in 2 sessions; 3 registered, one NPAI.
            registered(5, "2026-03-23T08:00:00Z", 1, "COUR", "2026-04-22", false),
            routed(6, "2026-03-23T08:00:00Z", 1, "DRH"),
            registered(7, "2026-03-23T08:10:00Z", 2, "COUR", "2026-04-22", false),
            routed(8, "2026-03-23T08:10:00Z", 2, "DAF"),
            registered(9, "2026-03-23T09:20:00Z", 3, "NPAI", "2026-03-23", false),
            routed(10, "2026-03-23T09:20:00Z", 3, "DRH"),
            ev(11, "2026-03-23T10:00:00Z", "rh", "user_signed_in", None, json!({})),
            // Tuesday: c1 taken and closed (31 h after registration, in time); c2 returned by DAF.
            ev(12, "2026-03-24T08:00:00Z", "rh", "courrier_taken", Some(1), json!({})),
            ev(13, "2026-03-24T15:00:00Z", "rh", "courrier_closed", Some(1), json!({})),
            ev(14, "2026-03-24T09:00:00Z", "af", "courrier_returned", Some(2), json!({ "direction": "DAF" })),
            // Wednesday: nothing. Thursday 23:50 and Friday 00:05 local: op2 past midnight,
            // re-registering the returned c2 (not a new registration) to DOS, then c4.
            registered(15, "2026-03-26T22:50:00Z", 2, "COUR", "2026-04-22", true),
            routed(16, "2026-03-26T22:50:00Z", 2, "DOS"),
            ev(17, "2026-03-26T23:05:00Z", "op2", "courrier_qualified", Some(4), json!({})),
            registered(18, "2026-03-27T06:00:00Z", 4, "RECL", "2026-04-11", false),
            routed(19, "2026-03-27T06:00:00Z", 4, "DAF"),
            // Sunday, the clocks go forward: 01:50 CET then 03:05 CEST are 15 minutes apart.
            ev(20, "2026-03-29T00:50:00Z", "op1", "courrier_captured", Some(5), json!({})),
            ev(21, "2026-03-29T01:05:00Z", "op1", "courrier_captured", Some(6), json!({})),
        ];
        v[14].actor = "op2".into();
        v[15].actor = "op2".into();
        // Out of order: events arrive shuffled (workstations' clocks, late sync).
        v.reverse();
        v.swap(3, 11);
        v
    }

    #[test]
    fn a_redirection_that_recounts_the_delay_moves_the_due_date_the_figures_hold_to() {
        // c1 due Wednesday 25 March, redirected on Tuesday with the delay counted again
        // (due Friday 3 April), closed Thursday 26: in time. c2 due 25 March, redirected
        // without a new count, closed the same Thursday: late.
        let redirected = |id, c, due: Option<&str>| {
            let mut data = json!({ "to_direction": "DAF", "from_direction": "DRH" });
            if let Some(due) = due {
                data["due_date"] = due.into();
            }
            ev(id, "2026-03-24T09:00:00Z", "rh", "courrier_redirected", Some(c), data)
        };
        let events = vec![
            registered(1, "2026-03-23T08:00:00Z", 1, "RECL", "2026-03-25", false),
            routed(2, "2026-03-23T08:00:00Z", 1, "DRH"),
            registered(3, "2026-03-23T08:10:00Z", 2, "RECL", "2026-03-25", false),
            routed(4, "2026-03-23T08:10:00Z", 2, "DRH"),
            redirected(5, 1, Some("2026-04-03")),
            redirected(6, 2, None),
            ev(7, "2026-03-26T10:00:00Z", "af", "courrier_closed", Some(1), json!({})),
            ev(8, "2026-03-26T11:00:00Z", "af", "courrier_closed", Some(2), json!({})),
        ];
        let (from, to) = week_bounds("2026-W13").unwrap();
        let r = report(&events, &types(), from, to, &Settings::default(), Prior::default());
        let daf = &r.by_direction[0];
        assert_eq!((daf.group.as_str(), daf.closed, daf.within_deadline, daf.late), ("DAF", 2, 0.5, 1));
        assert_eq!((r.by_type[0].group.as_str(), r.by_type[0].late), ("RECL", 1));
    }

    #[test]
    fn acknowledgements_sent_count_per_day_and_week_by_channel() {
        let sent = |id, at, c, channel: &str| {
            ev(id, at, "op1", "acknowledgement_sent", Some(c), json!({ "acknowledgement": id, "channel": channel }))
        };
        let events = vec![
            sent(1, "2026-03-23T16:00:00Z", 1, "post"),
            sent(2, "2026-03-23T16:00:00Z", 2, "post"),
            sent(3, "2026-03-24T08:00:00Z", 3, "email"),
            // Produced but not sent: not counted.
            ev(4, "2026-03-24T08:00:00Z", "op1", "acknowledgement_produced", Some(4), json!({ "channel": "email" })),
        ];
        let (from, to) = week_bounds("2026-W13").unwrap();
        let r = report(&events, &types(), from, to, &Settings::default(), Prior::default());
        let per_day: Vec<_> =
            r.days[..2].iter().map(|d| (d.acknowledgements_by_post, d.acknowledgements_by_email)).collect();
        assert_eq!(per_day, [(2, 0), (0, 1)]);
        assert_eq!((r.weeks[0].acknowledgements_by_post, r.weeks[0].acknowledgements_by_email), (2, 1));
    }

    #[test]
    fn a_week_worked_out_by_hand() {
        let (from, to) = week_bounds("2026-W13").unwrap();
        assert_eq!((from, to), (date(2026, 3, 23), date(2026, 3, 29)));
        let r = report(&week13(), &types(), from, to, &Settings::default(), Prior::default());
        assert_eq!(r.days.len(), 7);
        let [mon, tue, wed, thu, fri, _sat, sun] = &r.days[..] else { panic!() };

        assert_eq!((mon.scanned, mon.registered, mon.routed, mon.undelivered), (3, 3, 3, 1));
        assert_eq!(
            mon.scanning,
            Some(Activity { start: time(8, 30, 0, 0), end: time(10, 10, 0, 0), minutes: 11.0, sessions: 2 })
        );
        assert_eq!(
            mon.qualification,
            Some(Activity { start: time(9, 0, 0, 0), end: time(10, 20, 0, 0), minutes: 10.0, sessions: 2 })
        );
        assert_eq!((mon.active_operators, mon.connected_users), (1, 2));
        assert_eq!(mon.backlog, BTreeMap::from([("DRH".into(), 2), ("DAF".into(), 1)]));
        assert_eq!(mon.week, "2026-W13");

        assert_eq!((tue.closed, tue.returns, tue.active_operators, tue.connected_users), (1, 1, 0, 2));
        assert_eq!(tue.returns_by_direction, BTreeMap::from([("DAF".into(), 1)]));
        assert_eq!(tue.backlog, BTreeMap::from([("DRH".into(), 1)]));

        assert_eq!((wed.scanned, wed.connected_users, wed.scanning.clone()), (0, 0, None));
        assert_eq!(wed.backlog, tue.backlog, "a quiet day keeps the backlog");

        assert_eq!((thu.registered, thu.routed), (0, 1), "a second registration after a return is not a new one");
        assert_eq!(thu.qualification.as_ref().map(|a| (a.start, a.minutes)), Some((time(23, 50, 0, 0), 0.0)));
        assert_eq!(thu.backlog, BTreeMap::from([("DRH".into(), 1), ("DOS".into(), 1)]));
        assert_eq!(
            fri.qualification.as_ref().map(|a| (a.start, a.end, a.sessions)),
            Some((time(0, 5, 0, 0), time(7, 0, 0, 0), 2))
        );
        assert_eq!((fri.registered, fri.active_operators), (1, 2), "op2 after midnight, op1 at 07:00");

        let s = sun.scanning.clone().unwrap();
        assert_eq!(
            (s.start, s.end, s.minutes, s.sessions),
            (time(1, 50, 0, 0), time(3, 5, 0, 0), 15.0, 1),
            "real minutes across the change"
        );
        assert_eq!(sun.backlog, BTreeMap::from([("DRH".into(), 1), ("DOS".into(), 1), ("DAF".into(), 1)]));

        assert_eq!(r.by_direction.len(), 1);
        let drh = &r.by_direction[0];
        assert_eq!((drh.group.as_str(), drh.closed, drh.within_deadline, drh.late), ("DRH", 1, 1.0, 0));
        assert!((drh.median_days - 31.0 / 24.0).abs() < 1e-9 && drh.p90_days == drh.median_days);
        assert_eq!(r.by_type[0].group, "COUR");

        assert_eq!(r.weeks.len(), 1);
        let w = &r.weeks[0];
        assert_eq!(
            (w.week.as_str(), w.days, w.scanned, w.registered, w.routed, w.closed, w.returns, w.undelivered),
            ("2026-W13", 7, 5, 4, 5, 1, 1, 1)
        );
        assert_eq!((w.scanning_minutes, w.qualification_minutes), (26.0, 10.0));
        assert_eq!((w.active_operators, w.connected_users), (2, 4), "op1, op2; and rh, af");
        assert_eq!(w.backlog, sun.backlog);
    }

    #[test]
    fn a_report_in_two_parts_is_the_report_whole() {
        let (from, to) = (date(2026, 3, 23), date(2026, 4, 5));
        let mut events = week13();
        events.push(ev(30, "2026-03-31T08:00:00Z", "rh", "courrier_closed", Some(3), json!({})));
        let whole = report(&events, &types(), from, to, &Settings::default(), Prior::default());
        let mid = date(2026, 3, 30);
        let first = report(&events, &types(), from, mid.yesterday().unwrap(), &Settings::default(), Prior::default());
        // The second part starts from the first's state: given the earlier events, it
        // replays them without counting them.
        let second = report(&events, &types(), mid, to, &Settings::default(), Prior::default());
        assert_eq!(second.days[0].backlog, first.days[6].backlog);
        assert_eq!(first.followed_by(second), whole);
    }

    #[test]
    fn iso_weeks_across_the_new_year() {
        assert_eq!(week_bounds("2026-W53").unwrap(), (date(2026, 12, 28), date(2027, 1, 3)));
        assert_eq!(iso_week(date(2027, 1, 2)), "2026-W53");
        assert_eq!(week_bounds("2025-W01").unwrap(), (date(2024, 12, 30), date(2025, 1, 5)));
        assert_eq!(iso_week(date(2024, 12, 31)), "2025-W01");
        assert!(week_bounds("2027-W53").is_err(), "2027 has 52 weeks");
        assert!(week_bounds("48").is_err());
        let events = vec![ev(1, "2026-12-31T23:30:00Z", "op1", "courrier_captured", Some(1), json!({}))];
        let (from, to) = week_bounds("2026-W53").unwrap();
        let r = report(&events, &types(), from, to, &Settings::default(), Prior::default());
        assert_eq!(r.weeks.iter().map(|w| w.week.as_str()).collect::<Vec<_>>(), ["2026-W53"]);
        let jan1 = r.days.iter().find(|d| d.date == date(2027, 1, 1)).unwrap();
        assert_eq!((jan1.scanned, jan1.week.as_str()), (1, "2026-W53"), "00:30 in Paris on New Year's Day");
    }

    #[test]
    fn the_state_before_the_period_carries_over() {
        // c9 was routed to DAF and registered long before; it is closed on Tuesday.
        let prior = Prior {
            open: HashMap::from([(9, "DAF".to_string())]),
            directions: HashMap::new(),
            registrations: HashMap::from([(
                9,
                Registration {
                    at: "2026-03-13T09:00:00Z".parse().unwrap(),
                    document_type: Some("RECL".into()),
                    due: Some(date(2026, 3, 28)),
                },
            )]),
        };
        let events = vec![ev(1, "2026-03-24T09:00:00Z", "af", "courrier_closed", Some(9), json!({}))];
        let (from, to) = week_bounds("2026-W13").unwrap();
        let r = report(&events, &types(), from, to, &Settings::default(), prior);
        assert_eq!(r.days[0].backlog, BTreeMap::from([("DAF".into(), 1)]));
        assert!(r.days[1].backlog.is_empty());
        assert_eq!((r.by_direction[0].group.as_str(), r.by_direction[0].median_days), ("DAF", 11.0));
        assert_eq!(r.by_type[0].group, "RECL");
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let groups = BTreeMap::from([("X".to_string(), (1..=10).map(|d| (d as f64, d <= 7)).collect::<Vec<_>>())]);
        let p = &processing(groups)[0];
        assert_eq!((p.median_days, p.p90_days, p.within_deadline), (5.0, 9.0, 0.7));
    }
}
