//! Capture: turns a scanned batch (PDF, TIFF, images, a folder of pages) into courriers.
//! Pages are streamed from their source, split at separator sheets, blank backs are left
//! out, each content page is turned upright and OCRed, and each courrier becomes a
//! searchable PDF with thumbnails and plain text, handed to the store to commit.

pub mod blank;
pub mod durable;
mod error;
mod hash;
pub mod imaging;
pub mod ocr;
mod page;
pub mod pdf;
pub mod pipeline;
pub mod profile;
pub mod restore;
pub mod separator;
pub mod source;

pub use error::{CaptureError, Problem};
pub use hash::content_hash;
pub use page::{EmbeddedImage, ImageEncoding, OcrWord, PdfColor, Rotation, ScannedPage};

/// Pages beyond this many pixels are refused: an A3 page at 600 dpi is 70 Mpx.
pub const MAX_PAGE_PIXELS: u64 = 120_000_000;
