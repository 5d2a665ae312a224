//! The JSON API under `/api/v1`. Routes are registered through utoipa so the OpenAPI document
//! lists exactly the routes that exist.

mod mailboxes;
mod message_actions;
mod messages;

pub(crate) use messages::{attachment_response, list_request, messages_params};
mod session;

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

fn documented_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(session::create_session, session::get_session, session::delete_session))
        .routes(routes!(mailboxes::list_mailboxes, mailboxes::create_mailbox))
        .routes(routes!(mailboxes::get_mailbox, mailboxes::rename_mailbox, mailboxes::delete_mailbox))
        .routes(routes!(messages::list_messages))
        .routes(routes!(messages::search_all))
        .routes(routes!(messages::get_message, message_actions::update_message, message_actions::delete_message))
        .routes(routes!(messages::raw_message))
        .routes(routes!(messages::attachment))
        .routes(routes!(message_actions::move_message))
        .routes(routes!(message_actions::copy_message))
        .routes(routes!(message_actions::batch))
        .routes(routes!(openapi_json))
}

/// The OpenAPI 3.1 document of every API route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented_routes().into_openapi()
}

/// The API routes.
pub fn router() -> Router<AppState> {
    let (router, _) = documented_routes().split_for_parts();
    router
}

/// The OpenAPI document of this API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
async fn openapi_json() -> impl IntoResponse {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    let body = DOCUMENT.get_or_init(|| openapi().to_pretty_json().unwrap_or_default()).clone();
    ([(header::CONTENT_TYPE, "application/json")], body)
}
