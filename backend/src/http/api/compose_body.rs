//! The body of a send or draft request, as JSON or `multipart/form-data`, turned into the
//! service's `OutgoingRequest` with every problem named by its field.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use base64::Engine;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::ApiJson;
use crate::http::upload::Upload;
use crate::mail::EmailAddress;
use crate::mail::compose::{OutgoingAttachment, parse_address, parse_address_list};
use crate::service::drafts::parse_action;
use crate::service::messages::parse_message_id;
use crate::service::{OutgoingRequest, Reference};

/// An address: `"a@example.com"`, `"Ann <a@example.com>"` or `{"name","email"}`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum AddressInput {
    Text(String),
    Object {
        #[serde(default)]
        name: Option<String>,
        email: String,
    },
}

/// An attachment given inline.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttachmentInput {
    pub filename: String,
    /// MIME type; default `application/octet-stream`.
    #[serde(default)]
    pub content_type: Option<String>,
    /// The file's bytes, base64 (standard alphabet, padding optional).
    pub content: String,
}

/// The message a reply or forward refers to.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferenceInput {
    /// A message id from the API.
    pub id: String,
    /// `reply`, `replyAll` or `forward`.
    pub action: String,
}

/// A message to send or keep as a draft.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MessageInput {
    /// One of the user's identities (its address); default: the default identity.
    #[serde(default)]
    pub from: Option<AddressInput>,
    #[serde(default)]
    pub to: Vec<AddressInput>,
    #[serde(default)]
    pub cc: Vec<AddressInput>,
    /// Recipients that get the message without appearing in its headers.
    #[serde(default)]
    pub bcc: Vec<AddressInput>,
    /// Default with a reference: "Re: …" or "Fwd: …" of the original's subject.
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub text: String,
    /// An HTML alternative to `text`, sent as given.
    #[serde(default)]
    pub html: Option<String>,
    /// `text` is Markdown: an HTML alternative is rendered from it (and sanitized).
    #[serde(default)]
    pub markdown: bool,
    #[serde(default)]
    pub attachments: Vec<AttachmentInput>,
    #[serde(default)]
    pub reference: Option<ReferenceInput>,
    /// With a reference: add the quoted original (reply) or the original's header block, text
    /// and attachments (forward). Default true, except when replacing a draft.
    #[serde(default)]
    pub quote: Option<bool>,
    /// Forward the original as one `message/rfc822` attachment instead.
    #[serde(default)]
    pub forward_as_attachment: bool,
}

/// A parsed request body plus the files of a multipart one.
#[derive(Debug)]
pub struct ComposeBody {
    pub message: MessageInput,
    pub files: Vec<crate::http::upload::UploadedFile>,
}

impl FromRequest<AppState> for ComposeBody {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
        if !content_type.starts_with("multipart/form-data") {
            let ApiJson(message) = ApiJson::<MessageInput>::from_request(request, state).await?;
            return Ok(Self { message, files: Vec::new() });
        }
        let multipart = Multipart::from_request(request, state).await.map_err(|e| AppError::invalid("body", e.body_text()))?;
        let config = state.config();
        let upload = Upload::read(multipart, &config.data_dir.join("spool"), config.max_attachment_bytes).await?;
        upload.require_within_limit(config.max_attachment_bytes)?;
        let message = match upload.field("message") {
            Some(json) => serde_json::from_str(json).map_err(|e| AppError::invalid("message", e.to_string()))?,
            None => message_from_fields(&upload)?,
        };
        Ok(Self { message, files: upload.files })
    }
}

/// Builds a message from plain form fields (`to`, `subject`, `text`, `reference.id`, ...).
fn message_from_fields(upload: &Upload) -> Result<MessageInput, AppError> {
    let list =
        |name: &str| upload.all(name).into_iter().filter(|v| !v.trim().is_empty()).map(|v| AddressInput::Text(v.to_string())).collect();
    let flag = |name: &str| upload.field(name).map(|v| matches!(v.trim(), "true" | "1" | "on" | "yes"));
    let reference = match (
        upload.field("reference.id").or(upload.field("referenceId")),
        upload.field("reference.action").or(upload.field("referenceAction")),
    ) {
        (Some(id), Some(action)) if !id.is_empty() => Some(ReferenceInput { id: id.to_string(), action: action.to_string() }),
        (Some(id), None) if !id.is_empty() => return Err(AppError::invalid("reference.action", "give reply, replyAll or forward")),
        _ => None,
    };
    Ok(MessageInput {
        from: upload.field("from").filter(|v| !v.trim().is_empty()).map(|v| AddressInput::Text(v.to_string())),
        to: list("to"),
        cc: list("cc"),
        bcc: list("bcc"),
        subject: upload.field("subject").map(str::to_string),
        text: upload.field("text").unwrap_or("").to_string(),
        html: upload.field("html").filter(|v| !v.is_empty()).map(str::to_string),
        markdown: flag("markdown").unwrap_or(false),
        attachments: Vec::new(),
        reference,
        quote: flag("quote"),
        forward_as_attachment: flag("forwardAsAttachment").unwrap_or(false),
    })
}

impl ComposeBody {
    /// The service request. `quote_default` applies when the body does not say.
    pub async fn into_request(self, quote_default: bool) -> Result<OutgoingRequest, AppError> {
        let message = self.message;
        let from = message.from.map(|from| address("from", from).map(|a| a.email)).transpose()?;
        let mut attachments = Vec::with_capacity(message.attachments.len() + self.files.len());
        for (i, attachment) in message.attachments.into_iter().enumerate() {
            let content = decode_base64(&attachment.content)
                .map_err(|e| AppError::invalid(format!("attachments[{i}].content"), format!("not base64: {e}")))?;
            let content_type = attachment.content_type.unwrap_or_else(|| "application/octet-stream".into());
            attachments.push(OutgoingAttachment { filename: attachment.filename, content_type, content });
        }
        for file in self.files {
            attachments.push(file.into_attachment().await?);
        }
        let reference = match message.reference {
            Some(reference) => {
                let action = parse_action(&reference.action)
                    .ok_or_else(|| AppError::invalid("reference.action", "use reply, replyAll or forward"))?;
                let id = parse_message_id(&reference.id).map_err(|_| {
                    AppError::from(crate::service::ServiceError::Unprocessable {
                        field: "reference.id".into(),
                        detail: "not a message id".into(),
                    })
                })?;
                Some(Reference { id, action })
            }
            None => None,
        };
        let quote = message.quote.unwrap_or(quote_default);
        Ok(OutgoingRequest {
            from,
            to: addresses("to", message.to)?,
            cc: addresses("cc", message.cc)?,
            bcc: addresses("bcc", message.bcc)?,
            subject: message.subject,
            text: message.text,
            html: message.html,
            markdown: message.markdown,
            attachments,
            reference,
            quote_text: quote,
            include_original_attachments: quote,
            forward_as_attachment: message.forward_as_attachment,
        })
    }
}

/// Decodes base64 with or without padding; line breaks (MIME style) are tolerated.
fn decode_base64(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    LENIENT.decode(text.as_bytes()).or_else(|err| {
        if text.bytes().any(|b| b.is_ascii_whitespace()) {
            let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            LENIENT.decode(compact.as_bytes())
        } else {
            Err(err)
        }
    })
}

/// Parses a list of addresses; a text entry may hold several separated by commas.
fn addresses(field: &str, inputs: Vec<AddressInput>) -> Result<Vec<EmailAddress>, AppError> {
    let mut out = Vec::new();
    for (i, input) in inputs.into_iter().enumerate() {
        match input {
            AddressInput::Text(text) => {
                let parsed = parse_address_list(&text).map_err(|detail| unprocessable(format!("{field}[{i}]"), detail))?;
                out.extend(parsed);
            }
            object => out.push(address(&format!("{field}[{i}]"), object)?),
        }
    }
    Ok(out)
}

fn address(field: &str, input: AddressInput) -> Result<EmailAddress, AppError> {
    match input {
        AddressInput::Text(text) => parse_address(text.trim()).map_err(|detail| unprocessable(field.to_string(), detail)),
        AddressInput::Object { name, email } => {
            Ok(EmailAddress { name: name.filter(|n| !n.trim().is_empty()), email: email.trim().to_string() })
        }
    }
}

fn unprocessable(field: String, detail: String) -> AppError {
    AppError::from(crate::service::ServiceError::Unprocessable { field, detail })
}
