//! Errors of capture, worded for the mail-room operator: each names the file and,
//! where it applies, the page (counted from 1 in messages, from 0 in JSON).

use std::fmt;
use std::path::{Path, PathBuf};

/// What went wrong with a batch, and where.
#[derive(Debug)]
pub struct CaptureError {
    pub file: PathBuf,
    /// 0-based page index, when the problem is one page's.
    pub page: Option<usize>,
    pub problem: Problem,
}

/// The kinds of bad input and failures capture reports.
#[derive(Debug)]
pub enum Problem {
    /// A 0-byte file.
    EmptyFile,
    /// A readable file without a single page.
    NoPages,
    /// Truncated, corrupted or not what its name says.
    Corrupt(String),
    /// An encrypted PDF: its pages cannot be read without the password.
    Encrypted,
    /// A page whose pixel size is beyond any real scan.
    PageTooLarge { width: u64, height: u64 },
    /// A format or variant Pli does not read.
    Unsupported(String),
    /// The OCR engine failed or is missing its language models.
    Ocr(String),
    /// Reading or writing a file failed.
    Io(std::io::Error),
    /// Stopped on request (Ctrl-C, service stop) before the batch was finished.
    Cancelled,
}

impl CaptureError {
    pub fn new(file: impl AsRef<Path>, problem: Problem) -> Self {
        CaptureError { file: file.as_ref().to_path_buf(), page: None, problem }
    }

    pub fn at_page(file: impl AsRef<Path>, page: usize, problem: Problem) -> Self {
        CaptureError { file: file.as_ref().to_path_buf(), page: Some(page), problem }
    }
}

impl Problem {
    /// Whether trying again later may work (disk full, permission, a busy file, a
    /// missing OCR model) rather than the batch itself being bad.
    pub fn is_transient(&self) -> bool {
        use std::io::ErrorKind::*;
        match self {
            Problem::Io(e) => matches!(
                e.kind(),
                PermissionDenied
                    | StorageFull
                    | QuotaExceeded
                    | ResourceBusy
                    | ReadOnlyFilesystem
                    | WouldBlock
                    | Interrupted
                    | TimedOut
                    | NotFound
                    | OutOfMemory
            ),
            Problem::Ocr(_) | Problem::Cancelled => true,
            _ => false,
        }
    }
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "« {} »", self.file.display())?;
        if let Some(page) = self.page {
            write!(f, ", page {}", page + 1)?;
        }
        write!(f, " : {}", self.problem)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::EmptyFile => write!(f, "fichier vide (0 octet)"),
            Problem::NoPages => write!(f, "le fichier ne contient aucune page"),
            Problem::Corrupt(why) => write!(f, "fichier illisible, tronqué ou corrompu ({why})"),
            Problem::Encrypted => write!(f, "PDF chiffré : ses pages ne peuvent pas être lues sans mot de passe"),
            Problem::PageTooLarge { width, height } => write!(
                f,
                "taille de page invraisemblable ({width} × {height} pixels) ; au plus {} mégapixels par page",
                crate::MAX_PAGE_PIXELS / 1_000_000
            ),
            Problem::Unsupported(what) => write!(f, "format non pris en charge ({what})"),
            Problem::Ocr(why) => write!(f, "échec de l'OCR ({why})"),
            Problem::Io(e) => write!(f, "erreur d'entrée-sortie ({e})"),
            Problem::Cancelled => write!(f, "interrompu à la demande, avant la fin du lot"),
        }
    }
}

impl std::error::Error for CaptureError {}
