//! `pli serve` under load, on loopback: a registry of synthetic courriers on PostgreSQL,
//! the server in this process (its own tokio runtime), and closed-loop sessions, each a
//! tokio task with its own keep-alive HTTP/1.1 connection and its own signed-in session,
//! doing a referent's mix (no think time unless `PLI_LOAD_THINK_MS` says how long a
//! person reads between two requests, on average): basket list 60 %, open a courrier with its
//! first page image 25 % (`courrier`, then `GET /img/page/<id>/0`), search 10 %, act 5 %
//! (annotate; take and close on courriers of one's direction). p50/p95/p99 per kind and
//! overall, requests per second, errors. Figures, not pass/fail.
//!
//! `pg_virtualenv -t -v 15 cargo bench -p pli-server --bench load`; the full size:
//! `PLI_LOAD_COURRIERS=1000000 PLI_LOAD_SESSIONS=200 PLI_LOAD_SECONDS=60`. Without a
//! PostgreSQL server a notice is printed and nothing is measured.
//!
//! Baseline in the same run, before the load: every kind of request alone (one session,
//! one request at a time), a static file (no database), and the same basket through
//! `Store::basket` without HTTP.
//!
//! The registry is seeded in SQL by the bench's own connections (`Site::raw`), not
//! through Pli: one `INSERT … SELECT generate_series` per table. The events seeded are
//! not a valid chain (nothing here verifies it); the server's own events chain on.

use pli_capture::pdf::{PdfInfo, PdfPage, write_searchable_pdf};
use pli_capture::{EmbeddedImage, Rotation};
use pli_core::capture::Actor;
use pli_server::{App, ServerConfig};
use pli_store::Session;
use pli_store::org::{OrganisationSheets, Sheet};
use pli_store::testing::{Engine, Site, postgres_server};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const DIRECTIONS: usize = 40;
const REFERENTS: usize = 40;
const OPERATORS: usize = 5;
const LEADS: usize = 3;
const USERS: usize = 735;
const DOCUMENTS: usize = 6;
const PASSWORD: &str = "motdepasse-charge";
/// The courriers of the mail room, not yet registered.
const TO_QUALIFY: usize = 200;
/// The working baskets of a referent (« Traités », every closed courrier of the
/// direction, is left out: see docs/benchmarks.md).
const BASKETS: [&str; 4] = ["À traiter", "En cours", "En retard", "En copie"];
const WORDS: usize = 5_000;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A small deterministic generator (xorshift), so runs are comparable.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Zipf-like: small indices much more frequent, as in real text.
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        ((n as f64).powf(u) as usize).saturating_sub(1).min(n - 1)
    }
}

/// Letters only (nothing to quote in SQL): a few common words, then made-up ones.
fn vocabulary() -> Vec<String> {
    let common = "demande courrier madame monsieur objet référence dossier service direction agence santé \
        établissement hôpital patient médecin réponse date suite votre notre veuillez agréer salutations \
        copie pièce jointe subvention autorisation contrôle inspection rapport plainte réclamation facture \
        paiement budget";
    let mut words: Vec<String> = common.split_whitespace().map(String::from).collect();
    let syllables = [
        "ca", "pi", "tal", "ré", "gion", "al", "mé", "di", "co", "so", "cial", "ter", "ri", "toi", "re", "ad", "mi",
        "nis", "tra", "tif", "pré", "fec", "ture", "com", "mu", "ne", "dé", "par", "te", "ment",
    ];
    let mut rng = Rng(0x9E3779B97F4A7C15);
    while words.len() < WORDS {
        let n = 2 + rng.below(3);
        words.push((0..n).map(|_| syllables[rng.below(syllables.len())]).collect());
    }
    words
}

// ---------------------------------------------------------------------------------------
// The registry.

fn raw(site: &Site, sql: &str) {
    let t = Instant::now();
    site.raw(sql).unwrap_or_else(|e| panic!("{e}\n{sql}"));
    let first = sql.split_whitespace().take(4).collect::<Vec<_>>().join(" ");
    eprintln!("  {first} … {:.1} s", t.elapsed().as_secs_f64());
}

/// Directions, users (one argon2 hash for all), courriers with their page, text, copies
/// and an event each, contacts; the document files many courriers point at.
fn seed(site: &Site, n: usize) {
    let t = Instant::now();
    let mut store = site.open();
    let mut directions = String::from("code;nom;parent;actif\nDG;Direction générale;;oui\n");
    for d in 1..=DIRECTIONS {
        directions.push_str(&format!("D{d:02};Direction {d};DG;oui\n"));
    }
    // One user through Pli (its password hashed once), the others copy the hash.
    let users = format!("identifiant;nom;roles;actif;mot_de_passe\nref01;Référent 1;référent:D01;oui;{PASSWORD}\n");
    let sheet = |name: &str, text: String| Some(Sheet { name: name.into(), text });
    let sheets = OrganisationSheets {
        directions: sheet("directions.csv", directions),
        users: sheet("utilisateurs.csv", users),
        document_types: sheet("types.csv", "code;nom;delai_jours;npai\nCOUR;Courrier;30;non\n".into()),
    };
    store.import_organisation(&sheets, &Actor { login: "admin".into(), workstation: "bench".into() }).unwrap();
    drop(store);

    // Users: 40 referents (one per direction), operators, leads, the rest agents.
    let agents = USERS - REFERENTS - OPERATORS - LEADS;
    raw(
        site,
        &format!(
            "INSERT INTO app_user (login, display_name, password_hash)
               SELECT login, login, (SELECT password_hash FROM app_user WHERE login = 'ref01')
               FROM (SELECT 'ref' || lpad(g::text, 2, '0') AS login FROM generate_series(2, {REFERENTS}) g
                     UNION ALL SELECT 'op' || g FROM generate_series(1, {OPERATORS}) g
                     UNION ALL SELECT 'pilote' || g FROM generate_series(1, {LEADS}) g
                     UNION ALL SELECT 'agent' || lpad(g::text, 3, '0') FROM generate_series(1, {agents}) g) l;
             INSERT INTO user_role (user_id, role, direction_id)
               SELECT u.id, 'referent', d.id FROM app_user u JOIN direction d ON d.code = 'D' || substr(u.login, 4)
               WHERE u.login LIKE 'ref%' AND u.login != 'ref01';
             INSERT INTO user_role (user_id, role, direction_id)
               SELECT u.id, 'agent', d.id FROM app_user u
               JOIN direction d ON d.code = 'D' || lpad((1 + substr(u.login, 6)::int % {DIRECTIONS})::text, 2, '0')
               WHERE u.login LIKE 'agent%';
             INSERT INTO user_role (user_id, role) SELECT id, 'operator' FROM app_user WHERE login LIKE 'op%';
             INSERT INTO user_role (user_id, role) SELECT id, 'lead' FROM app_user WHERE login LIKE 'pilote%';"
        ),
    );
    let words = vocabulary();
    let list = words.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(",");
    raw(
        site,
        &format!(
            "CREATE TABLE bench_word (i INT PRIMARY KEY, w TEXT NOT NULL);
             INSERT INTO bench_word SELECT i - 1, w FROM unnest(ARRAY[{list}]) WITH ORDINALITY AS t(w, i);
             INSERT INTO contact (kind, name, organisation, city, match_key, created_at)
               SELECT 'organisation', 'Expéditeur ' || g, 'Organisme ' || (g % 300), 'Ville ' || (g % 90),
                      'expediteur ' || g, '2016-01-01T00:00:00Z' FROM generate_series(1, 5000) g;
             INSERT INTO batch (id, source_path, content_hash, profile, page_count, folder, ingested_at)
               SELECT g, '/scan/lot' || g || '.pdf', 'h' || g, 'generic-pdf', 100, 'lots/' || g, '2016-01-01T00:00:00Z'
               FROM generate_series(1, {batches}) g;",
            batches = n.div_ceil(100)
        ),
    );
    // The newest courriers are the open ones: 1.5 % of the registry (to process 40 %,
    // in progress 60 %), the mail room's last 200 not yet registered; the others closed.
    // Arrival over ten years, due 30 days later (the open ones of the last weeks: some
    // late); one in 31 confidential, one in 10 with a copy to another direction (spread over
    // all of them, never its own).
    let open = (n * 15 / 1000).max(DIRECTIONS * 4);
    let registered = n.saturating_sub(TO_QUALIFY);
    let first_open = registered.saturating_sub(open);
    raw(
        site,
        &format!(
            "SET maintenance_work_mem = '512MB';
             DROP INDEX courrier_text_tsv_readers;
             CREATE TABLE bench_courrier AS
               SELECT g AS id,
                      CASE WHEN g > {registered} THEN 'to_qualify'
                           WHEN g > {first_open} AND g % 5 < 2 THEN 'to_process'
                           WHEN g > {first_open} THEN 'in_progress'
                           ELSE 'closed' END AS state,
                      (SELECT id FROM direction WHERE code = 'D' || lpad((1 + g * 7 % {DIRECTIONS})::text, 2, '0')) AS main,
                      (DATE '2026-11-30' - (({n} - g) * 3650 / {n})::int) AS arrival
               FROM generate_series(1, {n}::bigint) g;
             INSERT INTO courrier (id, batch_id, seq_in_batch, state, pdf_path, created_at, document_type_id, sender_id,
                                   subject, arrival_date, priority, confidential, main_direction_id, chrono,
                                   registered_at, due_date, closed_at)
               SELECT b.id, (b.id - 1) / 100 + 1, (b.id - 1) % 100, b.state,
                      'docs/' || (b.id % {DOCUMENTS}) || '/courrier.pdf', b.arrival || 'T08:00:00Z',
                      CASE WHEN b.state = 'to_qualify' THEN NULL ELSE (SELECT id FROM document_type WHERE code = 'COUR') END,
                      CASE WHEN b.state = 'to_qualify' THEN NULL ELSE 1 + b.id % 5000 END,
                      CASE WHEN b.state = 'to_qualify' THEN NULL ELSE 'Objet du courrier ' || b.id END,
                      CASE WHEN b.state = 'to_qualify' THEN NULL ELSE b.arrival::text END,
                      CASE WHEN b.id % 50 = 0 THEN 'urgent' ELSE 'normal' END,
                      CASE WHEN b.id % 31 = 0 THEN 1 ELSE 0 END,
                      CASE WHEN b.state = 'to_qualify' THEN NULL ELSE b.main END,
                      CASE WHEN b.state = 'to_qualify' THEN NULL ELSE 'B-' || b.id END,
                      CASE WHEN b.state = 'to_qualify' THEN NULL ELSE b.arrival || 'T10:00:00Z' END,
                      CASE WHEN b.state = 'to_qualify' THEN NULL ELSE (b.arrival + 30)::text END,
                      CASE WHEN b.state = 'closed' THEN (b.arrival + 20) || 'T16:00:00Z' END
               FROM bench_courrier b;
             INSERT INTO courrier_copy (courrier_id, direction_id)
               SELECT b.id, (SELECT id FROM direction WHERE code = 'D' || lpad((1 + (b.id * 7 % {DIRECTIONS} + 1 + b.id / 10 % ({DIRECTIONS} - 1)) % {DIRECTIONS})::text, 2, '0'))
               FROM bench_courrier b WHERE b.id % 10 = 0 AND b.state != 'to_qualify';
             INSERT INTO courrier_page (courrier_id, position, source_index, rotation, ocr_confidence, thumbnail_path)
               SELECT id, 0, (id - 1) % 100, 0, 90.0, 'docs/' || (id % {DOCUMENTS}) || '/p0.jpg' FROM bench_courrier;
             INSERT INTO event (id, at, actor, workstation, kind, courrier_id, data, prev_hash, hash)
               SELECT id + (SELECT max(id) FROM event), arrival || 'T10:00:00Z', 'op1', 'bench', 'courrier_captured', id, '{{}}', 'seed', 'seed'
               FROM bench_courrier;
             SELECT setval(pg_get_serial_sequence('courrier', 'id'), {n});
             SELECT setval(pg_get_serial_sequence('batch', 'id'), {batches});",
            batches = n.div_ceil(100)
        ),
    );
    // Texts: 12–27 words each, Zipf over the vocabulary (a hash of the id and the word's
    // place, so the same in every run).
    raw(
        site,
        &format!(
            "INSERT INTO courrier_text (rowid, text)
               SELECT b.id, (SELECT string_agg(w.w, ' ' ORDER BY k.k) FROM generate_series(1, 12 + b.id % 16) k(k)
                             JOIN bench_word w ON w.i = least({WORDS} - 1, floor(power({WORDS}::float8,
                                  ((hashint8(b.id * 64 + k.k) & 1048575)::float8 / 1048576.0)))::int - 1))
               FROM bench_courrier b;
             CREATE INDEX courrier_text_tsv_readers ON courrier_text USING gin (tsv, readers);
             DROP TABLE bench_courrier; DROP TABLE bench_word;"
        ),
    );
    raw(site, "VACUUM ANALYZE");
    documents(site);
    println!(
        "seeded: {n} courriers ({} open, {TO_QUALIFY} in the mail room), {USERS} users, {DIRECTIONS} directions, \
         {DOCUMENTS} document files: {:.0} s",
        open.min(registered),
        t.elapsed().as_secs_f64()
    );
}

/// A few real documents: an A4 page scanned at 150 dpi (grey JPEG, as most scanners
/// write them) in a searchable PDF, and its thumbnail; every courrier points at one.
fn documents(site: &Site) {
    for k in 0..DOCUMENTS {
        let pixels = image::DynamicImage::ImageLuma8(image::GrayImage::from_fn(1240, 1754, |x, y| {
            // Lines of "text": dark strokes on white, different for each document.
            let line = (y / 28) % 2 == 0 && y > 150 && y < 1600 && x > 120 && x < 1120;
            let stroke = (x / (5 + k as u32) + y / 3) % 7 < 2;
            image::Luma([if line && stroke { 40 } else { 235 }])
        }));
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80).encode_image(&pixels).unwrap();
        let embedded = EmbeddedImage {
            width: 1240,
            height: 1754,
            color: pli_capture::PdfColor::Gray,
            bits_per_component: 8,
            encoding: pli_capture::ImageEncoding::Dct,
            data: jpeg,
        };
        let folder = site.data_dir().join(format!("docs/{k}"));
        std::fs::create_dir_all(&folder).unwrap();
        let page = PdfPage { image: &embedded, dpi: 150.0, rotation: Rotation::None, words: &[] };
        let info = PdfInfo { title: format!("courrier {k}"), producer: "bench".into() };
        let mut pdf = Vec::new();
        write_searchable_pdf(&[page], &info, &mut pdf).unwrap();
        std::fs::write(folder.join("courrier.pdf"), pdf).unwrap();
        pixels.thumbnail(120, 170).save(folder.join("p0.jpg")).unwrap();
    }
}

// ---------------------------------------------------------------------------------------
// The server, in this process.

/// The server under test, on a thread of its own (stopped when dropped).
struct Server(pli_server::Running);

impl std::ops::Deref for Server {
    type Target = pli_server::Running;
    fn deref(&self) -> &pli_server::Running {
        &self.0
    }
}

impl Server {
    fn start(site: &Site, connections: usize) -> Server {
        let mut config = ServerConfig::parse(&format!("data = {:?}", site.data_dir().display().to_string())).unwrap();
        config.database = site.database_url().map(str::to_string);
        config.database_connections = connections;
        config.ui = site.data_dir().join("ui");
        std::fs::create_dir_all(&config.ui).unwrap();
        std::fs::write(config.ui.join("index.html"), "<!doctype html><title>Pli</title>").unwrap();
        Server(pli_server::Running::start(App::open(config).unwrap()).unwrap())
    }
}

// ---------------------------------------------------------------------------------------
// A browser: one keep-alive connection, its cookies, the CSRF echo.

/// Any request longer than this counts as an error (and the load stays bounded).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

struct Browser {
    address: SocketAddr,
    stream: Option<TcpStream>,
    session: Option<String>,
    csrf: String,
    buf: Vec<u8>,
}

struct Reply {
    status: u16,
    body: Vec<u8>,
}

impl Browser {
    fn new(address: SocketAddr, csrf: String) -> Browser {
        Browser { address, stream: None, session: None, csrf, buf: Vec::new() }
    }

    async fn send(&mut self, method: &str, path: &str, body: &str) -> Result<Reply, String> {
        match tokio::time::timeout(REQUEST_TIMEOUT, self.exchange(method, path, body)).await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => {
                self.stream = None;
                Err(e)
            }
            Err(_) => {
                self.stream = None;
                Err("timeout".into())
            }
        }
    }

    async fn exchange(&mut self, method: &str, path: &str, body: &str) -> Result<Reply, String> {
        if self.stream.is_none() {
            let s = TcpStream::connect(self.address).await.map_err(|e| e.to_string())?;
            s.set_nodelay(true).map_err(|e| e.to_string())?;
            self.stream = Some(s);
            self.buf.clear();
        }
        let mut cookies = format!("pli_csrf={}", self.csrf);
        if let Some(s) = &self.session {
            cookies.push_str(&format!("; pli_session={s}"));
        }
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nCookie: {cookies}\r\nX-Pli-Csrf: {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.csrf,
            body.len()
        );
        let stream = self.stream.as_mut().expect("connected above");
        stream.write_all(request.as_bytes()).await.map_err(|e| e.to_string())?;
        // The head, then a body by Content-Length or chunks.
        let head_end = loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break end;
            }
            read_more(stream, &mut self.buf).await?;
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).to_string();
        let mut lines = head.split("\r\n");
        let status: u16 =
            lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).ok_or("bad status line")?;
        let (mut length, mut chunked, mut close) = (None, false, false);
        for line in lines {
            let Some((k, v)) = line.split_once(':') else { continue };
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            match k.as_str() {
                "content-length" => length = v.parse::<usize>().ok(),
                "transfer-encoding" => chunked = v.contains("chunked"),
                "connection" => close = v.eq_ignore_ascii_case("close"),
                "set-cookie" => {
                    let pair = v.split(';').next().unwrap_or("");
                    if let Some((name, value)) = pair.split_once('=') {
                        match name {
                            "pli_session" => self.session = (!value.is_empty()).then(|| value.to_string()),
                            "pli_csrf" if !value.is_empty() => self.csrf = value.to_string(),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        self.buf.drain(..head_end + 4);
        let body = if chunked {
            let mut out = Vec::new();
            loop {
                let eol = loop {
                    if let Some(p) = self.buf.windows(2).position(|w| w == b"\r\n") {
                        break p;
                    }
                    read_more(stream, &mut self.buf).await?;
                };
                let size = usize::from_str_radix(String::from_utf8_lossy(&self.buf[..eol]).trim(), 16)
                    .map_err(|e| e.to_string())?;
                while self.buf.len() < eol + 2 + size + 2 {
                    read_more(stream, &mut self.buf).await?;
                }
                out.extend_from_slice(&self.buf[eol + 2..eol + 2 + size]);
                self.buf.drain(..eol + 2 + size + 2);
                if size == 0 {
                    break out;
                }
            }
        } else {
            let length = length.unwrap_or(0);
            while self.buf.len() < length {
                read_more(stream, &mut self.buf).await?;
            }
            self.buf.drain(..length).collect()
        };
        if close {
            self.stream = None;
        }
        Ok(Reply { status, body })
    }

    async fn call(&mut self, command: &str, args: &serde_json::Value) -> Result<Reply, String> {
        self.send("POST", &format!("/api/{command}"), &args.to_string()).await
    }
}

async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<(), String> {
    let mut chunk = [0u8; 64 * 1024];
    let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
    if n == 0 {
        return Err("connection closed".into());
    }
    buf.extend_from_slice(&chunk[..n]);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// What is measured.

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    Basket,
    Courrier,
    PageImage,
    Search,
    Act,
    /// `courrier` then its page image, end to end (not counted again in the overall).
    Open,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Basket => "basket list",
            Kind::Courrier => "courrier (record)",
            Kind::PageImage => "page image",
            Kind::Search => "search",
            Kind::Act => "act",
            Kind::Open => "open = courrier + image",
        }
    }
}

#[derive(Default)]
struct Tally {
    latencies: BTreeMap<Kind, Vec<f64>>,
    errors: BTreeMap<Kind, usize>,
    /// The first few errors, to be read.
    examples: Vec<String>,
}

impl Tally {
    fn add(&mut self, kind: Kind, started: Instant, result: &Result<Reply, String>) -> bool {
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        self.latencies.entry(kind).or_default().push(ms);
        let problem = match result {
            Ok(r) if (200..300).contains(&r.status) => return true,
            Ok(r) => format!("{} {}", r.status, String::from_utf8_lossy(&r.body)),
            Err(e) => e.clone(),
        };
        *self.errors.entry(kind).or_default() += 1;
        if self.examples.len() < 10 {
            self.examples.push(format!("{}: {problem}", kind.label()));
        }
        false
    }

    fn merge(&mut self, other: Tally) {
        for (k, v) in other.latencies {
            self.latencies.entry(k).or_default().extend(v);
        }
        for (k, v) in other.errors {
            *self.errors.entry(k).or_default() += v;
        }
        self.examples.extend(other.examples.into_iter().take(10usize.saturating_sub(self.examples.len())));
    }
}

struct Stats {
    count: usize,
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
}

fn stats(values: &[f64]) -> Stats {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if v.is_empty() {
        return Stats { count: 0, p50: f64::NAN, p95: f64::NAN, p99: f64::NAN, max: f64::NAN };
    }
    let pct = |p: f64| v[((v.len() as f64 * p) as usize).min(v.len() - 1)];
    Stats { count: v.len(), p50: pct(0.5), p95: pct(0.95), p99: pct(0.99), max: v[v.len() - 1] }
}

// ---------------------------------------------------------------------------------------
// A referent's session.

/// What a session has seen of its baskets: courriers to open, and those of its own
/// share (`id % share == slot`) to take or close, so that two sessions of one referent
/// never act on the same courrier.
struct Referent {
    browser: Browser,
    rng: Rng,
    seen: Vec<i64>,
    to_take: Vec<i64>,
    to_close: Vec<i64>,
    share: i64,
    slot: i64,
    words: Arc<Vec<String>>,
}

impl Referent {
    async fn basket(&mut self, tally: &mut Tally, name: &str) {
        let t = Instant::now();
        let r = self.browser.call("basket", &serde_json::json!({ "name": name })).await;
        if tally.add(Kind::Basket, t, &r) {
            let rows: Vec<serde_json::Value> = serde_json::from_slice(&r.unwrap().body).unwrap_or_default();
            let ids: Vec<i64> = rows.iter().filter_map(|row| row["id"].as_i64()).collect();
            let mine = |ids: &[i64]| ids.iter().copied().filter(|id| id % self.share == self.slot).collect();
            match name {
                "À traiter" => self.to_take = mine(&ids),
                "En cours" => self.to_close = mine(&ids),
                _ => {}
            }
            if !ids.is_empty() {
                self.seen = ids;
            }
        }
    }

    fn pick(&mut self) -> Option<i64> {
        (!self.seen.is_empty()).then(|| self.seen[self.rng.below(self.seen.len())])
    }

    fn query(&mut self) -> String {
        // A frequent word with a rarer one, as people search.
        let a = &self.words[self.rng.zipf(300)];
        let b = &self.words[self.rng.zipf(self.words.len())];
        format!("{a} {b}")
    }

    /// One step of the mix.
    async fn step(&mut self, tally: &mut Tally) {
        let r = self.rng.below(100);
        if r < 60 || self.seen.is_empty() {
            let name = BASKETS[self.rng.below(BASKETS.len())];
            self.basket(tally, name).await;
        } else if r < 85 {
            let Some(id) = self.pick() else { return };
            let t = Instant::now();
            let rec = self.browser.call("courrier", &serde_json::json!({ "id": id })).await;
            if tally.add(Kind::Courrier, t, &rec) {
                let ti = Instant::now();
                let img = self.browser.send("GET", &format!("/img/page/{id}/0"), "").await;
                let ok = tally.add(Kind::PageImage, ti, &img);
                if ok {
                    tally.latencies.entry(Kind::Open).or_default().push(t.elapsed().as_secs_f64() * 1000.0);
                }
            }
        } else if r < 95 {
            let query = self.query();
            let t = Instant::now();
            let r = self.browser.call("search", &serde_json::json!({ "query": query, "filters": {} })).await;
            tally.add(Kind::Search, t, &r);
        } else {
            let a = self.rng.below(100);
            let (id, act) = if a < 20 && !self.to_take.is_empty() {
                (self.to_take.pop().unwrap(), serde_json::json!({ "act": "take" }))
            } else if a < 40 && !self.to_close.is_empty() {
                (self.to_close.pop().unwrap(), serde_json::json!({ "act": "close", "note": "réponse envoyée" }))
            } else {
                let Some(id) = self.pick() else { return };
                (id, serde_json::json!({ "act": "annotate", "note": "vu, à suivre" }))
            };
            let t = Instant::now();
            let r = self.browser.call("act", &serde_json::json!({ "id": id, "act": act })).await;
            tally.add(Kind::Act, t, &r);
        }
    }
}

fn referent_login(i: usize) -> String {
    format!("ref{:02}", 1 + i % REFERENTS)
}

async fn sign_in(address: SocketAddr, i: usize) -> Result<Browser, String> {
    let mut b = Browser::new(address, format!("csrf-avant-connexion-{i}"));
    let r = b.call("sign_in", &serde_json::json!({ "login": referent_login(i), "password": PASSWORD })).await?;
    if r.status != 200 || b.session.is_none() {
        return Err(format!("sign-in {}: {} {}", referent_login(i), r.status, String::from_utf8_lossy(&r.body)));
    }
    Ok(b)
}

/// The load: `sessions` signed in first, then each a closed loop until `seconds` have
/// passed (a request under way then is finished and counted).
/// With `think_ms`, each session waits between two requests as a person reading would
/// (uniformly 0 to twice that, so `think_ms` on average); 0 is a saturation test.
fn load(
    address: SocketAddr,
    sessions: usize,
    seconds: u64,
    think_ms: u64,
    words: Arc<Vec<String>>,
) -> (Tally, f64, f64) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async move {
        let t = Instant::now();
        let signing: Vec<_> = (0..sessions).map(|i| tokio::spawn(sign_in(address, i))).collect();
        let mut browsers = Vec::new();
        for s in signing {
            browsers.push(s.await.unwrap().unwrap_or_else(|e| panic!("{e}")));
        }
        let signed_in = t.elapsed().as_secs_f64();
        let share = sessions.div_ceil(REFERENTS) as i64;
        let started = Instant::now();
        let deadline = started + Duration::from_secs(seconds);
        let tasks: Vec<_> = browsers
            .into_iter()
            .enumerate()
            .map(|(i, browser)| {
                let mut r = Referent {
                    browser,
                    rng: Rng(0x2545F4914F6CDD1D ^ (i as u64 + 1).wrapping_mul(0x9E3779B97F4A7C15)),
                    seen: Vec::new(),
                    to_take: Vec::new(),
                    to_close: Vec::new(),
                    share,
                    slot: (i / REFERENTS) as i64,
                    words: words.clone(),
                };
                tokio::spawn(async move {
                    let mut tally = Tally::default();
                    while Instant::now() < deadline {
                        r.step(&mut tally).await;
                        if think_ms > 0 {
                            let pause = r.rng.next() % (2 * think_ms + 1);
                            tokio::time::sleep(Duration::from_millis(pause)).await;
                        }
                    }
                    tally
                })
            })
            .collect();
        let mut all = Tally::default();
        for task in tasks {
            all.merge(task.await.unwrap());
        }
        (all, started.elapsed().as_secs_f64(), signed_in)
    })
}

/// Each kind alone: one session, one request at a time, `n` of each.
fn alone(address: SocketAddr, n: usize, words: Arc<Vec<String>>) -> Tally {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async move {
        let browser = sign_in(address, REFERENTS - 1).await.unwrap();
        let mut r = Referent {
            browser,
            rng: Rng(7),
            seen: Vec::new(),
            to_take: Vec::new(),
            to_close: Vec::new(),
            share: 1_000_000,
            slot: -1, // takes and closes nothing: the load's courriers stay as they are
            words,
        };
        let mut tally = Tally::default();
        for i in 0..n {
            r.basket(&mut tally, BASKETS[i % BASKETS.len()]).await;
        }
        r.basket(&mut tally, "En cours").await;
        for _ in 0..n {
            let id = r.pick().unwrap();
            let t = Instant::now();
            let rec = r.browser.call("courrier", &serde_json::json!({ "id": id })).await;
            tally.add(Kind::Courrier, t, &rec);
            let ti = Instant::now();
            let img = r.browser.send("GET", &format!("/img/page/{id}/0"), "").await;
            tally.add(Kind::PageImage, ti, &img);
            tally.latencies.entry(Kind::Open).or_default().push(t.elapsed().as_secs_f64() * 1000.0);
        }
        for _ in 0..n {
            let query = r.query();
            let t = Instant::now();
            let res = r.browser.call("search", &serde_json::json!({ "query": query, "filters": {} })).await;
            tally.add(Kind::Search, t, &res);
        }
        for _ in 0..n {
            let id = r.pick().unwrap();
            let t = Instant::now();
            let act = serde_json::json!({ "id": id, "act": { "act": "annotate", "note": "vu" } });
            let res = r.browser.call("act", &act).await;
            tally.add(Kind::Act, t, &res);
        }
        // The floor: a static file, no database, no session.
        let mut floor = Vec::new();
        for _ in 0..n {
            let t = Instant::now();
            let res = r.browser.send("GET", "/", "").await;
            assert!(matches!(&res, Ok(r) if r.status == 200), "GET /");
            floor.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        STATIC_FLOOR.lock().unwrap().extend(floor);
        tally
    })
}

/// Where PostgreSQL's time went during the load (sign-ins included), by statement.
fn top_statements(site: &Site) {
    let rows = site
        .raw(
            "SELECT round(total_exec_time)::text, calls::text, round(mean_exec_time::numeric, 2)::text,
                    round((100 * total_exec_time / sum(total_exec_time) OVER ())::numeric, 1)::text,
                    regexp_replace(left(query, 110), '\\s+', ' ', 'g')
             FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
             ORDER BY total_exec_time DESC LIMIT 12",
        )
        .unwrap_or_default();
    println!();
    println!("PostgreSQL, time per statement during the load (pg_stat_statements):");
    println!("| total ms | calls | mean ms | share | statement |");
    println!("|---|---|---|---|---|");
    for r in rows {
        println!("| {} | {} | {} | {} % | `{}` |", r[0], r[1], r[2], r[3], r[4].replace('|', "\\|"));
    }
}

static STATIC_FLOOR: Mutex<Vec<f64>> = Mutex::new(Vec::new());

/// The same basket through the store, no HTTP, no session check: what the SQL costs.
fn direct_basket(site: &Site, n: usize) -> (Stats, usize) {
    let store = site.open();
    let s = Session { viewer: store.viewer(&referent_login(0)).unwrap(), workstation: "bench".into() };
    let mut ms = Vec::new();
    let mut rows = 0;
    for i in 0..n {
        let t = Instant::now();
        rows += store.basket(&s, BASKETS[i % BASKETS.len()]).unwrap().len();
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    (stats(&ms), rows / n.max(1))
}

/// The machine's 1-minute load average: other processes share the 2 cores.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split(' ').next().map(str::to_string))
        .unwrap_or_default()
}

fn main() {
    let courriers = env("PLI_LOAD_COURRIERS", 50_000);
    let sessions = env("PLI_LOAD_SESSIONS", 50);
    let seconds = env("PLI_LOAD_SECONDS", 15) as u64;
    let connections = env("PLI_LOAD_DB_CONNECTIONS", 16);
    let think_ms = env("PLI_LOAD_THINK_MS", 0) as u64;
    if postgres_server().is_none() {
        println!("no PostgreSQL server: run inside `pg_virtualenv -t -v 15` to measure `pli serve` under load");
        return;
    }
    let site = Site::new(Engine::Postgres).unwrap();
    seed(&site, courriers);
    let server = Server::start(&site, connections);
    let words = Arc::new(vocabulary());

    let n = 100;
    let (direct, rows) = direct_basket(&site, n);
    let solo = alone(server.address, n, words.clone());
    let floor = stats(&STATIC_FLOOR.lock().unwrap());
    println!(
        "baseline, one request at a time: GET / (static, no database) p50 {:.2} ms; Store::basket without HTTP \
         p50 {:.2} ms p95 {:.2} ms ({rows} rows on average)",
        floor.p50, direct.p50, direct.p95
    );
    if !solo.errors.is_empty() {
        println!("errors alone: {:?} {:?}", solo.errors, solo.examples);
    }

    let thinking = match think_ms {
        0 => "without think time".to_string(),
        ms => format!("with {ms} ms of think time on average"),
    };
    println!(
        "load: {sessions} sessions (referents), {seconds} s, closed loop {thinking}, \
         {connections} database connections, {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let before = loadavg();
    let statements =
        site.raw("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()").is_ok();
    let (tally, elapsed, signed_in) = load(server.address, sessions, seconds, think_ms, words);
    println!("{sessions} sign-ins (argon2): {signed_in:.1} s");
    println!("machine load average (1 min) before the load {before}, after it {}", loadavg());
    let requests: usize =
        tally.latencies.iter().filter(|(k, _)| **k != Kind::Open).map(|(_, v)| v.len()).sum::<usize>();
    let errors: usize = tally.errors.values().sum();
    println!();
    println!("| kind | requests | errors | p50 ms | p95 ms | p99 ms | max ms | alone p50 ms | p95 / alone p50 |");
    println!("|---|---|---|---|---|---|---|---|---|");
    let row = |label: &str, s: &Stats, errors: usize, alone: Option<&Stats>| {
        let (a, ratio) = match alone {
            Some(a) => (format!("{:.1}", a.p50), format!("{:.1}×", s.p95 / a.p50)),
            None => ("".into(), "".into()),
        };
        println!(
            "| {label} | {} | {errors} | {:.1} | {:.1} | {:.1} | {:.1} | {a} | {ratio} |",
            s.count, s.p50, s.p95, s.p99, s.max
        );
    };
    for (kind, values) in &tally.latencies {
        let alone = solo.latencies.get(kind).map(|v| stats(v));
        row(kind.label(), &stats(values), tally.errors.get(kind).copied().unwrap_or(0), alone.as_ref());
    }
    let overall: Vec<f64> =
        tally.latencies.iter().filter(|(k, _)| **k != Kind::Open).flat_map(|(_, v)| v.iter().copied()).collect();
    let solo_overall: Vec<f64> =
        solo.latencies.iter().filter(|(k, _)| **k != Kind::Open).flat_map(|(_, v)| v.iter().copied()).collect();
    row("**overall**", &stats(&overall), errors, Some(&stats(&solo_overall)));
    println!();
    let o = stats(&overall);
    println!(
        "{requests} requests in {elapsed:.1} s: {:.0} requests/s; {errors} errors; overall p95 {:.1} ms (target < 100 ms: {})",
        requests as f64 / elapsed,
        o.p95,
        if o.p95 < 100.0 && errors == 0 { "met" } else { "NOT met" }
    );
    println!("p95 under load / GET / alone p50: {:.0}×", o.p95 / floor.p50);
    for e in &tally.examples {
        println!("error: {e}");
    }
    if statements {
        top_statements(&site);
    } else {
        println!(
            "(PostgreSQL's time per statement: run with `pg_virtualenv -o shared_preload_libraries=pg_stat_statements`)"
        );
    }
    let events = site.count("SELECT count(*) FROM event WHERE workstation LIKE 'navigateur%'");
    println!("events written by the server during the run: {events}");
    drop(server);
}
