//! Crash points for the fault-injection tests: `PLI_CRASH_AT=<point>` makes the
//! process abort (no unwinding, no cleanup: as a power cut) the first time it reaches
//! that point. Unset, it costs one lookup per point.

use std::sync::OnceLock;

pub(crate) fn crash_point(point: &str) {
    static WANTED: OnceLock<Option<String>> = OnceLock::new();
    if WANTED.get_or_init(|| std::env::var("PLI_CRASH_AT").ok()).as_deref() == Some(point) {
        eprintln!("PLI_CRASH_AT={point}: arrêt brutal simulé");
        std::process::abort();
    }
}
