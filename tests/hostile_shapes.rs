//! Hostile mail shapes through every path a received mail takes (list, API and web view, reply and
//! forward prefill, raw source, attachment download, search), each against a benign mail of the
//! same size: every path answers sensibly and no path is more than 10× slower on the hostile one.

mod common;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use common::{Server, api_client, browser_login_as, get_json, rig};
use serde_json::Value;

/// Below this a benign time is noise on a shared machine: ratios are taken against at least this.
const FLOOR: Duration = Duration::from_millis(150);
/// A path this many times slower on the hostile mail than on the benign one is a bug.
const MAX_RATIO: f64 = 10.0;

/// Slow paths found and not fixed yet, with why: each must still be slow (so the entry goes when
/// it is fixed). Empty since async-imap frames a response before parsing it (vendor/async-imap):
/// the 5,000-part list and search were 73x, re-parsing a 300 KB BODYSTRUCTURE per 4 KB read.
const KNOWN_SLOW: &[(&str, &str)] = &[];

fn headers(token: &str, subject: &str, content_type: &str) -> String {
    format!(
        "From: Sender <sender@example.org>\r\nTo: someone@example.test\r\nSubject: {token} {subject}\r\n\
         Date: Sun, 6 Dec 2026 03:00:00 +0000\r\nMessage-ID: <{token}@example.org>\r\nMIME-Version: 1.0\r\n\
         Content-Type: {content_type}\r\n"
    )
}

/// Base64 in 76-column lines, as mail carries it.
fn base64_lines(bytes: &[u8]) -> String {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut out = String::with_capacity(encoded.len() * 78 / 76 + 2);
    for chunk in encoded.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(chunk).expect("ascii"));
        out.push_str("\r\n");
    }
    out
}

/// An ordinary mail of about `size` bytes: half readable text in normal lines, half a
/// base64 attachment.
fn benign(token: &str, size: usize) -> Vec<u8> {
    let mut mail = headers(token, "an ordinary letter", "multipart/mixed; boundary=\"b\"");
    mail.push_str("\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
    let line = "The quick brown fox jumps over the lazy dog, and then writes a letter home.\r\n";
    mail.push_str(&line.repeat((size / 2 / line.len()).max(1)));
    let attachment: Vec<u8> = (0..(size / 2 * 3 / 4).max(16)).map(|n| (n % 251) as u8).collect();
    mail.push_str("--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"data.bin\"\r\n");
    mail.push_str("Content-Transfer-Encoding: base64\r\n\r\n");
    mail.push_str(&base64_lines(&attachment));
    mail.push_str("--b--\r\n");
    mail.into_bytes()
}

fn html_only(token: &str, subject: &str, html: &str) -> Vec<u8> {
    format!("{}\r\n{html}\r\n", headers(token, subject, "text/html; charset=utf-8")).into_bytes()
}

/// The hostile shapes: (name, mail). `big_mb` sizes the big attachment (HOSTILE_BIG_MB, default 20:
/// 50 takes minutes in a debug build and showed the same ratios).
fn shapes(big_mb: usize) -> Vec<(&'static str, Vec<u8>)> {
    let n = 100_000;
    let mut shapes = Vec::new();
    let nested = format!("{}deep{}", "<div>".repeat(n), "</div>".repeat(n));
    shapes.push(("100k nested tags", html_only("tnested", "nested", &nested)));
    shapes.push(("100k <style> tags", html_only("tstyle", "styles", &"<style>p{color:red}</style>x".repeat(n))));
    let long = format!("{}\r\n{}\r\n", headers("tline", "one line", "text/plain; charset=utf-8"), "abcdefghi ".repeat(1_000_000));
    shapes.push(("10 MB single line", long.into_bytes()));

    let mut parts = headers("tparts", "parts", "multipart/mixed; boundary=\"p\"");
    parts.push_str("\r\n--p\r\nContent-Type: text/plain\r\n\r\nMany parts follow.\r\n");
    for i in 0..5_000 {
        write!(parts, "--p\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"p{i}.txt\"\r\n\r\npart {i}\r\n")
            .unwrap();
    }
    parts.push_str("--p--\r\n");
    shapes.push(("5,000 MIME parts", parts.into_bytes()));

    let depth = 1_000;
    let mut deep = headers("tdeep", "deep", "multipart/mixed; boundary=\"d0\"");
    deep.push_str("\r\n");
    for i in 1..depth {
        write!(deep, "--d{}\r\nContent-Type: multipart/mixed; boundary=\"d{i}\"\r\n\r\n", i - 1).unwrap();
    }
    write!(deep, "--d{}\r\nContent-Type: text/plain\r\n\r\nthe bottom\r\n", depth - 1).unwrap();
    for i in (0..depth).rev() {
        write!(deep, "--d{i}--\r\n").unwrap();
    }
    shapes.push(("1,000-deep multipart", deep.into_bytes()));

    let folded: String = (0..14_000).map(|i| format!(" word{i:05} and more words to fill a line of the subject\r\n")).collect();
    let header = format!(
        "From: Sender <sender@example.org>\r\nTo: someone@example.test\r\nSubject: theader\r\n{folded}\
         Date: Sun, 6 Dec 2026 03:00:00 +0000\r\nMessage-ID: <theader@example.org>\r\nContent-Type: text/plain\r\n\r\nbody\r\n"
    );
    shapes.push(("1 MB header", header.into_bytes()));

    let to: Vec<String> = (0..n).map(|i| format!("User {i} <user{i}@example.org>")).collect();
    let recipients = format!(
        "From: Sender <sender@example.org>\r\nTo: {}\r\nCc: {}\r\nSubject: trcpt recipients\r\n\
         Date: Sun, 6 Dec 2026 03:00:00 +0000\r\nMessage-ID: <trcpt@example.org>\r\nContent-Type: text/plain\r\n\r\nbody\r\n",
        to[..n / 2].join(",\r\n "),
        to[n / 2..].join(",\r\n ")
    );
    shapes.push(("100k recipients", recipients.into_bytes()));

    let mut big = headers("tbig", "big attachment", "multipart/mixed; boundary=\"g\"");
    big.push_str("\r\n--g\r\nContent-Type: text/plain\r\n\r\nSee the attachment.\r\n");
    big.push_str("--g\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"big.bin\"\r\n");
    big.push_str("Content-Transfer-Encoding: base64\r\n\r\n");
    let payload: Vec<u8> = (0..big_mb * 1024 * 1024).map(|n| (n * 7 % 256) as u8).collect();
    big.push_str(&base64_lines(&payload));
    big.push_str("--g--\r\n");
    shapes.push(("big attachment", big.into_bytes()));

    shapes.push(("invalid charsets", invalid_charsets()));
    shapes
}

/// Wrong charsets, broken encoded words, bad base64 and quoted-printable, raw 8-bit bytes in
/// headers, unknown transfer encodings: in every header and part, 500 times over.
fn invalid_charsets() -> Vec<u8> {
    let mut mail: Vec<u8> = Vec::new();
    mail.extend_from_slice(b"From: =?x-bogus?B?!!!?= <sender@example.org>\r\nTo: =?utf-8?Q?=FF=FE?= <someone@example.test>\r\n");
    mail.extend_from_slice(b"Subject: tcharset =?utf-16?B?2D3e?= =?iso-2022-jp?B?GyRCJDMbKEI?= \xff\xfe raw =?utf-8?Q?caf=C3?=\r\n");
    mail.extend_from_slice(b"Date: not a date at all\r\nMessage-ID: <tcharset@example.org>\r\nMIME-Version: 1.0\r\n");
    mail.extend_from_slice(b"Content-Type: multipart/mixed; boundary=\"c\"\r\n\r\n");
    for i in 0..500 {
        let parts: [&[u8]; 5] = [
            b"Content-Type: text/plain; charset=\"x-no-such-charset\"\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not*base64###\r\n",
            b"Content-Type: text/html; charset=utf-16\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>=ZZ=F=\r\n\xff\xfe<b>x</p>\r\n",
            b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: x-unknown\r\n\r\n\xc3\x28 \xe2\x82 \xf0\x9f\x92\r\n",
            b"Content-Type: application/octet-stream; name=\"=?bogus?Q?a?=\"\r\nContent-Disposition: attachment; filename*=x-bad''%ZZ%FF\r\nContent-Transfer-Encoding: base64\r\n\r\n====\r\n",
            b"Content-Type: text/plain; charset=\"\xff\xfe\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\xff\xfe\xfd\r\n",
        ];
        mail.extend_from_slice(b"--c\r\n");
        mail.extend_from_slice(parts[i % parts.len()]);
    }
    mail.extend_from_slice(b"--c--\r\n");
    mail
}

/// The word that starts a mail's subject: what the search path looks for.
fn token_of(mail: &[u8]) -> String {
    let at = mail.windows(10).position(|w| w == b"\nSubject: ").expect("a subject") + 10;
    let word = mail[at..].iter().take_while(|b| b.is_ascii_alphanumeric()).copied().collect();
    String::from_utf8(word).expect("ascii")
}

/// What one path answered for one mail, and how long it took.
struct Outcome {
    elapsed: Duration,
    status: u16,
    body: Vec<u8>,
}

async fn timed(request: reqwest::RequestBuilder) -> Outcome {
    let start = Instant::now();
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let body = response.bytes().await.expect("body").to_vec();
    Outcome { elapsed: start.elapsed(), status, body }
}

/// The message's API id and its first attachment's part id, found through the folder's list.
async fn locate(server: &Server, client: &reqwest::Client, token: &str, folder: &str) -> (String, Option<String>) {
    let (status, list) = get_json(client, server.url(&format!("/api/v1/mailboxes/{folder}/messages")), token).await;
    assert_eq!(status, 200, "{list}");
    let id = list["items"][0]["id"].as_str().expect("an id").to_string();
    let (status, view) = get_json(client, server.url(&format!("/api/v1/messages/{id}")), token).await;
    assert_eq!(status, 200, "viewing {folder}");
    let part = view["attachments"].as_array().and_then(|a| a.first()).and_then(|a| a["partId"].as_str()).map(str::to_string);
    (id, part)
}

/// Runs every path for one mail, checking each answer; the times by path name.
async fn run_paths(
    server: &Server,
    api: &reqwest::Client,
    web: &reqwest::Client,
    token: &str,
    folder: &str,
    search: &str,
    raw_len: usize,
) -> Vec<(&'static str, Duration)> {
    let (id, part) = locate(server, api, token, folder).await;
    let bearer = |path: &str| api.get(server.url(path)).bearer_auth(token);
    let mut times = Vec::new();

    let list = timed(bearer(&format!("/api/v1/mailboxes/{folder}/messages"))).await;
    assert_eq!(list.status, 200, "{folder} list");
    let listed: Value = serde_json::from_slice(&list.body).expect("json");
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1), "{folder} list");
    times.push(("list", list.elapsed));

    let view = timed(bearer(&format!("/api/v1/messages/{id}"))).await;
    assert_eq!(view.status, 200, "{folder} view");
    let viewed: Value = serde_json::from_slice(&view.body).expect("json");
    let html = viewed["html"].as_str().unwrap_or_default();
    assert!(!html.contains("<style>p{") && !html.contains("<script"), "{folder}: unsanitized html");
    times.push(("view", view.elapsed));

    let body = timed(web.get(server.url(&format!("/message/{id}/body")))).await;
    assert_eq!(body.status, 200, "{folder} web body");
    times.push(("web body", body.elapsed));

    for (name, action, prefix) in [("reply all", "replyAll", "Re:"), ("forward", "forward", "Fwd:")] {
        let page = timed(web.get(server.url(&format!("/compose?reply={id}&action={action}")))).await;
        assert_eq!(page.status, 200, "{folder} {name}: {}", String::from_utf8_lossy(&page.body[..page.body.len().min(500)]));
        assert!(String::from_utf8_lossy(&page.body).contains(prefix), "{folder} {name}: no {prefix} subject");
        times.push((name, page.elapsed));
    }

    let raw = timed(bearer(&format!("/api/v1/messages/{id}/raw"))).await;
    assert_eq!(raw.status, 200, "{folder} raw");
    assert_eq!(raw.body.len(), raw_len, "{folder} raw is the message byte for byte");
    times.push(("raw", raw.elapsed));

    if let Some(part) = part {
        let download = timed(bearer(&format!("/api/v1/messages/{id}/attachments/{part}"))).await;
        assert!(download.status == 200 || download.status == 404, "{folder} attachment {part}: {}", download.status);
        times.push(("attachment", download.elapsed));
    }

    let found = timed(bearer(&format!("/api/v1/search?q=subject:{search}"))).await;
    assert_eq!(found.status, 200, "{folder} search");
    let results: Value = serde_json::from_slice(&found.body).expect("json");
    let items = results["items"].as_array().expect("items");
    assert!(items.iter().any(|m| m["id"] == id.as_str()), "{folder} search finds it: {results}");
    times.push(("search", found.elapsed));
    times
}

/// Runs on Letterbox's own runtime (its thread stack size matters: see the deep multipart).
#[test]
fn hostile_shapes_cost_what_benign_mail_costs_on_every_path() {
    letterbox::runtime().expect("runtime").block_on(hostile_shapes());
}

async fn hostile_shapes() {
    let big_mb: usize = std::env::var("HOSTILE_BIG_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let server = Server::start().await;
    let api = api_client();
    let (user, password) = rig().new_user("hostile").await;
    let token = server.login(&api, &user, &password).await;
    let web = browser_login_as(&server, &user, &password).await;

    let mut table = String::from("| shape | size | path | hostile ms | benign ms | ratio |\n|---|---|---|---|---|---|\n");
    let mut slow = Vec::new();
    // HOSTILE_ONLY=<part of a shape's name> runs just the matching shapes (when hunting one down).
    let only = std::env::var("HOSTILE_ONLY").unwrap_or_default();
    for (index, (name, mail)) in shapes(big_mb).into_iter().enumerate().filter(|(_, (name, _))| name.contains(only.as_str())) {
        eprintln!("shape {name}");
        let search = token_of(&mail);
        let benign_search = format!("bsafe{index}");
        let benign_mail = benign(&benign_search, mail.len());
        let mut folders = Vec::new();
        for (path, message) in [(format!("h{index}"), &mail), (format!("b{index}"), &benign_mail)] {
            let created = api.post(server.url("/api/v1/mailboxes")).bearer_auth(&token).json(&serde_json::json!({"path": path})).send();
            let created: Value = created.await.expect("create").json().await.expect("json");
            rig().save(&user, &path, message);
            folders.push(created["id"].as_str().expect("a mailbox id").to_string());
        }
        let (hostile_folder, benign_folder) = (folders[0].clone(), folders[1].clone());
        let benign_times = run_paths(&server, &api, &web, &token, &benign_folder, &benign_search, benign_mail.len()).await;
        let hostile_times = run_paths(&server, &api, &web, &token, &hostile_folder, &search, mail.len()).await;
        for (path, hostile) in hostile_times {
            let Some(&(_, benign)) = benign_times.iter().find(|(p, _)| *p == path) else { continue };
            let ratio = hostile.as_secs_f64() / benign.max(FLOOR).as_secs_f64();
            let size = format!("{:.1} MB", mail.len() as f64 / 1e6);
            writeln!(table, "| {name} | {size} | {path} | {} | {} | {ratio:.2} |", hostile.as_millis(), benign.as_millis()).unwrap();
            let known = KNOWN_SLOW.contains(&(name, path));
            if (ratio >= MAX_RATIO) != known {
                slow.push(format!("{name} / {path}: {ratio:.1}x{}", if known { " (listed as known slow)" } else { "" }));
            }
        }
    }
    println!("{table}");
    assert!(slow.is_empty(), "slow paths: {slow:?}\n{table}");
}
