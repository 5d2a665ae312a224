//! When the SMTP server fails, nothing the user wrote is lost: the API answers 502 with the
//! server's own reply (or the connection error), and the message waits in Drafts with its
//! attachments. Runs on its own rig because it stops that rig's Postfix.

mod common;

use base64::Engine;
use common::{Rig, Server, api_client, get_json, start_rig};
use serde_json::{Value, json};
use std::sync::OnceLock;

fn own_rig() -> &'static Rig {
    static RIG: OnceLock<Rig> = OnceLock::new();
    RIG.get_or_init(|| start_rig("smtpfail", &[]))
}

async fn server(tweak: impl FnOnce(&mut letterbox::config::Config)) -> Server {
    Server::start_on(own_rig(), tweak).await
}

async fn login(server: &Server, client: &reqwest::Client, label: &str) -> (String, String) {
    let (user, password) = own_rig().new_user(label).await;
    (user.clone(), server.login(client, &user, &password).await)
}

#[tokio::test]
async fn smtp_failures_keep_the_message_in_drafts() {
    let client = api_client();

    // Wrong SMTP login (a username pattern the server does not know): 535 from Postfix.
    let server_535 = server(|config| config.smtp_username = Some("%l".into())).await;
    let (user, token) = login(&server_535, &client, "authfail").await;
    let body = json!({"to": ["someone@example.org"], "subject": "Will fail", "text": "x"});
    let response = client.post(server_535.url("/api/v1/send")).bearer_auth(&token).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 502);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["smtpCode"], 535, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("535"), "the server's own reply: {problem}");
    assert!(problem["draftId"].is_string(), "{problem}");
    assert_eq!(own_rig().mailbox_counts(&user, "Drafts").0, 1);

    // The SMTP server is down: connection refused, the message and its attachment kept.
    let server = server(|_| {}).await;
    let (user, token) = login(&server, &client, "smtpdown").await;
    own_rig().postfix("stop");
    let attachment = base64::engine::general_purpose::STANDARD.encode(b"precious bytes \x00\xff");
    let body = json!({"to": ["someone@example.org"], "bcc": ["hidden@example.org"], "subject": "Do not lose me", "text": "Important.",
                      "attachments": [{"filename": "keep.bin", "content": attachment}]});
    let response = client.post(server.url("/api/v1/send")).bearer_auth(&token).json(&body).send().await.unwrap();
    let status = response.status();
    let problem: Value = response.json().await.unwrap();
    own_rig().postfix("start");
    assert_eq!(status, 502, "{problem}");
    assert_eq!(problem["type"], "urn:letterbox:problem:smtp-failed");
    assert!(problem["detail"].as_str().unwrap().contains("refused"), "names the cause: {problem}");
    assert!(problem["smtpCode"].is_null());
    let draft_id = problem["draftId"].as_str().expect("where the message was kept");
    assert_eq!(own_rig().mailbox_counts(&user, "Drafts").0, 1);
    let (status, draft) = get_json(&client, server.url(&format!("/api/v1/drafts/{draft_id}")), &token).await;
    assert_eq!(status, 200, "{draft}");
    assert_eq!(draft["subject"], "Do not lose me");
    assert_eq!(draft["text"], "Important.");
    assert_eq!(draft["bcc"][0]["email"], "hidden@example.org");
    assert_eq!(draft["attachments"][0]["content"], attachment, "the attachment is kept");
    assert_eq!(own_rig().mailbox_counts(&user, "Sent").0, 0, "nothing in Sent");

    // Back up: the kept draft can be sent, and leaves Drafts.
    let response = client.post(server.url(&format!("/api/v1/drafts/{draft_id}/send"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    assert_eq!(own_rig().mailbox_counts(&user, "Drafts").0, 0);
    assert_eq!(own_rig().mailbox_counts(&user, "Sent").0, 1);
}
