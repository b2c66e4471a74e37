//! Pli's domain, free of any storage, OCR or user-interface concern: what a courrier,
//! a batch, a direction and an event are, and the separator-sheet contract.

pub mod capture;
pub mod event;
pub mod separator;

pub use event::{EventKind, NewEvent};
pub use separator::SeparatorPayload;
