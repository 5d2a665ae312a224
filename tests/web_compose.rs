//! Writing mail in the browser without JavaScript: the compose form (plain multipart posts),
//! send with an attachment, reply prefill, drafts resumed with their attachments, and a failed
//! send that brings the form back filled in.

mod common;

use common::{Server, browser_login, csrf_of, rig};

fn field_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("field {name}")) + marker.len();
    html[start..].split('"').next().unwrap().replace("&#x40;", "@").replace("&amp;", "&")
}

fn form(csrf: &str, fields: &[(&str, &str)]) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new().text("csrf", csrf.to_string());
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    form
}

#[tokio::test]
async fn compose_send_reply_and_drafts_without_javascript() {
    let server = Server::start().await;
    let (client, user) = browser_login(&server, "webcompose").await;
    let (bob, _) = rig().new_user("webrcpt").await;

    let page = client.get(server.url("/compose")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("enctype=\"multipart/form-data\"") && html.contains("name=\"attachments\""), "a plain upload form");
    let csrf = csrf_of(&html);

    // Send with an attachment → back to the list with a notice linking to the Sent copy.
    let file = reqwest::multipart::Part::bytes(b"web upload \x00\x01".to_vec()).file_name("upload.bin");
    let post =
        form(&csrf, &[("intent", "send"), ("to", &bob), ("subject", "From the browser"), ("text", "Hello Bob"), ("back", "/mail/INBOX")])
            .part("attachments", file);
    let response = client.post(server.url("/compose")).multipart(post).send().await.unwrap();
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/mail/INBOX?notice=sent&sent="), "{location}");
    let list = client.get(server.url(&location)).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("Message sent.") && list.contains("View it in Sent"), "the notice");
    assert_eq!(rig().wait_for_messages(&bob, "INBOX", 1, 10).await, 1, "delivered");
    assert_eq!(rig().mailbox_counts(&user, "Sent").0, 1);

    // A bad address: the form comes back with the error and everything typed.
    let post = form(&csrf, &[("intent", "send"), ("to", "bob@@nowhere"), ("subject", "Keep my subject"), ("text", "Keep my text")]);
    let response = client.post(server.url("/compose")).multipart(post).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("id=\"compose-error\""), "the error above the form");
    assert!(html.contains("value=\"Keep my subject\"") && html.contains("Keep my text") && html.contains("bob@@nowhere"), "fields kept");
    assert_eq!(rig().mailbox_counts(&user, "Sent").0, 1, "nothing sent");

    // Save a draft with an attachment, resume it, send it: it leaves Drafts.
    let file = reqwest::multipart::Part::bytes(b"draft file".to_vec()).file_name("draft.txt");
    let post = form(&csrf, &[("intent", "save"), ("to", &bob), ("subject", "Later"), ("text", "Draft body")]).part("attachments", file);
    let response = client.post(server.url("/compose")).multipart(post).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/compose?draft="), "{location}");
    assert_eq!(rig().mailbox_counts(&user, "Drafts").0, 1);
    let html = client.get(server.url(&location)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Draft saved.") && html.contains("value=\"Later\"") && html.contains("draft.txt"), "resumed with its attachment");
    let draft_id = field_value(&html, "draft_id");
    assert!(!draft_id.is_empty());
    // Opening the draft from the Drafts folder resumes editing it too.
    let opened = client.get(server.url(&format!("/mail/drafts/{draft_id}"))).send().await.unwrap();
    assert_eq!(opened.status(), 303);
    assert!(opened.headers()["location"].to_str().unwrap().starts_with(&format!("/compose?draft={draft_id}")));
    let post =
        form(&csrf, &[("intent", "send"), ("draft_id", &draft_id), ("keep", "0"), ("to", &bob), ("subject", "Later"), ("text", "Now")]);
    let response = client.post(server.url("/compose")).multipart(post).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(rig().mailbox_counts(&user, "Drafts").0, 0, "the draft is gone after sending");
    assert_eq!(rig().wait_for_messages(&bob, "INBOX", 2, 10).await, 2);
    let flags_and_parts = rig().doveadm(&["fetch", "-u", &bob, "text", "mailbox", "INBOX", "subject", "Later"]);
    assert!(flags_and_parts.contains("draft.txt"), "the kept attachment went out");

    // Reply prefill from the reading page's button.
    let sent = client.get(server.url("/mail/sent")).send().await.unwrap().text().await.unwrap();
    let message_href = sent
        .split("href=\"")
        .skip(1)
        .filter_map(|r| r.split('"').next())
        .find(|h| h.starts_with("/mail/") && h.matches('/').count() == 3)
        .unwrap()
        .to_string();
    let reading = client.get(server.url(&message_href)).send().await.unwrap().text().await.unwrap();
    assert!(reading.contains("id=\"reply\"") && reading.contains("id=\"forward\""), "reply buttons");
    let reply_href = reading
        .split("href=\"")
        .skip(1)
        .filter_map(|r| r.split('"').next())
        .find(|h| h.contains("action=reply&amp;"))
        .unwrap()
        .replace("&amp;", "&");
    let reply = client.get(server.url(&reply_href)).send().await.unwrap().text().await.unwrap();
    assert!(reply.contains("value=\"Re: "), "subject prefilled");
    assert!(reply.contains("wrote:"), "the quote is in the text");
}

#[tokio::test]
async fn attachments_over_the_limit_bring_the_form_back_filled_in() {
    let server = Server::start_tweaked(|config| config.max_attachment_bytes = 1 << 20).await;
    let (client, user) = browser_login(&server, "webbig").await;
    let html = client.get(server.url("/compose")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&html);
    let big = reqwest::multipart::Part::bytes(vec![1u8; (1 << 20) + 5000]).file_name("big.bin");
    let post =
        form(&csrf, &[("intent", "send"), ("to", "someone@example.org")]).part("attachments", big).text("subject", "Too big to send");
    let response = client.post(server.url("/compose")).multipart(post).send().await.unwrap();
    assert_eq!(response.status(), 413);
    let html = response.text().await.unwrap();
    assert!(html.contains("id=\"compose-error\"") && html.contains("at most 1 MB"), "says why");
    assert!(html.contains("value=\"Too big to send\""), "a field after the file part is still there");
    assert_eq!(rig().mailbox_counts(&user, "Sent").0, 0);
}
