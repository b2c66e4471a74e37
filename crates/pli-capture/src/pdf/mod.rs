//! PDF output: the searchable PDF of a courrier and the printable separator sheets.

mod recompose;
mod searchable;
mod sheets;
mod winansi;

pub use recompose::Composer;
pub use searchable::{PdfInfo, PdfPage, write_searchable_pdf};
pub use sheets::{SeparatorSheet, separator_sheets_pdf};

/// Sheets for `CODE` or `CODE=Name` arguments; none gives one plain separator sheet.
pub fn sheets_for_directions(directions: &[String]) -> Result<Vec<SeparatorSheet>, String> {
    if directions.is_empty() {
        return Ok(vec![SeparatorSheet {
            payload: pli_core::separator::payload_for(None),
            title: "SÉPARATEUR".into(),
            subtitle: None,
        }]);
    }
    directions
        .iter()
        .map(|arg| {
            let (code, name) = match arg.split_once('=') {
                Some((c, n)) => (c.trim(), Some(n.trim().to_string())),
                None => (arg.trim(), None),
            };
            if !pli_core::separator::is_direction_code(code) {
                return Err(format!(
                    "code de direction invalide « {code} » : lettres, chiffres, « - » ou « _ », 32 caractères au plus"
                ));
            }
            Ok(SeparatorSheet {
                payload: pli_core::separator::payload_for(Some(code)),
                title: code.to_string(),
                subtitle: name,
            })
        })
        .collect()
}
