//! Search latency over a large synthetic corpus: p50/p95/max of two-word queries.
//!
//! `cargo bench -p pli-store --bench search` (PLI_BENCH_COURRIERS=1000000 by default;
//! PLI_BENCH_DIR to keep the database between runs). Figures, not pass/fail.
//!
//! SQLite only for now: the corpus is bulk-inserted into SQLite's full-text table
//! through a connection of the bench's own on the data folder's `pli.sqlite3`, not
//! through Pli.

use pli_store::Store;
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

fn main() {
    let n: usize = std::env::var("PLI_BENCH_COURRIERS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let keep = std::env::var_os("PLI_BENCH_DIR");
    let tmp = tempfile::tempdir().unwrap();
    let dir = keep.map(std::path::PathBuf::from).unwrap_or_else(|| tmp.path().to_path_buf());
    let store = Store::open(&dir).unwrap();
    let words = vocabulary();
    let mut rng = Rng(42);
    let conn = rusqlite::Connection::open(dir.join("pli.sqlite3")).unwrap();
    let have: i64 = conn.query_row("SELECT count(*) FROM courrier_text", [], |r| r.get(0)).unwrap();
    if (have as usize) < n {
        let t = Instant::now();
        conn.execute_batch("BEGIN").unwrap();
        {
            let mut insert = conn.prepare("INSERT INTO courrier_text (rowid, text) VALUES (?1, ?2)").unwrap();
            for id in have as usize..n {
                let len = 60 + (rng.next() % 120) as usize;
                let text: Vec<&str> = (0..len).map(|_| words[rng.zipf(words.len())].as_str()).collect();
                insert.execute(rusqlite::params![id as i64 + 1, text.join(" ")]).unwrap();
                if id % 100_000 == 99_999 {
                    eprintln!("  {} courriers indexés ({:.0} s)", id + 1, t.elapsed().as_secs_f64());
                }
            }
        }
        conn.execute_batch("COMMIT; INSERT INTO courrier_text(courrier_text) VALUES ('optimize');").unwrap();
        println!("indexing {} synthetic courriers: {:.1} s", n - have as usize, t.elapsed().as_secs_f64());
    }
    // Two-word queries: a frequent word with a rarer one, and two mid-frequency words.
    let mut latencies = Vec::new();
    let mut hits_total = 0;
    for i in 0..300 {
        let a = &words[rng.zipf(2_000)];
        let b = if i % 2 == 0 { &words[rng.zipf(words.len())] } else { &words[rng.zipf(500)] };
        let q = format!("{a} {b}");
        let t = Instant::now();
        hits_total += store.search(&q, 20).unwrap().len();
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    latencies.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "search over {n} courriers, {} two-word queries (top 20): p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms, {:.1} hits/query",
        latencies.len(),
        pct(0.5),
        pct(0.95),
        latencies[latencies.len() - 1],
        hits_total as f64 / latencies.len() as f64
    );
}
