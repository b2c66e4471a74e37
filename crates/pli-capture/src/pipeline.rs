//! The capture pipeline: one batch in, courriers committed out.
//!
//! ```text
//! reader (this thread)          OCR workers (one engine each)      writer thread
//! page source ─▶ separator? ──▶ job ─▶ recognise, orientation ──▶ page result ─┐
//!                blank?         plan of each courrier ───────────────────────▶ ├─▶ PDF, thumbnails, text
//! ```
//! Pages stream through bounded channels, so a batch of any length holds only a few
//! pages in memory. Documents are written under `courriers/<batch>.partial/`, renamed
//! to `courriers/<batch>/` when complete, and only then recorded by the store in one
//! transaction; on any error the folder is removed and nothing is recorded. The
//! original batch file is never modified.

use crate::blank::ink_ratio;
use crate::imaging::downscale_box;
use crate::ocr::{OcrEngine, PageText};
use crate::pdf::{PdfInfo, PdfPage, write_searchable_pdf};
use crate::profile::Profile;
use crate::separator::{Ink, SeparatorReader};
use crate::source::open_batch;
use crate::{CaptureError, EmbeddedImage, Problem, Rotation};
use crossbeam_channel::{Receiver, Sender, bounded, unbounded};
use image::{DynamicImage, GrayImage};
use pli_core::SeparatorPayload;
use pli_core::capture::{
    Actor, BatchPageRecord, BatchStore, KeptPage, KnownBatch, NewBatch, NewCourrier, NewCourrierPage, PageRole,
};
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Why a batch was not ingested.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{0}")]
    Capture(#[from] CaptureError),
    #[error("« {file} » : déjà intégré (lot n° {} du {}, depuis « {} »)", .known.batch_id, .known.ingested_at, .known.source_path)]
    AlreadyIngested { file: PathBuf, known: KnownBatch },
    #[error("« {file} » : enregistrement impossible ({message})")]
    Store { file: PathBuf, message: String },
}

/// Where the pipeline is, for progress bars and the desktop's capture screen.
#[derive(Debug, Clone)]
pub enum Progress {
    /// Pages in the batch, when the source knows.
    Started { pages: Option<usize> },
    /// A page was read and sorted (separator, blank or content).
    PageRead { index: usize },
    /// A content page was recognised.
    PageRecognised { index: usize },
    /// A courrier's documents were written.
    CourrierWritten { seq: usize },
}

/// What became of a batch.
#[derive(Debug, Clone, Serialize)]
pub struct BatchReport {
    pub batch_id: i64,
    pub pages: usize,
    pub separator_pages: Vec<usize>,
    pub blank_pages: Vec<usize>,
    pub courriers: Vec<CourrierReport>,
    #[serde(skip)]
    pub timings: Timings,
}

/// One courrier made from a batch.
#[derive(Debug, Clone, Serialize)]
pub struct CourrierReport {
    pub courrier: i64,
    /// 0-based source page indices of its content pages, in order.
    pub pages: Vec<usize>,
    /// Blank pages between its separator and the next, left out of it.
    pub blank_pages: Vec<usize>,
    pub separator: Option<String>,
    pub direction: Option<String>,
    /// Clockwise turn applied to each content page, in degrees.
    pub rotations: Vec<u32>,
    pub pdf: PathBuf,
    pub text: String,
}

/// Where the time went, for the benchmark.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    pub total: Duration,
    /// Time spent reading barcodes, all pages together.
    pub separator_detection: Duration,
    pub pages_read: usize,
}

/// The capture engine of one profile; OCR engines are kept between batches.
pub struct Capture {
    profile: Profile,
    separators: SeparatorReader,
    workers: usize,
    engines: Mutex<Vec<OcrEngine>>,
    cancel: Arc<AtomicBool>,
}

/// Name of the lock file in the data folder: every capture holds it shared while it
/// writes documents; removing orphan documents needs it exclusive.
pub const CAPTURE_LOCK: &str = "capture.lock";

/// Opens the data folder's capture lock file.
pub fn open_capture_lock(data_dir: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(data_dir.join(CAPTURE_LOCK))
}

impl Capture {
    /// `workers` OCR engines run in parallel (one per core is right: Tesseract is
    /// CPU-bound, and OpenMP inside it should be off: `OMP_THREAD_LIMIT=1`).
    pub fn new(profile: Profile, workers: usize) -> Self {
        let separators = SeparatorReader::new(&profile);
        Capture {
            profile,
            separators,
            workers: workers.max(1),
            engines: Mutex::new(Vec::new()),
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Shares a stop flag: when it is set, the batch in hand stops at the next page and
    /// fails with [`Problem::Cancelled`], leaving nothing stored.
    pub fn with_cancel(mut self, cancel: Arc<AtomicBool>) -> Self {
        self.cancel = cancel;
        self
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// Reads, splits, recognises and commits one batch (a file or a folder of pages).
    pub fn ingest<S: BatchStore>(
        &self,
        store: &mut S,
        data_dir: &Path,
        path: &Path,
        actor: &Actor,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<BatchReport, IngestError> {
        let started = Instant::now();
        let content_hash = crate::hash::content_hash(path)?;
        let store_err =
            |e: &dyn std::error::Error| IngestError::Store { file: path.to_path_buf(), message: e.to_string() };
        if let Some(known) = store.batch_by_hash(&content_hash).map_err(|e| store_err(&e))? {
            return Err(IngestError::AlreadyIngested { file: path.to_path_buf(), known });
        }
        // Held shared while documents are written, so that no orphan sweep removes them.
        let lock =
            open_capture_lock(data_dir).map_err(|e| CaptureError::new(data_dir.join(CAPTURE_LOCK), Problem::Io(e)))?;
        lock.lock_shared().map_err(|e| CaptureError::new(data_dir.join(CAPTURE_LOCK), Problem::Io(e)))?;
        let folder = format!("{}/lot-{}-{}", pli_core::capture::COURRIERS_DIR, unix_seconds(), &content_hash[..12]);
        let partial = data_dir.join(format!("{folder}.partial"));
        let cleanup = |dir: &Path| {
            let _ = std::fs::remove_dir_all(dir);
        };
        let written = match self.run(path, &partial, &folder, progress) {
            Ok(w) => w,
            Err(e) => {
                cleanup(&partial);
                return Err(e.into());
            }
        };
        let final_dir = data_dir.join(&folder);
        // Every document and folder on disk, then the rename, before the commit records
        // them: a committed courrier never points at a file a power cut has lost.
        let durable_rename = || -> std::io::Result<()> {
            crate::durable::sync_tree(&partial)?;
            std::fs::rename(&partial, &final_dir)?;
            crate::durable::sync_dir(final_dir.parent().unwrap_or(data_dir))
        };
        durable_rename().map_err(|e| {
            cleanup(&partial);
            cleanup(&final_dir);
            CaptureError::new(&final_dir, Problem::Io(e))
        })?;
        let new_batch = NewBatch {
            source_path: path.display().to_string(),
            content_hash,
            profile: self.profile.name.clone(),
            folder: folder.clone(),
            pages: written.pages.clone(),
            courriers: written.courriers.iter().map(|c| c.record.clone()).collect(),
        };
        let committed = match store.commit_batch(&new_batch, actor) {
            Ok(c) => c,
            Err(e) => {
                cleanup(&final_dir);
                return Err(store_err(&e));
            }
        };
        let courriers = written
            .courriers
            .into_iter()
            .zip(committed.courrier_ids)
            .map(|(c, id)| CourrierReport {
                courrier: id,
                pages: c.plan.pages,
                blank_pages: c.plan.blank_pages,
                separator: c.plan.separator.as_ref().map(|s| s.raw.clone()),
                direction: c.plan.separator.and_then(|s| s.direction),
                rotations: c.record.pages.iter().map(|p| p.rotation_degrees).collect(),
                pdf: data_dir.join(&c.record.pdf_path),
                text: c.record.text,
            })
            .collect();
        let role_pages = |role| written.pages.iter().filter(|p| p.role == role).map(|p| p.source_index).collect();
        let mut timings = written.timings;
        timings.total = started.elapsed();
        Ok(BatchReport {
            batch_id: committed.batch_id,
            pages: written.pages.len(),
            separator_pages: role_pages(PageRole::Separator),
            blank_pages: role_pages(PageRole::Blank),
            courriers,
            timings,
        })
    }

    /// Reads the batch and writes every courrier's documents under `partial`.
    fn run(
        &self,
        path: &Path,
        partial: &Path,
        folder: &str,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<Written, CaptureError> {
        std::fs::create_dir_all(partial).map_err(|e| CaptureError::new(partial, Problem::Io(e)))?;
        let mut source = open_batch(path)?;
        progress(Progress::Started { pages: source.page_count() });
        let engines = self.take_engines(path)?;
        let abort = AtomicBool::new(false);
        let (job_tx, job_rx) = bounded::<Job>(self.workers);
        let (out_tx, out_rx) = unbounded::<ToWriter>();

        std::thread::scope(|scope| {
            let workers: Vec<_> = engines
                .into_iter()
                .map(|engine| {
                    let (job_rx, out_tx, abort) = (job_rx.clone(), out_tx.clone(), &abort);
                    let check_below = self.profile.ocr.orientation_check_below;
                    scope.spawn(move || recognise_pages(engine, job_rx, out_tx, abort, check_below, progress))
                })
                .collect();
            drop(job_rx);
            let writer_tx = out_tx.clone();
            drop(out_tx);
            let writer = scope.spawn(|| write_courriers(out_rx, path, partial, folder, progress));

            let read = self.read_pages(&mut *source, path, &job_tx, &writer_tx, &abort, progress);
            if read.is_err() {
                abort.store(true, Ordering::Relaxed);
            }
            drop(job_tx);
            drop(writer_tx);
            let mut engines_back = Vec::new();
            for w in workers {
                engines_back.push(w.join().expect("an OCR worker panicked"));
            }
            self.engines.lock().unwrap().extend(engines_back);
            let written = writer.join().expect("the document writer panicked");
            let (mut pages, timings) = read?;
            let (courriers, failure) = written;
            if let Some(e) = failure {
                return Err(e);
            }
            // The writer kept every page dropped as blank: the records say where.
            for p in pages.iter_mut().filter(|p| p.role == PageRole::Blank) {
                p.kept = Some(KeptPage::in_folder(folder, p.source_index));
            }
            Ok(Written { pages, courriers, timings })
        })
    }

    fn take_engines(&self, path: &Path) -> Result<Vec<OcrEngine>, CaptureError> {
        let mut pool = self.engines.lock().unwrap();
        while pool.len() < self.workers {
            let engine =
                OcrEngine::new(&self.profile.ocr.languages).map_err(|e| CaptureError::new(path, Problem::Ocr(e)))?;
            pool.push(engine);
        }
        Ok(pool.drain(..self.workers).collect())
    }

    /// Sorts every page (separator, blank, content), sends content pages to OCR and
    /// the plan of each courrier to the writer.
    fn read_pages(
        &self,
        source: &mut dyn Iterator<Item = Result<crate::ScannedPage, CaptureError>>,
        path: &Path,
        jobs: &Sender<Job>,
        writer: &Sender<ToWriter>,
        abort: &AtomicBool,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<(Vec<BatchPageRecord>, Timings), CaptureError> {
        let mut planner = Planner::new();
        let mut expect_separator = self.profile.separator.precedes_first_letter;
        let mut records = Vec::new();
        let mut timings = Timings::default();
        for page in source {
            if abort.load(Ordering::Relaxed) {
                break;
            }
            if self.cancel.load(Ordering::Relaxed) {
                return Err(CaptureError::new(path, Problem::Cancelled));
            }
            let page = page?;
            let index = page.index;
            let dpi = page.dpi.filter(|d| (50.0..=1200.0).contains(d)).unwrap_or(self.profile.input.dpi as f32);
            let gray = match page.pixels {
                DynamicImage::ImageLuma8(g) => g,
                other => other.to_luma8(),
            };
            let factor = ((dpi / 100.0).round() as u32).max(1);
            let small = downscale_box(&gray, factor);
            let ink = ink_ratio(&small);
            let t = Instant::now();
            let density = Ink::of(ink, self.profile.blank.max_ink_ratio);
            let codes = self.separators.read_page(&gray, &small, density);
            timings.separator_detection += t.elapsed();
            timings.pages_read += 1;
            let record = if let Some(sep) = codes.separator {
                tracing::debug!(page = index, payload = %sep.raw, "separator sheet");
                expect_separator = false;
                let detail = match &codes.note {
                    Some(note) => {
                        tracing::warn!(file = %path.display(), page = index, payload = %sep.raw, "{note}");
                        Some(format!("{} ({note})", sep.raw))
                    }
                    None => Some(sep.raw.clone()),
                };
                if let Some(plan) = planner.separator(sep) {
                    let _ = writer.send(ToWriter::Plan(plan));
                }
                BatchPageRecord { source_index: index, role: PageRole::Separator, detail, kept: None }
            } else {
                if density == Ink::Blank {
                    planner.blank(index);
                    // Its image is kept with the batch, so the operator can put it back.
                    let _ = writer.send(ToWriter::Dropped(DroppedPage { index, original: page.original, dpi, small }));
                    let detail = Some(format!("{ink:.5}"));
                    BatchPageRecord { source_index: index, role: PageRole::Blank, detail, kept: None }
                } else {
                    if std::mem::take(&mut expect_separator) {
                        // Kept as a courrier all the same: the operator can merge it.
                        tracing::warn!(file = %path.display(), page = index, "the batch does not start with a separator sheet");
                    }
                    planner.content(index);
                    let job = Job { index, gray, small, original: page.original, dpi };
                    if jobs.send(job).is_err() {
                        break; // workers stopped: the writer holds the reason
                    }
                    BatchPageRecord { source_index: index, role: PageRole::Content, detail: None, kept: None }
                }
            };
            records.push(record);
            progress(Progress::PageRead { index });
        }
        if records.is_empty() {
            return Err(CaptureError::new(path, Problem::NoPages));
        }
        if let Some(plan) = planner.finish() {
            let _ = writer.send(ToWriter::Plan(plan));
        }
        Ok((records, timings))
    }
}

struct Written {
    pages: Vec<BatchPageRecord>,
    courriers: Vec<WrittenCourrier>,
    timings: Timings,
}

struct WrittenCourrier {
    plan: CourrierPlan,
    record: NewCourrier,
}

/// A content page on its way to OCR.
struct Job {
    index: usize,
    gray: GrayImage,
    small: GrayImage,
    original: EmbeddedImage,
    dpi: f32,
}

/// A recognised page on its way to the writer.
struct PageResult {
    index: usize,
    original: EmbeddedImage,
    dpi: f32,
    rotation: Rotation,
    text: PageText,
    thumbnail_jpeg: Vec<u8>,
}

/// A page dropped as blank, on its way to the writer, which keeps it.
struct DroppedPage {
    index: usize,
    original: EmbeddedImage,
    dpi: f32,
    small: GrayImage,
}

enum ToWriter {
    Plan(CourrierPlan),
    Page(PageResult),
    Dropped(DroppedPage),
    Failed(CaptureError),
}

/// The pages of one courrier, known when the next separator (or the end) is read.
#[derive(Debug, Clone, PartialEq)]
struct CourrierPlan {
    seq: usize,
    separator: Option<SeparatorPayload>,
    pages: Vec<usize>,
    blank_pages: Vec<usize>,
}

/// Groups pages into courriers as they are sorted: a separator closes the courrier in
/// hand; a courrier without a content page is not made (its blanks stay recorded).
struct Planner {
    current: CourrierPlan,
    next_seq: usize,
}

impl Planner {
    /// Pages before the first separator make a courrier whatever the profile says:
    /// losing them would be worse than an extra courrier the operator can merge.
    fn new() -> Self {
        Planner { current: CourrierPlan { seq: 0, separator: None, pages: vec![], blank_pages: vec![] }, next_seq: 0 }
    }

    fn separator(&mut self, payload: SeparatorPayload) -> Option<CourrierPlan> {
        let closed = self.finish();
        self.current =
            CourrierPlan { seq: self.next_seq, separator: Some(payload), pages: vec![], blank_pages: vec![] };
        closed
    }

    fn blank(&mut self, index: usize) {
        self.current.blank_pages.push(index);
    }

    fn content(&mut self, index: usize) {
        self.current.pages.push(index);
    }

    fn finish(&mut self) -> Option<CourrierPlan> {
        if self.current.pages.is_empty() {
            return None;
        }
        let mut plan = std::mem::replace(
            &mut self.current,
            CourrierPlan { seq: 0, separator: None, pages: vec![], blank_pages: vec![] },
        );
        plan.seq = self.next_seq;
        self.next_seq += 1;
        Some(plan)
    }
}

/// An OCR worker: recognises pages until the job channel closes, then hands its engine back.
fn recognise_pages(
    mut engine: OcrEngine,
    jobs: Receiver<Job>,
    out: Sender<ToWriter>,
    abort: &AtomicBool,
    orientation_check_below: f32,
    progress: &(dyn Fn(Progress) + Sync),
) -> OcrEngine {
    for job in jobs {
        if abort.load(Ordering::Relaxed) {
            continue; // drain the channel so the reader is never blocked
        }
        let index = job.index;
        match recognise(&mut engine, job, orientation_check_below) {
            Ok(result) => {
                progress(Progress::PageRecognised { index });
                let _ = out.send(ToWriter::Page(result));
            }
            Err(problem) => {
                abort.store(true, Ordering::Relaxed);
                let _ = out.send(ToWriter::Failed(CaptureError::at_page("", index, problem)));
            }
        }
    }
    engine
}

/// OCR of one page; when the text reads poorly, Tesseract's orientation detection
/// decides whether the page is turned, and the better reading is kept.
fn recognise(engine: &mut OcrEngine, job: Job, orientation_check_below: f32) -> Result<PageResult, Problem> {
    let dpi = job.dpi.round() as u32;
    let mut text = engine.recognize(&job.gray, dpi).map_err(Problem::Ocr)?;
    let mut rotation = Rotation::None;
    // A page turned a quarter reads well but stays turned: its words are taller than wide.
    let sideways = text.is_sideways();
    if (sideways || text.mean_confidence < orientation_check_below || text.words.len() < 5)
        && let Some((turn, _confidence)) = engine.detect_orientation(&job.gray, dpi).map_err(Problem::Ocr)?
        && turn != Rotation::None
    {
        let turned = rotate_gray(&job.gray, turn);
        let retry = engine.recognize(&turned, dpi).map_err(Problem::Ocr)?;
        if sideways || retry.mean_confidence > text.mean_confidence {
            text = retry;
            rotation = turn;
        }
    }
    let thumbnail_jpeg = thumbnail(&rotate_gray(&job.small, rotation));
    Ok(PageResult { index: job.index, original: job.original, dpi: job.dpi, rotation, text, thumbnail_jpeg })
}

/// Recognises one page outside a batch (a dropped page put back), as a batch's pages
/// are: OCR, orientation, thumbnail. Returns the page's turn, text and thumbnail.
pub(crate) fn recognise_page(
    engine: &mut OcrEngine,
    page: crate::ScannedPage,
    dpi: f32,
    orientation_check_below: f32,
) -> Result<(Rotation, PageText, Vec<u8>), Problem> {
    let gray = page.pixels.to_luma8();
    let small = downscale_box(&gray, ((dpi / 100.0).round() as u32).max(1));
    let job = Job { index: page.index, gray, small, original: page.original, dpi };
    let result = recognise(engine, job, orientation_check_below)?;
    Ok((result.rotation, result.text, result.thumbnail_jpeg))
}

fn rotate_gray(img: &GrayImage, turn: Rotation) -> GrayImage {
    match turn {
        Rotation::None => img.clone(),
        Rotation::Cw90 => image::imageops::rotate90(img),
        Rotation::Cw180 => image::imageops::rotate180(img),
        Rotation::Cw270 => image::imageops::rotate270(img),
    }
}

/// Thumbnail width in pixels: enough to recognise a letter's layout in the batch check.
const THUMBNAIL_WIDTH: u32 = 240;

fn thumbnail(small: &GrayImage) -> Vec<u8> {
    let h = (small.height() as u64 * THUMBNAIL_WIDTH as u64 / small.width().max(1) as u64).max(1) as u32;
    let thumb = image::imageops::resize(small, THUMBNAIL_WIDTH, h, image::imageops::FilterType::Triangle);
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&thumb)
        .expect("encoding a grey image to memory cannot fail");
    out
}

/// The writer: gathers recognised pages, and writes each courrier as soon as its plan
/// and all its pages are in, in batch order.
fn write_courriers(
    inbox: Receiver<ToWriter>,
    source: &Path,
    partial: &Path,
    folder: &str,
    progress: &(dyn Fn(Progress) + Sync),
) -> (Vec<WrittenCourrier>, Option<CaptureError>) {
    let mut pages: HashMap<usize, PageResult> = HashMap::new();
    let mut plans: VecDeque<CourrierPlan> = VecDeque::new();
    let mut written = Vec::new();
    let mut failure = None;
    for message in inbox {
        match message {
            ToWriter::Plan(plan) => plans.push_back(plan),
            ToWriter::Page(page) => {
                pages.insert(page.index, page);
            }
            ToWriter::Dropped(page) => {
                if failure.is_none()
                    && let Err(e) = keep_dropped_page(&page, partial)
                {
                    failure = Some(CaptureError::at_page(source, page.index, Problem::Io(e)));
                }
            }
            ToWriter::Failed(mut e) => {
                e.file = source.to_path_buf();
                failure.get_or_insert(e);
            }
        }
        if failure.is_some() {
            continue;
        }
        while let Some(plan) = plans.front() {
            if !plan.pages.iter().all(|i| pages.contains_key(i)) {
                break;
            }
            let plan = plans.pop_front().expect("front exists");
            let courrier_pages: Vec<PageResult> =
                plan.pages.iter().map(|i| pages.remove(i).expect("checked")).collect();
            match write_courrier(&plan, &courrier_pages, partial, folder) {
                Ok(record) => {
                    progress(Progress::CourrierWritten { seq: plan.seq });
                    written.push(WrittenCourrier { plan, record });
                }
                Err(e) => failure = Some(CaptureError::new(source, Problem::Io(e))),
            }
        }
    }
    if failure.is_none() && !plans.is_empty() {
        // Only reachable when reading stopped early; the reader reports why.
        written.clear();
    }
    (written, failure)
}

/// Writes one courrier's searchable PDF, thumbnails and text under `partial/<seq>/`.
fn write_courrier(
    plan: &CourrierPlan,
    pages: &[PageResult],
    partial: &Path,
    folder: &str,
) -> std::io::Result<NewCourrier> {
    let name = format!("{:03}", plan.seq);
    let dir = partial.join(&name);
    std::fs::create_dir_all(&dir)?;
    let relative = |file: &str| format!("{folder}/{name}/{file}");

    let pdf_pages: Vec<PdfPage<'_>> = pages
        .iter()
        .map(|p| PdfPage { image: &p.original, dpi: p.dpi, rotation: p.rotation, words: &p.text.words })
        .collect();
    let info = PdfInfo { title: format!("Courrier {} (pages {:?})", plan.seq + 1, plan.pages), producer: "Pli".into() };
    let mut pdf = std::io::BufWriter::new(std::fs::File::create(dir.join("courrier.pdf"))?);
    write_searchable_pdf(&pdf_pages, &info, &mut pdf).map_err(|e| std::io::Error::other(e.to_string()))?;
    std::io::Write::flush(&mut pdf)?;
    pdf.into_inner().map_err(|e| e.into_error())?.sync_all()?;

    let mut records = Vec::with_capacity(pages.len());
    for (pos, p) in pages.iter().enumerate() {
        let file = format!("page-{pos:03}.jpg");
        std::fs::write(dir.join(&file), &p.thumbnail_jpeg)?;
        records.push(NewCourrierPage {
            source_index: p.index,
            rotation_degrees: p.rotation.degrees(),
            ocr_confidence: p.text.mean_confidence,
            thumbnail_path: relative(&file),
            text: p.text.text.clone(),
        });
    }
    let text = pages.iter().map(|p| p.text.text.as_str()).collect::<Vec<_>>().join("\n\n");
    std::fs::write(dir.join("text.txt"), &text)?;
    Ok(NewCourrier {
        separator: plan.separator.as_ref().map(|s| s.raw.clone()),
        direction: plan.separator.as_ref().and_then(|s| s.direction.clone()),
        pdf_path: relative("courrier.pdf"),
        text,
        pages: records,
    })
}

/// Keeps a dropped page under `partial/dropped/`: a one-page PDF of its original image
/// (no text layer: it is OCRed if put back) and a thumbnail for the batch check.
fn keep_dropped_page(page: &DroppedPage, partial: &Path) -> std::io::Result<()> {
    let dir = partial.join(pli_core::capture::DROPPED_DIR);
    std::fs::create_dir_all(&dir)?;
    let name = |ext: &str| dir.join(format!("page-{:04}.{ext}", page.index));
    let pdf_page = PdfPage { image: &page.original, dpi: page.dpi, rotation: Rotation::None, words: &[] };
    let info = PdfInfo { title: format!("Page {} écartée (blanche)", page.index + 1), producer: "Pli".into() };
    let mut pdf = std::io::BufWriter::new(std::fs::File::create(name("pdf"))?);
    write_searchable_pdf(&[pdf_page], &info, &mut pdf).map_err(|e| std::io::Error::other(e.to_string()))?;
    std::io::Write::flush(&mut pdf)?;
    pdf.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::write(name("jpg"), thumbnail(&page.small))
}

fn unix_seconds() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sep(code: Option<&str>) -> SeparatorPayload {
        SeparatorPayload { raw: "PLI-SEP".into(), direction: code.map(String::from) }
    }

    #[test]
    fn planner_splits_at_separators_and_skips_empty_courriers() {
        let mut p = Planner::new();
        let mut plans = Vec::new();
        plans.extend(p.separator(sep(Some("DRH")))); // page 0
        p.content(1);
        p.blank(2);
        p.content(3);
        plans.extend(p.separator(sep(None))); // page 4
        plans.extend(p.separator(sep(None))); // page 5: two separators in a row
        p.blank(6);
        plans.extend(p.separator(sep(Some("DAF")))); // page 7: only a blank before it
        p.content(8);
        plans.extend(p.finish());
        assert_eq!(plans.len(), 2);
        assert_eq!((plans[0].seq, plans[0].pages.clone(), plans[0].blank_pages.clone()), (0, vec![1, 3], vec![2]));
        assert_eq!(plans[0].separator.as_ref().unwrap().direction.as_deref(), Some("DRH"));
        assert_eq!((plans[1].seq, plans[1].pages.clone()), (1, vec![8]));
        assert_eq!(plans[1].separator.as_ref().unwrap().direction.as_deref(), Some("DAF"));
    }

    #[test]
    fn pages_before_the_first_separator_are_not_lost() {
        let mut p = Planner::new();
        p.content(0);
        let first = p.separator(sep(None)).unwrap();
        assert_eq!((first.pages, first.separator), (vec![0], None));
    }
}
