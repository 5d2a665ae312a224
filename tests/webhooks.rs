//! Webhooks against the real rig: another IMAP client appends a message and a tiny HTTP
//! receiver in the test gets a signed `message.new`; a failing receiver is retried; offline
//! access off forbids webhooks; URLs to internal addresses are refused and never contacted.

mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::live::{RawImap, SseReader};
use common::{Server, api_client, get_json, rig};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(15);

/// One request the receiver got.
#[derive(Debug)]
struct Received {
    head: String,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim().to_string())
        })
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

/// A minimal HTTP/1.1 receiver on 127.0.0.1: answers with the queued statuses, then 200.
async fn receiver(statuses: &[u16]) -> (u16, mpsc::UnboundedReceiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let statuses = Arc::new(Mutex::new(statuses.iter().copied().collect::<VecDeque<u16>>()));
    let (sender, received) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            let statuses = statuses.clone();
            let sender = sender.clone();
            tokio::spawn(async move {
                let mut data = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head, body_start) = loop {
                    let n = stream.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    data.extend_from_slice(&chunk[..n]);
                    if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                        break (String::from_utf8_lossy(&data[..end]).into_owned(), end + 4);
                    }
                };
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("content-length")).map(|(_, v)| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                while data.len() < body_start + length {
                    let n = stream.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    data.extend_from_slice(&chunk[..n]);
                }
                let status = statuses.lock().unwrap().pop_front().unwrap_or(200);
                let _ = sender.send(Received { head, body: data[body_start..body_start + length].to_vec() });
                let reply = format!("HTTP/1.1 {status} Whatever\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
                let _ = stream.write_all(reply.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (port, received)
}

async fn webhook_server() -> Server {
    Server::start_tweaked(|config| {
        config.offline_access = true;
        config.webhook_allowed_hosts = vec!["127.0.0.1".into()];
        config.webhook_retry_base = Duration::from_millis(300);
    })
    .await
}

fn message(subject: &str) -> Vec<u8> {
    format!("From: Other <other@example.org>\r\nTo: you@example.test\r\nSubject: {subject}\r\nDate: Tue, 03 Mar 2026 10:00:00 +0000\r\n\r\nHello\r\n")
        .into_bytes()
}

/// Checks `Letterbox-Signature: t=..,v1=..` against HMAC-SHA256(secret, "t.body").
fn assert_signed(request: &Received, secret: &str) {
    let header = request.header("letterbox-signature").expect("Letterbox-Signature header");
    let (t, v1) = header.split_once(",v1=").expect("t=..,v1=..");
    let t = t.strip_prefix("t=").expect("t=");
    let timestamp: i64 = t.parse().expect("unix seconds");
    assert!((letterbox::service::now_unix() - timestamp).abs() < 60, "fresh timestamp");
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let mut signed = format!("{t}.").into_bytes();
    signed.extend_from_slice(&request.body);
    let expected: String = ring::hmac::sign(&key, &signed).as_ref().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(v1, expected, "signature must verify with the secret");
    let wrong = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"another secret");
    let other: String = ring::hmac::sign(&wrong, &signed).as_ref().iter().map(|b| format!("{b:02x}")).collect();
    assert_ne!(v1, other);
}

async fn create(client: &reqwest::Client, server: &Server, token: &str, body: Value) -> (u16, Value) {
    let response = client.post(server.url("/api/v1/webhooks")).bearer_auth(token).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Waits until the user's event feed has an IDLE watcher (a `ready` on the event stream).
async fn wait_until_watching(client: &reqwest::Client, server: &Server, token: &str) -> SseReader {
    let response = client.get(server.url("/api/v1/events")).bearer_auth(token).send().await.unwrap();
    let mut events = SseReader::new(response);
    events.expect("ready", WAIT).await;
    events
}

async fn next(received: &mut mpsc::UnboundedReceiver<Received>) -> Received {
    tokio::time::timeout(WAIT, received.recv()).await.expect("a delivery in time").expect("receiver running")
}

#[tokio::test]
async fn new_mail_is_posted_signed_and_listed_as_delivered() {
    let server = webhook_server().await;
    let client = api_client();
    let (user, password) = rig().new_user("hook").await;
    let token = server.login(&client, &user, &password).await;
    let (port, mut received) = receiver(&[]).await;
    let url = format!("http://127.0.0.1:{port}/hook?x=1");

    let (status, created) = create(&client, &server, &token, json!({"url": url, "events": ["message.new"]})).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let secret = created["secret"].as_str().expect("secret shown at creation").to_string();
    assert_eq!(
        (created["url"].as_str(), &created["events"], &created["mailboxes"]),
        (Some(url.as_str()), &json!(["message.new"]), &Value::Null)
    );
    assert!(created["createdAt"].is_string());

    let (status, list) = get_json(&client, server.url("/api/v1/webhooks"), &token).await;
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["nextCursor"], Value::Null);
    assert!(list["items"][0].get("secret").is_none(), "no secret in lists: {list}");
    let (status, one) = get_json(&client, server.url(&format!("/api/v1/webhooks/{id}")), &token).await;
    assert_eq!((status, one["id"].as_str(), one.get("secret")), (200, Some(id.as_str()), None));
    assert_eq!(server.state.letterbox.webhooks.watched_users(), 1);

    let _events = wait_until_watching(&client, &server, &token).await;
    let mut other = RawImap::login(rig().imap_port(), &user, &password).await;
    other.append("INBOX", &message("Hook me")).await;

    let request = next(&mut received).await;
    assert!(request.head.starts_with("POST /hook?x=1 HTTP/1.1"), "{}", request.head);
    assert_eq!(request.header("content-type").as_deref(), Some("application/json"));
    assert_signed(&request, &secret);
    let body = request.json();
    assert_eq!(body["type"], "message.new", "{body}");
    assert_eq!(body["data"]["mailboxId"], "INBOX");
    let ids = body["data"]["ids"].as_array().expect("ids");
    assert_eq!(ids.len(), 1);
    assert!(body["id"].is_string() && body["occurredAt"].is_string());
    assert_eq!(request.header("letterbox-event").as_deref(), Some("message.new"));
    let (_, detail) = get_json(&client, server.url(&format!("/api/v1/messages/{}", ids[0].as_str().unwrap())), &token).await;
    assert_eq!(detail["subject"], "Hook me", "the event's id opens the message");

    let deliveries_url = server.url(&format!("/api/v1/webhooks/{id}/deliveries"));
    let deliveries = poll(|| get_json(&client, deliveries_url.clone(), &token), |d| d["items"][0]["state"] == "delivered").await;
    let attempt = &deliveries["items"][0];
    assert_eq!((attempt["statusCode"].as_u64(), attempt["attempt"].as_u64(), &attempt["error"]), (Some(200), Some(1), &Value::Null));
    assert_eq!((attempt["eventId"].as_str(), attempt["type"].as_str()), (body["id"].as_str(), Some("message.new")));

    let store = &server.state.letterbox.store;
    let (_, sealed) = store.find_offline_credentials(&user.to_lowercase()).await.unwrap().expect("offline credentials stored");
    assert!(!sealed.windows(password.len()).any(|w| w == password.as_bytes()), "sealed, not plain");
    let response = client.delete(server.url(&format!("/api/v1/webhooks/{id}"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 204);
    assert!(store.find_offline_credentials(&user.to_lowercase()).await.unwrap().is_none(), "erased with the last webhook");
    let (status, _) = get_json(&client, server.url(&format!("/api/v1/webhooks/{id}")), &token).await;
    assert_eq!(status, 404);
    assert_eq!(server.state.letterbox.webhooks.watched_users(), 0, "the last webhook's watcher stops");
    let (status, _) = get_json(&client, deliveries_url, &token).await;
    assert_eq!(status, 404);
}

async fn poll<F, Fut>(mut fetch: F, done: impl Fn(&Value) -> bool) -> Value
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = (u16, Value)>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (status, body) = fetch().await;
        assert_eq!(status, 200, "{body}");
        if done(&body) {
            return body;
        }
        assert!(tokio::time::Instant::now() < deadline, "not reached in time: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_failing_receiver_is_retried_until_it_succeeds() {
    let server = webhook_server().await;
    let client = api_client();
    let (user, password) = rig().new_user("hookretry").await;
    let token = server.login(&client, &user, &password).await;
    let (port, mut received) = receiver(&[500, 500]).await;
    let (status, created) = create(
        &client,
        &server,
        &token,
        json!({"url": format!("http://127.0.0.1:{port}/"), "events": ["message.new"], "mailboxes": ["INBOX"]}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let secret = created["secret"].as_str().unwrap().to_string();

    let _events = wait_until_watching(&client, &server, &token).await;
    let mut other = RawImap::login(rig().imap_port(), &user, &password).await;
    other.append("INBOX", &message("Retry me")).await;

    let first = next(&mut received).await;
    let second = next(&mut received).await;
    let third = next(&mut received).await;
    for request in [&first, &second, &third] {
        assert_signed(request, &secret);
        assert_eq!(request.json()["id"], first.json()["id"], "the same event each time");
    }
    let deliveries_url = server.url(&format!("/api/v1/webhooks/{id}/deliveries"));
    let deliveries = poll(|| get_json(&client, deliveries_url.clone(), &token), |d| d["items"][0]["statusCode"] == 200).await;
    let items = deliveries["items"].as_array().unwrap();
    let seen: Vec<(u64, u64)> = items.iter().map(|a| (a["attempt"].as_u64().unwrap(), a["statusCode"].as_u64().unwrap())).collect();
    assert_eq!(seen, [(3, 200), (2, 500), (1, 500)], "{deliveries}");
    assert!(items[1]["error"].as_str().is_some_and(|e| e.contains("500")), "{deliveries}");
    assert!(items.iter().all(|a| a["state"] == "delivered"));
    assert!(tokio::time::timeout(Duration::from_millis(1500), received.recv()).await.is_err(), "nothing more after success");
}

#[tokio::test]
async fn without_offline_access_webhooks_are_forbidden() {
    let server = Server::start().await;
    let client = api_client();
    let (user, password) = rig().new_user("hookoff").await;
    let token = server.login(&client, &user, &password).await;
    let response = client
        .post(server.url("/api/v1/webhooks"))
        .bearer_auth(&token)
        .json(&json!({"url": "https://example.com/hook", "events": ["message.new"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let problem: Value = response.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("LETTERBOX_OFFLINE_ACCESS"), "{problem}");
    let (status, list) = get_json(&client, server.url("/api/v1/webhooks"), &token).await;
    assert_eq!((status, list["items"].as_array().map(Vec::len)), (200, Some(0)));
    let stored = server.state.letterbox.store.find_offline_credentials(&user.to_lowercase()).await.unwrap();
    assert!(stored.is_none(), "no server-sealed password without offline access");
}

#[tokio::test]
async fn internal_urls_are_refused_and_never_contacted() {
    let server = webhook_server().await;
    let client = api_client();
    let (user, password) = rig().new_user("hookssrf").await;
    let token = server.login(&client, &user, &password).await;
    let trap = TcpListener::bind("127.0.0.2:0").await.expect("127.0.0.2 is loopback on Linux");
    let trap_port = trap.local_addr().unwrap().port();

    let cases = [
        (json!({"url": format!("http://127.0.0.2:{trap_port}/"), "events": ["message.new"]}), "url"),
        (json!({"url": format!("https://127.0.0.2:{trap_port}/"), "events": ["message.new"]}), "url"),
        (json!({"url": "https://10.0.0.1/hook", "events": ["message.new"]}), "url"),
        (json!({"url": "https://192.168.1.10/hook", "events": ["message.new"]}), "url"),
        (json!({"url": "https://169.254.169.254/latest/meta-data", "events": ["message.new"]}), "url"),
        (json!({"url": "https://[::ffff:127.0.0.2]/", "events": ["message.new"]}), "url"),
        (json!({"url": "https://[::1]/", "events": ["message.new"]}), "url"),
        (json!({"url": "https://100.64.0.1/", "events": ["message.new"]}), "url"),
        (json!({"url": "http://example.com/", "events": ["message.new"]}), "url"),
        (json!({"events": ["message.new"]}), "url"),
        (json!({"url": "http://127.0.0.1:9/", "events": []}), "events"),
        (json!({"url": "http://127.0.0.1:9/", "events": ["message.new", "message.eaten"]}), "events[1]"),
        (json!({"url": "http://127.0.0.1:9/", "events": ["mailbox"], "mailboxes": []}), "mailboxes"),
    ];
    for (body, field) in cases {
        let (status, problem) = create(&client, &server, &token, body.clone()).await;
        assert_eq!(status, 422, "{body}: {problem}");
        assert_eq!(problem["field"], field, "{body}: {problem}");
        assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
    let (status, list) = get_json(&client, server.url("/api/v1/webhooks"), &token).await;
    assert_eq!((status, list["items"].as_array().map(Vec::len)), (200, Some(0)), "nothing was created");
    assert!(tokio::time::timeout(Duration::from_millis(500), trap.accept()).await.is_err(), "no connection was made to 127.0.0.2");

    // Offline access stores the server-sealed password at login; logging out without any
    // webhook erases it.
    let store = &server.state.letterbox.store;
    assert!(store.find_offline_credentials(&user.to_lowercase()).await.unwrap().is_some(), "stored at login");
    let response = client.delete(server.url("/api/v1/session")).bearer_auth(&token).send().await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    assert!(store.find_offline_credentials(&user.to_lowercase()).await.unwrap().is_none(), "erased at logout");
}

/// Creates an API token with the session; returns its secret.
async fn api_token(client: &reqwest::Client, server: &Server, session: &str, body: Value) -> String {
    let response = client.post(server.url("/api/v1/tokens")).bearer_auth(session).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    let created: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{created}");
    created["token"].as_str().unwrap().to_string()
}

fn ids(list: &Value) -> Vec<String> {
    list["items"].as_array().expect("items").iter().map(|w| w["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn webhooks_need_webhooks_manage_and_a_restricted_token_stays_in_its_mailboxes() {
    let server = webhook_server().await;
    let client = api_client();
    let (user, password) = rig().new_user("hookauthz").await;
    let session = server.login(&client, &user, &password).await;
    let sent_id = letterbox::mail::MailboxId::from_path("Sent").to_string();

    // mail.read + mail.write is not enough: 403 missing-scope on every webhook route.
    let writer = api_token(&client, &server, &session, json!({"name": "w", "scopes": ["mail.read", "mail.write", "mail.send"]})).await;
    let (port, mut received_all) = receiver(&[]).await;
    let url = format!("http://127.0.0.1:{port}/all");
    let (status, problem) = create(&client, &server, &writer, json!({"url": url, "events": ["mailbox"]})).await;
    assert_eq!((status, problem["scope"].as_str()), (403, Some("webhooks.manage")), "{problem}");
    let (status, problem) = get_json(&client, server.url("/api/v1/webhooks"), &writer).await;
    assert_eq!((status, problem["scope"].as_str()), (403, Some("webhooks.manage")), "{problem}");

    // The session's webhook covers every mailbox.
    let (status, all) = create(&client, &server, &session, json!({"url": url, "events": ["mailbox"]})).await;
    assert_eq!(status, 201, "{all}");
    let all_id = all["id"].as_str().unwrap().to_string();
    let (status, problem) = get_json(&client, server.url(&format!("/api/v1/webhooks/{all_id}/deliveries")), &writer).await;
    assert_eq!(status, 403, "{problem}");
    let response = client.delete(server.url(&format!("/api/v1/webhooks/{all_id}"))).bearer_auth(&writer).send().await.unwrap();
    assert_eq!(response.status(), 403, "a token without webhooks.manage deletes nothing");

    // A token with webhooks.manage restricted to INBOX: sees none of the session's webhooks,
    // may not name Sent, and its webhook over "every mailbox" gets only INBOX events.
    let inbox_only =
        api_token(&client, &server, &session, json!({"name": "i", "scopes": ["webhooks.manage"], "mailboxes": ["INBOX"]})).await;
    let (status, list) = get_json(&client, server.url("/api/v1/webhooks"), &inbox_only).await;
    assert_eq!((status, ids(&list)), (200, Vec::<String>::new()), "{list}");
    let (status, _) = get_json(&client, server.url(&format!("/api/v1/webhooks/{all_id}")), &inbox_only).await;
    assert_eq!(status, 404);
    let response = client.delete(server.url(&format!("/api/v1/webhooks/{all_id}"))).bearer_auth(&inbox_only).send().await.unwrap();
    assert_eq!(response.status(), 404);
    let (port, mut received_inbox) = receiver(&[]).await;
    let inbox_url = format!("http://127.0.0.1:{port}/inbox");
    let (status, problem) =
        create(&client, &server, &inbox_only, json!({"url": inbox_url, "events": ["mailbox"], "mailboxes": [sent_id]})).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("mailboxes[0]")), "{problem}");
    let (status, mine) = create(&client, &server, &inbox_only, json!({"url": inbox_url, "events": ["mailbox", "message.new"]})).await;
    assert_eq!(status, 201, "{mine}");
    let mine_id = mine["id"].as_str().unwrap().to_string();
    let (_, list) = get_json(&client, server.url("/api/v1/webhooks"), &inbox_only).await;
    assert_eq!(ids(&list), vec![mine_id.clone()], "a restricted token lists only its own");
    let (_, list) = get_json(&client, server.url("/api/v1/webhooks"), &session).await;
    let mut expected = vec![all_id.clone(), mine_id.clone()];
    expected.sort();
    let mut listed = ids(&list);
    listed.sort();
    assert_eq!(listed, expected, "the session lists all");

    // Other folders' counts are looked at when INBOX wakes the watcher: first make sure the
    // watcher is live (an INBOX change reaches the session's webhook), then file into Sent and
    // let INBOX change; the session's webhook hears of Sent, the token's only of INBOX.
    let _events = wait_until_watching(&client, &server, &session).await;
    let mut other = RawImap::login(rig().imap_port(), &user, &password).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        other.append("INBOX", &message("Warm-up")).await;
        if tokio::time::timeout(Duration::from_secs(2), received_all.recv()).await.is_ok() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the watcher never reported INBOX");
    }
    other.append("Sent", &message("Filed")).await;
    other.append("INBOX", &message("For the token")).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while next(&mut received_all).await.json()["data"]["mailboxId"] != sent_id.as_str() {
        assert!(tokio::time::Instant::now() < deadline, "the session's webhook hears of Sent");
    }
    let mut heard = vec![next(&mut received_inbox).await.json()];
    while let Ok(Some(request)) = tokio::time::timeout(Duration::from_secs(1), received_inbox.recv()).await {
        heard.push(request.json());
    }
    assert!(heard.iter().all(|event| event["data"]["mailboxId"] == "INBOX"), "the token's webhook never hears of Sent: {heard:?}");
    assert!(heard.iter().any(|event| event["type"] == "message.new"), "{heard:?}");

    // Revoking the token deletes the webhooks it created, and only those.
    let (_, tokens) = get_json(&client, server.url("/api/v1/tokens"), &session).await;
    let token_id =
        tokens["items"].as_array().unwrap().iter().find(|t| t["name"] == "i").expect("the INBOX token")["id"].as_str().unwrap().to_string();
    let response = client.delete(server.url(&format!("/api/v1/tokens/{token_id}"))).bearer_auth(&session).send().await.unwrap();
    assert_eq!(response.status(), 204);
    let (_, list) = get_json(&client, server.url("/api/v1/webhooks"), &session).await;
    assert_eq!(ids(&list), vec![all_id.clone()], "the revoked token's webhook is gone");
}

/// A webhook over a role alias (`sent`) is stored as the folder's id, the form events carry,
/// so it hears that folder's mail; an alias no folder holds is a 422 naming the entry.
#[tokio::test]
async fn a_webhook_over_a_role_alias_hears_that_folder() {
    let server = webhook_server().await;
    let client = api_client();
    let (user, password) = rig().new_user("hookalias").await;
    let token = server.login(&client, &user, &password).await;
    let sent_id = letterbox::mail::MailboxId::from_path("Sent").to_string();
    let (port, mut received) = receiver(&[]).await;
    let url = format!("http://127.0.0.1:{port}/sent");

    let (status, created) = create(&client, &server, &token, json!({"url": url, "events": ["mailbox"], "mailboxes": ["sent"]})).await;
    assert_eq!((status, &created["mailboxes"]), (201, &json!([sent_id])), "{created}");
    let (status, problem) =
        create(&client, &server, &token, json!({"url": url, "events": ["message.new"], "mailboxes": ["INBOX", "nope!"]})).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("mailboxes[1]")), "{problem}");

    let _events = wait_until_watching(&client, &server, &token).await;
    let mut other = RawImap::login(rig().imap_port(), &user, &password).await;
    other.append("Sent", &message("Filed in Sent")).await;
    // Other folders' counts are read when INBOX wakes the watcher; the INBOX event is filtered out.
    other.append("INBOX", &message("Wakes the watcher")).await;
    let request = next(&mut received).await;
    let body = request.json();
    assert_eq!((body["type"].as_str(), body["data"]["mailboxId"].as_str()), (Some("mailbox"), Some(sent_id.as_str())), "{body}");
}
