//! The SMTP layer's error type, classified so callers can tell a refused recipient from a wrong password or a dead server.

use std::error::Error as StdError;
use std::io;
use std::time::Duration;

use crate::imap::describe_tls;

/// Everything that can go wrong handing a message to the submission server. The texts are shown
/// to users, so a server reply keeps its own code and words ("550 5.1.1 <x@example.test>: ...").
#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    /// The server answered a command with a negative reply: its own code and text, e.g.
    /// `550 5.1.1 ...` for a recipient or `452 4.5.3 ...` for too many recipients.
    #[error("the mail server refused the message: {}", reply(*code, text))]
    Rejected { code: u16, text: String },
    /// AUTH was refused (535 wrong username or password, 454 temporary failure ...).
    #[error("the mail server refused the login: {}", reply(*code, text))]
    AuthFailed { code: u16, text: String },
    /// Could not connect, the connection dropped, or the server did not answer in time; the
    /// cause in words ("connection refused", "timed out after 30 s").
    #[error("cannot reach the mail server: {0}")]
    Unreachable(String),
    /// TLS failed: certificate not trusted, handshake error, STARTTLS not offered or refused.
    #[error("TLS with the mail server failed: {0}")]
    Tls(String),
    /// Anything else: a malformed reply, a feature the message needs that the server lacks.
    #[error("the mail server could not be talked to: {0}")]
    Protocol(String),
    /// An envelope address that is not a valid addr-spec (or needs SMTPUTF8 the server lacks).
    #[error("invalid address: {0}")]
    InvalidAddress(String),
}

/// `550 5.1.1 text`, or the bare code when the server sent no text.
fn reply(code: u16, text: &str) -> String {
    if text.is_empty() { code.to_string() } else { format!("{code} {text}") }
}

impl SmtpError {
    /// The server's reply code, when the error is a negative reply.
    pub fn reply_code(&self) -> Option<u16> {
        match self {
            SmtpError::Rejected { code, .. } | SmtpError::AuthFailed { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// True when the same submission may succeed later unchanged: a 4xx reply or an
    /// unreachable server (a 5xx reply, bad TLS or a bad address will fail again). Note that a
    /// timeout while waiting for the reply to DATA may follow a message the server did take.
    pub fn is_transient(&self) -> bool {
        matches!(self.reply_code(), Some(400..=499)) || matches!(self, SmtpError::Unreachable(_))
    }

    /// The error for a step that got no answer within `limit`.
    pub(crate) fn timed_out(limit: Duration) -> Self {
        let secs = limit.as_secs_f64();
        let shown = if limit.subsec_millis() == 0 { format!("{secs:.0}") } else { format!("{secs:.1}") };
        SmtpError::Unreachable(format!("timed out after {shown} s"))
    }
}

/// Which part of the conversation failed: the same negative reply is a wrong password during
/// AUTH and a refused message later, and a dropped connection during a handshake is a TLS failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// TCP connect, greeting and EHLO; `tls` when the TLS handshake is part of it (smtps).
    Connect { tls: bool },
    /// STARTTLS, the handshake after it and the second EHLO.
    StartTls,
    /// AUTH PLAIN / LOGIN.
    Auth,
    /// MAIL, RCPT, DATA and the message itself.
    Transaction,
}

/// What a lettre error says, pulled out of its source chain so that the classification is a
/// pure function (lettre's own constructors are private, so tests build these instead).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cause {
    /// A negative reply (4xx/5xx): the code and the server's text, all lines joined.
    Reply { code: u16, text: String },
    /// rustls refused (already in words a user understands).
    Tls(String),
    /// An I/O error on the socket.
    Io { kind: io::ErrorKind, text: String },
    /// The server closed the connection while we waited for a reply.
    Closed,
    /// lettre could not connect without an I/O cause (e.g. no usable address).
    Connection(String),
    /// lettre's own words for anything else (unparsable reply, client-side refusal).
    Other(String),
}

/// Reads a lettre error. lettre's `Display` only says "permanent error (550)": the server's text
/// is the error's source. TLS failures arrive as an `io::Error` wrapping a `rustls::Error`
/// (tokio-rustls), and `io::Error::source` skips that wrapped error, so each io error in the
/// chain is opened with `get_ref` instead.
pub(crate) fn cause_of(err: &lettre::transport::smtp::Error) -> Cause {
    let detail = err.source().map(|source| source.to_string()).unwrap_or_else(|| err.to_string());
    if let Some(code) = err.status() {
        return Cause::Reply { code: code.into(), text: detail };
    }
    let mut first_io = None;
    let mut next: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(current) = next {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Cause::Tls(describe_tls(tls));
        }
        if let Some(io_err) = current.downcast_ref::<io::Error>() {
            if let Some(tls) = io_err.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
                return Cause::Tls(describe_tls(tls));
            }
            first_io.get_or_insert_with(|| Cause::Io { kind: io_err.kind(), text: io_err.to_string() });
        }
        next = current.source();
    }
    if let Some(io_cause) = first_io {
        io_cause
    } else if err.is_tls() {
        Cause::Tls(detail)
    } else if err.is_response() && detail == "incomplete response" {
        // lettre's words when the stream ends before a complete reply: the server hung up.
        Cause::Closed
    } else if err.is_response() || err.is_client() {
        Cause::Other(detail)
    } else {
        Cause::Connection(detail)
    }
}

/// Decides what a failure in `step` means for the caller.
pub(crate) fn classify(step: Step, cause: Cause) -> SmtpError {
    let in_handshake = matches!(step, Step::Connect { tls: true } | Step::StartTls);
    match cause {
        Cause::Reply { code, text } => match step {
            Step::Auth => SmtpError::AuthFailed { code, text },
            Step::StartTls => SmtpError::Tls(format!("the server refused STARTTLS: {}", reply(code, &text))),
            Step::Connect { .. } | Step::Transaction => SmtpError::Rejected { code, text },
        },
        Cause::Tls(text) => SmtpError::Tls(text),
        Cause::Io { kind, text } => match kind {
            io::ErrorKind::ConnectionRefused => SmtpError::Unreachable("connection refused".into()),
            io::ErrorKind::TimedOut => SmtpError::Unreachable("connection timed out".into()),
            // A peer that hangs up or sends garbage mid-handshake is most often not speaking TLS
            // on that port (smtps:// against a STARTTLS port or the other way round).
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::InvalidData
                if in_handshake =>
            {
                SmtpError::Tls(format!("handshake failed: {text}"))
            }
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => SmtpError::Unreachable(format!("connection lost: {text}")),
            _ => SmtpError::Unreachable(text),
        },
        Cause::Closed if in_handshake => SmtpError::Tls("the server closed the connection during the TLS handshake".into()),
        Cause::Closed => SmtpError::Unreachable("the server closed the connection".into()),
        Cause::Connection(text) => SmtpError::Unreachable(text),
        Cause::Other(text) => SmtpError::Protocol(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply_cause(code: u16, text: &str) -> Cause {
        Cause::Reply { code, text: text.into() }
    }

    fn io_cause(kind: io::ErrorKind) -> Cause {
        Cause::Io { kind, text: io::Error::from(kind).to_string() }
    }

    #[test]
    fn classification_table() {
        let plain = Step::Connect { tls: false };
        let smtps = Step::Connect { tls: true };
        // (step, cause, expected Display, expected reply code)
        let cases: Vec<(Step, Cause, &str, Option<u16>)> = vec![
            (
                Step::Auth,
                reply_cause(535, "5.7.8 Error: authentication failed"),
                "refused the login: 535 5.7.8 Error: authentication failed",
                Some(535),
            ),
            (Step::Auth, reply_cause(454, "4.7.0 Temporary authentication failure"), "refused the login: 454 4.7.0", Some(454)),
            (
                Step::Transaction,
                reply_cause(550, "5.1.1 <x@example.test>: Recipient address rejected: User unknown"),
                "refused the message: 550 5.1.1 <x@example.test>: Recipient address rejected: User unknown",
                Some(550),
            ),
            (Step::Transaction, reply_cause(452, "4.5.3 Error: too many recipients"), "refused the message: 452 4.5.3", Some(452)),
            (Step::Transaction, reply_cause(554, ""), "refused the message: 554", Some(554)),
            (plain, reply_cause(421, "4.3.2 Service shutting down"), "refused the message: 421 4.3.2", Some(421)),
            (
                Step::StartTls,
                reply_cause(454, "4.7.0 TLS not available due to local problem"),
                "TLS with the mail server failed: the server refused STARTTLS: 454 4.7.0",
                None,
            ),
            (
                smtps,
                Cause::Tls("certificate not trusted (unknown issuer)".into()),
                "TLS with the mail server failed: certificate not trusted",
                None,
            ),
            (plain, io_cause(io::ErrorKind::ConnectionRefused), "cannot reach the mail server: connection refused", None),
            (smtps, io_cause(io::ErrorKind::ConnectionRefused), "cannot reach the mail server: connection refused", None),
            (plain, io_cause(io::ErrorKind::TimedOut), "cannot reach the mail server: connection timed out", None),
            (smtps, io_cause(io::ErrorKind::UnexpectedEof), "TLS with the mail server failed: handshake failed", None),
            (Step::StartTls, io_cause(io::ErrorKind::ConnectionReset), "TLS with the mail server failed: handshake failed", None),
            (Step::Transaction, io_cause(io::ErrorKind::ConnectionReset), "cannot reach the mail server: connection lost", None),
            (Step::Auth, io_cause(io::ErrorKind::BrokenPipe), "cannot reach the mail server: connection lost", None),
            (plain, Cause::Closed, "cannot reach the mail server: the server closed the connection", None),
            (
                Step::StartTls,
                Cause::Closed,
                "TLS with the mail server failed: the server closed the connection during the TLS handshake",
                None,
            ),
            (
                plain,
                Cause::Connection("could not resolve to any supported address".into()),
                "cannot reach the mail server: could not resolve",
                None,
            ),
            (
                Step::Transaction,
                Cause::Other("Could not read server name".into()),
                "could not be talked to: Could not read server name",
                None,
            ),
        ];
        for (step, cause, expected, code) in cases {
            let err = classify(step, cause.clone());
            let shown = err.to_string();
            assert!(shown.contains(expected), "{step:?} {cause:?}: {shown:?} should contain {expected:?}");
            assert_eq!(err.reply_code(), code, "{step:?} {cause:?}");
        }
    }

    #[test]
    fn transient_means_worth_retrying_later() {
        let cases = [
            (SmtpError::Rejected { code: 452, text: "4.5.3 Error: too many recipients".into() }, true),
            (SmtpError::Rejected { code: 550, text: "5.1.1 unknown".into() }, false),
            (SmtpError::AuthFailed { code: 454, text: "4.7.0 try later".into() }, true),
            (SmtpError::AuthFailed { code: 535, text: "5.7.8 no".into() }, false),
            (SmtpError::Unreachable("connection refused".into()), true),
            (SmtpError::Tls("certificate expired".into()), false),
            (SmtpError::InvalidAddress("x".into()), false),
        ];
        for (err, transient) in cases {
            assert_eq!(err.is_transient(), transient, "{err}");
        }
    }

    #[test]
    fn timeouts_say_how_long() {
        assert_eq!(SmtpError::timed_out(Duration::from_secs(30)).to_string(), "cannot reach the mail server: timed out after 30 s");
        assert_eq!(SmtpError::timed_out(Duration::from_millis(1500)).to_string(), "cannot reach the mail server: timed out after 1.5 s");
    }

    #[test]
    fn an_unparsable_reply_is_a_protocol_error() {
        // The one lettre error a test can build: a reply that does not parse.
        let err = "not smtp".parse::<lettre::transport::smtp::response::Response>().expect_err("garbage");
        let cause = cause_of(&err);
        assert!(matches!(cause, Cause::Other(_)), "{cause:?}");
        assert!(matches!(classify(Step::Transaction, cause), SmtpError::Protocol(_)));
    }
}
