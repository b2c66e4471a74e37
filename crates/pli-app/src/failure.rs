//! What went wrong, for the window (and the coming HTTP API) to map: a kind — refused,
//! not found, invalid input, conflict, internal — and a plain French sentence. The
//! store's errors keep the kind the store gives them (an invisible courrier stays what
//! the store says it is); this crate's own failures say theirs where they are made.

use pli_capture::profile::ProfileError;
use pli_store::{ErrorKind, StoreError};
use pli_watch::WatchError;
use serde::Serialize;
use std::any::Any;
use ts_rs::TS;

/// A failed call: its kind, and the sentence the window shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Failure {
    pub kind: ErrorKind,
    pub message: String,
}

/// An answer for the window: the value, or what went wrong.
pub type Answer<T> = Result<T, Failure>;

impl Failure {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Failure {
        Failure { kind, message: message.into() }
    }

    /// Not for this user (their roles, their session).
    pub fn refused(message: impl Into<String>) -> Failure {
        Failure::new(ErrorKind::Refused, message)
    }

    pub fn not_found(message: impl Into<String>) -> Failure {
        Failure::new(ErrorKind::NotFound, message)
    }

    /// What was typed or chosen cannot be used.
    pub fn invalid(message: impl Into<String>) -> Failure {
        Failure::new(ErrorKind::Invalid, message)
    }

    /// Changed meanwhile: look again.
    pub fn conflict(message: impl Into<String>) -> Failure {
        Failure::new(ErrorKind::Conflict, message)
    }

    /// Pli's or the machine's fault (a file that cannot be written…).
    pub fn internal(message: impl Into<String>) -> Failure {
        Failure::new(ErrorKind::Internal, message)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

fn watch_kind(e: &WatchError) -> ErrorKind {
    match e {
        WatchError::Store(e) => e.kind(),
        WatchError::NoFolder(_) | WatchError::FolderTwice(_) | WatchError::ScannerFolderInData { .. } => {
            ErrorKind::Invalid
        }
        WatchError::AlreadyWatching(_) => ErrorKind::Conflict,
        WatchError::Io { .. } | WatchError::Notify { .. } => ErrorKind::Internal,
    }
}

/// Any error as a [`Failure`]: the store's (also inside the watcher's) keep their kind,
/// a scanner profile that cannot be used is invalid input, anything else is internal.
pub fn say<E: std::fmt::Display + 'static>(e: E) -> Failure {
    let any: &dyn Any = &e;
    let kind = if let Some(f) = any.downcast_ref::<Failure>() {
        return f.clone();
    } else if let Some(e) = any.downcast_ref::<StoreError>() {
        e.kind()
    } else if let Some(e) = any.downcast_ref::<WatchError>() {
        watch_kind(e)
    } else if any.is::<ProfileError>() {
        ErrorKind::Invalid
    } else {
        ErrorKind::Internal
    };
    Failure { kind, message: e.to_string() }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        say(e)
    }
}

impl From<WatchError> for Failure {
    fn from(e: WatchError) -> Failure {
        say(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_s_kind_is_kept_and_other_errors_are_mapped() {
        // An invisible courrier looks missing; other refusals stay refusals.
        let invisible = say(StoreError::Refused(pli_core::Refusal::NotVisible));
        assert_eq!(invisible.kind, ErrorKind::NotFound);
        assert_eq!(invisible.to_string(), StoreError::Refused(pli_core::Refusal::NotVisible).to_string());
        assert_eq!(say(StoreError::Refused(pli_core::Refusal::LeadOnly("x"))).kind, ErrorKind::Refused);
        assert_eq!(say(StoreError::NotFound("x".into())).kind, ErrorKind::NotFound);
        assert_eq!(say(WatchError::Store(StoreError::Conflict("x".into()))).kind, ErrorKind::Conflict);
        let overlap = WatchError::ScannerFolderInData { folder: "/d".into(), data: "/d".into() };
        assert_eq!(say(overlap).kind, ErrorKind::Invalid);
        assert_eq!(say(ProfileError::NotFound("x".into(), "y".into())).kind, ErrorKind::Invalid);
        assert_eq!(say(std::io::Error::other("disque plein")).kind, ErrorKind::Internal);
        assert_eq!(say(Failure::not_found("n")), Failure::not_found("n"));
        assert_eq!(
            serde_json::to_value(Failure::not_found("absent")).unwrap(),
            serde_json::json!({ "kind": "not_found", "message": "absent" })
        );
    }
}
