//! Writes a synthetic scanned batch and its ground truth.
//!
//! `pli-testgen --out lot.pdf --format pdf --letters 10 --seed 7`

use clap::Parser;
use pli_testkit::{BatchSpec, Condition, Format, Symbology, write_batch};
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "Génère un lot numérisé synthétique et sa vérité terrain (truth.json)")]
struct Args {
    #[arg(long)]
    out: PathBuf,
    #[arg(long, value_enum, default_value = "pdf")]
    format: Format,
    #[arg(long, default_value_t = 3)]
    letters: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = 1)]
    min_pages: usize,
    #[arg(long, default_value_t = 2)]
    max_pages: usize,
    #[arg(long, default_value_t = 26)]
    lines: usize,
    /// Chance that a page is followed by a blank back.
    #[arg(long, default_value_t = 0.3)]
    blank_backs: f64,
    #[arg(long, default_value_t = 0.0)]
    upside_down: f64,
    #[arg(long, default_value_t = 0.0)]
    quarter_turn: f64,
    #[arg(long, value_enum, default_value = "qr")]
    symbology: Symbology,
    /// Comma-separated direction codes; empty for plain separators.
    #[arg(long, default_value = "DRH,DAF,DOS")]
    directions: String,
    #[arg(long)]
    no_first_separator: bool,
    #[arg(long, default_value_t = 82)]
    jpeg_quality: u8,
    /// Sensor noise amplitude on every pixel (grey levels).
    #[arg(long, default_value_t = 6)]
    noise: u8,
    /// Resolution of every page (300 or 200).
    #[arg(long, default_value_t = 300)]
    dpi: u32,
    /// Separator sheets with a title and text, scanned under this condition: clean,
    /// tinted, low-contrast, noisy, skewed, jpeg, 200dpi, mixed.
    #[arg(long)]
    sheet_scan: Option<String>,
    /// Chance that a letter's first page carries a code that is not a separator.
    #[arg(long, default_value_t = 0.0)]
    foreign_codes: f64,
}

fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let spec = BatchSpec {
        seed: a.seed,
        letters: a.letters,
        pages_per_letter: (a.min_pages, a.max_pages.max(a.min_pages)),
        lines_per_page: a.lines,
        blank_backs: a.blank_backs,
        upside_down: a.upside_down,
        quarter_turn: a.quarter_turn,
        symbology: a.symbology,
        directions: a.directions.split(',').map(str::trim).filter(|d| !d.is_empty()).map(String::from).collect(),
        first_separator: !a.no_first_separator,
        jpeg_quality: a.jpeg_quality,
        noise: a.noise,
        dpi: a.dpi,
        sheet_scan: match &a.sheet_scan {
            Some(name) => Some(
                Condition::ALL
                    .into_iter()
                    .find(|c| c.name() == name)
                    .ok_or_else(|| anyhow::anyhow!("--sheet-scan : condition « {name} » inconnue"))?,
            ),
            None => None,
        },
        foreign_codes: a.foreign_codes,
        ..BatchSpec::default()
    };
    let truth = write_batch(&spec, a.format, &a.out)?;
    eprintln!(
        "{} : {} pages, {} courriers, {} pages de contenu",
        a.out.display(),
        truth.pages.len(),
        truth.letters.len(),
        truth.content_pages().len()
    );
    Ok(())
}
