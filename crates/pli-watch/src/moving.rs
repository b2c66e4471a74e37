//! Moving an original (a file or a folder of pages) to the archive or the quarantine,
//! also across file systems (a network share to a local disk), never losing it.

use std::io;
use std::path::{Path, PathBuf};

/// Moves `from` to `to`. A rename when both are on one file system; otherwise a copy
/// to `<to>.pli-tmp`, synced, renamed to `to`, and only then the original removed: a
/// crash at any point leaves the original, or a complete `to`, or both.
pub fn move_path(from: &Path, to: &Path) -> io::Result<()> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
    }
    match std::fs::rename(from, to) {
        Ok(()) => return sync_parent(to),
        Err(e) if e.kind() == io::ErrorKind::CrossesDevices => {}
        Err(e) => return Err(e),
    }
    let staging = PathBuf::from(format!("{}.pli-tmp", to.display()));
    remove_any(&staging)?;
    copy_synced(from, &staging)?;
    std::fs::rename(&staging, to)?;
    sync_parent(to)?;
    remove_any(from)
}

fn copy_synced(from: &Path, to: &Path) -> io::Result<()> {
    if from.is_dir() {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            copy_synced(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else {
        std::fs::copy(from, to)?;
        std::fs::File::open(to)?.sync_all()
    }
}

fn remove_any(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// A rename is durable only once its directory is synced.
fn sync_parent(path: &Path) -> io::Result<()> {
    match path.parent() {
        Some(dir) => std::fs::File::open(dir)?.sync_all(),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_and_a_folder_are_moved_with_their_content() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("lot.pdf");
        std::fs::write(&file, b"%PDF-1.4 contenu").unwrap();
        let to = dir.path().join("archive/2026-11-25/1-lot.pdf");
        move_path(&file, &to).unwrap();
        assert!(!file.exists());
        assert_eq!(std::fs::read(&to).unwrap(), b"%PDF-1.4 contenu");

        let folder = dir.path().join("lot-pages");
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(folder.join("p1.jpg"), b"a").unwrap();
        let to = dir.path().join("archive/2026-11-25/2-lot-pages");
        move_path(&folder, &to).unwrap();
        assert!(!folder.exists());
        assert_eq!(std::fs::read(to.join("p1.jpg")).unwrap(), b"a");
    }

    #[test]
    fn the_cross_device_copy_keeps_everything_and_leaves_no_staging() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("lot");
        std::fs::create_dir_all(folder.join("sous")).unwrap();
        std::fs::write(folder.join("p1.png"), b"un").unwrap();
        std::fs::write(folder.join("sous/p2.png"), b"deux").unwrap();
        let staging = dir.path().join("copie.pli-tmp");
        copy_synced(&folder, &staging).unwrap();
        assert_eq!(std::fs::read(staging.join("sous/p2.png")).unwrap(), b"deux");
        remove_any(&staging).unwrap();
        assert!(!staging.exists());
        assert!(folder.join("p1.png").exists(), "the original stays until the copy is complete");
    }

    #[test]
    fn a_missing_original_is_an_error_not_a_loss() {
        let dir = tempfile::tempdir().unwrap();
        let err = move_path(&dir.path().join("absent.pdf"), &dir.path().join("a/absent.pdf")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }
}
