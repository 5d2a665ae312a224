//! The `letterbox` binary's start-up contract: bad configuration stops it with one clear line.

use std::process::Command;

fn run(vars: &[(&str, &str)]) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_letterbox"));
    command.arg("serve").env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    for (key, value) in vars {
        command.env(key, value);
    }
    let output = command.output().expect("binary runs");
    (output.status.success(), String::from_utf8_lossy(&output.stderr).trim().to_string())
}

#[test]
fn plain_imap_to_a_remote_host_is_refused() {
    let (ok, stderr) = run(&[("LETTERBOX_IMAP", "imap+plain://mail.example.com:143")]);
    assert!(!ok);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("LETTERBOX_IMAP") && stderr.contains("refused"), "{stderr}");
}

#[test]
fn bad_values_name_their_variable() {
    let cases = [
        (vec![], "LETTERBOX_IMAP is required"),
        (vec![("LETTERBOX_IMAP", "imaps://mail.example.com"), ("LETTERBOX_LISTEN", "everywhere")], "LETTERBOX_LISTEN"),
        (vec![("LETTERBOX_IMAP", "imaps://mail.example.com"), ("LETTERBOX_SMTP", "smtp+plain://relay.example.com")], "LETTERBOX_SMTP"),
        (vec![("LETTERBOX_IMAP", "imaps://mail.example.com"), ("LETTERBOX_TRUSTED_PROXIES", "a.b.c.d")], "LETTERBOX_TRUSTED_PROXIES"),
    ];
    for (vars, expected) in cases {
        let (ok, stderr) = run(&vars);
        assert!(!ok, "{vars:?}");
        assert!(stderr.contains(expected), "{vars:?}: {stderr}");
    }
}

#[test]
fn help_documents_every_variable() {
    let output = Command::new(env!("CARGO_BIN_EXE_letterbox")).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    for var in [
        "LETTERBOX_LISTEN",
        "LETTERBOX_IMAP",
        "LETTERBOX_SMTP",
        "LETTERBOX_DATA_DIR",
        "LETTERBOX_DATABASE_URL",
        "LETTERBOX_CA_FILE",
        "LETTERBOX_PUBLIC_URL",
        "LETTERBOX_TRUSTED_PROXIES",
    ] {
        assert!(help.contains(var), "--help lacks {var}");
    }
}
