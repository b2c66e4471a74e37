//! `pli serve` sends the daily digest of reminders by itself: from the hour `[digest]`
//! names on (here 0, so at once), to a real SMTP server on loopback
//! (`pli-receipt/tests/smtp/sink.py`); the day's digest claimed in the registry, so that
//! no other process sends it again. Both engines.

use pli_core::capture::Actor;
use pli_core::registration::{ChronoFormat, Qualification};
use pli_server::{App, ServerConfig};
use pli_store::org::{OrganisationSheets, Sheet};
use pli_store::testing::{Engine, Site};
use pli_store::{Session, on_both_engines};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const USERS: &str = "identifiant;nom;roles;actif;mot_de_passe;courriel\n\
                     op;Odile Opératrice;opérateur;oui;motdepasse1;\n\
                     rh;René Référent;référent:DRH;oui;motdepasse1;rh@example.fr\n\
                     rh2;Rita Référente;référent:DRH;oui;motdepasse1;rita@example.fr\n";

struct Sink {
    child: std::process::Child,
    dir: tempfile::TempDir,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn the_server_sends_the_day_s_digest_once_from_its_hour(engine: Engine) {
    let Some(site) = Site::new(engine) else { return };
    let mut store = site.open();
    let sheet = |name: &str, text: &str| Some(Sheet { name: name.into(), text: text.into() });
    let sheets = OrganisationSheets {
        directions: sheet("d.csv", "code;nom;parent\nDG;Direction générale;\nDRH;Ressources humaines;DG\n"),
        users: sheet("u.csv", USERS),
        document_types: sheet("t.csv", "code;nom;delai_jours\nINFO;Information;30\n"),
    };
    store.import_organisation(&sheets, &Actor { login: "admin".into(), workstation: "test".into() }).unwrap();
    let op = Session { viewer: store.viewer("op").unwrap(), workstation: "test".into() };
    // Arrived two months ago: late today, whatever today is.
    let form = Qualification {
        document_type: Some("INFO".into()),
        subject: Some("Demande de mutation".into()),
        arrival_date: Some(time::OffsetDateTime::now_utc().date() - time::Duration::days(60)),
        main_direction: Some("DRH".into()),
        ..Qualification::default()
    };
    let chrono = store.register_paper(&op, &form, &ChronoFormat::default()).unwrap().chrono;
    // Rita does not want it.
    let rita = Session { viewer: store.viewer("rh2").unwrap(), workstation: "test".into() };
    store.set_digest(&rita, false).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../pli-receipt/tests/smtp/sink.py");
    let mut child = Command::new("/usr/bin/python3")
        .arg(&script)
        .arg(port.to_string())
        .arg(dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .expect("/usr/bin/python3 with python3-aiosmtpd (scripts/install-deps.sh)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "ready");
    let sink = Sink { child, dir };

    let mut config = ServerConfig::parse(&format!(
        "data = {:?}\n[smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\n\
         from = \"Pli <ne-pas-repondre@example.fr>\"\n[digest]\nhour = 0\n",
        site.data_dir().display().to_string()
    ))
    .unwrap();
    config.database = site.database_url().map(str::to_string);
    config.ui = site.data_dir().join("ui");
    let server = pli_server::Running::start(App::open(config).unwrap()).unwrap();

    let first = sink.dir.path().join("1.json");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !first.exists() {
        assert!(Instant::now() < deadline, "no digest received from the server");
        std::thread::sleep(Duration::from_millis(100));
    }
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&first).unwrap()).unwrap();
    assert_eq!(m["rcpt_tos"], serde_json::json!(["rh@example.fr"]));
    assert_eq!(m["subject"], "Pli — rappels : 1 courrier en retard");
    assert!(m["text"].as_str().unwrap().contains(&format!("- {chrono} · Demande de mutation · DRH")), "{m}");

    // The server claimed it: another process the same day finds it sent.
    let (today, _) = pli_store::digest::paris_now();
    let deadline = Instant::now() + Duration::from_secs(30);
    while site.count("SELECT count(*) FROM digest_sent WHERE sent_at IS NOT NULL") == 0 {
        assert!(Instant::now() < deadline, "the send recorded");
        std::thread::sleep(Duration::from_millis(50));
    }
    let smtp = pli_receipt::mail::SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        security: pli_receipt::mail::Security::None,
        from: "Pli <ne-pas-repondre@example.fr>".into(),
        username: None,
        password: None,
        timeout_seconds: 5,
    };
    let again = store.send_digests(today, &smtp).unwrap();
    assert_eq!((again.sent, again.already_sent, again.opted_out), (0, 1, 1), "{again:?}");
    drop(server);
    let count = std::fs::read_dir(sink.dir.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "json"))
        .count();
    assert_eq!(count, 1, "one e-mail only");
}

on_both_engines!(the_server_sends_the_day_s_digest_once_from_its_hour);
