//! What a connected workstation's window waits for, against the same workstation standalone.
//!
//! The demo batch is captured by the background watcher of a workstation connected to a
//! `pli serve` on loopback (SQLite, in this process); it reaches the server through the
//! outbox. The workstation's own registry holds the same courriers, so the same calls are
//! timed twice in one run: through the server (`Desk::remote_call`, images through
//! `/img/`) and answered by a standalone `Desk` on the workstation's registry (the
//! baseline); the ratio is the cost of the network and of the server's session checks.
//!
//! `cargo bench -p pli-app --bench connected`. Figures, not pass/fail.

use pli_app::{DEMO_PASSWORD, Desk, DeskSettings, ScannerSettings};
use pli_core::capture::Actor;
use pli_core::registration::ChronoFormat;
use pli_server::{App, ServerConfig};
use pli_store::testing::{Engine, Site};
use pli_watch::WatchEvent;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ROUNDS: usize = 200;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Milliseconds of each of `ROUNDS` calls (after 5 to warm up).
fn time(mut call: impl FnMut()) -> f64 {
    for _ in 0..5 {
        call();
    }
    median(
        (0..ROUNDS)
            .map(|_| {
                let t = Instant::now();
                call();
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect(),
    )
}

fn main() {
    let site = Site::new(Engine::Sqlite).unwrap();
    {
        let mut store = site.open();
        let actor = Actor { login: "pli".into(), workstation: "serveur".into() };
        pli_app::install_demo_if_empty(&mut store, &actor).unwrap();
    }
    let mut config = ServerConfig::parse(&format!("data = {:?}", site.data_dir().display().to_string())).unwrap();
    config.ui = site.data_dir().join("ui");
    let server = pli_server::Running::start(App::open(config).unwrap()).unwrap();
    let url = format!("http://{}", server.address);

    // The workstation: the demo organisation of its own too, so that it can be signed in
    // to standalone afterwards (the baseline).
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let settings = DeskSettings {
        data_dir: data.clone(),
        scanner: Some(ScannerSettings {
            folder: data.join("scanner").display().to_string(),
            profile: "generic-pdf".into(),
        }),
        demo: true,
        demo_batch: true,
        workstation: "bench".into(),
        chrono: ChronoFormat::default(),
        server: Some(url.clone()),
    };
    let connected = Desk::open(settings.clone()).unwrap();
    connected.sign_in("accueil", DEMO_PASSWORD).unwrap();
    let done = Arc::new(Mutex::new(None));
    let seen = done.clone();
    let t = Instant::now();
    connected.start_capture(move |e| {
        if let WatchEvent::BatchDone { .. } = e {
            *seen.lock().unwrap() = Some(Instant::now());
        }
    });
    let captured = loop {
        if let Some(at) = *done.lock().unwrap() {
            break at;
        }
        assert!(t.elapsed() < Duration::from_secs(300), "the demo batch was not captured");
        std::thread::sleep(Duration::from_millis(20));
    };
    while connected.capture_status().unwrap().outbox.unwrap().waiting > 0 {
        assert!(captured.elapsed() < Duration::from_secs(120), "the batch did not reach the server");
        std::thread::sleep(Duration::from_millis(20));
    }
    let delivered = captured.elapsed();
    connected.stop_capture();
    let bytes: u64 = walk(&data.join("courriers"));
    println!(
        "demo batch (4 courriers, {:.1} MB of documents) captured in {:.1} s, on the server {:.0} ms after its commit here",
        bytes as f64 / 1e6,
        (captured - t).as_secs_f64(),
        delivered.as_secs_f64() * 1000.0
    );

    // The same workstation standalone, on its own registry (same courriers).
    let standalone = Desk::open(DeskSettings { server: None, demo: false, demo_batch: false, ..settings }).unwrap();
    standalone.sign_in("accueil", DEMO_PASSWORD).unwrap();
    let remote_id = connected.remote_call("next_to_qualify", json!({ "after": null })).unwrap().as_i64().unwrap();
    let local_id = standalone.next_to_qualify(None).unwrap().unwrap();
    let remote_page = connected.remote_call("pages", json!({ "id": remote_id })).unwrap()[0]["src"]
        .as_str()
        .unwrap()
        .trim_start_matches("pli://localhost")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let local_page = standalone.pages(local_id).unwrap()[0].src.trim_start_matches("pli://localhost").to_string();
    let local_page = local_page.split('?').next().unwrap().to_string();

    println!("{ROUNDS} calls each, median per call (ms): standalone | connected | ratio");
    let row = |what: &str, local: f64, remote: f64| {
        println!("  {what:<28} {local:>8.2} | {remote:>8.2} | {:>5.1}×", remote / local);
    };
    row(
        "baskets",
        time(|| drop(standalone.baskets().unwrap())),
        time(|| drop(connected.remote_call("baskets", json!({})).unwrap())),
    );
    row(
        "courrier (record, read)",
        time(|| drop(standalone.courrier(local_id).unwrap())),
        time(|| drop(connected.remote_call("courrier", json!({ "id": remote_id })).unwrap())),
    );
    row(
        "suggestions",
        time(|| drop(standalone.suggestions(local_id).unwrap())),
        time(|| drop(connected.remote_call("suggestions", json!({ "id": remote_id })).unwrap())),
    );
    row(
        "page image (viewer)",
        time(|| drop(standalone.image(&local_page).unwrap())),
        time(|| drop(connected.image(&remote_page).unwrap())),
    );
    drop(server);
}

fn walk(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| match e.file_type() {
                    Ok(t) if t.is_dir() => walk(&e.path()),
                    _ => e.metadata().map(|m| m.len()).unwrap_or(0),
                })
                .sum()
        })
        .unwrap_or(0)
}
