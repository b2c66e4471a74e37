//! Rebuilding a courrier's PDF from pages of Pli's own searchable PDFs, after a split
//! correction: each page is copied with its image and its invisible text layer (never
//! re-encoded) and given its new `/Rotate`. Only PDFs written by
//! [`super::write_searchable_pdf`] are read here, so their shape is known.

use lopdf::{Dictionary, Document, Object, ObjectId, dictionary};
use pli_core::split::{DocumentComposer, PageRef};
use std::collections::HashMap;
use std::path::Path;

/// Capture's [`DocumentComposer`]: lopdf for PDFs, `image` for thumbnails.
pub struct Composer;

impl DocumentComposer for Composer {
    fn compose_pdf(&self, data_dir: &Path, pages: &[PageRef], out: &str) -> Result<(), String> {
        let mut sources: HashMap<&str, Document> = HashMap::new();
        for p in pages {
            if !sources.contains_key(p.pdf.as_str()) {
                let path = data_dir.join(&p.pdf);
                let doc = Document::load(&path).map_err(|e| format!("« {} » : {e}", path.display()))?;
                sources.insert(&p.pdf, doc);
            }
        }
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let mut copied: HashMap<(&str, ObjectId), ObjectId> = HashMap::new();
        let mut kids = Vec::new();
        for p in pages {
            let source = &sources[p.pdf.as_str()];
            let page_id = *source
                .get_pages()
                .get(&p.pdf_page)
                .ok_or_else(|| format!("« {} » n'a pas de page {}", p.pdf, p.pdf_page))?;
            let page = source.get_dictionary(page_id).map_err(|e| e.to_string())?;
            let mut new_page = Dictionary::new();
            for (key, value) in page.iter() {
                match key.as_slice() {
                    b"Parent" | b"Rotate" => {}
                    _ => {
                        let value =
                            copy_deep(source, &p.pdf, value, &mut doc, &mut copied).map_err(|e| e.to_string())?;
                        new_page.set(key.clone(), value);
                    }
                }
            }
            new_page.set("Parent", pages_id);
            new_page.set("Rotate", p.rotation as i64);
            kids.push(Object::Reference(doc.add_object(new_page)));
        }
        let count = kids.len() as i64;
        doc.objects
            .insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }));
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        let path = data_dir.join(out);
        let mut file =
            std::io::BufWriter::new(std::fs::File::create(&path).map_err(|e| format!("« {} » : {e}", path.display()))?);
        doc.save_to(&mut file).map_err(|e| format!("« {} » : {e}", path.display()))?;
        let file = file.into_inner().map_err(|e| e.to_string())?;
        file.sync_all().map_err(|e| e.to_string())
    }

    fn turn_thumbnail(&self, data_dir: &Path, thumbnail: &str, turn: u32, out: &str) -> Result<(), String> {
        let img = image::open(data_dir.join(thumbnail)).map_err(|e| format!("« {thumbnail} » : {e}"))?;
        let turned = match turn % 360 {
            90 => img.rotate90(),
            180 => img.rotate180(),
            270 => img.rotate270(),
            _ => img,
        };
        turned.to_luma8().save(data_dir.join(out)).map_err(|e| format!("« {out} » : {e}"))
    }
}

/// Copies an object and everything it refers to into `doc`, once per source object.
fn copy_deep<'a>(
    source: &Document,
    source_name: &'a str,
    value: &Object,
    doc: &mut Document,
    copied: &mut HashMap<(&'a str, ObjectId), ObjectId>,
) -> lopdf::Result<Object> {
    Ok(match value {
        Object::Reference(id) => {
            if let Some(done) = copied.get(&(source_name, *id)) {
                return Ok(Object::Reference(*done));
            }
            let new_id = doc.new_object_id();
            copied.insert((source_name, *id), new_id);
            let inner = copy_deep(source, source_name, source.get_object(*id)?, doc, copied)?;
            doc.objects.insert(new_id, inner);
            Object::Reference(new_id)
        }
        Object::Dictionary(d) => {
            let mut out = Dictionary::new();
            for (k, v) in d.iter() {
                out.set(k.clone(), copy_deep(source, source_name, v, doc, copied)?);
            }
            Object::Dictionary(out)
        }
        Object::Array(items) => Object::Array(
            items.iter().map(|v| copy_deep(source, source_name, v, doc, copied)).collect::<lopdf::Result<_>>()?,
        ),
        Object::Stream(s) => {
            let mut dict = Dictionary::new();
            for (k, v) in s.dict.iter() {
                dict.set(k.clone(), copy_deep(source, source_name, v, doc, copied)?);
            }
            Object::Stream(lopdf::Stream::new(dict, s.content.clone()).with_compression(false))
        }
        other => other.clone(),
    })
}
