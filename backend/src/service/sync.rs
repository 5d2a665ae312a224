//! Keeping clients in sync cheaply: opaque mailbox state tokens, ETags of list pages, and
//! `/changes` since a state (CONDSTORE/QRESYNC).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::digest::{Context, SHA256};

use super::{Letterbox, ServiceError, UserSession};
use crate::imap::{ImapError, MailboxState};
use crate::mail::MessageId;

/// A mailbox state as clients see it: UIDVALIDITY, HIGHESTMODSEQ and UIDNEXT, encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateToken {
    pub uid_validity: u32,
    pub modseq: u64,
    pub uid_next: u32,
}

impl StateToken {
    /// The token of a mailbox state; `None` without HIGHESTMODSEQ (no CONDSTORE).
    pub fn of(state: &MailboxState) -> Option<Self> {
        state.highest_modseq.map(|modseq| Self { uid_validity: state.uid_validity, modseq, uid_next: state.uid_next })
    }

    /// The URL-safe text form.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("s1.{}.{}.{}", self.uid_validity, self.modseq, self.uid_next))
    }

    /// Parses a token from [`StateToken::encode`].
    pub fn decode(text: &str) -> Option<Self> {
        let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
        let mut parts = raw.strip_prefix("s1.")?.split('.');
        let token =
            Self { uid_validity: parts.next()?.parse().ok()?, modseq: parts.next()?.parse().ok()?, uid_next: parts.next()?.parse().ok()? };
        parts.next().is_none().then_some(token)
    }
}

/// A weak ETag for one list page: it changes whenever anything the page shows could have
/// (a new or removed message, any flag change through HIGHESTMODSEQ) or the request differs.
pub fn list_etag(username: &str, state: &MailboxState, modseq: u64, request_parts: &[&str]) -> String {
    let mut digest = Context::new(&SHA256);
    for part in [username.as_bytes(), &state.uid_validity.to_be_bytes(), &state.uid_next.to_be_bytes(), &state.messages.to_be_bytes()] {
        digest.update(&(part.len() as u32).to_be_bytes());
        digest.update(part);
    }
    digest.update(&modseq.to_be_bytes());
    for part in request_parts {
        digest.update(&(part.len() as u32).to_be_bytes());
        digest.update(part.as_bytes());
    }
    etag_of_digest(digest.finish().as_ref())
}

/// A weak ETag from response bytes (for responses without a cheaper validator).
pub fn body_etag(body: &[u8]) -> String {
    etag_of_digest(ring::digest::digest(&SHA256, body).as_ref())
}

fn etag_of_digest(digest: &[u8]) -> String {
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("W/\"{hex}\"")
}

/// Whether an `If-None-Match` header value matches `etag` (weak comparison, lists, `*`).
pub fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    let bare = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
    if_none_match.split(',').any(|candidate| candidate.trim() == "*" || bare(candidate) == bare(etag))
}

/// What changed in a mailbox since a state.
#[derive(Debug, Clone)]
pub struct MailboxChanges {
    pub created: Vec<MessageId>,
    pub updated: Vec<MessageId>,
    pub destroyed: Vec<MessageId>,
    pub new_state: String,
}

impl Letterbox {
    /// Changes in the mailbox at `path` since `since` (a state from a list response). A state
    /// from before a UIDVALIDITY change, or a server without QRESYNC → `CannotSync` (reload).
    pub async fn mailbox_changes(&self, session: &UserSession, path: &str, since: &str) -> Result<MailboxChanges, ServiceError> {
        session.grant.check_mailbox(path)?;
        let since = StateToken::decode(since).ok_or_else(|| ServiceError::InvalidInput {
            field: "since",
            detail: "not a state from this API (take it from a list response)".into(),
        })?;
        let path_owned = path.to_string();
        let outcome = self
            .pool
            .run(&session.credentials, |connection| {
                let path = path_owned.clone();
                Box::pin(async move {
                    if !connection.can_track_changes() {
                        return Ok(Err("this mail server cannot report changes (no QRESYNC); reload the list"));
                    }
                    let state = connection.mailbox_state(&path).await?;
                    let Some(now) = StateToken::of(&state) else {
                        return Ok(Err("this mail server reports no modification sequences; reload the list"));
                    };
                    if now.uid_validity != since.uid_validity {
                        return Ok(Err("the folder was reset by the server (UIDVALIDITY changed); reload the list"));
                    }
                    if since.modseq > now.modseq || since.uid_next > now.uid_next {
                        return Ok(Err("that state is newer than the folder; reload the list"));
                    }
                    let (_, changed) = match connection.changed_since(&path, since.modseq).await {
                        Ok(found) => found,
                        Err(ImapError::No(text)) => return Err(ImapError::No(text)),
                        Err(other) => return Err(other),
                    };
                    Ok(Ok((now, changed)))
                })
            })
            .await?;
        let (now, changed) = outcome.map_err(|detail| ServiceError::CannotSync(detail.to_string()))?;
        let id = |uid: u32| MessageId { mailbox: path.to_string(), uid_validity: now.uid_validity, uid };
        let (created, updated): (Vec<u32>, Vec<u32>) = changed.changed.iter().partition(|uid| **uid >= since.uid_next);
        Ok(MailboxChanges {
            created: created.into_iter().map(id).collect(),
            updated: updated.into_iter().map(id).collect(),
            // Messages that arrived and went again since the state were never seen: skip them.
            destroyed: changed.vanished.into_iter().filter(|uid| *uid < since.uid_next).map(id).collect(),
            new_state: now.encode(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_tokens_round_trip_and_reject_garbage() {
        let token = StateToken { uid_validity: 7, modseq: 1234567890123, uid_next: 42 };
        assert_eq!(StateToken::decode(&token.encode()), Some(token));
        for bad in
            ["", "xyz", &URL_SAFE_NO_PAD.encode("s1.1.2"), &URL_SAFE_NO_PAD.encode("s1.1.2.3.4"), &URL_SAFE_NO_PAD.encode("s2.1.2.3")]
        {
            assert_eq!(StateToken::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn etags_follow_state_and_request() {
        let state = MailboxState { uid_validity: 1, uid_next: 10, messages: 9, highest_modseq: Some(5) };
        let base = list_etag("u", &state, 5, &["INBOX", "-date", ""]);
        assert_eq!(base, list_etag("u", &state, 5, &["INBOX", "-date", ""]));
        assert_ne!(base, list_etag("u", &state, 6, &["INBOX", "-date", ""]), "a flag change anywhere");
        assert_ne!(base, list_etag("u", &state, 5, &["INBOX", "date", ""]), "another sort");
        assert_ne!(base, list_etag("u", &MailboxState { uid_next: 11, ..state }, 5, &["INBOX", "-date", ""]));
        assert!(etag_matches(&base, &base) && etag_matches(&format!("\"x\", {}", base.trim_start_matches("W/")), &base));
        assert!(etag_matches("*", &base) && !etag_matches("W/\"other\"", &base));
    }
}
