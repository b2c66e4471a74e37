//! `pli serve`: the registry over HTTP, and the window's `ui/` served to browsers.
//!
//! - `POST /api/<command>`: the desktop's commands, by the same names and with the same
//!   JSON arguments as the window's Tauri calls (`ui/src/api.ts` picks the transport).
//!   Every one is a POST and must echo the CSRF value in `X-Pli-Csrf`.
//! - `GET /img/<kind>/<id>/<position>`, `/pdf/<id>`, `/export/activity`,
//!   `/separators.pdf`: page images, PDFs and files, for the signed-in.
//! - `GET /api/events`: server-sent events (`changed` when the registry moved on).
//! - `GET /healthz` (database reachable, documents folder writable), `GET /metrics`.
//!
//! Sessions live in the database (`pli_store::web`): several servers behind one load
//! balancer share them; nothing a request needs is only in one server's memory. The
//! store's calls block: they run on tokio's blocking threads, each with a connection of
//! its own from the [`pool`].

pub mod config;
pub mod delivery;
mod digest;
mod http;
pub mod ldap;
mod metrics;
pub mod pool;
mod resend;

pub use config::ServerConfig;
pub use http::router;

use metrics::Metrics;
use pli_store::StoreError;
use pool::Pool;
use std::net::SocketAddr;
use std::sync::Arc;

/// What every request shares.
pub struct App {
    pub config: ServerConfig,
    pool: Arc<Pool>,
    metrics: Metrics,
    /// The registry's last event id, polled once for all the live-update streams.
    head: tokio::sync::watch::Sender<i64>,
    /// Turns to render a page image (about 100 ms of a core for a scanned A4 page): no
    /// more renders at once than cores, so that under load they do not crowd out the
    /// other requests and the writer holding the registry's lock (docs/benchmarks.md,
    /// "pli serve under load").
    renders: tokio::sync::Semaphore,
    /// A pass sending e-mail acknowledgements is running (one at a time).
    sending: std::sync::atomic::AtomicBool,
    /// Another pass was asked for while one ran: it runs right after (`resend::one_pass_at_a_time`).
    sending_again: std::sync::atomic::AtomicBool,
}

impl App {
    /// Opens the registry (migrating it) and checks the documents folder.
    pub fn open(config: ServerConfig) -> Result<Arc<App>, String> {
        let pool = Pool::open(config.data.clone(), config.database.clone(), config.database_connections)
            .map_err(|e: StoreError| e.to_string())?;
        check_documents_folder(&config.data)?;
        let (head, _) = tokio::sync::watch::channel(0);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let renders = tokio::sync::Semaphore::new(cores);
        Ok(Arc::new(App {
            config,
            pool,
            metrics: Metrics::default(),
            head,
            renders,
            sending: Default::default(),
            sending_again: Default::default(),
        }))
    }
}

/// The documents folder can be written to (a file created, synced and removed).
pub fn check_documents_folder(data: &std::path::Path) -> Result<(), String> {
    let probe = data.join(format!(".pli-serve-probe-{}", std::process::id()));
    let written = std::fs::write(&probe, b"pli").and_then(|_| std::fs::File::open(&probe)?.sync_all());
    let _ = std::fs::remove_file(&probe);
    written.map_err(|e| format!("dossier des documents « {} » non inscriptible : {e}", data.display()))
}

/// Serves until Ctrl-C or SIGTERM; requests in flight are finished first.
pub async fn serve(app: Arc<App>) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(app.config.listen)
        .await
        .map_err(|e| format!("écoute sur {} impossible : {e}", app.config.listen))?;
    serve_on(app, listener, shutdown_signal()).await
}

/// Serves on a listener already bound (tests bind port 0) until `stop` completes.
pub async fn serve_on(
    app: Arc<App>,
    listener: tokio::net::TcpListener,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!("pli serve à l'écoute sur http://{address}");
    let poller = tokio::spawn(http::poll_head(app.clone()));
    let digest = tokio::spawn(digest::daily(app.clone()));
    let resend = tokio::spawn(resend::acknowledgements(app.clone()));
    // No Nagle delay: a response written in two parts (a file's head, then its body)
    // would otherwise wait for the browser's delayed acknowledgement (40 ms).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp: &mut tokio::net::TcpStream| {
        let _ = tcp.set_nodelay(true);
    });
    let result = axum::serve(listener, router(app).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(stop)
        .await
        .map_err(|e| e.to_string());
    poller.abort();
    digest.abort();
    resend.abort();
    result
}

/// A server on a thread of its own, listening on a loopback port the system chose (tests,
/// benches): stopped when dropped, requests in flight finished first.
pub struct Running {
    pub address: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// Starts serving `app` on 127.0.0.1, port 0, with a runtime as `pli serve` has.
    pub fn start(app: Arc<App>) -> Result<Running, String> {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
                Ok(r) => r,
                Err(e) => return drop(tx.send(Err(e.to_string()))),
            };
            runtime.block_on(async move {
                let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
                    Ok(l) => l,
                    Err(e) => return drop(tx.send(Err(e.to_string()))),
                };
                let _ = tx.send(listener.local_addr().map_err(|e| e.to_string()));
                if let Err(e) = serve_on(app, listener, async {
                    let _ = stopped.await;
                })
                .await
                {
                    tracing::error!("pli serve s'est arrêté : {e}");
                }
            });
            // An open live-update stream must not hold the stop: the runtime goes at once.
            runtime.shutdown_timeout(std::time::Duration::from_secs(1));
        });
        let address = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .map_err(|_| "le serveur n'écoute pas".to_string())??;
        Ok(Running { address, stop: Some(stop), thread: Some(thread) })
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // The graceful stop waits for open streams; never for long.
        if let Some(t) = self.thread.take() {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while !t.is_finished() && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            if t.is_finished() {
                let _ = t.join();
            }
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
