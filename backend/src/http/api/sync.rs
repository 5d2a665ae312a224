//! Conditional responses (ETag / If-None-Match → 304) and `/changes` since a mailbox state.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::AppState;
use crate::http::error::{AppError, Problem};
use crate::http::extract::{ApiPath, ApiUser};
use crate::service::sync::{body_etag, etag_matches};

/// The client's `If-None-Match`, if any.
pub fn if_none_match(headers: &HeaderMap) -> Option<String> {
    headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// 304 with the ETag (no body).
pub fn not_modified(etag: &str) -> Response {
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    if let Ok(value) = HeaderValue::from_str(etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    response
}

/// JSON with an ETag (`etag`, or one from the body), or 304 when the client's copy matches.
/// `private, no-cache`: clients may keep it but must revalidate, and shared caches must not.
pub fn conditional_json<T: Serialize>(headers: &HeaderMap, etag: Option<String>, value: &T) -> Response {
    let body = match serde_json::to_vec(value) {
        Ok(body) => body,
        Err(err) => return AppError::from(crate::service::ServiceError::Internal(err.to_string())).into_response(),
    };
    let etag = etag.unwrap_or_else(|| body_etag(&body));
    if if_none_match(headers).is_some_and(|wanted| etag_matches(&wanted, &etag)) {
        return not_modified(&etag);
    }
    let mut response = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    response
}

/// `?since=` of the changes route.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesParams {
    /// A `state` from a list response (or an earlier `newState`).
    since: String,
}

/// What changed in a mailbox since a state.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MailboxChangesJson {
    /// Messages that arrived since.
    created: Vec<String>,
    /// Messages whose flags or keywords changed since.
    updated: Vec<String>,
    /// Messages removed since.
    destroyed: Vec<String>,
    /// Pass as `since` next time.
    new_state: String,
}

/// Changes since a state (servers with CONDSTORE/QRESYNC). A state that cannot be brought up to
/// date (folder reset, too old, server without QRESYNC) → 409 `cannot-calculate-changes`: reload.
#[utoipa::path(get, path = "/api/v1/mailboxes/{id}/changes", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path, description = "Mailbox id or role alias"), ChangesParams),
    responses(
        (status = 200, description = "OK", body = MailboxChangesJson),
        (status = 400, description = "Not a state token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such mailbox", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Reload the list: the changes cannot be calculated", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn mailbox_changes(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
    params: Result<Query<ChangesParams>, axum::extract::rejection::QueryRejection>,
) -> Result<axum::Json<MailboxChangesJson>, AppError> {
    let Query(params) = params.map_err(|e| AppError::invalid("since", e.body_text()))?;
    let path = state.letterbox.resolve_mailbox(&user, &id).await?;
    let changes = state.letterbox.mailbox_changes(&user, &path, &params.since).await?;
    let ids = |list: Vec<crate::mail::MessageId>| list.iter().map(|id| id.encode()).collect();
    Ok(axum::Json(MailboxChangesJson {
        created: ids(changes.created),
        updated: ids(changes.updated),
        destroyed: ids(changes.destroyed),
        new_state: changes.new_state,
    }))
}
