//! Pli's store: the registry on one of two engines — SQLite, one file in the data folder
//! (WAL, foreign keys on, versioned migrations), or PostgreSQL, an agency's shared
//! database — beside a folder of documents (searchable PDFs, thumbnails, text). The
//! SQL is written once (`db`); every change of state is written with its event in one
//! transaction.

use db::params;
use pli_core::capture::{Actor, BatchStore, COURRIERS_DIR, CommittedBatch, KnownBatch, NewBatch};
use pli_core::{EventKind, NewEvent};
use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub mod absence;
pub mod acknowledgement;
pub mod anchor;
pub mod backup;
pub mod basket_admin;
pub mod db;
pub mod deadline;
pub mod delivery;
pub mod digest;
pub mod dropped;
pub mod integrity;
pub mod journal;
pub mod migrate;
pub mod org;
mod pg;
mod private;
pub mod registry;
mod replay;
pub mod search;
mod split;
pub mod stats;
pub mod web;
pub use pg::without_password;
#[doc(hidden)]
pub mod testing;
pub use journal::{Intake, IntakeState};
pub use org::{ImportReport, Sheet};
pub use registry::{CourrierView, HistoryEntry, Session};
pub use search::{SearchHit, fts_query};

/// Errors of the store, with the database file named.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("base de données « {path} » : {source}")]
    Sqlite { path: PathBuf, source: rusqlite::Error },
    #[error("base PostgreSQL « {url} » : {}", db::pg_message(source))]
    Postgres { url: String, source: postgres::Error },
    #[error("base de données « {path} » : migration impossible ({source})")]
    Migration { path: PathBuf, source: rusqlite_migration::Error },
    #[error("dossier de données « {path} » : {source}")]
    Io { path: PathBuf, source: std::io::Error },
    /// A bad row of an organisation sheet: nothing of the import was kept.
    #[error("« {file} », ligne {line} : {message} (rien n'a été importé)")]
    Sheet { file: String, line: usize, message: String },
    #[error("{0}")]
    Refused(#[from] pli_core::Refusal),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    /// Acted on meanwhile by someone else: the caller may look again and retry.
    #[error("{0}")]
    Conflict(String),
    /// The store's own fault (a column not as the code expects it).
    #[error("erreur interne du registre : {0}")]
    Internal(String),
}

/// What kind of failure, for the edges (the desktop, the HTTP API) to map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    Refused,
    NotFound,
    Invalid,
    Conflict,
    Internal,
}

impl StoreError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            // An invisible courrier looks missing (the same message as a missing one).
            StoreError::Refused(pli_core::Refusal::NotVisible) => ErrorKind::NotFound,
            StoreError::Refused(_) => ErrorKind::Refused,
            StoreError::NotFound(_) => ErrorKind::NotFound,
            StoreError::Invalid(_) | StoreError::Sheet { .. } => ErrorKind::Invalid,
            StoreError::Conflict(_) => ErrorKind::Conflict,
            StoreError::Sqlite { .. }
            | StoreError::Postgres { .. }
            | StoreError::Migration { .. }
            | StoreError::Io { .. }
            | StoreError::Internal(_) => ErrorKind::Internal,
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../migrations/0001_capture.sql")),
        M::up(include_str!("../migrations/0002_intake.sql")),
        M::up_with_hook(include_str!("../migrations/0003_registry.sql"), chain_existing_events).foreign_key_check(),
        M::up(include_str!("../migrations/0004_split_correction.sql")),
        M::up(include_str!("../migrations/0005_stats_checkpoint.sql")),
        M::up(include_str!("../migrations/0006_dropped_pages.sql")),
        M::up(include_str!("../migrations/0007_sign_in.sql")),
        M::up(include_str!("../migrations/0008_document_hash.sql")),
        M::up(include_str!("../migrations/0009_web_session.sql")),
        M::up(include_str!("../migrations/0010_delivery.sql")),
        M::up(include_str!("../migrations/0011_sent_batch.sql")),
        M::up(include_str!("../migrations/0012_legal_clock.sql")),
        M::up(include_str!("../migrations/0013_acknowledgement.sql")),
        M::up(include_str!("../migrations/0014_absence.sql")),
        M::up(include_str!("../migrations/0015_digest.sql")),
        M::up(include_str!("../migrations/0016_copy_state.sql")),
    ])
}

/// The columns of an event its hash seals, in the order `StoredEvent::from_row` reads them.
pub(crate) const STORED_EVENT_COLUMNS: &str = "id, at, actor, workstation, kind, courrier_id, data";

/// An event as stored, for sealing it or checking its seal.
pub(crate) struct StoredEvent {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub workstation: String,
    pub kind: String,
    pub courrier: Option<i64>,
    pub data: String,
}

impl StoredEvent {
    pub fn from_row(r: &db::Row) -> Result<StoredEvent> {
        let text = |i| r.get::<Option<String>>(i).map(Option::unwrap_or_default);
        Ok(StoredEvent {
            id: r.get(0)?,
            at: text(1)?,
            actor: text(2)?,
            workstation: text(3)?,
            kind: text(4)?,
            courrier: r.get(5)?,
            data: text(6)?,
        })
    }

    /// Its hash in the chain, after the event whose hash is `prev`.
    pub fn seal(&self, prev: &str) -> String {
        let fields = pli_core::event::SealedFields {
            id: self.id,
            at: &self.at,
            actor: &self.actor,
            workstation: &self.workstation,
            kind: &self.kind,
            courrier: self.courrier,
            data: &self.data,
        };
        pli_core::event::chain_hash(prev, &fields)
    }
}

/// Migration 0003: seals the events written before the hash chain existed, then makes
/// events append-only again.
fn chain_existing_events(tx: &rusqlite::Transaction<'_>) -> rusqlite_migration::HookResult {
    let read = || -> Result<Vec<StoredEvent>> {
        let sql = format!("SELECT {STORED_EVENT_COLUMNS} FROM event ORDER BY id");
        db::Q::over_sqlite(tx, Path::new("")).rows(&sql, params![])?.iter().map(StoredEvent::from_row).collect()
    };
    let rows = read().map_err(|e| rusqlite_migration::HookError::Hook(e.to_string()))?;
    let mut prev = pli_core::event::GENESIS_HASH.to_string();
    for e in rows {
        let hash = e.seal(&prev);
        tx.execute("UPDATE event SET prev_hash = ?1, hash = ?2 WHERE id = ?3", rusqlite::params![prev, hash, e.id])?;
        prev = hash;
    }
    tx.execute_batch(
        "CREATE TRIGGER event_no_update BEFORE UPDATE ON event
         BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;",
    )?;
    Ok(())
}

/// The registry and the data folder (`courriers/`, and `pli.sqlite3` on SQLite).
pub struct Store {
    db: db::Engine,
    data_dir: PathBuf,
    db_path: PathBuf,
    /// The direction model and the last routing event it learned from.
    direction_model: std::sync::Mutex<Option<(i64, pli_core::suggest::DirectionModel)>>,
}

impl Store {
    /// Opens the registry named by `database` (a `postgres://` URL), or without one the data
    /// folder's own SQLite file; the documents are in `data_dir` either way.
    pub fn open_with(data_dir: &Path, database: Option<&str>) -> Result<Store> {
        match database.map(str::trim).filter(|d| !d.is_empty()) {
            None => Store::open(data_dir),
            Some(url) => Store::open_postgres(data_dir, url),
        }
    }

    /// Opens (creating its schema if needed) the shared registry at `url`, with the
    /// documents in `data_dir`.
    pub fn open_postgres(data_dir: &Path, url: &str) -> Result<Store> {
        let io = |source| StoreError::Io { path: data_dir.to_path_buf(), source };
        let courriers = data_dir.join(COURRIERS_DIR);
        private::create_dir_all(&courriers).map_err(io)?;
        let pg = pg::connect(url)?;
        let db_path = PathBuf::from(&pg.shown);
        let db = db::Engine::Postgres(Box::new(std::sync::Mutex::new(pg)));
        Ok(Store { db, data_dir: data_dir.to_path_buf(), db_path, direction_model: Default::default() })
    }

    /// Opens (creating if needed) the store in `data_dir` and brings its schema up to date.
    pub fn open(data_dir: &Path) -> Result<Store> {
        let io = |source| StoreError::Io { path: data_dir.to_path_buf(), source };
        // The mail room's only: folders 0700, database and documents 0600.
        let courriers = data_dir.join(COURRIERS_DIR);
        private::create_dir_all(&courriers).map_err(io)?;
        let db_path = data_dir.join("pli.sqlite3");
        private::create_file(&db_path).map_err(io)?;
        private::tighten_data_dir(data_dir, &courriers, &db_path).map_err(io)?;
        let sql = |source| StoreError::Sqlite { path: db_path.clone(), source };
        let mut conn = Connection::open(&db_path).map_err(sql)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(sql)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(sql)?;
        // FULL, not NORMAL: under WAL, NORMAL syncs only at checkpoints, so a committed
        // batch, registration or split correction could vanish at a power cut after its
        // original was archived or the old documents deleted. FULL syncs the WAL at every
        // commit (one fsync, a few ms: docs/benchmarks.md, "Durable commits"), so a commit
        // is durable before any move or delete that follows it.
        conn.pragma_update(None, "synchronous", "FULL").map_err(sql)?;
        // Off while migrating, as SQLite requires to rebuild a table; each migration that
        // does checks the foreign keys before it commits.
        conn.pragma_update(None, "foreign_keys", "OFF").map_err(sql)?;
        migrations().to_latest(&mut conn).map_err(|source| StoreError::Migration { path: db_path.clone(), source })?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(sql)?;
        let db = db::Engine::Sqlite { conn, path: db_path.clone() };
        Ok(Store { db, data_dir: data_dir.to_path_buf(), db_path, direction_model: Default::default() })
    }

    /// Reads in one session (see `db::Engine::read`).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&mut db::Q<'_>) -> Result<T>) -> Result<T> {
        self.db.read(f)
    }

    /// Writes in one transaction, all or nothing (see `db::Engine::write`).
    pub(crate) fn write<T>(&mut self, f: impl FnOnce(&mut db::Q<'_>) -> Result<T>) -> Result<T> {
        self.db.write(f)
    }

    /// Writes without the writers' lock: only for what appends no event (`web`).
    pub(crate) fn write_unchained<T>(&mut self, f: impl FnOnce(&mut db::Q<'_>) -> Result<T>) -> Result<T> {
        self.db.write_unchained(f)
    }

    /// Where the registry is, for messages: the SQLite file, or the PostgreSQL URL without
    /// its password.
    pub fn location(&self) -> String {
        self.db_path.display().to_string()
    }

    /// Which engine holds the registry.
    pub fn dialect(&self) -> db::Dialect {
        self.db.dialect()
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Absolute path of a file the store records relative to the data folder.
    pub fn resolve(&self, relative: &str) -> PathBuf {
        self.data_dir.join(relative)
    }

    /// Number of courriers stored.
    pub fn courrier_count(&self) -> Result<i64> {
        self.read(|q| q.one("SELECT count(*) FROM courrier", params![]))
    }

    /// Events of a courrier, oldest first, as (kind, data JSON).
    pub fn courrier_events(&self, courrier: i64) -> Result<Vec<(String, serde_json::Value)>> {
        let rows = self
            .read(|q| q.rows("SELECT kind, data FROM event WHERE courrier_id = ?1 ORDER BY id", params![courrier]))?;
        rows.iter()
            .map(|r| {
                let data: String = r.get(1)?;
                Ok((r.get(0)?, serde_json::from_str(&data).unwrap_or(serde_json::Value::Null)))
            })
            .collect()
    }
}

impl BatchStore for Store {
    type Error = StoreError;

    /// The batch already stored with these bytes, if any.
    fn batch_by_hash(&self, content_hash: &str) -> Result<Option<KnownBatch>> {
        let row = self.read(|q| {
            q.opt(
                "SELECT id, source_path, ingested_at FROM batch WHERE content_hash = ?1 ORDER BY id LIMIT 1",
                params![content_hash],
            )
        })?;
        row.map(|r| Ok(KnownBatch { batch_id: r.get(0)?, source_path: r.get(1)?, ingested_at: r.get(2)? })).transpose()
    }

    /// Records a batch, its pages, its courriers, their text and their events, all or nothing.
    fn commit_batch(&mut self, batch: &NewBatch, actor: &Actor) -> Result<CommittedBatch> {
        let now = now_rfc3339();
        // Capture wrote the documents with the process's umask: the mail room's only.
        private::tighten_tree(&self.data_dir.join(&batch.folder))
            .map_err(|source| StoreError::Io { path: self.data_dir.join(&batch.folder), source })?;
        let data_dir = self.data_dir.clone();
        self.write(|q| insert_batch(q, &data_dir, batch, actor, &now))
    }
}

pub(crate) fn insert_batch(
    q: &mut db::Q<'_>,
    data_dir: &Path,
    batch: &NewBatch,
    actor: &Actor,
    now: &str,
) -> Result<CommittedBatch> {
    let batch_id = q.insert(
        "INSERT INTO batch (source_path, content_hash, profile, page_count, folder, ingested_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        params![batch.source_path, batch.content_hash, batch.profile, batch.pages.len(), batch.folder, now],
    )?;
    for p in &batch.pages {
        let (pdf, thumbnail) = p.kept.as_ref().map(|k| (&k.pdf_path, &k.thumbnail_path)).unzip();
        q.exec(
            "INSERT INTO batch_page (batch_id, source_index, role, detail, kept_pdf, kept_thumbnail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![batch_id, p.source_index, p.role.as_str(), p.detail, pdf, thumbnail],
        )?;
    }
    crate::integrity::record_batch_files(q, data_dir, &batch.folder, now)?;
    let mut courrier_ids = Vec::with_capacity(batch.courriers.len());
    for (seq, c) in batch.courriers.iter().enumerate() {
        let id = q.insert(
            "INSERT INTO courrier (batch_id, seq_in_batch, separator, direction_hint, pdf_path, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            params![batch_id, seq, c.separator, c.direction, c.pdf_path, now],
        )?;
        for (pos, p) in c.pages.iter().enumerate() {
            q.exec(
                "INSERT INTO courrier_page (courrier_id, position, source_index, rotation, ocr_confidence, thumbnail_path, text)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![id, pos, p.source_index, p.rotation_degrees, p.ocr_confidence, p.thumbnail_path, p.text],
            )?;
        }
        q.exec("INSERT INTO courrier_text (rowid, text) VALUES (?1, ?2)", params![id, c.text])?;
        let pages: Vec<usize> = c.pages.iter().map(|p| p.source_index).collect();
        append_event(
            q,
            now,
            &NewEvent {
                actor: actor.login.clone(),
                workstation: actor.workstation.clone(),
                kind: EventKind::CourrierCaptured,
                courrier: Some(id),
                data: serde_json::json!({ "batch": batch_id, "pages": pages, "separator": c.separator, "direction": c.direction }),
            },
        )?;
        courrier_ids.push(id);
    }
    append_event(
        q,
        now,
        &NewEvent {
            actor: actor.login.clone(),
            workstation: actor.workstation.clone(),
            kind: EventKind::BatchIngested,
            courrier: None,
            data: serde_json::json!({
                "batch": batch_id, "source": batch.source_path, "profile": batch.profile,
                "pages": batch.pages.len(), "courriers": courrier_ids,
            }),
        },
    )?;
    Ok(CommittedBatch { batch_id, courrier_ids })
}

/// Appends an event, sealed with the previous one's hash. Inside a write transaction
/// (serialised on both engines), so no other event can slip in between reading the last
/// hash and writing this one.
pub(crate) fn append_event(q: &mut db::Q<'_>, now: &str, e: &NewEvent) -> Result<i64> {
    let last = q.opt("SELECT id, hash FROM event ORDER BY id DESC LIMIT 1", params![])?;
    let (last_id, prev): (i64, Option<String>) = match last {
        Some(r) => (r.get(0)?, r.get(1)?),
        None => (0, None),
    };
    let prev = prev.unwrap_or_else(|| pli_core::event::GENESIS_HASH.to_string());
    let id = last_id + 1;
    let data = e.data.to_string();
    let kind = e.kind.as_str();
    let fields = pli_core::event::SealedFields {
        id,
        at: now,
        actor: &e.actor,
        workstation: &e.workstation,
        kind,
        courrier: e.courrier,
        data: &data,
    };
    let hash = pli_core::event::chain_hash(&prev, &fields);
    q.exec(
        "INSERT INTO event (id, at, actor, workstation, kind, courrier_id, data, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![id, now, e.actor, e.workstation, kind, e.courrier, data, prev, hash],
    )?;
    Ok(id)
}

pub(crate) fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .expect("a UTC time always formats")
}

#[cfg(test)]
mod tests;
