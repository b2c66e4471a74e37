//! The watcher's journal (table `intake`): what happened to each batch taken from a
//! scanner folder, so that a crash at any point leaves a state the next start finishes
//! from. A row is *unsettled* until its original has been moved to the archive or the
//! quarantine; the batch's own commit is the proof its courriers exist.

use crate::db::{Param, Q, Row, params};
use crate::{Result, Store, StoreError, now_rfc3339};
use pli_core::capture::{Actor, CommittedBatch, NewBatch};
use pli_core::{EventKind, NewEvent};
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

fn intake_from(r: &Row) -> Result<Intake> {
    Ok(Intake {
        id: r.get(0)?,
        profile: r.get(1)?,
        source_path: r.get(2)?,
        content_hash: r.get(3)?,
        state: IntakeState::parse(&r.get::<String>(4)?),
        interrupted: r.get(5)?,
        batch_id: r.get(6)?,
        error: r.get(7)?,
        moved_to: r.get(8)?,
        seen_at: r.get(9)?,
    })
}

/// The batches' document folders that a committed batch owns.
fn owned_folders(q: &mut Q<'_>) -> Result<std::collections::BTreeSet<String>> {
    Ok(crate::integrity::batch_folders(q)?.into_iter().collect())
}

impl Store {
    /// Journals a batch about to be ingested.
    pub fn intake_begin(&mut self, profile: &str, source_path: &str, content_hash: &str) -> Result<Intake> {
        let now = now_rfc3339();
        let id = self.write(|q| {
            q.insert(
                "INSERT INTO intake (profile, source_path, content_hash, state, seen_at, updated_at)
                 VALUES (?1, ?2, ?3, 'ingesting', ?4, ?4) RETURNING id",
                params![profile, source_path, content_hash, now],
            )
        })?;
        self.intake(id)
    }

    pub fn intake(&self, id: i64) -> Result<Intake> {
        self.read(|q| q.opt(&format!("SELECT {COLUMNS} FROM intake WHERE id = ?1"), params![id]))?
            .as_ref()
            .map(intake_from)
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("entrée n° {id} du journal de capture introuvable")))
    }

    /// The unsettled row of the batch at this path, if any: work a previous run left unfinished.
    pub fn unsettled_intake_at(&self, source_path: &str) -> Result<Option<Intake>> {
        self.read(|q| {
            q.opt(
                &format!(
                    "SELECT {COLUMNS} FROM intake WHERE moved_to IS NULL AND source_path = ?1 ORDER BY id LIMIT 1"
                ),
                params![source_path],
            )?
            .as_ref()
            .map(intake_from)
            .transpose()
        })
    }

    /// The latest rows, newest first (the capture screen).
    pub fn recent_intakes(&self, limit: usize) -> Result<Vec<Intake>> {
        self.read(|q| {
            q.rows(&format!("SELECT {COLUMNS} FROM intake ORDER BY id DESC LIMIT ?1"), params![limit as i64])?
                .iter()
                .map(intake_from)
                .collect()
        })
    }

    /// Every unsettled row, oldest first.
    pub fn unsettled_intakes(&self) -> Result<Vec<Intake>> {
        self.read(|q| {
            q.rows(&format!("SELECT {COLUMNS} FROM intake WHERE moved_to IS NULL ORDER BY id"), params![])?
                .iter()
                .map(intake_from)
                .collect()
        })
    }

    /// At start-up: captures found running were interrupted by a crash; they go back
    /// to `seen`, counted, so that a batch that keeps crashing Pli can be set aside.
    pub fn intake_mark_interrupted(&mut self) -> Result<usize> {
        let now = now_rfc3339();
        let n = self.write(|q| {
            q.exec(
                "UPDATE intake SET state = 'seen', interrupted = interrupted + 1, updated_at = ?1
                 WHERE state = 'ingesting' AND moved_to IS NULL",
                params![now],
            )
        })?;
        Ok(n as usize)
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
        let now = now_rfc3339();
        self.write(|q| q.exec(sql, params![id, text, now]))?;
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
                params![intake, committed.batch_id, now],
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
        args: &[&dyn Param],
        kind: EventKind,
        mut data: serde_json::Value,
        actor: &Actor,
    ) -> Result<()> {
        let now = now_rfc3339();
        self.write(|q| {
            q.exec(sql, args)?;
            let source: String = q.one("SELECT source_path FROM intake WHERE id = ?1", params![id])?;
            data["source"] = source.into();
            let event = NewEvent {
                actor: actor.login.clone(),
                workstation: actor.workstation.clone(),
                kind,
                courrier: None,
                data,
            };
            crate::append_event(q, &now, &event)?;
            Ok(())
        })
    }

    /// The original was moved to the archive or the quarantine: the row is settled.
    pub fn intake_moved(&mut self, id: i64, moved_to: &str) -> Result<()> {
        self.update_intake("UPDATE intake SET moved_to = ?2, updated_at = ?3 WHERE id = ?1", id, Some(moved_to))
    }

    /// Courriers made from a batch, in batch order.
    pub fn courriers_of_batch(&self, batch_id: i64) -> Result<Vec<i64>> {
        self.read(|q| {
            q.rows("SELECT id FROM courrier WHERE batch_id = ?1 ORDER BY seq_in_batch", params![batch_id])?
                .iter()
                .map(|r| r.get(0))
                .collect()
        })
    }

    /// Documents folders under `courriers/` that no committed batch owns: left by a
    /// capture interrupted before its commit. Only safe to remove while no capture runs.
    pub fn orphan_document_folders(&self) -> Result<Vec<std::path::PathBuf>> {
        let dir = self.data_dir.join(pli_core::capture::COURRIERS_DIR);
        let entries = std::fs::read_dir(&dir).map_err(|source| StoreError::Io { path: dir.clone(), source })?;
        let known = self.read(owned_folders)?;
        let mut orphans = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let relative = format!("{}/{name}", pli_core::capture::COURRIERS_DIR);
            if !known.contains(&relative) {
                orphans.push(entry.path());
            }
        }
        orphans.sort();
        Ok(orphans)
    }
}
