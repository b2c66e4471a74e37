//! The head of the event chain, anchored outside the database. The chain proves that no
//! event was altered in place, but someone able to write the database file can cut its
//! tail or rewrite it and seal it again. So the head (last event id and hash) is written
//! down elsewhere: in `<data>/history.anchor`, each line sealed with an HMAC whose key
//! (`<data>/history.key`, 0600) is never in the database; in every backup manifest; in
//! every activity export. `verify_history` then checks that every anchored event is still
//! there with the same hash.
//!
//! Limits, said plainly: whoever can write the key file too can forge local anchors, and
//! whoever can delete lines of the anchor file can hide a cut after them. Anchors kept
//! elsewhere (backups, exports) are the answer to both.

use crate::{Result, Store, StoreError};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// The key that seals anchors, beside the database, never in it.
pub const KEY_FILE: &str = "history.key";
/// One anchor per line (JSON), appended when the head has moved.
pub const ANCHOR_FILE: &str = "history.anchor";

/// An event of the chain written down outside the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Anchor {
    /// The last event's id when the anchor was taken.
    pub event: i64,
    /// Its hash in the chain.
    pub hash: String,
    /// When the anchor was taken (RFC 3339, UTC).
    #[serde(default)]
    pub at: String,
    /// HMAC-SHA256 of (event, hash) with the data folder's key, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
}

impl Anchor {
    fn message(event: i64, hash: &str) -> String {
        format!("pli-history\u{1f}{event}\u{1f}{hash}")
    }

    /// Sealed with `key`.
    pub fn sealed(event: i64, hash: &str, key: &[u8]) -> Anchor {
        let mut mac = hmac_sha256(key);
        mac.update(Anchor::message(event, hash).as_bytes());
        let mac = hex::encode(mac.finalize().into_bytes());
        Anchor { event, hash: hash.to_string(), at: crate::now_rfc3339(), mac: Some(mac) }
    }

    /// Whether its seal was made with `key` (false when it has none).
    pub fn seal_matches(&self, key: &[u8]) -> bool {
        let Some(mac) = &self.mac else { return false };
        let Ok(mac) = hex::decode(mac) else { return false };
        let mut expected = hmac_sha256(key);
        expected.update(Anchor::message(self.event, &self.hash).as_bytes());
        // Constant time: the comparison does not tell how much of a forged seal was right.
        expected.verify_slice(&mac).is_ok()
    }
}

/// HMAC-SHA256 of `message` under `key`.
fn hmac_sha256(key: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length: this cannot fail.
    Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length")
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io { path: path.to_path_buf(), source }
}

/// The data folder's key, if it has one.
pub fn read_key(data_dir: &Path) -> Result<Option<Vec<u8>>> {
    let path = data_dir.join(KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => hex::decode(text.trim())
            .map(Some)
            .map_err(|_| StoreError::Invalid(format!("« {} » : clé illisible", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(&path)(e)),
    }
}

/// The data folder's key, created (32 random bytes, readable by its owner only) on first use.
pub fn key(data_dir: &Path) -> Result<Vec<u8>> {
    if let Some(k) = read_key(data_dir)? {
        return Ok(k);
    }
    use password_hash::rand_core::{OsRng, RngCore};
    let mut k = [0u8; 32];
    OsRng.fill_bytes(&mut k);
    // Written whole under a private name, then linked in: two processes starting at once
    // never read a half-written key, and the first one's key wins.
    let path = data_dir.join(KEY_FILE);
    let tmp = data_dir.join(format!("{KEY_FILE}.{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(&tmp).map_err(io_err(&tmp))?;
    f.write_all(hex::encode(k).as_bytes()).and_then(|_| f.sync_all()).map_err(io_err(&tmp))?;
    let linked = std::fs::hard_link(&tmp, &path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => sync_dir(data_dir),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io_err(&path)(e)),
    }
    read_key(data_dir)?.ok_or_else(|| StoreError::Invalid(format!("« {} » : clé introuvable", path.display())))
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The anchors of a file: an anchor file (one per line), a backup manifest or a JSON
/// export (its `history`), or a CSV export (its « Historique » table).
pub fn anchors_in(path: &Path) -> Result<Vec<Anchor>> {
    let text = std::fs::read_to_string(path).map_err(io_err(path))?;
    let text = text.trim_start_matches('\u{feff}');
    let bad = || StoreError::Invalid(format!("« {} » : aucune ancre de l'historique trouvée", path.display()));
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        let found = value.get("history").cloned().unwrap_or(value);
        return serde_json::from_value::<Anchor>(found).map(|a| vec![a]).map_err(|_| bad());
    }
    let lines: Vec<Anchor> = text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    if !lines.is_empty() {
        return Ok(lines);
    }
    // CSV export: the title line, the column names, then the anchor.
    let mut it = text.lines().skip_while(|l| l.trim().trim_matches('"') != crate::stats::HISTORY_TABLE).skip(2);
    let row = it.next().ok_or_else(bad)?;
    let cells: Vec<&str> = row.split(';').map(|c| c.trim().trim_matches('"')).collect();
    match cells.as_slice() {
        [event, hash, mac, at, ..] => Ok(vec![Anchor {
            event: event.parse().map_err(|_| bad())?,
            hash: hash.to_string(),
            at: at.to_string(),
            mac: (!mac.is_empty()).then(|| mac.to_string()),
        }]),
        _ => Err(bad()),
    }
}

/// The last line of the anchor file, read from its end (the file only grows).
fn last_anchor(path: &Path) -> Option<Anchor> {
    let mut f = std::fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    let from = len.saturating_sub(4096);
    f.seek(SeekFrom::Start(from)).ok()?;
    let mut tail = String::new();
    f.read_to_string(&mut tail).ok()?;
    tail.lines().rev().find_map(|l| serde_json::from_str(l).ok())
}

/// An anchor read from somewhere, for messages.
#[derive(Debug, Clone)]
pub struct NamedAnchor {
    pub anchor: Anchor,
    /// Where it was read: the anchor file and its line, or the file given.
    pub source: String,
}

/// The local anchors whose seal holds, and the problems met reading them.
pub(crate) fn local_anchors(data_dir: &Path) -> Result<(Vec<NamedAnchor>, Vec<String>)> {
    let path = data_dir.join(ANCHOR_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let problems = match read_key(data_dir)? {
                // The key is made by the first anchor: a key without anchors means the
                // file was removed.
                Some(_) => {
                    vec![format!("le fichier des ancres « {ANCHOR_FILE} » a disparu alors que la clé existe")]
                }
                None => vec![],
            };
            return Ok((vec![], problems));
        }
        Err(e) => return Err(io_err(&path)(e)),
    };
    let key = read_key(data_dir)?;
    let mut anchors = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let source = format!("{ANCHOR_FILE}, ligne {}", i + 1);
        // A line cut by a crash while it was appended carries no anchor: removing a line
        // is no worse, and that is what anchors kept elsewhere are for.
        let Ok(anchor) = serde_json::from_str::<Anchor>(line) else {
            tracing::warn!("{source} : ancre illisible, ignorée");
            continue;
        };
        match &key {
            None => {
                problems.push(format!("{source} : la clé « {KEY_FILE} » a disparu, ancre invérifiable"));
                break;
            }
            Some(k) if !anchor.seal_matches(k) => {
                problems.push(format!("{source} : sceau invalide (ancre écrite ou modifiée sans la clé)"))
            }
            Some(_) => anchors.push(NamedAnchor { anchor, source }),
        }
    }
    Ok((anchors, problems))
}

/// Checks, while the chain is read in order, that each anchored event is there with its hash.
pub(crate) struct AnchorCheck {
    wanted: std::collections::BTreeMap<i64, Vec<NamedAnchor>>,
    problems: Vec<String>,
    pub checked: usize,
}

impl AnchorCheck {
    pub fn new(anchors: Vec<NamedAnchor>) -> AnchorCheck {
        let mut wanted: std::collections::BTreeMap<i64, Vec<NamedAnchor>> = Default::default();
        let checked = anchors.len();
        for a in anchors {
            wanted.entry(a.anchor.event).or_default().push(a);
        }
        AnchorCheck { wanted, problems: Vec::new(), checked }
    }

    /// Event `id` of the chain has `hash`.
    pub fn see(&mut self, id: i64, hash: &str) {
        for a in self.wanted.remove(&id).unwrap_or_default() {
            if a.anchor.hash != hash {
                self.problems.push(format!(
                    "l'événement {id} n'a plus l'empreinte attestée le {} ({}) : l'historique a été réécrit puis scellé à nouveau",
                    a.anchor.at, a.source
                ));
            }
        }
    }

    /// The problems, once the chain has been read up to `last_id`.
    pub fn finish(mut self, last_id: i64) -> Vec<String> {
        for (id, anchors) in std::mem::take(&mut self.wanted) {
            for a in anchors {
                self.problems.push(if id > last_id {
                    format!(
                        "historique tronqué : il s'arrête à l'événement {last_id}, mais l'ancre du {} ({}) atteste l'événement {id}",
                        a.anchor.at, a.source
                    )
                } else {
                    format!("l'événement {id}, attesté le {} ({}), a disparu", a.anchor.at, a.source)
                });
            }
        }
        self.problems
    }
}

impl Store {
    /// The last event's id and hash, if any event was written.
    pub fn history_head(&self) -> Result<Option<(i64, String)>> {
        self.read(head)
    }

    /// The head, sealed with the data folder's key, appended to the anchor file if it
    /// moved since the last anchor. None while there is no event.
    pub fn anchor_history(&self) -> Result<Option<Anchor>> {
        let Some((event, hash)) = self.history_head()? else { return Ok(None) };
        let data_dir = self.data_dir();
        let key = key(data_dir)?;
        let path = data_dir.join(ANCHOR_FILE);
        if let Some(last) = last_anchor(&path).filter(|a| a.event == event && a.hash == hash) {
            return Ok(Some(last));
        }
        let anchor = Anchor::sealed(event, &hash, &key);
        append_line(&path, &anchor)?;
        Ok(Some(anchor))
    }
}

/// The last event's id and hash in a session, if any event was written (a store's, or a
/// backup's copy).
pub(crate) fn head(q: &mut crate::db::Q<'_>) -> Result<Option<(i64, String)>> {
    q.opt("SELECT id, hash FROM event ORDER BY id DESC LIMIT 1", crate::db::params![])?
        .map(|r| Ok((r.get(0)?, r.get::<Option<String>>(1)?.unwrap_or_default())))
        .transpose()
}

/// One line, one write, in append mode: two processes never interleave their lines.
pub(crate) fn append_line(path: &Path, anchor: &Anchor) -> Result<()> {
    let mut line = serde_json::to_string(anchor).map_err(|e| StoreError::Invalid(e.to_string()))?;
    line.push('\n');
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path).map_err(io_err(path))?;
    // After a line cut short (a crash while appending), start on a line of its own.
    if !ends_with_newline(path) {
        line.insert(0, '\n');
    }
    f.write_all(line.as_bytes()).and_then(|_| f.sync_data()).map_err(io_err(path))
}

fn ends_with_newline(path: &Path) -> bool {
    let Ok(mut f) = std::fs::File::open(path) else { return true };
    let mut last = [b'\n'];
    f.seek(SeekFrom::End(-1)).and_then(|_| f.read_exact(&mut last)).map_or(true, |_| last[0] == b'\n')
}

/// Anchored when the store is closed, so that every command and every session of the
/// window leaves the head it reached written down (a crash skips it: the next anchor
/// covers it).
impl Drop for Store {
    fn drop(&mut self) {
        if let Err(e) = self.anchor_history() {
            tracing::warn!("ancre de l'historique non écrite : {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test cases 1 and 6 of RFC 4231 (a short key, and a key longer than a block).
        let hmac = |key: &[u8], message: &[u8]| {
            let mut mac = hmac_sha256(key);
            mac.update(message);
            hex::encode(mac.finalize().into_bytes())
        };
        assert_eq!(hmac(&[0x0b; 20], b"Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        assert_eq!(
            hmac(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn a_seal_holds_only_with_its_key_and_its_fields() {
        let a = Anchor::sealed(12, "abc", b"clef");
        assert!(a.seal_matches(b"clef"));
        assert!(!a.seal_matches(b"autre"));
        assert!(!Anchor { event: 13, ..a.clone() }.seal_matches(b"clef"));
        assert!(!Anchor { hash: "abd".into(), ..a.clone() }.seal_matches(b"clef"));
        assert!(!Anchor { mac: None, ..a }.seal_matches(b"clef"));
    }
}
