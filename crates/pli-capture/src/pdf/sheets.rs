//! Printable separator sheets: one A4 page each, a large QR code with the payload, the
//! direction in large type, and a smaller second code lower down, so that a sheet
//! partly covered by the next letter still reads.

use super::winansi;
use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, StringFormat, dictionary};
use qrcode::{Color, EcLevel, QrCode};

/// One sheet to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeparatorSheet {
    /// What the QR code carries, e.g. `PLI-SEP:DRH`.
    pub payload: String,
    /// In large type: the direction code, or « SÉPARATEUR ».
    pub title: String,
    /// Below it: the direction's name.
    pub subtitle: Option<String>,
}

const A4: (f32, f32) = (595.28, 841.89);

/// The PDF of the sheets, one per page.
pub fn separator_sheets_pdf(sheets: &[SeparatorSheet]) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let bold = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica-Bold", "Encoding" => "WinAnsiEncoding",
    });
    let regular = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
    });
    let mut kids = Vec::new();
    for sheet in sheets {
        let mut content = Stream::new(dictionary! {}, sheet_content(sheet).encode().expect("operations encode"));
        let _ = content.compress();
        let content_id = doc.add_object(content);
        let page = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), Object::Real(A4.0), Object::Real(A4.1)],
            "Resources" => dictionary! { "Font" => dictionary! { "FB" => bold, "FR" => regular } },
            "Contents" => content_id,
        });
        kids.push(page.into());
    }
    let count = kids.len() as i64;
    doc.objects
        .insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }));
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("writing to memory cannot fail");
    out
}

fn sheet_content(sheet: &SeparatorSheet) -> Content {
    let mut ops = Vec::new();
    // Big code: 6 cm wide, centred in the upper half.
    let big = 6.0 / 2.54 * 72.0;
    qr_ops(&sheet.payload, (A4.0 - big) / 2.0, A4.1 - 90.0 - big, big, &mut ops);
    let title_size = fit_size(&sheet.title, 60.0, A4.0 - 80.0);
    centred_text(&mut ops, "FB", title_size, A4.1 - 150.0 - big, &sheet.title);
    if let Some(sub) = &sheet.subtitle {
        let size = fit_size(sub, 28.0, A4.0 - 80.0);
        centred_text(&mut ops, "FR", size, A4.1 - 150.0 - big - title_size - 4.0, sub);
    }
    // Second, smaller code in the lower half.
    let small = 3.5 / 2.54 * 72.0;
    qr_ops(&sheet.payload, (A4.0 - small) / 2.0, 130.0, small, &mut ops);
    centred_text(&mut ops, "FR", 11.0, 100.0, &sheet.payload);
    centred_text(&mut ops, "FR", 11.0, 60.0, "Page de séparation Pli — ne pas retirer du lot");
    Content { operations: ops }
}

/// The QR code as filled squares, `size` points wide with its quiet zone at (x, y).
fn qr_ops(payload: &str, x: f32, y: f32, size: f32, ops: &mut Vec<Operation>) {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
        .unwrap_or_else(|_| QrCode::new(b"PLI-SEP").expect("a short payload always fits"));
    let n = code.width();
    let quiet = 4;
    let module = size / (n + 2 * quiet) as f32;
    let colors = code.to_colors();
    ops.push(Operation::new("q", vec![]));
    ops.push(Operation::new("rg", vec![0.into(), 0.into(), 0.into()]));
    for row in 0..n {
        // Runs of dark modules along a row become one rectangle.
        let mut col = 0;
        while col < n {
            if colors[row * n + col] != Color::Dark {
                col += 1;
                continue;
            }
            let start = col;
            while col < n && colors[row * n + col] == Color::Dark {
                col += 1;
            }
            let rx = x + (quiet + start) as f32 * module;
            let ry = y + size - (quiet + row + 1) as f32 * module;
            ops.push(Operation::new(
                "re",
                vec![rx.into(), ry.into(), ((col - start) as f32 * module).into(), module.into()],
            ));
        }
    }
    ops.push(Operation::new("f", vec![]));
    ops.push(Operation::new("Q", vec![]));
}

/// Largest size up to `max` at which `text` fits `width` points (Helvetica-Bold is
/// about 6 % wider than Helvetica).
fn fit_size(text: &str, max: f32, width: f32) -> f32 {
    let em = winansi::helvetica_width(&winansi::encode(text)) * 1.06;
    if em <= 0.0 { max } else { (width / em).min(max) }
}

fn centred_text(ops: &mut Vec<Operation>, font: &str, size: f32, y: f32, text: &str) {
    let encoded = winansi::encode(text);
    let width = winansi::helvetica_width(&encoded) * size * if font == "FB" { 1.06 } else { 1.0 };
    ops.push(Operation::new("BT", vec![]));
    ops.push(Operation::new("Tf", vec![font.into(), size.into()]));
    ops.push(Operation::new("Td", vec![((A4.0 - width) / 2.0).into(), y.into()]));
    ops.push(Operation::new("Tj", vec![Object::String(encoded, StringFormat::Hexadecimal)]));
    ops.push(Operation::new("ET", vec![]));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn printed_sheets_read_back_with_rxing() {
        if Command::new("pdftoppm").arg("-v").output().is_err() {
            eprintln!("poppler-utils absent: test skipped (make test installs it)");
            return;
        }
        let sheets = vec![
            SeparatorSheet {
                payload: "PLI-SEP:DRH".into(),
                title: "DRH".into(),
                subtitle: Some("Ressources humaines".into()),
            },
            SeparatorSheet { payload: "PLI-SEP".into(), title: "SÉPARATEUR".into(), subtitle: None },
        ];
        let dir = tempfile::tempdir().unwrap();
        let pdf = dir.path().join("sheets.pdf");
        std::fs::write(&pdf, separator_sheets_pdf(&sheets)).unwrap();
        let text = Command::new("pdftotext").arg(&pdf).arg("-").output().unwrap();
        let text = String::from_utf8(text.stdout).unwrap();
        assert!(text.contains("DRH") && text.contains("Ressources humaines") && text.contains("SÉPARATEUR"), "{text}");
        let render = Command::new("pdftoppm")
            .args(["-r", "150", "-gray", "-png"])
            .arg(&pdf)
            .arg(dir.path().join("p"))
            .status()
            .unwrap();
        assert!(render.success());
        for (i, sheet) in sheets.iter().enumerate() {
            let img = image::open(dir.path().join(format!("p-{}.png", i + 1))).unwrap().to_luma8();
            let (w, h) = img.dimensions();
            let found =
                rxing::helpers::detect_in_luma(img.into_raw(), w, h, Some(rxing::BarcodeFormat::QR_CODE)).unwrap();
            assert_eq!(found.getText(), sheet.payload);
        }
    }
}
