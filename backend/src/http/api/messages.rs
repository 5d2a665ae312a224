//! `/api/v1/mailboxes/{id}/messages` and `/api/v1/messages/...`: list, open, download, change.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::AppState;
use crate::http::error::{AppError, Problem};
use crate::http::extract::{ApiPath, ApiQuery, ApiUser};
use crate::mail::{AttachmentInfo, EmailAddress, MessageSummary, SortOrder};
use crate::service::ServiceError;
use crate::service::messages::{ListRequest, MAX_PAGE, parse_message_id};

/// Query parameters of a message list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    limit: Option<String>,
    /// `nextCursor` of the previous page.
    cursor: Option<String>,
    /// `date`, `arrival`, `from`, `subject`, `size`, each reversed with a leading `-` (default `-date`).
    sort: Option<String>,
    /// Search query (`from:`, `subject:`, `is:unread`, ...).
    q: Option<String>,
}

/// A page of messages.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageList {
    items: Vec<MessageSummary>,
    /// Messages in the folder, or matches when `q` is given.
    total: usize,
    /// Pass as `cursor` for the next page; null on the last page.
    next_cursor: Option<String>,
    /// The folder's state, for `GET /api/v1/mailboxes/{id}/changes?since=` (null when the
    /// server has no CONDSTORE).
    state: Option<String>,
}

/// Query parameters of a search across all folders.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Search query (same syntax as the list's `q`).
    q: String,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    limit: Option<String>,
    /// `nextCursor` of the previous page.
    cursor: Option<String>,
}

/// Search every folder; results carry their `mailboxId`, newest first.
#[utoipa::path(get, path = "/api/v1/search", tag = "messages", security(("bearer" = [])),
    params(SearchParams),
    responses(
        (status = 200, description = "OK (with an ETag)", body = MessageList),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 400, description = "Invalid query, limit or cursor", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn search_all(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Response, AppError> {
    let request = list_request(String::new(), ListParams { limit: params.limit, cursor: None, sort: None, q: Some(params.q) })?;
    let criteria = request.criteria.ok_or_else(|| AppError::invalid("q", "give something to search for"))?;
    let page = state.letterbox.search_all(&user, criteria, request.limit, params.cursor.as_deref().filter(|c| !c.is_empty())).await?;
    let list = MessageList { items: page.items, total: page.total, next_cursor: page.next_cursor, state: None };
    // No cheap validator across folders: the ETag comes from the body (304 saves the transfer).
    Ok(super::sync::conditional_json(&headers, None, &list))
}

/// A whole message.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageDetail {
    #[serde(flatten)]
    summary: MessageSummary,
    message_id: Option<String>,
    in_reply_to: Vec<String>,
    references: Vec<String>,
    reply_to: Vec<EmailAddress>,
    /// The plain-text body.
    text: Option<String>,
    /// The sanitized HTML body, when the message has one.
    html: Option<String>,
    attachments: Vec<AttachmentInfo>,
    /// Remote images or styles removed from `html` (load them with `remoteContent=allow`).
    remote_content_blocked: usize,
}

/// Options when opening a message.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ViewParams {
    /// Set \Seen (default false); a change, so it needs the scope `mail.write`.
    mark_seen: Option<bool>,
    /// `allow` to keep remote images and styles.
    remote_content: Option<String>,
}

/// List parameters as the web UI passes them on.
pub(crate) fn messages_params(cursor: Option<String>, sort: Option<String>, q: Option<String>) -> ListParams {
    ListParams { limit: None, cursor, sort, q }
}

pub(crate) fn list_request(mailbox: String, params: ListParams) -> Result<ListRequest, AppError> {
    let limit = match params.limit.as_deref() {
        None => 50,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => return Err(AppError::invalid("limit", format!("must be a whole number from 1 to {MAX_PAGE}, got {text:?}"))),
        },
    };
    let sort = match params.sort.as_deref() {
        None | Some("") => SortOrder::DEFAULT,
        Some(text) => SortOrder::parse(text).ok_or_else(|| {
            AppError::invalid("sort", format!("unknown sort {text:?}; use date, arrival, from, subject or size, reversed with a leading -"))
        })?,
    };
    let criteria = crate::service::search::compile(params.q.as_deref())?;
    Ok(ListRequest { mailbox, limit, cursor: params.cursor.filter(|c| !c.is_empty()), sort, criteria, if_none_match: None })
}

/// One page of a mailbox's messages, newest first by default.
#[utoipa::path(get, path = "/api/v1/mailboxes/{id}/messages", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path, description = "Mailbox id or role alias"), ListParams),
    responses(
        (status = 200, description = "OK (with an ETag)", body = MessageList,
            example = json!({"items": [{"id": "AWVT8QAAAAAqSU5CT1g", "mailboxId": "INBOX", "uid": 42, "subject": "Lunch on Friday?",
                "from": {"name": "Bob Smith", "email": "bob@example.test"}, "to": [{"name": null, "email": "alice@example.test"}], "cc": [],
                "date": "2026-11-26T09:15:00Z", "receivedAt": "2026-11-26T09:15:02Z", "size": 2048, "seen": false, "flagged": false,
                "answered": false, "draft": false, "keywords": [], "hasAttachments": false, "preview": "Hi Alice, lunch on Friday at noon?"}],
                "total": 1, "nextCursor": null, "state": "MTcwMDAwMDAwMC40Mi45OQ"})),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 400, description = "Invalid limit, sort, cursor or query", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such mailbox, or stale cursor", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_messages(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Response, AppError> {
    let mailbox = state.letterbox.resolve_mailbox(&user, &id).await?;
    let request = ListRequest { if_none_match: super::sync::if_none_match(&headers), ..list_request(mailbox, params)? };
    let page = state.letterbox.list_messages(&user, request).await?;
    if page.not_modified
        && let Some(etag) = &page.etag
    {
        return Ok(super::sync::not_modified(etag));
    }
    let list = MessageList { items: page.items, total: page.total, next_cursor: page.next_cursor, state: page.state };
    Ok(super::sync::conditional_json(&headers, page.etag, &list))
}

/// A message with its bodies (HTML sanitized) and attachment list.
#[utoipa::path(get, path = "/api/v1/messages/{id}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path, description = "Message id"), ViewParams),
    responses(
        (status = 200, description = "OK (with an ETag)", body = MessageDetail),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 403, description = "markSeen with a token that lacks mail.write", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such message, or a stale id", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_message(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<ViewParams>,
) -> Result<Response, AppError> {
    let id = parse_message_id(&id)?;
    let allow_remote = match params.remote_content.as_deref() {
        None | Some("block") => false,
        Some("allow") => true,
        Some(other) => return Err(AppError::invalid("remoteContent", format!("use allow or block, got {other:?}"))),
    };
    let view = state.letterbox.get_message(&user, &id, params.mark_seen.unwrap_or(false)).await?;
    let message_id = id.encode();
    let (html, remote_content_blocked) = match &view.parsed.html {
        Some(html) => {
            let template = format!("/api/v1/messages/{message_id}/attachments/{{part}}?inline=true");
            let body = crate::service::render::sanitized_body(html, &view.parsed.attachments, allow_remote, &template).await;
            (Some(body.html), body.remote_blocked)
        }
        None => (None, 0),
    };
    let parsed = view.parsed;
    let detail = MessageDetail {
        summary: view.summary,
        message_id: parsed.message_id,
        in_reply_to: parsed.in_reply_to,
        references: parsed.references,
        reply_to: parsed.reply_to,
        text: parsed.text,
        html,
        attachments: parsed.attachments,
        remote_content_blocked,
    };
    Ok(super::sync::conditional_json(&headers, None, &detail))
}

/// The message as sent, for saving as `.eml`.
#[utoipa::path(get, path = "/api/v1/messages/{id}/raw", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path, description = "Message id")),
    responses(
        (status = 200, description = "The raw message", content_type = "message/rfc822"),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn raw_message(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, AppError> {
    let id = parse_message_id(&id)?;
    let raw = state.letterbox.raw_message(&user, &id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "message/rfc822".to_string()),
            (header::CONTENT_DISPOSITION, content_disposition("attachment", &format!("message-{}.eml", id.uid))),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        Body::from(raw),
    )
        .into_response())
}

/// Whether to show an attachment in the browser instead of downloading it.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttachmentParams {
    /// Show images and PDFs inline; everything else is always a download.
    inline: Option<bool>,
}

/// Content types a browser may show inline: they cannot run script.
const INLINE_SAFE: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"];

/// `Content-Disposition` per RFC 6266 with an ASCII fallback and the UTF-8 `filename*`.
pub(crate) fn content_disposition(disposition: &str, filename: &str) -> String {
    let fallback: String =
        filename.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let encoded: String = filename
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    format!("{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// One attachment's decoded bytes.
#[utoipa::path(get, path = "/api/v1/messages/{id}/attachments/{partId}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path, description = "Message id"), ("partId" = String, Path, description = "Part id from the message's attachments"), AttachmentParams),
    responses(
        (status = 200, description = "The decoded attachment", content_type = "application/octet-stream"),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn attachment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((id, part_id)): ApiPath<(String, String)>,
    ApiQuery(params): ApiQuery<AttachmentParams>,
) -> Result<Response, AppError> {
    let id = parse_message_id(&id)?;
    let part = state.letterbox.attachment(&user, &id, &part_id).await?;
    Ok(attachment_response(part, params.inline.unwrap_or(false)))
}

/// Turns a decoded part into a safe download (or inline view for images and PDFs).
pub(crate) fn attachment_response(part: crate::mail::parse::PartContent, inline: bool) -> Response {
    let safe_inline = inline && INLINE_SAFE.contains(&part.content_type.as_str());
    let content_type = if safe_inline { part.content_type.clone() } else { "application/octet-stream".to_string() };
    let filename = part.filename.clone().unwrap_or_else(|| "attachment".to_string());
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, content_disposition(if safe_inline { "inline" } else { "attachment" }, &filename)),
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox".to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            // Nothing of a mailbox stays in the browser's cache after logout.
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        Body::from(part.bytes),
    )
        .into_response()
}

impl From<crate::service::search::SearchError> for AppError {
    fn from(err: crate::service::search::SearchError) -> Self {
        AppError::from(ServiceError::InvalidInput { field: "q", detail: err.to_string() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_disposition_is_rfc6266() {
        assert_eq!(content_disposition("attachment", "report.pdf"), "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf");
        assert_eq!(
            content_disposition("attachment", "Grüße \"x\".txt"),
            "attachment; filename=\"Gr__e _x_.txt\"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%22x%22.txt"
        );
        assert!(!content_disposition("attachment", "a\r\nb").contains('\n'));
    }
}
