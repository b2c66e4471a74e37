//! An OpenLDAP `slapd` of the test's own: a temporary folder, a free loopback port, the
//! mdb backend, seeded with `ldapadd`; stopped on drop. Optionally over TLS (`ldaps://`,
//! a certificate made with `openssl` for 127.0.0.1).
//!
//! Without slapd (Debian's `slapd` and `ldap-utils`, see scripts/install-deps.sh) a test
//! prints a NOTICE and skips — except in CI, where it fails.
#![allow(dead_code)] // each test binary uses its part

use pli_server::config::LdapSection;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const SUFFIX: &str = "dc=pli,dc=test";
pub const SERVICE_DN: &str = "cn=pli,ou=services,dc=pli,dc=test";
pub const SERVICE_PASSWORD: &str = "service-secret";
/// Every directory user's password: not the one Pli keeps.
pub const DIRECTORY_PASSWORD: &str = "mot-de-passe-annuaire";

/// Directory users: `suspendu` is disabled there (`employeeType: disabled`, what
/// `active_filter` excludes), `inconnu` has no Pli account, `locale` has only Pli's.
pub const DIRECTORY_USERS: [(&str, Option<&str>); 5] =
    [("rh", None), ("agent", None), ("suspendu", Some("disabled")), ("pilote", None), ("inconnu", None)];

pub struct Slapd {
    dir: tempfile::TempDir,
    port: u16,
    tls: bool,
    child: Option<Child>,
}

fn tool(name: &str) -> Option<PathBuf> {
    let mut places: Vec<PathBuf> =
        std::env::var_os("PATH").map(|p| std::env::split_paths(&p).map(|d| d.join(name)).collect()).unwrap_or_default();
    places.extend(["/usr/sbin", "/usr/bin", "/sbin"].iter().map(|d| Path::new(d).join(name)));
    places.into_iter().find(|p| p.is_file())
}

impl Slapd {
    /// A fresh directory, seeded; `None` (after a NOTICE) when slapd is not installed.
    pub fn start() -> Option<Slapd> {
        Self::launch(false)
    }

    /// The same over TLS only (`ldaps://`); its certificate is [`Slapd::certificate`].
    pub fn start_tls() -> Option<Slapd> {
        Self::launch(true)
    }

    fn launch(tls: bool) -> Option<Slapd> {
        let tools = ["slapd", "slappasswd", "ldapadd", "openssl"].map(tool);
        if tools.iter().any(Option::is_none) || !Path::new("/etc/ldap/schema/inetorgperson.schema").is_file() {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("slapd absent en CI : scripts/install-deps.sh installe slapd, ldap-utils et openssl");
            }
            eprintln!(
                "NOTICE: slapd / ldap-utils / openssl not installed: directory sign-in test skipped (scripts/install-deps.sh)"
            );
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("db")).unwrap();
        let tls_conf = if tls {
            // A CA (what the agency trusts) and the directory's certificate for 127.0.0.1.
            let d = dir.path();
            std::fs::write(d.join("leaf.ext"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n").unwrap();
            let openssl = |args: &[&str]| {
                let out = Command::new(tool("openssl").unwrap()).current_dir(d).args(args).output().unwrap();
                assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
            };
            let ca = ["-subj", "/CN=Pli test CA", "-keyout", "ca.key", "-out", "ca.pem"];
            openssl(&[&["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"][..], &ca].concat());
            let leaf = ["-subj", "/CN=127.0.0.1", "-keyout", "key.pem", "-out", "leaf.csr"];
            openssl(&[&["req", "-newkey", "rsa:2048", "-nodes"][..], &leaf].concat());
            let sign = ["-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2"];
            openssl(
                &[&["x509", "-req", "-in", "leaf.csr", "-extfile", "leaf.ext", "-out", "cert.pem"][..], &sign].concat(),
            );
            format!("TLSCertificateFile {0}/cert.pem\nTLSCertificateKeyFile {0}/key.pem\n", d.display())
        } else {
            String::new()
        };
        // Like Active Directory, a DN with an empty password binds "unauthenticated" (and
        // succeeds): Pli must never send one.
        let conf = format!(
            "{tls_conf}include /etc/ldap/schema/core.schema\n\
             include /etc/ldap/schema/cosine.schema\n\
             include /etc/ldap/schema/inetorgperson.schema\n\
             modulepath /usr/lib/ldap\n\
             moduleload back_mdb\n\
             pidfile {dir}/slapd.pid\n\
             allow bind_anon_dn\n\
             database mdb\n\
             maxsize 10485760\n\
             suffix \"{SUFFIX}\"\n\
             rootdn \"cn=admin,{SUFFIX}\"\n\
             rootpw admin-secret\n\
             directory {dir}/db\n\
             access to attrs=userPassword by anonymous auth by * none\n\
             access to * by * read\n",
            dir = dir.path().display()
        );
        std::fs::write(dir.path().join("slapd.conf"), conf).unwrap();
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut slapd = Slapd { dir, port, tls, child: None };
        slapd.run();
        slapd.seed();
        Some(slapd)
    }

    pub fn url(&self) -> String {
        format!("{}://127.0.0.1:{}/", if self.tls { "ldaps" } else { "ldap" }, self.port)
    }

    /// The CA that signed the certificate a TLS slapd presents (for 127.0.0.1).
    pub fn certificate(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// Starts slapd in the foreground (`-d 0`) and waits until it answers (30 s at most).
    pub fn run(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("slapd.log")).unwrap();
        let child = Command::new(tool("slapd").unwrap())
            .args(["-h", &self.url(), "-f"])
            .arg(self.dir.path().join("slapd.conf"))
            .args(["-d", "0"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("slapd starts");
        self.child = Some(child);
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("slapd stopped ({status}): {}", self.log());
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            assert!(Instant::now() < until, "slapd does not answer: {}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("slapd.log")).unwrap_or_default()
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn seed(&self) {
        let hash = |password: &str| {
            let out = Command::new(tool("slappasswd").unwrap()).args(["-s", password]).output().unwrap();
            assert!(out.status.success(), "slappasswd");
            String::from_utf8(out.stdout).unwrap().trim().to_string()
        };
        let user_hash = hash(DIRECTORY_PASSWORD);
        let mut ldif = format!(
            "dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: pli\no: Pli\n\n\
             dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people\n\n\
             dn: ou=services,{SUFFIX}\nobjectClass: organizationalUnit\nou: services\n\n\
             dn: {SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: pli\n\
             userPassword: {}\n\n",
            hash(SERVICE_PASSWORD)
        );
        for (uid, kind) in DIRECTORY_USERS {
            ldif.push_str(&format!(
                "dn: uid={uid},ou=people,{SUFFIX}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {uid}\nsn: {uid}\n\
                 userPassword: {user_hash}\n{}\n",
                kind.map(|k| format!("employeeType: {k}\n")).unwrap_or_default()
            ));
        }
        let mut add = Command::new(tool("ldapadd").unwrap())
            .env("LDAPTLS_CACERT", self.certificate())
            .args(["-x", "-H", &self.url(), "-D", &format!("cn=admin,{SUFFIX}"), "-w", "admin-secret"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        add.stdin.take().unwrap().write_all(ldif.as_bytes()).unwrap();
        let out = add.wait_with_output().unwrap();
        assert!(out.status.success(), "ldapadd: {}", String::from_utf8_lossy(&out.stderr));
    }

    pub fn section(&self) -> LdapSection {
        let text = format!(
            "url = {:?}\nbind_dn = {SERVICE_DN:?}\nbind_password = {SERVICE_PASSWORD:?}\n\
             base_dn = \"ou=people,{SUFFIX}\"\nactive_filter = \"(!(employeeType=disabled))\"\n\
             timeout_seconds = 5\n",
            self.url()
        );
        toml::from_str(&text).unwrap()
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        self.stop();
    }
}
