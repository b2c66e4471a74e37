//! The watcher's journal (table `intake`): what happened to each batch taken from a
//! scanner folder, so that a crash at any point leaves a state the next start finishes
//! from. A row is *unsettled* until its original has been moved to the archive or the
//! quarantine; the batch's own commit is the proof its courriers exist.

use crate::{Result, Store, StoreError, insert_event, now_rfc3339};
use pli_core::capture::{Actor, CommittedBatch, NewBatch};
use pli_core::{EventKind, NewEvent};
use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

/// Where a batch taken from a scanner folder stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum IntakeState {
    /// Taken, waiting to be (re)ingested.
    Seen,
    /// Capture running (or interrupted, if found so at start-up).
    Ingesting,
    /// Its courriers are committed.
    Done,
    /// Same bytes as a batch already ingested.
    Duplicate,
    /// Could not be read: for the quarantine.
    Failed,
}

impl IntakeState {
    pub fn as_str(self) -> &'static str {
        match self {
            IntakeState::Seen => "seen",
            IntakeState::Ingesting => "ingesting",
            IntakeState::Done => "done",
            IntakeState::Duplicate => "duplicate",
            IntakeState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> IntakeState {
        match s {
            "seen" => IntakeState::Seen,
            "ingesting" => IntakeState::Ingesting,
            "done" => IntakeState::Done,
            "duplicate" => IntakeState::Duplicate,
            _ => IntakeState::Failed,
        }
    }
}

/// One row of the journal.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Intake {
    pub id: i64,
    pub profile: String,
    pub source_path: String,
    pub content_hash: String,
    pub state: IntakeState,
    pub interrupted: u32,
    pub batch_id: Option<i64>,
    pub error: Option<String>,
    pub moved_to: Option<String>,
    pub seen_at: String,
}

const COLUMNS: &str = "id, profile, source_path, content_hash, state, interrupted, batch_id, error, moved_to, seen_at";

fn intake_from(r: &Row<'_>) -> rusqlite::Result<Intake> {
    Ok(Intake {
        id: r.get(0)?,
        profile: r.get(1)?,
        source_path: r.get(2)?,
        content_hash: r.get(3)?,
        state: IntakeState::parse(&r.get::<_, String>(4)?),
        interrupted: r.get(5)?,
        batch_id: r.get(6)?,
        error: r.get(7)?,
        moved_to: r.get(8)?,
        seen_at: r.get(9)?,
    })
}

impl Store {
    /// Journals a batch about to be ingested.
    pub fn intake_begin(&mut self, profile: &str, source_path: &str, content_hash: &str) -> Result<Intake> {
        let now = now_rfc3339();
        let id = self
            .conn()
            .query_row(
                "INSERT INTO intake (profile, source_path, content_hash, state, seen_at, updated_at)
                 VALUES (?1, ?2, ?3, 'ingesting', ?4, ?4) RETURNING id",
                params![profile, source_path, content_hash, now],
                |r| r.get(0),
            )
            .map_err(|e| self.sql_err(e))?;
        self.intake(id)
    }

    pub fn intake(&self, id: i64) -> Result<Intake> {
        self.conn()
            .query_row(&format!("SELECT {COLUMNS} FROM intake WHERE id = ?1"), [id], intake_from)
            .map_err(|e| self.sql_err(e))
    }

    /// The unsettled row of the batch at this path, if any: work a previous run left unfinished.
    pub fn unsettled_intake_at(&self, source_path: &str) -> Result<Option<Intake>> {
        self.conn()
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM intake WHERE moved_to IS NULL AND source_path = ?1 ORDER BY id LIMIT 1"
                ),
                [source_path],
                intake_from,
            )
            .optional()
            .map_err(|e| self.sql_err(e))
    }

    /// The latest rows, newest first (the capture screen).
    pub fn recent_intakes(&self, limit: usize) -> Result<Vec<Intake>> {
        let mut stmt = self
            .conn()
            .prepare(&format!("SELECT {COLUMNS} FROM intake ORDER BY id DESC LIMIT ?1"))
            .map_err(|e| self.sql_err(e))?;
        stmt.query_map([limit as i64], intake_from)
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.sql_err(e))
    }

    /// Every unsettled row, oldest first.
    pub fn unsettled_intakes(&self) -> Result<Vec<Intake>> {
        let mut stmt = self
            .conn()
            .prepare(&format!("SELECT {COLUMNS} FROM intake WHERE moved_to IS NULL ORDER BY id"))
            .map_err(|e| self.sql_err(e))?;
        stmt.query_map([], intake_from)
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.sql_err(e))
    }

    /// At start-up: captures found running were interrupted by a crash; they go back
    /// to `seen`, counted, so that a batch that keeps crashing Pli can be set aside.
    pub fn intake_mark_interrupted(&mut self) -> Result<usize> {
        self.conn()
            .execute(
                "UPDATE intake SET state = 'seen', interrupted = interrupted + 1, updated_at = ?1
                 WHERE state = 'ingesting' AND moved_to IS NULL",
                [now_rfc3339()],
            )
            .map_err(|e| self.sql_err(e))
    }

    /// Back to waiting (a clean stop abandoned it, or a transient failure).
    pub fn intake_retry_later(&mut self, id: i64, why: &str) -> Result<()> {
        self.update_intake("UPDATE intake SET state = 'seen', error = ?2, updated_at = ?3 WHERE id = ?1", id, Some(why))
    }

    /// Ingesting again after a wait or an interruption.
    pub fn intake_resume(&mut self, id: i64) -> Result<()> {
        self.update_intake("UPDATE intake SET state = 'ingesting', error = ?2, updated_at = ?3 WHERE id = ?1", id, None)
    }

    fn update_intake(&mut self, sql: &str, id: i64, text: Option<&str>) -> Result<()> {
        self.conn().execute(sql, params![id, text, now_rfc3339()]).map_err(|e| self.sql_err(e))?;
        Ok(())
    }

    /// Commits a batch and marks its journal row done, in one transaction: either the
    /// courriers exist and the journal says so, or neither.
    pub fn commit_batch_for_intake(&mut self, batch: &NewBatch, actor: &Actor, intake: i64) -> Result<CommittedBatch> {
        let now = now_rfc3339();
        let data_dir = self.data_dir.clone();
        self.write(|q| {
            let committed = crate::insert_batch(q, &data_dir, batch, actor, &now)?;
            q.exec(
                "UPDATE intake SET state = 'done', batch_id = ?2, error = NULL, updated_at = ?3 WHERE id = ?1",
                crate::db::params![intake, committed.batch_id, now],
            )?;
            Ok(committed)
        })
    }

    /// The bytes were already ingested as `known_batch`: journalled with its event.
    pub fn intake_duplicate(&mut self, id: i64, known_batch: i64, actor: &Actor) -> Result<()> {
        let data = serde_json::json!({ "intake": id, "batch": known_batch });
        self.settle_with_event(
            id,
            "UPDATE intake SET state = 'duplicate', batch_id = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, known_batch, now_rfc3339()],
            EventKind::BatchDuplicate,
            data,
            actor,
        )
    }

    /// The batch cannot be ingested (unreadable, or gone): journalled with its event,
    /// before it is moved to quarantine.
    pub fn intake_failed(&mut self, id: i64, why: &str, actor: &Actor) -> Result<()> {
        let data = serde_json::json!({ "intake": id, "error": why });
        self.settle_with_event(
            id,
            "UPDATE intake SET state = 'failed', error = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, why, now_rfc3339()],
            EventKind::BatchFailed,
            data,
            actor,
        )
    }

    fn settle_with_event(
        &mut self,
        id: i64,
        sql: &str,
        args: impl rusqlite::Params,
        kind: EventKind,
        mut data: serde_json::Value,
        actor: &Actor,
    ) -> Result<()> {
        let path = self.db_path.clone();
        let err = |source| StoreError::Sqlite { path: path.clone(), source };
        let now = now_rfc3339();
        let tx = self.conn_mut().transaction().map_err(err)?;
        tx.execute(sql, args).map_err(err)?;
        let source: String =
            tx.query_row("SELECT source_path FROM intake WHERE id = ?1", [id], |r| r.get(0)).map_err(err)?;
        data["source"] = source.into();
        let event =
            NewEvent { actor: actor.login.clone(), workstation: actor.workstation.clone(), kind, courrier: None, data };
        insert_event(&tx, &now, &event).map_err(err)?;
        tx.commit().map_err(err)
    }

    /// The original was moved to the archive or the quarantine: the row is settled.
    pub fn intake_moved(&mut self, id: i64, moved_to: &str) -> Result<()> {
        self.update_intake("UPDATE intake SET moved_to = ?2, updated_at = ?3 WHERE id = ?1", id, Some(moved_to))
    }

    /// Courriers made from a batch, in batch order.
    pub fn courriers_of_batch(&self, batch_id: i64) -> Result<Vec<i64>> {
        let mut stmt = self
            .conn()
            .prepare("SELECT id FROM courrier WHERE batch_id = ?1 ORDER BY seq_in_batch")
            .map_err(|e| self.sql_err(e))?;
        stmt.query_map([batch_id], |r| r.get(0))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.sql_err(e))
    }

    /// Documents folders under `courriers/` that no committed batch owns: left by a
    /// capture interrupted before its commit. Only safe to remove while no capture runs.
    pub fn orphan_document_folders(&self) -> Result<Vec<std::path::PathBuf>> {
        let dir = self.data_dir.join(pli_core::capture::COURRIERS_DIR);
        let entries = std::fs::read_dir(&dir).map_err(|source| StoreError::Io { path: dir.clone(), source })?;
        let mut known = self.conn().prepare("SELECT 1 FROM batch WHERE folder = ?1").map_err(|e| self.sql_err(e))?;
        let mut orphans = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let relative = format!("{}/{name}", pli_core::capture::COURRIERS_DIR);
            if !known.exists([&relative]).map_err(|e| self.sql_err(e))? {
                orphans.push(entry.path());
            }
        }
        orphans.sort();
        Ok(orphans)
    }
}
