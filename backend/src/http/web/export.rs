//! `GET /folders/{id}/export[?format=zip]`: the browser's download of a whole folder, the same
//! stream as the API's (a plain GET with the login session: it changes nothing).

use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::session::WebUser;
use crate::http::AppState;
use crate::http::error::{AppError, HtmlError};
use crate::service::export::ExportFormat;

/// The download's query string.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExportQuery {
    format: Option<String>,
}

/// Streams the folder as mbox (default) or zip.
pub async fn folder_export(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, HtmlError> {
    let format = ExportFormat::parse(query.format.as_deref()).map_err(AppError::from)?;
    let export = state.letterbox.export_mailbox(&user, &id, format).await?;
    Ok(crate::http::api::export_response(export))
}
