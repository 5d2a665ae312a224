//! The JSON API under `/api/v1`. Routes are registered through utoipa so the OpenAPI document
//! lists exactly the routes that exist.

mod compose;
mod compose_body;
mod events;
mod export;
pub(crate) mod identities;
mod mailboxes;
mod message_actions;
mod messages;

pub(crate) use events::event_stream;
pub(crate) use export::export_response;
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
        .routes(routes!(export::export_mailbox))
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
        .routes(routes!(identities::confirm_identity))
        .routes(routes!(identities::resend_confirmation))
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
    let mut doc = documented_routes(0).into_openapi();
    add_common_responses(&mut doc);
    add_token_responses(&mut doc);
    doc
}

/// Operations that never reach the mail server (sessions, identities and contacts live in the
/// database; the event stream reports mail server trouble as events).
const NO_MAIL_SERVER: &[&str] = &[
    "delete_session",
    "list_identities",
    "create_identity",
    "update_identity",
    "delete_identity",
    "confirm_identity",
    "list_contacts",
    "events",
    "openapi_json",
];

/// Adds the problem responses that whole kinds of operations share, as components referenced
/// from each operation that can give them (unless the operation documents its own): 400 for a
/// malformed path, query or body; 401 without a valid token; 413 and 415 for bodies; 422 (a
/// refusal), 502, 503 (with `Retry-After`) and 504 from the mail server.
fn add_common_responses(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, RefOr, ResponseBuilder, Type};
    let problem = |description: &str, example: serde_json::Value| {
        ResponseBuilder::new().description(description).content(
            "application/problem+json",
            ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).example(Some(example)).build(),
        )
    };
    let example = |slug: &str, title: &str, status: u16, detail: &str| serde_json::json!({"type": format!("urn:letterbox:problem:{slug}"), "title": title, "status": status, "detail": detail});
    let retry_after = HeaderBuilder::new()
        .schema(Some(utoipa::openapi::ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0))))
        .description(Some("Seconds to wait before trying again"))
        .build();
    let common = [
        (
            "400",
            "BadRequest",
            problem(
                "Malformed path, query or body (the problem names the field)",
                serde_json::json!({"type": "urn:letterbox:problem:invalid-request", "title": "Invalid request", "status": 400,
                    "detail": "must be a whole number from 1 to 200, got \"0\"", "field": "limit"}),
            )
            .build(),
        ),
        (
            "401",
            "Unauthorized",
            problem(
                "No valid bearer token (see WWW-Authenticate)",
                example("unauthorized", "Not logged in", 401, "send Authorization: Bearer <accessToken> from POST /api/v1/session"),
            )
            .build(),
        ),
        (
            "413",
            "TooLarge",
            problem("The body is over the size limit", example("too-large", "Too large", 413, "length limit exceeded")).build(),
        ),
        (
            "415",
            "UnsupportedMediaType",
            problem(
                "The body is not JSON (Content-Type: application/json)",
                example("unsupported-media-type", "Expected JSON", 415, "send the body as JSON with Content-Type: application/json"),
            )
            .build(),
        ),
        (
            "422",
            "MailServerRefused",
            problem(
                "The mail server refused the command (over quota, read-only, ...)",
                example("mail-server-refused", "The mail server refused", 422, "[OVERQUOTA] Quota exceeded"),
            )
            .build(),
        ),
        (
            "502",
            "MailServerUnavailable",
            problem(
                "The mail server is unreachable or failed",
                example("mail-server-unavailable", "The mail server is unavailable", 502, "connection refused"),
            )
            .build(),
        ),
        (
            "503",
            "Busy",
            problem(
                "All of the user's mail server connections stayed busy (see Retry-After)",
                example("busy", "Too many requests at once", 503, "all connections to the mail server are busy; try again"),
            )
            .header("Retry-After", retry_after)
            .build(),
        ),
        (
            "504",
            "MailServerTimeout",
            problem(
                "The mail server did not answer in time",
                example("mail-server-timeout", "The mail server did not answer", 504, "timed out"),
            )
            .build(),
        ),
    ];
    let components = doc.components.get_or_insert_with(Default::default);
    for (_, name, response) in &common {
        components.responses.insert(name.to_string(), RefOr::T(response.clone()));
    }
    for item in doc.paths.paths.values_mut() {
        let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
        for operation in operations.into_iter().flatten() {
            let id = operation.operation_id.clone().unwrap_or_default();
            if id == "openapi_json" {
                continue;
            }
            let has_input = operation.parameters.as_ref().is_some_and(|p| !p.is_empty()) || operation.request_body.is_some();
            let wanted = |status: &str| match status {
                "400" => has_input,
                "401" => operation.security.as_ref().is_some_and(|s| !s.is_empty()),
                "413" | "415" => operation.request_body.is_some(),
                _ => !NO_MAIL_SERVER.contains(&id.as_str()),
            };
            let add: Vec<(&str, &str)> = common.iter().filter(|(status, _, _)| wanted(status)).map(|(s, n, _)| (*s, *n)).collect();
            for (status, name) in add {
                operation.responses.responses.entry(status.to_string()).or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
            }
        }
    }
}

/// Every authenticated route can also answer 403 (an API token without the scope, or managing
/// tokens with a token) and 429 (rate limit); say so once here.
fn add_token_responses(document: &mut utoipa::openapi::OpenApi) {
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
