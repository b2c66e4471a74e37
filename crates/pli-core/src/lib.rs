//! Pli's domain, free of any storage, OCR or user-interface concern: what a courrier,
//! a batch, a direction and an event are; who may see and do what; how a courrier is
//! registered; what can be suggested from its text; the separator-sheet contract.

pub mod access;
pub mod acknowledgement;
pub mod basket;
pub mod calendar;
pub mod capture;
pub mod deadline;
pub mod event;
pub mod registration;
pub mod separator;
pub mod split;
pub mod stats;
pub mod suggest;
pub mod workflow;

pub use access::{Absent, Grant, Role, Viewer, Visibility};
pub use event::{EventKind, NewEvent};
pub use separator::SeparatorPayload;
pub use workflow::{Action, CourrierFacts, CourrierState, Refusal};
