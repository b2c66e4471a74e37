//! `pli digest` as a timer runs it: the day's digest of reminders to a real SMTP server on
//! loopback (`pli-receipt/tests/smtp/sink.py`), with the SMTP settings given by flags or
//! by a server's TOML; run again, nothing leaves twice. `pli serve --check-config`
//! checks the `[digest]` section.

use pli_core::capture::Actor;
use pli_core::registration::{ChronoFormat, Qualification};
use pli_store::org::{OrganisationSheets, Sheet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use time::macros::date;

mod common;
use common::{ok, pli};

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

fn sink(port: u16) -> Sink {
    let dir = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pli-receipt/tests/smtp/sink.py");
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

fn received(sink: &Sink) -> Vec<serde_json::Value> {
    let mut files: Vec<_> = std::fs::read_dir(sink.dir.path()).unwrap().map(|e| e.unwrap().path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "json"));
    files.sort();
    files.iter().map(|f| serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap()).collect()
}

#[test]
fn pli_digest_sends_the_day_s_reminders_once_with_flags_or_the_server_s_toml() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let chrono = {
        let mut store = pli_store::Store::open(&data).unwrap();
        let actor = Actor { login: "admin".into(), workstation: "test".into() };
        let sheet = |name: &str, text: &str| Some(Sheet { name: name.into(), text: text.into() });
        store
            .import_organisation(
                &OrganisationSheets {
                    directions: sheet("d.csv", "code;nom;parent\nDG;Direction générale;\nDRH;Ressources humaines;DG\n"),
                    users: sheet(
                        "u.csv",
                        "identifiant;nom;roles;courriel\nop;Opératrice;opérateur;\nrh;René Référent;référent:DRH;rh@example.fr\n",
                    ),
                    document_types: sheet("t.csv", "code;nom;delai_jours\nINFO;Information;30\n"),
                },
                &actor,
            )
            .unwrap();
        let op = pli_store::Session { viewer: store.viewer("op").unwrap(), workstation: "test".into() };
        let form = Qualification {
            document_type: Some("INFO".into()),
            subject: Some("Demande de mutation".into()),
            arrival_date: Some(date!(2026 - 01 - 15)),
            main_direction: Some("DRH".into()),
            ..Qualification::default()
        };
        store.register_paper(&op, &form, &ChronoFormat::default()).unwrap().chrono
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let sink = sink(port);
    let port = port.to_string();

    // No SMTP server named: a clear refusal, nothing sent.
    let none = pli(&data, &["digest", "--day", "2026-03-04"]);
    assert!(!none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("--smtp-host"), "{none:?}");

    let flags = [
        "digest",
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        &port,
        "--smtp-security",
        "none",
        "--smtp-from",
        "Pli <ne-pas-repondre@example.fr>",
        "--day",
        "2026-03-04",
        "--json",
    ];
    let report = &ok(&data, &flags)[0];
    assert_eq!((report["sent"].as_u64(), report["nothing_to_say"].as_u64()), (Some(1), Some(0)), "{report}");
    assert_eq!(report["without_email"].as_u64(), Some(1), "the operator has no address: {report}");
    let got = received(&sink);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["rcpt_tos"], serde_json::json!(["rh@example.fr"]));
    let text = got[0]["text"].as_str().unwrap();
    assert!(text.contains(&format!("- {chrono} · Demande de mutation · DRH · échéance le ")), "{text}");

    // The same day again, through a server's TOML this time: nothing leaves twice.
    let toml = dir.path().join("pli.toml");
    std::fs::write(
        &toml,
        format!(
            "data = {:?}\n[smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\n\
             from = \"Pli <ne-pas-repondre@example.fr>\"\n[digest]\nhour = 7\n",
            data.display().to_string()
        ),
    )
    .unwrap();
    let other = dir.path().join("ailleurs"); // --data is the TOML's, not this one
    let again = &ok(&other, &["digest", "--config", toml.to_str().unwrap(), "--day", "2026-03-04", "--json"])[0];
    assert_eq!((again["sent"].as_u64(), again["already_sent"].as_u64()), (Some(0), Some(1)), "{again}");
    assert_eq!(received(&sink).len(), 1);

    // --check-config reads [digest] and says when it leaves; a wrong hour is named.
    let checked = pli(&data, &["serve", "--config", toml.to_str().unwrap(), "--check-config"]);
    assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stderr));
    assert!(String::from_utf8_lossy(&checked.stdout).contains("à partir de 7 h"));
    std::fs::write(&toml, std::fs::read_to_string(&toml).unwrap().replace("hour = 7", "hour = 25")).unwrap();
    let wrong = pli(&data, &["serve", "--config", toml.to_str().unwrap(), "--check-config"]);
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("digest.hour"), "{wrong:?}");
}
