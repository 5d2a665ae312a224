//! Messages: their opaque ids, summaries for lists, full views, flags and sort orders.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

use super::MailboxId;

/// Identifies one message for as long as its mailbox's UIDVALIDITY holds: the mailbox path, the
/// UIDVALIDITY and the UID, packed and base64url-encoded so it is opaque and URL-safe.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MessageId {
    pub mailbox: String,
    pub uid_validity: u32,
    pub uid: u32,
}

const MESSAGE_ID_VERSION: u8 = 1;

impl MessageId {
    /// The URL-safe text form.
    pub fn encode(&self) -> String {
        let mut bytes = Vec::with_capacity(9 + self.mailbox.len());
        bytes.push(MESSAGE_ID_VERSION);
        bytes.extend_from_slice(&self.uid_validity.to_be_bytes());
        bytes.extend_from_slice(&self.uid.to_be_bytes());
        bytes.extend_from_slice(self.mailbox.as_bytes());
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Parses the text form; `None` for anything that is not a message id.
    pub fn decode(text: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        if bytes.len() < 10 || bytes[0] != MESSAGE_ID_VERSION {
            return None;
        }
        let uid_validity = u32::from_be_bytes(bytes[1..5].try_into().ok()?);
        let uid = u32::from_be_bytes(bytes[5..9].try_into().ok()?);
        let mailbox = String::from_utf8(bytes[9..].to_vec()).ok()?;
        (uid > 0).then_some(Self { mailbox, uid_validity, uid })
    }
}

impl Serialize for MessageId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.encode())
    }
}

/// A name and an address, as in `From: "Ada" <ada@example.com>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct EmailAddress {
    pub name: Option<String>,
    pub email: String,
}

/// The IMAP system flags and keywords of a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    pub seen: bool,
    pub flagged: bool,
    pub answered: bool,
    pub draft: bool,
    pub deleted: bool,
    /// Keywords (user flags) such as `$Forwarded` or `$label1`.
    pub keywords: Vec<String>,
}

/// What a message list shows for one message.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageSummary {
    #[schema(value_type = String)]
    pub id: MessageId,
    #[schema(value_type = String)]
    pub mailbox_id: MailboxId,
    pub uid: u32,
    /// Decoded subject; "(no subject)" when there is none.
    pub subject: String,
    pub from: Option<EmailAddress>,
    pub to: Vec<EmailAddress>,
    pub cc: Vec<EmailAddress>,
    /// The Date header (RFC 3339), or the arrival time when the header is missing or broken.
    pub date: String,
    /// When the server received it (IMAP INTERNALDATE, RFC 3339).
    pub received_at: String,
    pub size: u32,
    pub seen: bool,
    pub flagged: bool,
    pub answered: bool,
    pub draft: bool,
    pub keywords: Vec<String>,
    pub has_attachments: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
}

/// One attachment (or inline part) of a message.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentInfo {
    /// Identifies the part within its message.
    pub part_id: String,
    pub filename: Option<String>,
    pub content_type: String,
    /// Decoded size in bytes.
    pub size: usize,
    /// `attachment` or `inline`.
    pub disposition: String,
    pub content_id: Option<String>,
}

/// How a message list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SortOrder {
    pub key: SortKey,
    pub descending: bool,
}

/// What a message list is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortKey {
    /// The Date header.
    Date,
    /// When the server received the message (its UID order).
    Arrival,
    From,
    Subject,
    Size,
}

impl SortOrder {
    /// The default: newest Date first.
    pub const DEFAULT: SortOrder = SortOrder { key: SortKey::Date, descending: true };

    /// Parses `date`, `-date`, `arrival`, `-arrival`, `from`, `subject`, `size` and reverses.
    pub fn parse(text: &str) -> Option<Self> {
        let (descending, name) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let key = match name {
            "date" => SortKey::Date,
            "arrival" => SortKey::Arrival,
            "from" => SortKey::From,
            "subject" => SortKey::Subject,
            "size" => SortKey::Size,
            _ => return None,
        };
        Some(Self { key, descending })
    }

    /// The text form accepted by [`SortOrder::parse`].
    pub fn as_text(&self) -> String {
        let name = match self.key {
            SortKey::Date => "date",
            SortKey::Arrival => "arrival",
            SortKey::From => "from",
            SortKey::Subject => "subject",
            SortKey::Size => "size",
        };
        if self.descending { format!("-{name}") } else { name.to_string() }
    }

    /// The RFC 5256 SORT criteria, e.g. `(REVERSE DATE)`.
    pub fn imap_criteria(&self) -> String {
        let key = match self.key {
            SortKey::Date => "DATE",
            SortKey::Arrival => "ARRIVAL",
            SortKey::From => "FROM",
            SortKey::Subject => "SUBJECT",
            SortKey::Size => "SIZE",
        };
        if self.descending { format!("(REVERSE {key})") } else { format!("({key})") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_round_trip_and_reject_garbage() {
        for mailbox in ["INBOX", "Archive.2024", "Entwürfe", "a"] {
            let id = MessageId { mailbox: mailbox.into(), uid_validity: 1_700_000_000, uid: 42 };
            let text = id.encode();
            assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{text}");
            assert_eq!(MessageId::decode(&text), Some(id));
        }
        for bad in [
            "",
            "!!",
            "AQ",
            "INBOX",
            &URL_SAFE_NO_PAD.encode([2u8; 12]),
            &URL_SAFE_NO_PAD.encode([1, 0, 0, 0, 1, 0, 0, 0, 0, b'X']),
            &URL_SAFE_NO_PAD.encode([1, 0, 0, 0, 1, 0, 0, 0, 7]),
        ] {
            assert_eq!(MessageId::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn sort_orders() {
        let cases = [
            ("-date", "(REVERSE DATE)"),
            ("date", "(DATE)"),
            ("arrival", "(ARRIVAL)"),
            ("-arrival", "(REVERSE ARRIVAL)"),
            ("from", "(FROM)"),
            ("-subject", "(REVERSE SUBJECT)"),
            ("size", "(SIZE)"),
        ];
        for (text, imap) in cases {
            let order = SortOrder::parse(text).unwrap();
            assert_eq!(order.imap_criteria(), imap);
            assert_eq!(order.as_text(), text);
        }
        for bad in ["", "-", "Date", "random", "--date"] {
            assert_eq!(SortOrder::parse(bad), None, "{bad}");
        }
    }
}
