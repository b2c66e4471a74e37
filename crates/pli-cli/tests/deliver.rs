//! A scanner workstation delivering to a server while everything goes wrong: the real
//! `pli serve` (on PostgreSQL) killed and restarted at random, connections cut or stalled
//! mid-body by a proxy on loopback, the real `pli deliver` killed with SIGKILL and started
//! again. At the end every content page is in exactly one courrier on the server, none
//! twice, the outbox is empty and the server's history verifies.
//!
//! Small in `make test`; at scale with `PLI_DELIVERY_BATCHES=100` (and
//! `PLI_DELIVERY_LETTERS`, letters per batch), figures printed.

use pli_core::capture::{Actor, BatchPageRecord, BatchStore, NewBatch, NewCourrier, NewCourrierPage, PageRole};
use pli_core::registration::{ChronoFormat, Qualification};
use pli_store::org::{OrganisationSheets, Sheet};
use pli_store::testing::{Engine, Site};
use pli_store::{Session, Store};
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

/// A scanner workstation: who is signed in there, its name, and what its scans weigh.
struct Workstation {
    operator: &'static str,
    name: &'static str,
    /// Distinguishes its captures from another workstation's (the capture id is a hash).
    seed: u64,
    pages_per_letter: usize,
    /// Each page's bytes in the courrier's PDF (random: as incompressible as a JPEG scan),
    /// and its thumbnail's.
    page_bytes: usize,
    thumbnail_bytes: usize,
}

const MAIL_ROOM: Workstation = Workstation {
    operator: "op",
    name: "poste-courrier",
    seed: 0xba7c_0000,
    pages_per_letter: 1,
    page_bytes: 400_000,
    thumbnail_bytes: 20_000,
};

/// K batches captured on the workstation (no OCR: the text is given), each with its
/// documents written. Returns the bytes of the batches' folders.
fn capture_on_workstation(data: &Path, w: &Workstation, batches: usize, letters: usize) -> usize {
    let mut store = Store::open(data).unwrap();
    let actor = Actor { login: w.operator.into(), workstation: w.name.into() };
    let mut dice = Dice(w.seed ^ 0xC0FFEE);
    let mut bytes = 0;
    for b in 0..batches {
        let hash = format!("{:064x}", w.seed + b as u64);
        let folder = format!("courriers/lot-{b:04}");
        for l in 0..letters {
            let dir = data.join(&folder).join(l.to_string());
            std::fs::create_dir_all(&dir).unwrap();
            let document: Vec<u8> = (0..w.page_bytes * w.pages_per_letter).map(|_| dice.roll() as u8).collect();
            std::fs::write(dir.join("courrier.pdf"), &document).unwrap();
            for p in 0..w.pages_per_letter {
                std::fs::write(dir.join(format!("p{p}.jpg")), &document[..w.thumbnail_bytes]).unwrap();
            }
            bytes += document.len() + w.pages_per_letter * w.thumbnail_bytes;
        }
        let pages = letters * w.pages_per_letter;
        let text = |l: usize, p: usize| format!("{} lot {b} lettre {l} page {p}", w.name);
        let batch = NewBatch {
            source_path: format!("/scanner/{}/lot-{b:04}.pdf", w.name),
            content_hash: hash,
            profile: "generic-pdf".into(),
            folder: folder.clone(),
            pages: (0..pages)
                .map(|i| BatchPageRecord { source_index: i, role: PageRole::Content, detail: None, kept: None })
                .collect(),
            courriers: (0..letters)
                .map(|l| NewCourrier {
                    separator: None,
                    direction: None,
                    pdf_path: format!("{folder}/{l}/courrier.pdf"),
                    text: (0..w.pages_per_letter).map(|p| text(l, p)).collect::<Vec<_>>().join("\n"),
                    pages: (0..w.pages_per_letter)
                        .map(|p| NewCourrierPage {
                            source_index: l * w.pages_per_letter + p,
                            rotation_degrees: 0,
                            ocr_confidence: 90.0,
                            thumbnail_path: format!("{folder}/{l}/p{p}.jpg"),
                            text: text(l, p),
                        })
                        .collect(),
                })
                .collect(),
        };
        store.commit_batch(&batch, &actor).unwrap();
    }
    bytes
}

/// What the network between the workstation and the server does.
#[derive(Clone, Copy, PartialEq)]
enum Network {
    /// A link between sites on a bad day: about 4 MB/s, one connection in four cut after
    /// a random number of bytes, one in eight stalled 3 s first.
    Flaky,
    /// Loopback as it is; only the bytes are counted.
    Clean,
}

/// A proxy on loopback forwarding to a server's port; stops when dropped.
struct Proxy {
    port: u16,
    stop: Arc<AtomicBool>,
    /// Connections cut or stalled.
    faults: Arc<AtomicU64>,
    /// Bytes from the workstation to the server.
    sent: Arc<AtomicU64>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn proxy(to: u16, network: Network) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let (stop, faults, sent) =
        (Arc::new(AtomicBool::new(false)), Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let p = Proxy { port, stop: stop.clone(), faults: faults.clone(), sent: sent.clone() };
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
            let fate = if network == Network::Flaky { dice.below(8) } else { 7 };
            let cut_after = match fate {
                0 | 1 => Some(dice.below(900_000) as usize),
                _ => None,
            };
            let stall = fate == 2;
            if cut_after.is_some() || stall {
                faults.fetch_add(1, Ordering::SeqCst);
            }
            let paced = network == Network::Flaky;
            let (c2, s2, up) = (client.try_clone().unwrap(), server.try_clone().unwrap(), sent.clone());
            std::thread::spawn(move || pump(client, server, cut_after, stall, paced, Some(up)));
            std::thread::spawn(move || pump(s2, c2, None, false, paced, None));
        }
    });
    p
}

fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    cut_after: Option<usize>,
    stall: bool,
    paced: bool,
    count: Option<Arc<AtomicU64>>,
) {
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
        if let Some(count) = &count {
            count.fetch_add(n as u64, Ordering::SeqCst);
        }
        if paced {
            // About 4 MB/s: slow enough for faults to land mid-batch.
            std::thread::sleep(Duration::from_millis(4));
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}

/// A process's messages, appended to a file kept for when a test fails.
fn log_to(path: &Path) -> Stdio {
    std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap().into()
}

/// The end of a log, to say why a test failed.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

fn start_server(config: &Path) -> Killed {
    Killed(
        Command::new(env!("CARGO_BIN_EXE_pli"))
            .args(["serve", "--config", &config.display().to_string()])
            .env("PLI_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log_to(&config.with_extension("log")))
            .spawn()
            .unwrap(),
    )
}

fn start_deliverer(workstation: &Path, proxy: u16) -> Killed {
    start_deliverer_as(workstation, proxy, "op")
}

fn start_deliverer_as(workstation: &Path, port: u16, login: &str) -> Killed {
    let password = if login == "op2" { "motdepasse2" } else { "motdepasse1" };
    Killed(
        Command::new(env!("CARGO_BIN_EXE_pli"))
            .args(["--data", &workstation.display().to_string(), "deliver", "--until-empty", "--patience", "1"])
            .args(["--server", &format!("http://127.0.0.1:{port}"), "--login", login])
            .env("PLI_SERVER_PASSWORD", password)
            .stdout(log_to(&workstation.join("deliver.log")))
            .stderr(log_to(&workstation.join("deliver.log")))
            .spawn()
            .unwrap(),
    )
}

/// The agency's registry: two mail-room operators, two directions with their referents.
fn agency(site: &Site) {
    let mut store = site.open();
    let sheet = |name: &str, text: &str| Some(Sheet { name: name.into(), text: text.into() });
    let sheets = OrganisationSheets {
        directions: sheet(
            "directions.csv",
            "code;nom;parent;actif\nDG;Direction générale;;oui\nDRH;Ressources humaines;DG;oui\n\
             DAF;Affaires financières;DG;oui\n",
        ),
        users: sheet(
            "utilisateurs.csv",
            "identifiant;nom;roles;actif;mot_de_passe\nop;Odile;opérateur;oui;motdepasse1\n\
             op2;Omar;opérateur;oui;motdepasse2\nrh;René;référent:DRH;oui;\naf;Anne;référent:DAF;oui;\n",
        ),
        document_types: sheet("types.csv", "code;nom;delai_jours;npai\nCOUR;Courrier;30;non\n"),
    };
    store.import_organisation(&sheets, &Actor { login: "admin".into(), workstation: "test".into() }).unwrap();
}

/// `pli serve`'s configuration on a free loopback port over the site's database.
fn server_config(site: &Site) -> (u16, std::path::PathBuf) {
    let port = free_port();
    let config = site.data_dir().join("pli.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{port}\"\ndatabase = {:?}\ndata = {:?}\nui = \"/nonexistent\"\n",
            site.database_url().unwrap(),
            site.data_dir().display().to_string()
        ),
    )
    .unwrap();
    (port, config)
}

/// Waits until every deliverer has emptied its outbox (each restarted if it stops early).
fn until_delivered(deliverers: &mut [(Killed, &Path, u16, &str)], limit: Duration) {
    let deadline = Instant::now() + limit;
    let mut done = vec![false; deliverers.len()];
    while done.iter().any(|d| !d) {
        if Instant::now() > deadline {
            let logs: Vec<String> =
                deliverers.iter().map(|d| format!("{}:\n{}", d.3, tail(&d.1.join("deliver.log")))).collect();
            panic!("the outboxes did not empty within {limit:?}; the deliverers said:\n{}", logs.join("\n"));
        }
        for (i, (child, data, port, login)) in deliverers.iter_mut().enumerate() {
            if done[i] {
                continue;
            }
            if let Some(status) = child.0.try_wait().unwrap() {
                if status.success() {
                    done[i] = true;
                } else {
                    *child = start_deliverer_as(data, *port, login);
                }
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn every_page_reaches_the_server_exactly_once_through_crashes_and_cut_connections() {
    let Some(server_site) = Site::new(Engine::Postgres) else { return };
    let batches: usize = std::env::var("PLI_DELIVERY_BATCHES").ok().and_then(|v| v.parse().ok()).unwrap_or(6);
    let letters: usize = std::env::var("PLI_DELIVERY_LETTERS").ok().and_then(|v| v.parse().ok()).unwrap_or(2);
    agency(&server_site);
    let workstation = tempfile::tempdir().unwrap();
    let bytes = capture_on_workstation(workstation.path(), &MAIL_ROOM, batches, letters);
    let (port, config) = server_config(&server_site);
    let network = proxy(port, Network::Flaky);
    let proxy = network.port;

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
            let text = format!("{} lot {b} lettre {l} page 0", MAIL_ROOM.name);
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
        network.faults.load(Ordering::SeqCst),
        took.as_secs_f64()
    );
    assert!(server_kills > 0 && deliverer_kills > 0, "faults were injected while batches were on their way");
}

/// Waits until the server answers on its port.
fn wait_ready(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "pli serve did not listen on {port} within a minute");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The PostgreSQL cluster the tests run on when it is a Debian cluster of this machine
/// (`pg_virtualenv`'s): its version and name, to restart it.
fn cluster() -> Option<(String, String)> {
    let port = std::env::var("PGPORT").ok()?;
    let out = Command::new("pg_lsclusters").arg("--no-header").output().ok()?;
    String::from_utf8_lossy(&out.stdout).lines().find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        (f.len() >= 3 && f[2] == port).then(|| (f[0].to_string(), f[1].to_string()))
    })
}

fn pg_ctlcluster(cluster: &(String, String), action: &[&str]) {
    let status = Command::new("pg_ctlcluster").args([&cluster.0, &cluster.1]).args(action).status().unwrap();
    assert!(status.success(), "pg_ctlcluster {} {} {action:?}", cluster.0, cluster.1);
}

/// The last number of a chrono (`A-2026-000012` → 12).
fn chrono_seq(chrono: &str) -> i64 {
    chrono.rsplit('-').next().and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("chrono « {chrono} »"))
}

/// Two workstations deliver at once into one server while its database crashes and comes
/// back (stopped in `immediate` mode, as at a power cut). Every page arrives once, each
/// batch is recorded as scanned by the operator of its workstation, and the registrations
/// made on the server by both operators at once give chrono numbers without gap or repeat,
/// baskets and daily figures that agree. Runs alone (`.config/nextest.toml`): the whole
/// cluster restarts.
#[test]
fn two_workstations_deliver_at_once_through_a_database_restart() {
    let Some(server_site) = Site::new(Engine::Postgres) else { return };
    let Some(cluster) = cluster() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "in CI the tests run in pg_virtualenv, whose cluster this test restarts"
        );
        eprintln!("NOTICE: PostgreSQL is not a Debian cluster of this machine (pg_virtualenv): test skipped");
        return;
    };
    agency(&server_site);
    let (batches, letters) = (4, 3);
    let a = Workstation { operator: "op", name: "poste-accueil", seed: 0xaaaa_0000, ..MAIL_ROOM };
    let b = Workstation { operator: "op2", name: "poste-annexe", seed: 0xbbbb_0000, ..MAIL_ROOM };
    let (wa, wb) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    capture_on_workstation(wa.path(), &a, batches, letters);
    capture_on_workstation(wb.path(), &b, batches, letters);
    let (port, config) = server_config(&server_site);
    // Paced like a link between sites, so that the crash lands while batches are on their way.
    let network = proxy(port, Network::Flaky);
    let _server = start_server(&config);
    wait_ready(port);
    let mut deliverers = [
        (start_deliverer_as(wa.path(), network.port, "op"), wa.path(), network.port, "op"),
        (start_deliverer_as(wb.path(), network.port, "op2"), wb.path(), network.port, "op2"),
    ];
    let deadline = Instant::now() + Duration::from_secs(120);
    while server_site.count("SELECT count(*) FROM delivery") == 0 {
        assert!(Instant::now() < deadline, "no batch delivered within 2 minutes");
        std::thread::sleep(Duration::from_millis(20));
    }
    let before_crash = server_site.count("SELECT count(*) FROM delivery");
    pg_ctlcluster(&cluster, &["stop", "-m", "immediate"]);
    std::thread::sleep(Duration::from_millis(1500));
    pg_ctlcluster(&cluster, &["start"]);
    until_delivered(&mut deliverers, Duration::from_secs(300));
    assert!(before_crash < 2 * batches as i64, "the database crashed while batches were on their way");

    // Every page once, from both workstations; each batch recorded as its operator's.
    let total = (2 * batches * letters) as i64;
    assert_eq!(server_site.count("SELECT count(*) FROM batch"), 2 * batches as i64);
    assert_eq!(server_site.count("SELECT count(*) FROM courrier"), total);
    for w in [&a, &b] {
        for batch in 0..batches {
            for l in 0..letters {
                let text = format!("{} lot {batch} lettre {l} page 0", w.name);
                let n = server_site.count(&format!("SELECT count(*) FROM courrier_page WHERE text = '{text}'"));
                assert_eq!(n, 1, "« {text} » on the server {n} times");
            }
        }
        let theirs = server_site.count(&format!(
            "SELECT count(*) FROM event WHERE kind = 'courrier_captured' AND actor = '{}' AND workstation = '{}'",
            w.operator, w.name
        ));
        assert_eq!(theirs, (batches * letters) as i64, "courriers captured by {} at {}", w.operator, w.name);
    }
    for w in [&wa, &wb] {
        assert!(Store::open(w.path()).unwrap().outbox().unwrap().is_empty(), "an outbox is empty");
    }

    // Both operators register on the server at the same time, half each.
    let ids: Vec<i64> =
        server_site.raw("SELECT id FROM courrier ORDER BY id").unwrap().iter().map(|r| r[0].parse().unwrap()).collect();
    let registering: Vec<_> = ["op", "op2"]
        .into_iter()
        .enumerate()
        .map(|(half, login)| {
            let mut store = server_site.open();
            let mine: Vec<i64> = ids.iter().copied().skip(half).step_by(2).collect();
            std::thread::spawn(move || {
                let s = Session { viewer: store.viewer(login).unwrap(), workstation: format!("navigateur {login}") };
                for (k, id) in mine.into_iter().enumerate() {
                    let form = Qualification {
                        document_type: Some("COUR".into()),
                        subject: Some(format!("Courrier {id}")),
                        arrival_date: Some(time::OffsetDateTime::now_utc().date()),
                        main_direction: Some(if k % 2 == 0 { "DRH" } else { "DAF" }.into()),
                        ..Qualification::default()
                    };
                    store.register(&s, id, &form, &ChronoFormat::default()).unwrap();
                }
            })
        })
        .collect();
    for r in registering {
        r.join().unwrap();
    }
    let mut seqs: Vec<i64> =
        server_site.raw("SELECT chrono FROM courrier").unwrap().iter().map(|r| chrono_seq(&r[0])).collect();
    seqs.sort();
    assert_eq!(seqs, (1..=total).collect::<Vec<_>>(), "chrono numbers without gap or repeat");
    let store = server_site.open();
    let to_process = |login: &str| {
        let s = Session { viewer: store.viewer(login).unwrap(), workstation: "test".into() };
        store.baskets(&s).unwrap().into_iter().find(|b| b.name == "À traiter").unwrap().count
    };
    let drh = server_site
        .count("SELECT count(*) FROM courrier c JOIN direction d ON d.id = c.main_direction_id WHERE d.code = 'DRH'");
    assert_eq!(to_process("rh"), drh);
    assert_eq!(to_process("af"), total - drh);
    let paris = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
    let today = jiff::Timestamp::now().to_zoned_datetime(paris).date();
    let report = store.activity_report(today, today, &Default::default()).unwrap();
    let day = &report.days[0];
    assert_eq!((day.scanned, day.registered), (total as usize, total as usize), "the day's figures");
    assert_eq!(day.active_operators, 2, "each workstation's operator counted");
    println!(
        "FIGURES two workstations: {} batches, {total} courriers, the database crashed and restarted after {before_crash} \
         deliveries; {} connections cut or stalled",
        2 * batches,
        network.faults.load(Ordering::SeqCst)
    );
}

/// What delivering costs, on loopback without faults: a 100-page batch (time, bytes sent
/// against the batch's own size), then a workstation that was offline for a day catching up
/// (100 letters waiting). Figures, not pass/fail; the bytes sent are checked (nothing sent
/// twice, little overhead).
#[test]
fn what_a_delivery_costs() {
    let Some(server_site) = Site::new(Engine::Postgres) else { return };
    agency(&server_site);
    let (port, config) = server_config(&server_site);
    let network = proxy(port, Network::Clean);
    let _server = start_server(&config);
    wait_ready(port);
    let deliver = |data: &Path| {
        let sent = network.sent.load(Ordering::SeqCst);
        let t = Instant::now();
        until_delivered(
            &mut [(start_deliverer(data, network.port), data, network.port, "op")],
            Duration::from_secs(300),
        );
        (t.elapsed().as_secs_f64(), network.sent.load(Ordering::SeqCst) - sent)
    };
    // 25 letters of 4 pages, as scanned at 300 dpi: ~250 kB a page in its PDF, a thumbnail.
    let scan = Workstation {
        seed: 0xc057_0000,
        pages_per_letter: 4,
        page_bytes: 250_000,
        thumbnail_bytes: 12_000,
        ..MAIL_ROOM
    };
    let one = tempfile::tempdir().unwrap();
    let size = capture_on_workstation(one.path(), &scan, 1, 25) as u64;
    let (took, sent) = deliver(one.path());
    assert_eq!(server_site.count("SELECT count(*) FROM courrier_page"), 100);
    assert!(sent >= size && sent < size + size / 20, "bytes sent {sent} for a batch of {size}");

    // A day offline: 10 batches of 10 letters of 2 pages, sent when the server is back.
    let day = Workstation { seed: 0xda40_0000, pages_per_letter: 2, ..scan };
    let offline = tempfile::tempdir().unwrap();
    let day_size = capture_on_workstation(offline.path(), &day, 10, 10) as u64;
    let (day_took, day_sent) = deliver(offline.path());
    assert_eq!(server_site.count("SELECT count(*) FROM courrier"), 125);
    assert!(day_sent >= day_size && day_sent < day_size + day_size / 20, "bytes sent {day_sent} for {day_size}");
    println!(
        "FIGURES delivery cost on loopback: a 100-page batch ({:.1} MB) in {took:.2} s, {:.1} MB sent ({:.3}× its size); \
         a day offline (100 letters, 200 pages, {:.1} MB in 10 batches) caught up in {day_took:.2} s, {:.1} MB sent \
         ({:.3}×); times include starting `pli deliver` and its sign-in",
        size as f64 / 1e6,
        sent as f64 / 1e6,
        sent as f64 / size as f64,
        day_size as f64 / 1e6,
        day_sent as f64 / 1e6,
        day_sent as f64 / day_size as f64
    );
}
