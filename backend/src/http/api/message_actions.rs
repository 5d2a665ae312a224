//! Changing messages over the API: flags and keywords, move, copy, delete, and batches.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::AppState;
use crate::http::error::{AppError, Problem};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, ApiUser};
use crate::mail::{MessageId, MessageSummary};
use crate::service::UserSession;
use crate::service::messages::parse_message_id;

/// Keywords to add and remove.
#[derive(Debug, Default, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeywordChange {
    #[serde(default)]
    add: Vec<String>,
    #[serde(default)]
    remove: Vec<String>,
}

/// Flag changes; fields left out stay as they are.
#[derive(Debug, Default, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagChange {
    seen: Option<bool>,
    flagged: Option<bool>,
    answered: Option<bool>,
    keywords: Option<KeywordChange>,
}

impl FlagChange {
    /// The IMAP flags to add and to remove; keywords are checked to be IMAP atoms.
    fn to_imap(&self) -> Result<(Vec<String>, Vec<String>), AppError> {
        let (mut add, mut remove) = (Vec::new(), Vec::new());
        for (value, flag) in [(self.seen, "\\Seen"), (self.flagged, "\\Flagged"), (self.answered, "\\Answered")] {
            match value {
                Some(true) => add.push(flag.to_string()),
                Some(false) => remove.push(flag.to_string()),
                None => {}
            }
        }
        if let Some(keywords) = &self.keywords {
            for keyword in keywords.add.iter().chain(&keywords.remove) {
                validate_keyword(keyword)?;
            }
            add.extend(keywords.add.iter().cloned());
            remove.extend(keywords.remove.iter().cloned());
        }
        if add.is_empty() && remove.is_empty() {
            return Err(AppError::invalid("body", "give at least one of seen, flagged, answered or keywords"));
        }
        Ok((add, remove))
    }
}

/// A keyword must be an IMAP atom (RFC 3501 `flag-keyword`): no spaces, parentheses, quotes,
/// wildcards, brackets or backslashes, so it can never inject syntax.
fn validate_keyword(keyword: &str) -> Result<(), AppError> {
    let ok = !keyword.is_empty() && keyword.len() <= 100 && keyword.bytes().all(|b| b.is_ascii_graphic() && !b"(){%*\"\\]".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid("keywords", format!("{keyword:?} is not a valid keyword (ASCII letters, digits, $ and the like)")))
    }
}

/// Change a message's flags and keywords.
#[utoipa::path(patch, path = "/api/v1/messages/{id}", tag = "messages", security(("bearer" = [])),
    request_body(content = FlagChange, example = json!({"seen": true, "flagged": false, "keywords": {"add": ["$label1"], "remove": []}})),
    params(("id" = String, Path, description = "Message id")),
    responses(
        (status = 200, description = "The updated message", body = MessageSummary),
        (status = 400, description = "Invalid change", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_message(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(change): ApiJson<FlagChange>,
) -> Result<axum::Json<MessageSummary>, AppError> {
    let id = parse_message_id(&id)?;
    let (add, remove) = change.to_imap()?;
    Ok(axum::Json(state.letterbox.update_flags(&user, &id, add, remove).await?))
}

/// Where to move or copy a message.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Destination {
    /// Mailbox id or role alias (`archive`, `junk`, `trash`, ...).
    mailbox_id: String,
}

/// The message's id in its new mailbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewId {
    /// Null when the server does not report new UIDs (no UIDPLUS).
    id: Option<String>,
}

async fn transfer(state: &AppState, user: &UserSession, id: &str, destination: &Destination, remove: bool) -> Result<NewId, AppError> {
    let id = parse_message_id(id)?;
    let path = state.letterbox.resolve_destination(user, &destination.mailbox_id).await?;
    let new_id = state.letterbox.transfer_message(user, &id, &path, remove).await?;
    Ok(NewId { id: new_id.map(|id| id.encode()) })
}

/// Move a message to another mailbox (MOVE, or COPY + UID EXPUNGE).
#[utoipa::path(post, path = "/api/v1/messages/{id}/move", tag = "messages", security(("bearer" = [])), request_body(content = Destination, example = json!({"mailboxId": "archive"})),
    params(("id" = String, Path, description = "Message id")),
    responses(
        (status = 200, description = "Moved", body = NewId),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No mailbox has that role", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn move_message(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(destination): ApiJson<Destination>,
) -> Result<axum::Json<NewId>, AppError> {
    Ok(axum::Json(transfer(&state, &user, &id, &destination, true).await?))
}

/// Copy a message to another mailbox.
#[utoipa::path(post, path = "/api/v1/messages/{id}/copy", tag = "messages", security(("bearer" = [])), request_body(content = Destination, example = json!({"mailboxId": "archive"})),
    params(("id" = String, Path, description = "Message id")),
    responses(
        (status = 200, description = "Copied", body = NewId),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No mailbox has that role", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn copy_message(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(destination): ApiJson<Destination>,
) -> Result<axum::Json<NewId>, AppError> {
    Ok(axum::Json(transfer(&state, &user, &id, &destination, false).await?))
}

/// Delete options.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteParams {
    /// Remove at once instead of moving to Trash.
    permanent: Option<bool>,
}

/// Delete a message: to Trash, or for good when it is in Trash or `permanent=true`.
#[utoipa::path(delete, path = "/api/v1/messages/{id}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path, description = "Message id"), DeleteParams),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_message(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<DeleteParams>,
) -> Result<StatusCode, AppError> {
    let id = parse_message_id(&id)?;
    state.letterbox.delete_message(&user, &id, params.permanent.unwrap_or(false)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a batch does to each message.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BatchAction {
    Update,
    Move,
    Delete,
}

/// Several messages at once; one bad id does not fail the others.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BatchRequest {
    ids: Vec<String>,
    action: BatchAction,
    seen: Option<bool>,
    flagged: Option<bool>,
    answered: Option<bool>,
    keywords: Option<KeywordChange>,
    /// For `move`: mailbox id or role alias.
    mailbox_id: Option<String>,
    /// For `delete`: remove at once instead of moving to Trash.
    permanent: Option<bool>,
}

/// What happened to each message of a batch.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BatchResult {
    updated: Vec<String>,
    /// Problems by message id.
    not_updated: BTreeMap<String, Problem>,
}

const MAX_BATCH: usize = 1000;

/// Apply one action to many messages.
#[utoipa::path(post, path = "/api/v1/messages/batch", tag = "messages", security(("bearer" = [])),
    request_body(content = BatchRequest, example = json!({"ids": ["AWVT8QAAAAAqSU5CT1g", "AWVT8QAAAAArSU5CT1g"], "action": "update", "seen": true})),
    responses(
        (status = 200, description = "Per-message results", body = BatchResult,
            example = json!({"updated": ["AWVT8QAAAAAqSU5CT1g"], "notUpdated": {"AWVT8QAAAAArSU5CT1g": {"type": "urn:letterbox:problem:not-found",
                "title": "Not found", "status": 404, "detail": "no message with UID 43 in \"INBOX\""}}})),
        (status = 400, description = "Invalid batch", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No mailbox with the move's mailboxId", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No mailbox has the move's role (mailboxId)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn batch(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(request): ApiJson<BatchRequest>,
) -> Result<axum::Json<BatchResult>, AppError> {
    if request.ids.is_empty() || request.ids.len() > MAX_BATCH {
        return Err(AppError::invalid("ids", format!("give 1 to {MAX_BATCH} message ids")));
    }
    let flags = FlagChange { seen: request.seen, flagged: request.flagged, answered: request.answered, keywords: request.keywords.clone() };
    let flag_lists = match request.action {
        BatchAction::Update => Some(flags.to_imap()?),
        _ => None,
    };
    let destination = match (request.action, &request.mailbox_id) {
        (BatchAction::Move, Some(mailbox)) => Some(state.letterbox.resolve_destination(&user, mailbox).await?),
        (BatchAction::Move, None) => return Err(AppError::invalid("mailboxId", "a move needs mailboxId")),
        _ => None,
    };
    // One folder listing for the whole batch, not one per deleted message.
    let trash = match request.action {
        BatchAction::Delete => state.letterbox.trash_path(&user).await?,
        _ => None,
    };
    let mut result = BatchResult { updated: Vec::new(), not_updated: BTreeMap::new() };
    for text in &request.ids {
        let outcome: Result<(), AppError> = async {
            let id: MessageId = parse_message_id(text)?;
            match request.action {
                BatchAction::Update => {
                    let (add, remove) = flag_lists.clone().unwrap_or_default();
                    state.letterbox.update_flags(&user, &id, add, remove).await?;
                }
                BatchAction::Move => {
                    state.letterbox.transfer_message(&user, &id, destination.as_deref().unwrap_or_default(), true).await?;
                }
                BatchAction::Delete => {
                    state.letterbox.delete_message_to(&user, &id, request.permanent.unwrap_or(false), trash.as_deref()).await?;
                }
            }
            Ok(())
        }
        .await;
        match outcome {
            Ok(()) => result.updated.push(text.clone()),
            Err(error) => {
                result.not_updated.insert(text.clone(), error.problem());
            }
        }
    }
    Ok(axum::Json(result))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_must_be_atoms() {
        for ok in ["$Forwarded", "$label1", "Work", "NonJunk"] {
            assert!(validate_keyword(ok).is_ok(), "{ok}");
        }
        for bad in ["", "two words", "a(b", "\\Seen", "x\r\n", "q\"", "50%", "a]", "ü"] {
            assert!(validate_keyword(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn flag_changes_map_to_imap() {
        let change = FlagChange {
            seen: Some(true),
            flagged: Some(false),
            answered: None,
            keywords: Some(KeywordChange { add: vec!["$x".into()], remove: vec![] }),
        };
        assert_eq!(change.to_imap().unwrap(), (vec!["\\Seen".to_string(), "$x".to_string()], vec!["\\Flagged".to_string()]));
        assert!(FlagChange::default().to_imap().is_err());
    }
}
