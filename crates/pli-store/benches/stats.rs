//! Weekly report speed over a large synthetic history: ten million events (about three
//! years of a large agency: ~1,100 courriers a day, each captured, qualified, registered,
//! routed, read, taken, annotated and closed, some returned and redirected; ~200 users
//! signing in). Prints the time of one week's report and of a 52-week report.
//!
//! `pg_virtualenv -v 15 cargo bench -p pli-store --bench stats` (PLI_BENCH_EVENTS=10000000
//! by default): the same history on SQLite, then on PostgreSQL when a server is there.
//! The history is written by the bench's own connection (rusqlite; `COPY … FROM STDIN`
//! on PostgreSQL), with a minimal `courrier` row for each courrier it names. Figures, not
//! pass/fail.

use pli_core::stats::{Settings, week_bounds};
use pli_store::testing::{Engine, Site, postgres_server};
use std::io::Write;
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

/// Where the generated rows go: the bench's own connection, not Pli's.
trait Sink {
    fn courrier(&mut self, id: i64);
    fn event(&mut self, id: i64, at: &str, actor: &str, kind: &str, courrier: Option<i64>, data: &str);
}

/// SQLite: a rusqlite connection on `<data>/pli.sqlite3`, one transaction.
struct SqliteSink<'c> {
    courrier: rusqlite::Statement<'c>,
    event: rusqlite::Statement<'c>,
}

impl Sink for SqliteSink<'_> {
    fn courrier(&mut self, id: i64) {
        self.courrier.execute(rusqlite::params![id, CREATED_AT]).unwrap();
    }
    fn event(&mut self, id: i64, at: &str, actor: &str, kind: &str, courrier: Option<i64>, data: &str) {
        self.event.execute(rusqlite::params![id, at, actor, kind, courrier, data]).unwrap();
    }
}

/// PostgreSQL: `COPY … FROM STDIN` (text format; nothing generated needs escaping).
struct CopySink<W: Write> {
    courriers: Vec<i64>,
    events: W,
}

impl<W: Write> Sink for CopySink<W> {
    fn courrier(&mut self, id: i64) {
        self.courriers.push(id);
    }
    fn event(&mut self, id: i64, at: &str, actor: &str, kind: &str, courrier: Option<i64>, data: &str) {
        let c = courrier.map_or_else(|| "\\N".to_string(), |c| c.to_string());
        writeln!(self.events, "{id}\t{at}\t{actor}\tposte\t{kind}\t{c}\t{data}").unwrap();
    }
}

const CREATED_AT: &str = "2023-12-01T00:00:00Z";
const DOCUMENT_TYPES: &str = "INSERT INTO document_type (code, name, deadline_days, undelivered) VALUES
    ('COUR', 'Courrier', 30, 0), ('RECL', 'Réclamation', 15, 0), ('SUBV', 'Subvention', 60, 0), ('NPAI', 'NPAI', 0, 1)
    ON CONFLICT DO NOTHING";

/// The history, the same on every engine: events 1..=about `target`, and a minimal
/// courrier row for each courrier they name.
fn generate(sink: &mut dyn Sink, target: u64) {
    let mut rng = Rng(7);
    let mut id = 0i64;
    let mut courrier = 0i64;
    let start = jiff::Timestamp::from_second(1_701_388_800).unwrap(); // 2023-12-01
    let mut day = 0i64;
    let at = |s: i64| start.checked_add(jiff::SignedDuration::from_secs(s)).unwrap().to_string();
    let mut push = |sink: &mut dyn Sink, t: i64, actor: &str, kind: &str, c: Option<i64>, data: &str| {
        id += 1;
        sink.event(id, &at(t), actor, kind, c, data);
        id
    };
    'days: loop {
        let base = day * 86_400 + 6 * 3600;
        for u in 0..200 {
            push(sink, base + u * 60, &format!("user{u}"), "user_signed_in", None, "{}");
        }
        for k in 0..1100i64 {
            courrier += 1;
            sink.courrier(courrier);
            let c = Some(courrier);
            let t = base + 3600 + k * 25;
            let op = format!("op{}", k % 4);
            let dir = DIRECTIONS[rng.below(12) as usize];
            let ty = TYPES[rng.below(4) as usize];
            push(sink, t, &op, "courrier_captured", c, "{}");
            push(sink, t + 1800, &op, "courrier_qualified", c, "{}");
            push(
                sink,
                t + 1900,
                &op,
                "courrier_registered",
                c,
                &format!(r#"{{"document_type":"{ty}","due_date":"2099-01-01","again":false}}"#),
            );
            push(sink, t + 1900, &op, "courrier_routed", c, &format!(r#"{{"main_direction":"{dir}"}}"#));
            let later = t + 86_400 + rng.below(30 * 86_400) as i64;
            push(sink, later - 3600, "ref", "courrier_read", c, "{}");
            if rng.below(20) == 0 {
                push(sink, later - 1800, "ref", "courrier_returned", c, &format!(r#"{{"direction":"{dir}"}}"#));
                continue;
            }
            push(sink, later - 1800, "ref", "courrier_taken", c, "{}");
            if push(sink, later, "ref", "courrier_closed", c, "{}") as u64 >= target {
                break 'days;
            }
        }
        day += 1;
    }
}

fn fill_sqlite(site: &Site, target: u64) {
    let mut conn = rusqlite::Connection::open(site.data_dir().join("pli.sqlite3")).unwrap();
    conn.execute_batch(&format!("PRAGMA foreign_keys = OFF; {DOCUMENT_TYPES};")).unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut sink = SqliteSink {
            courrier: tx.prepare("INSERT INTO courrier (id, created_at) VALUES (?1, ?2)").unwrap(),
            event: tx
                .prepare(
                    "INSERT INTO event (id, at, actor, workstation, kind, courrier_id, data)
                     VALUES (?1, ?2, ?3, 'poste', ?4, ?5, ?6)",
                )
                .unwrap(),
        };
        generate(&mut sink, target);
    }
    tx.commit().unwrap();
    conn.execute_batch("ANALYZE").unwrap();
}

fn fill_postgres(site: &Site, target: u64) {
    let mut client = postgres::Client::connect(site.database_url().unwrap(), postgres::NoTls).unwrap();
    // The events name courriers: their rows are copied after the events, so foreign
    // keys (and the append-only triggers) are not checked in this loading session.
    client.batch_execute(&format!("SET session_replication_role = replica; {DOCUMENT_TYPES}; BEGIN")).unwrap();
    let courriers = {
        let events =
            client.copy_in("COPY event (id, at, actor, workstation, kind, courrier_id, data) FROM STDIN").unwrap();
        let mut sink = CopySink { courriers: Vec::new(), events };
        generate(&mut sink, target);
        sink.events.finish().unwrap();
        sink.courriers
    };
    {
        let mut w = client.copy_in("COPY courrier (id, created_at) FROM STDIN").unwrap();
        for id in courriers {
            writeln!(w, "{id}\t{CREATED_AT}").unwrap();
        }
        w.finish().unwrap();
    }
    client.batch_execute("COMMIT").unwrap();
    for table in ["courrier", "event"] {
        client.batch_execute(&format!("VACUUM ANALYZE {table}")).unwrap();
    }
}

/// The reports timed on one engine: one week three times, then 52 weeks twice.
fn measure(name: &str, engine: Engine, target: u64) -> Vec<f64> {
    let Some(site) = Site::new(engine) else { return Vec::new() };
    let store = site.open();
    let t = Instant::now();
    match engine {
        Engine::Sqlite => fill_sqlite(&site, target),
        Engine::Postgres => fill_postgres(&site, target),
    }
    let events = site.count("SELECT count(*) FROM event");
    println!("{name}: generated {events} events in {:.0} s", t.elapsed().as_secs_f64());
    let settings = Settings::default();
    let (from, to) = week_bounds("2026-W20").unwrap();
    let mut times = Vec::new();
    for run in 1..=3 {
        let t = Instant::now();
        let r = store.activity_report(from, to, &settings).unwrap();
        let registered: usize = r.days.iter().map(|d| d.registered).sum();
        times.push(t.elapsed().as_secs_f64());
        println!(
            "{name}: one week (2026-W20), run {run}: {:.3} s ({registered} registered, {events} events in the store)",
            times[times.len() - 1]
        );
    }
    let (from52, _) = week_bounds("2025-W21").unwrap();
    for run in 1..=2 {
        let t = Instant::now();
        let r = store.activity_report(from52, to, &settings).unwrap();
        times.push(t.elapsed().as_secs_f64());
        println!(
            "{name}: 52 weeks (2025-W21 to 2026-W20), run {run}: {:.3} s ({} days)",
            times[times.len() - 1],
            r.days.len()
        );
    }
    times
}

fn main() {
    let target: u64 = std::env::var("PLI_BENCH_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000_000);
    let sqlite = measure("sqlite", Engine::Sqlite, target); // its site is deleted before PostgreSQL's is filled
    if postgres_server().is_none() {
        println!("SQLite only: run inside `pg_virtualenv -v 15` to measure PostgreSQL in the same run");
        return;
    }
    let pg = measure("postgres", Engine::Postgres, target);
    if pg.len() == sqlite.len() {
        let labels = ["one week, run 1", "one week, run 2", "one week, run 3", "52 weeks, run 1", "52 weeks, run 2"];
        for ((label, p), s) in labels.iter().zip(&pg).zip(&sqlite) {
            println!("postgres / sqlite, {label}: {:.2}×", p / s);
        }
    }
}
