//! Weekly report speed over a large synthetic history: ten million events (about three
//! years of a large agency: ~1,100 courriers a day, each captured, qualified, registered,
//! routed, read, taken, annotated and closed, some returned and redirected; ~200 users
//! signing in). Prints the time of one week's report and of a 52-week report.
//!
//! `cargo bench -p pli-store --bench stats` (PLI_BENCH_EVENTS=10000000 by default;
//! PLI_BENCH_DIR keeps the database between runs). Figures, not pass/fail.
//!
//! SQLite only for now: the history is bulk-inserted through a connection of the
//! bench's own on the data folder's `pli.sqlite3` (prepared statements, one
//! transaction), not through Pli.

use pli_core::stats::{Settings, week_bounds};
use pli_store::Store;
use std::time::Instant;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const DIRECTIONS: [&str; 12] = ["DG", "DRH", "DAF", "DOS", "DSP", "DA", "DCOM", "DSI", "DJ", "DT67", "DT68", "DT57"];
const TYPES: [&str; 4] = ["COUR", "RECL", "SUBV", "NPAI"];

/// The bench's own connection on the data folder's SQLite file.
fn own_connection(dir: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("pli.sqlite3")).unwrap()
}

fn fill(dir: &std::path::Path, target: u64) {
    let conn = own_connection(dir);
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF; DROP TRIGGER IF EXISTS event_no_update; DROP TRIGGER IF EXISTS event_no_delete;
         INSERT OR IGNORE INTO document_type (code, name, deadline_days, undelivered) VALUES
           ('COUR', 'Courrier', 30, 0), ('RECL', 'Réclamation', 15, 0), ('SUBV', 'Subvention', 60, 0), ('NPAI', 'NPAI', 0, 1);
         BEGIN;",
    )
    .unwrap();
    let mut insert = conn
        .prepare("INSERT INTO event (id, at, actor, workstation, kind, courrier_id, data) VALUES (?1, ?2, ?3, 'poste', ?4, ?5, ?6)")
        .unwrap();
    let mut rng = Rng(7);
    let id = std::cell::Cell::new(0i64);
    let mut courrier = 0i64;
    let start = jiff::Timestamp::from_second(1_701_388_800).unwrap(); // 2023-12-01
    let mut day = 0i64;
    let at = |s: i64| start.checked_add(jiff::SignedDuration::from_secs(s)).unwrap().to_string();
    let push = |insert: &mut rusqlite::Statement<'_>, t: i64, actor: &str, kind: &str, c: Option<i64>, data: String| {
        id.set(id.get() + 1);
        insert.execute(rusqlite::params![id.get(), at(t), actor, kind, c, data]).unwrap();
    };
    'days: loop {
        let base = day * 86_400 + 6 * 3600;
        for u in 0..200 {
            push(&mut insert, base + u * 60, &format!("user{u}"), "user_signed_in", None, "{}".into());
        }
        for k in 0..1100i64 {
            courrier += 1;
            let c = Some(courrier);
            let t = base + 3600 + k * 25;
            let op = format!("op{}", k % 4);
            let dir = DIRECTIONS[rng.below(12) as usize];
            let ty = TYPES[rng.below(4) as usize];
            push(&mut insert, t, &op, "courrier_captured", c, "{}".into());
            push(&mut insert, t + 1800, &op, "courrier_qualified", c, "{}".into());
            push(
                &mut insert,
                t + 1900,
                &op,
                "courrier_registered",
                c,
                format!(r#"{{"document_type":"{ty}","due_date":"2099-01-01","again":false}}"#),
            );
            push(&mut insert, t + 1900, &op, "courrier_routed", c, format!(r#"{{"main_direction":"{dir}"}}"#));
            let later = t + 86_400 + rng.below(30 * 86_400) as i64;
            push(&mut insert, later - 3600, "ref", "courrier_read", c, "{}".into());
            if rng.below(20) == 0 {
                push(&mut insert, later - 1800, "ref", "courrier_returned", c, format!(r#"{{"direction":"{dir}"}}"#));
                continue;
            }
            push(&mut insert, later - 1800, "ref", "courrier_taken", c, "{}".into());
            push(&mut insert, later, "ref", "courrier_closed", c, "{}".into());
            if id.get() as u64 >= target {
                break 'days;
            }
        }
        day += 1;
    }
    drop(insert);
    conn.execute_batch("COMMIT; ANALYZE;").unwrap();
}

fn main() {
    let target: u64 = std::env::var("PLI_BENCH_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000_000);
    let keep = std::env::var_os("PLI_BENCH_DIR");
    let tmp = tempfile::tempdir().unwrap();
    let dir = keep.map(std::path::PathBuf::from).unwrap_or_else(|| tmp.path().to_path_buf());
    let store = Store::open(&dir).unwrap();
    let have: i64 = own_connection(&dir).query_row("SELECT count(*) FROM event", [], |r| r.get(0)).unwrap();
    if (have as u64) < target {
        let t = Instant::now();
        fill(&dir, target);
        eprintln!("generated {target} events in {:.0} s", t.elapsed().as_secs_f64());
    }
    let events: i64 = own_connection(&dir).query_row("SELECT count(*) FROM event", [], |r| r.get(0)).unwrap();
    let settings = Settings::default();
    let (from, to) = week_bounds("2026-W20").unwrap();
    for run in 1..=3 {
        let t = Instant::now();
        let r = store.activity_report(from, to, &settings).unwrap();
        let registered: usize = r.days.iter().map(|d| d.registered).sum();
        println!(
            "one week (2026-W20), run {run}: {:.3} s ({registered} registered, {events} events in the store)",
            t.elapsed().as_secs_f64()
        );
    }
    let (from52, _) = week_bounds("2025-W21").unwrap();
    for run in 1..=2 {
        let t = Instant::now();
        let r = store.activity_report(from52, to, &settings).unwrap();
        println!(
            "52 weeks (2025-W21 to 2026-W20), run {run}: {:.3} s ({} days)",
            t.elapsed().as_secs_f64(),
            r.days.len()
        );
    }
}
