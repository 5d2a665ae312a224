//! Sender identities outside the login's domain and the operator's list need a confirmation
//! link mailed to them (through the user's own SMTP login) before they can send.

mod common;

use common::{Server, api_client, browser_login_as, rig};
use serde_json::{Value, json};

async fn post(client: &reqwest::Client, server: &Server, path: &str, token: &str, body: &Value) -> (u16, Value) {
    let response = client.post(server.url(path)).bearer_auth(token).json(body).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

/// The confirmation link in a mail, checked to name Letterbox's configured address (never a
/// client's Host), as a URL of the test server.
fn confirm_link(server: &Server, text: &str) -> String {
    let link = text.split_whitespace().find(|w| w.contains("/identities/confirm?token=")).unwrap_or_else(|| panic!("a link in {text}"));
    assert!(!link.contains("evil.example"), "the link names the client's Host: {link}");
    let configured = format!("http://{}/identities/confirm?token=", server.state.config().listen);
    assert!(link.starts_with(&configured), "{link} (expected {configured}…)");
    server.url(&link[link.find("/identities/confirm").unwrap()..])
}

async fn send_from(client: &reqwest::Client, server: &Server, token: &str, from: &str, to: &str) -> (u16, Value) {
    post(client, server, "/api/v1/send", token, &json!({"from": from, "to": [to], "subject": format!("from {from}"), "text": "hi"})).await
}

/// The text of the first message in the rig's sink mailbox addressed to `address` (every address
/// outside example.test lands there), waiting up to 15 s for it to arrive.
async fn mail_to(address: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let found = rig().doveadm(&["-f", "flow", "search", "-u", "sink@example.test", "mailbox", "INBOX", "header", "To", address]);
        if let Some(uid) = found.split_whitespace().nth(1) {
            let raw = rig().doveadm(&["-f", "pager", "fetch", "-u", "sink@example.test", "text", "mailbox", "INBOX", "uid", uid]);
            let raw = raw.split_once("text:\n").map(|(_, rest)| rest).unwrap_or(&raw).trim_end_matches(['\u{c}', '\n']);
            let message = mail_parser::MessageParser::default().parse(raw.as_bytes()).expect("a message");
            return message.body_text(0).expect("a text body").into_owned();
        }
        assert!(std::time::Instant::now() < deadline, "no confirmation mail to {address} arrived");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn foreign_identities_send_only_after_their_mailed_link_is_followed() {
    let server = Server::start_tweaked(|c| c.identity_domains = vec!["listed.example".into()]).await;
    let client = api_client();
    let (user, password) = rig().new_user("ident").await;
    let (other, other_password) = rig().new_user("other").await;
    let token = server.login(&client, &user, &password).await;
    let unique = user.split('@').next().unwrap().to_string();

    // Own domain and an operator-listed domain: usable at once.
    for email in [format!("second-{unique}@example.test"), format!("{unique}@listed.example")] {
        let (status, identity) = post(&client, &server, "/api/v1/identities", &token, &json!({"email": email})).await;
        assert_eq!(status, 201, "{identity}");
        assert_eq!((identity["confirmed"].as_bool(), identity["pendingConfirmation"].as_bool()), (Some(true), Some(false)), "{identity}");
        let (status, sent) = send_from(&client, &server, &token, &email, &user).await;
        assert_eq!(status, 201, "sending from {email}: {sent}");
    }

    // Anywhere else: a confirmation link goes to the address, and sending waits for it.
    let foreign = format!("{unique}@elsewhere.example");
    // The request names a host of the adder's choosing: the mailed link must not carry it (the
    // address's owner would hand the token to that host by clicking).
    let response = client
        .post(server.url("/api/v1/identities"))
        .bearer_auth(&token)
        .header("host", "evil.example")
        .json(&json!({"email": foreign}))
        .send()
        .await
        .unwrap();
    let (status, identity): (u16, Value) = (response.status().as_u16(), response.json().await.unwrap());
    assert_eq!(status, 201, "{identity}");
    assert_eq!((identity["confirmed"].as_bool(), identity["pendingConfirmation"].as_bool()), (Some(false), Some(true)), "{identity}");
    assert_eq!(identity["email"], foreign.as_str(), "existing fields stay");
    let (status, problem) = send_from(&client, &server, &token, &foreign, &user).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("from")), "{problem}");

    let text = mail_to(&foreign).await;
    let link = &confirm_link(&server, &text);

    // The link is for the user who added the identity: another login gets "not found".
    let stranger = browser_login_as(&server, &other, &other_password).await;
    assert_eq!(stranger.get(link).send().await.unwrap().status(), 404);

    let browser = browser_login_as(&server, &user, &password).await;
    let settings = browser.get(server.url("/settings")).send().await.unwrap().text().await.unwrap();
    assert!(settings.contains("Not confirmed yet") && settings.contains("/confirmation\""), "the settings page shows it waits: {settings}");
    let response = browser.get(link).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/settings?notice=identity-confirmed#identities");
    assert_eq!(browser.get(link).send().await.unwrap().status(), 404, "the link works once");

    let (status, list) = common::get_json(&client, server.url("/api/v1/identities"), &token).await;
    assert_eq!(status, 200);
    let entry = list["items"].as_array().unwrap().iter().find(|i| i["email"] == foreign.as_str()).expect("listed").clone();
    assert_eq!((entry["confirmed"].as_bool(), entry["pendingConfirmation"].as_bool()), (Some(true), Some(false)), "{entry}");
    let (status, sent) = send_from(&client, &server, &token, &foreign, &user).await;
    assert_eq!(status, 201, "sending from the confirmed {foreign}: {sent}");

    // Changing the address over the API makes it unconfirmed again.
    let id = entry["id"].as_str().unwrap();
    let response = client
        .patch(server.url(&format!("/api/v1/identities/{id}")))
        .bearer_auth(&token)
        .json(&json!({"email": format!("x{foreign}")}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let changed: Value = response.json().await.unwrap();
    assert_eq!(changed["confirmed"], false, "{changed}");
    let (status, _) = send_from(&client, &server, &token, &format!("x{foreign}"), &user).await;
    assert_eq!(status, 422);

    // A new link can be asked for; a confirmed identity needs none.
    let first = mail_to(&format!("x{foreign}")).await;
    let (status, resent) = post(&client, &server, &format!("/api/v1/identities/{id}/confirmation"), &token, &json!({})).await;
    assert_eq!((status, resent["pendingConfirmation"].as_bool()), (202, Some(true)), "{resent}");
    let own_id =
        list["items"].as_array().unwrap().iter().find(|i| i["email"] == user.as_str()).unwrap()["id"].as_str().unwrap().to_string();
    let (status, _) = post(&client, &server, &format!("/api/v1/identities/{own_id}/confirmation"), &token, &json!({})).await;
    assert_eq!(status, 409);
    let old_link = confirm_link(&server, &first);
    assert_eq!(browser.get(&old_link).send().await.unwrap().status(), 404, "a new link replaces the old one");
}
