//! Searching every folder at once: one SORT per folder, then a merge by date of the next
//! candidates of each folder, so a page never needs more than `limit` envelopes per folder.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::messages::{MessagePage, SearchCriteria, summary};
use super::{Letterbox, ServiceError, UserSession};
use crate::imap::ImapError;
use crate::mail::{MessageSummary, SortOrder};

/// How far each folder's result list has been consumed, by folder path.
type Positions = BTreeMap<String, usize>;

fn encode_cursor(positions: &Positions, query: &str) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&(1u8, query, positions)).unwrap_or_default())
}

fn decode_cursor(text: &str, query: &str) -> Result<Positions, ServiceError> {
    let invalid = || ServiceError::InvalidInput { field: "cursor", detail: "not a cursor of this search".into() };
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
    let (version, cursor_query, positions): (u8, String, Positions) = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if version != 1 || cursor_query != query {
        return Err(invalid());
    }
    Ok(positions)
}

impl Letterbox {
    /// Messages matching `criteria` in every selectable folder, newest first (by Date).
    pub async fn search_all(
        &self,
        session: &UserSession,
        criteria: SearchCriteria,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<MessagePage, ServiceError> {
        if limit == 0 || limit > super::messages::MAX_PAGE {
            return Err(ServiceError::InvalidInput {
                field: "limit",
                detail: format!("must be between 1 and {}", super::messages::MAX_PAGE),
            });
        }
        let mut positions = match cursor {
            Some(text) => decode_cursor(text, &criteria.source)?,
            None => Positions::new(),
        };
        let folders: Vec<String> = self.list_mailboxes(session).await?.into_iter().filter(|m| m.selectable).map(|m| m.path).collect();
        let mut candidates: Vec<(String, MessageSummary, i64)> = Vec::new();
        let mut total = 0;
        let mut remaining_anywhere = false;
        for folder in folders {
            let skip = positions.get(&folder).copied().unwrap_or(0);
            let (found, page) = self
                .pool
                .run(&session.credentials, |connection| {
                    let (folder, criteria) = (folder.clone(), criteria.clone());
                    Box::pin(async move {
                        let selected = connection.select(&folder).await?;
                        if criteria.literals && !connection.capabilities().has("LITERAL+") && !connection.capabilities().has("LITERAL-") {
                            return Err(ImapError::No("[CANNOT] this mail server cannot search for non-ASCII text".into()));
                        }
                        let uids = connection.sorted_uids(SortOrder::DEFAULT, &criteria.wire, criteria.utf8).await?;
                        let next: Vec<u32> = uids.iter().skip(skip).take(limit).copied().collect();
                        let fetched = connection.fetch_summaries(&next).await?;
                        Ok((uids.len(), fetched.into_iter().map(|f| summary(&selected, f)).collect::<Vec<_>>()))
                    })
                })
                .await?;
            total += found;
            remaining_anywhere |= skip + page.len() < found;
            for message in page {
                let date = time::OffsetDateTime::parse(&message.date, &time::format_description::well_known::Rfc3339)
                    .map(|d| d.unix_timestamp())
                    .unwrap_or(0);
                candidates.push((folder.clone(), message, date));
            }
        }
        // Each folder's candidates are already newest first; a stable sort by date merges them.
        candidates.sort_by_key(|c| std::cmp::Reverse(c.2));
        let taken: Vec<(String, MessageSummary, i64)> = candidates.into_iter().take(limit).collect();
        for (folder, _, _) in &taken {
            *positions.entry(folder.clone()).or_insert(0) += 1;
        }
        let consumed: usize = positions.values().sum();
        let next_cursor =
            (consumed < total && (remaining_anywhere || taken.len() == limit)).then(|| encode_cursor(&positions, &criteria.source));
        let start = consumed - taken.len();
        Ok(MessagePage {
            items: taken.into_iter().map(|(_, m, _)| m).collect(),
            total,
            start,
            next_cursor,
            state: None,
            etag: None,
            not_modified: false,
        })
    }
}
