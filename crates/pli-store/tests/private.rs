//! The data folder is the mail room's only: 0700 folders, 0600 database and documents,
//! and a folder left open to others is closed when the store opens it.
#![cfg(unix)]

use pli_core::capture::{Actor, BatchPageRecord, BatchStore, NewBatch, NewCourrier, NewCourrierPage, PageRole};
use pli_store::Store;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A batch whose documents capture wrote world-readable (the usual umask 022).
fn commit_batch_written_open(store: &mut Store, data: &Path, name: &str) -> std::path::PathBuf {
    let folder = data.join("courriers").join(name);
    std::fs::create_dir_all(folder.join("thumbs")).unwrap();
    set_mode(&folder, 0o755);
    for file in ["c0001.pdf", "c0001.txt", "thumbs/c0001-p001.jpg"] {
        std::fs::write(folder.join(file), b"document").unwrap();
        set_mode(&folder.join(file), 0o644);
    }
    let batch = NewBatch {
        source_path: format!("/scan/{name}.pdf"),
        content_hash: name.into(),
        profile: "generic-pdf".into(),
        folder: format!("courriers/{name}"),
        pages: vec![BatchPageRecord { source_index: 0, role: PageRole::Content, detail: None, kept: None }],
        courriers: vec![NewCourrier {
            separator: None,
            direction: None,
            pdf_path: format!("courriers/{name}/c0001.pdf"),
            pages: vec![NewCourrierPage {
                source_index: 0,
                rotation_degrees: 0,
                ocr_confidence: 90.0,
                thumbnail_path: format!("courriers/{name}/thumbs/c0001-p001.jpg"),
                text: "Objet : essai".into(),
            }],
            text: "Objet : essai".into(),
        }],
    };
    store.commit_batch(&batch, &Actor { login: "pli".into(), workstation: "poste".into() }).unwrap();
    folder
}

#[test]
fn a_new_data_folder_and_what_is_stored_in_it_are_the_mail_rooms_only() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("donnees");
    let mut store = Store::open(&data).unwrap();
    let folder = commit_batch_written_open(&mut store, &data, "lot1");
    assert_eq!(mode(&data), 0o700, "the data folder");
    assert_eq!(mode(&data.join("courriers")), 0o700);
    for db in ["pli.sqlite3", "pli.sqlite3-wal", "pli.sqlite3-shm"] {
        assert_eq!(mode(&data.join(db)), 0o600, "{db}");
    }
    assert_eq!(mode(&folder), 0o700, "the batch's folder");
    assert_eq!(mode(&folder.join("thumbs")), 0o700);
    for file in ["c0001.pdf", "c0001.txt", "thumbs/c0001-p001.jpg"] {
        assert_eq!(mode(&folder.join(file)), 0o600, "{file}");
    }
}

#[test]
fn a_data_folder_left_open_to_others_is_closed_when_opened() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("donnees");
    let mut store = Store::open(&data).unwrap();
    let folder = commit_batch_written_open(&mut store, &data, "lot1");
    drop(store);
    // As an earlier Pli left it: everything readable by every account.
    for path in [&data, &data.join("courriers"), &folder, &folder.join("thumbs")] {
        set_mode(path, 0o755);
    }
    for file in [data.join("pli.sqlite3"), folder.join("c0001.pdf"), folder.join("thumbs/c0001-p001.jpg")] {
        set_mode(&file, 0o644);
    }
    let _store = Store::open(&data).unwrap();
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("courriers")), 0o700);
    assert_eq!(mode(&data.join("pli.sqlite3")), 0o600);
    assert_eq!((mode(&folder), mode(&folder.join("thumbs"))), (0o700, 0o700));
    assert_eq!(mode(&folder.join("c0001.pdf")), 0o600);
    assert_eq!(mode(&folder.join("thumbs/c0001-p001.jpg")), 0o600);
}
