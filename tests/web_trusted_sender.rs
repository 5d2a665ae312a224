//! "Always load remote content from this sender" applies only when the receiving server's own
//! (topmost) Authentication-Results header shows a DKIM or DMARC pass for the From domain.

mod common;

use common::{Server, browser_login, csrf_of, rig};

const MESSAGE: &str = "AUTHFrom: Shop <news@shop.example>\r\nTo: you@example.test\r\nSubject: SUBJECT\r\nDate: Sat, 05 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Sale</p><img src=\"https://cdn.shop.example/banner.png\">\r\n";

/// The reading page of the message with `subject` (found through the list's search).
async fn open(server: &Server, client: &reqwest::Client, subject: &str) -> String {
    let list = client.get(server.url(&format!("/mail/INBOX?q=subject%3A{subject}"))).send().await.unwrap().text().await.unwrap();
    let link = list
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .find(|h| h.starts_with("/mail/INBOX/"))
        .unwrap_or_else(|| panic!("a link to {subject}: {list}"))
        .replace("&amp;", "&");
    client.get(server.url(&link)).send().await.unwrap().text().await.unwrap()
}

fn loads_remote(page: &str) -> bool {
    page.contains("/body?remote=allow\"")
}

#[tokio::test]
async fn trusted_sender_needs_the_receiving_servers_dkim_or_dmarc_pass() {
    let server = Server::start_tweaked(|c| c.authserv_id = Some("mx.example.test".into())).await;
    let (client, user) = browser_login(&server, "trust").await;
    let cases = [
        ("passing", "Authentication-Results: mx.example.test;\r\n\tdkim=pass (good signature) header.d=shop.example\r\n"),
        (
            "dmarcpass",
            "Authentication-Results: MX.example.test; spf=fail smtp.mailfrom=x@shop.example; dmarc=pass header.from=shop.example\r\n",
        ),
        // The sender wrote a pass further down; the server's own result on top failed.
        (
            "forgedbelow",
            "Authentication-Results: mx.example.test; dkim=fail header.d=shop.example\r\nReceived: from sender\r\nAuthentication-Results: mx.example.test; dkim=pass header.d=shop.example\r\n",
        ),
        // No result from the server at all: the sender's own header is the topmost one.
        ("forgedalone", "Authentication-Results: forger.example; dkim=pass header.d=shop.example\r\n"),
        ("parentdomain", "Authentication-Results: mx.example.test; dkim=pass header.d=example\r\n"),
        ("noheader", ""),
    ];
    for (subject, auth) in cases {
        rig().save(&user, "INBOX", MESSAGE.replace("AUTH", auth).replace("SUBJECT", subject).as_bytes());
    }

    // Not on the list yet: everything is blocked, and the banner offers to trust the sender.
    let page = open(&server, &client, "passing").await;
    assert!(!loads_remote(&page) && page.contains("id=\"trust-sender\""), "{page}");
    assert!(!page.contains("id=\"remote-unverified\""));
    let id = page.split("action=\"/message/").nth(1).and_then(|r| r.split('/').next()).expect("message id").to_string();
    let response = client
        .post(server.url(&format!("/message/{id}/action")))
        .form(&[("csrf", csrf_of(&page).as_str()), ("action", "trust-sender"), ("back", "/mail/INBOX")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);

    for subject in ["passing", "dmarcpass"] {
        let page = open(&server, &client, subject).await;
        assert!(loads_remote(&page), "{subject}: a verified listed sender loads remote content");
        assert!(!page.contains("id=\"remote-notice\""), "{subject}: no banner");
    }
    let why = [
        ("forgedbelow", "did not confirm (DKIM or DMARC) that this message really comes from shop.example"),
        ("forgedalone", "was not made by your mail server"),
        ("parentdomain", "did not confirm (DKIM or DMARC) that this message really comes from shop.example"),
        ("noheader", "recorded no sender check"),
    ];
    for (subject, reason) in why {
        let page = open(&server, &client, subject).await;
        assert!(!loads_remote(&page), "{subject}: remote content stays blocked");
        assert!(page.contains("id=\"remote-unverified\""), "{subject}: the banner says why");
        assert!(page.contains(reason), "{subject}: {reason:?} in {page}");
    }
}
