//! A dropped IMAP connection is reopened: killing Dovecot and starting it again must not cost
//! the user a new login. Its own test binary, so stopping Dovecot disturbs no other test.

mod common;

use std::time::Duration;

use common::live::{RawImap, SseReader};
use common::{Server, api_client, rig};

#[tokio::test]
async fn pool_reconnects_after_dovecot_restart() {
    let _guard = RIG_LOCK.lock().await;
    let server = Server::start().await;
    let rig = rig();
    let (user, password) = rig.new_user("reconnect").await;
    let client = api_client();
    let token = server.login(&client, &user, &password).await;
    let first = client.get(server.url("/api/v1/mailboxes")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(first.status(), 200);
    assert!(server.state.letterbox.pool.idle_count() >= 1, "a pooled connection is kept");

    rig.dovecot("stop");
    let down = client.get(server.url("/api/v1/mailboxes")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(down.status(), 502, "while the server is down the API says so");
    rig.dovecot("start");

    let after = client.get(server.url("/api/v1/mailboxes")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(after.status(), 200, "{}", after.text().await.unwrap_or_default());
}

#[tokio::test]
async fn stale_pooled_connection_is_replaced_transparently() {
    // Same situation without the in-between request: the pooled connection is dead when the
    // next request takes it, and that request must still succeed.
    let _guard = RIG_LOCK.lock().await;
    let server = Server::start().await;
    let rig = rig();
    let (user, password) = rig.new_user("stale").await;
    let client = api_client();
    let token = server.login(&client, &user, &password).await;
    assert_eq!(client.get(server.url("/api/v1/mailboxes")).bearer_auth(&token).send().await.unwrap().status(), 200);
    rig.dovecot("stop");
    rig.dovecot("start");
    let after = client.get(server.url("/api/v1/mailboxes")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(after.status(), 200, "{}", after.text().await.unwrap_or_default());
}

#[tokio::test]
async fn event_stream_survives_a_dovecot_restart() {
    // The watcher's IDLE connection dies with Dovecot; it reconnects with backoff, catches up
    // from its last modification sequence, and the open event stream goes on.
    let _guard = RIG_LOCK.lock().await;
    let server = Server::start().await;
    let rig = rig();
    let (user, password) = rig.new_user("idle").await;
    let client = api_client();
    let token = server.login(&client, &user, &password).await;
    let response = client.get(server.url("/api/v1/events")).bearer_auth(&token).send().await.unwrap();
    let mut events = SseReader::new(response);
    events.expect("ready", Duration::from_secs(10)).await;
    rig.dovecot("stop");
    rig.dovecot("start");
    let mut other = RawImap::login(rig.imap_port(), &user, &password).await;
    other.append("INBOX", b"From: a@example.org\r\nSubject: after the restart\r\n\r\nhi\r\n").await;
    let new = events.expect("message.new", Duration::from_secs(30)).await;
    let id = new.data["ids"][0].as_str().expect("an id").to_string();
    let detail: serde_json::Value =
        client.get(server.url(&format!("/api/v1/messages/{id}"))).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(detail["subject"], "after the restart");
}

/// The tests here stop Dovecot; they must not overlap.
static RIG_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
