//! The login form, its submission, and logout.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use super::i18n::{LANG_COOKIE, Tr};
use super::session::{LOGIN_NONCE_COOKIE, SESSION_COOKIE, WebForm, WebUser, check_session_csrf, cookie, cookie_value, removal};
use super::templates::LoginPage;
use crate::auth::random_id;
use crate::http::AppState;
use crate::http::error::{AppError, HtmlError, login_failure, request_id};
use crate::http::extract::ClientInfo;
use crate::secret::Secret;
use crate::service::{LoginRequest, ServiceError};

/// Fields of the login form.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

/// The logout form: only its CSRF token.
#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf: Option<String>,
}

fn render_login(
    state: &AppState,
    t: Tr,
    client: &ClientInfo,
    jar: CookieJar,
    status: StatusCode,
    username: &str,
    error: Option<&str>,
) -> Result<Response, HtmlError> {
    // A fresh nonce per form: the CSRF token is bound to it and the nonce lives in a cookie.
    let nonce = random_id();
    let csrf = state.letterbox.csrf.token_for(&format!("login:{nonce}"));
    let page = LoginPage { t, csrf: &csrf, username, error };
    let body = askama::Template::render(&page).map_err(|e| AppError::from(ServiceError::Internal(e.to_string())))?;
    let jar = jar.add(cookie(state, client, LOGIN_NONCE_COOKIE, nonce, time::Duration::hours(2)));
    Ok((status, [(header::CACHE_CONTROL, "no-store")], jar, Html(body)).into_response())
}

/// `GET /login`: the form, or straight to the mail when already logged in.
pub async fn login_form(State(state): State<AppState>, client: ClientInfo, t: Tr, jar: CookieJar) -> Result<Response, HtmlError> {
    if let Some(token) = cookie_value(&jar, &state, &client, SESSION_COOKIE)
        && state.letterbox.authenticate(token).await.is_ok()
    {
        return Ok(Redirect::to("/mail/INBOX").into_response());
    }
    render_login(&state, t, &client, jar, StatusCode::OK, "", None)
}

/// `POST /login`: checks CSRF, logs in against IMAP, sets the session cookie.
pub async fn login_submit(
    State(state): State<AppState>,
    client: ClientInfo,
    t: Tr,
    headers: HeaderMap,
    jar: CookieJar,
    WebForm(form): WebForm<LoginForm>,
) -> Result<Response, HtmlError> {
    let nonce = cookie_value(&jar, &state, &client, LOGIN_NONCE_COOKIE).unwrap_or_default().to_string();
    if nonce.is_empty() || !state.letterbox.csrf.verify(&format!("login:{nonce}"), &form.csrf) {
        return Err(HtmlError(AppError::csrf()));
    }
    let user_agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(|v| v.chars().take(200).collect());
    let request = LoginRequest { username: form.username.clone(), password: Secret::new(form.password), client_ip: client.ip, user_agent };
    match state.letterbox.login(request).await {
        Ok(login) => {
            let max_age = time::Duration::seconds(login.expires_at - crate::service::now_unix());
            let jar = jar.add(cookie(&state, &client, SESSION_COOKIE, login.token.expose().to_string(), max_age)).add(removal(
                &state,
                &client,
                LOGIN_NONCE_COOKIE,
            ));
            // A language chosen in the settings follows the user to this browser.
            let jar = match state.letterbox.saved_language(&login.username).await {
                Some(language) => jar.add(cookie(&state, &client, LANG_COOKIE, language, time::Duration::days(365))),
                None => jar,
            };
            Ok((jar, Redirect::to("/mail/INBOX")).into_response())
        }
        Err(err) => {
            let error = login_failure(err, state.config(), request_id(&headers));
            let message = match error.status {
                StatusCode::UNAUTHORIZED => t.t("login-wrong"),
                StatusCode::TOO_MANY_REQUESTS => t.t1("login-throttled", "seconds", error.retry_after.unwrap_or(60)),
                StatusCode::BAD_REQUEST => t.t1("login-check-input", "detail", &error.detail),
                // Never the mail server's details before login: they are in the log under this id.
                _ => t.t1("login-unreachable", "request", request_id(&headers)),
            };
            let mut response = render_login(&state, t, &client, jar, error.status, &form.username, Some(&message))?;
            if let Some(seconds) = error.retry_after {
                response.headers_mut().insert(header::RETRY_AFTER, seconds.into());
            }
            Ok(response)
        }
    }
}

/// `POST /logout`: ends the session (CSRF-checked) and clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    client: ClientInfo,
    WebUser(user): WebUser,
    jar: CookieJar,
    WebForm(form): WebForm<CsrfOnly>,
) -> Result<Response, HtmlError> {
    check_session_csrf(&state, &user, form.csrf.as_deref())?;
    state.letterbox.logout(&user).await?;
    Ok((jar.add(removal(&state, &client, SESSION_COOKIE)), Redirect::to("/login")).into_response())
}
