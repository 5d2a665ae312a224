//! Letterbox: a self-hosted webmail in front of any IMAP server. The library holds every layer;
//! the `letterbox` binary only parses the command line and calls [`serve`].

pub mod auth;
pub mod config;
pub mod http;
pub mod imap;
pub mod mail;
pub mod secret;
pub mod service;
pub mod smtp;
pub mod store;

use std::sync::Arc;

use axum::Router;

pub use http::AppState;

use crate::auth::{CsrfKey, LoginThrottle, ThrottlePolicy, TokenSigner};
use crate::config::Config;
use crate::imap::{ImapConnector, ImapPool};
use crate::service::Letterbox;
use crate::store::Store;

/// Stack of every runtime thread (async workers and the blocking pool). The IMAP library parses
/// a BODYSTRUCTURE recursively, a few kilobytes of stack per level of MIME nesting, and a
/// received mail decides that nesting (Dovecot passes about a hundred levels): with the default
/// 2 MiB, listing a folder holding one deeply nested mail overflowed the stack and aborted the
/// whole process. Untouched stack costs only address space.
pub const THREAD_STACK_BYTES: usize = 16 * 1024 * 1024;

/// The multi-threaded runtime Letterbox runs on, with [`THREAD_STACK_BYTES`] per thread.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().thread_stack_size(THREAD_STACK_BYTES).build()
}

/// The application as a router, for `serve` and for tests that drive it in-process.
pub fn app(state: AppState) -> Router {
    http::router(state)
}

/// A start-up failure, printed as one line.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("LETTERBOX_DATA_DIR {path}: {reason}")]
    DataDir { path: String, reason: String },
    #[error("LETTERBOX_CA_FILE: {0}")]
    Tls(String),
    #[error("LETTERBOX_SMTP: {0}")]
    Smtp(String),
    #[error("LETTERBOX_DATABASE_URL: {0}")]
    Store(#[from] store::StoreError),
    #[error("webhooks: {0}")]
    Webhooks(String),
    #[error("LETTERBOX_LISTEN {addr}: {reason}")]
    Listen { addr: String, reason: String },
}

/// Builds the application state from a configuration: data dir, server key, database, TLS,
/// IMAP pool (with its reaper task).
pub async fn build_state(config: Config) -> Result<AppState, StartError> {
    let data_dir_error = |e: std::io::Error| StartError::DataDir { path: config.data_dir.display().to_string(), reason: e.to_string() };
    std::fs::create_dir_all(&config.data_dir).map_err(data_dir_error)?;
    let server_key = auth::load_or_create_server_key(&config.data_dir).map_err(data_dir_error)?;
    let store = Store::open(&config.database_url).await?;
    let tls = imap::client_config(config.ca_file.as_deref()).map_err(StartError::Tls)?;
    let webhooks = service::webhooks::WebhookHub::new(tls.clone(), &server_key);
    let connector = ImapConnector::new(config.imap.clone(), tls, config.imap_timeout);
    let pool = Arc::new(
        ImapPool::new(connector, config.pool_max_per_user, config.pool_idle_timeout, config.imap_timeout).with_wait(config.pool_wait),
    );
    pool.spawn_reaper();
    let smtp = config
        .smtp
        .clone()
        .map(|address| smtp::SmtpSubmitter::new(address, config.ca_file.as_deref(), config.imap_timeout))
        .transpose()
        .map_err(|e| StartError::Smtp(e.to_string()))?;
    spawn_session_purge(store.clone());
    let letterbox = Letterbox {
        store,
        pool,
        smtp,
        events: service::events::EventHub::default(),
        signer: TokenSigner::new(&server_key),
        csrf: CsrfKey::new(&server_key),
        throttle: LoginThrottle::new(ThrottlePolicy::default()),
        sort_cache: Arc::new(service::sort_cache::SortCache::new(config.sort_cache_bytes)),
        webhooks,
        config,
    };
    let letterbox = Arc::new(letterbox);
    letterbox.throttle.spawn_pruner();
    letterbox.start_webhooks().await.map_err(|e| StartError::Webhooks(e.to_string()))?;
    Ok(AppState::new(letterbox))
}

/// Deletes expired and revoked sessions and day-old idempotency keys once an hour, so the
/// tables do not grow forever.
fn spawn_session_purge(store: Store) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            ticker.tick().await;
            let now = service::now_unix();
            match store.purge_sessions(now).await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "purged old sessions"),
                Err(err) => tracing::warn!(error = %err, "could not purge old sessions"),
            }
            // Idempotency keys are promised for 24 hours.
            if let Err(err) = store.purge_idempotency_keys(now - 24 * 3600).await {
                tracing::warn!(error = %err, "could not purge old idempotency keys");
            }
        }
    });
}

/// Runs Letterbox until Ctrl-C or SIGTERM.
pub async fn serve(config: Config) -> Result<(), StartError> {
    let listen = config.listen;
    let state = build_state(config).await?;
    let listener =
        tokio::net::TcpListener::bind(listen).await.map_err(|e| StartError::Listen { addr: listen.to_string(), reason: e.to_string() })?;
    tracing::info!("Letterbox listening on http://{listen}");
    let service = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| StartError::Listen { addr: listen.to_string(), reason: e.to_string() })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
