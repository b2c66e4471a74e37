//! Correcting a batch's split before registration: merge two courriers, split one at a
//! page, move a page from one to another, turn a page, delete a page. Pure page-list
//! arithmetic here; the store applies it, and a [`DocumentComposer`] rebuilds the
//! searchable PDFs and thumbnails.

use serde::{Deserialize, Serialize};

/// A correction, pages counted from 0 within their courrier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "edit", rename_all = "snake_case")]
pub enum SplitEdit {
    /// `from`'s pages are appended to `into`; `from` is withdrawn.
    Merge { into: i64, from: i64 },
    /// Pages from `position` on become a new courrier.
    SplitAt { courrier: i64, position: usize },
    /// A page goes to another courrier, at `to_position` (its end if beyond).
    MovePage { from: i64, position: usize, to: i64, to_position: usize },
    /// Turned clockwise by a quarter turn, `quarter_turns` times.
    Rotate { courrier: i64, position: usize, quarter_turns: u8 },
    /// Left out of the courrier (the batch's original keeps it).
    DeletePage { courrier: i64, position: usize },
}

impl SplitEdit {
    /// The existing courriers it changes.
    pub fn courriers(&self) -> Vec<i64> {
        match *self {
            SplitEdit::Merge { into, from } => vec![into, from],
            SplitEdit::MovePage { from, to, .. } => vec![from, to],
            SplitEdit::SplitAt { courrier, .. }
            | SplitEdit::Rotate { courrier, .. }
            | SplitEdit::DeletePage { courrier, .. } => {
                vec![courrier]
            }
        }
    }
}

/// A page of a courrier as the correction sees it: where its image lives now, and how
/// it must be turned in the new document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRef {
    pub source_index: usize,
    /// Degrees clockwise, as shown (0, 90, 180, 270).
    pub rotation: u32,
    /// The PDF that holds it now (relative to the data folder) and its page there (from 1).
    pub pdf: String,
    pub pdf_page: u32,
    pub thumbnail: String,
    pub text: String,
    /// Turned by this correction (its thumbnail must be redone).
    pub turned_by: u32,
}

/// What an edit makes of the pages: the new page list of each courrier it changes
/// (empty: withdrawn), and the pages of a courrier to create (a split), in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitResult {
    pub changed: Vec<(i64, Vec<PageRef>)>,
    pub created: Option<Vec<PageRef>>,
}

/// Applies an edit to the current pages (`pages(id)` gives a courrier's); an error
/// names what is wrong in plain French.
pub fn apply(edit: &SplitEdit, pages: impl Fn(i64) -> Vec<PageRef>) -> Result<SplitResult, String> {
    let page_missing =
        |id: i64, position: usize, n: usize| format!("le courrier {id} n'a pas de page {} (il en a {n})", position + 1);
    match *edit {
        SplitEdit::Merge { into, from } => {
            if into == from {
                return Err("un courrier ne peut pas être fusionné avec lui-même".into());
            }
            let mut a = pages(into);
            a.extend(pages(from));
            Ok(SplitResult { changed: vec![(into, a), (from, vec![])], created: None })
        }
        SplitEdit::SplitAt { courrier, position } => {
            let mut a = pages(courrier);
            if position == 0 || position >= a.len() {
                return Err(format!(
                    "coupure impossible avant la page {} d'un courrier de {} page(s)",
                    position + 1,
                    a.len()
                ));
            }
            let b = a.split_off(position);
            Ok(SplitResult { changed: vec![(courrier, a)], created: Some(b) })
        }
        SplitEdit::MovePage { from, position, to, to_position } => {
            if from == to {
                let mut a = pages(from);
                if position >= a.len() {
                    return Err(page_missing(from, position, a.len()));
                }
                let p = a.remove(position);
                a.insert(to_position.min(a.len()), p);
                return Ok(SplitResult { changed: vec![(from, a)], created: None });
            }
            let (mut a, mut b) = (pages(from), pages(to));
            if position >= a.len() {
                return Err(page_missing(from, position, a.len()));
            }
            let p = a.remove(position);
            b.insert(to_position.min(b.len()), p);
            Ok(SplitResult { changed: vec![(from, a), (to, b)], created: None })
        }
        SplitEdit::Rotate { courrier, position, quarter_turns } => {
            let mut a = pages(courrier);
            let n = a.len();
            let p = a.get_mut(position).ok_or_else(|| page_missing(courrier, position, n))?;
            let turn = 90 * (quarter_turns as u32 % 4);
            p.rotation = (p.rotation + turn) % 360;
            p.turned_by = (p.turned_by + turn) % 360;
            Ok(SplitResult { changed: vec![(courrier, a)], created: None })
        }
        SplitEdit::DeletePage { courrier, position } => {
            let mut a = pages(courrier);
            if position >= a.len() {
                return Err(page_missing(courrier, position, a.len()));
            }
            a.remove(position);
            Ok(SplitResult { changed: vec![(courrier, a)], created: None })
        }
    }
}

/// Builds the documents of a corrected courrier. Implemented by capture (which knows
/// PDFs and images); the store calls it before it commits.
pub trait DocumentComposer {
    /// Writes a PDF made of these pages, in order, each turned to its `rotation`, to
    /// `out` (relative to the data folder).
    fn compose_pdf(&self, data_dir: &std::path::Path, pages: &[PageRef], out: &str) -> Result<(), String>;
    /// Writes the thumbnail of a page turned by `turn` degrees clockwise to `out`.
    fn turn_thumbnail(&self, data_dir: &std::path::Path, thumbnail: &str, turn: u32, out: &str) -> Result<(), String>;
}

/// A page put back after capture dropped it as blank, once recognised: its one-page
/// searchable PDF and what OCR read.
#[derive(Debug, Clone, PartialEq)]
pub struct RecognisedPage {
    /// Degrees clockwise that make the page upright (0, 90, 180, 270).
    pub rotation: u32,
    pub confidence: f32,
    pub text: String,
}

/// OCRs a kept page so that, once put back, search finds its words. Implemented by
/// capture (which owns Tesseract); the store calls it before it commits.
pub trait PageRecogniser {
    /// Reads the one-page PDF `kept` (relative to the data folder), turns the page
    /// upright and writes it with its text layer to `out_pdf`, its thumbnail to
    /// `out_thumbnail`.
    fn recognise_kept_page(
        &self,
        data_dir: &std::path::Path,
        kept: &str,
        out_pdf: &str,
        out_thumbnail: &str,
    ) -> Result<RecognisedPage, String>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(i: usize) -> PageRef {
        PageRef {
            source_index: i,
            rotation: 0,
            pdf: "x.pdf".into(),
            pdf_page: i as u32 + 1,
            thumbnail: String::new(),
            text: format!("p{i}"),
            turned_by: 0,
        }
    }

    fn book(id: i64) -> Vec<PageRef> {
        match id {
            1 => vec![page(0), page(1), page(2)],
            2 => vec![page(4)],
            _ => vec![],
        }
    }

    fn indices(pages: &[PageRef]) -> Vec<usize> {
        pages.iter().map(|p| p.source_index).collect()
    }

    #[test]
    fn merge_split_move_rotate_delete() {
        let r = apply(&SplitEdit::Merge { into: 2, from: 1 }, book).unwrap();
        assert_eq!((indices(&r.changed[0].1), r.changed[1].1.len()), (vec![4, 0, 1, 2], 0));
        let r = apply(&SplitEdit::SplitAt { courrier: 1, position: 1 }, book).unwrap();
        assert_eq!((indices(&r.changed[0].1), indices(r.created.as_ref().unwrap())), (vec![0], vec![1, 2]));
        let r = apply(&SplitEdit::MovePage { from: 1, position: 2, to: 2, to_position: 0 }, book).unwrap();
        assert_eq!((indices(&r.changed[0].1), indices(&r.changed[1].1)), (vec![0, 1], vec![2, 4]));
        let r = apply(&SplitEdit::MovePage { from: 1, position: 0, to: 1, to_position: 9 }, book).unwrap();
        assert_eq!(indices(&r.changed[0].1), vec![1, 2, 0]);
        let r = apply(&SplitEdit::Rotate { courrier: 1, position: 1, quarter_turns: 3 }, book).unwrap();
        assert_eq!((r.changed[0].1[1].rotation, r.changed[0].1[1].turned_by), (270, 270));
        let r = apply(&SplitEdit::DeletePage { courrier: 1, position: 0 }, book).unwrap();
        assert_eq!(indices(&r.changed[0].1), vec![1, 2]);
    }

    #[test]
    fn impossible_edits_say_why() {
        assert!(apply(&SplitEdit::Merge { into: 1, from: 1 }, book).unwrap_err().contains("lui-même"));
        assert!(apply(&SplitEdit::SplitAt { courrier: 1, position: 0 }, book).is_err());
        assert!(apply(&SplitEdit::SplitAt { courrier: 2, position: 1 }, book).is_err());
        assert!(apply(&SplitEdit::DeletePage { courrier: 2, position: 3 }, book).unwrap_err().contains("page 4"));
    }
}
