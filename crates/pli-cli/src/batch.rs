//! `pli batch`: the pages of a batch capture dropped as blank, listed and put back.
//! Pages and positions are counted from 1, as people count them.

use anyhow::{Context, Result};
use clap::Subcommand;
use pli_capture::profile::{DEFAULT_PROFILE, Profile};
use pli_store::{Session, Store};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum BatchCommand {
    /// The pages of BATCH dropped as blank (not put back), with their kept images.
    Dropped {
        batch: i64,
        #[arg(long = "as")]
        login: String,
        #[arg(long)]
        json: bool,
    },
    /// Put PAGE of BATCH back (OCRed, so search finds its words): where it was scanned,
    /// or into a courrier of the batch still to qualify (`--into`), at a position (`--at`).
    Restore {
        batch: i64,
        page: usize,
        #[arg(long = "as")]
        login: String,
        #[arg(long)]
        into: Option<i64>,
        #[arg(long)]
        at: Option<usize>,
        /// Scanner profile whose OCR languages read the page.
        #[arg(long, default_value = DEFAULT_PROFILE)]
        profile: String,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(place: &crate::Place, command: BatchCommand) -> Result<ExitCode> {
    let mut store = place.open()?;
    let session = |store: &Store, login: &str| -> Result<Session> {
        Ok(Session { viewer: store.viewer(login)?, workstation: crate::hostname() })
    };
    let from_one = |what: &str, n: usize| n.checked_sub(1).with_context(|| format!("{what} se comptent à partir de 1"));
    match command {
        BatchCommand::Dropped { batch, login, json } => {
            let s = session(&store, &login)?;
            let pages = store.dropped_pages(&s, batch)?;
            for p in &pages {
                if json {
                    println!("{}", serde_json::to_string(p)?);
                } else {
                    let ink = p.ink_ratio.as_deref().map(|i| format!(" (encre {i})")).unwrap_or_default();
                    let image = p.pdf.as_deref().unwrap_or("image non gardée : seulement dans l'original du lot");
                    println!("page {}{ink}  {image}", p.source_index + 1);
                }
            }
            if pages.is_empty() && !json {
                println!("lot n° {batch} : aucune page écartée");
            }
        }
        BatchCommand::Restore { batch, page, login, into, at, profile, json } => {
            let s = session(&store, &login)?;
            let page = from_one("les pages", page)?;
            let at = at.map(|a| from_one("les positions", a)).transpose()?;
            let profile = Profile::find(&profile, Some(&place.data.join("scanner-profiles")))?;
            let reader = pli_capture::restore::KeptPageReader::new(&profile);
            let r = store.restore_dropped_page(&s, batch, page, into, at, &reader, &pli_capture::pdf::Composer)?;
            if json {
                println!("{}", serde_json::to_string(&r)?);
            } else if r.created {
                println!("page {} remise : elle forme le courrier {}", page + 1, r.courrier);
            } else {
                println!("page {} remise dans le courrier {}, en position {}", page + 1, r.courrier, r.position + 1);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
