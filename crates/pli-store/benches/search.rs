//! Search latency over a large synthetic corpus, on both engines in the same run: the
//! same courriers, the same two-word queries, through `Store::search` (top 20 with their
//! extracts), p50/p95/max. SQLite first (the baseline), then PostgreSQL when a server is
//! there (`pg_virtualenv -v 15 cargo bench -p pli-store --bench search`); without one a
//! notice is printed and SQLite alone is measured.
//!
//! PLI_BENCH_COURRIERS=1000000 by default. Figures, not pass/fail.
//!
//! The data is loaded by the bench's own connection, not through Pli: a rusqlite
//! connection on `<data>/pli.sqlite3`, `COPY … FROM STDIN` on PostgreSQL. A minimal
//! `courrier` row goes with every text on both engines (PostgreSQL's `courrier_text.rowid`
//! references it).

use pli_store::Store;
use pli_store::testing::{Engine, Site, postgres_server};
use std::io::Write;
use std::time::Instant;

/// A small deterministic generator (xorshift), so runs are comparable.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Zipf-like: small indices much more frequent, as in real text.
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        ((n as f64).powf(u) as usize).saturating_sub(1).min(n - 1)
    }
}

fn vocabulary() -> Vec<String> {
    let common = "le la les de des du un une et à au aux en pour par sur dans avec que qui ne pas \
        demande courrier madame monsieur objet référence dossier service direction agence santé \
        établissement hôpital patient médecin réponse date mars avril décembre janvier suite \
        votre notre veuillez agréer salutations distinguées copie pièce jointe subvention \
        autorisation contrôle inspection rapport plainte réclamation facture paiement budget";
    let mut words: Vec<String> = common.split_whitespace().map(String::from).collect();
    let syllables = [
        "ca", "pi", "tal", "ré", "gion", "al", "mé", "di", "co", "so", "cial", "ter", "ri", "toi", "re", "ad", "mi",
        "nis", "tra", "tif", "pré", "fec", "ture", "com", "mu", "ne", "dé", "par", "te", "ment",
    ];
    let mut rng = Rng(0x9E3779B97F4A7C15);
    while words.len() < 30_000 {
        let n = 2 + (rng.next() % 3) as usize;
        let w: String = (0..n).map(|_| syllables[(rng.next() % syllables.len() as u64) as usize]).collect();
        words.push(w);
    }
    words
}

/// The corpus, courrier by courrier (id from 1), the same on every engine.
fn corpus<'w>(words: &'w [String], n: usize) -> impl Iterator<Item = (i64, String)> + 'w {
    let mut rng = Rng(42);
    (0..n).map(move |i| {
        let len = 60 + (rng.next() % 120) as usize;
        let text: Vec<&str> = (0..len).map(|_| words[rng.zipf(words.len())].as_str()).collect();
        (i as i64 + 1, text.join(" "))
    })
}

const CREATED_AT: &str = "2026-01-01T00:00:00Z";

fn progress(done: usize, t: &Instant) {
    if done.is_multiple_of(100_000) {
        eprintln!("  {done} courriers chargés ({:.0} s)", t.elapsed().as_secs_f64());
    }
}

fn load_sqlite(site: &Site, words: &[String], n: usize) {
    let mut conn = rusqlite::Connection::open(site.data_dir().join("pli.sqlite3")).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(30)).unwrap();
    let t = Instant::now();
    let tx = conn.transaction().unwrap();
    {
        let mut courrier = tx.prepare("INSERT INTO courrier (id, created_at) VALUES (?1, ?2)").unwrap();
        let mut text = tx.prepare("INSERT INTO courrier_text (rowid, text) VALUES (?1, ?2)").unwrap();
        for (id, body) in corpus(words, n) {
            courrier.execute(rusqlite::params![id, CREATED_AT]).unwrap();
            text.execute(rusqlite::params![id, body]).unwrap();
            progress(id as usize, &t);
        }
    }
    tx.commit().unwrap();
    conn.execute_batch("INSERT INTO courrier_text(courrier_text) VALUES ('optimize'); ANALYZE;").unwrap();
    println!("sqlite: loading and indexing {n} courriers: {:.1} s", t.elapsed().as_secs_f64());
}

fn load_postgres(site: &Site, words: &[String], n: usize) {
    let url = site.database_url().expect("a PostgreSQL site");
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let t = Instant::now();
    // Bulk load: the text-search index is built once after the COPY (same definition
    // as the schema's), as one would load a large registry.
    client
        .batch_execute(
            "SET maintenance_work_mem = '512MB'; DROP INDEX courrier_text_tsv_readers;
             BEGIN;",
        )
        .unwrap();
    {
        let mut w = client.copy_in("COPY courrier (id, created_at) FROM STDIN").unwrap();
        for id in 1..=n {
            writeln!(w, "{id}\t{CREATED_AT}").unwrap();
        }
        w.finish().unwrap();
    }
    {
        // Words are letters only: nothing to escape in COPY's text format.
        let mut w = client.copy_in("COPY courrier_text (rowid, text) FROM STDIN").unwrap();
        for (id, body) in corpus(words, n) {
            writeln!(w, "{id}\t{body}").unwrap();
            progress(id as usize, &t);
        }
        w.finish().unwrap();
    }
    client.batch_execute("COMMIT").unwrap();
    let copied = t.elapsed().as_secs_f64();
    client.batch_execute("CREATE INDEX courrier_text_tsv_readers ON courrier_text USING gin (tsv, readers)").unwrap();
    let indexed = t.elapsed().as_secs_f64();
    for table in ["courrier", "courrier_text"] {
        client.batch_execute(&format!("VACUUM ANALYZE {table}")).unwrap();
    }
    println!(
        "postgres: loading {n} courriers: {:.1} s (COPY with tsvector {copied:.1} s, GIN index {:.1} s, VACUUM ANALYZE {:.1} s)",
        t.elapsed().as_secs_f64(),
        indexed - copied,
        t.elapsed().as_secs_f64() - indexed
    );
}

/// The queries, the same for every engine: a frequent word with a rarer one, and two
/// frequent words.
fn queries(words: &[String]) -> Vec<String> {
    let mut rng = Rng(4242);
    (0..300)
        .map(|i| {
            let a = &words[rng.zipf(2_000)];
            let b = if i % 2 == 0 { &words[rng.zipf(words.len())] } else { &words[rng.zipf(500)] };
            format!("{a} {b}")
        })
        .collect()
}

struct Figures {
    p50: f64,
    p95: f64,
    max: f64,
}

fn measure(name: &str, store: &Store, queries: &[String], n: usize) -> (Figures, String) {
    // One query first, not counted: the connection's statements get prepared.
    store.search(&queries[0], 20).unwrap();
    let mut latencies = Vec::new();
    let mut hits_total = 0;
    let mut slowest = (0.0, String::new());
    for q in queries {
        let t = Instant::now();
        hits_total += store.search(q, 20).unwrap().len();
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        if ms > slowest.0 {
            slowest = (ms, q.clone());
        }
        latencies.push(ms);
    }
    latencies.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let f = Figures { p50: pct(0.5), p95: pct(0.95), max: latencies[latencies.len() - 1] };
    println!(
        "{name}: search over {n} courriers, {} two-word queries (top 20 with extracts): p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms, {:.1} hits/query",
        latencies.len(),
        f.p50,
        f.p95,
        f.max,
        hits_total as f64 / latencies.len() as f64
    );
    println!("{name}: slowest query « {} » ({:.1} ms)", slowest.1, slowest.0);
    (f, slowest.1)
}

/// The plan of the slowest query on PostgreSQL, with the SQL of `Store::search` (copied
/// here: the bench's own connection).
fn explain(site: &Site, query: &str) {
    let Some(tsq) = pli_store::search::ts_query(query) else { return };
    let mut client = postgres::Client::connect(site.database_url().unwrap(), postgres::NoTls).unwrap();
    let sql = "EXPLAIN (ANALYZE, BUFFERS) SELECT p.id, p.score,
                ts_headline('pli_fr', t.text, to_tsquery('pli_fr', $1),
                            'StartSel=**, StopSel=**, MaxWords=12, MinWords=5, MaxFragments=1')
         FROM (SELECT w.rowid AS id,
                      CAST(ts_rank_cd(w.tsv, to_tsquery('pli_fr', $1)) AS DOUBLE PRECISION) AS score
               FROM (SELECT rowid, tsv FROM courrier_text WHERE tsv @@ to_tsquery('pli_fr', $1)
                     ORDER BY rowid DESC LIMIT $3) w
               ORDER BY score DESC, w.rowid DESC LIMIT $2) p
         JOIN courrier_text t ON t.rowid = p.id
         ORDER BY p.score DESC, p.id DESC";
    let limit = 20i64;
    let window = pli_store::search::RANKING_WINDOW as i64;
    println!("postgres: plan of « {query} »:");
    for row in client.query(sql, &[&tsq, &limit, &window]).unwrap() {
        println!("    {}", row.get::<_, String>(0));
    }
    // The other way PostgreSQL can take: every match from the GIN index (a bitmap),
    // then the 2 000 most recent sorted out. For comparison only.
    client.batch_execute("SET enable_indexscan = off").unwrap();
    println!("postgres: the same query, the primary key's backward scan disabled:");
    for row in client.query(sql, &[&tsq, &limit, &window]).unwrap() {
        let line = row.get::<_, String>(0);
        if !line.starts_with(' ') || line.contains("Scan") || line.contains("actual") && line.contains("Sort") {
            println!("    {line}");
        }
    }
}

fn main() {
    let n: usize = std::env::var("PLI_BENCH_COURRIERS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let words = vocabulary();
    let queries = queries(&words);

    let sqlite = {
        let site = Site::new(Engine::Sqlite).unwrap();
        let store = site.open();
        load_sqlite(&site, &words, n);
        measure("sqlite", &store, &queries, n).0
    }; // the SQLite site is deleted here, before PostgreSQL's is filled

    if postgres_server().is_none() {
        println!("SQLite only: run inside `pg_virtualenv -v 15` to measure PostgreSQL in the same run");
        return;
    }
    let site = Site::new(Engine::Postgres).unwrap();
    let store = site.open();
    load_postgres(&site, &words, n);
    let (pg, slowest) = measure("postgres", &store, &queries, n);
    explain(&site, &slowest);
    // And two frequent words (each in about a third of the courriers), for the other side.
    explain(&site, "demande courrier");
    println!(
        "postgres / sqlite: p50 {:.2}×, p95 {:.2}×, max {:.2}×",
        pg.p50 / sqlite.p50,
        pg.p95 / sqlite.p95,
        pg.max / sqlite.max
    );
}
