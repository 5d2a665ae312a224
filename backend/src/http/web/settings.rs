//! The settings page: preferences (theme, language, page size, notifications, senders whose
//! remote content loads) and, below them, the sender identities (their forms post to
//! `identities.rs`). Plain forms with POST-redirect-GET; a failed form comes back filled in.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use super::i18n::{LANG_COOKIE, Lang, Tr};
use super::mail::{chrome, find_mailbox};
use super::session::{WebForm, WebUser, check_session_csrf, cookie, removal};
use super::templates::Chrome;
use crate::http::AppState;
use crate::http::error::{AppError, HtmlError};
use crate::http::extract::ClientInfo;
use crate::mail::compose::parse_address;
use crate::service::Identity;
use crate::service::settings::{PAGE_SIZES, Theme, UserSettings};
use crate::service::{ServiceError, UserSession};

/// `?notice=…` after a redirect: which done action to confirm.
#[derive(Debug, Default, Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

impl NoticeQuery {
    /// The notice's key, if any.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }
}

/// The preferences form as posted (strings, so a failed form shows what was sent).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    pub csrf: Option<String>,
    pub theme: String,
    pub language: String,
    pub page_size: String,
    pub notify: Option<String>,
    pub remote_senders: String,
}

/// An identity form as posted (add or edit; `email` only on add).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct IdentityForm {
    pub csrf: Option<String>,
    pub email: String,
    pub name: String,
    pub reply_to: String,
    pub signature: String,
    pub make_default: Option<String>,
}

/// One option of a radio group or select.
#[derive(Debug)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One identity on the page, with its edit form's values (as saved, or as posted when the
/// edit failed) and that form's error.
#[derive(Debug)]
pub struct IdentityView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub reply_to: String,
    pub signature_excerpt: String,
    pub is_default: bool,
    /// May send (see [`crate::service::Identity::confirmed`]); otherwise the page offers a new link.
    pub confirmed: bool,
    pub form: IdentityForm,
    pub error: Option<String>,
}

/// The settings page.
#[derive(Template)]
#[template(path = "settings.html")]
pub struct SettingsPage {
    pub chrome: Chrome,
    pub t: Tr,
    pub themes: Vec<Choice>,
    pub languages: Vec<Choice>,
    pub page_sizes: Vec<Choice>,
    pub notify: bool,
    pub remote_senders: String,
    pub error: Option<String>,
    pub identities: Vec<IdentityView>,
    pub new_identity: IdentityForm,
    pub new_error: Option<String>,
}

/// A confirmation step before something is deleted (works with and without the script).
#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub chrome: Chrome,
    pub t: Tr,
    pub title: String,
    pub question: String,
    pub detail: String,
    pub action: String,
    pub button: String,
    pub cancel: String,
    pub error: Option<String>,
}

/// What differs from the saved state when the page is shown again after a failed form.
#[derive(Debug, Default)]
pub struct Overrides {
    pub notice: Option<String>,
    /// The preferences as posted, and why they were not saved.
    pub settings: Option<(SettingsForm, String)>,
    /// The add form as posted, and why the identity was not added.
    pub new_identity: Option<(IdentityForm, String)>,
    /// The edited identity's id, its form as posted, and why it was not saved.
    pub edit_identity: Option<(String, IdentityForm, String)>,
}

/// The frame for a page outside any folder (settings, folders): no folder is current.
pub async fn page_chrome(state: &AppState, user: &UserSession) -> Result<Chrome, HtmlError> {
    let (mailboxes, settings) = tokio::try_join!(state.letterbox.list_mailboxes(user), state.letterbox.user_settings(user))?;
    let inbox = find_mailbox(&mailboxes, "INBOX")?;
    let mut chrome = chrome(state, user, &settings, &mailboxes, inbox, "");
    chrome.folders.iter_mut().for_each(|f| f.current = false);
    Ok(chrome)
}

/// Renders a page template with `status`, never cached.
pub fn html(page: &impl Template, status: StatusCode) -> Result<Response, HtmlError> {
    let body = page.render().map_err(|e| AppError::from(ServiceError::Internal(e.to_string())))?;
    Ok((status, [(header::CACHE_CONTROL, "no-store")], Html(body)).into_response())
}

/// `GET /settings`.
pub async fn settings_page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    t: Tr,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, HtmlError> {
    let notice = match query.notice() {
        Some("saved") => Some("settings-saved"),
        Some("identity-added") => Some("identity-added"),
        Some("identity-updated") => Some("identity-updated"),
        Some("identity-deleted") => Some("identity-deleted"),
        Some("identity-confirm-sent") => Some("identity-confirm-sent"),
        Some("identity-confirmed") => Some("identity-confirmed"),
        _ => None,
    };
    let overrides = Overrides { notice: notice.map(|id| t.t(id)), ..Overrides::default() };
    render_settings(&state, &user, t, overrides, StatusCode::OK).await
}

/// Shows the settings page: saved values, or the posted ones of a form that failed.
pub async fn render_settings(
    state: &AppState,
    user: &UserSession,
    t: Tr,
    overrides: Overrides,
    status: StatusCode,
) -> Result<Response, HtmlError> {
    let (saved, identities) = tokio::try_join!(state.letterbox.user_settings(user), state.letterbox.list_identities(user))?;
    let mut chrome = page_chrome(state, user).await?;
    chrome.notice = overrides.notice;
    let (form, error) = match overrides.settings {
        Some((form, error)) => (form, Some(error)),
        None => (form_of(&saved), None),
    };
    let choices = |values: Vec<(&str, String)>, current: &str| -> Vec<Choice> {
        values.into_iter().map(|(value, label)| Choice { selected: value == current, value: value.to_string(), label }).collect()
    };
    let themes = choices(
        [Theme::Auto, Theme::Light, Theme::Dark].iter().map(|th| (th.as_str(), t.t(&format!("theme-{}", th.as_str())))).collect(),
        &form.theme,
    );
    let mut languages = vec![("", t.t("language-browser"))];
    languages.extend(Lang::ALL.iter().map(|l| (l.code(), t.t(&format!("language-{}", l.code())))));
    let sizes: Vec<String> = PAGE_SIZES.iter().map(usize::to_string).collect();
    let page_sizes = choices(sizes.iter().map(|s| (s.as_str(), s.clone())).collect(), form.page_size.trim());
    let identities = identities.into_iter().map(|identity| identity_view(identity, &overrides.edit_identity)).collect();
    let (new_identity, new_error) = match overrides.new_identity {
        Some((form, error)) => (form, Some(error)),
        None => (IdentityForm::default(), None),
    };
    let page = SettingsPage {
        chrome,
        t,
        themes,
        languages: choices(languages, &form.language),
        page_sizes,
        notify: form.notify.is_some(),
        remote_senders: form.remote_senders,
        error,
        identities,
        new_identity,
        new_error,
    };
    html(&page, status)
}

fn form_of(settings: &UserSettings) -> SettingsForm {
    SettingsForm {
        csrf: None,
        theme: settings.theme.as_str().to_string(),
        language: settings.language.clone().unwrap_or_default(),
        page_size: settings.page_size.to_string(),
        notify: settings.notify.then(|| "1".to_string()),
        remote_senders: settings.remote_senders.join("\n"),
    }
}

fn identity_view(identity: Identity, edited: &Option<(String, IdentityForm, String)>) -> IdentityView {
    let (form, error) = match edited {
        Some((id, form, error)) if *id == identity.id => (form.clone(), Some(error.clone())),
        _ => (
            IdentityForm {
                csrf: None,
                email: identity.email.clone(),
                name: identity.name.clone().unwrap_or_default(),
                reply_to: identity.reply_to.clone().unwrap_or_default(),
                signature: identity.signature.clone(),
                make_default: identity.is_default.then(|| "1".to_string()),
            },
            None,
        ),
    };
    let first_line = identity.signature.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    let mut excerpt: String = first_line.chars().take(60).collect();
    if excerpt.len() < first_line.len() || identity.signature.trim().lines().count() > 1 {
        excerpt.push('…');
    }
    IdentityView {
        id: identity.id,
        email: identity.email,
        name: identity.name.unwrap_or_default(),
        reply_to: identity.reply_to.unwrap_or_default(),
        signature_excerpt: excerpt,
        is_default: identity.is_default,
        confirmed: identity.confirmed,
        form,
        error,
    }
}

/// `POST /settings`: saves the preferences; the language also goes into the cookie that picks
/// the UI language ("browser default" removes it).
pub async fn settings_submit(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    t: Tr,
    client: ClientInfo,
    jar: CookieJar,
    WebForm(form): WebForm<SettingsForm>,
) -> Result<Response, HtmlError> {
    check_session_csrf(&state, &user, form.csrf.as_deref())?;
    let settings = match parse_settings(&form, t) {
        Ok(settings) => settings,
        Err(error) => return fail(&state, &user, t, form, error, StatusCode::BAD_REQUEST).await,
    };
    if let Err(err) = state.letterbox.save_user_settings(&user, &settings).await {
        let message = match &err {
            ServiceError::InvalidInput { field: "pageSize", .. } => t.t("settings-error-page-size"),
            ServiceError::InvalidInput { field: "language", .. } => t.t("settings-error-language"),
            ServiceError::InvalidInput { field: "remoteSenders", .. } => t.t("settings-error-senders"),
            _ => return Err(err.into()),
        };
        return fail(&state, &user, t, form, message, StatusCode::BAD_REQUEST).await;
    }
    let jar = match &settings.language {
        Some(code) => jar.add(cookie(&state, &client, LANG_COOKIE, code.clone(), time::Duration::days(400))),
        None => jar.add(removal(&state, &client, LANG_COOKIE)),
    };
    Ok((jar, Redirect::to("/settings?notice=saved")).into_response())
}

async fn fail(
    state: &AppState,
    user: &UserSession,
    t: Tr,
    form: SettingsForm,
    error: String,
    status: StatusCode,
) -> Result<Response, HtmlError> {
    render_settings(state, user, t, Overrides { settings: Some((form, error)), ..Overrides::default() }, status).await
}

/// The posted preferences, checked; the error is a sentence in the user's language.
fn parse_settings(form: &SettingsForm, t: Tr) -> Result<UserSettings, String> {
    let theme = Theme::parse(&form.theme).ok_or_else(|| t.t("settings-error-theme"))?;
    let language = match form.language.as_str() {
        "" => None,
        code => Some(Lang::ALL.iter().find(|l| l.code() == code).ok_or_else(|| t.t("settings-error-language"))?.code().to_string()),
    };
    let page_size =
        form.page_size.trim().parse::<usize>().ok().filter(|n| PAGE_SIZES.contains(n)).ok_or_else(|| t.t("settings-error-page-size"))?;
    let mut remote_senders = Vec::new();
    for line in form.remote_senders.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match parse_address(line) {
            Ok(address) if address.name.is_none() && !address.email.contains(char::is_whitespace) => {
                remote_senders.push(address.email.to_lowercase());
            }
            _ => return Err(t.t1("settings-error-sender", "address", line)),
        }
    }
    Ok(UserSettings { theme, language, page_size, notify: form.notify.is_some(), remote_senders })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(page_size: &str, senders: &str) -> SettingsForm {
        SettingsForm { theme: "dark".into(), page_size: page_size.into(), remote_senders: senders.into(), ..SettingsForm::default() }
    }

    #[test]
    fn settings_form_checks() {
        let t = Tr::default();
        let ok = parse_settings(&form("25", " Ada@Example.org \r\n\r\nbob@example.net\n"), t).unwrap();
        assert_eq!((ok.theme, ok.page_size, ok.language, ok.notify), (Theme::Dark, 25, None, false));
        assert_eq!(ok.remote_senders, ["ada@example.org", "bob@example.net"]);
        assert!(parse_settings(&form("7", ""), t).unwrap_err().contains("25, 50, 100 or 200"));
        assert!(parse_settings(&form("50", "ada@example.org\nnot an address"), t).unwrap_err().contains("“not an address”"));
        assert!(parse_settings(&form("50", "Ada <ada@example.org>"), t).is_err(), "bare addresses only");
        let bad_language = SettingsForm { language: "fr".into(), ..form("50", "") };
        assert!(parse_settings(&bad_language, t).is_err());
        let german = SettingsForm { language: "de".into(), notify: Some("1".into()), ..form("200", "") };
        let german = parse_settings(&german, t).unwrap();
        assert_eq!((german.language.as_deref(), german.notify), (Some("de"), true));
    }
}
