//! Real scans from other projects' test suites (`../shared/peer-samples/real-scans/`):
//! their manifest, the character error rate (CER) of a text against ground truth, and
//! bare `tesseract` run on the same pages, for the real-scan test and the OCR benchmark.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `manifest.json`: what each file is and what a correct ingest gives.
#[derive(Debug, Deserialize)]
pub struct Manifest {
    pub files: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
pub struct Entry {
    pub file: String,
    pub format: String,
    #[serde(default)]
    pub expect: Expect,
}

#[derive(Debug, Default, Deserialize)]
pub struct Expect {
    pub language: Option<String>,
    #[serde(default)]
    pub page_facts: Vec<PageFact>,
    pub ground_truth_text: Option<String>,
    #[serde(default)]
    pub text_contains: Vec<String>,
    #[serde(default)]
    pub separators: Vec<Separator>,
    #[serde(default)]
    pub expected_letters: Vec<Letter>,
}

#[derive(Debug, Deserialize)]
pub struct PageFact {
    /// 1-based.
    pub page: usize,
    pub blank: bool,
    /// Degrees the text is turned clockwise from upright (`None`: no text).
    pub content_rotated_cw: Option<u32>,
}

#[derive(Debug, Deserialize)]
pub struct Separator {
    pub page: usize,
    pub pli_separator: bool,
}

#[derive(Debug, Deserialize)]
pub struct Letter {
    /// 1-based input pages.
    pub pages: Vec<usize>,
}

/// The real-scan folder, or `None` (with a notice) where `../shared` is absent.
pub fn samples_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/peer-samples/real-scans");
    if dir.join("manifest.json").is_file() {
        Some(dir)
    } else {
        eprintln!("NOTICE: {} absent: real-scan tests and figures skipped", dir.display());
        None
    }
}

impl Manifest {
    pub fn load(dir: &Path) -> anyhow::Result<Manifest> {
        Ok(serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json"))?)?)
    }

    /// Files to ingest (ground-truth texts left out).
    pub fn inputs(&self) -> impl Iterator<Item = &Entry> {
        self.files.iter().filter(|e| !e.format.starts_with("text"))
    }
}

impl Entry {
    /// Tesseract languages for this file: the manifest's, else Pli's default.
    pub fn languages(&self) -> &str {
        self.expect.language.as_deref().unwrap_or("fra+eng")
    }

    /// The ground-truth text, relative to the samples folder. `jbig2_baddevicen.pdf` is
    /// OCRmyPDF's `jbig2.pdf` in another colour space, whose text `linn.txt` is (its role
    /// in the manifest says so).
    pub fn ground_truth(&self) -> Option<&str> {
        self.expect
            .ground_truth_text
            .as_deref()
            .map(|t| t.split(' ').next().unwrap_or(t))
            .or((self.file == "ocrmypdf/jbig2_baddevicen.pdf").then_some("ocrmypdf/linn.txt"))
    }

    /// Whether the page (1-based) carries one of Pli's separators.
    pub fn is_separator(&self, page: usize) -> bool {
        self.expect.separators.iter().any(|s| s.page == page && s.pli_separator)
    }
}

/// Text compared as a reader would: typographic quotes and dashes as plain ones, every
/// run of white space as one space (line breaks and column gaps are layout, not text).
pub fn normalise(text: &str) -> String {
    let plain: String = text
        .chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' => '\'',
            '\u{201c}' | '\u{201d}' => '"',
            '\u{2013}' | '\u{2014}' => '-',
            c => c,
        })
        .collect();
    plain.replace('\u{fb01}', "fi").replace('\u{fb02}', "fl").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Character error rate of `text` against `truth`: edits (insertions, deletions,
/// substitutions) over the truth's length, both normalised.
pub fn cer(truth: &str, text: &str) -> f64 {
    let (truth, text) = (normalise(truth), normalise(text));
    strsim::levenshtein(&truth, &text) as f64 / truth.chars().count().max(1) as f64
}

/// A page image for bare `tesseract`, with the resolution to tell it (`None`: the file's own).
pub struct PageImage {
    pub path: PathBuf,
    pub dpi: Option<u32>,
}

/// The pages of `file` as images bare `tesseract` reads: the file itself for images,
/// for a PDF its pages rendered at 300 dpi in grey by `pdftoppm` (as Pli renders pages
/// that are not a plain image).
pub fn page_images(file: &Path, work: &Path) -> anyhow::Result<Vec<PageImage>> {
    if file.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf")) {
        let stem = file.file_stem().unwrap_or_default().to_string_lossy().into_owned();
        let prefix = work.join(&stem);
        let status = Command::new("pdftoppm").args(["-r", "300", "-gray", "-png"]).arg(file).arg(&prefix).status()?;
        anyhow::ensure!(status.success(), "pdftoppm a échoué sur {}", file.display());
        let mut pages: Vec<PathBuf> = std::fs::read_dir(work)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(&format!("{stem}-"))))
            .collect();
        pages.sort();
        Ok(pages.into_iter().map(|path| PageImage { path, dpi: Some(300) }).collect())
    } else {
        Ok(vec![PageImage { path: file.to_path_buf(), dpi: None }])
    }
}

/// Bare `tesseract` on one page image, as a user runs it: automatic layout analysis
/// (`--psm 3`, its default), the resolution the file gives (300 dpi for renderings),
/// one thread. Returns the text.
pub fn tesseract(page: &PageImage, languages: &str) -> anyhow::Result<String> {
    let mut cmd = Command::new("tesseract");
    cmd.arg(&page.path).arg("stdout").args(["-l", languages, "--psm", "3"]).env("OMP_THREAD_LIMIT", "1");
    if let Some(dpi) = page.dpi {
        cmd.args(["--dpi", &dpi.to_string()]);
    }
    let out = cmd.output()?;
    anyhow::ensure!(out.status.success(), "tesseract : {}", String::from_utf8_lossy(&out.stderr));
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cer_counts_edits_over_the_truth_ignoring_layout() {
        assert_eq!(cer("The quick\nbrown  fox", "The quick brown fox"), 0.0);
        assert_eq!(cer("abcd", "abed"), 0.25);
        assert_eq!(cer("it\u{2019}s", "it's"), 0.0);
        assert_eq!(cer("abcd", ""), 1.0);
    }
}
