//! Folder export against the real Dovecot rig: mboxrd and zip give back every message byte for
//! byte, no message gets \Seen, a token only exports the folders it may read, and one request
//! exports a folder bigger than the token's rate limit.

mod common;

use common::{Server, TempDir, api_client, get_json, rig};
use serde_json::{Value, json};

/// Messages that test the format: `From ` lines (quoted and not), a binary attachment, a
/// message whose last line has no line end.
fn tricky_messages() -> Vec<Vec<u8>> {
    let binary: Vec<u8> = (0..3000u32).map(|i| (i * 7919 % 256) as u8).collect();
    let encoded = base64_lines(&binary);
    vec![
        b"From: Ann <ann@example.test>\r\nTo: x@example.test\r\nSubject: from lines\r\nDate: Mon, 01 Jan 2024 12:00:00 +0000\r\n\r\nFrom the start of a line\r\n>From already quoted\r\n>>From twice\r\nFromage is not a separator\r\n \r\nFrom \r\n".to_vec(),
        format!(
            "From: Bob <bob@example.test>\r\nTo: x@example.test\r\nSubject: binary\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nsee attached\r\nFrom inside a part\r\n--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"blob.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{encoded}--b1--\r\n"
        )
        .into_bytes(),
        b"Subject: no sender\r\n\r\nlast line\r\n".to_vec(),
    ]
}

fn base64_lines(data: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = String::new();
    for chunk in data.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            text.push(if i <= chunk.len() { ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
        }
    }
    text.as_bytes().chunks(76).map(|l| format!("{}\r\n", String::from_utf8_lossy(l))).collect()
}

/// Reverses mboxrd, independently of the server's writer: a `From ` line starts a message,
/// one `>` comes off each `^>+From ` line, and the blank line before the next message goes.
fn split_mboxrd(mbox: &[u8]) -> Vec<Vec<u8>> {
    let mut messages: Vec<Vec<u8>> = Vec::new();
    for line in mbox.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b"From ") {
            messages.push(Vec::new());
            continue;
        }
        let current = messages.last_mut().expect("the mbox starts with a From line");
        let quotes = line.iter().take_while(|&&b| b == b'>').count();
        current.extend_from_slice(if quotes > 0 && line[quotes..].starts_with(b"From ") { &line[1..] } else { line });
    }
    for message in &mut messages {
        assert!(message.ends_with(b"\n\n"), "each message ends with a line end and a blank line");
        message.pop();
    }
    messages
}

/// The raw source with LF line ends, as mbox carries it.
fn with_lf(raw: &[u8]) -> Vec<u8> {
    let mut text = String::from_utf8_lossy(raw).replace("\r\n", "\n").into_bytes();
    if !text.ends_with(b"\n") {
        text.push(b'\n');
    }
    text
}

/// Every message of the folder in UID order: (uid, raw source from the API).
async fn raw_sources(server: &Server, client: &reqwest::Client, token: &str, mailbox: &str) -> Vec<(u64, Vec<u8>)> {
    let (status, page) = get_json(client, server.url(&format!("/api/v1/mailboxes/{mailbox}/messages?limit=200")), token).await;
    assert_eq!(status, 200, "{page}");
    let mut sources = Vec::new();
    for item in page["items"].as_array().unwrap() {
        let response = client
            .get(server.url(&format!("/api/v1/messages/{}/raw", item["id"].as_str().unwrap())))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        sources.push((item["uid"].as_u64().unwrap(), response.bytes().await.unwrap().to_vec()));
    }
    // ARRIVAL sorts by INTERNALDATE; the export goes in UID order.
    sources.sort_by_key(|s| s.0);
    sources
}

async fn export(server: &Server, client: &reqwest::Client, token: &str, query: &str) -> reqwest::Response {
    client.get(server.url(&format!("/api/v1/mailboxes/{query}"))).bearer_auth(token).send().await.unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[tokio::test]
async fn mbox_and_zip_exports_give_back_every_message_byte_for_byte() {
    let server = Server::start().await;
    let client = api_client();
    let (user, password) = rig().new_user("export").await;
    for message in tricky_messages() {
        rig().save(&user, "INBOX", &message);
    }
    rig().fill(&user, 5, "INBOX");
    let session = server.login(&client, &user, &password).await;
    let sources = raw_sources(&server, &client, &session, "INBOX").await;
    assert_eq!(sources.len(), 8);
    let seen =
        |page: &Value| page["items"].as_array().unwrap().iter().map(|m| (m["uid"].as_u64(), m["seen"].as_bool())).collect::<Vec<_>>();
    let (_, before) = get_json(&client, server.url("/api/v1/mailboxes/INBOX/messages?limit=200"), &session).await;
    assert!(seen(&before).iter().filter(|s| s.1 == Some(false)).count() >= 3, "{before}");

    let response = export(&server, &client, &session, "INBOX/export").await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "application/mbox");
    assert!(header(&response, "content-disposition").starts_with("attachment; filename=\"INBOX.mbox\""));
    let mbox = response.bytes().await.unwrap();
    let messages = split_mboxrd(&mbox);
    assert_eq!(messages.len(), sources.len());
    for ((uid, raw), exported) in sources.iter().zip(&messages) {
        assert_eq!(String::from_utf8_lossy(exported), String::from_utf8_lossy(&with_lf(raw)), "message {uid}");
    }
    assert!(!mbox.contains(&b'\r'), "LF line ends only");
    assert!(String::from_utf8_lossy(&mbox).contains("\n>From the start of a line\n>>From already quoted\n>>>From twice\nFromage"));

    let response = export(&server, &client, &session, "INBOX/export?format=zip").await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "application/zip");
    assert!(header(&response, "content-disposition").starts_with("attachment; filename=\"INBOX.zip\""));
    let dir = TempDir::new("export-zip");
    let archive = dir.0.join("INBOX.zip");
    std::fs::write(&archive, response.bytes().await.unwrap()).unwrap();
    // Python's zipfile reads it (an independent reader) and checks every CRC.
    let script = "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nz.extractall(sys.argv[2])\nprint('\\n'.join(z.namelist()))";
    let output = std::process::Command::new("python3").args(["-c", script]).arg(&archive).arg(dir.0.join("out")).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let names: Vec<String> = String::from_utf8(output.stdout).unwrap().lines().map(str::to_string).collect();
    let expected: Vec<String> = sources.iter().enumerate().map(|(i, (uid, _))| format!("{:06}-{uid}.eml", i + 1)).collect();
    assert_eq!(names, expected);
    for ((uid, raw), name) in sources.iter().zip(&names) {
        assert_eq!(&std::fs::read(dir.0.join("out").join(name)).unwrap(), raw, "message {uid}");
    }

    // Exporting reads with BODY.PEEK: nothing became \Seen.
    let (_, after) = get_json(&client, server.url("/api/v1/mailboxes/INBOX/messages?limit=200"), &session).await;
    assert_eq!(seen(&after), seen(&before));
}

#[tokio::test]
async fn a_token_exports_only_folders_it_may_read_and_bad_input_is_a_problem() {
    let server = Server::start().await;
    let client = api_client();
    let (user, password) = rig().new_user("exportgrant").await;
    rig().fill(&user, 2, "INBOX");
    let session = server.login(&client, &user, &password).await;
    let create = |body: Value| {
        let (client, url, session) = (client.clone(), server.url("/api/v1/tokens"), session.clone());
        async move {
            let response = client.post(url).bearer_auth(session).json(&body).send().await.unwrap();
            assert_eq!(response.status(), 201);
            response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string()
        }
    };
    let inbox_only = create(json!({"name": "inbox only", "scopes": ["mail.read"], "mailboxes": ["INBOX"]})).await;
    assert_eq!(export(&server, &client, &inbox_only, "INBOX/export").await.status(), 200);
    for other in ["sent", "Sent", "Trash"] {
        // Refused exactly as the folder's message list is: as if it did not exist.
        let (list_status, _) = get_json(&client, server.url(&format!("/api/v1/mailboxes/{other}/messages")), &inbox_only).await;
        let response = export(&server, &client, &inbox_only, &format!("{other}/export")).await;
        assert_eq!(response.status().as_u16(), list_status, "{other}");
        assert_eq!(response.status(), 404, "{other}");
        assert_eq!(header(&response, "content-type"), "application/problem+json");
    }
    let send_only = create(json!({"name": "sender", "scopes": ["mail.send"]})).await;
    let response = export(&server, &client, &send_only, "INBOX/export").await;
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["scope"], "mail.read", "{body}");

    let response = export(&server, &client, &session, "INBOX/export?format=tar").await;
    assert_eq!(response.status(), 400);
    assert_eq!(header(&response, "content-type"), "application/problem+json");
    let response = export(&server, &client, &session, "NoSuchFolder/export").await;
    assert_eq!(response.status(), 404);
    assert_eq!(header(&response, "content-type"), "application/problem+json");
}

#[tokio::test]
async fn one_request_exports_a_folder_bigger_than_the_token_rate_limit() {
    let server = Server::start_tweaked(|config| config.token_rate_limit_per_minute = 5).await;
    let client = api_client();
    let (user, password) = rig().new_user("exportbig").await;
    rig().fill(&user, 60, "INBOX");
    let session = server.login(&client, &user, &password).await;
    let response = client
        .post(server.url("/api/v1/tokens"))
        .bearer_auth(&session)
        .json(&json!({"name": "backup", "scopes": ["mail.read"]}))
        .send()
        .await
        .unwrap();
    let token = response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();

    for format in ["", "?format=zip"] {
        let response = export(&server, &client, &token, &format!("INBOX/export{format}")).await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "ratelimit-limit"), "5");
        assert_eq!(header(&response, "x-letterbox-messages"), "60");
        let body = response.bytes().await.unwrap();
        if format.is_empty() {
            assert_eq!(split_mboxrd(&body).len(), 60);
        } else {
            // The end record counts the entries.
            let end = body.len() - 22;
            assert_eq!(&body[end..end + 4], b"PK\x05\x06");
            assert_eq!(u16::from_le_bytes([body[end + 10], body[end + 11]]), 60);
        }
    }
}

#[tokio::test]
async fn the_folders_page_offers_an_export_of_each_folder_to_the_logged_in_user_only() {
    let server = Server::start().await;
    let (browser, user) = common::browser_login(&server, "exportweb").await;
    rig().fill(&user, 3, "INBOX");
    let page = browser.get(server.url("/folders")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("href=\"/folders/INBOX/export\""), "{page}");
    assert!(page.contains("href=\"/folders/INBOX/export?format=zip\""), "{page}");
    let response = browser.get(server.url("/folders/INBOX/export")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "application/mbox");
    assert_eq!(split_mboxrd(&response.bytes().await.unwrap()).len(), 3);
    let response = browser.get(server.url("/folders/INBOX/export?format=zip")).send().await.unwrap();
    assert_eq!(header(&response, "content-type"), "application/zip");
    assert!(response.bytes().await.unwrap().starts_with(b"PK\x03\x04"));
    // Without the login cookie: no download.
    let response = common::browser().get(server.url("/folders/INBOX/export")).send().await.unwrap();
    assert_ne!(response.status(), 200);
    assert_ne!(header(&response, "content-type"), "application/mbox");
}

#[tokio::test]
async fn an_export_cut_off_by_the_mail_server_ends_in_an_error_not_a_complete_file() {
    // A rig of its own: this test stops its Dovecot.
    let rig = common::start_rig("exportcut", &[]);
    let server = Server::start_on(&rig, |_| {}).await;
    let client = api_client();
    let (user, password) = rig.new_user("cut").await;
    // Far more than the buffers between the export and this reader hold (about 25 MB).
    rig.fill(&user, 20_000, "INBOX");
    let session = server.login(&client, &user, &password).await;
    let mut response = export(&server, &client, &session, "INBOX/export").await;
    assert_eq!(response.status(), 200);
    let first = response.chunk().await.expect("a first chunk").expect("not empty");
    rig.dovecot("stop");
    let mut received = first.len();
    let outcome = loop {
        match response.chunk().await {
            Ok(Some(chunk)) => received += chunk.len(),
            Ok(None) => break Ok(()),
            Err(err) => break Err(err),
        }
    };
    assert!(outcome.is_err(), "the download ended as if complete after {received} bytes");
}

/// A compressed download (the client sends Accept-Encoding, as browsers and Schemathesis do)
/// of a full and of an empty folder ends cleanly: the body stream must not be polled past its
/// end (a panic that aborted the connection, found by the API fuzzing).
#[tokio::test]
async fn compressed_exports_of_full_and_empty_folders_end_cleanly() {
    let server = Server::start().await;
    let client = api_client();
    let (user, password) = rig().new_user("exportgzip").await;
    rig().fill(&user, 3, "INBOX");
    let session = server.login(&client, &user, &password).await;
    for (folder, encoding) in [("INBOX", "gzip"), ("INBOX", "br"), ("Junk", "gzip"), ("Archive", "br"), ("INBOX", "identity")] {
        for format in ["", "?format=zip"] {
            let response = client
                .get(server.url(&format!("/api/v1/mailboxes/{folder}/export{format}")))
                .bearer_auth(&session)
                .header("accept-encoding", encoding)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{folder}{format} {encoding}");
            let body = response.bytes().await;
            assert!(body.is_ok(), "{folder}{format} {encoding}: the download broke off: {body:?}");
        }
    }
}
