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
mod tokens;
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
        .routes(routes!(tokens::list_tokens, tokens::create_token))
        .routes(routes!(tokens::delete_token))
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
    let mut document = documented_routes(0).into_openapi();
    add_common_responses(&mut document);
    document
}

/// Every authenticated route can answer 401 (no or bad credentials), 403 (an API token without
/// the scope, or managing tokens with a token) and 429 (rate limit); say so once here.
fn add_common_responses(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, RefOr, ResponseBuilder, Type};
    let problem = |description: &str, retry_after: bool| {
        let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
        let mut response = ResponseBuilder::new().description(description).content("application/problem+json", content);
        if retry_after {
            response = response.header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(Some(utoipa::openapi::ObjectBuilder::new().schema_type(Type::Integer)))
                    .description(Some("Seconds to wait"))
                    .build(),
            );
        }
        RefOr::T(response.build())
    };
    let common = [
        ("401", problem("Missing, expired or revoked token", false)),
        ("403", problem("The API token lacks the scope this request needs (the problem's `scope` names it), or may not do this", false)),
        ("429", problem("Too many requests this minute for this user or API token (`rate-limited`; see Retry-After)", true)),
    ];
    for item in document.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            if operation.security.as_ref().is_none_or(|s| s.is_empty()) {
                continue;
            }
            for (status, response) in &common {
                operation.responses.responses.entry(status.to_string()).or_insert_with(|| response.clone());
            }
        }
    }
}

/// The API routes; `message_body_limit` caps the bodies of send and draft requests.
pub fn router(message_body_limit: usize) -> Router<AppState> {
    let (router, _) = documented_routes(message_body_limit).split_for_parts();
    router.layer(axum::middleware::from_fn(super::ratelimit::rate_limit_headers))
}

/// The OpenAPI document of this API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
async fn openapi_json() -> impl IntoResponse {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    let body = DOCUMENT.get_or_init(|| openapi().to_pretty_json().unwrap_or_default()).clone();
    ([(header::CONTENT_TYPE, "application/json")], body)
}
