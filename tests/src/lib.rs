//! Synthetic scanned batches with exact ground truth, for Pli's tests and benchmarks.
//!
//! A [`BatchSpec`] describes the stack an operator would scan: letters of French
//! administrative prose, a separator sheet before each, blank backs of duplex scans,
//! pages fed upside down. Pages are rendered one at a time (a 300-page batch never sits
//! in memory) and written as a multi-page PDF (JPEG pages, as scanners write them), a
//! multi-page TIFF or a folder of JPEG pages, with `truth.json` saying what each page is.

mod letter;
pub mod real_scans;
pub mod render;
pub mod scan;

pub use letter::{Letter, MONTHS, make_letter};
pub use render::Fonts;
pub use render::ForeignCode;
pub use scan::{Condition, Scan};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A small deterministic generator (xorshift64*): the same seed gives the same batch.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() % 1_000_000) as f64 / 1_000_000.0 < p
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    pub fn uniform(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * (self.next() % 10_000) as f32 / 10_000.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Symbology {
    Qr,
    Code128,
    Code39,
    #[value(name = "datamatrix")]
    DataMatrix,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct BatchSpec {
    pub seed: u64,
    pub letters: usize,
    /// Pages per letter, drawn between these bounds.
    pub pages_per_letter: (usize, usize),
    /// Body lines per page (fewer lines: faster OCR in tests).
    pub lines_per_page: usize,
    /// Chance that a page is followed by a blank back.
    pub blank_backs: f64,
    /// Chance that a content page is fed upside down.
    pub upside_down: f64,
    /// Chance that a content page is turned a quarter.
    pub quarter_turn: f64,
    pub symbology: Symbology,
    /// Direction codes to route to; empty: plain `PLI-SEP` separators.
    pub directions: Vec<String>,
    pub first_separator: bool,
    /// Maximum skew in degrees.
    pub max_skew: f32,
    /// Noise amplitude on every pixel.
    pub noise: u8,
    /// JPEG quality of the written pages.
    pub jpeg_quality: u8,
    /// Resolution of every page (300, or 200 as some scanners are set).
    pub dpi: u32,
    /// Separator sheets as sites print them (a title, the code at a random size and
    /// place, a few lines of text), scanned under this condition; `None`: a plain sheet
    /// with the code and a label, scanned straight.
    pub sheet_scan: Option<Condition>,
    /// Chance that a letter's first page carries a code that is not a separator.
    pub foreign_codes: f64,
}

impl Default for BatchSpec {
    fn default() -> Self {
        BatchSpec {
            seed: 1,
            letters: 3,
            pages_per_letter: (1, 2),
            lines_per_page: 26,
            blank_backs: 0.3,
            upside_down: 0.0,
            quarter_turn: 0.0,
            symbology: Symbology::Qr,
            directions: vec!["DRH".into(), "DAF".into(), "DOS".into()],
            first_separator: true,
            max_skew: 0.8,
            noise: 6,
            jpeg_quality: 82,
            dpi: 300,
            sheet_scan: None,
            foreign_codes: 0.0,
        }
    }
}

/// What a page of the batch is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "lowercase")]
pub enum PageRole {
    Separator {
        payload: String,
    },
    Blank,
    Content {
        letter: usize,
        page_in_letter: usize,
        /// A code on the page that is not a separator.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        foreign_code: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageTruth {
    pub index: usize,
    #[serde(flatten)]
    pub role: PageRole,
    /// Clockwise degrees the page was turned when fed (0, 90, 180, 270).
    pub rotation: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LetterTruth {
    /// Source page indices of its content pages.
    pub pages: Vec<usize>,
    /// Blank pages after its separator, before the next.
    pub blank_pages: Vec<usize>,
    pub separator: Option<String>,
    pub direction: Option<String>,
    /// Exact text as rendered, pages joined by a blank line, lines by `\n`.
    pub text: String,
    pub date: String,
    pub subject: String,
    pub reference: String,
}

/// The exact answer for a generated batch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroundTruth {
    pub seed: u64,
    pub pages: Vec<PageTruth>,
    pub letters: Vec<LetterTruth>,
}

impl GroundTruth {
    pub fn content_pages(&self) -> Vec<usize> {
        self.pages.iter().filter(|p| matches!(p.role, PageRole::Content { .. })).map(|p| p.index).collect()
    }
    pub fn load(path: &Path) -> anyhow::Result<GroundTruth> {
        Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
    }
}

/// One page to render, planned ahead so the truth is known before any pixel is drawn.
enum Planned {
    Separator {
        payload: String,
        label: String,
        text: render::SheetText,
    },
    Blank {
        front: Option<(Vec<String>, usize, f32)>,
        paper: u8,
    },
    Content {
        lines: Vec<String>,
        font: usize,
        size: f32,
        paper: u8,
        rotation: u32,
        skew: f32,
        foreign: Option<(ForeignCode, String)>,
    },
}

/// Plans the batch: the ground truth and, for each page, what to draw.
fn plan(spec: &BatchSpec, fonts: &Fonts) -> (GroundTruth, Vec<Planned>) {
    let mut rng = Rng::new(spec.seed);
    let mut planned = Vec::new();
    let mut truth = GroundTruth { seed: spec.seed, pages: Vec::new(), letters: Vec::new() };
    for n in 0..spec.letters {
        let direction = (!spec.directions.is_empty()).then(|| rng.pick(&spec.directions).clone());
        let separator = (n > 0 || spec.first_separator).then(|| {
            let sep = if spec.symbology == Symbology::Code39 { "/" } else { ":" };
            match &direction {
                Some(d) => format!("PLI-SEP{sep}{d}"),
                None => "PLI-SEP".to_string(),
            }
        });
        if let Some(payload) = &separator {
            let label = format!("SÉPARATEUR {}", direction.as_deref().unwrap_or(""));
            truth.pages.push(PageTruth {
                index: planned.len(),
                role: PageRole::Separator { payload: payload.clone() },
                rotation: 0,
            });
            // Drawn only for such sheets, so that other batches stay as they were.
            let text = match spec.sheet_scan {
                Some(_) => sheet_text(&mut rng, direction.as_deref()),
                None => render::SheetText { title: String::new(), lines: Vec::new() },
            };
            planned.push(Planned::Separator { payload: payload.clone(), label: label.trim().to_string(), text });
            if rng.chance(spec.blank_backs) {
                truth.pages.push(PageTruth { index: planned.len(), role: PageRole::Blank, rotation: 0 });
                planned.push(Planned::Blank { front: None, paper: 246 });
            }
        }
        let (lo, hi) = spec.pages_per_letter;
        let page_count = lo + rng.below((hi.saturating_sub(lo) + 1) as u64) as usize;
        let letter = make_letter(&mut rng, page_count.max(1), spec.lines_per_page);
        let font = rng.below(fonts.len() as u64) as usize;
        let size = 44.0 + rng.below(5) as f32;
        let paper = 236 + rng.below(16) as u8;
        let mut letter_truth = LetterTruth {
            pages: Vec::new(),
            blank_pages: Vec::new(),
            separator: separator.clone(),
            direction: separator.as_ref().and(direction.clone()),
            text: String::new(),
            date: letter.date.clone(),
            subject: letter.subject.clone(),
            reference: letter.reference.clone(),
        };
        let mut texts = Vec::new();
        let mut foreign = (spec.foreign_codes > 0.0 && rng.chance(spec.foreign_codes)).then(|| {
            let kind = *rng.pick(&ForeignCode::ALL);
            (kind, kind.payload(&mut rng))
        });
        for (p, lines) in letter.pages.iter().enumerate() {
            let lines = render::wrap(fonts, font, size, lines);
            let rotation = if rng.chance(spec.upside_down) {
                180
            } else if rng.chance(spec.quarter_turn) {
                if rng.chance(0.5) { 90 } else { 270 }
            } else {
                0
            };
            let index = planned.len();
            let foreign = foreign.take();
            let role = PageRole::Content {
                letter: n,
                page_in_letter: p,
                foreign_code: foreign.as_ref().map(|(_, payload)| payload.clone()),
            };
            truth.pages.push(PageTruth { index, role, rotation });
            letter_truth.pages.push(index);
            texts.push(lines.iter().map(|l| l.as_str()).collect::<Vec<_>>().join("\n"));
            let skew = rng.uniform(-spec.max_skew, spec.max_skew);
            planned.push(Planned::Content { lines: lines.clone(), font, size, paper, rotation, skew, foreign });
            if rng.chance(spec.blank_backs) {
                let index = planned.len();
                truth.pages.push(PageTruth { index, role: PageRole::Blank, rotation: 0 });
                letter_truth.blank_pages.push(index);
                let bleed = rng.chance(0.5).then_some((lines, font, size));
                planned.push(Planned::Blank { front: bleed, paper });
            }
        }
        letter_truth.text = texts.join("\n\n");
        // A blank back right after the separator belongs to this letter's span too.
        if let Some(sep_index) = letter_truth.pages.first().map(|p| p.saturating_sub(1))
            && truth.pages.get(sep_index).is_some_and(|p| p.role == PageRole::Blank)
        {
            letter_truth.blank_pages.insert(0, sep_index);
        }
        truth.letters.push(letter_truth);
    }
    (truth, planned)
}

/// Renders a planned page: grey pixels as the scanner would deliver them.
fn draw(page: &Planned, fonts: &Fonts, spec: &BatchSpec, rng: &mut Rng) -> anyhow::Result<image::GrayImage> {
    let mut img = match page {
        Planned::Separator { payload, text, .. } if let Some(condition) = spec.sheet_scan => {
            let drawn = render::separator_sheet(fonts, payload, spec.symbology, text, rng)?;
            // The batch's resolution and JPEG quality are the writer's.
            let scan = Scan { dpi: 300, jpeg_quality: 100, ..condition.draw(rng) };
            let img = scan.apply(&drawn, rng);
            return Ok(at_dpi(img, spec.dpi));
        }
        Planned::Separator { payload, label, .. } => render::separator_page(fonts, payload, spec.symbology, label)?,
        Planned::Blank { front, paper } => {
            render::blank_back(fonts, front.as_ref().map(|(l, f, s)| (l.as_slice(), *f, *s)), *paper)
        }
        Planned::Content { lines, font, size, paper, rotation, skew, foreign } => {
            let img = match foreign {
                Some((kind, payload)) => {
                    let mut img = render::letter_with_code(fonts, *font, *size, lines, *kind, payload, rng)?;
                    scan::levels(&mut img, *paper, 25);
                    img
                }
                None => render::text_page(fonts, *font, *size, lines, *paper, 25),
            };
            let img = if skew.abs() > 0.01 { render::skew(&img, *skew, *paper) } else { img };
            match rotation {
                90 => image::imageops::rotate90(&img),
                180 => image::imageops::rotate180(&img),
                270 => image::imageops::rotate270(&img),
                _ => img,
            }
        }
    };
    let specks = if matches!(page, Planned::Blank { .. }) { 12 } else { 4 };
    render::noise(&mut img, rng, spec.noise, specks);
    Ok(at_dpi(img, spec.dpi))
}

/// A page drawn at 300 dpi, resampled to `dpi`.
fn at_dpi(img: image::GrayImage, dpi: u32) -> image::GrayImage {
    if dpi == 300 {
        return img;
    }
    let (w, h) = (img.width() * dpi / 300, img.height() * dpi / 300);
    image::imageops::resize(&img, w, h, image::imageops::FilterType::Triangle)
}

/// What a site prints on a separator sheet besides its code, drawn at random.
fn sheet_text(rng: &mut Rng, direction: Option<&str>) -> render::SheetText {
    let name = direction.unwrap_or("");
    let title = match rng.below(4) {
        0 => "SÉPARATEUR".to_string(),
        1 => format!("SÉPARATEUR {name}").trim().to_string(),
        2 => "Feuille de séparation".to_string(),
        _ => format!("Courrier entrant — {}", if name.is_empty() { "tri" } else { name }),
    };
    let all = [
        "Placer cette feuille devant le premier feuillet de chaque courrier.",
        "Ne pas agrafer, ne pas plier.",
        "Service du courrier — numérisation des plis entrants",
        "Imprimer sur papier de couleur pour la repérer dans la pile.",
        "Cette page ne sera pas conservée dans le courrier.",
    ];
    let mut lines = Vec::new();
    if let Some(d) = direction {
        lines.push(format!("Direction destinataire : {d}"));
    }
    for _ in 0..1 + rng.below(3) {
        lines.push(rng.pick(&all).to_string());
    }
    render::SheetText { title, lines }
}

/// Renders every page in order, calling `sink` with each; returns the truth.
pub fn generate(
    spec: &BatchSpec,
    mut sink: impl FnMut(usize, image::GrayImage) -> anyhow::Result<()>,
) -> anyhow::Result<GroundTruth> {
    let fonts = Fonts::load()?;
    let (truth, planned) = plan(spec, &fonts);
    let mut rng = Rng::new(spec.seed ^ 0xA5A5);
    for (i, page) in planned.iter().enumerate() {
        sink(i, draw(page, &fonts, spec, &mut rng)?)?;
    }
    Ok(truth)
}

fn jpeg(img: &image::GrayImage, quality: u8, dpi: u32) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    encoder.set_pixel_density(image::codecs::jpeg::PixelDensity::dpi(dpi as u16));
    encoder.encode_image(img)?;
    Ok(out)
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Pdf,
    Tiff,
    Folder,
}

/// Writes the batch to `out` (a file for PDF and TIFF, a folder for pages) and
/// `truth.json` beside it (inside it for a folder); returns the truth.
pub fn write_batch(spec: &BatchSpec, format: Format, out: &Path) -> anyhow::Result<GroundTruth> {
    let truth = match format {
        Format::Pdf => write_pdf(spec, out)?,
        Format::Tiff => write_tiff(spec, out)?,
        Format::Folder => {
            std::fs::create_dir_all(out)?;
            generate(spec, |i, img| {
                Ok(std::fs::write(
                    out.join(format!("page-{:04}.jpg", i + 1)),
                    jpeg(&img, spec.jpeg_quality, spec.dpi)?,
                )?)
            })?
        }
    };
    let truth_path = match format {
        Format::Folder => out.join("truth.json"),
        _ => out.with_extension("truth.json"),
    };
    std::fs::write(truth_path, serde_json::to_string_pretty(&truth)?)?;
    Ok(truth)
}

/// A PDF of one JPEG image per page, A4 at the batch's resolution, as scanners write them.
fn write_pdf(spec: &BatchSpec, out: &Path) -> anyhow::Result<GroundTruth> {
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.4");
    let pages_id = doc.new_object_id();
    let mut kids = Vec::new();
    let truth = generate(spec, |_, img| {
        let (w, h) = img.dimensions();
        let image = Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image", "Width" => w as i64, "Height" => h as i64,
                "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8, "Filter" => "DCTDecode",
            },
            jpeg(&img, spec.jpeg_quality, spec.dpi)?,
        );
        let image_id = doc.add_object(image);
        let dpi = spec.dpi as f32;
        let (wpt, hpt) = (w as f32 * 72.0 / dpi, h as f32 * 72.0 / dpi);
        let content = format!("q {wpt} 0 0 {hpt} 0 0 cm /Im0 Do Q");
        let content_id = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), Object::Real(wpt), Object::Real(hpt)],
            "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => image_id } },
            "Contents" => content_id,
        });
        kids.push(Object::from(page));
        Ok(())
    })?;
    let count = kids.len() as i64;
    doc.objects
        .insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }));
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    doc.save(out)?;
    Ok(truth)
}

/// A multi-page grey TIFF, LZW-compressed, with its resolution.
fn write_tiff(spec: &BatchSpec, out: &Path) -> anyhow::Result<GroundTruth> {
    use tiff::encoder::{Compression, Rational, TiffEncoder, colortype::Gray8};
    use tiff::tags::ResolutionUnit;
    let file = std::io::BufWriter::new(std::fs::File::create(out)?);
    let mut encoder = TiffEncoder::new(file)?.with_compression(Compression::Lzw);
    let truth = generate(spec, |_, img| {
        let mut page = encoder.new_image::<Gray8>(img.width(), img.height())?;
        page.resolution(ResolutionUnit::Inch, Rational { n: spec.dpi, d: 1 });
        page.write_data(img.as_raw())?;
        Ok(())
    })?;
    Ok(truth)
}

/// One page for separator recall tests: drawn, then scanned under a [`Condition`].
#[derive(Debug, Clone)]
pub struct SamplePage {
    pub image: image::GrayImage,
    pub scan: Scan,
    /// What its code carries.
    pub payload: String,
}

/// A Pli separator payload with a direction drawn at random (or none), as `symbology` can carry it.
pub fn pli_payload(rng: &mut Rng, symbology: Symbology) -> String {
    let sep = if symbology == Symbology::Code39 { "/" } else { ":" };
    match *rng.pick(&["", "DRH", "DAF", "DOS", "DGS", "DSI", "DOS-PA", "DRH-PAIE", "CAB"]) {
        "" => "PLI-SEP".to_string(),
        d => format!("PLI-SEP{sep}{d}"),
    }
}

/// A separator sheet (a title, the code, a few lines) carrying `payload`, scanned under `condition`.
pub fn separator_sample(
    fonts: &Fonts,
    payload: &str,
    symbology: Symbology,
    condition: Condition,
    rng: &mut Rng,
) -> anyhow::Result<SamplePage> {
    let direction = payload.rsplit([':', '/', '_']).next().filter(|d| *d != payload);
    let text = sheet_text(rng, direction);
    let drawn = render::separator_sheet(fonts, payload, symbology, &text, rng)?;
    let scan = condition.draw(rng);
    Ok(SamplePage { image: scan.apply(&drawn, rng), scan, payload: payload.to_string() })
}

/// A page of a letter carrying a code that is not a separator, scanned under `condition`.
pub fn foreign_sample(
    fonts: &Fonts,
    kind: ForeignCode,
    condition: Condition,
    rng: &mut Rng,
) -> anyhow::Result<SamplePage> {
    let lines = 20 + rng.below(10) as usize;
    let letter = make_letter(rng, 1, lines);
    let font = rng.below(fonts.len() as u64) as usize;
    let size = 44.0 + rng.below(5) as f32;
    let lines = render::wrap(fonts, font, size, &letter.pages[0]);
    let payload = kind.payload(rng);
    let drawn = render::letter_with_code(fonts, font, size, &lines, kind, &payload, rng)?;
    let scan = condition.draw(rng);
    Ok(SamplePage { image: scan.apply(&drawn, rng), scan, payload })
}

/// Character error rate: edit distance over characters, after collapsing runs of
/// whitespace, divided by the expected length.
pub fn cer(expected: &str, got: &str) -> f64 {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let (e, g) = (norm(expected), norm(got));
    if e.is_empty() {
        return if g.is_empty() { 0.0 } else { 1.0 };
    }
    strsim::levenshtein(&e, &g) as f64 / e.chars().count() as f64
}

#[cfg(test)]
mod tests;
