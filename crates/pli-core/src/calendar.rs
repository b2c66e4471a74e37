//! Working days of a site, and the legal deadlines counted on them.
//!
//! Public holidays: the eleven of the Code du travail (L3133-1), the moveable feasts
//! computed for every year from Easter; sites in Alsace-Moselle add Good Friday and
//! 26 December (L3134-13). The lead may add closure days of the site.
//!
//! Deadlines (Code de procédure civile): a delay in months ends on the same day of the
//! month, or the month's last day when it has none (art. 641); a deadline falling on a
//! Saturday, a Sunday or a holiday moves to the next working day (art. 642). The date an
//! implicit decision arises (silence vaut acceptation / rejet) does not move
//! (CE, 5 juin 2009, n° 312682).

use std::collections::BTreeSet;
use time::{Date, Duration, Month, Weekday};

/// Which public holidays a site keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    /// The eleven national holidays.
    National,
    /// Bas-Rhin, Haut-Rhin, Moselle: also Good Friday and 26 December.
    AlsaceMoselle,
}

/// A delay as a document type states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "unit", content = "count", rename_all = "snake_case")]
pub enum Delay {
    CalendarDays(u32),
    WorkingDays(u32),
    Months(u32),
}

/// The working days of one site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    region: Region,
    closures: BTreeSet<Date>,
}

/// Easter Sunday of a Gregorian year (the anonymous algorithm of Meeus, Jones and Butcher).
pub fn easter_sunday(year: i32) -> Date {
    let a = year % 19;
    let (b, c) = (year / 100, year % 100);
    let (d, e) = (b / 4, b % 4);
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    let month = if month == 3 { Month::March } else { Month::April };
    Date::from_calendar_date(year, month, day as u8).expect("Easter falls in March or April")
}

impl Calendar {
    pub fn new(region: Region) -> Calendar {
        Calendar { region, closures: BTreeSet::new() }
    }

    /// The same, with the site's own closure days.
    pub fn with_closures(region: Region, closures: impl IntoIterator<Item = Date>) -> Calendar {
        Calendar { region, closures: closures.into_iter().collect() }
    }

    /// The public holidays of `year`, in date order, with their French names.
    pub fn holidays(&self, year: i32) -> Vec<(Date, &'static str)> {
        let day = |month, d| Date::from_calendar_date(year, month, d).expect("a real date");
        let easter = easter_sunday(year);
        let mut days = vec![
            (day(Month::January, 1), "Jour de l'an"),
            (easter + Duration::days(1), "Lundi de Pâques"),
            (day(Month::May, 1), "Fête du travail"),
            (day(Month::May, 8), "Victoire 1945"),
            (easter + Duration::days(39), "Ascension"),
            (easter + Duration::days(50), "Lundi de Pentecôte"),
            (day(Month::July, 14), "Fête nationale"),
            (day(Month::August, 15), "Assomption"),
            (day(Month::November, 1), "Toussaint"),
            (day(Month::November, 11), "Armistice 1918"),
            (day(Month::December, 25), "Noël"),
        ];
        if self.region == Region::AlsaceMoselle {
            days.push((easter - Duration::days(2), "Vendredi saint"));
            days.push((day(Month::December, 26), "Saint-Étienne"));
        }
        days.sort();
        days
    }

    pub fn is_holiday(&self, date: Date) -> bool {
        self.holidays(date.year()).iter().any(|(d, _)| *d == date)
    }

    /// Not a Saturday, a Sunday, a holiday or a closure day of the site.
    pub fn is_working_day(&self, date: Date) -> bool {
        !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
            && !self.is_holiday(date)
            && !self.closures.contains(&date)
    }

    /// `date` if it is a working day, else the next one (art. 642).
    pub fn next_working_day(&self, date: Date) -> Date {
        let mut d = date;
        while !self.is_working_day(d) {
            d = d.next_day().expect("dates stay in range");
        }
        d
    }

    /// The `n`-th working day after `date` (the day of receipt does not count).
    pub fn add_working_days(&self, date: Date, n: u32) -> Date {
        let mut d = date;
        for _ in 0..n {
            d = self.next_working_day(d.next_day().expect("dates stay in range"));
        }
        d
    }

    /// The deadline of `delay` counted from `start` (the arrival date): the day it ends,
    /// moved to the next working day when it falls on a day off (art. 641 and 642).
    pub fn deadline(&self, start: Date, delay: Delay) -> Date {
        match delay {
            Delay::CalendarDays(n) => self.next_working_day(start + Duration::days(n.into())),
            Delay::WorkingDays(n) => self.add_working_days(start, n),
            Delay::Months(n) => self.next_working_day(add_months(start, n)),
        }
    }
}

/// The same day `months` later, or the last day of that month when it has none (art. 641).
pub fn add_months(date: Date, months: u32) -> Date {
    let index = date.year() * 12 + (date.month() as i32 - 1) + months as i32;
    let (year, month) = (index.div_euclid(12), Month::try_from((index.rem_euclid(12) + 1) as u8).expect("1..=12"));
    let last = month.length(year);
    Date::from_calendar_date(year, month, date.day().min(last)).expect("a day of that month")
}

/// The date an implicit decision arises, `months` after receipt: not moved to a
/// working day (CE, 5 juin 2009, n° 312682).
pub fn implicit_decision_date(received: Date, months: u32) -> Date {
    add_months(received, months)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn easter_and_the_moveable_feasts_match_the_published_calendars_2024_to_2030() {
        // (Easter Sunday, Ascension, Whit Monday, Good Friday), as published.
        let published = [
            (date!(2024 - 03 - 31), date!(2024 - 05 - 09), date!(2024 - 05 - 20), date!(2024 - 03 - 29)),
            (date!(2025 - 04 - 20), date!(2025 - 05 - 29), date!(2025 - 06 - 09), date!(2025 - 04 - 18)),
            (date!(2026 - 04 - 05), date!(2026 - 05 - 14), date!(2026 - 05 - 25), date!(2026 - 04 - 03)),
            (date!(2027 - 03 - 28), date!(2027 - 05 - 06), date!(2027 - 05 - 17), date!(2027 - 03 - 26)),
            (date!(2028 - 04 - 16), date!(2028 - 05 - 25), date!(2028 - 06 - 05), date!(2028 - 04 - 14)),
            (date!(2029 - 04 - 01), date!(2029 - 05 - 10), date!(2029 - 05 - 21), date!(2029 - 03 - 30)),
            (date!(2030 - 04 - 21), date!(2030 - 05 - 30), date!(2030 - 06 - 10), date!(2030 - 04 - 19)),
        ];
        let national = Calendar::new(Region::National);
        let alsace = Calendar::new(Region::AlsaceMoselle);
        for (easter, ascension, whit_monday, good_friday) in published {
            assert_eq!(easter_sunday(easter.year()), easter);
            for feast in [easter + Duration::days(1), ascension, whit_monday] {
                assert!(national.is_holiday(feast) && alsace.is_holiday(feast), "{feast}");
            }
            assert!(!national.is_holiday(good_friday) && alsace.is_holiday(good_friday), "{good_friday}");
            assert_eq!(national.holidays(easter.year()).len(), 11);
            assert_eq!(alsace.holidays(easter.year()).len(), 13);
        }
        let st_stephen = date!(2026 - 12 - 26);
        assert!(!national.is_holiday(st_stephen) && alsace.is_holiday(st_stephen));
    }

    #[test]
    fn a_deadline_on_a_day_off_moves_to_the_next_working_day() {
        let national = Calendar::new(Region::National);
        // Thursday 30 April 2026 + 1 day = Friday 1 May (holiday) → Monday 4 May.
        assert_eq!(national.deadline(date!(2026 - 04 - 30), Delay::CalendarDays(1)), date!(2026 - 05 - 04));
        // Working days skip the weekend and Ascension (Thursday 14 May 2026).
        assert_eq!(national.deadline(date!(2026 - 05 - 12), Delay::WorkingDays(3)), date!(2026 - 05 - 18));
        // In Metz, Good Friday 3 April 2026 is off too: Thursday 2 April + 1 working day.
        let metz = Calendar::new(Region::AlsaceMoselle);
        assert_eq!(metz.deadline(date!(2026 - 04 - 02), Delay::WorkingDays(1)), date!(2026 - 04 - 07));
        assert_eq!(national.deadline(date!(2026 - 04 - 02), Delay::WorkingDays(1)), date!(2026 - 04 - 03));
        // A closure day of the site counts as a day off.
        let closed = Calendar::with_closures(Region::National, [date!(2026 - 05 - 15)]);
        assert_eq!(closed.deadline(date!(2026 - 05 - 13), Delay::WorkingDays(1)), date!(2026 - 05 - 18));
    }

    #[test]
    fn a_delay_in_months_ends_on_the_same_day_or_the_months_last() {
        assert_eq!(add_months(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
        assert_eq!(add_months(date!(2028 - 01 - 31), 1), date!(2028 - 02 - 29));
        assert_eq!(add_months(date!(2026 - 11 - 15), 2), date!(2027 - 01 - 15));
        let national = Calendar::new(Region::National);
        // Two months from Thursday 15 October 2026: Tuesday 15 December, a working day.
        assert_eq!(national.deadline(date!(2026 - 10 - 15), Delay::Months(2)), date!(2026 - 12 - 15));
        // From 25 October 2026: 25 December (Noël) → Monday 28 December.
        assert_eq!(national.deadline(date!(2026 - 10 - 25), Delay::Months(2)), date!(2026 - 12 - 28));
        // The implicit decision does not move: Christmas Day it is.
        assert_eq!(implicit_decision_date(date!(2026 - 10 - 25), 2), date!(2026 - 12 - 25));
    }
}
