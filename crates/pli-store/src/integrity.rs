//! The integrity check: the database file (SQLite's own check; on PostgreSQL the
//! database's own integrity is the server's business), every document against the
//! SHA-256 recorded when it was written, and the history (chain, anchors, records).
//! Run by the desktop at start (in the background) and by `pli check`; what it finds is
//! said in the window and in the log.

use crate::db::{Dialect, Q, params};
use crate::{Result, Store, StoreError};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

/// What the check found. Sound when every list is empty.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
pub struct IntegrityReport {
    /// SQLite's complaints about the database file (always empty on PostgreSQL, whose
    /// server answers for its own storage).
    pub database: Vec<String>,
    /// Documents checked against their recorded hash.
    pub documents: usize,
    /// Documents met for the first time (written by a correction, or before hashes were
    /// recorded): their hash is recorded now.
    pub recorded: usize,
    /// Documents missing or changed.
    pub damage: Vec<Damage>,
    /// The history's problems: a broken chain, a cut-off or re-sealed tail, records that
    /// differ from their events.
    pub history: Vec<String>,
}

impl IntegrityReport {
    pub fn is_sound(&self) -> bool {
        self.database.is_empty() && self.damage.is_empty() && self.history.is_empty()
    }

    /// Every problem, one line each, in plain French.
    pub fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = self.database.iter().map(|p| format!("base de données : {p}")).collect();
        out.extend(self.damage.iter().map(|d| format!("« {} » : {}", d.path, d.problem)));
        out.extend(self.history.iter().map(|h| format!("historique : {h}")));
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Damage {
    /// Relative to the data folder.
    pub path: String,
    pub problem: String,
}

/// SHA-256 (hex) and size of a file, read in blocks.
pub fn sha256_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        h.update(&buf[..n]);
    }
    Ok((hex::encode(h.finalize()), size))
}

/// Regular files under `data_dir/folder`, relative to `data_dir` with `/`, sorted.
/// Symbolic links are not followed: a document is a file Pli wrote.
pub(crate) fn files_under(data_dir: &Path, folder: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![folder.to_string()];
    while let Some(rel) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(data_dir.join(&rel)) else { continue };
        for e in entries.flatten() {
            let Ok(kind) = e.file_type() else { continue };
            let Some(name) = e.file_name().to_str().map(String::from) else { continue };
            let child = format!("{rel}/{name}");
            if kind.is_dir() {
                stack.push(child);
            } else if kind.is_file() {
                out.push(child);
            }
        }
    }
    out.sort();
    out
}

/// The documents the database points at: searchable PDFs, thumbnails, kept blank pages.
pub(crate) fn referenced_documents(q: &mut Q<'_>) -> Result<BTreeSet<String>> {
    // A database from before kept blank pages (an old backup) lacks their columns; the
    // PostgreSQL schema is created whole, with them.
    let kept = match q.dialect() {
        Dialect::Sqlite => {
            q.opt("SELECT 1 FROM pragma_table_info('batch_page') WHERE name = 'kept_pdf'", params![])?.is_some()
        }
        Dialect::Postgres => true,
    };
    let mut sql = String::from(
        "SELECT pdf_path FROM courrier WHERE pdf_path IS NOT NULL UNION SELECT thumbnail_path FROM courrier_page",
    );
    if kept {
        sql.push_str(
            " UNION SELECT kept_pdf FROM batch_page WHERE kept_pdf IS NOT NULL
              UNION SELECT kept_thumbnail FROM batch_page WHERE kept_thumbnail IS NOT NULL",
        );
    }
    // Acknowledgements of receipt; those of courriers received on paper only lie outside
    // any batch's folder. An old backup's database has no such table.
    let acknowledgements = match q.dialect() {
        Dialect::Sqlite => {
            q.opt("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'acknowledgement'", params![])?.is_some()
        }
        Dialect::Postgres => true,
    };
    if acknowledgements {
        sql.push_str(" UNION SELECT document_path FROM acknowledgement");
    }
    q.rows(&sql, params![])?.iter().map(|r| r.get(0)).collect()
}

/// The batches' document folders.
pub(crate) fn batch_folders(q: &mut Q<'_>) -> Result<Vec<String>> {
    q.rows("SELECT folder FROM batch ORDER BY id", params![])?.iter().map(|r| r.get(0)).collect()
}

/// Records the hash of every file of a batch's folder, inside the transaction that
/// commits the batch. A folder that is not there (a store driven without capture)
/// records nothing; a file that cannot be read is left to the integrity check.
pub(crate) fn record_batch_files(
    q: &mut crate::db::Q<'_>,
    data_dir: &Path,
    folder: &str,
    now: &str,
) -> crate::Result<()> {
    for file in files_under(data_dir, folder) {
        if let Ok((sha, size)) = sha256_file(&data_dir.join(&file)) {
            q.exec(
                "INSERT INTO document_hash (path, sha256, size, recorded_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT DO NOTHING",
                crate::db::params![file, sha, size, now],
            )?;
        }
    }
    Ok(())
}

impl Store {
    /// Checks the database file (`quick_check`, or the slower `integrity_check` when
    /// `full`), every document against its recorded hash, and the history. Records the
    /// hash of documents met for the first time; forgets those of files no longer
    /// referenced and gone (replaced by a correction).
    ///
    /// On PostgreSQL the database's own integrity is the server's business (its
    /// checksums, its backups): the documents and the history are checked all the same.
    pub fn check_integrity(&mut self, full: bool) -> Result<IntegrityReport> {
        let mut report = IntegrityReport::default();
        let pragma = if full { "integrity_check" } else { "quick_check" };
        let lines = self.read(|q| {
            // SQLite only: its file is ours to check.
            let Some(conn) = q.sqlite() else { return Ok(None) };
            let sql = |source| StoreError::Sqlite { path: conn.path().unwrap_or_default().into(), source };
            let lines: Vec<String> = conn
                .prepare(&format!("PRAGMA {pragma}"))
                .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
                .map_err(sql)?;
            Ok(Some(lines))
        })?;
        match lines {
            Some(lines) => report.database = lines.into_iter().filter(|l| l != "ok").collect(),
            None => tracing::info!(
                "contrôle d'intégrité de « {} » : la base PostgreSQL est vérifiée par son serveur \
                 (sommes de contrôle, sauvegardes) ; documents et historique vérifiés ici",
                self.data_dir().display()
            ),
        }
        if !report.database.is_empty() {
            // Reading further from a damaged file may fail or mislead: say what SQLite said.
            self.log(&report);
            return Ok(report);
        }

        let (recorded, referenced, folders) = self.read(|q| {
            let recorded: BTreeMap<String, (String, i64)> = q
                .rows("SELECT path, sha256, size FROM document_hash", params![])?
                .iter()
                .map(|r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
                .collect::<Result<_>>()?;
            Ok((recorded, referenced_documents(q)?, batch_folders(q)?))
        })?;
        let mut on_disk: BTreeSet<String> = BTreeSet::new();
        for folder in folders {
            on_disk.extend(files_under(self.data_dir(), &folder));
        }
        let mut forget = Vec::new();
        let mut record = Vec::new();
        let damage = |path: &str, problem: String| Damage { path: path.to_string(), problem };
        for (path, (sha, size)) in &recorded {
            let full_path = self.resolve(path);
            match sha256_file(&full_path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    if referenced.contains(path) {
                        report.damage.push(damage(path, "document manquant".into()));
                    } else {
                        forget.push(path.clone());
                    }
                }
                Err(e) => report.damage.push(damage(path, format!("illisible ({e})"))),
                Ok((now_sha, now_size)) => {
                    report.documents += 1;
                    if &now_sha != sha {
                        report.damage.push(damage(
                            path,
                            format!(
                                "contenu modifié depuis son enregistrement ({} octets au lieu de {size}, empreinte {}… au lieu de {}…)",
                                now_size,
                                &now_sha[..12],
                                &sha[..sha.len().min(12)]
                            ),
                        ));
                    }
                }
            }
        }
        for path in on_disk.iter().chain(referenced.iter()).collect::<BTreeSet<_>>() {
            if recorded.contains_key(path) {
                continue;
            }
            match sha256_file(&self.resolve(path)) {
                Ok((sha, size)) => record.push((path.clone(), sha, size)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    report.damage.push(damage(path, "document manquant".into()))
                }
                Err(e) => report.damage.push(damage(path, format!("illisible ({e})"))),
            }
        }
        if !record.is_empty() || !forget.is_empty() {
            let now = crate::now_rfc3339();
            self.write(|q| {
                for (path, sha, size) in &record {
                    q.exec(
                        "INSERT INTO document_hash (path, sha256, size, recorded_at) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT DO NOTHING",
                        params![path, sha, *size as i64, now],
                    )?;
                }
                for path in &forget {
                    q.exec("DELETE FROM document_hash WHERE path = ?1", params![path])?;
                }
                Ok(())
            })?;
        }
        report.recorded = record.len();

        let chain = self.verify_history()?;
        report.history.extend(chain.broken.iter().map(|b| format!("événement {} : {}", b.event, b.problem)));
        report.history.extend(chain.anchor_problems);
        report.history.extend(chain.record_problems);
        self.log(&report);
        Ok(report)
    }

    fn log(&self, report: &IntegrityReport) {
        if report.is_sound() {
            tracing::info!(
                "contrôle d'intégrité de « {} » : rien à signaler ({} documents vérifiés, {} enregistrés)",
                self.data_dir().display(),
                report.documents,
                report.recorded
            );
        }
        for p in report.problems() {
            tracing::error!("contrôle d'intégrité de « {} » : {p}", self.data_dir().display());
        }
    }
}
