//! The mail view: folder tree with unread counts, and one page of the selected folder.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;

use super::i18n::Tr;
use super::list::{ListQuery, list_view};
use super::session::{SESSION_COOKIE, WebUser, cookie_value, session_csrf};
use super::templates::{Chrome, FolderView, MailPage};
use crate::http::AppState;
use crate::http::error::{AppError, HtmlError};
use crate::mail::{EmailAddress, Mailbox, MailboxId, MailboxRef, MessageId};
use crate::service::settings::UserSettings;
use crate::service::{ServiceError, UserSession};

/// `GET /`: the inbox when logged in, else the login form.
pub async fn home(State(state): State<AppState>, client: crate::http::extract::ClientInfo, jar: CookieJar) -> Redirect {
    if cookie_value(&jar, &state, &client, SESSION_COOKIE).is_some() { Redirect::to("/mail/INBOX") } else { Redirect::to("/login") }
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
pub fn chrome(
    state: &AppState,
    user: &UserSession,
    settings: &UserSettings,
    mailboxes: &[Mailbox],
    current: &Mailbox,
    query: &str,
) -> Chrome {
    Chrome {
        username: user.username.clone(),
        csrf: session_csrf(state, user),
        folders: folder_views(mailboxes, current),
        mailbox_id: current.id.to_string(),
        query: query.to_string(),
        notice: None,
        notice_link: None,
        theme: settings.theme.as_str(),
        notify: settings.notify,
    }
}

/// `GET /mail/{mailbox}`: folders and one page of messages (searched with `q`), with an empty
/// reading pane beside it on wide screens.
pub async fn mailbox_page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    t: Tr,
    Path(mailbox_id): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Response, HtmlError> {
    let (mailboxes, settings) = tokio::try_join!(state.letterbox.list_mailboxes(&user), state.letterbox.user_settings(&user))?;
    let current = find_mailbox(&mailboxes, &mailbox_id)?;
    let mut chrome = chrome(&state, &user, &settings, &mailboxes, current, query.q.as_deref().unwrap_or(""));
    if query.notice.as_deref() == Some("sent") {
        chrome.notice = Some(t.t("message-sent"));
        chrome.notice_link = query
            .sent
            .as_deref()
            .and_then(MessageId::decode)
            .map(|id| (format!("/mail/{}/{}", MailboxId::from_path(&id.mailbox), id.encode()), t.t("view-in-sent")));
    }
    let (list, status, notice) = list_view(&state, &user, &settings, t, current, &query, "").await?;
    if notice.is_some() {
        chrome.notice = notice;
    }
    let page = MailPage { chrome, t, list };
    let body = askama::Template::render(&page).map_err(|e| AppError::from(ServiceError::Internal(e.to_string())))?;
    Ok((status, [(header::CACHE_CONTROL, "no-store")], Html(body)).into_response())
}

/// `GET /events`: the event stream of the browser session (what the page script listens to).
pub async fn events(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    headers: axum::http::HeaderMap,
) -> Result<
    axum::response::sse::Sse<impl futures::Stream<Item = Result<axum::response::sse::Event, std::convert::Infallible>> + use<>>,
    AppError,
> {
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
