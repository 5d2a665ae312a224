//! The list pane: one page of a folder (or search) as the mail view and the reading view both
//! show it, with counts, paging links and rows in the user's language.

use axum::http::StatusCode;
use serde::Deserialize;

use super::i18n::Tr;
use super::mail::{display_address, encode};
use super::templates::{ListView, MessageRow};
use crate::http::AppState;
use crate::http::error::HtmlError;
use crate::mail::{Mailbox, MessageSummary};
use crate::service::messages::ListRequest;
use crate::service::settings::UserSettings;
use crate::service::{ServiceError, UserSession};

/// Query string of the mail and reading views (the list they show).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ListQuery {
    pub cursor: Option<String>,
    pub sort: Option<String>,
    pub q: Option<String>,
    /// `sent` after a message went out (with `sent` = the id of its copy in Sent).
    pub notice: Option<String>,
    pub sent: Option<String>,
    /// `allow` loads remote content of the open message.
    pub remote: Option<String>,
}

impl ListQuery {
    /// The list-defining part (`q`, `sort`, `cursor`) as a query string, `""` when empty.
    pub fn list_params(&self) -> String {
        let mut params = Vec::new();
        for (name, value) in [("q", &self.q), ("sort", &self.sort), ("cursor", &self.cursor)] {
            if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                params.push(format!("{name}={}", encode(value)));
            }
        }
        params.join("&")
    }
}

fn with_params(base: &str, params: &[String]) -> String {
    let params: Vec<&String> = params.iter().filter(|p| !p.is_empty()).collect();
    if params.is_empty() { base.to_string() } else { format!("{base}?{}", params.iter().map(|p| p.as_str()).collect::<Vec<_>>().join("&")) }
}

/// Builds the list pane for `current` as `query` asks; a bad query or stale cursor gives an
/// empty list with a notice (and 400) rather than an error page.
pub async fn list_view(
    state: &AppState,
    user: &UserSession,
    settings: &UserSettings,
    t: Tr,
    current: &Mailbox,
    query: &ListQuery,
    selected_id: &str,
) -> Result<(ListView, StatusCode, Option<String>), HtmlError> {
    let base = format!("/mail/{}", current.id);
    let q = query.q.clone().unwrap_or_default();
    let keep_q_sort = ListQuery { cursor: None, ..query.clone() }.list_params();
    let params = crate::http::api::messages_params(query.cursor.clone(), query.sort.clone(), query.q.clone());
    let mut notice = None;
    let (page, status) = match crate::http::api::list_request(current.path.clone(), params) {
        Ok(request) => match state.letterbox.list_messages(user, ListRequest { limit: settings.page_size, ..request }).await {
            Ok(page) => (Some(page), StatusCode::OK),
            Err(ServiceError::InvalidInput { detail, .. } | ServiceError::StaleId(detail)) => {
                notice = Some(t.t1("search-failed", "detail", detail));
                (None, StatusCode::BAD_REQUEST)
            }
            Err(other) => return Err(other.into()),
        },
        Err(error) => {
            notice = Some(t.t1("search-failed", "detail", error.detail));
            (None, StatusCode::BAD_REQUEST)
        }
    };
    let now = time::OffsetDateTime::now_utc();
    let list_params = query.list_params();
    let (rows, total, start, next) = match page {
        Some(page) => {
            let rows = page.items.iter().map(|m| row(t, m, &base, &list_params, now)).collect::<Vec<_>>();
            let next = page.next_cursor.map(|c| with_params(&base, &[keep_q_sort.clone(), format!("cursor={}", encode(&c))]));
            (rows, page.total, page.start, next)
        }
        None => (Vec::new(), 0, 0, None),
    };
    let shown = rows.len();
    let mut counts = if total == 0 {
        t.t("list-empty-count")
    } else {
        t.args("list-counts", &[("first", t.number(start + 1)), ("last", t.number(start + shown)), ("total", t.number(total))])
    };
    if !q.is_empty() {
        counts = format!("{counts} {}", t.t1("list-matching", "query", &q));
    }
    counts = format!("{counts} · {}", t.t1("list-unread", "count", t.number(current.unread as usize)));
    let view = ListView {
        name: current.name.clone(),
        unread: current.unread,
        counts_label: counts,
        rows,
        back: with_params(&base, &[list_params]),
        first_page_href: (start > 0).then(|| with_params(&base, &[keep_q_sort])),
        next_href: next,
        empty_text: if q.is_empty() { t.t("empty-folder") } else { t.t("empty-search") },
        selected_id: selected_id.to_string(),
    };
    Ok((view, status, notice))
}

fn row(t: Tr, message: &MessageSummary, base: &str, list_params: &str, now: time::OffsetDateTime) -> MessageRow {
    let id = message.id.encode();
    let href = if list_params.is_empty() { format!("{base}/{id}") } else { format!("{base}/{id}?{list_params}") };
    MessageRow {
        href,
        id,
        from: message.from.as_ref().map(display_address).unwrap_or_else(|| t.t("unknown-sender")),
        subject: t.subject(&message.subject),
        date_label: t.date_label(&message.date, now),
        date_iso: message.date.clone(),
        seen: message.seen,
        flagged: message.flagged,
        answered: message.answered,
        has_attachments: message.has_attachments,
    }
}
