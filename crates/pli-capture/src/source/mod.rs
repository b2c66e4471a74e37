//! Page sources: a batch file or folder read one page at a time, so that a
//! 300-page batch is never held in memory at once.
//!
//! OWNED BY THE SOURCES HELPER — to be written.

use crate::{CaptureError, ScannedPage};
use std::path::Path;

/// Pages of one batch, in scan order, decoded one at a time.
pub trait PageSource: Iterator<Item = Result<ScannedPage, CaptureError>> + Send {
    /// Number of pages, when the source knows it before reading them.
    fn page_count(&self) -> Option<usize>;
}

/// Opens a batch: a PDF, a (multi-page) TIFF, a JPEG/PNG, or a folder of single-page files.
pub fn open_batch(path: &Path) -> Result<Box<dyn PageSource>, CaptureError> {
    let _ = path;
    Err(CaptureError::new(path, crate::Problem::Unsupported("not written yet".into())))
}
