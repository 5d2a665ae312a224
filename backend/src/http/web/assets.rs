//! Static files (CSS, JS, icons), compiled into the binary so it runs from any directory.

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::http::error::AppError;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset { name: "api-docs.css", content_type: "text/css; charset=utf-8", body: include_bytes!("../../../../static/api-docs.css") },
    Asset { name: "app.css", content_type: "text/css; charset=utf-8", body: include_bytes!("../../../../static/app.css") },
    Asset { name: "app.js", content_type: "text/javascript; charset=utf-8", body: include_bytes!("../../../../static/app.js") },
    Asset { name: "clip.svg", content_type: "image/svg+xml", body: include_bytes!("../../../../static/clip.svg") },
    Asset { name: "icon.svg", content_type: "image/svg+xml", body: include_bytes!("../../../../static/icon.svg") },
];

/// A weak validator from the content, so browsers revalidate cheaply after an upgrade.
fn etag(body: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, body);
    let hex: String = digest.as_ref()[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// `GET /static/{file}`.
pub async fn static_file(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == file) else {
        return AppError::not_found(format!("no static file {file:?}")).into_html();
    };
    let tag = etag(asset.body);
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(tag.as_str()) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, tag)]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, asset.content_type.to_string()),
            (header::ETAG, tag),
            (header::CACHE_CONTROL, "public, max-age=3600".to_string()),
        ],
        asset.body,
    )
        .into_response()
}
