//! The compose page: new messages, replies, forwards and resumed drafts, as one plain form
//! (multipart, works without JavaScript) that sends, saves a draft or discards.

use axum::extract::{Multipart, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::i18n::Tr;
use super::mail::{chrome, encode, find_mailbox};
use super::session::{WebUser, check_session_csrf};
use super::templates::{ComposePage, IdentityOption, KeptAttachment};
use crate::http::AppState;
use crate::http::error::{AppError, HtmlError};
use crate::http::upload::Upload;
use crate::mail::compose::parse_address_list;
use crate::mail::{EmailAddress, MessageId};
use crate::service::drafts::{action_name, parse_action};
use crate::service::messages::parse_message_id;
use crate::service::{OutgoingRequest, Reference, ServiceError, UserSession};

/// `GET /compose` parameters: a reply/forward of `reply`, a resumed `draft`, or a new message.
#[derive(Debug, Default, Deserialize)]
pub struct ComposeQuery {
    reply: Option<String>,
    action: Option<String>,
    draft: Option<String>,
    to: Option<String>,
    back: Option<String>,
    notice: Option<String>,
}

/// What the form holds, whether freshly filled or posted back.
#[derive(Debug, Default, Clone)]
struct FormState {
    from: String,
    to: String,
    cc: String,
    bcc: String,
    subject: String,
    text: String,
    markdown: bool,
    draft_id: Option<MessageId>,
    reference: Option<Reference>,
    forward_original: bool,
    forwarded: Vec<String>,
    kept: Vec<KeptAttachment>,
    back: String,
}

/// Only our own mail pages are valid places to return to (no open redirect).
fn safe_back(back: Option<&str>) -> String {
    match back {
        Some(path) if path.starts_with("/mail/") && !path.contains("//") && !path.contains('\\') => path.to_string(),
        _ => "/mail/INBOX".to_string(),
    }
}

fn join(list: &[EmailAddress]) -> String {
    list.iter().map(format_address).collect::<Vec<_>>().join(", ")
}

/// An address as a person types it: `Name <a@b>`, quoting names with specials.
fn format_address(address: &EmailAddress) -> String {
    match address.name.as_deref().filter(|n| !n.is_empty()) {
        Some(name) if name.contains([',', ';', '"', '<', '>', '@']) => format!("\"{}\" <{}>", name.replace('"', "'"), address.email),
        Some(name) => format!("{name} <{}>", address.email),
        None => address.email.clone(),
    }
}

fn human_size(bytes: usize) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.0} KB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MB", bytes as f64 / 1_048_576.0),
    }
}

fn signature_block(signature: &str) -> String {
    if signature.trim().is_empty() { String::new() } else { format!("\n\n-- \n{}", signature.trim_end()) }
}

/// `GET /compose`: the form, prefilled for a reply, forward or draft.
pub async fn compose_page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    t: Tr,
    Query(query): Query<ComposeQuery>,
) -> Result<Response, HtmlError> {
    let mut form = FormState { back: safe_back(query.back.as_deref()), ..FormState::default() };
    let identities = state.letterbox.list_identities(&user).await?;
    let signature = identities.first().map(|i| signature_block(&i.signature)).unwrap_or_default();
    if let Some(draft) = query.draft.as_deref() {
        let id = parse_message_id(draft)?;
        load_draft(&state, &user, &id, &mut form, true).await?;
    } else if let Some(reply) = query.reply.as_deref() {
        let action = parse_action(query.action.as_deref().unwrap_or("reply"))
            .ok_or_else(|| AppError::invalid("action", "use reply, replyAll or forward"))?;
        let reference = Reference { id: parse_message_id(reply)?, action };
        let start = state.letterbox.reply_prefill(&user, &reference).await?;
        form.to = join(&start.to);
        form.cc = join(&start.cc);
        form.subject = start.subject;
        form.text = format!("{signature}{}", start.quoted_text);
        form.forward_original = action == crate::mail::compose::ReplyAction::Forward;
        form.forwarded = start.forwarded_attachments;
        form.reference = Some(reference);
    } else {
        form.to = query.to.unwrap_or_default();
        form.text = signature;
    }
    let notice = (query.notice.as_deref() == Some("saved")).then(|| t.t("draft-saved"));
    render(&state, &user, t, form, None, notice, StatusCode::OK).await
}

/// Fills the form from a stored draft; `with_text` also takes its fields (not only attachments).
async fn load_draft(state: &AppState, user: &UserSession, id: &MessageId, form: &mut FormState, with_text: bool) -> Result<(), AppError> {
    let draft = state.letterbox.get_draft(user, id).await?;
    let c = &draft.composition;
    if with_text {
        form.from = c.from.email.clone();
        form.to = join(&c.to);
        form.cc = join(&c.cc);
        form.bcc = join(&c.bcc);
        form.subject = c.subject.clone();
        form.text = c.text.clone();
        form.markdown = draft.markdown;
        form.reference = draft.reference.clone();
    }
    form.kept = c
        .attachments
        .iter()
        .enumerate()
        .map(|(index, a)| KeptAttachment { index, name: a.filename.clone(), size: human_size(a.content.len()) })
        .collect();
    form.forwarded.clear();
    form.forward_original = false;
    form.draft_id = Some(id.clone());
    Ok(())
}

async fn render(
    state: &AppState,
    user: &UserSession,
    t: Tr,
    form: FormState,
    error: Option<String>,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, HtmlError> {
    let (mailboxes, settings) = tokio::try_join!(state.letterbox.list_mailboxes(user), state.letterbox.user_settings(user))?;
    let current = find_mailbox(&mailboxes, "INBOX")?;
    let identities = state.letterbox.list_identities(user).await?;
    let contacts = state.letterbox.suggest_contacts(user, "", 50).await?;
    let heading = match (&form.reference, &form.draft_id) {
        (_, Some(_)) => "heading-draft",
        (Some(r), None) if r.action == crate::mail::compose::ReplyAction::Forward => "heading-forward",
        (Some(_), None) => "heading-reply",
        (None, None) => "new-message",
    };
    let page = ComposePage {
        chrome: chrome(state, user, &settings, &mailboxes, current, ""),
        t,
        heading: t.t(heading),
        back: form.back,
        error,
        notice,
        draft_id: form.draft_id.map(|id| id.encode()).unwrap_or_default(),
        reference_id: form.reference.as_ref().map(|r| r.id.encode()).unwrap_or_default(),
        reference_action: form.reference.as_ref().map(|r| action_name(r.action).to_string()).unwrap_or_default(),
        forward_original: form.forward_original,
        identities: identities
            .iter()
            .enumerate()
            .map(|(i, identity)| IdentityOption {
                email: identity.email.clone(),
                label: format_address(&identity.address()),
                selected: if form.from.is_empty() { i == 0 } else { identity.email.eq_ignore_ascii_case(&form.from) },
            })
            .collect(),
        to: form.to,
        cc: form.cc,
        bcc: form.bcc,
        subject: form.subject,
        text: form.text,
        markdown: form.markdown,
        kept: form.kept,
        forwarded: form.forwarded,
        contacts: contacts.into_iter().map(|c| format_address(&EmailAddress { name: c.name, email: c.email })).collect(),
        max_bytes: state.config().max_attachment_bytes,
    };
    let body = askama::Template::render(&page).map_err(|e| AppError::from(ServiceError::Internal(e.to_string())))?;
    Ok((status, [(header::CACHE_CONTROL, "no-store")], Html(body)).into_response())
}

/// `POST /compose`: send, save a draft (also the script's autosave) or discard. On any failure
/// the form comes back filled in, with the error above it.
pub async fn compose_submit(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    t: Tr,
    multipart: Multipart,
) -> Result<Response, HtmlError> {
    let config = state.config();
    let upload = Upload::read(multipart, &config.data_dir.join("spool"), config.max_attachment_bytes).await?;
    check_session_csrf(&state, &user, upload.field("csrf"))?;
    let intent = upload.field("intent").unwrap_or("send").to_string();
    let mut form = form_from(&upload)?;
    if intent == "discard" {
        if let Some(id) = &form.draft_id {
            match state.letterbox.delete_draft(&user, id).await {
                Ok(()) | Err(ServiceError::NotFound(_) | ServiceError::StaleId(_)) => {}
                Err(other) => return Err(other.into()),
            }
        }
        return Ok(Redirect::to(&form.back).into_response());
    }
    if let Err(error) = upload.require_within_limit(config.max_attachment_bytes) {
        return fail(&state, &user, t, form, error).await;
    }
    let request = match build_request(&state, &user, &form, upload).await {
        Ok(request) => request,
        Err(error) => return fail(&state, &user, t, form, error).await,
    };
    match intent.as_str() {
        "send" => match state.letterbox.send_replacing_draft(&user, request, form.draft_id.as_ref()).await {
            Ok(outcome) => {
                let separator = if form.back.contains('?') { '&' } else { '?' };
                let sent = outcome.sent_id.map(|id| format!("&sent={}", encode(&id))).unwrap_or_default();
                Ok(Redirect::to(&format!("{}{separator}notice=sent{sent}", form.back)).into_response())
            }
            Err(ServiceError::SendFailed { error, saved_draft }) => {
                let mut message = t.t1("send-failed", "error", error.to_string());
                if let Some(id) = saved_draft {
                    load_draft(&state, &user, &id, &mut form, false).await?;
                    message = format!("{message} {}", t.t("send-failed-kept"));
                }
                render(&state, &user, t, form, Some(message), None, StatusCode::BAD_GATEWAY).await
            }
            Err(other) => fail(&state, &user, t, form, other.into()).await,
        },
        "save" | "autosave" => {
            let saved = match &form.draft_id {
                Some(id) => state.letterbox.update_draft(&user, id, request).await,
                None => state.letterbox.create_draft(&user, request).await,
            };
            match saved {
                Ok(id) if intent == "autosave" => {
                    // The script lists what the draft now holds as kept attachments.
                    let draft = state.letterbox.get_draft(&user, &id).await?;
                    let attachments: Vec<serde_json::Value> = draft
                        .composition
                        .attachments
                        .iter()
                        .map(|a| serde_json::json!({ "name": a.filename, "size": human_size(a.content.len()) }))
                        .collect();
                    Ok(axum::Json(serde_json::json!({ "draftId": id.encode(), "attachments": attachments })).into_response())
                }
                Ok(id) => {
                    Ok(Redirect::to(&format!("/compose?draft={}&notice=saved&back={}", id.encode(), encode(&form.back))).into_response())
                }
                Err(error) if intent == "autosave" => Err(HtmlError(error.into())),
                Err(error) => fail(&state, &user, t, form, error.into()).await,
            }
        }
        other => fail(&state, &user, t, form, AppError::invalid("intent", format!("unknown action {other:?}"))).await,
    }
}

async fn fail(state: &AppState, user: &UserSession, t: Tr, form: FormState, error: AppError) -> Result<Response, HtmlError> {
    let message = match &error.field {
        Some(field) => format!("{} ({field})", error.detail),
        None => error.detail.clone(),
    };
    render(state, user, t, form, Some(message), None, error.status).await
}

/// The form's fields as posted (attachments stay in the upload).
fn form_from(upload: &Upload) -> Result<FormState, AppError> {
    let text = |name: &str| upload.field(name).unwrap_or("").to_string();
    let id = |name: &str| upload.field(name).filter(|v| !v.is_empty()).map(parse_message_id).transpose();
    let reference = match (id("reference_id")?, upload.field("reference_action").and_then(parse_action)) {
        (Some(id), Some(action)) => Some(Reference { id, action }),
        _ => None,
    };
    Ok(FormState {
        from: text("from"),
        to: text("to"),
        cc: text("cc"),
        bcc: text("bcc"),
        subject: text("subject"),
        text: text("text").replace("\r\n", "\n"),
        markdown: upload.field("markdown").is_some(),
        draft_id: id("draft_id")?,
        reference,
        forward_original: upload.field("forward_original") == Some("1"),
        forwarded: Vec::new(),
        kept: Vec::new(),
        back: safe_back(upload.field("back")),
    })
}

/// The service request: addresses parsed, kept draft attachments plus new files.
async fn build_request(state: &AppState, user: &UserSession, form: &FormState, upload: Upload) -> Result<OutgoingRequest, AppError> {
    let addresses = |field: &'static str, value: &str| {
        parse_address_list(value).map_err(|detail| AppError::from(ServiceError::Unprocessable { field: field.into(), detail }))
    };
    let keep: Vec<usize> = upload.all("keep").iter().filter_map(|v| v.parse().ok()).collect();
    let mut attachments = Vec::new();
    if let Some(id) = &form.draft_id
        && !keep.is_empty()
    {
        let draft = state.letterbox.get_draft(user, id).await?;
        attachments.extend(draft.composition.attachments.into_iter().enumerate().filter(|(i, _)| keep.contains(i)).map(|(_, a)| a));
    }
    let request = OutgoingRequest {
        from: Some(form.from.clone()).filter(|f| !f.is_empty()),
        to: addresses("to", &form.to)?,
        cc: addresses("cc", &form.cc)?,
        bcc: addresses("bcc", &form.bcc)?,
        subject: Some(form.subject.clone()),
        text: form.text.clone(),
        html: None,
        markdown: form.markdown,
        attachments: Vec::new(),
        reference: form.reference.clone(),
        // The form already shows the quote; only a forward's attachments are added on sending.
        quote_text: false,
        include_original_attachments: form.forward_original,
        forward_as_attachment: false,
    };
    for file in upload.files {
        attachments.push(file.into_attachment().await?);
    }
    Ok(OutgoingRequest { attachments, ..request })
}
