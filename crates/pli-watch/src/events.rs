//! What the watcher tells its front ends (`pli watch`, the desktop's capture screen).

use serde::Serialize;
use std::path::PathBuf;

/// One step of the watcher's work, in the order it happens.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum WatchEvent {
    /// Watching began; what was left unfinished by the previous run was resumed.
    Started { profiles: Vec<String>, resumed: usize, orphans_removed: usize },
    /// A complete batch was taken from a scanner folder.
    BatchSeen { profile: String, path: PathBuf },
    /// Capture began; `pages` when the source knows it.
    BatchStarted { path: PathBuf, pages: Option<usize> },
    /// Page `done` of `pages` was recognised.
    PageRecognised { path: PathBuf, done: usize, pages: Option<usize> },
    /// A courrier was committed.
    CourrierCreated { path: PathBuf, courrier: i64, pages: Vec<usize>, direction: Option<String> },
    /// The batch's courriers are committed and its original archived.
    BatchDone { path: PathBuf, batch: i64, courriers: usize, archived_to: PathBuf },
    /// The same bytes were already ingested: archived, not ingested again.
    BatchDuplicate { path: PathBuf, known_batch: i64, archived_to: PathBuf },
    /// The batch cannot be read: moved to quarantine with the reason beside it.
    BatchFailed { path: PathBuf, reason: String, quarantined_to: PathBuf },
    /// A passing problem (disk full, permission, busy database): tried again later.
    Retrying { path: PathBuf, reason: String, in_seconds: u64 },
    /// A stop was asked: the batch in hand was abandoned, safely, to be taken again.
    Abandoned { path: PathBuf },
    /// Watching ended.
    Stopped,
}
