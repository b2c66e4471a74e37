//! What the window and the server both answer, for any caller's [`Session`]: the desktop
//! (one session per window, [`crate::Desk`]) and `pli serve` (one per browser) call the
//! same functions, so a screen shows the same thing in both.
//!
//! Every read of a courrier's content (its record, a page image, its PDF, its text) is
//! recorded in its history as a reading by the caller.

use crate::types::{BatchCheck, BatchCourrier, DroppedPageView, Links, Me, PageView};
use crate::{Answer, Failure, images, say};
use pli_core::Role;
use pli_store::registry::Reading;
use pli_store::{CourrierView, Session, Store, StoreError};
use std::path::PathBuf;

/// The signed-in user as they are now.
pub fn me(store: &Store, s: &Session) -> Answer<Me> {
    let user = store.catalogue().map_err(say)?.users.into_iter().find(|u| u.login == s.viewer.login);
    let v = &s.viewer;
    Ok(Me {
        login: v.login.clone(),
        name: user.as_ref().map(|u| u.name.clone()).unwrap_or_else(|| v.login.clone()),
        roles: user.map(|u| u.roles).unwrap_or_default(),
        operator: v.has(Role::Operator),
        referent: v.has(Role::Referent),
        agent: v.has(Role::Agent),
        lead: v.has(Role::Lead),
    })
}

/// A courrier's record; reading it is recorded.
pub fn courrier(store: &mut Store, s: &Session, id: i64) -> Answer<CourrierView> {
    let view = store.courrier(s, id).map_err(say)?;
    store.record_reading(s, id, Reading::Record).map_err(say)?;
    Ok(view)
}

/// A courrier's pages, with the URLs of their images.
pub fn pages(store: &Store, s: &Session, id: i64, links: Links) -> Answer<Vec<PageView>> {
    let pages = store.pages(s, id).map_err(say)?;
    Ok(pages.iter().map(|p| PageView::of(id, p, links)).collect())
}

/// A batch's courriers and their pages, for the split check.
pub fn batch_check(store: &Store, s: &Session, batch: i64, links: Links) -> Answer<BatchCheck> {
    let source = store.batch_source(batch).map_err(say)?;
    let mut courriers = Vec::new();
    for id in store.batch_courriers(s, batch).map_err(say)? {
        let view = store.courrier(s, id).map_err(say)?;
        let pages = store.pages(s, id).map_err(say)?;
        courriers.push(BatchCourrier {
            id,
            state: view.state,
            chrono: view.chrono,
            separator: view.separator,
            direction_hint: view.direction_hint,
            due_date: view.due_date,
            late: view.late,
            pages: pages.iter().map(|p| PageView::of(id, p, links)).collect(),
        });
    }
    // Pages dropped as blank, for the mail room (others see none: they are not courriers).
    let dropped = match store.dropped_pages(s, batch) {
        Ok(pages) => pages.iter().map(|p| DroppedPageView::of(p, links)).collect(),
        Err(StoreError::Refused(_)) => Vec::new(),
        Err(e) => return Err(say(e)),
    };
    Ok(BatchCheck { batch, source, courriers, dropped })
}

/// An image found and allowed, not yet read: decoding a page takes a while, and the
/// store is not held meanwhile.
pub enum Image {
    /// A thumbnail file, sent as it is.
    File(PathBuf),
    /// A page of a PDF, turned and scaled for the screen; kept in `cache` once made.
    PdfPage { pdf: PathBuf, position: usize, rotation: u32, cache: PathBuf },
}

/// Where page images made for the screen are kept, under the data folder: derived from
/// documents whose bytes never change (a correction writes new files, hence new names),
/// so a kept image is never stale; the folder may be emptied at any time.
const PAGE_CACHE: &str = "cache/pages";

fn cached_page(store: &Store, pdf: &str, position: usize, rotation: u32) -> PathBuf {
    use sha2::Digest;
    let key = hex::encode(sha2::Sha256::digest(format!("{pdf}\n{position}\n{rotation}").as_bytes()));
    store.resolve(PAGE_CACHE).join(&key[..2]).join(format!("{key}.jpg"))
}

impl Image {
    /// Its MIME type and bytes.
    pub fn render(&self) -> Answer<(&'static str, Vec<u8>)> {
        match self {
            Image::File(file) => {
                let bytes = std::fs::read(file)
                    .map_err(|e| Failure::internal(format!("vignette « {} » : {e}", file.display())))?;
                Ok((images::mime_of(file), bytes))
            }
            Image::PdfPage { pdf, position, rotation, cache } => {
                // Most pages are upright scans: their own JPEG, no decoding at all.
                if let Some(bytes) = images::page_as_is(pdf, *position, *rotation)? {
                    return Ok(("image/jpeg", bytes));
                }
                // Decoding a scanned page and encoding it again costs ~100 ms: once per page.
                if let Ok(bytes) = std::fs::read(cache) {
                    return Ok(("image/jpeg", bytes));
                }
                let bytes = images::page_jpeg(pdf, *position, *rotation)?;
                if let Some(folder) = cache.parent()
                    && std::fs::create_dir_all(folder).is_ok()
                {
                    // Written aside then renamed: a reader never sees half an image.
                    let part = cache.with_extension(format!("{}.part", std::process::id()));
                    if std::fs::write(&part, &bytes).and_then(|_| std::fs::rename(&part, cache)).is_err() {
                        let _ = std::fs::remove_file(&part);
                    }
                }
                Ok(("image/jpeg", bytes))
            }
        }
    }
}

/// The image an URL path names: `thumb/<courrier>/<position>` or `page/<courrier>/<position>`
/// (only for a courrier the caller may see; a full page is recorded as read), or for a page
/// dropped as blank `dropped/<batch>/<page>` (thumbnail) or `dropped-page/<batch>/<page>`
/// (only for those who may put it back).
pub fn image(store: &mut Store, s: &Session, path: &str) -> Answer<Image> {
    let path = path.split('?').next().unwrap_or(path);
    let unknown = || Failure::not_found(format!("image inconnue « {path} »"));
    let mut parts = path.trim_start_matches('/').split('/');
    let (kind, id, position) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(k), Some(id), Some(pos), None) => {
            (k, id.parse::<i64>().map_err(|_| unknown())?, pos.parse::<usize>().map_err(|_| unknown())?)
        }
        _ => return Err(unknown()),
    };
    if kind == "dropped" || kind == "dropped-page" {
        let dropped = store.dropped_pages(s, id).map_err(say)?;
        let page = dropped.iter().find(|p| p.source_index == position);
        let file =
            if kind == "dropped" { page.and_then(|p| p.thumbnail.as_ref()) } else { page.and_then(|p| p.pdf.as_ref()) };
        let file = file.map(|f| store.resolve(f)).ok_or_else(|| {
            Failure::not_found(format!("la page {} du lot n° {id} n'est pas une page écartée gardée", position + 1))
        })?;
        return Ok(if kind == "dropped" {
            Image::File(file)
        } else {
            let cache = cached_page(store, &file.display().to_string(), 0, 0);
            Image::PdfPage { pdf: file, position: 0, rotation: 0, cache }
        });
    }
    if kind != "thumb" && kind != "page" {
        return Err(unknown());
    }
    let pages = store.pages(s, id).map_err(say)?;
    let page = pages
        .iter()
        .find(|p| p.position == position)
        .ok_or_else(|| Failure::not_found(format!("le courrier {id} n'a pas de page {}", position + 1)))?;
    if kind == "thumb" {
        return Ok(Image::File(store.resolve(&page.thumbnail)));
    }
    let cache = cached_page(store, &page.pdf, position, page.rotation);
    let image = Image::PdfPage { pdf: store.resolve(&page.pdf), position, rotation: page.rotation, cache };
    store.record_reading(s, id, Reading::Page(position)).map_err(say)?;
    Ok(image)
}

/// A courrier's PDF file; reading it is recorded.
pub fn pdf(store: &mut Store, s: &Session, id: i64) -> Answer<PathBuf> {
    store
        .content(s, id, Reading::Pdf)
        .map_err(say)?
        .pdf
        .ok_or_else(|| Failure::not_found(format!("le courrier {id} n'a pas de PDF (reçu sur papier)")))
}

/// A courrier's OCR text; reading it is recorded.
pub fn text(store: &mut Store, s: &Session, id: i64) -> Answer<String> {
    store.content(s, id, Reading::Text).map(|c| c.text).map_err(say)
}

/// The roles `s`'s user holds now include one of `roles`.
pub fn require(store: &Store, s: &Session, roles: &[Role], what: &str) -> Answer<Session> {
    let s = store.current(s).map_err(say)?;
    if roles.iter().any(|r| s.viewer.has(*r)) {
        Ok(s)
    } else {
        Err(Failure::refused(format!("{what} : réservé à d'autres rôles")))
    }
}

/// A day typed as `YYYY-MM-DD`.
pub fn day(text: &str) -> Answer<jiff::civil::Date> {
    text.trim().parse().map_err(|_| Failure::invalid(format!("date illisible « {text} » (attendu AAAA-MM-JJ)")))
}

/// Right after a successful registration: the acknowledgement of receipt, when the
/// courrier's type needs one. Never fails the registration: a refusal (a service's
/// details not set, a sender without any address) is logged for the lead, and the
/// courrier's record shows it has none.
pub fn acknowledge(store: &mut Store, s: &Session, id: i64) {
    match store.acknowledge_registered(s, id) {
        Ok(Some(ack)) => tracing::info!(courrier = id, channel = %ack.channel, "accusé de réception fait"),
        Ok(None) => {}
        Err(e) => tracing::warn!(courrier = id, "accusé de réception non fait : {e}"),
    }
}

/// Right after an action: a courrier forwarded to another body has its sender told (an
/// acknowledgement of kind forwarded). As for [`acknowledge`], never fails the action.
pub fn after_act(store: &mut Store, s: &Session, id: i64, act: &pli_store::registry::Act) {
    if let pli_store::registry::Act::Forward { to, .. } = act {
        match store.acknowledge_forwarded(s, id, to) {
            Ok(Some(ack)) => tracing::info!(courrier = id, channel = %ack.channel, "transmission annoncée"),
            Ok(None) => {}
            Err(e) => tracing::warn!(courrier = id, "avis de transmission non fait : {e}"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Acknowledgements of receipt: what the window and the server answer alike.

/// The lead's templates, the defaults and the placeholders, for the editor.
pub fn ack_templates(store: &Store, s: &Session) -> Answer<crate::acknowledgements::AckTemplates> {
    use pli_core::acknowledgement::{AckKind, PLACEHOLDERS, default_template};
    require(store, s, &[Role::Lead], "les accusés de réception")?;
    Ok(crate::acknowledgements::AckTemplates {
        templates: store.ack_templates().map_err(say)?,
        default_receipt: default_template(AckKind::Receipt).into(),
        default_forwarded: default_template(AckKind::Forwarded).into(),
        placeholders: PLACEHOLDERS.iter().map(|p| (p.name.to_string(), p.meaning.to_string())).collect(),
    })
}

/// The services' details printed on acknowledgements (the lead).
pub fn service_contacts(store: &Store, s: &Session) -> Answer<Vec<pli_store::acknowledgement::ServiceContactRow>> {
    require(store, s, &[Role::Lead], "les accusés de réception")?;
    store.service_contacts().map_err(say)
}

/// The file of one of a courrier's acknowledgements (only of a courrier the caller may
/// see); reading it is recorded as a reading of the record, whose facts it prints.
pub fn acknowledgement_file(store: &mut Store, s: &Session, id: i64, acknowledgement: i64) -> Answer<PathBuf> {
    let found = store.acknowledgements(s, id).map_err(say)?;
    let ack = found
        .iter()
        .find(|a| a.id == acknowledgement)
        .ok_or_else(|| Failure::not_found(format!("accusé de réception n° {acknowledgement} introuvable")))?;
    let file = store.resolve(&ack.document_path);
    store.record_reading(s, id, Reading::Record).map_err(say)?;
    Ok(file)
}

/// The day's postal acknowledgements in one PDF written into `exports` (operator or
/// lead), marked printed; its file name, `None` when there is none.
pub fn print_postal_acknowledgements(
    store: &mut Store,
    s: &Session,
    exports: &std::path::Path,
) -> Answer<Option<String>> {
    let today = time::OffsetDateTime::now_utc().date();
    let Some(pdf) = store.print_postal_acknowledgements(s, today).map_err(say)? else { return Ok(None) };
    std::fs::create_dir_all(exports)
        .map_err(|e| Failure::internal(format!("dossier « {} » : {e}", exports.display())))?;
    let now = jiff::Timestamp::now();
    let name = format!("accuses-de-reception-{}-{:03}.pdf", now.strftime("%Y%m%d-%H%M%S"), now.subsec_millisecond());
    let path = exports.join(&name);
    std::fs::write(&path, &pdf).map_err(|e| Failure::internal(format!("écriture de « {} » : {e}", path.display())))?;
    Ok(Some(name))
}

/// Whether `name` is one [`print_postal_acknowledgements`] writes: nothing else of the
/// exports folder is served under that name (no path, no other file).
pub fn is_postal_print(name: &str) -> bool {
    name.strip_prefix("accuses-de-reception-")
        .and_then(|rest| rest.strip_suffix(".pdf"))
        .is_some_and(|stamp| !stamp.is_empty() && stamp.bytes().all(|b| b.is_ascii_digit() || b == b'-' || b == b'.'))
}
