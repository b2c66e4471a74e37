//! Page sources: a batch file or folder read one page at a time, so that a 300-page
//! batch is never held in memory at once.
//!
//! Formats are told by their first bytes, not their names: PDF, TIFF (multi-page; LZW,
//! Deflate, PackBits, Group 4; bilevel, grey, colour, with or without alpha), JPEG, PNG,
//! or a folder of such files taken in file-name order, page numbers running on across
//! files. Decoders run under `catch_unwind` and pixel counts are checked before any
//! allocation, so bad input gives an error naming the file and page, never a panic.

mod image_file;
mod pdf;
pub use pdf::{jpeg_page_bytes, jpeg_page_preview};
mod tiff_file;

use crate::{CaptureError, MAX_PAGE_PIXELS, Problem, ScannedPage};
use std::path::{Path, PathBuf};

/// Pages of one batch, in scan order, decoded one at a time.
pub trait PageSource: Iterator<Item = Result<ScannedPage, CaptureError>> + Send {
    /// Number of pages, when the source knows it before reading them.
    fn page_count(&self) -> Option<usize>;
}

/// What a file is, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Tiff,
    Jpeg,
    Png,
}

/// Tells a file's kind from its first bytes.
pub fn sniff(head: &[u8]) -> Option<FileKind> {
    if head.starts_with(b"%PDF") {
        Some(FileKind::Pdf)
    } else if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        Some(FileKind::Tiff)
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileKind::Jpeg)
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(FileKind::Png)
    } else {
        None
    }
}

/// Names in a page folder that are not pages: scanners' temporary and marker files.
pub fn is_ignored(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.starts_with('.') || [".tmp", ".part", ".done", ".ok"].iter().any(|ext| lower.ends_with(ext))
}

/// Opens a batch: a PDF, a (multi-page) TIFF, a JPEG/PNG, or a folder of page files.
pub fn open_batch(path: &Path) -> Result<Box<dyn PageSource>, CaptureError> {
    let meta = std::fs::metadata(path).map_err(|e| CaptureError::new(path, Problem::Io(e)))?;
    if meta.is_dir() {
        return Ok(Box::new(FolderSource::open(path)?));
    }
    open_file(path, 0)
}

/// Opens one file; its pages are numbered from `first_index`.
fn open_file(path: &Path, first_index: usize) -> Result<Box<dyn PageSource>, CaptureError> {
    let kind = file_kind(path)?;
    Ok(match kind {
        FileKind::Pdf => Box::new(pdf::PdfSource::open(path, first_index)?),
        FileKind::Tiff => Box::new(tiff_file::TiffSource::open(path, first_index)?),
        FileKind::Jpeg | FileKind::Png => Box::new(image_file::ImageSource::open(path, kind, first_index)?),
    })
}

fn file_kind(path: &Path) -> Result<FileKind, CaptureError> {
    use std::io::Read;
    let mut head = [0u8; 8];
    let mut file = std::fs::File::open(path).map_err(|e| CaptureError::new(path, Problem::Io(e)))?;
    let n = file.read(&mut head).map_err(|e| CaptureError::new(path, Problem::Io(e)))?;
    if n == 0 {
        return Err(CaptureError::new(path, Problem::EmptyFile));
    }
    sniff(&head[..n])
        .ok_or_else(|| CaptureError::new(path, Problem::Unsupported("ni PDF, ni TIFF, ni JPEG, ni PNG".into())))
}

/// Refuses absurd page sizes before any pixel is allocated.
pub(crate) fn check_size(path: &Path, index: usize, width: u64, height: u64) -> Result<(), CaptureError> {
    if width == 0 || height == 0 {
        return Err(CaptureError::at_page(path, index, Problem::Corrupt(format!("page de {width} × {height} pixels"))));
    }
    if width.saturating_mul(height) > MAX_PAGE_PIXELS || width > 65_535 || height > 65_535 {
        return Err(CaptureError::at_page(path, index, Problem::PageTooLarge { width, height }));
    }
    Ok(())
}

/// Runs a decoder, turning a panic inside it into a `Corrupt` error for that page.
pub(crate) fn guarded<T>(
    path: &Path,
    index: Option<usize>,
    f: impl FnOnce() -> Result<T, CaptureError>,
) -> Result<T, CaptureError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(_) => {
            let problem = Problem::Corrupt("le décodeur a rencontré des données incohérentes".into());
            Err(CaptureError { file: path.to_path_buf(), page: index, problem })
        }
    }
}

/// Limits given to the `image` decoders.
pub(crate) fn image_limits() -> image::Limits {
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(65_535);
    limits.max_image_height = Some(65_535);
    limits.max_alloc = Some(MAX_PAGE_PIXELS * 4);
    limits
}

/// A folder of page files, in file-name order.
struct FolderSource {
    files: std::vec::IntoIter<PathBuf>,
    current: Option<Box<dyn PageSource>>,
    next_index: usize,
    total: Option<usize>,
    failed: bool,
}

impl FolderSource {
    fn open(dir: &Path) -> Result<Self, CaptureError> {
        let entries = std::fs::read_dir(dir).map_err(|e| CaptureError::new(dir, Problem::Io(e)))?;
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| CaptureError::new(dir, Problem::Io(e)))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if is_ignored(&name) || path.is_dir() {
                continue;
            }
            files.push(path);
        }
        files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
        if files.is_empty() {
            return Err(CaptureError::new(dir, Problem::NoPages));
        }
        // Check every file up front: a stray document stops the batch before any work.
        let mut single_pages = true;
        for f in &files {
            let kind = file_kind(f)?;
            single_pages &= matches!(kind, FileKind::Jpeg | FileKind::Png);
        }
        let total = single_pages.then_some(files.len());
        Ok(FolderSource { files: files.into_iter(), current: None, next_index: 0, total, failed: false })
    }
}

impl Iterator for FolderSource {
    type Item = Result<ScannedPage, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.failed {
                return None;
            }
            if let Some(source) = self.current.as_mut() {
                match source.next() {
                    Some(Ok(page)) => {
                        self.next_index = page.index + 1;
                        return Some(Ok(page));
                    }
                    Some(Err(e)) => {
                        self.failed = true;
                        return Some(Err(e));
                    }
                    None => self.current = None,
                }
            }
            let file = self.files.next()?;
            match open_file(&file, self.next_index) {
                Ok(source) => self.current = Some(source),
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

impl PageSource for FolderSource {
    fn page_count(&self) -> Option<usize> {
        self.total
    }
}

#[cfg(test)]
mod decode_tests;
#[cfg(test)]
mod tests;
