//! Submitting one finished message: verified TLS, AUTH, MAIL/RCPT/DATA, one connection per message.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::net::Ipv4Addr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use lettre::Address;
use lettre::transport::smtp::authentication::{Credentials as LoginCredentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};

use super::connect;
use super::error::{Step, cause_of, classify};
use crate::config::{Security, ServerAddress};
use crate::secret::Credentials;
use crate::smtp::SmtpError;

/// The mechanisms we offer, in order of preference: both send the password as is, which is
/// why TLS is required for anything but loopback.
const MECHANISMS: [Mechanism; 2] = [Mechanism::Plain, Mechanism::Login];

/// The slowest upload we wait for before calling the server unreachable (100 kB/s): the DATA
/// step of a 25 MB message gets the command timeout plus about four minutes.
const MIN_UPLOAD_BYTES_PER_SEC: u64 = 100_000;

/// How long a polite QUIT may take before the connection is simply closed.
const QUIT_WAIT: Duration = Duration::from_secs(2);

/// The SMTP envelope as bare addr-specs (`user@example.com`: no display name, no angle
/// brackets). The recipients are every To, Cc and Bcc address; the headers are not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub from: String,
    pub recipients: Vec<String>,
}

/// The server's final reply to DATA, e.g. `250` "2.0.0 Ok: queued as 4Xb1Z..." (lines joined).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitReceipt {
    pub code: u16,
    pub text: String,
}

/// Where and how to submit; one per process, cheap to clone and share.
#[derive(Clone)]
pub struct SmtpSubmitter {
    inner: Arc<Inner>,
}

struct Inner {
    address: ServerAddress,
    wire: Wire,
    hello: ClientId,
    timeout: Duration,
}

/// How the connection is secured, with the TLS settings built once at start-up.
enum Wire {
    Plain,
    /// smtps: our own TLS on our own socket (see [`super::connect`]).
    ImplicitTls(Arc<rustls::ClientConfig>),
    StartTls(TlsParameters),
}

impl fmt::Debug for SmtpSubmitter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSubmitter").field("address", &self.inner.address).field("timeout", &self.inner.timeout).finish_non_exhaustive()
    }
}

impl SmtpSubmitter {
    /// Prepares submission to `address`: `Security::ImplicitTls` is smtps, `StartTls` requires
    /// STARTTLS (a server without it is a TLS error, never a plain-text fallback), `Plain` is
    /// refused unless the host is loopback. Certificates are verified against the system roots
    /// plus the PEM certificates in `extra_ca_file`; there is no switch to skip verification.
    /// `timeout` bounds the connect and every command (the upload gets more for big messages).
    pub fn new(address: ServerAddress, extra_ca_file: Option<&Path>, timeout: Duration) -> Result<Self, SmtpError> {
        let wire = match address.security {
            Security::Plain if !address.is_loopback() => {
                return Err(SmtpError::Tls(format!(
                    "plain text to non-loopback host {:?} is refused; use smtps:// or smtp://",
                    address.host
                )));
            }
            Security::Plain => Wire::Plain,
            Security::ImplicitTls => Wire::ImplicitTls(crate::imap::client_config(extra_ca_file).map_err(SmtpError::Tls)?),
            Security::StartTls => Wire::StartTls(tls_parameters(&address.host, extra_ca_file)?),
        };
        Ok(Self { inner: Arc::new(Inner { address, wire, hello: hello_name(), timeout }) })
    }

    /// Submits `message` (finished RFC 5322 bytes, CRLF line ends) to the envelope's recipients
    /// on a fresh connection: authenticates with `credentials` (PLAIN, else LOGIN; skipped only
    /// if the server offers no AUTH at all, and then its replies say whether it wanted one),
    /// MAIL FROM, RCPT TO each recipient, DATA. All or nothing: the first negative reply ends
    /// the transaction before DATA, so no recipient gets a message another one was refused.
    /// The server stores `message` unchanged (bare LF line ends are sent as CRLF).
    pub async fn submit(&self, credentials: &Credentials, envelope: &Envelope, message: &[u8]) -> Result<SubmitReceipt, SmtpError> {
        let (from, recipients) = envelope.addresses()?;
        let data = wire_data(message);
        let mut conn = self.open().await?;
        let result = self.transact(&mut conn, credentials, &from, &recipients, &data).await;
        // After a reply (good or bad) the connection is sound: say QUIT. After a lost connection
        // or a timeout it is not, and writing QUIT into a half-sent message would be wrong.
        if !matches!(result, Err(SmtpError::Unreachable(_))) {
            let _ = tokio::time::timeout(QUIT_WAIT, conn.abort()).await;
        }
        result
    }

    /// Connects (on a socket of our own, see [`super::connect`]), reads the greeting, EHLO, and
    /// STARTTLS when required.
    async fn open(&self) -> Result<AsyncSmtpConnection, SmtpError> {
        let inner = &*self.inner;
        let host = inner.address.host.as_str();
        let tcp = connect::connect_tcp(host, inner.address.port, inner.timeout).await?;
        let stream = match &inner.wire {
            Wire::ImplicitTls(config) => connect::tls(tcp, config.clone(), host, inner.timeout).await?,
            Wire::Plain | Wire::StartTls(_) => connect::SubmitStream::plain(tcp),
        };
        let implicit = stream.is_tls();
        let step = Step::Connect { tls: implicit };
        let connect = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &inner.hello);
        let mut conn = within(inner.timeout, step, connect).await?;
        if let Wire::StartTls(params) = &inner.wire {
            if !conn.can_starttls() {
                return Err(SmtpError::Tls(
                    "the server does not offer STARTTLS, which smtp:// requires (use smtps:// if it speaks TLS from the start)".into(),
                ));
            }
            within(inner.timeout, Step::StartTls, conn.starttls(params.clone(), &inner.hello)).await?;
        }
        // lettre only knows of its own TLS (STARTTLS); smtps is ours.
        let encrypted = implicit || conn.is_encrypted();
        if !matches!(inner.wire, Wire::Plain) && !encrypted {
            // Belt and braces: the password must never leave unencrypted on a TLS setting.
            return Err(SmtpError::Tls("the connection is not encrypted".into()));
        }
        Ok(conn)
    }

    /// AUTH, MAIL, RCPT, DATA on an open connection.
    async fn transact(
        &self,
        conn: &mut AsyncSmtpConnection,
        credentials: &Credentials,
        from: &Address,
        recipients: &[Address],
        data: &[u8],
    ) -> Result<SubmitReceipt, SmtpError> {
        let timeout = self.inner.timeout;
        let info = conn.server_info().clone();
        if info.get_auth_mechanism(&MECHANISMS).is_some() {
            let login = LoginCredentials::new(credentials.username.clone(), credentials.password.expose().to_string());
            within(timeout, Step::Auth, conn.auth(&MECHANISMS, &login)).await?;
        } else if info.supports_auth_mechanism(Mechanism::Xoauth2) {
            return Err(SmtpError::Protocol("the server offers only AUTH XOAUTH2, not PLAIN or LOGIN".into()));
        }

        let mut parameters = Vec::new();
        if !data.is_ascii() {
            if !info.supports_feature(Extension::EightBitMime) {
                return Err(SmtpError::Protocol("the message has 8-bit content and the server does not offer 8BITMIME".into()));
            }
            parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        let non_ascii = std::iter::once(from).chain(recipients).find(|address| !address.to_string().is_ascii());
        if let Some(address) = non_ascii {
            if !info.supports_feature(Extension::SmtpUtfEight) {
                return Err(SmtpError::InvalidAddress(format!(
                    "{address}: the mail server does not accept non-ASCII addresses (no SMTPUTF8)"
                )));
            }
            parameters.push(MailParameter::SmtpUtfEight);
        }

        within(timeout, Step::Transaction, conn.command(Mail::new(Some(from.clone()), parameters))).await?;
        for recipient in recipients {
            within(timeout, Step::Transaction, conn.command(Rcpt::new(recipient.clone(), Vec::new()))).await?;
        }
        within(timeout, Step::Transaction, conn.command(Data)).await?;
        let upload = timeout + Duration::from_secs(data.len() as u64 / MIN_UPLOAD_BYTES_PER_SEC);
        let reply = within(upload, Step::Transaction, conn.message(data)).await?;
        Ok(SubmitReceipt { code: reply.code().into(), text: reply.message().collect::<Vec<_>>().join(" ") })
    }
}

impl Envelope {
    /// Both ends of the envelope as lettre addresses, checked before any connection is made.
    fn addresses(&self) -> Result<(Address, Vec<Address>), SmtpError> {
        let from = parse_address("sender", &self.from)?;
        if self.recipients.is_empty() {
            return Err(SmtpError::InvalidAddress("no recipients".into()));
        }
        let recipients = self.recipients.iter().map(|raw| parse_address("recipient", raw)).collect::<Result<_, _>>()?;
        Ok((from, recipients))
    }
}

fn parse_address(role: &str, raw: &str) -> Result<Address, SmtpError> {
    raw.parse::<Address>().map_err(|e| SmtpError::InvalidAddress(format!("{role} {raw:?}: {e}")))
}

/// Runs one step of the conversation with a deadline and classifies its failure.
async fn within<T>(
    limit: Duration,
    step: Step,
    fut: impl Future<Output = Result<T, lettre::transport::smtp::Error>>,
) -> Result<T, SmtpError> {
    match tokio::time::timeout(limit, fut).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => {
            tracing::debug!(?step, error = ?err, "SMTP step failed");
            Err(classify(step, cause_of(&err)))
        }
        Err(_) => Err(SmtpError::timed_out(limit)),
    }
}

/// TLS settings for `host` (a name or an IP, checked against the certificate's SANs): the
/// system roots (lettre loads them) plus the operator's extra CA file.
fn tls_parameters(host: &str, extra_ca_file: Option<&Path>) -> Result<TlsParameters, SmtpError> {
    let mut builder = TlsParameters::builder(host.to_string());
    if let Some(path) = extra_ca_file {
        for der in crate::imap::extra_ca_certs(path).map_err(SmtpError::Tls)? {
            let cert = Certificate::from_der(der.to_vec()).map_err(|e| SmtpError::Tls(format!("{}: {e}", path.display())))?;
            builder = builder.add_root_certificate(cert);
        }
    }
    builder.build_rustls().map_err(|e| SmtpError::Tls(e.to_string()))
}

/// The EHLO name: this machine's host name as RFC 5321 asks, or the address literal
/// `[127.0.0.1]` (lettre's own fallback) when the name is unusable in an EHLO line.
fn hello_name() -> ClientId {
    match ClientId::default() {
        ClientId::Domain(name) if is_hostname(&name) => ClientId::Domain(name),
        ClientId::Domain(_) => ClientId::Ipv4(Ipv4Addr::LOCALHOST),
        literal => literal,
    }
}

fn is_hostname(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && !name.starts_with(['.', '-'])
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// The bytes to hand lettre for DATA so that the server stores exactly `message`. lettre
/// dot-stuffs only lines that start after a CRLF, so a bare LF would let a line "." end the data
/// early (the SMTP smuggling shape): bare LFs become CRLF. lettre also always writes CRLF "."
/// CRLF after the data, whose first CRLF ends the last line: one final CRLF is dropped here, or
/// every message would grow an empty line.
fn wire_data(message: &[u8]) -> Cow<'_, [u8]> {
    let bare_lf = message.iter().enumerate().any(|(i, &b)| b == b'\n' && (i == 0 || message[i - 1] != b'\r'));
    if !bare_lf {
        return Cow::Borrowed(message.strip_suffix(b"\r\n").unwrap_or(message));
    }
    let mut out = Vec::with_capacity(message.len() + message.len() / 16);
    for (i, &b) in message.iter().enumerate() {
        if b == b'\n' && (i == 0 || message[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(b);
    }
    if out.ends_with(b"\r\n") {
        out.truncate(out.len() - 2);
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_data_keeps_crlf_messages_and_fixes_bare_lf() {
        let cases: [(&[u8], &[u8]); 7] = [
            (b"Subject: x\r\n\r\nbody\r\n", b"Subject: x\r\n\r\nbody"),
            (b"Subject: x\r\n\r\nbody", b"Subject: x\r\n\r\nbody"),
            (b"Subject: x\r\n\r\nbody\r\n\r\n", b"Subject: x\r\n\r\nbody\r\n"),
            (b"Subject: x\n\nbody\n.\nmore\n", b"Subject: x\r\n\r\nbody\r\n.\r\nmore"),
            (b"a\r\nb\nc", b"a\r\nb\r\nc"),
            (b"\n", b""),
            (b"", b""),
        ];
        for (input, expected) in cases {
            assert_eq!(&*wire_data(input), expected, "{:?}", String::from_utf8_lossy(input));
        }
        assert!(matches!(wire_data(b"a\r\nb\r\n"), Cow::Borrowed(_)), "CRLF input is not copied");
    }

    #[test]
    fn envelope_addresses_are_checked_before_connecting() {
        let ok = Envelope { from: "alice@example.test".into(), recipients: vec!["bob@example.test".into(), "x@[127.0.0.1]".into()] };
        let (from, to) = ok.addresses().expect("valid");
        assert_eq!(from.to_string(), "alice@example.test");
        assert_eq!(to.len(), 2);

        let bad = [
            ("", vec!["bob@example.test"], "sender \"\""),
            ("alice@example.test", vec![], "no recipients"),
            ("Alice <alice@example.test>", vec!["bob@example.test"], "sender"),
            ("alice@example.test", vec!["bob@example.test", "not an address"], "recipient \"not an address\""),
            ("alice@example.test", vec!["bob@example.test>\r\nRCPT TO:<eve@example.test"], "recipient"),
            ("alice@example.test\r\nRSET", vec!["bob@example.test"], "sender"),
        ];
        for (from, recipients, expected) in bad {
            let envelope = Envelope { from: from.into(), recipients: recipients.into_iter().map(String::from).collect() };
            match envelope.addresses() {
                Err(SmtpError::InvalidAddress(text)) => assert!(text.contains(expected), "{text:?} should contain {expected:?}"),
                other => panic!("{envelope:?}: expected InvalidAddress, got {other:?}"),
            }
        }
    }

    #[test]
    fn plain_text_only_to_loopback() {
        let remote = ServerAddress { host: "mail.example.com".into(), port: 25, security: Security::Plain };
        let err = SmtpSubmitter::new(remote, None, Duration::from_secs(5)).expect_err("refused");
        assert!(matches!(err, SmtpError::Tls(_)), "{err:?}");
        let local = ServerAddress { host: "127.0.0.1".into(), port: 25, security: Security::Plain };
        SmtpSubmitter::new(local, None, Duration::from_secs(5)).expect("loopback is fine");
    }

    #[test]
    fn a_missing_or_empty_ca_file_is_a_tls_error() {
        let address = ServerAddress { host: "127.0.0.1".into(), port: 465, security: Security::ImplicitTls };
        let missing = SmtpSubmitter::new(address.clone(), Some(Path::new("/nonexistent/ca.pem")), Duration::from_secs(5));
        assert!(matches!(missing, Err(SmtpError::Tls(ref text)) if text.contains("/nonexistent/ca.pem")), "{missing:?}");
        let empty = std::env::temp_dir().join(format!("letterbox-empty-ca-{}.pem", std::process::id()));
        std::fs::write(&empty, "no certificate here\n").expect("write");
        let result = SmtpSubmitter::new(address, Some(&empty), Duration::from_secs(5));
        let _ = std::fs::remove_file(&empty);
        assert!(matches!(result, Err(SmtpError::Tls(ref text)) if text.contains("no PEM certificate")), "{result:?}");
    }

    #[test]
    fn hello_name_is_a_host_name_or_a_literal() {
        assert!(is_hostname("mail-1.example.com"));
        assert!(!is_hostname(""));
        assert!(!is_hostname("bad name"));
        assert!(!is_hostname("-x"));
        match hello_name() {
            ClientId::Domain(name) => assert!(is_hostname(&name), "{name:?}"),
            literal => assert_eq!(literal.to_string(), "[127.0.0.1]"),
        }
    }
}
