//! An acknowledgement of receipt made real: the letter as an A4 PDF whose sender's
//! address shows through the window of a French DL envelope (`pdf`), and the e-mail that
//! carries it when the sender has an e-mail address (`mail`). What the letter says comes
//! from `pli_core::acknowledgement`; storing it is `pli-store`'s.

pub mod mail;
pub mod pdf;
mod winansi;

pub use pdf::{Letter, letter_pdf};
