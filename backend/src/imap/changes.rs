//! What changed in a mailbox since a modification sequence (CONDSTORE/QRESYNC, RFC 7162):
//! the base of `/changes` and of the event stream.

use async_imap::imap_proto::{AttributeValue, Response};

use super::connection::ImapConnection;
use super::error::ImapError;
use super::messages::Selected;

/// Messages changed or gone since a modification sequence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangedSince {
    /// UIDs whose flags changed or that arrived since (ascending).
    pub changed: Vec<u32>,
    /// UIDs expunged since (ascending).
    pub vanished: Vec<u32>,
}

impl ImapConnection {
    /// Whether this server can tell changes since a modification sequence, removals included.
    pub fn can_track_changes(&self) -> bool {
        self.capabilities().has("QRESYNC") && self.capabilities().has("CONDSTORE")
    }

    /// Turns QRESYNC on for this connection (once). It must be enabled with no mailbox selected.
    async fn ensure_qresync(&mut self) -> Result<(), ImapError> {
        if self.qresync {
            return Ok(());
        }
        if !self.can_track_changes() {
            return Err(ImapError::No("[CANNOT] this mail server cannot report changes (no QRESYNC)".into()));
        }
        if self.selected.take().is_some() {
            if self.capabilities().has("UNSELECT") {
                self.run("UNSELECT", |_| {}).await?;
            } else {
                // CLOSE would expunge; EXAMINE of a folder and then ENABLE is what is left.
                self.run("EXAMINE INBOX", |_| {}).await?;
            }
        }
        self.run("ENABLE QRESYNC", |_| {}).await?;
        self.qresync = true;
        Ok(())
    }

    /// Selects `path` and lists the UIDs changed and expunged since `modseq`
    /// (`UID FETCH 1:* (FLAGS) (CHANGEDSINCE m VANISHED)`).
    pub async fn changed_since(&mut self, path: &str, modseq: u64) -> Result<(Selected, ChangedSince), ImapError> {
        self.ensure_qresync().await?;
        let selected = self.select(path).await?;
        let mut out = ChangedSince::default();
        let command = format!("UID FETCH 1:* (UID FLAGS) (CHANGEDSINCE {modseq} VANISHED)");
        self.run(&command, |response| match response {
            Response::Fetch(_, attributes) => {
                for attribute in attributes {
                    if let AttributeValue::Uid(uid) = attribute {
                        out.changed.push(*uid);
                    }
                }
            }
            Response::Vanished { uids, .. } => {
                for range in uids {
                    // Bounded: a range from a server glitch must not allocate the world.
                    out.vanished.extend(range.clone().take(1_000_000));
                }
            }
            _ => {}
        })
        .await?;
        out.changed.sort_unstable();
        out.changed.dedup();
        out.vanished.sort_unstable();
        out.vanished.dedup();
        Ok((selected, out))
    }
}
