//! Split correction before registration: the operator merges, splits, moves, turns or
//! deletes pages; the courriers' PDFs and thumbnails are rebuilt under new names, then
//! the pages, the text index and the event are committed together, and only then are
//! the superseded files removed. A failure leaves the old documents in place.

use crate::db::{Q, params};
use crate::registry::Session;
use crate::{Result, Store, StoreError, now_rfc3339};
use pli_core::split::{DocumentComposer, PageRef, SplitEdit, apply};
use pli_core::{Action, EventKind};
use std::collections::BTreeSet;
use std::path::Path;

/// The pages of a courrier as the correction sees them.
pub(crate) fn page_refs(q: &mut Q<'_>, id: i64) -> Result<Vec<PageRef>> {
    let pdf: Option<String> = q
        .opt("SELECT pdf_path FROM courrier WHERE id = ?1", params![id])?
        .ok_or_else(|| StoreError::NotFound(format!("courrier {id} introuvable")))?
        .get(0)?;
    let pdf = pdf.unwrap_or_default();
    q.rows(
        "SELECT source_index, rotation, thumbnail_path, text, position FROM courrier_page WHERE courrier_id = ?1 ORDER BY position",
        params![id],
    )?
    .iter()
    .map(|r| {
        Ok(PageRef {
            source_index: r.get(0)?,
            rotation: r.get(1)?,
            pdf: pdf.clone(),
            pdf_page: r.get::<u32>(4)? + 1,
            thumbnail: r.get(2)?,
            text: r.get::<Option<String>>(3)?.unwrap_or_default(),
            turned_by: 0,
        })
    })
    .collect()
}

impl Store {
    /// Applies a split correction to courriers still to qualify. Returns the courriers
    /// changed, then the one created (for a split).
    pub fn edit_split(&mut self, s: &Session, edit: &SplitEdit, composer: &dyn DocumentComposer) -> Result<Vec<i64>> {
        // Only the mail room, only before registration, only visible courriers.
        let s = &self.current(s)?;
        let current = self.read(|q| {
            for id in edit.courriers() {
                let f = crate::registry::courrier_facts(q, id)?
                    .ok_or(StoreError::Refused(pli_core::Refusal::NotVisible))?;
                pli_core::workflow::next_state(&s.viewer, &f, Action::Register)?;
            }
            let mut current = std::collections::HashMap::new();
            for id in edit.courriers() {
                current.insert(id, page_refs(q, id)?);
            }
            Ok(current)
        })?;
        let result = apply(edit, |id| current.get(&id).cloned().unwrap_or_default()).map_err(StoreError::Invalid)?;
        let stamp = time::OffsetDateTime::now_utc().unix_timestamp_nanos();

        // New documents first, under names nobody uses yet.
        let mut written: Vec<String> = Vec::new();
        let data_dir = self.data_dir.clone();
        let cleanup = |files: &[String]| {
            for f in files {
                let _ = std::fs::remove_file(data_dir.join(f));
            }
        };
        let folder_of = |id: i64| -> Result<String> {
            let pdf: Option<String> = self.read(|q| {
                q.opt("SELECT pdf_path FROM courrier WHERE id = ?1", params![id])?
                    .ok_or_else(|| StoreError::NotFound(format!("courrier {id} introuvable")))?
                    .get(0)
            })?;
            let pdf =
                pdf.ok_or_else(|| StoreError::Invalid(format!("le courrier {id} n'a pas de pages numérisées")))?;
            Ok(pdf.rsplit_once('/').map(|(dir, _)| dir.to_string()).unwrap_or_default())
        };
        let mut plans: Vec<(Option<i64>, Vec<PageRef>, Option<String>)> = Vec::new();
        let all = result
            .changed
            .iter()
            .map(|(id, p)| (Some(*id), p.clone()))
            .chain(result.created.iter().map(|p| (None, p.clone())));
        for (id, mut pages) in all {
            if pages.is_empty() {
                plans.push((id, pages, None));
                continue;
            }
            let folder = folder_of(id.unwrap_or_else(|| edit.courriers()[0]))?;
            for (i, p) in pages.iter_mut().enumerate() {
                if p.turned_by != 0 {
                    let out = format!("{folder}/page-{stamp}-{i:03}.jpg");
                    if let Err(e) = composer.turn_thumbnail(&self.data_dir, &p.thumbnail, p.turned_by, &out) {
                        cleanup(&written);
                        return Err(StoreError::Invalid(format!("vignette : {e}")));
                    }
                    written.push(out.clone());
                    p.thumbnail = out;
                }
            }
            let pdf = format!("{folder}/courrier-{stamp}-{}.pdf", id.map_or("nouveau".to_string(), |i| i.to_string()));
            if let Err(e) = composer.compose_pdf(&self.data_dir, &pages, &pdf) {
                cleanup(&written);
                return Err(StoreError::Invalid(format!("PDF : {e}")));
            }
            written.push(pdf.clone());
            plans.push((id, pages, Some(pdf)));
        }
        let superseded: BTreeSet<String> = current
            .values()
            .flat_map(|pages| pages.iter().flat_map(|p| [p.pdf.clone(), p.thumbnail.clone()]))
            .collect();

        // The new documents are the mail room's only, like those of capture.
        if let Err(source) =
            written.iter().try_for_each(|f| crate::private::tighten_tree(&self.data_dir.join(f)).map(drop))
        {
            cleanup(&written);
            return Err(StoreError::Io { path: self.data_dir.clone(), source });
        }
        // The new documents are on disk before the commit that points at them, and the
        // commit is durable (SQLite's synchronous = FULL; PostgreSQL's commit returns once
        // flushed) before the old ones are removed.
        if let Err(source) = sync_written(&self.data_dir, &written) {
            cleanup(&written);
            return Err(StoreError::Io { path: self.data_dir.clone(), source });
        }
        let committed = self.commit_split(s, edit, &plans);
        match committed {
            Ok(ids) => {
                // Files still referenced (a thumbnail of an unturned page) are kept.
                for file in superseded {
                    if !self.file_referenced(&file)? {
                        let _ = std::fs::remove_file(self.data_dir.join(&file));
                    }
                }
                Ok(ids)
            }
            Err(e) => {
                cleanup(&written);
                Err(e)
            }
        }
    }

    fn file_referenced(&self, file: &str) -> Result<bool> {
        self.read(|q| {
            q.one(
                "SELECT EXISTS (SELECT 1 FROM courrier WHERE pdf_path = ?1) OR EXISTS (SELECT 1 FROM courrier_page WHERE thumbnail_path = ?1)",
                params![file],
            )
        })
    }

    fn commit_split(
        &mut self,
        s: &Session,
        edit: &SplitEdit,
        plans: &[(Option<i64>, Vec<PageRef>, Option<String>)],
    ) -> Result<Vec<i64>> {
        self.write(|q| {
            // Checked again inside the transaction: the rights may have changed meanwhile.
            let s = &crate::org::current_session_q(q, s)?;
            for id in edit.courriers() {
                let f = crate::registry::courrier_facts(q, id)?.ok_or(StoreError::Refused(pli_core::Refusal::NotVisible))?;
                pli_core::workflow::next_state(&s.viewer, &f, Action::Register)?;
            }
            let now = now_rfc3339();
            let first = edit.courriers()[0];
            let mut ids = Vec::new();
            for (id, pages, pdf) in plans {
                let id = match id {
                    Some(id) => *id,
                    None => {
                        // A split: the new courrier follows its parent in the same batch.
                        q.insert(
                            "INSERT INTO courrier (batch_id, seq_in_batch, separator, direction_hint, pdf_path, created_at)
                             SELECT batch_id, (SELECT max(seq_in_batch) + 1 FROM courrier WHERE batch_id = p.batch_id), NULL,
                                    direction_hint, ?2, ?3
                             FROM courrier p WHERE p.id = ?1 RETURNING id",
                            params![first, pdf, now],
                        )?
                    }
                };
                q.exec("DELETE FROM courrier_page WHERE courrier_id = ?1", params![id])?;
                q.exec("DELETE FROM courrier_text WHERE rowid = ?1", params![id])?;
                if pages.is_empty() {
                    let why = match edit {
                        SplitEdit::Merge { into, .. } => format!("fusionné dans le courrier {into}"),
                        _ => "plus aucune page".to_string(),
                    };
                    q.exec("UPDATE courrier SET withdrawn = ?2 WHERE id = ?1", params![id, why])?;
                } else {
                    for (pos, p) in pages.iter().enumerate() {
                        q.exec(
                            "INSERT INTO courrier_page (courrier_id, position, source_index, rotation, ocr_confidence, thumbnail_path, text)
                             VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6)",
                            params![id, pos as i64, p.source_index as i64, p.rotation, p.thumbnail, p.text],
                        )?;
                    }
                    let text = pages.iter().map(|p| p.text.as_str()).collect::<Vec<_>>().join("\n\n");
                    q.exec("INSERT INTO courrier_text (rowid, text) VALUES (?1, ?2)", params![id, text])?;
                    q.exec("UPDATE courrier SET pdf_path = ?2 WHERE id = ?1", params![id, pdf])?;
                }
                let data = serde_json::json!({
                    "correction": edit,
                    "pages": pages.iter().map(|p| p.source_index).collect::<Vec<_>>(),
                    "rotations": pages.iter().map(|p| p.rotation).collect::<Vec<_>>(),
                });
                crate::append_event(q, &now, &s.event(EventKind::SplitCorrected, Some(id), data))?;
                ids.push(id);
            }
            Ok(ids)
        })
    }
}

/// Syncs the files written for a correction, then their folders (their new names).
fn sync_written(data_dir: &Path, files: &[String]) -> std::io::Result<()> {
    let mut folders = BTreeSet::new();
    for f in files {
        let path = data_dir.join(f);
        std::fs::File::open(&path)?.sync_all()?;
        folders.extend(path.parent().map(Path::to_path_buf));
    }
    #[cfg(unix)]
    for folder in folders {
        std::fs::File::open(folder)?.sync_all()?;
    }
    Ok(())
}
