//! Putting back a page capture dropped as blank: the page kept with its batch (a
//! one-page PDF of its original image) is OCRed like any content page and written as a
//! one-page searchable PDF, which the store's recomposition then places in a courrier.

use crate::pdf::{PdfInfo, PdfPage, write_searchable_pdf};
use crate::profile::Profile;
use crate::source::open_batch;
use pli_core::split::{PageRecogniser, RecognisedPage};
use std::path::Path;

/// Capture's [`PageRecogniser`]: Tesseract with the profile's languages.
pub struct KeptPageReader {
    languages: String,
    orientation_check_below: f32,
    default_dpi: f32,
}

impl KeptPageReader {
    pub fn new(profile: &Profile) -> Self {
        KeptPageReader {
            languages: profile.ocr.languages.clone(),
            orientation_check_below: profile.ocr.orientation_check_below,
            default_dpi: profile.input.dpi as f32,
        }
    }
}

impl PageRecogniser for KeptPageReader {
    fn recognise_kept_page(
        &self,
        data_dir: &Path,
        kept: &str,
        out_pdf: &str,
        out_thumbnail: &str,
    ) -> Result<RecognisedPage, String> {
        let path = data_dir.join(kept);
        let page = open_batch(&path)
            .map_err(|e| e.to_string())?
            .next()
            .ok_or_else(|| format!("« {} » : aucune page", path.display()))?
            .map_err(|e| e.to_string())?;
        let dpi = page.dpi.filter(|d| (50.0..=1200.0).contains(d)).unwrap_or(self.default_dpi);
        let original = page.original.clone();
        let mut engine = crate::ocr::OcrEngine::new(&self.languages)?;
        let (rotation, text, thumbnail) =
            crate::pipeline::recognise_page(&mut engine, page, dpi, self.orientation_check_below)
                .map_err(|e| format!("« {} » : {e}", path.display()))?;
        let pdf_page = PdfPage { image: &original, dpi, rotation, words: &text.words };
        let info = PdfInfo { title: "Page remise".into(), producer: "Pli".into() };
        let out = data_dir.join(out_pdf);
        let io = |e: std::io::Error| format!("« {} » : {e}", out.display());
        let mut pdf = std::io::BufWriter::new(std::fs::File::create(&out).map_err(io)?);
        write_searchable_pdf(&[pdf_page], &info, &mut pdf).map_err(|e| format!("« {} » : {e}", out.display()))?;
        std::io::Write::flush(&mut pdf).map_err(io)?;
        pdf.into_inner().map_err(|e| io(e.into_error()))?.sync_all().map_err(io)?;
        std::fs::write(data_dir.join(out_thumbnail), thumbnail)
            .map_err(|e| format!("« {} » : {e}", data_dir.join(out_thumbnail).display()))?;
        Ok(RecognisedPage { rotation: rotation.degrees(), confidence: text.mean_confidence, text: text.text })
    }
}
