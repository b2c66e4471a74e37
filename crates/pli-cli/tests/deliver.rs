//! A scanner workstation delivering to a server while everything goes wrong: the real
//! `pli serve` (on PostgreSQL) killed and restarted at random, connections cut or stalled
//! mid-body by a proxy on loopback, the real `pli deliver` killed with SIGKILL and started
//! again. At the end every content page is in exactly one courrier on the server, none
//! twice, the outbox is empty and the server's history verifies.
//!
//! Small in `make test`; at scale with `PLI_DELIVERY_BATCHES=100` (and
//! `PLI_DELIVERY_LETTERS`, letters per batch), figures printed.

use pli_core::capture::{Actor, BatchPageRecord, BatchStore, NewBatch, NewCourrier, NewCourrierPage, PageRole};
use pli_store::Store;
use pli_store::org::{OrganisationSheets, Sheet};
use pli_store::testing::{Engine, Site};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A small deterministic generator: the same faults at every run.
struct Dice(u64);

impl Dice {
    fn roll(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.roll() % n
    }
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// K batches captured on the workstation (no OCR: the text is given), each with its
/// documents written (bytes enough for a connection to be cut in the middle).
fn capture_on_workstation(data: &Path, batches: usize, letters: usize) -> usize {
    let mut store = Store::open(data).unwrap();
    let actor = Actor { login: "op".into(), workstation: "poste-courrier".into() };
    let mut dice = Dice(0xC0FFEE);
    let mut bytes = 0;
    for b in 0..batches {
        let hash = format!("{:064x}", 0xba7c_0000_u64 + b as u64);
        let folder = format!("courriers/lot-{b:04}");
        for l in 0..letters {
            let dir = data.join(&folder).join(l.to_string());
            std::fs::create_dir_all(&dir).unwrap();
            let document: Vec<u8> = (0..400_000).map(|_| dice.roll() as u8).collect();
            bytes += document.len();
            std::fs::write(dir.join("courrier.pdf"), &document).unwrap();
            std::fs::write(dir.join("p0.jpg"), &document[..20_000]).unwrap();
        }
        let batch = NewBatch {
            source_path: format!("/scanner/lot-{b:04}.pdf"),
            content_hash: hash,
            profile: "generic-pdf".into(),
            folder: folder.clone(),
            pages: (0..letters)
                .map(|i| BatchPageRecord { source_index: i, role: PageRole::Content, detail: None, kept: None })
                .collect(),
            courriers: (0..letters)
                .map(|l| NewCourrier {
                    separator: None,
                    direction: None,
                    pdf_path: format!("{folder}/{l}/courrier.pdf"),
                    text: format!("lot {b} lettre {l}"),
                    pages: vec![NewCourrierPage {
                        source_index: l,
                        rotation_degrees: 0,
                        ocr_confidence: 90.0,
                        thumbnail_path: format!("{folder}/{l}/p0.jpg"),
                        text: format!("lot {b} lettre {l}"),
                    }],
                })
                .collect(),
        };
        store.commit_batch(&batch, &actor).unwrap();
    }
    bytes
}

/// A proxy on loopback that forwards to `to`, cutting some connections after a random
/// number of bytes and stalling others: a network between sites on a bad day.
fn flaky_proxy(to: u16, stop: Arc<AtomicBool>, faults: Arc<AtomicU64>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let mut dice = Dice(0x5eed);
        while !stop.load(Ordering::SeqCst) {
            let client = match listener.accept() {
                Ok((c, _)) => c,
                Err(_) => {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
            };
            client.set_nonblocking(false).unwrap();
            let Ok(server) = TcpStream::connect(("127.0.0.1", to)) else {
                let _ = client.shutdown(Shutdown::Both);
                continue;
            };
            // One connection in four is cut after some bytes, one in eight stalls first.
            let fate = dice.below(8);
            let cut_after = match fate {
                0 | 1 => Some(dice.below(900_000) as usize),
                _ => None,
            };
            let stall = fate == 2;
            if cut_after.is_some() || stall {
                faults.fetch_add(1, Ordering::SeqCst);
            }
            let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || pump(client, server, cut_after, stall));
            std::thread::spawn(move || pump(s2, c2, None, false));
        }
    });
    port
}

fn pump(mut from: TcpStream, mut to: TcpStream, cut_after: Option<usize>, stall: bool) {
    let mut buf = [0u8; 16384];
    let mut passed = 0;
    if stall {
        std::thread::sleep(Duration::from_secs(3));
    }
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if cut_after.is_some_and(|c| passed + n > c) {
            break;
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
        passed += n;
        // About 4 MB/s: a link between sites, slow enough for faults to land mid-batch.
        std::thread::sleep(Duration::from_millis(4));
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}

fn start_server(config: &Path) -> Killed {
    Killed(
        Command::new(env!("CARGO_BIN_EXE_pli"))
            .args(["serve", "--config", &config.display().to_string()])
            .env("PLI_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

fn start_deliverer(workstation: &Path, proxy: u16) -> Killed {
    Killed(
        Command::new(env!("CARGO_BIN_EXE_pli"))
            .args(["--data", &workstation.display().to_string(), "deliver", "--until-empty", "--patience", "1"])
            .args(["--server", &format!("http://127.0.0.1:{proxy}"), "--login", "op"])
            .env("PLI_SERVER_PASSWORD", "motdepasse1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

#[test]
fn every_page_reaches_the_server_exactly_once_through_crashes_and_cut_connections() {
    let Some(server_site) = Site::new(Engine::Postgres) else { return };
    let batches: usize = std::env::var("PLI_DELIVERY_BATCHES").ok().and_then(|v| v.parse().ok()).unwrap_or(6);
    let letters: usize = std::env::var("PLI_DELIVERY_LETTERS").ok().and_then(|v| v.parse().ok()).unwrap_or(2);
    // The agency's registry, with the mail room's account.
    {
        let mut store = server_site.open();
        let sheet = |name: &str, text: &str| Some(Sheet { name: name.into(), text: text.into() });
        let sheets = OrganisationSheets {
            directions: sheet("directions.csv", "code;nom;parent;actif\nDG;Direction générale;;oui\n"),
            users: sheet(
                "utilisateurs.csv",
                "identifiant;nom;roles;actif;mot_de_passe\nop;Odile;opérateur;oui;motdepasse1\n",
            ),
            document_types: None,
        };
        store.import_organisation(&sheets, &Actor { login: "admin".into(), workstation: "test".into() }).unwrap();
    }
    let workstation = tempfile::tempdir().unwrap();
    let bytes = capture_on_workstation(workstation.path(), batches, letters);

    let port = free_port();
    let config = server_site.data_dir().join("pli.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{port}\"\ndatabase = {:?}\ndata = {:?}\nui = \"/nonexistent\"\n",
            server_site.database_url().unwrap(),
            server_site.data_dir().display().to_string()
        ),
    )
    .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let cut = Arc::new(AtomicU64::new(0));
    let proxy = flaky_proxy(port, stop.clone(), cut.clone());

    let started = Instant::now();
    let mut server = start_server(&config);
    let mut deliverer = start_deliverer(workstation.path(), proxy);
    let mut dice = Dice(0xfa17);
    let (mut server_kills, mut deliverer_kills) = (0, 0);
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        assert!(Instant::now() < deadline, "the outbox did not empty within 5 minutes");
        if let Some(status) = deliverer.0.try_wait().unwrap() {
            if status.success() {
                break;
            }
            deliverer = start_deliverer(workstation.path(), proxy);
        }
        std::thread::sleep(Duration::from_millis(100 + dice.below(400)));
        // Faults while batches are on their way: the server killed once the first batch is
        // in, the workstation once the second is; then at random until the last is in.
        let delivered = server_site.count("SELECT count(*) FROM delivery") as usize;
        if delivered == batches {
            continue;
        }
        let kill_server = (delivered >= 1 && server_kills == 0) || dice.below(8) == 0;
        let kill_deliverer = (delivered >= 2 && deliverer_kills == 0) || dice.below(8) == 0;
        if kill_server {
            let _ = server.0.kill(); // SIGKILL: no graceful stop
            let _ = server.0.wait();
            server_kills += 1;
            std::thread::sleep(Duration::from_millis(dice.below(800)));
            server = start_server(&config);
        }
        if kill_deliverer {
            let _ = deliverer.0.kill();
            let _ = deliverer.0.wait();
            deliverer_kills += 1;
            deliverer = start_deliverer(workstation.path(), proxy);
        }
    }
    let took = started.elapsed();
    stop.store(true, Ordering::SeqCst);
    drop(server);

    // Every page once; nothing twice; the outbox empty; nothing left half-received.
    let want = (batches * letters) as i64;
    assert_eq!(server_site.count("SELECT count(*) FROM batch"), batches as i64);
    assert_eq!(server_site.count("SELECT count(*) FROM delivery"), batches as i64);
    assert_eq!(server_site.count("SELECT count(*) FROM courrier"), want);
    assert_eq!(server_site.count("SELECT count(DISTINCT source_index || '-' || courrier_id) FROM courrier_page"), want);
    assert_eq!(server_site.count("SELECT count(*) FROM event WHERE kind = 'courrier_captured'"), want);
    for b in 0..batches {
        for l in 0..letters {
            let text = format!("lot {b} lettre {l}");
            let n = server_site.count(&format!("SELECT count(*) FROM courrier_page WHERE text = '{text}'"));
            assert_eq!(n, 1, "« {text} » on the server {n} times");
        }
    }
    let local = Store::open(workstation.path()).unwrap();
    assert!(local.outbox().unwrap().is_empty(), "the outbox is empty");
    let incoming = server_site.data_dir().join("incoming");
    let left = std::fs::read_dir(&incoming).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "nothing left half-received in {}", incoming.display());
    let verify = Command::new(env!("CARGO_BIN_EXE_pli"))
        .args(["--data", &server_site.data_dir().display().to_string()])
        .args(["--database", server_site.database_url().unwrap(), "history", "verify"])
        .output()
        .unwrap();
    assert!(verify.status.success(), "the server's history verifies:\n{}", String::from_utf8_lossy(&verify.stdout));
    println!(
        "FIGURES delivery under faults: {batches} batches × {letters} letters ({:.1} MB), {server_kills} server kills, \
         {deliverer_kills} workstation kills, {} connections cut or stalled, {:.1} s until the outbox was empty",
        bytes as f64 / 1e6,
        cut.load(Ordering::SeqCst),
        took.as_secs_f64()
    );
    assert!(server_kills > 0 && deliverer_kills > 0, "faults were injected while batches were on their way");
}
