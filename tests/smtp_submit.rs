//! SMTP submission against the real rig (Postfix submission/smtps, delivery into Dovecot): what
//! arrives, and how each kind of failure is reported.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::wait::wait_until;
use common::{Rig, TempDir, rig};
use letterbox::config::{Security, ServerAddress};
use letterbox::secret::{Credentials, Secret};
use letterbox::smtp::{Envelope, SmtpError, SmtpSubmitter};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const ALICE: &str = "alice@example.test";
const BOB: &str = "bob@example.test";

fn submitter(security: Security, port: u16, ca_file: Option<&Path>, timeout: Duration) -> SmtpSubmitter {
    let address = ServerAddress { host: "127.0.0.1".into(), port, security };
    SmtpSubmitter::new(address, ca_file, timeout).expect("submitter")
}

fn port(rig: &Rig, key: &str) -> u16 {
    rig.get(key).parse().expect("port")
}

fn rig_ca(rig: &Rig) -> PathBuf {
    PathBuf::from(rig.get("RIG_CA_FILE"))
}

/// Submission port, STARTTLS, trusting the rig's certificate.
fn starttls(rig: &Rig) -> SmtpSubmitter {
    submitter(Security::StartTls, port(rig, "RIG_SMTP_PORT"), Some(&rig_ca(rig)), Duration::from_secs(10))
}

/// smtps port, implicit TLS, trusting the rig's certificate.
fn smtps(rig: &Rig) -> SmtpSubmitter {
    submitter(Security::ImplicitTls, port(rig, "RIG_SMTPS_PORT"), Some(&rig_ca(rig)), Duration::from_secs(10))
}

fn login(username: &str, password: &str) -> Credentials {
    Credentials { username: username.into(), password: Secret::new(password) }
}

fn envelope(from: &str, recipients: &[&str]) -> Envelope {
    Envelope { from: from.into(), recipients: recipients.iter().map(|r| r.to_string()).collect() }
}

fn marker() -> String {
    format!("marker-{}", letterbox::auth::random_id())
}

/// A finished message with the lines SMTP transparency must survive (".", "..", ".x") and 8-bit
/// UTF-8. Date and Message-ID are present so Postfix adds no headers of its own.
fn sample_message(from: &str, to: &[&str], marker: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {}\r\nSubject: Test {marker}\r\nDate: Tue, 01 Jul 2025 10:00:00 +0000\r\n\
         Message-ID: <{marker}@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\nHello {marker}\r\n.\r\n..two dots\r\n.leading dot\r\nGrüße aus Köln\r\n\r\nlast line\r\n",
        to.join(", ")
    )
    .into_bytes()
}

/// The stored files (Maildir new/ and cur/) of `user`'s INBOX.
fn inbox_files(rig: &Rig, user: &str) -> Vec<PathBuf> {
    let local = user.split('@').next().expect("local part");
    let maildir = rig.dir.join("mail/example.test").join(local).join("Maildir");
    ["new", "cur"]
        .iter()
        .filter_map(|sub| std::fs::read_dir(maildir.join(sub)).ok())
        .flatten()
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect()
}

/// Waits (up to 5 s: delivery follows the SMTP transaction by 20–160 ms) for the message with
/// `marker` to be stored for `user`, and returns it as stored.
async fn wait_for_message(rig: &Rig, user: &str, marker: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        for path in inbox_files(rig, user) {
            if let Ok(text) = std::fs::read_to_string(&path)
                && text.contains(marker)
            {
                return text;
            }
        }
        assert!(Instant::now() < deadline, "no message with {marker} arrived for {user} within 5 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The stored message is the submitted one, byte for byte apart from line ends (Dovecot stores
/// LF), with only the trace headers that the servers prepend.
fn assert_stored_unchanged(stored: &str, submitted: &[u8]) {
    let submitted = String::from_utf8(submitted.to_vec()).expect("utf-8").replace("\r\n", "\n");
    let stored = stored.replace("\r\n", "\n");
    assert!(
        stored.ends_with(&submitted),
        "stored message differs from the submitted one:\n--- stored\n{stored}\n--- submitted\n{submitted}"
    );
    let added = &stored[..stored.len() - submitted.len()];
    for line in added.lines() {
        let trace = ["Return-Path:", "Delivered-To:", "Received:"].iter().any(|h| line.starts_with(h));
        assert!(trace || line.starts_with([' ', '\t']), "unexpected header added on the way: {line:?}\n{stored}");
    }
}

#[tokio::test]
async fn starttls_submission_arrives_unchanged() {
    let rig = rig();
    let (to, _) = rig.new_user("smtp-starttls").await;
    let marker = marker();
    let message = sample_message(ALICE, &[&to], &marker);
    let receipt = starttls(rig).submit(&login(ALICE, "alice-secret-pw"), &envelope(ALICE, &[&to]), &message).await.expect("submitted");
    assert_eq!(receipt.code, 250, "{receipt:?}");
    assert!(receipt.text.contains("queued as"), "the receipt is Postfix's own reply: {receipt:?}");

    let stored = wait_for_message(rig, &to, &marker).await;
    assert_stored_unchanged(&stored, &message);
    assert_eq!(rig.mailbox_counts(&to, "INBOX").0, 1, "Dovecot sees exactly the one message");
}

#[tokio::test]
async fn implicit_tls_submission_reaches_every_recipient() {
    let rig = rig();
    let (to, _) = rig.new_user("smtp-smtps").await;
    let marker = marker();
    let message = sample_message(BOB, &[&to, ALICE], &marker);
    let receipt = smtps(rig).submit(&login(BOB, "bob-secret-pw"), &envelope(BOB, &[&to, ALICE]), &message).await.expect("submitted");
    assert_eq!(receipt.code, 250, "{receipt:?}");

    assert_stored_unchanged(&wait_for_message(rig, &to, &marker).await, &message);
    assert_stored_unchanged(&wait_for_message(rig, ALICE, &marker).await, &message);
    let search = rig.doveadm(&["search", "-u", &to, "mailbox", "INBOX", "HEADER", "Message-ID", &marker]);
    assert_eq!(search.lines().count(), 1, "doveadm finds it by Message-ID: {search:?}");
}

#[tokio::test]
async fn wrong_password_is_auth_failed_with_the_servers_reply() {
    let rig = rig();
    let message = sample_message(BOB, &[ALICE], &marker());
    let err = starttls(rig).submit(&login(BOB, "not-bobs-password"), &envelope(BOB, &[ALICE]), &message).await.expect_err("refused");
    match &err {
        SmtpError::AuthFailed { code: 535, text } => assert!(text.starts_with("5.7.8"), "{text:?}"),
        other => panic!("expected AuthFailed 535, got {other:?}"),
    }
    assert_eq!(err.reply_code(), Some(535));
    assert!(err.to_string().contains("535 5.7.8"), "{err}");
    assert!(!err.to_string().contains("not-bobs-password"), "{err}");
}

#[tokio::test]
async fn refused_recipient_is_rejected_and_nobody_gets_the_message() {
    // The rig accepts every RCPT from a logged-in user (example.test users are checked only at
    // delivery, other domains go to the sink), but Postfix refuses an address whose domain is
    // a bare IP address: lettre accepts it, Postfix answers 501 5.1.3.
    let rig = rig();
    let (to, _) = rig.new_user("smtp-refused").await;
    let marker = marker();
    let message = sample_message(ALICE, &[&to], &marker);
    let refused = "someone@192.0.2.1";
    let err =
        starttls(rig).submit(&login(ALICE, "alice-secret-pw"), &envelope(ALICE, &[&to, refused]), &message).await.expect_err("refused");
    match &err {
        SmtpError::Rejected { code: 501, text } => assert_eq!(text, "5.1.3 Bad recipient address syntax"),
        other => panic!("expected Rejected 501, got {other:?}"),
    }
    assert_eq!(err.to_string(), "the mail server refused the message: 501 5.1.3 Bad recipient address syntax");
    assert!(!err.is_transient());

    // All or nothing: the recipient accepted before the refused one gets nothing either.
    wait_until("Postfix holds nothing for the recipient", Duration::from_secs(10), || async { rig.queued_for(&to) == 0 }).await;
    assert!(inbox_files(rig, &to).is_empty(), "nothing may be delivered after a refused recipient");
}

#[tokio::test]
async fn too_many_recipients_is_a_transient_rejection() {
    // Postfix's smtpd_recipient_limit (1000 by default) answers 452 from the 1001st RCPT on.
    let rig = rig();
    let recipients: Vec<String> = (0..1001).map(|i| format!("many-{i}@example.test")).collect();
    let envelope = Envelope { from: ALICE.into(), recipients };
    let err = starttls(rig)
        .submit(&login(ALICE, "alice-secret-pw"), &envelope, &sample_message(ALICE, &[ALICE], &marker()))
        .await
        .expect_err("refused");
    match &err {
        SmtpError::Rejected { code: 452, text } => assert!(text.contains("4.5.3") && text.contains("too many recipients"), "{text:?}"),
        other => panic!("expected Rejected 452, got {other:?}"),
    }
    assert!(err.is_transient());
}

#[tokio::test]
async fn plain_text_to_a_tls_only_port_gets_the_servers_refusal() {
    // smtp+plain:// sends no AUTH when none is offered (Postfix offers it only after STARTTLS)
    // and must not upgrade on its own: the server's own refusal comes back.
    let rig = rig();
    let plain = submitter(Security::Plain, port(rig, "RIG_SMTP_PORT"), None, Duration::from_secs(10));
    let err =
        plain.submit(&login(ALICE, "alice-secret-pw"), &envelope(ALICE, &[ALICE]), b"Subject: x\r\n\r\nx\r\n").await.expect_err("refused");
    match &err {
        SmtpError::Rejected { code: 530, text } => assert!(text.contains("STARTTLS"), "{text:?}"),
        other => panic!("expected Rejected 530, got {other:?}"),
    }
}

#[tokio::test]
async fn closed_port_is_unreachable_connection_refused() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    for security in [Security::StartTls, Security::ImplicitTls, Security::Plain] {
        let err = submitter(security, closed, None, Duration::from_secs(5))
            .submit(&login(ALICE, "pw"), &envelope(ALICE, &[BOB]), b"Subject: x\r\n\r\nx\r\n")
            .await
            .expect_err("nobody listens");
        match &err {
            SmtpError::Unreachable(text) => assert_eq!(text, "connection refused", "{security:?}"),
            other => panic!("{security:?}: expected Unreachable, got {other:?}"),
        }
        assert!(err.to_string().contains("refused"), "{err}");
    }
}

#[tokio::test]
async fn untrusted_certificate_is_a_tls_error() {
    let rig = rig();
    let message = sample_message(ALICE, &[ALICE], &marker());
    // No extra CA: the rig's self-signed certificate is not among the system roots.
    let no_ca = submitter(Security::ImplicitTls, port(rig, "RIG_SMTPS_PORT"), None, Duration::from_secs(10));
    let err = no_ca.submit(&login(ALICE, "alice-secret-pw"), &envelope(ALICE, &[ALICE]), &message).await.expect_err("untrusted");
    assert!(matches!(&err, SmtpError::Tls(text) if text.contains("not trusted")), "{err:?}");

    // A CA file with some other self-signed certificate, over STARTTLS.
    let dir = TempDir::new("smtp-ca");
    let other_ca = dir.0.join("other.pem");
    let openssl = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(dir.0.join("other.key"))
        .arg("-out")
        .arg(&other_ca)
        .output()
        .expect("openssl runs");
    assert!(openssl.status.success(), "openssl: {}", String::from_utf8_lossy(&openssl.stderr));
    let wrong_ca = submitter(Security::StartTls, port(rig, "RIG_SMTP_PORT"), Some(&other_ca), Duration::from_secs(10));
    let err = wrong_ca.submit(&login(ALICE, "alice-secret-pw"), &envelope(ALICE, &[ALICE]), &message).await.expect_err("untrusted");
    assert!(matches!(&err, SmtpError::Tls(text) if text.contains("not trusted")), "{err:?}");
    assert!(err.to_string().starts_with("TLS with the mail server failed"), "{err}");
}

#[tokio::test]
async fn wrong_tls_mode_for_the_port_is_reported() {
    let rig = rig();
    let message = b"Subject: x\r\n\r\nx\r\n";
    // smtps:// against the STARTTLS port: the server's plain-text greeting is no TLS record.
    let implicit = submitter(Security::ImplicitTls, port(rig, "RIG_SMTP_PORT"), Some(&rig_ca(rig)), Duration::from_secs(5));
    let err = implicit.submit(&login(ALICE, "alice-secret-pw"), &envelope(ALICE, &[ALICE]), message).await.expect_err("no TLS there");
    assert!(matches!(err, SmtpError::Tls(_)), "{err:?}");

    // smtp:// against the smtps port: both sides wait for the other to speak first, so only the
    // timeout ends it.
    let start = Instant::now();
    let starttls = submitter(Security::StartTls, port(rig, "RIG_SMTPS_PORT"), Some(&rig_ca(rig)), Duration::from_secs(1));
    let err = starttls.submit(&login(ALICE, "alice-secret-pw"), &envelope(ALICE, &[ALICE]), message).await.expect_err("silence");
    match &err {
        SmtpError::Unreachable(text) => assert_eq!(text, "timed out after 1 s"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(start.elapsed() < Duration::from_secs(3), "the timeout is kept: {:?}", start.elapsed());
}

/// A loopback peer that runs `script` on its first connection: each step writes its line(s),
/// then reads one line; an empty reply ends the script by closing.
async fn scripted_peer(script: &'static [&'static str]) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("accept");
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        for reply in script {
            if reply.is_empty() {
                return;
            }
            write.write_all(reply.as_bytes()).await.expect("write");
            if lines.next_line().await.ok().flatten().is_none() {
                return;
            }
        }
    });
    port
}

#[tokio::test]
async fn a_server_without_starttls_is_refused_before_any_password() {
    let port =
        scripted_peer(&["220 plain.example ESMTP\r\n", "250-plain.example\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n", "221 bye\r\n"])
            .await;
    let err = submitter(Security::StartTls, port, None, Duration::from_secs(5))
        .submit(&login(ALICE, "alice-secret-pw"), &envelope(ALICE, &[BOB]), b"Subject: x\r\n\r\nx\r\n")
        .await
        .expect_err("no STARTTLS");
    assert!(matches!(&err, SmtpError::Tls(text) if text.contains("does not offer STARTTLS")), "{err:?}");
}

#[tokio::test]
async fn a_server_that_hangs_up_is_unreachable() {
    let port = scripted_peer(&[""]).await;
    let err = submitter(Security::Plain, port, None, Duration::from_secs(5))
        .submit(&login(ALICE, "alice-secret-pw"), &envelope(ALICE, &[BOB]), b"Subject: x\r\n\r\nx\r\n")
        .await
        .expect_err("closed");
    assert!(matches!(&err, SmtpError::Unreachable(text) if text.contains("closed the connection")), "{err:?}");
}
