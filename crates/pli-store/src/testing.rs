//! Throwaway registries for tests, on either engine: the conformance suite runs each
//! scenario on SQLite and on PostgreSQL (`on_both_engines!`). PostgreSQL is the server
//! named by `PLI_TEST_POSTGRES` (a URL to a database the test may create databases
//! from), else by libpq's `PGHOST`/`PGPORT`/`PGUSER`/`PGPASSWORD` (what `pg_virtualenv`,
//! which `make test` wraps the tests in, sets). Without one a PostgreSQL test prints a
//! notice and skips — except in CI, where it fails.

use crate::Store;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A data folder and, on PostgreSQL, a database of its own, dropped afterwards.
pub struct Site {
    dir: tempfile::TempDir,
    database: Option<ScratchDatabase>,
}

impl Site {
    /// A fresh site on `engine`; `None` when PostgreSQL is not there (outside CI).
    pub fn new(engine: Engine) -> Option<Site> {
        let dir = tempfile::tempdir().expect("temporary folder");
        let database = match engine {
            Engine::Sqlite => None,
            Engine::Postgres => Some(ScratchDatabase::create(&postgres_server()?)),
        };
        Some(Site { dir, database })
    }

    /// The data folder (documents; and the SQLite file on SQLite).
    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The PostgreSQL database's URL, on PostgreSQL.
    pub fn database_url(&self) -> Option<&str> {
        self.database.as_ref().map(|d| d.url.as_str())
    }

    /// Opens the store (again) on this site.
    pub fn open(&self) -> Store {
        Store::open_with(self.data_dir(), self.database_url()).expect("the test store opens")
    }

    /// Runs SQL through a connection of the test's own, as someone with access to the
    /// database (an auditor counting, an attacker tampering) would: not through Pli.
    pub fn raw(&self, sql: &str) -> Result<Vec<Vec<String>>, String> {
        match self.database_url() {
            None => {
                let conn =
                    rusqlite::Connection::open(self.data_dir().join("pli.sqlite3")).map_err(|e| e.to_string())?;
                if !sql.trim_start().to_ascii_uppercase().starts_with("SELECT") {
                    return conn.execute_batch(sql).map(|_| Vec::new()).map_err(|e| e.to_string());
                }
                let mut stmt = conn.prepare(sql).map_err(|e| e.to_string())?;
                let n = stmt.column_count();
                let rows = stmt
                    .query_map([], |r| {
                        (0..n)
                            .map(|i| {
                                Ok(match r.get_ref(i)? {
                                    rusqlite::types::ValueRef::Null => String::new(),
                                    rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                                    rusqlite::types::ValueRef::Real(f) => f.to_string(),
                                    rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                                        String::from_utf8_lossy(t).into_owned()
                                    }
                                })
                            })
                            .collect::<rusqlite::Result<Vec<String>>>()
                    })
                    .map_err(|e| e.to_string())?;
                rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| e.to_string())
            }
            Some(url) => {
                let mut client =
                    postgres::Client::connect(url, postgres::NoTls).map_err(|e| crate::db::pg_message(&e))?;
                let messages = client.simple_query(sql).map_err(|e| crate::db::pg_message(&e))?;
                Ok(messages
                    .into_iter()
                    .filter_map(|m| match m {
                        postgres::SimpleQueryMessage::Row(r) => {
                            Some((0..r.len()).map(|i| r.get(i).unwrap_or("").to_string()).collect())
                        }
                        _ => None,
                    })
                    .collect())
            }
        }
    }

    /// The one number a `SELECT count(*) …` answers, read as `raw` does.
    pub fn count(&self, sql: &str) -> i64 {
        let rows = self.raw(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        rows.first().and_then(|r| r.first()).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{sql}: {rows:?}"))
    }
}

/// The PostgreSQL server for tests, as libpq key=value connection parameters or a URL.
pub fn postgres_server() -> Option<String> {
    if let Ok(url) = std::env::var("PLI_TEST_POSTGRES")
        && !url.trim().is_empty()
    {
        return Some(url);
    }
    if let Ok(host) = std::env::var("PGHOST") {
        let var = |k: &str, default: &str| std::env::var(k).unwrap_or_else(|_| default.to_string());
        return Some(format!(
            "host={host} port={} user={} password={} dbname={}",
            var("PGPORT", "5432"),
            var("PGUSER", "postgres"),
            var("PGPASSWORD", ""),
            var("PGDATABASE", "postgres"),
        ));
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("PostgreSQL absent en CI : `make test` lance les tests dans pg_virtualenv (PGHOST non défini)");
    }
    eprintln!(
        "NOTICE: no PostgreSQL server (PGHOST / PLI_TEST_POSTGRES unset): PostgreSQL test skipped; `make test` starts one"
    );
    None
}

/// A database created for one test and dropped with it.
struct ScratchDatabase {
    server: String,
    name: String,
    url: String,
}

impl ScratchDatabase {
    fn create(server: &str) -> ScratchDatabase {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let name = format!("pli_test_{}_{}_{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let mut admin = postgres::Client::connect(server, postgres::NoTls).unwrap_or_else(|e| {
            panic!("PostgreSQL de test injoignable ({}) : {e}", crate::pg::without_password(server))
        });
        admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("CREATE DATABASE");
        let url = with_database(server, &name);
        ScratchDatabase { server: server.to_string(), name, url }
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.server, postgres::NoTls) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

/// The same server, another database.
fn with_database(server: &str, name: &str) -> String {
    if server.contains("://") {
        let (base, query) = server.split_once('?').map_or((server, None), |(b, q)| (b, Some(q)));
        let (scheme, rest) = base.split_once("://").expect("a URL");
        let host = rest.split_once('/').map_or(rest, |(h, _)| h);
        format!("{scheme}://{host}/{name}{}", query.map(|q| format!("?{q}")).unwrap_or_default())
    } else {
        let kept: Vec<&str> = server.split_whitespace().filter(|kv| !kv.starts_with("dbname=")).collect();
        format!("{} dbname={name}", kept.join(" "))
    }
}

/// Runs each named scenario `fn name(engine: Engine)` as two tests, `name::sqlite` and
/// `name::postgres`.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name($crate::testing::Engine::Sqlite)
            }
            #[test]
            fn postgres() {
                super::$name($crate::testing::Engine::Postgres)
            }
        }
    )*};
}
