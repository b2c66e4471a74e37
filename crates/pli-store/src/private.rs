//! The data folder is the mail room's, no one else's: in standalone mode whoever can
//! read it can read every letter, so its folders are 0700 and its files 0600 (Unix).
//! New folders and the database are created so; the documents capture writes are
//! tightened when their batch is committed; a data folder left open by an earlier Pli
//! (or a copy) is tightened when the store opens it, with a log line.

use std::io;
use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

const FOLDER_MODE: u32 = 0o700;
const FILE_MODE: u32 = 0o600;

/// Creates `path` and its missing parents, each 0700.
pub(crate) fn create_dir_all(path: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(FOLDER_MODE);
    builder.create(path)
}

/// Creates an empty file 0600 unless it exists (SQLite then opens it as a new database,
/// and gives its -wal and -shm the same mode).
pub(crate) fn create_file(path: &Path) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(FILE_MODE);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Takes group and other rights off one file or folder; says whether it had any.
#[cfg(unix)]
fn tighten(path: &Path, meta: &std::fs::Metadata) -> io::Result<bool> {
    let mode = meta.permissions().mode() & 0o777;
    let wanted = if meta.is_dir() { FOLDER_MODE } else { FILE_MODE };
    if mode & 0o077 == 0 {
        return Ok(false);
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(wanted))?;
    Ok(true)
}

/// Tightens `root` and everything under it (links are not followed); returns how many
/// entries were open to others.
#[cfg(unix)]
pub(crate) fn tighten_tree(root: &Path) -> io::Result<usize> {
    let meta = match std::fs::symlink_metadata(root) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    if meta.file_type().is_symlink() {
        return Ok(0);
    }
    let mut loose = usize::from(tighten(root, &meta)?);
    if meta.is_dir() {
        for entry in std::fs::read_dir(root)? {
            loose += tighten_tree(&entry?.path())?;
        }
    }
    Ok(loose)
}

#[cfg(not(unix))]
pub(crate) fn tighten_tree(_root: &Path) -> io::Result<usize> {
    Ok(0)
}

/// At open: the data folder, the database and its companions; the documents' tree only
/// when `courriers/` itself was left open (after that, batches are tightened as they come).
pub(crate) fn tighten_data_dir(data_dir: &Path, courriers: &Path, db: &Path) -> io::Result<()> {
    let mut loose = 0;
    for path in [data_dir.to_path_buf(), db.to_path_buf(), sidecar(db, "-wal"), sidecar(db, "-shm")] {
        loose += tighten_one(&path)?;
    }
    if tighten_one(courriers)? > 0 {
        loose += 1 + tighten_tree(courriers)?;
    }
    if loose > 0 {
        tracing::warn!(
            "dossier de données « {} » ouvert à d'autres comptes : {loose} élément(s) réservé(s) au seul compte de Pli (700/600)",
            data_dir.display()
        );
    }
    Ok(())
}

fn tighten_one(path: &Path) -> io::Result<usize> {
    #[cfg(unix)]
    {
        match std::fs::symlink_metadata(path) {
            Ok(meta) if !meta.file_type().is_symlink() => tighten(path, &meta).map(usize::from),
            Ok(_) => Ok(0),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(e),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(0)
    }
}

fn sidecar(db: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}
