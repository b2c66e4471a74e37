//! The store's activity reports: the backlog carried over from earlier weeks through
//! checkpoints equals the one replayed from the whole history.

use pli_core::stats::{Settings, week_bounds};
use pli_store::Store;

fn insert(store: &Store, id: i64, at: &str, kind: &str, courrier: i64, data: &str) {
    store
        .connection()
        .execute(
            "INSERT INTO event (id, at, actor, workstation, kind, courrier_id, data) VALUES (?1, ?2, 'op', 'poste', ?3, ?4, ?5)",
            rusqlite::params![id, at, kind, courrier, data],
        )
        .unwrap();
}

#[test]
fn checkpoints_give_the_same_backlog_as_a_full_replay() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    // Events only: the report reads nothing else (no courrier rows needed).
    store.connection().execute_batch("PRAGMA foreign_keys = OFF").unwrap();
    // Twelve weeks of registering, routing and closing, in 2025.
    let mut id = 0;
    for c in 0..240i64 {
        let day = 1 + c % 84;
        let month = 1 + (day - 1) / 28;
        let dom = 1 + (day - 1) % 28;
        let direction = ["DRH", "DAF", "DOS"][(c % 3) as usize];
        id += 1;
        let registered = r#"{"document_type":"COUR","due_date":"2025-03-10","again":false}"#;
        insert(&store, id, &format!("2025-{month:02}-{dom:02}T08:59:00Z"), "courrier_registered", c, registered);
        id += 1;
        insert(
            &store,
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
            insert(&store, id, &format!("2025-{m:02}-{d:02}T15:00:00Z"), "courrier_closed", c, "{}");
        }
    }
    let settings = Settings::default();
    let (from, to) = week_bounds("2025-W10").unwrap();
    let count = |store: &Store| {
        store.connection().query_row("SELECT count(*) FROM stats_checkpoint", [], |r| r.get::<_, i64>(0)).unwrap()
    };
    assert_eq!(count(&store), 0);
    let replayed = store.activity_report(from, to, &settings).unwrap();
    assert!(count(&store) >= 9, "weekly checkpoints saved on the way: {}", count(&store));
    let again = store.activity_report(from, to, &settings).unwrap();
    assert_eq!(again, replayed, "from the checkpoint");
    let (f2, t2) = week_bounds("2025-W12").unwrap();
    let later = store.activity_report(f2, t2, &settings).unwrap();
    store.connection().execute("DELETE FROM stats_checkpoint", []).unwrap();
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
