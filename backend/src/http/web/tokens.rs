//! `/settings/tokens`: API tokens for other apps in the browser — create one (its secret shown
//! this once), see when each was last used, revoke one.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::i18n::Tr;
use super::identities::CsrfForm;
use super::session::{WebForm, WebUser, check_session_csrf};
use super::settings::{NoticeQuery, html, page_chrome};
use super::templates::Chrome;
use crate::http::AppState;
use crate::http::error::HtmlError;
use crate::service::tokens::{NewToken, Scope};
use crate::service::{ServiceError, UserSession};

/// One token as the page lists it.
#[derive(Debug)]
pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub scopes: String,
    pub created: String,
    pub last_used: String,
}

/// The tokens page.
#[derive(Template)]
#[template(path = "tokens.html")]
pub struct TokensPage {
    pub chrome: Chrome,
    pub t: Tr,
    pub rows: Vec<TokenRow>,
    /// The secret of the token just created (shown once).
    pub created: Option<String>,
    pub error: Option<String>,
    pub name: String,
}

/// The create form.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    csrf: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: Vec<String>,
}

fn date(t: Tr, unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|d| d.format(&time::format_description::well_known::Rfc3339).ok())
        .map(|iso| t.date_long(&iso))
        .unwrap_or_default()
}

/// What the page shows beside the list: a notice, a just-created secret, a form error.
#[derive(Debug, Default)]
struct Shown {
    notice: Option<String>,
    created: Option<String>,
    error: Option<String>,
    name: String,
}

async fn render(state: &AppState, user: &UserSession, t: Tr, shown: Shown, status: StatusCode) -> Result<Response, HtmlError> {
    let Shown { notice, created, error, name } = shown;
    let mut chrome = page_chrome(state, user).await?;
    chrome.notice = notice;
    let rows = state
        .letterbox
        .list_tokens(user)
        .await?
        .into_iter()
        .map(|info| TokenRow {
            scopes: info.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
            created: date(t, info.created_at),
            last_used: info.last_used_at.map(|at| date(t, at)).unwrap_or_else(|| t.t("token-never-used")),
            id: info.id,
            name: info.name,
        })
        .collect();
    html(&TokensPage { chrome, t, rows, created, error, name }, status)
}

/// `GET /settings/tokens`.
pub async fn tokens_page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    t: Tr,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, HtmlError> {
    let notice = (query.notice() == Some("revoked")).then(|| t.t("token-revoked"));
    render(&state, &user, t, Shown { notice, ..Shown::default() }, StatusCode::OK).await
}

/// `POST /settings/tokens`: creates a token and shows its secret on the page this once.
pub async fn token_create(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    t: Tr,
    WebForm(form): WebForm<TokenForm>,
) -> Result<Response, HtmlError> {
    check_session_csrf(&state, &user, form.csrf.as_deref())?;
    let scopes: Vec<String> = form.scope.iter().filter(|s| Scope::parse(s).is_some()).cloned().collect();
    let request = NewToken { name: form.name.clone(), scopes, mailboxes: None, expires_at: None };
    match state.letterbox.create_token(&user, request).await {
        Ok(created) => {
            let secret = created.token.expose().to_string();
            let shown = Shown { notice: Some(t.t("token-created")), created: Some(secret), ..Shown::default() };
            render(&state, &user, t, shown, StatusCode::CREATED).await
        }
        Err(ServiceError::Unprocessable { field, .. }) => {
            let message = if field.starts_with("scope") { t.t("token-error-scopes") } else { t.t("token-error-name") };
            let shown = Shown { error: Some(message), name: form.name, ..Shown::default() };
            render(&state, &user, t, shown, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /settings/tokens/{id}/revoke`: the token stops working at once.
pub async fn token_revoke(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    WebForm(form): WebForm<CsrfForm>,
) -> Result<Response, HtmlError> {
    check_session_csrf(&state, &user, form.csrf.as_deref())?;
    match state.letterbox.revoke_token(&user, &id).await {
        Ok(()) | Err(ServiceError::NotFound(_)) => Ok(Redirect::to("/settings/tokens?notice=revoked").into_response()),
        Err(other) => Err(other.into()),
    }
}
