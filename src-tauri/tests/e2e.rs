//! End-to-end smoke test in a real WebKit webview: the built desktop app, driven by
//! tauri-driver with WebKitWebDriver (Debian `webkit2gtk-driver`) under Xvfb. It opens
//! the window, waits for the home screen to show what the core says about a fresh data
//! folder, and saves a screenshot under `target/e2e/`.
//!
//! Needs `tauri-driver` (`cargo install tauri-driver --locked`), `WebKitWebDriver` and
//! `Xvfb`: run with `make e2e` (ignored in the plain test run until the desktop issue
//! makes it part of `make test`).

use serde_json::{Value, json};
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

fn webdriver(method: &str, url: &str, body: Option<Value>) -> Value {
    let agent = ureq::Agent::new_with_defaults();
    let response = match (method, body) {
        ("POST", Some(b)) => agent.post(url).send_json(b),
        ("DELETE", _) => agent.delete(url).call(),
        _ => agent.get(url).call(),
    };
    match response {
        Ok(mut r) => r.body_mut().read_json().unwrap_or(Value::Null),
        Err(e) => panic!("{method} {url}: {e}"),
    }
}

#[test]
#[ignore = "needs Xvfb, WebKitWebDriver and tauri-driver: run with `make e2e`"]
fn the_window_opens_and_shows_the_core_overview() {
    let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e");
    std::fs::create_dir_all(&target).unwrap();
    let data = tempfile::tempdir().unwrap();
    let display = ":97";
    let _xvfb = Killed(
        Command::new("Xvfb")
            .args([display, "-screen", "0", "1280x800x24"])
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb"),
    );
    std::thread::sleep(Duration::from_millis(800));
    let _driver = Killed(
        Command::new("tauri-driver")
            .args(["--port", "4445", "--native-port", "4446"])
            .env("DISPLAY", display)
            .env("PLI_DATA", data.path())
            .spawn()
            .expect("tauri-driver (cargo install tauri-driver --locked)"),
    );
    let base = "http://127.0.0.1:4445";
    let started = Instant::now();
    let session = loop {
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "wry",
            "tauri:options": { "application": env!("CARGO_BIN_EXE_pli-desktop") }
        } } });
        let agent = ureq::Agent::new_with_defaults();
        match agent.post(&format!("{base}/session")).send_json(caps) {
            Ok(mut r) => {
                break r.body_mut().read_json::<Value>().unwrap()["value"]["sessionId"].as_str().unwrap().to_string();
            }
            Err(e) if started.elapsed() < Duration::from_secs(30) => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(500));
            }
            Err(e) => panic!("no WebDriver session: {e}"),
        }
    };
    let url = |path: &str| format!("{base}/session/{session}/{path}");
    let title = webdriver("GET", &url("title"), None);
    assert_eq!(title["value"], "Pli — courrier entrant");
    let element = webdriver("POST", &url("element"), Some(json!({ "using": "css selector", "value": "#overview" })));
    let id = element["value"].as_object().unwrap().values().next().unwrap().as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    let text = loop {
        let text =
            webdriver("GET", &url(&format!("element/{id}/text")), None)["value"].as_str().unwrap_or("").to_string();
        if text.contains("courrier(s)") || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    // Let WebKit paint the new text before the screenshot is taken.
    std::thread::sleep(Duration::from_millis(500));
    let shot = webdriver("GET", &url("screenshot"), None);
    let png =
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, shot["value"].as_str().unwrap()).unwrap();
    std::fs::write(target.join("home.png"), png).unwrap();
    webdriver("DELETE", &format!("{base}/session/{session}"), None);
    assert!(text.starts_with("0 courrier(s) dans "), "the home screen shows the core's answer: {text:?}");
    assert!(text.contains(&data.path().display().to_string()), "{text}");
}
