//! Request extractors: the client's address (proxy-aware), the API user from a bearer token, and
//! JSON bodies whose rejections are problem+json.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::AppState;
use super::error::AppError;
use crate::service::UserSession;

/// The client's IP address: the TCP peer, or — only when the peer is a trusted proxy — the
/// nearest untrusted address in `X-Forwarded-For`.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip()).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        Ok(ClientIp(client_ip(peer, parts, state)))
    }
}

fn client_ip(peer: IpAddr, parts: &Parts, state: &AppState) -> IpAddr {
    let trusted = |ip: &IpAddr| state.config.trusted_proxies.iter().any(|net| net.contains(ip));
    if !trusted(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    // Walk from the nearest hop outwards; the first address we do not trust is the client.
    forwarded.into_iter().rev().find(|ip| !trusted(ip)).unwrap_or(peer)
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
        Ok(ApiUser(state.letterbox.authenticate(token).await?))
    }
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
            Err(other) => Err(AppError::invalid("body", other.body_text())),
        }
    }
}
