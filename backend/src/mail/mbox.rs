//! Writing messages as mboxrd: a `From ` separator line, LF line ends and `>`-quoted `From `
//! lines, so any message survives the round trip.

use super::parse::parse_headers;

/// Appends `raw` (a message as the server stores it) to `out` as one mboxrd entry: the
/// `From <sender> <asctime>` line, every line with LF instead of CRLF, each line matching
/// `^>*From ` quoted with one more `>`, a line end after the last line, then one blank line.
/// `received_at` (Unix seconds, UTC) dates the separator.
pub fn write_mboxrd(out: &mut Vec<u8>, raw: &[u8], received_at: i64) {
    out.extend_from_slice(b"From ");
    out.extend_from_slice(envelope_sender(raw).as_bytes());
    out.push(b' ');
    out.extend_from_slice(asctime(received_at).as_bytes());
    out.push(b'\n');
    let body = raw.strip_suffix(b"\n").unwrap_or(raw);
    for line in body.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let unquoted = &line[line.iter().take_while(|&&b| b == b'>').count()..];
        if unquoted.starts_with(b"From ") {
            out.push(b'>');
        }
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    out.push(b'\n');
}

/// The address for the separator line: the From address (no envelope sender survives in IMAP),
/// else `MAILER-DAEMON`; only printable ASCII without spaces, so the line stays parseable.
fn envelope_sender(raw: &[u8]) -> String {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4).unwrap_or(raw.len().min(64 * 1024));
    let email = parse_headers(&raw[..end]).from.map(|a| a.email).unwrap_or_default();
    let clean: String = email.chars().filter(|c| c.is_ascii_graphic()).collect();
    if clean.is_empty() { "MAILER-DAEMON".to_string() } else { clean }
}

/// `Sat Dec  5 10:00:00 2026` (C asctime, UTC), as mbox separator lines carry it.
fn asctime(unix: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!(
        "{} {} {:>2} {:02}:{:02}:{:02} {}",
        DAYS[t.weekday().number_days_from_monday() as usize],
        MONTHS[u8::from(t.month()) as usize - 1],
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.year()
    )
}

#[cfg(test)]
mod tests {
    use super::write_mboxrd;

    /// Reverses mboxrd: splits at `From ` lines and takes one `>` off `^>+From ` lines.
    fn split(mbox: &[u8]) -> Vec<Vec<u8>> {
        let mut messages: Vec<Vec<u8>> = Vec::new();
        for line in mbox.split_inclusive(|&b| b == b'\n') {
            if line.starts_with(b"From ") {
                messages.push(Vec::new());
                continue;
            }
            let current = messages.last_mut().expect("starts with a From line");
            let quotes = line.iter().take_while(|&&b| b == b'>').count();
            let line = if quotes > 0 && line[quotes..].starts_with(b"From ") { &line[1..] } else { line };
            current.extend_from_slice(line);
        }
        for message in &mut messages {
            assert_eq!(message.pop(), Some(b'\n'), "a blank line ends each entry");
        }
        messages
    }

    #[test]
    fn from_lines_are_quoted_and_come_back() {
        let first = b"From: Ann <ann@example.test>\r\nSubject: x\r\n\r\nFrom here on\r\n>From there\r\n>>From afar\r\nFromage\r\n".to_vec();
        let second = b"Subject: no sender\r\n\r\nlast line without end".to_vec();
        let mut out = Vec::new();
        write_mboxrd(&mut out, &first, 0);
        write_mboxrd(&mut out, &second, 1_764_930_000);
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(text.starts_with("From ann@example.test Thu Jan  1 00:00:00 1970\n"), "{text}");
        assert!(text.contains("\n>From here on\n>>From there\n>>>From afar\nFromage\n\n"), "{text}");
        assert!(text.contains("\nFrom MAILER-DAEMON Fri Dec  5 10:20:00 2025\n"), "{text}");
        assert!(!text.contains('\r'));
        let back = split(&out);
        assert_eq!(back.len(), 2);
        assert_eq!(back[0], String::from_utf8(first).unwrap().replace("\r\n", "\n").into_bytes());
        assert_eq!(back[1], b"Subject: no sender\n\nlast line without end\n");
    }
}
