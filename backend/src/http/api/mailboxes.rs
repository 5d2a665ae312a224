//! `/api/v1/mailboxes`: list folders with roles and counts; create, rename, delete.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::AppState;
use crate::http::error::{AppError, Problem};
use crate::http::extract::{ApiJson, ApiPath, ApiUser};
use crate::mail::Mailbox;

/// The mailbox list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MailboxList {
    items: Vec<Mailbox>,
    /// Always null: the whole list fits in one response.
    next_cursor: Option<String>,
}

/// The path of a mailbox to create or rename to, with the server's hierarchy delimiter.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailboxPath {
    path: String,
}

/// Every mailbox, INBOX first, with role, total and unread counts.
#[utoipa::path(get, path = "/api/v1/mailboxes", tag = "mailboxes", security(("bearer" = [])),
    responses(
        (status = 200, description = "OK", body = MailboxList),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "Mail server unavailable", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_mailboxes(State(state): State<AppState>, ApiUser(user): ApiUser) -> Result<axum::Json<MailboxList>, AppError> {
    let items = state.letterbox.list_mailboxes(&user).await?;
    Ok(axum::Json(MailboxList { items, next_cursor: None }))
}

/// Create a mailbox (and subscribe to it).
#[utoipa::path(post, path = "/api/v1/mailboxes", tag = "mailboxes", security(("bearer" = [])),
    request_body(content = MailboxPath, example = json!({"path": "Projects/2026"})),
    responses(
        (status = 201, description = "Created", body = Mailbox),
        (status = 400, description = "Invalid name", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already exists", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_mailbox(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<MailboxPath>,
) -> Result<impl IntoResponse, AppError> {
    let mailbox = state.letterbox.create_mailbox(&user, &body.path).await?;
    let location = format!("/api/v1/mailboxes/{}", mailbox.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], axum::Json(mailbox)))
}

/// One mailbox, by id or role alias (`sent`, `drafts`, ...).
#[utoipa::path(get, path = "/api/v1/mailboxes/{id}", tag = "mailboxes", security(("bearer" = [])),
    params(("id" = String, Path, description = "Mailbox id or role alias")),
    responses((status = 200, description = "OK", body = Mailbox), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json")))]
pub async fn get_mailbox(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<axum::Json<Mailbox>, AppError> {
    let path = state.letterbox.resolve_mailbox(&user, &id).await?;
    let mailbox = state
        .letterbox
        .list_mailboxes(&user)
        .await?
        .into_iter()
        .find(|m| m.path == path)
        .ok_or_else(|| AppError::not_found(format!("no mailbox with id {id:?}")))?;
    Ok(axum::Json(mailbox))
}

/// Rename (move) a mailbox. INBOX cannot be renamed.
#[utoipa::path(patch, path = "/api/v1/mailboxes/{id}", tag = "mailboxes", security(("bearer" = [])),
    request_body(content = MailboxPath, example = json!({"path": "Archive/2025"})),
    params(("id" = String, Path, description = "Mailbox id or role alias")),
    responses(
        (status = 200, description = "OK", body = Mailbox),
        (status = 400, description = "Invalid request", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "INBOX", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Conflict", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn rename_mailbox(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<MailboxPath>,
) -> Result<axum::Json<Mailbox>, AppError> {
    Ok(axum::Json(state.letterbox.rename_mailbox(&user, &id, &body.path).await?))
}

/// Delete a mailbox and the messages in it. INBOX cannot be deleted.
#[utoipa::path(delete, path = "/api/v1/mailboxes/{id}", tag = "mailboxes", security(("bearer" = [])),
    params(("id" = String, Path, description = "Mailbox id or role alias")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "INBOX", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_mailbox(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, AppError> {
    state.letterbox.delete_mailbox(&user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
