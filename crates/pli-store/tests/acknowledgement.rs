//! Acknowledgements of receipt in the registry (issue 15): templates and services set by
//! the lead, one acknowledgement per registered courrier whose type needs one — its PDF
//! written and synced, then its row, hash and event; by e-mail through a real SMTP server
//! on loopback, kept to send when the server refuses or is away. Both engines.

use pli_core::CourrierState;
use pli_core::acknowledgement::{AckKind, ServiceContact, default_template};
use pli_core::capture::{Actor, BatchPageRecord, BatchStore, NewBatch, NewCourrier, NewCourrierPage, PageRole};
use pli_core::registration::{ChronoFormat, Qualification};
use pli_receipt::mail::{Security, SmtpSettings};
use pli_store::acknowledgement::{AckTemplateRow, ServiceContactRow};
use pli_store::org::{OrganisationSheets, Sheet};
use pli_store::registry::{Act, NewContact};
use pli_store::testing::{Engine, Site};
use pli_store::{Session, Store, StoreError, on_both_engines};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use time::macros::date;

const DIRECTIONS: &str = "code;nom;parent;actif\nDG;Direction générale;;oui\nDOS;Offre de soins;DG;oui\n\
                          DRH;Ressources humaines;DG;oui\n";
const USERS: &str = "identifiant;nom;roles;actif;mot_de_passe\n\
                     op;Odile Opératrice;opérateur;oui;motdepasse1\n\
                     rh;René Référent;référent:DRH;oui;\n\
                     pilote;Paule Pilote;pilote;oui;\n";
const TYPES: &str = "code;nom;delai_jours;npai\nAUTO;Demande d'autorisation;60;non\nINFO;Information;30;non\n";

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

fn capture(store: &mut Store, n: usize) -> Vec<i64> {
    static BATCHES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let hash = format!("ar{}", BATCHES.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let batch = NewBatch {
        source_path: format!("/scan/{hash}.pdf"),
        content_hash: hash.clone(),
        profile: "generic-pdf".into(),
        folder: format!("courriers/{hash}"),
        pages: (0..n)
            .map(|i| BatchPageRecord { source_index: i, role: PageRole::Content, detail: None, kept: None })
            .collect(),
        courriers: (0..n)
            .map(|i| NewCourrier {
                separator: None,
                direction: None,
                pdf_path: format!("courriers/{hash}/{i}/courrier.pdf"),
                text: format!("demande {i}"),
                pages: vec![NewCourrierPage {
                    source_index: i,
                    rotation_degrees: 0,
                    ocr_confidence: 90.0,
                    thumbnail_path: format!("courriers/{hash}/{i}/p0.jpg"),
                    text: format!("demande {i}"),
                }],
            })
            .collect(),
    };
    store.commit_batch(&batch, &actor()).unwrap().courrier_ids
}

fn contact(store: &mut Store, s: &Session, name: &str, email: Option<&str>) -> i64 {
    let c = NewContact {
        organisation_kind: false,
        name: name.into(),
        organisation: None,
        address: Some("12 rue des Écoles".into()),
        postcode: Some("67000".into()),
        city: Some("Strasbourg".into()),
        email: email.map(String::from),
    };
    store.create_contact(s, &c).unwrap().0
}

fn register(store: &mut Store, s: &Session, id: i64, kind: &str, sender: i64) {
    let form = Qualification {
        document_type: Some(kind.into()),
        sender: Some(sender),
        subject: Some("Demande d'autorisation d'extension".into()),
        arrival_date: Some(date!(2026 - 03 - 02)),
        main_direction: Some("DOS".into()),
        ..Qualification::default()
    };
    store.register(s, id, &form, &ChronoFormat::default()).unwrap();
}

fn service() -> ServiceContactRow {
    ServiceContactRow {
        direction: "DOS".into(),
        contact: ServiceContact {
            designation: "Direction de l'offre de soins".into(),
            address: vec!["14 rue du Maréchal Juin".into(), "67084 Strasbourg Cedex".into()],
            email: Some("ars-dos@example.fr".into()),
            phone: "03 88 88 88 88".into(),
        },
    }
}

fn receipt_template(document_type: Option<&str>) -> AckTemplateRow {
    AckTemplateRow {
        kind: AckKind::Receipt,
        document_type: document_type.map(String::from),
        direction: None,
        body: default_template(AckKind::Receipt).into(),
    }
}

fn pdftotext(path: &std::path::Path) -> String {
    let out = Command::new("pdftotext").arg(path).arg("-").output().expect("pdftotext (poppler-utils)");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().split_whitespace().collect::<Vec<_>>().join(" ")
}

fn the_lead_sets_templates_and_services_checked_when_saved(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let (lead, op) = (session(&store, "pilote"), session(&store, "op"));
    // Only the lead.
    let err = store.set_ack_template(&op, &receipt_template(Some("AUTO"))).unwrap_err();
    assert!(matches!(err, StoreError::Refused(_)), "{err:?}");
    assert!(matches!(store.set_service_contact(&op, &service()), Err(StoreError::Refused(_))));
    // An unknown placeholder, or one R112-5 requires missing, is refused when saved.
    let mut bad = receipt_template(Some("AUTO"));
    bad.body.push_str("\nCordialement, {signataire}");
    let err = store.set_ack_template(&lead, &bad).unwrap_err();
    assert!(matches!(&err, StoreError::Invalid(m) if m.contains("{signataire}")), "{err:?}");
    bad.body = "Reçu le {date_reception}.".into();
    let err = store.set_ack_template(&lead, &bad).unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid(m) if m.contains("R112-5") && m.contains("{telephone_service}")),
        "{err:?}"
    );
    // A service without a phone is refused too.
    let mut no_phone = service();
    no_phone.contact.phone = " ".into();
    assert!(
        matches!(store.set_service_contact(&lead, &no_phone), Err(StoreError::Invalid(m)) if m.contains("téléphone"))
    );
    assert!(store.ack_templates().unwrap().is_empty());

    store.set_ack_template(&lead, &receipt_template(Some("AUTO"))).unwrap();
    store.set_service_contact(&lead, &service()).unwrap();
    // Saved again unchanged: no new event.
    store.set_ack_template(&lead, &receipt_template(Some("AUTO"))).unwrap();
    let mut edited = receipt_template(Some("AUTO"));
    edited.body = edited.body.replace("Madame, Monsieur,", "Madame, Monsieur, bonjour,");
    store.set_ack_template(&lead, &edited).unwrap();
    assert_eq!(store.ack_templates().unwrap(), vec![edited.clone()]);
    assert_eq!(store.service_contacts().unwrap(), vec![service()]);
    let kinds = site
        .raw("SELECT kind FROM event WHERE kind IN ('ack_template_changed', 'service_contact_changed') ORDER BY id")
        .unwrap();
    assert_eq!(kinds, [["ack_template_changed"], ["service_contact_changed"], ["ack_template_changed"]]);
    assert!(store.verify_history().unwrap().intact());
}

fn registration_then_one_acknowledgement_by_post_with_its_pdf_hash_and_event(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let (lead, op) = (session(&store, "pilote"), session(&store, "op"));
    store.set_ack_template(&lead, &receipt_template(Some("AUTO"))).unwrap();
    store.set_service_contact(&lead, &service()).unwrap();
    let ids = capture(&mut store, 2);
    let sender = contact(&mut store, &op, "Mme Élodie Müller", None);
    register(&mut store, &op, ids[0], "AUTO", sender);
    register(&mut store, &op, ids[1], "INFO", sender);

    // A type without a template needs none.
    assert_eq!(
        store.produce_acknowledgement(&op, ids[1], AckKind::Receipt, None, date!(2026 - 03 - 03)).unwrap(),
        None
    );
    let ack =
        store.produce_acknowledgement(&op, ids[0], AckKind::Receipt, None, date!(2026 - 03 - 03)).unwrap().unwrap();
    assert_eq!((ack.channel.as_str(), ack.sent_at.as_deref()), ("post", None));
    assert_eq!(ack.recipient, "Mme Élodie Müller\n12 rue des Écoles\n67000 Strasbourg");
    // Idempotent: the same one, no second file, row or event.
    let again =
        store.produce_acknowledgement(&op, ids[0], AckKind::Receipt, None, date!(2026 - 03 - 04)).unwrap().unwrap();
    assert_eq!(again, ack);
    let path = store.resolve(&ack.document_path);
    let text = pdftotext(&path);
    for item in [
        "reçu le 2 mars 2026",
        "Direction de l'offre de soins",
        "14 rue du Maréchal Juin",
        "ars-dos@example.fr",
        "03 88 88 88 88",
        "Objet : Accusé de réception",
    ] {
        assert!(text.contains(item), "{item:?} not in {text}");
    }
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(ack.sha256, hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)));
    let hashed = site.raw(&format!("SELECT sha256 FROM document_hash WHERE path = '{}'", ack.document_path)).unwrap();
    assert_eq!(hashed, [[ack.sha256.clone()]]);
    let events: Vec<_> =
        store.courrier_events(ids[0]).unwrap().into_iter().filter(|(k, _)| k.starts_with("acknowledgement")).collect();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].1["sha256"], ack.sha256.as_str());
    assert_eq!(store.acknowledgements(&op, ids[0]).unwrap(), vec![ack.clone()]);
    // A referent of another direction sees neither the courrier nor its acknowledgement.
    let rh = session(&store, "rh");
    assert!(matches!(store.acknowledgements(&rh, ids[0]), Err(StoreError::Refused(_))));
    assert!(matches!(
        store.produce_acknowledgement(&rh, ids[0], AckKind::Receipt, None, date!(2026 - 03 - 03)),
        Err(StoreError::Refused(_))
    ));
    // The integrity check knows the new document.
    assert!(store.verify_history().unwrap().intact());
    // Forwarded to the competent body: a second acknowledgement, naming it (forwarded
    // templates for every type, here).
    let forwarded = AckTemplateRow {
        kind: AckKind::Forwarded,
        document_type: None,
        direction: None,
        body: default_template(AckKind::Forwarded).into(),
    };
    store.set_ack_template(&lead, &forwarded).unwrap();
    assert!(matches!(
        store.produce_acknowledgement(&op, ids[0], AckKind::Forwarded, Some(" "), date!(2026 - 03 - 05)),
        Err(StoreError::Invalid(_))
    ));
    let fwd = store
        .produce_acknowledgement(&op, ids[0], AckKind::Forwarded, Some("Préfecture du Bas-Rhin"), date!(2026 - 03 - 05))
        .unwrap()
        .unwrap();
    assert_eq!(fwd.forwarded_to.as_deref(), Some("Préfecture du Bas-Rhin"));
    assert!(
        pdftotext(&store.resolve(&fwd.document_path))
            .contains("transmis à l'autorité compétente : Préfecture du Bas-Rhin")
    );
    assert_eq!(store.acknowledgements(&op, ids[0]).unwrap().len(), 2);
}

fn a_service_without_details_or_an_unregistered_courrier_is_refused_and_nothing_written(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let (lead, op) = (session(&store, "pilote"), session(&store, "op"));
    store.set_ack_template(&lead, &receipt_template(None)).unwrap();
    let ids = capture(&mut store, 2);
    let err = store.produce_acknowledgement(&op, ids[1], AckKind::Receipt, None, date!(2026 - 03 - 03)).unwrap_err();
    assert!(matches!(&err, StoreError::Invalid(m) if m.contains("pas encore enregistré")), "{err:?}");
    let sender = contact(&mut store, &op, "M. Paul Martin", None);
    register(&mut store, &op, ids[0], "INFO", sender);
    let err = store.produce_acknowledgement(&op, ids[0], AckKind::Receipt, None, date!(2026 - 03 - 03)).unwrap_err();
    assert!(matches!(&err, StoreError::Invalid(m) if m.contains("coordonnées du service")), "{err:?}");
    assert_eq!(site.raw("SELECT count(*) FROM acknowledgement").unwrap(), [["0"]]);
    assert!(!store.resolve("courriers").join("ar-none").exists());
}

/// A real SMTP server on loopback (`pli-receipt/tests/smtp/sink.py`).
struct Sink {
    child: std::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start_sink(port: u16) -> Sink {
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
    Sink { child, port, dir }
}

fn an_e_mail_acknowledgement_waits_while_the_server_is_away_then_is_received(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let (lead, op) = (session(&store, "pilote"), session(&store, "op"));
    store.set_ack_template(&lead, &receipt_template(Some("AUTO"))).unwrap();
    store.set_service_contact(&lead, &service()).unwrap();
    let ids = capture(&mut store, 1);
    let sender = contact(&mut store, &op, "Mme Élodie Müller", Some("elodie.muller@example.org"));
    register(&mut store, &op, ids[0], "AUTO", sender);
    let ack =
        store.produce_acknowledgement(&op, ids[0], AckKind::Receipt, None, date!(2026 - 03 - 03)).unwrap().unwrap();
    assert_eq!((ack.channel.as_str(), ack.recipient.as_str()), ("email", "elodie.muller@example.org"));

    let port = free_port();
    let settings = SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        security: Security::None,
        from: "Accueil <ne-pas-repondre@ars.example.fr>".into(),
        username: None,
        password: None,
        timeout_seconds: 3,
    };
    // Nobody listens: kept to send, with the reason; no "sent" event.
    let report = store.send_acknowledgements(&op, &settings).unwrap();
    assert_eq!((report.sent, report.failed.len()), (0, 1), "{report:?}");
    let waiting = store.acknowledgements(&op, ids[0]).unwrap().remove(0);
    assert_eq!((waiting.sent_at.as_deref(), waiting.attempts), (None, 1));
    assert!(waiting.last_error.as_deref().unwrap().contains("ne répond pas"), "{waiting:?}");

    // The server is back: sent once, its event written, the message as received.
    let sink = start_sink(port);
    assert_eq!(sink.port, port);
    let report = store.send_acknowledgements(&op, &settings).unwrap();
    assert_eq!((report.sent, report.failed.len()), (1, 0), "{report:?}");
    assert_eq!(store.send_acknowledgements(&op, &settings).unwrap().sent, 0, "sent once only");
    let sent = store.acknowledgements(&op, ids[0]).unwrap().remove(0);
    assert!(sent.sent_at.is_some() && sent.last_error.is_none(), "{sent:?}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let file = sink.dir.path().join("1.json");
    while !file.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(m["rcpt_tos"], serde_json::json!(["elodie.muller@example.org"]));
    let chrono = site.raw(&format!("SELECT chrono FROM courrier WHERE id = {}", ids[0])).unwrap().remove(0).remove(0);
    assert_eq!(m["subject"], format!("Accusé de réception — {chrono}"));
    assert!(m["text"].as_str().unwrap().contains("reçu le 2 mars 2026"), "{m}");
    assert_eq!(m["attachments"][0]["type"], "application/pdf");
    let kinds: Vec<String> = store
        .courrier_events(ids[0])
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .filter(|k| k.starts_with("acknowledgement"))
        .collect();
    assert_eq!(kinds, ["acknowledgement_produced", "acknowledgement_sent"]);
    assert!(store.verify_history().unwrap().intact());
    assert_eq!(sent_by_channel(&store), (0, 1), "the weekly figures count the e-mail as one");
}

fn the_mail_room_prints_the_day_s_postal_acknowledgements_in_one_pdf(engine: Engine) {
    let Some((_site, mut store)) = open_site(engine) else { return };
    let (lead, op) = (session(&store, "pilote"), session(&store, "op"));
    store.set_ack_template(&lead, &receipt_template(Some("AUTO"))).unwrap();
    store.set_service_contact(&lead, &service()).unwrap();
    let ids = capture(&mut store, 3);
    let by_post = contact(&mut store, &op, "Mme Élodie Müller", None);
    let by_mail = contact(&mut store, &op, "M. Paul Martin", Some("paul.martin@example.org"));
    for (id, sender) in [(ids[0], by_post), (ids[1], by_mail), (ids[2], by_post)] {
        register(&mut store, &op, id, "AUTO", sender);
        store.acknowledge_registered(&op, id).unwrap().unwrap();
    }
    let today = time::OffsetDateTime::now_utc().date();
    // Only the mail room or the lead prints.
    let rh = session(&store, "rh");
    assert!(matches!(store.print_postal_acknowledgements(&rh, today), Err(StoreError::Refused(_))));
    let pdf = store.print_postal_acknowledgements(&op, today).unwrap().expect("two letters to print");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jour.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let text = pdftotext(&path);
    assert_eq!(text.matches("Objet : Accusé de réception").count(), 2, "the two postal ones, not the e-mail: {text}");
    assert!(!text.contains("Paul Martin"), "{text}");
    // Printed once: marked sent, with their events; nothing left for a second print.
    assert_eq!(store.print_postal_acknowledgements(&op, today).unwrap(), None);
    for id in [ids[0], ids[2]] {
        let ack = store.acknowledgements(&op, id).unwrap().remove(0);
        assert!(ack.sent_at.is_some(), "{ack:?}");
        assert!(
            store
                .courrier_events(id)
                .unwrap()
                .iter()
                .any(|(k, d)| k == "acknowledgement_sent" && d["channel"] == "post")
        );
    }
    assert!(store.acknowledgements(&op, ids[1]).unwrap()[0].sent_at.is_none(), "the e-mail waits for its server");
    assert!(store.verify_history().unwrap().intact());
    assert_eq!(sent_by_channel(&store), (2, 0), "the weekly figures count the two printed");
}

/// Acknowledgements sent around today (Paris days), by post and by e-mail, as the figures say.
fn sent_by_channel(store: &Store) -> (usize, usize) {
    let today = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    let (from, to) = (today.yesterday().unwrap(), today.tomorrow().unwrap());
    let r = store.activity_report(from, to, &pli_core::stats::Settings::default()).unwrap();
    r.days.iter().fold((0, 0), |(p, e), d| (p + d.acknowledgements_by_post, e + d.acknowledgements_by_email))
}

/// A courrier forwarded to the competent body (CRPA L114-2) is closed here, noted as
/// forwarded in its record and its history, and its sender told — in the default words
/// when the lead wrote no template for it. Naming no body is refused, nothing written.
fn a_courrier_forwarded_to_another_body_is_closed_noted_and_its_sender_told(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let (lead, op) = (session(&store, "pilote"), session(&store, "op"));
    store.set_service_contact(&lead, &service()).unwrap();
    let ids = capture(&mut store, 1);
    let sender = contact(&mut store, &op, "Mme Élodie Müller", None);
    register(&mut store, &op, ids[0], "INFO", sender);
    let events = || site.count("SELECT count(*) FROM event");
    let before = events();
    let blank = Act::Forward { to: "  ".into(), note: None };
    assert!(matches!(store.act(&lead, ids[0], &blank), Err(StoreError::Invalid(_))));
    assert_eq!(events(), before, "a refused forward writes nothing");

    let forward = Act::Forward { to: "Préfecture du Bas-Rhin".into(), note: Some("compétence de l'État".into()) };
    assert_eq!(store.act(&lead, ids[0], &forward).unwrap(), CourrierState::Closed);
    let closed = site
        .raw(&format!("SELECT data FROM event WHERE courrier_id = {} AND kind = 'courrier_closed'", ids[0]))
        .unwrap();
    assert!(closed[0][0].contains("\"forwarded_to\":\"Préfecture du Bas-Rhin\""), "{closed:?}");
    assert_eq!(
        site.raw(&format!("SELECT answer_note FROM courrier WHERE id = {}", ids[0])).unwrap(),
        [["Transmis à Préfecture du Bas-Rhin : compétence de l'État"]]
    );
    let told = store.acknowledge_forwarded(&lead, ids[0], "Préfecture du Bas-Rhin").unwrap().unwrap();
    assert_eq!((told.kind, told.channel.as_str()), (AckKind::Forwarded, "post"));
    assert!(
        pdftotext(&store.resolve(&told.document_path))
            .contains("transmis à l'autorité compétente : Préfecture du Bas-Rhin")
    );
}

on_both_engines!(
    a_courrier_forwarded_to_another_body_is_closed_noted_and_its_sender_told,
    the_lead_sets_templates_and_services_checked_when_saved,
    registration_then_one_acknowledgement_by_post_with_its_pdf_hash_and_event,
    a_service_without_details_or_an_unregistered_courrier_is_refused_and_nothing_written,
    an_e_mail_acknowledgement_waits_while_the_server_is_away_then_is_received,
    the_mail_room_prints_the_day_s_postal_acknowledgements_in_one_pdf,
);
