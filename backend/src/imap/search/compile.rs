//! Compiles the search AST to IMAP SEARCH keys (RFC 3501 §6.4.4), quoting every user string or sending it as a literal.

use std::fmt::Write as _;

use time::Date;

use super::ImapSearch;
use super::parser::{DateKey, Flag, HeaderField, Node, SizeKey, Term};

/// IMAP's English month abbreviations for `date-month`.
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Compiles a parsed query; the empty query is `ALL`.
pub(super) fn compile(root: Option<&Node>) -> ImapSearch {
    let mut out = Writer { search: ImapSearch { criteria: String::new(), needs_utf8: false, literals: Vec::new() } };
    match root {
        None => out.push("ALL"),
        // SEARCH takes a sequence of keys that are ANDed, so the top level needs no parentheses.
        Some(Node::And(items)) => out.sequence(items),
        Some(node) => out.node(node),
    }
    out.search
}

struct Writer {
    search: ImapSearch,
}

impl Writer {
    fn push(&mut self, text: &str) {
        self.search.criteria.push_str(text);
    }

    fn sequence(&mut self, items: &[Node]) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.push(" ");
            }
            self.node(item);
        }
    }

    /// Writes one search-key; an AND below the top level becomes a parenthesized list.
    fn node(&mut self, node: &Node) {
        match node {
            Node::And(items) => {
                self.push("(");
                self.sequence(items);
                self.push(")");
            }
            Node::Or(items) => self.or(items),
            Node::Not(inner) => {
                self.push("NOT ");
                self.node(inner);
            }
            Node::Term(term) => self.term(term),
        }
    }

    /// IMAP's OR is binary. A chain is split in halves rather than nested to the right, so its
    /// depth grows with log2(n) and the server's recursive parser never sees hundreds of levels.
    /// Three terms give `OR a OR b c`.
    fn or(&mut self, items: &[Node]) {
        if items.len() < 2 {
            // The parser never builds an OR of fewer than two; write the lone term if one exists.
            if let Some(item) = items.first() {
                self.node(item);
            }
            return;
        }
        let (left, right) = items.split_at(items.len() / 2);
        self.push("OR ");
        self.or(left);
        self.push(" ");
        self.or(right);
    }

    fn term(&mut self, term: &Term) {
        match term {
            Term::Text(text) => {
                self.push("TEXT ");
                self.string(text);
            }
            Term::Header(field, value) => {
                self.push(match field {
                    HeaderField::From => "FROM ",
                    HeaderField::To => "TO ",
                    HeaderField::Cc => "CC ",
                    HeaderField::Bcc => "BCC ",
                    HeaderField::Subject => "SUBJECT ",
                });
                self.string(value);
            }
            Term::Flag(flag) => self.push(match flag {
                Flag::Seen => "SEEN",
                Flag::Unseen => "UNSEEN",
                Flag::Flagged => "FLAGGED",
                Flag::Unflagged => "UNFLAGGED",
                Flag::Answered => "ANSWERED",
                Flag::Unanswered => "UNANSWERED",
                Flag::Draft => "DRAFT",
            }),
            // IMAP cannot see attachments. A multipart/mixed top-level type is how nearly every
            // client sends "body plus files", and HEADER is a substring match on the header value,
            // so this matches `multipart/mixed; boundary=…`. It misses a lone PDF sent as the whole
            // message and attachments inside multipart/signed; matching "application/" as well
            // was rejected because it hits the `protocol="application/pgp-signature"` parameter of
            // every PGP-signed message.
            Term::HasAttachment => self.push("HEADER Content-Type \"multipart/mixed\""),
            Term::Date(key, date) => {
                self.push(match key {
                    DateKey::Before => "SENTBEFORE ",
                    DateKey::On => "SENTON ",
                    DateKey::Since => "SENTSINCE ",
                });
                self.date(*date);
            }
            Term::Size(key, bytes) => {
                self.push(match key {
                    SizeKey::Larger => "LARGER ",
                    SizeKey::Smaller => "SMALLER ",
                });
                self.push(&bytes.to_string());
            }
        }
    }

    /// `date-text` as `D-Mon-YYYY`; built only from numbers and the fixed month names.
    fn date(&mut self, date: Date) {
        let month = MONTHS[usize::from(u8::from(date.month())) - 1];
        let _ = write!(self.search.criteria, "{}-{month}-{:04}", date.day(), date.year());
    }

    /// The one place user text reaches the output. Printable ASCII becomes a quoted string with
    /// `\` and `"` escaped, which is all RFC 3501 quoting needs; anything else (non-ASCII, tab)
    /// becomes a synchronizing literal marker `{N}\r\n` with the bytes in `literals`.
    fn string(&mut self, value: &str) {
        if value.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
            let criteria = &mut self.search.criteria;
            criteria.reserve(value.len() + 2);
            criteria.push('"');
            for c in value.chars() {
                if matches!(c, '"' | '\\') {
                    criteria.push('\\');
                }
                criteria.push(c);
            }
            criteria.push('"');
        } else {
            self.search.needs_utf8 |= !value.is_ascii();
            let _ = write!(self.search.criteria, "{{{}}}\r\n", value.len());
            self.search.literals.push(value.to_owned());
        }
    }
}
