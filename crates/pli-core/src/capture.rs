//! What capture hands to the store: a batch whose documents are written, ready to be
//! recorded in one transaction, and the trait a store implements to take it.

use serde::{Deserialize, Serialize};

/// Folder of the courriers' documents, under the data folder.
pub const COURRIERS_DIR: &str = "courriers";

/// A page of a batch and what capture made of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchPageRecord {
    pub source_index: usize,
    pub role: PageRole,
    pub detail: Option<String>,
    /// For a page dropped as blank: where its image is kept, so it can be put back.
    pub kept: Option<KeptPage>,
}

/// The files of a dropped page, relative to the data folder: a one-page PDF holding the
/// page's original image as scanned (never re-encoded) and a thumbnail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptPage {
    pub pdf_path: String,
    pub thumbnail_path: String,
}

impl KeptPage {
    /// Where capture keeps page `source_index` of the batch whose folder is `folder`.
    pub fn in_folder(folder: &str, source_index: usize) -> KeptPage {
        KeptPage {
            pdf_path: format!("{folder}/{DROPPED_DIR}/page-{source_index:04}.pdf"),
            thumbnail_path: format!("{folder}/{DROPPED_DIR}/page-{source_index:04}.jpg"),
        }
    }
}

/// Folder of the dropped pages, inside a batch's folder.
pub const DROPPED_DIR: &str = "dropped";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageRole {
    Separator,
    Blank,
    Content,
}

impl PageRole {
    pub fn as_str(self) -> &'static str {
        match self {
            PageRole::Separator => "separator",
            PageRole::Blank => "blank",
            PageRole::Content => "content",
        }
    }
}

/// A content page of a courrier about to be committed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewCourrierPage {
    pub source_index: usize,
    pub rotation_degrees: u32,
    pub ocr_confidence: f32,
    /// Relative to the data folder.
    pub thumbnail_path: String,
    /// The page's OCR text.
    pub text: String,
}

/// A courrier made by capture, its files already written under the batch folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewCourrier {
    pub separator: Option<String>,
    pub direction: Option<String>,
    /// Relative to the data folder.
    pub pdf_path: String,
    pub text: String,
    pub pages: Vec<NewCourrierPage>,
}

/// A batch ready to commit: its documents folder is complete on disk.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewBatch {
    pub source_path: String,
    pub content_hash: String,
    pub profile: String,
    /// Relative to the data folder.
    pub folder: String,
    pub pages: Vec<BatchPageRecord>,
    pub courriers: Vec<NewCourrier>,
}

/// Who acts, from where: recorded on every event.
#[derive(Debug, Clone)]
pub struct Actor {
    pub login: String,
    pub workstation: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CommittedBatch {
    pub batch_id: i64,
    pub courrier_ids: Vec<i64>,
}

/// A stored batch found by its content hash.
#[derive(Debug, Clone, Serialize)]
pub struct KnownBatch {
    pub batch_id: i64,
    pub source_path: String,
    pub ingested_at: String,
}

/// The part of a store capture needs. Implemented by `pli-store` (SQLite).
pub trait BatchStore {
    type Error: std::error::Error + Send + Sync + 'static;
    /// Records a batch, its pages, courriers, text and events, all or nothing.
    fn commit_batch(&mut self, batch: &NewBatch, actor: &Actor) -> Result<CommittedBatch, Self::Error>;
    /// The batch already stored with these bytes, if any.
    fn batch_by_hash(&self, content_hash: &str) -> Result<Option<KnownBatch>, Self::Error>;
}
