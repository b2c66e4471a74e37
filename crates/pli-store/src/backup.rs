//! Backups a mail room can trust, taken while Pli runs, and their restoration.
//!
//! A backup is a folder: `pli.sqlite3` (a consistent copy through SQLite's online backup),
//! the documents of every batch that copy records (`courriers/…`), the history's key and
//! anchors, the workstation's settings, and `manifest.json` last: every file's SHA-256
//! and size, and the head of the event chain (an anchor kept with the backup).
//!
//! Consistency, as tested: the manifest holds the documents of exactly the batches the
//! copied database records (a batch committed after the copy is not in it), and every
//! document that database references is in the manifest (a file removed by a split
//! correction during the copy makes it start again, up to three times, then fail
//! naming the file).
//!
//! SQLite only: the copy is SQLite's online backup of the store's file. On PostgreSQL
//! [`crate::Store::backup`] refuses and says what to use instead (`pg_dump`, and the
//! documents folder copied with the usual tools).

use crate::anchor::{ANCHOR_FILE, Anchor, KEY_FILE};
use crate::db::{Q, params};
use crate::integrity::{batch_folders, files_under, referenced_documents, sha256_file};
use crate::{Result, Store, StoreError};
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "manifest.json";
const DATABASE: &str = "pli.sqlite3";
/// Small files of the data folder kept with a backup, when present.
const SETTINGS: &[&str] = &["poste.toml", "organisation-demo.txt"];
const ATTEMPTS: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// Relative to the backup (and to the data folder once restored), with `/`.
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Format of this manifest.
    pub format: u32,
    pub created_at: String,
    /// The data folder it was taken from.
    pub source: String,
    /// The head of the copied database's event chain, sealed with the folder's key.
    /// None when no event was ever written.
    pub history: Option<Anchor>,
    pub courriers: i64,
    pub files: Vec<ManifestFile>,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io { path: path.to_path_buf(), source }
}

fn sqlite(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Sqlite { path: path.to_path_buf(), source }
}

fn is_empty_dir(dir: &Path) -> Result<bool> {
    match std::fs::read_dir(dir) {
        Ok(mut it) => Ok(it.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(io(dir)(e)),
    }
}

/// Copies `from` to `to` (parents created), hashing the bytes as they go, and syncs it.
fn copy_hashed(from: &Path, to: &Path) -> Result<(String, u64)> {
    use sha2::Digest;
    if let Some(parent) = to.parent() {
        let mut dirs = std::fs::DirBuilder::new();
        dirs.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut dirs, 0o700);
        dirs.create(parent).map_err(io(parent))?;
    }
    let mut src = std::fs::File::open(from).map_err(io(from))?;
    let mut dst = private_file(to)?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = src.read(&mut buf).map_err(io(from))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        dst.write_all(&buf[..n]).map_err(io(to))?;
        size += n as u64;
    }
    dst.sync_all().map_err(io(to))?;
    Ok((hex::encode(h.finalize()), size))
}

/// A new file readable by its owner only: a backup holds confidential letters.
fn private_file(path: &Path) -> Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(io(path))
}

fn private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    #[cfg(unix)]
    std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700)).map_err(io(dir))?;
    Ok(())
}

fn sync_dirs(root: &Path, files: &[ManifestFile]) {
    let mut dirs: std::collections::BTreeSet<PathBuf> =
        files.iter().filter_map(|f| root.join(&f.path).parent().map(Path::to_path_buf)).collect();
    dirs.insert(root.to_path_buf());
    for d in dirs {
        if let Ok(f) = std::fs::File::open(&d) {
            let _ = f.sync_all();
        }
    }
}

/// What to do instead of `pli backup` when the registry is on PostgreSQL.
pub const POSTGRES_BACKUP: &str = "le registre est dans une base PostgreSQL : sauvegardez la base avec pg_dump \
     (pg_dump -Fc pli > pli.dump, restaurée avec pg_restore) et le dossier des documents (courriers/, \
     history.key, history.anchor) avec les outils habituels de copie ; `pli backup` ne sauvegarde qu'un registre SQLite";

/// Takes a backup of the data folder `data_dir` (a SQLite registry) into `dest` (absent
/// or empty), while Pli may be running, without opening the store (the folder is read
/// as it is, never migrated). Returns its manifest.
pub fn backup(data_dir: &Path, dest: &Path) -> Result<Manifest> {
    let db = data_dir.join(DATABASE);
    if !db.is_file() {
        return Err(StoreError::Invalid(format!("« {} » : pas de base de données Pli ici", data_dir.display())));
    }
    check_dest(data_dir, dest)?;
    let src = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(sqlite(&db))?;
    src.busy_timeout(std::time::Duration::from_secs(10)).map_err(sqlite(&db))?;
    backup_from(&src, data_dir, dest)
}

impl Store {
    /// Takes a backup of this store into `dest`, as [`backup`]: SQLite's online backup of
    /// its file through its own connection. On PostgreSQL, refused with what to use instead.
    pub fn backup(&self, dest: &Path) -> Result<Manifest> {
        let data_dir = self.data_dir().to_path_buf();
        self.read(|q| match q.sqlite() {
            Some(src) => {
                check_dest(&data_dir, dest)?;
                backup_from(src, &data_dir, dest)
            }
            None => Err(StoreError::Invalid(POSTGRES_BACKUP.into())),
        })
    }
}

/// `dest` must be new or empty, and outside the data folder.
fn check_dest(data_dir: &Path, dest: &Path) -> Result<()> {
    if !is_empty_dir(dest)? {
        return Err(StoreError::Invalid(format!(
            "« {} » n'est pas vide : une sauvegarde va dans un dossier neuf",
            dest.display()
        )));
    }
    private_dir(dest)?;
    if dest.canonicalize().ok().zip(data_dir.canonicalize().ok()).is_some_and(|(d, s)| d.starts_with(&s)) {
        let _ = std::fs::remove_dir(dest);
        return Err(StoreError::Invalid(format!(
            "« {} » est dans le dossier de données : une sauvegarde se garde ailleurs",
            dest.display()
        )));
    }
    Ok(())
}

/// The attempts of a backup from SQLite's connection `src` to the data folder's file.
fn backup_from(src: &Connection, data_dir: &Path, dest: &Path) -> Result<Manifest> {
    let mut last_missing = Vec::new();
    for _ in 0..ATTEMPTS {
        private_dir(dest)?;
        match attempt(src, data_dir, dest)? {
            Ok(manifest) => return Ok(manifest),
            Err(missing) => {
                // A correction removed files after the copy of the database: start again.
                last_missing = missing;
                for entry in std::fs::read_dir(dest).map_err(io(dest))?.flatten() {
                    let p = entry.path();
                    let _ = if p.is_dir() { std::fs::remove_dir_all(&p) } else { std::fs::remove_file(&p) };
                }
            }
        }
    }
    Err(StoreError::Invalid(format!(
        "sauvegarde impossible : document(s) référencé(s) mais absent(s) du dossier de données : {}",
        last_missing.join(", ")
    )))
}

/// One try: the manifest, or the referenced documents that could not be copied.
fn attempt(src: &Connection, data_dir: &Path, dest: &Path) -> Result<std::result::Result<Manifest, Vec<String>>> {
    let mut files: Vec<ManifestFile> = Vec::new();
    // The key before its copy: the manifest's anchor is sealed with the key it carries.
    let key = crate::anchor::key(data_dir)?;
    // Anchors first: each names an event already committed, so all are in the copy
    // of the database made next.
    let anchors = dest.join(ANCHOR_FILE);
    if data_dir.join(ANCHOR_FILE).is_file() {
        copy_hashed(&data_dir.join(ANCHOR_FILE), &anchors)?;
    }
    for name in [KEY_FILE].iter().chain(SETTINGS) {
        let from = data_dir.join(name);
        if from.is_file() {
            let (sha256, size) = copy_hashed(&from, &dest.join(name))?;
            files.push(ManifestFile { path: name.to_string(), sha256, size });
        }
    }

    // The database, in one step of the online backup: one read transaction, so a
    // consistent snapshot whatever is committed meanwhile.
    let copy = dest.join(DATABASE);
    {
        let mut dst = Connection::open(&copy).map_err(sqlite(&copy))?;
        let step = rusqlite::backup::Backup::new(src, &mut dst).and_then(|b| {
            use rusqlite::backup::StepResult;
            // -1: every page in one step; busy or locked, try again shortly.
            for _ in 0..1000 {
                match b.step(-1)? {
                    StepResult::Done => return Ok(true),
                    _ => std::thread::sleep(std::time::Duration::from_millis(10)),
                }
            }
            Ok(false)
        });
        if !step.map_err(sqlite(&copy))? {
            return Err(StoreError::Invalid(format!(
                "« {} » : base de données occupée, sauvegarde impossible pour l'instant",
                data_dir.display()
            )));
        }
        // A single file, no WAL beside it, readable by its owner only.
        dst.pragma_update(None, "journal_mode", "DELETE").map_err(sqlite(&copy))?;
    }
    #[cfg(unix)]
    std::fs::set_permissions(&copy, std::os::unix::fs::PermissionsExt::from_mode(0o600)).map_err(io(&copy))?;
    let conn = Connection::open_with_flags(&copy, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(sqlite(&copy))?;
    let (head, courriers, referenced, folders) = {
        let mut q = Q::over_sqlite(&conn, &copy);
        (
            crate::anchor::head(&mut q)?,
            q.one::<i64>("SELECT count(*) FROM courrier", params![])?,
            referenced_documents(&mut q)?,
            batch_folders(&mut q)?,
        )
    };
    drop(conn);
    let (sha256, size) = sha256_file(&copy).map_err(io(&copy))?;
    files.push(ManifestFile { path: DATABASE.into(), sha256, size });

    // The documents of the batches the copy records, and only those; then those kept
    // outside any batch's folder (acknowledgements of courriers received on paper only).
    let mut copied = std::collections::BTreeSet::new();
    let in_folders: Vec<String> = folders.iter().flat_map(|folder| files_under(data_dir, folder)).collect();
    let listed: std::collections::BTreeSet<&String> = in_folders.iter().collect();
    let elsewhere: Vec<String> = referenced.iter().filter(|f| !listed.contains(f)).cloned().collect();
    for file in in_folders.into_iter().chain(elsewhere) {
        match copy_hashed(&data_dir.join(&file), &dest.join(&file)) {
            Ok((sha256, size)) => {
                copied.insert(file.clone());
                files.push(ManifestFile { path: file, sha256, size });
            }
            // Removed since it was listed (a correction replaced it).
            Err(StoreError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    let missing: Vec<String> = referenced.into_iter().filter(|f| !copied.contains(f)).collect();
    if !missing.is_empty() {
        return Ok(Err(missing));
    }

    let history = head.map(|(event, hash)| Anchor::sealed(event, &hash, &key));
    // The live folder's anchors name it too: an event the copy holds is committed there.
    if let Some(a) = &history {
        crate::anchor::append_line(&data_dir.join(ANCHOR_FILE), a)?;
    }
    // And the backup's own, which go with its key: a folder never anchored before (the
    // key made just now) restores with its head anchored, not with a key whose anchor
    // file seems removed.
    match &history {
        Some(a) => crate::anchor::append_line(&anchors, a)?,
        None if !anchors.is_file() => drop(private_file(&anchors)?),
        None => {}
    }
    let (sha256, size) = sha256_file(&anchors).map_err(io(&anchors))?;
    files.push(ManifestFile { path: ANCHOR_FILE.into(), sha256, size });
    let manifest = Manifest {
        format: 1,
        created_at: crate::now_rfc3339(),
        source: data_dir.display().to_string(),
        history,
        courriers,
        files,
    };
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| StoreError::Invalid(e.to_string()))?;
    // Written last, under its own name once complete: a folder without it is no backup.
    let tmp = dest.join(format!("{MANIFEST}.partial"));
    let mut f = private_file(&tmp)?;
    f.write_all(text.as_bytes()).and_then(|_| f.sync_all()).map_err(io(&tmp))?;
    sync_dirs(dest, &manifest.files);
    std::fs::rename(&tmp, dest.join(MANIFEST)).map_err(io(dest))?;
    sync_dirs(dest, &[]);
    Ok(Ok(manifest))
}

/// Reads a backup's manifest.
pub fn read_manifest(src: &Path) -> Result<Manifest> {
    let path = src.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            StoreError::Invalid(format!(
                "« {} » : pas de {MANIFEST}, ce n'est pas une sauvegarde Pli complète",
                src.display()
            ))
        } else {
            io(&path)(e)
        }
    })?;
    serde_json::from_str(&text).map_err(|e| StoreError::Invalid(format!("« {} » : illisible ({e})", path.display())))
}

/// Every file of `root` against the manifest: the first one missing or different.
pub fn verify_files(root: &Path, manifest: &Manifest) -> Result<()> {
    for f in &manifest.files {
        if f.path.split('/').any(|part| part == ".." || part.is_empty()) || f.path.starts_with('/') {
            return Err(StoreError::Invalid(format!("{MANIFEST} : chemin refusé « {} »", f.path)));
        }
        let path = root.join(&f.path);
        let (sha256, size) = sha256_file(&path).map_err(io(&path))?;
        if sha256 != f.sha256 || size != f.size {
            return Err(StoreError::Invalid(format!(
                "« {} » ne correspond pas au manifeste ({size} octets au lieu de {}) : sauvegarde abîmée",
                path.display(),
                f.size
            )));
        }
    }
    Ok(())
}

/// What a restoration did.
#[derive(Debug, Clone, Serialize)]
pub struct Restored {
    pub files: usize,
    pub courriers: i64,
    /// Events of the restored history, and its head (as in the manifest).
    pub events: usize,
    pub head: Option<Anchor>,
    /// Where the data folder that was there before went (`--force`), untouched.
    pub previous: Option<PathBuf>,
}

/// Puts the backup `src` back as the data folder `data`. Refuses a non-empty `data`
/// unless `replace` (it is then moved aside, not deleted). Every file is checked against
/// the manifest before and after the copy, and the restored history against the
/// manifest's head, before the folder takes its place.
pub fn restore(src: &Path, data: &Path, replace: bool) -> Result<Restored> {
    let manifest = read_manifest(src)?;
    verify_files(src, &manifest)?;
    let occupied = !is_empty_dir(data)?;
    if occupied && !replace {
        return Err(StoreError::Invalid(format!(
            "« {} » n'est pas vide : restaurer ailleurs, ou remplacer ce dossier avec --force (il sera mis de côté, pas effacé)",
            data.display()
        )));
    }
    let name = data.file_name().and_then(|n| n.to_str()).unwrap_or("donnees").to_string();
    let parent = data.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let staging = parent.join(format!(".{name}.restauration-{stamp}"));
    let _ = std::fs::remove_dir_all(&staging);
    private_dir(&staging)?;
    let result = (|| -> Result<(usize, Option<Anchor>)> {
        for f in &manifest.files {
            copy_hashed(&src.join(&f.path), &staging.join(&f.path))?;
        }
        sync_dirs(&staging, &manifest.files);
        verify_files(&staging, &manifest)?;
        verify_restored_history(&staging, &manifest)
    })();
    let (events, head) = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    let mut previous = None;
    if data.exists() {
        if occupied {
            let aside = parent.join(format!("{name}.avant-restauration-{stamp}"));
            std::fs::rename(data, &aside).map_err(io(data))?;
            previous = Some(aside);
        } else {
            std::fs::remove_dir(data).map_err(io(data))?;
        }
    }
    std::fs::rename(&staging, data).map_err(io(data))?;
    if let Ok(d) = std::fs::File::open(parent) {
        let _ = d.sync_all();
    }
    Ok(Restored { files: manifest.files.len(), courriers: manifest.courriers, events, head, previous })
}

/// The restored chain must be intact, end exactly at the manifest's head, and hold
/// every anchor restored with it.
fn verify_restored_history(root: &Path, manifest: &Manifest) -> Result<(usize, Option<Anchor>)> {
    let store = crate::Store::open(root)?;
    let external: Vec<crate::anchor::NamedAnchor> = manifest
        .history
        .iter()
        .map(|a| crate::anchor::NamedAnchor { anchor: a.clone(), source: MANIFEST.into() })
        .collect();
    let report = store.verify_history_against(&external)?;
    let head = store.history_head()?;
    drop(store);
    let mut problems: Vec<String> =
        report.broken.iter().map(|b| format!("événement {} : {}", b.event, b.problem)).collect();
    problems.extend(report.anchor_problems);
    problems.extend(report.record_problems);
    let expected = manifest.history.as_ref().map(|a| (a.event, a.hash.clone()));
    if head != expected {
        problems.push(format!(
            "l'historique restauré finit à l'événement {} alors que le manifeste dit {}",
            head.map_or(0, |h| h.0),
            expected.map_or(0, |h| h.0)
        ));
    }
    if !problems.is_empty() {
        return Err(StoreError::Invalid(format!(
            "restauration refusée, historique non conforme : {}",
            problems.join(" ; ")
        )));
    }
    Ok((report.events, manifest.history.clone()))
}

/// Files of the manifest by path, for tests and tools.
pub fn files_by_path(manifest: &Manifest) -> BTreeMap<&str, &ManifestFile> {
    manifest.files.iter().map(|f| (f.path.as_str(), f)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pli_core::capture::{Actor, BatchPageRecord, BatchStore, NewBatch, NewCourrier, NewCourrierPage, PageRole};

    /// A store with one batch whose documents are on disk.
    fn store_with_a_batch(data: &Path) -> Store {
        let mut store = Store::open(data).unwrap();
        let folder = "courriers/lot-a";
        std::fs::create_dir_all(data.join(folder).join("0")).unwrap();
        std::fs::write(data.join(folder).join("0/courrier.pdf"), b"%PDF-1.7 lettre").unwrap();
        std::fs::write(data.join(folder).join("0/p0.jpg"), b"vignette").unwrap();
        let batch = NewBatch {
            source_path: "/scan/lot.pdf".into(),
            content_hash: "lot-a".into(),
            profile: "generic-pdf".into(),
            folder: folder.into(),
            pages: vec![BatchPageRecord { source_index: 0, role: PageRole::Content, detail: None, kept: None }],
            courriers: vec![NewCourrier {
                separator: None,
                direction: None,
                pdf_path: format!("{folder}/0/courrier.pdf"),
                text: "lettre".into(),
                pages: vec![NewCourrierPage {
                    source_index: 0,
                    rotation_degrees: 0,
                    ocr_confidence: 90.0,
                    thumbnail_path: format!("{folder}/0/p0.jpg"),
                    text: "lettre".into(),
                }],
            }],
        };
        let actor = Actor { login: "operateur".into(), workstation: "poste-1".into() };
        store.commit_batch(&batch, &actor).unwrap();
        store
    }

    #[test]
    fn a_store_backs_itself_up_through_its_own_connection_and_the_copy_restores() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let store = store_with_a_batch(&data);
        let dest = dir.path().join("sauvegarde");
        let manifest = store.backup(&dest).unwrap();
        let head = store.history_head().unwrap().unwrap();
        assert_eq!(manifest.history.as_ref().map(|a| (a.event, a.hash.clone())), Some(head));
        assert_eq!(manifest.courriers, 1);
        let files = files_by_path(&manifest);
        for f in ["pli.sqlite3", "courriers/lot-a/0/courrier.pdf", "courriers/lot-a/0/p0.jpg"] {
            assert!(files.contains_key(f), "{f} not in {files:?}");
        }
        verify_files(&dest, &read_manifest(&dest).unwrap()).unwrap();
        let err = store.backup(&dest).unwrap_err().to_string();
        assert!(err.contains("n'est pas vide"), "{err}");
        let inside = store.backup(&data.join("sauvegarde")).unwrap_err().to_string();
        assert!(inside.contains("dans le dossier de données"), "{inside}");
        drop(store);
        let restored = restore(&dest, &dir.path().join("restauré"), false).unwrap();
        assert_eq!((restored.courriers, restored.head), (1, manifest.history));
    }

    #[test]
    fn a_document_outside_every_batch_folder_is_backed_up_too() {
        // An acknowledgement of receipt of a courrier received on paper only.
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let mut store = store_with_a_batch(&data);
        let ack = "accuses-de-reception/2026/ar-1.pdf";
        std::fs::create_dir_all(data.join("accuses-de-reception/2026")).unwrap();
        std::fs::write(data.join(ack), b"%PDF-1.7 accuse").unwrap();
        store
            .write_unchained(|q| {
                q.exec(
                    "INSERT INTO acknowledgement (courrier_id, kind, channel, recipient, body, document_path, sha256, produced_at)
                     VALUES (1, 'receipt', 'post', 'M. Martin', 'corps', ?1, 'x', '2026-12-01T10:00:00Z')",
                    params![ack],
                )
                .map(drop)
            })
            .unwrap();
        let dest = dir.path().join("sauvegarde");
        let manifest = store.backup(&dest).unwrap();
        assert!(files_by_path(&manifest).contains_key(ack), "the acknowledgement is in the backup");
        assert_eq!(std::fs::read(dest.join(ack)).unwrap(), b"%PDF-1.7 accuse");
        drop(store);
        restore(&dest, &dir.path().join("restauré"), false).unwrap();
        assert!(dir.path().join("restauré").join(ack).is_file(), "and comes back with a restore");
    }

    #[test]
    fn a_store_without_any_event_backs_up_and_restores() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("data")).unwrap();
        let dest = dir.path().join("sauvegarde");
        let manifest = store.backup(&dest).unwrap();
        assert_eq!((manifest.history.as_ref(), manifest.courriers), (None, 0));
        drop(store);
        let restored = restore(&dest, &dir.path().join("restauré"), false).unwrap();
        assert_eq!((restored.events, restored.head), (0, None));
    }
}
