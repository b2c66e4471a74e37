//! What the WebKit scenarios share: the app started under Xvfb by tauri-driver, and a
//! W3C WebDriver session on its window (find, click, type, screenshots, axe-core).

#![allow(dead_code)] // each scenario uses its part

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Killed(pub Child);

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
pub struct Window {
    pub base: String,
    pub session: String,
    pub shots: PathBuf,
    pub step: usize,
}

pub const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Window {
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
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
    pub fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let found = self
                .call("POST", "element", Some(json!({ "using": "css selector", "value": css })))
                .ok()
                .and_then(|v| v[ELEMENT].as_str().map(str::to_string));
            if let Some(id) = found
                && self.call("GET", &format!("element/{id}/displayed"), None).ok() == Some(json!(true))
            {
                return id;
            }
            if Instant::now() > deadline {
                self.shot("missing");
                let raw = self.call("POST", "element", Some(json!({ "using": "css selector", "value": css })));
                panic!("no element « {css} » on screen after 30 s ({raw:?}); page text: {}", self.text("body"));
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    pub fn count(&self, css: &str) -> usize {
        self.call("POST", "elements", Some(json!({ "using": "css selector", "value": css })))
            .ok()
            .and_then(|v| v.as_array().map(Vec::len))
            .unwrap_or(0)
    }

    pub fn wait_for(&self, what: &str, timeout: Duration, ok: impl Fn(&Window) -> bool) {
        let deadline = Instant::now() + timeout;
        while !ok(self) {
            if Instant::now() > deadline {
                self.shot("timeout");
                panic!("waited {timeout:?} for {what}; page text: {}", self.text("body"));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn click(&self, css: &str) {
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
    pub fn type_in(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.call("POST", &format!("element/{id}/clear"), None).unwrap();
        self.call("POST", &format!("element/{id}/value"), Some(json!({ "text": text }))).unwrap();
    }

    /// Chooses an option of a <select> by its value.
    pub fn choose(&self, css: &str, value: &str) {
        self.find(css);
        self.click(&format!("{css} option[value=\"{value}\"]"));
        assert_eq!(self.attr(css, "value"), Some(value.to_string()), "{css} set to {value}");
    }

    pub fn attr(&self, css: &str, name: &str) -> Option<String> {
        let id = self.find(css);
        self.call("GET", &format!("element/{id}/property/{name}"), None)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
    }

    pub fn text(&self, css: &str) -> String {
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
    pub fn press(&self, keys: &[&str]) {
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
    pub fn accessibility_problems(&self, screen: &str) -> Vec<String> {
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
    pub fn press_chord(&self, keys: &[&str]) {
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

    pub fn shot(&self, name: &str) {
        // WebKit's screenshot can show the previous paint: let it paint.
        std::thread::sleep(Duration::from_millis(400));
        if let Ok(Value::String(png)) = self.call("GET", "screenshot", None) {
            let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, png).unwrap();
            std::fs::write(self.shots.join(format!("{:02}-{name}.png", self.step)), bytes).unwrap();
        }
    }

    pub fn step(&mut self, name: &str) {
        self.step += 1;
        self.shot(name);
    }

    pub fn sign_in(&self, login: &str) {
        self.find("#login");
        self.type_in("#login", login);
        self.type_in("#password", "courrier");
        self.click("#sign-in");
        self.wait_for(&format!("{login} signed in"), Duration::from_secs(20), |w| w.count("#me") == 1);
    }

    pub fn sign_out(&self) {
        self.click("#sign-out");
        self.find("#login");
    }
}

/// The built app in a WebKit window on its own X display, driven by tauri-driver on
/// `port` (and `port + 1` for WebKitWebDriver), with `env` for the app. Its log goes to
/// `shots/tauri-driver.log`.
pub fn start_desktop(display: &str, port: u16, env: &[(&str, &Path)], shots: &Path) -> (Killed, Killed, Window) {
    let xvfb = Killed(
        Command::new("Xvfb")
            .args([display, "-screen", "0", "1366x850x24"])
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (make test installs it)"),
    );
    std::thread::sleep(Duration::from_millis(800));
    let driver_log = std::fs::File::create(shots.join("tauri-driver.log")).unwrap();
    let mut driver = Command::new("tauri-driver");
    driver
        .args(["--port", &port.to_string(), "--native-port", &(port + 1).to_string()])
        .env("DISPLAY", display)
        .env("PLI_NO_OPEN", "1")
        .env("OMP_THREAD_LIMIT", "1");
    for (k, v) in env {
        driver.env(k, v);
    }
    let driver = Killed(
        driver
            // Its log (and WebKitWebDriver's, which it starts) beside the screenshots, not in
            // the test's output: those children may outlive the test by a moment.
            .stdout(driver_log.try_clone().unwrap())
            .stderr(driver_log)
            .spawn()
            .expect("tauri-driver (make test installs it: cargo install tauri-driver --locked)"),
    );
    let base = format!("http://127.0.0.1:{port}");
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
    let w = Window { base, session, shots: shots.to_path_buf(), step: 0 };
    w.call("POST", "window/rect", Some(json!({ "width": 1366, "height": 850 }))).ok();
    (xvfb, driver, w)
}

impl Window {
    /// Ends the WebDriver session (the app closes).
    pub fn close(&self) {
        let _ = ureq::Agent::new_with_defaults().delete(&format!("{}/session/{}", self.base, self.session)).call();
    }

    /// Runs a script in the page and returns its value.
    pub fn script(&self, script: &str) -> Value {
        self.call("POST", "execute/sync", Some(json!({ "script": script, "args": [] }))).unwrap()
    }
}
