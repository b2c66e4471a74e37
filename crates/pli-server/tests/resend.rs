//! `pli serve` tries the e-mail acknowledgements still to send again on a timer (the first
//! pass when it starts), with no one registering anything: one the SMTP server could not
//! take leaves once it answers, its event naming the server. Both engines.

use pli_core::acknowledgement::{AckKind, ServiceContact, default_template};
use pli_core::capture::Actor;
use pli_core::registration::{ChronoFormat, Qualification};
use pli_receipt::mail::{Security, SmtpSettings};
use pli_server::{App, ServerConfig};
use pli_store::acknowledgement::{AckTemplateRow, ServiceContactRow};
use pli_store::org::{OrganisationSheets, Sheet};
use pli_store::registry::NewContact;
use pli_store::testing::{Engine, Site};
use pli_store::{Session, on_both_engines};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const USERS: &str = "identifiant;nom;roles;actif;mot_de_passe\n\
                     op;Odile Opératrice;opérateur;oui;motdepasse1\n\
                     pilote;Paule Pilote;pilote;oui;motdepasse1\n";

fn an_acknowledgement_the_smtp_server_could_not_take_leaves_at_the_server_s_next_pass(engine: Engine) {
    let Some(site) = Site::new(engine) else { return };
    let mut store = site.open();
    let sheet = |name: &str, text: &str| Some(Sheet { name: name.into(), text: text.into() });
    let sheets = OrganisationSheets {
        directions: sheet("d.csv", "code;nom;parent\nDG;Direction générale;\nDRH;Ressources humaines;DG\n"),
        users: sheet("u.csv", USERS),
        document_types: sheet("t.csv", "code;nom;delai_jours\nCOUR;Courrier;30\n"),
    };
    store.import_organisation(&sheets, &Actor { login: "admin".into(), workstation: "test".into() }).unwrap();
    let session = |store: &pli_store::Store, login: &str| Session {
        viewer: store.viewer(login).unwrap(),
        workstation: "test".into(),
    };
    let (lead, op) = (session(&store, "pilote"), session(&store, "op"));
    let body = default_template(AckKind::Receipt).to_string();
    store
        .set_ack_template(&lead, &AckTemplateRow { kind: AckKind::Receipt, document_type: None, direction: None, body })
        .unwrap();
    let contact = ServiceContact {
        designation: "Direction des ressources humaines".into(),
        address: vec!["1 place de la République".into(), "67000 Strasbourg".into()],
        email: Some("drh@example.fr".into()),
        phone: "03 88 00 00 00".into(),
    };
    store.set_service_contact(&lead, &ServiceContactRow { direction: "DRH".into(), contact }).unwrap();
    let sender = NewContact {
        name: "M. Paul Martin".into(),
        email: Some("paul.martin@example.org".into()),
        ..Default::default()
    };
    let sender = store.create_contact(&op, &sender).unwrap().0;
    let form = Qualification {
        document_type: Some("COUR".into()),
        sender: Some(sender),
        subject: Some("Candidature spontanée".into()),
        arrival_date: Some(time::OffsetDateTime::now_utc().date()),
        main_direction: Some("DRH".into()),
        ..Qualification::default()
    };
    let id = store.register_paper(&op, &form, &ChronoFormat::default()).unwrap().courrier;
    store.acknowledge_registered(&op, id).unwrap().expect("an e-mail acknowledgement");

    // The SMTP server is away: the acknowledgement waits, with the reason.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let smtp = SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        security: Security::None,
        from: "Accueil <accueil@example.fr>".into(),
        username: None,
        password: None,
        timeout_seconds: 3,
    };
    assert_eq!(store.send_acknowledgements(&op, &smtp).unwrap().failed.len(), 1);
    assert!(store.acknowledgements(&op, id).unwrap()[0].sent_at.is_none());

    // It is back; the server, started, sends it without anyone registering anything.
    let dir = tempfile::tempdir().unwrap();
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
    let mut config = ServerConfig::parse(&format!(
        "data = {:?}\n[smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\nfrom = \"Accueil <accueil@example.fr>\"\n",
        site.data_dir().display().to_string()
    ))
    .unwrap();
    config.database = site.database_url().map(str::to_string);
    config.ui = site.data_dir().join("ui");
    let server = pli_server::Running::start(App::open(config).unwrap()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while store.acknowledgements(&op, id).unwrap()[0].sent_at.is_none() {
        assert!(Instant::now() < deadline, "the server's pass did not send it");
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(server);
    let _ = child.kill();
    let _ = child.wait();
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.path().join("1.json")).unwrap()).unwrap();
    assert_eq!(m["rcpt_tos"], serde_json::json!(["paul.martin@example.org"]));
    assert!(!dir.path().join("2.json").exists(), "once");
    let sent = site.raw("SELECT actor FROM event WHERE kind = 'acknowledgement_sent'").unwrap();
    assert_eq!(sent, vec![vec!["pli-serve".to_string()]], "the server's own pass");
    assert!(store.verify_history().unwrap().intact());
}

on_both_engines!(an_acknowledgement_the_smtp_server_could_not_take_leaves_at_the_server_s_next_pass);
