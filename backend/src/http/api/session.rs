//! `/api/v1/session`: log in with mail credentials for a bearer token, inspect it, log out.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::AppState;
use crate::http::error::{AppError, Problem, login_failure, request_id};
use crate::http::extract::{ApiJson, ApiUser, ClientInfo};
use crate::secret::Secret;
use crate::service::LoginRequest;

/// Login credentials: those of the user's mail account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    username: String,
    #[schema(format = Password)]
    password: SecretString,
}

/// A password that never shows up in `Debug` output.
#[derive(Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = String)]
pub struct SecretString(String);

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// A new session.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionCreated {
    access_token: String,
    /// Always `Bearer`.
    token_type: &'static str,
    /// RFC 3339 time after which the token stops working.
    expires_at: String,
    username: String,
}

/// The current session and what the mail server can do.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    username: String,
    expires_at: String,
    /// Every capability the IMAP server announced.
    capabilities: Vec<String>,
    /// The extensions Letterbox uses when present.
    server: ServerFeatures,
}

/// Server extensions Letterbox takes advantage of.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServerFeatures {
    sort: bool,
    thread: bool,
    condstore: bool,
    qresync: bool,
    idle: bool,
    r#move: bool,
    special_use: bool,
    list_status: bool,
}

pub(crate) fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// Log in with the mail account's username and password (checked by the IMAP server).
#[utoipa::path(post, path = "/api/v1/session", tag = "session",
    request_body(content = SessionRequest, example = json!({"username": "alice@example.test", "password": "correct horse battery staple"})),
    responses(
        (status = 201, description = "Created", body = SessionCreated,
            example = json!({"accessToken": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl", "tokenType": "Bearer",
                "expiresAt": "2026-11-27T09:00:00Z", "username": "alice@example.test"})),
        (status = 400, description = "Invalid request", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Wrong username or password", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins (see Retry-After)", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "Mail server unreachable or TLS failure (details only in the log, under the request id the detail names)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_session(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SessionRequest>,
) -> Result<impl IntoResponse, AppError> {
    let user_agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(|v| v.chars().take(200).collect());
    let login = state
        .letterbox
        .login(LoginRequest { username: body.username, password: Secret::new(body.password.0), client_ip: client.ip, user_agent })
        .await
        .map_err(|err| login_failure(err, state.config(), request_id(&headers)))?;
    let created = SessionCreated {
        access_token: login.token.expose().to_string(),
        token_type: "Bearer",
        expires_at: rfc3339(login.expires_at),
        username: login.username,
    };
    Ok((StatusCode::CREATED, [(header::CACHE_CONTROL, "no-store")], axum::Json(created)))
}

/// The current session's user and the mail server's capabilities.
#[utoipa::path(get, path = "/api/v1/session", tag = "session", security(("bearer" = [])),
    responses(
        (status = 200, description = "OK", body = SessionInfo),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "Mail server unavailable", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_session(State(state): State<AppState>, ApiUser(user): ApiUser) -> Result<axum::Json<SessionInfo>, AppError> {
    let info = state.letterbox.server_info(&user).await?;
    let has = |name: &str| info.capabilities.iter().any(|c| c.eq_ignore_ascii_case(name));
    let server = ServerFeatures {
        sort: has("SORT"),
        thread: info.capabilities.iter().any(|c| c.starts_with("THREAD=")),
        condstore: has("CONDSTORE"),
        qresync: has("QRESYNC"),
        idle: has("IDLE"),
        r#move: has("MOVE"),
        special_use: has("SPECIAL-USE"),
        list_status: has("LIST-STATUS"),
    };
    Ok(axum::Json(SessionInfo { expires_at: rfc3339(user.expires_at), username: user.username, capabilities: info.capabilities, server }))
}

/// Log out: the token stops working at once.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", security(("bearer" = [])),
    responses((status = 204, description = "Logged out"), (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json")))]
pub async fn delete_session(State(state): State<AppState>, ApiUser(user): ApiUser) -> Result<StatusCode, AppError> {
    state.letterbox.logout(&user).await?;
    Ok(StatusCode::NO_CONTENT)
}
