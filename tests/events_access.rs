//! Who may keep listening: an open event stream ends soon after a logout, a token revocation or
//! a session expiry (and the IDLE watcher lets go of it), and a token restricted to some
//! mailboxes sees only their events, whatever their ids look like.

mod common;

use std::time::Duration;

use common::live::{RawImap, SseReader};
use common::{Server, api_client, browser_login_as, csrf_of, rig};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(10);
/// What the review asks: a stream ends within 15 s of losing its credentials.
const END_WITHIN: Duration = Duration::from_secs(15);

async fn open(server: &Server, client: &reqwest::Client, path: &str, token: Option<&str>) -> SseReader {
    let request = client.get(server.url(path));
    let request = match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    let mut events = SseReader::new(request.send().await.unwrap());
    events.expect("ready", WAIT).await;
    events
}

/// Waits until the hub counts `listeners` open streams and `watchers` IDLE watchers.
async fn wait_for_hub(server: &Server, listeners: usize, watchers: usize) {
    let hub = &server.state.letterbox.events;
    let deadline = tokio::time::Instant::now() + WAIT;
    while (hub.listeners(), hub.watching()) != (listeners, watchers) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the hub has {} listeners and {} watchers, not {listeners} and {watchers}",
            hub.listeners(),
            hub.watching()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn new_token(server: &Server, client: &reqwest::Client, session: &str, body: Value) -> (String, String) {
    let response = client.post(server.url("/api/v1/tokens")).bearer_auth(session).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    (created["id"].as_str().unwrap().to_string(), created["token"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn a_stream_ends_soon_after_logout_and_the_other_session_keeps_its_own() {
    let server = Server::start().await;
    let client = api_client();
    let (user, password) = rig().new_user("evlogout").await;
    let leaving = server.login(&client, &user, &password).await;
    let staying = server.login(&client, &user, &password).await;
    let mut gone = open(&server, &client, "/api/v1/events", Some(&leaving)).await;
    let mut kept = open(&server, &client, "/api/v1/events", Some(&staying)).await;
    wait_for_hub(&server, 2, 1).await;

    let response = client.delete(server.url("/api/v1/session")).bearer_auth(&leaving).send().await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    assert!(gone.closed_within(END_WITHIN).await, "the stream of a logged-out session is still open");
    wait_for_hub(&server, 1, 1).await;

    // The other session's stream still delivers.
    let mut other = RawImap::login(rig().imap_port(), &user, &password).await;
    other.append("INBOX", b"From: a@example.org\r\nSubject: still here\r\nDate: Tue, 03 Mar 2026 10:00:00 +0000\r\n\r\nhi\r\n").await;
    kept.expect("message.new", WAIT).await;
}

#[tokio::test]
async fn the_browser_stream_ends_soon_after_logout() {
    let server = Server::start().await;
    let (user, password) = rig().new_user("evweblogout").await;
    let browser = browser_login_as(&server, &user, &password).await;
    let mut events = open(&server, &browser, "/events", None).await;
    wait_for_hub(&server, 1, 1).await;

    let page = browser.get(server.url("/mail/INBOX")).send().await.unwrap().text().await.unwrap();
    let response = browser.post(server.url("/logout")).form(&[("csrf", csrf_of(&page))]).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert!(events.closed_within(END_WITHIN).await, "the browser's stream outlived the logout");
    wait_for_hub(&server, 0, 0).await;
}

#[tokio::test]
async fn a_stream_ends_soon_after_its_token_is_revoked() {
    let server = Server::start().await;
    let client = api_client();
    let (user, password) = rig().new_user("evrevoke").await;
    let session = server.login(&client, &user, &password).await;
    let (id, token) = new_token(&server, &client, &session, json!({"name": "listener", "scopes": ["mail.read"]})).await;
    let mut events = open(&server, &client, "/api/v1/events", Some(&token)).await;
    wait_for_hub(&server, 1, 1).await;

    let response = client.delete(server.url(&format!("/api/v1/tokens/{id}"))).bearer_auth(&session).send().await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    assert!(events.closed_within(END_WITHIN).await, "the stream of a revoked token is still open");
    wait_for_hub(&server, 0, 0).await;
}

#[tokio::test]
async fn a_stream_ends_soon_after_its_session_expires() {
    let ttl = Duration::from_secs(3);
    let server = Server::start_tweaked(|config| config.session_ttl = ttl).await;
    let client = api_client();
    let (user, password) = rig().new_user("evexpiry").await;
    let session = server.login(&client, &user, &password).await;
    let mut events = open(&server, &client, "/api/v1/events", Some(&session)).await;
    wait_for_hub(&server, 1, 1).await;

    assert!(events.closed_within(ttl + END_WITHIN).await, "the stream outlived its session");
    wait_for_hub(&server, 0, 0).await;
    let response = client.get(server.url("/api/v1/events")).bearer_auth(&session).send().await.unwrap();
    assert_eq!(response.status(), 401, "an expired session cannot open a new stream either");
}

fn message(subject: &str) -> Vec<u8> {
    format!("From: a@example.org\r\nSubject: {subject}\r\nDate: Tue, 03 Mar 2026 10:00:00 +0000\r\n\r\nhi\r\n").into_bytes()
}

/// Waits on `events` for the `mailbox` event of mailbox `id`; returns the ids of the other
/// `mailbox` events seen before it.
async fn mailbox_event(events: &mut SseReader, id: &str) -> Vec<String> {
    let mut others = Vec::new();
    loop {
        let event = events.expect("mailbox", Duration::from_secs(40)).await;
        let seen = event.data["mailboxId"].as_str().unwrap().to_string();
        if seen == id {
            return others;
        }
        others.push(seen);
    }
}

#[tokio::test]
async fn folders_whose_ids_spell_a_role_are_reachable_and_filtered_as_folders() {
    let server = Server::start().await;
    let client = api_client();
    let (user, password) = rig().new_user("evalias").await;
    let session = server.login(&client, &user, &password).await;
    // `HCS` has the id `SENT`, `HCm` the id `SENt`: both read as "sent" when case is ignored.
    for (path, id) in [("HCS", "SENT"), ("HCm", "SENt")] {
        let response =
            client.post(server.url("/api/v1/mailboxes")).bearer_auth(&session).json(&json!({"path": path})).send().await.unwrap();
        assert_eq!(response.status(), 201);
        assert_eq!(response.json::<Value>().await.unwrap()["id"], id);
        rig().save(&user, path, &message(&format!("in {path}")));
        let (status, list) = common::get_json(&client, server.url(&format!("/api/v1/mailboxes/{id}/messages")), &session).await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(list["items"][0]["subject"], format!("in {path}"), "the id {id} reaches {path}, not the Sent folder");
    }
    let (_, sent) = common::get_json(&client, server.url("/api/v1/mailboxes/sent"), &session).await;
    assert_eq!((sent["path"].as_str(), sent["role"].as_str()), (Some("Sent"), Some("sent")), "the alias still names Sent: {sent}");
    let sent_id = sent["id"].as_str().unwrap().to_string();
    let browser = browser_login_as(&server, &user, &password).await;
    let page = browser.get(server.url("/mail/SENT")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("in HCS"), "the web view of /mail/SENT shows the folder HCS");

    // A token restricted by the role alias `sent` sees Sent's events and not those of `SENT`.
    let (_, token) =
        new_token(&server, &client, &session, json!({"name": "sent only", "scopes": ["mail.read"], "mailboxes": ["sent"]})).await;
    let mut restricted = open(&server, &client, "/api/v1/events", Some(&token)).await;
    let mut everything = open(&server, &client, "/api/v1/events", Some(&session)).await;
    // Each change is followed by new mail in INBOX, which wakes the watcher to recount folders.
    rig().save(&user, "HCS", &message("second in HCS"));
    rig().save(&user, "INBOX", &message("wake up"));
    mailbox_event(&mut everything, "SENT").await;
    rig().save(&user, "Sent", &message("sent copy"));
    rig().save(&user, "INBOX", &message("wake up again"));
    mailbox_event(&mut everything, &sent_id).await;
    let before = mailbox_event(&mut restricted, &sent_id).await;
    assert!(before.is_empty(), "the token limited to Sent saw the events of {before:?}");
}
