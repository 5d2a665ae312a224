//! The browser flow over real HTTP: login form, cookie, folder list with unread counts, CSRF,
//! logout, and the security headers on every page.

mod common;

use common::{Server, browser, rig};

/// The value of `name="csrf"` in a page.
fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn login_shows_folders_with_unread_counts_then_logout() {
    let server = Server::start().await;
    let rig = rig();
    let (user, password) = rig.new_user("web").await;
    rig.fill(&user, 12, "INBOX");
    let (_, unseen) = rig.mailbox_counts(&user, "INBOX");
    assert!(unseen > 0);
    let client = browser();

    let response = client.get(server.url("/mail/INBOX")).send().await.unwrap();
    assert_eq!(response.status(), 303, "not logged in: sent to the login form");
    assert_eq!(response.headers()["location"], "/login");

    let response = client.get(server.url("/login")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let csp = response.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    let csrf = csrf_of(&response.text().await.unwrap());

    // Wrong password: the form again, with a message, status 401.
    let response =
        client.post(server.url("/login")).form(&[("username", user.as_str()), ("password", "nope"), ("csrf", &csrf)]).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let page = response.text().await.unwrap();
    assert!(page.contains("Wrong username or password"), "{page}");
    let csrf = csrf_of(&page);

    let response = client
        .post(server.url("/login"))
        .form(&[("username", user.as_str()), ("password", password.as_str()), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/mail/INBOX");
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("letterbox_session="))
        .expect("session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"), "{cookie}");

    let response = client.get(server.url("/mail/INBOX")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    let page = response.text().await.unwrap();
    for folder in ["Drafts", "Sent", "Trash", "Junk", "Archive"] {
        assert!(page.contains(&format!("<span class=\"folder-name\">{folder}</span>")), "{folder} missing");
    }
    assert!(page.contains(&format!("<span class=\"visually-hidden\">unread: </span>{unseen}</span>")), "INBOX unread count {unseen} shown");
    assert!(!page.contains("<script>"), "no inline script");

    // Logout without the CSRF token is refused; with it, the session ends.
    let response = client.post(server.url("/logout")).form(&[("x", "y")]).send().await.unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(client.get(server.url("/mail/INBOX")).send().await.unwrap().status(), 200, "still logged in");
    let csrf = csrf_of(&page);
    let response = client.post(server.url("/logout")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(client.get(server.url("/mail/INBOX")).send().await.unwrap().status(), 303, "logged out");
}

#[tokio::test]
async fn posts_without_a_valid_csrf_token_are_403() {
    let server = Server::start().await;
    let (user, password) = rig().new_user("csrf").await;
    let client = browser();

    let response =
        client.post(server.url("/login")).form(&[("username", user.as_str()), ("password", password.as_str())]).send().await.unwrap();
    assert_eq!(response.status(), 403, "no token, no login");
    let page = client.get(server.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&page);
    let response = client
        .post(server.url("/login"))
        .form(&[("username", user.as_str()), ("password", password.as_str()), ("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403, "a forged token is refused");
    // The token is bound to this browser's nonce cookie: another browser cannot replay it.
    let other = browser();
    let response = other
        .post(server.url("/login"))
        .form(&[("username", user.as_str()), ("password", password.as_str()), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
}

#[tokio::test]
async fn unknown_folder_and_static_files() {
    let server = Server::start().await;
    let (user, password) = rig().new_user("static").await;
    let client = browser();
    let page = client.get(server.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&page);
    client
        .post(server.url("/login"))
        .form(&[("username", user.as_str()), ("password", password.as_str()), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let response = client.get(server.url("/mail/Tm9TdWNo")).send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("There is no folder"));

    let css = client.get(server.url("/static/app.css")).send().await.unwrap();
    assert_eq!(css.status(), 200);
    let etag = css.headers()["etag"].to_str().unwrap().to_string();
    let again = client.get(server.url("/static/app.css")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(client.get(server.url("/static/../Cargo.toml")).send().await.unwrap().status(), 404);
    assert_eq!(client.get(server.url("/healthz")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn forwarded_proto_counts_only_from_trusted_proxies() {
    let secure_cookie = |server: &Server| {
        let request = browser().get(server.url("/login")).header("x-forwarded-proto", "https").header("x-forwarded-for", "198.51.100.7");
        async move {
            let response = request.send().await.unwrap();
            let cookie = response.headers()["set-cookie"].to_str().unwrap().to_string();
            cookie.contains("Secure")
        }
    };
    let untrusted = Server::start().await;
    assert!(!secure_cookie(&untrusted).await, "X-Forwarded-Proto from anyone is ignored");
    let behind_proxy = Server::start_tweaked(|c| c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    assert!(secure_cookie(&behind_proxy).await, "a trusted proxy's https makes cookies Secure");
}

#[tokio::test]
async fn api_docs_page_lists_every_operation_of_the_document() {
    let server = Server::start().await;
    let client = browser();
    let doc: serde_json::Value = client.get(server.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let response = client.get(server.url("/api/docs")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let csp = response.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let page = response.text().await.unwrap();
    assert!(
        !page.contains("<script") && !page.contains("style=\"") && !page.contains("src=\"http") && !page.contains("href=\"http"),
        "offline (nothing loaded from elsewhere), no inline code"
    );
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() > 20);
    for (path, item) in paths {
        let escaped = path.replace('&', "&amp;");
        assert!(page.contains(&format!("<code>{escaped}</code>")), "{path} missing from /api/docs");
        for method in item.as_object().unwrap().keys() {
            let anchor: String = path.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
            assert!(page.contains(&format!("id=\"{method}{anchor}\"")), "{method} {path} missing from /api/docs");
        }
    }
    for stylesheet in ["/static/app.css", "/static/api-docs.css"] {
        assert!(page.contains(stylesheet));
        let response = client.get(server.url(stylesheet)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{stylesheet}");
    }
}

/// The `set-cookie` header of `response` for cookie `name`.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).find(|c| c.starts_with(&format!("{name}=")))
}

fn cookie_value(set_cookie: &str) -> &str {
    set_cookie.split(';').next().unwrap().split_once('=').unwrap().1
}

#[tokio::test]
async fn an_https_public_url_gives_host_prefixed_session_cookies_and_hsts() {
    let (user, password) = rig().new_user("host").await;
    let client = common::api_client();

    let plain = Server::start().await;
    let response = client.get(plain.url("/login")).send().await.unwrap();
    assert!(response.headers().get("strict-transport-security").is_none(), "no HSTS without an https public URL");
    assert!(set_cookie(&response, "letterbox_login").is_some());

    let server = Server::start_tweaked(|c| c.public_url = Some("https://mail.example.test/".parse().unwrap())).await;
    let response = client.get(server.url("/login")).send().await.unwrap();
    assert_eq!(response.headers()["strict-transport-security"], "max-age=31536000");
    let nonce = set_cookie(&response, "__Host-letterbox_login").expect("the login cookie is __Host- prefixed");
    assert!(nonce.contains("Secure") && nonce.contains("Path=/") && !nonce.contains("Domain"), "{nonce}");
    assert!(set_cookie(&response, "letterbox_login").is_none());
    let nonce = cookie_value(&nonce).to_string();
    let csrf = csrf_of(&response.text().await.unwrap());

    // The unprefixed name no longer carries the login form's nonce.
    let response = client
        .post(server.url("/login"))
        .header("cookie", format!("letterbox_login={nonce}"))
        .form(&[("username", user.as_str()), ("password", password.as_str()), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);

    let response = client
        .post(server.url("/login"))
        .header("cookie", format!("__Host-letterbox_login={nonce}"))
        .form(&[("username", user.as_str()), ("password", password.as_str()), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["strict-transport-security"], "max-age=31536000");
    let session = set_cookie(&response, "__Host-letterbox_session").expect("the session cookie is __Host- prefixed");
    assert!(
        session.contains("Secure") && session.contains("Path=/") && session.contains("HttpOnly") && !session.contains("Domain"),
        "{session}"
    );
    let token = cookie_value(&session).to_string();

    let inbox = |cookie: String| client.get(server.url("/mail/INBOX")).header("cookie", cookie).send();
    assert_eq!(inbox(format!("__Host-letterbox_session={token}")).await.unwrap().status(), 200);
    let response = inbox(format!("letterbox_session={token}")).await.unwrap();
    assert_eq!(response.status(), 303, "a cookie without the prefix (planted over http or by a subdomain) is not a session");
    assert_eq!(response.headers()["location"], "/login");
}

#[tokio::test]
async fn attachments_and_sources_are_not_kept_in_the_browser_cache() {
    let server = Server::start().await;
    let (client, user) = common::browser_login(&server, "nocache").await;
    let original = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/eml/attachment-crlf.eml")).unwrap();
    rig().save(&user, "INBOX", &original);
    let page = client.get(server.url("/mail/INBOX")).send().await.unwrap().text().await.unwrap();
    let marker = "data-id=\"";
    let start = page.find(marker).expect("the message is listed") + marker.len();
    let id: String = page[start..].chars().take_while(|c| *c != '"').collect();
    for path in [format!("/message/{id}/attachments/2"), format!("/message/{id}/raw")] {
        let response = client.get(server.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], "private, no-store", "{path}");
    }
}

#[tokio::test]
async fn the_login_page_says_only_that_the_mail_server_is_unavailable_with_a_request_id() {
    common::logs::capture();
    let (user, password) = rig().new_user("webbad").await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let cases = [
        (Server::start_tweaked(|c| c.imap.port = closed).await, closed, "connection refused"),
        (Server::start_tweaked(|c| c.ca_file = None).await, rig().imap_port(), "certificate not trusted"),
    ];
    for (server, port, cause) in &cases {
        let client = browser();
        let page = client.get(server.url("/login")).send().await.unwrap().text().await.unwrap();
        let csrf = csrf_of(&page);
        let response = client
            .post(server.url("/login"))
            .form(&[("username", user.as_str()), ("password", password.as_str()), ("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 502);
        let id = response.headers()["x-request-id"].to_str().unwrap().to_string();
        let page = response.text().await.unwrap();
        assert!(page.contains("The mail server is unavailable.") && page.contains(&id), "generic text and request id {id}: {page}");
        for word in ["127.0.0.1", "certificate", "refused", "os error", "TLS"].iter().map(|w| w.to_string()).chain([format!(":{port}")]) {
            assert!(!page.contains(&word), "{word:?} shown before login: {page}");
        }
        let logged = common::logs::lines_with(&id).join("\n");
        assert!(logged.contains(cause) && logged.contains(&format!("127.0.0.1:{port}")), "the log has the details: {logged}");
    }
}
