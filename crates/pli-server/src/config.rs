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
    }
}
