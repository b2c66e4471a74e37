//! `pli serve` as a browser and as an attacker meet it: a real server on loopback over
//! a real registry (SQLite, and PostgreSQL as `make test` runs it), spoken to in raw
//! HTTP/1.1 so that every header, cookie and malformed byte is the test's own choice.

use pli_capture::pdf::{PdfInfo, PdfPage, write_searchable_pdf};
use pli_capture::{EmbeddedImage, Rotation};
use pli_core::capture::{Actor, BatchPageRecord, BatchStore, NewBatch, NewCourrier, NewCourrierPage, PageRole};
use pli_core::registration::{ChronoFormat, Qualification};
use pli_server::{App, ServerConfig};
use pli_store::org::{OrganisationSheets, Sheet};
use pli_store::testing::{Engine, Site};
use pli_store::{Session, Store, on_both_engines};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

const DIRECTIONS: &str = "code;nom;parent;actif\nDG;Direction générale;;oui\nDRH;Ressources humaines;DG;oui\n\
                          DAF;Affaires financières;DG;oui\n";
const PASSWORD: &str = "motdepasse1";
const USERS: &str = "identifiant;nom;roles;actif;mot_de_passe\n\
                     op;Odile Opératrice;opérateur;oui;motdepasse1\n\
                     rh;René Référent;référent:DRH;oui;motdepasse1\n\
                     af;Anne Référente;referent:DAF;oui;motdepasse1\n\
                     agent;Alain Agent;agent:DRH;oui;motdepasse1\n\
                     agdaf;Agathe Agente;agent:DAF;oui;motdepasse1\n\
                     pilote;Paule Pilote;pilote;oui;motdepasse1\n";
const TYPES: &str = "code;nom;delai_jours;npai\nCOUR;Courrier;30;non\n";

// ---------------------------------------------------------------------------------------
// A server on loopback.

/// The server under test, on a thread of its own (stopped when dropped).
struct Server(pli_server::Running);

impl std::ops::Deref for Server {
    type Target = pli_server::Running;
    fn deref(&self) -> &pli_server::Running {
        &self.0
    }
}

impl Server {
    fn start(site: &Site, tweak: impl FnOnce(&mut ServerConfig)) -> Server {
        let mut config = ServerConfig::parse(&format!("data = {:?}", site.data_dir().display().to_string())).unwrap();
        config.database = site.database_url().map(str::to_string);
        config.ui = site.data_dir().join("ui");
        std::fs::create_dir_all(&config.ui).unwrap();
        std::fs::write(config.ui.join("index.html"), "<!doctype html><title>Pli</title>").unwrap();
        tweak(&mut config);
        Server(pli_server::Running::start(App::open(config).unwrap()).unwrap())
    }

    fn browser(&self) -> Browser {
        Browser { address: self.address, session: None, csrf: None, forwarded: None }
    }
}

/// An HTTP answer.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn cookies(&self) -> Vec<&str> {
        self.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie")).map(|(_, v)| v.as_str()).collect()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn kind(&self) -> String {
        self.json()["kind"].as_str().unwrap_or("").to_string()
    }
}

/// Sends raw bytes and reads the whole answer (the server closes: `Connection: close`).
fn exchange(address: SocketAddr, raw: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    // The server may answer (413) and close before the whole body is written.
    let _ = stream.write_all(raw);
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 65536];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
        }
        // A live-update stream never ends: its head is the answer.
        let head_end = bytes.windows(4).position(|w| w == b"\r\n\r\n");
        if head_end.is_some_and(|e| String::from_utf8_lossy(&bytes[..e]).contains("text/event-stream")) {
            break;
        }
    }
    parse_reply(&bytes)
}

fn parse_reply(bytes: &[u8]) -> Reply {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete HTTP head");
    let head = String::from_utf8_lossy(&bytes[..end]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = bytes[end + 4..].to_vec();
    if headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked")) {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
            let size = usize::from_str_radix(std::str::from_utf8(&rest[..eol]).unwrap().trim(), 16).unwrap_or(0);
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[eol + 2..eol + 2 + size]);
            rest = &rest[eol + 2 + size + 2..];
        }
        body = out;
    }
    Reply { status, headers, body }
}

/// A browser: its cookies, echoing the CSRF value as the UI does.
#[derive(Clone)]
struct Browser {
    address: SocketAddr,
    session: Option<String>,
    csrf: Option<String>,
    forwarded: Option<String>,
}

impl Browser {
    fn cookie_header(&self) -> String {
        let mut c = Vec::new();
        if let Some(s) = &self.session {
            c.push(format!("pli_session={s}"));
        }
        if let Some(s) = &self.csrf {
            c.push(format!("pli_csrf={s}"));
        }
        if c.is_empty() { String::new() } else { format!("Cookie: {}\r\n", c.join("; ")) }
    }

    fn keep_cookies(&mut self, reply: &Reply) {
        for c in reply.cookies() {
            let (pair, _) = c.split_once(';').unwrap_or((c, ""));
            let (name, value) = pair.split_once('=').unwrap();
            let value = (!value.is_empty()).then(|| value.to_string());
            match name {
                "pli_session" => self.session = value,
                "pli_csrf" => self.csrf = value,
                _ => {}
            }
        }
    }

    fn send(&mut self, method: &str, path: &str, extra: &str, body: &[u8]) -> Reply {
        let mut raw = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{}{}{extra}Content-Length: {}\r\n\r\n",
            self.cookie_header(),
            self.forwarded.as_ref().map(|f| format!("X-Forwarded-For: {f}\r\n")).unwrap_or_default(),
            body.len()
        )
        .into_bytes();
        raw.extend_from_slice(body);
        let reply = exchange(self.address, &raw);
        self.keep_cookies(&reply);
        reply
    }

    fn get(&mut self, path: &str) -> Reply {
        self.send("GET", path, "", b"")
    }

    /// A call as the UI makes it: POST, JSON, the CSRF header.
    fn call(&mut self, command: &str, args: Value) -> Reply {
        if self.csrf.is_none() {
            self.get("/");
        }
        let header = format!("Content-Type: application/json\r\nX-Pli-Csrf: {}\r\n", self.csrf.clone().unwrap());
        self.send("POST", &format!("/api/{command}"), &header, args.to_string().as_bytes())
    }

    fn sign_in(&mut self, login: &str) -> Reply {
        self.call("sign_in", json!({ "login": login, "password": PASSWORD }))
    }

    fn signed_in(server: &Server, login: &str) -> Browser {
        let mut b = server.browser();
        let r = b.sign_in(login);
        assert_eq!(r.status, 200, "{login} signs in: {}", String::from_utf8_lossy(&r.body));
        b
    }
}

// ---------------------------------------------------------------------------------------
// A registry with courriers whose documents are real files.

fn open_site(engine: Engine) -> Option<(Site, Store)> {
    let site = Site::new(engine)?;
    let mut store = site.open();
    let sheet = |name: &str, text: &str| Some(Sheet { name: name.into(), text: text.into() });
    let sheets = OrganisationSheets {
        directions: sheet("directions.csv", DIRECTIONS),
        users: sheet("utilisateurs.csv", USERS),
        document_types: sheet("types.csv", TYPES),
    };
    store.import_organisation(&sheets, &Actor { login: "admin".into(), workstation: "test".into() }).unwrap();
    Some((site, store))
}

/// A one-page courrier's documents: a real PDF holding a grey page image, and its
/// thumbnail (JPEG).
fn documents() -> (Vec<u8>, Vec<u8>) {
    let pixels = image::DynamicImage::ImageLuma8(image::GrayImage::from_fn(600, 800, |x, y| {
        image::Luma([if (x / 40 + y / 40) % 2 == 0 { 230 } else { 120 }])
    }));
    let embedded = EmbeddedImage::flate_from_pixels(&pixels);
    let page = PdfPage { image: &embedded, dpi: 100.0, rotation: Rotation::None, words: &[] };
    let info = PdfInfo { title: "courrier".into(), producer: "test".into() };
    let mut pdf = Vec::new();
    write_searchable_pdf(&[page], &info, &mut pdf).unwrap();
    let mut thumbnail = std::io::Cursor::new(Vec::new());
    pixels.thumbnail(120, 160).write_to(&mut thumbnail, image::ImageFormat::Jpeg).unwrap();
    (pdf, thumbnail.into_inner())
}

/// Courriers of one page each, with a real PDF (a grey page image) and thumbnail.
fn capture(site: &Site, store: &mut Store, texts: &[&str]) -> Vec<i64> {
    static BATCHES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let hash = format!("lot{}", BATCHES.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let (pdf, thumbnail) = documents();
    for i in 0..texts.len() {
        let folder = site.data_dir().join(format!("courriers/{hash}/{i}"));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("courrier.pdf"), &pdf).unwrap();
        std::fs::write(folder.join("p0.jpg"), &thumbnail).unwrap();
    }
    let batch = NewBatch {
        source_path: format!("/scan/{hash}.pdf"),
        content_hash: hash.clone(),
        profile: "generic-pdf".into(),
        folder: format!("courriers/{hash}"),
        pages: (0..texts.len())
            .map(|i| BatchPageRecord { source_index: i, role: PageRole::Content, detail: None, kept: None })
            .collect(),
        courriers: texts
            .iter()
            .enumerate()
            .map(|(i, t)| NewCourrier {
                separator: None,
                direction: None,
                pdf_path: format!("courriers/{hash}/{i}/courrier.pdf"),
                text: t.to_string(),
                pages: vec![NewCourrierPage {
                    source_index: i,
                    rotation_degrees: 0,
                    ocr_confidence: 90.0,
                    thumbnail_path: format!("courriers/{hash}/{i}/p0.jpg"),
                    text: t.to_string(),
                }],
            })
            .collect(),
    };
    store.commit_batch(&batch, &Actor { login: "capture".into(), workstation: "poste".into() }).unwrap().courrier_ids
}

fn register(store: &mut Store, id: i64, direction: &str, copies: &[&str], confidential: bool) {
    let op = Session { viewer: store.viewer("op").unwrap(), workstation: "poste".into() };
    let form = Qualification {
        document_type: Some("COUR".into()),
        subject: Some(format!("Demande pour {direction}")),
        arrival_date: Some(time::macros::date!(2026 - 11 - 20)),
        main_direction: Some(direction.into()),
        copies: copies.iter().map(|c| c.to_string()).collect(),
        confidential: Some(confidential),
        ..Qualification::default()
    };
    store.register(&op, id, &form, &ChronoFormat::default()).unwrap();
}

/// Six courriers: DRH, DAF, DAF with a copy to DRH, confidential DRH, confidential DAF
/// with a copy to DRH, one still in the mail room.
fn six_courriers(site: &Site, store: &mut Store) -> Vec<i64> {
    let ids = capture(
        site,
        store,
        &[
            "lettre rh ordinaire",
            "lettre daf budget",
            "lettre daf avec copie rh budget",
            "lettre confidentielle rh dossier médical",
            "lettre confidentielle daf copie rh dossier",
            "lettre en attente au service courrier",
        ],
    );
    register(store, ids[0], "DRH", &[], false);
    register(store, ids[1], "DAF", &[], false);
    register(store, ids[2], "DAF", &["DRH"], false);
    register(store, ids[3], "DRH", &[], true);
    register(store, ids[4], "DAF", &["DRH"], true);
    ids
}

// ---------------------------------------------------------------------------------------

on_both_engines!(
    the_role_matrix_holds_over_http_for_records_pages_pdfs_and_search,
    sessions_are_cookies_a_forger_cannot_use,
    sign_in_is_throttled_per_login_and_per_address,
    sessions_end_by_idleness_deactivation_and_the_lead,
    malformed_requests_never_get_a_server_error,
    a_delivered_batch_is_recorded_once_however_often_it_arrives,
    the_legal_clock_over_http_counts_only_ones_own_and_only_the_lead_edits_calendars,
    acknowledgements_over_http_are_set_by_the_lead_and_read_as_the_courrier_is,
    the_server_sends_an_e_mail_acknowledgement_after_a_registration_to_a_real_smtp_server,
    baskets_per_role_over_http_are_the_leads_and_seen_at_the_next_call,
    an_absence_delegates_over_http_to_its_delegate_only,
);

fn an_absence_delegates_over_http_to_its_delegate_only(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let ids = six_courriers(&site, &mut store);
    let server = Server::start(&site, |_| {});
    let paris = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Paris").unwrap()).date();
    let day = |n: i64| paris.checked_add(jiff::ToSpan::days(n)).unwrap().to_string();
    let (mut rh, mut af, mut agent) =
        (Browser::signed_in(&server, "rh"), Browser::signed_in(&server, "af"), Browser::signed_in(&server, "agent"));
    // Before: René's confidential letter is out of Anne's sight, as missing.
    assert_eq!(af.call("courrier", json!({ "id": ids[3] })).status, 404);
    // The agent names himself René's delegate: refused, nothing recorded.
    let forged = json!({ "absence": { "user": "rh", "starts_on": day(0), "ends_on": day(3), "delegate": "agent" } });
    let refused = agent.call("record_absence", forged);
    assert_eq!((refused.status, refused.kind().as_str()), (403, "refused"));
    assert_eq!(site.count("SELECT count(*) FROM absence"), 0);
    // René records his absence, Anne his delegate.
    let mine = json!({ "absence": { "user": null, "starts_on": day(0), "ends_on": day(2), "delegate": "af" } });
    let recorded = rh.call("record_absence", mine);
    assert_eq!(recorded.status, 200, "{}", String::from_utf8_lossy(&recorded.body));
    let absence = recorded.json().as_i64().unwrap();
    // Anne reaches his courriers (the confidential one too: he is its direction's referent),
    // their pages and PDF; she works them for him, and the history says so.
    for id in [ids[0], ids[3]] {
        assert_eq!(af.call("courrier", json!({ "id": id })).status, 200, "record of {id}");
        assert_eq!(af.get(&format!("/pdf/{id}")).status, 200, "PDF of {id}");
    }
    let baskets = af.call("baskets", json!({})).json();
    assert!(
        baskets.as_array().unwrap().iter().any(|b| b["name"].as_str().unwrap().ends_with("— pour rh")),
        "{baskets}"
    );
    let taken = af.call("act", json!({ "id": ids[3], "act": { "act": "take" } }));
    assert_eq!(taken.status, 200, "{}", String::from_utf8_lossy(&taken.body));
    let history = af.call("history", json!({ "id": ids[3] })).json();
    let take = history.as_array().unwrap().iter().find(|e| e["kind"] == "courrier_taken").unwrap().clone();
    assert_eq!((take["actor"].as_str(), take["on_behalf_of"].as_str()), (Some("af"), Some("rh")));
    // Someone who is not the delegate still gets « missing »; the agent cannot cancel it.
    assert_eq!(agent.call("courrier", json!({ "id": ids[3] })).status, 404);
    assert_eq!(Browser::signed_in(&server, "agdaf").call("courrier", json!({ "id": ids[0] })).status, 404);
    assert_eq!(agent.call("cancel_absence", json!({ "id": absence })).status, 403);
    // The lead sees it; the agent sees none.
    let listed = Browser::signed_in(&server, "pilote").call("absences", json!({})).json();
    assert_eq!(listed[0]["delegate"], "af");
    assert_eq!(listed[0]["current"], true);
    assert_eq!(agent.call("absences", json!({})).json(), json!([]));
    // Cancelled by René: Anne is back to her own at the next call.
    assert_eq!(rh.call("cancel_absence", json!({ "id": absence })).status, 200);
    assert_eq!(af.call("courrier", json!({ "id": ids[3] })).status, 404);
    assert_eq!(af.get(&format!("/pdf/{}", ids[3])).status, 404);
}

fn baskets_per_role_over_http_are_the_leads_and_seen_at_the_next_call(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let ids = six_courriers(&site, &mut store);
    let server = Server::start(&site, |_| {});
    let table = || site.raw("SELECT role, name, position, filter FROM basket ORDER BY role, position").unwrap();
    let events = || site.count("SELECT count(*) FROM event WHERE kind = 'basket_changed'");
    let before = table();
    let mut rh = Browser::signed_in(&server, "rh");
    let names = |b: &mut Browser| -> Vec<String> {
        let r = b.call("baskets", json!({}));
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        r.json().as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap().to_string()).collect()
    };
    assert!(names(&mut rh).contains(&"À traiter".to_string()));
    let listed = rh.call("basket", json!({ "name": "À traiter" })).json();
    let listed: Vec<i64> = listed.as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(listed.len(), 2, "DRH's two, the confidential one included: {listed:?}");
    assert!(listed.contains(&ids[0]) && listed.contains(&ids[3]));

    // Not the lead: 403, and nothing changes — whatever the change, whoever asks.
    let remove = json!({ "change": { "change": "remove", "role": "referent", "name": "À traiter" } });
    let add = json!({ "change": { "change": "add", "role": "agent", "name": "Tout",
                                  "filter": { "states": [], "scope": null, "assigned_to_me": false,
                                              "late": false, "returned": null } } });
    for login in ["rh", "agent", "op"] {
        let mut b = Browser::signed_in(&server, login);
        for change in [&remove, &add] {
            let r = b.call("change_basket", change.clone());
            assert_eq!((r.status, r.kind().as_str()), (403, "refused"), "{login}: {change}");
        }
        assert_eq!(b.call("role_baskets", json!({})).status, 403, "{login}");
    }
    assert_eq!(server.browser().call("change_basket", remove.clone()).status, 401, "no session");
    assert_eq!((table(), events()), (before.clone(), 0));

    // The lead: bad input said in French (400), a malformed filter too; nothing written.
    let mut lead = Browser::signed_in(&server, "pilote");
    let scoped = json!({ "change": { "change": "add", "role": "operator", "name": "Copies",
                                     "filter": { "scope": "copy" } } });
    let bad = lead.call("change_basket", scoped);
    assert_eq!((bad.status, bad.kind().as_str()), (400, "invalid"));
    let said = String::from_utf8_lossy(&bad.body).into_owned();
    assert!(said.contains("n'a pas de direction"), "{said}");
    let unknown_key = json!({ "change": { "change": "add", "role": "agent", "name": "X", "filter": { "etat": "x" } } });
    assert_eq!(lead.call("change_basket", unknown_key).status, 400);
    let taken = json!({ "change": { "change": "rename", "role": "referent", "name": "En cours", "to": "à traiter" } });
    assert_eq!(lead.call("change_basket", taken).status, 409);
    assert_eq!((table(), events()), (before.clone(), 0));

    // The lead removes « À traiter » from the referents: rh's very next call no longer has it.
    let r = lead.call("change_basket", remove);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert!(!names(&mut rh).contains(&"À traiter".to_string()));
    let gone = rh.call("basket", json!({ "name": "À traiter" }));
    assert_eq!((gone.status, gone.kind().as_str()), (404, "not_found"));
    assert!(String::from_utf8_lossy(&gone.body).contains("inconnue"));
    assert_eq!(events(), 1);
    let defs = lead.call("role_baskets", json!({})).json();
    assert!(!defs.as_array().unwrap().iter().any(|b| b["role"] == "referent" && b["name"] == "À traiter"));
    assert!(defs.as_array().unwrap().iter().any(|b| b["role"] == "agent" && b["name"] == "En copie"));
}

fn the_server_sends_an_e_mail_acknowledgement_after_a_registration_to_a_real_smtp_server(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let ids = capture(&site, &mut store, &["candidature de M. Martin"]);
    let inbox = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../pli-receipt/tests/smtp/sink.py");
    let mut sink = std::process::Command::new("/usr/bin/python3")
        .arg(&script)
        .arg(port.to_string())
        .arg(inbox.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("/usr/bin/python3 with python3-aiosmtpd (scripts/install-deps.sh)");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(sink.stdout.take().unwrap()), &mut line).unwrap();
    assert_eq!(line.trim(), "ready");
    let smtp = format!(
        "data = \"/x\"\n[smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\nfrom = \"Accueil <accueil@example.fr>\"\n"
    );
    let server = Server::start(&site, |c| c.smtp = ServerConfig::parse(&smtp).unwrap().smtp);

    let mut lead = Browser::signed_in(&server, "pilote");
    let default = lead.call("ack_templates", json!({})).json()["default_receipt"].as_str().unwrap().to_string();
    let row = json!({ "row": { "kind": "receipt", "document_type": null, "direction": null, "body": default } });
    assert_eq!(lead.call("set_ack_template", row).status, 200);
    let service = json!({ "row": { "direction": "DRH", "contact": {
        "designation": "Direction des ressources humaines",
        "address": ["1 place de la République", "67000 Strasbourg"],
        "email": "drh@example.fr", "phone": "03 88 00 00 00" } } });
    assert_eq!(lead.call("set_service_contact", service).status, 200);
    let mut op = Browser::signed_in(&server, "op");
    let sender = op.call(
        "create_contact",
        json!({ "contact": { "organisation_kind": false, "name": "M. Paul Martin", "organisation": null,
            "address": null, "postcode": null, "city": null, "email": "paul.martin@example.org" } }),
    );
    let form = json!({ "document_type": "COUR", "sender": sender.json(), "subject": "Candidature spontanée",
        "letter_date": null, "arrival_date": "2026-11-20", "reference": null, "priority": null,
        "confidential": false, "main_direction": "DRH", "copies": [], "comment": null });
    let r = op.call("register", json!({ "id": ids[0], "form": form }));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    // Sent on a thread of its own: waited for here, never by the registration.
    let mut sent = Value::Null;
    for _ in 0..100 {
        let acks = op.call("acknowledgements", json!({ "id": ids[0] })).json();
        assert_eq!(acks[0]["channel"], "email", "{acks}");
        sent = acks[0]["sent_at"].clone();
        if !sent.is_null() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = sink.kill();
    let _ = sink.wait();
    assert!(!sent.is_null(), "the e-mail acknowledgement was sent");
    let m: Value = serde_json::from_slice(&std::fs::read(inbox.path().join("1.json")).expect("received")).unwrap();
    assert_eq!(m["rcpt_tos"], json!(["paul.martin@example.org"]));
    assert_eq!(m["attachments"][0]["type"], "application/pdf");
}

fn acknowledgements_over_http_are_set_by_the_lead_and_read_as_the_courrier_is(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let ids = capture(&site, &mut store, &["lettre de Mme Müller pour les ressources humaines"]);
    let server = Server::start(&site, |_| {});
    let template =
        |body: &str| json!({ "row": { "kind": "receipt", "document_type": null, "direction": null, "body": body } });
    let service = json!({ "row": { "direction": "DRH", "contact": {
        "designation": "Direction des ressources humaines",
        "address": ["1 place de la République", "67000 Strasbourg"],
        "email": null, "phone": "03 88 00 00 00" } } });
    let mut lead = Browser::signed_in(&server, "pilote");
    let t = lead.call("ack_templates", json!({}));
    assert_eq!(t.status, 200, "{}", String::from_utf8_lossy(&t.body));
    let default = t.json()["default_receipt"].as_str().unwrap().to_string();
    assert!(t.json()["templates"].as_array().unwrap().is_empty());
    // A referent, an agent or the mail room may neither read nor set them: refused,
    // nothing written.
    for login in ["rh", "agent", "op"] {
        let mut b = Browser::signed_in(&server, login);
        for (command, args) in [
            ("ack_templates", json!({})),
            ("service_contacts", json!({})),
            ("set_ack_template", template(&default)),
            ("set_service_contact", service.clone()),
        ] {
            let r = b.call(command, args);
            assert_eq!((r.status, r.kind().as_str()), (403, "refused"), "{login}: {command}");
        }
    }
    assert_eq!(site.count("SELECT count(*) FROM ack_template"), 0);
    assert_eq!(site.count("SELECT count(*) FROM service_contact"), 0);
    // The lead: a template refused when broken, then saved.
    let bad = lead.call("set_ack_template", template("{inconnu}"));
    assert_eq!((bad.status, bad.kind().as_str()), (400, "invalid"));
    assert_eq!(lead.call("set_ack_template", template(&default)).status, 200);
    let r = lead.call("set_service_contact", service.clone());
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(lead.call("ack_templates", json!({})).json()["templates"].as_array().unwrap().len(), 1);
    let services = lead.call("service_contacts", json!({})).json();
    assert_eq!(services[0]["contact"]["phone"], "03 88 00 00 00");

    // The mail room registers a letter from a sender with a postal address: acknowledged.
    let mut op = Browser::signed_in(&server, "op");
    let sender = op.call(
        "create_contact",
        json!({ "contact": { "organisation_kind": false, "name": "Mme Élodie Müller", "organisation": null,
            "address": "12 rue des Écoles", "postcode": "67000", "city": "Strasbourg", "email": null } }),
    );
    assert_eq!(sender.status, 200, "{}", String::from_utf8_lossy(&sender.body));
    let form = json!({ "document_type": "COUR", "sender": sender.json(), "subject": "Demande de dossier",
        "letter_date": null, "arrival_date": "2026-11-20", "reference": null, "priority": null,
        "confidential": false, "main_direction": "DRH", "copies": [], "comment": null });
    let r = op.call("register", json!({ "id": ids[0], "form": form }));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let acks = op.call("acknowledgements", json!({ "id": ids[0] })).json();
    assert_eq!(acks.as_array().unwrap().len(), 1, "{acks}");
    assert_eq!(acks[0]["channel"], "post");
    let url = format!("/ack/{}/{}", ids[0], acks[0]["id"].as_i64().unwrap());

    // Its PDF: for whoever may see the courrier; 404 for an agent of another direction
    // (as an unknown one), and for the wrong acknowledgement number or a courrier's text.
    let reads = || {
        site.count(&format!(
            "SELECT count(*) FROM event WHERE courrier_id = {} AND kind = 'courrier_read' AND actor = 'rh'",
            ids[0]
        ))
    };
    let before = reads();
    for login in ["rh", "agent", "op", "pilote"] {
        let pdf = Browser::signed_in(&server, login).get(&url);
        assert_eq!(pdf.status, 200, "{login}");
        assert!(pdf.body.starts_with(b"%PDF-"), "{login}: the acknowledgement itself");
        assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    }
    assert!(reads() > before, "rh's reading of it is recorded");
    for login in ["agdaf", "af"] {
        let hidden = Browser::signed_in(&server, login).get(&url);
        assert_eq!((hidden.status, hidden.kind().as_str()), (404, "not_found"), "{login}");
        assert!(!String::from_utf8_lossy(&hidden.body).contains("Müller"));
    }
    let mut rh = Browser::signed_in(&server, "rh");
    assert_eq!(rh.get(&format!("/ack/{}/{}", ids[0], acks[0]["id"].as_i64().unwrap() + 99)).status, 404);
    assert_eq!(rh.get(&format!("/ack/{}/x", ids[0])).status, 404);
    assert_eq!(server.browser().get(&url).status, 401, "no session, no letter");

    // The day's print: the mail room's, not a referent's; a download URL, once.
    let refused = rh.call("print_postal_acknowledgements", json!({}));
    assert_eq!((refused.status, refused.kind().as_str()), (403, "refused"));
    let printed = op.call("print_postal_acknowledgements", json!({}));
    assert_eq!(printed.status, 200, "{}", String::from_utf8_lossy(&printed.body));
    let link = printed.json().as_str().expect("a download URL").to_string();
    assert!(link.starts_with("/ack-print/accuses-de-reception-"), "{link}");
    let file = op.get(&link);
    assert_eq!(file.status, 200);
    assert!(file.body.starts_with(b"%PDF-"));
    assert_eq!(rh.get(&link).status, 403, "a referent does not fetch the mail room's print");
    assert_eq!(op.get("/ack-print/..%2F..%2Fregistry.sqlite").status, 404);
    assert_eq!(op.get("/ack-print/activite-2026-11-16-2026-11-22.csv").status, 404);
    assert_eq!(op.call("print_postal_acknowledgements", json!({})).json(), Value::Null, "nothing left to print");

    // Forwarded to the competent body: closed, and the sender told (an acknowledgement of
    // kind forwarded, made by the server right after the action). Not by another direction.
    let forward = json!({ "id": ids[0], "act": { "act": "forward", "to": "Préfecture du Bas-Rhin", "note": null } });
    let hidden = Browser::signed_in(&server, "af").call("act", forward.clone());
    assert_eq!((hidden.status, hidden.kind().as_str()), (404, "not_found"));
    let r = rh.call("act", forward);
    assert_eq!((r.status, r.json()), (200, json!("closed")), "{}", String::from_utf8_lossy(&r.body));
    let acks = rh.call("acknowledgements", json!({ "id": ids[0] })).json();
    assert_eq!(acks.as_array().unwrap().len(), 2, "{acks}");
    assert_eq!(
        (acks[1]["kind"].as_str(), acks[1]["forwarded_to"].as_str()),
        (Some("forwarded"), Some("Préfecture du Bas-Rhin"))
    );
}

fn the_legal_clock_over_http_counts_only_ones_own_and_only_the_lead_edits_calendars(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    six_courriers(&site, &mut store);
    let server = Server::start(&site, |_| {});
    // Every courrier arrived on Friday 20 November 2026, COUR: 30 days, Sunday 20
    // December → Monday 21. What each one works, counted on today.
    let due = time::macros::date!(2026 - 12 - 21);
    // Today in Paris (summer time too), as the store counts.
    let paris = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Paris").unwrap()).date();
    let today = time::Date::from_calendar_date(
        i32::from(paris.year()),
        time::Month::try_from(paris.month() as u8).unwrap(),
        paris.day() as u8,
    )
    .unwrap();
    let sunday = today + time::Duration::days(6 - i64::from(today.weekday().number_days_from_monday()));
    let counts = |n: i64| {
        if today > due {
            (n, 0)
        } else if due <= sunday {
            (0, n)
        } else {
            (0, 0)
        }
    };
    // René (DRH referent): his two, the confidential one included; the agent: the one
    // that is not confidential; Anne (DAF): DAF's three, none of DRH's copies.
    for (login, n) in [("rh", 2), ("agent", 1), ("af", 3)] {
        let r = Browser::signed_in(&server, login).call("due_summary", json!({}));
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let j = r.json();
        assert_eq!((j["late"].as_i64().unwrap(), j["due_this_week"].as_i64().unwrap()), counts(n), "{login}");
    }
    // A referent cannot change a site's calendar: refused, nothing written.
    let mut rh = Browser::signed_in(&server, "rh");
    let refused = rh.call("set_direction_region", json!({ "direction": "DRH", "region": "alsace_moselle" }));
    assert_eq!((refused.status, refused.kind().as_str()), (403, "refused"));
    let refused = rh.call("add_closure_day", json!({ "day": { "day": "2026-12-24", "direction": null, "label": "" } }));
    assert_eq!((refused.status, refused.kind().as_str()), (403, "refused"));
    assert!(site.raw("SELECT day FROM closure_day").unwrap().is_empty());
    assert_eq!(site.raw("SELECT region FROM direction WHERE code = 'DRH'").unwrap(), [["national"]]);
    // The lead can; bad input is said, never a server error.
    let mut lead = Browser::signed_in(&server, "pilote");
    let bad = lead.call("set_direction_region", json!({ "direction": "DRH", "region": "bretagne" }));
    assert_eq!((bad.status, bad.kind().as_str()), (400, "invalid"));
    let bad = lead.call("add_closure_day", json!({ "day": { "day": "24/12/2026", "direction": null, "label": "" } }));
    assert_eq!((bad.status, bad.kind().as_str()), (400, "invalid"));
    assert_eq!(lead.call("add_closure_day", json!({ "day": "2026-12-24" })).status, 400, "a malformed call");
    let ok = lead.call("set_direction_region", json!({ "direction": "DRH", "region": "alsace_moselle" }));
    assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.body));
    let day = json!({ "day": { "day": "2026-12-24", "direction": "DRH", "label": "Veille de Noël" } });
    assert_eq!(lead.call("add_closure_day", day).status, 200);
    let calendars = lead.call("site_calendars", json!({})).json();
    assert_eq!(calendars["closures"], json!([{ "day": "2026-12-24", "direction": "DRH", "label": "Veille de Noël" }]));
    assert!(
        calendars["directions"]
            .as_array()
            .unwrap()
            .contains(&json!({ "direction": "DRH", "region": "alsace_moselle" }))
    );
    let removed = lead.call("remove_closure_day", json!({ "day": "2026-12-24", "direction": "DRH" }));
    assert_eq!(removed.status, 200);
    assert_eq!(site.raw("SELECT count(*) FROM event WHERE kind = 'calendar_changed'").unwrap(), [["3"]]);
}

fn the_role_matrix_holds_over_http_for_records_pages_pdfs_and_search(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let ids = six_courriers(&site, &mut store);
    let server = Server::start(&site, |_| {});
    // Who sees which (as the registry's own matrix): confidential letters reach only the
    // main direction's referents; the agent sees what is not confidential in his direction.
    let expect: [(&str, &[usize]); 5] =
        [("rh", &[0, 2, 3]), ("af", &[1, 2, 4]), ("agent", &[0, 2]), ("op", &[0, 1, 2, 5]), ("pilote", &[0, 1, 2, 5])];
    for (login, visible) in expect {
        let mut b = Browser::signed_in(&server, login);
        let want: BTreeSet<i64> = visible.iter().map(|&i| ids[i]).collect();
        for &id in &ids {
            let sees = want.contains(&id);
            let expected = if sees { 200 } else { 404 };
            let record = b.call("courrier", json!({ "id": id }));
            assert_eq!(record.status, expected, "{login}: record of {id}");
            if !sees {
                assert_eq!(record.kind(), "not_found", "{login}: an invisible courrier looks missing");
                assert!(!String::from_utf8_lossy(&record.body).contains("lettre"), "nothing of it told");
            }
            assert_eq!(b.call("pages", json!({ "id": id })).status, expected, "{login}: pages of {id}");
            assert_eq!(b.call("text", json!({ "id": id })).status, expected, "{login}: text of {id}");
            assert_eq!(b.call("history", json!({ "id": id })).status, expected, "{login}: history of {id}");
            let acks = b.call("acknowledgements", json!({ "id": id }));
            assert_eq!(acks.status, expected, "{login}: acknowledgements of {id}");
            let page = b.get(&format!("/img/page/{id}/0"));
            assert_eq!(page.status, expected, "{login}: page image of {id}");
            if sees {
                assert_eq!(page.header("content-type"), Some("image/jpeg"));
                assert!(image::load_from_memory(&page.body).is_ok(), "a real JPEG");
                assert!(page.header("cache-control").unwrap().starts_with("private"), "no shared cache keeps it");
            }
            assert_eq!(b.get(&format!("/img/thumb/{id}/0")).status, expected, "{login}: thumbnail of {id}");
            let pdf = b.get(&format!("/pdf/{id}"));
            assert_eq!(pdf.status, expected, "{login}: PDF of {id}");
            if sees {
                assert!(pdf.body.starts_with(b"%PDF-"), "{login}: the PDF itself");
            }
        }
        // Search: only visible hits, with the words of one invisible letter too.
        let hits = b.call("search", json!({ "query": "lettre", "filters": {} }));
        assert_eq!(hits.status, 200, "{}", String::from_utf8_lossy(&hits.body));
        let found: BTreeSet<i64> =
            hits.json().as_array().unwrap().iter().map(|h| h["courrier"].as_i64().unwrap()).collect();
        let searchable: BTreeSet<i64> =
            want.iter().copied().filter(|id| *id != ids[5] || login == "op" || login == "pilote").collect();
        assert_eq!(found, searchable, "{login}: search hits");
        let secret = b.call("search", json!({ "query": "médical", "filters": {} }));
        let secret_hits = secret.json().as_array().unwrap().len();
        assert_eq!(secret_hits, usize::from(login == "rh"), "{login}: the confidential letter's words");
    }

    // Who read the confidential letter? Its history says, naming the reader and what.
    let mut rh = Browser::signed_in(&server, "rh");
    let history = rh.call("history", json!({ "id": ids[3] })).json();
    let readings: Vec<(String, String)> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "courrier_read")
        .map(|e| (e["actor"].as_str().unwrap().to_string(), e["data"]["what"].as_str().unwrap_or("").to_string()))
        .collect();
    for what in ["record", "page", "text"] {
        assert!(readings.contains(&("rh".into(), what.into())), "rh's reading of the {what}: {readings:?}");
    }
    assert!(readings.iter().all(|(who, _)| who == "rh"), "nobody else read it: {readings:?}");
    let workstation = history.as_array().unwrap().iter().find(|e| e["kind"] == "courrier_read").unwrap()["workstation"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(workstation, "navigateur 127.0.0.1", "the reader's address is in the history");
    // Read again at once: the same reading is not written twice.
    let before =
        site.count(&format!("SELECT count(*) FROM event WHERE courrier_id = {} AND kind = 'courrier_read'", ids[3]));
    rh.call("courrier", json!({ "id": ids[3] }));
    rh.get(&format!("/img/page/{}/0", ids[3]));
    let after =
        site.count(&format!("SELECT count(*) FROM event WHERE courrier_id = {} AND kind = 'courrier_read'", ids[3]));
    assert_eq!(before, after, "a reading repeated within minutes is not news");

    // An agent cannot act on what he does not see; a referent acts on his own.
    let mut agent = Browser::signed_in(&server, "agent");
    let taken = agent.call("act", json!({ "id": ids[1], "act": { "act": "take" } }));
    assert_eq!(taken.status, 404, "{}", String::from_utf8_lossy(&taken.body));
    let taken = rh.call("act", json!({ "id": ids[0], "act": { "act": "take" } }));
    assert_eq!(taken.status, 200, "{}", String::from_utf8_lossy(&taken.body));
    assert_eq!(taken.json(), json!("in_progress"));
    // The lead's activity, and the agent refused it.
    let mut lead = Browser::signed_in(&server, "pilote");
    assert_eq!(lead.call("activity", json!({ "from": "2026-11-16", "to": "2026-11-22" })).status, 200);
    assert_eq!(agent.call("activity", json!({ "from": "2026-11-16", "to": "2026-11-22" })).status, 403);
    let export = lead.get("/export/activity?from=2026-11-16&to=2026-11-22&format=csv");
    assert_eq!(export.status, 200);
    assert!(export.header("content-disposition").unwrap().contains("activite-2026-11-16-2026-11-22.csv"));
    assert_eq!(agent.get("/export/activity?from=2026-11-16&to=2026-11-22&format=csv").status, 403);
}

fn sessions_are_cookies_a_forger_cannot_use(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let ids = six_courriers(&site, &mut store);
    let server = Server::start(&site, |c| c.secure_cookies = true);
    let mut anonymous = server.browser();
    // No session: 401 everywhere, nothing told.
    for path in [format!("/img/page/{}/0", ids[0]), format!("/pdf/{}", ids[0]), "/api/events".into()] {
        assert_eq!(anonymous.get(&path).status, 401, "{path}");
    }
    assert_eq!(anonymous.call("baskets", json!({})).status, 401);
    assert_eq!(anonymous.call("courrier", json!({ "id": ids[0] })).status, 401);
    assert_eq!(anonymous.call("me", json!({})).json(), Value::Null);

    // The index page: security headers, and a CSRF cookie readable by the page.
    let index = anonymous.get("/");
    assert_eq!(index.status, 200);
    let csp = index.header("content-security-policy").unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(index.header("x-frame-options"), Some("DENY"));
    assert_eq!(index.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(index.header("referrer-policy"), Some("no-referrer"));
    assert!(index.header("strict-transport-security").is_some(), "HSTS under TLS");

    // Sign-in without the CSRF echo (a cross-site form): refused.
    let mut forger = server.browser();
    forger.get("/");
    let forged = forger.send(
        "POST",
        "/api/sign_in",
        "Content-Type: application/json\r\n",
        json!({ "login": "rh", "password": PASSWORD }).to_string().as_bytes(),
    );
    assert_eq!(forged.status, 403, "sign-in without the CSRF header");
    assert!(forger.session.is_none());

    // A real sign-in: HttpOnly, SameSite=Strict, Secure.
    let mut rh = server.browser();
    let signed = rh.sign_in("rh");
    assert_eq!(signed.status, 200);
    let cookie = signed.cookies().into_iter().find(|c| c.starts_with("pli_session=")).unwrap().to_string();
    for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    assert_eq!(rh.call("baskets", json!({})).status, 200);

    // A state change with the session cookie but without the echo, or a wrong one: refused.
    let mut csrf_less = rh.clone();
    let r = csrf_less.send(
        "POST",
        "/api/act",
        "Content-Type: application/json\r\n",
        json!({ "id": ids[0], "act": { "act": "take" } }).to_string().as_bytes(),
    );
    assert_eq!(r.status, 403, "no CSRF header");
    let r = csrf_less.send(
        "POST",
        "/api/act",
        "Content-Type: application/json\r\nX-Pli-Csrf: devine\r\n",
        json!({ "id": ids[0], "act": { "act": "take" } }).to_string().as_bytes(),
    );
    assert_eq!(r.status, 403, "a wrong CSRF header");
    // The pre-session cookie value does not pass for the session's either.
    let mut stale = rh.clone();
    stale.csrf = forger.csrf.clone();
    assert_eq!(stale.call("act", json!({ "id": ids[0], "act": { "act": "take" } })).status, 403);
    // A GET never changes anything: the API refuses GET.
    assert_eq!(rh.get("/api/act").status, 405);
    let untouched =
        site.count(&format!("SELECT count(*) FROM event WHERE courrier_id = {} AND kind = 'courrier_taken'", ids[0]));
    assert_eq!(untouched, 0, "no forged request took the courrier");

    // A token planted before sign-in is worth nothing after it (renewed at sign-in).
    let mut victim = server.browser();
    victim.session = rh.session.clone();
    let before = rh.session.clone().unwrap();
    let again = victim.sign_in("rh");
    assert_eq!(again.status, 200);
    assert_ne!(victim.session.as_deref(), Some(before.as_str()), "a new token at sign-in");
    assert_eq!(rh.call("baskets", json!({})).status, 401, "the planted token ended");

    // The database holds no token, only its hash.
    let stored = site.raw("SELECT token_hash FROM web_session").unwrap();
    let token = victim.session.clone().unwrap();
    assert!(stored.iter().all(|r| r[0] != token), "tokens are stored hashed");

    // Sign-out ends it on the server, not only in the browser.
    let kept = victim.clone();
    assert_eq!(victim.call("sign_out", json!({})).status, 200);
    let mut replay = kept;
    assert_eq!(replay.call("baskets", json!({})).status, 401, "a signed-out cookie replayed");
}

fn sign_in_is_throttled_per_login_and_per_address(engine: Engine) {
    let Some((site, _store)) = open_site(engine) else { return };
    let server = Server::start(&site, |c| {
        c.sign_in.free_attempts = 3;
        c.sign_in.free_attempts_per_address = 7;
        c.sign_in.first_lock_seconds = 60;
        c.trusted_proxies = vec![];
    });
    let mut b = server.browser();
    let wrong = |b: &mut Browser, login: &str| b.call("sign_in", json!({ "login": login, "password": "devine" }));
    // Unknown login and wrong password: the same answer.
    let unknown = wrong(&mut b, "personne");
    let bad = wrong(&mut b, "rh");
    assert_eq!((unknown.status, unknown.json()), (bad.status, bad.json()), "an unknown login is not told apart");
    assert_eq!(bad.status, 400);
    wrong(&mut b, "rh");
    wrong(&mut b, "rh");
    // Locked now, even with the right password.
    let locked = b.sign_in("rh");
    assert_eq!(locked.status, 429, "{}", String::from_utf8_lossy(&locked.body));
    assert!(locked.json()["message"].as_str().unwrap().contains("trop d'essais"));
    // Other logins from this address: 4 failures so far (the locked try is not one); 3
    // more reach the address's limit…
    for login in ["a1", "a2", "a3"] {
        assert_eq!(wrong(&mut b, login).status, 400);
    }
    // …and the next sign-in from this address is refused, whoever it is for. Claiming
    // another address in X-Forwarded-For does not help: the peer is no trusted proxy.
    b.forwarded = Some("203.0.113.9".into());
    let from_here = b.sign_in("af");
    assert_eq!(from_here.status, 429, "{}", String::from_utf8_lossy(&from_here.body));
    assert!(from_here.json()["message"].as_str().unwrap().contains("adresse"));
    let events = site.count("SELECT count(*) FROM event WHERE kind = 'sign_in_locked'");
    assert!(events >= 2, "each lockout is an event ({events})");
}

fn sessions_end_by_idleness_deactivation_and_the_lead(engine: Engine) {
    let Some((site, _store)) = open_site(engine) else { return };
    let server = Server::start(&site, |c| c.session.idle_seconds = Some(3));
    // Idle too long: ended.
    let mut idle = Browser::signed_in(&server, "af");
    std::thread::sleep(Duration::from_millis(3500));
    assert_eq!(idle.call("baskets", json!({})).status, 401, "idle expiry");
    drop(server);

    let server = Server::start(&site, |_| {});
    let mut rh = Browser::signed_in(&server, "rh");
    let mut rh_elsewhere = Browser::signed_in(&server, "rh");
    let mut agent = Browser::signed_in(&server, "agent");
    let mut lead = Browser::signed_in(&server, "pilote");
    assert_eq!(agent.call("baskets", json!({})).status, 200);
    // The lead deactivates the agent: cut off at his very next request.
    let row = json!({ "login": "agent", "name": "Alain Agent", "roles": ["agent:DRH"], "active": false });
    let saved = lead.call("save_user", json!({ "row": row, "password": "" }));
    assert_eq!(saved.status, 200, "{}", String::from_utf8_lossy(&saved.body));
    assert_eq!(agent.call("baskets", json!({})).status, 401, "a deactivated user is cut off");
    // A referent cannot end another's sessions; the lead can, on every browser at once.
    assert_eq!(rh.call("end_sessions", json!({ "login": "pilote" })).status, 403);
    let open = lead.call("sessions", json!({})).json();
    assert_eq!(open.as_array().unwrap().iter().filter(|s| s["login"] == "rh").count(), 2);
    let ended = lead.call("end_sessions", json!({ "login": "rh" }));
    assert_eq!(ended.json(), json!(2));
    assert_eq!(rh.call("baskets", json!({})).status, 401);
    assert_eq!(rh_elsewhere.call("baskets", json!({})).status, 401);
    assert_eq!(lead.call("baskets", json!({})).status, 200, "the lead's own session lives on");
    assert_eq!(site.count("SELECT count(*) FROM event WHERE kind = 'sessions_ended'"), 1);
    // A second server over the same registry knows the same sessions (nothing in memory).
    let other = Server::start(&site, |_| {});
    let mut lead_there = lead.clone();
    lead_there.address = other.address;
    assert_eq!(lead_there.call("baskets", json!({})).status, 200, "any server answers any session");
    // Health and metrics.
    let health = lead.get("/healthz");
    assert_eq!(health.status, 200);
    assert_eq!(health.json(), json!({ "database": "ok", "documents": "ok" }));
    let metrics = String::from_utf8(lead.get("/metrics").body).unwrap();
    drop(other);
    // Only the addresses named may read them (loopback by default).
    let closed = Server::start(&site, |c| c.metrics_from = vec!["192.0.2.1".parse().unwrap()]);
    assert_eq!(closed.browser().get("/metrics").status, 403, "metrics are not the browsers'");
    assert!(metrics.contains("pli_http_requests_total{route=\"/api/{command}\",status=\"200\"}"), "{metrics}");
    assert!(metrics.contains("pli_http_request_duration_seconds_bucket"), "{metrics}");
    assert!(metrics.contains("pli_sessions 2") || metrics.contains("pli_sessions 1"), "{metrics}");
}

/// A small deterministic generator: the same requests at every run.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
}

fn malformed_requests_never_get_a_server_error(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let ids = six_courriers(&site, &mut store);
    let limit = 64 * 1024;
    let server = Server::start(&site, |c| c.max_body_bytes = limit);
    let mut b = Browser::signed_in(&server, "rh");
    let id = ids[0].to_string();
    let commands = [
        "courrier",
        "pages",
        "act",
        "search",
        "register",
        "save_draft",
        "correct_split",
        "basket",
        "save_user",
        "create_contact",
        "activity",
        "history",
        "nope",
        "sign_in",
        "..",
        "%2e%2e",
        "courrier%00",
        "ça",
        "𝕏",
    ];
    let bodies = [
        "",
        "{",
        "}",
        "null",
        "[]",
        "[1,2]",
        "\"x\"",
        "{\"id\":",
        "{\"id\":\"1\"}",
        "{\"id\":1e400}",
        "{\"id\":-9223372036854775808}",
        "{\"id\":9223372036854775807}",
        "{\"id\":1,\"act\":{\"action\":\"fly\"}}",
        "{\"query\":\"\\u0000\",\"filters\":{}}",
        "{\"query\":\"\\ud800\",\"filters\":{}}",
        "{\"query\":\"\u{202e}é\u{0301}𝕏 OR \\\" NEAR( *\",\"filters\":{}}",
        "{\"name\":\"../../etc\"}",
        "{\"from\":\"2026-02-30\",\"to\":\"x\"}",
        "{\"edit\":{}}",
        "{\"id\":1,\"form\":{\"arrival_date\":\"32/13\"}}",
        "\u{feff}{}",
        "{\"login\":\"\\u0000\",\"password\":\"\"}",
    ];
    let paths = [
        "/img/../../../../etc/passwd",
        "/img/page/%2e%2e/%2e%2e/etc/passwd",
        "/img/page/1/0/../../x",
        "/img/page/-1/0",
        "/img/page/99999999999999999999/0",
        "/img/thumb/1/18446744073709551616",
        "/img/dropped/1/0",
        "/img/x",
        "/pdf/%00",
        "/pdf/1;rm",
        "/pdf/../../pli.sqlite3",
        "/..%2f..%2fetc/passwd",
        "/assets/../../pli.sqlite3",
        "/pli.sqlite3",
        "/export/activity?from=a&to=b&format=pdf",
        "/export/activity",
        "/separators.pdf?directions=%00,🙂",
        "/api/events?x=\u{1F600}",
        "/%ff%fe",
        "/img/page/1/0?v=\u{0}",
    ];
    let methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "BREW"];
    let mut dice = Dice(0x5eed_1234_abcd_0001);
    let mut statuses = std::collections::BTreeMap::new();
    for round in 0..400 {
        let reply = match round % 4 {
            0 => {
                let body = dice.pick(&bodies).replace("1", &id);
                b.call(dice.pick(&commands), serde_json::from_str(&body).unwrap_or(Value::String(body)))
            }
            1 => {
                let header = format!("Content-Type: application/json\r\nX-Pli-Csrf: {}\r\n", b.csrf.clone().unwrap());
                let body = dice.pick(&bodies).replace("1", &id);
                b.send("POST", &format!("/api/{}", dice.pick(&commands)), &header, body.as_bytes())
            }
            2 => {
                let path = dice.pick(&paths).to_string();
                b.send(dice.pick(&methods), &path, "", b"")
            }
            _ => {
                let method = dice.pick(&methods);
                b.send(method, &format!("/api/{}", dice.pick(&commands)), "", dice.pick(&bodies).as_bytes())
            }
        };
        assert!(reply.status < 500, "round {round}: {} {}", reply.status, String::from_utf8_lossy(&reply.body));
        assert!(reply.body.len() <= limit, "round {round}: an answer past the limit");
        assert!(!String::from_utf8_lossy(&reply.body).contains("root:"), "round {round}: a file outside the documents");
        *statuses.entry(reply.status).or_insert(0) += 1;
    }
    // A body past the limit: 413 without reading it all.
    let header = format!("Content-Type: application/json\r\nX-Pli-Csrf: {}\r\n", b.csrf.clone().unwrap());
    let huge = format!("{{\"query\":\"{}\",\"filters\":{{}}}}", "a".repeat(limit * 4));
    let reply = b.send("POST", "/api/search", &header, huge.as_bytes());
    assert_eq!(reply.status, 413, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.kind(), "invalid");
    // A lying Content-Length and a broken request line: answered or closed, never a 5xx.
    let lying = exchange(
        server.address,
        b"POST /api/baskets HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\nConnection: close\r\n\r\n{}",
    );
    assert!(lying.status < 500, "{lying:?}");
    let mut garbage = TcpStream::connect(server.address).unwrap();
    let _ = garbage.write_all(b"\x00\xff GET / HTTP/9.9\r\n\r\n");
    drop(garbage);
    // Still alive and still right.
    assert_eq!(b.call("courrier", json!({ "id": ids[0] })).status, 200);
    assert!(statuses.keys().any(|s| *s == 404) && statuses.keys().any(|s| *s == 400), "{statuses:?}");
    // Every answer was JSON or a file; the API's failures always carry a kind.
    let r = b.call("courrier", json!({ "id": "x" }));
    assert_eq!((r.status, r.kind()), (400, "invalid".to_string()));
}

/// A batch as a workstation's capture made it: its files (relative to its folder) and
/// what it recorded.
fn workstation_batch(letters: usize) -> (pli_core::capture::NewBatch, Vec<(String, Vec<u8>)>) {
    use sha2::Digest;
    let folder = "courriers/2026-12-01-lot-0007".to_string();
    let (pdf, thumbnail) = documents();
    let mut files = Vec::new();
    for i in 0..letters {
        files.push((format!("{i}/courrier.pdf"), pdf.clone()));
        files.push((format!("{i}/p0.jpg"), thumbnail.clone()));
    }
    let content_hash = hex::encode(sha2::Sha256::digest(format!("original {letters}").as_bytes()));
    let batch = pli_core::capture::NewBatch {
        source_path: "/scanner/lot-0007.pdf".into(),
        content_hash,
        profile: "generic-pdf".into(),
        folder: folder.clone(),
        pages: (0..letters)
            .map(|i| BatchPageRecord { source_index: i, role: PageRole::Content, detail: None, kept: None })
            .collect(),
        courriers: (0..letters)
            .map(|i| NewCourrier {
                separator: None,
                direction: Some("DRH".into()),
                pdf_path: format!("{folder}/{i}/courrier.pdf"),
                text: format!("lettre livrée numéro {i}"),
                pages: vec![NewCourrierPage {
                    source_index: i,
                    rotation_degrees: 0,
                    ocr_confidence: 91.0,
                    thumbnail_path: format!("{folder}/{i}/p0.jpg"),
                    text: format!("lettre livrée numéro {i}"),
                }],
            })
            .collect(),
    };
    (batch, files)
}

fn a_delivered_batch_is_recorded_once_however_often_it_arrives(engine: Engine) {
    use sha2::Digest;
    let Some((site, _store)) = open_site(engine) else { return };
    let server = Server::start(&site, |_| {});
    let (batch, files) = workstation_batch(3);
    let id = batch.content_hash.clone();
    let hashes: std::collections::BTreeMap<String, String> =
        files.iter().map(|(p, b)| (p.clone(), hex::encode(sha2::Sha256::digest(b)))).collect();
    let delivery = json!({ "batch": batch, "files": hashes, "operator": "op", "workstation": "poste-courrier" });
    let mut op = Browser::signed_in(&server, "op");
    let put = |b: &mut Browser, path: &str, sha: &str, bytes: &[u8]| {
        let header = format!("X-Pli-Csrf: {}\r\nX-Pli-Sha256: {sha}\r\n", b.csrf.clone().unwrap());
        b.send("PUT", &format!("/deliveries/{id}/{path}"), &header, bytes)
    };
    let commit = |b: &mut Browser| {
        let header = format!("Content-Type: application/json\r\nX-Pli-Csrf: {}\r\n", b.csrf.clone().unwrap());
        b.send("POST", &format!("/deliveries/{id}"), &header, delivery.to_string().as_bytes())
    };

    // Not of the mail room: refused. A file damaged on the way: refused, named.
    let mut agent = Browser::signed_in(&server, "agent");
    assert_eq!(put(&mut agent, &files[0].0, &hashes[&files[0].0], &files[0].1).status, 403);
    let damaged = put(&mut op, &files[0].0, &"0".repeat(64), &files[0].1);
    assert_eq!((damaged.status, damaged.kind()), (400, "invalid".to_string()), "{damaged:?}");
    for trick in ["../../pli.sqlite3", ".hidden", "a/../../b", "%2e%2e/x", "a//b"] {
        let r = put(&mut op, trick, &hashes[&files[0].0], &files[0].1);
        assert!(r.status == 400 || r.status == 404, "{trick}: {}", r.status);
    }
    assert!(!site.data_dir().join("pli.sqlite3.part").exists());

    // One file missing: the batch is not recorded, and says what is missing.
    for (path, bytes) in &files[1..] {
        assert_eq!(put(&mut op, path, &hashes[path], bytes).status, 200, "{path}");
    }
    let early = commit(&mut op);
    assert_eq!((early.status, early.kind()), (409, "conflict".to_string()), "{}", String::from_utf8_lossy(&early.body));
    assert!(early.json()["message"].as_str().unwrap().contains(&files[0].0));
    assert_eq!(site.count("SELECT count(*) FROM batch"), 0);

    // Every file, some twice (a repeat after a lost answer): recorded once.
    for (path, bytes) in files.iter().chain(files.iter().take(2)) {
        assert_eq!(put(&mut op, path, &hashes[path], bytes).status, 200, "{path}");
    }
    let first = commit(&mut op);
    assert_eq!(first.status, 200, "{}", String::from_utf8_lossy(&first.body));
    let first = first.json();
    assert_eq!(first["recorded_now"], json!(true));
    assert_eq!(first["courrier_ids"].as_array().unwrap().len(), 3);
    for _ in 0..3 {
        let again = commit(&mut op).json();
        assert_eq!((&again["batch_id"], &again["courrier_ids"]), (&first["batch_id"], &first["courrier_ids"]));
        assert_eq!(again["recorded_now"], json!(false), "a repeat writes nothing");
    }
    // A file sent again after the commit is taken and changes nothing.
    assert_eq!(put(&mut op, &files[0].0, &hashes[&files[0].0], &files[0].1).status, 200);
    assert_eq!(site.count("SELECT count(*) FROM batch"), 1);
    assert_eq!(site.count("SELECT count(*) FROM courrier"), 3);
    assert_eq!(site.count("SELECT count(*) FROM event WHERE kind = 'courrier_captured'"), 3);
    assert_eq!(site.count("SELECT count(*) FROM delivery"), 1);
    // Recorded as scanned by the operator at her workstation; its documents where they belong.
    let who = site.raw("SELECT actor, workstation FROM event WHERE kind = 'batch_ingested'").unwrap();
    assert_eq!(who, vec![vec!["op".to_string(), "poste-courrier".to_string()]]);
    let folder = format!("courriers/{id}");
    for (path, bytes) in &files {
        assert_eq!(&std::fs::read(site.data_dir().join(&folder).join(path)).unwrap(), bytes, "{path}");
    }
    assert!(!site.data_dir().join("incoming").join(&id).exists(), "nothing left waiting");
    // And the referent reads it like any courrier: its page image comes from the delivered PDF.
    let mut store = site.open();
    let c = first["courrier_ids"][0].as_i64().unwrap();
    let op_session = Session { viewer: store.viewer("op").unwrap(), workstation: "poste".into() };
    let form = Qualification {
        document_type: Some("COUR".into()),
        subject: Some("Livré".into()),
        arrival_date: Some(time::macros::date!(2026 - 12 - 01)),
        main_direction: Some("DRH".into()),
        ..Qualification::default()
    };
    store.register(&op_session, c, &form, &ChronoFormat::default()).unwrap();
    let mut rh = Browser::signed_in(&server, "rh");
    let page = rh.get(&format!("/img/page/{c}/0"));
    assert_eq!(page.status, 200);
    assert!(image::load_from_memory(&page.body).is_ok());
}
