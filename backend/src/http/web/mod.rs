//! The browser UI: server-rendered pages and plain HTML forms, with CSRF tokens on every form.

mod api_docs;
mod assets;
mod compose;
mod export;
mod folders;
pub mod i18n;
mod identities;
mod list;
mod login;
mod mail;
mod message;
mod session;
mod settings;
pub mod templates;
mod tokens;

use axum::Router;
use axum::routing::{get, post};

use super::AppState;

/// The browser routes.
pub fn router(message_body_limit: usize) -> Router<AppState> {
    Router::new()
        .route("/", get(mail::home))
        .route("/login", get(login::login_form).post(login::login_submit))
        .route("/logout", post(login::logout))
        .route(
            "/compose",
            get(compose::compose_page)
                .post(compose::compose_submit)
                // Only the compose form takes whole messages with attachments.
                .layer(axum::extract::DefaultBodyLimit::max(message_body_limit)),
        )
        .route("/mail/{mailbox}", get(mail::mailbox_page))
        .route("/mail/{mailbox}/batch", post(message::batch_action))
        .route("/mail/{mailbox}/{message}", get(message::message_page))
        .route("/message/{message}/body", get(message::message_body))
        .route("/message/{message}/raw", get(message::message_raw))
        .route("/message/{message}/attachments/{part}", get(message::message_attachment))
        .route("/message/{message}/action", post(message::message_action))
        .route("/settings", get(settings::settings_page).post(settings::settings_submit))
        .route("/settings/tokens", get(tokens::tokens_page).post(tokens::token_create))
        .route("/settings/tokens/{id}/revoke", post(tokens::token_revoke))
        .route("/settings/identities", post(identities::identity_create))
        .route("/settings/identities/{id}", post(identities::identity_update))
        .route("/settings/identities/{id}/delete", get(identities::identity_delete_page).post(identities::identity_delete))
        .route("/settings/identities/{id}/confirmation", post(identities::identity_resend))
        .route("/identities/confirm", get(identities::identity_confirm))
        .route("/folders", get(folders::folders_page).post(folders::folder_create))
        .route("/folders/{id}/rename", post(folders::folder_rename))
        .route("/folders/{id}/export", get(export::folder_export))
        .route("/folders/{id}/delete", get(folders::folder_delete_page).post(folders::folder_delete))
        .route("/events", get(mail::events))
        .route("/static/{file}", get(assets::static_file))
        // The API reference, made from the OpenAPI document (HTML, so not under /api/v1).
        .route("/api/docs", get(api_docs::api_docs))
}
