//! `cargo run --release -p pli-testkit --bin pli-ocr-bench`: Pli's OCR on real scans
//! against bare `tesseract`, in the same run, with the same settings (the manifest's
//! languages, the page's resolution, automatic layout analysis `--psm 3`, one thread
//! each). Prints figures, asserts nothing.
//!
//! 1. Accuracy: each real scan with ground truth is ingested by the release `pli` binary
//!    (`--workers 1`); its text and bare `tesseract`'s text on the same page are
//!    compared with the ground truth (character error rate, CER).
//! 2. Throughput, like for like: the same pages read by Pli's OCR engine in this process
//!    (models loaded once, one thread) and by one `tesseract` process reading the list
//!    of pages (models loaded once, `OMP_THREAD_LIMIT=1`).
//! 3. Blank detection alone, per page, on every real scan.

use pli_capture::ocr::OcrEngine;
use pli_testkit::real_scans::{Manifest, PageImage, cer, page_images, samples_dir, tesseract};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn pli_binary() -> PathBuf {
    std::env::current_exe().unwrap().with_file_name("pli")
}

/// `pli ingest` of one file with a profile reading `languages`; the courriers' text.
fn pli_text(file: &Path, languages: &str, work: &Path) -> anyhow::Result<(String, f64)> {
    let data = work.join("data");
    let profile = work.join("real-scan.toml");
    std::fs::write(&profile, format!("[ocr]\nlanguages = \"{languages}\"\n"))?;
    let started = Instant::now();
    let out = Command::new(pli_binary())
        .arg("--data")
        .arg(&data)
        .args(["ingest", "--json", "--workers", "1", "--profile"])
        .arg(&profile)
        .arg(file)
        .env("OMP_THREAD_LIMIT", "1")
        .output()?;
    let seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(out.status.success(), "pli : {}", String::from_utf8_lossy(&out.stderr));
    let mut text = String::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let courrier: serde_json::Value = serde_json::from_str(line)?;
        text.push_str(courrier["text"].as_str().unwrap_or_default());
        text.push('\n');
    }
    Ok((text, seconds))
}

/// Bare tesseract reading a list of pages in one process (each at the resolution its
/// file gives); wall seconds.
fn tesseract_list(pages: &[PageImage], languages: &str, work: &Path) -> anyhow::Result<f64> {
    let list = work.join("pages.txt");
    let names: Vec<String> = pages.iter().map(|p| p.path.display().to_string()).collect();
    std::fs::write(&list, names.join("\n") + "\n")?;
    let started = Instant::now();
    let status = Command::new("tesseract")
        .arg(&list)
        .arg(work.join("list-out"))
        .args(["-l", languages, "--psm", "3"])
        .env("OMP_THREAD_LIMIT", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()?;
    anyhow::ensure!(status.success(), "tesseract (liste) a échoué");
    Ok(started.elapsed().as_secs_f64())
}

fn main() -> anyhow::Result<()> {
    let Some(dir) = samples_dir() else { return Ok(()) };
    let manifest = Manifest::load(&dir)?;
    let tmp = tempfile::tempdir()?;
    println!("OCR on real scans: Pli (`pli ingest --workers 1`) and bare `tesseract --psm 3`, same languages and dpi");
    println!("| file | languages | Pli CER | tesseract CER | ratio | Pli s | tesseract s |");
    println!("|---|---|---|---|---|---|---|");
    // Pages for the throughput comparison: every page of a file with ground truth,
    // upright (bare tesseract does not turn pages), as 300 dpi images.
    let mut bench_pages: Vec<PageImage> = Vec::new();
    for (n, entry) in manifest.inputs().enumerate() {
        let Some(truth_file) = entry.ground_truth() else { continue };
        let truth = std::fs::read_to_string(dir.join(truth_file))?;
        let file = dir.join(&entry.file);
        let work = tmp.path().join(format!("f{n}"));
        std::fs::create_dir_all(&work)?;
        let (pli, pli_s) = pli_text(&file, entry.languages(), &work)?;
        let pages = page_images(&file, &work)?;
        let started = Instant::now();
        let mut bare = String::new();
        for page in &pages {
            bare.push_str(&tesseract(page, entry.languages())?);
        }
        let bare_s = started.elapsed().as_secs_f64();
        let (p, t) = (cer(&truth, &pli), cer(&truth, &bare));
        let ratio = if t > 0.0 { format!("{:.2}", p / t) } else { "–".into() };
        println!("| {} | {} | {p:.4} | {t:.4} | {ratio} | {pli_s:.1} | {bare_s:.1} |", entry.file, entry.languages());
        let upright = entry.expect.page_facts.iter().all(|f| f.content_rotated_cw.unwrap_or(0) == 0);
        if upright && entry.languages() == "eng" {
            bench_pages.extend(pages);
        }
    }

    // Throughput: the same pages, one thread each, models loaded once each.
    // Read as Pli reads them (the resolution each file gives).
    let mut images: Vec<(image::GrayImage, u32)> = Vec::new();
    for p in &bench_pages {
        for page in pli_capture::source::open_batch(&p.path)? {
            let page = page?;
            images.push((page.pixels.to_luma8(), page.dpi.unwrap_or(300.0).round() as u32));
        }
    }
    // Each side reads the pages ROUNDS times over, its models loaded once (in the timing).
    const ROUNDS: usize = 3;
    let started = Instant::now();
    let mut engine = OcrEngine::new("eng").map_err(anyhow::Error::msg)?;
    for _ in 0..ROUNDS {
        for (img, dpi) in &images {
            engine.recognize(img, *dpi).map_err(anyhow::Error::msg)?;
        }
    }
    let pli_s = started.elapsed().as_secs_f64();
    let work = tmp.path().join("list");
    std::fs::create_dir_all(&work)?;
    let rounds: Vec<PageImage> =
        (0..ROUNDS).flat_map(|_| bench_pages.iter().map(|p| PageImage { path: p.path.clone(), dpi: p.dpi })).collect();
    let bare_s = tesseract_list(&rounds, "eng", &work)?;
    let n = (images.len() * ROUNDS) as f64;
    println!(
        "throughput on the same {} upright pages read {ROUNDS} times, one thread each, models loaded once: Pli OCR {:.2} pages/s, bare tesseract {:.2} pages/s (Pli at {:.0} % of bare tesseract)",
        images.len(),
        n / pli_s,
        n / bare_s,
        100.0 * bare_s / pli_s
    );

    // Blank detection alone on every real scan, as the pipeline runs it (the ~100 dpi copy included).
    let mut times = Vec::new();
    for entry in manifest.inputs() {
        for page in pli_capture::source::open_batch(&dir.join(&entry.file))? {
            let page = page?;
            let gray = page.pixels.to_luma8();
            let factor = ((page.dpi.unwrap_or(300.0) / 100.0).round() as u32).max(1);
            let started = Instant::now();
            let small = pli_capture::imaging::downscale_box(&gray, factor);
            std::hint::black_box(pli_capture::blank::marks(&small));
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    println!(
        "blank detection (marks) on the {} real-scan pages: {:.1} ms/page on average, {:.1} ms at most",
        times.len(),
        times.iter().sum::<f64>() / times.len() as f64,
        times.iter().cloned().fold(0.0, f64::max)
    );
    Ok(())
}
