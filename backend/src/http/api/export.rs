//! `GET /api/v1/mailboxes/{id}/export`: a whole folder as mbox or zip in one streamed response.

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::http::AppState;
use crate::http::error::{AppError, Problem};
use crate::http::extract::{ApiPath, ApiQuery, ApiUser};
use crate::service::export::{ExportFormat, FolderExport};

/// Query parameters of an export.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `mbox` (default): one mboxrd file; `zip`: one `.eml` per message.
    #[param(value_type = Option<String>, pattern = "^(mbox|zip)$")]
    format: Option<String>,
}

/// The whole folder in one download, streamed as it is read from the mail server (one request
/// however large the folder; no message gets \Seen). Problems are answered before the first
/// byte; should the mail server fail midway, the download is cut off, never ended as complete.
#[utoipa::path(get, path = "/api/v1/mailboxes/{id}/export", tag = "mailboxes", security(("bearer" = [])),
    params(("id" = String, Path, description = "Mailbox id or role alias"), ExportParams),
    responses(
        (status = 200, description = "The folder as mboxrd (`From ` lines `>`-quoted, LF line ends), or with `format=zip` a zip of `NNNNNN-<uid>.eml` files",
            content(("application/mbox"), ("application/zip")),
            headers(("Content-Disposition" = String, description = "attachment; filename=\"<folder>.mbox\" or .zip"),
                ("X-Letterbox-Messages" = u64, description = "Messages in the folder when the export started"))),
        (status = 404, description = "No such mailbox (or not one this token may read)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn export_mailbox(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<ExportParams>,
) -> Result<Response, AppError> {
    let format = ExportFormat::parse(params.format.as_deref())?;
    let export = state.letterbox.export_mailbox(&user, &id, format).await?;
    Ok(export_response(export))
}

/// The streamed download of an export (also the web UI's). A broken-off export ends the body
/// with an error, so the connection is aborted instead of the file looking complete.
pub(crate) fn export_response(export: FolderExport) -> Response {
    let disposition = super::messages::content_disposition("attachment", &export.filename);
    let stream = futures::stream::unfold(export.chunks, |mut chunks| async move {
        let item = chunks.recv().await?;
        Some((item.map(axum::body::Bytes::from).map_err(std::io::Error::other), chunks))
    })
    // The compression layer polls the body once more after its end; an unfused unfold panics
    // then ("polled after it returned Ready(None)") and the download breaks off.
    .fuse();
    (
        [
            (header::CONTENT_TYPE, export.format.content_type().to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::HeaderName::from_static("x-letterbox-messages"), export.messages.to_string()),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}
