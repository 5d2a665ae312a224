//! One authenticated IMAP session with its capabilities, and the commands Letterbox sends on it.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Instant;

use async_imap::Session;
use async_imap::imap_proto::{MailboxDatum, NameAttribute, Response, Status, StatusAttribute};

use super::error::ImapError;
use super::stream::MailStream;
use super::utf7;
use crate::mail::{Mailbox, MailboxId, Role};

/// The capabilities a server announced, upper-cased (`SORT`, `AUTH=PLAIN`, `SPECIAL-USE`).
#[derive(Debug, Clone, Default)]
pub struct Capabilities(BTreeSet<String>);

impl Capabilities {
    /// Collects capability names, normalizing case.
    pub fn new(names: impl IntoIterator<Item = String>) -> Self {
        Self(names.into_iter().map(|n| n.to_ascii_uppercase()).collect())
    }

    /// Whether the server announced `name` (case-insensitive).
    pub fn has(&self, name: &str) -> bool {
        self.0.contains(&name.to_ascii_uppercase())
    }

    /// Every capability, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

/// A logged-in IMAP session. Owned by exactly one request at a time (see the pool).
pub struct ImapConnection {
    pub(super) session: Session<MailStream>,
    capabilities: Capabilities,
    pub(super) last_used: Instant,
    /// The mailbox currently selected on this connection, to skip redundant SELECTs.
    pub(super) selected: Option<super::messages::Selected>,
    /// QRESYNC was enabled (it changes EXPUNGE into VANISHED for the rest of the session).
    pub(super) qresync: bool,
}

impl std::fmt::Debug for ImapConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapConnection").field("capabilities", &self.capabilities.0.len()).finish_non_exhaustive()
    }
}

/// A mailbox as LIST reported it, before counts and roles are attached.
struct Listed {
    wire_name: String,
    delimiter: Option<String>,
    attributes: Vec<NameAttribute<'static>>,
    subscribed: bool,
}

impl ImapConnection {
    /// Wraps a freshly logged-in session, reading CAPABILITY once (it may change after login).
    pub(super) async fn establish(mut session: Session<MailStream>) -> Result<Self, ImapError> {
        let caps = session.capabilities().await?;
        let capabilities = Capabilities::new(caps.iter().map(|c| match c {
            async_imap::types::Capability::Imap4rev1 => "IMAP4REV1".to_string(),
            async_imap::types::Capability::Auth(m) => format!("AUTH={m}"),
            async_imap::types::Capability::Atom(a) => a.clone(),
        }));
        Ok(Self { session, capabilities, last_used: Instant::now(), selected: None, qresync: false })
    }

    /// What the server supports, read once when the connection was opened.
    pub fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    /// Forgets unsolicited responses left over from earlier commands; the pool calls this before
    /// handing the connection to a new request.
    pub(super) fn discard_unsolicited(&mut self) {
        while self.session.unsolicited_responses.try_recv().is_ok() {}
    }

    /// Says LOGOUT politely; errors are irrelevant because the connection is being dropped anyway.
    pub async fn logout(mut self) {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), self.session.logout()).await;
    }

    /// Sends a command and feeds every untagged response to `on_data` until the tagged answer,
    /// which `on_data` also sees when it is OK (it may carry a response code such as COPYUID).
    pub(super) async fn run<F>(&mut self, command: &str, on_data: F) -> Result<(), ImapError>
    where
        F: FnMut(&Response<'_>),
    {
        let tag = self.session.run_command(command).await?;
        self.finish(tag, on_data).await
    }

    /// Reads the responses to the command tagged `tag` (already sent) until its tagged answer,
    /// feeding them to `on_data` as [`run`](Self::run) does.
    pub(super) async fn finish<F>(&mut self, tag: async_imap::imap_proto::RequestId, mut on_data: F) -> Result<(), ImapError>
    where
        F: FnMut(&Response<'_>),
    {
        loop {
            let response = self
                .session
                .read_response()
                .await
                .map_err(ImapError::from_io)?
                .ok_or_else(|| ImapError::ConnectionLost("closed by the server".into()))?;
            match response.parsed() {
                Response::Done { tag: done, status, outcome } if *done == tag => {
                    let text = outcome.information.as_deref().unwrap_or("").to_string();
                    return match status {
                        Status::Ok => {
                            on_data(response.parsed());
                            Ok(())
                        }
                        Status::No => Err(ImapError::No(text)),
                        _ => Err(ImapError::Protocol(text)),
                    };
                }
                Response::Data { status: Status::Bye, outcome } => {
                    return Err(ImapError::ConnectionLost(format!("BYE {}", outcome.information.as_deref().unwrap_or(""))));
                }
                other => on_data(other),
            }
        }
    }

    /// Lists every mailbox with role, counts and subscription, in one round trip when the server
    /// has LIST-STATUS, else with LIST, LSUB and one STATUS per mailbox.
    pub async fn list_mailboxes(&mut self) -> Result<Vec<Mailbox>, ImapError> {
        let mut listed: Vec<Listed> = Vec::new();
        let mut counts: HashMap<String, (u32, u32)> = HashMap::new();
        let mut collect = |response: &Response<'_>| match response {
            Response::MailboxData(MailboxDatum::List(data)) => listed.push(Listed {
                wire_name: data.name.to_string(),
                delimiter: data.delimiter.as_ref().map(|d| d.to_string()),
                subscribed: data
                    .name_attributes
                    .iter()
                    .any(|a| matches!(a, NameAttribute::Extension(e) if e.eq_ignore_ascii_case("\\Subscribed"))),
                attributes: data.name_attributes.iter().cloned().map(NameAttribute::into_owned).collect(),
            }),
            Response::MailboxData(MailboxDatum::Status { mailbox, status }) => {
                counts.insert(count_key(mailbox), status_counts(status));
            }
            _ => {}
        };
        let extended = self.capabilities.has("LIST-STATUS") && self.capabilities.has("LIST-EXTENDED");
        if extended {
            self.run(r#"LIST "" "*" RETURN (SUBSCRIBED SPECIAL-USE STATUS (MESSAGES UNSEEN))"#, &mut collect).await?;
        } else {
            self.run(r#"LIST "" "*""#, &mut collect).await?;
            let mut subscribed = HashSet::new();
            self.run(r#"LSUB "" "*""#, |response| {
                if let Response::MailboxData(MailboxDatum::List(data)) = response {
                    subscribed.insert(data.name.to_string());
                }
            })
            .await?;
            for entry in &mut listed {
                entry.subscribed = subscribed.contains(&entry.wire_name);
            }
            for entry in listed.iter().filter(|e| !e.attributes.contains(&NameAttribute::NoSelect)) {
                let command = format!("STATUS {} (MESSAGES UNSEEN)", quote(&entry.wire_name)?);
                let mut found = None;
                self.run(&command, |response| {
                    if let Response::MailboxData(MailboxDatum::Status { status, .. }) = response {
                        found = Some(status_counts(status));
                    }
                })
                .await?;
                if let Some(found) = found {
                    counts.insert(count_key(&entry.wire_name), found);
                }
            }
        }
        Ok(build_mailboxes(listed, &counts))
    }

    /// The number of messages and unread messages of one mailbox (STATUS).
    pub async fn mailbox_counts(&mut self, path: &str) -> Result<(u32, u32), ImapError> {
        let command = format!("STATUS {} (MESSAGES UNSEEN)", quote(&utf7::encode(path))?);
        let mut found = None;
        self.run(&command, |response| {
            if let Response::MailboxData(MailboxDatum::Status { status, .. }) = response {
                found = Some(status_counts(status));
            }
        })
        .await?;
        found.ok_or_else(|| ImapError::Protocol("STATUS gave no data".into()))
    }

    /// Creates a mailbox and subscribes to it, as other clients expect new folders to show.
    pub async fn create_mailbox(&mut self, path: &str) -> Result<(), ImapError> {
        let name = quote(&utf7::encode(path))?;
        self.run(&format!("CREATE {name}"), |_| {}).await?;
        // A failed SUBSCRIBE leaves a usable folder; not worth failing the request for.
        let _ = self.run(&format!("SUBSCRIBE {name}"), |_| {}).await;
        Ok(())
    }

    /// Renames a mailbox, moving its subscription along.
    pub async fn rename_mailbox(&mut self, from: &str, to: &str) -> Result<(), ImapError> {
        let (from, to) = (quote(&utf7::encode(from))?, quote(&utf7::encode(to))?);
        self.run(&format!("RENAME {from} {to}"), |_| {}).await?;
        let _ = self.run(&format!("UNSUBSCRIBE {from}"), |_| {}).await;
        let _ = self.run(&format!("SUBSCRIBE {to}"), |_| {}).await;
        Ok(())
    }

    /// Deletes a mailbox and drops its subscription.
    pub async fn delete_mailbox(&mut self, path: &str) -> Result<(), ImapError> {
        let name = quote(&utf7::encode(path))?;
        self.run(&format!("DELETE {name}"), |_| {}).await?;
        let _ = self.run(&format!("UNSUBSCRIBE {name}"), |_| {}).await;
        Ok(())
    }

    /// A cheap round trip that proves the connection is alive.
    pub async fn noop(&mut self) -> Result<(), ImapError> {
        self.run("NOOP", |_| {}).await
    }
}

/// STATUS and LIST may spell INBOX in any case; everything else is case-sensitive.
fn count_key(wire_name: &str) -> String {
    if wire_name.eq_ignore_ascii_case("INBOX") { "INBOX".to_string() } else { wire_name.to_string() }
}

fn status_counts(status: &[StatusAttribute]) -> (u32, u32) {
    let mut counts = (0, 0);
    for attribute in status {
        match attribute {
            StatusAttribute::Messages(n) => counts.0 = *n,
            StatusAttribute::Unseen(n) => counts.1 = *n,
            _ => {}
        }
    }
    counts
}

/// Quotes an (already modified-UTF-7) mailbox name as an IMAP quoted string.
pub(crate) fn quote(name: &str) -> Result<String, ImapError> {
    if name.contains(['\r', '\n', '\0']) {
        return Err(ImapError::InvalidInput("mailbox names cannot contain line breaks".into()));
    }
    Ok(format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\"")))
}

fn special_use(attributes: &[NameAttribute<'_>]) -> Option<Role> {
    attributes.iter().find_map(|a| match a {
        NameAttribute::Sent => Some(Role::Sent),
        NameAttribute::Drafts => Some(Role::Drafts),
        NameAttribute::Trash => Some(Role::Trash),
        NameAttribute::Junk => Some(Role::Junk),
        NameAttribute::Archive => Some(Role::Archive),
        _ => None,
    })
}

/// Turns LIST results into the model: decoded paths, parents, roles (SPECIAL-USE first, then
/// names for roles no folder claimed), INBOX first and the rest by path.
fn build_mailboxes(listed: Vec<Listed>, counts: &HashMap<String, (u32, u32)>) -> Vec<Mailbox> {
    let mut claimed: HashSet<Role> = listed.iter().filter_map(|e| special_use(&e.attributes)).collect();
    let mut mailboxes: Vec<Mailbox> = listed
        .into_iter()
        .map(|entry| {
            let path = if entry.wire_name.eq_ignore_ascii_case("INBOX") { "INBOX".to_string() } else { utf7::decode(&entry.wire_name) };
            let (parent, name) = match entry.delimiter.as_deref().filter(|d| !d.is_empty()).and_then(|d| path.rsplit_once(d)) {
                Some((parent, leaf)) => (Some(parent.to_string()), leaf.to_string()),
                None => (None, path.clone()),
            };
            let role = if path == "INBOX" { Some(Role::Inbox) } else { special_use(&entry.attributes) };
            let (total, unread) = counts.get(&count_key(&entry.wire_name)).copied().unwrap_or((0, 0));
            Mailbox {
                id: MailboxId::from_path(&path),
                parent_id: parent.as_deref().map(MailboxId::from_path),
                name,
                path,
                delimiter: entry.delimiter,
                role,
                total,
                unread,
                subscribed: entry.subscribed,
                selectable: !entry.attributes.contains(&NameAttribute::NoSelect),
            }
        })
        .collect();
    for mailbox in mailboxes.iter_mut().filter(|m| m.role.is_none() && m.selectable) {
        if let Some(role) = Role::guess_from_name(&mailbox.name)
            && claimed.insert(role)
        {
            mailbox.role = Some(role);
        }
    }
    mailboxes.sort_by(|a, b| (b.path == "INBOX").cmp(&(a.path == "INBOX")).then_with(|| a.path.to_lowercase().cmp(&b.path.to_lowercase())));
    mailboxes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(name: &str, attributes: Vec<NameAttribute<'static>>) -> Listed {
        Listed { wire_name: name.into(), delimiter: Some("/".into()), attributes, subscribed: true }
    }

    #[test]
    fn roles_parents_and_order() {
        let counts = HashMap::from([("INBOX".to_string(), (10, 3)), ("Entw&APw-rfe".to_string(), (2, 0))]);
        let boxes = build_mailboxes(
            vec![
                listed("Work/Projects", vec![]),
                listed("Entw&APw-rfe", vec![NameAttribute::Drafts]),
                listed("Spam", vec![]),
                listed("Junk", vec![NameAttribute::Junk]),
                listed("inbox", vec![]),
                listed("Work", vec![NameAttribute::NoSelect]),
            ],
            &counts,
        );
        let paths: Vec<&str> = boxes.iter().map(|m| m.path.as_str()).collect();
        assert_eq!(paths, ["INBOX", "Entwürfe", "Junk", "Spam", "Work", "Work/Projects"]);
        let inbox = &boxes[0];
        assert_eq!((inbox.role, inbox.total, inbox.unread, inbox.id.as_str()), (Some(Role::Inbox), 10, 3, "INBOX"));
        assert_eq!(boxes[1].role, Some(Role::Drafts));
        assert_eq!(boxes[2].role, Some(Role::Junk));
        assert_eq!(boxes[3].role, None, "Spam must not steal the junk role SPECIAL-USE gave Junk");
        assert!(!boxes[4].selectable);
        assert_eq!(boxes[5].name, "Projects");
        assert_eq!(boxes[5].parent_id, Some(MailboxId::from_path("Work")));
    }

    #[test]
    fn names_guess_roles_without_special_use() {
        let boxes = build_mailboxes(vec![listed("Sent Items", vec![]), listed("Trash", vec![])], &HashMap::new());
        assert_eq!(boxes.iter().map(|m| m.role).collect::<Vec<_>>(), [Some(Role::Sent), Some(Role::Trash)]);
    }

    #[test]
    fn quoting() {
        assert_eq!(quote(r#"a"b\c"#).unwrap(), r#""a\"b\\c""#);
        assert!(quote("a\r\nb").is_err());
    }
}
