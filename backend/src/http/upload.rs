//! Multipart form uploads (compose form, `multipart/form-data` sends): text fields in memory,
//! file parts streamed to disk under a total size cap, so a large upload is never buffered whole
//! by the request machinery.

use std::path::PathBuf;

use axum::extract::Multipart;
use tokio::io::AsyncWriteExt;

use super::error::AppError;
use crate::mail::compose::OutgoingAttachment;

/// Largest text field accepted (a message body).
const MAX_FIELD_BYTES: usize = 2 * 1024 * 1024;

/// A file part, waiting on disk; the file is removed when this is dropped.
#[derive(Debug)]
pub struct UploadedFile {
    pub filename: String,
    pub content_type: String,
    pub size: usize,
    path: PathBuf,
}

impl UploadedFile {
    /// Reads the file into an attachment (the one time it is held in memory) and removes it.
    pub async fn into_attachment(self) -> Result<OutgoingAttachment, AppError> {
        let content = tokio::fs::read(&self.path).await.map_err(|e| internal(&e))?;
        Ok(OutgoingAttachment { filename: self.filename.clone(), content_type: self.content_type.clone(), content })
    }
}

impl Drop for UploadedFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A parsed multipart body.
#[derive(Debug, Default)]
pub struct Upload {
    pub fields: Vec<(String, String)>,
    pub files: Vec<UploadedFile>,
    /// Files went over the limit: they were dropped, the text fields were still read (so a
    /// form can come back filled in).
    pub oversize: bool,
}

impl Upload {
    /// The first value of a text field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// Every value of a repeated text field.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields.iter().filter(|(key, _)| key == name).map(|(_, value)| value.as_str()).collect()
    }

    /// Reads a multipart body: text parts as fields, parts with a file name to files in
    /// `spool_dir`. Files over `max_file_bytes` in total are dropped and `oversize` is set (see
    /// [`Upload::require_within_limit`]). Empty file inputs (a form submitted without choosing a
    /// file) are skipped.
    pub async fn read(mut multipart: Multipart, spool_dir: &std::path::Path, max_file_bytes: usize) -> Result<Self, AppError> {
        tokio::fs::create_dir_all(spool_dir).await.map_err(|e| internal(&e))?;
        let mut upload = Upload::default();
        let mut total_files = 0usize;
        while let Some(mut part) = multipart.next_field().await.map_err(bad_multipart)? {
            let name = part.name().unwrap_or("").to_string();
            match part.file_name().map(str::to_string) {
                Some(filename) => {
                    let content_type = part.content_type().unwrap_or("application/octet-stream").to_string();
                    let path = spool_dir.join(format!("upload-{}", crate::auth::random_id()));
                    let mut file = UploadedFile { filename, content_type, size: 0, path };
                    let mut out = tokio::fs::File::create(&file.path).await.map_err(|e| internal(&e))?;
                    while let Some(chunk) = part.chunk().await.map_err(bad_multipart)? {
                        total_files += chunk.len();
                        if total_files > max_file_bytes {
                            // Keep reading (and discarding) so the fields after it still arrive.
                            upload.oversize = true;
                            continue;
                        }
                        file.size += chunk.len();
                        out.write_all(&chunk).await.map_err(|e| internal(&e))?;
                    }
                    out.flush().await.map_err(|e| internal(&e))?;
                    if upload.oversize {
                        upload.files.clear();
                        continue;
                    }
                    if file.filename.is_empty() {
                        if file.size == 0 {
                            continue; // a file input left empty
                        }
                        file.filename = "attachment".into();
                    }
                    upload.files.push(file);
                }
                None => {
                    let mut value = Vec::new();
                    while let Some(chunk) = part.chunk().await.map_err(bad_multipart)? {
                        if value.len() + chunk.len() > MAX_FIELD_BYTES {
                            return Err(AppError::invalid(name, "this field is too long"));
                        }
                        value.extend_from_slice(&chunk);
                    }
                    let value = String::from_utf8(value).map_err(|_| AppError::invalid(name.clone(), "not UTF-8 text"))?;
                    upload.fields.push((name, value));
                }
            }
        }
        Ok(upload)
    }
}

impl Upload {
    /// 413 naming `attachments` when the files went over `max_file_bytes`.
    pub fn require_within_limit(&self, max_file_bytes: usize) -> Result<(), AppError> {
        if self.oversize { Err(too_large(max_file_bytes)) } else { Ok(()) }
    }
}

/// 413 for attachments over the limit.
pub fn too_large(max_file_bytes: usize) -> AppError {
    AppError {
        field: Some("attachments".into()),
        ..AppError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "Too large",
            format!("attachments may total at most {} MB", max_file_bytes >> 20),
        )
    }
}

fn bad_multipart(err: axum::extract::multipart::MultipartError) -> AppError {
    if err.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        return AppError::new(err.status(), "too-large", "Too large", err.body_text());
    }
    AppError::invalid("body", format!("malformed multipart body: {}", err.body_text()))
}

fn internal(err: &std::io::Error) -> AppError {
    tracing::error!(error = %err, "upload spool");
    AppError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", "could not store the upload")
}
