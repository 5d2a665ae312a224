//! The browser UI: server-rendered pages and plain HTML forms, with CSRF tokens on every form.

mod assets;
mod login;
mod mail;
mod session;
pub mod templates;

use axum::Router;
use axum::routing::{get, post};

use super::AppState;

/// The browser routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(mail::home))
        .route("/login", get(login::login_form).post(login::login_submit))
        .route("/logout", post(login::logout))
        .route("/mail/{mailbox}", get(mail::mailbox_page))
        .route("/static/{file}", get(assets::static_file))
}
