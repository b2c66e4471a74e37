//! Pages capture dropped as blank: listed with the batch, and put back by the mail room
//! into a courrier of the same batch not yet registered. The page is OCRed (so search
//! finds its words), the courrier's PDF is recomposed under a new name, then its pages,
//! text, the page's role and the `page_restored` event are committed together; the
//! superseded PDF is removed only after. A failure leaves everything as it was.

use crate::db::params;
use crate::registry::Session;
use crate::split::page_refs;
use crate::{Result, Store, StoreError, now_rfc3339};
use pli_core::split::{DocumentComposer, PageRecogniser, PageRef};
use pli_core::{Action, CourrierFacts, CourrierState, EventKind, Refusal, Role};
use serde::Serialize;

/// A page of a batch that capture dropped as blank.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
pub struct DroppedPage {
    pub batch: i64,
    /// Its index in the batch as scanned, from 0.
    pub source_index: usize,
    /// Its share of ink, as measured by capture (e.g. `0.00012`).
    pub ink_ratio: Option<String>,
    /// Its kept image and thumbnail (relative to the data folder); none for a page
    /// dropped before Pli kept them (the batch's original still has it).
    pub pdf: Option<String>,
    pub thumbnail: Option<String>,
}

/// Where a page was put back.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct Restored {
    pub courrier: i64,
    /// Its position in the courrier, from 0.
    pub position: usize,
    /// The page made a new courrier (no courrier of its letter was left).
    pub created: bool,
}

/// A courrier and a position in it (from 0).
type Place = (i64, usize);

/// A courrier's facts as the split-correction rule sees a courrier about to be made.
fn new_courrier_facts() -> CourrierFacts {
    CourrierFacts {
        state: CourrierState::ToQualify,
        main_direction: None,
        copies: vec![],
        confidential: false,
        assignee: None,
    }
}

impl Store {
    /// The same rule as split correction: the mail room, before registration.
    fn may_correct_split(&self, s: &Session, courrier: Option<i64>) -> Result<()> {
        // Said first in the words of this action (a courrier to be made is not visible
        // to anyone outside the mail room, which would say less).
        if !(s.viewer.has(Role::Operator) || s.viewer.has(Role::Lead)) {
            let why = "réservé au service courrier";
            return Err(Refusal::NotAllowed { action: "remettre une page écartée dans", why }.into());
        }
        let f = match courrier {
            Some(id) => self
                .read(|q| crate::registry::courrier_facts(q, id))?
                .ok_or(StoreError::Refused(Refusal::NotVisible))?,
            None => new_courrier_facts(),
        };
        pli_core::workflow::next_state(&s.viewer, &f, Action::Register)?;
        Ok(())
    }

    /// The pages of a batch dropped as blank (and not put back), in scan order. Only
    /// for those who may correct a split: a dropped page is not a courrier yet, and
    /// nobody else's screen shows it.
    pub fn dropped_pages(&self, s: &Session, batch: i64) -> Result<Vec<DroppedPage>> {
        self.may_correct_split(s, None)?;
        self.batch_source(batch)?;
        self.read(|q| {
            q.rows(
                "SELECT source_index, detail, kept_pdf, kept_thumbnail FROM batch_page
                 WHERE batch_id = ?1 AND role = 'blank' ORDER BY source_index",
                params![batch],
            )?
            .iter()
            .map(|r| {
                Ok(DroppedPage {
                    batch,
                    source_index: r.get(0)?,
                    ink_ratio: r.get(1)?,
                    pdf: r.get(2)?,
                    thumbnail: r.get(3)?,
                })
            })
            .collect()
        })
    }

    /// Where a page goes back by default: after the page before it in the batch, or
    /// before the page after it, within its letter (between its separators). None when
    /// no page of its letter is in a live courrier: it makes a new one, which carries
    /// the separator before it.
    fn default_place(&self, batch: i64, index: usize) -> Result<(Option<Place>, Option<String>)> {
        let pages: Vec<(usize, String, Option<String>, Option<Place>)> = self.read(|q| {
            q.rows(
                "SELECT b.source_index, b.role, b.detail,
                        (SELECT p.courrier_id FROM courrier_page p JOIN courrier c ON c.id = p.courrier_id
                         WHERE c.batch_id = b.batch_id AND c.withdrawn IS NULL AND p.source_index = b.source_index),
                        (SELECT p.position FROM courrier_page p JOIN courrier c ON c.id = p.courrier_id
                         WHERE c.batch_id = b.batch_id AND c.withdrawn IS NULL AND p.source_index = b.source_index)
                 FROM batch_page b WHERE b.batch_id = ?1 ORDER BY b.source_index",
                params![batch],
            )?
            .iter()
            .map(|r| {
                let at = match (r.get::<Option<i64>>(3)?, r.get::<Option<usize>>(4)?) {
                    (Some(c), Some(p)) => Some((c, p)),
                    _ => None,
                };
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, at))
            })
            .collect()
        })?;
        let Some(me) = pages.iter().position(|p| p.0 == index) else { return Ok((None, None)) };
        let mut separator = None;
        for (_, role, detail, at) in pages[..me].iter().rev() {
            if role == "separator" {
                separator = detail.clone();
                break;
            }
            if let Some((c, pos)) = at {
                return Ok((Some((*c, pos + 1)), None));
            }
        }
        for (_, role, _, at) in &pages[me + 1..] {
            if role == "separator" {
                break;
            }
            if let Some(at) = at {
                return Ok((Some(*at), None));
            }
        }
        Ok((None, separator))
    }

    /// Puts back page `index` (from 0) of `batch`, dropped as blank by capture: into
    /// `into` (a courrier of the same batch still to qualify) at `at` (from 0; by
    /// default after the page that preceded it in the batch), or where it belongs when
    /// `into` is none; into a new courrier when no courrier of its letter is left.
    #[allow(clippy::too_many_arguments)]
    pub fn restore_dropped_page(
        &mut self,
        s: &Session,
        batch: i64,
        index: usize,
        into: Option<i64>,
        at: Option<usize>,
        recogniser: &dyn PageRecogniser,
        composer: &dyn DocumentComposer,
    ) -> Result<Restored> {
        let page = || format!("la page {} du lot n° {batch}", index + 1);
        let (folder, row): (Option<String>, Option<(String, Option<String>)>) = self.read(|q| {
            let folder =
                q.opt("SELECT folder FROM batch WHERE id = ?1", params![batch])?.map(|r| r.get(0)).transpose()?;
            let row = q
                .opt(
                    "SELECT role, kept_pdf FROM batch_page WHERE batch_id = ?1 AND source_index = ?2",
                    params![batch, index as i64],
                )?
                .map(|r| Ok::<_, StoreError>((r.get(0)?, r.get(1)?)))
                .transpose()?;
            Ok((folder, row))
        })?;
        let folder = folder.ok_or_else(|| StoreError::NotFound(format!("lot n° {batch} introuvable")))?;
        let Some((role, kept)) = row else {
            return Err(StoreError::NotFound(format!("le lot n° {batch} n'a pas de page {}", index + 1)));
        };
        if role != "blank" {
            return Err(StoreError::Invalid(format!("{} n'est pas une page écartée (elle est « {role} »)", page())));
        }
        let kept = kept.ok_or_else(|| {
            StoreError::Invalid(format!(
                "{} a été écartée avant que Pli garde les pages écartées : elle n'est que dans l'original du lot",
                page()
            ))
        })?;
        self.may_correct_split(s, None)?;
        let (target, separator, default_at) = match into {
            Some(id) => {
                self.may_correct_split(s, Some(id))?;
                let of: Option<i64> = self.read(|q| {
                    q.opt("SELECT batch_id FROM courrier WHERE id = ?1", params![id])?
                        .ok_or_else(|| StoreError::NotFound(format!("courrier {id} introuvable")))?
                        .get(0)
                })?;
                if of != Some(batch) {
                    return Err(StoreError::Invalid(format!("le courrier {id} n'est pas du lot n° {batch}")));
                }
                (Some(id), None, None)
            }
            None => match self.default_place(batch, index)? {
                (Some((id, pos)), _) => {
                    self.may_correct_split(s, Some(id))?;
                    (Some(id), None, Some(pos))
                }
                (None, separator) => (None, separator, None),
            },
        };
        let mut pages = match target {
            Some(id) => self.read(|q| page_refs(q, id))?,
            None => vec![],
        };
        // A named courrier without a position: after its last page scanned before this one.
        let position = at
            .or(default_at)
            .unwrap_or_else(|| pages.iter().filter(|p| p.source_index < index).count())
            .min(pages.len());

        // New documents first, under names nobody uses yet.
        let stamp = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
        let dir = format!("{folder}/{}", pli_core::capture::DROPPED_DIR);
        let (ocr_pdf, thumbnail) =
            (format!("{dir}/restored-{index:04}-{stamp}.pdf"), format!("{dir}/restored-{index:04}-{stamp}.jpg"));
        let data_dir = self.data_dir.clone();
        let remove = |files: &[&str]| {
            for f in files {
                let _ = std::fs::remove_file(data_dir.join(f));
            }
        };
        let read = recogniser.recognise_kept_page(&self.data_dir, &kept, &ocr_pdf, &thumbnail).map_err(|e| {
            remove(&[&ocr_pdf, &thumbnail]);
            StoreError::Invalid(format!("{} : {e}", page()))
        })?;
        let restored = PageRef {
            source_index: index,
            rotation: read.rotation,
            pdf: ocr_pdf.clone(),
            pdf_page: 1,
            thumbnail: thumbnail.clone(),
            text: read.text.clone(),
            turned_by: 0,
        };
        let superseded = pages.first().map(|p| p.pdf.clone());
        pages.insert(position, restored);
        let pdf = match &superseded {
            Some(old) => {
                let dir = old.rsplit_once('/').map(|(d, _)| d).unwrap_or(&folder);
                format!("{dir}/courrier-{stamp}-{}.pdf", target.unwrap_or_default())
            }
            None => format!("{folder}/courrier-{stamp}-remise-{index:04}.pdf"),
        };
        if let Err(e) = composer.compose_pdf(&self.data_dir, &pages, &pdf) {
            remove(&[&ocr_pdf, &thumbnail, &pdf]);
            return Err(StoreError::Invalid(format!("PDF : {e}")));
        }
        remove(&[&ocr_pdf]); // its page is now in the courrier's PDF
        // The new files are on disk before the commit that points at them.
        let synced = [&thumbnail, &pdf].iter().try_for_each(|f| std::fs::File::open(data_dir.join(f))?.sync_all());
        if let Err(source) = synced {
            remove(&[&thumbnail, &pdf]);
            return Err(StoreError::Io { path: data_dir.join(&pdf), source });
        }

        let committed = self.commit_restore(s, batch, index, target, separator, position, &pages, &read, &pdf);
        match committed {
            Ok(restored) => {
                if let Some(old) = superseded
                    && !self.pdf_referenced(&old)?
                {
                    let _ = std::fs::remove_file(self.data_dir.join(old));
                }
                Ok(restored)
            }
            Err(e) => {
                remove(&[&thumbnail, &pdf]);
                Err(e)
            }
        }
    }

    fn pdf_referenced(&self, file: &str) -> Result<bool> {
        self.read(|q| q.one("SELECT EXISTS (SELECT 1 FROM courrier WHERE pdf_path = ?1)", params![file]))
    }

    #[allow(clippy::too_many_arguments)]
    fn commit_restore(
        &mut self,
        s: &Session,
        batch: i64,
        index: usize,
        target: Option<i64>,
        separator: Option<String>,
        position: usize,
        pages: &[PageRef],
        read: &pli_core::split::RecognisedPage,
        pdf: &str,
    ) -> Result<Restored> {
        self.write(|q| {
            let now = now_rfc3339();
            // Checked again inside the transaction: the courrier may have been registered,
            // or the page put back, since.
            let f = match target {
                Some(id) => crate::registry::courrier_facts(q, id)?.ok_or(StoreError::Refused(Refusal::NotVisible))?,
                None => new_courrier_facts(),
            };
            pli_core::workflow::next_state(&s.viewer, &f, Action::Register)?;
            let changed = q.exec(
                "UPDATE batch_page SET role = 'content' WHERE batch_id = ?1 AND source_index = ?2 AND role = 'blank'",
                params![batch, index as i64],
            )?;
            if changed != 1 {
                return Err(StoreError::Invalid(format!("la page {} du lot n° {batch} a déjà été remise", index + 1)));
            }
            let id = match target {
                Some(id) => {
                    // Pages from `position` on move one down (through negative numbers: the
                    // key (courrier, position) must stay unique at every row).
                    q.exec(
                        "UPDATE courrier_page SET position = -position - 2 WHERE courrier_id = ?1 AND position >= ?2",
                        params![id, position as i64],
                    )?;
                    q.exec(
                        "UPDATE courrier_page SET position = -position - 1 WHERE courrier_id = ?1 AND position < 0",
                        params![id],
                    )?;
                    q.exec("UPDATE courrier SET pdf_path = ?2 WHERE id = ?1", params![id, pdf])?;
                    id
                }
                None => q.insert(
                    "INSERT INTO courrier (batch_id, seq_in_batch, separator, direction_hint, pdf_path, created_at)
                     VALUES (?1, (SELECT coalesce(max(seq_in_batch) + 1, 0) FROM courrier WHERE batch_id = ?1),
                             ?2, NULL, ?3, ?4) RETURNING id",
                    params![batch, separator, pdf, now],
                )?,
            };
            let p = &pages[position];
            q.exec(
                "INSERT INTO courrier_page (courrier_id, position, source_index, rotation, ocr_confidence, thumbnail_path, text)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![id, position as i64, index as i64, p.rotation, read.confidence, p.thumbnail, p.text],
            )?;
            let text = pages.iter().map(|p| p.text.as_str()).collect::<Vec<_>>().join("\n\n");
            q.exec("DELETE FROM courrier_text WHERE rowid = ?1", params![id])?;
            q.exec("INSERT INTO courrier_text (rowid, text) VALUES (?1, ?2)", params![id, text])?;
            let data = serde_json::json!({
                "batch": batch,
                "page": index,
                "position": position,
                "created": target.is_none(),
                "rotation": p.rotation,
            });
            crate::append_event(q, &now, &s.event(EventKind::PageRestored, Some(id), data))?;
            Ok(Restored { courrier: id, position, created: target.is_none() })
        })
    }
}
