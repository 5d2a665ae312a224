//! `/api/v1/webhooks`: other apps get a signed HTTP POST when mail changes (needs offline access).

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::AppState;
use crate::http::error::{AppError, Problem};
use crate::http::extract::{ApiJson, ApiUser};
use crate::service::ServiceError;
use crate::service::webhooks::{DeliveryAttempt, NewWebhook, Webhook};

fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// Event types: `message.new`, `message.updated`, `message.removed` (INBOX) and `mailbox`
/// (a folder's counts changed).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub enum WebhookEvent {
    #[serde(rename = "message.new")]
    MessageNew,
    #[serde(rename = "message.updated")]
    MessageUpdated,
    #[serde(rename = "message.removed")]
    MessageRemoved,
    #[serde(rename = "mailbox")]
    Mailbox,
}

impl WebhookEvent {
    fn name(self) -> &'static str {
        match self {
            Self::MessageNew => "message.new",
            Self::MessageUpdated => "message.updated",
            Self::MessageRemoved => "message.removed",
            Self::Mailbox => "mailbox",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        [Self::MessageNew, Self::MessageUpdated, Self::MessageRemoved, Self::Mailbox].into_iter().find(|e| e.name() == name)
    }
}

/// A webhook to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookInput {
    /// Where to POST events: `https://` to a public address (plain `http://` and internal
    /// addresses only to hosts the operator allowed).
    #[serde(default)]
    #[schema(required = true, value_type = String, max_length = 2048, example = "https://hooks.example.com/letterbox")]
    url: Option<String>,
    /// Event types to send (at least one).
    #[serde(default)]
    #[schema(required = true, value_type = Vec<WebhookEvent>, min_items = 1)]
    events: Option<Vec<String>>,
    /// Only events of these mailboxes (ids); left out or `null`: every mailbox.
    #[serde(default)]
    #[schema(min_items = 1, max_items = 100)]
    mailboxes: Option<Vec<String>>,
}

/// A webhook.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookJson {
    id: String,
    url: String,
    events: Vec<WebhookEvent>,
    /// `null`: every mailbox.
    mailboxes: Option<Vec<String>>,
    /// RFC 3339.
    #[schema(format = DateTime)]
    created_at: String,
}

impl From<Webhook> for WebhookJson {
    fn from(w: Webhook) -> Self {
        Self {
            id: w.id,
            url: w.url,
            events: w.events.iter().filter_map(|e| WebhookEvent::parse(e)).collect(),
            mailboxes: w.mailboxes,
            created_at: rfc3339(w.created_at),
        }
    }
}

/// A webhook just created, with its signing secret (shown only this once).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedWebhookJson {
    id: String,
    url: String,
    events: Vec<WebhookEvent>,
    mailboxes: Option<Vec<String>>,
    /// Key of the `Letterbox-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
    /// "<t>.<body>")>`. Shown only in this response.
    secret: String,
    #[schema(format = DateTime)]
    created_at: String,
}

/// The user's webhooks (always one page).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookList {
    items: Vec<WebhookJson>,
    next_cursor: Option<String>,
}

/// One delivery attempt.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryJson {
    /// The queued delivery this attempt belongs to.
    delivery_id: i64,
    /// The `id` of the event sent (also in the `Letterbox-Delivery` header).
    event_id: String,
    /// The event type.
    #[serde(rename = "type")]
    event_type: String,
    /// 1 for the first attempt.
    attempt: i64,
    /// When it was made, RFC 3339.
    #[schema(format = DateTime)]
    at: String,
    /// The receiver's HTTP status; `null` when there was none (network error, refused address).
    status_code: Option<u16>,
    /// Why it failed; `null` for a 2xx.
    error: Option<String>,
    /// The delivery now: `pending` (a retry is scheduled), `delivered` or `failed` (gave up after 24 h).
    #[schema(pattern = "^(pending|delivered|failed)$")]
    state: String,
}

impl From<DeliveryAttempt> for DeliveryJson {
    fn from(a: DeliveryAttempt) -> Self {
        Self {
            delivery_id: a.delivery_id,
            event_id: a.event_id,
            event_type: a.event_type,
            attempt: a.attempt,
            at: rfc3339(a.at),
            status_code: a.status_code,
            error: a.error,
            state: a.state,
        }
    }
}

/// The latest delivery attempts, newest first (at most 100).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryList {
    items: Vec<DeliveryJson>,
    next_cursor: Option<String>,
}

fn webhook_error(err: ServiceError) -> AppError {
    match err {
        ServiceError::Unprocessable { field, detail } => {
            AppError { field: Some(field), ..AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-webhook", "Invalid webhook", detail) }
        }
        ServiceError::Forbidden(detail) => {
            AppError::new(StatusCode::FORBIDDEN, "offline-access-disabled", "Offline access is turned off", detail)
        }
        other => other.into(),
    }
}

/// Create a webhook. Each matching event is POSTed as JSON `{"id","type","occurredAt","data"}`
/// with a `Letterbox-Signature` header, in order, retried with backoff for up to 24 hours.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", security(("bearer" = [])), request_body = WebhookInput,
    responses(
        (status = 201, description = "Created; the secret is shown only now", body = CreatedWebhookJson,
            headers(("Location" = String, description = "The new webhook"))),
        (status = 400, description = "Malformed JSON body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The server has offline access turned off, or an API token lacks `webhooks.manage`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Too many webhooks", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field (`field` names it), e.g. a URL that is not https:// or not public", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_webhook(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<WebhookInput>,
) -> Result<impl IntoResponse, AppError> {
    let unprocessable =
        |field: &str, detail: &str| webhook_error(ServiceError::Unprocessable { field: field.into(), detail: detail.into() });
    let url = body.url.ok_or_else(|| unprocessable("url", "give the https:// URL to POST events to"))?;
    let events = body.events.ok_or_else(|| unprocessable("events", "name the event types to send"))?;
    let input = NewWebhook { url, events, mailboxes: body.mailboxes };
    let (webhook, secret) = state.letterbox.create_webhook(&user, input).await.map_err(webhook_error)?;
    let json = WebhookJson::from(webhook);
    let location = format!("/api/v1/webhooks/{}", json.id);
    let created = CreatedWebhookJson {
        id: json.id,
        url: json.url,
        events: json.events,
        mailboxes: json.mailboxes,
        secret: secret.expose().to_string(),
        created_at: json.created_at,
    };
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], axum::Json(created)))
}

/// The user's webhooks (without secrets).
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", security(("bearer" = [])),
    responses(
        (status = 200, description = "OK", body = WebhookList),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API token without the scope `webhooks.manage`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_webhooks(State(state): State<AppState>, ApiUser(user): ApiUser) -> Result<axum::Json<WebhookList>, AppError> {
    let items = state.letterbox.list_webhooks(&user).await?.into_iter().map(WebhookJson::from).collect();
    Ok(axum::Json(WebhookList { items, next_cursor: None }))
}

/// One webhook (without its secret).
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("id" = String, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "OK", body = WebhookJson),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API token without the scope `webhooks.manage`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_webhook(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<axum::Json<WebhookJson>, AppError> {
    Ok(axum::Json(state.letterbox.get_webhook(&user, &id).await?.into()))
}

/// Delete a webhook and its pending deliveries. Deleting the last one also erases the
/// server-sealed password.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("id" = String, Path, description = "Webhook id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API token without the scope `webhooks.manage`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_webhook(State(state): State<AppState>, ApiUser(user): ApiUser, Path(id): Path<String>) -> Result<StatusCode, AppError> {
    state.letterbox.delete_webhook(&user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The latest delivery attempts of a webhook, newest first.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", security(("bearer" = [])),
    params(("id" = String, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "OK", body = DeliveryList),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API token without the scope `webhooks.manage`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_deliveries(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<axum::Json<DeliveryList>, AppError> {
    let items = state.letterbox.webhook_deliveries(&user, &id).await?.into_iter().map(DeliveryJson::from).collect();
    Ok(axum::Json(DeliveryList { items, next_cursor: None }))
}
