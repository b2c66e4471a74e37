//! `pli`: the command line over Pli's libraries. It parses arguments and prints;
//! everything else lives in `pli-capture`, `pli-store` and `pli-core`.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use pli_capture::pipeline::{BatchReport, Capture, IngestError, Progress};
use pli_capture::profile::{BUILT_IN, DEFAULT_PROFILE, Profile};
use pli_core::capture::Actor;
use pli_store::Store;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod backup;
mod batch;
mod digest;
mod registry;
mod watch;

#[derive(Parser)]
#[command(name = "pli", version, about = "Pli — courrier entrant : numérisation, OCR, recherche")]
struct Cli {
    /// Data folder (database and documents). Default: the user's data folder.
    #[arg(long, global = true, env = "PLI_DATA")]
    data: Option<PathBuf>,
    /// Shared registry on PostgreSQL (`postgres://user:password@host/base`); the documents
    /// stay in --data. Default: the data folder's own SQLite file.
    #[arg(long, global = true, env = "PLI_DATABASE", hide_env_values = true)]
    database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Turn scanned batches (PDF, TIFF, JPEG/PNG, or folders of pages) into courriers.
    Ingest {
        /// Scanner profile: a built-in name, a name in <data>/scanner-profiles, or a .toml path.
        #[arg(long, default_value = DEFAULT_PROFILE)]
        profile: String,
        /// OCR engines in parallel (default: one per core).
        #[arg(long)]
        workers: Option<usize>,
        /// One JSON object per courrier on standard output.
        #[arg(long)]
        json: bool,
        /// Print timing and memory figures per batch on standard error (one JSON object).
        #[arg(long)]
        stats: bool,
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Full-text search over the courriers' text (accents and case ignored).
    Search {
        query: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long)]
        json: bool,
        /// Only what this user may see.
        #[arg(long = "as")]
        login: Option<String>,
    },
    /// Print separator sheets: one A4 page per sheet, a QR code and the direction in large type.
    Separators {
        #[arg(long)]
        out: PathBuf,
        /// A direction code, optionally with its name: `DRH` or `DRH=Ressources humaines`.
        /// Without any, one plain separator sheet.
        #[arg(long = "direction")]
        directions: Vec<String>,
    },
    /// Watch scanner folders and ingest every batch exactly once: complete files only,
    /// originals archived after their courriers are committed, unreadable ones put in
    /// quarantine with the reason; resumes after a crash. Ctrl-C stops cleanly.
    Watch {
        /// A profile to watch: NAME (watching its input.folder) or NAME=FOLDER. Repeat
        /// for several scanners.
        #[arg(long = "profile", required = true)]
        profiles: Vec<String>,
        /// OCR engines in parallel (default: one per core).
        #[arg(long)]
        workers: Option<usize>,
        /// One JSON object per event on standard output, instead of progress bars.
        #[arg(long)]
        json: bool,
        /// Stop once every folder is empty, instead of watching on.
        #[arg(long)]
        until_idle: bool,
    },
    /// List the scanner profiles shipped with Pli.
    Profiles,
    /// The organisation: directions, users and roles, document types (CSV).
    #[command(subcommand)]
    Org(registry::OrgCommand),
    /// The contact directory of senders.
    #[command(subcommand)]
    Contact(registry::ContactCommand),
    /// A batch's pages dropped as blank: list them, put one back (`--as LOGIN`).
    #[command(subcommand)]
    Batch(batch::BatchCommand),
    /// Qualify, register, act on and read courriers, as a user (`--as LOGIN`).
    #[command(subcommand)]
    Courrier(registry::CourrierCommand),
    /// A user's baskets with their counts, or the courriers of one (`--basket NAME`).
    Baskets {
        #[arg(long = "as")]
        login: String,
        #[arg(long)]
        basket: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The event history: `verify` recomputes its hash chain and checks its anchors.
    #[command(subcommand)]
    History(HistoryCommand),
    /// Back up the data folder into DEST (absent or empty) while Pli runs: the database
    /// (SQLite's online backup), the documents, the history's key and anchors, and a
    /// manifest with every file's SHA-256 and the head of the history.
    Backup {
        dest: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Put a backup back as the data folder DATA: every file checked against the manifest,
    /// the history against its head. DATA must be empty unless --force (then it is moved
    /// aside, never deleted).
    Restore {
        src: PathBuf,
        data: PathBuf,
        #[arg(long)]
        force: bool,
        #[arg(long)]
        json: bool,
    },
    /// Check the database file, every document against its recorded SHA-256, and the
    /// history (exit 1 on any damage).
    Check {
        /// SQLite's full integrity_check instead of quick_check (slower).
        #[arg(long)]
        full: bool,
        #[arg(long)]
        json: bool,
    },
    /// Move this workstation's registry (--data: its SQLite file and documents) into a shared
    /// PostgreSQL database, every row and event as it was, then verify it there (counts,
    /// documents' hashes, the chain). Run again, it only verifies; interrupted, run it again.
    Migrate {
        /// The shared database: postgres://user:password@host/base.
        #[arg(long)]
        to: String,
        /// The shared documents folder (default: the same data folder).
        #[arg(long)]
        to_data: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Serve Pli to browsers: every referent, agent and lead from their desk or from home,
    /// over the shared registry (see the README's "Run a server").
    Serve {
        /// The server's TOML configuration (listen address, database, documents, sessions…).
        /// Without it: 127.0.0.1:8080, --data and --database, the window from ui/dist.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Read the configuration, open the database and check the documents folder, then stop.
        #[arg(long)]
        check_config: bool,
        /// On a registry with no user at all, install the demo organisation (its accounts'
        /// password is public: for trying Pli out only).
        #[arg(long)]
        demo: bool,
    },
    /// Send this workstation's captured batches (the outbox) to a Pli server, each until
    /// the server acknowledges it; the password comes from PLI_SERVER_PASSWORD.
    Deliver {
        /// The server: http(s)://host:port.
        #[arg(long, env = "PLI_SERVER")]
        server: String,
        /// The mail-room account this workstation signs in with.
        #[arg(long, env = "PLI_SERVER_LOGIN")]
        login: String,
        /// Stop once the outbox is empty (else keep watching it).
        #[arg(long)]
        until_empty: bool,
        /// Longest wait between two attempts when the server cannot be reached, in seconds.
        #[arg(long, default_value_t = 30)]
        patience: u64,
        #[arg(long)]
        json: bool,
    },
    /// Send the day's digest of reminders by e-mail: to each active user with an e-mail
    /// address who has not opted out, what they work that is late or due this week. Never
    /// twice a day to a user, whichever process sends it (exit 1 if one was refused).
    Digest(digest::DigestArgs),
    /// Activity figures per day and ISO week (Europe/Paris) from the event history.
    Stats {
        /// An ISO week, e.g. 2026-W48 (default: last week).
        #[arg(long, conflicts_with_all = ["from", "to"])]
        week: Option<String>,
        /// First day, YYYY-MM-DD (with --to).
        #[arg(long, requires = "to")]
        from: Option<String>,
        /// Last day, YYYY-MM-DD (with --from).
        #[arg(long, requires = "from")]
        to: Option<String>,
        #[arg(long, value_enum, default_value = "csv")]
        format: registry::StatsFormat,
        /// Output file (standard output for csv and json when absent).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum HistoryCommand {
    /// Recompute the chain and name the first event altered or removed, check it against
    /// the anchors (a cut-off tail, a chain sealed again) and every courrier's record
    /// against its events (exit 1 if anything is wrong).
    Verify {
        /// An anchor kept elsewhere: a backup's manifest.json, a CSV or JSON activity
        /// export, or an anchor file. Repeatable.
        #[arg(long = "anchor")]
        anchors: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    pli_capture::ocr::ensure_single_threaded_openmp();
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Watch { .. }) {
        // A server tells what it does; a one-shot command only what went wrong.
        let default = if matches!(cli.command, Command::Serve { .. }) { "info" } else { "warn" };
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("PLI_LOG").unwrap_or_else(|_| default.into()))
            .with_writer(std::io::stderr)
            .init();
    }
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("erreur : {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Where Pli keeps its things: the data folder (documents, and the SQLite file by
/// default) and, when shared, the PostgreSQL registry.
pub struct Place {
    pub data: PathBuf,
    pub database: Option<String>,
}

impl Place {
    pub fn open(&self) -> Result<Store> {
        Ok(Store::open_with(&self.data, self.database.as_deref())?)
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let place = |data: Option<PathBuf>| -> Result<Place> {
        Ok(Place { data: data_dir(data)?, database: cli.database.clone() })
    };
    match cli.command {
        Command::Ingest { profile, workers, json, stats, paths } => {
            ingest(&place(cli.data)?, &profile, workers, json, stats, &paths)
        }
        Command::Search { query, limit, json, login } => {
            let store = place(cli.data)?.open()?;
            let hits = match login {
                Some(login) => {
                    let s = pli_store::Session { viewer: store.viewer(&login)?, workstation: hostname() };
                    store.search_visible(&s, &query, limit)?
                }
                None => store.search(&query, limit)?,
            };
            for hit in &hits {
                if json {
                    println!("{}", serde_json::to_string(hit)?);
                } else {
                    println!("courrier {:>6}  {:6.2}  {}", hit.courrier, hit.score, hit.snippet.replace('\n', " "));
                }
            }
            if !json && hits.is_empty() {
                eprintln!("aucun courrier ne contient « {query} »");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Separators { out, directions } => {
            let sheets = pli_capture::pdf::sheets_for_directions(&directions).map_err(anyhow::Error::msg)?;
            std::fs::write(&out, pli_capture::pdf::separator_sheets_pdf(&sheets))
                .with_context(|| format!("écriture de « {} »", out.display()))?;
            eprintln!("{} page(s) de séparation écrite(s) dans « {} »", sheets.len(), out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Watch { profiles, workers, json, until_idle } => {
            watch::run(&place(cli.data)?, &profiles, workers, json, until_idle)
        }
        Command::Org(c) => registry::org(&place(cli.data)?, c),
        Command::Contact(c) => registry::contact(&place(cli.data)?, c),
        Command::Batch(c) => batch::run(&place(cli.data)?, c),
        Command::Courrier(c) => registry::courrier(&place(cli.data)?, c),
        Command::Baskets { login, basket, json } => {
            registry::baskets(&place(cli.data)?, &login, basket.as_deref(), json)
        }
        Command::History(HistoryCommand::Verify { anchors, json }) => {
            backup::verify_history(&place(cli.data)?, &anchors, json)
        }
        Command::Backup { dest, json } => backup::backup(&place(cli.data)?, &dest, json),
        Command::Restore { src, data, force, json } => backup::restore(&src, &data, force, json),
        Command::Check { full, json } => backup::check(&place(cli.data)?, full, json),
        Command::Migrate { to, to_data, json } => {
            let from = place(cli.data)?;
            if from.database.is_some() {
                anyhow::bail!("pli migrate part du poste (--data, sa base SQLite) : retirez --database / PLI_DATABASE");
            }
            backup::migrate(&from, &to, to_data.as_deref(), json)
        }
        Command::Digest(args) => digest::run(|| place(cli.data), args),
        Command::Stats { week, from, to, format, out } => {
            registry::stats(&place(cli.data)?, week.as_deref(), from.as_deref(), to.as_deref(), format, out.as_deref())
        }
        Command::Serve { config, check_config, demo } => {
            let config = match config {
                Some(path) => pli_server::ServerConfig::read(&path).map_err(anyhow::Error::msg)?,
                None => {
                    let place = place(cli.data)?;
                    let mut c =
                        pli_server::ServerConfig::parse(&format!("data = {:?}", place.data.display().to_string()))
                            .map_err(anyhow::Error::msg)?;
                    c.database = place.database;
                    c
                }
            };
            serve(config, check_config, demo)
        }
        Command::Deliver { server, login, until_empty, patience, json } => {
            let place = place(cli.data)?;
            if place.database.is_some() {
                anyhow::bail!("pli deliver envoie le registre du poste (--data) : retirez --database / PLI_DATABASE");
            }
            let password = std::env::var("PLI_SERVER_PASSWORD")
                .context("mot de passe du compte du poste : définissez PLI_SERVER_PASSWORD")?;
            let settings = pli_link::ServerSettings { url: server, login, password, workstation: hostname() };
            deliver(&place, settings, until_empty, patience, json)
        }
        Command::Profiles => {
            for (name, _) in BUILT_IN {
                let p = Profile::find(name, None)?;
                println!("{name:<22} {}", p.description);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `pli deliver`: passes over the outbox until it is empty (or for ever), waiting longer
/// after each failed pass, up to `patience` seconds.
fn deliver(
    place: &Place,
    settings: pli_link::ServerSettings,
    until_empty: bool,
    patience: u64,
    json: bool,
) -> Result<ExitCode> {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    let _ = ctrlc::set_handler(move || flag.store(true, std::sync::atomic::Ordering::SeqCst));
    let mut store = place.open()?;
    let mut link = pli_link::Link::new(settings);
    let mut wait = 1;
    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
        let pass = link.deliver_outbox(&mut store, |batch, done| {
            if json {
                println!("{}", serde_json::json!({ "batch": batch, "server_batch": done.batch_id, "courriers": done.courrier_ids, "recorded_now": done.recorded_now }));
            } else {
                eprintln!("lot n° {batch} envoyé : lot n° {} du serveur, {} courrier(s)", done.batch_id, done.courrier_ids.len());
            }
        });
        match &pass.problem {
            None if pass.waiting == 0 && until_empty => return Ok(ExitCode::SUCCESS),
            None => wait = 1,
            Some(problem) => {
                eprintln!("{} lot(s) en attente d'envoi au serveur : {problem}", pass.waiting);
                wait = (wait * 2).min(patience.max(1));
            }
        }
        let waited = std::time::Instant::now();
        while waited.elapsed() < std::time::Duration::from_secs(if pass.problem.is_some() { wait } else { 2 })
            && !stop.load(std::sync::atomic::Ordering::SeqCst)
        {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `pli serve`: checks everything it needs before it listens.
fn serve(config: pli_server::ServerConfig, check_only: bool, demo: bool) -> Result<ExitCode> {
    std::fs::create_dir_all(&config.data).with_context(|| format!("dossier « {} »", config.data.display()))?;
    if demo {
        let mut store = Store::open_with(&config.data, config.database.as_deref())?;
        let actor = pli_core::capture::Actor { login: "pli".into(), workstation: hostname() };
        if pli_app::install_demo_if_empty(&mut store, &actor).map_err(anyhow::Error::msg)? {
            eprintln!("organisation de démonstration installée (mot de passe : {})", pli_app::DEMO_PASSWORD);
        }
    }
    if !config.ui.join("index.html").is_file() {
        eprintln!(
            "attention : « {} » n'a pas de index.html : la fenêtre ne sera pas servie (make ui, ou la clé ui)",
            config.ui.display()
        );
    }
    let app = pli_server::App::open(config).map_err(anyhow::Error::msg)?;
    if check_only {
        let c = &app.config;
        // The directory answers and takes the service account (when sign-in goes through it).
        if let Some(ldap) = &c.ldap {
            let runtime = tokio::runtime::Runtime::new().context("démarrage du client de l'annuaire")?;
            runtime.block_on(pli_server::ldap::check(ldap)).map_err(anyhow::Error::msg)?;
        }
        println!("configuration correcte");
        println!("  écoute      {}", c.listen);
        println!(
            "  base        {}",
            c.database
                .as_deref()
                .map(pli_store::without_password)
                .unwrap_or_else(|| "SQLite du dossier de données".into())
        );
        println!("  documents   {} (inscriptible)", c.data.display());
        println!("  fenêtre     {}", c.ui.display());
        let l = c.session_limits();
        println!("  sessions    inactivité {} min, durée {} h", l.idle.as_secs() / 60, l.lifetime.as_secs() / 3600);
        match &c.ldap {
            None => println!("  annuaire    aucun : mots de passe de Pli"),
            Some(d) => {
                println!("  annuaire    {} ({}) : répond", d.url, d.bind_dn.as_deref().unwrap_or("recherche anonyme"))
            }
        }
        match &c.digest {
            None => println!("  rappels     aucun envoi par ce serveur"),
            Some(d) => println!("  rappels     chaque jour à partir de {} h (heure de Paris)", d.hour),
        }
        return Ok(ExitCode::SUCCESS);
    }
    let runtime = tokio::runtime::Runtime::new().context("démarrage du serveur")?;
    runtime.block_on(pli_server::serve(app)).map_err(anyhow::Error::msg)?;
    Ok(ExitCode::SUCCESS)
}

fn data_dir(given: Option<PathBuf>) -> Result<PathBuf> {
    match given {
        Some(d) => Ok(d),
        None => directories::ProjectDirs::from("fr", "Pli", "pli")
            .map(|d| d.data_dir().to_path_buf())
            .context("impossible de trouver le dossier de données de l'utilisateur ; indiquez --data"),
    }
}

fn ingest(
    place: &Place,
    profile: &str,
    workers: Option<usize>,
    json: bool,
    stats: bool,
    paths: &[PathBuf],
) -> Result<ExitCode> {
    if stats {
        watch_memory();
    }
    let mut store = place.open()?;
    let profile = Profile::find(profile, Some(&place.data.join("scanner-profiles")))?;
    let workers = workers.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    let capture = Capture::new(profile, workers);
    let actor = Actor { login: whoami(), workstation: hostname() };
    let mut failures = 0;
    for path in paths {
        let bar = ProgressBar::new(0);
        if json {
            bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        }
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} pages OCR ({eta})")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_message(path.display().to_string());
        let progress = |p: Progress| match p {
            Progress::Started { pages } => bar.set_length(pages.unwrap_or(0) as u64),
            Progress::PageRead { index } => {
                if bar.length().unwrap_or(0) <= index as u64 {
                    bar.set_length(index as u64 + 1);
                }
            }
            Progress::PageRecognised { .. } => bar.inc(1),
            Progress::CourrierWritten { .. } => {}
        };
        let result = capture.ingest(&mut store, &place.data, path, &actor, &progress);
        bar.finish_and_clear();
        match result {
            Ok(report) => {
                print_report(path, &report, json)?;
                if stats {
                    print_stats(path, &report);
                }
            }
            Err(e @ IngestError::AlreadyIngested { .. }) => eprintln!("ignoré : {e}"),
            Err(e) => {
                failures += 1;
                eprintln!("erreur : {e}");
            }
        }
    }
    Ok(if failures == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn print_report(path: &Path, report: &BatchReport, json: bool) -> Result<()> {
    for c in &report.courriers {
        if json {
            let line = json!({
                "batch": path.display().to_string(),
                "batch_id": report.batch_id,
                "courrier": c.courrier,
                "pages": c.pages,
                "blank_pages": c.blank_pages,
                "separator": c.separator,
                "direction": c.direction,
                "rotations": c.rotations,
                "pdf": c.pdf,
                "text": c.text,
            });
            println!("{line}");
        } else {
            let direction = c.direction.as_deref().map(|d| format!(", direction {d}")).unwrap_or_default();
            let blanks = match c.blank_pages.len() {
                0 => String::new(),
                n => format!(", {n} page(s) blanche(s) écartée(s)"),
            };
            println!(
                "courrier {:>6} : {} page(s) {:?}{blanks}{direction}\n                 {}",
                c.courrier,
                c.pages.len(),
                c.pages,
                c.pdf.display()
            );
        }
    }
    if !json {
        println!(
            "« {} » : {} pages, {} courrier(s), {} séparateur(s), {} page(s) blanche(s), en {:.1} s",
            path.display(),
            report.pages,
            report.courriers.len(),
            report.separator_pages.len(),
            report.blank_pages.len(),
            report.timings.total.as_secs_f64()
        );
    }
    Ok(())
}

fn print_stats(path: &Path, report: &BatchReport) {
    let t = &report.timings;
    let line = json!({
        "batch": path.display().to_string(),
        "pages": report.pages,
        "content_pages": report.courriers.iter().map(|c| c.pages.len()).sum::<usize>(),
        "courriers": report.courriers.len(),
        "seconds": t.total.as_secs_f64(),
        "pages_per_minute": report.pages as f64 * 60.0 / t.total.as_secs_f64().max(1e-9),
        "separator_ms_per_page": t.separator_detection.as_secs_f64() * 1000.0 / t.pages_read.max(1) as f64,
        "peak_memory_mb": status_mb("VmHWM:"),
        "peak_anonymous_memory_mb": ANON_PEAK_KB.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1024.0,
    });
    eprintln!("{line}");
}

/// Highest anonymous resident memory seen by [`watch_memory`], in KiB.
static ANON_PEAK_KB: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Samples the process's anonymous resident memory (its heap: what costs RAM, unlike
/// the mapped batch file, which the kernel can drop) every 50 ms, for `--stats`.
fn watch_memory() {
    std::thread::spawn(|| {
        loop {
            if let Some(mb) = status_mb("RssAnon:") {
                ANON_PEAK_KB.fetch_max((mb * 1024.0) as u64, std::sync::atomic::Ordering::Relaxed);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    });
}

/// A memory figure of this process from /proc/self/status (Linux), in MiB.
fn status_mb(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 =
        status.lines().find_map(|l| l.strip_prefix(key))?.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb / 1024.0)
}

pub(crate) fn whoami() -> String {
    std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "inconnu".into())
}

pub(crate) fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname").map(|s| s.trim().to_string()).unwrap_or_else(|_| "poste".into())
}
