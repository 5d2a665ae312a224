//! `AppError`: the one type that turns every failure into RFC 9457 problem+json for the API or a
//! readable HTML page for the browser.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use super::web::templates::ErrorPage;
use crate::imap::ImapError;
use crate::service::ServiceError;

/// An HTTP-level failure: status, a problem type slug, a title and a human detail.
#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub slug: &'static str,
    pub title: &'static str,
    pub detail: String,
    /// The request field at fault, when there is one.
    pub field: Option<String>,
    pub retry_after: Option<u64>,
    /// Extra members of the problem document (the SMTP reply, where a draft was kept); boxed
    /// because most errors have none and every `Result` carries the size of this type.
    pub extra: Option<Box<ProblemExtra>>,
}

/// Members a problem document carries beyond RFC 9457's own, for failed sends.
#[derive(Debug, Default, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProblemExtra {
    /// The SMTP server's reply code (e.g. 550, 535), when it gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_code: Option<u16>,
    /// The id of the draft the unsent message was kept as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draft_id: Option<String>,
    /// The id of the mailbox that draft is in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draft_mailbox_id: Option<String>,
    /// The scope an API token lacks, for 403 `missing-scope`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// URI reference naming the kind of problem.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The request field at fault, for validation problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(flatten)]
    pub extra: ProblemExtra,
}

impl AppError {
    /// A problem with the given status, type slug, title and detail.
    pub fn new(status: StatusCode, slug: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self { status, slug, title, detail: detail.into(), field: None, retry_after: None, extra: None }
    }

    /// 400 for a malformed request, naming the field.
    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self { field: Some(field.into()), ..Self::new(StatusCode::BAD_REQUEST, "invalid-request", "Invalid request", detail) }
    }

    /// 404 for an unknown route or object.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }

    /// 403 for a form posted without a valid CSRF token.
    pub fn csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "Form expired or forged",
            "the form's security token is missing or invalid; reload the page and try again",
        )
    }

    /// 403 for an API token without the scope a request needs.
    pub fn missing_scope(scope: &str) -> Self {
        Self {
            extra: Some(Box::new(ProblemExtra { scope: Some(scope.to_string()), ..ProblemExtra::default() })),
            ..Self::new(StatusCode::FORBIDDEN, "missing-scope", "Missing scope", format!("this token lacks the scope {scope}"))
        }
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        Problem {
            problem_type: format!("urn:letterbox:problem:{}", self.slug),
            title: self.title.to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            field: self.field.clone(),
            extra: self.extra.as_deref().cloned().unwrap_or_default(),
        }
    }

    fn common_headers(&self, response: &mut Response) {
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"letterbox\""));
        }
    }

    /// Renders as an HTML error page (for the browser UI).
    pub fn into_html(self) -> Response {
        let t = super::web::i18n::Tr::current();
        let key = format!("error-title-{}", self.slug);
        let title = Some(t.t(&key)).filter(|title| *title != key).unwrap_or_else(|| self.title.to_string());
        let page = ErrorPage { t, status: self.status.as_u16(), title: &title, detail: &self.detail };
        let body = askama::Template::render(&page).unwrap_or_else(|_| format!("{}: {}", self.title, self.detail));
        let mut response = (self.status, Html(body)).into_response();
        self.common_headers(&mut response);
        response
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (self.status, [(header::CONTENT_TYPE, "application/problem+json")], body).into_response();
        self.common_headers(&mut response);
        response
    }
}

impl From<ServiceError> for AppError {
    fn from(err: ServiceError) -> Self {
        let detail = err.to_string();
        match err {
            ServiceError::Unauthorized(_) => Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "Not logged in", detail),
            ServiceError::Throttled { retry_after } => Self {
                retry_after: Some(retry_after.as_secs().max(1)),
                ..Self::new(StatusCode::TOO_MANY_REQUESTS, "login-throttled", "Too many failed logins", detail)
            },
            ServiceError::InvalidInput { field, detail } => Self::invalid(field, detail),
            ServiceError::Unprocessable { field, detail } => Self {
                field: Some(field),
                ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-message", "The message cannot be used", detail)
            },
            ServiceError::TooLarge { field, detail } => {
                Self { field: Some(field), ..Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too-large", "Too large", detail) }
            }
            ServiceError::SendFailed { error, saved_draft } => {
                let kept = match &saved_draft {
                    Some(_) => "; the message was kept in Drafts",
                    None => "; the message could not be kept in Drafts either, so copy your text before leaving",
                };
                Self {
                    extra: Some(Box::new(ProblemExtra {
                        smtp_code: error.reply_code(),
                        draft_id: saved_draft.as_ref().map(|id| id.encode()),
                        draft_mailbox_id: saved_draft.as_ref().map(|id| crate::mail::MailboxId::from_path(&id.mailbox).to_string()),
                        scope: None,
                    })),
                    ..Self::new(
                        StatusCode::BAD_GATEWAY,
                        "smtp-failed",
                        "The mail server did not accept the message",
                        format!("{error}{kept}"),
                    )
                }
            }
            ServiceError::CannotSync(_) => Self::new(StatusCode::CONFLICT, "cannot-calculate-changes", "Reload needed", detail),
            ServiceError::NotConfigured(_) => Self::new(StatusCode::SERVICE_UNAVAILABLE, "not-configured", "Not configured", detail),
            ServiceError::NotFound(_) => Self::not_found(detail),
            ServiceError::StaleId(_) => Self::new(StatusCode::NOT_FOUND, "stale-message-id", "Message id is stale", detail),
            ServiceError::Conflict(_) => Self::new(StatusCode::CONFLICT, "conflict", "Conflict", detail),
            ServiceError::Forbidden(_) => Self::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed", detail),
            ServiceError::MissingScope(scope) => Self::missing_scope(scope),
            ServiceError::Refused(_) => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "mail-server-refused", "The mail server refused", detail)
            }
            ServiceError::MailServer(ImapError::Busy { retry_after }) => Self {
                retry_after: Some(retry_after),
                ..Self::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "Too many requests at once", detail)
            },
            ServiceError::MailServer(ImapError::Timeout(_)) => {
                Self::new(StatusCode::GATEWAY_TIMEOUT, "mail-server-timeout", "The mail server did not answer", detail)
            }
            ServiceError::MailServer(_) => {
                Self::new(StatusCode::BAD_GATEWAY, "mail-server-unavailable", "The mail server is unavailable", detail)
            }
            ServiceError::Internal(internal) => {
                tracing::error!(error = %internal, "internal error");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal error",
                    "something went wrong on our side; it has been logged",
                )
            }
        }
    }
}

/// A failed login as answered before login: mail server trouble (network, TLS, protocol) is
/// logged with its details and the server's address, and answered only with a generic "the mail
/// server is unavailable" and the request id, so nobody learns the network or TLS setup behind
/// Letterbox. The status stays that of the error (502, 503 or 504); other errors are unchanged.
pub fn login_failure(err: ServiceError, config: &crate::config::Config, request_id: &str) -> AppError {
    let ServiceError::MailServer(imap) = &err else { return AppError::from(err) };
    let server = format!("{}:{}", config.imap.host, config.imap.port);
    tracing::warn!(request_id, server = %server, error = %imap, "login failed: the mail server is unavailable");
    AppError { detail: format!("the mail server is unavailable; request id {request_id}"), ..AppError::from(err) }
}

/// The request id of a request (set by the request-id layer before any handler runs).
pub fn request_id(headers: &axum::http::HeaderMap) -> &str {
    headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-")
}

/// A browser-facing result: the same errors, shown as an HTML page.
#[derive(Debug)]
pub struct HtmlError(pub AppError);

impl<E: Into<AppError>> From<E> for HtmlError {
    fn from(err: E) -> Self {
        Self(err.into())
    }
}

impl IntoResponse for HtmlError {
    fn into_response(self) -> Response {
        self.0.into_html()
    }
}
