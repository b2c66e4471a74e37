//! Watches scanner folders and ingests every batch exactly once, whatever happens.
//!
//! ```text
//! inbox ─▶ tracker: size and date stable? ─▶ opens? ─▶ journal ─▶ capture ─▶ commit + journal "done"
//!                                                                   │ (one transaction)
//!            quarantine + .error.txt ◀── unreadable                 ▼
//!                                                         original moved to the archive
//! ```
//! The journal (table `intake`) and the batch's own commit make every step resumable:
//! after a crash, the next start marks running captures as interrupted, removes the
//! documents no commit owns, finishes moving originals whose courriers are committed,
//! and takes the rest again from the scanner folder. Nothing is deleted before what
//! was made from it is committed.

mod engine;
mod events;
mod fault;
mod moving;
mod scan;
mod tracker;

pub use engine::{ActorSource, Inbox, WatchError, Watcher, WatcherSettings, error_note_path};
pub use events::WatchEvent;
pub use moving::move_path;
