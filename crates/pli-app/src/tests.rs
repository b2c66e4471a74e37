//! The desktop's services end to end, without a window: first start on an empty data
//! folder, the demo batch captured by the background watcher (real OCR), then an
//! operator and a referent at work through the same calls the window makes.

use super::*;
use pli_core::split::SplitEdit;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// The answer failed with `kind`, saying `words`.
#[track_caller]
fn fails<T: std::fmt::Debug>(answer: Answer<T>, kind: ErrorKind, words: &str) {
    let failure = answer.unwrap_err();
    assert_eq!(failure.kind, kind, "{failure}");
    assert!(failure.message.contains(words), "« {failure} » does not say « {words} »");
}

fn settings(data: &Path, demo_batch: bool) -> DeskSettings {
    DeskSettings {
        data_dir: data.to_path_buf(),
        scanner: Some(ScannerSettings {
            folder: data.join("scanner").display().to_string(),
            profile: "generic-pdf".into(),
        }),
        demo: true,
        demo_batch,
        workstation: "poste-test".into(),
        chrono: ChronoFormat::default(),
        server: None,
    }
}

#[test]
fn first_start_captures_the_demo_batch_and_a_letter_goes_through_its_life() {
    let data = tempfile::tempdir().unwrap();
    let desk = Desk::open(settings(data.path(), true)).unwrap();
    let start = desk.startup();
    assert!(start.demo, "an empty data folder gets the demo organisation");
    assert_eq!(start.demo_accounts.len(), 4);
    assert!(data.path().join("scanner/lot-demo.pdf").is_file(), "the demo batch waits in the scanner folder");

    // Nobody signed in: nothing is shown.
    fails(desk.baskets(), ErrorKind::Refused, "reconnectez-vous");
    fails(desk.sign_in("accueil", "mauvais"), ErrorKind::Invalid, "incorrect");
    let me = desk.sign_in("accueil", DEMO_PASSWORD).unwrap();
    assert!(me.operator && !me.referent);
    assert_eq!(me.roles, vec!["operator"]);

    // The watcher takes the demo batch; its events arrive as the window would get them.
    let stop = Arc::new(AtomicBool::new(false));
    let events = Arc::new(Mutex::new(Vec::<WatchEvent>::new()));
    let sink = events.clone();
    let watcher = desk.start_watcher(stop.clone(), move |e| sink.lock().unwrap().push(e));
    let deadline = Instant::now() + Duration::from_secs(180);
    let batch = loop {
        let done = events.lock().unwrap().iter().find_map(|e| match e {
            WatchEvent::BatchDone { batch, courriers, .. } => Some((*batch, *courriers)),
            _ => None,
        });
        if let Some(done) = done {
            break done;
        }
        assert!(Instant::now() < deadline, "the demo batch was not captured: {:?}", events.lock().unwrap());
        std::thread::sleep(Duration::from_millis(200));
    };
    stop.store(true, Ordering::SeqCst);
    watcher.join().unwrap();
    assert_eq!(batch.1, 4, "the demo batch holds four letters");
    let progress = events.lock().unwrap().iter().filter(|e| matches!(e, WatchEvent::PageRecognised { .. })).count();
    assert!(progress >= 4, "progress streamed page by page ({progress} events)");

    let intakes = desk.intakes().unwrap();
    assert_eq!(intakes[0].state, IntakeState::Done);
    assert_eq!(intakes[0].batch_id, Some(batch.0));

    // The split check: four courriers in scan order, each page with its images.
    let check = desk.batch_check(batch.0).unwrap();
    assert_eq!(check.courriers.len(), 4);
    let captured = desk.history(check.courriers[0].id).unwrap().remove(0);
    assert_eq!(
        (captured.kind.as_str(), captured.actor.as_str(), captured.workstation.as_str()),
        ("courrier_captured", "accueil", "poste-test"),
        "the batch is recorded as scanned by the operator signed in at the workstation"
    );
    let first = &check.courriers[0];
    let (mime, thumb) = desk.image(first.pages[0].thumbnail.trim_start_matches("pli://localhost")).unwrap();
    assert!(!thumb.is_empty() && mime.starts_with("image/"));
    let path = first.pages[0].src.trim_start_matches("pli://localhost");
    let (mime, jpeg) = desk.image(path.split('?').next().unwrap()).unwrap();
    assert_eq!(mime, "image/jpeg");
    let page = image::load_from_memory(&jpeg).unwrap();
    assert!(page.height() > page.width() && page.height() <= 3600, "a portrait page, at most an A4 at 300 dpi");
    // An upright page that is one plain JPEG is sent as the scan holds it: no decoding here.
    assert_eq!(first.pages[0].rotation, 0, "the demo's first page is upright");
    let scan = pli_capture::source::jpeg_page_bytes(&desk.pdf_to_open(first.id).unwrap(), 0).unwrap().unwrap();
    assert_eq!(jpeg, scan.0, "the scan's own bytes");
    // No image of a courrier one may not see: it looks missing, as the store says.
    fails(desk.image("/page/999999/0"), ErrorKind::NotFound, "n'est pas visible");
    fails(desk.image("/page/nimporte/0"), ErrorKind::NotFound, "image inconnue");
    fails(desk.image(&format!("/page/{}/99", first.id)), ErrorKind::NotFound, "n'a pas de page 100");

    // Merge the second letter into the first, then split it back: the same pages.
    let (a, b) = (check.courriers[0].id, check.courriers[1].id);
    let pages_a = check.courriers[0].pages.len();
    desk.correct_split(&SplitEdit::Merge { into: a, from: b }).unwrap();
    assert_eq!(desk.batch_check(batch.0).unwrap().courriers.len(), 3);
    let changed = desk.correct_split(&SplitEdit::SplitAt { courrier: a, position: pages_a }).unwrap();
    let again = desk.batch_check(batch.0).unwrap();
    assert_eq!(again.courriers.len(), 4);
    let new = *changed.last().unwrap();
    assert_eq!(again.courriers[1].id, new, "the split-off letter sits where it was scanned");

    // The demo batch's two blank backs are dropped, and shown with their thumbnails;
    // one is put back, after the page scanned before it, and is no longer listed.
    let dropped: Vec<usize> = again.dropped.iter().map(|d| d.source_index).collect();
    assert_eq!(dropped, vec![3, 5]);
    let thumb = again.dropped[1].thumbnail.as_deref().unwrap().trim_start_matches("pli://localhost");
    let (mime, bytes) = desk.image(thumb).unwrap();
    assert!(mime.starts_with("image/") && image::load_from_memory(&bytes).is_ok());
    let full = again.dropped[1].src.as_deref().unwrap().trim_start_matches("pli://localhost");
    let big = image::load_from_memory(&desk.image(full).unwrap().1).unwrap();
    assert!(big.height() > 1000, "the whole page, to judge whether it is blank");
    assert!(desk.image("/dropped/999999/3").is_err());
    fails(desk.image(&format!("/dropped/{}/4", batch.0)), ErrorKind::NotFound, "n'est pas une page écartée gardée");
    let holder = again.courriers.iter().find(|c| c.pages.iter().any(|p| p.source_index == 4)).unwrap();
    let restored = desk.restore_dropped_page(batch.0, 5, None, None).unwrap();
    assert_eq!((restored.courrier, restored.position, restored.created), (holder.id, holder.pages.len(), false));
    let after = desk.batch_check(batch.0).unwrap();
    assert_eq!(after.dropped.iter().map(|d| d.source_index).collect::<Vec<_>>(), vec![3]);
    let holder = after.courriers.iter().find(|c| c.id == restored.courrier).unwrap();
    assert_eq!(holder.pages.last().unwrap().source_index, 5);
    fails(desk.restore_dropped_page(batch.0, 5, None, None), ErrorKind::Invalid, "n'est pas une page écartée");

    // Qualify the first of the queue with the suggestions the OCR gives.
    let id = desk.next_to_qualify(None).unwrap().unwrap();
    let s = desk.suggestions(id).unwrap();
    let subject = s.subject.as_ref().expect("a subject read from « Objet : »").value.clone();
    let direction = s.main_direction.as_ref().expect("the separator's direction").value.clone();
    let form = Qualification {
        document_type: Some("COUR".into()),
        subject: Some(subject.clone()),
        main_direction: Some(direction.clone()),
        arrival_date: Some(time_today()),
        ..Default::default()
    };
    fails(desk.register(id, &Qualification::default()), ErrorKind::Invalid, "objet");
    let registered = desk.register(id, &form).unwrap();
    assert!(registered.chrono.starts_with("A-"));
    assert_ne!(desk.next_to_qualify(Some(id)).unwrap(), Some(id), "the queue moves on");

    // The referent of DRH and DAF finds it in « À traiter », redirects, returns it.
    desk.sign_out();
    let me = desk.sign_in("referent", DEMO_PASSWORD).unwrap();
    assert!(me.referent);
    let baskets = desk.baskets().unwrap();
    let to_process = baskets.iter().find(|b| b.name == "À traiter").unwrap();
    if direction == "DRH" || direction == "DAF" {
        assert!(to_process.count >= 1);
        assert!(desk.basket("À traiter").unwrap().iter().any(|c| c.id == id));
        let other = if direction == "DRH" { "DAF" } else { "DRH" };
        let redirect = Act::Redirect { to: other.into(), reason: "relève de l'autre direction".into() };
        assert_eq!(desk.act(id, &redirect).unwrap(), CourrierState::ToProcess);
        assert_eq!(desk.act(id, &Act::Take).unwrap(), CourrierState::InProgress);
        assert_eq!(desk.act(id, &Act::Close { note: Some("réponse envoyée".into()) }).unwrap(), CourrierState::Closed);
        let kinds: Vec<String> = desk.history(id).unwrap().into_iter().map(|h| h.kind).collect();
        for kind in ["courrier_registered", "courrier_redirected", "courrier_taken", "courrier_closed"] {
            assert!(kinds.iter().any(|k| k == kind), "{kind} in {kinds:?}");
        }
    } else {
        // A DOS letter is not for the DRH/DAF referent: it looks missing, as the store says.
        fails(desk.courrier(id), ErrorKind::NotFound, "n'est pas visible");
    }
    let hits = desk.search(&subject, &SearchFilters::default()).unwrap();
    assert_eq!(hits.iter().any(|h| h.courrier == id), direction != "DOS");

    // The lead reads the week and exports it; the operator may not.
    fails(desk.activity("2026-01-01", "2026-01-07"), ErrorKind::Refused, "réservé");
    desk.sign_out();
    desk.sign_in("pilote", DEMO_PASSWORD).unwrap();
    let paris = pli_core::stats::Settings::default().time_zone;
    let today = jiff::Timestamp::now().to_zoned_datetime(paris).date().to_string();
    fails(desk.activity("hier", &today), ErrorKind::Invalid, "date illisible");
    let report = desk.activity(&today, &today).unwrap();
    assert_eq!(report.days[0].scanned, 4);
    assert_eq!(report.days[0].registered, 1);
    let xlsx = desk.export_activity(&today, &today, ExportFormat::Xlsx).unwrap();
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"), "an XLSX is a zip");
    let sheet = desk.separator_sheets(&["DRH".into()]).unwrap();
    assert!(std::fs::read(&sheet).unwrap().starts_with(b"%PDF"));
    assert!(desk.profiles().unwrap().iter().any(|p| p.watched && p.name == "generic-pdf"));
}

fn time_today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

#[test]
fn the_lead_edits_the_organisation_with_the_import_checks() {
    let data = tempfile::tempdir().unwrap();
    let desk = Desk::open(settings(data.path(), false)).unwrap();
    assert!(!data.path().join("scanner/lot-demo.pdf").exists());
    desk.sign_in("pilote", DEMO_PASSWORD).unwrap();
    let dsi = DirectionRow { code: "DSI".into(), name: "Numérique".into(), parent: Some("DG".into()), active: true };
    desk.save_direction(&dsi).unwrap();
    let bad = DirectionRow { parent: Some("NULLE".into()), ..dsi.clone() };
    fails(desk.save_direction(&bad), ErrorKind::Invalid, "NULLE");
    let user = UserRow {
        login: "dsi".into(),
        name: "Référent DSI".into(),
        roles: vec!["referent:DSI".into()],
        active: true,
        email: None,
        digest: true,
    };
    fails(desk.save_user(&user, "court"), ErrorKind::Invalid, "8 caractères");
    desk.save_user(&user, "motdepasse-dsi").unwrap();
    let t = DocumentTypeRow {
        code: "SUB".into(),
        name: "Subvention".into(),
        deadline_days: 60,
        undelivered: false,
        active: true,
        ..DocumentTypeRow::default()
    };
    desk.save_document_type(&t).unwrap();
    let catalogue = desk.catalogue().unwrap();
    assert!(catalogue.directions.contains(&dsi));
    assert!(catalogue.users.contains(&user));
    assert!(catalogue.document_types.contains(&t));
    desk.sign_out();
    assert!(desk.sign_in("dsi", "motdepasse-dsi").unwrap().referent);
    fails(desk.save_direction(&dsi), ErrorKind::Refused, "réservé"); // only the lead administers
}

/// `ui/src/bindings/` is what ts-rs makes of the Rust types today. `make bindings`
/// (PLI_WRITE_BINDINGS=1) rewrites it.
#[test]
fn typescript_bindings_match_the_rust_types() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings");
    if std::env::var_os("PLI_WRITE_BINDINGS").is_some() {
        let _ = std::fs::remove_dir_all(&committed);
        export_bindings(&committed).unwrap();
        return;
    }
    let fresh = tempfile::tempdir().unwrap();
    export_bindings(fresh.path()).unwrap();
    fn list(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = e.path();
            if path.is_dir() {
                list(root, &path, out);
            } else {
                let name = path.strip_prefix(root).unwrap().display().to_string();
                out.push((name, std::fs::read_to_string(&path).unwrap()));
            }
        }
        out.sort();
    }
    let files = |root: &Path| {
        let mut out = Vec::new();
        list(root, root, &mut out);
        out
    };
    let (want, have) = (files(fresh.path()), files(&committed));
    let names = |f: &[(String, String)]| f.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&have), names(&want), "ui/src/bindings is out of date: run `make bindings`");
    for ((name, a), (_, b)) in want.iter().zip(&have) {
        assert_eq!(a, b, "ui/src/bindings/{name} is out of date: run `make bindings`");
    }
}

#[test]
fn a_quarantined_file_goes_back_to_the_scanner_folder_on_retry() {
    let data = tempfile::tempdir().unwrap();
    let desk = Desk::open(settings(data.path(), false)).unwrap();
    let damaged = data.path().join("scanner/abime.pdf");
    std::fs::write(&damaged, b"%PDF-1.4 truncated").unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let failed = Arc::new(AtomicBool::new(false));
    let seen = failed.clone();
    let watcher = desk.start_watcher(stop.clone(), move |e| {
        if matches!(e, WatchEvent::BatchFailed { .. }) {
            seen.store(true, Ordering::SeqCst);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while !failed.load(Ordering::SeqCst) {
        assert!(Instant::now() < deadline, "the damaged file was not quarantined");
        std::thread::sleep(Duration::from_millis(100));
    }
    stop.store(true, Ordering::SeqCst);
    watcher.join().unwrap();
    assert!(!damaged.exists());

    fails(desk.retry_intake(1), ErrorKind::Refused, "reconnectez-vous");
    desk.sign_in("referent", DEMO_PASSWORD).unwrap();
    fails(desk.retry_intake(1), ErrorKind::Refused, "réservé"); // capture is the mail room's
    desk.sign_in("accueil", DEMO_PASSWORD).unwrap();
    let row = desk.intakes().unwrap().remove(0);
    assert_eq!(row.state, IntakeState::Failed);
    let quarantined = PathBuf::from(row.moved_to.clone().unwrap());
    let note = pli_watch::error_note_path(&quarantined);
    assert!(quarantined.is_file() && note.is_file());
    desk.retry_intake(row.id).unwrap();
    assert_eq!(
        std::fs::read(&damaged).unwrap(),
        b"%PDF-1.4 truncated",
        "the same bytes, back where the scanner wrote them"
    );
    assert!(!quarantined.exists() && !note.exists());
    fails(desk.retry_intake(row.id), ErrorKind::Conflict, "n'est plus en quarantaine"); // put back once only
}

#[test]
fn the_lead_moves_the_scanner_folder_and_capture_follows() {
    let data = tempfile::tempdir().unwrap();
    let open = || Desk::open(DeskSettings { scanner: None, ..settings(data.path(), false) }).unwrap();
    let desk = open();
    let failed = Arc::new(Mutex::new(Vec::<PathBuf>::new()));
    let seen = failed.clone();
    desk.start_capture(move |e| {
        if let WatchEvent::BatchFailed { path, .. } = e {
            seen.lock().unwrap().push(path);
        }
    });
    desk.sign_in("pilote", DEMO_PASSWORD).unwrap();
    let before = desk.capture_status().unwrap();
    assert_eq!(before.folder, data.path().join("scanner").display().to_string());
    assert!(before.running && !before.imposed && before.problem.is_none());

    let other = tempfile::tempdir().unwrap();
    let elsewhere = other.path().join("numerisation");
    let bad = ScannerSettings { folder: elsewhere.display().to_string(), profile: "inconnu".into() };
    // Never Pli's own documents: the watcher would take them for batches.
    let inside =
        ScannerSettings { folder: data.path().join("courriers").display().to_string(), profile: "generic-pdf".into() };
    fails(desk.set_scanner(&inside), ErrorKind::Invalid, "se recouvrent");
    fails(desk.set_scanner(&bad), ErrorKind::Invalid, "inconnu");
    let relative = ScannerSettings { folder: "scans".into(), profile: "generic-pdf".into() };
    fails(desk.set_scanner(&relative), ErrorKind::Invalid, "chemin complet");
    let new = ScannerSettings { folder: elsewhere.display().to_string(), profile: "generic-tiff".into() };
    let now = desk.set_scanner(&new).unwrap();
    assert_eq!((now.folder.as_str(), now.profile.as_str(), now.running), (new.folder.as_str(), "generic-tiff", true));

    // A file in the new folder is taken by the restarted engine.
    std::fs::write(elsewhere.join("abime.tif"), b"II*\0truncated").unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while failed.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "capture did not follow the scanner folder");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(failed.lock().unwrap()[0], elsewhere.join("abime.tif"));
    desk.stop_capture();
    assert!(!desk.capture_status().unwrap().running);

    // Kept for the next start; only the lead may change it.
    drop(desk);
    let desk = open();
    desk.sign_in("accueil", DEMO_PASSWORD).unwrap();
    assert_eq!(desk.capture_status().unwrap().profile, "generic-tiff");
    fails(desk.set_scanner(&new), ErrorKind::Refused, "réservé");
}

/// Waits for the integrity check started with the desk.
fn integrity_when_done(desk: &Desk) -> IntegrityStatus {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status = desk.integrity().unwrap();
        if !status.running {
            return status;
        }
        assert!(Instant::now() < deadline, "the integrity check did not finish");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_damaged_document_found_at_start_is_shown_to_the_lead() {
    use pli_core::capture::{BatchPageRecord, BatchStore, NewBatch, NewCourrier, NewCourrierPage, PageRole};
    let data = tempfile::tempdir().unwrap();
    let desk = Desk::open(settings(data.path(), false)).unwrap();
    desk.sign_in("pilote", DEMO_PASSWORD).unwrap();
    assert!(integrity_when_done(&desk).problems.is_empty(), "a new folder is sound");
    drop(desk);
    // A batch committed as capture does (documents first), its hashes recorded with it.
    let folder = "courriers/lot-test";
    std::fs::create_dir_all(data.path().join(folder).join("000")).unwrap();
    std::fs::write(data.path().join(folder).join("000/courrier.pdf"), "%PDF-1.7 une lettre").unwrap();
    std::fs::write(data.path().join(folder).join("000/page-000.jpg"), "vignette").unwrap();
    let batch = NewBatch {
        source_path: "/scan/lot.pdf".into(),
        content_hash: "lot-test".into(),
        profile: "generic-pdf".into(),
        folder: folder.into(),
        pages: vec![BatchPageRecord { source_index: 0, role: PageRole::Content, detail: None, kept: None }],
        courriers: vec![NewCourrier {
            separator: None,
            direction: None,
            pdf_path: format!("{folder}/000/courrier.pdf"),
            text: "une lettre".into(),
            pages: vec![NewCourrierPage {
                source_index: 0,
                rotation_degrees: 0,
                ocr_confidence: 90.0,
                thumbnail_path: format!("{folder}/000/page-000.jpg"),
                text: "une lettre".into(),
            }],
        }],
    };
    let mut store = Store::open(data.path()).unwrap();
    store.commit_batch(&batch, &Actor { login: "pli".into(), workstation: "test".into() }).unwrap();
    drop(store);
    std::fs::write(data.path().join(folder).join("000/courrier.pdf"), "%PDF-1.7 une autre lettre").unwrap();

    let desk = Desk::open(settings(data.path(), false)).unwrap();
    desk.sign_in("accueil", DEMO_PASSWORD).unwrap();
    fails(desk.integrity(), ErrorKind::Refused, "réservé"); // the banner is the lead's
    desk.sign_out();
    desk.sign_in("pilote", DEMO_PASSWORD).unwrap();
    let status = integrity_when_done(&desk);
    assert_eq!(status.problems.len(), 1, "{status:?}");
    assert!(status.problems[0].contains("lot-test/000/courrier.pdf") && status.problems[0].contains("modifié"));
    assert!(status.checked_at.is_some());
}
