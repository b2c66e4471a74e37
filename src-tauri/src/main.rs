//! Pli's desktop shell: a Tauri window over the core services. Commands are thin:
//! they open the store and return what the core says; no rule lives here.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use pli_store::Store;
use serde::Serialize;
use std::path::PathBuf;

/// What the home screen shows before anything else exists.
#[derive(Serialize)]
struct Overview {
    data_dir: String,
    courriers: i64,
}

fn data_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("PLI_DATA") {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("fr", "Pli", "pli")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or_else(|| "dossier de données introuvable : définissez PLI_DATA".to_string())
}

#[tauri::command]
fn overview() -> Result<Overview, String> {
    let dir = data_dir()?;
    let store = Store::open(&dir).map_err(|e| e.to_string())?;
    let courriers = store.courrier_count().map_err(|e| e.to_string())?;
    Ok(Overview { data_dir: dir.display().to_string(), courriers })
}

fn main() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![overview])
        .run(tauri::generate_context!())
        .expect("the Pli window could not start");
}
