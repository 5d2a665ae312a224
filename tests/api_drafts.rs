//! Drafts (create → read → replace → send, delete) and identities (default from the login,
//! add, change, send as, refuse an address that is not the user's) against the real rig.

mod common;

use base64::Engine;
use common::{Server, api_client, fresh_user, get_json, rig};
use serde_json::{Value, json};

async fn call(client: &reqwest::Client, method: reqwest::Method, url: String, token: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = client.request(method, url).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn draft_create_update_send_leaves_one_in_sent_and_none_in_drafts() {
    let server = Server::start().await;
    let client = api_client();
    let (user, token) = fresh_user(&server, &client, "drafter").await;
    let (bob, _) = fresh_user(&server, &client, "draftrc").await;
    let attachment = base64::engine::general_purpose::STANDARD.encode(b"draft attachment \x00\x01");
    let (status, created) = call(
        &client,
        reqwest::Method::POST,
        server.url("/api/v1/drafts"),
        &token,
        Some(json!({"bcc": [bob], "subject": "Work in progress", "text": "First version",
                    "attachments": [{"filename": "notes.bin", "content": attachment}]})),
    )
    .await;
    assert_eq!(status, 201, "a draft needs no To yet: {created}");
    let first_id = created["id"].as_str().unwrap().to_string();
    assert_eq!(rig().mailbox_counts(&user, "Drafts").0, 1);
    let flags = rig().flags_of(&user, "Drafts", "all");
    assert!(flags.contains("\\Draft"), "{flags}");

    let (status, draft) = get_json(&client, server.url(&format!("/api/v1/drafts/{first_id}")), &token).await;
    assert_eq!(status, 200, "{draft}");
    assert_eq!(draft["bcc"][0]["email"], bob.as_str(), "a draft keeps its Bcc");
    assert_eq!(draft["subject"], "Work in progress");
    assert_eq!(draft["attachments"][0]["filename"], "notes.bin");
    assert_eq!(draft["attachments"][0]["content"], attachment);

    let (status, replaced) = call(
        &client,
        reqwest::Method::PUT,
        server.url(&format!("/api/v1/drafts/{first_id}")),
        &token,
        Some(json!({"to": [bob], "subject": "Final", "text": "Second version", "attachments": [{"filename": "notes.bin", "content": attachment}]})),
    )
    .await;
    assert_eq!(status, 200, "{replaced}");
    let second_id = replaced["id"].as_str().unwrap().to_string();
    assert_ne!(second_id, first_id, "a replaced draft has a new id");
    assert_eq!(rig().mailbox_counts(&user, "Drafts").0, 1, "the old version is gone");
    let (status, _) = get_json(&client, server.url(&format!("/api/v1/drafts/{first_id}")), &token).await;
    assert_eq!(status, 404);

    let (status, sent) = call(&client, reqwest::Method::POST, server.url(&format!("/api/v1/drafts/{second_id}/send")), &token, None).await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(rig().mailbox_counts(&user, "Drafts").0, 0, "none left in Drafts");
    assert_eq!(rig().mailbox_counts(&user, "Sent").0, 1, "exactly one in Sent");
    assert_eq!(rig().wait_for_messages(&bob, "INBOX", 1, 10).await, 1);
    let (_, inbox) = get_json(&client, server.url("/api/v1/mailboxes/sent/messages"), &token).await;
    assert_eq!(inbox["items"][0]["subject"], "Final");
    assert_eq!(inbox["items"][0]["hasAttachments"], true);

    let (status, created) =
        call(&client, reqwest::Method::POST, server.url("/api/v1/drafts"), &token, Some(json!({"subject": "Throwaway"}))).await;
    assert_eq!(status, 201);
    let id = created["id"].as_str().unwrap();
    let (status, _) = call(&client, reqwest::Method::DELETE, server.url(&format!("/api/v1/drafts/{id}")), &token, None).await;
    assert_eq!(status, 204);
    assert_eq!(rig().mailbox_counts(&user, "Drafts").0, 0);
    let (_, inbox) = get_json(&client, server.url("/api/v1/mailboxes/INBOX/messages"), &token).await;
    assert_eq!(inbox["total"], 0);
    if let Some(inbox_id) = inbox["items"].get(0).and_then(|m| m["id"].as_str()) {
        let (status, _) = get_json(&client, server.url(&format!("/api/v1/drafts/{inbox_id}")), &token).await;
        assert_eq!(status, 404, "only Drafts holds drafts");
    }
}

#[tokio::test]
async fn identities_default_add_change_and_send_as() {
    let server = Server::start().await;
    let client = api_client();
    let (user, token) = fresh_user(&server, &client, "ident").await;
    let (bob, bob_token) = fresh_user(&server, &client, "identrc").await;
    let (status, list) = get_json(&client, server.url("/api/v1/identities"), &token).await;
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["items"][0]["email"], user.to_lowercase().as_str());
    assert_eq!(list["items"][0]["isDefault"], true);
    let default_id = list["items"][0]["id"].as_str().unwrap().to_string();

    let url = server.url("/api/v1/identities");
    let (status, problem) = call(&client, reqwest::Method::DELETE, format!("{url}/{default_id}"), &token, None).await;
    assert_eq!(status, 409, "the only identity stays: {problem}");
    let (status, problem) = call(&client, reqwest::Method::POST, url.clone(), &token, Some(json!({"email": "x\r\n@example.org"}))).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("email")), "{problem}");
    let (status, problem) = call(&client, reqwest::Method::POST, url.clone(), &token, Some(json!({"email": user, "name": "Dup"}))).await;
    assert_eq!(status, 409, "{problem}");

    let (status, named) = call(
        &client,
        reqwest::Method::PATCH,
        format!("{url}/{default_id}"),
        &token,
        Some(json!({"name": "Ada Lövelace", "signature": "Ada\nEngine team", "replyTo": "team@example.org"})),
    )
    .await;
    assert_eq!(status, 200, "{named}");
    assert_eq!(named["name"], "Ada Lövelace");
    let (status, sent) = call(
        &client,
        reqwest::Method::POST,
        server.url("/api/v1/send"),
        &token,
        Some(json!({"to": [bob], "subject": "From Ada", "text": "hi"})),
    )
    .await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(rig().wait_for_messages(&bob, "INBOX", 1, 10).await, 1);
    let (_, inbox) = get_json(&client, server.url("/api/v1/mailboxes/INBOX/messages"), &bob_token).await;
    assert_eq!(inbox["items"][0]["from"]["name"], "Ada Lövelace", "{inbox}");
    let id = inbox["items"][0]["id"].as_str().unwrap();
    let (_, detail) = get_json(&client, server.url(&format!("/api/v1/messages/{id}")), &bob_token).await;
    assert_eq!(detail["replyTo"][0]["email"], "team@example.org", "{detail}");

    let (status, second) =
        call(&client, reqwest::Method::POST, url.clone(), &token, Some(json!({"email": "ALIAS@example.test", "isDefault": true}))).await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(second["email"], "alias@example.test");
    let (_, list) = get_json(&client, url.clone(), &token).await;
    assert_eq!(list["items"][0]["email"], "alias@example.test", "the new default comes first");
    assert_eq!(list["items"].as_array().unwrap().iter().filter(|i| i["isDefault"] == true).count(), 1);
    let (status, _) = call(&client, reqwest::Method::DELETE, format!("{url}/{default_id}"), &token, None).await;
    assert_eq!(status, 204);
    let (status, _) = call(&client, reqwest::Method::DELETE, format!("{url}/nope"), &token, None).await;
    assert_eq!(status, 404);
}
