//! A scanner workstation connected to a real `pli serve` (on loopback, over its own
//! registry), through the same `Desk` calls the window makes: the operator signs in to
//! the server, a batch captured on the workstation (real OCR) reaches the server as
//! scanned by her, the window's answers are the server's (baskets, search, a courrier,
//! its page images), an invisible courrier stays missing through the workstation, and
//! while the server is down batches wait in the outbox, which empties when it is back.

use pli_app::{DEMO_PASSWORD, Desk, DeskSettings, ErrorKind, ScannerSettings};
use pli_core::capture::Actor;
use pli_core::registration::ChronoFormat;
use pli_server::{App, ServerConfig};
use pli_store::testing::{Engine, Site};
use pli_watch::WatchEvent;
use serde_json::json;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// `pli serve` on a thread, at a given loopback address (so that it can come back on the
/// same one after being stopped).
struct Server {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(site: &Site, address: SocketAddr) -> (Server, SocketAddr) {
        Self::start_with(site, address, "")
    }

    /// With more of the server's TOML (sections after the data folder).
    fn start_with(site: &Site, address: SocketAddr, more: &str) -> (Server, SocketAddr) {
        let mut config =
            ServerConfig::parse(&format!("data = {:?}\n{more}", site.data_dir().display().to_string())).unwrap();
        config.database = site.database_url().map(str::to_string);
        config.ui = site.data_dir().join("ui");
        std::fs::create_dir_all(&config.ui).unwrap();
        std::fs::write(config.ui.join("index.html"), "<!doctype html><title>Pli</title>").unwrap();
        let app = App::open(config).unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
            runtime.block_on(async move {
                let deadline = Instant::now() + Duration::from_secs(30);
                let listener = loop {
                    match tokio::net::TcpListener::bind(address).await {
                        Ok(l) => break l,
                        Err(e) if Instant::now() > deadline => panic!("bind {address}: {e}"),
                        Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                    }
                };
                tx.send(listener.local_addr().unwrap()).unwrap();
                pli_server::serve_on(app, listener, async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
            });
            runtime.shutdown_timeout(Duration::from_secs(1));
        });
        let bound = rx.recv_timeout(Duration::from_secs(60)).expect("the server listens");
        (Server { stop: Some(stop), thread: Some(thread) }, bound)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A one-letter batch (a separator sheet for DRH, then a page), distinct per `seed`.
fn letter(dir: &Path, seed: u64) -> std::path::PathBuf {
    let out = dir.join(format!("lot-{seed}.pdf"));
    let spec = pli_testkit::BatchSpec {
        seed,
        letters: 1,
        pages_per_letter: (1, 1),
        lines_per_page: 6,
        blank_backs: 0.0,
        directions: vec!["DRH".into()],
        noise: 2,
        ..Default::default()
    };
    pli_testkit::write_batch(&spec, pli_testkit::Format::Pdf, &out).unwrap();
    out
}

/// Puts a batch in the scanner folder as a scanner does (temporary name, then rename).
fn scan(batch: &Path, scanner: &Path) {
    let name = batch.file_name().unwrap().to_string_lossy().to_string();
    std::fs::copy(batch, scanner.join(format!("{name}.part"))).unwrap();
    std::fs::rename(scanner.join(format!("{name}.part")), scanner.join(&name)).unwrap();
}

fn wait_until(what: &str, timeout: Duration, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !ok() {
        assert!(Instant::now() < deadline, "waited {timeout:?} for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn waiting(desk: &Desk) -> (usize, Option<String>) {
    let outbox = desk.capture_status().unwrap().outbox.expect("a connected workstation has an outbox");
    (outbox.waiting, outbox.problem)
}

#[test]
fn a_connected_workstation_captures_here_and_works_on_the_server_s_registry() {
    // The server, with the demo organisation (accueil: operator; referent: DRH and DAF;
    // agent: DAF), its registry empty.
    let site = Site::new(Engine::Sqlite).unwrap();
    {
        let mut store = site.open();
        let actor = Actor { login: "pli".into(), workstation: "serveur".into() };
        assert!(pli_app::install_demo_if_empty(&mut store, &actor).unwrap());
    }
    let (server, address) = Server::start(&site, "127.0.0.1:0".parse().unwrap());
    let url = format!("http://{address}");

    // The workstation: its own data folder, no account of its own.
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let scanner = work.path().join("scanner");
    let desk = Desk::open(DeskSettings {
        data_dir: data.clone(),
        scanner: Some(ScannerSettings { folder: scanner.display().to_string(), profile: "generic-pdf".into() }),
        demo: false,
        demo_batch: false,
        workstation: "poste-courrier".into(),
        chrono: ChronoFormat::default(),
        server: Some(url.clone()),
    })
    .unwrap();
    let start = desk.startup();
    assert_eq!(start.server.as_deref(), Some(url.as_str()), "the sign-in screen names the server");
    assert!(!start.may_set_server, "the server is imposed");

    // Signing in is the server's: a wrong password is its refusal, in its words.
    let wrong = desk.sign_in("accueil", "mauvais").unwrap_err();
    assert_eq!(wrong.kind, ErrorKind::Invalid, "{wrong}");
    assert!(wrong.message.contains("incorrect"), "{wrong}");
    assert_eq!(desk.remote_call("baskets", json!({})).unwrap_err().kind, ErrorKind::Refused, "nobody signed in");
    let me = desk.sign_in("accueil", DEMO_PASSWORD).unwrap();
    assert!(me.operator && !me.lead, "{me:?}");
    assert_eq!(desk.me().unwrap().unwrap().login, "accueil");
    assert_eq!(waiting(&desk).0, 0);

    // A batch is captured here; it reaches the server, as scanned by accueil at this workstation.
    let events = Arc::new(Mutex::new(Vec::<WatchEvent>::new()));
    let sink = events.clone();
    desk.start_capture(move |e| sink.lock().unwrap().push(e));
    scan(&letter(work.path(), 41), &scanner);
    let done = || events.lock().unwrap().iter().filter(|e| matches!(e, WatchEvent::BatchDone { .. })).count();
    wait_until("the first batch captured", Duration::from_secs(240), || done() == 1);
    wait_until("the first batch on the server", Duration::from_secs(60), || waiting(&desk) == (0, None));
    assert_eq!(site.count("SELECT count(*) FROM batch"), 1);
    assert_eq!(site.count("SELECT count(*) FROM courrier"), 1);
    let recorded = site.raw("SELECT actor, workstation FROM event WHERE kind = 'batch_ingested'").unwrap();
    assert_eq!(recorded, vec![vec!["accueil".to_string(), "poste-courrier".to_string()]]);
    // The capture journal names the server's batch, as the split check will ask for it.
    let server_batch: i64 = site.raw("SELECT id FROM batch").unwrap()[0][0].parse().unwrap();
    assert_eq!(desk.intakes().unwrap()[0].batch_id, Some(server_batch));

    // The window's answers are the server's.
    let mut server_store = site.open();
    let operator = server_store.sign_in("accueil", DEMO_PASSWORD, "test").unwrap();
    let operator = pli_store::Session { viewer: operator, workstation: "test".into() };
    let baskets = desk.remote_call("baskets", json!({})).unwrap();
    assert_eq!(baskets, serde_json::to_value(server_store.baskets(&operator).unwrap()).unwrap());
    let id = desk.remote_call("next_to_qualify", json!({ "after": null })).unwrap().as_i64().expect("a courrier");
    let server_id: i64 = site.raw("SELECT id FROM courrier").unwrap()[0][0].parse().unwrap();
    assert_eq!(id, server_id, "the server's courrier");
    let view = desk.remote_call("courrier", json!({ "id": id })).unwrap();
    assert_eq!(view["id"], json!(id));
    let check = desk.remote_call("batch_check", json!({ "batch": server_batch })).unwrap();
    assert_eq!(check["courriers"][0]["id"], json!(id));
    // Its pages are shown through this window's scheme, fetched from the server.
    let pages = desk.remote_call("pages", json!({ "id": id })).unwrap();
    let src = pages[0]["src"].as_str().unwrap();
    assert!(src.starts_with("pli://localhost/img/page/"), "{src}");
    let (mime, jpeg) = desk.image(src.trim_start_matches("pli://localhost").split('?').next().unwrap()).unwrap();
    assert_eq!(mime, "image/jpeg");
    assert!(jpeg.starts_with(&[0xFF, 0xD8]), "a JPEG from the server");
    let thumb = pages[0]["thumbnail"].as_str().unwrap().trim_start_matches("pli://localhost");
    assert!(!desk.image(thumb.split('?').next().unwrap()).unwrap().1.is_empty());
    // Qualified and registered in the window: on the server, found by its search.
    let suggested = desk.remote_call("suggestions", json!({ "id": id })).unwrap();
    let subject = suggested["subject"]["value"].as_str().unwrap_or("Demande de renseignements").to_string();
    let today = jiff::Timestamp::now().to_string()[..10].to_string();
    let form = json!({ "document_type": "COUR", "subject": subject, "arrival_date": today, "main_direction": "DRH" });
    let registered = desk.remote_call("register", json!({ "id": id, "form": form })).unwrap();
    let chrono = registered["chrono"].as_str().expect("a chrono number").to_string();
    assert_eq!(site.raw(&format!("SELECT chrono FROM courrier WHERE id = {id}")).unwrap(), vec![vec![chrono]]);
    let word = subject.split_whitespace().max_by_key(|w| w.chars().count()).unwrap().to_string();
    let found = desk.remote_call("search", json!({ "query": word, "filters": {} })).unwrap();
    assert!(found.as_array().unwrap().iter().any(|h| h["courrier"] == json!(id)), "{word}: {found}");
    // The server's PDF, downloaded to be opened here.
    let pdf = desk.pdf_to_open(id).unwrap();
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"), "{}", pdf.display());
    assert!(pdf.starts_with(&data), "kept in the private data folder");

    // The agent of DAF may not see a DRH courrier: through the workstation it is missing,
    // as on the server (not found, the server's sentence), its images too.
    desk.sign_out();
    assert!(desk.me().unwrap().is_none());
    desk.sign_in("agent", DEMO_PASSWORD).unwrap();
    let hidden = desk.remote_call("courrier", json!({ "id": id })).unwrap_err();
    assert_eq!(hidden.kind, ErrorKind::NotFound, "{hidden}");
    let missing = desk.remote_call("courrier", json!({ "id": id + 1000 })).unwrap_err();
    assert_eq!(missing.kind, ErrorKind::NotFound);
    assert_eq!(hidden.message.replace(&id.to_string(), "N"), missing.message.replace(&(id + 1000).to_string(), "N"));
    assert_eq!(desk.image(&format!("/img/page/{id}/0")).unwrap_err().kind, ErrorKind::NotFound);
    assert_eq!(desk.pdf_to_open(id).unwrap_err().kind, ErrorKind::NotFound);
    // The workstation's own calls are not forwarded; an agent has no capture journal.
    assert_eq!(desk.remote_call("sign_in", json!({})).unwrap_err().kind, ErrorKind::Invalid);
    assert_eq!(desk.intakes().unwrap_err().kind, ErrorKind::Refused);
    desk.sign_out();
    desk.sign_in("accueil", DEMO_PASSWORD).unwrap();

    // The server stops: capture goes on, the batch waits in the outbox with the reason.
    drop(server);
    scan(&letter(work.path(), 42), &scanner);
    wait_until("the second batch captured", Duration::from_secs(240), || done() == 2);
    desk.deliver_now();
    wait_until("the reason the batch waits", Duration::from_secs(60), || {
        let (n, problem) = waiting(&desk);
        n == 1 && problem.is_some_and(|p| p.contains("injoignable"))
    });
    assert!(desk.remote_call("baskets", json!({})).is_err(), "the server is away");
    assert_eq!(site.count("SELECT count(*) FROM batch"), 1);

    // Back on the same address: the batch leaves by itself (every few seconds), once.
    let (_server, again) = Server::start(&site, address);
    assert_eq!(again, address);
    wait_until("the outbox emptied", Duration::from_secs(60), || waiting(&desk) == (0, None));
    assert_eq!(site.count("SELECT count(*) FROM batch"), 2);
    assert_eq!(site.count("SELECT count(*) FROM courrier"), 2);
    assert!(desk.remote_call("baskets", json!({})).is_ok(), "the same session works again");
    desk.stop_capture();
}

#[test]
fn a_new_workstation_is_connected_at_its_first_start_the_address_checked_before_it_is_kept() {
    let site = Site::new(Engine::Sqlite).unwrap();
    {
        let mut store = site.open();
        let actor = Actor { login: "pli".into(), workstation: "serveur".into() };
        pli_app::install_demo_if_empty(&mut store, &actor).unwrap();
    }
    let (_server, address) = Server::start(&site, "127.0.0.1:0".parse().unwrap());
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let settings = DeskSettings {
        data_dir: data.clone(),
        scanner: Some(ScannerSettings {
            folder: work.path().join("scanner").display().to_string(),
            profile: "generic-pdf".into(),
        }),
        demo: false,
        demo_batch: false,
        workstation: "poste-neuf".into(),
        chrono: ChronoFormat::default(),
        server: None,
    };
    let desk = Desk::open(settings.clone()).unwrap();
    let start = desk.startup();
    assert!(start.server.is_none() && start.may_set_server, "standalone, no account yet: a server may be named");
    assert!(desk.capture_status().is_err(), "nobody signed in");

    // Not a URL, nothing listening, something that is not Pli: refused, nothing kept.
    assert_eq!(desk.set_server("pli.agence.fr").unwrap_err().kind, ErrorKind::Invalid);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let nobody = desk.set_server(&format!("http://{closed}")).unwrap_err();
    assert_eq!(nobody.kind, ErrorKind::Invalid, "{nobody}");
    assert!(nobody.message.contains("ne répond pas comme un serveur Pli"), "{nobody}");
    let not_pli = desk.set_server(&format!("http://{address}/healthz-ailleurs")).unwrap_err();
    assert_eq!(not_pli.kind, ErrorKind::Invalid, "{not_pli}");
    assert!(!data.join(pli_app::SERVER_FILE).exists());
    assert!(desk.startup().server.is_none());

    // The server's address: kept, and the workstation signs in to it.
    let url = format!("http://{address}");
    let now = desk.set_server(&format!("{url}/")).unwrap();
    assert_eq!(now.server.as_deref(), Some(url.as_str()));
    assert!(!now.may_set_server);
    assert!(std::fs::read_to_string(data.join(pli_app::SERVER_FILE)).unwrap().contains(&url));
    desk.sign_in("accueil", DEMO_PASSWORD).unwrap();
    assert_eq!(desk.capture_status().unwrap().outbox.unwrap().server, url);
    drop(desk);

    // The next start reads it; only the lead may change it now.
    let desk = Desk::open(settings).unwrap();
    assert_eq!(desk.startup().server.as_deref(), Some(url.as_str()));
    desk.sign_in("accueil", DEMO_PASSWORD).unwrap();
    assert_eq!(desk.set_server(&url).unwrap_err().kind, ErrorKind::Refused, "an operator may not");
    desk.sign_out();
    desk.sign_in("pilote", DEMO_PASSWORD).unwrap();
    desk.set_server(&url).unwrap();
    assert!(desk.me().unwrap().is_none(), "signed out: everyone signs in again on the server named");
}

/// The UI's door and the desk agree on what a connected workstation answers itself: a
/// command in one list only would be forwarded by one side and refused by the other.
#[test]
fn the_window_and_the_desk_keep_the_same_commands_on_the_workstation() {
    let door = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/api.ts")).unwrap();
    let start = door.find("LOCAL_COMMANDS: ReadonlySet<string> = new Set([").expect("the door's list");
    let list = &door[start..];
    let list = &list[list.find('[').unwrap() + 1..list.find("]);").unwrap()];
    let mut in_ui: Vec<&str> = list.split(',').map(|s| s.trim().trim_matches('"')).filter(|s| !s.is_empty()).collect();
    let mut in_rust = pli_app::LOCAL_COMMANDS.to_vec();
    in_ui.sort();
    in_rust.sort();
    assert_eq!(in_ui, in_rust);
}

/// The server has no `open_acknowledgement`, and its print of the day's postal
/// acknowledgements stays on it: a connected workstation downloads both PDFs through its
/// link and opens them here. They are the server's, byte for byte, and its access rules hold.
#[test]
fn a_connected_workstation_opens_the_server_s_acknowledgements_and_postal_print() {
    use pli_core::acknowledgement::{AckKind, ServiceContact};
    use pli_core::registration::Qualification;
    use pli_store::acknowledgement::{AckTemplateRow, ServiceContactRow};
    use pli_store::registry::NewContact;

    let site = Site::new(Engine::Sqlite).unwrap();
    let (id, ack, server_ack) = {
        let mut store = site.open();
        let actor = Actor { login: "pli".into(), workstation: "serveur".into() };
        pli_app::install_demo_if_empty(&mut store, &actor).unwrap();
        let session = |store: &mut pli_store::Store, login: &str| pli_store::Session {
            viewer: store.sign_in(login, DEMO_PASSWORD, "test").unwrap(),
            workstation: "serveur".into(),
        };
        let lead = session(&mut store, "pilote");
        let body = pli_store::acknowledgement::default_body(AckKind::Receipt).to_string();
        let receipt = AckTemplateRow { kind: AckKind::Receipt, document_type: None, direction: None, body };
        store.set_ack_template(&lead, &receipt).unwrap();
        let contact = ServiceContact {
            designation: "Direction des ressources humaines".into(),
            address: vec!["1 place de la République".into(), "67000 Strasbourg".into()],
            email: None,
            phone: "03 88 00 00 00".into(),
        };
        store.set_service_contact(&lead, &ServiceContactRow { direction: "DRH".into(), contact }).unwrap();
        // A paper letter from a sender with a postal address only: a postal acknowledgement.
        let operator = session(&mut store, "accueil");
        let sender = NewContact {
            organisation_kind: false,
            name: "Mme Élodie Müller".into(),
            organisation: None,
            address: Some("12 rue des Écoles".into()),
            postcode: Some("67000".into()),
            city: Some("Strasbourg".into()),
            email: None,
        };
        let sender = store.create_contact(&operator, &sender).unwrap().0;
        let form = Qualification {
            document_type: Some("COUR".into()),
            sender: Some(sender),
            subject: Some("Demande de mutation".into()),
            arrival_date: Some(time::OffsetDateTime::now_utc().date()),
            main_direction: Some("DRH".into()),
            ..Default::default()
        };
        let id = store.register_paper(&operator, &form, &ChronoFormat::default()).unwrap().courrier;
        pli_app::office::acknowledge(&mut store, &operator, id);
        let ack = store.acknowledgements(&operator, id).unwrap().remove(0);
        assert_eq!(ack.channel, "post");
        let bytes = std::fs::read(store.resolve(&ack.document_path)).unwrap();
        (id, ack.id, bytes)
    };
    let (_server, address) = Server::start(&site, "127.0.0.1:0".parse().unwrap());
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let desk = Desk::open(DeskSettings {
        data_dir: data.clone(),
        scanner: None,
        demo: false,
        demo_batch: false,
        workstation: "poste-courrier".into(),
        chrono: ChronoFormat::default(),
        server: Some(format!("http://{address}")),
    })
    .unwrap();
    desk.sign_in("accueil", DEMO_PASSWORD).unwrap();

    // Not a server command: refused before it leaves, as every workstation's own call.
    for command in ["open_acknowledgement", "print_postal_acknowledgements"] {
        assert_eq!(
            desk.remote_call(command, json!({ "id": id, "acknowledgement": ack })).unwrap_err().kind,
            ErrorKind::Invalid
        );
    }
    // The acknowledgement opened here is the server's file, kept in the private data folder.
    let opened = desk.acknowledgement_file(id, ack).unwrap();
    assert!(opened.starts_with(&data), "{}", opened.display());
    assert_eq!(std::fs::read(&opened).unwrap(), server_ack, "the server's PDF, byte for byte");
    let text = pdftotext(&opened);
    assert!(text.contains("Müller") && text.contains("Direction des ressources humaines"), "{text}");
    assert_eq!(desk.acknowledgement_file(id, ack + 99).unwrap_err().kind, ErrorKind::NotFound);

    // The day's print: made on the server (its copy under its exports/), downloaded here.
    let printed = desk.print_postal_acknowledgements().unwrap().expect("one to print");
    assert!(printed.starts_with(data.join("exports")), "{}", printed.display());
    let name = printed.file_name().unwrap();
    let on_server = std::fs::read(site.data_dir().join("exports").join(name)).expect("the server's print");
    assert_eq!(std::fs::read(&printed).unwrap(), on_server);
    assert!(pdftotext(&printed).contains("Müller"));
    let marked = site.count(&format!("SELECT count(*) FROM acknowledgement WHERE id = {ack} AND sent_at IS NOT NULL"));
    assert_eq!(marked, 1, "marked printed on the server");
    assert_eq!(desk.print_postal_acknowledgements().unwrap(), None, "nothing left to print");

    // The server's rules hold: the agent of DAF may not see a DRH courrier nor print.
    desk.sign_out();
    desk.sign_in("agent", DEMO_PASSWORD).unwrap();
    assert_eq!(desk.acknowledgement_file(id, ack).unwrap_err().kind, ErrorKind::NotFound);
    assert_eq!(desk.print_postal_acknowledgements().unwrap_err().kind, ErrorKind::Refused);
}

fn pdftotext(pdf: &Path) -> String {
    let out = std::process::Command::new("pdftotext").arg(pdf).arg("-").output().expect("poppler's pdftotext");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// On a connected desktop the daily digest's choice and the lead's « envoyer maintenant »
/// are the server's: its registry, its `[smtp]`.
#[test]
fn a_connected_workstation_s_reminders_choice_and_send_now_are_the_server_s() {
    use pli_core::acknowledgement::{AckKind, ServiceContact};
    use pli_core::registration::Qualification;
    use pli_store::acknowledgement::{AckTemplateRow, ServiceContactRow};
    use pli_store::registry::NewContact;

    let site = Site::new(Engine::Sqlite).unwrap();
    let id = {
        let mut store = site.open();
        let actor = Actor { login: "pli".into(), workstation: "serveur".into() };
        pli_app::install_demo_if_empty(&mut store, &actor).unwrap();
        let session = |store: &mut pli_store::Store, login: &str| pli_store::Session {
            viewer: store.sign_in(login, DEMO_PASSWORD, "test").unwrap(),
            workstation: "serveur".into(),
        };
        let lead = session(&mut store, "pilote");
        let body = pli_store::acknowledgement::default_body(AckKind::Receipt).to_string();
        store
            .set_ack_template(
                &lead,
                &AckTemplateRow { kind: AckKind::Receipt, document_type: None, direction: None, body },
            )
            .unwrap();
        let contact = ServiceContact {
            designation: "Direction des ressources humaines".into(),
            address: vec!["1 place de la République".into(), "67000 Strasbourg".into()],
            email: Some("drh@example.fr".into()),
            phone: "03 88 00 00 00".into(),
        };
        store.set_service_contact(&lead, &ServiceContactRow { direction: "DRH".into(), contact }).unwrap();
        let operator = session(&mut store, "accueil");
        let sender = NewContact {
            name: "M. Paul Martin".into(),
            email: Some("paul.martin@example.org".into()),
            ..Default::default()
        };
        let sender = store.create_contact(&operator, &sender).unwrap().0;
        let form = Qualification {
            document_type: Some("COUR".into()),
            sender: Some(sender),
            subject: Some("Candidature spontanée".into()),
            arrival_date: Some(time::OffsetDateTime::now_utc().date()),
            main_direction: Some("DRH".into()),
            ..Default::default()
        };
        let id = store.register_paper(&operator, &form, &ChronoFormat::default()).unwrap().courrier;
        pli_app::office::acknowledge(&mut store, &operator, id);
        id
    };
    // The server's SMTP server answers nobody yet: the acknowledgement waits there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let smtp = format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\nfrom = \"Accueil <accueil@example.fr>\"\ntimeout_seconds = 3\n"
    );
    let (_server, address) = Server::start_with(&site, "127.0.0.1:0".parse().unwrap(), &smtp);
    let work = tempfile::tempdir().unwrap();
    let desk = Desk::open(DeskSettings {
        data_dir: work.path().join("data"),
        scanner: None,
        demo: false,
        demo_batch: false,
        workstation: "poste-pilote".into(),
        chrono: ChronoFormat::default(),
        server: Some(format!("http://{address}")),
    })
    .unwrap();

    // The reminders' choice: the user's own, kept on the server.
    desk.sign_in("referent", DEMO_PASSWORD).unwrap();
    assert_eq!(desk.remote_call("digest_choice", json!({})).unwrap()["digest"], json!(true));
    desk.remote_call("set_digest", json!({ "digest": false })).unwrap();
    assert_eq!(desk.remote_call("digest_choice", json!({})).unwrap()["digest"], json!(false));
    assert_eq!(site.count("SELECT count(*) FROM app_user WHERE login = 'referent' AND digest = 0"), 1);
    // « Envoyer maintenant » is the lead's.
    let refused = desk.remote_call("send_acknowledgements", json!({})).unwrap_err();
    assert_eq!(refused.kind, ErrorKind::Refused, "{refused}");
    desk.sign_out();

    desk.sign_in("pilote", DEMO_PASSWORD).unwrap();
    let waiting = desk.remote_call("send_acknowledgements", json!({})).unwrap();
    assert_eq!(waiting["sent"], json!(0), "{waiting}");
    assert_eq!(waiting["failed"][0][0], json!(id), "{waiting}");
    let inbox = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pli-receipt/tests/smtp/sink.py");
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
    let sent = desk.remote_call("send_acknowledgements", json!({})).unwrap();
    let _ = sink.kill();
    let _ = sink.wait();
    assert_eq!(sent["sent"], json!(1), "{sent}");
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(inbox.path().join("1.json")).expect("received")).unwrap();
    assert_eq!(m["rcpt_tos"], json!(["paul.martin@example.org"]));
    let by = site.raw("SELECT actor FROM event WHERE kind = 'acknowledgement_sent'").unwrap();
    assert_eq!(by, vec![vec!["pilote".to_string()]], "sent now by the lead");
}
