//! `pli digest`: the day's digest of reminders by e-mail, from a timer (cron, systemd) on a
//! workstation or beside servers that do not send it themselves. The SMTP server is the
//! server TOML's `[smtp]` (with its data folder and database), or given by flags.

use crate::Place;
use anyhow::{Context, Result};
use pli_receipt::mail::{Security, SmtpSettings};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct DigestArgs {
    /// A server's TOML configuration: its [smtp] section, data folder and database.
    #[arg(long, conflicts_with_all = ["smtp_host", "smtp_from"])]
    config: Option<PathBuf>,
    /// The SMTP server, without --config.
    #[arg(long, requires = "smtp_from")]
    smtp_host: Option<String>,
    #[arg(long, default_value_t = 587)]
    smtp_port: u16,
    /// none, start_tls or tls.
    #[arg(long, default_value = "start_tls")]
    smtp_security: String,
    /// The sender, e.g. "Pli <ne-pas-repondre@example.fr>".
    #[arg(long)]
    smtp_from: Option<String>,
    /// The account on the SMTP server; its password from PLI_SMTP_PASSWORD.
    #[arg(long)]
    smtp_username: Option<String>,
    /// The day whose digest is sent, YYYY-MM-DD (default: today in Paris).
    #[arg(long)]
    day: Option<String>,
    #[arg(long)]
    json: bool,
}

pub fn run(place: impl FnOnce() -> Result<Place>, args: DigestArgs) -> Result<ExitCode> {
    let (place, smtp) = match &args.config {
        Some(path) => {
            let c = pli_server::ServerConfig::read(path).map_err(anyhow::Error::msg)?;
            let smtp = c.smtp.with_context(|| format!("« {} » : pas de section [smtp]", path.display()))?;
            (Place { data: c.data, database: c.database }, smtp)
        }
        None => {
            let host = args
                .smtp_host
                .context("le serveur de courriel : --config FICHIER.toml, ou --smtp-host et --smtp-from")?;
            let security = match args.smtp_security.as_str() {
                "none" => Security::None,
                "start_tls" => Security::StartTls,
                "tls" => Security::Tls,
                other => anyhow::bail!("--smtp-security « {other} » : none, start_tls ou tls"),
            };
            let password = std::env::var("PLI_SMTP_PASSWORD").ok().filter(|p| !p.is_empty());
            let smtp = SmtpSettings {
                host,
                port: args.smtp_port,
                security,
                from: args.smtp_from.unwrap_or_default(),
                username: args.smtp_username,
                password,
                timeout_seconds: 30,
            };
            smtp.check()?;
            (place()?, smtp)
        }
    };
    let day = match &args.day {
        Some(d) => pli_store::deadline::parse_date(d.trim())
            .with_context(|| format!("--day « {d} » : date AAAA-MM-JJ attendue"))?,
        None => pli_store::digest::paris_now().0,
    };
    let report = place.open()?.send_digests(day, &smtp)?;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        eprintln!(
            "rappels du {} : {} envoyé(s), {} déjà envoyé(s) ce jour, {} sans rien à signaler, \
             {} désabonné(s), {} sans adresse, {} non envoyé(s)",
            report.day,
            report.sent,
            report.already_sent,
            report.nothing_to_say,
            report.opted_out,
            report.without_email,
            report.failed.len()
        );
        for (login, reason) in &report.failed {
            eprintln!("  non envoyé à {login} : {reason}");
        }
    }
    Ok(if report.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
