//! Batches delivered by scanner workstations to the shared registry (`pli serve`): OCR
//! stays on the workstation, what it made is sent and recorded here exactly once, keyed
//! by the id fixed at capture (the SHA-256 of the batch's original). A delivery that
//! arrives again — the workstation never heard the answer, the server was restarted —
//! gets the first one's answer and writes nothing.

use crate::{Result, Store, StoreError, insert_batch, now_rfc3339, params};
use pli_core::capture::{
    Actor, BatchPageRecord, CommittedBatch, KeptPage, NewBatch, NewCourrier, NewCourrierPage, PageRole,
};

/// The batch of a delivery, as the workstation sends it (`POST /deliveries/<capture id>`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Delivery {
    /// The batch as the workstation recorded it; its paths start with `batch.folder`.
    pub batch: NewBatch,
    /// Every file of the batch's folder, by path relative to that folder: its SHA-256.
    pub files: std::collections::BTreeMap<String, String>,
    /// Who scanned it, at which workstation (the operator signed in there).
    pub operator: String,
    pub workstation: String,
}

/// The server's answer: the batch and courriers as recorded there.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Delivered {
    pub batch_id: i64,
    pub courrier_ids: Vec<i64>,
    /// False when it had been recorded before (this sending was a repeat).
    pub recorded_now: bool,
}

/// A batch captured on this workstation, as it is sent to the server.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub batch_id: i64,
    pub batch: NewBatch,
    /// Who scanned it, where (its `batch_ingested` event).
    pub captured_by: Actor,
}

impl Store {
    /// What a delivery already recorded: its batch and courriers.
    pub fn delivered(&self, capture_id: &str) -> Result<Option<CommittedBatch>> {
        self.read(|q| delivered_q(q, capture_id))
    }

    /// Records a delivered batch, whose documents are already in `batch.folder`, as
    /// captured by `captured_by` (the operator at the workstation) and delivered by
    /// `delivered_by`, in one transaction with its events; or, when `capture_id` was
    /// delivered before, that delivery's answer, writing nothing. The second element
    /// says whether this call recorded it.
    pub fn commit_delivery(
        &mut self,
        capture_id: &str,
        batch: &NewBatch,
        captured_by: &Actor,
        delivered_by: &str,
    ) -> Result<(CommittedBatch, bool)> {
        let now = now_rfc3339();
        crate::private::tighten_tree(&self.data_dir.join(&batch.folder))
            .map_err(|source| StoreError::Io { path: self.data_dir.join(&batch.folder), source })?;
        let data_dir = self.data_dir.clone();
        self.write(|q| {
            // Under the writers' lock: two deliveries of one batch at once record it once.
            if let Some(done) = delivered_q(q, capture_id)? {
                return Ok((done, false));
            }
            let committed = insert_batch(q, &data_dir, batch, captured_by, &now)?;
            q.exec(
                "INSERT INTO delivery (capture_id, batch_id, workstation, delivered_by, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![capture_id, committed.batch_id, captured_by.workstation, delivered_by, now],
            )?;
            Ok((committed, true))
        })
    }
}

fn delivered_q(q: &mut crate::db::Q<'_>, capture_id: &str) -> Result<Option<CommittedBatch>> {
    let Some(r) = q.opt("SELECT batch_id FROM delivery WHERE capture_id = ?1", params![capture_id])? else {
        return Ok(None);
    };
    let batch_id: i64 = r.get(0)?;
    let courrier_ids = q
        .rows("SELECT id FROM courrier WHERE batch_id = ?1 ORDER BY seq_in_batch", params![batch_id])?
        .iter()
        .map(|r| r.get(0))
        .collect::<Result<Vec<i64>>>()?;
    Ok(Some(CommittedBatch { batch_id, courrier_ids }))
}

impl Store {
    /// The outbox of a connected workstation: batches captured here that the server has not
    /// acknowledged, oldest first.
    pub fn outbox(&self) -> Result<Vec<i64>> {
        self.read(|q| {
            q.rows("SELECT id FROM batch WHERE id NOT IN (SELECT batch_id FROM sent_batch) ORDER BY id", params![])?
                .iter()
                .map(|r| r.get(0))
                .collect()
        })
    }

    /// A captured batch as recorded here, to be sent: its pages' fates, its courriers (those
    /// not withdrawn by a correction) with their pages and text, and who scanned it.
    pub fn outgoing(&self, batch_id: i64) -> Result<Outgoing> {
        self.read(|q| {
            let r = q
                .opt("SELECT source_path, content_hash, profile, folder FROM batch WHERE id = ?1", params![batch_id])?
                .ok_or_else(|| StoreError::NotFound(format!("lot n° {batch_id} inconnu")))?;
            let (source_path, content_hash, profile, folder): (String, String, String, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            let mut pages = Vec::new();
            for r in q.rows(
                "SELECT source_index, role, detail, kept_pdf, kept_thumbnail FROM batch_page
                 WHERE batch_id = ?1 ORDER BY source_index",
                params![batch_id],
            )? {
                let role = match r.get::<String>(1)?.as_str() {
                    "separator" => PageRole::Separator,
                    "blank" => PageRole::Blank,
                    _ => PageRole::Content,
                };
                let kept = match (r.get::<Option<String>>(3)?, r.get::<Option<String>>(4)?) {
                    (Some(pdf_path), Some(thumbnail_path)) => Some(KeptPage { pdf_path, thumbnail_path }),
                    _ => None,
                };
                pages.push(BatchPageRecord { source_index: r.get::<i64>(0)? as usize, role, detail: r.get(2)?, kept });
            }
            let mut courriers = Vec::new();
            for r in q.rows(
                "SELECT id, separator, direction_hint, pdf_path FROM courrier
                 WHERE batch_id = ?1 AND withdrawn IS NULL ORDER BY seq_in_batch",
                params![batch_id],
            )? {
                let id: i64 = r.get(0)?;
                let text: String = match q.opt("SELECT text FROM courrier_text WHERE rowid = ?1", params![id])? {
                    Some(t) => t.get(0)?,
                    None => String::new(),
                };
                let pages = q
                    .rows(
                        "SELECT source_index, rotation, ocr_confidence, thumbnail_path, text FROM courrier_page
                         WHERE courrier_id = ?1 ORDER BY position",
                        params![id],
                    )?
                    .iter()
                    .map(|p| {
                        Ok(NewCourrierPage {
                            source_index: p.get::<i64>(0)? as usize,
                            rotation_degrees: p.get::<i64>(1)? as u32,
                            ocr_confidence: p.get::<f64>(2)? as f32,
                            thumbnail_path: p.get(3)?,
                            text: p.get::<Option<String>>(4)?.unwrap_or_default(),
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                courriers.push(NewCourrier {
                    separator: r.get(1)?,
                    direction: r.get(2)?,
                    pdf_path: r.get::<Option<String>>(3)?.unwrap_or_default(),
                    text,
                    pages,
                });
            }
            // Who scanned it: its `batch_ingested` event (few: one per batch).
            let mut captured_by = Actor { login: "capture".into(), workstation: String::new() };
            for e in q.rows("SELECT actor, workstation, data FROM event WHERE kind = 'batch_ingested'", params![])? {
                let data: serde_json::Value = serde_json::from_str(&e.get::<String>(2)?).unwrap_or_default();
                if data["batch"].as_i64() == Some(batch_id) {
                    captured_by = Actor { login: e.get(0)?, workstation: e.get(1)? };
                }
            }
            let batch = NewBatch { source_path, content_hash, profile, folder, pages, courriers };
            Ok(Outgoing { batch_id, batch, captured_by })
        })
    }

    /// Batches the server acknowledged: this workstation's batch id, the server's.
    pub fn sent_batches(&self) -> Result<std::collections::HashMap<i64, i64>> {
        self.read(|q| {
            q.rows("SELECT batch_id, server_batch_id FROM sent_batch", params![])?
                .iter()
                .map(|r| Ok((r.get(0)?, r.get(1)?)))
                .collect()
        })
    }

    /// The server acknowledged this batch (as its batch `server_batch_id`): out of the outbox.
    pub fn mark_sent(&mut self, batch_id: i64, server_batch_id: i64) -> Result<()> {
        let now = now_rfc3339();
        self.write_unchained(|q| {
            q.exec(
                "INSERT INTO sent_batch (batch_id, server_batch_id, sent_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (batch_id) DO NOTHING",
                params![batch_id, server_batch_id, now],
            )
            .map(drop)
        })
    }
}
