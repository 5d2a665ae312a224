//! Replies, reply-all and forwards through the real rig: recipients (own addresses out,
//! Reply-To honoured), subjects without stacked prefixes, threading headers, quoting, the
//! original's attachments, and \Answered / $Forwarded on the original.

mod common;

use common::{Server, api_client, fresh_user, get_json, rig};
use mail_parser::MimeHeaders;
use serde_json::{Value, json};

fn original(user: &str) -> Vec<u8> {
    format!(
        "From: Bob Sender <bob.sender@example.org>\r\nReply-To: Bob Desk <desk@example.org>\r\nTo: {user}, Dave <dave@example.org>\r\n\
         Cc: Erin <erin@example.org>, {user}\r\nSubject: Re: Quarterly numbers\r\nDate: Tue, 03 Mar 2026 10:42:00 +0000\r\n\
         Message-ID: <orig-1@example.org>\r\nReferences: <root-0@example.org>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Here are the numbers.\r\nSecond line.\r\n--b1\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename=\"q1.csv\"\r\n\r\n\
         a,b\r\n1,2\r\n--b1--\r\n"
    )
    .into_bytes()
}

async fn send(client: &reqwest::Client, server: &Server, token: &str, body: Value) -> Value {
    let response = client.post(server.url("/api/v1/send")).bearer_auth(token).json(&body).send().await.unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

async fn parsed_copy(client: &reqwest::Client, server: &Server, token: &str, sent: &Value) -> Vec<u8> {
    let id = sent["sentId"].as_str().expect("sentId");
    client.get(server.url(&format!("/api/v1/messages/{id}/raw"))).bearer_auth(token).send().await.unwrap().bytes().await.unwrap().to_vec()
}

fn emails(addresses: Option<&mail_parser::Address<'_>>) -> Vec<String> {
    addresses.map(|a| a.iter().filter_map(|addr| addr.address.as_deref().map(str::to_lowercase)).collect()).unwrap_or_default()
}

#[tokio::test]
async fn reply_reply_all_and_forward() {
    let server = Server::start().await;
    let client = api_client();
    let (user, token) = fresh_user(&server, &client, "replier").await;
    rig().save(&user, "INBOX", &original(&user));
    let (_, inbox) = get_json(&client, server.url("/api/v1/mailboxes/INBOX/messages"), &token).await;
    let id = inbox["items"][0]["id"].as_str().unwrap().to_string();

    let reply = send(&client, &server, &token, json!({"text": "Thanks!", "reference": {"id": id, "action": "reply"}})).await;
    let raw = parsed_copy(&client, &server, &token, &reply).await;
    let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(emails(message.to()), ["desk@example.org"], "Reply-To is honoured");
    assert!(message.cc().is_none());
    assert_eq!(message.subject(), Some("Re: Quarterly numbers"), "no stacked Re:");
    assert_eq!(message.in_reply_to().as_text(), Some("orig-1@example.org"));
    let references: Vec<String> = message.references().as_text_list().unwrap_or_default().iter().map(|s| s.to_string()).collect();
    assert_eq!(references, ["root-0@example.org", "orig-1@example.org"]);
    let text = message.body_text(0).unwrap().to_string();
    assert!(text.starts_with("Thanks!"), "{text}");
    assert!(text.contains("wrote:") && text.contains("> Here are the numbers.") && text.contains("> Second line."), "{text}");
    let flags = rig().flags_of(&user, "INBOX", "all");
    assert!(flags.contains("\\Answered"), "the original is \\Answered: {flags}");

    let all = send(&client, &server, &token, json!({"text": "All of you.", "reference": {"id": id, "action": "replyAll"}})).await;
    let raw = parsed_copy(&client, &server, &token, &all).await;
    let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
    let mut everyone = emails(message.to());
    everyone.extend(emails(message.cc()));
    assert!(everyone.contains(&"desk@example.org".to_string()), "{everyone:?}");
    assert!(everyone.contains(&"dave@example.org".to_string()) && everyone.contains(&"erin@example.org".to_string()), "{everyone:?}");
    assert!(!everyone.contains(&user.to_lowercase()), "the user's own address is left out: {everyone:?}");
    assert_eq!(everyone.iter().filter(|e| e.as_str() == "desk@example.org").count(), 1, "no duplicates");

    let forward =
        send(&client, &server, &token, json!({"to": ["frank@example.org"], "text": "FYI", "reference": {"id": id, "action": "forward"}}))
            .await;
    let raw = parsed_copy(&client, &server, &token, &forward).await;
    let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(message.subject(), Some("Fwd: Re: Quarterly numbers"));
    assert_eq!(emails(message.to()), ["frank@example.org"]);
    let text = message.body_text(0).unwrap().to_string();
    assert!(
        text.contains("Forwarded message") && text.contains("Subject: Re: Quarterly numbers") && text.contains("Here are the numbers."),
        "{text}"
    );
    let attachment = message.attachment(0).expect("the original's attachment is forwarded");
    assert_eq!(attachment.attachment_name(), Some("q1.csv"));
    assert_eq!(attachment.contents(), b"a,b\r\n1,2");
    let flags = rig().flags_of(&user, "INBOX", "all");
    assert!(flags.contains("$Forwarded"), "the original is $Forwarded: {flags}");

    let whole = send(
        &client,
        &server,
        &token,
        json!({"to": ["frank@example.org"], "text": "As attachment", "forwardAsAttachment": true, "reference": {"id": id, "action": "forward"}}),
    )
    .await;
    let raw = parsed_copy(&client, &server, &token, &whole).await;
    let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
    let attached = message.attachment(0).expect("the original as message/rfc822");
    let inner = attached.message().expect("an embedded message");
    assert_eq!(inner.subject(), Some("Re: Quarterly numbers"));
}
