//! What the command-line tests share: running `pli` on a data folder, and reading its
//! JSON lines.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

pub fn pli(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pli")).env("PLI_DATA", data).args(args).output().unwrap()
}

/// Runs `pli`, asserts it succeeded, and parses each line it printed as JSON.
pub fn ok(data: &Path, args: &[&str]) -> Vec<Value> {
    let out = pli(data, args);
    assert!(out.status.success(), "pli {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}
