//! Moving an original (a file or a folder of pages) to the archive or the quarantine,
//! also across file systems (a network share to a local disk), never losing it.

use pli_capture::durable::{create_dir_all_synced, sync_dir, sync_tree};
use std::io;
use std::path::{Path, PathBuf};

/// Moves `from` to `to`, durably: the original's bytes are synced first (a scanner
/// may not have), then the rename, then both folders. Across file systems, a copy to
/// `<to>.pli-tmp`, synced, renamed to `to`, and only then the original removed: a
/// crash at any point leaves the original, or a complete `to`, or both. Symbolic links
/// are moved as links, never followed.
pub fn move_path(from: &Path, to: &Path) -> io::Result<()> {
    if let Some(parent) = to.parent() {
        create_dir_all_synced(parent)?;
    }
    sync_tree(from)?;
    match std::fs::rename(from, to) {
        Ok(()) => return sync_parents(from, to),
        Err(e) if e.kind() == io::ErrorKind::CrossesDevices => {}
        Err(e) => return Err(e),
    }
    let staging = PathBuf::from(format!("{}.pli-tmp", to.display()));
    remove_any(&staging)?;
    copy_synced(from, &staging)?;
    std::fs::rename(&staging, to)?;
    sync_parents(from, to)?;
    remove_any(from)?;
    sync_parents(from, to)
}

fn copy_synced(from: &Path, to: &Path) -> io::Result<()> {
    let meta = std::fs::symlink_metadata(from)?;
    if meta.file_type().is_symlink() {
        copy_link(from, to)
    } else if meta.is_dir() {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            copy_synced(&entry.path(), &to.join(entry.file_name()))?;
        }
        sync_dir(to)
    } else if meta.is_file() {
        std::fs::copy(from, to)?;
        std::fs::File::open(to)?.sync_all()
    } else {
        Err(io::Error::new(io::ErrorKind::InvalidInput, "ni fichier, ni dossier, ni lien : non copié"))
    }
}

/// A link is copied as the same link: following it could copy a whole disk.
#[cfg(unix)]
fn copy_link(from: &Path, to: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(std::fs::read_link(from)?, to)
}

#[cfg(not(unix))]
fn copy_link(from: &Path, _to: &Path) -> io::Result<()> {
    Err(io::Error::new(io::ErrorKind::InvalidInput, format!("lien symbolique « {} » : non copié", from.display())))
}

fn remove_any(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// A rename is durable only once both its folders are synced.
fn sync_parents(from: &Path, to: &Path) -> io::Result<()> {
    for path in [to, from] {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            sync_dir(dir)?;
        }
    }
    Ok(())
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

    #[cfg(unix)]
    #[test]
    fn a_link_in_a_page_folder_is_copied_as_a_link_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("ailleurs");
        std::fs::create_dir(&elsewhere).unwrap();
        std::fs::write(elsewhere.join("secret.txt"), b"confidentiel").unwrap();
        let folder = dir.path().join("lot");
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(folder.join("p1.png"), b"un").unwrap();
        std::os::unix::fs::symlink(&elsewhere, folder.join("lien")).unwrap();
        std::os::unix::fs::symlink("/", folder.join("racine")).unwrap();
        let staging = dir.path().join("copie.pli-tmp");
        copy_synced(&folder, &staging).unwrap();
        for link in ["lien", "racine"] {
            let meta = std::fs::symlink_metadata(staging.join(link)).unwrap();
            assert!(meta.file_type().is_symlink(), "{link} is copied as a link");
        }
        assert_eq!(std::fs::read_link(staging.join("lien")).unwrap(), elsewhere);
        remove_any(&staging).unwrap();
        assert!(elsewhere.join("secret.txt").exists(), "removing the copy leaves the link's target alone");
    }

    #[test]
    fn a_missing_original_is_an_error_not_a_loss() {
        let dir = tempfile::tempdir().unwrap();
        let err = move_path(&dir.path().join("absent.pdf"), &dir.path().join("a/absent.pdf")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }
}
