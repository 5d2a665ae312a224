//! GET requests change nothing: `?markSeen=true` needs `mail.write`, and showing a message in
//! the browser leaves it unread until the page itself posts (with its CSRF token) that it was read.

mod common;

use common::{Server, api_client, browser_login_as, csrf_of, get_json, rig};
use serde_json::{Value, json};

/// The ids of the user's INBOX messages, newest first.
async fn inbox_ids(server: &Server, client: &reqwest::Client, token: &str) -> Vec<String> {
    let (status, list) = get_json(client, server.url("/api/v1/mailboxes/INBOX/messages"), token).await;
    assert_eq!(status, 200, "{list}");
    list["items"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_string()).collect()
}

fn seen(user: &str) -> bool {
    rig().flags_of(user, "INBOX", "all").contains("\\Seen")
}

#[tokio::test]
async fn mark_seen_on_a_get_needs_mail_write() {
    let server = Server::start().await;
    let client = api_client();
    let (user, password) = rig().new_user("markseen").await;
    rig().fill(&user, 1, "INBOX");
    let session = server.login(&client, &user, &password).await;
    let response = client
        .post(server.url("/api/v1/tokens"))
        .bearer_auth(&session)
        .json(&json!({"name": "reader", "scopes": ["mail.read"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let reader = response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    let id = inbox_ids(&server, &client, &reader).await.remove(0);

    let response = client.get(server.url(&format!("/api/v1/messages/{id}?markSeen=true"))).bearer_auth(&reader).send().await.unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["scope"], "mail.write", "{problem}");
    assert!(!seen(&user), "a mail.read token set \\Seen");
    let (status, detail) = get_json(&client, server.url(&format!("/api/v1/messages/{id}?markSeen=false")), &reader).await;
    assert_eq!((status, &detail["seen"]), (200, &json!(false)), "reading stays allowed: {detail}");

    let (status, detail) = get_json(&client, server.url(&format!("/api/v1/messages/{id}?markSeen=true")), &session).await;
    assert_eq!((status, &detail["seen"]), (200, &json!(true)), "{detail}");
    assert!(seen(&user), "a session with mail.write marks it seen");
}

#[tokio::test]
async fn showing_a_message_page_leaves_it_unread_until_the_page_posts() {
    let server = Server::start().await;
    let (user, password) = rig().new_user("webseen").await;
    rig().fill(&user, 1, "INBOX");
    let token = server.login(&api_client(), &user, &password).await;
    let id = inbox_ids(&server, &api_client(), &token).await.remove(0);
    let browser = browser_login_as(&server, &user, &password).await;

    let response = browser.get(server.url(&format!("/mail/INBOX/{id}"))).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(!seen(&user), "a plain GET of the message page set \\Seen");
    assert!(page.contains("data-unseen=\"true\""), "the page tells its script to mark the message read");
    let action = format!("action=\"/message/{id}/action\"");
    assert!(page.contains(&action) && page.contains("name=\"action\" value=\"read\""), "the page offers a Mark read form");

    // Without the CSRF token (a cross-site form) nothing happens.
    let response = browser.post(server.url(&format!("/message/{id}/action"))).form(&[("action", "read")]).send().await.unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
    assert!(!seen(&user));

    // What the page's form (and its script) posts.
    let csrf = csrf_of(&page);
    let response = browser
        .post(server.url(&format!("/message/{id}/action")))
        .form(&[("csrf", csrf.as_str()), ("action", "read")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert!(seen(&user), "the page's POST marks it read");
    let page = browser.get(server.url(&format!("/mail/INBOX/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("data-unseen"), "a read message's page has nothing to mark");

    // Without script, another action from the page (here: flag) marks the opened message read.
    let response = browser
        .post(server.url(&format!("/message/{id}/action")))
        .form(&[("csrf", csrf.as_str()), ("action", "unread")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert!(!seen(&user));
    let response = browser
        .post(server.url(&format!("/message/{id}/action")))
        .form(&[("csrf", csrf.as_str()), ("action", "flag"), ("opened", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert!(seen(&user), "an action from the opened message's page marks it read");
}
