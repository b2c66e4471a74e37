//! The server's one configuration file (TOML). Every key has a default but the documents
//! folder; `pli serve --check-config` reads it, opens the database and checks the folder.
//!
//! ```toml
//! listen = "127.0.0.1:8080"
//! database = "postgres://pli@db.example/pli"   # absent: the data folder's SQLite file
//! data = "/srv/pli"                            # the documents (a shared folder for several servers)
//! ui = "/usr/share/pli/ui"                     # the built window (ui/dist)
//! secure_cookies = true                        # behind TLS (the reverse proxy's)
//! trusted_proxies = ["127.0.0.1"]              # whose X-Forwarded-For is believed
//! metrics_from = ["127.0.0.1", "::1"]          # who may read /metrics
//! max_body_bytes = 1048576
//! database_connections = 16
//!
//! [session]
//! idle_minutes = 30
//! lifetime_hours = 12
//!
//! [sign_in]
//! free_attempts = 5
//! free_attempts_per_address = 50
//! first_lock_seconds = 30
//! longest_lock_seconds = 3600
//!
//! [ldap]                                       # optional: directory sign-in
//! url = "ldaps://annuaire.example:636"
//! bind_dn = "cn=pli,ou=services,dc=example,dc=fr"
//! bind_password = "…"
//! base_dn = "ou=people,dc=example,dc=fr"
//! user_filter = "(uid={login})"                # AD: "(sAMAccountName={login})"
//! active_filter = "(!(userAccountControl:1.2.840.113556.1.4.803:=2))"   # AD: not disabled
//! timeout_seconds = 10
//!
//! [smtp]                                       # optional: e-mail acknowledgements of receipt
//! host = "smtp.example.fr"
//! port = 587
//! security = "start_tls"                       # or "tls" (465), "none" (a local relay)
//! from = "Accueil <ne-pas-repondre@example.fr>"
//! username = "pli"                             # both optional
//! password = "…"                               # never logged
//!
//! [digest]                                     # optional: the daily digest of reminders (needs [smtp])
//! hour = 7                                     # sent from this hour on, Paris time, once a day
//! ```

use pli_store::org::SignInPolicy;
use pli_store::web::SessionLimits;
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// `postgres://…`; none: the SQLite file of `data` (a small site).
    #[serde(default)]
    pub database: Option<String>,
    /// The documents folder (and the SQLite file when no database is named).
    pub data: PathBuf,
    /// The built window (`ui/dist`), served to browsers.
    #[serde(default = "default_ui")]
    pub ui: PathBuf,
    /// Cookies marked `Secure` and HSTS sent: set when browsers reach Pli over HTTPS
    /// (TLS ends at the reverse proxy in front; see the README).
    #[serde(default)]
    pub secure_cookies: bool,
    /// Proxies whose `X-Forwarded-For` names the browser's address (for throttling and
    /// the history); from anyone else the header is ignored.
    #[serde(default)]
    pub trusted_proxies: Vec<IpAddr>,
    /// Who may read `/metrics` (a Prometheus on another machine: add its address).
    #[serde(default = "default_metrics_from")]
    pub metrics_from: Vec<IpAddr>,
    #[serde(default = "default_max_body")]
    pub max_body_bytes: usize,
    /// Largest file (or batch description) a scanner workstation delivers at once.
    #[serde(default = "default_max_upload")]
    pub max_upload_bytes: usize,
    #[serde(default = "default_connections")]
    pub database_connections: usize,
    #[serde(default)]
    pub session: SessionSection,
    #[serde(default)]
    pub sign_in: SignInSection,
    /// Directory sign-in; none: Pli's own passwords.
    #[serde(default)]
    pub ldap: Option<LdapSection>,
    /// The SMTP server e-mail acknowledgements of receipt leave by; none: they wait (the
    /// desktop's own settings are not the server's). Its `Debug` hides the password.
    #[serde(default)]
    pub smtp: Option<pli_receipt::mail::SmtpSettings>,
    /// The daily digest of reminders by e-mail; none: this server sends none (`pli digest`
    /// may, from a timer).
    #[serde(default)]
    pub digest: Option<DigestSection>,
}

/// When the daily digest leaves: from `hour` (0–23, Paris time) on, once a day — a server
/// started later in the day sends that day's then. Several servers over one database may
/// all have it: each user's digest of a day is claimed in the database before it leaves.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestSection {
    pub hour: u8,
}

/// Directory sign-in (LDAP / Active Directory). When set, passwords are checked by the
/// directory only: the passwords kept in Pli (argon2) are not used by `pli serve`. A
/// user still needs an active Pli account of the same login, which holds their roles;
/// a directory account excluded by `active_filter` cannot sign in.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LdapSection {
    /// `ldap://host:389` or `ldaps://host:636`.
    pub url: String,
    /// The service account that searches; both absent: an anonymous search.
    #[serde(default)]
    pub bind_dn: Option<String>,
    #[serde(default)]
    pub bind_password: Option<String>,
    /// Where users are searched (the whole subtree).
    pub base_dn: String,
    /// The filter that finds a user, `{login}` standing for the typed login (escaped).
    #[serde(default = "default_user_filter")]
    pub user_filter: String,
    /// ANDed with `user_filter`: only the entries it matches may sign in.
    #[serde(default)]
    pub active_filter: Option<String>,
    /// For connecting and for the whole exchange.
    #[serde(default = "default_ldap_timeout")]
    pub timeout_seconds: u64,
}

// The service account's password never reaches the logs.
impl std::fmt::Debug for LdapSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LdapSection")
            .field("url", &self.url)
            .field("bind_dn", &self.bind_dn)
            .field("bind_password", &self.bind_password.as_ref().map(|_| "…"))
            .field("base_dn", &self.base_dn)
            .field("user_filter", &self.user_filter)
            .field("active_filter", &self.active_filter)
            .field("timeout_seconds", &self.timeout_seconds)
            .finish()
    }
}

fn default_user_filter() -> String {
    "(uid={login})".into()
}

fn default_ldap_timeout() -> u64 {
    10
}

impl LdapSection {
    fn check(&self) -> Result<(), String> {
        if !(self.url.starts_with("ldap://") || self.url.starts_with("ldaps://")) {
            return Err("ldap.url : ldap://… ou ldaps://…".into());
        }
        if !self.user_filter.contains("{login}") {
            return Err("ldap.user_filter : {login} doit y figurer".into());
        }
        let parenthesised = |f: &str| f.starts_with('(') && f.ends_with(')');
        if !parenthesised(&self.user_filter) || self.active_filter.as_deref().is_some_and(|f| !parenthesised(f)) {
            return Err("ldap : un filtre s'écrit entre parenthèses, par exemple (uid={login})".into());
        }
        // A DN with an empty password is an "unauthenticated" bind, which succeeds unchecked.
        match (&self.bind_dn, &self.bind_password) {
            (Some(_), Some(p)) if p.is_empty() => Err("ldap.bind_password : vide".into()),
            (Some(_), None) => Err("ldap.bind_password : absent alors que bind_dn est donné".into()),
            (None, Some(_)) => Err("ldap.bind_dn : absent alors que bind_password est donné".into()),
            _ if self.timeout_seconds == 0 => Err("ldap.timeout_seconds : 1 au moins".into()),
            _ => Ok(()),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionSection {
    pub idle_minutes: u64,
    pub lifetime_hours: u64,
    /// For tests: an idle timeout in seconds, overriding `idle_minutes`.
    pub idle_seconds: Option<u64>,
}

impl Default for SessionSection {
    fn default() -> Self {
        SessionSection { idle_minutes: 30, lifetime_hours: 12, idle_seconds: None }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SignInSection {
    pub free_attempts: u32,
    pub free_attempts_per_address: u32,
    pub first_lock_seconds: u64,
    pub longest_lock_seconds: u64,
}

impl Default for SignInSection {
    fn default() -> Self {
        let p = SignInPolicy::default();
        SignInSection {
            free_attempts: p.free_attempts,
            free_attempts_per_address: p.free_attempts_per_address,
            first_lock_seconds: p.first_lock.as_secs(),
            longest_lock_seconds: p.longest_lock.as_secs(),
        }
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

fn default_metrics_from() -> Vec<IpAddr> {
    vec![IpAddr::from([127, 0, 0, 1]), IpAddr::from(std::net::Ipv6Addr::LOCALHOST)]
}

fn default_ui() -> PathBuf {
    PathBuf::from("ui/dist")
}

fn default_max_body() -> usize {
    1024 * 1024
}

fn default_max_upload() -> usize {
    512 * 1024 * 1024
}

fn default_connections() -> usize {
    16
}

impl ServerConfig {
    /// Reads the configuration file; a mistake names the file and the key.
    pub fn read(path: &Path) -> Result<ServerConfig, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("« {} » : {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("« {} » : {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<ServerConfig, String> {
        let config: ServerConfig = toml::from_str(text).map_err(|e| e.message().to_string())?;
        if config.database_connections == 0 {
            return Err("database_connections : 1 au moins".into());
        }
        if config.session.idle_minutes == 0 && config.session.idle_seconds.is_none() {
            return Err("session.idle_minutes : 1 au moins".into());
        }
        if let Some(ldap) = &config.ldap {
            ldap.check()?;
        }
        if let Some(smtp) = &config.smtp {
            smtp.check().map_err(|e| format!("smtp : {e}"))?;
        }
        if let Some(digest) = &config.digest {
            if digest.hour > 23 {
                return Err(format!("digest.hour : une heure de 0 à 23 (pas {})", digest.hour));
            }
            if config.smtp.is_none() {
                return Err("digest : les rappels partent par courriel, la section [smtp] est nécessaire".into());
            }
        }
        Ok(config)
    }

    pub fn session_limits(&self) -> SessionLimits {
        SessionLimits {
            idle: Duration::from_secs(self.session.idle_seconds.unwrap_or(self.session.idle_minutes * 60)),
            lifetime: Duration::from_secs(self.session.lifetime_hours * 3600),
        }
    }

    pub fn sign_in_policy(&self) -> SignInPolicy {
        SignInPolicy {
            free_attempts: self.sign_in.free_attempts,
            first_lock: Duration::from_secs(self.sign_in.first_lock_seconds),
            longest_lock: Duration::from_secs(self.sign_in.longest_lock_seconds),
            free_attempts_per_address: self.sign_in.free_attempts_per_address,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_example_reads_and_mistakes_are_named() {
        let c = ServerConfig::parse(include_str!("../../../assets/server/pli.toml")).unwrap();
        assert_eq!(c.listen, "127.0.0.1:8080".parse().unwrap());
        assert!(c.secure_cookies);
        assert_eq!(c.session_limits(), SessionLimits::default());
        assert_eq!(c.sign_in_policy().free_attempts, 5);
        let typo = ServerConfig::parse("data = \"/srv/pli\"\nlisten_on = \"0.0.0.0:80\"").unwrap_err();
        assert!(typo.contains("listen_on"), "{typo}");
        let missing = ServerConfig::parse("listen = \"127.0.0.1:1\"").unwrap_err();
        assert!(missing.contains("data"), "{missing}");
        assert!(ServerConfig::parse("data = \"/x\"\ndatabase_connections = 0").is_err());
        assert!(c.ldap.is_none(), "the shipped example keeps Pli's own passwords");
    }

    #[test]
    fn the_ldap_section_is_checked_and_its_password_never_shown() {
        let base = "data = \"/x\"\n[ldap]\nurl = \"ldaps://annuaire:636\"\nbase_dn = \"dc=pli\"\n";
        let c = ServerConfig::parse(base).unwrap();
        let l = c.ldap.unwrap();
        assert_eq!((l.user_filter.as_str(), l.active_filter, l.timeout_seconds), ("(uid={login})", None, 10));
        let with = |extra: &str| ServerConfig::parse(&format!("{base}{extra}"));
        let secret = with("bind_dn = \"cn=pli\"\nbind_password = \"s3cret\"").unwrap();
        assert!(!format!("{secret:?}").contains("s3cret"));
        for wrong in [
            "bind_dn = \"cn=pli\"",
            "bind_dn = \"cn=pli\"\nbind_password = \"\"",
            "bind_password = \"x\"",
            "user_filter = \"(uid=rh)\"",
            "user_filter = \"uid={login}\"",
            "active_filter = \"enabled=1\"",
            "timeout_seconds = 0",
            "port = 389",
        ] {
            assert!(with(wrong).is_err(), "{wrong}");
        }
        assert!(ServerConfig::parse(&base.replace("ldaps://", "http://")).is_err());
    }

    #[test]
    fn the_smtp_section_is_checked_and_its_password_never_shown() {
        let base = "data = \"/x\"\n[smtp]\nhost = \"smtp.example.fr\"\nport = 587\nfrom = \"Accueil <a@example.fr>\"\n";
        let c = ServerConfig::parse(&format!("{base}username = \"pli\"\npassword = \"s3cret\"")).unwrap();
        let smtp = c.smtp.as_ref().unwrap();
        assert_eq!((smtp.security, smtp.password.as_deref()), (pli_receipt::mail::Security::StartTls, Some("s3cret")));
        assert!(!format!("{c:?}").contains("s3cret"), "the password never reaches the logs");
        assert!(ServerConfig::parse("data = \"/x\"").unwrap().smtp.is_none());
        for wrong in [
            base.replace("smtp.example.fr", " "),
            base.replace("port = 587\n", ""),
            format!("{base}security = \"ssl\""),
            format!("{base}mot_de_passe = \"x\""),
        ] {
            assert!(ServerConfig::parse(&wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn the_digest_section_names_an_hour_and_needs_smtp() {
        let smtp = "[smtp]\nhost = \"smtp.example.fr\"\nport = 587\nfrom = \"Pli <a@example.fr>\"\n";
        let c = ServerConfig::parse(&format!("data = \"/x\"\n{smtp}[digest]\nhour = 7\n")).unwrap();
        assert_eq!(c.digest.unwrap().hour, 7);
        assert!(ServerConfig::parse(&format!("data = \"/x\"\n{smtp}")).unwrap().digest.is_none());
        let late = ServerConfig::parse(&format!("data = \"/x\"\n{smtp}[digest]\nhour = 24\n")).unwrap_err();
        assert!(late.contains("digest.hour"), "{late}");
        let alone = ServerConfig::parse("data = \"/x\"\n[digest]\nhour = 7\n").unwrap_err();
        assert!(alone.contains("[smtp]"), "{alone}");
        assert!(ServerConfig::parse(&format!("data = \"/x\"\n{smtp}[digest]\nheure = 7\n")).is_err());
        assert!(ServerConfig::parse(&format!("data = \"/x\"\n{smtp}[digest]\n")).is_err(), "the hour is said");
    }
}
