//! The message API against the real Dovecot: pages, sort orders, cursors across arriving mail,
//! opening, raw source, attachments byte for byte, flags, move, copy, delete, batches.

mod common;

use common::{Server, api_client, fresh_user, get_json, rig};
use serde_json::{Value, json};

fn items(body: &Value) -> &Vec<Value> {
    body["items"].as_array().expect("items")
}

fn message(n: u32, date: &str, subject: &str) -> Vec<u8> {
    format!(
        "From: Sender {n} <sender{n}@example.org>\r\nTo: someone@example.test\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <m{n}@example.org>\r\n\r\nBody {n}\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn pages_cursors_and_sort_orders() {
    let server = Server::start().await;
    let client = api_client();
    let (user, token) = fresh_user(&server, &client, "pages").await;
    rig().fill(&user, 120, "INBOX");
    let list = |query: &str| get_json(&client, server.url(&format!("/api/v1/mailboxes/INBOX/messages{query}")), &token);

    let (status, first) = list("").await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["total"], 120);
    assert_eq!(items(&first).len(), 50, "default page size");
    let dates: Vec<String> = items(&first).iter().map(|m| m["date"].as_str().unwrap().to_string()).collect();
    let parsed: Vec<time::OffsetDateTime> =
        dates.iter().map(|d| time::OffsetDateTime::parse(d, &time::format_description::well_known::Rfc3339).unwrap()).collect();
    assert!(parsed.windows(2).all(|w| w[0] >= w[1]), "newest first: {dates:?}");
    let first_item = &items(&first)[0];
    for field in [
        "id",
        "mailboxId",
        "uid",
        "subject",
        "from",
        "to",
        "cc",
        "date",
        "receivedAt",
        "size",
        "seen",
        "flagged",
        "answered",
        "draft",
        "keywords",
        "hasAttachments",
    ] {
        assert!(first_item.get(field).is_some(), "item lacks {field}: {first_item}");
    }
    assert_eq!(first_item["mailboxId"], "INBOX");

    // Mail arriving at the top does not shift the next page.
    let cursor = first["nextCursor"].as_str().unwrap().to_string();
    let (_, second_before) = list(&format!("?cursor={cursor}")).await;
    rig().save(&user, "INBOX", &message(1, &httpdate_now(), "Brand new"));
    let (_, second) = list(&format!("?cursor={cursor}")).await;
    let ids = |page: &Value| items(page).iter().map(|m| m["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(ids(&second), ids(&second_before), "the second page is stable");
    let (_, refreshed) = list("").await;
    assert_eq!(items(&refreshed)[0]["subject"], "Brand new", "the new message tops a fresh first page");
    assert_eq!(refreshed["total"], 121);

    // Walk every page: no repeats, nothing missing.
    let mut seen = std::collections::HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("?limit=37&cursor={c}"),
            None => "?limit=37".to_string(),
        };
        let (status, page) = list(&query).await;
        assert_eq!(status, 200);
        for id in ids(&page) {
            assert!(seen.insert(id), "repeated message");
        }
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 121);

    // Sort orders.
    let (_, by_size) = list("?sort=size&limit=200").await;
    let sizes: Vec<u64> = items(&by_size).iter().map(|m| m["size"].as_u64().unwrap()).collect();
    assert!(sizes.windows(2).all(|w| w[0] <= w[1]), "size ascending");
    let (_, by_arrival) = list("?sort=-arrival&limit=200").await;
    let uids: Vec<u64> = items(&by_arrival).iter().map(|m| m["uid"].as_u64().unwrap()).collect();
    assert!(uids.windows(2).all(|w| w[0] > w[1]), "newest arrival first");
    let (_, oldest) = list("?sort=date&limit=1").await;
    let (_, newest_last) = list("?sort=-date&limit=200").await;
    assert_eq!(items(&oldest)[0]["id"], items(&newest_last).last().unwrap()["id"]);
    for sort in ["from", "-from", "subject", "-subject", "arrival", "-size", "-date"] {
        let (status, page) = list(&format!("?sort={sort}")).await;
        assert_eq!((status, items(&page).len()), (200, 50), "{sort}");
    }

    // Bad parameters are 400 problems.
    for query in ["?limit=0", "?limit=201", "?limit=ten", "?sort=random", "?cursor=garbage", "?q=from:"] {
        let response =
            client.get(server.url(&format!("/api/v1/mailboxes/INBOX/messages{query}"))).bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.status(), 400, "{query}");
        assert_eq!(response.headers()["content-type"], "application/problem+json");
    }
    // A cursor only works with the sort it came from.
    let response = client
        .get(server.url(&format!("/api/v1/mailboxes/INBOX/messages?sort=size&cursor={}", first["nextCursor"].as_str().unwrap())))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

fn httpdate_now() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc2822).unwrap()
}

async fn only_message(server: &Server, client: &reqwest::Client, token: &str, mailbox: &str) -> Value {
    let (status, page) = get_json(client, server.url(&format!("/api/v1/mailboxes/{mailbox}/messages")), token).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(items(&page).len(), 1, "{page}");
    items(&page)[0].clone()
}

#[tokio::test]
async fn open_raw_and_attachment_are_byte_identical() {
    let server = Server::start().await;
    let client = api_client();
    let (user, token) = fresh_user(&server, &client, "open").await;
    let original = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/eml/attachment-crlf.eml")).unwrap();
    rig().save(&user, "INBOX", &original);
    let summary = only_message(&server, &client, &token, "INBOX").await;
    assert_eq!(summary["subject"], "Grüße aus Köln", "ISO-8859-1 encoded word decoded");
    assert_eq!(summary["from"]["name"], "Jürgen Müller");
    assert_eq!(summary["from"]["email"], "juergen@example.org");
    assert_eq!(summary["hasAttachments"], true);
    assert_eq!(summary["seen"], false);
    assert_eq!(summary["date"], "2024-03-05T09:42:00Z");
    let id = summary["id"].as_str().unwrap();

    let (status, detail) = get_json(&client, server.url(&format!("/api/v1/messages/{id}")), &token).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["messageId"], "known-1@example.org");
    assert!(detail["text"].as_str().unwrap().contains("anbei die Zahlen"), "{detail}");
    assert_eq!(detail["seen"], false, "the API does not mark read unless asked");
    let attachment = &detail["attachments"][0];
    assert_eq!(attachment["filename"], "zahlen.bin");
    assert_eq!(attachment["disposition"], "attachment");

    let part = attachment["partId"].as_str().unwrap();
    let response = client.get(server.url(&format!("/api/v1/messages/{id}/attachments/{part}"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"zahlen.bin\""));
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert!(response.headers()["content-security-policy"].to_str().unwrap().contains("sandbox"));
    assert_eq!(response.headers()["cache-control"], "private, no-store", "no attachment stays in the browser cache");
    let expected = b"\x00\x01\x02\x03\xff BEYOND ASCII \xc3\xa4\xc3\xb6\xc3\xbc\r\n\x00\x00\x00";
    assert_eq!(response.bytes().await.unwrap().as_ref(), expected.as_slice());

    let raw = client.get(server.url(&format!("/api/v1/messages/{id}/raw"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(raw.headers()["content-type"], "message/rfc822");
    assert_eq!(raw.headers()["cache-control"], "private, no-store", "no source stays in the browser cache");
    assert_eq!(raw.bytes().await.unwrap().as_ref(), original.as_slice(), "raw source identical");

    let (_, seen) = get_json(&client, server.url(&format!("/api/v1/messages/{id}?markSeen=true")), &token).await;
    assert_eq!(seen["seen"], true);
    assert!(rig().flags_of(&user, "INBOX", "all").contains("\\Seen"));

    assert_eq!(part, "2", "part ids are IMAP sections, fetched alone");
    for bad in [
        format!("/api/v1/messages/{id}/attachments/99"),
        format!("/api/v1/messages/{id}/attachments/TEXT"),
        format!("/api/v1/messages/{id}/attachments/1%5D%20BODY%5B"),
        "/api/v1/messages/not-an-id".to_string(),
    ] {
        let (status, body) = get_json(&client, server.url(&bad), &token).await;
        assert_eq!(status, 404, "{bad}: {body}");
    }
}

#[tokio::test]
async fn flags_move_copy_delete_and_stale_ids() {
    let server = Server::start().await;
    let client = api_client();
    let (user, token) = fresh_user(&server, &client, "change").await;
    rig().save(&user, "INBOX", &message(7, "Mon, 01 Jan 2024 12:00:00 +0000", "Change me"));
    let id = only_message(&server, &client, &token, "INBOX").await["id"].as_str().unwrap().to_string();

    let response = client
        .patch(server.url(&format!("/api/v1/messages/{id}")))
        .bearer_auth(&token)
        .json(&json!({"seen": true, "flagged": true, "keywords": {"add": ["$Important"]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let updated: Value = response.json().await.unwrap();
    assert_eq!((updated["seen"].as_bool(), updated["flagged"].as_bool()), (Some(true), Some(true)));
    assert_eq!(updated["keywords"], json!(["$Important"]));
    let flags = rig().flags_of(&user, "INBOX", "all");
    assert!(flags.contains("\\Seen") && flags.contains("\\Flagged") && flags.contains("$Important"), "{flags}");
    let response =
        client.get(server.url(&format!("/api/v1/messages/{id}?remoteContent=sometimes"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 400, "an unknown remoteContent value is refused, not ignored");
    for bad in [json!({"mailboxId": "NoSuchFolder"}), json!({"mailboxId": ""}), json!({})] {
        let response = client.post(server.url(&format!("/api/v1/messages/{id}/move"))).bearer_auth(&token).json(&bad).send().await.unwrap();
        assert!(matches!(response.status().as_u16(), 400 | 404), "{bad}: {}", response.status());
    }
    for bad in [json!({}), json!({"keywords": {"add": ["bad keyword"]}}), json!({"seen": "yes"})] {
        let response = client.patch(server.url(&format!("/api/v1/messages/{id}"))).bearer_auth(&token).json(&bad).send().await.unwrap();
        assert_eq!(response.status(), 400, "{bad}");
    }

    // Copy, then move to Archive by role alias: the new id works, the old one is gone.
    let response = client
        .post(server.url(&format!("/api/v1/messages/{id}/copy")))
        .bearer_auth(&token)
        .json(&json!({"mailboxId": "drafts"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(rig().mailbox_counts(&user, "Drafts").0, 1);
    let moved: Value = client
        .post(server.url(&format!("/api/v1/messages/{id}/move")))
        .bearer_auth(&token)
        .json(&json!({"mailboxId": "archive"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let new_id = moved["id"].as_str().expect("UIDPLUS gives the new id").to_string();
    assert_eq!((rig().mailbox_counts(&user, "INBOX").0, rig().mailbox_counts(&user, "Archive").0), (0, 1));
    let (status, in_archive) = get_json(&client, server.url(&format!("/api/v1/messages/{new_id}")), &token).await;
    assert_eq!((status, in_archive["subject"].as_str()), (200, Some("Change me")));
    assert_eq!(in_archive["flagged"], true, "flags travel with the message");
    assert_eq!(get_json(&client, server.url(&format!("/api/v1/messages/{id}")), &token).await.0, 404);

    // Delete moves to Trash; deleting in Trash removes it by UID.
    assert_eq!(client.delete(server.url(&format!("/api/v1/messages/{new_id}"))).bearer_auth(&token).send().await.unwrap().status(), 204);
    assert_eq!((rig().mailbox_counts(&user, "Archive").0, rig().mailbox_counts(&user, "Trash").0), (0, 1));
    let trashed = only_message(&server, &client, &token, "trash").await["id"].as_str().unwrap().to_string();
    assert_eq!(client.delete(server.url(&format!("/api/v1/messages/{trashed}"))).bearer_auth(&token).send().await.unwrap().status(), 204);
    assert_eq!(rig().mailbox_counts(&user, "Trash").0, 0);
    // Permanent delete straight from a folder.
    let drafted = only_message(&server, &client, &token, "drafts").await["id"].as_str().unwrap().to_string();
    let response =
        client.delete(server.url(&format!("/api/v1/messages/{drafted}?permanent=true"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!((rig().mailbox_counts(&user, "Drafts").0, rig().mailbox_counts(&user, "Trash").0), (0, 0));

    // An id from another UIDVALIDITY is stale: 404 with a type that says so.
    let mut stale = letterbox::mail::MessageId::decode(&trashed).unwrap();
    stale.uid_validity = stale.uid_validity.wrapping_add(1);
    let response = client.get(server.url(&format!("/api/v1/messages/{}", stale.encode()))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 404);
    let problem: Value = response.json().await.unwrap();
    assert!(problem["type"].as_str().unwrap().contains("stale"), "{problem}");
}

#[tokio::test]
async fn batch_with_a_bad_id_updates_the_rest() {
    let server = Server::start().await;
    let client = api_client();
    let (user, token) = fresh_user(&server, &client, "batch").await;
    for n in 0..3 {
        rig().save(&user, "INBOX", &message(n, "Mon, 01 Jan 2024 12:00:00 +0000", "Batch"));
    }
    let (_, page) = get_json(&client, server.url("/api/v1/mailboxes/INBOX/messages"), &token).await;
    let mut ids: Vec<String> = items(&page).iter().map(|m| m["id"].as_str().unwrap().to_string()).collect();
    ids.push("bogus".into());
    let response = client
        .post(server.url("/api/v1/messages/batch"))
        .bearer_auth(&token)
        .json(&json!({"ids": ids, "action": "update", "seen": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let result: Value = response.json().await.unwrap();
    assert_eq!(result["updated"].as_array().unwrap().len(), 3);
    assert_eq!(result["notUpdated"]["bogus"]["status"], 404);
    assert_eq!(rig().mailbox_counts(&user, "INBOX"), (3, 0));

    let response = client
        .post(server.url("/api/v1/messages/batch"))
        .bearer_auth(&token)
        .json(&json!({"ids": &ids[..2], "action": "move", "mailboxId": "junk"}))
        .send()
        .await
        .unwrap();
    let result: Value = response.json().await.unwrap();
    assert_eq!(result["updated"].as_array().unwrap().len(), 2, "{result}");
    assert_eq!((rig().mailbox_counts(&user, "INBOX").0, rig().mailbox_counts(&user, "Junk").0), (1, 2));
    // Batch delete: what is left in INBOX goes to Trash (one folder lookup for the batch).
    let response = client
        .post(server.url("/api/v1/messages/batch"))
        .bearer_auth(&token)
        .json(&json!({"ids": &ids[2..3], "action": "delete"}))
        .send()
        .await
        .unwrap();
    let result: Value = response.json().await.unwrap();
    assert_eq!(result["updated"].as_array().unwrap().len(), 1, "{result}");
    assert_eq!((rig().mailbox_counts(&user, "INBOX").0, rig().mailbox_counts(&user, "Trash").0), (0, 1));
    let response = client
        .post(server.url("/api/v1/messages/batch"))
        .bearer_auth(&token)
        .json(&json!({"ids": [], "action": "delete"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    for bad in
        [json!({"ids": ["x"], "action": "move"}), json!({"ids": ["x"], "action": "explode"}), json!({"ids": ["x"], "action": "update"})]
    {
        let response = client.post(server.url("/api/v1/messages/batch")).bearer_auth(&token).json(&bad).send().await.unwrap();
        assert_eq!(response.status(), 400, "{bad}");
    }
}

#[tokio::test]
async fn a_cursor_from_before_a_folder_reset_is_stale() {
    let server = Server::start().await;
    let client = api_client();
    let (user, token) = fresh_user(&server, &client, "reset").await;
    let create = || client.post(server.url("/api/v1/mailboxes")).bearer_auth(&token).json(&json!({"path": "Temp"})).send();
    let created: Value = create().await.unwrap().json().await.unwrap();
    let folder = created["id"].as_str().unwrap().to_string();
    for n in 0..3 {
        rig().save(&user, "Temp", &message(n, "Mon, 01 Jan 2024 12:00:00 +0000", "Temp"));
    }
    let (_, page) = get_json(&client, server.url(&format!("/api/v1/mailboxes/{folder}/messages?limit=1")), &token).await;
    let cursor = page["nextCursor"].as_str().unwrap().to_string();
    // Another client deletes and recreates the folder: same name, new UIDVALIDITY.
    rig().doveadm(&["mailbox", "delete", "-u", &user, "Temp"]);
    rig().doveadm(&["mailbox", "create", "-u", &user, "Temp"]);
    for n in 0..3 {
        rig().save(&user, "Temp", &message(n, "Mon, 01 Jan 2024 12:00:00 +0000", "Temp again"));
    }
    let response = client
        .get(server.url(&format!("/api/v1/mailboxes/{folder}/messages?limit=1&cursor={cursor}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let problem: Value = response.json().await.unwrap();
    assert!(problem["type"].as_str().unwrap().contains("stale"), "{problem}");
    let (status, fresh) = get_json(&client, server.url(&format!("/api/v1/mailboxes/{folder}/messages")), &token).await;
    assert_eq!((status, fresh["total"].as_u64()), (200, Some(3)));
}
