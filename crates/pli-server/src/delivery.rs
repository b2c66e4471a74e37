//! Deliveries from scanner workstations: the documents a capture made, then the batch
//! itself, each step safe to repeat.
//!
//! 1. `PUT /deliveries/<capture id>/<path>` (one per file, `X-Pli-Sha256` its hash): the
//!    bytes land in `<data>/incoming/<capture id>/<path>`, written aside, checked, synced,
//!    then renamed into place; the same file sent again is taken again.
//! 2. `POST /deliveries/<capture id>`: the batch (`NewBatch`, paths relative to its own
//!    folder on the workstation) and the SHA-256 of every file. Every file is checked, the
//!    folder moved to `courriers/<capture id>` and synced, then the batch recorded with its
//!    events and the delivery in one transaction (`Store::commit_delivery`). Already
//!    recorded: the first answer again, nothing written.
//!
//! The capture id is the SHA-256 of the batch's original: fixed at capture, the same
//! whichever workstation sends it and however often.

use pli_app::{Answer, Failure, say};
use pli_core::capture::{Actor, CommittedBatch, NewBatch};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where files wait until their batch is committed, under the data folder.
pub const INCOMING_DIR: &str = "incoming";

pub use pli_store::delivery::{Delivered, Delivery};

/// A capture id is a SHA-256 in lowercase hexadecimal, nothing else.
pub fn check_capture_id(id: &str) -> Answer<()> {
    if id.len() == 64 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        Ok(())
    } else {
        Err(Failure::invalid(format!(
            "identifiant de lot « {} » invalide (SHA-256 attendu)",
            id.chars().take(80).collect::<String>()
        )))
    }
}

/// A file's path inside its batch's folder: relative, plain names, no way out.
pub fn check_file_path(path: &str) -> Answer<()> {
    let ok = !path.is_empty()
        && path.len() <= 200
        && path.split('/').count() <= 4
        && path.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && !part.starts_with('.')
                && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        });
    if ok { Ok(()) } else { Err(Failure::invalid(format!("chemin de fichier « {path} » refusé"))) }
}

fn incoming(data: &Path, capture_id: &str) -> PathBuf {
    data.join(INCOMING_DIR).join(capture_id)
}

fn final_folder(capture_id: &str) -> String {
    format!("{}/{capture_id}", pli_core::capture::COURRIERS_DIR)
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Failure + '_ {
    move |e| Failure::internal(format!("« {} » : {e}", path.display()))
}

/// Takes one file of a delivery: written aside, its hash checked, synced, renamed in.
pub fn receive_file(data: &Path, capture_id: &str, path: &str, sha256: &str, bytes: &[u8]) -> Answer<()> {
    check_capture_id(capture_id)?;
    check_file_path(path)?;
    let got = hex::encode(Sha256::digest(bytes));
    if !got.eq_ignore_ascii_case(sha256.trim()) {
        return Err(Failure::invalid(format!("« {path} » : empreinte différente de celle annoncée (envoi abîmé)")));
    }
    if data.join(final_folder(capture_id)).is_dir() {
        return Ok(()); // its batch is already in place: a late repeat
    }
    let target = incoming(data, capture_id).join(path);
    let folder = target.parent().expect("a file inside the batch's folder");
    pli_capture::durable::create_dir_all_synced(folder).map_err(io(folder))?;
    let part = target.with_extension(format!("{}.part", target.extension().and_then(|e| e.to_str()).unwrap_or("")));
    let mut file = std::fs::File::create(&part).map_err(io(&part))?;
    file.write_all(bytes).and_then(|_| file.sync_all()).map_err(io(&part))?;
    std::fs::rename(&part, &target).map_err(io(&target))?;
    pli_capture::durable::sync_dir(folder).map_err(io(folder))
}

/// Records a delivery (see the module's steps); safe to repeat at any point.
pub fn commit(
    store: &mut pli_store::Store,
    data: &Path,
    capture_id: &str,
    delivery: &Delivery,
    delivered_by: &str,
) -> Answer<Delivered> {
    check_capture_id(capture_id)?;
    if delivery.batch.content_hash != capture_id {
        return Err(Failure::invalid("le lot envoyé ne correspond pas à son identifiant"));
    }
    if let Some(done) = store.delivered(capture_id).map_err(say)? {
        return Ok(answer(done, false));
    }
    let folder = final_folder(capture_id);
    let batch = moved_batch(&delivery.batch, &folder)?;
    let target = data.join(&folder);
    if !target.is_dir() {
        let waiting = incoming(data, capture_id);
        check_files(&waiting, &delivery.files)?;
        let parent = target.parent().expect("courriers/");
        pli_capture::durable::create_dir_all_synced(parent).map_err(io(parent))?;
        std::fs::rename(&waiting, &target).map_err(io(&target))?;
        pli_capture::durable::sync_dir(parent).map_err(io(parent))?;
        if let Some(up) = waiting.parent() {
            let _ = pli_capture::durable::sync_dir(up);
        }
    } else {
        // Moved by an earlier sending that did not get to record it: checked again.
        check_files(&target, &delivery.files)?;
    }
    let actor = Actor { login: delivery.operator.clone(), workstation: delivery.workstation.clone() };
    let (done, now) = store.commit_delivery(capture_id, &batch, &actor, delivered_by).map_err(say)?;
    Ok(answer(done, now))
}

fn answer(done: CommittedBatch, recorded_now: bool) -> Delivered {
    Delivered { batch_id: done.batch_id, courrier_ids: done.courrier_ids, recorded_now }
}

/// Every file announced is there with its hash, and nothing else is.
fn check_files(folder: &Path, files: &BTreeMap<String, String>) -> Answer<()> {
    let mut found = Vec::new();
    list_files(folder, folder, &mut found).map_err(io(folder))?;
    found.sort();
    let announced: Vec<&String> = files.keys().collect();
    if found.iter().collect::<Vec<_>>() != announced {
        let missing: Vec<&&String> = announced.iter().filter(|p| !found.contains(p)).collect();
        return Err(Failure::conflict(format!(
            "fichiers du lot incomplets ({} reçus sur {}) : {}",
            found.len(),
            files.len(),
            missing.iter().take(3).map(|p| p.as_str()).collect::<Vec<_>>().join(", ")
        )));
    }
    for (path, sha256) in files {
        check_file_path(path)?;
        let file = folder.join(path);
        let bytes = std::fs::read(&file).map_err(io(&file))?;
        if !hex::encode(Sha256::digest(&bytes)).eq_ignore_ascii_case(sha256) {
            return Err(Failure::conflict(format!("« {path} » : empreinte différente de celle annoncée")));
        }
    }
    Ok(())
}

fn list_files(root: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            list_files(root, &path, out)?;
        } else if !path.to_string_lossy().ends_with(".part") {
            out.push(path.strip_prefix(root).expect("under root").to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

/// The batch with its paths moved from the workstation's folder to the server's.
fn moved_batch(batch: &NewBatch, folder: &str) -> Answer<NewBatch> {
    let from = format!("{}/", batch.folder.trim_end_matches('/'));
    let to = format!("{folder}/");
    let moved = |path: &str| -> Answer<String> {
        let inside = path
            .strip_prefix(&from)
            .ok_or_else(|| Failure::invalid(format!("« {path} » n'est pas dans le dossier du lot")))?;
        check_file_path(inside)?;
        Ok(format!("{to}{inside}"))
    };
    let mut b = batch.clone();
    b.folder = folder.to_string();
    for p in &mut b.pages {
        if let Some(kept) = &mut p.kept {
            kept.pdf_path = moved(&kept.pdf_path)?;
            kept.thumbnail_path = moved(&kept.thumbnail_path)?;
        }
    }
    for c in &mut b.courriers {
        c.pdf_path = moved(&c.pdf_path)?;
        for page in &mut c.pages {
            page.thumbnail_path = moved(&page.thumbnail_path)?;
        }
    }
    Ok(b)
}
