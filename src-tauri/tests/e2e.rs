//! The desktop in a real WebKit webview: the built app, driven by tauri-driver with
//! WebKitWebDriver (Debian `webkit2gtk-driver`) under Xvfb, through plain W3C
//! WebDriver calls. One scenario, a letter's whole life, as the issue tells it:
//!
//! the operator signs in; a generated batch whose second separator sheet was forgotten
//! lands in the scanner folder and is captured (real OCR); she splits the two letters
//! apart in the batch check with the keyboard, qualifies and registers the first letter
//! with the suggested subject and direction; the referent finds it in « À traiter »,
//! redirects it to the other direction, returns it to the mail room; the operator
//! registers it again; the referent takes it, closes it, reads its history and finds it
//! by full-text search; the lead reads the week's activity and the organisation, makes
//! complaints (RECL) need an acknowledgement of receipt and takes « En copie » off the
//! referents' baskets; the operator registers a complaint, and prints the day's postal
//! acknowledgements from the capture screen (the PDF read back with `pdftotext`: date
//! of receipt, service, implicit decision date); the referent's home no longer shows
//! « En copie », and the complaint's record shows its acknowledgement; she records her
//! absence with the agent as delegate, who signs in, finds her baskets « … — pour
//! referent », takes the complaint for her, and the history reads « par agent pour
//! referent ». A damaged file beside the batch goes to quarantine, and « Réessayer » takes it again.
//!
//! Every step saves a screenshot under `target/e2e/` for review, and axe-core checks
//! the screens as WebKit renders them (WCAG 2 A/AA: no serious or critical problem). `make test` installs
//! what it needs (Xvfb, WebKitWebDriver, tauri-driver) and builds the window first.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{Killed, Window};

/// A batch of three one-page letters for DRH whose second separator sheet was
/// forgotten: capture makes two courriers, the second holding letters 2 and 3.
fn batch_missing_a_separator(dir: &Path) -> PathBuf {
    let whole = dir.join("whole.pdf");
    let spec = pli_testkit::BatchSpec {
        seed: 31,
        letters: 3,
        pages_per_letter: (1, 1),
        lines_per_page: 8,
        blank_backs: 0.0,
        directions: vec!["DRH".into()],
        noise: 2,
        ..Default::default()
    };
    let truth = pli_testkit::write_batch(&spec, pli_testkit::Format::Pdf, &whole).unwrap();
    let separators: Vec<usize> = truth
        .pages
        .iter()
        .filter(|p| matches!(p.role, pli_testkit::PageRole::Separator { .. }))
        .map(|p| p.index)
        .collect();
    assert_eq!(separators.len(), 3);
    let mut doc = lopdf::Document::load(&whole).unwrap();
    doc.delete_pages(&[separators[2] as u32 + 1]);
    doc.prune_objects();
    let out = dir.join("lot-e2e.pdf");
    doc.save(&out).unwrap();
    out
}

#[test]
fn a_letter_from_the_scanner_to_its_closing_in_the_window() {
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let scanner = work.path().join("scanner");
    let batch = batch_missing_a_separator(work.path());

    let display = ":97";
    let _xvfb = Killed(
        Command::new("Xvfb")
            .args([display, "-screen", "0", "1366x850x24"])
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (make test installs it)"),
    );
    std::thread::sleep(Duration::from_millis(800));
    let driver_log = std::fs::File::create(shots.join("tauri-driver.log")).unwrap();
    let _driver = Killed(
        Command::new("tauri-driver")
            .args(["--port", "4445", "--native-port", "4446"])
            .env("DISPLAY", display)
            .env("PLI_DATA", &data)
            .env("PLI_SCANNER_DIR", &scanner)
            .env("PLI_DEMO", "1")
            .env("PLI_DEMO_BATCH", "0")
            .env("PLI_NO_OPEN", "1")
            .env("OMP_THREAD_LIMIT", "1")
            // Its log (and WebKitWebDriver's, which it starts) beside the screenshots, not in
            // the test's output: those children may outlive the test by a moment.
            .stdout(driver_log.try_clone().unwrap())
            .stderr(driver_log)
            .spawn()
            .expect("tauri-driver (make test installs it: cargo install tauri-driver --locked)"),
    );
    let base = "http://127.0.0.1:4445".to_string();
    let started = Instant::now();
    let session = loop {
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "wry",
            "tauri:options": { "application": env!("CARGO_BIN_EXE_pli-desktop") }
        } } });
        match ureq::Agent::new_with_defaults().post(&format!("{base}/session")).send_json(caps) {
            Ok(mut r) => {
                break r.body_mut().read_json::<Value>().unwrap()["value"]["sessionId"].as_str().unwrap().to_string();
            }
            Err(_) if started.elapsed() < Duration::from_secs(30) => std::thread::sleep(Duration::from_millis(500)),
            Err(e) => panic!("no WebDriver session: {e}"),
        }
    };
    let mut w = Window { base: base.clone(), session, shots, step: 0 };
    w.call("POST", "window/rect", Some(json!({ "width": 1366, "height": 850 }))).ok();

    // The operator signs in.
    w.find("#login");
    assert_eq!(w.call("GET", "title", None).unwrap(), "Pli — courrier entrant");
    w.step("connexion");
    let mut accessibility = w.accessibility_problems("connexion");
    // English on request, French again.
    w.click("#lang");
    w.wait_for("English", Duration::from_secs(5), |w| w.text("#sign-in").contains("Sign in"));
    w.step("sign-in-english");
    w.click("#lang");
    w.wait_for("French", Duration::from_secs(5), |w| w.text("#sign-in").contains("connecter"));
    w.type_in("#login", "accueil");
    w.type_in("#password", "mauvais");
    w.click("#sign-in");
    w.wait_for("the refusal", Duration::from_secs(10), |w| w.text("[role=alert]").contains("incorrect"));
    w.sign_in("accueil");
    w.step("accueil-operateur");

    // A batch lands in the scanner folder; capture shows it, then it is done.
    w.click("nav [data-nav=capture]");
    w.find("#capture, section");
    std::fs::copy(&batch, scanner.join("lot-e2e.pdf.part")).unwrap();
    std::fs::rename(scanner.join("lot-e2e.pdf.part"), scanner.join("lot-e2e.pdf")).unwrap();
    std::fs::write(scanner.join("abime.pdf"), b"%PDF-1.4 truncated").unwrap();
    w.wait_for("the batch captured", Duration::from_secs(120), |w| w.count("tr[data-state=done]") == 1);
    w.wait_for("the damaged file quarantined", Duration::from_secs(60), |w| w.count("tr[data-state=failed]") == 1);
    assert!(w.text("tr[data-state=failed]").contains("abime.pdf"));
    w.step("capture-terminee");
    accessibility.extend(w.accessibility_problems("numérisation"));
    // Retry puts it back in the scanner folder; still damaged, it fails again, with its reason.
    w.click("button[data-retry]");
    w.wait_for("the retry", Duration::from_secs(60), |w| w.count("tr[data-state=failed]") == 2);

    // Batch check: two courriers; the second holds two letters. Split it with the keyboard.
    w.click("button[data-check-batch]");
    w.find("#batch-check");
    w.wait_for("the pages", Duration::from_secs(10), |w| w.count("#batch-check .page") == 3);
    let groups = w.count("#batch-check .page[data-position=\"0\"]");
    assert_eq!(groups, 2, "capture made two courriers of three letters");
    w.step("decoupage-avant");
    accessibility.extend(w.accessibility_problems("découpage"));
    w.click("#batch-check .page[data-position=\"1\"]");
    w.press(&["s"]);
    w.wait_for("three courriers", Duration::from_secs(20), |w| w.count("#batch-check .page[data-position=\"0\"]") == 3);
    w.step("decoupage-corrige");

    // Qualification: the subject and the direction are suggested; accept them, choose the type.
    w.click("#to-qualify");
    w.find("#qualify");
    w.wait_for("the suggestions", Duration::from_secs(20), |w| w.count("[data-suggested=true]") >= 2);
    let subject = w.attr("#f-subject", "value").unwrap_or_default();
    assert!(!subject.is_empty(), "the subject is suggested from « Objet : »");
    assert_eq!(w.attr("#f-direction", "value").as_deref(), Some("DRH"), "the separator sheet's direction");
    w.choose("#f-type", "COUR");
    w.find("#page-viewer img");
    w.step("qualification");
    accessibility.extend(w.accessibility_problems("qualification"));
    let courrier: i64 = w
        .call(
            "POST",
            "execute/sync",
            Some(json!({ "script": "return document.querySelector('#qualify').dataset.courrier", "args": [] })),
        )
        .unwrap()
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("#qualify names its courrier");
    w.click("#register");
    w.wait_for("the chrono number", Duration::from_secs(20), |w| w.text("#registered").contains("A-"));
    let chrono = w.text("#registered").split_whitespace().find(|t| t.starts_with("A-")).unwrap().to_string();
    w.step("enregistre");
    w.sign_out();

    // The referent finds it in « À traiter » and redirects it to DAF.
    w.sign_in("referent");
    w.find(".basket-card[data-basket=\"En copie\"]");
    w.step("accueil-referent");
    w.click("nav [data-nav=baskets]");
    w.click("[data-basket-tab=\"À traiter\"]");
    w.click(&format!("tr[data-courrier=\"{courrier}\"] td"));
    w.find(&format!("#courrier-detail[data-courrier=\"{courrier}\"]"));
    w.wait_for(&format!("the detail showing {chrono}"), Duration::from_secs(10), |w| {
        w.text("#courrier-detail").contains(&chrono)
    });
    w.click("button[data-act=redirect]");
    w.choose("#act-direction", "DAF");
    w.type_in("#act-reason", "Facture : relève des finances");
    w.click("#act-confirm");
    w.wait_for("redirected", Duration::from_secs(10), |w| w.count("#history li[data-kind=courrier_redirected]") == 1);
    w.step("reoriente");

    // Then returns it to the mail room.
    w.click("button[data-act=return]");
    w.type_in("#act-reason", "Pièce jointe manquante");
    w.click("#act-confirm");
    w.wait_for("returned", Duration::from_secs(10), |w| w.count("#courrier-detail[data-state=to_qualify]") == 1);
    w.step("retourne");
    w.sign_out();

    // The operator sees why, and registers it again: same chrono number.
    w.sign_in("accueil");
    w.click("nav [data-nav=qualify]");
    w.find(&format!("#qualify[data-courrier=\"{courrier}\"]"));
    w.wait_for("the return's reason", Duration::from_secs(10), |w| {
        w.text("#qualify").contains("Pièce jointe manquante")
    });
    w.step("retour-au-courrier");
    // Without the mouse: Ctrl+Entrée from the form registers it.
    w.click("#f-subject");
    w.press_chord(&["\u{E009}", "\u{E007}"]);
    w.wait_for("registered again", Duration::from_secs(20), |w| w.text("#registered").contains(&chrono));
    w.sign_out();

    // The referent takes it and closes it, then reads its history.
    w.sign_in("referent");
    w.click("nav [data-nav=baskets]");
    w.click("[data-basket-tab=\"À traiter\"]");
    w.click(&format!("tr[data-courrier=\"{courrier}\"] td"));
    w.click("button[data-act=take]");
    w.click("#act-confirm");
    w.wait_for("taken", Duration::from_secs(10), |w| w.count("#courrier-detail[data-state=in_progress]") == 1);
    w.click("button[data-act=close]");
    w.type_in("#act-note", "Réponse envoyée");
    w.click("#act-confirm");
    w.wait_for("closed", Duration::from_secs(10), |w| w.count("#courrier-detail[data-state=closed]") == 1);
    // The timeline is reloaded after each action: wait for the close to be in it.
    w.wait_for("the close in the history", Duration::from_secs(10), |w| {
        w.count("#history li[data-kind=courrier_closed]") == 1
    });
    for kind in ["courrier_registered", "courrier_redirected", "courrier_returned", "courrier_taken"] {
        assert!(w.count(&format!("#history li[data-kind={kind}]")) >= 1, "{kind} in the history");
    }
    assert_eq!(w.count("#history li[data-kind=courrier_registered]"), 2, "registered twice");
    let show = "document.querySelector('#history').scrollIntoView({ block: 'center' })";
    w.call("POST", "execute/sync", Some(json!({ "script": show, "args": [] }))).unwrap();
    w.step("historique");
    accessibility.extend(w.accessibility_problems("corbeille et historique"));

    // Full-text search finds it, the words highlighted.
    w.click("nav [data-nav=search]");
    let word = subject.split_whitespace().max_by_key(|t| t.chars().count()).unwrap().to_string();
    w.type_in("#search-input", &word);
    w.press(&["\u{E007}"]);
    w.wait_for("a hit", Duration::from_secs(10), |w| w.count(&format!(".hit[data-courrier=\"{courrier}\"] mark")) >= 1);
    w.step("recherche");
    accessibility.extend(w.accessibility_problems("recherche"));
    w.sign_out();

    // The lead reads the week's activity and sees the organisation.
    w.sign_in("pilote");
    w.click("nav [data-nav=activity]");
    w.find("#activity svg.chart");
    w.step("activite");
    accessibility.extend(w.accessibility_problems("activité"));
    w.click("nav [data-nav=admin]");
    w.find("table#directions");
    w.wait_for("the users", Duration::from_secs(10), |w| w.text("table#users").contains("referent:DAF"));
    w.wait_for("the scanner profiles", Duration::from_secs(10), |w| w.text("table#profiles").contains("generic-pdf"));
    w.step("administration");
    accessibility.extend(w.accessibility_problems("administration"));

    // Complaints (RECL) now need an acknowledgement of receipt: silence vaut acceptation,
    // the default template, DRH's handling service. The lead also takes « En copie » off
    // the referents' baskets.
    w.choose("#rule-type", "RECL");
    w.choose("#rule-implicit", "acceptance");
    w.click("#type-rule-form button[type=submit]");
    w.wait_for("the rule saved", Duration::from_secs(10), |w| w.text("#type-rule-form [role=status]").contains("RECL"));
    w.choose("#ack-type", "RECL");
    w.wait_for("the default template", Duration::from_secs(10), |w| {
        w.attr("#ack-body", "value").unwrap_or_default().contains("{date_reception}")
    });
    w.click("#ack-template button[type=submit]");
    let said = "#acknowledgement-settings [role=status]";
    w.wait_for("the template saved", Duration::from_secs(10), |w| w.text(said).contains("Modèle enregistré"));
    w.choose("#ack-service-direction", "DRH");
    w.type_in("#ack-service-designation", "Service des ressources humaines");
    w.type_in("#ack-service-address", "12 rue de la Paix, 57000 Metz");
    w.type_in("#ack-service-email", "drh@ars.example");
    w.type_in("#ack-service-phone", "03 87 00 00 00");
    w.click("#ack-service button[type=submit]");
    w.wait_for("the service saved", Duration::from_secs(10), |w| w.text(said).contains("Service enregistré"));
    assert_eq!(w.attr("#baskets-role", "value").as_deref(), Some("referent"), "the referents' baskets first");
    w.find("#role-basket-list li[data-basket=\"En copie\"]");
    w.click("#role-basket-list li[data-basket=\"En copie\"] button[data-remove]");
    w.wait_for("« En copie » removed", Duration::from_secs(10), |w| {
        w.count("#role-basket-list li[data-basket=\"En copie\"]") == 0
    });
    w.step("bannettes-par-role");
    accessibility.extend(w.accessibility_problems("bannettes par rôle"));

    // The `?` overlay lists the shortcuts.
    w.click("body");
    w.press(&["?"]);
    w.find("#shortcuts");
    w.step("raccourcis");
    accessibility.extend(w.accessibility_problems("raccourcis"));
    w.press(&["\u{E00C}"]);
    w.wait_for("the overlay closed", Duration::from_secs(5), |w| w.count("#shortcuts") == 0);
    w.sign_out();

    // The operator registers a complaint for DRH from a new sender: its acknowledgement is
    // made at once, by post (no e-mail address known), and the day's print is offered on
    // the capture screen.
    w.sign_in("accueil");
    w.click("nav [data-nav=qualify]");
    w.find("#qualify[data-courrier]");
    // What is suggested is filled in first; then the operator's choices.
    w.wait_for("the suggestions", Duration::from_secs(20), |w| w.count("[data-suggested=true]") >= 1);
    let complaint: i64 = w
        .script("return document.querySelector('#qualify').dataset.courrier")
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("#qualify names its courrier");
    assert_ne!(complaint, courrier);
    w.choose("#f-type", "RECL");
    w.choose("#f-direction", "DRH");
    // A new sender with a postal address only: the acknowledgement goes by post.
    w.click("#new-contact");
    w.type_in("#nc-name", "Jeanne Dupont");
    w.type_in("#nc-address", "3 rue des Lilas");
    w.type_in("#nc-postcode", "57000");
    w.type_in("#nc-city", "Metz");
    w.click("#nc-create");
    w.wait_for("the sender chosen", Duration::from_secs(10), |w| {
        w.attr("#f-sender", "value").as_deref() == Some("Jeanne Dupont")
    });
    let arrival = w.attr("#f-arrival-date", "value").unwrap_or_default();
    let arrival = pli_store::deadline::parse_date(&arrival).expect("the arrival date, today by default");
    w.click("#register");
    w.wait_for("the complaint registered", Duration::from_secs(20), |w| w.text("#registered").contains("A-"));
    w.click("nav [data-nav=capture]");
    // The folder's line comes in above the button: click once it stands still.
    w.find("#capture-status");
    w.click("#print-acknowledgements");
    let printed = ".postal-print [role=status]";
    w.wait_for("the day's print", Duration::from_secs(20), |w| w.text(printed).contains(".pdf"));
    w.step("accuses-a-imprimer");
    let pdf = w.text(printed).split_once(" : ").map(|(_, path)| path.trim().to_string()).expect("the PDF's path");
    let out = Command::new("pdftotext").args([&pdf, "-"]).output().expect("pdftotext (poppler-utils)");
    assert!(out.status.success(), "pdftotext {pdf}");
    // Each R112-5 item that matters, whatever the line breaks.
    let text = String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    let french = pli_core::acknowledgement::french_date;
    for item in [
        french(arrival),
        "Jeanne Dupont".to_string(),
        "3 rue des Lilas".to_string(),
        "Service des ressources humaines".to_string(),
        "12 rue de la Paix".to_string(),
        "drh@ars.example".to_string(),
        french(pli_core::calendar::implicit_decision_date(arrival, 2)),
    ] {
        assert!(text.contains(&item), "the acknowledgement says « {item} »: {text}");
    }
    assert!(text.contains("acceptation"), "silence vaut acceptation said: {text}");
    w.sign_out();

    // The referent: « En copie » is gone from her home and her tabs; the complaint's
    // record shows its acknowledgement, printed.
    w.sign_in("referent");
    w.find(".basket-card[data-basket=\"À traiter\"]");
    assert_eq!(w.count(".basket-card[data-basket=\"En copie\"]"), 0, "the lead took « En copie » off");
    w.click("nav [data-nav=baskets]");
    w.click("[data-basket-tab=\"À traiter\"]");
    assert_eq!(w.count("[data-basket-tab=\"En copie\"]"), 0);
    w.click(&format!("tr[data-courrier=\"{complaint}\"] td"));
    w.find(&format!("#courrier-detail[data-courrier=\"{complaint}\"]"));
    w.find("#acknowledgements li[data-ack][data-sent=yes]");
    assert!(w.text("#acknowledgements").contains("par courrier postal"));
    w.step("accuse-de-reception");
    accessibility.extend(w.accessibility_problems("accusé de réception"));

    // Claire will be away from today: she records her absence, Paul (agent, DAF) standing in.
    w.click("nav [data-nav=home]");
    w.find("#absence-form");
    w.choose("#absence-delegate", "agent");
    w.click("#absence-record");
    w.wait_for("the absence recorded", Duration::from_secs(10), |w| w.count("#my-absences li[data-absence]") == 1);
    assert!(w.text("#my-absences").contains("Paul Girard"), "her delegate named");
    w.step("absence-declaree");
    accessibility.extend(w.accessibility_problems("absence"));
    w.sign_out();

    // Paul sees whom he stands in for and her baskets, « … — pour referent »; he takes the
    // complaint for her (a DRH one he could not see on his own), and the history says so.
    w.sign_in("agent");
    let hers = "À traiter — pour referent";
    w.find(&format!(".basket-card[data-basket=\"{hers}\"]"));
    w.wait_for("whom he stands in for", Duration::from_secs(10), |w| {
        w.text("#standing-in").contains("Vous remplacez Claire Martin")
    });
    w.click("nav [data-nav=baskets]");
    w.click(&format!("[data-basket-tab=\"{hers}\"]"));
    w.click(&format!("tr[data-courrier=\"{complaint}\"] td"));
    w.find(&format!("#courrier-detail[data-courrier=\"{complaint}\"]"));
    w.click("button[data-act=take]");
    w.click("#act-confirm");
    w.wait_for("taken for her", Duration::from_secs(10), |w| w.count("#history li[data-kind=courrier_taken]") == 1);
    let taken = w.text("#history li[data-kind=courrier_taken]");
    assert!(taken.contains("par agent pour referent"), "« X pour Y » in the history: {taken}");
    w.step("suppleance");
    accessibility.extend(w.accessibility_problems("suppléance"));
    assert!(accessibility.is_empty(), "serious accessibility problems:\n{}", accessibility.join("\n"));

    let _ = ureq::Agent::new_with_defaults().delete(&format!("{base}/session/{}", w.session)).call();
}
