//! Routes, the session and CSRF checks, security headers, and the one place where a
//! failure's kind becomes an HTTP status.

use crate::App;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use pli_app::office::{self, Image};
use pli_app::{Answer, ErrorKind, ExportFormat, Failure, Links, Startup, say};
use pli_core::Role;
use pli_core::registration::{ChronoFormat, Qualification};
use pli_core::split::SplitEdit;
use pli_store::Session;
use pli_store::org::{DirectionRow, DocumentTypeRow, UserRow};
use pli_store::registry::{Act, NewContact, SearchFilters};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SESSION_COOKIE: &str = "pli_session";
const CSRF_COOKIE: &str = "pli_csrf";
const CSRF_HEADER: &str = "x-pli-csrf";

/// No script but the app's own files, no inline script nor eval, no framing, no plugin;
/// images are the app's own (page images) or `data:`/`blob:` (the UI's previews).
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
                   connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
                   form-action 'self'; frame-ancestors 'none'";

pub fn router(app: Arc<App>) -> Router {
    let ui = app.config.ui.clone();
    let files =
        tower_http::services::ServeDir::new(&ui).fallback(tower_http::services::ServeFile::new(ui.join("index.html")));
    Router::new()
        .route("/api/{command}", post(call).fallback(wrong_method))
        .route("/api/events", get(events))
        .route("/img/{*path}", get(image))
        .route("/pdf/{id}", get(pdf))
        .route("/ack/{id}/{acknowledgement}", get(acknowledgement))
        .route("/ack-print/{name}", get(postal_print))
        .route("/export/activity", get(export_activity))
        .route("/separators.pdf", get(separators))
        .route("/deliveries/{capture_id}", post(commit_delivery))
        .route("/deliveries/{capture_id}/{*path}", axum::routing::put(deliver_file))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .fallback_service(files)
        .layer(DefaultBodyLimit::disable())
        .layer(from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

// ---------------------------------------------------------------------------------------
// Failures and statuses: the one place.

/// A failure on its way to the browser: its status and the `Failure` JSON.
pub struct Refusal {
    status: StatusCode,
    failure: Failure,
}

impl Refusal {
    fn new(status: StatusCode, kind: ErrorKind, message: impl Into<String>) -> Refusal {
        Refusal { status, failure: Failure::new(kind, message) }
    }

    fn no_session() -> Refusal {
        Refusal::new(StatusCode::UNAUTHORIZED, ErrorKind::Refused, "session terminée : reconnectez-vous")
    }
}

impl From<Failure> for Refusal {
    fn from(failure: Failure) -> Refusal {
        let status = match failure.kind {
            ErrorKind::Invalid => StatusCode::BAD_REQUEST,
            ErrorKind::Refused => StatusCode::FORBIDDEN,
            // An invisible courrier looks missing: the store already says "not found" for it.
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        // A session ended by deactivation is told like any ended session.
        if failure.kind == ErrorKind::Refused && failure.message.starts_with("session terminée") {
            return Refusal { status: StatusCode::UNAUTHORIZED, failure };
        }
        Refusal { status, failure }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!("{}", self.failure.message);
        }
        (self.status, Json(self.failure)).into_response()
    }
}

type Answered = Result<Response, Refusal>;

// ---------------------------------------------------------------------------------------
// Every response: security headers, a CSRF cookie for a browser without one, metrics.

async fn guard(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| if request.uri().path().starts_with("/api/") { "/api/?" } else { "/" }.to_string());
    let has_csrf = cookie(request.headers(), CSRF_COOKIE).is_some();
    let assets = request.uri().path().starts_with("/assets/");
    let mut response = next.run(request).await;
    let status = response.status();
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    h.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=()"));
    if app.config.secure_cookies {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        // The built window's assets carry their hash in their name: kept for good. All
        // else (the API, index.html) is never stored.
        let immutable = assets && status.is_success();
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(if immutable { "public, max-age=31536000, immutable" } else { "no-store" }),
        );
    }
    if !has_csrf
        && !h.get_all(header::SET_COOKIE).iter().any(|c| c.as_bytes().starts_with(b"pli_csrf="))
        && let Ok(v) = HeaderValue::from_str(&csrf_cookie(&app, &random_token()))
    {
        h.append(header::SET_COOKIE, v);
    }
    app.metrics.record(&route, response.status().as_u16(), started.elapsed());
    response
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the system's random source");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v)
}

fn secure(app: &App) -> &'static str {
    if app.config.secure_cookies { "; Secure" } else { "" }
}

fn session_cookie(app: &App, token: &str) -> String {
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{}", secure(app))
}

/// Read by the page's script (to echo it), so not HttpOnly; SameSite keeps it home.
fn csrf_cookie(app: &App, value: &str) -> String {
    format!("{CSRF_COOKIE}={value}; Path=/; SameSite=Strict{}", secure(app))
}

fn gone_cookies(app: &App) -> [String; 1] {
    [format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}", secure(app))]
}

/// The browser's address: the peer's, or the last hop a trusted proxy names.
fn client_address(app: &App, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    if app.config.trusted_proxies.contains(&peer.ip())
        && let Some(forwarded) = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok())
        && let Some(Ok(ip)) = forwarded.rsplit(',').next().map(|s| s.trim().parse::<IpAddr>())
    {
        return ip;
    }
    peer.ip()
}

fn workstation(address: IpAddr) -> String {
    format!("navigateur {address}")
}

// ---------------------------------------------------------------------------------------
// Sessions.

/// A signed-in browser: its session (roles as they are now) and what it must echo.
struct Caller {
    session: Session,
    csrf: String,
    token_hash: String,
}

/// Runs store work on a blocking thread with a connection of its own. A connection that
/// failed is not lent again (a database restart leaves it broken).
async fn blocking<T: Send + 'static>(
    app: &Arc<App>,
    work: impl FnOnce(&mut pli_store::Store) -> Answer<T> + Send + 'static,
) -> Result<T, Refusal> {
    let app = app.clone();
    let joined = tokio::task::spawn_blocking(move || {
        let mut store = app.pool.get().map_err(say)?;
        let out = work(&mut store);
        if matches!(&out, Err(f) if f.kind == ErrorKind::Internal) {
            store.discard();
        }
        out
    })
    .await;
    match joined {
        Ok(answer) => answer.map_err(Refusal::from),
        Err(e) => Err(Failure::internal(format!("erreur interne du serveur : {e}")).into()),
    }
}

/// The caller's live session, if their cookie names one.
async fn caller(app: &Arc<App>, headers: &HeaderMap, address: IpAddr) -> Result<Option<Caller>, Refusal> {
    session_of(app, headers, address, true).await
}

/// The session a cookie names; `activity`: whether this request defers its idle timeout.
async fn session_of(
    app: &Arc<App>,
    headers: &HeaderMap,
    address: IpAddr,
    activity: bool,
) -> Result<Option<Caller>, Refusal> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else { return Ok(None) };
    let hash = token_hash(token);
    let limits = app.config.session_limits();
    let found = blocking(app, {
        let hash = hash.clone();
        move |store| store.web_session(&hash, &workstation(address), &limits, activity).map_err(say)
    })
    .await?;
    Ok(found.map(|w| Caller { session: w.session, csrf: w.csrf, token_hash: hash }))
}

/// Compares in constant time (the CSRF value is a secret).
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn check_csrf(headers: &HeaderMap, expected: &str) -> Result<(), Refusal> {
    let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    if sent.is_empty() || !same(sent, expected) {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            ErrorKind::Refused,
            "requête refusée : jeton anti-falsification absent ou faux (rechargez la page)",
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// POST /api/<command>

async fn wrong_method() -> Refusal {
    Refusal::new(StatusCode::METHOD_NOT_ALLOWED, ErrorKind::Invalid, "méthode non permise : POST attendu")
}

fn args<T: DeserializeOwned>(body: &Bytes) -> Result<T, Refusal> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) { b"{}" } else { body };
    serde_json::from_slice(body)
        .map_err(|e| Refusal::new(StatusCode::BAD_REQUEST, ErrorKind::Invalid, format!("arguments illisibles : {e}")))
}

fn json<T: serde::Serialize>(value: T) -> Answered {
    Ok(Json(value).into_response())
}

#[derive(Deserialize)]
struct SignIn {
    login: String,
    password: String,
}
#[derive(Deserialize)]
struct Id {
    id: i64,
}
#[derive(Deserialize)]
struct AbsenceArgs {
    absence: pli_store::absence::NewAbsence,
}
#[derive(Deserialize)]
struct Name {
    name: String,
}
#[derive(Deserialize)]
struct ActArgs {
    id: i64,
    act: Act,
}
#[derive(Deserialize)]
struct After {
    after: Option<i64>,
}
#[derive(Deserialize)]
struct Form {
    id: i64,
    form: Qualification,
}
#[derive(Deserialize)]
struct Typed {
    typed: String,
}
#[derive(Deserialize)]
struct ContactArgs {
    contact: NewContact,
}
#[derive(Deserialize)]
struct Batch {
    batch: i64,
}
#[derive(Deserialize)]
struct Edit {
    edit: SplitEdit,
}
#[derive(Deserialize)]
struct SearchArgs {
    query: String,
    filters: SearchFilters,
}
#[derive(Deserialize)]
struct Period {
    from: String,
    to: String,
}
#[derive(Deserialize)]
struct DirectionArgs {
    row: DirectionRow,
}
#[derive(Deserialize)]
struct TypeArgs {
    row: DocumentTypeRow,
}
#[derive(Deserialize)]
struct RegionArgs {
    direction: String,
    region: String,
}
#[derive(Deserialize)]
struct ClosureArgs {
    day: pli_store::deadline::ClosureDay,
}
#[derive(Deserialize)]
struct ClosureRemoval {
    day: String,
    direction: Option<String>,
}
#[derive(Deserialize)]
struct BasketChangeArgs {
    change: pli_store::basket_admin::BasketChange,
}
#[derive(Deserialize)]
struct UserArgs {
    row: UserRow,
    password: String,
}
#[derive(Deserialize)]
struct Login {
    login: String,
}
#[derive(Deserialize)]
struct AckTemplateArgs {
    row: pli_store::acknowledgement::AckTemplateRow,
}
#[derive(Deserialize)]
struct ServiceArgs {
    row: pli_store::acknowledgement::ServiceContactRow,
}
#[derive(Deserialize)]
struct DigestArgs {
    digest: bool,
}

/// A request body that has not arrived by then is given up (a client holding a
/// connection open with a body it never sends).
const BODY_TIMEOUT: Duration = Duration::from_secs(20);

/// The body, whole, within the size limit and the time limit.
async fn read_body(limit: usize, headers: &HeaderMap, body: Body) -> Result<Bytes, Refusal> {
    let too_large = || {
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::Invalid,
            format!("requête trop grande (plus de {limit} octets)"),
        )
    };
    // Said too long up front: refused before a byte of it is read.
    let announced =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        // Past the limit while reading (no length said), or the client broke off.
        Ok(Err(e)) if e.to_string().contains("length limit") => Err(too_large()),
        Ok(Err(e)) => {
            Err(Refusal::new(StatusCode::BAD_REQUEST, ErrorKind::Invalid, format!("requête illisible : {e}")))
        }
        Err(_) => Err(Refusal::new(
            StatusCode::REQUEST_TIMEOUT,
            ErrorKind::Invalid,
            "requête incomplète : le corps n'est pas arrivé à temps",
        )),
    }
}

async fn call(
    State(app): State<Arc<App>>,
    Path(command): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Answered {
    let body = read_body(app.config.max_body_bytes, &headers, body).await?;
    let address = client_address(&app, peer, &headers);
    match command.as_str() {
        "startup" => return startup(&app).await,
        "sign_in" => {
            // Before a session, the double-submitted cookie (a forged cross-site form
            // can neither read it nor set the header).
            check_csrf(&headers, cookie(&headers, CSRF_COOKIE).unwrap_or(""))?;
            let a: SignIn = args(&body)?;
            return sign_in(&app, &headers, address, a).await;
        }
        "me" => {
            return match caller(&app, &headers, address).await? {
                None => json(None::<()>),
                Some(c) => {
                    let s = c.session;
                    json(blocking(&app, move |store| office::me(store, &s)).await?)
                }
            };
        }
        _ => {}
    }
    let c = caller(&app, &headers, address).await?.ok_or_else(Refusal::no_session)?;
    check_csrf(&headers, &c.csrf)?;
    let s = c.session.clone();
    // `s`, the caller's session, lent to the store work by reference.
    macro_rules! run {
        (|$store:ident, $s:ident| $body:expr) => {{
            let $s = s.clone();
            let out = blocking(&app, move |$store| {
                let $s = &$s;
                $body
            })
            .await?;
            json(out)
        }};
        ($args:ty, |$a:ident, $store:ident, $s:ident| $body:expr) => {{
            let $a: $args = args(&body)?;
            run!(|$store, $s| $body)
        }};
    }
    match command.as_str() {
        "sign_out" => {
            let hash = c.token_hash.clone();
            blocking(&app, move |store| store.end_web_session(&hash, &s).map_err(say)).await?;
            let mut response = Json(()).into_response();
            for cookie in gone_cookies(&app) {
                if let Ok(v) = HeaderValue::from_str(&cookie) {
                    response.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            Ok(response)
        }
        "end_sessions" => run!(Login, |a, store, s| store.end_web_sessions_of(s, &a.login).map_err(say)),
        "sessions" => {
            let limits = app.config.session_limits();
            run!(|store, s| {
                office::require(store, s, &[Role::Lead], "les sessions ouvertes")?;
                store.web_sessions(&limits).map_err(say)
            })
        }
        "baskets" => run!(|store, s| store.baskets(s).map_err(say)),
        "basket" => run!(Name, |a, store, s| store.basket(s, &a.name).map_err(say)),
        "courrier" => run!(Id, |a, store, s| office::courrier(store, s, a.id)),
        "pages" => run!(Id, |a, store, s| office::pages(store, s, a.id, Links::Browser)),
        "text" => run!(Id, |a, store, s| office::text(store, s, a.id)),
        "history" => run!(Id, |a, store, s| store.history(s, a.id).map_err(say)),
        "acknowledgements" => run!(Id, |a, store, s| store.acknowledgements(s, a.id).map_err(say)),
        "ack_templates" => run!(|store, s| office::ack_templates(store, s)),
        "set_ack_template" => run!(AckTemplateArgs, |a, store, s| store.set_ack_template(s, &a.row).map_err(say)),
        "service_contacts" => run!(|store, s| office::service_contacts(store, s)),
        "set_service_contact" => {
            run!(ServiceArgs, |a, store, s| store.set_service_contact(s, &a.row).map_err(say))
        }
        // The merged PDF stays on the server: the browser is told where to fetch it.
        "print_postal_acknowledgements" => {
            let exports = app.config.data.join(EXPORTS);
            run!(|store, s| {
                let name = office::print_postal_acknowledgements(store, s, &exports)?;
                Ok(name.map(|n| format!("/ack-print/{n}")))
            })
        }
        "act" => {
            let a: ActArgs = args(&body)?;
            let forward = matches!(a.act, Act::Forward { .. });
            let answer = run!(|store, s| {
                let state = store.act(s, a.id, &a.act).map_err(say)?;
                office::after_act(store, s, a.id, &a.act);
                Ok(state)
            });
            if answer.is_ok() && forward {
                send_in_background(&app, &s);
            }
            answer
        }
        "next_to_qualify" => run!(After, |a, store, s| store.next_to_qualify(s, a.after).map_err(say)),
        "suggestions" => run!(Id, |a, store, s| store.suggestions(s, a.id).map_err(say)),
        "save_draft" => run!(Form, |a, store, s| store.qualify(s, a.id, &a.form).map_err(say)),
        "register" => {
            let chrono = chrono_format()?;
            let answer = run!(Form, |a, store, s| {
                let registered = store.register(s, a.id, &a.form, &chrono).map_err(say)?;
                office::acknowledge(store, s, a.id);
                Ok(registered)
            });
            if answer.is_ok() {
                send_in_background(&app, &s);
            }
            answer
        }
        "contacts" => run!(Typed, |a, store, s| {
            store.current(s).map_err(say)?;
            store.search_contacts(&a.typed, 10).map_err(say)
        }),
        "create_contact" => {
            run!(ContactArgs, |a, store, s| store.create_contact(s, &a.contact).map(|(id, _)| id).map_err(say))
        }
        "catalogue" => run!(|store, s| {
            store.current(s).map_err(say)?;
            store.catalogue().map_err(say)
        }),
        "intakes" => run!(|store, s| {
            office::require(store, s, &[Role::Operator, Role::Lead], "la capture")?;
            store.recent_intakes(200).map_err(say)
        }),
        "batch_check" => run!(Batch, |a, store, s| office::batch_check(store, s, a.batch, Links::Browser)),
        "correct_split" => {
            run!(Edit, |a, store, s| store.edit_split(s, &a.edit, &pli_capture::pdf::Composer).map_err(say))
        }
        "search" => run!(SearchArgs, |a, store, s| store.search_filtered(s, &a.query, &a.filters, 100).map_err(say)),
        "activity" => run!(Period, |a, store, s| activity(store, s, &a.from, &a.to)),
        "save_direction" => run!(DirectionArgs, |a, store, s| store.save_direction(s, &a.row).map_err(say)),
        "save_document_type" => run!(TypeArgs, |a, store, s| store.save_document_type(s, &a.row).map_err(say)),
        "due_summary" => run!(|store, s| store.due_summary_today(s).map_err(say)),
        "absences" => run!(|store, s| store.absences(s).map_err(say)),
        "record_absence" => run!(AbsenceArgs, |a, store, s| store.record_absence(s, &a.absence).map_err(say)),
        "cancel_absence" => run!(Id, |a, store, s| store.cancel_absence(s, a.id).map_err(say)),
        "colleagues" => run!(|store, s| store.colleagues(s).map_err(say)),
        "digest_choice" => run!(|store, s| store.digest_choice(s).map_err(say)),
        // The lead's « envoyer maintenant »: the e-mails still to send, now, by the server's [smtp].
        "send_acknowledgements" => {
            let (settings, pass) = (app.config.smtp.clone(), app.clone());
            run!(|store, s| {
                office::require(store, s, &[Role::Lead], "l'envoi des accusés de réception")?;
                let settings = settings.ok_or_else(|| {
                    Failure::invalid("ce serveur n'a pas de serveur de courriel (section [smtp] de sa configuration)")
                })?;
                if pass.sending.swap(true, std::sync::atomic::Ordering::AcqRel) {
                    return Err(Failure::conflict(
                        "un envoi des accusés de réception est en cours : réessayez dans un instant",
                    ));
                }
                let sent = store.send_acknowledgements(s, &settings).map_err(say);
                pass.sending.store(false, std::sync::atomic::Ordering::Release);
                sent
            })
        }
        "set_digest" => run!(DigestArgs, |a, store, s| store.set_digest(s, a.digest).map_err(say)),
        "site_calendars" => run!(|store, s| {
            store.current(s).map_err(say)?;
            store.site_calendars().map_err(say)
        }),
        "set_direction_region" => run!(RegionArgs, |a, store, s| {
            let region = pli_store::deadline::region_named(&a.region).map_err(say)?;
            store.set_direction_region(s, &a.direction, region).map_err(say)
        }),
        "add_closure_day" => run!(ClosureArgs, |a, store, s| store.add_closure_day(s, &a.day).map_err(say)),
        "remove_closure_day" => {
            run!(ClosureRemoval, |a, store, s| store.remove_closure_day(s, &a.day, a.direction.as_deref()).map_err(say))
        }
        "role_baskets" => run!(|store, s| store.role_baskets(s).map_err(say)),
        "change_basket" => run!(BasketChangeArgs, |a, store, s| store.change_basket(s, &a.change).map_err(say)),
        "save_user" => run!(UserArgs, |a, store, s| store.save_user(s, &a.row, &a.password).map_err(say)),
        "profiles" => json(Vec::<()>::new()),
        "capture_status" => json(pli_app::CaptureStatus {
            folder: String::new(),
            profile: String::new(),
            imposed: true,
            running: false,
            problem: Some(ON_THE_WORKSTATION.into()),
            outbox: None,
        }),
        "retry_intake"
        | "set_scanner"
        | "restore_dropped_page"
        | "integrity"
        | "open_pdf"
        | "export_activity"
        | "separator_sheets" => Err(Refusal::new(
            StatusCode::NOT_FOUND,
            ErrorKind::NotFound,
            format!("« {command} » se fait sur le poste de numérisation ou par un lien du navigateur"),
        )),
        _ => Err(Refusal::new(StatusCode::NOT_FOUND, ErrorKind::NotFound, "commande inconnue")),
    }
}

/// Sends the e-mail acknowledgements still to send on a thread of its own with a
/// connection of its own, so that registering never waits for the SMTP server; one pass at
/// a time. What a pass could not send is tried again after the next registration.
fn send_in_background(app: &Arc<App>, s: &Session) -> Option<std::thread::JoinHandle<()>> {
    let settings = app.config.smtp.clone()?;
    let (app, s) = (app.clone(), s.clone());
    Some(std::thread::spawn(move || {
        crate::resend::one_pass_at_a_time(&app, || {
            let sent = app.pool.get().and_then(|mut store| store.send_acknowledgements(&s, &settings));
            match sent {
                Ok(report) if report.failed.is_empty() => {}
                Ok(report) => tracing::warn!("accusés de réception à envoyer encore : {:?}", report.failed),
                Err(e) => tracing::warn!("envoi des accusés de réception impossible : {e}"),
            }
        })
    }))
}

const ON_THE_WORKSTATION: &str = "la capture se fait sur le poste de numérisation, pas dans le navigateur";

fn chrono_format() -> Result<ChronoFormat, Refusal> {
    match std::env::var("PLI_CHRONO_FORMAT") {
        Ok(f) => ChronoFormat::new(&f).map_err(|e| Refusal::from(Failure::internal(e))),
        Err(_) => Ok(ChronoFormat::default()),
    }
}

fn activity(store: &mut pli_store::Store, s: &Session, from: &str, to: &str) -> Answer<pli_core::stats::Report> {
    office::require(store, s, &[Role::Lead], "l'activité")?;
    let (from, to) = (office::day(from)?, office::day(to)?);
    store.activity_report(from, to, &pli_core::stats::Settings::default()).map_err(say)
}

async fn startup(app: &Arc<App>) -> Answered {
    let demo = blocking(app, |store| store.has_demo_accounts().map_err(say)).await?;
    // No folder of the server's is told to browsers.
    json(Startup {
        data_dir: String::new(),
        scanner_folder: String::new(),
        scanner_profile: String::new(),
        demo,
        demo_accounts: if demo { pli_app::demo_accounts() } else { Vec::new() },
        server: None,
        may_set_server: false,
    })
}

async fn sign_in(app: &Arc<App>, headers: &HeaderMap, address: IpAddr, a: SignIn) -> Answered {
    let policy = app.config.sign_in_policy();
    let old = cookie(headers, SESSION_COOKIE).map(token_hash);
    let (token, csrf) = (random_token(), random_token());
    let (hash, csrf_kept) = (token_hash(&token), csrf.clone());
    // With a directory, its answer on the password; a locked login is not even asked.
    let directory = match &app.config.ldap {
        None => None,
        Some(section) => {
            let login = a.login.trim().to_string();
            blocking(app, move |store| store.sign_in_allowed(&login, Some(&address.to_string())).map_err(say))
                .await
                .map_err(too_many)?;
            let verified =
                crate::ldap::verify(section, a.login.trim(), &a.password).await.map_err(Failure::internal)?;
            Some(verified)
        }
    };
    let me = blocking(app, move |store| {
        if !store.has_accounts().map_err(say)? {
            return Err(Failure::refused(pli_app::NO_ACCOUNT));
        }
        let at = workstation(address);
        let (login, from) = (a.login.trim(), Some(address.to_string()));
        let viewer = match directory {
            Some(verified) => store.sign_in_by_directory(login, verified, &at, from.as_deref(), &policy),
            None => store.sign_in_from(login, &a.password, &at, from.as_deref(), &policy),
        }
        .map_err(say)?;
        // A new token at every sign-in: a token planted before it is worth nothing after.
        if let Some(old) = old {
            let s = Session { viewer: viewer.clone(), workstation: at.clone() };
            store.end_web_session(&old, &s).map_err(say)?;
        }
        store.open_web_session(&viewer, &hash, &csrf_kept, &address.to_string()).map_err(say)?;
        office::me(store, &Session { viewer, workstation: at })
    })
    .await
    .map_err(too_many)?;
    let mut response = Json(me).into_response();
    for c in [session_cookie(app, &token), csrf_cookie(app, &csrf)] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(response)
}

/// A lockout is "too many requests", not a wrong password.
fn too_many(r: Refusal) -> Refusal {
    if r.failure.message.starts_with("trop d'essais") {
        Refusal { status: StatusCode::TOO_MANY_REQUESTS, failure: r.failure }
    } else {
        r
    }
}

// ---------------------------------------------------------------------------------------
// GET routes for the signed-in: images, PDFs, files, live updates.

async fn signed_in(app: &Arc<App>, peer: SocketAddr, headers: &HeaderMap) -> Result<Caller, Refusal> {
    let address = client_address(app, peer, headers);
    caller(app, headers, address).await?.ok_or_else(Refusal::no_session)
}

fn file_response(mime: &str, bytes: Vec<u8>, disposition: Option<String>) -> Response {
    let mut r = Response::new(Body::from(bytes));
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime) {
        h.insert(header::CONTENT_TYPE, v);
    }
    // Private: a shared cache must never keep a letter.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
    if let Some(d) = disposition.and_then(|d| HeaderValue::from_str(&d).ok()) {
        h.insert(header::CONTENT_DISPOSITION, d);
    }
    r
}

async fn image(
    State(app): State<Arc<App>>,
    Path(path): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Answered {
    let s = signed_in(&app, peer, &headers).await?.session;
    let found: Image = blocking(&app, move |store| office::image(store, &s, &path)).await?;
    let _turn = app.renders.acquire().await.map_err(|e| Refusal::from(Failure::internal(e.to_string())))?;
    let (mime, bytes) = tokio::task::spawn_blocking(move || found.render())
        .await
        .map_err(|e| Refusal::from(Failure::internal(format!("erreur interne du serveur : {e}"))))??;
    Ok(file_response(mime, bytes, None))
}

async fn pdf(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Answered {
    let s = signed_in(&app, peer, &headers).await?.session;
    let id: i64 = id.parse().map_err(|_| Refusal::from(Failure::not_found("courrier inconnu")))?;
    let bytes = blocking(&app, move |store| {
        let file = office::pdf(store, &s, id)?;
        std::fs::read(&file).map_err(|e| Failure::internal(format!("« {} » : {e}", file.display())))
    })
    .await?;
    Ok(file_response("application/pdf", bytes, Some(format!("inline; filename=\"courrier-{id}.pdf\""))))
}

/// One of a courrier's acknowledgements of receipt: as its PDF, for whoever may see the
/// courrier (else 404, as an unknown one).
async fn acknowledgement(
    State(app): State<Arc<App>>,
    Path((id, acknowledgement)): Path<(String, String)>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Answered {
    let s = signed_in(&app, peer, &headers).await?.session;
    let unknown = || Refusal::from(Failure::not_found("accusé de réception inconnu"));
    let (id, ack): (i64, i64) = (id.parse().map_err(|_| unknown())?, acknowledgement.parse().map_err(|_| unknown())?);
    let bytes = blocking(&app, move |store| {
        let file = office::acknowledgement_file(store, &s, id, ack)?;
        std::fs::read(&file).map_err(|e| Failure::internal(format!("« {} » : {e}", file.display())))
    })
    .await?;
    Ok(file_response("application/pdf", bytes, Some(format!("inline; filename=\"accuse-{id}-{ack}.pdf\""))))
}

/// Where the server writes what it makes to be downloaded, under its data folder.
const EXPORTS: &str = "exports";

/// A print of the day's postal acknowledgements the server made: for the mail room and
/// the lead, and only files of that name.
async fn postal_print(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Answered {
    let s = signed_in(&app, peer, &headers).await?.session;
    if !office::is_postal_print(&name) {
        return Err(Failure::not_found("impression inconnue").into());
    }
    let file = app.config.data.join(EXPORTS).join(&name);
    let bytes = blocking(&app, move |store| {
        office::require(store, &s, &[Role::Operator, Role::Lead], "l'impression des accusés de réception")?;
        std::fs::read(&file).map_err(|_| Failure::not_found("impression inconnue"))
    })
    .await?;
    Ok(file_response("application/pdf", bytes, Some(format!("inline; filename=\"{name}\""))))
}

#[derive(Deserialize)]
struct ExportQuery {
    from: String,
    to: String,
    format: ExportFormat,
}

async fn export_activity(
    State(app): State<Arc<App>>,
    query: Result<Query<ExportQuery>, axum::extract::rejection::QueryRejection>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Answered {
    let s = signed_in(&app, peer, &headers).await?.session;
    let Query(q) =
        query.map_err(|e| Refusal::from(Failure::invalid(format!("paramètres illisibles : {}", e.body_text()))))?;
    let name_from = q.from.clone();
    let name_to = q.to.clone();
    let (bytes, ext, mime) = blocking(&app, move |store| {
        let report = activity(store, &s, &q.from, &q.to)?;
        // The history's head goes with every export: an anchor kept elsewhere.
        let head = store.anchor_history().map_err(say)?;
        Ok(match q.format {
            ExportFormat::Csv => {
                (pli_store::stats::to_csv(&report, head.as_ref()).into_bytes(), "csv", "text/csv; charset=utf-8")
            }
            ExportFormat::Xlsx => (
                pli_store::stats::to_xlsx(&report, head.as_ref()).map_err(Failure::internal)?,
                "xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
        })
    })
    .await?;
    let name = format!("activite-{}-{}.{ext}", name_from.trim(), name_to.trim());
    Ok(file_response(mime, bytes, Some(format!("attachment; filename=\"{name}\""))))
}

#[derive(Deserialize)]
struct SheetsQuery {
    #[serde(default)]
    directions: String,
}

async fn separators(
    State(app): State<Arc<App>>,
    query: Result<Query<SheetsQuery>, axum::extract::rejection::QueryRejection>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Answered {
    let s = signed_in(&app, peer, &headers).await?.session;
    let Query(q) =
        query.map_err(|e| Refusal::from(Failure::invalid(format!("paramètres illisibles : {}", e.body_text()))))?;
    let codes: Vec<String> =
        q.directions.split(',').map(str::trim).filter(|c| !c.is_empty()).map(str::to_string).collect();
    let bytes = blocking(&app, move |store| {
        office::require(store, &s, &[Role::Operator, Role::Lead], "les feuilles de séparation")?;
        let sheets = pli_capture::pdf::sheets_for_directions(&codes).map_err(Failure::invalid)?;
        Ok(pli_capture::pdf::separator_sheets_pdf(&sheets))
    })
    .await?;
    Ok(file_response("application/pdf", bytes, Some("inline; filename=\"separateurs.pdf\"".into())))
}

/// How often the registry's head is looked at for live updates.
const POLL_EVERY: Duration = Duration::from_secs(2);
/// How often a live-update stream checks that its session is still alive.
const SESSION_CHECK_EVERY: Duration = Duration::from_secs(30);

/// Polls the registry's last event id for every stream of this server: any server's (or
/// workstation's) change is seen, whichever process made it.
pub(crate) async fn poll_head(app: Arc<App>) {
    loop {
        let head = blocking(&app, |store| store.history_head().map(|h| h.map_or(0, |(id, _)| id)).map_err(say)).await;
        if let Ok(head) = head {
            app.head.send_if_modified(|old| std::mem::replace(old, head) != head);
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

async fn events(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Sse<impl futures_util::Stream<Item = Result<Event, std::convert::Infallible>>>, Refusal> {
    signed_in(&app, peer, &headers).await?;
    let mut head = app.head.subscribe();
    head.mark_unchanged();
    let state = (app, headers, peer, head, Instant::now());
    let stream = futures_util::stream::unfold(state, |(app, headers, peer, mut head, mut checked)| async move {
        loop {
            let changed = tokio::time::timeout(SESSION_CHECK_EVERY, head.changed()).await;
            if checked.elapsed() >= SESSION_CHECK_EVERY {
                // The stream ends with the session (signed out, expired, deactivated); an
                // open tab is no activity: it does not keep the session alive.
                let address = client_address(&app, peer, &headers);
                match session_of(&app, &headers, address, false).await {
                    Ok(Some(_)) => checked = Instant::now(),
                    _ => return None,
                }
            }
            match changed {
                Ok(Ok(())) => {
                    let event = Event::default().event("changed").data("{}");
                    return Some((Ok(event), (app, headers, peer, head, checked)));
                }
                Ok(Err(_)) => return None, // the server is stopping
                Err(_) => continue,        // no change: look at the session again
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

// ---------------------------------------------------------------------------------------
// Deliveries from scanner workstations (see `delivery`).

/// The delivering session: signed in, CSRF echoed, of the mail room (or the lead).
async fn deliverer(app: &Arc<App>, peer: SocketAddr, headers: &HeaderMap) -> Result<Session, Refusal> {
    let c = signed_in(app, peer, headers).await?;
    check_csrf(headers, &c.csrf)?;
    let s = c.session;
    blocking(app, move |store| office::require(store, &s, &[Role::Operator, Role::Lead], "l'envoi des lots")).await
}

async fn deliver_file(
    State(app): State<Arc<App>>,
    Path((capture_id, path)): Path<(String, String)>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Answered {
    deliverer(&app, peer, &headers).await?;
    let sha256 = headers.get("x-pli-sha256").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let bytes = read_body(app.config.max_upload_bytes, &headers, body).await?;
    let data = app.config.data.clone();
    tokio::task::spawn_blocking(move || crate::delivery::receive_file(&data, &capture_id, &path, &sha256, &bytes))
        .await
        .map_err(|e| Refusal::from(Failure::internal(format!("erreur interne du serveur : {e}"))))??;
    json(())
}

async fn commit_delivery(
    State(app): State<Arc<App>>,
    Path(capture_id): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Answered {
    let s = deliverer(&app, peer, &headers).await?;
    let body = read_body(app.config.max_upload_bytes, &headers, body).await?;
    let mut delivery: crate::delivery::Delivery = args(&body)?;
    let data = app.config.data.clone();
    let done = blocking(&app, move |store| {
        // The batch is recorded as scanned by the operator the workstation names when
        // Pli knows them as such; else by the account that delivers it.
        let known = store.viewer(&delivery.operator).is_ok_and(|v| v.has(Role::Operator) || v.has(Role::Lead));
        if !known {
            delivery.operator = s.viewer.login.clone();
        }
        crate::delivery::commit(store, &data, &capture_id, &delivery, &s.viewer.login)
    })
    .await?;
    json(done)
}

// ---------------------------------------------------------------------------------------
// Operations.

async fn healthz(State(app): State<Arc<App>>) -> Response {
    let data = app.config.data.clone();
    let database = blocking(&app, |store| store.has_accounts().map(drop).map_err(say)).await;
    let folder = tokio::task::spawn_blocking(move || crate::check_documents_folder(&data))
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
    let body = serde_json::json!({
        "database": database.as_ref().map(|_| "ok".to_string()).unwrap_or_else(|r| r.failure.message.clone()),
        "documents": folder.as_ref().map(|_| "ok".to_string()).unwrap_or_else(|e| e.clone()),
    });
    let status = if database.is_ok() && folder.is_ok() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(body)).into_response()
}

async fn metrics(State(app): State<Arc<App>>, ConnectInfo(peer): ConnectInfo<SocketAddr>) -> Response {
    // Not the browsers': what the server is doing is for those who run it.
    if !app.config.metrics_from.contains(&peer.ip()) {
        return Refusal::new(StatusCode::FORBIDDEN, ErrorKind::Refused, "métriques réservées à l'exploitation")
            .into_response();
    }
    let limits = app.config.session_limits();
    let sessions = blocking(&app, move |store| store.web_sessions(&limits).map(|s| s.len()).map_err(say)).await.ok();
    let mut r = app.metrics.render(sessions).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4"));
    r
}
