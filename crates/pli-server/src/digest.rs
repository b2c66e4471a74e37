//! The daily digest of reminders, sent by the server itself: once a day, from the hour
//! `[digest]` names on (Paris time). A server started later that day sends that day's
//! then. Every server over one database may run it: each user's digest of a day is
//! claimed in the database before it leaves (`pli_store::digest`), so it leaves once.

use crate::App;
use std::sync::Arc;
use std::time::Duration;

/// How often the clock is looked at.
const LOOK_EVERY: Duration = Duration::from_secs(60);

/// Runs for the server's life when `[digest]` and `[smtp]` are set.
pub(crate) async fn daily(app: Arc<App>) {
    let (Some(section), Some(smtp)) = (app.config.digest.clone(), app.config.smtp.clone()) else { return };
    let mut done = None;
    let mut tick = tokio::time::interval(LOOK_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let (today, hour) = pli_store::digest::paris_now();
        if !time_to_send(today, hour, section.hour, done) {
            continue;
        }
        let (app, smtp) = (app.clone(), smtp.clone());
        let pass = tokio::task::spawn_blocking(move || app.pool.get().and_then(|mut s| s.send_digests(today, &smtp)));
        match pass.await {
            Ok(Ok(report)) => {
                tracing::info!(
                    day = %report.day, sent = report.sent, already = report.already_sent,
                    "rappels du jour envoyés"
                );
                for (login, reason) in &report.failed {
                    tracing::warn!(login = %login, "rappels non envoyés : {reason}");
                }
                done = Some(today);
            }
            // The database away: tried again at the next look.
            Ok(Err(e)) => tracing::warn!("rappels du jour impossibles pour l'instant : {e}"),
            Err(e) => tracing::error!("rappels du jour : {e}"),
        }
    }
}

/// Whether the day's digest is to send now: from its hour on, once a day (`done`: the last
/// day sent by this server).
fn time_to_send<D: PartialEq>(today: D, hour: u8, from: u8, done: Option<D>) -> bool {
    hour >= from && done != Some(today)
}

#[cfg(test)]
mod tests {
    use super::time_to_send;
    use time::macros::date;

    #[test]
    fn the_digest_leaves_from_its_hour_once_a_day() {
        let (monday, tuesday) = (date!(2026 - 03 - 02), date!(2026 - 03 - 03));
        assert!(!time_to_send(monday, 6, 7, None), "before the hour");
        assert!(time_to_send(monday, 7, 7, None), "at the hour");
        assert!(time_to_send(monday, 15, 7, None), "a server started later sends that day's");
        assert!(!time_to_send(monday, 8, 7, Some(monday)), "once a day");
        assert!(!time_to_send(tuesday, 6, 7, Some(monday)), "the next day, from the hour again");
        assert!(time_to_send(tuesday, 7, 7, Some(monday)));
    }
}
