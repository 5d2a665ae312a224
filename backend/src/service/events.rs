//! Live events per user: one feed per logged-in user with listeners, fed by a watcher on its
//! own IMAP connection (IDLE), fanned out to every event stream of that user, with a short
//! history so a client that reconnects with `Last-Event-ID` misses nothing.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, broadcast};

use super::sync::StateToken;
use super::{Letterbox, UserSession};
use crate::secret::Credentials;

/// Events kept for replay to clients that reconnect.
const HISTORY: usize = 512;
/// Most users' feeds kept at once (each holds up to [`HISTORY`] events).
pub const MAX_FEEDS: usize = 10_000;
/// How long the feed of a user nobody listens to is kept, for a client that reconnects with
/// `Last-Event-ID`; older ones are pruned.
pub const IDLE_FEED_KEPT: Duration = Duration::from_secs(15 * 60);
/// Feeds are swept for idle ones at most this often (and whenever the map is full).
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// One event of a user's stream.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamEvent {
    /// `<INBOX state token>.<sequence>`: the state lets a new watcher catch up after a gap.
    pub id: String,
    /// `mailbox`, `message.new`, `message.updated`, `message.removed`, `ready` or `resync`.
    pub kind: &'static str,
    pub data: serde_json::Value,
}

/// The feed of one user: a broadcast channel, recent history, and who listens.
#[derive(Debug)]
pub struct UserFeed {
    pub(super) sender: broadcast::Sender<StreamEvent>,
    history: Mutex<VecDeque<(u64, StreamEvent)>>,
    next_seq: AtomicU64,
    pub(super) listeners: AtomicUsize,
    /// Credentials of the latest subscriber (the watcher logs in with them).
    pub(super) credentials: Mutex<Credentials>,
    /// The INBOX state the watcher has reported up to, once it has one.
    pub(super) state: Mutex<Option<StateToken>>,
    /// Where a new watcher should catch up from (a `Last-Event-ID` of a returning client).
    pub(super) resume_from: Mutex<Option<StateToken>>,
    /// Wakes the watcher when the last listener leaves, so its connection closes at once.
    pub(super) gone: Notify,
    pub(super) watching: std::sync::atomic::AtomicBool,
    /// When a listener last came or went.
    last_active: Mutex<Instant>,
}

impl UserFeed {
    fn new(credentials: Credentials, now: Instant) -> Self {
        UserFeed {
            sender: broadcast::channel(256).0,
            history: Mutex::new(VecDeque::new()),
            next_seq: AtomicU64::new(0),
            listeners: AtomicUsize::new(0),
            credentials: Mutex::new(credentials),
            state: Mutex::new(None),
            resume_from: Mutex::new(None),
            gone: Notify::new(),
            watching: std::sync::atomic::AtomicBool::new(false),
            last_active: Mutex::new(now),
        }
    }

    /// Nobody listens, no watcher runs, and nobody came or went since `cutoff`.
    fn idle_since(&self, cutoff: Instant) -> bool {
        self.listeners.load(Ordering::Acquire) == 0
            && !self.watching.load(Ordering::Acquire)
            && *self.last_active.lock().expect("feed lock") <= cutoff
    }

    /// Publishes an event to every listener and the history; returns it.
    pub(super) fn publish(&self, kind: &'static str, data: serde_json::Value) -> StreamEvent {
        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed) + 1;
        let state = self.state.lock().expect("feed lock").map(|s| s.encode()).unwrap_or_default();
        let event = StreamEvent { id: format!("{state}.{seq}"), kind, data };
        let mut history = self.history.lock().expect("feed lock");
        if history.len() == HISTORY {
            history.pop_front();
        }
        history.push_back((seq, event.clone()));
        drop(history);
        let _ = self.sender.send(event.clone());
        event
    }

    /// Events after sequence `seq`, when the history still holds all of them (`None` when
    /// some were dropped, or `seq` is from another life of this process).
    fn since(&self, seq: u64) -> Option<Vec<StreamEvent>> {
        if seq > self.next_seq.load(Ordering::Relaxed) {
            return None;
        }
        let history = self.history.lock().expect("feed lock");
        match history.front() {
            Some((oldest, _)) if seq + 1 < *oldest => None,
            _ => Some(history.iter().filter(|(s, _)| *s > seq).map(|(_, e)| e.clone()).collect()),
        }
    }
}

/// A listener's end of a feed: events to replay first, then the live ones. Dropping it stops
/// listening; the watcher stops with the last listener.
#[derive(Debug)]
pub struct Subscription {
    pub replay: Vec<StreamEvent>,
    pub receiver: broadcast::Receiver<StreamEvent>,
    feed: Arc<UserFeed>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        *self.feed.last_active.lock().expect("feed lock") = Instant::now();
        if self.feed.listeners.fetch_sub(1, Ordering::AcqRel) == 1 {
            // notify_one keeps the wake-up for a watcher that is not waiting at this instant.
            self.feed.gone.notify_one();
        }
    }
}

/// Every user's feed: at most `cap` of them; the feeds of users nobody listens to go after
/// [`IDLE_FEED_KEPT`], or sooner when room is needed.
#[derive(Debug)]
pub struct EventHub {
    feeds: Mutex<HashMap<String, Arc<UserFeed>>>,
    cap: usize,
    last_sweep: Mutex<Option<Instant>>,
}

impl Default for EventHub {
    fn default() -> Self {
        Self::with_cap(MAX_FEEDS)
    }
}

impl EventHub {
    /// A hub holding at most `cap` feeds.
    pub fn with_cap(cap: usize) -> Self {
        Self { feeds: Mutex::new(HashMap::new()), cap, last_sweep: Mutex::new(None) }
    }

    /// Number of users' feeds held (for tests and metrics).
    pub fn feeds(&self) -> usize {
        self.feeds.lock().expect("hub lock").len()
    }

    /// The feed of `key` with one more listener (counted under the hub's lock, so a sweep never
    /// drops a feed someone is joining). `None` when the hub is full of feeds in use.
    fn join(&self, key: String, credentials: &Credentials, now: Instant) -> Option<Arc<UserFeed>> {
        let mut feeds = self.feeds.lock().expect("hub lock");
        let mut last_sweep = self.last_sweep.lock().expect("hub lock");
        let full = feeds.len() >= self.cap && !feeds.contains_key(&key);
        if full || last_sweep.is_none_or(|at| now.duration_since(at) >= SWEEP_EVERY) {
            *last_sweep = Some(now);
            if let Some(cutoff) = now.checked_sub(IDLE_FEED_KEPT) {
                feeds.retain(|_, feed| !feed.idle_since(cutoff));
            }
        }
        if feeds.len() >= self.cap && !feeds.contains_key(&key) {
            // Still full: make room by dropping the feed that has been idle longest, if any.
            let oldest = feeds
                .iter()
                .filter(|(_, feed)| feed.idle_since(now))
                .min_by_key(|(_, feed)| *feed.last_active.lock().expect("feed lock"))
                .map(|(key, _)| key.clone())?;
            feeds.remove(&oldest);
        }
        let feed = feeds.entry(key).or_insert_with(|| Arc::new(UserFeed::new(credentials.clone(), now))).clone();
        feed.listeners.fetch_add(1, Ordering::AcqRel);
        *feed.last_active.lock().expect("feed lock") = now;
        Some(feed)
    }

    /// Number of users with a running watcher (for tests and metrics).
    pub fn watching(&self) -> usize {
        self.feeds.lock().expect("hub lock").values().filter(|f| f.watching.load(Ordering::Acquire)).count()
    }

    /// Number of open subscriptions (event streams) of all users together (for tests and metrics).
    pub fn listeners(&self) -> usize {
        self.feeds.lock().expect("hub lock").values().map(|f| f.listeners.load(Ordering::Acquire)).sum()
    }
}

impl Letterbox {
    /// Starts listening to the user's events. With `last_event_id` (from a reconnecting client),
    /// the events it missed are replayed when they are still known, or caught up from the
    /// server's modification sequences; otherwise the first event is `resync`. `None` when the
    /// hub already holds [`MAX_FEEDS`] feeds in use.
    pub fn subscribe_events(self: &Arc<Self>, session: &UserSession, last_event_id: Option<&str>) -> Option<Subscription> {
        let feed = self.events.join(session.username.to_lowercase(), &session.credentials, Instant::now())?;
        *feed.credentials.lock().expect("feed lock") = session.credentials.clone();
        let receiver = feed.sender.subscribe();
        let mut replay = Vec::new();
        if let Some(last) = last_event_id {
            let (state, seq) = parse_event_id(last);
            let current = *feed.state.lock().expect("feed lock");
            match (seq.and_then(|seq| feed.since(seq)), state) {
                // Same feed still alive: replay what it published since.
                (Some(missed), Some(state)) if current.is_some_and(|c| c.uid_validity == state.uid_validity) => replay = missed,
                // A watcher that starts (or restarts) catches up from the client's state.
                (_, Some(state)) if !feed.watching.load(Ordering::Acquire) => {
                    *feed.resume_from.lock().expect("feed lock") = Some(state);
                }
                _ => replay.push(StreamEvent {
                    id: String::new(),
                    kind: "resync",
                    data: serde_json::json!({"reason": "too much changed; reload"}),
                }),
            }
        }
        if let Some(state) = *feed.state.lock().expect("feed lock") {
            replay.push(StreamEvent { id: String::new(), kind: "ready", data: serde_json::json!({"state": state.encode()}) });
        }
        if !feed.watching.swap(true, Ordering::AcqRel) {
            super::watch::spawn(self.clone(), feed.clone());
        }
        Some(Subscription { replay, receiver, feed })
    }
}

/// Splits `<state>.<seq>` (either part may be missing or garbage).
fn parse_event_id(id: &str) -> (Option<StateToken>, Option<u64>) {
    match id.rsplit_once('.') {
        Some((state, seq)) => (StateToken::decode(state), seq.parse().ok()),
        None => (StateToken::decode(id), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn credentials() -> Credentials {
        Credentials { username: "u".into(), password: Secret::new("pw") }
    }

    /// What dropping a [`Subscription`] does, at a given time.
    fn leave(feed: &UserFeed, at: Instant) {
        *feed.last_active.lock().unwrap() = at;
        feed.listeners.fetch_sub(1, Ordering::AcqRel);
    }

    #[test]
    fn a_full_hub_makes_room_only_by_dropping_idle_feeds() {
        let hub = EventHub::with_cap(2);
        let t0 = Instant::now();
        let a = hub.join("a".into(), &credentials(), t0).expect("room");
        let b = hub.join("b".into(), &credentials(), t0).expect("room");
        assert!(hub.join("c".into(), &credentials(), t0).is_none(), "full of feeds in use: a third user waits");
        let a_again = hub.join("a".into(), &credentials(), t0).expect("a known user still joins");
        assert!(Arc::ptr_eq(&a, &a_again));
        assert_eq!((hub.feeds(), hub.listeners()), (2, 3));

        let t1 = t0 + Duration::from_secs(1);
        leave(&b, t1);
        hub.join("c".into(), &credentials(), t1).expect("b's idle feed makes room");
        assert_eq!(hub.feeds(), 2);
        let b_again = hub.join("b".into(), &credentials(), t1);
        assert!(b_again.is_none(), "b's feed is gone and a and c are in use");

        // Both idle now, a for longer: a newcomer replaces a.
        let c = hub.feeds.lock().unwrap()["c"].clone();
        leave(&a, t1);
        leave(&a, t1);
        leave(&c, t1 + Duration::from_secs(1));
        hub.join("d".into(), &credentials(), t1 + Duration::from_secs(2)).expect("room");
        let keys: std::collections::BTreeSet<String> = hub.feeds.lock().unwrap().keys().cloned().collect();
        assert_eq!(keys.into_iter().collect::<Vec<_>>(), ["c", "d"]);
    }

    #[test]
    fn idle_feeds_are_pruned_after_a_while_but_not_while_watched() {
        let hub = EventHub::with_cap(100);
        let t0 = Instant::now();
        let x = hub.join("x".into(), &credentials(), t0).unwrap();
        leave(&x, t0);
        let w = hub.join("w".into(), &credentials(), t0).unwrap();
        leave(&w, t0);
        w.watching.store(true, Ordering::Release); // a watcher still closing its connection
        let y = hub.join("y".into(), &credentials(), t0 + SWEEP_EVERY).unwrap();
        assert_eq!(hub.feeds(), 3, "idle for a minute: kept for a reconnecting client");
        hub.join("y".into(), &credentials(), t0 + IDLE_FEED_KEPT + 2 * SWEEP_EVERY).unwrap();
        let keys: std::collections::BTreeSet<String> = hub.feeds.lock().unwrap().keys().cloned().collect();
        assert_eq!(keys.into_iter().collect::<Vec<_>>(), ["w", "y"], "x was idle too long; w is watched, y listened to");
        assert_eq!(y.listeners.load(Ordering::Acquire), 2);
    }
}
