//! IMAP IDLE (RFC 2177): wait on the selected mailbox until the server reports a change.

use std::time::Duration;

use async_imap::imap_proto::{MailboxDatum, Response, Status};
use tokio::io::AsyncWriteExt;

use super::connection::ImapConnection;
use super::error::ImapError;

/// Why an IDLE ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleWake {
    /// The server reported new, changed or removed messages.
    Changed,
    /// Nothing happened within the time asked for.
    Timeout,
}

impl ImapConnection {
    /// Idles on the selected mailbox for at most `timeout` (keep it well under the 29 minutes
    /// after which servers may drop an idle client), then ends the IDLE with DONE. Servers
    /// without IDLE are polled: the wait passes and the caller checks for changes anyway.
    pub async fn idle_wait(&mut self, timeout: Duration) -> Result<IdleWake, ImapError> {
        if !self.capabilities().has("IDLE") {
            tokio::time::sleep(timeout).await;
            return Ok(IdleWake::Changed);
        }
        let tag = self.session.run_command("IDLE").await?;
        let mut wake = IdleWake::Timeout;
        // Until "+ idling", responses belong to the command start (and may already tell news).
        loop {
            match self.next_seen(&tag).await? {
                Seen::Continue => break,
                Seen::Tagged(error) => return Err(error),
                Seen::Change => wake = IdleWake::Changed,
                Seen::Other => {}
            }
        }
        if wake == IdleWake::Timeout {
            let deadline = tokio::time::Instant::now() + timeout;
            // Reading the next response is cancel-safe: unread bytes stay in the stream's buffer.
            while let Ok(seen) = tokio::time::timeout_at(deadline, self.next_seen(&tag)).await {
                match seen? {
                    Seen::Change => {
                        wake = IdleWake::Changed;
                        break;
                    }
                    Seen::Tagged(error) => return Err(error),
                    Seen::Continue | Seen::Other => {}
                }
            }
        }
        let stream = self.session.get_mut();
        stream.write_all(b"DONE\r\n").await.map_err(ImapError::from_io)?;
        stream.flush().await.map_err(ImapError::from_io)?;
        self.finish(tag, |_| {}).await?;
        Ok(wake)
    }

    /// Reads one response and says what it means for an IDLE.
    async fn next_seen(&mut self, tag: &async_imap::imap_proto::RequestId) -> Result<Seen, ImapError> {
        let response = self
            .session
            .read_response()
            .await
            .map_err(ImapError::from_io)?
            .ok_or_else(|| ImapError::ConnectionLost("closed by the server".into()))?;
        Ok(match response.parsed() {
            Response::Continue { .. } => Seen::Continue,
            Response::Done { tag: done, status, outcome } if done == tag => {
                let text = outcome.information.as_deref().unwrap_or("").to_string();
                Seen::Tagged(if *status == Status::No { ImapError::No(text) } else { ImapError::Protocol(text) })
            }
            Response::Data { status: Status::Bye, outcome } => {
                return Err(ImapError::ConnectionLost(format!("BYE {}", outcome.information.as_deref().unwrap_or(""))));
            }
            other if is_change(other) => Seen::Change,
            _ => Seen::Other,
        })
    }
}

/// One response during an IDLE, classified.
enum Seen {
    Continue,
    /// The IDLE command ended early (refused); its error.
    Tagged(ImapError),
    Change,
    Other,
}

/// Untagged responses that mean the mailbox changed (new, removed or re-flagged messages).
fn is_change(response: &Response<'_>) -> bool {
    matches!(
        response,
        Response::MailboxData(MailboxDatum::Exists(_) | MailboxDatum::Recent(_))
            | Response::Expunge(_)
            | Response::Fetch(..)
            | Response::Vanished { .. }
    )
}
