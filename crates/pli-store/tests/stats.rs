//! The store's activity reports: the backlog carried over from earlier weeks through
//! checkpoints equals the one replayed from the whole history. The conformance suite:
//! on SQLite and on PostgreSQL.

use pli_core::stats::{Settings, week_bounds};
use pli_store::on_both_engines;
use pli_store::testing::{Engine, Site};

/// The SQL inserting one event, written by hand (the test's values, formatted in).
fn insert(sql: &mut String, id: i64, at: &str, kind: &str, courrier: i64, data: &str) {
    let data = data.replace('\'', "''");
    sql.push_str(&format!(
        "INSERT INTO event (id, at, actor, workstation, kind, courrier_id, data) \
         VALUES ({id}, '{at}', 'op', 'poste', '{kind}', {courrier}, '{data}');\n"
    ));
}

fn checkpoints_give_the_same_backlog_as_a_full_replay(engine: Engine) {
    let Some(site) = Site::new(engine) else { return };
    let store = site.open();
    // Events only: the report reads nothing else (no courrier rows needed), written by
    // hand through the test's own connection with the foreign keys not enforced (a new
    // SQLite connection does not enforce them; on PostgreSQL, as the superuser, the
    // replica role skips them).
    let mut sql = match site.database_url() {
        None => "PRAGMA foreign_keys = OFF; BEGIN;\n",
        Some(_) => "SET session_replication_role = replica; BEGIN;\n",
    }
    .to_string();
    // Twelve weeks of registering, routing and closing, in 2025.
    let mut id = 0;
    for c in 0..240i64 {
        let day = 1 + c % 84;
        let month = 1 + (day - 1) / 28;
        let dom = 1 + (day - 1) % 28;
        let direction = ["DRH", "DAF", "DOS"][(c % 3) as usize];
        id += 1;
        let registered = r#"{"document_type":"COUR","due_date":"2025-03-10","again":false}"#;
        insert(&mut sql, id, &format!("2025-{month:02}-{dom:02}T08:59:00Z"), "courrier_registered", c, registered);
        id += 1;
        insert(
            &mut sql,
            id,
            &format!("2025-{month:02}-{dom:02}T09:00:00Z"),
            "courrier_routed",
            c,
            &format!(r#"{{"main_direction":"{direction}"}}"#),
        );
        if c % 4 != 0 {
            let close_day = (day + 10).min(84);
            let (m, d) = (1 + (close_day - 1) / 28, 1 + (close_day - 1) % 28);
            id += 1;
            insert(&mut sql, id, &format!("2025-{m:02}-{d:02}T15:00:00Z"), "courrier_closed", c, "{}");
        }
    }
    sql.push_str("COMMIT;");
    site.raw(&sql).unwrap();
    let settings = Settings::default();
    let (from, to) = week_bounds("2025-W10").unwrap();
    let count = |_: &pli_store::Store| site.count("SELECT count(*) FROM stats_checkpoint");
    assert_eq!(count(&store), 0);
    let replayed = store.activity_report(from, to, &settings).unwrap();
    assert!(count(&store) >= 9, "weekly checkpoints saved on the way: {}", count(&store));
    let again = store.activity_report(from, to, &settings).unwrap();
    assert_eq!(again, replayed, "from the checkpoint");
    let (f2, t2) = week_bounds("2025-W12").unwrap();
    let later = store.activity_report(f2, t2, &settings).unwrap();
    site.raw("DELETE FROM stats_checkpoint").unwrap();
    assert_eq!(store.activity_report(f2, t2, &settings).unwrap(), later, "the cache changes nothing");
    // Twelve weeks at once (computed in two parts in parallel) say what each week says.
    let (q_from, _) = week_bounds("2025-W02").unwrap();
    let (_, q_to) = week_bounds("2025-W13").unwrap();
    let quarter = store.activity_report(q_from, q_to, &settings).unwrap();
    assert_eq!(quarter.weeks.len(), 12);
    for week in ["2025-W02", "2025-W07", "2025-W08", "2025-W12"] {
        let (f, t) = week_bounds(week).unwrap();
        let alone = store.activity_report(f, t, &settings).unwrap();
        let inside: Vec<_> = quarter.days.iter().filter(|d| d.week == week).cloned().collect();
        assert_eq!(inside, alone.days, "{week}");
    }
    // Processing times pool every close of the quarter, wherever it was registered.
    let closed: usize = quarter.days.iter().map(|d| d.closed).sum();
    assert!(closed > 100, "{closed}");
    assert_eq!(quarter.by_direction.iter().map(|p| p.closed).sum::<usize>(), closed);
    assert_eq!(quarter.by_type.iter().map(|p| p.closed).sum::<usize>(), closed);
    let monday = &replayed.days[0];
    assert!(monday.backlog.values().sum::<usize>() > 0, "{:?}", monday.backlog);
}

fn a_recount_on_redirection_before_the_period_is_the_due_date_its_figures_hold_to(engine: Engine) {
    let Some(site) = Site::new(engine) else { return };
    let store = site.open();
    let mut sql = match site.database_url() {
        None => "PRAGMA foreign_keys = OFF; BEGIN;\n",
        Some(_) => "SET session_replication_role = replica; BEGIN;\n",
    }
    .to_string();
    // Two RECL courriers registered on Monday 3 March 2025, due Wednesday 5, redirected
    // to DAF on Tuesday 4: courrier 1 with the delay counted again (due 20 March),
    // courrier 2 without. Both closed on Wednesday 12 March, in the next week.
    let registered = r#"{"document_type":"RECL","due_date":"2025-03-05","again":false}"#;
    let mut id = 0;
    for c in [1, 2] {
        let mut next = |at: &str, kind: &str, data: &str| {
            id += 1;
            insert(&mut sql, id, at, kind, c, data);
        };
        next("2025-03-03T09:00:00Z", "courrier_registered", registered);
        next("2025-03-03T09:00:00Z", "courrier_routed", r#"{"main_direction":"DRH"}"#);
        let redirected = if c == 1 {
            r#"{"from_direction":"DRH","to_direction":"DAF","due_date":"2025-03-20"}"#
        } else {
            r#"{"from_direction":"DRH","to_direction":"DAF"}"#
        };
        next("2025-03-04T09:00:00Z", "courrier_redirected", redirected);
        next("2025-03-12T15:00:00Z", "courrier_closed", "{}");
    }
    sql.push_str("COMMIT;");
    site.raw(&sql).unwrap();
    let (from, to) = week_bounds("2025-W11").unwrap();
    let report = store.activity_report(from, to, &Settings::default()).unwrap();
    let daf = &report.by_direction[0];
    assert_eq!((daf.group.as_str(), daf.closed, daf.within_deadline, daf.late), ("DAF", 2, 0.5, 1));
    // The same courriers replayed in one period give the same figures.
    let (whole, _) = week_bounds("2025-W10").unwrap();
    let both = store.activity_report(whole, to, &Settings::default()).unwrap();
    assert_eq!(both.by_direction, report.by_direction);
}

on_both_engines!(
    checkpoints_give_the_same_backlog_as_a_full_replay,
    a_recount_on_redirection_before_the_period_is_the_due_date_its_figures_hold_to,
);
