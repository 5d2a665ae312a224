//! Sending mail: a request becomes a message (identity, reply/forward prefill, Markdown),
//! goes to the user's SMTP server, and its exact bytes are filed in Sent.

use serde::{Deserialize, Serialize};

use super::{Letterbox, ServiceError, UserSession, now_unix};
use crate::mail::compose::{
    BuildOptions, ComposeError, Composition, OutgoingAttachment, ReplyAction, ReplyContext, ReplyPrefill, build_message, new_message_id,
    prefill, render_markdown, validate, validate_draft,
};
use crate::mail::parse::{ParsedMessage, parse_message, part_content};
use crate::mail::{EmailAddress, MessageId, Role};
use crate::secret::Credentials;
use crate::smtp::Envelope;

/// A message to send or to keep as a draft, as a client described it.
#[derive(Debug, Clone, Default)]
pub struct OutgoingRequest {
    /// The identity's address; `None` = the default identity.
    pub from: Option<String>,
    pub to: Vec<EmailAddress>,
    pub cc: Vec<EmailAddress>,
    pub bcc: Vec<EmailAddress>,
    /// `None` (or empty) with a reference = "Re: …" / "Fwd: …" of the original.
    pub subject: Option<String>,
    pub text: String,
    pub html: Option<String>,
    /// `text` is Markdown: an HTML alternative is rendered from it.
    pub markdown: bool,
    pub attachments: Vec<OutgoingAttachment>,
    pub reference: Option<Reference>,
    /// Append the quoted original (reply) or the forwarded header block and text (forward).
    pub quote_text: bool,
    /// Forward: attach the original's attachments.
    pub include_original_attachments: bool,
    /// Forward: attach the whole original as `message/rfc822` instead.
    pub forward_as_attachment: bool,
}

/// The message a new one answers or forwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub id: MessageId,
    pub action: ReplyAction,
}

/// What a successful send returns (and what an `Idempotency-Key` replays).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendOutcome {
    /// The `Message-ID` header of the sent message, without angle brackets.
    pub message_id: String,
    /// The id of the copy in Sent, when one was filed and the server told its UID.
    pub sent_id: Option<String>,
}

/// The start of a reply or forward form.
#[derive(Debug, Clone)]
pub struct ReplyStart {
    pub to: Vec<EmailAddress>,
    pub cc: Vec<EmailAddress>,
    pub subject: String,
    pub quoted_text: String,
    pub forwarded_attachments: Vec<String>,
}

/// A message ready to build: validated content plus what it refers to.
#[derive(Debug, Clone)]
pub(super) struct Prepared {
    pub composition: Composition,
    pub reference: Option<Reference>,
    pub markdown: bool,
}

impl From<ComposeError> for ServiceError {
    fn from(err: ComposeError) -> Self {
        match err {
            ComposeError::InvalidField { field, detail } => ServiceError::Unprocessable { field, detail },
        }
    }
}

impl Letterbox {
    /// Sends a message. With an idempotency key, a request repeated within 24 hours returns the
    /// first outcome without sending again.
    pub async fn send_message(
        &self,
        session: &UserSession,
        request: OutgoingRequest,
        idempotency_key: Option<&str>,
    ) -> Result<SendOutcome, ServiceError> {
        let Some(key) = idempotency_key else {
            return self.send_replacing_draft(session, request, None).await;
        };
        let fingerprint = super::idempotency::fingerprint(&request);
        self.idempotent(session, key, &fingerprint, async {
            let prepared = self.prepare(session, request, false).await?;
            self.deliver(session, prepared, None).await
        })
        .await
    }

    /// Sends a message written in a form that was saved as `draft` before: on success the draft
    /// goes; on failure the current text replaces it (so nothing is lost and nothing doubles).
    pub async fn send_replacing_draft(
        &self,
        session: &UserSession,
        request: OutgoingRequest,
        draft: Option<&MessageId>,
    ) -> Result<SendOutcome, ServiceError> {
        let prepared = self.prepare(session, request, false).await?;
        self.deliver(session, prepared, draft).await
    }

    /// What a reply or forward form starts with: recipients, subject, the quoted original,
    /// and the names of the attachments a forward will carry.
    pub async fn reply_prefill(&self, session: &UserSession, reference: &Reference) -> Result<ReplyStart, ServiceError> {
        let (_, original) = self.reference_original(session, &reference.id).await?;
        let own = self.own_addresses(session).await?;
        let (original, filled) = prefill_off_thread(original, own, reference.action).await?;
        let forwarded = if reference.action == ReplyAction::Forward {
            original
                .attachments
                .iter()
                .filter(|a| is_forwarded(a))
                .map(|a| a.filename.clone().unwrap_or_else(|| format!("part-{}", a.part_id)))
                .collect()
        } else {
            Vec::new()
        };
        Ok(ReplyStart {
            to: filled.to,
            cc: filled.cc,
            subject: filled.subject,
            quoted_text: filled.quoted_text,
            forwarded_attachments: forwarded,
        })
    }

    /// Checks a request and turns it into a composition: identity, reference prefill, quote,
    /// forwarded attachments, Markdown, size limit. `for_draft` allows no recipients yet.
    pub(super) async fn prepare(&self, session: &UserSession, request: OutgoingRequest, for_draft: bool) -> Result<Prepared, ServiceError> {
        let identity = self.sending_identity(session, request.from.as_deref()).await?;
        if !for_draft {
            Self::require_confirmed(&identity)?;
        }
        if request.markdown && request.html.is_some() {
            return Err(unprocessable("html", "give either html or markdown, not both"));
        }
        let mut composition = Composition {
            from: identity.address(),
            reply_to: identity.reply_to.clone().map(|email| EmailAddress { name: None, email }),
            to: request.to,
            cc: request.cc,
            bcc: request.bcc,
            subject: request.subject.unwrap_or_default(),
            text: request.text.replace("\r\n", "\n"),
            html: request.html,
            attachments: request.attachments,
            in_reply_to: None,
            references: Vec::new(),
        };
        if let Some(reference) = &request.reference {
            let (raw, original) = self.reference_original(session, &reference.id).await?;
            let own = self.own_addresses(session).await?;
            let (original, filled) = prefill_off_thread(original, own, reference.action).await?;
            let no_recipients = composition.to.is_empty() && composition.cc.is_empty() && composition.bcc.is_empty();
            if no_recipients && reference.action != ReplyAction::Forward {
                composition.to = filled.to;
                composition.cc = filled.cc;
            }
            if composition.subject.trim().is_empty() {
                composition.subject = filled.subject;
            }
            composition.in_reply_to = filled.in_reply_to;
            composition.references = filled.references;
            if request.quote_text {
                composition.text.push_str(&filled.quoted_text);
            }
            if reference.action == ReplyAction::Forward {
                if request.forward_as_attachment {
                    let name = format!("{}.eml", safe_file_stem(&original.headers.subject));
                    composition.attachments.push(OutgoingAttachment {
                        filename: name,
                        content_type: "message/rfc822".into(),
                        content: raw,
                    });
                } else if request.include_original_attachments {
                    composition.attachments.extend(original_attachments(&raw, &original));
                }
            }
        }
        if request.markdown {
            composition.html = Some(render_markdown(&composition.text));
        }
        let total: usize = composition.attachments.iter().map(|a| a.content.len()).sum();
        if total > self.config.max_attachment_bytes {
            return Err(ServiceError::TooLarge {
                field: "attachments".into(),
                detail: format!(
                    "attachments total {} MB; the limit is {} MB",
                    total.div_ceil(1 << 20),
                    self.config.max_attachment_bytes >> 20
                ),
            });
        }
        // A draft may have no recipient yet; everything else must be as valid as for sending.
        if for_draft {
            validate_draft(&composition)?
        } else {
            validate(&composition)?
        }
        Ok(Prepared { composition, reference: request.reference, markdown: request.markdown })
    }

    /// Submits a prepared message over SMTP, files it in Sent, flags the original, remembers
    /// recipients, and removes the draft it came from. When SMTP fails nothing is lost: the
    /// message is kept in Drafts (replacing `from_draft`) and the error says where.
    pub(super) async fn deliver(
        &self,
        session: &UserSession,
        prepared: Prepared,
        from_draft: Option<&MessageId>,
    ) -> Result<SendOutcome, ServiceError> {
        let Some(smtp) = &self.smtp else {
            return Err(ServiceError::NotConfigured("sending is not set up: the operator has not configured LETTERBOX_SMTP".into()));
        };
        let composition = &prepared.composition;
        let message_id = new_message_id(&composition.from.email);
        let options =
            BuildOptions { message_id: message_id.clone(), date: now_unix(), include_bcc: false, extra_headers: Vec::new(), draft: false };
        let bytes = build_message(composition, &options)?;
        let mut recipients: Vec<String> = Vec::new();
        for address in composition.to.iter().chain(&composition.cc).chain(&composition.bcc) {
            if !recipients.iter().any(|r| r.eq_ignore_ascii_case(&address.email)) {
                recipients.push(address.email.clone());
            }
        }
        let envelope = Envelope { from: composition.from.email.clone(), recipients };
        let credentials =
            Credentials { username: self.config.smtp_login(&session.username), password: session.credentials.password.clone() };
        if let Err(error) = smtp.submit(&credentials, &envelope, &bytes).await {
            tracing::info!(username = %session.username, error = %error, "SMTP refused a message; keeping it in Drafts");
            // Keep what was written (replacing the draft it came from, if any).
            let saved_draft = match self.store_draft(session, &prepared, from_draft).await {
                Ok(id) => Some(id),
                Err(err) => {
                    tracing::warn!(error = %err, "could not keep the unsent message in Drafts");
                    from_draft.cloned()
                }
            };
            return Err(ServiceError::SendFailed { error, saved_draft });
        }
        tracing::info!(username = %session.username, recipients = envelope.recipients.len(), "message sent");

        let sent_id = if self.config.smtp_saves_sent {
            None
        } else {
            match self.append_to_role(session, Role::Sent, &["\\Seen"], &bytes, &message_id).await {
                Ok(id) => id,
                Err(err) => {
                    // The message went out; failing the request now would invite a second send.
                    tracing::warn!(error = %err, "sent, but could not file the copy in Sent");
                    None
                }
            }
        };
        if let Some(reference) = &prepared.reference {
            let flag = if reference.action == ReplyAction::Forward { "$Forwarded" } else { "\\Answered" };
            if let Err(err) = self.update_flags(session, &reference.id, vec![flag.to_string()], Vec::new()).await {
                tracing::info!(error = %err, "could not flag the original of a reply or forward");
            }
        }
        let all: Vec<EmailAddress> = composition.to.iter().chain(&composition.cc).chain(&composition.bcc).cloned().collect();
        self.remember_recipients(session, &all).await;
        if let Some(draft) = from_draft
            && let Err(err) = self.delete_message(session, draft, true).await
        {
            tracing::warn!(error = %err, "sent, but could not remove the draft");
        }
        Ok(SendOutcome { message_id, sent_id: sent_id.map(|id| id.encode()) })
    }

    /// The referenced original, raw and parsed; an id that does not resolve → 422 on `reference.id`.
    async fn reference_original(&self, session: &UserSession, id: &MessageId) -> Result<(Vec<u8>, ParsedMessage), ServiceError> {
        match self.raw_message(session, id).await {
            // Parsing a hostile mail (thousands of parts, megabytes of lines) is CPU work: off the async threads.
            Ok(raw) => tokio::task::spawn_blocking(move || {
                let parsed = parse_message(&raw);
                (raw, parsed)
            })
            .await
            .map_err(|err| ServiceError::Internal(format!("parsing the original failed: {err}"))),
            Err(ServiceError::NotFound(detail) | ServiceError::StaleId(detail)) => Err(unprocessable("reference.id", &detail)),
            Err(other) => Err(other),
        }
    }

    /// The user's own addresses (identities and login), lower-cased, to leave out of replies.
    async fn own_addresses(&self, session: &UserSession) -> Result<Vec<String>, ServiceError> {
        let mut own: Vec<String> = self.list_identities(session).await?.into_iter().map(|i| i.email.to_lowercase()).collect();
        own.push(session.username.to_lowercase());
        Ok(own)
    }
}

/// The original's attachments (not inline images), decoded, for a forward.
fn original_attachments(raw: &[u8], original: &ParsedMessage) -> Vec<OutgoingAttachment> {
    original
        .attachments
        .iter()
        .filter(|info| is_forwarded(info))
        .filter_map(|info| {
            let part = part_content(raw, &info.part_id)?;
            Some(OutgoingAttachment {
                filename: info.filename.clone().unwrap_or_else(|| format!("part-{}", info.part_id)),
                content_type: part.content_type,
                content: part.bytes,
            })
        })
        .collect()
}

/// Whether a forward carries this part: real attachments, not images the HTML shows inline.
fn is_forwarded(info: &crate::mail::AttachmentInfo) -> bool {
    info.disposition == "attachment" || info.content_id.is_none()
}

/// A file name from a subject: no path separators or control characters, at most 60 chars.
fn safe_file_stem(subject: &str) -> String {
    let cleaned: String = subject.chars().filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | ':' | '"')).take(60).collect();
    if cleaned.trim().is_empty() { "message".to_string() } else { cleaned.trim().to_string() }
}

fn unprocessable(field: &str, detail: &str) -> ServiceError {
    ServiceError::Unprocessable { field: field.to_string(), detail: detail.to_string() }
}

/// The reply or forward prefill of `original`, computed on the blocking pool: flattening a hostile
/// HTML-only original is CPU work that must not stall the async threads serving other requests.
/// Hands `original` back for the caller's further use.
async fn prefill_off_thread(
    original: ParsedMessage,
    own: Vec<String>,
    action: ReplyAction,
) -> Result<(ParsedMessage, ReplyPrefill), ServiceError> {
    tokio::task::spawn_blocking(move || {
        let filled = prefill(&ReplyContext { original: &original, own_addresses: &own, action, utc_offset: time::UtcOffset::UTC });
        (original, filled)
    })
    .await
    .map_err(|err| ServiceError::Internal(format!("quoting the original failed: {err}")))
}
