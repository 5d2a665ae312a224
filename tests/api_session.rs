//! Login, session info, logout and their failure modes, against the real Dovecot rig.

mod common;

use common::wait::wait_until;
use common::{Server, api_client, rig};
use serde_json::{Value, json};

fn assert_problem(headers: &reqwest::header::HeaderMap, body: &Value, status: u16) {
    assert_eq!(headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    assert_eq!(body["status"], status, "{body}");
    for field in ["type", "title", "detail"] {
        assert!(body[field].as_str().is_some_and(|s| !s.is_empty()), "problem lacks {field}: {body}");
    }
}

#[tokio::test]
async fn login_session_info_and_logout() {
    let server = Server::start().await;
    let (user, password) = rig().new_user("sess").await;
    let client = api_client();

    let response = client.post(server.url("/api/v1/session")).json(&json!({"username": user, "password": password})).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["tokenType"], "Bearer");
    assert_eq!(created["username"], user);
    let expires = created["expiresAt"].as_str().unwrap();
    assert!(time::OffsetDateTime::parse(expires, &time::format_description::well_known::Rfc3339).is_ok(), "{expires}");
    let token = created["accessToken"].as_str().unwrap();

    let info: Value = client.get(server.url("/api/v1/session")).bearer_auth(token).send().await.unwrap().json().await.unwrap();
    assert_eq!(info["username"], user);
    let caps: Vec<&str> = info["capabilities"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(caps.contains(&"IMAP4REV1") && caps.contains(&"SORT"), "{caps:?}");
    assert_eq!(info["server"]["specialUse"], true);
    assert_eq!(info["server"]["idle"], true);

    let response = client.delete(server.url("/api/v1/session")).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 204);
    let response = client.get(server.url("/api/v1/mailboxes")).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 401, "a logged-out token must stop working");
    let headers = response.headers().clone();
    assert_problem(&headers, &response.json().await.unwrap(), 401);
}

#[tokio::test]
async fn wrong_password_is_401_problem_and_repeated_failures_are_throttled() {
    let server = Server::start().await;
    let (user, password) = rig().new_user("wrong").await;
    let client = api_client();
    let attempt = |password: String| {
        let request = client.post(server.url("/api/v1/session")).json(&json!({"username": user, "password": password}));
        async move { request.send().await.unwrap() }
    };

    let response = attempt("not-the-password".into()).await;
    assert_eq!(response.status(), 401);
    let headers = response.headers().clone();
    assert_problem(&headers, &response.json().await.unwrap(), 401);

    for _ in 0..4 {
        assert_eq!(attempt("still-wrong".into()).await.status(), 401);
    }
    let response = attempt(password.clone()).await;
    assert_eq!(response.status(), 429, "the sixth attempt within minutes is throttled, even with the right password");
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry_after > 0 && retry_after <= 300, "{retry_after}");
    let headers = response.headers().clone();
    assert_problem(&headers, &response.json().await.unwrap(), 429);
}

/// Lines of the rig's Dovecot log where its auth process refused `user`'s password.
fn dovecot_refusals(user: &str) -> usize {
    let log = std::fs::read_to_string(rig().get("RIG_DOVECOT_LOG")).unwrap_or_default();
    log.lines().filter(|line| line.contains(user) && line.contains("Password mismatch")).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_parallel_wrong_logins_reach_the_imap_server_at_most_five_times() {
    let server = Server::start().await;
    let (user, _password) = rig().new_user("parallel").await;
    let client = api_client();
    let before = dovecot_refusals(&user);
    let requests = (0..200).map(|n| {
        let request = client.post(server.url("/api/v1/session")).json(&json!({"username": user, "password": format!("guess-{n}")}));
        async move { request.send().await.unwrap().status().as_u16() }
    });
    let statuses = futures::future::join_all(requests).await;
    let refused = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(refused + throttled, 200, "only 401 and 429: {statuses:?}");
    // Every 401 was a refusal by Dovecot; wait until its log shows them all, then a moment for any straggler.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut at_dovecot = dovecot_refusals(&user) - before;
    while at_dovecot < refused && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        at_dovecot = dovecot_refusals(&user) - before;
    }
    println!("200 parallel wrong logins: {at_dovecot} reached Dovecot (its auth log), {refused} answered 401, {throttled} answered 429");
    assert!(at_dovecot >= 1 && at_dovecot >= refused, "the log counts what reached the server ({at_dovecot} < {refused})");
    assert!(at_dovecot <= 5, "{at_dovecot} guesses reached the IMAP server");
    assert_eq!(throttled, 200 - refused);
}

#[tokio::test]
async fn bad_bodies_and_tokens_get_problems() {
    let server = Server::start().await;
    let client = api_client();
    let cases = [
        (client.post(server.url("/api/v1/session")).body("{not json").header("content-type", "application/json"), 400),
        (client.post(server.url("/api/v1/session")).json(&json!({"username": "x"})), 400),
        (client.post(server.url("/api/v1/session")).json(&json!({"username": "", "password": "x"})), 400),
        (client.post(server.url("/api/v1/session")).body("username=x"), 415),
        (client.get(server.url("/api/v1/session")), 401),
        (client.get(server.url("/api/v1/session")).bearer_auth("forged.token.value"), 401),
        (client.get(server.url("/api/v1/nothing-here")), 404),
    ];
    for (request, status) in cases {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), status);
        let headers = response.headers().clone();
        assert_problem(&headers, &response.json().await.unwrap(), status);
    }
}

/// Words that give away the mail server's network or TLS setup.
const SERVER_DETAILS: [&str; 6] = ["127.0.0.1", "certificate", "refused", "os error", "TLS", "tls"];

#[tokio::test]
async fn unreachable_server_and_untrusted_certificate_are_502_with_only_a_request_id_and_the_details_in_the_log() {
    common::logs::capture();
    let (user, password) = rig().new_user("bad").await;
    let client = api_client();

    // A port nothing listens on, and the rig's self-signed certificate without LETTERBOX_CA_FILE.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let cases = [
        (Server::start_tweaked(|c| c.imap.port = closed).await, closed, "connection refused"),
        (Server::start_tweaked(|c| c.ca_file = None).await, rig().imap_port(), "certificate not trusted"),
    ];
    for (server, port, cause) in &cases {
        let response =
            client.post(server.url("/api/v1/session")).json(&json!({"username": user, "password": password})).send().await.unwrap();
        assert_eq!(response.status(), 502);
        let id = response.headers()["x-request-id"].to_str().unwrap().to_string();
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["detail"], format!("the mail server is unavailable; request id {id}"), "{body}");
        assert_eq!(body["title"], "The mail server is unavailable");
        let text = body.to_string();
        for word in SERVER_DETAILS.iter().map(|w| w.to_string()).chain([format!(":{port}")]) {
            assert!(!text.contains(&word), "{word:?} shown before login: {text}");
        }
        let logged = common::logs::lines_with(&id).join("\n");
        assert!(logged.contains(cause) && logged.contains(&format!("127.0.0.1:{port}")), "the log has the details: {logged}");
    }
}

#[tokio::test]
async fn the_database_holds_no_password_in_clear() {
    let server = Server::start().await;
    let (user, password) = rig().new_user("grep").await;
    let client = api_client();
    let token = server.login(&client, &user, &password).await;
    // Make sure the session was used (and thus read back) at least once.
    assert_eq!(client.get(server.url("/api/v1/mailboxes")).bearer_auth(&token).send().await.unwrap().status(), 200);

    let mut scanned = 0;
    for entry in std::fs::read_dir(&server.data_dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        scanned += bytes.len();
        assert!(!bytes.windows(password.len()).any(|w| w == password.as_bytes()), "{} contains the password", path.display());
    }
    assert!(scanned > 0, "the data dir holds the database");
    // The session row exists and carries ciphertext instead.
    let db = std::fs::read(server.data_dir.join("letterbox.db")).unwrap_or_default();
    let wal = std::fs::read(server.data_dir.join("letterbox.db-wal")).unwrap_or_default();
    assert!([db, wal].iter().any(|b| b.windows(user.len()).any(|w| w == user.as_bytes())), "session stored");
}

#[tokio::test]
async fn sessions_survive_a_restart_of_letterbox() {
    let data = common::TempDir::new("lbrestart");
    let (user, password) = rig().new_user("restart").await;
    let client = api_client();
    let token = {
        let config = common::config_for_rig(&data.0);
        let state = letterbox::build_state(config).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let handle = tokio::spawn(async move {
            axum::serve(listener, letterbox::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>()).await
        });
        let response = client
            .post(format!("http://{addr}/api/v1/session"))
            .json(&json!({"username": user, "password": password}))
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        handle.abort();
        body["accessToken"].as_str().unwrap().to_string()
    };
    // A new process state over the same data dir: same key file, same database.
    let state = letterbox::build_state(common::config_for_rig(&data.0)).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, letterbox::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>()).await
    });
    let response = client.get(format!("http://{addr}/api/v1/mailboxes")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn idle_pooled_connections_are_closed_after_the_timeout() {
    let server = Server::start_tweaked(|c| c.pool_idle_timeout = std::time::Duration::from_secs(1)).await;
    let (user, password) = rig().new_user("idle").await;
    let client = api_client();
    let token = server.login(&client, &user, &password).await;
    let pool = &server.state.letterbox.pool;
    assert_eq!(pool.idle_count(), 1, "the login's connection is kept for the next request");
    assert!(rig().doveadm(&["who", &user]).contains(&user), "Dovecot sees the pooled connection");

    let wait = std::time::Duration::from_secs(10);
    // Reaped by this call or by the server's own reaper task, whichever comes first.
    wait_until("the connection idle past the timeout is reaped", wait, || async {
        pool.reap_idle().await;
        pool.idle_count() == 0
    })
    .await;
    // Dovecot drops the connection a moment after LOGOUT.
    wait_until("the idle connection is logged out at the server", wait, || async { !rig().doveadm(&["who", &user]).contains(&user) }).await;
    // The next request simply opens a new one.
    assert_eq!(client.get(server.url("/api/v1/mailboxes")).bearer_auth(&token).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn pool_never_exceeds_its_per_user_maximum() {
    let server = Server::start_tweaked(|c| c.pool_max_per_user = 2).await;
    let (user, password) = rig().new_user("max").await;
    let client = api_client();
    let token = server.login(&client, &user, &password).await;
    let requests = (0..8).map(|_| client.get(server.url("/api/v1/mailboxes")).bearer_auth(&token).send());
    for response in futures::future::join_all(requests).await {
        assert_eq!(response.unwrap().status(), 200);
    }
    assert!(server.state.letterbox.pool.idle_count() <= 2);
    let connections = rig().doveadm(&["who", "-1", &user]).lines().filter(|l| l.contains(&user)).count();
    assert!(connections <= 2, "{connections} IMAP connections for one user");
}

#[tokio::test]
async fn an_exhausted_pool_answers_503_with_retry_after_instead_of_hanging() {
    let server = Server::start_tweaked(|c| {
        c.pool_max_per_user = 1;
        c.pool_wait = std::time::Duration::from_millis(1);
    })
    .await;
    let (user, password) = rig().new_user("busy").await;
    rig().fill(&user, 1500, "INBOX");
    let client = api_client();
    let token = server.login(&client, &user, &password).await;
    // A full-text search keeps the one connection busy for a while; the rest cannot wait.
    let url = server.url("/api/v1/mailboxes/INBOX/messages?q=zzyzx-not-there");
    let requests = (0..10).map(|_| client.get(&url).bearer_auth(&token).send());
    let responses = futures::future::join_all(requests).await;
    let mut statuses = Vec::new();
    for response in responses {
        let response = response.unwrap();
        let status = response.status().as_u16();
        if status == 503 {
            let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
            assert!(retry_after >= 1);
            let problem: serde_json::Value = response.json().await.unwrap();
            assert_eq!(problem["type"], "urn:letterbox:problem:busy", "{problem}");
        }
        statuses.push(status);
    }
    assert!(statuses.contains(&200), "the first request is served: {statuses:?}");
    assert!(statuses.contains(&503), "the others are told to come back: {statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 503), "{statuses:?}");
}

#[tokio::test]
async fn a_client_request_id_is_kept_only_when_short_and_plain() {
    let server = Server::start().await;
    let client = api_client();
    let echoed = |id: Option<&'static str>| {
        let mut request = client.get(server.url("/api/v1/session"));
        if let Some(id) = id {
            request = request.header("x-request-id", id);
        }
        async move {
            let response = request.send().await.unwrap();
            response.headers().get("x-request-id").expect("every answer has a request id").to_str().unwrap().to_string()
        }
    };
    let plain = "proxy-7f3a.b_9";
    assert_eq!(echoed(Some(plain)).await, plain);
    let longest: &'static str = "a".repeat(64).leak();
    assert_eq!(echoed(Some(longest)).await, longest);
    let too_long: &'static str = "a".repeat(65).leak();
    for bad in [too_long, "<script>alert(1)</script>", "two words", "id\"q", "a/b?c=d"] {
        let got = echoed(Some(bad)).await;
        assert_ne!(got, bad);
        assert!(got.len() <= 64 && got.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)), "replaced by our own: {got}");
    }
    assert!(!echoed(None).await.is_empty());
}
