//! Message use cases: list a page, open, download, change flags, move, copy, delete, batch.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::sort_cache::SortKey;
use super::sync;
use super::{Letterbox, ServiceError, UserSession};
use crate::imap::{FetchedSummary, ImapError, Selected};
use crate::mail::parse::{ParsedMessage, PartContent, decode_part, is_valid_part_id, parse_message};
use crate::mail::{MailboxId, MessageId, MessageSummary, SortOrder};

/// Largest page a client may ask for.
pub const MAX_PAGE: usize = 200;

/// A page request.
#[derive(Debug, Clone)]
pub struct ListRequest {
    pub mailbox: String,
    pub limit: usize,
    pub cursor: Option<String>,
    pub sort: SortOrder,
    /// IMAP SEARCH criteria already compiled from the user's query, `None` for everything.
    pub criteria: Option<SearchCriteria>,
    /// The client's `If-None-Match`: when it still matches, no list is sorted or fetched.
    pub if_none_match: Option<String>,
}

/// Compiled search criteria and the text they came from (cursors are bound to it).
#[derive(Debug, Clone)]
pub struct SearchCriteria {
    pub source: String,
    pub wire: String,
    pub utf8: bool,
    /// Whether `wire` holds `{N+}` literals (non-ASCII terms), which need LITERAL+.
    pub literals: bool,
}

/// One page of a message list.
#[derive(Debug, Clone)]
pub struct MessagePage {
    pub items: Vec<MessageSummary>,
    /// Messages in the folder, or matches when searching.
    pub total: usize,
    /// Position of the page's first item in the whole sorted list (0-based).
    pub start: usize,
    pub next_cursor: Option<String>,
    /// The folder's state for `/changes` (with CONDSTORE servers).
    pub state: Option<String>,
    /// A validator computed from the folder's state, when the server allows one.
    pub etag: Option<String>,
    /// `if_none_match` still matched: `items` is empty and the client's copy is current.
    pub not_modified: bool,
}

/// What the list's IMAP work found.
enum Listing {
    Unchanged(crate::imap::MailboxState, String),
    Page {
        selected: Selected,
        state: crate::imap::MailboxState,
        etag: Option<String>,
        total: usize,
        next: Option<(u32, usize)>,
        start: usize,
        page: Vec<crate::imap::FetchedSummary>,
    },
}

/// Where the next page starts: after `after_uid` in the same sorted list, or at `offset` when
/// that message has gone meanwhile. Anchoring on a UID keeps pages stable when mail arrives.
#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    v: u8,
    uv: u32,
    after: u32,
    off: usize,
    sort: String,
    q: String,
}

impl Cursor {
    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    fn decode(text: &str) -> Option<Cursor> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        serde_json::from_slice::<Cursor>(&bytes).ok().filter(|c| c.v == 1)
    }
}

/// Builds the API summary of a fetched message.
pub fn summary(selected: &Selected, fetched: FetchedSummary) -> MessageSummary {
    let rfc3339 = |unix: i64| {
        time::OffsetDateTime::from_unix_timestamp(unix)
            .ok()
            .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
            .unwrap_or_default()
    };
    MessageSummary {
        id: MessageId { mailbox: selected.path.clone(), uid_validity: selected.uid_validity, uid: fetched.uid },
        mailbox_id: MailboxId::from_path(&selected.path),
        uid: fetched.uid,
        subject: fetched.headers.subject,
        from: fetched.headers.from,
        to: fetched.headers.to,
        cc: fetched.headers.cc,
        date: rfc3339(fetched.headers.date.unwrap_or(fetched.received_at)),
        received_at: rfc3339(fetched.received_at),
        size: fetched.size,
        seen: fetched.flags.seen,
        flagged: fetched.flags.flagged,
        answered: fetched.flags.answered,
        draft: fetched.flags.draft,
        keywords: fetched.flags.keywords,
        has_attachments: fetched.has_attachments,
        preview: None,
    }
}

/// A full message: its summary plus the parsed content.
#[derive(Debug, Clone)]
pub struct MessageView {
    pub summary: MessageSummary,
    pub parsed: ParsedMessage,
}

fn stale(id: &MessageId) -> ServiceError {
    ServiceError::StaleId(format!("the folder {:?} was reset by the server (UIDVALIDITY changed); reload the message list", id.mailbox))
}

/// Parses a message id from a URL.
pub fn parse_message_id(text: &str) -> Result<MessageId, ServiceError> {
    MessageId::decode(text).ok_or_else(|| ServiceError::NotFound(format!("no message with id {text:?}")))
}

impl Letterbox {
    /// One page of a mailbox: one SORT (or SEARCH) plus one FETCH of the page's UIDs.
    pub async fn list_messages(&self, session: &UserSession, request: ListRequest) -> Result<MessagePage, ServiceError> {
        session.grant.check_mailbox(&request.mailbox)?;
        if request.limit == 0 || request.limit > MAX_PAGE {
            return Err(ServiceError::InvalidInput { field: "limit", detail: format!("must be between 1 and {MAX_PAGE}") });
        }
        let query_text = request.criteria.as_ref().map(|c| c.source.clone()).unwrap_or_default();
        let cursor = match &request.cursor {
            Some(text) => {
                let cursor = Cursor::decode(text)
                    .ok_or(ServiceError::InvalidInput { field: "cursor", detail: "not a cursor from this API".into() })?;
                if cursor.sort != request.sort.as_text() || cursor.q != query_text {
                    return Err(ServiceError::InvalidInput {
                        field: "cursor",
                        detail: "the cursor belongs to another sort order or query".into(),
                    });
                }
                Some(cursor)
            }
            None => None,
        };
        let cache = self.sort_cache.clone();
        let username = session.username.clone();
        let listing = self
            .pool
            .run(&session.credentials, |connection| {
                let request = request.clone();
                let after = cursor.as_ref().map(|c| (c.uv, c.after, c.off));
                let cache = cache.clone();
                let username = username.clone();
                Box::pin(async move {
                    if request.criteria.as_ref().is_some_and(|c| c.literals)
                        && !connection.capabilities().has("LITERAL+")
                        && !connection.capabilities().has("LITERAL-")
                    {
                        return Err(ImapError::No("[CANNOT] this mail server cannot search for non-ASCII text".into()));
                    }
                    // One cheap STATUS tells whether the folder's message set changed since the
                    // list was last sorted; only then is the server asked to sort it again.
                    let state = connection.list_state(&request.mailbox).await?;
                    if let Some((uv, _, _)) = after
                        && uv != state.uid_validity
                    {
                        // The cursor belongs to a folder the server has since reset.
                        return Ok(Err(()));
                    }
                    let (criteria, utf8) = match &request.criteria {
                        Some(c) => (c.wire.as_str(), c.utf8),
                        None => ("ALL", false),
                    };
                    let limit = request.limit.to_string();
                    let sort_text = request.sort.as_text();
                    let cursor_text = request.cursor.clone().unwrap_or_default();
                    let parts = [request.mailbox.as_str(), sort_text.as_str(), criteria, cursor_text.as_str(), limit.as_str()];
                    let etag = state.highest_modseq.map(|modseq| sync::list_etag(&username, &state, modseq, &parts));
                    if let (Some(etag), Some(wanted)) = (&etag, &request.if_none_match)
                        && sync::etag_matches(wanted, etag)
                    {
                        return Ok(Ok(Listing::Unchanged(state, etag.clone())));
                    }
                    let key = SortKey {
                        username,
                        mailbox: request.mailbox.clone(),
                        sort: request.sort.as_text(),
                        criteria: criteria.to_string(),
                    };
                    // Any search may test flags (is:unread), so searches also need an equal HIGHESTMODSEQ.
                    let flag_dependent = request.criteria.is_some();
                    let selected = connection.select(&request.mailbox).await?;
                    let sorted = match cache.get(&key, &state, flag_dependent) {
                        Some(sorted) => sorted,
                        None => {
                            let sorted = std::sync::Arc::new(connection.sorted_uids(request.sort, criteria, utf8).await?);
                            cache.put(key, state, sorted.clone());
                            sorted
                        }
                    };
                    let start = match after {
                        Some((_, uid, offset)) => sorted.iter().position(|u| *u == uid).map(|p| p + 1).unwrap_or(offset.min(sorted.len())),
                        None => 0,
                    };
                    let uids: Vec<u32> = sorted.iter().skip(start).take(request.limit).copied().collect();
                    let page = connection.fetch_summaries(&uids).await?;
                    let next = (start + uids.len() < sorted.len()).then(|| (uids.last().copied().unwrap_or(0), start + uids.len()));
                    Ok(Ok(Listing::Page { selected, state, etag, total: sorted.len(), next, start, page }))
                })
            })
            .await?
            .map_err(|()| {
                ServiceError::StaleId("the folder was reset by the server (UIDVALIDITY changed); start from the first page".into())
            })?;
        let (selected, state, etag, total, next, start, page) = match listing {
            Listing::Unchanged(state, etag) => {
                let state = sync::StateToken::of(&state).map(|t| t.encode());
                return Ok(MessagePage {
                    items: Vec::new(),
                    total: 0,
                    start: 0,
                    next_cursor: None,
                    state,
                    etag: Some(etag),
                    not_modified: true,
                });
            }
            Listing::Page { selected, state, etag, total, next, start, page } => (selected, state, etag, total, next, start, page),
        };
        let next_cursor = next.map(|(after, off)| {
            Cursor { v: 1, uv: selected.uid_validity, after, off, sort: request.sort.as_text(), q: query_text.clone() }.encode()
        });
        let items = page.into_iter().map(|fetched| summary(&selected, fetched)).collect();
        let state = sync::StateToken::of(&state).map(|t| t.encode());
        Ok(MessagePage { items, total, start, next_cursor, state, etag, not_modified: false })
    }

    /// Runs `op` with the message's mailbox selected, after checking the id is not stale.
    pub(super) async fn on_message<T, F>(&self, session: &UserSession, id: &MessageId, op: F) -> Result<T, ServiceError>
    where
        T: Send + 'static,
        F: Fn(&mut crate::imap::ImapConnection, Selected) -> futures::future::BoxFuture<'_, Result<T, ImapError>> + Send + Sync + 'static,
    {
        if !session.grant.allows_mailbox(&id.mailbox) {
            return Err(ServiceError::NotFound("no such message".into()));
        }
        let op = std::sync::Arc::new(op);
        let result = self
            .pool
            .run(&session.credentials, |connection| {
                let id = id.clone();
                let op = op.clone();
                Box::pin(async move {
                    let selected = connection.select(&id.mailbox).await?;
                    if selected.uid_validity != id.uid_validity {
                        return Ok(Err(()));
                    }
                    if id.uid >= selected.uid_next {
                        // Newer than this connection's view of the folder (it arrived after the
                        // SELECT): a NOOP lets the server show it before we ask for it.
                        connection.noop().await?;
                    }
                    op(connection, selected).await.map(Ok)
                })
            })
            .await?;
        result.map_err(|()| stale(id))
    }

    /// The whole raw message.
    pub async fn raw_message(&self, session: &UserSession, id: &MessageId) -> Result<Vec<u8>, ServiceError> {
        let uid = id.uid;
        let fetched = self.on_message(session, id, move |c, _| Box::pin(async move { c.fetch_raw(uid).await })).await?;
        fetched.map(|(raw, _, _)| raw).ok_or_else(|| ServiceError::NotFound("the message no longer exists".into()))
    }

    /// Opens a message; with `mark_seen` it also gets \Seen.
    pub async fn get_message(&self, session: &UserSession, id: &MessageId, mark_seen: bool) -> Result<MessageView, ServiceError> {
        let uid = id.uid;
        let (raw, mut flags, received_at, selected) = self
            .on_message(session, id, move |c, selected| {
                Box::pin(async move {
                    let fetched = c.fetch_raw(uid).await?;
                    if mark_seen && fetched.as_ref().is_some_and(|(_, flags, _)| !flags.seen) {
                        c.store_flags(&[uid], &["\\Seen".to_string()], &[]).await?;
                    }
                    Ok(fetched.map(|(raw, flags, received)| (raw, flags, received, selected)))
                })
            })
            .await?
            .ok_or_else(|| ServiceError::NotFound("the message no longer exists".into()))?;
        if mark_seen {
            flags.seen = true;
        }
        // Parsing a hostile mail (thousands of parts, megabytes of lines) is CPU work: off the async threads.
        let size = raw.len() as u32;
        let parsed = tokio::task::spawn_blocking(move || parse_message(&raw))
            .await
            .map_err(|err| ServiceError::Internal(format!("parsing the message failed: {err}")))?;
        let fetched = FetchedSummary {
            uid,
            flags,
            received_at,
            size,
            headers: parsed.headers.clone(),
            has_attachments: parsed.attachments.iter().any(|a| a.disposition == "attachment"),
        };
        Ok(MessageView { summary: summary(&selected, fetched), parsed })
    }

    /// One decoded attachment, fetched on its own (BODY.PEEK[section]) rather than with the
    /// whole message.
    pub async fn attachment(&self, session: &UserSession, id: &MessageId, part_id: &str) -> Result<PartContent, ServiceError> {
        let missing = || ServiceError::NotFound(format!("the message has no part {part_id:?}"));
        if !is_valid_part_id(part_id) {
            return Err(missing());
        }
        let (uid, section) = (id.uid, part_id.to_string());
        let fetched = self
            .on_message(session, id, move |c, _| {
                let section = section.clone();
                Box::pin(async move {
                    match c.fetch_part(uid, &section).await {
                        // A section the message does not have: the server answers with nothing or NO.
                        Err(ImapError::No(_)) | Err(ImapError::Protocol(_)) => Ok(None),
                        other => other,
                    }
                })
            })
            .await?;
        let (header, body) = fetched.ok_or_else(missing)?;
        decode_part(&header, &body).ok_or_else(missing)
    }

    /// The summary of one message as it is now.
    pub async fn message_summary(&self, session: &UserSession, id: &MessageId) -> Result<MessageSummary, ServiceError> {
        let uid = id.uid;
        let (selected, fetched) = self
            .on_message(session, id, move |c, selected| Box::pin(async move { Ok((selected, c.fetch_summaries(&[uid]).await?)) }))
            .await?;
        let fetched = fetched.into_iter().next().ok_or_else(|| ServiceError::NotFound("the message no longer exists".into()))?;
        Ok(summary(&selected, fetched))
    }
}
