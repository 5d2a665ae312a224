//! The IMAP layer's error type, classified so callers can tell a wrong password from a dead server.

use std::io;

/// Everything that can go wrong talking to the IMAP server.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    /// TCP connect failed (refused, unreachable, DNS).
    #[error("cannot reach the mail server: {0}")]
    Connect(String),
    /// TLS handshake failed; the text says why ("certificate not trusted", ...).
    #[error("TLS with the mail server failed: {0}")]
    Tls(String),
    /// The server requires STARTTLS but does not offer it, or similar policy refusals.
    #[error("the mail server does not allow a safe login: {0}")]
    Insecure(String),
    /// LOGIN/AUTHENTICATE was refused: wrong username or password.
    #[error("the mail server rejected the username or password")]
    AuthFailed,
    /// The server did not answer in time.
    #[error("the mail server did not answer within {0} s")]
    Timeout(u64),
    /// The connection broke or the server said BYE.
    #[error("the connection to the mail server was lost: {0}")]
    ConnectionLost(String),
    /// The server answered NO to a command (the text is the server's).
    #[error("the mail server refused: {0}")]
    No(String),
    /// The server answered BAD to a command, or said something we could not parse.
    #[error("the mail server reported a protocol error: {0}")]
    Protocol(String),
    /// Every connection this user may open is busy and none came free in time.
    #[error("all of your mail server connections are busy; try again in {retry_after} s")]
    Busy { retry_after: u64 },
    /// The caller gave input that cannot be sent (e.g. CR/LF in a mailbox name).
    #[error("invalid input: {0}")]
    InvalidInput(String),
}

impl ImapError {
    /// True when the connection itself is gone, so a fresh connection may succeed where this
    /// one failed (the pool then retries once).
    pub fn is_connection_error(&self) -> bool {
        matches!(self, ImapError::ConnectionLost(_) | ImapError::Connect(_) | ImapError::Timeout(_))
    }

    /// Classifies an I/O error from connect or handshake.
    pub fn from_io(err: io::Error) -> Self {
        if let Some(tls) = err.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
            return ImapError::Tls(describe_tls(tls));
        }
        match err.kind() {
            io::ErrorKind::ConnectionRefused => ImapError::Connect("connection refused".into()),
            io::ErrorKind::TimedOut => ImapError::Connect("connection timed out".into()),
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionAborted => ImapError::ConnectionLost(err.to_string()),
            _ => ImapError::ConnectionLost(err.to_string()),
        }
    }
}

/// Words a user understands for the usual TLS failures (the SMTP layer uses them too).
pub(crate) fn describe_tls(err: &rustls::Error) -> String {
    use rustls::{CertificateError, Error};
    match err {
        Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
            "certificate not trusted (unknown issuer; set LETTERBOX_CA_FILE for a self-signed server)".into()
        }
        // A trusted certificate with the same name but another key (e.g. a system "snakeoil"
        // CN=localhost next to a self-signed server's own): still a missing CA file.
        Error::InvalidCertificate(CertificateError::BadSignature) => {
            "certificate not trusted (not signed by a trusted certificate; set LETTERBOX_CA_FILE for a self-signed server)".into()
        }
        Error::InvalidCertificate(CertificateError::Expired) => "certificate expired".into(),
        Error::InvalidCertificate(CertificateError::NotValidForName) => "certificate not valid for this host name".into(),
        Error::InvalidCertificate(other) => format!("certificate not trusted ({other:?})"),
        other => other.to_string(),
    }
}

impl From<async_imap::error::Error> for ImapError {
    fn from(err: async_imap::error::Error) -> Self {
        use async_imap::error::Error;
        match err {
            Error::Io(io) => ImapError::from_io(io),
            Error::ConnectionLost => ImapError::ConnectionLost("closed by the server".into()),
            Error::No(text) => ImapError::No(text),
            Error::Bad(text) => ImapError::Protocol(text),
            Error::Parse(parse) => ImapError::Protocol(parse.to_string()),
            Error::Validate(v) => ImapError::InvalidInput(v.to_string()),
            Error::Append => ImapError::No("APPEND failed".into()),
            other => ImapError::Protocol(other.to_string()),
        }
    }
}
