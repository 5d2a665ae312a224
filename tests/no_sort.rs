//! The fallbacks for IMAP servers without SORT or MOVE: a Dovecot that advertises neither
//! (over implicit TLS), so Letterbox must sort locally and move with COPY + UID EXPUNGE.

mod common;

use std::sync::OnceLock;

use common::{Rig, Server, api_client, get_json, start_rig};
use serde_json::{Value, json};

fn plain_rig() -> &'static Rig {
    static RIG: OnceLock<Rig> = OnceLock::new();
    RIG.get_or_init(|| {
        start_rig(
            "nosort",
            &[(
                "RIG_IMAP_CAPABILITY",
                "IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UIDPLUS SPECIAL-USE LIST-EXTENDED LIST-STATUS CONDSTORE",
            )],
        )
    })
}

fn field<'a>(items: &'a [Value], name: &str) -> Vec<&'a Value> {
    items.iter().map(|m| &m[name]).collect()
}

#[tokio::test]
async fn sorts_locally_and_moves_by_copy_when_the_server_cannot() {
    let rig = plain_rig();
    let port = rig.get("RIG_IMAPS_PORT").to_string();
    let server = Server::start_on(rig, |c| {
        c.imap = letterbox::config::ServerAddress::parse("LETTERBOX_IMAP", "imap", &format!("imaps://127.0.0.1:{port}")).unwrap()
    })
    .await;
    let client = api_client();
    let (user, password) = rig.new_user("nosort").await;
    let token = server.login(&client, &user, &password).await;
    let (_, info) = get_json(&client, server.url("/api/v1/session"), &token).await;
    assert_eq!((info["server"]["sort"].as_bool(), info["server"]["move"].as_bool()), (Some(false), Some(false)), "{info}");
    rig.fill(&user, 80, "INBOX");

    let list = |query: &str| get_json(&client, server.url(&format!("/api/v1/mailboxes/INBOX/messages?limit=200{query}")), &token);
    let (status, by_date) = list("").await;
    assert_eq!(status, 200, "{by_date}");
    let items = by_date["items"].as_array().unwrap();
    assert_eq!(items.len(), 80);
    let dates: Vec<&str> = field(items, "date").into_iter().map(|v| v.as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first without SORT");
    let (_, by_size) = list("&sort=size").await;
    let sizes: Vec<u64> = field(by_size["items"].as_array().unwrap(), "size").into_iter().map(|v| v.as_u64().unwrap()).collect();
    assert!(sizes.windows(2).all(|w| w[0] <= w[1]), "size ascending without SORT");
    let (_, by_arrival) = list("&sort=-arrival").await;
    let uids: Vec<u64> = field(by_arrival["items"].as_array().unwrap(), "uid").into_iter().map(|v| v.as_u64().unwrap()).collect();
    assert!(uids.windows(2).all(|w| w[0] > w[1]));
    let (_, by_from) = list("&sort=from").await;
    let froms: Vec<String> =
        by_from["items"].as_array().unwrap().iter().map(|m| m["from"]["email"].as_str().unwrap_or("").to_lowercase()).collect();
    assert!(froms.windows(2).all(|w| w[0] <= w[1]), "{froms:?}");
    let (status, unread) = list("&q=is:unread").await;
    assert_eq!(status, 200);
    assert_eq!(unread["total"].as_u64().unwrap() as u32, rig.mailbox_counts(&user, "INBOX").1, "SEARCH fallback");

    // Pages through cursors still cover everything once.
    let (_, first) = get_json(&client, server.url("/api/v1/mailboxes/INBOX/messages?limit=30"), &token).await;
    let cursor = first["nextCursor"].as_str().unwrap();
    let (_, second) = get_json(&client, server.url(&format!("/api/v1/mailboxes/INBOX/messages?limit=30&cursor={cursor}")), &token).await;
    assert_eq!(second["items"][0]["id"], by_date["items"][30]["id"]);

    // No MOVE: COPY + \Deleted + UID EXPUNGE of exactly that message.
    let id = items[0]["id"].as_str().unwrap();
    let response = client
        .post(server.url(&format!("/api/v1/messages/{id}/move")))
        .bearer_auth(&token)
        .json(&json!({"mailboxId": "archive"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!((rig.mailbox_counts(&user, "INBOX").0, rig.mailbox_counts(&user, "Archive").0), (79, 1));
}
