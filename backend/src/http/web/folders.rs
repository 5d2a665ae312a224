//! Folder management: the folder tree with counts and roles, create (name and parent), rename
//! (a new name in the same place), delete after a confirmation page. INBOX stays as it is.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::i18n::Tr;
use super::identities::CsrfForm;
use super::mail::{find_mailbox, folder_views};
use super::session::{WebForm, WebUser, check_session_csrf};
use super::settings::{Choice, ConfirmPage, NoticeQuery, html, page_chrome};
use super::templates::Chrome;
use crate::http::AppState;
use crate::http::error::{AppError, HtmlError};
use crate::mail::Mailbox;
use crate::service::{ServiceError, UserSession};

/// Longest folder name accepted (the service allows 500 characters for the whole path).
const MAX_NAME_CHARS: usize = 200;

/// The new-folder form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CreateForm {
    csrf: Option<String>,
    name: String,
    parent: String,
}

/// A rename form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RenameForm {
    csrf: Option<String>,
    name: String,
}

/// One folder in the management list.
#[derive(Debug)]
pub struct FolderRow {
    pub id: String,
    pub name: String,
    pub depth: usize,
    /// "30 messages · 3 unread", or what a container is.
    pub counts: String,
    /// "Special folder: Sent", when the folder has a role.
    pub role: Option<String>,
    pub inbox: bool,
    pub selectable: bool,
    /// The rename field's value (the name, or what was typed when renaming failed).
    pub rename_value: String,
    pub error: Option<String>,
}

/// The folders page.
#[derive(Template)]
#[template(path = "folders.html")]
pub struct FoldersPage {
    pub chrome: Chrome,
    pub t: Tr,
    pub folders: Vec<FolderRow>,
    pub parents: Vec<Choice>,
    pub new_name: String,
    pub create_error: Option<String>,
    /// An error that belongs to no form on the page (INBOX, a vanished folder).
    pub error: Option<String>,
}

/// What differs from the plain page after a failed form.
#[derive(Debug, Default)]
struct Failed {
    create: Option<(CreateForm, String)>,
    rename: Option<(String, String, String)>,
    other: Option<String>,
}

/// `GET /folders`.
pub async fn folders_page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    t: Tr,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, HtmlError> {
    let notice = match query.notice() {
        Some("created") => Some(t.t("folder-created")),
        Some("renamed") => Some(t.t("folder-renamed")),
        Some("deleted") => Some(t.t("folder-deleted")),
        _ => None,
    };
    render(&state, &user, t, Failed::default(), notice, StatusCode::OK).await
}

async fn render(
    state: &AppState,
    user: &UserSession,
    t: Tr,
    failed: Failed,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, HtmlError> {
    let mailboxes = state.letterbox.list_mailboxes(user).await?;
    let mut chrome = page_chrome(state, user).await?;
    chrome.notice = notice;
    let inbox = find_mailbox(&mailboxes, "INBOX")?;
    let (new_name, parent, create_error) = match failed.create {
        Some((form, error)) => (form.name, form.parent, Some(error)),
        None => (String::new(), String::new(), None),
    };
    let mut rename_shown = false;
    let mut folders = Vec::new();
    let mut parents = vec![Choice { value: String::new(), label: t.t("folder-parent-none"), selected: parent.is_empty() }];
    for view in folder_views(&mailboxes, inbox) {
        let Some(mailbox) = mailboxes.iter().find(|m| m.id.as_str() == view.id) else { continue };
        let (rename_value, error) = match &failed.rename {
            Some((id, typed, error)) if *id == view.id && mailbox.path != "INBOX" => {
                rename_shown = true;
                (typed.clone(), Some(error.clone()))
            }
            _ => (mailbox.name.clone(), None),
        };
        parents.push(Choice { selected: view.id == parent, value: view.id.clone(), label: mailbox.path.clone() });
        folders.push(FolderRow {
            id: view.id,
            name: mailbox.name.clone(),
            depth: view.depth,
            counts: counts(t, mailbox),
            role: mailbox
                .role
                .filter(|_| mailbox.path != "INBOX")
                .map(|role| t.t1("folder-role", "role", t.t(&format!("role-{}", role.as_str())))),
            inbox: mailbox.path == "INBOX",
            selectable: mailbox.selectable,
            rename_value,
            error,
        });
    }
    let error = match (failed.rename, rename_shown) {
        (Some((_, _, error)), false) => Some(error),
        _ => failed.other,
    };
    let page = FoldersPage { chrome, t, folders, parents, new_name, create_error, error };
    html(&page, status)
}

fn counts(t: Tr, mailbox: &Mailbox) -> String {
    if !mailbox.selectable {
        return t.t("folder-container");
    }
    let total = t.count("folder-total", mailbox.total as usize);
    match mailbox.unread {
        0 => total,
        unread => format!("{total} · {}", t.t1("list-unread", "count", t.number(unread as usize))),
    }
}

/// `POST /folders`: creates a folder at the top level or inside `parent`.
pub async fn folder_create(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    t: Tr,
    WebForm(form): WebForm<CreateForm>,
) -> Result<Response, HtmlError> {
    check_session_csrf(&state, &user, form.csrf.as_deref())?;
    let mailboxes = state.letterbox.list_mailboxes(&user).await?;
    let result = match new_path(&mailboxes, &form, t) {
        Ok(path) => state.letterbox.create_mailbox(&user, &path).await.map_err(|err| folder_error(t, err, "folder-error-exists")),
        Err(error) => Err(Ok(error)),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/folders?notice=created").into_response()),
        Err(error) => {
            let (status, message) = error?;
            render(&state, &user, t, Failed { create: Some((form, message)), ..Failed::default() }, None, status).await
        }
    }
}

/// The path of a new folder: `name` checked, under the chosen parent (with its delimiter).
fn new_path(mailboxes: &[Mailbox], form: &CreateForm, t: Tr) -> Result<String, (StatusCode, String)> {
    let parent = match form.parent.as_str() {
        "" => None,
        id => Some(find_mailbox(mailboxes, id).map_err(|_| (StatusCode::NOT_FOUND, t.t("folder-error-missing")))?),
    };
    let delimiter = match parent {
        Some(parent) => parent.delimiter.clone().filter(|d| !d.is_empty()),
        None => mailboxes.iter().find_map(|m| m.delimiter.clone().filter(|d| !d.is_empty())),
    };
    let name = check_name(&form.name, delimiter.as_deref(), t)?;
    match (parent, delimiter) {
        (None, _) => Ok(name),
        (Some(parent), Some(delimiter)) => Ok(format!("{}{delimiter}{name}", parent.path)),
        (Some(_), None) => Err((StatusCode::BAD_REQUEST, t.t("folder-error-nesting"))),
    }
}

/// Checks one level's name as typed; returns it trimmed.
fn check_name(raw: &str, delimiter: Option<&str>, t: Tr) -> Result<String, (StatusCode, String)> {
    let bad = |id: &str| (StatusCode::BAD_REQUEST, t.t(id));
    // Control characters anywhere (a trailing line break too) are refused, not trimmed away.
    if raw.chars().any(char::is_control) {
        return Err(bad("folder-error-control"));
    }
    let name = raw.trim();
    if name.is_empty() {
        return Err(bad("folder-error-empty"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(bad("folder-error-long"));
    }
    if name.contains(['*', '%']) {
        return Err(bad("folder-error-wildcard"));
    }
    if let Some(delimiter) = delimiter.filter(|d| name.contains(*d)) {
        return Err((StatusCode::BAD_REQUEST, t.t1("folder-error-delimiter", "delimiter", delimiter)));
    }
    Ok(name.to_string())
}

/// `POST /folders/{id}/rename`: gives a folder a new name in the same place.
pub async fn folder_rename(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    t: Tr,
    Path(id): Path<String>,
    WebForm(form): WebForm<RenameForm>,
) -> Result<Response, HtmlError> {
    check_session_csrf(&state, &user, form.csrf.as_deref())?;
    let mailboxes = state.letterbox.list_mailboxes(&user).await?;
    let result = match renamed_path(&mailboxes, &id, &form.name, t) {
        Ok(None) => Ok(()),
        Ok(Some(path)) => {
            state.letterbox.rename_mailbox(&user, &id, &path).await.map(drop).map_err(|err| folder_error(t, err, "folder-error-exists"))
        }
        Err(error) => Err(Ok(error)),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/folders?notice=renamed").into_response()),
        Err(error) => {
            let (status, message) = error?;
            render(&state, &user, t, Failed { rename: Some((id, form.name, message)), ..Failed::default() }, None, status).await
        }
    }
}

/// The path after renaming `id` to `name` (`None` when it stays the same).
fn renamed_path(mailboxes: &[Mailbox], id: &str, name: &str, t: Tr) -> Result<Option<String>, (StatusCode, String)> {
    let mailbox = find_mailbox(mailboxes, id).map_err(|_| (StatusCode::NOT_FOUND, t.t("folder-error-missing")))?;
    if mailbox.path.eq_ignore_ascii_case("INBOX") {
        return Err((StatusCode::FORBIDDEN, t.t("folder-error-inbox")));
    }
    let delimiter = mailbox.delimiter.as_deref().filter(|d| !d.is_empty());
    let name = check_name(name, delimiter, t)?;
    let prefix = match delimiter.and_then(|d| mailbox.path.rfind(d).map(|i| i + d.len())) {
        Some(end) => &mailbox.path[..end],
        None => "",
    };
    let path = format!("{prefix}{name}");
    if path == mailbox.path {
        return Ok(None);
    }
    if mailboxes.iter().any(|m| m.path == path) {
        return Err((StatusCode::CONFLICT, t.t("folder-error-exists")));
    }
    Ok(Some(path))
}

/// `GET /folders/{id}/delete`: asks before deleting (and says how many messages go with it).
pub async fn folder_delete_page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    t: Tr,
    Path(id): Path<String>,
) -> Result<Response, HtmlError> {
    let mailboxes = state.letterbox.list_mailboxes(&user).await?;
    let mailbox = find_mailbox(&mailboxes, &id).map_err(|_| AppError::not_found(t.t("folder-error-missing")))?;
    if mailbox.path.eq_ignore_ascii_case("INBOX") {
        return Err(HtmlError(AppError::from(ServiceError::Forbidden(t.t("folder-error-inbox")))));
    }
    let page = ConfirmPage {
        chrome: page_chrome(&state, &user).await?,
        t,
        title: t.t("folder-delete-title"),
        question: t.t1("folder-delete-question", "name", &mailbox.path),
        detail: t.count("folder-delete-detail", mailbox.total as usize),
        action: format!("/folders/{id}/delete"),
        button: t.t("folder-delete-confirm"),
        cancel: "/folders".to_string(),
        error: None,
    };
    html(&page, StatusCode::OK)
}

/// `POST /folders/{id}/delete`: deletes the folder and the messages in it.
pub async fn folder_delete(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    t: Tr,
    Path(id): Path<String>,
    WebForm(form): WebForm<CsrfForm>,
) -> Result<Response, HtmlError> {
    check_session_csrf(&state, &user, form.csrf.as_deref())?;
    match state.letterbox.delete_mailbox(&user, &id).await {
        Ok(()) => Ok(Redirect::to("/folders?notice=deleted").into_response()),
        Err(err) => {
            let (status, message) = folder_error(t, err, "folder-error-children")?;
            render(&state, &user, t, Failed { other: Some(message), ..Failed::default() }, None, status).await
        }
    }
}

/// A refused folder change as a status and a sentence (`conflict` is the message for a 409);
/// a mail server that is down gives an error page instead.
fn folder_error(t: Tr, err: ServiceError, conflict: &str) -> Result<(StatusCode, String), HtmlError> {
    let message = match &err {
        ServiceError::InvalidInput { .. } => t.t("folder-error-invalid"),
        ServiceError::Conflict(_) => t.t(conflict),
        ServiceError::Forbidden(_) => t.t("folder-error-inbox"),
        ServiceError::NotFound(_) => t.t("folder-error-missing"),
        ServiceError::Refused(detail) => t.t1("folder-error-refused", "detail", detail),
        _ => return Err(err.into()),
    };
    Ok((AppError::from(err).status, message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::MailboxId;

    fn mailbox(path: &str) -> Mailbox {
        Mailbox {
            id: MailboxId::from_path(path),
            name: path.rsplit('.').next().unwrap().to_string(),
            path: path.to_string(),
            parent_id: path.rsplit_once('.').map(|(parent, _)| MailboxId::from_path(parent)),
            delimiter: Some(".".into()),
            role: None,
            total: 0,
            unread: 0,
            subscribed: true,
            selectable: true,
        }
    }

    #[test]
    fn paths_from_names() {
        let t = Tr::default();
        let boxes = [mailbox("INBOX"), mailbox("Work"), mailbox("Work.Old")];
        let create = |name: &str, parent: &str| {
            new_path(&boxes, &CreateForm { csrf: None, name: name.into(), parent: parent.into() }, t).map_err(|(status, _)| status)
        };
        assert_eq!(create("  Plans ", ""), Ok("Plans".to_string()));
        assert_eq!(create("Q1", boxes[1].id.as_str()), Ok("Work.Q1".to_string()));
        for bad in ["", "a\r\nb", "Trailing\n", "a*", "a.b"] {
            assert_eq!(create(bad, ""), Err(StatusCode::BAD_REQUEST), "{bad:?}");
        }
        assert_eq!(create("X", "bm9wZQ"), Err(StatusCode::NOT_FOUND), "an unknown parent");
        let rename = |id: &MailboxId, name: &str| renamed_path(&boxes, id.as_str(), name, t).map_err(|(status, _)| status);
        assert_eq!(rename(&boxes[2].id, "New"), Ok(Some("Work.New".to_string())), "stays inside its parent");
        assert_eq!(rename(&boxes[2].id, "Old"), Ok(None), "unchanged");
        assert_eq!(rename(&boxes[1].id, "INBOX"), Err(StatusCode::CONFLICT));
        assert_eq!(rename(&boxes[0].id, "Other"), Err(StatusCode::FORBIDDEN));
    }
}
