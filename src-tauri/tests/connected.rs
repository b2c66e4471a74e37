//! The desktop connected to a Pli server, in a real WebKit webview (as `e2e.rs`): a
//! `pli serve` started by the test on loopback (its registry with the demo organisation),
//! the window pointed at it (`PLI_SERVER`). The sign-in screen names the server; the
//! operator signs in with her server account; a batch dropped in the workstation's
//! scanner folder is captured there (real OCR) and leaves the outbox for the server (the
//! capture screen says so); she qualifies and registers the letter in the window, its
//! page image fetched from the server; a referent, signed in to the server on his own
//! (its HTTP API, as his browser would), sees it arrive in « À traiter ».
//!
//! Screenshots under `target/e2e-connected/`; axe-core on the screens this adds.

mod common;

use common::start_desktop;
use pli_core::capture::Actor;
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

/// A batch of two one-page letters for DRH, as a scanner writes it.
fn two_letters(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("lot-poste.pdf");
    let spec = pli_testkit::BatchSpec {
        seed: 57,
        letters: 2,
        pages_per_letter: (1, 1),
        lines_per_page: 8,
        blank_backs: 0.0,
        directions: vec!["DRH".into()],
        noise: 2,
        ..Default::default()
    };
    pli_testkit::write_batch(&spec, pli_testkit::Format::Pdf, &out).unwrap();
    out
}

/// A referent's own session on the server, through its HTTP API.
fn referent(url: &str) -> pli_link::Link {
    let mut link = pli_link::Link::new(pli_link::ServerSettings {
        url: url.to_string(),
        login: "referent".into(),
        password: pli_app::DEMO_PASSWORD.into(),
        workstation: "navigateur".into(),
    });
    link.sign_in().expect("the referent signs in to the server");
    link
}

fn to_handle(link: &pli_link::Link) -> Vec<Value> {
    link.call("basket", json!({ "name": "À traiter" })).unwrap().as_array().cloned().unwrap_or_default()
}

#[test]
fn a_connected_desktop_captures_here_and_the_referent_sees_the_letter_on_the_server() {
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-connected");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    let work = tempfile::tempdir().unwrap();

    // The server: its own data folder and registry, the demo organisation's accounts.
    let server_data = work.path().join("serveur");
    std::fs::create_dir_all(&server_data).unwrap();
    {
        let mut store = pli_store::Store::open(&server_data).unwrap();
        let actor = Actor { login: "pli".into(), workstation: "serveur".into() };
        assert!(pli_app::install_demo_if_empty(&mut store, &actor).unwrap());
    }
    let mut config =
        pli_server::ServerConfig::parse(&format!("data = {:?}", server_data.display().to_string())).unwrap();
    config.ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/dist");
    let server = pli_server::Running::start(pli_server::App::open(config).unwrap()).unwrap();
    let url = format!("http://{}", server.address);
    let referent = referent(&url);
    assert!(to_handle(&referent).is_empty());

    // The workstation: a data folder of its own, with no account; connected to the server.
    let data = work.path().join("poste");
    let scanner = work.path().join("scanner");
    let batch = two_letters(work.path());
    let (_xvfb, _driver, mut w) = start_desktop(
        ":96",
        4447,
        &[("PLI_DATA", &data), ("PLI_SCANNER_DIR", &scanner), ("PLI_SERVER", Path::new(&url))],
        &shots,
    );

    // The sign-in screen names the server; the accounts are the server's.
    w.find("#login");
    w.wait_for("the server named", Duration::from_secs(10), |w| w.text("#server").contains(&url));
    assert_eq!(w.count("#connect-server"), 0, "the server is imposed");
    w.step("connexion-serveur");
    let mut accessibility = w.accessibility_problems("connexion au serveur");
    w.type_in("#login", "accueil");
    w.type_in("#password", "mauvais");
    w.click("#sign-in");
    w.wait_for("the server's refusal", Duration::from_secs(10), |w| w.text("[role=alert]").contains("incorrect"));
    w.sign_in("accueil");

    // A batch lands in the scanner folder: captured here, then sent to the server.
    w.click("nav [data-nav=capture]");
    w.find("#capture");
    std::fs::copy(&batch, scanner.join("lot-poste.pdf.part")).unwrap();
    std::fs::rename(scanner.join("lot-poste.pdf.part"), scanner.join("lot-poste.pdf")).unwrap();
    w.wait_for("the batch captured", Duration::from_secs(180), |w| w.count("tr[data-state=done]") == 1);
    w.wait_for("the batch on the server", Duration::from_secs(60), |w| {
        w.count("#outbox[data-waiting=\"0\"]") == 1 && w.count("button[data-check-batch]") == 1
    });
    assert!(w.text("#outbox").contains("Tous les lots sont sur le serveur"), "{}", w.text("#outbox"));
    w.step("capture-envoyee");
    accessibility.extend(w.accessibility_problems("numérisation reliée"));

    // The batch check and the qualification are the server's, in the window.
    w.click("button[data-check-batch]");
    w.find("#batch-check");
    w.wait_for("the pages", Duration::from_secs(20), |w| w.count("#batch-check .page") == 2);
    w.step("decoupage-serveur");
    w.click("nav [data-nav=qualify]");
    w.find("#qualify");
    w.wait_for("the suggestions", Duration::from_secs(20), |w| w.count("[data-suggested=true]") >= 2);
    assert_eq!(w.attr("#f-direction", "value").as_deref(), Some("DRH"), "the separator sheet's direction");
    w.choose("#f-type", "COUR");
    // The page image comes from the server, through the window's pli:// scheme.
    w.find("#page-viewer img");
    w.wait_for("the page image from the server", Duration::from_secs(30), |w| {
        w.script("const i = document.querySelector('#page-viewer img'); return i.complete && i.naturalWidth > 0")
            == json!(true)
    });
    let src = w.attr("#page-viewer img", "src").unwrap_or_default();
    assert!(src.starts_with("pli://localhost/img/page/"), "{src}");
    w.step("qualification-serveur");
    accessibility.extend(w.accessibility_problems("qualification reliée"));
    let courrier: i64 = w
        .script("return document.querySelector('#qualify').dataset.courrier")
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("#qualify names its courrier");
    w.click("#register");
    w.wait_for("the chrono number", Duration::from_secs(20), |w| w.text("#registered").contains("A-"));
    let chrono = w.text("#registered").split_whitespace().find(|t| t.starts_with("A-")).unwrap().to_string();
    w.step("enregistre-serveur");

    // The referent, on the server, sees it arrive.
    let arrived = to_handle(&referent);
    let found = arrived.iter().find(|c| c["id"] == json!(courrier)).unwrap_or_else(|| panic!("{arrived:?}"));
    assert_eq!(found["chrono"], json!(chrono));
    let history = referent.call("history", json!({ "id": courrier })).unwrap();
    let registered = history
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == json!("courrier_registered"))
        .expect("registered on the server")
        .clone();
    assert_eq!(registered["actor"], json!("accueil"), "{registered}");
    let captured = history
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == json!("courrier_captured"))
        .expect("captured, in its history on the server")
        .clone();
    assert_eq!(captured["actor"], json!("accueil"), "scanned by the operator signed in at the workstation");

    w.sign_out();
    w.find("#server");
    assert!(accessibility.is_empty(), "serious accessibility problems:\n{}", accessibility.join("\n"));
    w.close();
    drop(server);
}
