//! Registrations per second with eight concurrent writers, on both engines in the same
//! run: an organisation imported through `Store::import_organisation`, then paper
//! registrations (`Store::register_paper`, a chrono number each) by eight threads, each
//! with its own store on the same site (eight workstations). The baseline, measured in
//! the same run on each engine, is one writer alone. Afterwards the chrono numbers are
//! read back and checked (printed, not asserted) to be 1..=N without a gap or a repeat.
//!
//! `pg_virtualenv -v 15 cargo bench -p pli-store --bench register` (without a PostgreSQL
//! server, SQLite only, with a notice). PLI_BENCH_REGISTRATIONS=2000 by default (for the
//! eight writers; the single writer does an eighth of it). Figures, not pass/fail.

use pli_core::capture::Actor;
use pli_core::registration::{ChronoFormat, Qualification};
use pli_store::Session;
use pli_store::org::{OrganisationSheets, Sheet};
use pli_store::testing::{Engine, Site, postgres_server};
use std::time::Instant;
use time::macros::date;

const WRITERS: usize = 8;

const DIRECTIONS: &str = "code;nom;parent;actif\nDG;Direction générale;;oui\nDRH;Ressources humaines;DG;oui\n\
                          DAF;Affaires financières;DG;oui\nDOS;Offre de soins;DG;oui\n";
const TYPES: &str =
    "code;nom;delai_jours;npai\nCOUR;Courrier;30;non\nRECL;Réclamation;15;non\nNPAI;Pli non distribué;0;oui\n";

/// Eight operators (no password: hashing is deliberately slow and not measured here) and a referent.
fn users() -> String {
    let mut s = String::from("identifiant;nom;roles;actif;mot_de_passe\n");
    for w in 0..WRITERS {
        s.push_str(&format!("op{w};Opérateur {w};opérateur;oui;\n"));
    }
    s.push_str("rh;René Référent;référent:DRH;oui;\n");
    s
}

fn form(i: usize) -> Qualification {
    let direction = ["DRH", "DAF", "DOS", "DG"][i % 4];
    Qualification {
        document_type: Some(if i.is_multiple_of(3) { "RECL" } else { "COUR" }.into()),
        subject: Some(format!("Demande n° {i} pour {direction}")),
        arrival_date: Some(date!(2026 - 11 - 30)),
        main_direction: Some(direction.into()),
        confidential: Some(false),
        ..Qualification::default()
    }
}

struct Run {
    per_second: f64,
    p50: f64,
    p95: f64,
    max: f64,
    failures: usize,
}

/// `writers` threads, each with its own store on `site`, registering `n` courriers in all.
fn run(site: &Site, writers: usize, n: usize, first: usize) -> Run {
    let chrono = ChronoFormat::default();
    let barrier = std::sync::Barrier::new(writers + 1);
    let (latencies, failures, elapsed) = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..writers)
            .map(|w| {
                let (chrono, barrier) = (&chrono, &barrier);
                let mine = n / writers + usize::from(w < n % writers);
                scope.spawn(move || {
                    let mut store = site.open();
                    let s =
                        Session { viewer: store.viewer(&format!("op{w}")).unwrap(), workstation: format!("poste-{w}") };
                    let mut latencies = Vec::with_capacity(mine);
                    let mut failures = Vec::new();
                    barrier.wait();
                    for i in 0..mine {
                        let t = Instant::now();
                        match store.register_paper(&s, &form(first + i * writers + w), chrono) {
                            Ok(_) => latencies.push(t.elapsed().as_secs_f64() * 1000.0),
                            Err(e) => failures.push(e.to_string()),
                        }
                    }
                    drop(store);
                    (latencies, failures)
                })
            })
            .collect();
        barrier.wait();
        let t = Instant::now();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let elapsed = t.elapsed().as_secs_f64();
        let mut latencies = Vec::new();
        let mut failures = Vec::new();
        for (l, f) in results {
            latencies.extend(l);
            failures.extend(f);
        }
        (latencies, failures, elapsed)
    });
    if let Some(first) = failures.first() {
        println!("  {} registrations failed, the first: {first}", failures.len());
    }
    let mut latencies = latencies;
    latencies.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| latencies.get(((latencies.len() as f64 * p) as usize).min(latencies.len().max(1) - 1)).copied();
    Run {
        per_second: latencies.len() as f64 / elapsed,
        p50: pct(0.5).unwrap_or(f64::NAN),
        p95: pct(0.95).unwrap_or(f64::NAN),
        max: latencies.last().copied().unwrap_or(f64::NAN),
        failures: failures.len(),
    }
}

/// The chrono numbers given, read back through the bench's own connection: are they
/// exactly 1..=expected?
fn check_chronos(site: &Site, expected: usize) -> String {
    let rows = site.raw("SELECT chrono FROM courrier WHERE chrono IS NOT NULL").unwrap();
    let mut seqs: Vec<u64> = rows.iter().filter_map(|r| r.first()?.rsplit('-').next()?.parse().ok()).collect();
    seqs.sort_unstable();
    let distinct = {
        let mut d = seqs.clone();
        d.dedup();
        d.len()
    };
    let gapless = seqs.iter().copied().eq(1..=expected as u64);
    format!(
        "{} chrono numbers, {distinct} distinct, {}..={}: {}",
        seqs.len(),
        seqs.first().copied().unwrap_or(0),
        seqs.last().copied().unwrap_or(0),
        if gapless { format!("exactly 1..={expected}, no gap, no repeat") } else { format!("NOT 1..={expected}") }
    )
}

fn bench(engine: Engine, name: &str, n: usize) -> Option<(Run, Run)> {
    let site = Site::new(engine)?;
    let mut store = site.open();
    let sheets = OrganisationSheets {
        directions: Some(Sheet { name: "directions.csv".into(), text: DIRECTIONS.into() }),
        users: Some(Sheet { name: "utilisateurs.csv".into(), text: users() }),
        document_types: Some(Sheet { name: "types.csv".into(), text: TYPES.into() }),
    };
    store.import_organisation(&sheets, &Actor { login: "admin".into(), workstation: "bench".into() }).unwrap();
    drop(store);

    let single_n = (n / WRITERS).max(1);
    let single = run(&site, 1, single_n, 0);
    println!(
        "{name}: 1 writer, {single_n} paper registrations: {:.0} registrations/s (latency p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms{})",
        single.per_second,
        single.p50,
        single.p95,
        single.max,
        if single.failures > 0 { format!(", {} FAILED", single.failures) } else { String::new() }
    );
    let many = run(&site, WRITERS, n, single_n);
    println!(
        "{name}: {WRITERS} writers, {n} paper registrations: {:.0} registrations/s, {:.2}× one writer (latency p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms{})",
        many.per_second,
        many.per_second / single.per_second,
        many.p50,
        many.p95,
        many.max,
        if many.failures > 0 { format!(", {} FAILED", many.failures) } else { String::new() }
    );
    let registered = single_n - single.failures + n - many.failures;
    println!("{name}: {}", check_chronos(&site, registered));
    Some((single, many))
}

fn main() {
    let n: usize = std::env::var("PLI_BENCH_REGISTRATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let (_, sqlite) = bench(Engine::Sqlite, "sqlite", n).unwrap();
    if postgres_server().is_none() {
        println!("SQLite only: run inside `pg_virtualenv -v 15` to measure PostgreSQL in the same run");
        return;
    }
    if let Some((_, pg)) = bench(Engine::Postgres, "postgres", n) {
        println!(
            "postgres / sqlite, {WRITERS} writers: {:.2}× the registrations/s, p95 latency {:.2}×",
            pg.per_second / sqlite.per_second,
            pg.p95 / sqlite.p95
        );
    }
}
