//! Opening the shared registry on PostgreSQL and bringing its schema up to date.

use crate::db::{Pg, pg_err};
use crate::{Result, StoreError};

/// Migrations of the PostgreSQL schema, in order; each runs once, in its transaction.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_registry.sql")),
    (2, include_str!("../migrations/postgres/0002_search_inline.sql")),
    (3, include_str!("../migrations/postgres/0003_web_session.sql")),
    (4, include_str!("../migrations/postgres/0004_delivery.sql")),
    (5, include_str!("../migrations/postgres/0005_sent_batch.sql")),
    (6, include_str!("../migrations/postgres/0006_legal_clock.sql")),
    (7, include_str!("../migrations/postgres/0007_acknowledgement.sql")),
    (8, include_str!("../migrations/postgres/0008_absence.sql")),
    (9, include_str!("../migrations/postgres/0009_digest.sql")),
    (10, include_str!("../migrations/postgres/0010_search_readers.sql")),
    (11, include_str!("../migrations/postgres/0011_copy_state.sql")),
];

/// Taken while migrating, so that two processes starting at once do not both migrate.
const MIGRATION_LOCK: i64 = 0x504C4900;

/// Connects to `url` (`postgres://user:password@host:port/database`, or the key=value
/// form) and migrates.
pub(crate) fn connect(url: &str) -> Result<Pg> {
    let shown = without_password(url);
    let config: postgres::Config = url.parse().map_err(|e| pg_err(&shown, e))?;
    let mut client = config.connect(postgres::NoTls).map_err(|e| pg_err(&shown, e))?;
    migrate(&mut client, &shown)?;
    Ok(Pg::new(client, shown, config))
}

fn migrate(client: &mut postgres::Client, shown: &str) -> Result<()> {
    let err = |e| pg_err(shown, e);
    let mut tx = client.transaction().map_err(err)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).map_err(err)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS pli_schema_version (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )
    .map_err(err)?;
    let have: i64 = tx.query_one("SELECT coalesce(max(version), 0) FROM pli_schema_version", &[]).map_err(err)?.get(0);
    let newest = MIGRATIONS.last().map_or(0, |m| m.0);
    if have > newest {
        return Err(StoreError::Invalid(format!(
            "base PostgreSQL « {shown} » : schéma en version {have}, plus récent que ce Pli ({newest}) : mettez Pli à jour"
        )));
    }
    for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > have) {
        tx.batch_execute(sql).map_err(err)?;
        tx.execute(
            "INSERT INTO pli_schema_version (version, applied_at) VALUES ($1, $2)",
            &[version, &crate::now_rfc3339()],
        )
        .map_err(err)?;
    }
    tx.commit().map_err(err)
}

/// The URL with its password masked, for messages and logs.
pub fn without_password(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((userinfo, host)) = rest.rsplit_once('@')
    {
        let user = userinfo.split(':').next().unwrap_or("");
        return format!("{scheme}://{user}@{host}");
    }
    // key=value form: drop the password pair.
    url.split_whitespace().filter(|kv| !kv.starts_with("password=")).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::without_password;

    #[test]
    fn a_password_never_reaches_a_message() {
        assert_eq!(without_password("postgres://pli:s3cret@db:5432/pli"), "postgres://pli@db:5432/pli");
        assert_eq!(without_password("host=db user=pli password=s3cret dbname=pli"), "host=db user=pli dbname=pli");
        assert_eq!(without_password("postgres://db/pli"), "postgres://db/pli");
    }
}
