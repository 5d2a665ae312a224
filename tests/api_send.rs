//! Sending through the rig's real Postfix: attachments byte for byte, non-ASCII headers, Bcc
//! only in the envelope, the copy in Sent, replies and forwards, idempotency, Markdown, and
//! refusal of bad input (header injection above all) before anything is sent.

mod common;

use base64::Engine;
use common::wait::wait_until;
use common::{Server, api_client, fresh_user, get_json, rig};
use serde_json::{Value, json};

const WAIT: std::time::Duration = std::time::Duration::from_secs(10);
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

async fn post(client: &reqwest::Client, server: &Server, path: &str, token: &str, body: &Value) -> (u16, Value) {
    let response = client.post(server.url(path)).bearer_auth(token).json(body).send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The messages of a user's mailbox (by role or id), newest first.
async fn list(client: &reqwest::Client, server: &Server, token: &str, mailbox: &str) -> Vec<Value> {
    let (status, body) = get_json(client, server.url(&format!("/api/v1/mailboxes/{mailbox}/messages")), token).await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().expect("items").clone()
}

async fn raw(client: &reqwest::Client, server: &Server, token: &str, id: &str) -> Vec<u8> {
    let response = client.get(server.url(&format!("/api/v1/messages/{id}/raw"))).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.bytes().await.unwrap().to_vec()
}

/// The header section of a raw message, lower-cased, for "no such header" checks.
fn header_section(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let end = text.find("\r\n\r\n").or_else(|| text.find("\n\n")).unwrap_or(text.len());
    text[..end].to_lowercase()
}

#[tokio::test]
async fn attachments_non_ascii_and_bcc_arrive_intact_with_a_copy_in_sent() {
    let server = Server::start().await;
    let client = api_client();
    let (alice, alice_token) = fresh_user(&server, &client, "sender").await;
    let (bob, bob_token) = fresh_user(&server, &client, "rcpt").await;
    let (carol, carol_token) = fresh_user(&server, &client, "hidden").await;
    let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let text_file = "Grüße aus Köln — ünïcödé 📎\n".repeat(20);
    let subject = "Grüße aus Köln ✉ — Übersicht";
    let body = json!({
        "to": [{"name": "Bob Bäcker", "email": bob}],
        "bcc": [carol],
        "subject": subject,
        "text": "Hallo Bob,\nanbei zwei Dateien.\n",
        "attachments": [
            {"filename": "data.bin", "contentType": "application/octet-stream", "content": B64.encode(&binary)},
            {"filename": "Grüße 📎.txt", "contentType": "text/plain; charset=utf-8", "content": B64.encode(text_file.as_bytes())},
        ],
    });
    let (status, sent) = post(&client, &server, "/api/v1/send", &alice_token, &body).await;
    assert_eq!(status, 201, "{sent}");
    let message_id = sent["messageId"].as_str().expect("messageId");
    assert!(message_id.ends_with("@example.test"), "Message-ID uses the sender's domain: {message_id}");
    let sent_id = sent["sentId"].as_str().expect("sentId of the copy in Sent");

    assert_eq!(rig().wait_for_messages(&bob, "INBOX", 1, 10).await, 1, "delivered to bob");
    assert_eq!(rig().wait_for_messages(&carol, "INBOX", 1, 10).await, 1, "delivered to the Bcc recipient");
    let inbox = list(&client, &server, &bob_token, "INBOX").await;
    let item = &inbox[0];
    assert_eq!(item["subject"], subject);
    assert_eq!(item["from"]["email"], alice.as_str());
    assert_eq!(item["hasAttachments"], true);
    let id = item["id"].as_str().unwrap();
    let (_, detail) = get_json(&client, server.url(&format!("/api/v1/messages/{id}")), &bob_token).await;
    let attachments = detail["attachments"].as_array().expect("attachments");
    let names: Vec<&str> = attachments.iter().map(|a| a["filename"].as_str().unwrap_or("")).collect();
    assert_eq!(names, ["data.bin", "Grüße 📎.txt"]);
    for (attachment, expected) in attachments.iter().zip([binary.clone(), text_file.as_bytes().to_vec()]) {
        let part = attachment["partId"].as_str().unwrap();
        let bytes =
            client.get(server.url(&format!("/api/v1/messages/{id}/attachments/{part}"))).bearer_auth(&bob_token).send().await.unwrap();
        assert_eq!(bytes.bytes().await.unwrap().to_vec(), expected, "attachment {part} byte for byte");
    }
    assert_eq!(detail["to"][0]["name"], "Bob Bäcker");

    let delivered = raw(&client, &server, &bob_token, id).await;
    let headers = header_section(&delivered);
    assert!(!headers.contains("\nbcc:") && !headers.starts_with("bcc:"), "no Bcc header: {headers}");
    assert!(!headers.contains(&carol.to_lowercase()), "the Bcc address appears nowhere in the headers");
    assert!(headers.contains(&format!("message-id: <{}>", message_id.to_lowercase())));
    let header_bytes = &delivered[..delivered.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(delivered.len())];
    assert!(header_bytes.is_ascii(), "non-ASCII subject and names are RFC 2047 encoded");
    let carol_inbox = list(&client, &server, &carol_token, "INBOX").await;
    assert_eq!(carol_inbox[0]["subject"], subject);

    let sent_copies = list(&client, &server, &alice_token, "sent").await;
    assert_eq!(sent_copies.len(), 1);
    assert_eq!(sent_copies[0]["id"], sent_id);
    assert_eq!(sent_copies[0]["seen"], true, "the Sent copy is \\Seen");
    let copy = raw(&client, &server, &alice_token, sent_id).await;
    assert!(header_section(&copy).contains(&format!("message-id: <{}>", message_id.to_lowercase())));
    assert!(!header_section(&copy).contains("\nbcc:"), "Sent holds the exact bytes that were sent");

    let (status, contacts) = get_json(&client, server.url("/api/v1/contacts?q=rcpt"), &alice_token).await;
    assert_eq!(status, 200);
    assert_eq!(contacts["items"][0]["email"], bob.to_lowercase().as_str(), "recipients are remembered: {contacts}");
    assert_eq!(contacts["items"][0]["name"], "Bob Bäcker");
}

#[tokio::test]
async fn multipart_form_data_with_file_parts() {
    let server = Server::start().await;
    let client = api_client();
    let (_, token) = fresh_user(&server, &client, "multi").await;
    let (bob, bob_token) = fresh_user(&server, &client, "multirc").await;
    let pdf = b"%PDF-1.4 not really\x00\x01\x02\xff".to_vec();
    let form = reqwest::multipart::Form::new()
        .text("to", format!("Bob <{bob}>"))
        .text("subject", "Report attached")
        .text("text", "See the file.")
        .part("attachments", reqwest::multipart::Part::bytes(pdf.clone()).file_name("report.pdf").mime_str("application/pdf").unwrap());
    let response = client.post(server.url("/api/v1/send")).bearer_auth(&token).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    assert_eq!(rig().wait_for_messages(&bob, "INBOX", 1, 10).await, 1);
    let id = list(&client, &server, &bob_token, "INBOX").await[0]["id"].as_str().unwrap().to_string();
    let (_, detail) = get_json(&client, server.url(&format!("/api/v1/messages/{id}")), &bob_token).await;
    assert_eq!(detail["attachments"][0]["filename"], "report.pdf");
    assert_eq!(detail["attachments"][0]["contentType"], "application/pdf");
    let part = detail["attachments"][0]["partId"].as_str().unwrap();
    let bytes = client.get(server.url(&format!("/api/v1/messages/{id}/attachments/{part}"))).bearer_auth(&bob_token).send().await.unwrap();
    assert_eq!(bytes.bytes().await.unwrap().to_vec(), pdf);
}

#[tokio::test]
async fn the_same_idempotency_key_sends_once() {
    let server = Server::start().await;
    let client = api_client();
    let (_, token) = fresh_user(&server, &client, "idem").await;
    let (bob, _) = fresh_user(&server, &client, "idemrc").await;
    let body = json!({"to": [bob], "subject": "Only once", "text": "Retry me."});
    let send = |key: &'static str, body: Value| {
        let (client, token, url) = (client.clone(), token.clone(), server.url("/api/v1/send"));
        async move {
            let response = client.post(url).bearer_auth(token).header("Idempotency-Key", key).json(&body).send().await.unwrap();
            (response.status().as_u16(), response.json::<Value>().await.unwrap())
        }
    };
    let (first_status, first) = send("key-1", body.clone()).await;
    assert_eq!(first_status, 201, "{first}");
    let (second_status, second) = send("key-1", body.clone()).await;
    assert_eq!((second_status, &second), (201, &first), "a retry returns the first result");
    let (status, problem) = send("key-1", json!({"to": [bob], "subject": "Something else", "text": "x"})).await;
    assert_eq!(status, 422, "the same key for a different request: {problem}");
    assert_eq!(problem["field"], "Idempotency-Key");

    assert_eq!(rig().wait_for_messages(&bob, "INBOX", 1, 10).await, 1);
    wait_until("Postfix holds nothing more for the recipient", WAIT, || async { rig().queued_for(&bob) == 0 }).await;
    assert_eq!(rig().mailbox_counts(&bob, "INBOX").0, 1, "exactly one message delivered");
    let (_, sent) = get_json(&client, server.url("/api/v1/mailboxes/sent/messages"), &token).await;
    assert_eq!(sent["total"], 1, "one copy in Sent");
}

#[tokio::test]
async fn header_injection_and_bad_input_are_refused_before_sending() {
    let server = Server::start_tweaked(|config| config.max_attachment_bytes = 1 << 20).await;
    let client = api_client();
    let (_, token) = fresh_user(&server, &client, "inject").await;
    let (bob, _) = fresh_user(&server, &client, "injectrc").await;
    let big = B64.encode(vec![7u8; (1 << 20) + 10]);
    let cases: Vec<(Value, u16, &str)> = vec![
        (json!({"to": [bob], "subject": "Hi\r\nBcc: victim@example.org", "text": "x"}), 422, "subject"),
        (json!({"to": [bob], "subject": "Hi\nX-Evil: 1", "text": "x"}), 422, "subject"),
        (json!({"to": [{"name": "Bob\r\nBcc: victim@example.org", "email": bob}], "subject": "Hi", "text": "x"}), 422, "to[0]"),
        (json!({"to": [{"email": format!("{bob}\r\nBcc: victim@example.org")}], "subject": "Hi", "text": "x"}), 422, "to[0]"),
        (
            json!({"to": [bob], "subject": "Hi", "text": "x", "attachments": [{"filename": "a\r\n.txt", "content": "aGk="}]}),
            422,
            "attachments[0]",
        ),
        (json!({"subject": "Nobody", "text": "x"}), 422, "to"),
        (json!({"to": ["not-an-address"], "subject": "Hi", "text": "x"}), 422, "to[0]"),
        (json!({"to": [bob], "cc": [bob, "a@@b"], "subject": "Hi", "text": "x"}), 422, "cc[1]"),
        (
            json!({"to": [bob], "subject": "Hi", "text": "x", "attachments": [{"filename": "a.bin", "content": "%%%"}]}),
            400,
            "attachments[0].content",
        ),
        (json!({"to": [bob], "subject": "Hi", "text": "x", "attachments": [{"filename": "big.bin", "content": big}]}), 413, "attachments"),
        (json!({"to": [bob], "subject": "Hi", "text": "x", "reference": {"id": "bm9wZQ", "action": "reply"}}), 422, "reference.id"),
        (json!({"to": [bob], "subject": "Hi", "text": "x", "reference": {"id": "x", "action": "shout"}}), 400, "reference.action"),
        (json!({"from": "someone-else@example.org", "to": [bob], "subject": "Hi", "text": "x"}), 422, "from"),
        (json!({"to": [bob], "subject": "Hi", "text": "x", "unknownField": 1}), 400, "body"),
    ];
    for (body, status, field) in cases {
        let (got, problem) = post(&client, &server, "/api/v1/send", &token, &body).await;
        assert_eq!(got, status, "{body}: {problem}");
        let field_got = problem["field"].as_str().unwrap_or("");
        assert!(field_got.starts_with(field), "{body}: field {field_got:?}, want {field:?} ({problem})");
        assert_eq!(problem["status"], status);
    }
    wait_until("Postfix holds nothing for the recipient", WAIT, || async { rig().queued_for(&bob) == 0 }).await;
    assert_eq!(rig().mailbox_counts(&bob, "INBOX").0, 0, "nothing was sent");
    let (_, sent) = get_json(&client, server.url("/api/v1/mailboxes/sent/messages"), &token).await;
    assert_eq!(sent["total"], 0, "nothing in Sent");
}

#[tokio::test]
async fn markdown_becomes_a_sanitized_html_alternative() {
    let server = Server::start().await;
    let client = api_client();
    let (_, token) = fresh_user(&server, &client, "md").await;
    let (bob, _) = fresh_user(&server, &client, "mdrc").await;
    let text = "# Plan\n\n**Bold** and _soft_.\n\n- one\n- two\n\n<script>alert(1)</script>\n\n[x](javascript:alert(2))\n";
    let (status, sent) =
        post(&client, &server, "/api/v1/send", &token, &json!({"to": [bob], "subject": "MD", "text": text, "markdown": true})).await;
    assert_eq!(status, 201, "{sent}");
    let copy = raw(&client, &server, &token, sent["sentId"].as_str().unwrap()).await;
    let parsed = mail_parser::MessageParser::default().parse(&copy).expect("parses");
    let html = parsed.body_html(0).expect("an HTML alternative").to_string();
    assert!(html.contains("<strong>Bold</strong>") && html.contains("<li>one</li>"), "{html}");
    assert!(!html.to_lowercase().contains("<script") && !html.contains("javascript:"), "{html}");
    assert_eq!(parsed.body_text(0).expect("plain text").replace("\r\n", "\n").trim_end(), text.trim_end(), "the source is the plain text");
}

#[tokio::test]
async fn a_send_files_the_copy_in_sent_from_the_listed_folders_without_listing_again() {
    let server = Server::start().await;
    let client = api_client();
    let (alice, password) = rig().new_user("nolist").await;
    let token = server.login(&client, &alice, &password).await;
    let (bob, _) = fresh_user(&server, &client, "nolistrcpt").await;
    let credentials = letterbox::secret::Credentials { username: alice.clone(), password: letterbox::secret::Secret::new(password) };
    let pool = &server.state.letterbox.pool;
    // The web UI lists the folders (LIST with STATUS counts of each) when it opens.
    let (status, body) = get_json(&client, server.url("/api/v1/mailboxes"), &token).await;
    assert_eq!(status, 200, "{body}");
    let lists = pool.folder_lists(&credentials);
    assert!(lists >= 1, "listing the folders is counted");

    for n in 0..2 {
        let body = json!({"to": [bob], "subject": format!("no list {n}"), "text": "hi\n"});
        let (status, sent) = post(&client, &server, "/api/v1/send", &token, &body).await;
        assert_eq!(status, 201, "{sent}");
        assert!(sent["sentId"].as_str().is_some(), "the copy was filed: {sent}");
    }
    assert_eq!(pool.folder_lists(&credentials), lists, "sending did not list the folders again");
    let sent = list(&client, &server, &token, "sent").await;
    assert_eq!(sent.len(), 2, "both copies are in Sent");

    // Without a remembered list (the folders changed), send lists them once and files the copy.
    let before = pool.folder_lists(&credentials);
    pool.forget_roles(&credentials);
    let body = json!({"to": [bob], "subject": "after a change", "text": "hi\n"});
    let (status, sent) = post(&client, &server, "/api/v1/send", &token, &body).await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(pool.folder_lists(&credentials), before + 1, "without a remembered list, send lists the folders");
    assert_eq!(list(&client, &server, &token, "sent").await.len(), 3);
}
