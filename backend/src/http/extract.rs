//! Request extractors: the client's address (proxy-aware), the API user from a bearer token, and
//! JSON bodies whose rejections are problem+json.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, OriginalUri, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use ipnet::IpNet;
use serde::de::DeserializeOwned;

use super::AppState;
use super::error::AppError;
use super::ratelimit::{RateSlot, rate_limited};
use crate::service::{Scope, UserSession};

/// Who is calling: the client's IP address and whether it reached us over https. Both come from
/// the TCP peer, or — only when the peer is a trusted proxy — from `X-Forwarded-For` (the nearest
/// untrusted address) and `X-Forwarded-Proto`.
#[derive(Debug, Clone, Copy)]
pub struct ClientInfo {
    pub ip: IpAddr,
    pub https: bool,
}

impl FromRequestParts<AppState> for ClientInfo {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip()).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        Ok(resolve_client(peer, &parts.headers, &state.config().trusted_proxies))
    }
}

/// Applies the trusted-proxy rules to a peer address and its forwarding headers.
pub fn resolve_client(peer: IpAddr, headers: &HeaderMap, trusted_proxies: &[IpNet]) -> ClientInfo {
    let trusted = |ip: &IpAddr| trusted_proxies.iter().any(|net| net.contains(ip));
    if !trusted(&peer) {
        return ClientInfo { ip: peer, https: false };
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    // Walk from the nearest hop outwards; the first address we do not trust is the client.
    let ip = forwarded.into_iter().rev().find(|ip| !trusted(ip)).unwrap_or(peer);
    let https = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    ClientInfo { ip, https }
}

/// An API request authenticated with `Authorization: Bearer <token>`.
#[derive(Debug, Clone)]
pub struct ApiUser(pub UserSession);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or_else(|| {
                AppError::new(
                    axum::http::StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "Not logged in",
                    "send Authorization: Bearer <accessToken> from POST /api/v1/session",
                )
            })?;
        let user = state.letterbox.authenticate_bearer(token).await?;
        let info = state.limits.check(&user.username, user.grant.token_id.as_deref());
        if let Some(slot) = parts.extensions.get::<RateSlot>() {
            slot.set(info);
        }
        if info.exceeded {
            return Err(rate_limited(&info, user.grant.is_token()));
        }
        let uri = parts.extensions.get::<OriginalUri>().map_or_else(|| parts.uri.clone(), |uri| uri.0.clone());
        match required_scope(&parts.method, uri.path(), uri.query()) {
            Required::Session if user.grant.is_token() => {
                return Err(AppError::new(
                    axum::http::StatusCode::FORBIDDEN,
                    "forbidden",
                    "Not allowed",
                    "an API token cannot manage API tokens; use a login session",
                ));
            }
            Required::Scope(scope) if !user.grant.has_scope(scope) => return Err(AppError::missing_scope(scope.as_str())),
            _ => {}
        }
        Ok(ApiUser(user))
    }
}

/// What an API request needs beyond valid credentials.
#[derive(Debug, PartialEq, Eq)]
enum Required {
    Nothing,
    Session,
    Scope(Scope),
}

/// The scope a request needs: `mail.send` to send, `mail.read` for every other read,
/// `mail.write` for every other change (a read that asks to mark a message seen, `markSeen`,
/// is a change); managing tokens needs a login session.
fn required_scope(method: &Method, path: &str, query: Option<&str>) -> Required {
    let path = path.trim_end_matches('/');
    if path == "/api/v1/tokens" || path.starts_with("/api/v1/tokens/") {
        return Required::Session;
    }
    if *method == Method::GET || *method == Method::HEAD {
        let marks_seen =
            url::form_urlencoded::parse(query.unwrap_or("").as_bytes()).any(|(key, value)| key == "markSeen" && value != "false");
        return Required::Scope(if marks_seen { Scope::Write } else { Scope::Read });
    }
    // Logging out with an API token revokes that token: always allowed.
    if *method == Method::DELETE && path == "/api/v1/session" {
        return Required::Nothing;
    }
    let sends = path == "/api/v1/send"
        || path.strip_prefix("/api/v1/drafts/").and_then(|rest| rest.strip_suffix("/send")).is_some_and(|id| !id.contains('/'));
    if *method == Method::POST && sends { Required::Scope(Scope::Send) } else { Required::Scope(Scope::Write) }
}

/// A JSON request body; a missing or malformed body is a 400/415 problem, not plain text.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::JsonRejection;
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(AppError::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Expected JSON",
                "send the body as JSON with Content-Type: application/json",
            )),
            Err(JsonRejection::JsonDataError(e)) => Err(AppError::invalid("body", e.body_text())),
            Err(JsonRejection::JsonSyntaxError(e)) => Err(AppError::invalid("body", e.body_text())),
            Err(other) if other.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => Err(AppError {
                field: Some("body".into()),
                ..AppError::new(axum::http::StatusCode::PAYLOAD_TOO_LARGE, "too-large", "Too large", other.body_text())
            }),
            Err(other) => Err(AppError::invalid("body", other.body_text())),
        }
    }
}

/// Path parameters whose rejection (bad percent-encoding, not UTF-8) is a 400 problem.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for ApiPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(AppError::invalid("path", rejection.body_text())),
        }
    }
}

/// Query parameters whose rejection (a missing or malformed parameter) is a 400 problem.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts<AppState> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(AppError::invalid("query", rejection.body_text())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_follow_method_and_path() {
        let cases = [
            (Method::GET, "/api/v1/mailboxes", Required::Scope(Scope::Read)),
            (Method::GET, "/api/v1/events", Required::Scope(Scope::Read)),
            (Method::GET, "/api/v1/messages/x?markSeen=false", Required::Scope(Scope::Read)),
            (Method::GET, "/api/v1/messages/x?markSeen=true", Required::Scope(Scope::Write)),
            (Method::GET, "/api/v1/messages/x?remoteContent=allow&markSeen", Required::Scope(Scope::Write)),
            (Method::PATCH, "/api/v1/messages/x", Required::Scope(Scope::Write)),
            (Method::POST, "/api/v1/messages/x/move", Required::Scope(Scope::Write)),
            (Method::PUT, "/api/v1/drafts/x", Required::Scope(Scope::Write)),
            (Method::POST, "/api/v1/drafts", Required::Scope(Scope::Write)),
            (Method::POST, "/api/v1/send", Required::Scope(Scope::Send)),
            (Method::POST, "/api/v1/drafts/abc/send", Required::Scope(Scope::Send)),
            (Method::POST, "/api/v1/tokens", Required::Session),
            (Method::GET, "/api/v1/tokens", Required::Session),
            (Method::DELETE, "/api/v1/tokens/x", Required::Session),
            (Method::DELETE, "/api/v1/session", Required::Nothing),
        ];
        for (method, uri, expected) in cases {
            let (path, query) = uri.split_once('?').map_or((uri, None), |(path, query)| (path, Some(query)));
            assert_eq!(required_scope(&method, path, query), expected, "{method} {uri}");
        }
    }

    #[test]
    fn forwarded_headers_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap(), "127.0.0.1/32".parse().unwrap()];
        let headers = |xff: &str, proto: &str| {
            let mut h = HeaderMap::new();
            h.insert("x-forwarded-for", xff.parse().unwrap());
            h.insert("x-forwarded-proto", proto.parse().unwrap());
            h
        };
        let cases = [
            // (peer, X-Forwarded-For, proto, expected ip, expected https)
            ("203.0.113.9", "198.51.100.1", "https", "203.0.113.9", false),
            ("127.0.0.1", "198.51.100.1", "https", "198.51.100.1", true),
            ("127.0.0.1", "6.6.6.6, 198.51.100.1, 10.1.1.1", "http", "198.51.100.1", false),
            ("10.2.2.2", "10.1.1.1", "HTTPS", "10.2.2.2", true),
            ("127.0.0.1", "garbage", "https", "127.0.0.1", true),
        ];
        for (peer, xff, proto, ip, https) in cases {
            let info = resolve_client(peer.parse().unwrap(), &headers(xff, proto), &trusted);
            assert_eq!((info.ip.to_string().as_str(), info.https), (ip, https), "{peer} {xff} {proto}");
        }
    }
}
