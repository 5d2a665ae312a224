//! Live events per user: one feed per logged-in user with listeners, fed by a watcher on its
//! own IMAP connection (IDLE), fanned out to every event stream of that user, with a short
//! history so a client that reconnects with `Last-Event-ID` misses nothing.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, broadcast};

use super::sync::StateToken;
use super::{Letterbox, UserSession};
use crate::secret::Credentials;

/// Events kept for replay to clients that reconnect.
const HISTORY: usize = 512;

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
}

impl UserFeed {
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
        if self.feed.listeners.fetch_sub(1, Ordering::AcqRel) == 1 {
            // notify_one keeps the wake-up for a watcher that is not waiting at this instant.
            self.feed.gone.notify_one();
        }
    }
}

/// Every user's feed.
#[derive(Debug, Default)]
pub struct EventHub {
    feeds: Mutex<HashMap<String, Arc<UserFeed>>>,
}

impl EventHub {
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
    /// server's modification sequences; otherwise the first event is `resync`.
    pub fn subscribe_events(self: &Arc<Self>, session: &UserSession, last_event_id: Option<&str>) -> Subscription {
        let feed = {
            let mut feeds = self.events.feeds.lock().expect("hub lock");
            feeds
                .entry(session.username.to_lowercase())
                .or_insert_with(|| {
                    Arc::new(UserFeed {
                        sender: broadcast::channel(256).0,
                        history: Mutex::new(VecDeque::new()),
                        next_seq: AtomicU64::new(0),
                        listeners: AtomicUsize::new(0),
                        credentials: Mutex::new(session.credentials.clone()),
                        state: Mutex::new(None),
                        resume_from: Mutex::new(None),
                        gone: Notify::new(),
                        watching: std::sync::atomic::AtomicBool::new(false),
                    })
                })
                .clone()
        };
        *feed.credentials.lock().expect("feed lock") = session.credentials.clone();
        feed.listeners.fetch_add(1, Ordering::AcqRel);
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
        Subscription { replay, receiver, feed }
    }
}

/// Splits `<state>.<seq>` (either part may be missing or garbage).
fn parse_event_id(id: &str) -> (Option<StateToken>, Option<u64>) {
    match id.rsplit_once('.') {
        Some((state, seq)) => (StateToken::decode(state), seq.parse().ok()),
        None => (StateToken::decode(id), None),
    }
}
