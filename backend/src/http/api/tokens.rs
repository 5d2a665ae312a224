//! `/api/v1/tokens`: API tokens for other apps, created, listed and revoked with a login session.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::session::rfc3339;
use crate::http::AppState;
use crate::http::error::{AppError, Problem};
use crate::http::extract::{ApiJson, ApiUser};
use crate::mail::MailboxId;
use crate::service::{NewToken, ServiceError, TokenInfo};

/// A token to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TokenRequest {
    /// What the token is for (shown in the list).
    name: String,
    /// Any of `mail.read` (every read), `mail.write` (flags, move, delete, mailboxes, drafts),
    /// `mail.send` (sending) and `webhooks.manage` (create, list and delete webhooks).
    scopes: Vec<String>,
    /// Mailbox ids (or roles such as `sent`) the token may see; absent or null = every mailbox.
    #[serde(default)]
    mailboxes: Option<Vec<String>>,
    /// RFC 3339 time after which the token stops working; absent or null = never.
    #[serde(default)]
    expires_at: Option<String>,
}

/// An API token, without its secret.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenJson {
    id: String,
    name: String,
    scopes: Vec<String>,
    /// Ids of the mailboxes the token may see; null = every mailbox.
    mailboxes: Option<Vec<String>>,
    expires_at: Option<String>,
    created_at: String,
    /// When the token was last used (to the minute); null = never.
    last_used_at: Option<String>,
}

/// A new API token with its secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenCreated {
    id: String,
    /// The secret token: send it as `Authorization: Bearer <token>`. It is not shown again.
    token: String,
    name: String,
    scopes: Vec<String>,
    mailboxes: Option<Vec<String>>,
    expires_at: Option<String>,
    created_at: String,
}

/// The user's API tokens.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenList {
    items: Vec<TokenJson>,
    /// Always null: every token is in one page.
    next_cursor: Option<String>,
}

fn scopes_of(info: &TokenInfo) -> Vec<String> {
    info.scopes.iter().map(|s| s.as_str().to_string()).collect()
}

fn mailboxes_of(info: &TokenInfo) -> Option<Vec<String>> {
    info.mailboxes.as_ref().map(|paths| paths.iter().map(|p| MailboxId::from_path(p).to_string()).collect())
}

impl From<TokenInfo> for TokenJson {
    fn from(info: TokenInfo) -> Self {
        Self {
            scopes: scopes_of(&info),
            mailboxes: mailboxes_of(&info),
            expires_at: info.expires_at.map(rfc3339),
            created_at: rfc3339(info.created_at),
            last_used_at: info.last_used_at.map(rfc3339),
            id: info.id,
            name: info.name,
        }
    }
}

/// Create an API token for another app (with a login session only; an API token gets 403).
/// The secret `token` is in this answer only.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", security(("bearer" = [])), request_body = TokenRequest,
    responses(
        (status = 201, description = "Created", body = TokenCreated),
        (status = 400, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown scope or mailbox, bad name or expiry", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "Mail server unavailable (while checking the mailboxes)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "All of the user's mail server connections are busy (see Retry-After)", body = Problem, content_type = "application/problem+json"),
        (status = 504, description = "The mail server did not answer", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_token(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<TokenRequest>,
) -> Result<impl IntoResponse, AppError> {
    let expires_at = match body.expires_at.as_deref() {
        None => None,
        Some(text) => Some(
            time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                .map_err(|_| {
                    invalid_token_request(ServiceError::Unprocessable {
                        field: "expiresAt".into(),
                        detail: "give an RFC 3339 date-time".into(),
                    })
                })?
                .unix_timestamp(),
        ),
    };
    let created = state
        .letterbox
        .create_token(&user, NewToken { name: body.name, scopes: body.scopes, mailboxes: body.mailboxes, expires_at })
        .await
        .map_err(invalid_token_request)?;
    let info = created.info;
    let body = TokenCreated {
        token: created.token.expose().to_string(),
        scopes: scopes_of(&info),
        mailboxes: mailboxes_of(&info),
        expires_at: info.expires_at.map(rfc3339),
        created_at: rfc3339(info.created_at),
        id: info.id,
        name: info.name,
    };
    Ok((StatusCode::CREATED, [(header::CACHE_CONTROL, "no-store")], axum::Json(body)))
}

/// A 422 about the token asked for, rather than about a message.
fn invalid_token_request(err: ServiceError) -> AppError {
    match err {
        ServiceError::Unprocessable { field, detail } => AppError {
            field: Some(field),
            ..AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-token-request", "The token cannot be created", detail)
        },
        other => other.into(),
    }
}

/// The user's API tokens (never their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", security(("bearer" = [])),
    responses((status = 200, description = "OK", body = TokenList)))]
pub async fn list_tokens(State(state): State<AppState>, ApiUser(user): ApiUser) -> Result<axum::Json<TokenList>, AppError> {
    let items = state.letterbox.list_tokens(&user).await?.into_iter().map(TokenJson::from).collect();
    Ok(axum::Json(TokenList { items, next_cursor: None }))
}

/// Revoke an API token: it stops working at once, and the webhooks it created are deleted.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", security(("bearer" = [])),
    params(("id" = String, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_token(State(state): State<AppState>, ApiUser(user): ApiUser, Path(id): Path<String>) -> Result<StatusCode, AppError> {
    state.letterbox.revoke_token(&user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
