//! `/api/v1/send` and `/api/v1/drafts`: send mail through the user's SMTP server; keep, replace,
//! send and delete drafts.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use base64::Engine;
use serde::Serialize;
use utoipa::ToSchema;

use super::compose_body::{ComposeBody, MessageInput};
use crate::http::AppState;
use crate::http::error::{AppError, Problem};
use crate::http::extract::{ApiPath, ApiUser};
use crate::mail::{EmailAddress, MailboxId};
use crate::service::drafts::action_name;
use crate::service::messages::parse_message_id;
use crate::service::{DraftView, SendOutcome, ServiceError};

/// A sent message.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SentMessage {
    /// The `Message-ID` header of the message, without angle brackets.
    message_id: String,
    /// Id of the copy in Sent; null when the server files sent mail itself or gave no UID.
    sent_id: Option<String>,
}

/// A saved draft.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SavedDraft {
    id: String,
    mailbox_id: String,
}

/// An attachment of a stored draft, with its content.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DraftAttachment {
    filename: String,
    content_type: String,
    size: usize,
    /// base64
    content: String,
}

/// The message a draft answers or forwards.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftReference {
    id: String,
    action: String,
}

/// A stored draft, in the shape `PUT /api/v1/drafts/{id}` accepts back.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Draft {
    id: String,
    from: EmailAddress,
    to: Vec<EmailAddress>,
    cc: Vec<EmailAddress>,
    bcc: Vec<EmailAddress>,
    subject: String,
    text: String,
    html: Option<String>,
    markdown: bool,
    attachments: Vec<DraftAttachment>,
    reference: Option<DraftReference>,
}

impl From<SendOutcome> for SentMessage {
    fn from(outcome: SendOutcome) -> Self {
        Self { message_id: outcome.message_id, sent_id: outcome.sent_id }
    }
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(value) => {
            let key = value.to_str().map_err(|_| AppError::invalid("Idempotency-Key", "use visible ASCII characters"))?;
            crate::service::check_idempotency_key(key)?;
            Ok(Some(key.to_string()))
        }
    }
}

/// Runs a send to the end even when the client goes away meanwhile: a half-finished send (out
/// through SMTP but not yet filed in Sent, or an idempotency key left pending) helps nobody.
async fn detached<F>(work: F) -> Result<SendOutcome, AppError>
where
    F: Future<Output = Result<SendOutcome, ServiceError>> + Send + 'static,
{
    match tokio::spawn(work).await {
        Ok(result) => Ok(result?),
        Err(err) => Err(ServiceError::Internal(format!("send task failed: {err}")).into()),
    }
}

/// Send a message (JSON, or `multipart/form-data` with file parts and either a `message` JSON
/// part or plain fields). With `Idempotency-Key`, a retry within 24 h returns the first result.
#[utoipa::path(post, path = "/api/v1/send", tag = "sending", security(("bearer" = [])),
    request_body(content = MessageInput, example = json!({"to": ["Bob <bob@example.test>"], "cc": [{"name": "Carol", "email": "carol@example.test"}],
        "subject": "Lunch on Friday?", "text": "Hi Bob,\n\nlunch on Friday at noon?\n\nAlice",
        "attachments": [{"filename": "menu.txt", "contentType": "text/plain", "content": "U291cCBvZiB0aGUgZGF5"}]})),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request return the first result without sending twice")),
    responses(
        (status = 201, description = "Sent", body = SentMessage,
            example = json!({"messageId": "1732600000.abc123@example.test", "sentId": "AWVT8QEAAAAHU2VudA"})),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Attachments over the limit", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid recipient, sender, header value or reference", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "The SMTP server refused or was unreachable; the message was kept in Drafts (draftId)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn send(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    body: ComposeBody,
) -> Result<impl IntoResponse, AppError> {
    let key = idempotency_key(&headers)?;
    let request = body.into_request(true).await?;
    let letterbox = state.letterbox.clone();
    let outcome = detached(async move { letterbox.send_message(&user, request, key.as_deref()).await }).await?;
    Ok((StatusCode::CREATED, axum::Json(SentMessage::from(outcome))))
}

/// Save a new draft in the Drafts folder (same body as send; recipients may be missing).
#[utoipa::path(post, path = "/api/v1/drafts", tag = "drafts", security(("bearer" = [])),
    request_body(content = MessageInput, example = json!({"to": ["bob@example.test"], "subject": "Draft: quarterly report", "text": "Numbers follow."})),
    responses(
        (status = 201, description = "Saved", body = SavedDraft, example = json!({"id": "AWVT8QIAAAADRHJhZnRz", "mailboxId": "RHJhZnRz"})),
        (status = 422, description = "Invalid content", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_draft(State(state): State<AppState>, ApiUser(user): ApiUser, body: ComposeBody) -> Result<impl IntoResponse, AppError> {
    let request = body.into_request(true).await?;
    let id = state.letterbox.create_draft(&user, request).await?;
    let saved = SavedDraft { mailbox_id: MailboxId::from_path(&id.mailbox).to_string(), id: id.encode() };
    Ok((StatusCode::CREATED, [(header::LOCATION, format!("/api/v1/drafts/{}", saved.id))], axum::Json(saved)))
}

/// A draft with its recipients (Bcc too), text and attachments.
#[utoipa::path(get, path = "/api/v1/drafts/{id}", tag = "drafts", security(("bearer" = [])),
    params(("id" = String, Path, description = "Draft (message) id")),
    responses((status = 200, description = "OK", body = Draft), (status = 404, description = "No such draft", body = Problem, content_type = "application/problem+json")))]
pub async fn get_draft(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<axum::Json<Draft>, AppError> {
    let view = state.letterbox.get_draft(&user, &parse_message_id(&id)?).await?;
    Ok(axum::Json(draft_json(view)))
}

/// Replace a draft: the new version gets a new id (the old one is removed).
#[utoipa::path(put, path = "/api/v1/drafts/{id}", tag = "drafts", security(("bearer" = [])), request_body = MessageInput,
    params(("id" = String, Path, description = "Draft (message) id")),
    responses(
        (status = 200, description = "Replaced", body = SavedDraft),
        (status = 404, description = "No such draft", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid content", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_draft(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
    body: ComposeBody,
) -> Result<axum::Json<SavedDraft>, AppError> {
    let id = parse_message_id(&id)?;
    let request = body.into_request(false).await?;
    let new_id = state.letterbox.update_draft(&user, &id, request).await?;
    Ok(axum::Json(SavedDraft { mailbox_id: MailboxId::from_path(&new_id.mailbox).to_string(), id: new_id.encode() }))
}

/// Delete a draft for good.
#[utoipa::path(delete, path = "/api/v1/drafts/{id}", tag = "drafts", security(("bearer" = [])),
    params(("id" = String, Path, description = "Draft (message) id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such draft", body = Problem, content_type = "application/problem+json")))]
pub async fn delete_draft(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, AppError> {
    state.letterbox.delete_draft(&user, &parse_message_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send a draft as stored, then remove it from Drafts.
#[utoipa::path(post, path = "/api/v1/drafts/{id}/send", tag = "drafts", security(("bearer" = [])),
    params(("id" = String, Path, description = "Draft (message) id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request return the first result without sending twice")),
    responses(
        (status = 201, description = "Sent", body = SentMessage),
        (status = 404, description = "No such draft", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The draft cannot be sent (no recipient, unknown sender)", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "The SMTP server refused; the draft stays", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn send_draft(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
) -> Result<impl IntoResponse, AppError> {
    let key = idempotency_key(&headers)?;
    let id = parse_message_id(&id)?;
    let letterbox = state.letterbox.clone();
    let outcome = detached(async move { letterbox.send_draft(&user, &id, key.as_deref()).await }).await?;
    Ok((StatusCode::CREATED, axum::Json(SentMessage::from(outcome))))
}

fn draft_json(view: DraftView) -> Draft {
    let c = view.composition;
    Draft {
        id: view.id.encode(),
        from: c.from,
        to: c.to,
        cc: c.cc,
        bcc: c.bcc,
        subject: c.subject,
        text: c.text,
        html: c.html,
        markdown: view.markdown,
        attachments: c
            .attachments
            .into_iter()
            .map(|a| DraftAttachment {
                size: a.content.len(),
                content: base64::engine::general_purpose::STANDARD.encode(&a.content),
                filename: a.filename,
                content_type: a.content_type,
            })
            .collect(),
        reference: view.reference.map(|r| DraftReference { id: r.id.encode(), action: action_name(r.action).to_string() }),
    }
}
