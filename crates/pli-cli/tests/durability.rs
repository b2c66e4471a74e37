//! Nothing irreversible before what it depends on is on disk, checked on the real
//! binary with `strace`: a power cut cannot be pulled in a test, but the order of the
//! system calls that make data durable (`fsync`) and those that cannot be undone
//! (`rename` of an original into the archive, `unlink` of an old document) can be read.
//!
//! - capture: every document and its folders synced before the batch folder is renamed
//!   into place, `courriers/` synced after, all before the commit;
//! - the watcher: the commit synced (SQLite's WAL) before the original is moved, the
//!   original synced before, the archive folder and the scanner folder after;
//! - split correction: the new PDF synced before the commit, the commit synced before
//!   the old PDF is removed.

use pli_testkit::{BatchSpec, Format, write_batch};
use std::path::Path;
use std::process::Command;

/// One traced system call: its name and its arguments as strace prints them (with `-y`,
/// a file descriptor is followed by its path: `5</data/pli.sqlite3-wal>`).
#[derive(Debug)]
struct Call {
    name: String,
    args: String,
}

/// Runs `pli` under strace; `None` (with a NOTICE) when strace is not installed.
fn traced(data: &Path, args: &[&str]) -> Option<Vec<Call>> {
    if Command::new("strace").arg("-V").output().is_err() {
        eprintln!("NOTICE: strace absent (scripts/install-deps.sh installs it): durability order not checked");
        return None;
    }
    // A sandbox may forbid tracing (ptrace) altogether: say so rather than fail on it.
    let probe = Command::new("strace").args(["-qq", "-e", "trace=none", "true"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("NOTICE: strace cannot trace here (ptrace refused): durability order not checked");
        return None;
    }
    let trace = data.parent().unwrap().join(format!("trace-{}.txt", args[0]));
    let out = Command::new("strace")
        .args([
            "-f",
            "-y",
            "-qq",
            "-e",
            "trace=fsync,fdatasync,pwrite64,rename,renameat,renameat2,unlink,unlinkat",
            "-o",
        ])
        .arg(&trace)
        .arg(env!("CARGO_BIN_EXE_pli"))
        .args(args)
        .env("PLI_DATA", data)
        .output()
        .unwrap();
    assert!(out.status.success(), "pli {args:?}:\n{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&trace).unwrap();
    Some(
        text.lines()
            .filter_map(|line| {
                // "<pid> name(args) = result", or the start of a call another thread interrupted.
                // strace pads the pid to five columns: "9065  fsync(…" has two spaces.
                let line = line.split_once(' ').map_or(line, |(pid, rest)| {
                    if pid.chars().all(|c| c.is_ascii_digit()) { rest.trim_start() } else { line }
                });
                let (name, rest) = line.split_once('(')?;
                if !name.chars().all(|c| c.is_ascii_alphanumeric()) || line.contains("= -1") {
                    return None;
                }
                Some(Call { name: name.to_string(), args: rest.to_string() })
            })
            .collect(),
    )
}

/// The trace, without the writes (too many to read).
fn shown(calls: &[Call]) -> String {
    calls
        .iter()
        .filter(|c| c.name != "pwrite64")
        .map(|c| format!("{}({}", c.name, c.args))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Index of the first call named one of `names` whose arguments satisfy `matches`, from `from` on.
fn find(calls: &[Call], from: usize, names: &[&str], matches: impl Fn(&str) -> bool) -> Option<usize> {
    calls
        .iter()
        .enumerate()
        .skip(from)
        .find(|(_, c)| names.contains(&c.name.as_str()) && matches(&c.args))
        .map(|(i, _)| i)
}

/// Whether the last write to SQLite's write-ahead log before call `before` (the
/// commit's frames) is followed by a sync of that log before it. Under WAL with
/// synchronous = NORMAL, SQLite may sync the log's header before writing a commit's
/// frames, never the frames themselves: only a sync after them makes the commit durable.
fn commit_synced_before(calls: &[Call], before: usize) -> bool {
    let Some(last_write) = last_wal_write(calls, before) else { return false };
    find(calls, last_write, SYNC, synced_ending("pli.sqlite3-wal")).is_some_and(|i| i < before)
}

/// The last write to SQLite's write-ahead log before call `before`: the frame that
/// commits the last transaction.
fn last_wal_write(calls: &[Call], before: usize) -> Option<usize> {
    calls[..before].iter().rposition(|c| c.name == "pwrite64" && c.args.contains("/pli.sqlite3-wal>,"))
}

const SYNC: &[&str] = &["fsync", "fdatasync"];
const RENAME: &[&str] = &["rename", "renameat", "renameat2"];
const UNLINK: &[&str] = &["unlink", "unlinkat"];

/// The fd argument of a sync names this path exactly (`N</path>`).
fn synced(path: &Path) -> impl Fn(&str) -> bool {
    let wanted = format!("<{}>", path.canonicalize().unwrap_or(path.to_path_buf()).display());
    move |args: &str| args.contains(&wanted)
}

fn synced_ending(end: &str) -> impl Fn(&str) -> bool {
    let wanted = format!("{end}>)");
    move |args: &str| args.contains(&wanted)
}

fn batch(dir: &Path, name: &str, letters: usize) -> std::path::PathBuf {
    let path = dir.join(name);
    let spec = BatchSpec {
        seed: 61,
        letters,
        pages_per_letter: (1, 1),
        lines_per_page: 3,
        blank_backs: 0.0,
        ..BatchSpec::default()
    };
    write_batch(&spec, Format::Pdf, &path).unwrap();
    path
}

#[test]
fn the_watcher_makes_documents_and_commit_durable_before_it_archives_the_original() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let (data, inbox) = (root.join("data"), root.join("inbox"));
    std::fs::create_dir_all(data.join("scanner-profiles")).unwrap();
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::write(
        data.join("scanner-profiles/t.toml"),
        "description = \"t\"\n[input]\nformats = [\"pdf\"]\nwatch = \"poll\"\nstable_seconds = 0\npoll_seconds = 1\n",
    )
    .unwrap();
    std::fs::rename(batch(&root, "lot.pdf", 1), inbox.join("lot.pdf")).unwrap();
    let profile = format!("t={}", inbox.display());
    let Some(calls) = traced(&data, &["watch", "--until-idle", "--profile", &profile]) else { return };
    let show = || shown(&calls);

    // Capture: documents, then their folders, then the rename into place, then courriers/.
    let into_place = find(&calls, 0, RENAME, |a| a.contains(".partial\"")).unwrap_or_else(|| panic!("{}", show()));
    for end in ["/000/courrier.pdf", "/000/page-000.jpg", "/000/text.txt", ".partial/000", ".partial"] {
        let i = find(&calls, 0, SYNC, synced_ending(end));
        assert!(i.is_some_and(|i| i < into_place), "{end} synced before the batch folder is renamed:\n{}", show());
    }
    let courriers = find(&calls, into_place, SYNC, synced(&data.join("courriers")));
    let archived =
        find(&calls, into_place, RENAME, |a| a.contains("/inbox/lot.pdf\"")).unwrap_or_else(|| panic!("{}", show()));
    // The commit: the last frame SQLite writes to its write-ahead log before the move.
    let commit = last_wal_write(&calls, archived);
    assert!(
        courriers.is_some_and(|c| commit.is_some_and(|w| c < w)),
        "courriers/ synced before the commit:\n{}",
        show()
    );

    // The watcher: the original moved only once the commit is durable.
    assert!(
        commit_synced_before(&calls, archived),
        "the commit is synced before the original is archived:\n{}",
        show()
    );
    let original = find(&calls, 0, SYNC, synced(&inbox.join("lot.pdf")));
    assert!(original.is_some_and(|i| i < archived), "the original's bytes synced before it moves:\n{}", show());
    let day = find(&calls, archived, SYNC, |a| a.contains("/data/archive/t/") && !a.contains("lot.pdf"));
    assert!(day.is_some(), "the archive folder synced after the move:\n{}", show());
    assert!(find(&calls, archived, SYNC, synced(&inbox)).is_some(), "the scanner folder synced after:\n{}", show());
}

#[test]
fn a_split_correction_is_durable_before_the_old_pdf_is_removed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let data = root.join("data");
    let pli = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_pli")).env("PLI_DATA", &data).args(args).output().unwrap();
        assert!(out.status.success(), "pli {args:?}:\n{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let write = |name: &str, text: &str| {
        std::fs::write(root.join(name), text).unwrap();
        root.join(name).display().to_string()
    };
    let (directions, users, types) = (
        write("directions.csv", "code;nom;parent\nDG;Direction générale;\n"),
        write("utilisateurs.csv", "identifiant;nom;roles\nop;Opératrice;opérateur\n"),
        write("types.csv", "code;nom;delai_jours\nCOUR;Courrier;30\n"),
    );
    pli(&["org", "import", "--directions", &directions, "--users", &users, "--types", &types]);
    let lot = batch(&root, "lot.pdf", 2);
    let ids: Vec<String> = pli(&["ingest", "--json", lot.to_str().unwrap()])
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["courrier"].as_i64())
        .map(|id| id.to_string())
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    let Some(calls) = traced(&data, &["courrier", "split", "--as", "op", "merge", &ids[0], &ids[1]]) else { return };
    let show = || shown(&calls);

    let new_pdf = find(&calls, 0, SYNC, |a| a.contains("/courrier-") && a.contains(".pdf>"));
    let removed = find(&calls, 0, UNLINK, |a| a.contains("/courrier.pdf\"")).unwrap_or_else(|| panic!("{}", show()));
    let commit = last_wal_write(&calls, removed);
    assert!(
        new_pdf.is_some_and(|p| commit.is_some_and(|w| p < w)),
        "the new PDF synced before the commit:\n{}",
        show()
    );
    assert!(commit_synced_before(&calls, removed), "the commit is synced before an old PDF is removed:\n{}", show());
}
