//! Test harness: a real Dovecot + Postfix rig per test binary (scripts/rig/start.sh) and
//! Letterbox instances served over real TCP against it.

#![allow(dead_code)] // reason: each test binary uses a different part of this shared harness

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use letterbox::config::Config;

pub mod live;
pub mod logs;
pub mod wait;

/// A running mail rig and what start.sh reported about it.
pub struct Rig {
    pub dir: PathBuf,
    pub env: HashMap<String, String>,
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The rig of this test binary, started on first use and stopped by its watchdog when the
/// test process exits. Fails the test with the script's own message when it cannot start.
pub fn rig() -> &'static Rig {
    static RIG: OnceLock<Rig> = OnceLock::new();
    RIG.get_or_init(|| start_rig("main", &[]))
}

/// Starts a rig named `label` with extra environment for start.sh (e.g. `RIG_IMAP_CAPABILITY`).
pub fn start_rig(label: &str, env: &[(&str, &str)]) -> Rig {
    {
        let base = std::env::var("LETTERBOX_TEST_TMP").map(PathBuf::from).unwrap_or_else(|_| std::env::temp_dir());
        let dir = base.join(format!("lbrig-{label}-{}", std::process::id()));
        let output = Command::new("bash")
            .arg(repo_root().join("scripts/rig/start.sh"))
            .arg(&dir)
            .arg("--owner-pid")
            .arg(std::process::id().to_string())
            .envs(env.iter().copied())
            .output()
            .expect("bash runs");
        assert!(
            output.status.success(),
            "the test mail rig (scripts/rig/start.sh) could not start:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let env = std::fs::read_to_string(dir.join("rig.env"))
            .expect("rig.env written")
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        Rig { dir, env }
    }
}

impl Rig {
    /// A value from rig.env.
    pub fn get(&self, key: &str) -> &str {
        self.env.get(key).unwrap_or_else(|| panic!("rig.env has no {key}"))
    }

    /// The IMAP STARTTLS port.
    pub fn imap_port(&self) -> u16 {
        self.get("RIG_IMAP_PORT").parse().expect("port")
    }

    /// Creates a fresh mail user only this test uses, so tests can run in parallel; returns
    /// (username, password) once Dovecot accepts that password.
    pub async fn new_user(&self, label: &str) -> (String, String) {
        let users_file = self.dir.join("users");
        let text = std::fs::read_to_string(&users_file).expect("users file");
        let template = text.lines().next().expect("a user line");
        let fields: Vec<&str> = template.split(':').collect();
        let (uid, gid) = (fields[2], fields[3]);
        let unique = format!("{label}-{}", letterbox::auth::random_id().to_lowercase().replace(['-', '_'], ""));
        let username = format!("{unique}@example.test");
        let password = format!("pw-{unique}");
        let home = self.dir.join("mail/example.test").join(&unique);
        let line = format!("{username}:{{PLAIN}}{password}:{uid}:{gid}::{}\n", home.display());
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new().append(true).open(&users_file).expect("open users file");
        file.write_all(line.as_bytes()).expect("append user");
        // Dovecot re-reads the passwd-file at most once per second (on the first lookup in that
        // second): wait until a real passdb lookup of the new user succeeds.
        let what = format!("Dovecot accepts the new user {username}");
        wait::wait_until(&what, std::time::Duration::from_secs(10), || async { self.authenticates(&username, &password) }).await;
        (username, password)
    }

    /// Whether Dovecot's passdb accepts `user` with `password` (`doveadm auth test`).
    pub fn authenticates(&self, user: &str, password: &str) -> bool {
        let status = Command::new("doveadm")
            .arg("-c")
            .arg(self.get("RIG_DOVECOT_CONF"))
            .args(["auth", "test", user, password])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .expect("doveadm runs");
        status.success()
    }

    /// Runs doveadm against this rig's Dovecot and returns its stdout.
    pub fn doveadm(&self, args: &[&str]) -> String {
        let output = Command::new("doveadm").arg("-c").arg(self.get("RIG_DOVECOT_CONF")).args(args).output().expect("doveadm runs");
        assert!(output.status.success(), "doveadm {args:?}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Mailbox names as Dovecot itself lists them for `user`.
    pub fn mailbox_names(&self, user: &str) -> Vec<String> {
        self.doveadm(&["mailbox", "list", "-u", user]).lines().map(str::to_string).collect()
    }

    /// (messages, unseen) of one mailbox, straight from Dovecot.
    pub fn mailbox_counts(&self, user: &str, mailbox: &str) -> (u32, u32) {
        let out = self.doveadm(&["-f", "flow", "mailbox", "status", "-u", user, "messages unseen", mailbox]);
        let mut counts = (u32::MAX, u32::MAX);
        for pair in out.split_whitespace() {
            match pair.split_once('=') {
                Some(("messages", n)) => counts.0 = n.parse().expect("number"),
                Some(("unseen", n)) => counts.1 = n.parse().expect("number"),
                _ => {}
            }
        }
        counts
    }

    /// Writes `count` sample messages into the user's mailbox with the rig's filler.
    pub fn fill(&self, user: &str, count: u32, mailbox: &str) {
        let output = Command::new("python3")
            .arg(repo_root().join("scripts/rig/fill.py"))
            .args(["--dir", &self.dir.display().to_string(), "--user", user, "--count", &count.to_string(), "--mailbox", mailbox])
            .output()
            .expect("python3 runs");
        assert!(output.status.success(), "fill.py: {}", String::from_utf8_lossy(&output.stderr));
    }

    /// Delivers `message` into the user's mailbox through Dovecot itself (`doveadm save`).
    pub fn save(&self, user: &str, mailbox: &str, message: &[u8]) {
        use std::io::Write;
        let mut child = Command::new("doveadm")
            .arg("-c")
            .arg(self.get("RIG_DOVECOT_CONF"))
            .args(["save", "-u", user, "-m", mailbox])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("doveadm runs");
        child.stdin.take().expect("stdin").write_all(message).expect("write message");
        let output = child.wait_with_output().expect("doveadm finishes");
        assert!(output.status.success(), "doveadm save: {}", String::from_utf8_lossy(&output.stderr));
    }

    /// The flags Dovecot has for the messages matching an IMAP-style search, e.g. `uid 5`.
    pub fn flags_of(&self, user: &str, mailbox: &str, search: &str) -> String {
        let mut args = vec!["-f", "flow", "fetch", "-u", user, "flags", "mailbox", mailbox];
        args.extend(search.split_whitespace());
        self.doveadm(&args)
    }

    /// Stops or starts only this rig's Dovecot.
    pub fn dovecot(&self, action: &str) {
        let output =
            Command::new("bash").arg(repo_root().join("scripts/rig/dovecot.sh")).arg(action).arg(&self.dir).output().expect("bash runs");
        assert!(output.status.success(), "dovecot.sh {action}: {}", String::from_utf8_lossy(&output.stderr));
    }
}

impl Rig {
    /// Stops or starts only this rig's Postfix.
    pub fn postfix(&self, action: &str) {
        let output =
            Command::new("bash").arg(repo_root().join("scripts/rig/postfix.sh")).arg(action).arg(&self.dir).output().expect("bash runs");
        assert!(output.status.success(), "postfix.sh {action}: {}", String::from_utf8_lossy(&output.stderr));
    }

    /// How many messages for `recipient` still wait in this rig's Postfix queue (`postqueue -j`).
    /// Postfix queues a message before it answers the submission, so 0 after a send means that
    /// everything sent to `recipient` so far has been delivered (or bounced).
    pub fn queued_for(&self, recipient: &str) -> usize {
        let output = Command::new("postqueue").arg("-c").arg(self.get("RIG_POSTFIX_CONF_DIR")).arg("-j").output().expect("postqueue runs");
        assert!(output.status.success(), "postqueue -j: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|queued| queued["recipients"].as_array().is_some_and(|list| list.iter().any(|r| r["address"] == recipient)))
            .count()
    }

    /// Waits up to `seconds` until `user`'s `mailbox` holds at least `count` messages.
    pub async fn wait_for_messages(&self, user: &str, mailbox: &str, count: u32, seconds: u64) -> u32 {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(seconds);
        loop {
            let (total, _) = self.mailbox_counts(user, mailbox);
            if total >= count || tokio::time::Instant::now() > deadline {
                return total;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// Configuration for a Letterbox against the rig over STARTTLS, trusting the rig's certificate.
pub fn config_for_rig(data_dir: &Path) -> Config {
    config_for(rig(), data_dir)
}

/// Configuration for a Letterbox against `rig` over STARTTLS, trusting the rig's certificate.
pub fn config_for(rig: &Rig, data_dir: &Path) -> Config {
    let vars: HashMap<&str, String> = HashMap::from([
        ("LETTERBOX_LISTEN", "127.0.0.1:0".to_string()),
        ("LETTERBOX_IMAP", format!("imap://127.0.0.1:{}", rig.imap_port())),
        ("LETTERBOX_SMTP", format!("smtp://127.0.0.1:{}", rig.get("RIG_SMTP_PORT"))),
        ("LETTERBOX_DATA_DIR", data_dir.display().to_string()),
        ("LETTERBOX_CA_FILE", rig.get("RIG_CA_FILE").to_string()),
        ("LETTERBOX_IMAP_TIMEOUT_SECS", "10".to_string()),
    ]);
    Config::load(None, |k| vars.get(k).cloned()).expect("valid test config")
}

/// A Letterbox served on a random loopback port for the duration of one test.
pub struct Server {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub state: letterbox::AppState,
    _data: TempDir,
}

impl Server {
    /// Starts Letterbox against the rig.
    pub async fn start() -> Server {
        let data = TempDir::new("lbdata");
        let config = config_for_rig(&data.0);
        Self::start_with(config, data).await
    }

    /// Starts Letterbox with a configuration built from the rig's by `tweak`.
    pub async fn start_tweaked(tweak: impl FnOnce(&mut Config)) -> Server {
        let data = TempDir::new("lbdata");
        let mut config = config_for_rig(&data.0);
        tweak(&mut config);
        Self::start_with(config, data).await
    }

    /// Starts Letterbox against another rig than this binary's main one, tweaked by `tweak`.
    pub async fn start_on(rig: &Rig, tweak: impl FnOnce(&mut Config)) -> Server {
        let data = TempDir::new("lbdata");
        let mut config = config_for(rig, &data.0);
        tweak(&mut config);
        Self::start_with(config, data).await
    }

    async fn start_with(config: Config, data: TempDir) -> Server {
        let state = letterbox::build_state(config).await.expect("state builds");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = letterbox::app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        Server { addr, data_dir: data.0.clone(), state, _data: data }
    }

    /// `http://127.0.0.1:PORT/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Logs in over the API and returns the bearer token.
    pub async fn login(&self, client: &reqwest::Client, username: &str, password: &str) -> String {
        let response = client
            .post(self.url("/api/v1/session"))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 201, "login of {username}: {}", response.text().await.unwrap_or_default());
        let body: serde_json::Value = response.json().await.expect("json");
        body["accessToken"].as_str().expect("accessToken").to_string()
    }
}

/// Logs in a fresh user of the rig against `server`: (username, token).
pub async fn fresh_user(server: &Server, client: &reqwest::Client, label: &str) -> (String, String) {
    let (user, password) = rig().new_user(label).await;
    let token = server.login(client, &user, &password).await;
    (user, token)
}

/// A GET with the bearer token, returning status and JSON body.
pub async fn get_json(client: &reqwest::Client, url: String, token: &str) -> (u16, serde_json::Value) {
    let response = client.get(url).bearer_auth(token).send().await.expect("request");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(serde_json::Value::Null);
    (status, body)
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("{label}-{}-{}", std::process::id(), letterbox::auth::random_id()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An HTTP client that keeps cookies and does not follow redirects (tests check them).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

/// The CSRF token of the first form on a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// A fresh rig user logged in through the browser login form: (cookie client, username).
pub async fn browser_login(server: &Server, label: &str) -> (reqwest::Client, String) {
    let (user, password) = rig().new_user(label).await;
    (browser_login_as(server, &user, &password).await, user)
}

/// A new browser (cookie jar) logged in as `user` through the login form.
pub async fn browser_login_as(server: &Server, user: &str, password: &str) -> reqwest::Client {
    let client = browser();
    let page = client.get(server.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&page);
    let response = client
        .post(server.url("/login"))
        .form(&[("username", user), ("password", password), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    client
}

/// A plain API client.
pub fn api_client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}
