//! Per-user state is keyed by the login as the IMAP server accepted it: on a Dovecot whose logins
//! are case-sensitive, `Case-…` and `case-…` are two accounts, and they never share API tokens,
//! webhooks, offline credentials, event feeds or rate limits.

mod common;

use std::sync::OnceLock;
use std::time::Duration;

use common::live::{RawImap, SseReader};
use common::{Rig, Server, api_client, get_json, start_rig};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(15);

/// A rig whose passdb and userdb take logins exactly as typed (`%u`, not `%Lu`).
fn case_sensitive_rig() -> &'static Rig {
    static RIG: OnceLock<Rig> = OnceLock::new();
    RIG.get_or_init(|| start_rig("casesensitive", &[("RIG_USERNAME_FORMAT", "%u")]))
}

/// Adds two users whose logins differ only by case (each with its own password and Maildir) and
/// waits until Dovecot knows both; returns ((upper, password), (lower, password)).
async fn twins(rig: &Rig, label: &str) -> ((String, String), (String, String)) {
    let users_file = rig.dir.join("users");
    let text = std::fs::read_to_string(&users_file).expect("users file");
    let fields: Vec<&str> = text.lines().next().expect("a user line").split(':').collect();
    let unique = format!("{label}{}", letterbox::auth::random_id().to_lowercase().replace(['-', '_'], ""));
    let mut users = Vec::new();
    let mut lines = String::new();
    for (name, home) in [
        (format!("Case-{unique}@example.test"), format!("upper-{unique}")),
        (format!("case-{unique}@example.test"), format!("lower-{unique}")),
    ] {
        let password = format!("pw-{home}");
        let home = rig.dir.join("mail/example.test").join(&home);
        lines.push_str(&format!("{name}:{{PLAIN}}{password}:{}:{}::{}\n", fields[2], fields[3], home.display()));
        users.push((name, password));
    }
    use std::io::Write;
    std::fs::OpenOptions::new().append(true).open(&users_file).unwrap().write_all(lines.as_bytes()).unwrap();
    // Dovecot re-reads the passwd-file when it changes: wait until a lookup finds both users.
    let deadline = tokio::time::Instant::now() + WAIT;
    for (name, _) in &users {
        loop {
            let found = std::process::Command::new("doveadm")
                .arg("-c")
                .arg(rig.get("RIG_DOVECOT_CONF"))
                .args(["user", name])
                .output()
                .is_ok_and(|out| out.status.success());
            if found {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "Dovecot never saw {name}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let lower = users.pop().unwrap();
    (users.pop().unwrap(), lower)
}

async fn server(rig: &Rig, per_minute: u32) -> Server {
    Server::start_on(rig, |config| {
        config.offline_access = true;
        config.webhook_allowed_hosts = vec!["127.0.0.1".into()];
        config.rate_limit_per_minute = per_minute;
    })
    .await
}

async fn post(client: &reqwest::Client, url: String, token: &str, body: Value) -> (u16, Value) {
    let response = client.post(url).bearer_auth(token).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn logins_differing_only_by_case_share_no_tokens_webhooks_or_offline_credentials() {
    let rig = case_sensitive_rig();
    let ((upper, upper_pw), (lower, lower_pw)) = twins(rig, "state").await;
    let server = server(rig, 600).await;
    let client = api_client();
    let upper_session = server.login(&client, &upper, &upper_pw).await;
    let lower_session = server.login(&client, &lower, &lower_pw).await;

    let (status, token) =
        post(&client, server.url("/api/v1/tokens"), &upper_session, json!({"name": "upper's", "scopes": ["mail.read"]})).await;
    assert_eq!(status, 201, "{token}");
    let (status, hook) =
        post(&client, server.url("/api/v1/webhooks"), &upper_session, json!({"url": "http://127.0.0.1:9/hook", "events": ["message.new"]}))
            .await;
    assert_eq!(status, 201, "{hook}");

    let (_, tokens) = get_json(&client, server.url("/api/v1/tokens"), &lower_session).await;
    assert_eq!(tokens["items"], json!([]), "the other login sees no token: {tokens}");
    let response = client
        .delete(server.url(&format!("/api/v1/tokens/{}", token["id"].as_str().unwrap())))
        .bearer_auth(&lower_session)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404, "nor revokes it");
    let (_, hooks) = get_json(&client, server.url("/api/v1/webhooks"), &lower_session).await;
    assert_eq!(hooks["items"], json!([]), "the other login sees no webhook: {hooks}");
    let (status, _) = get_json(&client, server.url(&format!("/api/v1/webhooks/{}", hook["id"].as_str().unwrap())), &lower_session).await;
    assert_eq!(status, 404);

    let store = &server.state.letterbox.store;
    let (login, _) = store.find_offline_credentials(&upper).await.unwrap().expect("upper's offline password");
    assert_eq!(login, upper);
    let (login, _) = store.find_offline_credentials(&lower).await.unwrap().expect("lower's offline password, kept apart");
    assert_eq!(login, lower);

    let letterbox = &server.state.letterbox;
    let upper_user = letterbox.authenticate_bearer(&upper_session).await.unwrap();
    let lower_user = letterbox.authenticate_bearer(&lower_session).await.unwrap();
    let mut settings = letterbox.user_settings(&upper_user).await.unwrap();
    settings.language = Some("de".into());
    letterbox.save_user_settings(&upper_user, &settings).await.unwrap();
    assert_eq!(letterbox.user_settings(&upper_user).await.unwrap().language.as_deref(), Some("de"));
    assert_eq!(letterbox.user_settings(&lower_user).await.unwrap().language, None, "settings are not shared");

    // The token's owner still sees both.
    let (_, tokens) = get_json(&client, server.url("/api/v1/tokens"), &upper_session).await;
    assert_eq!(tokens["items"].as_array().map(Vec::len), Some(1), "{tokens}");
    let (_, hooks) = get_json(&client, server.url("/api/v1/webhooks"), &upper_session).await;
    assert_eq!(hooks["items"].as_array().map(Vec::len), Some(1), "{hooks}");
}

#[tokio::test]
async fn logins_differing_only_by_case_have_their_own_event_feeds_and_rate_limits() {
    let rig = case_sensitive_rig();
    let ((upper, upper_pw), (lower, lower_pw)) = twins(rig, "feed").await;
    let server = server(rig, 6).await;
    let client = api_client();
    let upper_session = server.login(&client, &upper, &upper_pw).await;
    let lower_session = server.login(&client, &lower, &lower_pw).await;

    let response = client.get(server.url("/api/v1/events")).bearer_auth(&upper_session).send().await.unwrap();
    let mut upper_events = SseReader::new(response);
    upper_events.expect("ready", WAIT).await;
    let response = client.get(server.url("/api/v1/events")).bearer_auth(&lower_session).send().await.unwrap();
    let mut lower_events = SseReader::new(response);
    lower_events.expect("ready", WAIT).await;
    let mut imap = RawImap::login(rig.imap_port(), &upper, &upper_pw).await;
    imap.append("INBOX", b"From: a@example.org\r\nSubject: for upper\r\n\r\nHi\r\n").await;
    upper_events.expect("message.new", WAIT).await;
    while let Some(event) = lower_events.next(Duration::from_millis(1500)).await {
        assert_ne!(event.kind, "message.new", "the other login's feed never carries upper's mail: {event:?}");
    }

    // Upper uses up its requests of this minute; lower still has its own.
    let mut used = 0;
    loop {
        let (status, _) = get_json(&client, server.url("/api/v1/mailboxes"), &upper_session).await;
        if status == 429 {
            break;
        }
        assert_eq!(status, 200);
        used += 1;
        assert!(used <= 6, "the limit of 6 per minute never applied");
    }
    let response = client.get(server.url("/api/v1/mailboxes")).bearer_auth(&lower_session).send().await.unwrap();
    assert_eq!(response.status(), 200, "lower's window is its own");
}

#[tokio::test]
async fn rows_keyed_by_the_old_lower_case_login_are_rekeyed_by_the_stored_login() {
    let data = common::TempDir::new("lbmigrate");
    let url = format!("sqlite://{}?mode=rwc", data.0.join("letterbox.db").display());
    // A database as the previous version left it (migrations up to 0007), with lower-case keys.
    {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let migrator =
            sqlx::migrate::Migrator::new(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))).await.unwrap();
        migrator.run_to(7, &pool).await.unwrap();
        sqlx::query("INSERT INTO offline_credentials (username, login, sealed_password, updated_at) VALUES ('mixed@example.test', 'Mixed@Example.test', x'00', 1)")
            .execute(&pool)
            .await
            .unwrap();
        for (id, username) in [("kept", "mixed@example.test"), ("orphan", "gone@example.test")] {
            sqlx::query("INSERT INTO webhooks (id, username, url, events, sealed_secret, created_at) VALUES (?, ?, 'https://example.com/', '[\"mailbox\"]', x'00', 1)")
                .bind(id)
                .bind(username)
                .execute(&pool)
                .await
                .unwrap();
        }
        sqlx::query("INSERT INTO user_settings (username, language, updated_at) VALUES ('mixed@example.test', 'de', 1)")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO sessions (id, username, sealed_password, created_at, expires_at) VALUES ('s', 'Mixed@Example.test', x'00', 1, 2)",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    }
    let store = letterbox::store::Store::open(&url).await.expect("migrates");
    let (login, _) = store.find_offline_credentials("Mixed@Example.test").await.unwrap().expect("re-keyed by the login as accepted");
    assert_eq!(login, "Mixed@Example.test");
    assert!(store.find_offline_credentials("mixed@example.test").await.unwrap().is_none(), "the lower-case key is gone");
    let ids = |records: Vec<letterbox::store::WebhookRecord>| records.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(ids(store.list_webhooks("Mixed@Example.test").await.unwrap()), ["kept"], "its webhooks follow");
    assert_eq!(ids(store.list_webhooks("gone@example.test").await.unwrap()), ["orphan"], "no stored login: stays with the lower case");
    let settings = store.find_settings("Mixed@Example.test").await.unwrap().expect("settings re-keyed by the session's login");
    assert_eq!(settings.language.as_deref(), Some("de"));
}
