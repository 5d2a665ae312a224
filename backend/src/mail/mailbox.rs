//! Mailboxes (IMAP folders): their opaque URL-safe ids, special-use roles and counts.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

/// The special use of a mailbox (RFC 6154), or INBOX.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Inbox,
    Sent,
    Drafts,
    Trash,
    Junk,
    Archive,
}

impl Role {
    /// Every role, in the order a folder list shows them.
    pub const ALL: [Role; 6] = [Role::Inbox, Role::Drafts, Role::Sent, Role::Archive, Role::Junk, Role::Trash];

    /// The role's name as used in the API (`"sent"`), which is also accepted as a mailbox id alias.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Inbox => "inbox",
            Role::Sent => "sent",
            Role::Drafts => "drafts",
            Role::Trash => "trash",
            Role::Junk => "junk",
            Role::Archive => "archive",
        }
    }

    /// Parses a role name, case-insensitively.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str().eq_ignore_ascii_case(name))
    }

    /// The role a folder name suggests on servers without SPECIAL-USE (Roundcube's and
    /// Thunderbird's usual names, in English and a few common languages).
    pub fn guess_from_name(leaf: &str) -> Option<Role> {
        let name = leaf.to_lowercase();
        let role = match name.as_str() {
            "sent" | "sent items" | "sent mail" | "sent messages" | "gesendet" | "gesendete objekte" | "envoyés" => Role::Sent,
            "drafts" | "draft" | "entwürfe" | "brouillons" => Role::Drafts,
            "trash" | "deleted" | "deleted items" | "deleted messages" | "bin" | "papierkorb" | "corbeille" => Role::Trash,
            "junk" | "spam" | "junk e-mail" | "junk email" | "bulk mail" => Role::Junk,
            "archive" | "archives" | "archiv" => Role::Archive,
            _ => return None,
        };
        Some(role)
    }
}

/// An opaque, URL-safe mailbox id: `INBOX` for the inbox, otherwise the base64url of its path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct MailboxId(String);

impl MailboxId {
    /// The id of the mailbox at `path` (the decoded, human-readable full name).
    pub fn from_path(path: &str) -> Self {
        if path.eq_ignore_ascii_case("INBOX") { Self("INBOX".into()) } else { Self(URL_SAFE_NO_PAD.encode(path.as_bytes())) }
    }

    /// The path an id names, when `raw` is exactly the id of some path (`INBOX` aside); `None`
    /// for anything else, role aliases included.
    pub fn path_of(raw: &str) -> Option<String> {
        if raw.eq_ignore_ascii_case("INBOX") {
            return Some("INBOX".into());
        }
        let path = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).ok()?).ok()?;
        // Only the one encoding this type produces names the path.
        (!path.is_empty() && Self::from_path(&path).0 == raw).then_some(path)
    }

    /// The id as it appears in URLs and JSON.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for MailboxId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a client may name a mailbox by: its id, or a role alias such as `sent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailboxRef {
    /// A mailbox by its full path.
    Path(String),
    /// Whichever mailbox has this role.
    Role(Role),
}

impl MailboxRef {
    /// Parses a mailbox id or role alias from a URL; `None` when it is neither.
    ///
    /// Ids come first: some spellings of role names (`SENT`, `JUNK`, any case is accepted) are
    /// also the ids of real folders (`HCS`, `%CJ`), and those folders must stay reachable. The
    /// lower-case names the API documents are never ids (none is base64url of UTF-8 text).
    pub fn parse(raw: &str) -> Option<Self> {
        if let Some(path) = MailboxId::path_of(raw) {
            return Some(Self::Path(path));
        }
        Role::parse(raw).map(Self::Role)
    }
}

/// A mailbox as the folder list shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Mailbox {
    /// Opaque URL-safe id; `INBOX` for the inbox.
    #[schema(value_type = String)]
    pub id: MailboxId,
    /// The last level of the path, for display.
    pub name: String,
    /// The full, decoded path with the server's hierarchy delimiter.
    pub path: String,
    /// The id of the parent mailbox, if any.
    #[schema(value_type = Option<String>)]
    pub parent_id: Option<MailboxId>,
    /// The server's hierarchy delimiter (`/` or `.`), if it has one.
    pub delimiter: Option<String>,
    pub role: Option<Role>,
    /// Number of messages.
    pub total: u32,
    /// Number of messages without `\Seen`.
    pub unread: u32,
    pub subscribed: bool,
    /// False for `\Noselect` containers that only hold other mailboxes.
    pub selectable: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_stay_url_safe() {
        for path in ["INBOX", "Sent", "Work/Projects 2024", "Entwürfe", "a+b/c?d&e", "Ω"] {
            let id = MailboxId::from_path(path);
            assert!(id.as_str().bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{id}");
            assert_eq!(MailboxRef::parse(id.as_str()), Some(MailboxRef::Path(path.to_string())), "{path}");
        }
        assert_eq!(MailboxId::from_path("inbox").as_str(), "INBOX");
    }

    #[test]
    fn role_aliases_never_collide_with_ids() {
        for role in Role::ALL {
            let parsed = MailboxRef::parse(role.as_str());
            let expected = if role == Role::Inbox { MailboxRef::Path("INBOX".into()) } else { MailboxRef::Role(role) };
            assert_eq!(parsed, Some(expected));
        }
        assert_eq!(MailboxRef::parse("Sent"), Some(MailboxRef::Role(Role::Sent)));
        assert_eq!(MailboxRef::parse("TRASH"), Some(MailboxRef::Role(Role::Trash)));
        assert_eq!(MailboxRef::parse("iNbOx"), Some(MailboxRef::Path("INBOX".into())));
        assert_eq!(MailboxRef::parse("!!"), None);
        assert_eq!(MailboxRef::parse(""), None);
    }

    #[test]
    fn folders_whose_ids_spell_a_role_stay_reachable() {
        // (folder path, its id, which reads as a role name when case is ignored)
        let cases = [("HCS", "SENT"), ("HCm", "SENt"), ("%CJ", "JUNK"), ("%Cd", "JUNk"), ("\u{1}\u{17}!!Q", "ARchIVE")];
        for (path, id) in cases {
            assert_eq!(MailboxId::from_path(path).as_str(), id);
            assert!(Role::parse(id).is_some(), "{id} spells a role");
            assert_eq!(MailboxRef::parse(id), Some(MailboxRef::Path(path.into())), "{id}");
            assert_eq!(MailboxId::path_of(id).as_deref(), Some(path), "{id}");
        }
        for role in Role::ALL {
            assert_eq!(MailboxId::path_of(role.as_str()).is_some(), role == Role::Inbox, "{}", role.as_str());
        }
        // Another base64url spelling of a path is not its id ("SEM" is the id of "HC"; "aW5ib3g"
        // spells "inbox", whose id is INBOX).
        for other in ["SEN", "aW5ib3g"] {
            assert_eq!(MailboxId::path_of(other), None, "{other}");
            assert_eq!(MailboxRef::parse(other), None, "{other}");
        }
    }

    #[test]
    fn roles_guessed_from_names() {
        let cases = [("Sent Items", Some(Role::Sent)), ("Spam", Some(Role::Junk)), ("Papierkorb", Some(Role::Trash)), ("Work", None)];
        for (name, role) in cases {
            assert_eq!(Role::guess_from_name(name), role, "{name}");
        }
    }
}
