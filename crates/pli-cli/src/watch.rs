//! `pli watch`: argument handling, logs and display over `pli-watch`'s engine.

use anyhow::{Context, Result};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use pli_capture::profile::Profile;
use pli_core::capture::Actor;
use pli_watch::{ActorSource, Inbox, WatchEvent, Watcher, WatcherSettings};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tracing_subscriber::prelude::*;

/// Daily log files kept under `<data>/logs/`.
const LOG_FILES_KEPT: usize = 14;

pub fn run(
    place: &crate::Place,
    profiles: &[String],
    workers: Option<usize>,
    json: bool,
    until_idle: bool,
) -> Result<ExitCode> {
    let data = place.data.as_path();
    init_logs(data)?;
    let inboxes = profiles
        .iter()
        .map(|spec| {
            let (name, folder) = match spec.split_once('=') {
                Some((name, folder)) => (name, Some(PathBuf::from(folder))),
                None => (spec.as_str(), None),
            };
            let profile = Profile::find(name, Some(&data.join("scanner-profiles")))?;
            Ok(Inbox::new(profile, folder, data)?)
        })
        .collect::<Result<Vec<_>>>()?;
    for inbox in &inboxes {
        tracing::info!(profile = %inbox.profile.name, folder = %inbox.folder.display(), mode = ?inbox.profile.input.watch, "surveillance");
    }

    let stop = Arc::new(AtomicBool::new(false));
    let on_signal = stop.clone();
    ctrlc::set_handler(move || {
        if on_signal.swap(true, Ordering::SeqCst) {
            // Second Ctrl-C: leave now; the journal makes the next start finish the work.
            std::process::exit(130);
        }
        eprintln!(
            "arrêt demandé : le lot en cours est abandonné proprement (Ctrl-C encore pour quitter tout de suite)"
        );
    })
    .context("installation du gestionnaire de Ctrl-C / SIGTERM")?;

    let settings = WatcherSettings {
        database: place.database.clone(),
        workers: workers.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)),
        actor: ActorSource::fixed(Actor { login: crate::whoami(), workstation: crate::hostname() }),
        until_idle,
    };
    let display = Display::new(json);
    let mut watcher = Watcher::open(data, inboxes, settings, stop, move |event| display.show(event))?;
    watcher.run()?;
    Ok(ExitCode::SUCCESS)
}

/// Console at `PLI_LOG` (default `info`) and a daily file under `<data>/logs/`.
fn init_logs(data: &Path) -> Result<()> {
    let dir = data.join("logs");
    let file = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("pli")
        .filename_suffix("log")
        .max_log_files(LOG_FILES_KEPT)
        .build(&dir)
        .with_context(|| format!("journal « {} »", dir.display()))?;
    let level = || tracing_subscriber::EnvFilter::try_from_env("PLI_LOG").unwrap_or_else(|_| "info".into());
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_filter(level()))
        .with(tracing_subscriber::fmt::layer().with_writer(file).with_ansi(false).with_filter(level()))
        .init();
    Ok(())
}

/// Shows the engine's events: JSON lines, or a progress bar per batch and a line per outcome.
struct Display {
    json: bool,
    bars: MultiProgress,
    batches: Mutex<HashMap<PathBuf, ProgressBar>>,
}

impl Display {
    fn new(json: bool) -> Self {
        let bars = MultiProgress::new();
        if json {
            bars.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        }
        Display { json, bars, batches: Mutex::new(HashMap::new()) }
    }

    fn show(&self, event: WatchEvent) {
        if self.json {
            match serde_json::to_string(&event) {
                Ok(line) => println!("{line}"),
                Err(e) => tracing::error!("événement illisible : {e}"),
            }
            return;
        }
        let mut batches = self.batches.lock().unwrap_or_else(|e| e.into_inner());
        let say = |line: String| {
            let _ = self.bars.println(line);
        };
        match event {
            WatchEvent::Started { profiles, resumed, orphans_removed } => {
                say(format!("surveillance : {}", profiles.join(", ")));
                if resumed + orphans_removed > 0 {
                    say(format!(
                        "reprise après arrêt : {resumed} lot(s) repris, {orphans_removed} dossier(s) orphelin(s) supprimé(s)"
                    ));
                }
            }
            WatchEvent::BatchStarted { path, pages } => {
                let bar = self.bars.add(ProgressBar::new(pages.unwrap_or(0) as u64));
                bar.set_style(
                    ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} pages OCR ({eta})")
                        .expect("valid template")
                        .progress_chars("=> "),
                );
                bar.set_message(name(&path));
                batches.insert(path, bar);
            }
            WatchEvent::PageRecognised { path, done, .. } => {
                if let Some(bar) = batches.get(&path) {
                    bar.set_position(done as u64);
                }
            }
            WatchEvent::BatchDone { path, batch, courriers, archived_to } => {
                finish(&mut batches, &path);
                say(format!(
                    "✔ {} : lot n° {batch}, {courriers} courrier(s) ; archivé dans {}",
                    name(&path),
                    archived_to.display()
                ));
            }
            WatchEvent::BatchDuplicate { path, known_batch, archived_to } => {
                say(format!(
                    "= {} : déjà intégré (lot n° {known_batch}) ; archivé dans {}",
                    name(&path),
                    archived_to.display()
                ));
            }
            WatchEvent::BatchFailed { path, reason, quarantined_to } => {
                finish(&mut batches, &path);
                say(format!("✘ {} : {reason}\n  mis en quarantaine : {}", name(&path), quarantined_to.display()));
            }
            WatchEvent::Retrying { path, reason, in_seconds } => {
                finish(&mut batches, &path);
                say(format!("… {} : {reason} ; nouvel essai dans {in_seconds} s", name(&path)));
            }
            WatchEvent::Abandoned { path } => {
                finish(&mut batches, &path);
                say(format!("■ {} : abandonné, il sera repris au prochain démarrage", name(&path)));
            }
            WatchEvent::Stopped => say("surveillance arrêtée".into()),
            WatchEvent::BatchSeen { .. } | WatchEvent::CourrierCreated { .. } => {}
        }
    }
}

fn finish(batches: &mut HashMap<PathBuf, ProgressBar>, path: &Path) {
    if let Some(bar) = batches.remove(path) {
        bar.finish_and_clear();
    }
}

fn name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}
