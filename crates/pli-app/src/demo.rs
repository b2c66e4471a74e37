//! The embedded default: on an empty data folder, a demo organisation (directions,
//! document types, four accounts) and the demo batch dropped in the scanner folder.

use crate::{Answer, DemoAccount, say};
use pli_core::capture::Actor;
use pli_store::Store;
use pli_store::org::{OrganisationSheets, Sheet};
use std::path::Path;

const DIRECTIONS: &str = include_str!("../../../assets/demo/organisation/directions.csv");
const USERS: &str = include_str!("../../../assets/demo/organisation/users.csv");
const TYPES: &str = include_str!("../../../assets/demo/organisation/types.csv");
const DEMO_BATCH: &[u8] = include_bytes!("../../../assets/demo/lot-demo.pdf");

/// The demo accounts' password (shown on the sign-in screen while the demo lasts).
pub const DEMO_PASSWORD: &str = "courrier";

/// Marks a data folder whose organisation is the demo one.
const MARKER: &str = "organisation-demo.txt";

/// Installs the demo organisation when there is no user at all; says whether it did.
pub(crate) fn install_organisation_if_empty(store: &mut Store, actor: &Actor) -> Answer<bool> {
    let users: i64 = store.connection().query_row("SELECT count(*) FROM app_user", [], |r| r.get(0)).map_err(say)?;
    if users > 0 {
        return Ok(false);
    }
    let sheet = |name: &str, text: &str| Some(Sheet { name: name.into(), text: text.into() });
    store
        .import_organisation(
            &OrganisationSheets {
                directions: sheet("directions.csv", DIRECTIONS),
                users: sheet("users.csv", USERS),
                document_types: sheet("types.csv", TYPES),
            },
            actor,
        )
        .map_err(say)?;
    let marker = store.data_dir().join(MARKER);
    std::fs::write(
        &marker,
        "Organisation de démonstration installée au premier démarrage.\n\
         Supprimez ce fichier quand l'organisation réelle est importée (pli org import).\n",
    )
    .map_err(|e| format!("« {} » : {e}", marker.display()))?;
    Ok(true)
}

pub(crate) fn is_demo(data_dir: &Path) -> bool {
    data_dir.join(MARKER).is_file()
}

/// Writes the demo batch into the scanner folder the way a scanner does (a temporary
/// name, then a rename), so the watcher never sees half a file.
pub(crate) fn drop_demo_batch(folder: &Path) -> Answer<()> {
    let part = folder.join("lot-demo.pdf.part");
    let done = folder.join("lot-demo.pdf");
    std::fs::write(&part, DEMO_BATCH)
        .and_then(|_| std::fs::rename(&part, &done))
        .map_err(|e| format!("lot de démonstration dans « {} » : {e}", folder.display()))
}

pub(crate) fn accounts() -> Vec<DemoAccount> {
    USERS
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split(';').collect();
            (cols.len() >= 5).then(|| DemoAccount {
                login: cols[0].into(),
                password: cols[4].into(),
                roles: cols[1].into(),
            })
        })
        .collect()
}
