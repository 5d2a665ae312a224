//! One stream type for plain and TLS connections, so a session's type does not depend on how
//! it was opened; it can also take `* SORT` replies out of the byte stream (see [`SortCapture`]).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// The transport under a mail connection.
enum Transport {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

/// A connection to a mail server, encrypted or (loopback only) not.
pub struct MailStream {
    transport: Transport,
    capture: Option<SortCapture>,
    /// Bytes a finished capture had read but not yet handed on.
    leftover: Vec<u8>,
    leftover_pos: usize,
}

/// Parses `* SORT` lines itself while a SORT command runs, handing the IMAP library a short
/// `* SORT` line instead. Why: async-imap re-parses its whole buffer after every 4 KB it reads,
/// so the one ~700 KB line a SORT of 100,000 messages returns cost tens of milliseconds of
/// quadratic parsing; read here it is one linear pass.
#[derive(Debug, Default)]
struct SortCapture {
    /// Read from the socket, not yet a complete line.
    pending: Vec<u8>,
    /// Where to resume looking for CRLF in `pending`.
    scanned: usize,
    /// Complete lines ready to hand on.
    out: Vec<u8>,
    out_pos: usize,
    uids: Vec<u32>,
    seen_sort: bool,
    /// The tagged reply went past: everything after it passes through untouched.
    tagged: bool,
    /// The buffer socket reads land in: allocated on the first read, then reused for every read
    /// of this capture (a fresh 64 KiB per read was an allocation per few KB of a SORT reply).
    chunk: Vec<u8>,
}

/// How much one socket read of a capture takes at most.
const CHUNK: usize = 64 * 1024;

impl SortCapture {
    /// Takes complete lines out of `pending`: SORT lines are parsed, others go to `out`. The
    /// consumed lines leave `pending` in one move at the end, not one move per line.
    fn process(&mut self) {
        let mut start = 0;
        while !self.tagged {
            let Some(offset) = self.pending[self.scanned..].windows(2).position(|w| w == b"\r\n") else {
                // The last byte may be the CR of a CRLF split across reads.
                self.scanned = self.pending.len().saturating_sub(1).max(start);
                break;
            };
            let end = self.scanned + offset + 2;
            let line = &self.pending[start..end];
            if let Some(rest) = line.strip_prefix(b"* SORT") {
                self.seen_sort = true;
                let text = String::from_utf8_lossy(rest);
                self.uids.extend(text.split_ascii_whitespace().filter_map(|n| n.parse::<u32>().ok()));
                self.out.extend_from_slice(b"* SORT\r\n");
            } else {
                self.tagged = !line.starts_with(b"* ") && !line.starts_with(b"+ ");
                self.out.extend_from_slice(line);
            }
            start = end;
            self.scanned = end;
        }
        self.pending.drain(..start);
        self.scanned -= start;
        if self.tagged {
            // After the tagged reply nothing is ours to interpret.
            self.out.append(&mut self.pending);
            self.scanned = 0;
        }
    }

    /// Serves one read through the capture: lines already processed first, else one read of
    /// the transport (through the reused `chunk`) and processing it.
    fn poll_read_with(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
        mut read_transport: impl FnMut(&mut Context<'_>, &mut ReadBuf<'_>) -> Poll<io::Result<()>>,
    ) -> Poll<io::Result<()>> {
        loop {
            if self.out_pos < self.out.len() {
                hand_on(&self.out, &mut self.out_pos, buf);
                if self.out_pos == self.out.len() {
                    self.out.clear();
                    self.out_pos = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if self.chunk.is_empty() {
                self.chunk = vec![0u8; CHUNK];
            }
            let mut read = ReadBuf::new(&mut self.chunk);
            std::task::ready!(read_transport(cx, &mut read))?;
            let filled = read.filled().len();
            if filled == 0 {
                // End of stream: hand on whatever is left, then the EOF itself.
                self.tagged = true;
                self.process();
                if self.out.is_empty() {
                    return Poll::Ready(Ok(()));
                }
                continue;
            }
            self.pending.extend_from_slice(&self.chunk[..filled]);
            self.process();
        }
    }
}

impl MailStream {
    /// A plain TCP connection (loopback, or before STARTTLS).
    pub fn plain(tcp: TcpStream) -> Self {
        Self { transport: Transport::Plain(tcp), capture: None, leftover: Vec::new(), leftover_pos: 0 }
    }

    /// A TLS connection.
    pub fn tls(tls: TlsStream<TcpStream>) -> Self {
        Self { transport: Transport::Tls(Box::new(tls)), capture: None, leftover: Vec::new(), leftover_pos: 0 }
    }

    /// The plain TCP stream, for a STARTTLS upgrade; `None` when it is TLS already.
    pub fn into_plain(self) -> Option<TcpStream> {
        match self.transport {
            Transport::Plain(tcp) => Some(tcp),
            Transport::Tls(_) => None,
        }
    }

    /// Starts capturing `* SORT` replies (call right before sending a SORT command).
    pub fn start_sort_capture(&mut self) {
        self.capture = Some(SortCapture::default());
    }

    /// Ends the capture; the UIDs of the `* SORT` replies seen, or `None` when there was none.
    pub fn finish_sort_capture(&mut self) -> Option<Vec<u32>> {
        let mut capture = self.capture.take()?;
        // Anything read but not yet handed on must still reach the reader, in order.
        let mut rest = capture.out.split_off(capture.out_pos);
        rest.append(&mut capture.pending);
        if !rest.is_empty() {
            self.leftover.drain(..self.leftover_pos);
            self.leftover_pos = 0;
            self.leftover.extend_from_slice(&rest);
        }
        capture.seen_sort.then_some(capture.uids)
    }

    fn poll_transport(&mut self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        poll_transport(&mut self.transport, cx, buf)
    }
}

fn poll_transport(transport: &mut Transport, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
    match transport {
        Transport::Plain(s) => Pin::new(s).poll_read(cx, buf),
        Transport::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
    }
}

impl std::fmt::Debug for MailStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.transport {
            Transport::Plain(_) => "MailStream::Plain",
            Transport::Tls(_) => "MailStream::Tls",
        })
    }
}

fn hand_on(from: &[u8], pos: &mut usize, buf: &mut ReadBuf<'_>) {
    let n = (from.len() - *pos).min(buf.remaining());
    buf.put_slice(&from[*pos..*pos + n]);
    *pos += n;
}

impl AsyncRead for MailStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.leftover_pos < this.leftover.len() {
            hand_on(&this.leftover, &mut this.leftover_pos, buf);
            return Poll::Ready(Ok(()));
        }
        match &mut this.capture {
            None => this.poll_transport(cx, buf),
            Some(capture) => capture.poll_read_with(cx, buf, |cx, read| poll_transport(&mut this.transport, cx, read)),
        }
    }
}

impl AsyncWrite for MailStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().transport {
            Transport::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().transport {
            Transport::Plain(s) => Pin::new(s).poll_flush(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().transport {
            Transport::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(chunks: &[&[u8]]) -> (Vec<u8>, SortCapture) {
        let mut capture = SortCapture::default();
        let mut handed = Vec::new();
        for chunk in chunks {
            capture.pending.extend_from_slice(chunk);
            capture.process();
            handed.append(&mut capture.out);
        }
        (handed, capture)
    }

    #[test]
    fn sort_lines_are_parsed_and_shortened_across_chunk_boundaries() {
        type Case<'a> = (&'a [&'a [u8]], &'a [u32], &'a [u8]);
        let cases: [Case; 4] = [
            (&[b"* SORT 3 1 2\r\nA1 OK done\r\n"], &[3, 1, 2], b"* SORT\r\nA1 OK done\r\n"),
            (
                &[b"* SO", b"RT 30", b"0 2\r", b"\n* 4 EXISTS\r\nA1 OK", b" x\r\n* 5 EXISTS\r\n"],
                &[300, 2],
                b"* SORT\r\n* 4 EXISTS\r\nA1 OK x\r\n* 5 EXISTS\r\n",
            ),
            (&[b"* SORT\r\nA1 OK\r\n"], &[], b"* SORT\r\nA1 OK\r\n"),
            (&[b"A1 NO [CANNOT] bad\r\n* SORT 9\r\n"], &[], b"A1 NO [CANNOT] bad\r\n* SORT 9\r\n"),
        ];
        for (chunks, uids, handed_on) in cases {
            let (handed, capture) = run(chunks);
            assert_eq!(capture.uids, uids, "{chunks:?}");
            assert_eq!(String::from_utf8_lossy(&handed), String::from_utf8_lossy(handed_on), "{chunks:?}");
        }
    }

    /// Every transport read of a capture lands in the same 64 KiB buffer: a read sees the bytes
    /// the previous read left in it (a fresh buffer per read would be all zeros).
    #[test]
    fn reads_reuse_one_buffer() {
        let line = format!("* SORT {}\r\n", (1..=20_000).map(|n: u32| n.to_string()).collect::<Vec<_>>().join(" "));
        let reply = format!("{line}A1 OK done\r\n");
        let mut chunks = reply.as_bytes().chunks(1000).collect::<std::collections::VecDeque<_>>();
        let (mut capture, mut previous, mut reads) = (SortCapture::default(), Vec::<u8>::new(), 0);
        let mut read_transport = |_: &mut Context<'_>, read: &mut ReadBuf<'_>| {
            assert_eq!(read.capacity(), CHUNK);
            assert!(read.initialize_unfilled()[..previous.len()] == previous[..], "read {reads} got a fresh buffer");
            let chunk = chunks.pop_front().unwrap_or_default();
            read.put_slice(chunk);
            previous = chunk.to_vec();
            reads += 1;
            Poll::Ready(Ok(()))
        };
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let (mut handed, mut space) = (Vec::new(), vec![0u8; 16]);
        loop {
            let mut buf = ReadBuf::new(&mut space);
            assert!(capture.poll_read_with(&mut cx, &mut buf, &mut read_transport).is_ready());
            if buf.filled().is_empty() {
                break;
            }
            handed.extend_from_slice(buf.filled());
        }
        assert!(reads > 100, "{reads} reads");
        assert_eq!(capture.uids.len(), 20_000);
        assert_eq!(handed, b"* SORT\r\nA1 OK done\r\n");
    }

    #[test]
    fn a_long_sort_line_parses_linearly() {
        let uids: Vec<u32> = (1..=100_000).rev().collect();
        let line = format!("* SORT {}\r\nA7 OK Sort completed\r\n", uids.iter().map(u32::to_string).collect::<Vec<_>>().join(" "));
        let chunks: Vec<&[u8]> = line.as_bytes().chunks(4096).collect();
        let (handed, capture) = run(&chunks);
        assert_eq!(capture.uids, uids);
        assert_eq!(handed, b"* SORT\r\nA7 OK Sort completed\r\n");
    }
}
