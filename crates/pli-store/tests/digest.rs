//! The daily digest of reminders (issue 15, item 5), sent to a real SMTP server on
//! loopback (`pli-receipt/tests/smtp/sink.py`, Debian's python3-aiosmtpd) and read back
//! as it received it: what each user works that is late or due this week, the opt-out,
//! a refused address, and never twice a day — two stores over one database at once, or
//! a run again. Both engines.

use pli_core::capture::{Actor, BatchPageRecord, BatchStore, NewBatch, NewCourrier, NewCourrierPage, PageRole};
use pli_core::registration::{ChronoFormat, Qualification};
use pli_receipt::mail::{Security, SmtpSettings};
use pli_store::digest::DigestReport;
use pli_store::org::{OrganisationSheets, Sheet};
use pli_store::registry::Act;
use pli_store::testing::{Engine, Site};
use pli_store::{Session, Store, on_both_engines};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use time::Date;
use time::macros::date;

const DIRECTIONS: &str = "code;nom;parent;actif\nDG;Direction générale;;oui\nDRH;Ressources humaines;DG;oui\n\
                          DAF;Affaires financières;DG;oui\n";
// `courriel`, the users sheet's new last column; rh2 has none.
const USERS: &str = "identifiant;nom;roles;actif;mot_de_passe;courriel\n\
                     op;Odile Opératrice;opérateur;oui;motdepasse1;op@example.fr\n\
                     rh;René Référent;référent:DRH;oui;;rh@example.fr\n\
                     rh2;Rita Référente;référent:DRH;oui;;\n\
                     sortant;Serge Sortant;référent:DRH;oui;;serge@example.fr\n\
                     af;Anne Finances;référent:DAF;oui;;refuse-af@example.fr\n\
                     ag;Alain Agent;agent:DRH;oui;;ag@example.fr\n\
                     pilote;Paule Pilote;pilote;oui;;pilote@example.fr\n";
const TYPES: &str = "code;nom;delai_jours;npai\nINFO;Information;30;non\n";

/// A Wednesday: the week runs to Sunday 8 March.
const DAY: Date = date!(2026 - 03 - 04);

fn actor() -> Actor {
    Actor { login: "admin".into(), workstation: "test".into() }
}

fn open_site(engine: Engine) -> Option<(Site, Store)> {
    let site = Site::new(engine)?;
    let mut store = site.open();
    let sheets = OrganisationSheets {
        directions: Some(Sheet { name: "directions.csv".into(), text: DIRECTIONS.into() }),
        users: Some(Sheet { name: "utilisateurs.csv".into(), text: USERS.into() }),
        document_types: Some(Sheet { name: "types.csv".into(), text: TYPES.into() }),
    };
    store.import_organisation(&sheets, &actor()).unwrap();
    Some((site, store))
}

fn session(store: &Store, login: &str) -> Session {
    Session { viewer: store.viewer(login).unwrap(), workstation: "poste".into() }
}

/// A courrier captured then registered for `direction`, arrived on `arrival` (INFO: 30
/// calendar days); its id and chrono.
fn registered(store: &mut Store, direction: &str, arrival: Date, subject: &str) -> (i64, String) {
    registered_as(store, direction, arrival, subject, false)
}

fn registered_as(
    store: &mut Store,
    direction: &str,
    arrival: Date,
    subject: &str,
    confidential: bool,
) -> (i64, String) {
    static BATCHES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let hash = format!("dg{}", BATCHES.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let batch = NewBatch {
        source_path: format!("/scan/{hash}.pdf"),
        content_hash: hash.clone(),
        profile: "generic-pdf".into(),
        folder: format!("courriers/{hash}"),
        pages: vec![BatchPageRecord { source_index: 0, role: PageRole::Content, detail: None, kept: None }],
        courriers: vec![NewCourrier {
            separator: None,
            direction: None,
            pdf_path: format!("courriers/{hash}/0/courrier.pdf"),
            text: subject.into(),
            pages: vec![NewCourrierPage {
                source_index: 0,
                rotation_degrees: 0,
                ocr_confidence: 90.0,
                thumbnail_path: format!("courriers/{hash}/0/p0.jpg"),
                text: subject.into(),
            }],
        }],
    };
    let id = store.commit_batch(&batch, &actor()).unwrap().courrier_ids[0];
    let form = Qualification {
        document_type: Some("INFO".into()),
        subject: Some(subject.into()),
        arrival_date: Some(arrival),
        main_direction: Some(direction.into()),
        confidential: Some(confidential),
        ..Qualification::default()
    };
    let chrono = store.register(&session(store, "op"), id, &form, &ChronoFormat::default()).unwrap().chrono;
    (id, chrono)
}

/// A real SMTP server on loopback.
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

impl Sink {
    fn start(port: u16) -> Sink {
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
        Sink { child, dir }
    }

    /// Every message received, by recipient.
    fn received(&self) -> Vec<serde_json::Value> {
        let mut files: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files.iter().map(|f| serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap()).collect()
    }
}

fn smtp(port: u16) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        security: Security::None,
        from: "Pli <ne-pas-repondre@ars.example.fr>".into(),
        username: None,
        password: None,
        timeout_seconds: 5,
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn french(site: &Site, id: i64) -> String {
    let due = site.raw(&format!("SELECT due_date FROM courrier WHERE id = {id}")).unwrap().remove(0).remove(0);
    let (y, rest) = due.split_once('-').unwrap();
    let (m, d) = rest.split_once('-').unwrap();
    format!("{d}/{m}/{y}")
}

fn each_user_gets_what_is_late_and_due_this_week_once_unless_opted_out(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    // The sheet's e-mail addresses, and everyone receives the digest by default.
    let users = store.catalogue().unwrap().users;
    let rh = users.iter().find(|u| u.login == "rh").unwrap();
    assert_eq!((rh.email.as_deref(), rh.digest), (Some("rh@example.fr"), true));
    assert!(users.iter().find(|u| u.login == "rh2").unwrap().email.is_none());
    let (_, sheet, _) = store.export_organisation().unwrap();
    assert!(sheet.contains("mot_de_passe;courriel") && sheet.contains(";rh@example.fr"), "{sheet}");

    let (late, late_chrono) = registered(&mut store, "DRH", date!(2026 - 01 - 15), "Demande de mutation");
    let (soon, soon_chrono) = registered(&mut store, "DRH", date!(2026 - 02 - 04), "Congé de formation");
    let (_, later_chrono) = registered(&mut store, "DRH", date!(2026 - 03 - 02), "Question sur la paie");
    let (_, daf_chrono) = registered(&mut store, "DAF", date!(2026 - 01 - 15), "Facture impayée");
    let (closed, closed_chrono) = registered(&mut store, "DRH", date!(2026 - 01 - 15), "Attestation employeur");
    let (assigned, assigned_chrono) = registered(&mut store, "DRH", date!(2026 - 02 - 03), "Dossier de retraite");
    let (_, secret_chrono) = registered_as(&mut store, "DRH", date!(2026 - 01 - 20), "Arrêt maladie de M. X", true);
    let referent = session(&store, "rh");
    store.act(&referent, closed, &Act::Close { note: Some("répondu".into()) }).unwrap();
    store.act(&referent, assigned, &Act::Assign { agent: "ag".into() }).unwrap();

    // Serge opts out (his own choice, an event; the lead sees it).
    let serge = session(&store, "sortant");
    assert!(store.digest_choice(&serge).unwrap().digest);
    store.set_digest(&serge, false).unwrap();
    assert!(!store.digest_choice(&serge).unwrap().digest);
    assert!(!store.catalogue().unwrap().users.iter().find(|u| u.login == "sortant").unwrap().digest);
    let choice = site.raw("SELECT actor, data FROM event WHERE kind = 'digest_choice_changed'").unwrap();
    assert_eq!(choice.len(), 1);
    assert_eq!(choice[0][0], "sortant");

    // A referent's digest lists what their home screen counts.
    for login in ["rh", "af"] {
        let s = session(&store, login);
        let (digest, summary) = (store.digest(&s, DAY).unwrap(), store.due_summary(&s, DAY).unwrap());
        assert_eq!(
            (digest.late.len() as i64, digest.due_this_week.len() as i64),
            (summary.late, summary.due_this_week)
        );
    }

    // The SMTP server down at the hour: an error, and nothing claimed (the pass runs again).
    let port = free_port();
    let down = store.send_digests(DAY, &smtp(port)).unwrap_err();
    assert!(down.to_string().contains("ne répond pas"), "{down}");
    assert_eq!(site.count("SELECT count(*) FROM digest_sent"), 0);

    let sink = Sink::start(port);
    let report = store.send_digests(DAY, &smtp(port)).unwrap();
    let expected = DigestReport {
        day: "2026-03-04".into(),
        sent: 2,           // rh, ag
        nothing_to_say: 2, // op, pilote
        already_sent: 0,
        opted_out: 1,       // sortant
        without_email: 1,   // rh2
        failed: Vec::new(), // checked below
    };
    assert_eq!(DigestReport { failed: Vec::new(), ..report.clone() }, expected, "{report:?}");
    // The refused address is kept with the server's reason; the others still went.
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert_eq!(report.failed[0].0, "af");
    assert!(report.failed[0].1.contains("550"), "{report:?}");
    let af = "(SELECT id FROM app_user WHERE login = 'af')";
    assert_eq!(site.count(&format!("SELECT count(*) FROM digest_sent WHERE user_id = {af} AND sent_at IS NULL")), 1);
    let reason = site.raw(&format!("SELECT last_error FROM digest_sent WHERE user_id = {af}")).unwrap();
    assert!(reason[0][0].contains("550"), "{reason:?}");

    let received = sink.received();
    assert_eq!(received.len(), 2, "{received:?}");
    let to = |addr: &str| received.iter().find(|m| m["rcpt_tos"] == serde_json::json!([addr])).cloned().unwrap();
    // René: his direction's late and due ones, with chrono, subject, direction, due date.
    let m = to("rh@example.fr");
    assert_eq!(m["subject"], "Pli — rappels : 2 courriers en retard, 2 courriers à échéance cette semaine");
    assert!(m["attachments"].as_array().unwrap().is_empty());
    let text = m["text"].as_str().unwrap().replace("\r\n", "\n");
    assert!(text.starts_with("Bonjour René Référent,"), "{text}");
    let (late_part, due_part) = text.split_once("À échéance cette semaine (2) :").expect(&text);
    assert!(late_part.contains("En retard (2) :"), "{text}");
    // A confidential courrier is listed, its subject not: the e-mail may leave the network.
    assert!(late_part.contains(&format!("- {secret_chrono} · {} · DRH", pli_store::digest::CONFIDENTIAL)), "{text}");
    assert!(!text.contains("maladie"), "{text}");
    let line = format!("- {late_chrono} · Demande de mutation · DRH · échéance le {}", french(&site, late));
    assert!(late_part.contains(&line), "{line}\n{text}");
    assert!(
        due_part.contains(&format!("- {soon_chrono} · Congé de formation · DRH · échéance le {}", french(&site, soon))),
        "{text}"
    );
    assert!(due_part.contains(&format!("- {assigned_chrono} · Dossier de retraite · DRH")), "{text}");
    for absent in [&later_chrono, &closed_chrono, &daf_chrono] {
        assert!(!text.contains(absent.as_str()), "{absent} listed: {text}");
    }
    // The agent: only what is assigned to him, not the whole direction.
    let text = to("ag@example.fr")["text"].as_str().unwrap().replace("\r\n", "\n");
    assert!(text.contains(&assigned_chrono) && !text.contains(&late_chrono) && !text.contains(&soon_chrono), "{text}");
    assert!(!text.contains("En retard"), "{text}");

    // Run again the same day: nothing leaves twice, the refused one is not retried.
    let again = store.send_digests(DAY, &smtp(port)).unwrap();
    assert_eq!((again.sent, again.already_sent, again.failed.len()), (0, 3, 0), "{again:?}");
    assert_eq!(sink.received().len(), 2);
    // The next day is another digest.
    let next = store.send_digests(DAY.next_day().unwrap(), &smtp(port)).unwrap();
    assert_eq!(next.sent, 2, "{next:?}");
    assert!(store.verify_history().unwrap().intact());
}

fn two_servers_over_one_database_send_each_digest_once(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    for (direction, arrival) in [("DRH", date!(2026 - 01 - 15)), ("DAF", date!(2026 - 02 - 04))] {
        for n in 0..3 {
            registered(&mut store, direction, arrival, &format!("Demande {direction} {n}"));
        }
    }
    let referent = session(&store, "rh");
    let ids = site
        .raw("SELECT id FROM courrier WHERE main_direction_id = (SELECT id FROM direction WHERE code = 'DRH')")
        .unwrap();
    store.act(&referent, ids[0][0].parse().unwrap(), &Act::Assign { agent: "ag".into() }).unwrap();
    let port = free_port();
    let sink = Sink::start(port);
    // Two processes' stores, each sending the day's digests at the same moment.
    let mut other = site.open();
    let settings = smtp(port);
    let (a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(|| store.send_digests(DAY, &settings).unwrap());
        let b = scope.spawn(|| other.send_digests(DAY, &settings).unwrap());
        (a.join().unwrap(), b.join().unwrap())
    });
    // rh and sortant (DRH), ag (assigned) received; af refused: each claimed by exactly one.
    assert_eq!(a.sent + b.sent, 3, "{a:?} {b:?}");
    assert_eq!(a.failed.len() + b.failed.len(), 1, "{a:?} {b:?}");
    assert_eq!(a.already_sent + b.already_sent, 4, "{a:?} {b:?}");
    let received = sink.received();
    let mut to: Vec<String> = received.iter().map(|m| m["rcpt_tos"][0].as_str().unwrap().to_string()).collect();
    to.sort();
    assert_eq!(to, ["ag@example.fr", "rh@example.fr", "serge@example.fr"]);
    assert_eq!(site.count("SELECT count(*) FROM digest_sent"), 4);
}

/// While a referent is away, their delegate's digest lists the absent's courriers too.
fn a_delegate_s_digest_lists_the_absent_referent_s_courriers(engine: Engine) {
    let Some((_site, mut store)) = open_site(engine) else { return };
    let (_, daf_chrono) = registered(&mut store, "DAF", date!(2026 - 01 - 15), "Facture impayée");
    let (_, drh_chrono) = registered(&mut store, "DRH", date!(2026 - 01 - 15), "Demande de mutation");
    let rh = session(&store, "rh");
    let before = store.digest(&rh, DAY).unwrap();
    assert_eq!(before.late.iter().map(|l| l.chrono.as_str()).collect::<Vec<_>>(), [drh_chrono.as_str()]);
    // Anne (DAF) is away today; René stands in for her.
    let today = time::OffsetDateTime::now_utc().date();
    let absence = pli_store::absence::NewAbsence {
        user: None,
        starts_on: (today - time::Duration::days(1)).to_string(),
        ends_on: (today + time::Duration::days(1)).to_string(),
        delegate: "rh".into(),
    };
    store.record_absence(&session(&store, "af"), &absence).unwrap();
    let during = store.digest(&rh, DAY).unwrap();
    let mut listed: Vec<&str> = during.late.iter().map(|l| l.chrono.as_str()).collect();
    listed.sort();
    let mut expected = vec![daf_chrono.as_str(), drh_chrono.as_str()];
    expected.sort();
    assert_eq!(listed, expected);
    // The agent of DRH gets nothing more for it.
    assert!(store.digest(&session(&store, "ag"), DAY).unwrap().is_empty());
}

on_both_engines!(
    each_user_gets_what_is_late_and_due_this_week_once_unless_opted_out,
    two_servers_over_one_database_send_each_digest_once,
    a_delegate_s_digest_lists_the_absent_referent_s_courriers,
);
