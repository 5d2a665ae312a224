//! The watcher behind a user's event feed: its own IMAP connection (the "+1" beside the pool),
//! IDLE on INBOX, changes read back with QRESYNC, other folders' counts with LIST-STATUS, and
//! a reconnect with backoff when the connection drops.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::json;

use super::Letterbox;
use super::events::UserFeed;
use super::sync::StateToken;
use crate::imap::{IdleWake, ImapConnection, ImapError};
use crate::mail::{MailboxId, MessageId};

/// How long one IDLE lasts before the watcher looks at other folders and idles again (far
/// below the 29 minutes after which servers may drop an idle client).
const IDLE_PERIOD: Duration = Duration::from_secs(30);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Starts the watcher task of `feed`; it ends when the last listener has gone.
pub(super) fn spawn(letterbox: Arc<Letterbox>, feed: Arc<UserFeed>) {
    tokio::spawn(async move {
        run(&letterbox, &feed).await;
        feed.watching.store(false, Ordering::Release);
        // A listener that arrived while this one was stopping would otherwise have no watcher.
        if feed.listeners.load(Ordering::Acquire) > 0 && !feed.watching.swap(true, Ordering::AcqRel) {
            spawn(letterbox, feed);
        }
    });
}

async fn run(letterbox: &Letterbox, feed: &UserFeed) {
    let mut backoff = Duration::from_secs(1);
    let mut counts: HashMap<MailboxId, (u32, u32)> = HashMap::new();
    while feed.listeners.load(Ordering::Acquire) > 0 {
        match watch(letterbox, feed, &mut counts, &mut backoff).await {
            Ok(()) => return,
            Err(err) => {
                tracing::info!(error = %err, retry_in = backoff.as_secs(), "event watcher lost its IMAP connection; reconnecting");
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    () = feed.gone.notified() => {}
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// One connection's life: connect, catch up, then IDLE until the listeners go (`Ok`) or the
/// connection fails (`Err`, to reconnect).
async fn watch(
    letterbox: &Letterbox,
    feed: &UserFeed,
    counts: &mut HashMap<MailboxId, (u32, u32)>,
    backoff: &mut Duration,
) -> Result<(), ImapError> {
    let credentials = feed.credentials.lock().expect("feed lock").clone();
    let mut connection = letterbox.pool.connector().connect(&credentials).await?;
    *backoff = Duration::from_secs(1);
    let tracks = connection.can_track_changes();
    let now = StateToken::of(&connection.mailbox_state("INBOX").await?);
    let known = feed.resume_from.lock().expect("feed lock").take().or(*feed.state.lock().expect("feed lock"));
    match (known, now) {
        (Some(before), Some(now)) if tracks && before.uid_validity == now.uid_validity && before != now => {
            publish_changes(&mut connection, feed, before, now).await?;
        }
        (Some(before), now) if !tracks || now.is_none_or(|n| n.uid_validity != before.uid_validity) => {
            feed.publish("resync", json!({"reason": "the mailbox changed in ways that cannot be replayed; reload"}));
        }
        _ => {}
    }
    *feed.state.lock().expect("feed lock") = now;
    refresh_counts(&mut connection, feed, counts).await?;
    connection.select("INBOX").await?;
    feed.publish("ready", json!({"state": now.map(|s| s.encode())}));
    loop {
        if feed.listeners.load(Ordering::Acquire) == 0 {
            connection.logout().await;
            return Ok(());
        }
        let wake = tokio::select! {
            wake = connection.idle_wait(IDLE_PERIOD) => wake?,
            () = feed.gone.notified() => {
                // The connection is mid-IDLE: drop it rather than finish the exchange.
                if feed.listeners.load(Ordering::Acquire) == 0 {
                    return Ok(());
                }
                return Err(ImapError::ConnectionLost("restarting the watch after a listener change".into()));
            }
        };
        if wake == IdleWake::Changed {
            let state = connection.mailbox_state("INBOX").await?;
            let before = *feed.state.lock().expect("feed lock");
            match (tracks, before, StateToken::of(&state)) {
                (true, Some(before), Some(now)) if before.uid_validity == now.uid_validity => {
                    if before != now {
                        publish_changes(&mut connection, feed, before, now).await?;
                        *feed.state.lock().expect("feed lock") = Some(now);
                    }
                }
                (_, _, now) => {
                    *feed.state.lock().expect("feed lock") = now;
                    feed.publish("resync", json!({"reason": "INBOX changed; reload"}));
                }
            }
            connection.select("INBOX").await?;
        }
        refresh_counts(&mut connection, feed, counts).await?;
    }
}

/// Publishes what changed in INBOX between two states (QRESYNC): new, updated, removed ids.
async fn publish_changes(connection: &mut ImapConnection, feed: &UserFeed, before: StateToken, now: StateToken) -> Result<(), ImapError> {
    let (_, changed) = connection.changed_since("INBOX", before.modseq).await?;
    let id = |uid: &u32| MessageId { mailbox: "INBOX".into(), uid_validity: now.uid_validity, uid: *uid }.encode();
    let (created, updated): (Vec<u32>, Vec<u32>) = changed.changed.iter().partition(|uid| **uid >= before.uid_next);
    let removed: Vec<u32> = changed.vanished.into_iter().filter(|uid| *uid < before.uid_next).collect();
    *feed.state.lock().expect("feed lock") = Some(now);
    for (kind, uids) in [("message.new", created), ("message.updated", updated), ("message.removed", removed)] {
        if !uids.is_empty() {
            feed.publish(kind, json!({"mailboxId": "INBOX", "ids": uids.iter().map(id).collect::<Vec<_>>()}));
        }
    }
    Ok(())
}

/// Reads every folder's counts (one LIST-STATUS) and publishes a `mailbox` event for each that
/// changed since the last look (the first look only remembers).
async fn refresh_counts(
    connection: &mut ImapConnection,
    feed: &UserFeed,
    counts: &mut HashMap<MailboxId, (u32, u32)>,
) -> Result<(), ImapError> {
    let first = counts.is_empty();
    for mailbox in connection.list_mailboxes().await? {
        let now = (mailbox.total, mailbox.unread);
        if counts.insert(mailbox.id.clone(), now) != Some(now) && !first {
            feed.publish("mailbox", json!({"mailboxId": mailbox.id, "total": now.0, "unread": now.1}));
        }
    }
    Ok(())
}
