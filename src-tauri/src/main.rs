//! Pli's desktop shell: a Tauri window over `pli-app`. Each command forwards to the
//! [`Desk`]; no rule lives here. Commands run off the main thread (`async`), so long
//! work never freezes the window; capture runs in its own thread and streams its
//! progress to the window as `watch` events. Page images are served on `pli://`. On a
//! workstation connected to a server, `remote` forwards the window's other commands.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use pli_app::acknowledgements::{AckTemplates, SmtpForm};
use pli_app::{
    Answer, BatchCheck, CaptureStatus, Desk, DeskSettings, ErrorKind, ExportFormat, Failure, IntegrityStatus, Me,
    PageView, ProfileView, ScannerSettings, Startup,
};
use pli_core::CourrierState;
use pli_core::registration::Qualification;
use pli_core::split::SplitEdit;
use pli_core::stats::Report;
use pli_store::acknowledgement::{AckTemplateRow, AckView, SendReport, ServiceContactRow};
use pli_store::dropped::Restored;
use pli_store::org::{Catalogue, DirectionRow, DocumentTypeRow, UserRow};
use pli_store::registry::{
    Act, BasketCount, Contact, CourrierSummary, NewContact, Registered, SearchFilters, SearchResult, Suggestions,
};
use pli_store::{CourrierView, HistoryEntry, Intake};
use std::path::Path;
use std::sync::Arc;
use tauri::{Emitter, State};

type D<'a> = State<'a, Arc<Desk>>;

macro_rules! commands {
    ($( fn $name:ident($($arg:ident : $ty:ty),*) -> $out:ty => |$desk:ident| $body:expr; )*) => {
        $(
            #[tauri::command(async)]
            fn $name(desk: D<'_>, $($arg: $ty),*) -> Answer<$out> {
                let $desk = desk.inner();
                $body
            }
        )*
    };
}

commands! {
    fn startup() -> Startup => |d| Ok(d.startup());
    fn sign_in(login: String, password: String) -> Me => |d| d.sign_in(&login, &password);
    fn sign_out() -> () => |d| { d.sign_out(); Ok(()) };
    fn me() -> Option<Me> => |d| d.me();
    fn baskets() -> Vec<BasketCount> => |d| d.baskets();
    fn basket(name: String) -> Vec<CourrierSummary> => |d| d.basket(&name);
    fn courrier(id: i64) -> CourrierView => |d| d.courrier(id);
    fn pages(id: i64) -> Vec<PageView> => |d| d.pages(id);
    fn text(id: i64) -> String => |d| d.text(id);
    fn history(id: i64) -> Vec<HistoryEntry> => |d| d.history(id);
    fn act(id: i64, act: Act) -> CourrierState => |d| d.act(id, &act);
    fn next_to_qualify(after: Option<i64>) -> Option<i64> => |d| d.next_to_qualify(after);
    fn suggestions(id: i64) -> Suggestions => |d| d.suggestions(id);
    fn save_draft(id: i64, form: Qualification) -> () => |d| d.save_draft(id, &form);
    fn register(id: i64, form: Qualification) -> Registered => |d| d.register(id, &form);
    fn contacts(typed: String) -> Vec<Contact> => |d| d.contacts(&typed);
    fn create_contact(contact: NewContact) -> i64 => |d| d.create_contact(&contact);
    fn catalogue() -> Catalogue => |d| d.catalogue();
    fn intakes() -> Vec<Intake> => |d| d.intakes();
    fn retry_intake(intake: i64) -> () => |d| d.retry_intake(intake);
    fn batch_check(batch: i64) -> BatchCheck => |d| d.batch_check(batch);
    fn correct_split(edit: SplitEdit) -> Vec<i64> => |d| d.correct_split(&edit);
    fn restore_dropped_page(batch: i64, page: usize, into: Option<i64>, at: Option<usize>) -> Restored =>
        |d| d.restore_dropped_page(batch, page, into, at);
    fn search(query: String, filters: SearchFilters) -> Vec<SearchResult> => |d| d.search(&query, &filters);
    fn open_pdf(id: i64) -> () => |d| open_with_system(&d.pdf_to_open(id)?);
    fn activity(from: String, to: String) -> Report => |d| d.activity(&from, &to);
    fn export_activity(from: String, to: String, format: ExportFormat) -> String =>
        |d| d.export_activity(&from, &to, format).map(|p| p.display().to_string());
    fn save_direction(row: DirectionRow) -> () => |d| d.save_direction(&row);
    fn save_document_type(row: DocumentTypeRow) -> () => |d| d.save_document_type(&row);
    fn due_summary() -> pli_store::deadline::DueSummary => |d| d.due_summary();
    fn absences() -> Vec<pli_store::absence::AbsenceView> => |d| d.absences();
    fn record_absence(absence: pli_store::absence::NewAbsence) -> i64 => |d| d.record_absence(&absence);
    fn cancel_absence(id: i64) -> () => |d| d.cancel_absence(id);
    fn colleagues() -> Vec<pli_store::absence::Colleague> => |d| d.colleagues();
    fn digest_choice() -> pli_store::digest::DigestChoice => |d| d.digest_choice();
    fn set_digest(digest: bool) -> () => |d| d.set_digest(digest);
    fn site_calendars() -> pli_store::deadline::SiteCalendars => |d| d.site_calendars();
    fn set_direction_region(direction: String, region: String) -> () => |d| d.set_direction_region(&direction, &region);
    fn add_closure_day(day: pli_store::deadline::ClosureDay) -> () => |d| d.add_closure_day(&day);
    fn remove_closure_day(day: String, direction: Option<String>) -> () =>
        |d| d.remove_closure_day(&day, direction.as_deref());
    fn role_baskets() -> Vec<pli_store::basket_admin::BasketDefinition> => |d| d.role_baskets();
    fn change_basket(change: pli_store::basket_admin::BasketChange) -> () => |d| d.change_basket(&change);
    fn save_user(row: UserRow, password: String) -> () => |d| d.save_user(&row, &password);
    // Acknowledgements of receipt.
    fn acknowledgements(id: i64) -> Vec<AckView> => |d| d.acknowledgements(id);
    fn open_acknowledgement(id: i64, acknowledgement: i64) -> () =>
        |d| open_with_system(&d.acknowledgement_file(id, acknowledgement)?);
    fn ack_templates() -> AckTemplates => |d| d.ack_templates();
    fn set_ack_template(row: AckTemplateRow) -> () => |d| d.set_ack_template(&row);
    fn service_contacts() -> Vec<ServiceContactRow> => |d| d.service_contacts();
    fn set_service_contact(row: ServiceContactRow) -> () => |d| d.set_service_contact(&row);
    fn smtp_settings() -> Option<SmtpForm> => |d| d.smtp_settings();
    fn set_smtp_settings(form: SmtpForm) -> () => |d| d.set_smtp_settings(&form);
    fn send_acknowledgements() -> SendReport => |d| d.send_acknowledgements();
    fn print_postal_acknowledgements() -> Option<String> => |d| {
        let pdf = d.print_postal_acknowledgements()?;
        if let Some(pdf) = &pdf {
            open_with_system(pdf)?;
        }
        Ok(pdf.map(|p| p.display().to_string()))
    };
    fn profiles() -> Vec<ProfileView> => |d| d.profiles();
    fn capture_status() -> CaptureStatus => |d| d.capture_status();
    fn integrity() -> IntegrityStatus => |d| d.integrity();
    fn set_scanner(scanner: ScannerSettings) -> CaptureStatus => |d| d.set_scanner(&scanner);
    // A connected workstation: the window's other commands, answered by the server.
    fn remote(command: String, args: serde_json::Value) -> serde_json::Value => |d| d.remote_call(&command, args);
    fn set_server(url: String) -> Startup => |d| d.set_server(&url);
    fn deliver_now() -> () => |d| { d.deliver_now(); Ok(()) };
    fn separator_sheets(directions: Vec<String>) -> String => |d| {
        let pdf = d.separator_sheets(&directions)?;
        open_with_system(&pdf)?;
        Ok(pdf.display().to_string())
    };
}

/// Hands a file to the desktop's viewer (PDF reader, printing); never waits for it.
fn open_with_system(path: &Path) -> Answer<()> {
    if std::env::var_os("PLI_NO_OPEN").is_some() {
        return Ok(()); // tests: no viewer window over the app
    }
    std::process::Command::new("xdg-open")
        .arg(path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|e| Failure::internal(format!("« {} » ne peut pas être ouvert (xdg-open : {e})", path.display())))
}

fn main() {
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        eprintln!(
            "Pli : pas d'écran (ni DISPLAY ni WAYLAND_DISPLAY) : la fenêtre ne peut pas s'ouvrir. \
             `make run` lance alors la chaîne sans fenêtre sur le lot de démonstration.\n\
             Pli: no display; `make run` runs the headless pipeline on the demo batch instead."
        );
        std::process::exit(3);
    }
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("PLI_LOG").unwrap_or_else(|_| "info".into()))
        .init();
    let desk = match DeskSettings::from_env().and_then(Desk::open) {
        Ok(desk) => Arc::new(desk),
        Err(e) => {
            eprintln!("Pli ne peut pas démarrer : {e}");
            std::process::exit(1);
        }
    };
    let images = desk.clone();
    let app = tauri::Builder::default()
        .manage(desk.clone())
        .register_asynchronous_uri_scheme_protocol("pli", move |_ctx, request, responder| {
            let desk = images.clone();
            let path = request.uri().path().to_string();
            // Decoding a scanned page takes a while: off the webview's thread.
            tauri::async_runtime::spawn_blocking(move || {
                let response = match desk.image(&path) {
                    Ok((mime, bytes)) => tauri::http::Response::builder()
                        .header("Content-Type", mime)
                        .header("Cache-Control", "max-age=3600")
                        .body(bytes),
                    // Refused looks like missing: an invisible courrier's pages are not there.
                    Err(e) => tauri::http::Response::builder()
                        .status(match e.kind {
                            ErrorKind::Internal => 500,
                            ErrorKind::Invalid => 400,
                            ErrorKind::Refused | ErrorKind::NotFound | ErrorKind::Conflict => 404,
                        })
                        .header("Content-Type", "text/plain; charset=utf-8")
                        .body(e.message.into_bytes()),
                };
                responder.respond(response.expect("a well-formed response"));
            });
        })
        .invoke_handler(tauri::generate_handler![
            startup,
            sign_in,
            sign_out,
            me,
            baskets,
            basket,
            courrier,
            pages,
            text,
            history,
            act,
            next_to_qualify,
            suggestions,
            save_draft,
            register,
            contacts,
            create_contact,
            catalogue,
            intakes,
            retry_intake,
            batch_check,
            correct_split,
            restore_dropped_page,
            search,
            open_pdf,
            activity,
            export_activity,
            save_direction,
            save_document_type,
            due_summary,
            absences,
            record_absence,
            cancel_absence,
            colleagues,
            digest_choice,
            set_digest,
            site_calendars,
            set_direction_region,
            add_closure_day,
            remove_closure_day,
            role_baskets,
            change_basket,
            save_user,
            acknowledgements,
            open_acknowledgement,
            ack_templates,
            set_ack_template,
            service_contacts,
            set_service_contact,
            smtp_settings,
            set_smtp_settings,
            send_acknowledgements,
            print_postal_acknowledgements,
            profiles,
            capture_status,
            integrity,
            set_scanner,
            separator_sheets,
            remote,
            set_server,
            deliver_now
        ])
        .build(tauri::generate_context!())
        .expect("the Pli window could not start");
    let changed = app.handle().clone();
    // Courriers delivered to the server: the window reloads its counts, as after a capture.
    desk.on_delivered(move || {
        let _ = changed.emit("changed", ());
    });
    let handle = app.handle().clone();
    desk.start_capture(move |event| {
        if let Err(e) = handle.emit("watch", &event) {
            tracing::warn!("événement de capture non transmis à la fenêtre : {e}");
        }
    });
    app.run(move |_app, event| {
        if let tauri::RunEvent::Exit = event {
            // The batch in hand is abandoned safely and taken again at the next start.
            desk.stop_capture();
        }
    });
}
