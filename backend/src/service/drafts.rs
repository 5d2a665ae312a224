//! Drafts: messages being written, kept in the Drafts folder (with Bcc and what they answer) so
//! any client can resume them and nothing the user wrote is lost.

use super::compose::{OutgoingRequest, Prepared, Reference, SendOutcome};
use super::{Letterbox, ServiceError, UserSession, now_unix};
use crate::mail::compose::{BuildOptions, Composition, ReplyAction, build_message, new_message_id, parse_draft, validate};
use crate::mail::{MessageId, Role};

/// Header naming the message a draft answers or forwards: `<message id> <action>`.
const REFERENCE_HEADER: &str = "X-Letterbox-Reference";
/// Header marking a draft whose text is Markdown.
const MARKDOWN_HEADER: &str = "X-Letterbox-Markdown";

/// A stored draft, ready to edit again.
#[derive(Debug, Clone)]
pub struct DraftView {
    pub id: MessageId,
    pub composition: Composition,
    pub reference: Option<Reference>,
    pub markdown: bool,
}

impl Letterbox {
    /// Saves a new draft; returns its id.
    pub async fn create_draft(&self, session: &UserSession, request: OutgoingRequest) -> Result<MessageId, ServiceError> {
        let prepared = self.prepare(session, request, true).await?;
        self.store_draft(session, &prepared, None).await
    }

    /// Replaces a draft: the new version is appended first, then the old one is expunged by
    /// UID, so a failure in between leaves two copies rather than none. Returns the new id.
    pub async fn update_draft(&self, session: &UserSession, id: &MessageId, request: OutgoingRequest) -> Result<MessageId, ServiceError> {
        self.get_draft(session, id).await?;
        let prepared = self.prepare(session, request, true).await?;
        self.store_draft(session, &prepared, Some(id)).await
    }

    /// Reads a draft back. An id outside the Drafts folder → 404.
    pub async fn get_draft(&self, session: &UserSession, id: &MessageId) -> Result<DraftView, ServiceError> {
        self.check_in_drafts(session, id).await?;
        let raw = self.raw_message(session, id).await?;
        let stored = parse_draft(&raw);
        let header =
            |name: &str| stored.extra_headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.trim());
        let reference = header(REFERENCE_HEADER).and_then(parse_reference);
        let markdown = header(MARKDOWN_HEADER).is_some_and(|v| v.eq_ignore_ascii_case("yes"));
        Ok(DraftView { id: id.clone(), composition: stored.composition, reference, markdown })
    }

    /// Sends a draft as it is stored, then removes it. The From address must still be one of
    /// the user's identities. A failed send leaves the draft where it is.
    pub async fn send_draft(
        &self,
        session: &UserSession,
        id: &MessageId,
        idempotency_key: Option<&str>,
    ) -> Result<SendOutcome, ServiceError> {
        let work = async {
            let draft = self.get_draft(session, id).await?;
            let identity = self.sending_identity(session, Some(&draft.composition.from.email)).await?;
            Self::require_confirmed(&identity)?;
            let mut composition = draft.composition;
            composition.from = identity.address();
            validate(&composition)?;
            let prepared = Prepared { composition, reference: draft.reference, markdown: draft.markdown };
            self.deliver(session, prepared, Some(id)).await
        };
        match idempotency_key {
            Some(key) => self.idempotent(session, key, &format!("draft:{}", id.encode()), work).await,
            None => work.await,
        }
    }

    /// Removes a draft for good (it never reaches Trash).
    pub async fn delete_draft(&self, session: &UserSession, id: &MessageId) -> Result<(), ServiceError> {
        self.check_in_drafts(session, id).await?;
        self.delete_message(session, id, true).await
    }

    /// Builds a prepared message as a draft (Bcc kept, reference recorded) and appends it to
    /// Drafts, then removes `replacing` if given.
    pub(super) async fn store_draft(
        &self,
        session: &UserSession,
        prepared: &Prepared,
        replacing: Option<&MessageId>,
    ) -> Result<MessageId, ServiceError> {
        let composition = &prepared.composition;
        let message_id = new_message_id(&composition.from.email);
        let mut extra_headers = Vec::new();
        if let Some(reference) = &prepared.reference {
            extra_headers.push((REFERENCE_HEADER.to_string(), format!("{} {}", reference.id.encode(), action_name(reference.action))));
        }
        if prepared.markdown {
            extra_headers.push((MARKDOWN_HEADER.to_string(), "yes".to_string()));
        }
        let options = BuildOptions { message_id: message_id.clone(), date: now_unix(), include_bcc: true, extra_headers, draft: true };
        let bytes = build_message(composition, &options)?;
        let id = self
            .append_to_role(session, Role::Drafts, &["\\Draft", "\\Seen"], &bytes, &message_id)
            .await?
            .ok_or_else(|| ServiceError::Internal("the draft was saved but the server did not tell its UID".into()))?;
        if let Some(old) = replacing
            && let Err(err) = self.delete_message(session, old, true).await
        {
            tracing::warn!(error = %err, "saved the new draft but could not remove the old version");
        }
        Ok(id)
    }

    async fn check_in_drafts(&self, session: &UserSession, id: &MessageId) -> Result<(), ServiceError> {
        let drafts = self.resolve_mailbox(session, Role::Drafts.as_str()).await?;
        if id.mailbox != drafts {
            return Err(ServiceError::NotFound("no such draft (the id is not in the Drafts folder)".into()));
        }
        Ok(())
    }
}

/// The API's name of a reply action.
pub fn action_name(action: ReplyAction) -> &'static str {
    match action {
        ReplyAction::Reply => "reply",
        ReplyAction::ReplyAll => "replyAll",
        ReplyAction::Forward => "forward",
    }
}

/// Parses an action name as the API spells it.
pub fn parse_action(name: &str) -> Option<ReplyAction> {
    match name {
        "reply" => Some(ReplyAction::Reply),
        "replyAll" => Some(ReplyAction::ReplyAll),
        "forward" => Some(ReplyAction::Forward),
        _ => None,
    }
}

fn parse_reference(value: &str) -> Option<Reference> {
    let (id, action) = value.split_once(' ')?;
    Some(Reference { id: MessageId::decode(id.trim())?, action: parse_action(action.trim())? })
}
