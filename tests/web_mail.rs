//! Reading mail in the browser without JavaScript: the list, the reading page, the sandboxed
//! body with its own CSP, remote content on request, and the action forms.

mod common;

use common::{Server, browser_login, csrf_of, rig};

/// Every `href="..."` value of a page that starts with `prefix`.
fn links(html: &str, prefix: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|h| h.starts_with(prefix))
        .map(|h| h.replace("&amp;", "&"))
        .collect()
}

const NEWSLETTER: &str = "From: News <news@letters.example>\r\nTo: you@example.test\r\nSubject: Hostile newsletter\r\nDate: DATE\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><head><style>body{position:fixed} p{color:red}</style></head><body><p onclick=\"alert(1)\">Hello <b>reader</b></p><img src=\"https://tracker.example/pixel.gif\" width=1 height=1><script>alert(2)</script><a href=\"javascript:alert(3)\">x</a></body></html>\r\n";

#[tokio::test]
async fn list_open_body_and_actions_without_javascript() {
    let server = Server::start().await;
    let (client, user) = browser_login(&server, "webmail").await;
    rig().fill(&user, 60, "INBOX");
    let now = time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc2822).unwrap();
    rig().save(&user, "INBOX", NEWSLETTER.replace("DATE", &now).as_bytes());

    let list = client.get(server.url("/mail/INBOX")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("1–50 of 61"), "paging label");
    assert!(list.contains("Hostile newsletter"));
    let next = links(&list, "/mail/INBOX?cursor=");
    assert_eq!(next.len(), 1, "a next-page link");
    let second = client.get(server.url(&next[0])).send().await.unwrap().text().await.unwrap();
    assert!(second.contains("51–61 of 61"), "second page label");

    let search = client.get(server.url("/mail/INBOX?q=subject%3Ahostile")).send().await.unwrap().text().await.unwrap();
    assert!(search.contains("1–1 of 1"), "search results");
    let message_link = links(&search, "/mail/INBOX/").into_iter().next().expect("a link to the message");
    let bad = client.get(server.url("/mail/INBOX?q=from%3A")).send().await.unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("That search or page link did not work"));

    let response = client.get(server.url(&message_link)).send().await.unwrap();
    let page_csp = response.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(page_csp.contains("frame-src 'self'"), "the page may frame its own message body: {page_csp}");
    let page = response.text().await.unwrap();
    assert!(page.contains("<h1 id=\"message-subject\">Hostile newsletter</h1>"));
    assert!(page.contains("sandbox=\"allow-same-origin allow-popups allow-popups-to-escape-sandbox\""), "body in a sandboxed frame");
    assert!(page.contains("remote image or style was blocked"), "remote content is blocked and said so");
    let body_src =
        page.split("src=\"/message/").nth(1).map(|rest| format!("/message/{}", rest.split('"').next().unwrap())).expect("iframe src");

    let body = client.get(server.url(&body_src)).send().await.unwrap();
    let csp = body.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("default-src 'none'") && !csp.contains("script-src") && csp.contains("img-src 'self' data:;"), "{csp}");
    let html = body.text().await.unwrap();
    assert!(html.contains("Hello <b>reader</b>"), "{html}");
    for forbidden in ["<script", "onclick", "javascript:", "tracker.example", "position:fixed", "position: fixed"] {
        assert!(!html.contains(forbidden), "{forbidden} survived: {html}");
    }
    let remote = client.get(server.url(&format!("{body_src}?remote=allow"))).send().await.unwrap();
    assert!(remote.headers()["content-security-policy"].to_str().unwrap().contains("https:"));
    assert!(remote.text().await.unwrap().contains("tracker.example/pixel.gif"), "remote content loads on request");

    // Showing it changed nothing; the page's own POST (what its script sends) marks it read; the
    // flag form flags it; delete moves it to Trash.
    let csrf = csrf_of(&page);
    let id = body_src.trim_start_matches("/message/").trim_end_matches("/body").to_string();
    assert!(!rig().flags_of(&user, "INBOX", "subject hostile").contains("\\Seen"), "a GET marked it read");
    let response = client
        .post(server.url(&format!("/message/{id}/action")))
        .form(&[("csrf", csrf.as_str()), ("action", "read")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert!(rig().flags_of(&user, "INBOX", "subject hostile").contains("\\Seen"));
    let response = client
        .post(server.url(&format!("/message/{id}/action")))
        .form(&[("csrf", csrf.as_str()), ("action", "flag"), ("back", "/mail/INBOX")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert!(rig().flags_of(&user, "INBOX", "subject hostile").contains("\\Flagged"));
    let response = client
        .post(server.url(&format!("/message/{id}/action")))
        .form(&[("csrf", csrf.as_str()), ("action", "move"), ("mailbox", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400, "a move without a folder is a readable error");
    assert!(response.text().await.unwrap().contains("pick a folder"));
    let response = client.post(server.url(&format!("/message/{id}/action"))).form(&[("action", "delete")]).send().await.unwrap();
    assert_eq!(response.status(), 403, "no CSRF token, no action");
    let response = client
        .post(server.url(&format!("/message/{id}/action")))
        .form(&[("csrf", csrf.as_str()), ("action", "delete"), ("back", "https://evil.example/")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/mail/INBOX", "never redirects off-site");
    assert_eq!((rig().mailbox_counts(&user, "INBOX").0, rig().mailbox_counts(&user, "Trash").0), (60, 1));

    // Bulk: select two rows and archive them.
    let ids: Vec<String> =
        second.split("name=\"ids\" value=\"").skip(1).take(2).map(|rest| rest.split('"').next().unwrap().to_string()).collect();
    let form = vec![
        ("csrf", csrf.clone()),
        ("action", "archive".into()),
        ("back", "/mail/INBOX".into()),
        ("ids", ids[0].clone()),
        ("ids", ids[1].clone()),
    ];
    let response = client.post(server.url("/mail/INBOX/batch")).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(rig().mailbox_counts(&user, "Archive").0, 2);
}
