//! What a message list fetches: only items the server keeps in its cache, decoded from ENVELOPE.

use async_imap::imap_proto::{Address, Envelope};

use crate::mail::EmailAddress;
use crate::mail::parse::{HeaderSummary, NO_SUBJECT, decode_text, summary_from_envelope};

/// The FETCH items of a list page. Everything here is answered from Dovecot's cache once a
/// message has been seen (ENVELOPE and BODYSTRUCTURE are cached on first fetch). Header fields
/// (`BODY.PEEK[HEADER]`, `HEADER.FIELDS`) are not: the server opens every message file, and in
/// a fresh Dovecot process the first open rescans the whole Maildir (~300 ms at 100k).
pub(super) const LIST_ITEMS: &str = "(UID FLAGS INTERNALDATE RFC822.SIZE BODYSTRUCTURE ENVELOPE)";

/// The FETCH items for sorting here when the server has no SORT.
pub(super) const SORT_KEY_ITEMS: &str = "(UID INTERNALDATE RFC822.SIZE ENVELOPE)";

/// The header summary of a message from its ENVELOPE (a missing ENVELOPE reads as an empty one).
pub(super) fn summary_of(envelope: Option<&Envelope<'_>>) -> HeaderSummary {
    let Some(envelope) = envelope else {
        return HeaderSummary { subject: NO_SUBJECT.into(), ..HeaderSummary::default() };
    };
    summary_from_envelope(
        envelope.subject.as_deref(),
        envelope.date.as_deref(),
        addresses(envelope.from.as_deref()).into_iter().next(),
        addresses(envelope.to.as_deref()),
        addresses(envelope.cc.as_deref()),
    )
}

/// The addresses of an ENVELOPE list, groups flattened (RFC 3501: a group starts with an entry
/// without host naming the group and ends with one without mailbox and host; both are
/// markers, not addresses), names decoded and trimmed; entries with neither email nor name dropped.
fn addresses(list: Option<&[Address<'_>]>) -> Vec<EmailAddress> {
    list.unwrap_or_default()
        .iter()
        .filter_map(|address| {
            let host = address.host.as_deref()?;
            let mailbox = address.mailbox.as_deref().map(String::from_utf8_lossy).unwrap_or_default();
            let email = if mailbox.trim().is_empty() {
                String::new()
            } else {
                format!("{}@{}", mailbox.trim(), String::from_utf8_lossy(host).trim())
            };
            let name = address.name.as_deref().and_then(decode_text);
            (!email.is_empty() || name.is_some()).then_some(EmailAddress { name, email })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use async_imap::imap_proto::{AttributeValue, Response};

    use super::*;

    fn envelope_summary(line: &[u8]) -> HeaderSummary {
        let (_, response) = Response::parse(line).expect("a FETCH response");
        let Response::Fetch(_, attributes) = response else { panic!("not a FETCH: {response:?}") };
        let envelope = attributes.iter().find_map(|a| match a {
            AttributeValue::Envelope(envelope) => Some(&**envelope),
            _ => None,
        });
        summary_of(envelope)
    }

    #[test]
    fn list_items_are_cached_items_only() {
        for items in [LIST_ITEMS, SORT_KEY_ITEMS] {
            assert!(items.contains("ENVELOPE"), "{items}");
            // BODYSTRUCTURE is cached; any BODY[...] / BODY.PEEK[...] section is not.
            let without_structure = items.replace("BODYSTRUCTURE", "");
            for uncached in ["BODY", "HEADER", "RFC822.HEADER", "RFC822.TEXT", "BINARY", "PREVIEW"] {
                assert!(!without_structure.contains(uncached), "{items} asks for {uncached}");
            }
        }
    }

    #[test]
    fn envelope_decodes_like_the_header_block() {
        let line = b"* 3 FETCH (UID 7 ENVELOPE (\"Mon, 1 Dec 2025 10:00:00 +0100\" \
\"=?UTF-8?Q?Caf=C3=A9_meeting?= tomorrow\" \
((\"=?UTF-8?B?SsO2cmcgTcO8bGxlcg==?=\" NIL \"joerg\" \"beispiel.example\")) \
((\"Sender\" NIL \"s\" \"x.example\")) NIL \
((\"O'Brien, Pat\" NIL \"pat\" \"irish.example\")(NIL NIL \"bob\" \"example.test\")) \
((NIL NIL \"team\" NIL)(\"  \" NIL \"ann\" \"t.example\")(NIL NIL NIL NIL)) NIL NIL \"<id@x>\"))\r\n";
        let summary = envelope_summary(line);
        assert_eq!(summary.subject, "Café meeting tomorrow");
        assert_eq!(summary.date, Some(1_764_579_600));
        let from = summary.from.expect("from");
        assert_eq!((from.name.as_deref(), from.email.as_str()), (Some("Jörg Müller"), "joerg@beispiel.example"));
        let to: Vec<_> = summary.to.iter().map(|a| (a.name.as_deref(), a.email.as_str())).collect();
        assert_eq!(to, [(Some("O'Brien, Pat"), "pat@irish.example"), (None, "bob@example.test")]);
        // The group's markers are not addresses; a blank name is no name.
        let cc: Vec<_> = summary.cc.iter().map(|a| (a.name.as_deref(), a.email.as_str())).collect();
        assert_eq!(cc, [(None, "ann@t.example")]);
    }

    #[test]
    fn empty_or_broken_envelopes_read_as_no_subject() {
        let summary = envelope_summary(b"* 1 FETCH (UID 1 ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL))\r\n");
        assert_eq!(summary.subject, NO_SUBJECT);
        assert!(summary.from.is_none() && summary.to.is_empty() && summary.date.is_none());
        let summary = envelope_summary(b"* 1 FETCH (UID 1 ENVELOPE (\"not a date\" \"  \" NIL NIL NIL NIL NIL NIL NIL NIL))\r\n");
        assert_eq!((summary.subject.as_str(), summary.date), (NO_SUBJECT, None));
        assert_eq!(summary_of(None).subject, NO_SUBJECT);
        // A literal subject with a folded line and a CR LF inside stays one line.
        let summary = envelope_summary(b"* 1 FETCH (UID 1 ENVELOPE (NIL {12}\r\nRe: a\r\n b\r\nc NIL NIL NIL NIL NIL NIL NIL NIL))\r\n");
        assert_eq!(summary.subject, "Re: a bc");
    }
}
