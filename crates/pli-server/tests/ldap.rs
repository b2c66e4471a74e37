//! Directory sign-in against a real OpenLDAP `slapd` of the test's own (a temporary
//! folder, a free loopback port, the mdb backend), seeded with `ldapadd`, and a real
//! `pli serve` on loopback: what a browser, and an attacker, get from it.
//!
//! Without slapd (Debian's `slapd` and `ldap-utils`, see scripts/install-deps.sh) the
//! tests print a NOTICE and skip — except in CI, where they fail.

mod slapd;

use pli_core::capture::Actor;
use pli_server::config::LdapSection;
use pli_server::{App, ServerConfig};
use pli_store::on_both_engines;
use pli_store::org::{OrganisationSheets, Sheet};
use pli_store::testing::{Engine, Site};
use serde_json::{Value, json};
use slapd::{DIRECTORY_PASSWORD, Slapd};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

const PLI_PASSWORD: &str = "motdepasse1";

const DIRECTIONS: &str = "code;nom;parent;actif\nDG;Direction générale;;oui\nDRH;Ressources humaines;DG;oui\n";
const USERS: &str = "identifiant;nom;roles;actif;mot_de_passe\n\
                     rh;René Référent;référent:DRH;oui;motdepasse1\n\
                     agent;Alain Agent;agent:DRH;oui;motdepasse1\n\
                     suspendu;Sam Suspendu;agent:DRH;oui;motdepasse1\n\
                     pilote;Paule Pilote;pilote;oui;motdepasse1\n\
                     locale;Lucie Locale;agent:DRH;oui;motdepasse1\n";
const TYPES: &str = "code;nom;delai_jours;npai\nCOUR;Courrier;30;non\n";

// ---------------------------------------------------------------------------------------
// Pli on loopback, and a browser that signs in.

/// The server under test, on a thread of its own (stopped when dropped).
struct Server(pli_server::Running);

impl std::ops::Deref for Server {
    type Target = pli_server::Running;
    fn deref(&self) -> &pli_server::Running {
        &self.0
    }
}

impl Server {
    fn start(site: &Site, ldap: LdapSection) -> Server {
        let mut config = ServerConfig::parse(&format!("data = {:?}", site.data_dir().display().to_string())).unwrap();
        config.database = site.database_url().map(str::to_string);
        config.ui = site.data_dir().join("ui");
        config.sign_in.free_attempts = 3;
        config.sign_in.first_lock_seconds = 600;
        config.ldap = Some(ldap);
        std::fs::create_dir_all(&config.ui).unwrap();
        std::fs::write(config.ui.join("index.html"), "<!doctype html><title>Pli</title>").unwrap();
        Server(pli_server::Running::start(App::open(config).unwrap()).unwrap())
    }

    /// A sign-in as the window makes it (CSRF cookie first): the status and the answer.
    fn sign_in(&self, login: &str, password: &str) -> (u16, Value) {
        let csrf = "c".repeat(43);
        let body = json!({ "login": login, "password": password }).to_string();
        let raw = format!(
            "POST /api/sign_in HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nCookie: pli_csrf={csrf}\r\n\
             X-Pli-Csrf: {csrf}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let mut stream = TcpStream::connect(self.address).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        stream.write_all(raw.as_bytes()).unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        let (head, body) = reply.split_once("\r\n\r\n").expect("an HTTP answer");
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        // The answers are small: one chunk at most.
        let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            body.split_once("\r\n").map_or("", |(_, rest)| rest.rsplit_once("\r\n0\r\n").map_or(rest, |(b, _)| b))
        } else {
            body
        };
        (status, serde_json::from_str(body.trim()).unwrap_or(Value::Null))
    }
}

fn open_site(engine: Engine) -> Option<Site> {
    let site = Site::new(engine)?;
    let mut store = site.open();
    let sheet = |name: &str, text: &str| Some(Sheet { name: name.into(), text: text.into() });
    let sheets = OrganisationSheets {
        directions: sheet("directions.csv", DIRECTIONS),
        users: sheet("utilisateurs.csv", USERS),
        document_types: sheet("types.csv", TYPES),
    };
    store.import_organisation(&sheets, &Actor { login: "admin".into(), workstation: "test".into() }).unwrap();
    Some(site)
}

fn failures(site: &Site, login: &str) -> i64 {
    site.count(&format!("SELECT coalesce(max(failures), 0) FROM sign_in_attempt WHERE login = '{login}'"))
}

// ---------------------------------------------------------------------------------------
// The scenarios.

on_both_engines!(the_directory_decides_the_password_and_pli_who_signs_in, an_unreachable_directory_locks_no_one);

fn the_directory_decides_the_password_and_pli_who_signs_in(engine: Engine) {
    let Some(slapd) = Slapd::start() else { return };
    let Some(site) = open_site(engine) else { return };
    let server = Server::start(&site, slapd.section());

    // The directory's password signs in, with Pli's roles; Pli's own password does not.
    let (status, me) = server.sign_in("rh", DIRECTORY_PASSWORD);
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["login"], "rh", "{me}");
    assert_eq!(site.count("SELECT count(*) FROM event WHERE kind = 'user_signed_in' AND actor = 'rh'"), 1);
    let (status, refused) = server.sign_in("locale", PLI_PASSWORD);
    assert_eq!(status, 400, "a Pli-only password, with a directory: {refused}");
    assert_eq!(server.sign_in("rh", PLI_PASSWORD).0, 400, "Pli's password for a directory user");

    // A wrong password is refused and counts; the lockout then holds the right one back.
    let (status, wrong) = server.sign_in("agent", "devine");
    assert_eq!(status, 400, "{wrong}");
    assert_eq!(wrong["message"], "identifiant ou mot de passe incorrect");
    assert_eq!(failures(&site, "agent"), 1);
    server.sign_in("agent", "devine encore");
    server.sign_in("agent", "toujours pas");
    let (status, locked) = server.sign_in("agent", DIRECTORY_PASSWORD);
    assert_eq!(status, 429, "locked after 3 directory refusals: {locked}");

    // Disabled in the directory (active_filter): refused, with the right password.
    assert_eq!(server.sign_in("suspendu", DIRECTORY_PASSWORD).0, 400, "disabled in the directory");
    // Known to the directory, unknown to Pli.
    assert_eq!(server.sign_in("inconnu", DIRECTORY_PASSWORD).0, 400, "no Pli account");
    // Deactivated in Pli: refused even with the directory's yes.
    site.raw("UPDATE app_user SET active = 0 WHERE login = 'pilote'").unwrap();
    assert_eq!(server.sign_in("pilote", DIRECTORY_PASSWORD).0, 400, "deactivated in Pli");

    // Filter injection and empty passwords: never signed in.
    for login in ["*", "r*", "*)(uid=*))(|(uid=*", "admin)(|(uid=*", "rh)(|(uid=*", "rh\0", "(uid=rh)"] {
        for password in [DIRECTORY_PASSWORD, "", "*"] {
            let (status, answer) = server.sign_in(login, password);
            assert_ne!(status, 200, "{login:?} / {password:?} signed in: {answer}");
            assert!(answer.get("login").is_none(), "{answer}");
        }
    }
    assert_eq!(server.sign_in("rh", "").0, 400, "an empty password");
    assert_eq!(
        site.count("SELECT count(*) FROM event WHERE kind = 'user_signed_in'"),
        1,
        "rh's first sign-in is the only one"
    );
}

fn an_unreachable_directory_locks_no_one(engine: Engine) {
    let Some(mut slapd) = Slapd::start() else { return };
    let Some(site) = open_site(engine) else { return };
    let server = Server::start(&site, slapd.section());
    for _ in 0..3 {
        assert_eq!(server.sign_in("agent", "devine").0, 400);
    }
    slapd.stop();
    // A locked login is refused before the directory is asked.
    let (status, locked) = server.sign_in("agent", DIRECTORY_PASSWORD);
    assert_eq!(status, 429, "{locked}");
    for _ in 0..5 {
        let (status, failure) = server.sign_in("rh", DIRECTORY_PASSWORD);
        assert_eq!(status, 500, "{failure}");
        assert_eq!(failure["kind"], "internal", "{failure}");
        assert!(failure["message"].as_str().unwrap().starts_with("annuaire injoignable"), "{failure}");
    }
    assert_eq!(failures(&site, "rh"), 0, "the directory's silence is no wrong password");
    // Back up: signed in at once, nothing held against rh.
    slapd.run();
    let (status, me) = server.sign_in("rh", DIRECTORY_PASSWORD);
    assert_eq!(status, 200, "{me}");
}

// ---------------------------------------------------------------------------------------
// The directory's answers themselves, as `pli serve` asks for them.

fn verify(section: &LdapSection, login: &str, password: &str) -> Result<bool, String> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(pli_server::ldap::verify(section, login, password))
}

#[test]
fn the_directory_answers_only_for_exactly_one_entry_and_a_real_password() {
    let Some(slapd) = Slapd::start() else { return };
    let section = slapd.section();
    assert_eq!(verify(&section, "rh", DIRECTORY_PASSWORD), Ok(true));
    assert_eq!(verify(&section, "rh", "devine"), Ok(false));
    assert_eq!(verify(&section, "personne", DIRECTORY_PASSWORD), Ok(false));
    assert_eq!(verify(&section, "suspendu", DIRECTORY_PASSWORD), Ok(false), "active_filter");
    let mut everyone = section.clone();
    everyone.active_filter = None;
    assert_eq!(verify(&everyone, "suspendu", DIRECTORY_PASSWORD), Ok(true), "without active_filter");
    // A wildcard that would match rh alone if it reached the filter unescaped.
    for login in ["r*", "*h", "rh*", "*", "rh)(uid=*", "*)(uid=*))(|(uid=*", "admin)(|(uid=*"] {
        assert_eq!(verify(&section, login, DIRECTORY_PASSWORD), Ok(false), "{login}");
    }
    // This slapd, like AD, lets a DN with an empty password bind unauthenticated.
    assert_eq!(verify(&section, "rh", ""), Ok(false), "an empty password is never sent");
    // An anonymous search (no service account) finds users too.
    let mut anonymous = section.clone();
    anonymous.bind_dn = None;
    anonymous.bind_password = None;
    assert_eq!(verify(&anonymous, "rh", DIRECTORY_PASSWORD), Ok(true));
}

#[test]
fn a_directory_that_cannot_be_asked_is_an_error_not_a_no() {
    let Some(slapd) = Slapd::start() else { return };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let section = slapd.section();
    assert_eq!(runtime.block_on(pli_server::ldap::check(&section)), Ok(()), "--check-config");
    // The service account refused: said, for the password check as for --check-config.
    let mut refused = section.clone();
    refused.bind_password = Some("pas le bon".into());
    let e = runtime.block_on(pli_server::ldap::check(&refused)).unwrap_err();
    assert!(e.contains("compte de service") && e.contains("49"), "{e}");
    let e = verify(&refused, "rh", DIRECTORY_PASSWORD).unwrap_err();
    assert!(e.contains("compte de service"), "{e}");
    // TLS asked of a server that does not speak it.
    let mut tls = section.clone();
    tls.url = tls.url.replace("ldap://", "ldaps://");
    let e = verify(&tls, "rh", DIRECTORY_PASSWORD).unwrap_err();
    assert!(e.starts_with("annuaire injoignable"), "{e}");
    // A server that accepts the connection and never answers: the timeout says so.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut hung = section.clone();
    hung.url = format!("ldap://{}/", silent.local_addr().unwrap());
    hung.timeout_seconds = 1;
    let e = verify(&hung, "rh", DIRECTORY_PASSWORD).unwrap_err();
    assert!(e.starts_with("annuaire injoignable"), "{e}");
    drop(silent);
}
