//! The shapes only the window needs; the TypeScript of `ui/src/bindings/` is generated
//! from them and from the library types they carry.

use pli_core::CourrierState;
use pli_store::dropped::DroppedPage;
use pli_store::registry::StoredPage;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What the window knows before anyone signs in.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Startup {
    pub data_dir: String,
    pub scanner_folder: String,
    pub scanner_profile: String,
    /// The demo organisation is installed (first start on an empty data folder).
    pub demo: bool,
    pub demo_accounts: Vec<DemoAccount>,
    /// The Pli server this workstation is connected to (its accounts, its registry);
    /// none: standalone.
    pub server: Option<String>,
    /// A server's address may be entered at sign-in: a standalone workstation with no
    /// account yet (its first start).
    pub may_set_server: bool,
}

/// The integrity check run at start in the background (database file, documents against
/// their recorded SHA-256, history): what the lead's banner says.
#[derive(Debug, Clone, Default, Serialize, TS)]
pub struct IntegrityStatus {
    /// Still running (it does not hold the window up).
    pub running: bool,
    /// One plain French line per problem found; empty when all is sound.
    pub problems: Vec<String>,
    /// Documents checked against their recorded hash.
    pub documents: usize,
    /// When the check finished (RFC 3339, UTC).
    pub checked_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct DemoAccount {
    pub login: String,
    pub password: String,
    pub roles: String,
}

/// The signed-in user.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Me {
    pub login: String,
    pub name: String,
    /// As in the users sheet: `operator`, `referent:DRH`, `agent:DAF`, `lead`.
    pub roles: Vec<String>,
    pub operator: bool,
    pub referent: bool,
    pub agent: bool,
    pub lead: bool,
}

/// A page, with the `pli://` URLs of its thumbnail and of its full image.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PageView {
    pub position: usize,
    pub source_index: usize,
    pub rotation: u32,
    pub thumbnail: String,
    pub src: String,
}

/// Where page images are served: the window's `pli://` scheme, or the server's `/img/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    Window,
    Browser,
}

impl Links {
    fn base(self) -> &'static str {
        match self {
            Links::Window => "pli://localhost/",
            Links::Browser => "/img/",
        }
    }
}

impl PageView {
    pub(crate) fn of(courrier: i64, p: &StoredPage, links: Links) -> PageView {
        // The file names change when a correction rewrites a page: a new URL, no stale cache.
        let version = |path: &str| path.rsplit('/').next().unwrap_or("").to_string();
        let base = links.base();
        PageView {
            position: p.position,
            source_index: p.source_index,
            rotation: p.rotation,
            thumbnail: format!("{base}thumb/{courrier}/{}?v={}", p.position, version(&p.thumbnail)),
            src: format!("{base}page/{courrier}/{}?v={}-{}", p.position, version(&p.pdf), p.rotation),
        }
    }
}

/// A batch as the split check shows it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct BatchCheck {
    pub batch: i64,
    pub source: String,
    pub courriers: Vec<BatchCourrier>,
    /// Pages capture dropped as blank, not put back (the mail room's only).
    pub dropped: Vec<DroppedPageView>,
}

/// A page dropped as blank, with the `pli://` URLs of its thumbnail and full image
/// (none when it was dropped before Pli kept them: only the batch's original has it).
#[derive(Debug, Clone, Serialize, TS)]
pub struct DroppedPageView {
    pub source_index: usize,
    /// Share of ink capture measured on it.
    pub ink_ratio: Option<String>,
    pub thumbnail: Option<String>,
    pub src: Option<String>,
}

impl DroppedPageView {
    pub(crate) fn of(p: &DroppedPage, links: Links) -> DroppedPageView {
        let url = |kind: &str| format!("{}{kind}/{}/{}", links.base(), p.batch, p.source_index);
        DroppedPageView {
            source_index: p.source_index,
            ink_ratio: p.ink_ratio.clone(),
            thumbnail: p.thumbnail.as_ref().map(|_| url("dropped")),
            src: p.pdf.as_ref().map(|_| url("dropped-page")),
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct BatchCourrier {
    pub id: i64,
    pub state: CourrierState,
    pub chrono: Option<String>,
    pub separator: Option<String>,
    pub direction_hint: Option<String>,
    /// Once registered: its due date, and whether it is late.
    pub due_date: Option<String>,
    pub late: bool,
    pub pages: Vec<PageView>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

/// The scanner folder this workstation watches and the profile its batches are read with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ScannerSettings {
    pub folder: String,
    pub profile: String,
}

/// Where capture stands, for the capture and administration screens.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CaptureStatus {
    pub folder: String,
    pub profile: String,
    /// Set by the environment (PLI_SCANNER_DIR, PLI_SCANNER_PROFILE): not changeable here.
    pub imposed: bool,
    pub running: bool,
    /// Why capture stopped or could not start.
    pub problem: Option<String>,
    /// On a connected workstation, the batches not yet on the server.
    pub outbox: Option<OutboxStatus>,
}

/// A connected workstation's outbox: batches captured here that the server has not yet
/// acknowledged (they leave by themselves when it can take them).
#[derive(Debug, Clone, Serialize, TS)]
pub struct OutboxStatus {
    pub server: String,
    pub waiting: usize,
    /// Why the last sending stopped (server unreachable, refused…), if it did.
    pub problem: Option<String>,
}

/// A scanner profile for the administration screen.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ProfileView {
    pub name: String,
    pub description: String,
    pub folder: Option<String>,
    /// The one this window watches.
    pub watched: bool,
    pub watch_mode: String,
    pub formats: Vec<String>,
}

/// Writes the TypeScript of every type the window receives or sends into `dir`
/// (one file per type, as `ui/src/bindings/` holds them).
pub fn export_bindings(dir: &std::path::Path) -> Result<(), ts_rs::ExportError> {
    use pli_store::org::{Catalogue, DirectionRow, DocumentTypeRow, UserRow};
    use pli_store::registry::{
        Act, BasketCount, Contact, CourrierSummary, NewContact, Registered, SearchFilters, SearchResult, Suggestions,
    };
    let cfg = ts_rs::Config::new().with_large_int("number").with_out_dir(dir);
    macro_rules! export {
        ($($t:ty),* $(,)?) => { $( <$t as TS>::export_all(&cfg)?; )* };
    }
    export!(
        crate::Failure,
        Startup,
        ScannerSettings,
        CaptureStatus,
        IntegrityStatus,
        Me,
        PageView,
        BatchCheck,
        pli_store::dropped::Restored,
        ExportFormat,
        ProfileView,
        Act,
        BasketCount,
        Contact,
        CourrierSummary,
        NewContact,
        Registered,
        SearchFilters,
        SearchResult,
        Suggestions,
        Catalogue,
        DirectionRow,
        DocumentTypeRow,
        UserRow,
        pli_store::deadline::DueSummary,
        pli_store::absence::NewAbsence,
        pli_store::absence::AbsenceView,
        pli_store::absence::Colleague,
        pli_store::digest::DigestChoice,
        pli_store::deadline::SiteCalendars,
        pli_store::deadline::ClosureDay,
        pli_store::basket_admin::BasketDefinition,
        pli_store::basket_admin::BasketChange,
        pli_core::deadline::DueState,
        pli_store::CourrierView,
        pli_store::HistoryEntry,
        pli_store::Intake,
        pli_core::CourrierState,
        pli_core::registration::Qualification,
        pli_core::split::SplitEdit,
        pli_core::stats::Report,
        pli_watch::WatchEvent,
        pli_store::web::OpenSession,
        pli_store::acknowledgement::AckView,
        pli_store::acknowledgement::AckTemplateRow,
        pli_store::acknowledgement::ServiceContactRow,
        pli_store::acknowledgement::SendReport,
        crate::acknowledgements::AckTemplates,
        crate::acknowledgements::SmtpForm,
    );
    Ok(())
}
