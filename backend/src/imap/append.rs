//! APPEND: storing a message the user wrote (a sent copy, a draft) into a mailbox.

use async_imap::imap_proto::{Response, ResponseCode, Status};
use tokio::io::AsyncWriteExt;

use super::connection::{ImapConnection, quote};
use super::error::ImapError;
use super::utf7;

/// Where an appended message landed, when the server says (UIDPLUS `APPENDUID`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    pub uid_validity: u32,
    pub uid: u32,
}

impl ImapConnection {
    /// Appends `message` to the mailbox at `path` with `flags` (e.g. `\Seen`, `\Draft`).
    /// Returns its UID when the server reports it (UIDPLUS); `None` otherwise.
    pub async fn append(&mut self, path: &str, flags: &[&str], message: &[u8]) -> Result<Option<Appended>, ImapError> {
        if flags.iter().any(|flag| flag.contains(['(', ')', ' ', '\r', '\n', '"'])) {
            return Err(ImapError::InvalidInput(format!("invalid flag in {flags:?}")));
        }
        let mailbox = quote(&utf7::encode(path))?;
        // LITERAL+ lets the message follow at once instead of waiting one round trip for "+".
        let non_sync = self.capabilities().has("LITERAL+");
        let literal = format!("{{{}{}}}", message.len(), if non_sync { "+" } else { "" });
        let tag = self.session.run_command(format!("APPEND {mailbox} ({}) {literal}", flags.join(" "))).await?;
        if !non_sync {
            self.await_continuation(&tag).await?;
        }
        let stream = self.session.get_mut();
        stream.write_all(message).await.map_err(ImapError::from_io)?;
        stream.write_all(b"\r\n").await.map_err(ImapError::from_io)?;
        stream.flush().await.map_err(ImapError::from_io)?;
        let mut appended = None;
        self.finish(tag, |response| {
            if let Response::Done { status: Status::Ok, outcome, .. } = response
                && let Some(ResponseCode::AppendUid(uid_validity, uids)) = &outcome.code
            {
                appended = uids.first().map(|member| Appended { uid_validity: *uid_validity, uid: first_uid(member) });
            }
        })
        .await?;
        Ok(appended)
    }

    /// Waits for the server's "+" before a synchronizing literal; a tagged NO instead (over
    /// quota, no such mailbox) ends the command early.
    async fn await_continuation(&mut self, tag: &async_imap::imap_proto::RequestId) -> Result<(), ImapError> {
        loop {
            let response = self
                .session
                .read_response()
                .await
                .map_err(ImapError::from_io)?
                .ok_or_else(|| ImapError::ConnectionLost("closed by the server".into()))?;
            match response.parsed() {
                Response::Continue { .. } => return Ok(()),
                Response::Done { tag: done, status, outcome } if done == tag => {
                    let text = outcome.information.as_deref().unwrap_or("").to_string();
                    return Err(if *status == Status::No { ImapError::No(text) } else { ImapError::Protocol(text) });
                }
                _ => {}
            }
        }
    }
}

fn first_uid(member: &async_imap::imap_proto::rfc4315::UidSetMember) -> u32 {
    match member {
        async_imap::imap_proto::rfc4315::UidSetMember::Uid(uid) => *uid,
        async_imap::imap_proto::rfc4315::UidSetMember::UidRange(range) => *range.start(),
    }
}

impl ImapConnection {
    /// Finds a message in the mailbox at `path` by its Message-ID header (for servers without
    /// UIDPLUS); returns its UIDVALIDITY and the highest matching UID.
    pub async fn find_by_message_id(&mut self, path: &str, message_id: &str) -> Result<Option<(u32, u32)>, ImapError> {
        if message_id.contains(['"', '\\', '\r', '\n']) {
            return Ok(None);
        }
        let selected = self.select(path).await?;
        let uids = self.session.uid_search(format!("HEADER Message-ID \"<{message_id}>\"")).await?;
        Ok(uids.into_iter().max().map(|uid| (selected.uid_validity, uid)))
    }
}
