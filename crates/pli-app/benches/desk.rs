//! What the window waits for, measured on the demo batch captured by the background
//! watcher (real OCR):
//! - a page for the viewer (`pli://…/page/…`: the scan taken from the courrier's PDF,
//!   scaled to 2000 px, JPEG), against poppler's `pdftoppm` rasterising the same page
//!   to the same size in the same run;
//! - opening the next courrier of the qualification queue (record, pages, suggestions
//!   with the direction model trained on the last 5000 routed courriers), with
//!   `PLI_BENCH_ROUTED` (default 5000) synthetic routed courriers in the store.
//!
//! `cargo bench -p pli-app --bench desk`. Figures, not pass/fail.

use pli_app::{DEMO_PASSWORD, Desk, DeskSettings};
use pli_core::registration::ChronoFormat;
use pli_watch::WatchEvent;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn p95(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 * 0.95).ceil() as usize).saturating_sub(1)]
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let desk = Desk::open(DeskSettings {
        data_dir: data.clone(),
        scanner: None,
        demo: true,
        demo_batch: true,
        workstation: "bench".into(),
        chrono: ChronoFormat::default(),
        server: None,
    })
    .unwrap();
    let batch = Arc::new(Mutex::new(None));
    let done = batch.clone();
    let t = Instant::now();
    desk.start_capture(move |e| {
        if let WatchEvent::BatchDone { batch, .. } = e {
            *done.lock().unwrap() = Some(batch);
        }
    });
    let batch = loop {
        if let Some(b) = *batch.lock().unwrap() {
            break b;
        }
        assert!(t.elapsed() < Duration::from_secs(300), "the demo batch was not captured");
        std::thread::sleep(Duration::from_millis(100));
    };
    desk.stop_capture();
    println!("demo batch captured by the background watcher in {:.1} s", t.elapsed().as_secs_f64());

    desk.sign_in("accueil", DEMO_PASSWORD).unwrap();
    let check = desk.batch_check(batch).unwrap();

    // Viewer pages, and poppler on the same pages at the same size.
    let (mut ours, mut poppler) = (Vec::new(), Vec::new());
    let out = dir.path().join("poppler");
    for _round in 0..5 {
        for c in &check.courriers {
            let pdf = desk.pdf_to_open(c.id).unwrap();
            for p in &c.pages {
                let path = p.src.trim_start_matches("pli://localhost");
                let t = Instant::now();
                let (_, jpeg) = desk.image(path).unwrap();
                ours.push(t.elapsed().as_secs_f64() * 1000.0);
                let img = image::load_from_memory(&jpeg).unwrap();
                let page = (p.position + 1).to_string();
                let t = Instant::now();
                let status = Command::new("pdftoppm")
                    .args(["-jpeg", "-jpegopt", "quality=82", "-gray", "-f", &page, "-l", &page])
                    .args(["-scale-to", &img.width().max(img.height()).to_string()])
                    .arg(&pdf)
                    .arg(&out)
                    .status()
                    .expect("pdftoppm (poppler-utils)");
                poppler.push(t.elapsed().as_secs_f64() * 1000.0);
                assert!(status.success());
            }
        }
    }
    let (m, pm) = (median(ours.clone()), median(poppler.clone()));
    println!(
        "viewer page ({} images): median {m:.0} ms, p95 {:.0} ms; pdftoppm same pages and size: median {pm:.0} ms, \
         p95 {:.0} ms; ours / poppler = {:.2}",
        ours.len(),
        p95(ours),
        p95(poppler),
        m / pm
    );

    // Opening the next courrier of the queue with many routed courriers to learn from.
    let routed: usize = std::env::var("PLI_BENCH_ROUTED").ok().and_then(|v| v.parse().ok()).unwrap_or(5000);
    // Bulk-inserted through a connection of the bench's own on the data folder's SQLite
    // file, not through Pli: SQLite only for now.
    let conn = rusqlite::Connection::open(data.join("pli.sqlite3")).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn.execute_batch("BEGIN").unwrap();
    let directions: Vec<i64> =
        conn.prepare("SELECT id FROM direction").unwrap().query_map([], |r| r.get(0)).unwrap().flatten().collect();
    let vocab = ["agrément", "budget", "facture", "recrutement", "candidature", "paiement", "inspection", "soins"];
    for i in 0..routed {
        let d = directions[i % directions.len()];
        conn.execute(
            "INSERT INTO courrier (state, created_at, main_direction_id, subject) VALUES ('to_process', '2026-01-01T00:00:00Z', ?1, 'x')",
            [d],
        )
        .unwrap();
        let id = conn.last_insert_rowid();
        let text: Vec<&str> = (0..120).map(|k| vocab[(i * 7 + k * (d as usize + 1)) % vocab.len()]).collect();
        conn.execute("INSERT INTO courrier_text (rowid, text) VALUES (?1, ?2)", rusqlite::params![id, text.join(" ")])
            .unwrap();
    }
    // Letters waiting in the queue, their separator sheets plain: the model decides.
    conn.execute("UPDATE courrier SET direction_hint = NULL WHERE batch_id IS NOT NULL", []).unwrap();
    for i in 0..QUEUE {
        conn.execute("INSERT INTO courrier (state, created_at) VALUES ('to_qualify', '2026-01-02T00:00:00Z')", [])
            .unwrap();
        let id = conn.last_insert_rowid();
        let text: Vec<&str> = (0..120).map(|k| vocab[(i * 3 + k * 5) % vocab.len()]).collect();
        conn.execute("INSERT INTO courrier_text (rowid, text) VALUES (?1, ?2)", rusqlite::params![id, text.join(" ")])
            .unwrap();
    }
    conn.execute_batch("COMMIT").unwrap();
    drop(conn);
    // The operator's loop: open the next courrier (record, pages, suggestions), register
    // it with the suggested direction, and so on; only the opening is timed.
    let today = time::OffsetDateTime::now_utc().date();
    let mut opening = Vec::new();
    let mut after = None;
    while let Some(id) = desk.next_to_qualify(after).unwrap() {
        let t = Instant::now();
        let view = desk.courrier(id).unwrap();
        desk.pages(id).unwrap();
        let s = desk.suggestions(id).unwrap();
        opening.push(t.elapsed().as_secs_f64() * 1000.0);
        let form = pli_core::registration::Qualification {
            document_type: Some("COUR".into()),
            subject: Some(format!("Courrier {}", view.id)),
            arrival_date: Some(today),
            main_direction: Some(s.main_direction.expect("the model suggests a direction").value),
            ..Default::default()
        };
        desk.register(id, &form).unwrap();
        after = Some(id);
    }
    let first = opening.remove(0);
    println!(
        "opening the next courrier to qualify (record, pages, suggestions), {routed} routed courriers, \
         {} registered one after the other: first {first:.1} ms (the direction model learned), then \
         median {:.1} ms, p95 {:.1} ms (each registration added to the model)",
        opening.len() + 1,
        median(opening.clone()),
        p95(opening)
    );
}

/// Paper letters waiting to be qualified, besides the demo batch's.
const QUEUE: usize = 30;
