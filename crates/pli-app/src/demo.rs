//! The demo, only when asked for (`PLI_DEMO=1`, `--demo`, `make run`): on an empty data
//! folder, a demo organisation (directions, document types, four accounts whose
//! password is printed in the README) and the demo batch dropped in the scanner folder.
//! The demo accounts are retired by the first real organisation import.

use crate::{Answer, DemoAccount, Failure, say};
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

/// Marked a demo data folder before demo accounts were marked in the database.
const LEGACY_MARKER: &str = "organisation-demo.txt";

/// Installs the demo organisation when there is no user at all; says whether it did.
pub fn install_organisation_if_empty(store: &mut Store, actor: &Actor) -> Answer<bool> {
    // Any user at all, active or not (not `has_accounts`, which counts the active ones
    // only: a folder whose users were all deactivated must not get the demo's).
    if !store.catalogue().map_err(say)?.users.is_empty() {
        return Ok(false);
    }
    let sheet = |name: &str, text: &str| Some(Sheet { name: name.into(), text: text.into() });
    store
        .import_demo_organisation(
            &OrganisationSheets {
                directions: sheet("directions.csv", DIRECTIONS),
                users: sheet("users.csv", USERS),
                document_types: sheet("types.csv", TYPES),
            },
            actor,
        )
        .map_err(say)?;
    Ok(true)
}

/// Data folders set up by an earlier Pli had their demo accounts unmarked (the marker
/// file only hid them once deleted): those still on the demo password are marked now,
/// so that the first real import retires them.
pub(crate) fn mark_legacy_accounts(store: &mut Store) -> Answer<()> {
    let logins: Vec<String> = accounts().into_iter().map(|a| a.login).collect();
    let marked = store.mark_demo_accounts(&logins, DEMO_PASSWORD).map_err(say)?;
    if marked > 0 {
        tracing::warn!(marked, "comptes de démonstration encore actifs : retirés au premier import de l'organisation");
    }
    let marker = store.data_dir().join(LEGACY_MARKER);
    if marker.is_file() {
        let _ = std::fs::remove_file(&marker);
    }
    Ok(())
}

/// Writes the demo batch into the scanner folder the way a scanner does (a temporary
/// name, then a rename), so the watcher never sees half a file.
pub(crate) fn drop_demo_batch(folder: &Path) -> Answer<()> {
    let part = folder.join("lot-demo.pdf.part");
    let done = folder.join("lot-demo.pdf");
    std::fs::write(&part, DEMO_BATCH)
        .and_then(|_| std::fs::rename(&part, &done))
        .map_err(|e| Failure::internal(format!("lot de démonstration dans « {} » : {e}", folder.display())))
}

pub fn accounts() -> Vec<DemoAccount> {
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
