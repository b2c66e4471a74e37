//! The e-mail acknowledgements still to send, tried again on a timer: a message the SMTP
//! server refused for a while or could not take waits in the registry (`last_error`) and
//! leaves at a later pass, even when no one registers anything meanwhile. One pass at a
//! time per server (shared with the pass after a registration); its events name the
//! server, not a user.

use crate::App;
use pli_core::capture::Actor;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How often the acknowledgements still to send are tried again (the first at start).
pub const RESEND_EVERY: Duration = Duration::from_secs(10 * 60);

/// Runs for the server's life when `[smtp]` is set.
pub(crate) async fn acknowledgements(app: Arc<App>) {
    let Some(smtp) = app.config.smtp.clone() else { return };
    let actor = Actor { login: "pli-serve".into(), workstation: server_name() };
    let mut tick = tokio::time::interval(RESEND_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let (app, smtp, actor) = (app.clone(), smtp.clone(), actor.clone());
        let pass = tokio::task::spawn_blocking(move || {
            one_pass_at_a_time(&app, || {
                match app.pool.get().and_then(|mut s| s.send_acknowledgements_as(&actor, &smtp)) {
                    Ok(report) if report.sent > 0 || !report.failed.is_empty() => {
                        tracing::info!(
                            sent = report.sent,
                            waiting = report.failed.len(),
                            "accusés de réception renvoyés"
                        )
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!("accusés de réception à envoyer : {e}"),
                }
            })
        });
        if let Err(e) = pass.await {
            tracing::error!("accusés de réception à envoyer : {e}");
        }
    }
}

/// Runs `pass` unless one is running on this server; then the running one runs again
/// once it is done, so that what was asked for meanwhile (a registration's acknowledgement
/// made after it read what waits) is not left for the next timer. Two passes at once could
/// both send the same e-mail.
pub(crate) fn one_pass_at_a_time(app: &App, pass: impl Fn()) {
    if app.sending.swap(true, Ordering::AcqRel) {
        app.sending_again.store(true, Ordering::Release);
        return;
    }
    loop {
        pass();
        app.sending.store(false, Ordering::Release);
        // Asked for meanwhile, and no other pass took the turn since: once more.
        if !app.sending_again.swap(false, Ordering::AcqRel) || app.sending.swap(true, Ordering::AcqRel) {
            return;
        }
    }
}

/// This machine's name, for the events the server writes on its own.
fn server_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "serveur".into())
}
