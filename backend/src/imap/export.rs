//! Reading a whole folder for export: its UIDs once, then raw messages in batches bounded by
//! count and by bytes, without setting \Seen.

use futures::TryStreamExt;

use super::connection::ImapConnection;
use super::error::ImapError;
use super::messages::{Selected, uid_set};
use crate::mail::{SortKey, SortOrder};

/// One message as stored: its UID, INTERNALDATE (Unix seconds) and exact bytes.
#[derive(Debug, Clone)]
pub struct RawMessage {
    pub uid: u32,
    pub received_at: i64,
    pub raw: Vec<u8>,
}

impl ImapConnection {
    /// Selects `path` and returns it with every UID in it, ascending (4 bytes a message: the
    /// only part of an export that grows with the folder).
    pub async fn folder_uids(&mut self, path: &str) -> Result<(Selected, Vec<u32>), ImapError> {
        let selected = self.select(path).await?;
        let mut uids = self.sorted_uids(SortOrder { key: SortKey::Arrival, descending: false }, "ALL", false).await?;
        // SORT answers in arrival order, which is UID order; make sure whatever the server did.
        uids.sort_unstable();
        uids.dedup();
        Ok((selected, uids))
    }

    /// The sizes (RFC822.SIZE) of `uids` of the selected mailbox, in UID order; messages gone
    /// meanwhile are missing. Cheap: no bodies travel.
    pub async fn fetch_sizes(&mut self, uids: &[u32]) -> Result<Vec<(u32, u32)>, ImapError> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let fetches: Vec<_> = self.session.uid_fetch(uid_set(uids), "(UID RFC822.SIZE)").await?.try_collect().await?;
        let mut sizes: Vec<(u32, u32)> = fetches.iter().filter_map(|f| Some((f.uid?, f.size.unwrap_or(0)))).collect();
        sizes.sort_unstable();
        sizes.dedup_by_key(|s| s.0);
        Ok(sizes)
    }

    /// The whole messages `uids` of the selected mailbox with BODY.PEEK[] (never sets \Seen),
    /// in UID order; messages gone meanwhile are missing. The caller keeps the batch small
    /// (see [`byte_batches`]): all of it is held in memory at once.
    pub async fn fetch_raw_batch(&mut self, uids: &[u32]) -> Result<Vec<RawMessage>, ImapError> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let fetches: Vec<_> = self.session.uid_fetch(uid_set(uids), "(UID INTERNALDATE BODY.PEEK[])").await?.try_collect().await?;
        let mut messages: Vec<RawMessage> = fetches
            .iter()
            // Unsolicited FETCH replies (flag changes by others) carry no body or another UID.
            .filter(|f| f.uid.is_some_and(|u| uids.contains(&u)))
            .filter_map(|f| {
                Some(RawMessage {
                    uid: f.uid?,
                    received_at: f.internal_date().map(|d| d.timestamp()).unwrap_or(0),
                    raw: f.body()?.to_vec(),
                })
            })
            .collect();
        messages.sort_unstable_by_key(|m| m.uid);
        messages.dedup_by_key(|m| m.uid);
        Ok(messages)
    }
}

/// Splits `(uid, size)` pairs into consecutive runs of at most `max_bytes` together (a single
/// larger message is a run of its own), so one fetch never holds more than that plus one message.
pub fn byte_batches(sizes: &[(u32, u32)], max_bytes: u64) -> Vec<Vec<u32>> {
    let mut batches = Vec::new();
    let mut current = Vec::new();
    let mut bytes = 0u64;
    for &(uid, size) in sizes {
        if !current.is_empty() && bytes + u64::from(size) > max_bytes {
            batches.push(std::mem::take(&mut current));
            bytes = 0;
        }
        current.push(uid);
        bytes += u64::from(size);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::byte_batches;

    #[test]
    fn batches_stay_under_the_byte_budget_and_keep_order() {
        let sizes = [(1, 400), (2, 400), (3, 400), (5, 5000), (9, 10), (10, 10)];
        assert_eq!(byte_batches(&sizes, 1000), vec![vec![1, 2], vec![3], vec![5], vec![9, 10]]);
        assert!(byte_batches(&[], 1000).is_empty());
    }
}
