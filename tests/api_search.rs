//! Search over the API against the real Dovecot: every operator of the query syntax, and a
//! 10,000-message folder paged and searched.

mod common;

use common::{Server, api_client, fresh_user, get_json, rig};

/// (subject, from, to, date, extra headers, body, flags via a later PATCH)
fn mail(subject: &str, from: &str, to: &str, date: &str, content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {to}\r\nCc: cc-person@example.net\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <{}@example.org>\r\nMIME-Version: 1.0\r\n{content_type}\r\n\r\n{body}\r\n",
        subject.replace(' ', "-")
    )
    .into_bytes()
}

async fn subjects(server: &Server, client: &reqwest::Client, token: &str, q: &str) -> (u16, Vec<String>) {
    let url = reqwest::Url::parse_with_params(
        &server.url("/api/v1/mailboxes/INBOX/messages"),
        &[("q", q), ("sort", "subject"), ("limit", "200")],
    )
    .unwrap();
    let (status, body) = get_json(client, url.to_string(), token).await;
    let mut list: Vec<String> =
        body["items"].as_array().map(|a| a.iter().map(|m| m["subject"].as_str().unwrap().to_string()).collect()).unwrap_or_default();
    list.sort();
    if status == 200 {
        assert_eq!(body["total"].as_u64().unwrap() as usize, list.len(), "total counts the matches of {q}");
    }
    (status, list)
}

#[tokio::test]
async fn every_search_operator() {
    let server = Server::start().await;
    let client = api_client();
    let (user, token) = fresh_user(&server, &client, "search").await;
    let plain = "Content-Type: text/plain; charset=utf-8";
    let mixed = "Content-Type: multipart/mixed; boundary=\"b\"";
    let attached = "--b\r\nContent-Type: text/plain\r\n\r\nsee file\r\n--b\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\nContent-Disposition: attachment; filename=\"a.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--";
    let big_body = "x".repeat(20_000);
    let messages = [
        mail(
            "Quarterly report",
            "Ada <ada@analytical.example>",
            "team@example.test",
            "Tue, 05 Mar 2024 10:00:00 +0000",
            plain,
            "numbers inside",
        ),
        mail("Lunch plans", "Grace <grace@navy.example>", "alice@example.test", "Wed, 10 Jan 2024 12:00:00 +0000", plain, "pizza or sushi"),
        mail("Invoice 42", "Bank <billing@bank.example>", "alice@example.test", "Mon, 01 Jul 2024 08:00:00 +0000", mixed, attached),
        mail("Big newsletter", "News <news@letters.example>", "alice@example.test", "Fri, 15 Nov 2024 08:00:00 +0000", plain, &big_body),
        mail(
            "=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=",
            "Jürgen <juergen@beispiel.example>",
            "alice@example.test",
            "Sat, 16 Nov 2024 08:00:00 +0000",
            plain,
            "Hallo",
        ),
    ];
    for message in &messages {
        rig().save(&user, "INBOX", message);
    }
    // Flags: report read+flagged, lunch answered.
    let (_, page) = get_json(&client, server.url("/api/v1/mailboxes/INBOX/messages?limit=200"), &token).await;
    for item in page["items"].as_array().unwrap() {
        let change = match item["subject"].as_str().unwrap() {
            "Quarterly report" => serde_json::json!({"seen": true, "flagged": true}),
            "Lunch plans" => serde_json::json!({"seen": true, "answered": true}),
            _ => continue,
        };
        let id = item["id"].as_str().unwrap();
        assert_eq!(
            client.patch(server.url(&format!("/api/v1/messages/{id}"))).bearer_auth(&token).json(&change).send().await.unwrap().status(),
            200
        );
    }

    let all = ["Big newsletter", "Grüße aus Köln", "Invoice 42", "Lunch plans", "Quarterly report"];
    let except = |skip: &[&str]| all.iter().filter(|s| !skip.contains(s)).map(|s| s.to_string()).collect::<Vec<_>>();
    let only = |keep: &[&str]| {
        let mut v: Vec<String> = keep.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    };
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("pizza", only(&["Lunch plans"])),
        ("\"numbers inside\"", only(&["Quarterly report"])),
        ("from:ada", only(&["Quarterly report"])),
        ("to:team@example.test", only(&["Quarterly report"])),
        ("cc:cc-person", only(&all)),
        ("subject:invoice", only(&["Invoice 42"])),
        ("subject:\"big newsletter\"", only(&["Big newsletter"])),
        ("subject:Grüße", only(&["Grüße aus Köln"])),
        ("is:unread", except(&["Quarterly report", "Lunch plans"])),
        ("is:read", only(&["Quarterly report", "Lunch plans"])),
        ("is:flagged", only(&["Quarterly report"])),
        ("is:answered", only(&["Lunch plans"])),
        ("has:attachment", only(&["Invoice 42"])),
        ("before:2024-03-01", only(&["Lunch plans"])),
        ("after:2024-11-15", only(&["Grüße aus Köln"])),
        ("larger:10K", only(&["Big newsletter"])),
        ("smaller:10K", except(&["Big newsletter"])),
        ("-from:ada", except(&["Quarterly report"])),
        ("-pizza is:read", only(&["Quarterly report"])),
        ("from:ada OR from:grace", only(&["Quarterly report", "Lunch plans"])),
        ("(from:ada OR from:bank) is:unread", only(&["Invoice 42"])),
        ("subject:nothing-like-this", vec![]),
    ];
    for (q, expected) in cases {
        let (status, got) = subjects(&server, &client, &token, q).await;
        assert_eq!(status, 200, "{q}");
        assert_eq!(got, expected, "q={q}");
    }
    for bad in ["from:", "is:bogus", "(unbalanced", "subject:\"open", "larger:lots", "before:2024-13-01", "OR"] {
        let url = reqwest::Url::parse_with_params(&server.url("/api/v1/mailboxes/INBOX/messages"), &[("q", bad)]).unwrap();
        let (status, problem) = get_json(&client, url.to_string(), &token).await;
        assert_eq!(status, 400, "{bad}: {problem}");
        assert!(problem["detail"].as_str().unwrap().contains("position"), "the problem says where: {problem}");
    }
}

#[tokio::test]
async fn ten_thousand_messages_page_and_search() {
    let server = Server::start().await;
    let client = api_client();
    let (user, token) = fresh_user(&server, &client, "tenk").await;
    rig().fill(&user, 10_000, "INBOX");
    let (status, first) = get_json(&client, server.url("/api/v1/mailboxes/INBOX/messages?limit=200"), &token).await;
    assert_eq!(status, 200);
    assert_eq!(first["total"], 10_000);
    assert_eq!(first["items"].as_array().unwrap().len(), 200);

    // Page 50 of 200 through cursors, each page as a fresh request.
    let mut cursor = first["nextCursor"].as_str().unwrap().to_string();
    let mut last_date = first["items"].as_array().unwrap().last().unwrap()["date"].as_str().unwrap().to_string();
    for _ in 1..50 {
        let (status, page) =
            get_json(&client, server.url(&format!("/api/v1/mailboxes/INBOX/messages?limit=200&cursor={cursor}")), &token).await;
        assert_eq!(status, 200);
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 200);
        let first_date = items[0]["date"].as_str().unwrap();
        assert!(first_date <= last_date.as_str(), "pages continue in date order: {first_date} after {last_date}");
        last_date = items.last().unwrap()["date"].as_str().unwrap().to_string();
        cursor = page["nextCursor"].as_str().map(str::to_string).unwrap_or_default();
    }
    assert!(cursor.is_empty(), "50 pages of 200 cover 10,000 messages");

    let subject = first["items"][0]["subject"].as_str().unwrap().split_whitespace().next().unwrap().to_string();
    let url = reqwest::Url::parse_with_params(&server.url("/api/v1/mailboxes/INBOX/messages"), &[("q", format!("subject:\"{subject}\""))])
        .unwrap();
    let (status, found) = get_json(&client, url.to_string(), &token).await;
    assert_eq!(status, 200);
    let total = found["total"].as_u64().unwrap();
    assert!((1..10_000).contains(&total), "{total} matches for {subject}");
    assert!(
        found["items"].as_array().unwrap().iter().all(|m| m["subject"].as_str().unwrap().to_lowercase().contains(&subject.to_lowercase()))
    );
}

#[tokio::test]
async fn search_across_folders_pages_by_date() {
    let server = Server::start().await;
    let client = api_client();
    let (user, token) = fresh_user(&server, &client, "across").await;
    let plain = "Content-Type: text/plain";
    // Five matches spread over three folders, one non-match.
    for (folder, day, subject) in [
        ("INBOX", 1, "Project alpha"),
        ("Archive", 2, "Project beta"),
        ("INBOX", 3, "Project gamma"),
        ("Sent", 4, "Project delta"),
        ("Archive", 5, "Project epsilon"),
        ("INBOX", 6, "Unrelated"),
    ] {
        let date = format!("Mon, {day:02} Jan 2024 12:00:00 +0000");
        rig().save(&user, folder, &mail(subject, "x@example.org", "y@example.org", &date, plain, "text"));
    }
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let url = reqwest::Url::parse_with_params(
            &server.url("/api/v1/search"),
            &[("q", "subject:project"), ("limit", "2"), ("cursor", cursor.as_str())],
        )
        .unwrap();
        let (status, page) = get_json(&client, url.to_string(), &token).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["total"], 5);
        for item in page["items"].as_array().unwrap() {
            seen.push((item["subject"].as_str().unwrap().to_string(), item["mailboxId"].as_str().unwrap().to_string()));
        }
        match page["nextCursor"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => break,
        }
    }
    let subjects: Vec<&str> = seen.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        subjects,
        ["Project epsilon", "Project delta", "Project gamma", "Project beta", "Project alpha"],
        "newest first across folders"
    );
    assert_eq!(seen[0].1, letterbox::mail::MailboxId::from_path("Archive").to_string());
    let (status, _) = get_json(&client, server.url("/api/v1/search?q="), &token).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn cached_lists_follow_changes_made_by_other_clients() {
    let server = Server::start().await;
    let client = api_client();
    let (user, token) = fresh_user(&server, &client, "cache").await;
    let plain = "Content-Type: text/plain";
    for day in 1..=3 {
        rig().save(
            &user,
            "INBOX",
            &mail(
                &format!("Note {day}"),
                "x@example.org",
                "y@example.org",
                &format!("Mon, {day:02} Jan 2024 12:00:00 +0000"),
                plain,
                "text",
            ),
        );
    }
    assert_eq!(subjects(&server, &client, &token, "is:unread").await.1.len(), 3);
    assert_eq!(subjects(&server, &client, &token, "is:unread").await.1.len(), 3, "served again (from the cache)");
    // Another client (doveadm, as Thunderbird would over IMAP) reads one message.
    rig().doveadm(&["flags", "add", "-u", &user, "\\Seen", "mailbox", "INBOX", "subject", "Note 2"]);
    assert_eq!(subjects(&server, &client, &token, "is:unread").await.1, ["Note 1", "Note 3"], "a flag change elsewhere is seen");
    // ...and expunges one, then a new one arrives: the plain list follows both.
    rig().doveadm(&["expunge", "-u", &user, "mailbox", "INBOX", "subject", "Note 1"]);
    rig().save(&user, "INBOX", &mail("Note 4", "x@example.org", "y@example.org", "Mon, 04 Jan 2024 12:00:00 +0000", plain, "text"));
    let (_, all) = subjects(&server, &client, &token, "").await;
    assert_eq!(all, ["Note 2", "Note 3", "Note 4"]);
}
