//! The README's API example, `examples/export_mailbox.py`, run as a new user would: a fresh
//! `mail.read` token on a 300-message mailbox, against a real Letterbox and rig.

mod common;

use common::{Server, TempDir, api_client, rig};
use serde_json::{Value, json};

/// Runs the example with the token; returns its exit status and output.
async fn run_example(server: &Server, token: &str, args: &[&str]) -> std::process::Output {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/export_mailbox.py");
    let mut command = std::process::Command::new("python3");
    command.arg(script).args(args).env("LETTERBOX_URL", server.url("")).env("LETTERBOX_TOKEN", token);
    tokio::task::spawn_blocking(move || command.output().expect("python3 runs")).await.unwrap()
}

/// Once it stopped with 429 after 297 of 300 messages (one request per message against a limit
/// of 300 a minute); with a limit of 5 a minute it must now save all 300, as .eml files and as mbox.
#[tokio::test]
async fn the_export_example_saves_a_300_message_mailbox_with_a_fresh_read_token() {
    let server = Server::start_tweaked(|config| config.token_rate_limit_per_minute = 5).await;
    let client = api_client();
    let (user, password) = rig().new_user("example").await;
    rig().fill(&user, 300, "INBOX");
    let session = server.login(&client, &user, &password).await;
    let response = client
        .post(server.url("/api/v1/tokens"))
        .bearer_auth(&session)
        .json(&json!({"name": "export example", "scopes": ["mail.read"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let token = response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    let dir = TempDir::new("example-export");

    let emls = dir.0.join("emls");
    let output = run_example(&server, &token, &["INBOX", emls.to_str().unwrap()]).await;
    assert!(output.status.success(), "{}\n{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let files = std::fs::read_dir(&emls).unwrap().filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "eml")).count();
    assert_eq!(files, 300);

    let mbox_dir = dir.0.join("mbox");
    let output = run_example(&server, &token, &["--mbox", "INBOX", mbox_dir.to_str().unwrap()]).await;
    assert!(output.status.success(), "{}\n{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let mbox = std::fs::read(mbox_dir.join("INBOX.mbox")).unwrap();
    let starts = mbox.split(|&b| b == b'\n').filter(|line| line.starts_with(b"From ")).count();
    assert_eq!(starts, 300);
}
