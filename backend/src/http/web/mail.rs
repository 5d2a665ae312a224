//! The mail view: the folder tree with unread counts and the selected folder's pane.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;

use super::session::{SESSION_COOKIE, WebUser, session_csrf};
use super::templates::{FolderView, MailPage};
use crate::http::AppState;
use crate::http::error::{AppError, HtmlError};
use crate::mail::{Mailbox, MailboxRef};
use crate::service::ServiceError;

/// `GET /`: the inbox when logged in, else the login form.
pub async fn home(jar: CookieJar) -> Redirect {
    if jar.get(SESSION_COOKIE).is_some() { Redirect::to("/mail/INBOX") } else { Redirect::to("/login") }
}

/// `GET /mail/{mailbox}`: folders and the selected one.
pub async fn mailbox_page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(mailbox_id): Path<String>,
) -> Result<Response, HtmlError> {
    let mailboxes = state.letterbox.list_mailboxes(&user).await?;
    let current = match MailboxRef::parse(&mailbox_id) {
        Some(MailboxRef::Path(path)) => mailboxes.iter().find(|m| m.path == path),
        Some(MailboxRef::Role(role)) => mailboxes.iter().find(|m| m.role == Some(role)),
        None => None,
    }
    .ok_or_else(|| AppError::not_found(format!("There is no folder {mailbox_id:?}.")))?;
    let folders = folder_views(&mailboxes, current);
    let csrf = session_csrf(&state, &user);
    let page = MailPage {
        username: &user.username,
        csrf: &csrf,
        folders,
        current_name: &current.name,
        current_total: current.total,
        current_unread: current.unread,
    };
    let body = askama::Template::render(&page).map_err(|e| AppError::from(ServiceError::Internal(e.to_string())))?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Html(body)).into_response())
}

/// Flattens the folder list in tree order (parents before children) with each folder's depth.
fn folder_views(mailboxes: &[Mailbox], current: &Mailbox) -> Vec<FolderView> {
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
