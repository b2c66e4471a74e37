//! `make bench`: the capture benchmark. Prints figures, asserts nothing.
//!
//! 1. A generated 100-page duplex batch (300 dpi, ~30 % blank backs, 10 separators) is
//!    ingested by the release `pli` binary: pages per minute end to end, peak memory.
//! 2. In the same run, bare `tesseract` (same languages, one process per core,
//!    `OMP_THREAD_LIMIT=1`) reads the same content pages: the ratio of the two.
//! 3. Separator detection alone, page by page, on the same batch: ms per page.
//! 4. A 300-page batch: peak memory.

use pli_testkit::{BatchSpec, Format, GroundTruth, write_batch};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn spec(letters: usize, seed: u64) -> BatchSpec {
    BatchSpec {
        seed,
        letters,
        pages_per_letter: (5, 7),
        lines_per_page: 26,
        blank_backs: 0.4,
        upside_down: 0.0,
        ..BatchSpec::default()
    }
}

fn pli_binary() -> PathBuf {
    std::env::current_exe().unwrap().with_file_name("pli")
}

/// Runs `pli ingest --stats` on a batch and returns its stats line.
fn run_pli(batch: &Path, data: &Path) -> serde_json::Value {
    let out = Command::new(pli_binary())
        .args(["--data"])
        .arg(data)
        .args(["ingest", "--stats", "--json"])
        .arg(batch)
        .env("OMP_THREAD_LIMIT", "1")
        .output()
        .expect("target/release/pli is built by `make bench`");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    serde_json::from_str(stderr.lines().rev().find(|l| l.starts_with('{')).expect("stats line")).unwrap()
}

/// Bare tesseract with its models loaded once per core: each of `workers` processes
/// reads a list of pages (tesseract's own batch mode). Returns wall seconds.
fn run_tesseract_lists(pages: &[PathBuf], workers: usize, dir: &Path) -> f64 {
    let lists: Vec<PathBuf> = (0..workers)
        .map(|w| {
            let list = dir.join(format!("list-{w}.txt"));
            let names: Vec<String> = pages.iter().skip(w).step_by(workers).map(|p| p.display().to_string()).collect();
            std::fs::write(&list, names.join("\n") + "\n").unwrap();
            list
        })
        .collect();
    let started = Instant::now();
    std::thread::scope(|s| {
        for (w, list) in lists.iter().enumerate() {
            s.spawn(move || {
                let status = Command::new("tesseract")
                    .arg(list)
                    .arg(dir.join(format!("out-{w}")))
                    .args(["-l", "fra+eng"])
                    .env("OMP_THREAD_LIMIT", "1")
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .status()
                    .unwrap();
                assert!(status.success());
            });
        }
    });
    started.elapsed().as_secs_f64()
}

/// Bare tesseract on `pages`, one process per page, `workers` at a time; returns wall seconds.
fn run_tesseract(pages: &[PathBuf], workers: usize) -> f64 {
    let started = Instant::now();
    let queue = std::sync::Mutex::new(pages.to_vec());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                while let Some(page) = queue.lock().unwrap().pop() {
                    let status = Command::new("tesseract")
                        .arg(&page)
                        .arg("stdout")
                        .args(["-l", "fra+eng"])
                        .env("OMP_THREAD_LIMIT", "1")
                        .stdout(std::process::Stdio::null())
                        .stderr(std::process::Stdio::null())
                        .status()
                        .expect("tesseract (Debian tesseract-ocr) is installed by make");
                    assert!(status.success());
                }
            });
        }
    });
    started.elapsed().as_secs_f64()
}

/// Separator detection alone, as the pipeline does it, page by page.
fn separator_ms_per_page(batch: &Path) -> (f64, f64, usize) {
    let profile = pli_capture::profile::Profile::find("generic-pdf", None).unwrap();
    let reader = pli_capture::separator::SeparatorReader::new(&profile);
    let mut times = Vec::new();
    for page in pli_capture::source::open_batch(batch).unwrap() {
        let gray = page.unwrap().pixels.to_luma8();
        let t = Instant::now();
        let small = pli_capture::imaging::downscale_box(&gray, 3);
        let ink = pli_capture::separator::Ink::of(pli_capture::blank::ink_ratio(&small), profile.blank.max_ink_ratio);
        reader.read_page(&gray, &small, ink);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let n = times.len();
    let mean_all = times.iter().sum::<f64>() / n as f64;
    let mean_warm = times[1..].iter().sum::<f64>() / (n - 1) as f64;
    (mean_all, mean_warm, n)
}

fn main() -> anyhow::Result<()> {
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path();

    let batch = dir.join("lot-100.pdf");
    let truth: GroundTruth = write_batch(&spec(10, 42), Format::Pdf, &batch)?;
    // The same pages again as files, for bare tesseract.
    let pages_dir = dir.join("pages-100");
    write_batch(&spec(10, 42), Format::Folder, &pages_dir)?;
    let content: Vec<PathBuf> =
        truth.content_pages().iter().map(|i| pages_dir.join(format!("page-{:04}.jpg", i + 1))).collect();
    let blanks = truth.pages.iter().filter(|p| p.role == pli_testkit::PageRole::Blank).count();
    println!(
        "batch: {} pages ({} content, {} blank backs, {} separators), 300 dpi, JPEG in PDF; {workers} cores",
        truth.pages.len(),
        content.len(),
        blanks,
        truth.letters.len()
    );

    let (sep_all, sep_warm, n) = separator_ms_per_page(&batch);
    println!(
        "separator detection alone: {sep_all:.1} ms/page over {n} pages ({sep_warm:.1} ms/page without the first call)"
    );

    let stats = run_pli(&batch, &dir.join("data-100"));
    let pli_seconds = stats["seconds"].as_f64().unwrap();
    println!(
        "pli ingest: {:.1} s, {:.0} pages/min ({:.0} content pages/min), peak memory {:.0} MiB anonymous ({:.0} MiB resident), separator detection in the pipeline {:.1} ms/page (wall, under OCR load)",
        pli_seconds,
        stats["pages_per_minute"].as_f64().unwrap(),
        content.len() as f64 * 60.0 / pli_seconds,
        stats["peak_anonymous_memory_mb"].as_f64().unwrap_or(0.0),
        stats["peak_memory_mb"].as_f64().unwrap_or(0.0),
        stats["separator_ms_per_page"].as_f64().unwrap()
    );
    let per_page = run_tesseract(&content, workers);
    let lists = run_tesseract_lists(&content, workers, dir);
    println!(
        "bare tesseract -l fra+eng on the {} content pages: {:.1} s ({:.0} pages/min) with one process per page, {workers} at a time; {:.1} s ({:.0} pages/min) with one process per core reading a list (models loaded once)",
        content.len(),
        per_page,
        content.len() as f64 * 60.0 / per_page,
        lists,
        content.len() as f64 * 60.0 / lists
    );
    println!(
        "ratio: pli's end-to-end throughput is {:.0} % of bare tesseract's (models loaded once; {:.0} % of one process per page)",
        100.0 * lists / pli_seconds,
        100.0 * per_page / pli_seconds
    );

    if std::env::var_os("PLI_BENCH_SKIP_300").is_none() {
        let big = dir.join("lot-300.pdf");
        let truth = write_batch(&spec(30, 43), Format::Pdf, &big)?;
        let stats = run_pli(&big, &dir.join("data-300"));
        println!(
            "300-page batch ({:.0} MB file): {} pages in {:.1} s ({:.0} pages/min), peak memory {:.0} MiB anonymous (heap), {:.0} MiB resident with the mapped file",
            std::fs::metadata(&big)?.len() as f64 / 1e6,
            truth.pages.len(),
            stats["seconds"].as_f64().unwrap(),
            stats["pages_per_minute"].as_f64().unwrap(),
            stats["peak_anonymous_memory_mb"].as_f64().unwrap_or(0.0),
            stats["peak_memory_mb"].as_f64().unwrap_or(0.0)
        );
    }
    Ok(())
}
