//! Delivering webhooks: one internal event subscription per user with webhooks (logged in with
//! the offline password), a persistent queue of deliveries, and a dispatcher that sends them in
//! order, one at a time per webhook, retrying with backoff for up to a day.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::broadcast;

use super::events::StreamEvent;
use super::webhook_http::{self, parse_target, resolve};
use super::webhooks::{EVENT_TYPES, now_millis, signature, to_webhook};
use super::{Letterbox, ServiceError, UserSession, now_unix};
use crate::auth::{random_id, seal};
use crate::store::{DeliveryRecord, WebhookRecord};

/// How long a failing delivery is retried.
const RETRY_FOR_SECS: i64 = 24 * 3600;
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

impl Letterbox {
    /// Starts the dispatcher and a watcher per user with webhooks; with offline access off,
    /// erases every stored offline password instead.
    pub async fn start_webhooks(self: &Arc<Self>) -> Result<(), ServiceError> {
        if !self.config.offline_access {
            let erased = self.store.delete_all_offline_credentials().await?;
            if erased > 0 {
                tracing::info!(erased, "offline access is off: erased the server-sealed passwords");
            }
            return Ok(());
        }
        for username in self.store.webhook_users().await? {
            self.ensure_watcher(&username);
        }
        let letterbox = self.clone();
        tokio::spawn(async move { dispatch(letterbox).await });
        Ok(())
    }

    /// Makes sure the user's events are watched for their webhooks.
    pub(super) fn ensure_watcher(self: &Arc<Self>, username: &str) {
        let mut watchers = self.webhooks.watchers.lock().expect("webhook lock");
        if watchers.get(username).is_some_and(|w| !w.is_finished()) {
            return;
        }
        let letterbox = self.clone();
        let name = username.to_string();
        let handle = tokio::spawn(async move { watch_user(letterbox, name).await });
        watchers.insert(username.to_string(), handle.abort_handle());
    }

    /// Queues a delivery of `event` for each of the user's webhooks that wants it.
    async fn enqueue_event(&self, username: &str, event: &StreamEvent) -> Result<(), ServiceError> {
        if !EVENT_TYPES.contains(&event.kind) {
            return Ok(());
        }
        let mailbox = event.data.get("mailboxId").and_then(|m| m.as_str());
        let now = now_unix();
        let event_id = random_id();
        let occurred_at = time::OffsetDateTime::from_unix_timestamp(now)
            .ok()
            .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
            .unwrap_or_default();
        let body = json!({"id": event_id, "type": event.kind, "occurredAt": occurred_at, "data": event.data}).to_string();
        let mut queued = false;
        for hook in self.store.list_webhooks(username).await?.into_iter().map(to_webhook) {
            let wants_type = hook.events.iter().any(|e| e == event.kind);
            let wants_mailbox = match (&hook.mailboxes, mailbox) {
                (None, _) => true,
                (Some(list), Some(mailbox)) => list.iter().any(|m| m == mailbox),
                (Some(_), None) => false,
            };
            if wants_type && wants_mailbox {
                self.store.enqueue_delivery(&hook.id, &event_id, event.kind, &body, now, now_millis()).await?;
                queued = true;
            }
        }
        if queued {
            self.webhooks.wake.notify_one();
        }
        Ok(())
    }
}

/// The internal subscription of one user: the same event feed as the event stream, logged in
/// with the offline password.
async fn watch_user(letterbox: Arc<Letterbox>, username: String) {
    let mut backoff = Duration::from_secs(1);
    loop {
        let credentials = match letterbox.offline_credentials(&username).await {
            Ok(Some(credentials)) => credentials,
            Ok(None) => {
                tracing::warn!(username = %username, "webhooks cannot be delivered: no offline password (log in again)");
                letterbox.webhooks.watchers.lock().expect("webhook lock").remove(&username);
                return;
            }
            Err(err) => {
                tracing::warn!(error = %err, "webhooks: cannot read the offline password");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(60));
                continue;
            }
        };
        let session = UserSession {
            session_id: format!("webhooks:{username}"),
            username: username.clone(),
            credentials,
            expires_at: i64::MAX,
            grant: super::tokens::Grant::full(),
        };
        let Some(mut subscription) = letterbox.subscribe_events(&session, None) else {
            tracing::warn!(username = %username, "webhooks: the event hub is full; trying again later");
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(60));
            continue;
        };
        loop {
            match subscription.receiver.recv().await {
                Ok(event) => {
                    if let Err(err) = letterbox.enqueue_event(&username, &event).await {
                        tracing::warn!(error = %err, "webhooks: could not queue an event");
                    }
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(username = %username, missed, "webhooks: missed events (too many at once)");
                }
                Err(broadcast::error::RecvError::Closed) => break,
            }
        }
    }
}

/// Sends due deliveries: the oldest pending one of each webhook, one at a time per webhook.
async fn dispatch(letterbox: Arc<Letterbox>) {
    let mut last_purge = 0;
    loop {
        let mut sleep = Duration::from_secs(60);
        let now = now_millis();
        if now_unix() - last_purge > 3600 {
            last_purge = now_unix();
            if let Err(err) = letterbox.store.purge_deliveries(now_unix() - 7 * 24 * 3600).await {
                tracing::warn!(error = %err, "webhooks: could not purge old deliveries");
            }
        }
        match letterbox.store.head_deliveries().await {
            Ok(heads) => {
                for delivery in heads {
                    if delivery.next_attempt_at > now {
                        sleep = sleep.min(Duration::from_millis((delivery.next_attempt_at - now) as u64));
                        continue;
                    }
                    if !letterbox.webhooks.in_flight.lock().expect("webhook lock").insert(delivery.webhook_id.clone()) {
                        continue;
                    }
                    let letterbox = letterbox.clone();
                    tokio::spawn(async move {
                        let webhook_id = delivery.webhook_id.clone();
                        attempt(&letterbox, delivery).await;
                        letterbox.webhooks.in_flight.lock().expect("webhook lock").remove(&webhook_id);
                        letterbox.webhooks.wake.notify_one();
                    });
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, "webhooks: cannot read the delivery queue");
                sleep = Duration::from_secs(5);
            }
        }
        tokio::select! {
            () = tokio::time::sleep(sleep) => {}
            () = letterbox.webhooks.wake.notified() => {}
        }
    }
}

/// One attempt of one delivery; records the outcome and schedules a retry on failure.
async fn attempt(letterbox: &Letterbox, delivery: DeliveryRecord) {
    let hook = match letterbox.store.find_webhook(&delivery.webhook_id).await {
        Ok(Some(hook)) => hook,
        Ok(None) => return,
        Err(err) => {
            tracing::warn!(error = %err, "webhooks: cannot read a webhook");
            return;
        }
    };
    let outcome = send(letterbox, &hook, &delivery).await;
    let now = now_unix();
    let (status_code, error) = match &outcome {
        Ok(status) if (200..300).contains(status) => (Some(*status), None),
        Ok(status) if (300..400).contains(status) => (Some(*status), Some("redirects are not followed".to_string())),
        Ok(status) => (Some(*status), Some(format!("the receiver answered {status}"))),
        Err(err) => (None, Some(err.clone())),
    };
    let (state, next) = if error.is_none() {
        ("delivered", 0)
    } else if now - delivery.created_at >= RETRY_FOR_SECS {
        ("failed", 0)
    } else {
        let factor = 2u32.saturating_pow(delivery.attempts.clamp(0, 20) as u32);
        let delay = letterbox.config.webhook_retry_base.saturating_mul(factor).min(MAX_BACKOFF);
        ("pending", now_millis() + delay.as_millis() as i64)
    };
    if let Some(error) = &error {
        tracing::info!(webhook = %hook.id, attempt = delivery.attempts + 1, error = %error, state, "webhook delivery failed");
    }
    if let Err(err) = letterbox.store.record_attempt(&delivery, now, status_code, error.as_deref(), state, next).await {
        tracing::warn!(error = %err, "webhooks: cannot record a delivery attempt");
    }
}

/// Checks the URL and its addresses again, then POSTs the signed body.
async fn send(letterbox: &Letterbox, hook: &WebhookRecord, delivery: &DeliveryRecord) -> Result<u16, String> {
    let secret = seal::open(&letterbox.webhooks.key, &format!("webhook:{}", hook.id), &hook.sealed_secret)
        .ok_or("the webhook's secret cannot be opened (was the server key replaced?)")?;
    let allowed = &letterbox.config.webhook_allowed_hosts;
    let target = parse_target(&hook.url, allowed)?;
    let address = resolve(&target, allowed).await?;
    let body = delivery.body.as_bytes();
    let headers = [
        ("Letterbox-Signature", signature(secret.expose(), now_unix(), body)),
        ("Letterbox-Event", delivery.event_type.clone()),
        ("Letterbox-Delivery", delivery.event_id.clone()),
    ];
    Ok(webhook_http::post(&letterbox.webhooks.tls, &target, address, &headers, body).await?.status)
}
