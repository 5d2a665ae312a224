//! `GET /api/v1/events` (and `/events` for the browser session): the user's live events as
//! Server-Sent Events.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use tokio::sync::broadcast::error::RecvError;

use crate::http::AppState;
use crate::http::error::{AppError, Problem};
use crate::http::extract::ApiUser;
use crate::service::events::StreamEvent;
use crate::service::{Letterbox, UserSession};

/// How often an open stream checks that its session or token still holds: a stream ends at
/// most this long after a logout, a revocation or an expiry.
const RECHECK: Duration = Duration::from_secs(5);

/// The SSE stream of a user's events, starting with any replay a `Last-Event-ID` asked for.
/// It ends (and so stops listening) once the session or API token behind it is gone.
pub fn event_stream(
    letterbox: &Arc<Letterbox>,
    user: &UserSession,
    headers: &HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>> + use<>>, AppError> {
    let last_event_id = headers.get("last-event-id").and_then(|v| v.to_str().ok());
    let mut subscription = letterbox.subscribe_events(user, last_event_id).ok_or_else(|| AppError {
        retry_after: Some(60),
        ..AppError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "Too many event streams",
            "the server follows as many users' events as it may; try again later",
        )
    })?;
    let replay: VecDeque<StreamEvent> = std::mem::take(&mut subscription.replay).into();
    let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + RECHECK, RECHECK);
    // A client that reads slowly gets one check when it comes back, not one per missed tick.
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (letterbox, user) = (letterbox.clone(), user.clone());
    let stream = futures::stream::unfold((replay, subscription, recheck), move |(mut replay, mut subscription, mut recheck)| {
        let (letterbox, user) = (letterbox.clone(), user.clone());
        async move {
            loop {
                if let Some(event) = replay.pop_front() {
                    if !visible(&user.grant, &event) {
                        continue;
                    }
                    return Some((Ok(sse(&event)), (replay, subscription, recheck)));
                }
                let received = tokio::select! {
                    received = subscription.receiver.recv() => received,
                    _ = recheck.tick() => {
                        // Logged out, revoked or expired (or the check failed): end the stream;
                        // dropping the subscription lets the watcher go.
                        if !letterbox.session_is_current(&user).await.unwrap_or(false) {
                            return None;
                        }
                        continue;
                    }
                };
                let event = match received {
                    Ok(event) if !visible(&user.grant, &event) => continue,
                    Ok(event) => sse(&event),
                    // This client fell behind by more than the channel holds: it must reload.
                    Err(RecvError::Lagged(_)) => Event::default().event("resync").data(r#"{"reason":"too many events at once; reload"}"#),
                    Err(RecvError::Closed) => return None,
                };
                return Some((Ok(event), (replay, subscription, recheck)));
            }
        }
    })
    // The stream ends (logout, revocation); body layers may poll once more, and an unfused
    // unfold panics then.
    .fuse();
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// Whether an event concerns a mailbox the grant lets the client see (events without a mailbox
/// are for everyone). Events name mailboxes by id, never by role alias, so an id that happens
/// to spell a role (`SENT` is the folder `HCS`) is that folder; one that names no mailbox is
/// shown only to a grant of every mailbox.
fn visible(grant: &crate::service::Grant, event: &StreamEvent) -> bool {
    match event.data.get("mailboxId").and_then(|v| v.as_str()) {
        None => true,
        Some(id) => match crate::mail::MailboxId::path_of(id) {
            Some(path) => grant.allows_mailbox(&path),
            None => grant.mailboxes.is_none(),
        },
    }
}

fn sse(event: &StreamEvent) -> Event {
    let mut out = Event::default().event(event.kind).data(event.data.to_string());
    if !event.id.is_empty() {
        out = out.id(event.id.clone());
    }
    out
}

/// The user's live events (Server-Sent Events): `ready` (with the INBOX state), `mailbox`
/// (`{"mailboxId","total","unread"}`), `message.new` / `message.updated` / `message.removed`
/// (`{"mailboxId","ids"}`) and `resync` (reload: events were missed). Send `Last-Event-ID` when
/// reconnecting to get what was missed.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", security(("bearer" = [])),
    params(("Last-Event-ID" = Option<String>, Header, description = "The id of the last event received, to resume after a disconnect")),
    responses(
        (status = 200, description = "An endless text/event-stream", content_type = "text/event-stream", body = String),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The server follows as many users' events as it may (with Retry-After)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn events(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>> + use<>>, AppError> {
    event_stream(&state.letterbox, &user, &headers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::{Grant, Scope};

    #[test]
    fn restricted_tokens_see_only_their_mailboxes_events() {
        let event = |mailbox: &str| StreamEvent { id: String::new(), kind: "message.new", data: serde_json::json!({"mailboxId": mailbox}) };
        let sent = crate::mail::MailboxId::from_path("Sent").to_string();
        let grant = Grant { token_id: Some("t".into()), scopes: vec![Scope::Read], mailboxes: Some(vec!["INBOX".into()]) };
        assert!(visible(&grant, &event("INBOX")));
        assert!(!visible(&grant, &event(&sent)));
        assert!(visible(&Grant::full(), &event(&sent)));
        // Folders whose ids spell a role are folders, not aliases.
        let hcs = crate::mail::MailboxId::from_path("HCS").to_string();
        assert_eq!(hcs, "SENT");
        assert!(!visible(&grant, &event(&hcs)));
        let only_hcs = Grant { mailboxes: Some(vec!["HCS".into()]), ..grant.clone() };
        assert!(visible(&only_hcs, &event(&hcs)) && !visible(&only_hcs, &event(&sent)));
        assert!(!visible(&grant, &event("not an id!")) && visible(&Grant::full(), &event("not an id!")));
        let resync = StreamEvent { id: String::new(), kind: "resync", data: serde_json::json!({"reason": "x"}) };
        assert!(visible(&grant, &resync));
    }
}
