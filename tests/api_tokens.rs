//! API tokens against the real Dovecot rig: scopes, mailbox restriction, revocation, restarts,
//! nothing usable in the database, rate limits, and no tokens minted by tokens.

mod common;

use common::{Server, api_client, get_json, rig};
use serde_json::{Value, json};

/// Creates a token with `body` using the session `token`; returns (status, body).
async fn create(server: &Server, client: &reqwest::Client, token: &str, body: Value) -> (u16, Value) {
    let response = client.post(server.url("/api/v1/tokens")).bearer_auth(token).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn new_token(server: &Server, client: &reqwest::Client, session: &str, body: Value) -> String {
    let (status, created) = create(server, client, session, body).await;
    assert_eq!(status, 201, "{created}");
    let secret = created["token"].as_str().unwrap().to_string();
    assert!(secret.starts_with("lbt_"), "{secret}");
    secret
}

fn assert_problem(headers: &reqwest::header::HeaderMap, body: &Value, status: u16) {
    assert_eq!(headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"), "{body}");
    assert_eq!(body["status"], status, "{body}");
}

#[tokio::test]
async fn a_read_token_reads_but_cannot_send_or_change() {
    let server = Server::start().await;
    let client = api_client();
    let (user, password) = rig().new_user("tokread").await;
    rig().fill(&user, 3, "INBOX");
    let session = server.login(&client, &user, &password).await;
    let token = new_token(&server, &client, &session, json!({"name": "reader", "scopes": ["mail.read"]})).await;

    let (status, list) = get_json(&client, server.url("/api/v1/mailboxes/INBOX/messages"), &token).await;
    assert_eq!(status, 200, "{list}");
    let id = list["items"][0]["id"].as_str().unwrap().to_string();
    let (status, message) = get_json(&client, server.url(&format!("/api/v1/messages/{id}")), &token).await;
    assert_eq!(status, 200, "{message}");

    let response = client
        .post(server.url("/api/v1/send"))
        .bearer_auth(&token)
        .json(&json!({"to": [user], "subject": "no", "text": "no"}))
        .send()
        .await
        .unwrap();
    let headers = response.headers().clone();
    let body: Value = response.json().await.unwrap();
    assert_problem(&headers, &body, 403);
    assert_eq!(body["detail"], "this token lacks the scope mail.send", "{body}");
    assert_eq!(body["scope"], "mail.send");

    let flags_before = rig().flags_of(&user, "INBOX", "ALL");
    let response =
        client.patch(server.url(&format!("/api/v1/messages/{id}"))).bearer_auth(&token).json(&json!({"seen": true})).send().await.unwrap();
    let headers = response.headers().clone();
    let body: Value = response.json().await.unwrap();
    assert_problem(&headers, &body, 403);
    assert!(body["detail"].as_str().unwrap().contains("mail.write"), "{body}");
    assert_eq!(rig().flags_of(&user, "INBOX", "ALL"), flags_before, "nothing changed");

    // The list shows the token without its secret, with its use noted.
    let (status, tokens) = get_json(&client, server.url("/api/v1/tokens"), &session).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["items"][0]["name"], "reader");
    assert_eq!(tokens["items"][0]["scopes"], json!(["mail.read"]));
    assert!(tokens["items"][0]["lastUsedAt"].is_string(), "{tokens}");
    assert!(tokens["items"][0].get("token").is_none(), "{tokens}");
    assert!(!tokens.to_string().contains(token.split('.').nth(1).unwrap()), "no secret in the list");
}

#[tokio::test]
async fn unknown_scopes_are_422_and_a_token_cannot_manage_tokens() {
    let server = Server::start().await;
    let client = api_client();
    let (user, password) = rig().new_user("tokmint").await;
    let session = server.login(&client, &user, &password).await;
    let (status, body) = create(&server, &client, &session, json!({"name": "x", "scopes": ["mail.admin"]})).await;
    assert_eq!(status, 422, "{body}");
    let token = new_token(&server, &client, &session, json!({"name": "all", "scopes": ["mail.read", "mail.write", "mail.send"]})).await;
    let (status, body) = create(&server, &client, &token, json!({"name": "child", "scopes": ["mail.read"]})).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(get_json(&client, server.url("/api/v1/tokens"), &token).await.0, 403);
}

#[tokio::test]
async fn a_token_limited_to_inbox_does_not_see_sent() {
    let server = Server::start().await;
    let client = api_client();
    let (user, password) = rig().new_user("tokbox").await;
    rig().fill(&user, 2, "INBOX");
    let session = server.login(&client, &user, &password).await;
    let (status, sent) = get_json(&client, server.url("/api/v1/mailboxes/sent"), &session).await;
    assert_eq!(status, 200, "{sent}");
    let sent_id = sent["id"].as_str().unwrap().to_string();
    let sent_path = sent["path"].as_str().unwrap_or("Sent").to_string();
    rig().fill(&user, 2, &sent_path);
    for folder in ["INBOX", sent_path.as_str()] {
        let raw = format!(
            "From: x@example.org\r\nTo: y@example.org\r\nSubject: Tokentest {folder}\r\nDate: Mon, 01 Jan 2024 12:00:00 +0000\r\nMessage-ID: <{folder}@tokentest>\r\n\r\nhi\r\n"
        );
        rig().save(&user, folder, raw.as_bytes());
    }
    let (_, sent_list) = get_json(&client, server.url(&format!("/api/v1/mailboxes/{sent_id}/messages")), &session).await;
    let sent_message = sent_list["items"][0]["id"].as_str().expect("a message in Sent").to_string();

    let token = new_token(
        &server,
        &client,
        &session,
        json!({"name": "inbox only", "scopes": ["mail.read", "mail.write", "mail.send"], "mailboxes": ["INBOX"]}),
    )
    .await;
    let (status, list) = get_json(&client, server.url("/api/v1/mailboxes"), &token).await;
    assert_eq!(status, 200, "{list}");
    let ids: Vec<&str> = list["items"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["INBOX"], "{list}");
    assert_eq!(get_json(&client, server.url("/api/v1/mailboxes/INBOX/messages"), &token).await.0, 200);
    for path in [
        format!("/api/v1/mailboxes/{sent_id}"),
        "/api/v1/mailboxes/sent".to_string(),
        format!("/api/v1/mailboxes/{sent_id}/messages"),
        format!("/api/v1/messages/{sent_message}"),
        format!("/api/v1/messages/{sent_message}/raw"),
    ] {
        let (status, body) = get_json(&client, server.url(&path), &token).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    // Search across folders finds only INBOX's messages.
    let (status, found) = get_json(&client, server.url("/api/v1/search?q=subject:tokentest"), &token).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["items"][0]["mailboxId"], "INBOX", "{found}");
    let (_, everywhere) = get_json(&client, server.url("/api/v1/search?q=subject:tokentest"), &session).await;
    assert_eq!(everywhere["total"], 2, "the session sees both: {everywhere}");
    // Moving into Sent is as if Sent did not exist.
    let (_, inbox) = get_json(&client, server.url("/api/v1/mailboxes/INBOX/messages"), &token).await;
    let inbox_message = inbox["items"][0]["id"].as_str().unwrap();
    let response = client
        .post(server.url(&format!("/api/v1/messages/{inbox_message}/move")))
        .bearer_auth(&token)
        .json(&json!({"mailboxId": sent_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(rig().mailbox_counts(&user, "INBOX").0, 3);
    // It cannot make itself new mailboxes to see either.
    let response = client.post(server.url("/api/v1/mailboxes")).bearer_auth(&token).json(&json!({"path": "Mine"})).send().await.unwrap();
    assert_eq!(response.status(), 403);
    // The session route works with a token and names a real expiry.
    let (status, info) = get_json(&client, server.url("/api/v1/session"), &token).await;
    assert_eq!(status, 200, "{info}");
    assert!(info["expiresAt"].as_str().is_some_and(|t| t.starts_with("9999-")), "{info}");
}

#[tokio::test]
async fn a_revoked_token_stops_working_at_once() {
    let server = Server::start().await;
    let client = api_client();
    let (user, password) = rig().new_user("tokrevoke").await;
    let session = server.login(&client, &user, &password).await;
    let (_, created) = create(&server, &client, &session, json!({"name": "gone soon", "scopes": ["mail.read"]})).await;
    let token = created["token"].as_str().unwrap();
    let id = created["id"].as_str().unwrap();
    assert_eq!(get_json(&client, server.url("/api/v1/mailboxes"), token).await.0, 200);
    let response = client.delete(server.url(&format!("/api/v1/tokens/{id}"))).bearer_auth(&session).send().await.unwrap();
    assert_eq!(response.status(), 204);
    let response = client.get(server.url("/api/v1/mailboxes")).bearer_auth(token).send().await.unwrap();
    let headers = response.headers().clone();
    let body: Value = response.json().await.unwrap();
    assert_problem(&headers, &body, 401);
    let response = client.delete(server.url(&format!("/api/v1/tokens/{id}"))).bearer_auth(&session).send().await.unwrap();
    assert_eq!(response.status(), 404);
    // A forged secret for an existing id does not work either.
    let other = new_token(&server, &client, &session, json!({"name": "real", "scopes": ["mail.read"]})).await;
    let forged = format!("{}.{}", other.split('.').next().unwrap(), "A".repeat(43));
    assert_eq!(get_json(&client, server.url("/api/v1/mailboxes"), &forged).await.0, 401);
    // An expired token is refused.
    let (status, body) =
        create(&server, &client, &session, json!({"name": "past", "scopes": ["mail.read"], "expiresAt": "2001-01-01T00:00:00Z"})).await;
    assert_eq!(status, 422, "{body}");
}

#[tokio::test]
async fn tokens_survive_a_restart_and_the_database_holds_no_password() {
    let data = common::TempDir::new("lbtokrestart");
    let (user, password) = rig().new_user("tokrestart").await;
    let client = api_client();
    let serve = |state: letterbox::AppState| async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let handle = tokio::spawn(async move {
            axum::serve(listener, letterbox::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>()).await
        });
        (addr, handle)
    };
    let token = {
        let state = letterbox::build_state(common::config_for_rig(&data.0)).await.unwrap();
        let (addr, handle) = serve(state).await;
        let response = client
            .post(format!("http://{addr}/api/v1/session"))
            .json(&json!({"username": user, "password": password}))
            .send()
            .await
            .unwrap();
        let session: Value = response.json().await.unwrap();
        let session = session["accessToken"].as_str().unwrap();
        let response = client
            .post(format!("http://{addr}/api/v1/tokens"))
            .bearer_auth(session)
            .json(&json!({"name": "cron", "scopes": ["mail.read"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let created: Value = response.json().await.unwrap();
        handle.abort();
        created["token"].as_str().unwrap().to_string()
    };
    let state = letterbox::build_state(common::config_for_rig(&data.0)).await.unwrap();
    let (addr, _handle) = serve(state).await;
    let response = client.get(format!("http://{addr}/api/v1/mailboxes")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 200);

    let secret = token.split('.').nth(1).unwrap();
    let mut scanned = 0;
    for entry in std::fs::read_dir(&data.0).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_file() {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        scanned += bytes.len();
        for needle in [password.as_bytes(), secret.as_bytes()] {
            assert!(!bytes.windows(needle.len()).any(|w| w == needle), "{} contains a secret", path.display());
        }
    }
    assert!(scanned > 0, "the data dir holds the database");
}

#[tokio::test]
async fn rate_limits_are_announced_and_enforced() {
    let server = Server::start_tweaked(|c| {
        c.rate_limit_per_minute = 100;
        c.token_rate_limit_per_minute = 3;
    })
    .await;
    let client = api_client();
    let (user, password) = rig().new_user("tokrate").await;
    let session = server.login(&client, &user, &password).await;
    let token = new_token(&server, &client, &session, json!({"name": "busy", "scopes": ["mail.read"]})).await;
    for remaining in (0..3).rev() {
        let response = client.get(server.url("/api/v1/mailboxes")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        assert_eq!(header("ratelimit-limit").as_deref(), Some("3"));
        assert_eq!(header("ratelimit-remaining"), Some(remaining.to_string()));
        let reset: u64 = header("ratelimit-reset").unwrap().parse().unwrap();
        assert!((1..=60).contains(&reset), "{reset}");
    }
    let response = client.get(server.url("/api/v1/mailboxes")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 429);
    let retry: u64 = response.headers().get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let headers = response.headers().clone();
    let body: Value = response.json().await.unwrap();
    assert_problem(&headers, &body, 429);
    assert_eq!(body["type"], "urn:letterbox:problem:rate-limited");
    // The session (same user, below the user limit) still works and carries its own numbers.
    let response = client.get(server.url("/api/v1/mailboxes")).bearer_auth(&session).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers().get("ratelimit-limit").unwrap(), "100");
}

#[tokio::test]
async fn a_send_token_limited_to_inbox_still_files_the_sent_copy() {
    let server = Server::start().await;
    let client = api_client();
    let (user, password) = rig().new_user("toksend").await;
    let session = server.login(&client, &user, &password).await;
    let token = new_token(&server, &client, &session, json!({"name": "notifier", "scopes": ["mail.send"], "mailboxes": ["INBOX"]})).await;
    let response = client
        .post(server.url("/api/v1/send"))
        .bearer_auth(&token)
        .json(&json!({"to": [user], "subject": "From a token", "text": "hello"}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    assert_eq!(status, 201, "{}", response.text().await.unwrap());
    let (_, sent) = get_json(&client, server.url("/api/v1/mailboxes/sent/messages"), &session).await;
    assert_eq!(sent["items"].as_array().map(Vec::len), Some(1), "{sent}");
}
