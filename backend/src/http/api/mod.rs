//! The JSON API under `/api/v1`. Routes are registered through utoipa so the OpenAPI document
//! lists exactly the routes that exist.

mod compose;
mod compose_body;
mod events;
mod identities;
mod mailboxes;
mod message_actions;
mod messages;

pub(crate) use events::event_stream;
pub(crate) use messages::{attachment_response, list_request, messages_params};
mod session;
mod sync;
mod webhooks;

use std::sync::OnceLock;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::Problem;

#[derive(OpenApi)]
#[openapi(
    info(title = "Letterbox API", description = "Webmail API in front of an IMAP server. Errors are RFC 9457 problem+json.", version = "1"),
    modifiers(&BearerAuth),
    components(schemas(Problem))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

fn documented_routes(message_body_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(session::create_session, session::get_session, session::delete_session))
        .routes(routes!(mailboxes::list_mailboxes, mailboxes::create_mailbox))
        .routes(routes!(mailboxes::get_mailbox, mailboxes::rename_mailbox, mailboxes::delete_mailbox))
        .routes(routes!(messages::list_messages))
        .routes(routes!(sync::mailbox_changes))
        .routes(routes!(events::events))
        .routes(routes!(messages::search_all))
        .routes(routes!(messages::get_message, message_actions::update_message, message_actions::delete_message))
        .routes(routes!(messages::raw_message))
        .routes(routes!(messages::attachment))
        .routes(routes!(message_actions::move_message))
        .routes(routes!(message_actions::copy_message))
        .routes(routes!(message_actions::batch))
        .routes(routes!(identities::list_identities, identities::create_identity))
        .routes(routes!(identities::update_identity, identities::delete_identity))
        .routes(routes!(identities::list_contacts))
        .routes(routes!(webhooks::list_webhooks, webhooks::create_webhook))
        .routes(routes!(webhooks::get_webhook, webhooks::delete_webhook))
        .routes(routes!(webhooks::list_deliveries))
        .routes(routes!(openapi_json))
        .merge(writing_routes(message_body_limit))
}

/// Routes that take whole messages with attachments: a larger body limit than the rest (the
/// limit on the attachments themselves is checked as they stream in).
fn writing_routes(body_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(compose::send))
        .routes(routes!(compose::create_draft))
        .routes(routes!(compose::get_draft, compose::update_draft, compose::delete_draft))
        .routes(routes!(compose::send_draft))
        .layer(axum::extract::DefaultBodyLimit::max(body_limit))
}

/// The OpenAPI 3.1 document of every API route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented_routes(0).into_openapi()
}

/// The API routes; `message_body_limit` caps the bodies of send and draft requests.
pub fn router(message_body_limit: usize) -> Router<AppState> {
    let (router, _) = documented_routes(message_body_limit).split_for_parts();
    router
}

/// The OpenAPI document of this API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
async fn openapi_json() -> impl IntoResponse {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    let body = DOCUMENT.get_or_init(|| openapi().to_pretty_json().unwrap_or_default()).clone();
    ([(header::CONTENT_TYPE, "application/json")], body)
}
