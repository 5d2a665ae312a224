//! A bounded in-memory cache of sorted UID lists, so a page of a large folder does not make the
//! server re-sort the whole folder when nothing changed (Dovecot re-sorts on every SORT).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::imap::MailboxState;

/// What a cached list was computed for: the user, folder, sort order and search criteria.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SortKey {
    pub username: String,
    pub mailbox: String,
    pub sort: String,
    pub criteria: String,
}

struct Entry {
    state: MailboxState,
    uids: Arc<Vec<u32>>,
    last_used: u64,
}

/// At most this many lists are kept, however small: the keys carry client search text, and
/// finding the least recently used entry is a scan of them all.
pub const MAX_ENTRIES: usize = 4096;

/// Sorted UID lists by key, evicting the least recently used beyond a byte budget or
/// [`MAX_ENTRIES`] lists.
pub struct SortCache {
    budget_bytes: usize,
    max_entries: usize,
    inner: Mutex<(HashMap<SortKey, Entry>, usize, u64)>,
}

impl std::fmt::Debug for SortCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SortCache").field("budget_bytes", &self.budget_bytes).finish_non_exhaustive()
    }
}

fn cost(key: &SortKey, uids: &[u32]) -> usize {
    uids.len() * 4 + key.username.len() + key.mailbox.len() + key.sort.len() + key.criteria.len() + 64
}

impl SortCache {
    /// A cache holding at most about `budget_bytes` of UID lists.
    pub fn new(budget_bytes: usize) -> Self {
        Self { budget_bytes, max_entries: MAX_ENTRIES, inner: Mutex::new((HashMap::new(), 0, 0)) }
    }

    /// The cached list when it was computed for exactly this mailbox `state`. Lists that depend
    /// on flags (`flag_dependent`, e.g. `is:unread`) also need an equal HIGHESTMODSEQ; without
    /// CONDSTORE they are never served from the cache.
    pub fn get(&self, key: &SortKey, state: &MailboxState, flag_dependent: bool) -> Option<Arc<Vec<u32>>> {
        if flag_dependent && state.highest_modseq.is_none() {
            return None;
        }
        let mut guard = self.inner.lock().expect("sort cache lock");
        guard.2 += 1;
        let tick = guard.2;
        let entry = guard.0.get_mut(key)?;
        let same = entry.state.uid_validity == state.uid_validity
            && entry.state.uid_next == state.uid_next
            && entry.state.messages == state.messages
            && (!flag_dependent || entry.state.highest_modseq == state.highest_modseq);
        if !same {
            return None;
        }
        entry.last_used = tick;
        Some(entry.uids.clone())
    }

    /// Remembers a freshly sorted list.
    pub fn put(&self, key: SortKey, state: MailboxState, uids: Arc<Vec<u32>>) {
        let size = cost(&key, &uids);
        if size > self.budget_bytes {
            return;
        }
        let mut guard = self.inner.lock().expect("sort cache lock");
        guard.2 += 1;
        let tick = guard.2;
        if let Some(old) = guard.0.remove(&key) {
            guard.1 -= cost(&key, &old.uids);
        }
        while guard.1 + size > self.budget_bytes || guard.0.len() >= self.max_entries {
            let Some(oldest) = guard.0.iter().min_by_key(|(_, e)| e.last_used).map(|(k, _)| k.clone()) else { break };
            if let Some(evicted) = guard.0.remove(&oldest) {
                guard.1 -= cost(&oldest, &evicted.uids);
            }
        }
        guard.1 += size;
        guard.0.insert(key, Entry { state, uids, last_used: tick });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(mailbox: &str) -> SortKey {
        SortKey { username: "u".into(), mailbox: mailbox.into(), sort: "-date".into(), criteria: String::new() }
    }

    fn state(uid_next: u32, messages: u32, modseq: Option<u64>) -> MailboxState {
        MailboxState { uid_validity: 7, uid_next, messages, highest_modseq: modseq }
    }

    #[test]
    fn serves_only_the_same_message_set() {
        let cache = SortCache::new(1 << 20);
        cache.put(key("INBOX"), state(10, 9, Some(5)), Arc::new(vec![9, 8, 7]));
        assert!(cache.get(&key("INBOX"), &state(10, 9, Some(6)), false).is_some(), "flag changes do not reorder a date sort");
        assert!(cache.get(&key("INBOX"), &state(10, 9, Some(6)), true).is_none(), "but they change an is:unread search");
        assert!(cache.get(&key("INBOX"), &state(11, 10, Some(6)), false).is_none(), "new mail");
        assert!(cache.get(&key("INBOX"), &state(10, 8, Some(6)), false).is_none(), "an expunge");
        assert!(cache.get(&key("INBOX"), &MailboxState { uid_validity: 8, ..state(10, 9, Some(5)) }, false).is_none(), "UIDVALIDITY");
        assert!(cache.get(&key("INBOX"), &state(10, 9, None), true).is_none(), "no CONDSTORE, no cached searches");
        assert!(cache.get(&key("Other"), &state(10, 9, Some(5)), false).is_none());
    }

    #[test]
    fn evicts_least_recently_used_beyond_the_budget() {
        let list = Arc::new(vec![0u32; 1000]);
        let one = cost(&key("A"), &list);
        let cache = SortCache::new(one * 2 + 10);
        cache.put(key("A"), state(1, 1, None), list.clone());
        cache.put(key("B"), state(1, 1, None), list.clone());
        assert!(cache.get(&key("A"), &state(1, 1, None), false).is_some());
        cache.put(key("C"), state(1, 1, None), list.clone());
        assert!(cache.get(&key("B"), &state(1, 1, None), false).is_none(), "B was least recently used");
        assert!(cache.get(&key("A"), &state(1, 1, None), false).is_some());
        assert!(cache.get(&key("C"), &state(1, 1, None), false).is_some());
    }

    #[test]
    fn keeps_at_most_max_entries_lists() {
        let cache = SortCache { max_entries: 3, ..SortCache::new(1 << 20) };
        for n in 0..10 {
            cache.put(key(&format!("F{n}")), state(1, 1, None), Arc::new(vec![1]));
        }
        assert_eq!(cache.inner.lock().unwrap().0.len(), 3);
        assert!(cache.get(&key("F9"), &state(1, 1, None), false).is_some(), "the latest is kept");
        assert!(cache.get(&key("F0"), &state(1, 1, None), false).is_none(), "the oldest went");
    }
}
