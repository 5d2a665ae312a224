//! The mail view: folder tree with unread counts, and one page of the selected folder.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use super::session::{SESSION_COOKIE, WebUser, session_csrf};
use super::templates::{Chrome, FolderView, MailPage, MessageRow};
use crate::http::AppState;
use crate::http::error::{AppError, HtmlError};
use crate::mail::{EmailAddress, Mailbox, MailboxId, MailboxRef, MessageId, MessageSummary};
use crate::service::messages::ListRequest;
use crate::service::{ServiceError, UserSession};

/// `GET /`: the inbox when logged in, else the login form.
pub async fn home(jar: CookieJar) -> Redirect {
    if jar.get(SESSION_COOKIE).is_some() { Redirect::to("/mail/INBOX") } else { Redirect::to("/login") }
}

/// Query string of the mail view.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    cursor: Option<String>,
    sort: Option<String>,
    q: Option<String>,
    /// `sent` after a message went out (with `sent` = the id of its copy in Sent).
    notice: Option<String>,
    sent: Option<String>,
}

/// Finds the mailbox a URL names, among the listed ones.
pub fn find_mailbox<'a>(mailboxes: &'a [Mailbox], id: &str) -> Result<&'a Mailbox, AppError> {
    match MailboxRef::parse(id) {
        Some(MailboxRef::Path(path)) => mailboxes.iter().find(|m| m.path == path),
        Some(MailboxRef::Role(role)) => mailboxes.iter().find(|m| m.role == Some(role)),
        None => None,
    }
    .ok_or_else(|| AppError::not_found(format!("There is no folder {id:?}.")))
}

/// The page frame for a user in a folder.
pub fn chrome(state: &AppState, user: &UserSession, mailboxes: &[Mailbox], current: &Mailbox, query: &str) -> Chrome {
    Chrome {
        username: user.username.clone(),
        csrf: session_csrf(state, user),
        folders: folder_views(mailboxes, current),
        mailbox_id: current.id.to_string(),
        query: query.to_string(),
        notice: None,
        notice_link: None,
    }
}

/// `GET /mail/{mailbox}`: folders and one page of messages (searched with `q`).
pub async fn mailbox_page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(mailbox_id): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Response, HtmlError> {
    let mailboxes = state.letterbox.list_mailboxes(&user).await?;
    let current = find_mailbox(&mailboxes, &mailbox_id)?;
    let q = query.q.clone().unwrap_or_default();
    let mut chrome = chrome(&state, &user, &mailboxes, current, &q);
    if query.notice.as_deref() == Some("sent") {
        chrome.notice = Some("Message sent.".into());
        chrome.notice_link = query
            .sent
            .as_deref()
            .and_then(MessageId::decode)
            .map(|id| (format!("/mail/{}/{}", MailboxId::from_path(&id.mailbox), id.encode()), "View it in Sent".to_string()));
    }
    let base = format!("/mail/{}", current.id);
    let sort = query.sort.clone().unwrap_or_default();
    let keep = |extra: &str| {
        let mut params = Vec::new();
        if !q.is_empty() {
            params.push(format!("q={}", encode(&q)));
        }
        if !sort.is_empty() {
            params.push(format!("sort={}", encode(&sort)));
        }
        if !extra.is_empty() {
            params.push(extra.to_string());
        }
        if params.is_empty() { base.clone() } else { format!("{base}?{}", params.join("&")) }
    };
    let params = crate::http::api::messages_params(query.cursor.clone(), query.sort.clone(), query.q.clone());
    let (page, status) = match crate::http::api::list_request(current.path.clone(), params) {
        Ok(request) => match state.letterbox.list_messages(&user, ListRequest { limit: 50, ..request }).await {
            Ok(page) => (Some(page), StatusCode::OK),
            Err(ServiceError::InvalidInput { detail, .. }) => {
                chrome.notice = Some(format!("That search or page link did not work: {detail}"));
                (None, StatusCode::BAD_REQUEST)
            }
            Err(other) => return Err(other.into()),
        },
        Err(error) => {
            chrome.notice = Some(format!("That search did not work: {}", error.detail));
            (None, StatusCode::BAD_REQUEST)
        }
    };
    let now = time::OffsetDateTime::now_utc();
    let (rows, total, start, next) = match page {
        Some(page) => {
            let start = page.start;
            let rows = page.items.iter().map(|m| row(m, &base, now)).collect::<Vec<_>>();
            let next = page.next_cursor.map(|c| keep(&format!("cursor={}", encode(&c))));
            (rows, page.total, start, next)
        }
        None => (Vec::new(), 0, 0, None),
    };
    let shown = rows.len();
    let page = MailPage {
        current_name: &current.name,
        current_unread: current.unread,
        total,
        first: if shown == 0 { 0 } else { start + 1 },
        last: start + shown,
        rows,
        back: keep(&query.cursor.as_ref().map(|c| format!("cursor={}", encode(c))).unwrap_or_default()),
        first_page_href: keep(""),
        next_href: next,
        chrome,
    };
    let body = askama::Template::render(&page).map_err(|e| AppError::from(ServiceError::Internal(e.to_string())))?;
    Ok((status, [(header::CACHE_CONTROL, "no-store")], Html(body)).into_response())
}

/// `GET /events`: the event stream of the browser session (what the page script listens to).
pub async fn events(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    headers: axum::http::HeaderMap,
) -> axum::response::sse::Sse<impl futures::Stream<Item = Result<axum::response::sse::Event, std::convert::Infallible>> + use<>> {
    crate::http::api::event_stream(&state.letterbox, &user, &headers)
}

/// Encodes a query-string value (application/x-www-form-urlencoded).
pub fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// "Ada Lovelace", or the address when there is no name.
pub fn display_address(address: &EmailAddress) -> String {
    address.name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| address.email.clone())
}

/// A short date for lists: "10:42" today, "3 Mar" this year, "2019-03-03" before (UTC).
pub fn date_label(iso: &str, now: time::OffsetDateTime) -> String {
    let Ok(date) = time::OffsetDateTime::parse(iso, &time::format_description::well_known::Rfc3339) else { return iso.to_string() };
    if date.date() == now.date() {
        format!("{:02}:{:02}", date.hour(), date.minute())
    } else if date.year() == now.year() {
        format!("{} {}", date.day(), &format!("{:?}", date.month())[..3])
    } else {
        format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
    }
}

fn row(message: &MessageSummary, base: &str, now: time::OffsetDateTime) -> MessageRow {
    let id = message.id.encode();
    MessageRow {
        href: format!("{base}/{id}"),
        id,
        from: message.from.as_ref().map(display_address).unwrap_or_else(|| "(unknown sender)".into()),
        subject: message.subject.clone(),
        date_label: date_label(&message.date, now),
        date_iso: message.date.clone(),
        seen: message.seen,
        flagged: message.flagged,
        answered: message.answered,
        has_attachments: message.has_attachments,
    }
}

/// Flattens the folder list in tree order (parents before children) with each folder's depth.
pub fn folder_views(mailboxes: &[Mailbox], current: &Mailbox) -> Vec<FolderView> {
    let mut ordered: Vec<&Mailbox> = mailboxes.iter().collect();
    // INBOX first, then by path segments so children follow their parent.
    let key = |m: &Mailbox| {
        let segments: Vec<String> = match m.delimiter.as_deref().filter(|d| !d.is_empty()) {
            Some(d) => m.path.split(d).map(str::to_lowercase).collect(),
            None => vec![m.path.to_lowercase()],
        };
        (m.path != "INBOX", segments)
    };
    ordered.sort_by_key(|m| key(m));
    ordered
        .into_iter()
        .map(|m| FolderView {
            id: m.id.to_string(),
            name: m.name.clone(),
            depth: m.delimiter.as_deref().filter(|d| !d.is_empty()).map_or(0, |d| m.path.matches(d).count()).min(3),
            unread: m.unread,
            selectable: m.selectable,
            current: m.id == current.id,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_labels() {
        let now = time::macros::datetime!(2026-11-26 15:00 UTC);
        let cases = [
            ("2026-11-26T10:42:00Z", "10:42"),
            ("2026-03-03T08:00:00Z", "3 Mar"),
            ("2019-03-03T08:00:00Z", "2019-03-03"),
            ("garbage", "garbage"),
        ];
        for (iso, label) in cases {
            assert_eq!(date_label(iso, now), label, "{iso}");
        }
    }
}
