//! Files that must survive a power cut once Pli relies on them: a file's bytes are
//! durable once it is synced, and its name once its folder is synced. Used before a
//! commit (capture's documents) and around irreversible moves (the watcher's archive).

use std::fs::File;
use std::io;
use std::path::Path;

/// Syncs a file's bytes to disk.
pub fn sync_file(path: &Path) -> io::Result<()> {
    File::open(path)?.sync_all()
}

/// Syncs a folder, making the names created, renamed or removed in it durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    return File::open(dir)?.sync_all();
    // Elsewhere (NTFS) a folder cannot be opened to be synced; its metadata is journalled.
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Syncs every file and folder under `root` (itself included), deepest first, without
/// following symbolic links.
pub fn sync_tree(root: &Path) -> io::Result<()> {
    let meta = std::fs::symlink_metadata(root)?;
    if meta.is_dir() {
        for entry in std::fs::read_dir(root)? {
            let entry = entry?;
            if !entry.file_type()?.is_symlink() {
                sync_tree(&entry.path())?;
            }
        }
        sync_dir(root)
    } else if meta.is_file() {
        sync_file(root)
    } else {
        Ok(())
    }
}

/// Creates `dir` and its missing parents, each made durable in its own parent.
pub fn create_dir_all_synced(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_dir_all_synced(parent)?;
    }
    match std::fs::create_dir(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => return Ok(()),
        Err(e) => return Err(e),
    }
    match dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => sync_dir(parent),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_is_synced_and_missing_folders_are_created() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b/c");
        create_dir_all_synced(&deep).unwrap();
        create_dir_all_synced(&deep).unwrap();
        std::fs::write(deep.join("f.txt"), b"x").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("/", deep.join("racine")).unwrap();
        sync_tree(&dir.path().join("a")).unwrap();
        assert!(sync_tree(&dir.path().join("absent")).is_err());
    }
}
