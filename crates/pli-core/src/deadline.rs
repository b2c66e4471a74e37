//! A document type's legal clock: from its rule, the arrival date, the priority and the
//! site's calendar, the day a courrier is due, the days it is reminded of and raises an
//! alert, and the day an implicit decision arises (silence vaut acceptation / rejet).

use crate::calendar::{Calendar, Delay, implicit_decision_date};
use crate::registration::Priority;
use serde::{Deserialize, Serialize};
use time::{Date, Duration};

/// What the administration's silence means at the end of its delay (CRPA L231-1, L231-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ImplicitDecision {
    /// Silence vaut acceptation (the rule).
    Acceptance,
    /// Silence vaut rejet (the listed exceptions).
    Rejection,
}

impl ImplicitDecision {
    pub fn as_str(self) -> &'static str {
        match self {
            ImplicitDecision::Acceptance => "acceptance",
            ImplicitDecision::Rejection => "rejection",
        }
    }

    pub fn parse(s: &str) -> Option<ImplicitDecision> {
        match s.trim().to_lowercase().as_str() {
            "acceptance" | "acceptation" | "sva" => Some(ImplicitDecision::Acceptance),
            "rejection" | "rejet" | "svr" => Some(ImplicitDecision::Rejection),
            _ => None,
        }
    }
}

/// The usual delay of an implicit decision: two months (L231-1).
pub const IMPLICIT_DECISION_MONTHS: u32 = 2;

impl Delay {
    /// The unit as stored: `calendar_days`, `working_days` or `months`.
    pub fn unit(self) -> &'static str {
        match self {
            Delay::CalendarDays(_) => "calendar_days",
            Delay::WorkingDays(_) => "working_days",
            Delay::Months(_) => "months",
        }
    }

    pub fn count(self) -> u32 {
        match self {
            Delay::CalendarDays(n) | Delay::WorkingDays(n) | Delay::Months(n) => n,
        }
    }

    /// From a stored unit (French words accepted, as the CSV sheets write them) and a count.
    pub fn from_parts(unit: &str, count: u32) -> Option<Delay> {
        match unit.trim().to_lowercase().replace([' ', '-'], "_").as_str() {
            "calendar_days" | "jours" | "jours_calendaires" | "calendaires" => Some(Delay::CalendarDays(count)),
            "working_days" | "jours_ouvres" | "jours_ouvrés" | "ouvres" | "ouvrés" => Some(Delay::WorkingDays(count)),
            "months" | "mois" => Some(Delay::Months(count)),
            _ => None,
        }
    }
}

/// A document type's rule, as the lead sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineRule {
    /// The processing delay.
    pub delay: Delay,
    /// Reminder, in calendar days before the due date (none when `None`).
    pub reminder_days: Option<u32>,
    /// Alert, in calendar days before the due date (none when `None`).
    pub alert_days: Option<u32>,
    /// A shorter delay for an urgent courrier (`None`: the same).
    pub urgent_delay: Option<Delay>,
    pub implicit_decision: Option<ImplicitDecision>,
    pub implicit_decision_months: u32,
    /// Whether a redirection to another direction starts the clock again from the day
    /// of the redirection.
    pub recompute_on_redirect: bool,
}

impl DeadlineRule {
    /// A plain rule of `days` calendar days, as the old sheets state it.
    pub fn calendar_days(days: u32) -> DeadlineRule {
        DeadlineRule {
            delay: Delay::CalendarDays(days),
            reminder_days: None,
            alert_days: None,
            urgent_delay: None,
            implicit_decision: None,
            implicit_decision_months: IMPLICIT_DECISION_MONTHS,
            recompute_on_redirect: false,
        }
    }
}

/// The date an implicit decision arises, and which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImplicitDecisionOn {
    pub kind: ImplicitDecision,
    pub on: Date,
}

/// What the clock says of one courrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    pub due_on: Date,
    pub remind_on: Option<Date>,
    pub alert_on: Option<Date>,
    pub implicit_decision: Option<ImplicitDecisionOn>,
}

/// The clock of a courrier that arrived on `arrival` (the date the body received it, not
/// the scan date), counted on the site's `calendar`. The due date moves to the next
/// working day (CPC art. 641-642); the reminder and alert fall on the working day at or
/// before their point, never before arrival; the implicit decision does not move
/// (CE, 5 juin 2009, n° 312682).
pub fn deadlines(rule: &DeadlineRule, arrival: Date, priority: Priority, calendar: &Calendar) -> Deadlines {
    let delay = match (priority, rule.urgent_delay) {
        (Priority::Urgent, Some(shorter)) => shorter,
        _ => rule.delay,
    };
    let due_on = calendar.deadline(arrival, delay);
    let before = |days: Option<u32>| {
        days.map(|n| {
            let mut d = due_on - Duration::days(n.into());
            while d > arrival && !calendar.is_working_day(d) {
                d = d.previous_day().expect("dates stay in range");
            }
            d.max(arrival)
        })
    };
    Deadlines {
        due_on,
        remind_on: before(rule.reminder_days),
        alert_on: before(rule.alert_days),
        implicit_decision: rule.implicit_decision.map(|kind| ImplicitDecisionOn {
            kind,
            on: implicit_decision_date(arrival, rule.implicit_decision_months),
        }),
    }
}

/// Where an open courrier stands against its clock, for the lists (said in words there).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum DueState {
    /// Closed, or no due date.
    None,
    OnTime,
    /// From the reminder day.
    Reminder,
    /// From the alert day.
    Alert,
    /// From the day after the due date.
    Late,
}

/// The state of a courrier on `today`: late from the day after its due date; else the
/// latest point reached.
pub fn due_state(
    open: bool,
    today: Date,
    due: Option<Date>,
    remind_on: Option<Date>,
    alert_on: Option<Date>,
) -> DueState {
    let Some(due) = due.filter(|_| open) else { return DueState::None };
    if today > due {
        DueState::Late
    } else if alert_on.is_some_and(|d| today >= d) {
        DueState::Alert
    } else if remind_on.is_some_and(|d| today >= d) {
        DueState::Reminder
    } else {
        DueState::OnTime
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Region;
    use time::macros::date;

    fn rule(delay: Delay) -> DeadlineRule {
        DeadlineRule { delay, ..DeadlineRule::calendar_days(0) }
    }

    #[test]
    fn working_days_skip_whit_monday_2025() {
        let national = Calendar::new(Region::National);
        // Friday 30 May 2025 (the day after Ascension), 6 working days: 2, 3, 4, 5, 6 June,
        // then Whit Monday 9 June is off → Tuesday 10 June.
        let d = deadlines(&rule(Delay::WorkingDays(6)), date!(2025 - 05 - 30), Priority::Normal, &national);
        assert_eq!(d.due_on, date!(2025 - 06 - 10));
        // Friday 6 June, 2 working days: Whit Monday in the way → Wednesday 11 June.
        let d = deadlines(&rule(Delay::WorkingDays(2)), date!(2025 - 06 - 06), Priority::Normal, &national);
        assert_eq!(d.due_on, date!(2025 - 06 - 11));
        // Friday 30 May, 2 working days: Monday 2 and Tuesday 3 June.
        let d = deadlines(&rule(Delay::WorkingDays(2)), date!(2025 - 05 - 30), Priority::Normal, &national);
        assert_eq!(d.due_on, date!(2025 - 06 - 03));
    }

    #[test]
    fn a_month_from_31_january_ends_on_the_months_last_day_then_the_next_working_day() {
        let national = Calendar::new(Region::National);
        // 2025: Friday 28 February, a working day.
        let d = deadlines(&rule(Delay::Months(1)), date!(2025 - 01 - 31), Priority::Normal, &national);
        assert_eq!(d.due_on, date!(2025 - 02 - 28));
        // 2026: Saturday 28 February → Monday 2 March.
        let d = deadlines(&rule(Delay::Months(1)), date!(2026 - 01 - 31), Priority::Normal, &national);
        assert_eq!(d.due_on, date!(2026 - 03 - 02));
    }

    #[test]
    fn an_implicit_decision_on_a_sunday_does_not_move() {
        let national = Calendar::new(Region::National);
        let sva =
            DeadlineRule { implicit_decision: Some(ImplicitDecision::Acceptance), ..DeadlineRule::calendar_days(30) };
        // Received Tuesday 3 March 2026: two months later is Sunday 3 May 2026, kept.
        let d = deadlines(&sva, date!(2026 - 03 - 03), Priority::Normal, &national);
        let implicit = d.implicit_decision.expect("an SVA type");
        assert_eq!((implicit.kind, implicit.on), (ImplicitDecision::Acceptance, date!(2026 - 05 - 03)));
        assert_eq!(implicit.on.weekday(), time::Weekday::Sunday);
        // Tuesday 3 March 2026 + 30 days = Thursday 2 April, a working day.
        assert_eq!(d.due_on, date!(2026 - 04 - 02));
        // Neither SVA nor SVR: no implicit decision.
        assert_eq!(
            deadlines(&rule(Delay::Months(2)), date!(2026 - 03 - 03), Priority::Normal, &national).implicit_decision,
            None
        );
        // An SVR type with its own delay (four months).
        let svr = DeadlineRule {
            implicit_decision: Some(ImplicitDecision::Rejection),
            implicit_decision_months: 4,
            ..DeadlineRule::calendar_days(30)
        };
        let implicit = deadlines(&svr, date!(2026 - 10 - 31), Priority::Normal, &national).implicit_decision.unwrap();
        assert_eq!((implicit.kind, implicit.on), (ImplicitDecision::Rejection, date!(2027 - 02 - 28)));
    }

    #[test]
    fn an_urgent_courrier_takes_the_shorter_delay_only_when_the_type_has_one() {
        let national = Calendar::new(Region::National);
        let r = DeadlineRule { urgent_delay: Some(Delay::WorkingDays(2)), ..DeadlineRule::calendar_days(30) };
        let arrival = date!(2026 - 06 - 01); // a Monday
        assert_eq!(deadlines(&r, arrival, Priority::Normal, &national).due_on, date!(2026 - 07 - 01));
        assert_eq!(deadlines(&r, arrival, Priority::High, &national).due_on, date!(2026 - 07 - 01));
        assert_eq!(deadlines(&r, arrival, Priority::Urgent, &national).due_on, date!(2026 - 06 - 03));
        let plain = DeadlineRule::calendar_days(30);
        assert_eq!(deadlines(&plain, arrival, Priority::Urgent, &national).due_on, date!(2026 - 07 - 01));
    }

    #[test]
    fn reminder_and_alert_fall_on_a_working_day_before_the_due_date_never_before_arrival() {
        let national = Calendar::new(Region::National);
        let r = DeadlineRule { reminder_days: Some(5), alert_days: Some(1), ..DeadlineRule::calendar_days(14) };
        // Monday 3 August 2026 + 14 = Monday 17 August. Reminder 5 days before: Wednesday
        // 12 August. Alert 1 day before: Sunday 16 → back to Friday 14 August (Saturday
        // 15 August, Assomption, is off as well).
        let d = deadlines(&r, date!(2026 - 08 - 03), Priority::Normal, &national);
        assert_eq!(d.due_on, date!(2026 - 08 - 17));
        assert_eq!(d.remind_on, Some(date!(2026 - 08 - 12)));
        assert_eq!(d.alert_on, Some(date!(2026 - 08 - 14)));
        // A reminder further back than the delay: on the arrival day.
        let r = DeadlineRule { reminder_days: Some(20), ..DeadlineRule::calendar_days(3) };
        let d = deadlines(&r, date!(2026 - 06 - 01), Priority::Normal, &national);
        assert_eq!(d.remind_on, Some(date!(2026 - 06 - 01)));
        assert_eq!(d.alert_on, None);
    }

    #[test]
    fn the_sites_region_and_closures_count() {
        // Thursday 2 April 2026, 1 working day: Good Friday is off in Metz.
        let metz = Calendar::with_closures(Region::AlsaceMoselle, []);
        let paris = Calendar::new(Region::National);
        let r = rule(Delay::WorkingDays(1));
        assert_eq!(deadlines(&r, date!(2026 - 04 - 02), Priority::Normal, &paris).due_on, date!(2026 - 04 - 03));
        assert_eq!(deadlines(&r, date!(2026 - 04 - 02), Priority::Normal, &metz).due_on, date!(2026 - 04 - 07));
        let closed = Calendar::with_closures(Region::National, [date!(2026 - 04 - 03)]);
        assert_eq!(deadlines(&r, date!(2026 - 04 - 02), Priority::Normal, &closed).due_on, date!(2026 - 04 - 07));
    }

    #[test]
    fn a_courrier_is_reminded_then_alerted_then_late_the_day_after_its_due_date() {
        let (remind, alert, due) = (date!(2026 - 08 - 12), date!(2026 - 08 - 14), date!(2026 - 08 - 17));
        let at = |today| due_state(true, today, Some(due), Some(remind), Some(alert));
        assert_eq!(at(date!(2026 - 08 - 11)), DueState::OnTime);
        assert_eq!(at(remind), DueState::Reminder);
        assert_eq!(at(alert), DueState::Alert);
        assert_eq!(at(due), DueState::Alert);
        assert_eq!(at(date!(2026 - 08 - 18)), DueState::Late);
        assert_eq!(due_state(false, date!(2026 - 08 - 18), Some(due), None, None), DueState::None);
        assert_eq!(due_state(true, date!(2026 - 08 - 18), None, None, None), DueState::None);
        assert_eq!(due_state(true, due, Some(due), None, None), DueState::OnTime);
    }

    #[test]
    fn delays_read_back_from_their_stored_parts() {
        for d in [Delay::CalendarDays(15), Delay::WorkingDays(5), Delay::Months(2)] {
            assert_eq!(Delay::from_parts(d.unit(), d.count()), Some(d));
        }
        assert_eq!(Delay::from_parts("Jours ouvrés", 3), Some(Delay::WorkingDays(3)));
        assert_eq!(Delay::from_parts("fortnights", 1), None);
        assert_eq!(ImplicitDecision::parse("SVR"), Some(ImplicitDecision::Rejection));
        assert_eq!(ImplicitDecision::parse(""), None);
    }
}
