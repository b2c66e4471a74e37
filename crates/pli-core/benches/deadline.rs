//! What the legal clock costs at registration: `deadline::deadlines` (type rule, site
//! calendar with its holidays and closures) against the old `arrival + days` in the same
//! run, over every arrival day of 2024–2030. Prints figures; asserts nothing.
//!
//! cargo bench -p pli-core --bench deadline

use pli_core::calendar::{Calendar, Delay, Region};
use pli_core::deadline::{DeadlineRule, ImplicitDecision, deadlines};
use pli_core::registration::{Priority, due_date};
use std::hint::black_box;
use std::time::Instant;
use time::macros::date;

fn main() {
    let arrivals: Vec<time::Date> = {
        let (mut d, end) = (date!(2024 - 01 - 01), date!(2030 - 12 - 31));
        let mut v = Vec::new();
        while d <= end {
            v.push(d);
            d = d.next_day().unwrap();
        }
        v
    };
    let rounds = 20;
    let per_call = |f: &dyn Fn(time::Date) -> time::Date| {
        let start = Instant::now();
        for _ in 0..rounds {
            for &a in &arrivals {
                black_box(f(black_box(a)));
            }
        }
        start.elapsed().as_nanos() as f64 / (rounds * arrivals.len()) as f64
    };
    let baseline = per_call(&|a| due_date(a, 30));
    let closures = (0..12).map(|m| date!(2026 - 01 - 02) + time::Duration::days(30 * m));
    let metz = Calendar::with_closures(Region::AlsaceMoselle, closures);
    let rule = |delay| DeadlineRule {
        delay,
        reminder_days: Some(5),
        alert_days: Some(2),
        implicit_decision: Some(ImplicitDecision::Acceptance),
        ..DeadlineRule::calendar_days(0)
    };
    println!("{} arrival days × {rounds} rounds; baseline: arrival + 30 days, {baseline:.0} ns a call", arrivals.len());
    println!("| rule (Metz: Alsace-Moselle, 12 closure days) | ns a call | × baseline |");
    println!("|---|---|---|");
    for (name, delay) in [
        ("30 calendar days", Delay::CalendarDays(30)),
        ("15 working days", Delay::WorkingDays(15)),
        ("60 working days", Delay::WorkingDays(60)),
        ("2 months", Delay::Months(2)),
    ] {
        let r = rule(delay);
        let ns = per_call(&|a| deadlines(&r, a, Priority::Normal, &metz).due_on);
        println!("| {name}, reminder, alert, SVA | {ns:.0} | {:.0}× |", ns / baseline);
    }
}
