//! One message in the browser: the reading page, its sandboxed body, source, attachments, and
//! the action forms (flag, move, delete, spam, archive, bulk actions on the list).

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::i18n::Tr;
use super::list::{ListQuery, list_view};
use super::mail::{chrome, display_address, find_mailbox};
use super::session::{WebForm, WebUser, check_session_csrf};
use super::templates::{AttachmentLink, MessageBody, MessagePage};
use crate::http::AppState;
use crate::http::error::{AppError, HtmlError};
use crate::mail::auth_results::SenderCheck;
use crate::mail::{MessageId, Role};
use crate::service::messages::parse_message_id;
use crate::service::render::{sanitized_body, text_body};
use crate::service::settings::SenderTrust;
use crate::service::{ServiceError, UserSession};

/// `?remote=allow` loads remote images for this message only.
#[derive(Debug, Default, Deserialize)]
pub struct RemoteQuery {
    remote: Option<String>,
}

fn render<T: askama::Template>(page: &T) -> Result<String, HtmlError> {
    page.render().map_err(|e| HtmlError(AppError::from(ServiceError::Internal(e.to_string()))))
}

fn human_size(bytes: usize) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.0} KB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MB", bytes as f64 / 1_048_576.0),
    }
}

/// `GET /mail/{mailbox}/{message}`: the message beside its folder's list (on phones: alone).
/// Showing it changes nothing (a cross-site link could ask for it): the page's script marks it
/// read by a same-origin POST, and without script the page offers "Mark read" (and any action
/// from the page marks it read too). Remote content loads when asked (`?remote=allow`) or when the sender
/// is on the user's list.
pub async fn message_page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    t: Tr,
    Path((mailbox_id, message_id)): Path<(String, String)>,
    Query(query): Query<ListQuery>,
) -> Result<Response, HtmlError> {
    let id = parse_message_id(&message_id)?;
    let view = state.letterbox.get_message(&user, &id, false).await?;
    let (mailboxes, settings) = tokio::try_join!(state.letterbox.list_mailboxes(&user), state.letterbox.user_settings(&user))?;
    let current = find_mailbox(&mailboxes, &mailbox_id)?;
    if current.role == Some(Role::Drafts) && current.path == id.mailbox {
        // Opening a draft means going on writing it.
        let back = super::mail::encode(&format!("/mail/{}", current.id));
        return Ok(Redirect::to(&format!("/compose?draft={message_id}&back={back}")).into_response());
    }
    let summary = &view.summary;
    let sender = summary.from.as_ref().map(|f| f.email.to_lowercase()).unwrap_or_default();
    let trust = settings.sender_trust(&sender, view.parsed.authentication_results.as_deref(), state.config().authserv_id.as_deref());
    let allow_remote = query.remote.as_deref() == Some("allow") || trust == SenderTrust::Trusted;
    let encoded = id.encode();
    let remote_blocked = match (&view.parsed.html, allow_remote) {
        (Some(html), false) => sanitized_body(html, &view.parsed.attachments, false, "").await.remote_blocked,
        _ => 0,
    };
    let (list, _, _) = list_view(&state, &user, &settings, t, current, &ListQuery { remote: None, ..query.clone() }, &encoded).await?;
    let join = |list: &[crate::mail::EmailAddress]| list.iter().map(display_with_email).collect::<Vec<_>>().join(", ");
    let list_params = query.list_params();
    let self_href =
        format!("/mail/{}/{encoded}{}", current.id, if list_params.is_empty() { String::new() } else { format!("?{list_params}") });
    let remote_href = format!("{self_href}{}remote=allow", if list_params.is_empty() { '?' } else { '&' });
    let remote_unverified = unverified_reason(t, &trust, &sender);
    let page = MessagePage {
        chrome: chrome(&state, &user, &settings, &mailboxes, current, ""),
        t,
        subject: t.subject(&summary.subject),
        from: summary.from.as_ref().map(display_with_email).unwrap_or_else(|| t.t("unknown-sender")),
        sender,
        to: join(&summary.to),
        cc: join(&summary.cc),
        date_label: t.date_long(&summary.date),
        date_iso: summary.date.clone(),
        flagged: summary.flagged,
        seen: summary.seen,
        back_encoded: super::mail::encode(&list.back),
        back: list.back.clone(),
        self_href,
        remote_href,
        body_href: format!("/message/{encoded}/body{}", if allow_remote { "?remote=allow" } else { "" }),
        remote_unverified,
        remote_blocked,
        attachments: view
            .parsed
            .attachments
            .iter()
            .map(|a| AttachmentLink {
                href: format!("/message/{encoded}/attachments/{}", a.part_id),
                name: a.filename.clone().unwrap_or_else(|| format!("part {}", a.part_id)),
                content_type: a.content_type.clone(),
                size: human_size(a.size),
            })
            .collect(),
        id: encoded,
        list,
    };
    Ok(([(header::CACHE_CONTROL, "no-store")], Html(render(&page)?)).into_response())
}

/// Why a listed sender's remote content stays blocked, for the banner ("" when it does not).
fn unverified_reason(t: Tr, trust: &SenderTrust, sender: &str) -> String {
    let key = match trust {
        SenderTrust::Unverified(SenderCheck::NoHeader) => "remote-unverified-none",
        SenderTrust::Unverified(SenderCheck::OtherServer) => "remote-unverified-other-server",
        SenderTrust::Unverified(_) => "remote-unverified-failed",
        SenderTrust::NotListed | SenderTrust::Trusted => return String::new(),
    };
    let domain = sender.rsplit_once('@').map(|(_, d)| d).unwrap_or("");
    t.t2s(key, "sender", sender, "domain", domain)
}

fn display_with_email(address: &crate::mail::EmailAddress) -> String {
    match &address.name {
        Some(name) if !name.is_empty() && !address.email.is_empty() => format!("{name} <{}>", address.email),
        _ => display_address(address),
    }
}

/// `GET /message/{id}/body`: the sanitized body as its own document, for the sandboxed frame.
/// Its CSP allows no script at all and images only from this message (or remote on request).
pub async fn message_body(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(message_id): Path<String>,
    Query(remote): Query<RemoteQuery>,
) -> Result<Response, HtmlError> {
    let id = parse_message_id(&message_id)?;
    let view = state.letterbox.get_message(&user, &id, false).await?;
    let allow_remote = remote.remote.as_deref() == Some("allow");
    let encoded = id.encode();
    let body = match &view.parsed.html {
        Some(html) => {
            sanitized_body(html, &view.parsed.attachments, allow_remote, &format!("/message/{encoded}/attachments/{{part}}?inline=true"))
                .await
                .html
        }
        None => {
            let (flowed, delsp) = view.parsed.text_flowed;
            text_body(view.parsed.text.as_deref().unwrap_or(""), flowed, delsp)
        }
    };
    let images = if allow_remote { "img-src 'self' data: https: http:" } else { "img-src 'self' data:" };
    let csp =
        format!("default-src 'none'; style-src 'unsafe-inline'; {images}; frame-ancestors 'self'; base-uri 'self'; form-action 'none'");
    Ok((
        [
            (header::CONTENT_SECURITY_POLICY, csp),
            (header::X_FRAME_OPTIONS, "SAMEORIGIN".to_string()),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        Html(render(&MessageBody { body: &body })?),
    )
        .into_response())
}

/// `GET /message/{id}/raw`: the source as plain text ("view source").
pub async fn message_raw(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(message_id): Path<String>,
) -> Result<Response, HtmlError> {
    let id = parse_message_id(&message_id)?;
    let raw = state.letterbox.raw_message(&user, &id).await?;
    let headers = [(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::CACHE_CONTROL, "private, no-store")];
    Ok((headers, String::from_utf8_lossy(&raw).into_owned()).into_response())
}

/// `GET /message/{id}/attachments/{part}`: a download (images and PDFs inline on request).
pub async fn message_attachment(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((message_id, part)): Path<(String, String)>,
    Query(params): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, HtmlError> {
    let id = parse_message_id(&message_id)?;
    let content = state.letterbox.attachment(&user, &id, &part).await?;
    Ok(crate::http::api::attachment_response(content, params.get("inline").is_some_and(|v| v == "true")))
}

/// The action forms' fields.
#[derive(Debug, Deserialize)]
pub struct ActionForm {
    csrf: Option<String>,
    action: String,
    /// Set by the message page's form: the message was opened, so it becomes read as well.
    opened: Option<String>,
    mailbox: Option<String>,
    back: Option<String>,
    #[serde(default)]
    ids: Vec<String>,
}

/// Only our own mail pages are valid places to return to (no open redirect).
fn safe_back(back: Option<&str>, fallback: &str) -> String {
    match back {
        Some(path) if path.starts_with("/mail/") && !path.contains("//") && !path.contains('\\') => path.to_string(),
        _ => fallback.to_string(),
    }
}

/// An action form resolved once: folder lookups happen before the first message, not per
/// message of a batch.
enum Action {
    Flags(Vec<String>, Vec<String>),
    Transfer(String),
    Delete(Option<String>),
    TrustSender,
}

async fn resolve_action(state: &AppState, user: &UserSession, action: &str, mailbox: Option<&str>) -> Result<Action, AppError> {
    let flag = |add: bool, flag: &str| {
        if add { Action::Flags(vec![flag.to_string()], vec![]) } else { Action::Flags(vec![], vec![flag.to_string()]) }
    };
    Ok(match action {
        "read" => flag(true, "\\Seen"),
        "unread" => flag(false, "\\Seen"),
        "flag" => flag(true, "\\Flagged"),
        "unflag" => flag(false, "\\Flagged"),
        "archive" => Action::Transfer(state.letterbox.resolve_destination(user, Role::Archive.as_str()).await?),
        "spam" => Action::Transfer(state.letterbox.resolve_destination(user, Role::Junk.as_str()).await?),
        "delete" => Action::Delete(state.letterbox.trash_path(user).await?),
        "trust-sender" => Action::TrustSender,
        "move" => {
            let target = mailbox.filter(|m| !m.is_empty()).ok_or_else(|| AppError::invalid("mailbox", "pick a folder to move to"))?;
            Action::Transfer(state.letterbox.resolve_destination(user, target).await?)
        }
        other => return Err(AppError::invalid("action", format!("unknown action {other:?}"))),
    })
}

async fn apply(state: &AppState, user: &UserSession, id: &MessageId, action: &Action) -> Result<(), AppError> {
    match action {
        Action::Flags(add, remove) => {
            state.letterbox.update_flags(user, id, add.clone(), remove.clone()).await?;
        }
        Action::Transfer(path) => {
            state.letterbox.transfer_message(user, id, path, true).await?;
        }
        Action::Delete(trash) => state.letterbox.delete_message_to(user, id, false, trash.as_deref()).await?,
        Action::TrustSender => {
            let summary = state.letterbox.message_summary(user, id).await?;
            let sender = summary
                .from
                .map(|f| f.email)
                .filter(|e| !e.is_empty())
                .ok_or_else(|| AppError::invalid("action", "this message has no sender"))?;
            state.letterbox.trust_remote_sender(user, &sender).await?;
        }
    }
    Ok(())
}

/// `POST /message/{id}/action`: one action on one message, then back to the list (or message).
pub async fn message_action(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(message_id): Path<String>,
    WebForm(form): WebForm<ActionForm>,
) -> Result<Redirect, HtmlError> {
    check_session_csrf(&state, &user, form.csrf.as_deref())?;
    let id = parse_message_id(&message_id)?;
    let fallback = format!("/mail/{}", crate::mail::MailboxId::from_path(&id.mailbox));
    let action = resolve_action(&state, &user, &form.action, form.mailbox.as_deref()).await?;
    if form.opened.is_some() && !matches!(form.action.as_str(), "read" | "unread") {
        // Read first, so a message moved away from the page arrives read, as it was opened.
        state.letterbox.update_flags(&user, &id, vec!["\\Seen".to_string()], vec![]).await?;
    }
    apply(&state, &user, &id, &action).await?;
    Ok(Redirect::to(&safe_back(form.back.as_deref(), &fallback)))
}

/// `POST /mail/{mailbox}/batch`: one action on the selected messages of the list.
pub async fn batch_action(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(mailbox_id): Path<String>,
    WebForm(form): WebForm<ActionForm>,
) -> Result<Redirect, HtmlError> {
    check_session_csrf(&state, &user, form.csrf.as_deref())?;
    let fallback = format!("/mail/{mailbox_id}");
    let action = resolve_action(&state, &user, &form.action, form.mailbox.as_deref()).await?;
    for text in &form.ids {
        let id = parse_message_id(text)?;
        match apply(&state, &user, &id, &action).await {
            Ok(()) => {}
            // A message another client removed meanwhile is no reason to stop the rest.
            Err(error) if error.status == axum::http::StatusCode::NOT_FOUND => {}
            Err(error) => return Err(HtmlError(error)),
        }
    }
    Ok(Redirect::to(&safe_back(form.back.as_deref(), &fallback)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_mail_pages_are_return_targets() {
        let cases = [
            (Some("/mail/INBOX?cursor=x"), "/mail/INBOX?cursor=x"),
            (Some("https://evil.example/"), "/f"),
            (Some("//evil.example/mail/"), "/f"),
            (Some("/mail//evil.example"), "/f"),
            (Some("/mail/\\\\evil"), "/f"),
            (None, "/f"),
        ];
        for (back, expected) in cases {
            assert_eq!(safe_back(back, "/f"), expected, "{back:?}");
        }
    }
}
