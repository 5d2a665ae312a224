//! Opening an authenticated IMAP session: TCP, implicit TLS or STARTTLS, capabilities, login.

use std::sync::Arc;
use std::time::Duration;

use async_imap::imap_proto::{Capability, Response, Status};
use async_imap::{Authenticator, Client};
use rustls_pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::connection::{Capabilities, ImapConnection};
use super::error::ImapError;
use super::stream::MailStream;
use crate::config::{Security, ServerAddress};
use crate::secret::Credentials;

/// Knows where the IMAP server is and how to open verified, authenticated sessions to it.
#[derive(Clone)]
pub struct ImapConnector {
    address: ServerAddress,
    tls: Arc<rustls::ClientConfig>,
    timeout: Duration,
}

impl ImapConnector {
    /// A connector for `address`, verifying certificates with `tls`, giving up on any step after `timeout`.
    pub fn new(address: ServerAddress, tls: Arc<rustls::ClientConfig>, timeout: Duration) -> Self {
        Self { address, tls, timeout }
    }

    /// The server this connector talks to.
    pub fn address(&self) -> &ServerAddress {
        &self.address
    }

    /// Opens a new session and logs in. `AuthFailed` means the server refused the credentials;
    /// every other error is about reaching the server.
    pub async fn connect(&self, credentials: &Credentials) -> Result<ImapConnection, ImapError> {
        let seconds = self.timeout.as_secs();
        tokio::time::timeout(self.timeout, self.connect_inner(credentials)).await.map_err(|_| ImapError::Timeout(seconds))?
    }

    async fn connect_inner(&self, credentials: &Credentials) -> Result<ImapConnection, ImapError> {
        let tcp = TcpStream::connect((self.address.host.as_str(), self.address.port)).await.map_err(|e| match ImapError::from_io(e) {
            ImapError::ConnectionLost(text) => ImapError::Connect(text),
            other => other,
        })?;
        tcp.set_nodelay(true).ok();
        let stream = match self.address.security {
            Security::ImplicitTls => MailStream::tls(self.handshake(tcp).await?),
            Security::StartTls | Security::Plain => MailStream::plain(tcp),
        };
        let mut client = Client::new(stream);
        read_greeting(&mut client).await?;
        if self.address.security == Security::StartTls {
            let caps = query_capabilities(&mut client).await?;
            if !caps.has("STARTTLS") {
                return Err(ImapError::Insecure("the server does not offer STARTTLS".into()));
            }
            client.run_command_and_check_ok("STARTTLS", None).await?;
            let tcp = client.into_inner().into_plain().expect("STARTTLS starts from a plain stream");
            client = Client::new(MailStream::tls(self.handshake(tcp).await?));
        }
        let caps = query_capabilities(&mut client).await?;
        let session = if caps.has("AUTH=PLAIN") {
            // PLAIN carries any UTF-8 password; LOGIN's quoted strings cannot.
            let plain = PlainAuth { username: credentials.username.clone(), password: credentials.password.expose().to_string() };
            client.authenticate("PLAIN", plain).await.map_err(|(err, _)| login_error(err))?
        } else if caps.has("LOGINDISABLED") {
            return Err(ImapError::Insecure("the server disabled LOGIN and offers no AUTH=PLAIN".into()));
        } else {
            client.login(&credentials.username, credentials.password.expose()).await.map_err(|(err, _)| login_error(err))?
        };
        ImapConnection::establish(session).await
    }

    async fn handshake(&self, tcp: TcpStream) -> Result<tokio_rustls::client::TlsStream<TcpStream>, ImapError> {
        let name = ServerName::try_from(self.address.host.clone())
            .map_err(|_| ImapError::Tls(format!("invalid server name {:?}", self.address.host)))?;
        TlsConnector::from(self.tls.clone()).connect(name, tcp).await.map_err(|e| match ImapError::from_io(e) {
            ImapError::Tls(text) => ImapError::Tls(text),
            other => ImapError::Tls(other.to_string()),
        })
    }
}

fn login_error(err: async_imap::error::Error) -> ImapError {
    match err {
        async_imap::error::Error::No(_) => ImapError::AuthFailed,
        // A password with CR/LF can never be right; treat it like a wrong one.
        async_imap::error::Error::Validate(_) => ImapError::AuthFailed,
        other => other.into(),
    }
}

/// SASL PLAIN (RFC 4616): authzid empty, then username and password.
struct PlainAuth {
    username: String,
    password: String,
}

impl Authenticator for PlainAuth {
    type Response = Vec<u8>;
    fn process(&mut self, _challenge: &[u8]) -> Vec<u8> {
        format!("\0{}\0{}", self.username, self.password).into_bytes()
    }
}

async fn read_greeting(client: &mut Client<MailStream>) -> Result<(), ImapError> {
    let greeting = client
        .read_response()
        .await
        .map_err(ImapError::from_io)?
        .ok_or_else(|| ImapError::ConnectionLost("closed before the greeting".into()))?;
    match greeting.parsed() {
        Response::Data { status: Status::Ok | Status::PreAuth, .. } => Ok(()),
        Response::Data { status: Status::Bye, outcome } => {
            Err(ImapError::Connect(format!("the server said BYE: {}", outcome.information.as_deref().unwrap_or(""))))
        }
        other => Err(ImapError::Protocol(format!("unexpected greeting {other:?}"))),
    }
}

/// Sends CAPABILITY before login and collects the answer.
async fn query_capabilities(client: &mut Client<MailStream>) -> Result<Capabilities, ImapError> {
    // async-imap offers no tagged command before login, so write one with our own tag; nothing
    // else is in flight on this connection, so it cannot interleave.
    const TAG: &str = "lbcap";
    {
        use tokio::io::AsyncWriteExt;
        let stream = client.get_mut();
        stream.write_all(format!("{TAG} CAPABILITY\r\n").as_bytes()).await.map_err(ImapError::from_io)?;
        stream.flush().await.map_err(ImapError::from_io)?;
    }
    let mut caps = Vec::new();
    loop {
        let response = client
            .read_response()
            .await
            .map_err(ImapError::from_io)?
            .ok_or_else(|| ImapError::ConnectionLost("closed during CAPABILITY".into()))?;
        match response.parsed() {
            Response::Capabilities(list) => caps.extend(list.iter().map(capability_name)),
            Response::Done { tag: done, status, outcome } if done.0 == TAG => {
                return match status {
                    Status::Ok => Ok(Capabilities::new(caps)),
                    _ => Err(ImapError::Protocol(format!("CAPABILITY failed: {:?}", outcome.information))),
                };
            }
            _ => {}
        }
    }
}

/// The canonical upper-case name of a capability (`AUTH=PLAIN`, `SORT`).
pub(super) fn capability_name(cap: &Capability<'_>) -> String {
    match cap {
        Capability::Imap4rev1 => "IMAP4REV1".into(),
        Capability::Auth(mech) => format!("AUTH={}", mech.to_ascii_uppercase()),
        Capability::Atom(atom) => atom.to_ascii_uppercase(),
    }
}
