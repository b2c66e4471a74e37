//! The legal clock in the registry: each document type's rule and each direction's
//! calendar read from the database, the clock written on a courrier at registration (and
//! at a redirection when its type says so), the sites' calendars the lead edits, and what
//! is due soon or late for the home screen. The dates themselves come from
//! `pli_core::deadline`.

use crate::db::{Q, params};
use crate::registry::Session;
use crate::{Result, Store, StoreError, append_event, now_rfc3339};
use pli_core::calendar::{Calendar, Delay, Region};
use pli_core::deadline::{DeadlineRule, Deadlines, ImplicitDecision};
use pli_core::registration::Priority;
use pli_core::{EventKind, Refusal, Role};
use serde::Serialize;
use std::collections::HashMap;
use time::Date;

/// A type's rule, as stored; a type without one (unknown code) is due on arrival.
pub(crate) fn rule_of(q: &mut Q<'_>, type_code: &str) -> Result<DeadlineRule> {
    let Some(r) = q.opt(
        "SELECT delay_unit, coalesce(delay_count, deadline_days), reminder_days, alert_days, urgent_delay_unit,
                urgent_delay_count, implicit_decision, implicit_decision_months, recompute_on_redirect
         FROM document_type WHERE code = ?1",
        params![type_code],
    )?
    else {
        return Ok(DeadlineRule::calendar_days(0));
    };
    let count = |v: i64| u32::try_from(v).unwrap_or(0);
    let delay = |unit: String, n: i64| {
        Delay::from_parts(&unit, count(n))
            .ok_or_else(|| StoreError::Internal(format!("type « {type_code} » : unité de délai « {unit} » inconnue")))
    };
    let urgent = match (r.get::<Option<String>>(4)?, r.get::<Option<i64>>(5)?) {
        (Some(unit), Some(n)) => Some(delay(unit, n)?),
        _ => None,
    };
    Ok(DeadlineRule {
        delay: delay(r.get(0)?, r.get(1)?)?,
        reminder_days: r.get::<Option<i64>>(2)?.map(count),
        alert_days: r.get::<Option<i64>>(3)?.map(count),
        urgent_delay: urgent,
        implicit_decision: r.get::<Option<String>>(6)?.as_deref().and_then(ImplicitDecision::parse),
        implicit_decision_months: count(r.get(7)?),
        recompute_on_redirect: r.get(8)?,
    })
}

/// The calendar of a direction's site: its region, the closure days of every site and its own.
pub(crate) fn calendar_of(q: &mut Q<'_>, direction: Option<i64>) -> Result<Calendar> {
    let region = match direction {
        Some(d) => {
            q.opt("SELECT region FROM direction WHERE id = ?1", params![d])?.map(|r| r.get::<String>(0)).transpose()?
        }
        None => None,
    };
    let region = region.as_deref().and_then(parse_region).unwrap_or(Region::National);
    let closures = q
        .rows(
            "SELECT day FROM closure_day WHERE direction_id IS NULL OR direction_id = ?1",
            params![direction.unwrap_or(0)],
        )?
        .iter()
        .map(|r| r.get::<String>(0))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .filter_map(|d| parse_date(&d))
        .collect::<Vec<_>>();
    Ok(Calendar::with_closures(region, closures))
}

/// The clock of a courrier of type `type_code`, counted from `start` on `direction`'s calendar.
pub(crate) fn clock(
    q: &mut Q<'_>,
    type_code: &str,
    direction: Option<i64>,
    start: Date,
    priority: Priority,
) -> Result<(DeadlineRule, Deadlines)> {
    let rule = rule_of(q, type_code)?;
    let calendar = calendar_of(q, direction)?;
    Ok((rule, pli_core::deadline::deadlines(&rule, start, priority, &calendar)))
}

/// Writes the clock on the courrier (the caller writes the event in the same transaction).
pub(crate) fn write_clock(q: &mut Q<'_>, id: i64, d: &Deadlines) -> Result<()> {
    let implicit = d.implicit_decision;
    q.exec(
        "UPDATE courrier SET due_date = ?2, remind_on = ?3, alert_on = ?4, implicit_decision = ?5,
                implicit_decision_on = ?6 WHERE id = ?1",
        params![
            id,
            d.due_on.to_string(),
            d.remind_on.map(|d| d.to_string()),
            d.alert_on.map(|d| d.to_string()),
            implicit.map(|i| i.kind.as_str()),
            implicit.map(|i| i.on.to_string())
        ],
    )?;
    Ok(())
}

/// The clock's fields as an event says them (`due_date` as the registration event has
/// always said it, so that the weekly figures replay it).
pub(crate) fn clock_json(d: &Deadlines) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert("due_date".into(), d.due_on.to_string().into());
    m.insert("remind_on".into(), d.remind_on.map(|d| d.to_string()).into());
    m.insert("alert_on".into(), d.alert_on.map(|d| d.to_string()).into());
    m.insert("implicit_decision".into(), d.implicit_decision.map(|i| i.kind.as_str()).into());
    m.insert("implicit_decision_on".into(), d.implicit_decision.map(|i| i.on.to_string()).into());
    m
}

/// A `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

pub fn parse_region(s: &str) -> Option<Region> {
    match s.trim().to_lowercase().replace(['-', ' '], "_").as_str() {
        "national" => Some(Region::National),
        "alsace_moselle" => Some(Region::AlsaceMoselle),
        _ => None,
    }
}

/// A region as a screen or a command names it, or a clear refusal.
pub fn region_named(s: &str) -> Result<Region> {
    parse_region(s).ok_or_else(|| StoreError::Invalid(format!("région « {s} » inconnue (national ou alsace_moselle)")))
}

pub fn region_str(r: Region) -> &'static str {
    match r {
        Region::National => "national",
        Region::AlsaceMoselle => "alsace_moselle",
    }
}

/// A day a site is closed; `direction` none: every site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
pub struct ClosureDay {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub direction: Option<String>,
    pub label: String,
}

/// A direction's site calendar, as the administration screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DirectionCalendar {
    pub direction: String,
    /// `national` or `alsace_moselle`.
    pub region: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SiteCalendars {
    pub directions: Vec<DirectionCalendar>,
    pub closures: Vec<ClosureDay>,
}

/// What is due of the courriers a session works, for its home screen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DueSummary {
    /// Open and due from today to Sunday.
    pub due_this_week: i64,
    /// Open and past their due date.
    pub late: i64,
}

fn lead_only(s: &Session) -> Result<()> {
    if !s.viewer.has(Role::Lead) {
        return Err(Refusal::LeadOnly("le calendrier des sites").into());
    }
    Ok(())
}

fn direction_of(q: &mut Q<'_>, code: &str) -> Result<i64> {
    q.opt("SELECT id FROM direction WHERE code = ?1", params![code])?
        .map(|r| r.get(0))
        .transpose()?
        .ok_or_else(|| StoreError::Invalid(format!("direction inconnue « {code} »")))
}

impl Store {
    /// Every direction's region and the closure days, by day.
    pub fn site_calendars(&self) -> Result<SiteCalendars> {
        self.read(|q| {
            let mut directions = q
                .rows("SELECT code, region FROM direction", params![])?
                .iter()
                .map(|r| Ok(DirectionCalendar { direction: r.get(0)?, region: r.get(1)? }))
                .collect::<Result<Vec<_>>>()?;
            directions.sort_by(|a, b| a.direction.cmp(&b.direction));
            let mut closures = q
                .rows(
                    "SELECT c.day, d.code, c.label FROM closure_day c LEFT JOIN direction d ON d.id = c.direction_id",
                    params![],
                )?
                .iter()
                .map(|r| Ok(ClosureDay { day: r.get(0)?, direction: r.get(1)?, label: r.get(2)? }))
                .collect::<Result<Vec<_>>>()?;
            closures.sort_by(|a, b| (&a.day, &a.direction).cmp(&(&b.day, &b.direction)));
            Ok(SiteCalendars { directions, closures })
        })
    }

    /// Sets which public holidays a direction's site keeps (lead only), with its event.
    pub fn set_direction_region(&mut self, s: &Session, direction: &str, region: Region) -> Result<()> {
        self.write(|q| {
            let s = crate::org::current_session_q(q, s)?;
            lead_only(&s)?;
            let id = direction_of(q, direction)?;
            let before: String = q.one("SELECT region FROM direction WHERE id = ?1", params![id])?;
            if before == region_str(region) {
                return Ok(());
            }
            q.exec("UPDATE direction SET region = ?2 WHERE id = ?1", params![id, region_str(region)])?;
            let data = serde_json::json!({ "direction": direction, "region": { "before": before, "after": region_str(region) } });
            append_event(q, &now_rfc3339(), &s.event(EventKind::CalendarChanged, None, data)).map(drop)
        })
    }

    /// Adds a closure day (lead only): for one direction, or every site when none. A
    /// courrier already registered keeps its clock.
    pub fn add_closure_day(&mut self, s: &Session, day: &ClosureDay) -> Result<()> {
        let date = parse_date(day.day.trim()).ok_or_else(|| {
            StoreError::Invalid(format!("jour de fermeture « {} » : date AAAA-MM-JJ attendue", day.day))
        })?;
        self.write(|q| {
            let s = crate::org::current_session_q(q, s)?;
            lead_only(&s)?;
            let direction = day.direction.as_deref().filter(|d| !d.trim().is_empty());
            let direction_id = direction.map(|d| direction_of(q, d.trim())).transpose()?;
            let exists: i64 = q.one(
                "SELECT count(*) FROM closure_day WHERE day = ?1 AND coalesce(direction_id, 0) = ?2",
                params![date.to_string(), direction_id.unwrap_or(0)],
            )?;
            if exists > 0 {
                return Err(StoreError::Conflict(format!("le {date} est déjà un jour de fermeture de ce site")));
            }
            q.exec(
                "INSERT INTO closure_day (day, direction_id, label) VALUES (?1, ?2, ?3)",
                params![date.to_string(), direction_id, day.label.trim()],
            )?;
            let data = serde_json::json!({ "closure_added": { "day": date.to_string(), "direction": direction,
                                                              "label": day.label.trim() } });
            append_event(q, &now_rfc3339(), &s.event(EventKind::CalendarChanged, None, data)).map(drop)
        })
    }

    /// Removes a closure day (lead only).
    pub fn remove_closure_day(&mut self, s: &Session, day: &str, direction: Option<&str>) -> Result<()> {
        self.write(|q| {
            let s = crate::org::current_session_q(q, s)?;
            lead_only(&s)?;
            let direction = direction.filter(|d| !d.trim().is_empty());
            let direction_id = direction.map(|d| direction_of(q, d.trim())).transpose()?;
            let removed = q.exec(
                "DELETE FROM closure_day WHERE day = ?1 AND coalesce(direction_id, 0) = ?2",
                params![day.trim(), direction_id.unwrap_or(0)],
            )?;
            if removed == 0 {
                return Err(StoreError::NotFound(format!(
                    "aucun jour de fermeture le « {} » pour ce site",
                    day.trim()
                )));
            }
            let data = serde_json::json!({ "closure_removed": { "day": day.trim(), "direction": direction } });
            append_event(q, &now_rfc3339(), &s.event(EventKind::CalendarChanged, None, data)).map(drop)
        })
    }

    /// [`Store::due_summary`] on today's date in Paris.
    pub fn due_summary_today(&self, s: &Session) -> Result<DueSummary> {
        self.due_summary(s, crate::registry::today())
    }

    /// How many of the open courriers the session works (main direction one of its own,
    /// or assigned to it) are due this week, and how many are late, on `today`.
    pub fn due_summary(&self, s: &Session, today: Date) -> Result<DueSummary> {
        let s = self.current(s)?;
        let v = s.viewer.visibility();
        let mine = format!(
            "c.state NOT IN ('closed', 'to_qualify') AND c.due_date IS NOT NULL AND {}
             AND ({} OR c.assignee_id = {})",
            crate::registry::visible_sql(&v),
            crate::registry::in_ids("c.main_direction_id", &v.directions),
            v.user_id
        );
        let sunday = today + time::Duration::days(6 - i64::from(today.weekday().number_days_from_monday()));
        self.read(|q| {
            let late: i64 = q.one(
                &format!("SELECT count(*) FROM courrier c WHERE {mine} AND c.due_date < ?1"),
                params![today.to_string()],
            )?;
            let due_this_week: i64 = q.one(
                &format!("SELECT count(*) FROM courrier c WHERE {mine} AND c.due_date >= ?1 AND c.due_date <= ?2"),
                params![today.to_string(), sunday.to_string()],
            )?;
            Ok(DueSummary { due_this_week, late })
        })
    }
}

/// Writes the legal clock's columns a types sheet gives for `code` (just inserted or
/// updated): a column the sheet leaves out keeps the type's value; an empty cell clears
/// an optional one.
pub(crate) fn import_type_rule(
    q: &mut Q<'_>,
    sheet: &crate::org::Sheet,
    line: usize,
    row: &HashMap<&'static str, String>,
    code: &str,
) -> Result<()> {
    let bad = |message: String| StoreError::Sheet { file: sheet.name.clone(), line, message };
    let unit = |column: &str, v: &str| -> Result<String> {
        Delay::from_parts(v, 0)
            .map(|d| d.unit().to_string())
            .ok_or_else(|| bad(format!("{column} « {v} » : jours (calendaires), jours_ouvrés ou mois attendu")))
    };
    let number = |column: &str, v: &str| -> Result<i64> {
        v.parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| bad(format!("{column} « {v} » : nombre entier attendu")))
    };
    let optional = |column: &str| -> Result<Option<Option<i64>>> {
        row.get(column).map(|v| if v.is_empty() { Ok(None) } else { number(column, v).map(Some) }).transpose()
    };
    let sets: Vec<(&str, crate::db::Value)> = {
        use crate::db::Value;
        let int = |v: Option<i64>| v.map_or(Value::Null, Value::Int);
        let mut sets = Vec::new();
        if let Some(v) = row.get("unite_delai") {
            let v = if v.is_empty() { "calendar_days".into() } else { unit("unité du délai", v)? };
            sets.push(("delay_unit", Value::Text(v)));
        }
        for (column, field) in [
            ("delai", "delay_count"),
            ("rappel_jours", "reminder_days"),
            ("alerte_jours", "alert_days"),
            ("delai_urgent", "urgent_delay_count"),
        ] {
            if let Some(v) = optional(column)? {
                sets.push((field, int(v)));
            }
        }
        if let Some(v) = row.get("unite_delai_urgent") {
            let v = if v.is_empty() { Value::Null } else { Value::Text(unit("unité du délai urgent", v)?) };
            sets.push(("urgent_delay_unit", v));
        }
        if let Some(v) = row.get("decision_implicite") {
            let v = match v.as_str() {
                "" | "non" | "aucune" | "none" => Value::Null,
                v => Value::Text(
                    ImplicitDecision::parse(v)
                        .ok_or_else(|| bad(format!("décision implicite « {v} » : acceptation, rejet ou vide attendu")))?
                        .as_str()
                        .into(),
                ),
            };
            sets.push(("implicit_decision", v));
        }
        if let Some(v) = optional("decision_implicite_mois")? {
            sets.push((
                "implicit_decision_months",
                Value::Int(v.unwrap_or(i64::from(pli_core::deadline::IMPLICIT_DECISION_MONTHS))),
            ));
        }
        if let Some(v) = row.get("recalcul_redirection") {
            let yes = match v.to_lowercase().as_str() {
                "" | "non" | "n" | "0" | "false" | "no" | "faux" => false,
                "oui" | "o" | "1" | "true" | "yes" | "vrai" => true,
                other => return Err(bad(format!("recalcul à la redirection « {other} » : attendu oui ou non"))),
            };
            sets.push(("recompute_on_redirect", Value::Int(yes.into())));
        }
        sets
    };
    for (field, value) in sets {
        // `field` is one of the names above, never the sheet's text.
        q.exec(&format!("UPDATE document_type SET {field} = ?2 WHERE code = ?1"), params![code, value])?;
    }
    // A delay in one unit needs its count, and an urgent delay both its parts.
    let (unit, count, urgent_unit, urgent_count): (String, Option<i64>, Option<String>, Option<i64>) = {
        let r = q.row(
            "SELECT delay_unit, delay_count, urgent_delay_unit, urgent_delay_count FROM document_type WHERE code = ?1",
            params![code],
        )?;
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)
    };
    if unit != "calendar_days" && count.is_none() {
        return Err(bad(format!("type « {code} » : délai en {unit} sans nombre (colonne delai)")));
    }
    if urgent_unit.is_some() != urgent_count.is_some() {
        return Err(bad(format!("type « {code} » : délai urgent incomplet (unite_delai_urgent et delai_urgent)")));
    }
    Ok(())
}
