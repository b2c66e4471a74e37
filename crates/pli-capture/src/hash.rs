//! Content hash of a batch, to recognise the same pages dropped twice.

use crate::{CaptureError, Problem};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// SHA-256 of a file's bytes, or of a folder's files (names and bytes, in name order).
pub fn content_hash(path: &Path) -> Result<String, CaptureError> {
    let io = |p: &Path, e| CaptureError::new(p, Problem::Io(e));
    let mut hasher = Sha256::new();
    if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| io(path, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for file in files {
            hasher.update(file.file_name().map(|n| n.as_encoded_bytes()).unwrap_or_default());
            hash_file(&mut hasher, &file).map_err(|e| io(&file, e))?;
        }
    } else {
        hash_file(&mut hasher, path).map_err(|e| io(path, e))?;
    }
    Ok(hex::encode(hasher.finalize()))
}

fn hash_file(hasher: &mut Sha256, path: &Path) -> std::io::Result<()> {
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        hasher.update(&buf[..n]);
    }
}
