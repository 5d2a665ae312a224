//! Response headers every page and API answer carries: a strict CSP and friends, and request ids.

use axum::http::{HeaderName, HeaderValue, Request};
use tower_http::request_id::{MakeRequestId, RequestId};

/// The Content-Security-Policy for every response: only our own scripts, styles and images; no
/// inline script; never framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
font-src 'self'; connect-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The headers set on every response, as (name, value) pairs.
pub fn security_headers() -> [(HeaderName, HeaderValue); 4] {
    [
        (HeaderName::from_static("content-security-policy"), HeaderValue::from_static(CONTENT_SECURITY_POLICY)),
        (HeaderName::from_static("x-content-type-options"), HeaderValue::from_static("nosniff")),
        (HeaderName::from_static("referrer-policy"), HeaderValue::from_static("no-referrer")),
        (HeaderName::from_static("x-frame-options"), HeaderValue::from_static("DENY")),
    ]
}

/// `Strict-Transport-Security` for a Letterbox whose public URL is https: browsers then never
/// reach it over plain http again (one year; subdomains are left alone, they may be other services).
pub fn hsts(config: &crate::config::Config) -> Option<(HeaderName, HeaderValue)> {
    config.secure_cookies().then(|| (HeaderName::from_static("strict-transport-security"), HeaderValue::from_static("max-age=31536000")))
}

/// Longest client-sent `x-request-id` that is kept.
const MAX_REQUEST_ID: usize = 64;

/// True for a request id worth keeping: 1 to 64 characters of `[A-Za-z0-9._-]`, so it can go
/// into logs and pages as it is.
pub fn plain_request_id(id: &[u8]) -> bool {
    !id.is_empty() && id.len() <= MAX_REQUEST_ID && id.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Drops a client's `x-request-id` unless it is plain (see [`plain_request_id`]); the request
/// then gets a random one like any other.
pub async fn drop_unplain_request_id(mut request: axum::extract::Request) -> axum::extract::Request {
    let headers = request.headers_mut();
    let ids: Vec<&HeaderValue> = headers.get_all("x-request-id").iter().collect();
    if ids.len() > 1 || ids.first().is_some_and(|id| !plain_request_id(id.as_bytes())) {
        headers.remove("x-request-id");
    }
    request
}

/// Gives every request a random id, unless a reverse proxy already set a plain `x-request-id`
/// (then the proxy's and our logs line up).
#[derive(Clone, Copy, Debug, Default)]
pub struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&crate::auth::random_id()).ok().map(RequestId::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_plain_request_ids_are_kept() {
        let cases: &[(&[u8], bool)] = &[
            (b"abc", true),
            (b"5f0c2a.req_01-x", true),
            (b"Zz09", true),
            (&[b'a'; 64], true),
            (&[b'a'; 65], false),
            (b"", false),
            (b"has space", false),
            (b"<script>", false),
            (b"a\tb", false),
            (b"id\"quote", false),
            (b"caf\xc3\xa9", false),
            (b"a/b", false),
            (b"a=b;c", false),
        ];
        for (id, plain) in cases {
            assert_eq!(plain_request_id(id), *plain, "{}", String::from_utf8_lossy(id));
        }
    }
}
