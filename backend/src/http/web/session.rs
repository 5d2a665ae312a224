//! The browser session: the token in an HttpOnly cookie, the logged-in user extractor, CSRF checks.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::de::DeserializeOwned;

use crate::http::AppState;
use crate::http::error::{AppError, HtmlError};
use crate::http::extract::ClientInfo;
use crate::service::{ServiceError, UserSession};

/// The cookie that holds the session token.
pub const SESSION_COOKIE: &str = "letterbox_session";
/// The cookie that binds the login form's CSRF token before there is a session.
pub const LOGIN_NONCE_COOKIE: &str = "letterbox_login";

/// Builds a cookie with the flags every Letterbox cookie has: HttpOnly, SameSite=Lax, and
/// Secure when users reach Letterbox over https (the public URL says so, or a trusted proxy).
/// The session and login cookies are then named with `__Host-` (see [`cookie_name`]).
pub fn cookie(state: &AppState, client: &ClientInfo, name: &'static str, value: String, max_age: time::Duration) -> Cookie<'static> {
    Cookie::build((cookie_name(state, client, name), value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure(state, client))
        .max_age(max_age)
        .build()
}

fn secure(state: &AppState, client: &ClientInfo) -> bool {
    state.config().secure_cookies() || client.https
}

/// The name a cookie has for this client: the session and login cookies get the `__Host-`
/// prefix when they are Secure and Letterbox is at the root of its origin, so the browser takes
/// them only from this exact host over https (no cookie planted by a sibling subdomain or over
/// http can stand in for them). Other cookies keep their name.
pub fn cookie_name(state: &AppState, client: &ClientInfo, name: &'static str) -> &'static str {
    let at_root = state.config().public_url.as_ref().is_none_or(|url| url.path() == "/");
    match name {
        SESSION_COOKIE if secure(state, client) && at_root => "__Host-letterbox_session",
        LOGIN_NONCE_COOKIE if secure(state, client) && at_root => "__Host-letterbox_login",
        other => other,
    }
}

/// The value of cookie `name` as this client's cookies are named (see [`cookie_name`]).
pub fn cookie_value<'a>(jar: &'a CookieJar, state: &AppState, client: &ClientInfo, name: &'static str) -> Option<&'a str> {
    jar.get(cookie_name(state, client, name)).map(Cookie::value)
}

/// A cookie that deletes `name`.
pub fn removal(state: &AppState, client: &ClientInfo, name: &'static str) -> Cookie<'static> {
    cookie(state, client, name, String::new(), time::Duration::ZERO)
}

/// A logged-in browser user; anyone else is sent to the login page.
#[derive(Debug)]
pub struct WebUser(pub UserSession);

impl FromRequestParts<AppState> for WebUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let client = ClientInfo::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        let Some(token) = cookie_value(&jar, state, &client, SESSION_COOKIE).map(str::to_string) else {
            return Err(Redirect::to("/login").into_response());
        };
        match state.letterbox.authenticate(&token).await {
            Ok(user) => Ok(WebUser(user)),
            Err(ServiceError::Unauthorized(_)) => {
                Err((jar.add(removal(state, &client, SESSION_COOKIE)), Redirect::to("/login")).into_response())
            }
            Err(other) => Err(HtmlError::from(other).into_response()),
        }
    }
}

/// The CSRF token of a logged-in user's forms.
pub fn session_csrf(state: &AppState, user: &UserSession) -> String {
    state.letterbox.csrf.token_for(&format!("session:{}", user.session_id))
}

/// Checks a logged-in form's CSRF token; 403 when it is missing or wrong.
pub fn check_session_csrf(state: &AppState, user: &UserSession, submitted: Option<&str>) -> Result<(), HtmlError> {
    let binding = format!("session:{}", user.session_id);
    match submitted {
        Some(token) if state.letterbox.csrf.verify(&binding, token) => Ok(()),
        _ => Err(HtmlError(AppError::csrf())),
    }
}

/// A urlencoded form body; malformed bodies get an HTML error page.
#[derive(Debug)]
pub struct WebForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for WebForm<T> {
    type Rejection = HtmlError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        // serde_html_form (axum-extra) reads repeated keys (`ids=a&ids=b`) into a Vec.
        match axum_extra::extract::Form::<T>::from_request(request, state).await {
            Ok(axum_extra::extract::Form(value)) => Ok(WebForm(value)),
            // A form missing its fields (the CSRF token among them) is treated as forged.
            Err(_) => Err(HtmlError(AppError::csrf())),
        }
    }
}
