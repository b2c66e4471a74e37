//! OCR with Tesseract through its C API (`tesseract-sys`): one engine per worker
//! thread, text and word boxes from one recognition, and orientation detection (OSD)
//! on demand.
//!
//! We bind the C API directly rather than the `tesseract` crate because we need
//! orientation detection and word boxes from the same engine, neither of which it exposes.

use crate::{OcrWord, Rotation};
use image::GrayImage;
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int};
use tesseract_sys as sys;

/// Makes sure Tesseract's OpenMP runs single-threaded: Pli runs one engine per core,
/// and OpenMP threads on top of that fight each other (measured: 4× slower, half the
/// time in the kernel). libgomp reads `OMP_THREAD_LIMIT` when the library is loaded,
/// before `main`, so setting it later has no effect: when it is not set, this re-runs
/// the current program with it set. Call it first thing in `main`.
#[cfg(unix)]
pub fn ensure_single_threaded_openmp() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("OMP_THREAD_LIMIT").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else { return };
    let error = std::process::Command::new(exe).args(std::env::args_os().skip(1)).env("OMP_THREAD_LIMIT", "1").exec();
    // Only reached when exec failed: go on, slower.
    tracing::warn!("OMP_THREAD_LIMIT could not be set ({error}); OCR will be slower");
}

/// What OCR read on one upright page.
#[derive(Debug, Clone, Default)]
pub struct PageText {
    /// Tesseract's text in reading order, paragraphs separated by blank lines.
    pub text: String,
    /// Words with boxes in pixels of the image given to OCR.
    pub words: Vec<OcrWord>,
    /// Mean word confidence, 0–100 (0 when no word was found).
    pub mean_confidence: f32,
}

/// A Tesseract engine for one thread.
pub struct OcrEngine {
    api: *mut sys::TessBaseAPI,
    /// Legacy engine with the `osd` model, created on first need.
    osd: Option<*mut sys::TessBaseAPI>,
}

// The handles are owned by this struct and used by one thread at a time.
unsafe impl Send for OcrEngine {}

impl OcrEngine {
    /// Starts an engine for `languages` (Tesseract's form, e.g. `fra+eng`).
    pub fn new(languages: &str) -> Result<Self, String> {
        let api = init(languages, sys::TessOcrEngineMode_OEM_DEFAULT)?;
        Ok(OcrEngine { api, osd: None })
    }

    /// Recognises the text of an upright grey page.
    pub fn recognize(&mut self, page: &GrayImage, dpi: u32) -> Result<PageText, String> {
        unsafe {
            set_image(self.api, page, dpi);
            if sys::TessBaseAPIRecognize(self.api, std::ptr::null_mut()) != 0 {
                return Err("Tesseract n'a pas pu reconnaître la page".into());
            }
            let text = take_text(sys::TessBaseAPIGetUTF8Text(self.api));
            let tsv = take_text(sys::TessBaseAPIGetTsvText(self.api, 0));
            sys::TessBaseAPIClear(self.api);
            let words = parse_tsv_words(&tsv);
            let mean_confidence = if words.is_empty() {
                0.0
            } else {
                words.iter().map(|w| w.confidence).sum::<f32>() / words.len() as f32
            };
            Ok(PageText { text: normalise_text(&text), words, mean_confidence })
        }
    }

    /// Detects which clockwise turn makes the page upright, with Tesseract's OSD.
    /// Returns `None` when the page has too little text to tell.
    pub fn detect_orientation(&mut self, page: &GrayImage, dpi: u32) -> Result<Option<(Rotation, f32)>, String> {
        let osd = match self.osd {
            Some(osd) => osd,
            None => {
                let osd = init("osd", sys::TessOcrEngineMode_OEM_TESSERACT_ONLY)?;
                unsafe { sys::TessBaseAPISetPageSegMode(osd, sys::TessPageSegMode_PSM_OSD_ONLY) };
                self.osd = Some(osd);
                osd
            }
        };
        unsafe {
            set_image(osd, page, dpi);
            let (mut deg, mut conf, mut script_conf): (c_int, f32, f32) = (0, 0.0, 0.0);
            let mut script: *const c_char = std::ptr::null();
            let ok = sys::TessBaseAPIDetectOrientationScript(osd, &mut deg, &mut conf, &mut script, &mut script_conf);
            sys::TessBaseAPIClear(osd);
            if ok == 0 {
                return Ok(None);
            }
            // `deg` is how far the page is turned clockwise: turning it a further
            // `360 - deg` clockwise makes it upright (checked on pages turned by hand).
            let turn = match deg.rem_euclid(360) {
                90 => Rotation::Cw270,
                180 => Rotation::Cw180,
                270 => Rotation::Cw90,
                _ => Rotation::None,
            };
            Ok(Some((turn, conf)))
        }
    }
}

impl Drop for OcrEngine {
    fn drop(&mut self) {
        unsafe {
            sys::TessBaseAPIDelete(self.api);
            if let Some(osd) = self.osd {
                sys::TessBaseAPIDelete(osd);
            }
        }
    }
}

fn init(languages: &str, mode: sys::TessOcrEngineMode) -> Result<*mut sys::TessBaseAPI, String> {
    let lang = CString::new(languages).map_err(|_| "langue OCR invalide".to_string())?;
    unsafe {
        let api = sys::TessBaseAPICreate();
        if sys::TessBaseAPIInit2(api, std::ptr::null(), lang.as_ptr(), mode) != 0 {
            sys::TessBaseAPIDelete(api);
            return Err(format!(
                "Tesseract ne trouve pas les modèles de langue « {languages} » \
                 (paquets Debian tesseract-ocr-fra, tesseract-ocr-eng, tesseract-ocr-osd)"
            ));
        }
        // Quiet: Tesseract prints "Estimating resolution" and the like on stderr otherwise.
        let (k, v) = (CString::new("debug_file").unwrap(), CString::new("/dev/null").unwrap());
        sys::TessBaseAPISetVariable(api, k.as_ptr(), v.as_ptr());
        Ok(api)
    }
}

unsafe fn set_image(api: *mut sys::TessBaseAPI, page: &GrayImage, dpi: u32) {
    let (w, h) = (page.width() as c_int, page.height() as c_int);
    unsafe {
        sys::TessBaseAPISetImage(api, page.as_raw().as_ptr(), w, h, 1, w);
        sys::TessBaseAPISetSourceResolution(api, dpi.clamp(70, 1200) as c_int);
    }
}

unsafe fn take_text(ptr: *mut c_char) -> String {
    if ptr.is_null() {
        return String::new();
    }
    let s = unsafe { CStr::from_ptr(ptr) }.to_string_lossy().into_owned();
    unsafe { sys::TessDeleteText(ptr) };
    s
}

/// Words (TSV level 5) from Tesseract's TSV output.
fn parse_tsv_words(tsv: &str) -> Vec<OcrWord> {
    tsv.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.splitn(12, '\t').collect();
            if f.len() < 12 || f[0] != "5" {
                return None;
            }
            let text = f[11].trim();
            if text.is_empty() {
                return None;
            }
            Some(OcrWord {
                text: text.to_string(),
                left: f[6].parse().ok()?,
                top: f[7].parse().ok()?,
                width: f[8].parse().ok()?,
                height: f[9].parse().ok()?,
                confidence: f[10].parse::<f32>().ok()?.max(0.0),
            })
        })
        .collect()
}

/// Trims trailing spaces and the form feed Tesseract ends a page with.
fn normalise_text(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    lines.join("\n").trim_matches(|c: char| c.is_whitespace() || c == '\u{c}').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_words_are_parsed_and_non_words_skipped() {
        let tsv = "1\t1\t0\t0\t0\t0\t0\t0\t2480\t3508\t-1\t\n\
                   4\t1\t1\t1\t1\t0\t100\t200\t500\t40\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t100\t200\t220\t40\t96.5\tÉtablissement\n\
                   5\t1\t1\t1\t1\t2\t330\t200\t90\t40\t91\tpublic\n\
                   5\t1\t1\t1\t1\t3\t430\t200\t9\t40\t95\t \n";
        let words = parse_tsv_words(tsv);
        assert_eq!(words.len(), 2);
        assert_eq!(words[0].text, "Établissement");
        assert_eq!((words[0].left, words[0].top, words[0].width, words[0].height), (100, 200, 220, 40));
        assert_eq!(words[1].confidence, 91.0);
    }

    #[test]
    fn text_is_trimmed_of_form_feed() {
        assert_eq!(normalise_text("Objet : test  \n\nSuite\n\u{c}"), "Objet : test\n\nSuite");
    }
}
