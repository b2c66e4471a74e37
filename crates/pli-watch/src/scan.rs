//! One look at a scanner folder: the batches in it (files of an accepted format, and
//! folders of pages) with what tells whether they are still being written.

use pli_capture::profile::Format;
use pli_capture::source::is_ignored;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What changes while a scanner is still writing a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub bytes: u64,
    pub modified: Option<SystemTime>,
    /// Page files, for a folder of pages.
    pub files: usize,
    /// A folder of pages whose profile names a done marker: complete only once it is there.
    pub awaits_marker: bool,
    /// The profile's done marker is in the folder.
    pub marked_done: bool,
}

/// A batch found in a scanner folder.
#[derive(Debug, Clone)]
pub struct Found {
    pub path: PathBuf,
    pub signature: Signature,
}

/// Format of a batch file, from its name; `None` for names that are not batches.
pub fn format_of(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "pdf" => Some(Format::Pdf),
        "tif" | "tiff" => Some(Format::Tiff),
        "jpg" | "jpeg" => Some(Format::Jpeg),
        "png" => Some(Format::Png),
        _ => None,
    }
}

/// Lists the batches in `folder`: accepted files and, when the profile takes folders
/// of pages, its sub-folders. Scanners' temporary and marker files, and the folders in
/// `skip` (an archive or quarantine placed inside the scanner folder), are left out.
/// Entries that vanish while being looked at are simply not listed.
pub fn scan(
    folder: &Path,
    formats: &[Format],
    done_marker: Option<&str>,
    skip: &[&Path],
) -> std::io::Result<Vec<Found>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(folder)? {
        let Ok(entry) = entry else { continue };
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_ignored(&name) || skip.iter().any(|s| *s == path) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        let signature = if meta.is_dir() {
            if !formats.contains(&Format::Folder) {
                continue;
            }
            match folder_signature(&path, done_marker) {
                Some(s) => s,
                None => continue,
            }
        } else if meta.is_file() && format_of(&path).is_some_and(|f| formats.contains(&f)) {
            Signature {
                bytes: meta.len(),
                modified: meta.modified().ok(),
                files: 1,
                awaits_marker: false,
                marked_done: false,
            }
        } else {
            continue;
        };
        found.push(Found { path, signature });
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(found)
}

fn folder_signature(dir: &Path, done_marker: Option<&str>) -> Option<Signature> {
    let mut s =
        Signature { bytes: 0, modified: None, files: 0, awaits_marker: done_marker.is_some(), marked_done: false };
    // Every entry counts, temporary ones included: a page still being written under a
    // temporary name keeps the folder changing, so not complete.
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        if done_marker.is_some_and(|m| entry.file_name() == m) {
            s.marked_done = true;
        }
        let Ok(meta) = entry.metadata() else { continue };
        s.files += 1;
        s.bytes += meta.len();
        s.modified = s.modified.max(meta.modified().ok());
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_batches_of_accepted_formats_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.pdf", "a.PDF", "c.tiff", "notes.txt", "d.pdf.tmp", ".cache.pdf", "e.part"] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        std::fs::create_dir(dir.path().join("pages")).unwrap();
        let names = |found: Vec<Found>| -> Vec<String> {
            found.iter().map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned()).collect()
        };
        assert_eq!(names(scan(dir.path(), &[Format::Pdf], None, &[]).unwrap()), ["a.PDF", "b.pdf"]);
        assert_eq!(names(scan(dir.path(), &[Format::Tiff, Format::Folder], None, &[]).unwrap()), ["c.tiff", "pages"]);
        let pages = dir.path().join("pages");
        assert!(scan(dir.path(), &[Format::Folder], None, &[&pages]).unwrap().is_empty());
    }

    #[test]
    fn a_folder_signature_changes_with_each_page_and_sees_the_marker() {
        let dir = tempfile::tempdir().unwrap();
        let first = folder_signature(dir.path(), Some(".done")).unwrap();
        std::fs::write(dir.path().join("p1.jpg"), b"page").unwrap();
        let second = folder_signature(dir.path(), Some(".done")).unwrap();
        assert_ne!(first, second);
        assert!(!second.marked_done);
        std::fs::write(dir.path().join(".done"), b"").unwrap();
        assert!(folder_signature(dir.path(), Some(".done")).unwrap().marked_done);
    }
}
