//! The submission socket: our own TCP connect with Nagle's algorithm off (and our own TLS for smtps), handed to lettre.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use lettre::transport::smtp::client::AsyncTokioStream;
use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::SmtpError;
use super::error::{Cause, Step, classify};
use crate::imap::describe_tls;

/// The stream lettre talks over: plain TCP (smtp://, upgraded by lettre's STARTTLS) or TLS
/// from the first byte (smtps://). Either way the socket underneath has TCP_NODELAY set.
pub(super) struct SubmitStream(Inner);

enum Inner {
    Tcp(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl fmt::Debug for SubmitStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.0 {
            Inner::Tcp(_) => "tcp",
            Inner::Tls(_) => "tls",
        };
        f.debug_tuple("SubmitStream").field(&kind).finish()
    }
}

impl SubmitStream {
    /// A plain TCP stream (STARTTLS, if any, is lettre's business later).
    pub(super) fn plain(tcp: TcpStream) -> Self {
        Self(Inner::Tcp(tcp))
    }

    /// Whether the stream is TLS from the start (smtps).
    pub(super) fn is_tls(&self) -> bool {
        matches!(self.0, Inner::Tls(_))
    }
}

/// Connects to `host:port` within `timeout`, trying each resolved address in turn, and turns
/// Nagle's algorithm off. lettre writes a command, the message and its final "." line in
/// separate small writes; with Nagle on, each small write after the first waits for the
/// server's delayed ACK (40 ms on Linux), on every send.
pub(super) async fn connect_tcp(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, SmtpError> {
    let step = Step::Connect { tls: false };
    let connect = async {
        let mut last = None;
        for address in tokio::net::lookup_host((host, port)).await? {
            match TcpStream::connect(address).await {
                Ok(tcp) => {
                    tcp.set_nodelay(true)?;
                    return Ok(tcp);
                }
                Err(err) => last = Some(err),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("{host}: no address to connect to"))))
    };
    match tokio::time::timeout(timeout, connect).await {
        Ok(Ok(tcp)) => Ok(tcp),
        Ok(Err(err)) => Err(classify(step, io_cause(&err))),
        Err(_) => Err(SmtpError::timed_out(timeout)),
    }
}

/// The TLS handshake of smtps on `tcp`, the certificate verified for `host` against `config`.
pub(super) async fn tls(
    tcp: TcpStream,
    config: Arc<rustls::ClientConfig>,
    host: &str,
    timeout: Duration,
) -> Result<SubmitStream, SmtpError> {
    let name = ServerName::try_from(host.to_string()).map_err(|e| SmtpError::Tls(format!("{host:?}: {e}")))?;
    match tokio::time::timeout(timeout, TlsConnector::from(config).connect(name, tcp)).await {
        Ok(Ok(stream)) => Ok(SubmitStream(Inner::Tls(Box::new(stream)))),
        Ok(Err(err)) => Err(classify(Step::Connect { tls: true }, io_cause(&err))),
        Err(_) => Err(SmtpError::timed_out(timeout)),
    }
}

/// What an I/O error of our own connect or handshake says (rustls errors arrive wrapped).
fn io_cause(err: &io::Error) -> Cause {
    match err.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
        Some(tls) => Cause::Tls(describe_tls(tls)),
        None => Cause::Io { kind: err.kind(), text: err.to_string() },
    }
}

impl AsyncTokioStream for SubmitStream {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        match &self.0 {
            Inner::Tcp(tcp) => tcp.peer_addr(),
            Inner::Tls(tls) => tls.get_ref().0.peer_addr(),
        }
    }
}

impl SubmitStream {
    /// Asks the kernel to acknowledge the next segments at once (Linux resets this after a few
    /// ACKs, hence before every read and write). The server's side keeps Nagle's algorithm on:
    /// after a full TLS 1.3 handshake it sends its session tickets, then holds the reply to
    /// our next command until those are acknowledged, and a delayed ACK costs 40 ms.
    fn quickack(&self) {
        let tcp = match &self.0 {
            Inner::Tcp(tcp) => tcp,
            Inner::Tls(tls) => tls.get_ref().0,
        };
        let _ = socket2::SockRef::from(tcp).set_tcp_quickack(true);
    }
}

impl AsyncRead for SubmitStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.quickack();
        match &mut self.get_mut().0 {
            Inner::Tcp(tcp) => Pin::new(tcp).poll_read(cx, buf),
            Inner::Tls(tls) => Pin::new(tls.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for SubmitStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.quickack();
        match &mut self.get_mut().0 {
            Inner::Tcp(tcp) => Pin::new(tcp).poll_write(cx, buf),
            Inner::Tls(tls) => Pin::new(tls.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().0 {
            Inner::Tcp(tcp) => Pin::new(tcp).poll_flush(cx),
            Inner::Tls(tls) => Pin::new(tls.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().0 {
            Inner::Tcp(tcp) => Pin::new(tcp).poll_shutdown(cx),
            Inner::Tls(tls) => Pin::new(tls.as_mut()).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_submission_socket_has_nagle_off() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let tcp = connect_tcp("127.0.0.1", port, Duration::from_secs(5)).await.expect("connect");
        assert!(tcp.nodelay().expect("read TCP_NODELAY"), "TCP_NODELAY must be set on the SMTP socket");
        let stream = SubmitStream::plain(tcp);
        assert!(!stream.is_tls());
        assert_eq!(AsyncTokioStream::peer_addr(&stream).expect("peer").port(), port);
    }

    #[tokio::test]
    async fn every_write_asks_for_immediate_acks() {
        use tokio::io::AsyncWriteExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let tcp = connect_tcp("127.0.0.1", port, Duration::from_secs(5)).await.expect("connect");
        let mut stream = SubmitStream::plain(tcp);
        let quickack = |stream: &SubmitStream| match &stream.0 {
            Inner::Tcp(tcp) => socket2::SockRef::from(tcp).tcp_quickack().expect("read TCP_QUICKACK"),
            Inner::Tls(_) => unreachable!("plain"),
        };
        for _ in 0..2 {
            // Delayed ACKs, as the kernel falls back to them after a few segments.
            if let Inner::Tcp(tcp) = &stream.0 {
                socket2::SockRef::from(tcp).set_tcp_quickack(false).expect("clear TCP_QUICKACK");
            }
            assert!(!quickack(&stream));
            stream.write_all(b"EHLO x\r\n").await.expect("write");
            assert!(quickack(&stream), "a write through the stream turns quick ACKs back on");
        }
    }

    #[tokio::test]
    async fn a_refused_connect_is_unreachable() {
        // A port that was just free: bind, read it, drop the listener.
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port();
        let err = connect_tcp("127.0.0.1", port, Duration::from_secs(5)).await.expect_err("refused");
        assert!(matches!(err, SmtpError::Unreachable(ref text) if text == "connection refused"), "{err:?}");
    }
}
