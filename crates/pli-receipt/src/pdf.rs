//! The acknowledgement as a letter: A4, folded in three into a DL envelope (110 × 220 mm)
//! whose window is on the right.
//!
//! The window of a DL envelope (NF EN ISO 269, La Poste's guide) is 100 × 45 mm, 20 mm
//! from the right edge and 15 mm from the bottom. An A4 sheet folded in three (99 mm
//! panels) moves a few millimetres in the envelope, so the address is printed in the
//! block French practice keeps inside the window whatever the play: 85 × 33 mm, 110 mm
//! from the left edge and 55 mm from the top of the sheet. At most six lines (AFNOR
//! NF Z10-011), aligned left, the last in capitals. The service's address goes top left,
//! outside the window.

use crate::winansi::{encode, helvetica_width};
use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, StringFormat, dictionary};
use pli_core::acknowledgement::{AckFacts, AckKind, ServiceContact, french_date};

/// Points per millimetre.
const MM: f32 = 72.0 / 25.4;
const A4: (f32, f32) = (595.28, 841.89);

/// Where the sender's address goes, in millimetres from the sheet's top-left corner:
/// (left, top, width, height).
pub const ADDRESS_BLOCK: (f32, f32, f32, f32) = (110.0, 55.0, 85.0, 33.0);
const MARGIN_LEFT: f32 = 20.0;
const TEXT_WIDTH: f32 = 170.0;
const BODY_SIZE: f32 = 10.5;
const BODY_LEADING: f32 = 14.0;
const BOTTOM: f32 = 20.0;

/// What the letter shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub service: ServiceContact,
    /// The sender's name then address, as it goes in the window.
    pub recipient: Vec<String>,
    pub date_line: String,
    /// "Accusé de réception".
    pub object: String,
    pub chrono: String,
    pub subject: String,
    /// The template rendered: paragraphs separated by blank lines.
    pub body: String,
}

impl Letter {
    /// The letter for `facts`, with `body` the lead's template rendered for them.
    pub fn new(facts: &AckFacts, body: String) -> Letter {
        let mut recipient = vec![facts.sender.clone()];
        recipient.extend(facts.sender_address.iter().cloned());
        Letter {
            service: facts.service.clone(),
            recipient: recipient.into_iter().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect(),
            date_line: format!("Le {}", french_date(facts.produced_on)),
            object: match facts.kind {
                AckKind::Receipt => "Accusé de réception".into(),
                AckKind::Forwarded => "Accusé de réception et transmission de votre courrier".into(),
            },
            chrono: facts.chrono.clone(),
            subject: facts.subject.clone(),
            body,
        }
    }
}

/// Why a letter cannot be printed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LetterError {
    #[error("l'expéditeur n'a pas d'adresse postale : l'accusé de réception ne peut pas être mis sous enveloppe")]
    NoAddress,
    #[error(
        "l'adresse de l'expéditeur a {0} lignes : six au plus tiennent dans la fenêtre de l'enveloppe (norme NF Z10-011)"
    )]
    TooManyLines(usize),
    #[error("la ligne d'adresse « {0} » est trop longue pour la fenêtre de l'enveloppe (38 caractères au plus)")]
    LineTooLong(String),
}

/// One A4 letter (more pages if the body needs them), as PDF bytes.
pub fn letter_pdf(letter: &Letter) -> Result<Vec<u8>, LetterError> {
    let pages = layout(letter)?;
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let regular = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
    });
    let bold = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica-Bold", "Encoding" => "WinAnsiEncoding",
    });
    let mut kids = Vec::new();
    for ops in pages {
        let mut content = Stream::new(dictionary! {}, Content { operations: ops }.encode().expect("operations encode"));
        let _ = content.compress();
        let content_id = doc.add_object(content);
        let page = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), Object::Real(A4.0), Object::Real(A4.1)],
            "Resources" => dictionary! { "Font" => dictionary! { "FR" => regular, "FB" => bold } },
            "Contents" => content_id,
        });
        kids.push(page.into());
    }
    let count = kids.len() as i64;
    doc.objects
        .insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }));
    let info = doc.add_object(dictionary! {
        "Title" => utf16(&format!("{} — {}", letter.object, letter.chrono)),
        "Producer" => Object::string_literal("Pli"),
    });
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    doc.trailer.set("Info", info);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("writing to memory cannot fail");
    Ok(out)
}

/// A text string outside content streams (the document's title): UTF-16BE with its mark.
fn utf16(text: &str) -> Object {
    let mut bytes = vec![0xFE, 0xFF];
    bytes.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    Object::String(bytes, StringFormat::Hexadecimal)
}

#[derive(Clone, Copy)]
enum Font {
    Regular,
    Bold,
}

/// Text operations, positions in millimetres from the top-left corner (the baseline's).
struct Page {
    ops: Vec<Operation>,
}

impl Page {
    fn new() -> Page {
        Page { ops: Vec::new() }
    }

    fn text(&mut self, font: Font, size: f32, x_mm: f32, baseline_mm: f32, text: &str) {
        let name = match font {
            Font::Regular => "FR",
            Font::Bold => "FB",
        };
        self.ops.push(Operation::new("BT", vec![]));
        self.ops.push(Operation::new("Tf", vec![name.into(), size.into()]));
        self.ops.push(Operation::new("Td", vec![(x_mm * MM).into(), (A4.1 - baseline_mm * MM).into()]));
        self.ops.push(Operation::new("Tj", vec![Object::String(encode(text), StringFormat::Literal)]));
        self.ops.push(Operation::new("ET", vec![]));
    }

    /// A short fold mark in the left margin (the sheet is folded at a third and two thirds).
    fn fold_mark(&mut self, y_mm: f32) {
        let y = A4.1 - y_mm * MM;
        self.ops.push(Operation::new("w", vec![0.3.into()]));
        self.ops.push(Operation::new("m", vec![(4.0 * MM).into(), y.into()]));
        self.ops.push(Operation::new("l", vec![(8.0 * MM).into(), y.into()]));
        self.ops.push(Operation::new("S", vec![]));
    }
}

fn width_mm(font: Font, size: f32, text: &str) -> f32 {
    let em = helvetica_width(&encode(text));
    let bold = if matches!(font, Font::Bold) { 1.06 } else { 1.0 };
    em * bold * size / MM
}

/// Words of `text` in lines no wider than `max_mm`; a word too long alone gets a line.
fn wrap(font: Font, size: f32, max_mm: f32, text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
        if !line.is_empty() && width_mm(font, size, &candidate) > max_mm {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn layout(letter: &Letter) -> Result<Vec<Vec<Operation>>, LetterError> {
    let address = window_lines(&letter.recipient)?;
    let mut page = Page::new();
    page.fold_mark(99.0);
    page.fold_mark(198.0);

    // The service, top left: R112-5's designation, postal address, e-mail and phone.
    let mut y = 20.0;
    for line in wrap(Font::Bold, 10.0, 85.0, &letter.service.designation) {
        page.text(Font::Bold, 10.0, MARGIN_LEFT, y, &line);
        y += 4.6;
    }
    let mut details: Vec<String> = letter.service.address.iter().map(|l| l.trim().to_string()).collect();
    details.retain(|l| !l.is_empty());
    details.push(format!("Tél. : {}", letter.service.phone.trim()));
    if let Some(email) = letter.service.email.as_deref().filter(|e| !e.trim().is_empty()) {
        details.push(format!("Courriel : {}", email.trim()));
    }
    for detail in details {
        for line in wrap(Font::Regular, 9.0, 85.0, &detail) {
            page.text(Font::Regular, 9.0, MARGIN_LEFT, y, &line);
            y += 4.2;
        }
    }

    // The sender, in the window.
    let (left, top, _, _) = ADDRESS_BLOCK;
    let (size, lines) = address;
    let leading = size * 1.15 / MM;
    for (i, line) in lines.iter().enumerate() {
        page.text(Font::Regular, size, left, top + 4.0 + i as f32 * leading, line);
    }

    // Date, object, reference, then the body.
    page.text(Font::Regular, 10.0, left, 100.0, &letter.date_line);
    let mut y = 112.0_f32.max(y + 6.0);
    page.text(Font::Bold, 11.0, MARGIN_LEFT, y, &format!("Objet : {}", letter.object));
    y += 5.5;
    page.text(Font::Regular, 10.0, MARGIN_LEFT, y, &format!("Référence : {}", letter.chrono));
    y += 5.0;
    for line in wrap(Font::Regular, 10.0, TEXT_WIDTH, &format!("Votre courrier : {}", letter.subject)) {
        page.text(Font::Regular, 10.0, MARGIN_LEFT, y, &line);
        y += 5.0;
    }
    y += 6.0;

    let mut pages = Vec::new();
    let step = BODY_LEADING / MM;
    for paragraph in letter.body.split("\n\n") {
        let paragraph = paragraph.trim();
        if paragraph.is_empty() {
            continue;
        }
        for source_line in paragraph.lines() {
            for line in wrap(Font::Regular, BODY_SIZE, TEXT_WIDTH, source_line) {
                if y > A4.1 / MM - BOTTOM {
                    pages.push(std::mem::replace(&mut page, Page::new()).ops);
                    page.text(Font::Regular, 8.0, MARGIN_LEFT, 12.0, &format!("{} — suite", letter.chrono));
                    y = 22.0;
                }
                page.text(Font::Regular, BODY_SIZE, MARGIN_LEFT, y, &line);
                y += step;
            }
        }
        y += step * 0.6;
    }
    pages.push(page.ops);
    Ok(pages)
}

/// The address lines for the window and their size: 10 pt, smaller (not under 7 pt)
/// when a line would pass the block's width; the last line (postcode and town) in capitals.
fn window_lines(recipient: &[String]) -> Result<(f32, Vec<String>), LetterError> {
    let mut lines: Vec<String> = recipient.iter().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect();
    if lines.len() < 2 {
        return Err(LetterError::NoAddress);
    }
    if lines.len() > 6 {
        return Err(LetterError::TooManyLines(lines.len()));
    }
    let last = lines.len() - 1;
    lines[last] = lines[last].to_uppercase();
    let width = ADDRESS_BLOCK.2;
    let mut size: f32 = 10.0;
    for line in &lines {
        let at_ten = width_mm(Font::Regular, 10.0, line);
        if at_ten > width {
            size = size.min(10.0 * width / at_ten);
        }
    }
    if size < 7.0 {
        let longest =
            lines.iter().max_by(|a, b| width_mm(Font::Regular, 10.0, a).total_cmp(&width_mm(Font::Regular, 10.0, b)));
        return Err(LetterError::LineTooLong(longest.cloned().unwrap_or_default()));
    }
    Ok((size, lines))
}

/// The day's postal acknowledgements in one PDF to print, in the order given: each
/// letter's pages as they were kept (not made again), so what is printed is what was hashed.
pub fn merge(letters: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    let mut out = Document::with_version("1.5");
    let pages_id = out.new_object_id();
    let mut kids = Vec::new();
    for (n, bytes) in letters.iter().enumerate() {
        let mut doc = Document::load_mem(bytes).map_err(|e| format!("accusé n° {} illisible : {e}", n + 1))?;
        doc.renumber_objects_with(out.max_id + 1);
        out.max_id = doc.max_id;
        let pages: Vec<lopdf::ObjectId> = doc.get_pages().values().copied().collect();
        for (id, object) in doc.objects {
            // The letter's own catalogue and page tree give way to the merged one.
            let kind = object.as_dict().ok().and_then(|d| d.get(b"Type").ok()).and_then(|t| t.as_name().ok());
            if matches!(kind, Some(b"Catalog") | Some(b"Pages")) {
                continue;
            }
            out.objects.insert(id, object);
        }
        for page in pages {
            if let Some(Object::Dictionary(d)) = out.objects.get_mut(&page) {
                d.set("Parent", pages_id);
            }
            kids.push(Object::Reference(page));
        }
    }
    let count = kids.len() as i64;
    out.objects
        .insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }));
    let catalog = out.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    out.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    out.save_to(&mut bytes).map_err(|e| format!("impression du jour : {e}"))?;
    Ok(bytes)
}
