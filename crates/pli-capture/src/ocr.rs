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

impl PageText {
    /// Whether most words of three letters or more are taller than wide: the page is
    /// turned a quarter. Tesseract's layout analysis reads such a page well (its
    /// confidence is high) but leaves it turned.
    pub fn is_sideways(&self) -> bool {
        let long = self.words.iter().filter(|w| w.text.chars().count() >= 3);
        let (tall, all) = long.fold((0, 0), |(t, a), w| (t + (w.height > w.width) as usize, a + 1));
        all >= 3 && tall * 2 > all
    }
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

    /// Recognises the text of an upright grey page whose resolution is `dpi`.
    ///
    /// The page is given to Tesseract as the command line would read it, with two
    /// exceptions that Tesseract's own advice calls for: a page below 250 dpi is enlarged
    /// to 300 dpi first (its word boxes are scaled back to the page's pixels), and a page
    /// that is mostly dark (white text on black) is inverted.
    pub fn recognize(&mut self, page: &GrayImage, dpi: u32) -> Result<PageText, String> {
        let prepared = prepare(page, dpi);
        let (image, dpi) = (prepared.image.as_ref().unwrap_or(page), prepared.dpi);
        let mut text = unsafe {
            set_image(self.api, image, dpi);
            if sys::TessBaseAPIRecognize(self.api, std::ptr::null_mut()) != 0 {
                sys::TessBaseAPIClear(self.api);
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
            PageText { text: normalise_text(&text), words, mean_confidence }
        };
        if prepared.scale != 1.0 {
            for word in &mut text.words {
                scale_box(word, prepared.scale, page.width(), page.height());
            }
        }
        Ok(text)
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
        let prepared = prepare(page, dpi);
        let (page, dpi) = (prepared.image.as_ref().unwrap_or(page), prepared.dpi);
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
        // The command line's layout analysis (its default, `--psm 3`): columns are read one
        // after the other and title lines kept. The C API's default is one uniform block
        // of text, which mixes columns line by line.
        sys::TessBaseAPISetPageSegMode(api, sys::TessPageSegMode_PSM_AUTO);
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

/// Resolution below which a page is enlarged before OCR, and the one it is brought to:
/// Tesseract reads best at 300 dpi and poorly below 200.
const LOW_DPI: u32 = 250;
const OCR_DPI: u32 = 300;

/// The image actually given to Tesseract.
struct Prepared {
    /// `None`: the page as it is.
    image: Option<GrayImage>,
    dpi: u32,
    /// Pixels of the prepared image per pixel of the page.
    scale: f32,
}

/// Enlarges a low-resolution page to 300 dpi and inverts a mostly dark one.
fn prepare(page: &GrayImage, dpi: u32) -> Prepared {
    let mut prepared = Prepared { image: None, dpi, scale: 1.0 };
    if dpi < LOW_DPI && page.width() > 0 && page.height() > 0 {
        let scale = OCR_DPI as f32 / dpi.max(50) as f32;
        let (w, h) = ((page.width() as f32 * scale).round() as u32, (page.height() as f32 * scale).round() as u32);
        // Within the pixel budget of a page: a huge low-dpi image is read as it is.
        if (w as u64) * (h as u64) <= crate::MAX_PAGE_PIXELS {
            let big = image::imageops::resize(page, w, h, image::imageops::FilterType::CatmullRom);
            prepared = Prepared { image: Some(big), dpi: OCR_DPI, scale: w as f32 / page.width() as f32 };
        }
    }
    if crate::blank::is_mostly_dark(prepared.image.as_ref().unwrap_or(page)) {
        let mut img = prepared.image.take().unwrap_or_else(|| page.clone());
        image::imageops::invert(&mut img);
        prepared.image = Some(img);
    }
    prepared
}

/// Brings a word box found on the enlarged image back to the page's pixels.
fn scale_box(word: &mut OcrWord, scale: f32, width: u32, height: u32) {
    let back = |v: u32| (v as f32 / scale).round() as u32;
    let (left, top) = (back(word.left).min(width.saturating_sub(1)), back(word.top).min(height.saturating_sub(1)));
    let (right, bottom) = (back(word.left + word.width).min(width), back(word.top + word.height).min(height));
    *word = OcrWord {
        left,
        top,
        width: right.saturating_sub(left).max(1),
        height: bottom.saturating_sub(top).max(1),
        ..word.clone()
    };
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
