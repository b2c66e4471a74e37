//! Events: the append-only history every change of state writes, in the same
//! transaction as the change.

use serde::Serialize;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A batch was read and its courriers committed.
    BatchIngested,
    /// A courrier was made by capture.
    CourrierCaptured,
    /// A watched batch had the same bytes as one already ingested: not ingested again.
    BatchDuplicate,
    /// A watched batch could not be ingested (unreadable: moved to quarantine; or vanished).
    BatchFailed,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::BatchIngested => "batch_ingested",
            EventKind::CourrierCaptured => "courrier_captured",
            EventKind::BatchDuplicate => "batch_duplicate",
            EventKind::BatchFailed => "batch_failed",
        }
    }
}

/// An event about to be written.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub actor: String,
    pub workstation: String,
    pub kind: EventKind,
    pub courrier: Option<i64>,
    pub data: serde_json::Value,
}
