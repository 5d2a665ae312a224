//! The mailbox API against the real Dovecot: roles, counts as Dovecot reports them, and
//! create/rename/delete reflected in Dovecot's own LIST.

mod common;

use common::{Server, api_client, rig};
use serde_json::{Value, json};

async fn list(server: &Server, client: &reqwest::Client, token: &str) -> Vec<Value> {
    let response = client.get(server.url("/api/v1/mailboxes")).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(body.get("nextCursor").is_some(), "lists carry nextCursor");
    body["items"].as_array().unwrap().clone()
}

fn by_path<'a>(items: &'a [Value], path: &str) -> Option<&'a Value> {
    items.iter().find(|m| m["path"] == path)
}

#[tokio::test]
async fn lists_special_folders_with_roles_and_dovecots_counts() {
    let server = Server::start().await;
    let rig = rig();
    let (user, password) = rig.new_user("list").await;
    let client = api_client();
    let token = server.login(&client, &user, &password).await;
    rig.fill(&user, 37, "INBOX");
    rig.fill(&user, 5, "Archive");

    let items = list(&server, &client, &token).await;
    assert_eq!(items[0]["id"], "INBOX", "INBOX comes first");
    for (path, role) in
        [("INBOX", "inbox"), ("Drafts", "drafts"), ("Sent", "sent"), ("Trash", "trash"), ("Junk", "junk"), ("Archive", "archive")]
    {
        let mailbox = by_path(&items, path).unwrap_or_else(|| panic!("{path} missing from {items:?}"));
        assert_eq!(mailbox["role"], role, "{mailbox}");
        assert_eq!(mailbox["subscribed"], true, "{mailbox}");
        let (messages, unseen) = rig.mailbox_counts(&user, path);
        assert_eq!((mailbox["total"].as_u64().unwrap() as u32, mailbox["unread"].as_u64().unwrap() as u32), (messages, unseen), "{path}");
        let id = mailbox["id"].as_str().unwrap();
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "URL-safe id {id}");
    }
    let inbox = by_path(&items, "INBOX").unwrap();
    assert_eq!(inbox["total"], 37);
    assert!(inbox["unread"].as_u64().unwrap() > 0, "the filler leaves some mail unread");

    // Role aliases work wherever an id does.
    let sent: Value = client.get(server.url("/api/v1/mailboxes/sent")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(sent["path"], "Sent");
}

#[tokio::test]
async fn create_rename_delete_show_in_imap_list() {
    let server = Server::start().await;
    let rig = rig();
    let (user, password) = rig.new_user("crud").await;
    let client = api_client();
    let token = server.login(&client, &user, &password).await;

    let response =
        client.post(server.url("/api/v1/mailboxes")).bearer_auth(&token).json(&json!({"path": "Projekte Ü"})).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["path"], "Projekte Ü");
    assert!(response_location_ok(&created));
    assert!(rig.mailbox_names(&user).contains(&"Projekte Ü".to_string()), "{:?}", rig.mailbox_names(&user));

    // Creating it again is a conflict, not a 500.
    let response =
        client.post(server.url("/api/v1/mailboxes")).bearer_auth(&token).json(&json!({"path": "Projekte Ü"})).send().await.unwrap();
    assert_eq!(response.status(), 409);

    let id = created["id"].as_str().unwrap();
    let response = client
        .patch(server.url(&format!("/api/v1/mailboxes/{id}")))
        .bearer_auth(&token)
        .json(&json!({"path": "Renamed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let renamed: Value = response.json().await.unwrap();
    assert_eq!(renamed["path"], "Renamed");
    let names = rig.mailbox_names(&user);
    assert!(names.contains(&"Renamed".to_string()) && !names.contains(&"Projekte Ü".to_string()), "{names:?}");

    // A child shows its parent; the path uses the server's own hierarchy delimiter.
    let delimiter = renamed["delimiter"].as_str().expect("Dovecot has a hierarchy delimiter");
    let child_path = format!("Renamed{delimiter}Child");
    let response =
        client.post(server.url("/api/v1/mailboxes")).bearer_auth(&token).json(&json!({"path": child_path})).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let child: Value = response.json().await.unwrap();
    assert_eq!(child["parentId"], renamed["id"]);
    assert_eq!(child["name"], "Child");

    let child_id = child["id"].as_str().unwrap();
    let response = client.delete(server.url(&format!("/api/v1/mailboxes/{child_id}"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 204);
    assert!(!rig.mailbox_names(&user).contains(&child_path));
    let renamed_id = renamed["id"].as_str().unwrap();
    assert_eq!(
        client.delete(server.url(&format!("/api/v1/mailboxes/{renamed_id}"))).bearer_auth(&token).send().await.unwrap().status(),
        204
    );
    assert!(!rig.mailbox_names(&user).contains(&"Renamed".to_string()));

    // Deleting what is gone is a 404.
    let response = client.delete(server.url(&format!("/api/v1/mailboxes/{renamed_id}"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 404);
}

fn response_location_ok(created: &Value) -> bool {
    created["id"].as_str().is_some_and(|id| !id.is_empty())
}

#[tokio::test]
async fn inbox_is_protected_and_bad_names_are_4xx_problems() {
    let server = Server::start().await;
    let (user, password) = rig().new_user("guard").await;
    let client = api_client();
    let token = server.login(&client, &user, &password).await;

    let cases = [
        (client.delete(server.url("/api/v1/mailboxes/INBOX")), 403),
        (client.patch(server.url("/api/v1/mailboxes/INBOX")).json(&json!({"path": "Old"})), 403),
        (client.patch(server.url("/api/v1/mailboxes/inbox")).json(&json!({"path": "Old"})), 403),
        (client.post(server.url("/api/v1/mailboxes")).json(&json!({"path": "INBOX"})), 409),
        (client.post(server.url("/api/v1/mailboxes")).json(&json!({"path": "Sent"})), 409),
        (client.post(server.url("/api/v1/mailboxes")).json(&json!({"path": ""})), 400),
        (client.post(server.url("/api/v1/mailboxes")).json(&json!({"path": "a\r\nb"})), 400),
        (client.post(server.url("/api/v1/mailboxes")).json(&json!({"path": "wild*"})), 400),
        (client.post(server.url("/api/v1/mailboxes")).json(&json!({"name": "x"})), 400),
        (client.delete(server.url("/api/v1/mailboxes/%21%21")), 404),
        (client.delete(server.url("/api/v1/mailboxes/Tm9TdWNoRm9sZGVy")), 404),
    ];
    for (request, status) in cases {
        let response = request.bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.status(), status, "{:?}", response.url());
        assert_eq!(response.headers()["content-type"], "application/problem+json");
    }
    let names = rig().mailbox_names(&user);
    assert!(names.contains(&"INBOX".to_string()));
}
