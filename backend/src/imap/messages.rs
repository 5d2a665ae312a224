//! Message commands on a connection: SELECT, SORT/SEARCH, FETCH of one page, STORE, MOVE/COPY and
//! UID EXPUNGE, with fallbacks for servers without SORT, MOVE or UIDPLUS.

use std::collections::HashMap;

use async_imap::imap_proto::rfc4315::UidSetMember;
use async_imap::imap_proto::{MailboxDatum, Response, ResponseCode};
use async_imap::types::Flag;
use futures::TryStreamExt;

use super::connection::{ImapConnection, quote};
use super::envelope;
use super::error::ImapError;
use super::utf7;
use crate::mail::parse::HeaderSummary;
use crate::mail::{Flags, SortKey, SortOrder};

/// The state of the selected mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected {
    pub path: String,
    pub uid_validity: u32,
    pub exists: u32,
    pub uid_next: u32,
}

/// What identifies the exact set of messages in a mailbox: UIDs are never reused, so equal
/// UIDVALIDITY, UIDNEXT and message count mean the same messages; HIGHESTMODSEQ (with CONDSTORE)
/// also moves on flag changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct MailboxState {
    pub uid_validity: u32,
    pub uid_next: u32,
    pub messages: u32,
    pub highest_modseq: Option<u64>,
}

/// One message of a list page as fetched.
#[derive(Debug, Clone)]
pub struct FetchedSummary {
    pub uid: u32,
    pub flags: Flags,
    /// INTERNALDATE as Unix seconds.
    pub received_at: i64,
    pub size: u32,
    pub headers: HeaderSummary,
    pub has_attachments: bool,
}

/// Formats UIDs as a compact IMAP sequence set (`1:5,9`).
pub fn uid_set(uids: &[u32]) -> String {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = String::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string())
        } else {
            out.push_str(&format!("{start}:{end}"))
        }
        i += 1;
    }
    out
}

fn flags_of<'a>(flags: impl Iterator<Item = Flag<'a>>) -> Flags {
    let mut out = Flags::default();
    for flag in flags {
        match flag {
            Flag::Seen => out.seen = true,
            Flag::Flagged => out.flagged = true,
            Flag::Answered => out.answered = true,
            Flag::Draft => out.draft = true,
            Flag::Deleted => out.deleted = true,
            Flag::Custom(keyword) if !keyword.starts_with('\\') => out.keywords.push(keyword.to_string()),
            _ => {}
        }
    }
    out
}

impl ImapConnection {
    /// Selects `path` read-write unless it is already selected; returns its UIDVALIDITY and size.
    pub async fn select(&mut self, path: &str) -> Result<Selected, ImapError> {
        if let Some(selected) = &self.selected
            && selected.path == path
        {
            return Ok(selected.clone());
        }
        self.reselect(path).await
    }

    /// Selects `path` afresh even when it is selected already (SELECT syncs the folder: about
    /// 70 ms on a 100k Maildir, so lists use [`ImapConnection::mailbox_state`] instead).
    async fn reselect(&mut self, path: &str) -> Result<Selected, ImapError> {
        Ok(self.select_with_state(path, false).await?.0)
    }

    /// [`ImapConnection::mailbox_state`] for a list that will SELECT `path` anyway: when it is
    /// not selected yet, it is selected now and the state read from the SELECT reply. A STATUS
    /// first would make a fresh Dovecot process open and sync the folder twice (at 100k
    /// messages, a second full pass over the Maildir).
    pub async fn list_state(&mut self, path: &str) -> Result<MailboxState, ImapError> {
        if self.selected.as_ref().is_some_and(|s| s.path == path) {
            return self.mailbox_state(path).await;
        }
        // SELECT (CONDSTORE) makes the reply carry HIGHESTMODSEQ, as STATUS would.
        let condstore = self.capabilities().has("CONDSTORE");
        Ok(self.select_with_state(path, condstore).await?.1)
    }

    async fn select_with_state(&mut self, path: &str, condstore: bool) -> Result<(Selected, MailboxState), ImapError> {
        self.selected = None;
        quote(path)?; // rejects CR/LF before anything is sent
        let wire = utf7::encode(path);
        let selecting = if condstore { self.session.select_condstore(wire).await } else { self.session.select(wire).await };
        let mailbox = selecting.map_err(|e| match ImapError::from(e) {
            ImapError::No(text) => ImapError::No(format!("[NONEXISTENT] {text}")),
            other => other,
        })?;
        let uid_validity = mailbox.uid_validity.ok_or_else(|| ImapError::Protocol("SELECT gave no UIDVALIDITY".into()))?;
        let selected = Selected { path: path.to_string(), uid_validity, exists: mailbox.exists, uid_next: mailbox.uid_next.unwrap_or(0) };
        self.selected = Some(selected.clone());
        let state = MailboxState {
            uid_validity,
            uid_next: selected.uid_next,
            messages: selected.exists,
            highest_modseq: mailbox.highest_modseq.filter(|_| condstore),
        };
        Ok((selected, state))
    }

    /// What identifies the exact set of messages in a mailbox, cheaply (NOOP + STATUS, well under
    /// a millisecond on 100k messages).
    ///
    /// Dovecot answers STATUS for the selected mailbox from this session's view, which catches up
    /// with other clients at the next sync: NOOP is that sync. When another client deleted (and
    /// perhaps recreated) the selected folder, the NOOP reports an untagged NO instead; the view
    /// is then dropped with UNSELECT (never CLOSE, which would expunge) so STATUS reads the
    /// folder as it is now, new UIDVALIDITY included.
    pub async fn mailbox_state(&mut self, path: &str) -> Result<MailboxState, ImapError> {
        if self.selected.as_ref().is_some_and(|s| s.path == path) {
            let mut broken = false;
            self.run("NOOP", |response| {
                if let Response::Data { status: async_imap::imap_proto::Status::No, .. } = response {
                    broken = true;
                }
            })
            .await?;
            if broken {
                self.selected = None;
                if self.capabilities().has("UNSELECT") {
                    self.run("UNSELECT", |_| {}).await?;
                } else {
                    // EXAMINE of INBOX leaves the broken folder without expunging anything.
                    self.run("EXAMINE INBOX", |_| {}).await?;
                }
            }
        }
        let condstore = self.capabilities().has("CONDSTORE");
        let items = if condstore { "(MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ)" } else { "(MESSAGES UIDNEXT UIDVALIDITY)" };
        let command = format!("STATUS {} {items}", quote(&utf7::encode(path))?);
        let mut state = MailboxState::default();
        self.run(&command, |response| {
            if let Response::MailboxData(MailboxDatum::Status { status, .. }) = response {
                for attribute in status {
                    match attribute {
                        async_imap::imap_proto::StatusAttribute::Messages(n) => state.messages = *n,
                        async_imap::imap_proto::StatusAttribute::UidNext(n) => state.uid_next = *n,
                        async_imap::imap_proto::StatusAttribute::UidValidity(n) => state.uid_validity = *n,
                        async_imap::imap_proto::StatusAttribute::HighestModSeq(n) => state.highest_modseq = Some(*n),
                        _ => {}
                    }
                }
            }
        })
        .await
        .map_err(|e| match e {
            ImapError::No(text) => ImapError::No(format!("[NONEXISTENT] {text}")),
            other => other,
        })?;
        // The selected view must agree with the folder, or UIDs would point at other messages.
        if self.selected.as_ref().is_some_and(|s| s.path == path && s.uid_validity != state.uid_validity) {
            self.reselect(path).await?;
        }
        Ok(state)
    }

    /// The UIDs of the selected mailbox matching `criteria` (IMAP SEARCH keys, `ALL` for all) in
    /// `order`: one server SORT when the server has it, else SEARCH plus a local sort.
    pub async fn sorted_uids(&mut self, order: SortOrder, criteria: &str, utf8: bool) -> Result<Vec<u32>, ImapError> {
        if self.capabilities().has("SORT") {
            let command = format!("UID SORT {} UTF-8 {criteria}", order.imap_criteria());
            let mut uids = Vec::new();
            // The stream parses the (possibly huge) SORT line itself; see MailStream.
            self.session.get_mut().start_sort_capture();
            let result = self
                .run(&command, |response| {
                    if let Response::MailboxData(MailboxDatum::Sort(found)) = response {
                        uids.extend_from_slice(found);
                    }
                })
                .await;
            let captured = self.session.get_mut().finish_sort_capture();
            result?;
            return Ok(captured.unwrap_or(uids));
        }
        let charset = if utf8 { "CHARSET UTF-8 " } else { "" };
        let mut uids = Vec::new();
        self.run(&format!("UID SEARCH {charset}{criteria}"), |response| {
            if let Response::MailboxData(MailboxDatum::Search(found)) = response {
                uids.extend_from_slice(found);
            }
        })
        .await?;
        uids.sort_unstable();
        if order.key == SortKey::Arrival {
            if order.descending {
                uids.reverse();
            }
            return Ok(uids);
        }
        self.sort_locally(uids, order).await
    }

    /// Without server SORT: fetch the sort keys of every candidate and sort here. Correct but
    /// costs a pass over the folder, which is why SORT is used whenever the server has it.
    async fn sort_locally(&mut self, uids: Vec<u32>, order: SortOrder) -> Result<Vec<u32>, ImapError> {
        let mut keyed: Vec<(u32, String, i64, u32)> = Vec::with_capacity(uids.len());
        for chunk in uids.chunks(1000) {
            let fetches: Vec<_> = self.session.uid_fetch(uid_set(chunk), envelope::SORT_KEY_ITEMS).await?.try_collect().await?;
            for fetch in fetches {
                let Some(uid) = fetch.uid else { continue };
                let headers = envelope::summary_of(fetch.envelope());
                let received = fetch.internal_date().map(|d| d.timestamp()).unwrap_or(0);
                let text = match order.key {
                    SortKey::From => headers.from.map(|f| f.email.to_lowercase()).unwrap_or_default(),
                    SortKey::Subject => headers.subject.to_lowercase(),
                    _ => String::new(),
                };
                keyed.push((uid, text, headers.date.unwrap_or(received), fetch.size.unwrap_or(0)));
            }
        }
        keyed.sort_by(|a, b| {
            let primary = match order.key {
                SortKey::Date => a.2.cmp(&b.2),
                SortKey::Size => a.3.cmp(&b.3),
                _ => a.1.cmp(&b.1),
            };
            // RFC 5256: ties are broken by sequence (UID) order.
            primary.then(a.0.cmp(&b.0))
        });
        if order.descending {
            keyed.reverse();
        }
        Ok(keyed.into_iter().map(|k| k.0).collect())
    }

    /// Fetches what a list shows for `uids` (one page) and returns them in the order given.
    pub async fn fetch_summaries(&mut self, uids: &[u32]) -> Result<Vec<FetchedSummary>, ImapError> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let fetches: Vec<_> = self.session.uid_fetch(uid_set(uids), envelope::LIST_ITEMS).await?.try_collect().await?;
        let mut by_uid: HashMap<u32, FetchedSummary> = HashMap::with_capacity(fetches.len());
        for fetch in &fetches {
            let Some(uid) = fetch.uid else { continue };
            by_uid.insert(
                uid,
                FetchedSummary {
                    uid,
                    flags: flags_of(fetch.flags()),
                    received_at: fetch.internal_date().map(|d| d.timestamp()).unwrap_or(0),
                    size: fetch.size.unwrap_or(0),
                    headers: envelope::summary_of(fetch.envelope()),
                    has_attachments: fetch.bodystructure().is_some_and(super::structure::has_attachments),
                },
            );
        }
        // Messages expunged meanwhile are simply missing from the page.
        Ok(uids.iter().filter_map(|uid| by_uid.remove(uid)).collect())
    }

    /// The whole message `uid` of the selected mailbox, without setting \Seen; `None` if gone.
    pub async fn fetch_raw(&mut self, uid: u32) -> Result<Option<(Vec<u8>, Flags, i64)>, ImapError> {
        let fetches: Vec<_> = self.session.uid_fetch(uid.to_string(), "(UID FLAGS INTERNALDATE BODY.PEEK[])").await?.try_collect().await?;
        Ok(fetches.into_iter().find(|f| f.uid == Some(uid)).map(|f| {
            let received = f.internal_date().map(|d| d.timestamp()).unwrap_or(0);
            (f.body().unwrap_or_default().to_vec(), flags_of(f.flags()), received)
        }))
    }

    /// One part of message `uid` on its own, without setting \Seen: its MIME header block and its
    /// still transfer-encoded body. `section` is an IMAP section such as `2` or `1.2`, or `TEXT`
    /// for the body of a single-part message (then the header is the message's own).
    pub async fn fetch_part(&mut self, uid: u32, section: &str) -> Result<Option<(Vec<u8>, Vec<u8>)>, ImapError> {
        use async_imap::imap_proto::{MessageSection, SectionPath};
        let (query, header_path, body_path) = if section == "TEXT" {
            (
                "(UID BODY.PEEK[HEADER] BODY.PEEK[TEXT])".to_string(),
                SectionPath::Full(MessageSection::Header),
                SectionPath::Full(MessageSection::Text),
            )
        } else {
            let numbers: Vec<u32> = section
                .split('.')
                .map(|n| n.parse::<u32>())
                .collect::<Result<_, _>>()
                .map_err(|_| ImapError::InvalidInput(format!("not a section: {section:?}")))?;
            (
                format!("(UID BODY.PEEK[{section}.MIME] BODY.PEEK[{section}])"),
                SectionPath::Part(numbers.clone(), Some(MessageSection::Mime)),
                SectionPath::Part(numbers, None),
            )
        };
        let fetches: Vec<_> = self.session.uid_fetch(uid.to_string(), query).await?.try_collect().await?;
        Ok(fetches.into_iter().find(|f| f.uid == Some(uid)).and_then(|f| {
            let header = f.section(&header_path)?.to_vec();
            let body = f.section(&body_path)?.to_vec();
            Some((header, body))
        }))
    }

    /// Adds and removes flags (`\Seen`, keywords) on `uids` of the selected mailbox.
    pub async fn store_flags(&mut self, uids: &[u32], add: &[String], remove: &[String]) -> Result<(), ImapError> {
        let set = uid_set(uids);
        if !add.is_empty() {
            self.run(&format!("UID STORE {set} +FLAGS.SILENT ({})", add.join(" ")), |_| {}).await?;
        }
        if !remove.is_empty() {
            self.run(&format!("UID STORE {set} -FLAGS.SILENT ({})", remove.join(" ")), |_| {}).await?;
        }
        Ok(())
    }

    /// Moves (or copies) `uid` of the selected mailbox to `destination`; returns the new UID when
    /// the server reports it (UIDPLUS COPYUID). Uses MOVE when available, else COPY + \Deleted +
    /// UID EXPUNGE of exactly this UID.
    pub async fn transfer(&mut self, uid: u32, destination: &str, remove_original: bool) -> Result<Option<u32>, ImapError> {
        let target = quote(&utf7::encode(destination))?;
        let mut new_uid = None;
        let mut capture = |response: &Response<'_>| {
            let code = match response {
                Response::Data { outcome, .. } | Response::Done { outcome, .. } => outcome.code.as_ref(),
                _ => None,
            };
            if let Some(ResponseCode::CopyUid(_, _, destination)) = code {
                new_uid = destination.first().map(|member| match member {
                    UidSetMember::Uid(uid) => *uid,
                    UidSetMember::UidRange(range) => *range.start(),
                });
            }
        };
        if remove_original && self.capabilities().has("MOVE") {
            self.run(&format!("UID MOVE {uid} {target}"), &mut capture).await?;
        } else {
            self.run(&format!("UID COPY {uid} {target}"), &mut capture).await?;
            if remove_original {
                self.expunge_uids(&[uid]).await?;
            }
        }
        Ok(new_uid)
    }

    /// The UIDVALIDITY of any mailbox, without selecting it (STATUS).
    pub async fn uid_validity_of(&mut self, path: &str) -> Result<u32, ImapError> {
        let command = format!("STATUS {} (UIDVALIDITY)", quote(&utf7::encode(path))?);
        let mut found = None;
        self.run(&command, |response| {
            if let Response::MailboxData(MailboxDatum::Status { status, .. }) = response {
                for attribute in status {
                    if let async_imap::imap_proto::StatusAttribute::UidValidity(v) = attribute {
                        found = Some(*v);
                    }
                }
            }
        })
        .await?;
        found.ok_or_else(|| ImapError::Protocol("STATUS gave no UIDVALIDITY".into()))
    }

    /// Permanently removes exactly `uids` from the selected mailbox: \Deleted then UID EXPUNGE,
    /// never a bare EXPUNGE that would also remove other clients' \Deleted messages.
    pub async fn expunge_uids(&mut self, uids: &[u32]) -> Result<(), ImapError> {
        if !self.capabilities().has("UIDPLUS") {
            return Err(ImapError::No("[CANNOT] the server lacks UIDPLUS, so messages cannot be removed one by one safely".into()));
        }
        let set = uid_set(uids);
        self.run(&format!("UID STORE {set} +FLAGS.SILENT (\\Deleted)"), |_| {}).await?;
        self.run(&format!("UID EXPUNGE {set}"), |_| {}).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_sets() {
        let cases: [(&[u32], &str); 5] =
            [(&[], ""), (&[5], "5"), (&[3, 1, 2], "1:3"), (&[1, 2, 4, 6, 7, 8, 10], "1:2,4,6:8,10"), (&[9, 9, 8], "8:9")];
        for (uids, expected) in cases {
            assert_eq!(uid_set(uids), expected);
        }
    }
}
