//! Helpers for live-update tests: a raw IMAP client (plain TCP on loopback, hand-written
//! commands) standing for "another mail client", and a reader of Server-Sent Events.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Another IMAP client logged in as the same user: commands as text, replies as lines.
pub struct RawImap {
    stream: BufReader<TcpStream>,
    tag: u32,
}

impl RawImap {
    /// Connects to the rig's IMAP port (plain text is allowed on loopback) and logs in.
    pub async fn login(port: u16, user: &str, password: &str) -> RawImap {
        let stream = TcpStream::connect(("127.0.0.1", port)).await.expect("connect to Dovecot");
        let mut client = RawImap { stream: BufReader::new(stream), tag: 0 };
        let mut greeting = String::new();
        client.stream.read_line(&mut greeting).await.unwrap();
        assert!(greeting.starts_with("* OK"), "{greeting}");
        client.command(&format!("LOGIN \"{user}\" \"{password}\"")).await;
        client
    }

    /// Sends a command and returns every line up to its tagged OK (panics on NO/BAD).
    pub async fn command(&mut self, command: &str) -> Vec<String> {
        self.tag += 1;
        let tag = format!("r{}", self.tag);
        self.stream.get_mut().write_all(format!("{tag} {command}\r\n").as_bytes()).await.unwrap();
        self.read_until(&tag).await
    }

    /// APPENDs a message to `mailbox` (synchronizing literal).
    pub async fn append(&mut self, mailbox: &str, message: &[u8]) -> Vec<String> {
        self.tag += 1;
        let tag = format!("r{}", self.tag);
        self.stream.get_mut().write_all(format!("{tag} APPEND \"{mailbox}\" {{{}}}\r\n", message.len()).as_bytes()).await.unwrap();
        let mut line = String::new();
        self.stream.read_line(&mut line).await.unwrap();
        assert!(line.starts_with('+'), "{line}");
        self.stream.get_mut().write_all(message).await.unwrap();
        self.stream.get_mut().write_all(b"\r\n").await.unwrap();
        self.read_until(&tag).await
    }

    async fn read_until(&mut self, tag: &str) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let read = tokio::time::timeout(Duration::from_secs(10), self.stream.read_line(&mut line)).await.expect("IMAP reply in time");
            assert!(read.unwrap() > 0, "Dovecot closed the connection");
            if let Some(rest) = line.strip_prefix(&format!("{tag} ")) {
                assert!(rest.starts_with("OK"), "{tag} failed: {line}");
                return lines;
            }
            lines.push(line);
        }
    }
}

/// One Server-Sent Event.
#[derive(Debug, Clone)]
pub struct SseEvent {
    pub kind: String,
    pub id: String,
    pub data: serde_json::Value,
}

/// Reads a `text/event-stream` response event by event.
pub struct SseReader {
    response: reqwest::Response,
    buffer: String,
}

impl SseReader {
    pub fn new(response: reqwest::Response) -> SseReader {
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
        assert!(content_type.starts_with("text/event-stream"), "{content_type}");
        SseReader { response, buffer: String::new() }
    }

    /// The next event (comments and keep-alives skipped), or `None` after `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut kind, mut id, mut data) = (String::from("message"), String::new(), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        kind = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if data.is_empty() {
                    continue; // a keep-alive comment
                }
                return Some(SseEvent { kind, id, data: serde_json::from_str(&data).unwrap_or(serde_json::Value::String(data)) });
            }
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Ok(Ok(Some(chunk))) => self.buffer.push_str(&String::from_utf8_lossy(&chunk)),
                _ => return None,
            }
        }
    }

    /// Whether the server ends the stream within `wait` (events and keep-alives before the end
    /// are skipped).
    pub async fn closed_within(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Ok(Ok(Some(_))) => continue,
                Ok(Ok(None) | Err(_)) => return true,
                Err(_) => return false,
            }
        }
    }

    /// Waits for the next event of `kind`, skipping others; panics after `wait`.
    pub async fn expect(&mut self, kind: &str, wait: Duration) -> SseEvent {
        let deadline = tokio::time::Instant::now() + wait;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Some(event) if event.kind == kind => return event,
                Some(event) => seen.push(format!("{} {}", event.kind, event.data)),
                None => panic!("no {kind} event within {wait:?}; saw {seen:?}"),
            }
        }
    }
}
