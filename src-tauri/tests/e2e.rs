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
//! by full-text search; the lead reads the week's activity and the organisation. A
//! damaged file beside the batch goes to quarantine, and « Réessayer » takes it again.
//!
//! Every step saves a screenshot under `target/e2e/` for review, and axe-core checks
//! the screens as WebKit renders them (WCAG 2 A/AA: no serious or critical problem). `make test` installs
//! what it needs (Xvfb, WebKitWebDriver, tauri-driver) and builds the window first.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Killed(Child);

impl Drop for Killed {
    /// SIGTERM first, so that tauri-driver stops the WebKitWebDriver it started.
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A W3C WebDriver session on the app's window.
struct Window {
    base: String,
    session: String,
    shots: PathBuf,
    step: usize,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Window {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}/session/{}/{path}", self.base, self.session);
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let response = match (method, body) {
            ("POST", b) => agent.post(&url).send_json(b.unwrap_or(json!({}))),
            ("DELETE", _) => agent.delete(&url).call(),
            _ => agent.get(&url).call(),
        };
        let mut r = response.map_err(|e| format!("{method} {path}: {e}"))?;
        let status = r.status();
        let v: Value = r.body_mut().read_json().unwrap_or(Value::Null);
        if status.is_success() { Ok(v["value"].clone()) } else { Err(format!("{method} {path}: {status} {v}")) }
    }

    /// Waits for an element (displayed) matching `css`.
    fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let found = self
                .call("POST", "element", Some(json!({ "using": "css selector", "value": css })))
                .ok()
                .and_then(|v| v[ELEMENT].as_str().map(str::to_string));
            if let Some(id) = found {
                if self.call("GET", &format!("element/{id}/displayed"), None).ok() == Some(json!(true)) {
                    return id;
                }
            }
            if Instant::now() > deadline {
                self.shot("missing");
                let raw = self.call("POST", "element", Some(json!({ "using": "css selector", "value": css })));
                panic!("no element « {css} » on screen after 30 s ({raw:?}); page text: {}", self.text("body"));
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    fn count(&self, css: &str) -> usize {
        self.call("POST", "elements", Some(json!({ "using": "css selector", "value": css })))
            .ok()
            .and_then(|v| v.as_array().map(Vec::len))
            .unwrap_or(0)
    }

    fn wait_for(&self, what: &str, timeout: Duration, ok: impl Fn(&Window) -> bool) {
        let deadline = Instant::now() + timeout;
        while !ok(self) {
            if Instant::now() > deadline {
                self.shot("timeout");
                panic!("waited {timeout:?} for {what}; page text: {}", self.text("body"));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn click(&self, css: &str) {
        let id = self.find(css);
        if let Err(e) = self.call("POST", &format!("element/{id}/click"), None) {
            // The sticky header may cover an element scrolled to the top: centre it, once.
            assert!(e.contains("intercepted"), "click « {css} »: {e}");
            let script = "arguments[0].scrollIntoView({ block: 'center' })";
            self.call("POST", "execute/sync", Some(json!({ "script": script, "args": [{ ELEMENT: id }] }))).unwrap();
            self.call("POST", &format!("element/{id}/click"), None).unwrap_or_else(|e| panic!("click « {css} »: {e}"));
        }
    }

    /// Types into a field, as a user would (the field is cleared first).
    fn type_in(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.call("POST", &format!("element/{id}/clear"), None).unwrap();
        self.call("POST", &format!("element/{id}/value"), Some(json!({ "text": text }))).unwrap();
    }

    /// Chooses an option of a <select> by its value.
    fn choose(&self, css: &str, value: &str) {
        self.find(css);
        self.click(&format!("{css} option[value=\"{value}\"]"));
        assert_eq!(self.attr(css, "value"), Some(value.to_string()), "{css} set to {value}");
    }

    fn attr(&self, css: &str, name: &str) -> Option<String> {
        let id = self.find(css);
        self.call("GET", &format!("element/{id}/property/{name}"), None)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
    }

    fn text(&self, css: &str) -> String {
        let found = self
            .call("POST", "element", Some(json!({ "using": "css selector", "value": css })))
            .ok()
            .and_then(|v| v[ELEMENT].as_str().map(str::to_string));
        found
            .and_then(|id| self.call("GET", &format!("element/{id}/text"), None).ok())
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// Keys pressed on whatever has the focus (W3C actions).
    fn press(&self, keys: &[&str]) {
        let mut actions = Vec::new();
        for k in keys {
            actions.push(json!({ "type": "keyDown", "value": k }));
            actions.push(json!({ "type": "keyUp", "value": k }));
        }
        self.call(
            "POST",
            "actions",
            Some(json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] })),
        )
        .unwrap();
        let _ = self.call("DELETE", "actions", None);
    }

    /// Runs axe-core (WCAG 2 A and AA rules: labels, names, contrast, landmarks…) on the
    /// screen as WebKit renders it; returns the serious and critical violations.
    fn accessibility_problems(&self, screen: &str) -> Vec<String> {
        let axe = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/node_modules/axe-core/axe.min.js");
        let axe = std::fs::read_to_string(&axe).expect("axe-core (make ui installs it)");
        self.call("POST", "execute/sync", Some(json!({ "script": axe, "args": [] }))).unwrap();
        let run = "const done = arguments[arguments.length - 1];
            axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] })
               .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }))))
               .catch(e => done([{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }]));";
        let found = self.call("POST", "execute/async", Some(json!({ "script": run, "args": [] }))).unwrap();
        let mut serious = Vec::new();
        for v in found.as_array().cloned().unwrap_or_default() {
            let line = format!("{screen}: {} ({}) {} at {}", v["id"], v["impact"], v["help"], v["nodes"]);
            eprintln!("accessibility: {line}");
            if matches!(v["impact"].as_str(), Some("serious" | "critical")) {
                serious.push(line);
            }
        }
        serious
    }

    /// Keys held together (e.g. Ctrl+Enter), then released.
    fn press_chord(&self, keys: &[&str]) {
        let mut actions: Vec<Value> = keys.iter().map(|k| json!({ "type": "keyDown", "value": k })).collect();
        actions.extend(keys.iter().rev().map(|k| json!({ "type": "keyUp", "value": k })));
        self.call(
            "POST",
            "actions",
            Some(json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] })),
        )
        .unwrap();
        let _ = self.call("DELETE", "actions", None);
    }

    fn shot(&self, name: &str) {
        // WebKit's screenshot can show the previous paint: let it paint.
        std::thread::sleep(Duration::from_millis(400));
        if let Ok(Value::String(png)) = self.call("GET", "screenshot", None) {
            let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, png).unwrap();
            std::fs::write(self.shots.join(format!("{:02}-{name}.png", self.step)), bytes).unwrap();
        }
    }

    fn step(&mut self, name: &str) {
        self.step += 1;
        self.shot(name);
    }

    fn sign_in(&self, login: &str) {
        self.find("#login");
        self.type_in("#login", login);
        self.type_in("#password", "courrier");
        self.click("#sign-in");
        self.wait_for(&format!("{login} signed in"), Duration::from_secs(20), |w| w.count("#me") == 1);
    }

    fn sign_out(&self) {
        self.click("#sign-out");
        self.find("#login");
    }
}

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

    // The `?` overlay lists the shortcuts.
    w.click("body");
    w.press(&["?"]);
    w.find("#shortcuts");
    w.step("raccourcis");
    accessibility.extend(w.accessibility_problems("raccourcis"));
    assert!(accessibility.is_empty(), "serious accessibility problems:\n{}", accessibility.join("\n"));

    let _ = ureq::Agent::new_with_defaults().delete(&format!("{base}/session/{}", w.session)).call();
}
