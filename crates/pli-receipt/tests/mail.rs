//! Acknowledgements by e-mail, sent to a real SMTP server on loopback (Debian's
//! python3-aiosmtpd, `tests/smtp/sink.py`) and read back as it received them.

use base64::Engine;
use pli_receipt::mail::{Mail, MailError, Security, SmtpSettings, send};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Debian's python (the one python3-aiosmtpd installs into).
const PYTHON: &str = "/usr/bin/python3";

struct Sink {
    child: Child,
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

fn sink() -> Sink {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/sink.py");
    let mut child = Command::new(PYTHON)
        .arg(&script)
        .arg(port.to_string())
        .arg(dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{PYTHON} {} (python3-aiosmtpd, scripts/install-deps.sh): {e}", script.display()));
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "ready", "the SMTP sink did not start (python3-aiosmtpd installed?)");
    Sink { child, port, dir }
}

fn settings(port: u16) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        security: Security::None,
        from: "Accueil ARS Grand Est <ne-pas-repondre@ars.example.fr>".into(),
        username: None,
        password: None,
        timeout_seconds: 5,
    }
}

fn mail(to: &str) -> Mail {
    Mail {
        to: to.into(),
        subject: "Accusé de réception — A-2026-000123".into(),
        text: "Madame, Monsieur,\n\nNous accusons réception de votre courrier reçu le 2 mars 2026.\n".into(),
        pdf: b"%PDF-1.5 stand-in bytes \x00\xff".to_vec(),
        pdf_name: "accuse-reception-A-2026-000123.pdf".into(),
    }
}

fn received(dir: &Path) -> Vec<serde_json::Value> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files.iter().map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()).collect()
}

#[test]
fn the_server_receives_the_text_and_the_pdf_for_the_sender() {
    let sink = sink();
    send(&settings(sink.port), &mail("elodie.muller@example.org")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let messages = loop {
        let m = received(sink.dir.path());
        if !m.is_empty() || Instant::now() > deadline {
            break m;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(messages.len(), 1, "{messages:?}");
    let m = &messages[0];
    assert_eq!(m["rcpt_tos"], serde_json::json!(["elodie.muller@example.org"]));
    assert_eq!(m["mail_from"], "ne-pas-repondre@ars.example.fr");
    assert_eq!(m["to"], "elodie.muller@example.org");
    assert_eq!(m["subject"], "Accusé de réception — A-2026-000123");
    assert!(m["text"].as_str().unwrap().contains("reçu le 2 mars 2026"), "{m}");
    let attachments = m["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 1, "{m}");
    assert_eq!(attachments[0]["name"], "accuse-reception-A-2026-000123.pdf");
    assert_eq!(attachments[0]["type"], "application/pdf");
    let bytes = base64::engine::general_purpose::STANDARD.decode(attachments[0]["data"].as_str().unwrap()).unwrap();
    assert_eq!(bytes, mail("x@example.org").pdf, "the PDF arrives byte for byte");
}

#[test]
fn a_refused_recipient_and_a_server_that_is_not_there_say_why() {
    let sink = sink();
    let err = send(&settings(sink.port), &mail("refuse-moi@example.org")).unwrap_err();
    assert!(matches!(&err, MailError::Refused(why) if why.contains("550")), "{err:?}");
    assert!(err.to_string().starts_with("le serveur de courriel a refusé le message"), "{err}");
    assert!(received(sink.dir.path()).is_empty());

    let err = send(&settings(free_port()), &mail("elodie.muller@example.org")).unwrap_err();
    assert!(matches!(err, MailError::Unreachable(_)), "{err:?}");

    // A silent server (accepts the connection, never greets) is given up after the timeout.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut s = settings(silent.local_addr().unwrap().port());
    s.timeout_seconds = 1;
    let started = Instant::now();
    let err = send(&s, &mail("elodie.muller@example.org")).unwrap_err();
    assert!(matches!(err, MailError::Unreachable(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn bad_addresses_are_refused_before_any_connection() {
    // Port 9: nothing is asked of it, the address is wrong first.
    let err = send(&settings(9), &mail("pas une adresse")).unwrap_err();
    assert!(matches!(&err, MailError::Invalid(why) if why.contains("pas une adresse")), "{err:?}");
    // A header injection through the recipient is an invalid address, not a second header.
    let err = send(&settings(9), &mail("a@example.org\r\nBcc: victim@example.org")).unwrap_err();
    assert!(matches!(err, MailError::Invalid(_)), "{err:?}");
    let mut s = settings(9);
    s.from = "nobody".into();
    assert!(matches!(send(&s, &mail("a@example.org")), Err(MailError::Invalid(_))));
}

#[test]
fn settings_are_kept_for_the_owner_only_and_the_password_never_shows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("smtp.toml");
    assert_eq!(SmtpSettings::load(&path).unwrap(), None);
    let mut s = settings(587);
    s.security = Security::StartTls;
    s.username = Some("pli".into());
    s.password = Some("s3cret-Pa55".into());
    s.save(&path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert_eq!(SmtpSettings::load(&path).unwrap(), Some(s.clone()));
    assert!(!format!("{s:?}").contains("s3cret"), "{s:?}");
    std::fs::write(&path, "host = \"x\"\nport = 25\nfrom = \"a@b.fr\"\npasword = \"typo\"\n").unwrap();
    let err = SmtpSettings::load(&path).unwrap_err();
    assert!(err.to_string().contains("smtp.toml") && err.to_string().contains("pasword"), "{err}");
}
