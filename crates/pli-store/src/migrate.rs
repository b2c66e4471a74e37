//! Growing up: a workstation's registry (its SQLite file and documents) moved into an
//! agency's shared database and documents folder, every row as it was — ids, chrono
//! numbers, events with their seals — so that the chain verifies on the target.
//!
//! The rows go in one transaction of the target: interrupted, nothing is there and the
//! move can be run again. The documents are copied (and synced) before that commit, so
//! no committed row ever names a missing file. Run again once done, it finds the same
//! history on the target and only verifies.

use crate::db::{Dialect, Param, Value};
use crate::{Result, Store, StoreError};
use std::path::Path;

/// Tables in an order their foreign keys accept, with the columns copied. Directions name
/// their parent, which may come later: their `parent_id` is set once all are in.
const TABLES: &[(&str, &str)] = &[
    ("direction", "id, code, name, active, region"),
    ("app_user", "id, login, display_name, password_hash, active, demo, email, digest"),
    ("user_role", "user_id, role, direction_id"),
    (
        "document_type",
        "id, code, name, deadline_days, undelivered, active, delay_unit, delay_count, reminder_days, alert_days, \
         urgent_delay_unit, urgent_delay_count, implicit_decision, implicit_decision_months, recompute_on_redirect",
    ),
    ("closure_day", "id, day, direction_id, label"),
    ("contact", "id, kind, name, organisation, address, postcode, city, email, match_key, created_at"),
    ("chrono_counter", "year, last"),
    ("basket", "id, role, name, position, filter"),
    ("batch", "id, source_path, content_hash, profile, page_count, folder, ingested_at"),
    ("batch_page", "batch_id, source_index, role, detail, kept_pdf, kept_thumbnail"),
    (
        "courrier",
        "id, batch_id, seq_in_batch, state, separator, direction_hint, pdf_path, created_at, document_type_id, \
         sender_id, subject, letter_date, arrival_date, reference, priority, confidential, main_direction_id, comment, \
         chrono, registered_at, due_date, taken_by, assignee_id, returned_reason, closed_at, answer_note, withdrawn, \
         remind_on, alert_on, implicit_decision, implicit_decision_on",
    ),
    ("courrier_page", "courrier_id, position, source_index, rotation, ocr_confidence, thumbnail_path, text"),
    ("courrier_text", "rowid, text"),
    ("courrier_copy", "courrier_id, direction_id"),
    (
        "intake",
        "id, profile, source_path, content_hash, state, interrupted, batch_id, error, moved_to, seen_at, updated_at",
    ),
    ("event", "id, at, actor, workstation, kind, courrier_id, data, prev_hash, hash"),
    ("stats_checkpoint", "at, open"),
    ("sign_in_attempt", "login, failures, last_failure, locked_until"),
    ("document_hash", "path, sha256, size, recorded_at"),
    ("delivery", "capture_id, batch_id, workstation, delivered_by, received_at"),
    ("sent_batch", "batch_id, server_batch_id, sent_at"),
    ("ack_template", "id, kind, document_type_id, direction_id, body, updated_at"),
    ("service_contact", "direction_id, designation, address, email, phone, updated_at"),
    (
        "acknowledgement",
        "id, courrier_id, kind, channel, recipient, forwarded_to, body, document_path, sha256, produced_at, sent_at, \
         attempts, last_error",
    ),
    ("absence", "id, user_id, starts_on, ends_on, delegate_id, created_by, created_at, cancelled_at"),
    ("digest_sent", "day, user_id, claimed_at, late, due, sent_at, last_error"),
];

/// Tables whose `id` the target numbers itself afterwards (its sequence moved past them).
const NUMBERED: &[&str] = &[
    "direction",
    "app_user",
    "document_type",
    "closure_day",
    "contact",
    "basket",
    "batch",
    "courrier",
    "intake",
    "ack_template",
    "acknowledgement",
    "absence",
];

/// Rows read and written at a time.
const CHUNK: i64 = 5_000;

/// What a move did and found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MigrationReport {
    /// False when the target already held this very history (a second run).
    pub copied: bool,
    /// Rows per table, equal on both sides.
    pub rows: Vec<(String, i64)>,
    pub documents_copied: usize,
    pub documents_checked: usize,
    pub events: usize,
    /// The last event's hash, the same on both sides.
    pub head: String,
}

/// Moves `source` (a workstation's SQLite registry) into `target` (a PostgreSQL one,
/// empty or holding this same history), documents included, and verifies the result.
/// `progress` hears each table's name and its row count as it is copied.
pub fn migrate(source: &Store, target: &mut Store, progress: &dyn Fn(&str, i64)) -> Result<MigrationReport> {
    if source.dialect() != Dialect::Sqlite || target.dialect() != Dialect::Postgres {
        return Err(StoreError::Invalid(
            "le déplacement va d'un poste (SQLite, --data) vers une base partagée (PostgreSQL, --to)".into(),
        ));
    }
    let source_chain = source.verify_history()?;
    if let Some(b) = &source_chain.broken {
        return Err(StoreError::Invalid(format!(
            "l'historique du poste est rompu à l'événement {} ({}) : réparez-le avant de le déplacer",
            b.event, b.problem
        )));
    }
    let counts = |store: &Store| -> Result<Vec<(String, i64)>> {
        store.read(|q| {
            TABLES
                .iter()
                .map(|(t, _)| Ok((t.to_string(), q.one::<i64>(&format!("SELECT count(*) FROM {t}"), &[])?)))
                .collect()
        })
    };
    let source_rows = counts(source)?;
    let target_events: i64 = target.read(|q| q.one("SELECT count(*) FROM event", &[]))?;
    let target_head: Option<String> = target
        .read(|q| q.opt("SELECT hash FROM event ORDER BY id DESC LIMIT 1", &[]))?
        .map(|r| r.get(0))
        .transpose()?;
    let copied = if target_events == 0 {
        let occupied: i64 =
            target.read(|q| q.one("SELECT (SELECT count(*) FROM courrier) + (SELECT count(*) FROM app_user)", &[]))?;
        if occupied > 0 {
            return Err(StoreError::Conflict(
                "la base cible contient déjà un registre (courriers ou comptes) : Pli n'en fusionne pas deux".into(),
            ));
        }
        true
    } else if target_head.as_deref() == Some(source_chain.head.as_str())
        && target_events as usize == source_chain.events
    {
        false
    } else {
        return Err(StoreError::Conflict(format!(
            "la base cible a un autre historique ({target_events} événements) que ce poste ({}) : rien n'a été déplacé",
            source_chain.events
        )));
    };

    let documents_copied = copy_documents(source, target)?;
    if copied {
        let source_db = &source.db;
        target.write(|to| {
            // The target's own default baskets give way to the workstation's.
            to.exec("DELETE FROM basket", &[])?;
            for (table, columns) in TABLES {
                let n = columns.split(',').count();
                let insert = format!(
                    "INSERT INTO {table} ({columns}) VALUES ({})",
                    (1..=n).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
                );
                // Paged on a unique key (the first columns of every table).
                let order = if n >= 3 { "1, 2, 3" } else { "1, 2" };
                let mut offset = 0;
                loop {
                    let rows = source_db.read(|from| {
                        from.rows(
                            &format!("SELECT {columns} FROM {table} ORDER BY {order} LIMIT ?1 OFFSET ?2"),
                            crate::db::params![CHUNK, offset],
                        )
                    })?;
                    for r in &rows {
                        let values: Vec<Value> = (0..n).map(|i| r.get::<Value>(i)).collect::<Result<_>>()?;
                        let args: Vec<&dyn Param> = values.iter().map(|v| v as &dyn Param).collect();
                        to.exec(&insert, &args)?;
                    }
                    offset += rows.len() as i64;
                    progress(table, offset);
                    if (rows.len() as i64) < CHUNK {
                        break;
                    }
                }
            }
            let parents = source_db
                .read(|from| from.rows("SELECT id, parent_id FROM direction WHERE parent_id IS NOT NULL", &[]))?;
            for r in parents {
                to.exec(
                    "UPDATE direction SET parent_id = ?2 WHERE id = ?1",
                    crate::db::params![r.get::<i64>(0)?, r.get::<i64>(1)?],
                )?;
            }
            for table in NUMBERED {
                to.exec(
                    &format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 0) + 1, false) FROM {table}"
                    ),
                    &[],
                )?;
            }
            Ok(())
        })?;
    }

    // Verified, whether just copied or found there.
    let target_rows = counts(target)?;
    if target_rows != source_rows {
        let differs: Vec<String> = source_rows
            .iter()
            .zip(&target_rows)
            .filter(|(a, b)| a != b)
            .map(|((t, a), (_, b))| format!("{t} : {a} sur le poste, {b} dans la base"))
            .collect();
        return Err(StoreError::Conflict(format!("vérification : {}", differs.join(" ; "))));
    }
    let target_chain = target.verify_history()?;
    if target_chain.broken.is_some() || target_chain.head != source_chain.head {
        return Err(StoreError::Internal(format!(
            "vérification : l'historique de la base ({} événements, fin {}) n'est pas celui du poste ({}, fin {})",
            target_chain.events, target_chain.head, source_chain.events, source_chain.head
        )));
    }
    let integrity = target.check_integrity(false)?;
    if !integrity.damage.is_empty() {
        return Err(StoreError::Internal(format!("vérification des documents : {}", integrity.problems().join(" ; "))));
    }
    Ok(MigrationReport {
        copied,
        rows: target_rows,
        documents_copied,
        documents_checked: integrity.documents,
        events: target_chain.events,
        head: target_chain.head,
    })
}

/// Copies the documents the source names into the target's folder (when it is another
/// one), each synced; a file already there with the same content is left as it is.
/// The history's key and anchors go along when the target has none: they attest the
/// same chain.
fn copy_documents(source: &Store, target: &Store) -> Result<usize> {
    if same_folder(source.data_dir(), target.data_dir()) {
        return Ok(0);
    }
    let mut paths: Vec<String> = source
        .read(|q| q.rows("SELECT path FROM document_hash ORDER BY path", &[]))?
        .iter()
        .map(|r| r.get(0))
        .collect::<Result<_>>()?;
    for attest in [crate::anchor::KEY_FILE, crate::anchor::ANCHOR_FILE] {
        if source.resolve(attest).exists() && !target.resolve(attest).exists() {
            paths.push(attest.to_string());
        }
    }
    let mut copied = 0;
    for relative in paths {
        let (from, to) = (source.resolve(&relative), target.resolve(&relative));
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Io { path, source }
        };
        if to.exists() && crate::integrity::sha256_file(&to).ok() == crate::integrity::sha256_file(&from).ok() {
            continue;
        }
        if let Some(parent) = to.parent() {
            crate::private::create_dir_all(parent).map_err(io(parent))?;
        }
        let partial = to.with_extension("partial");
        std::fs::copy(&from, &partial).map_err(io(&from))?;
        std::fs::File::open(&partial).and_then(|f| f.sync_all()).map_err(io(&partial))?;
        std::fs::rename(&partial, &to).map_err(io(&to))?;
        if let Some(parent) = to.parent() {
            std::fs::File::open(parent).and_then(|d| d.sync_all()).map_err(io(parent))?;
        }
        copied += 1;
    }
    Ok(copied)
}

fn same_folder(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}
