//! Live and in sync with other clients: a raw IMAP client (standing for Thunderbird or a
//! phone) appends, flags and expunges; the event stream reports each change, `/changes`
//! lists them, and list responses carry ETags that give 304 until something changes.

mod common;

use std::time::Duration;

use common::live::{RawImap, SseReader};
use common::wait::wait_until;
use common::{Server, api_client, get_json, rig};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(10);

fn message(subject: &str) -> Vec<u8> {
    format!("From: Other <other@example.org>\r\nTo: you@example.test\r\nSubject: {subject}\r\nDate: Tue, 03 Mar 2026 10:00:00 +0000\r\n\r\nHello\r\n")
        .into_bytes()
}

fn ids(event: &Value) -> Vec<String> {
    event["ids"].as_array().expect("ids").iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn another_clients_changes_arrive_as_events_and_in_changes() {
    let server = Server::start().await;
    let client = api_client();
    let (user, password) = rig().new_user("live").await;
    let token = server.login(&client, &user, &password).await;
    let (_, first) = get_json(&client, server.url("/api/v1/mailboxes/INBOX/messages"), &token).await;
    let state = first["state"].as_str().expect("lists carry a state").to_string();

    let response = client.get(server.url("/api/v1/events")).bearer_auth(&token).send().await.unwrap();
    let mut events = SseReader::new(response);
    events.expect("ready", WAIT).await;
    assert_eq!(server.state.letterbox.events.watching(), 1, "one watcher (IDLE connection) for the user");

    let mut other = RawImap::login(rig().imap_port(), &user, &password).await;
    other.append("INBOX", &message("From another client")).await;
    let new = events.expect("message.new", WAIT).await;
    assert_eq!(new.data["mailboxId"], "INBOX");
    let new_ids = ids(&new.data);
    assert_eq!(new_ids.len(), 1);
    let counts = events.expect("mailbox", Duration::from_secs(40)).await;
    assert_eq!(
        (counts.data["mailboxId"].as_str(), counts.data["total"].as_u64(), counts.data["unread"].as_u64()),
        (Some("INBOX"), Some(1), Some(1))
    );
    let (status, detail) = get_json(&client, server.url(&format!("/api/v1/messages/{}", new_ids[0])), &token).await;
    assert_eq!(detail["subject"], "From another client", "the event's id opens the message: {status} {detail}");

    other.command("SELECT INBOX").await;
    other.command("UID STORE 1:* +FLAGS (\\Flagged)").await;
    let updated = events.expect("message.updated", WAIT).await;
    assert_eq!(ids(&updated.data), new_ids, "the flagged message");
    let (_, listed) = get_json(&client, server.url("/api/v1/mailboxes/INBOX/messages"), &token).await;
    assert_eq!(listed["items"][0]["flagged"], true, "the next list shows the new flag");

    let changes_url = |since: &str| server.url(&format!("/api/v1/mailboxes/INBOX/changes?since={since}"));
    let (status, changes) = get_json(&client, changes_url(&state), &token).await;
    assert_eq!(status, 200, "{changes}");
    assert_eq!(changes["created"].as_array().unwrap().len(), 1, "{changes}");
    assert_eq!(changes["created"][0], new_ids[0].as_str());
    let after_add = changes["newState"].as_str().unwrap().to_string();

    other.command("UID STORE 1:* +FLAGS (\\Deleted)").await;
    other.command("EXPUNGE").await;
    let removed = events.expect("message.removed", WAIT).await;
    assert_eq!(ids(&removed.data), new_ids);
    let (_, changes) = get_json(&client, changes_url(&after_add), &token).await;
    assert_eq!(changes["destroyed"][0], new_ids[0].as_str(), "{changes}");
    assert!(changes["created"].as_array().unwrap().is_empty());
    let (_, listed) = get_json(&client, server.url("/api/v1/mailboxes/INBOX/messages"), &token).await;
    assert_eq!(listed["total"], 0);
    let (_, changes) = get_json(&client, changes_url(listed["state"].as_str().unwrap()), &token).await;
    assert!(changes["created"].as_array().unwrap().is_empty() && changes["destroyed"].as_array().unwrap().is_empty(), "{changes}");

    let (status, problem) = get_json(&client, changes_url("garbage"), &token).await;
    assert_eq!((status, problem["field"].as_str()), (400, Some("since")));
    let reset = letterbox::service::sync::StateToken { uid_validity: 1, modseq: 1, uid_next: 1 }.encode();
    let (status, problem) = get_json(&client, changes_url(&reset), &token).await;
    assert_eq!(status, 409, "a state from another UIDVALIDITY: {problem}");
    assert_eq!(problem["type"], "urn:letterbox:problem:cannot-calculate-changes");

    drop(events);
    let hub = &server.state.letterbox.events;
    wait_until("the IDLE connection closes with the last listener", WAIT, || async { hub.watching() == 0 }).await;
}

#[tokio::test]
async fn last_event_id_resumes_without_losing_events() {
    let server = Server::start().await;
    let client = api_client();
    let (user, password) = rig().new_user("resume").await;
    let token = server.login(&client, &user, &password).await;
    let mut other = RawImap::login(rig().imap_port(), &user, &password).await;
    let response = client.get(server.url("/api/v1/events")).bearer_auth(&token).send().await.unwrap();
    let mut events = SseReader::new(response);
    events.expect("ready", WAIT).await;
    other.append("INBOX", &message("one")).await;
    let first = events.expect("message.new", WAIT).await;
    assert!(!first.id.is_empty(), "events carry ids");
    drop(events);
    let hub = &server.state.letterbox.events;
    wait_until("the watcher stops with its last listener", WAIT, || async { hub.watching() == 0 }).await;

    // While nobody listens, another client adds a message.
    other.append("INBOX", &message("two")).await;
    let response = client.get(server.url("/api/v1/events")).bearer_auth(&token).header("Last-Event-ID", &first.id).send().await.unwrap();
    let mut events = SseReader::new(response);
    let missed = events.expect("message.new", WAIT).await;
    let (_, detail) = get_json(&client, server.url(&format!("/api/v1/messages/{}", ids(&missed.data)[0])), &token).await;
    assert_eq!(detail["subject"], "two", "the message added during the gap is reported");

    let response = client.get(server.url("/api/v1/events")).bearer_auth(&token).header("Last-Event-ID", "nonsense").send().await.unwrap();
    let mut stranger = SseReader::new(response);
    stranger.expect("resync", WAIT).await;
}

#[tokio::test]
async fn etags_give_304_until_something_changes() {
    let server = Server::start().await;
    let client = api_client();
    let (user, password) = rig().new_user("etag").await;
    let token = server.login(&client, &user, &password).await;
    rig().fill(&user, 5, "INBOX");
    let url = server.url("/api/v1/mailboxes/INBOX/messages?limit=3");
    let first = client.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let body: Value = first.json().await.unwrap();
    let again = client.get(&url).bearer_auth(&token).header("If-None-Match", &etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    assert!(again.bytes().await.unwrap().is_empty());
    let other_page = client
        .get(server.url("/api/v1/mailboxes/INBOX/messages?limit=2"))
        .bearer_auth(&token)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(other_page.status(), 200, "another request, another ETag");

    let mut other = RawImap::login(rig().imap_port(), &user, &password).await;
    other.command("SELECT INBOX").await;
    other.command("UID STORE 1 +FLAGS ($FromElsewhere)").await;
    let changed = client.get(&url).bearer_auth(&token).header("If-None-Match", &etag).send().await.unwrap();
    assert_eq!(changed.status(), 200, "a flag changed by another client invalidates the ETag");
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);

    let id = body["items"][0]["id"].as_str().unwrap();
    let message = client.get(server.url(&format!("/api/v1/messages/{id}"))).bearer_auth(&token).send().await.unwrap();
    let message_etag = message.headers()["etag"].to_str().unwrap().to_string();
    let again = client
        .get(server.url(&format!("/api/v1/messages/{id}")))
        .bearer_auth(&token)
        .header("If-None-Match", &message_etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304, "messages have ETags too");
    let found = client.get(server.url("/api/v1/search?q=from%3Aexample")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(found.status(), 200);
    let search_etag = found.headers()["etag"].to_str().unwrap().to_string();
    let again = client
        .get(server.url("/api/v1/search?q=from%3Aexample"))
        .bearer_auth(&token)
        .header("If-None-Match", &search_etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304, "a search across folders has an ETag too");
}
