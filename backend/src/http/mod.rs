//! The HTTP layer: the JSON API under `/api/v1`, the browser UI, one `AppError`, shared
//! middleware. The only module that knows axum, askama and cookies.

pub mod api;
mod error;
mod extract;
mod headers;
pub mod ratelimit;
mod upload;
pub mod web;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, Request, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tower::ServiceBuilder;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use error::{AppError, HtmlError, Problem};

use crate::config::Config;
use crate::service::Letterbox;

/// The application state every handler gets: cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    pub letterbox: Arc<Letterbox>,
    /// Request counters of the API's per-user and per-token limits.
    pub limits: Arc<ratelimit::RateLimiter>,
}

impl AppState {
    /// Wraps the service core for the handlers.
    pub fn new(letterbox: Arc<Letterbox>) -> Self {
        let limits =
            Arc::new(ratelimit::RateLimiter::new(letterbox.config.rate_limit_per_minute, letterbox.config.token_rate_limit_per_minute));
        Self { letterbox, limits }
    }

    /// The configuration (one copy, inside the service core).
    pub fn config(&self) -> &Config {
        &self.letterbox.config
    }
}

const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The whole application as a router: API, web UI, static files and middleware.
pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request<_>| {
            let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            // The path only: query strings may carry things that do not belong in logs.
            tracing::info_span!("request", id = %id, method = %request.method(), path = %request.uri().path())
        })
        .on_request(())
        .on_response(DefaultOnResponse::new().level(Level::INFO));
    let message_body_limit = message_body_limit(state.config());
    let hsts = headers::hsts(state.config());
    let mut stack = Router::new()
        .merge(api::router(message_body_limit))
        .merge(web::router(message_body_limit))
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .fallback(fallback)
        .with_state(state)
        // The request's language for pages rendered without an extractor (the HTML error page).
        .layer(axum::middleware::from_fn(web::i18n::with_request_lang))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::GATEWAY_TIMEOUT, Duration::from_secs(120)));
    for (name, value) in headers::security_headers().into_iter().chain(hsts) {
        stack = stack.layer(SetResponseHeaderLayer::if_not_present(name, value));
    }
    stack.layer(
        ServiceBuilder::new()
            // gzip or brotli as the client accepts; the default predicate leaves event streams,
            // images and tiny bodies alone.
            .layer(tower_http::compression::CompressionLayer::new())
            // A client's id reaches logs and pages only if it is short and plain.
            .layer(axum::middleware::map_request(headers::drop_unplain_request_id))
            .layer(SetRequestIdLayer::new(request_id.clone(), headers::RandomRequestId))
            .layer(trace)
            .layer(PropagateRequestIdLayer::new(request_id)),
    )
}

/// Body limit for requests that carry a whole message: the attachments (base64 in JSON is
/// 4/3 of their size) plus room for text and form fields.
pub fn message_body_limit(config: &Config) -> usize {
    config.max_attachment_bytes / 3 * 4 + 4 * 1024 * 1024
}

async fn fallback(uri: Uri) -> Response {
    let error = AppError::not_found(format!("nothing at {}", uri.path()));
    if uri.path().starts_with("/api/") { error.into_response() } else { error.into_html() }
}
