//! The askama templates of the browser UI and the view models they render.

use askama::Template;

use super::i18n::Tr;

/// The login form.
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage<'a> {
    pub t: Tr,
    pub csrf: &'a str,
    pub username: &'a str,
    pub error: Option<&'a str>,
}

/// One folder in the sidebar, flattened with its depth in the hierarchy.
#[derive(Debug)]
pub struct FolderView {
    pub id: String,
    pub name: String,
    pub depth: usize,
    pub unread: u32,
    pub selectable: bool,
    pub current: bool,
}

/// What every mail page shows around its content: the user, the folders, the search box.
#[derive(Debug)]
pub struct Chrome {
    pub username: String,
    pub csrf: String,
    pub folders: Vec<FolderView>,
    /// The current folder's id (the search box searches it).
    pub mailbox_id: String,
    pub query: String,
    /// A message to show above the content (a failed search, a done action).
    pub notice: Option<String>,
    /// A link after the notice (e.g. to the message just sent): href and text.
    pub notice_link: Option<(String, String)>,
    /// `auto`, `light` or `dark` (the user's setting).
    pub theme: &'static str,
    /// The user wants desktop notifications for new mail.
    pub notify: bool,
}

/// One row of the message list.
#[derive(Debug)]
pub struct MessageRow {
    pub id: String,
    pub href: String,
    pub from: String,
    pub subject: String,
    pub date_iso: String,
    pub date_label: String,
    pub seen: bool,
    pub flagged: bool,
    pub answered: bool,
    pub has_attachments: bool,
}

/// One page of a folder's messages, as the list pane shows it.
#[derive(Debug)]
pub struct ListView {
    pub name: String,
    pub unread: u32,
    /// "51–100 of 100,000 · 3 unread", in the user's language.
    pub counts_label: String,
    pub rows: Vec<MessageRow>,
    /// This page's own URL (where actions return to).
    pub back: String,
    pub first_page_href: Option<String>,
    pub next_href: Option<String>,
    /// What an empty page says.
    pub empty_text: String,
    /// The id of the message open beside the list ("" for none).
    pub selected_id: String,
}

/// The mail view: folders, one page of the selected folder, an empty reading pane.
#[derive(Template)]
#[template(path = "mail.html")]
pub struct MailPage {
    pub chrome: Chrome,
    pub t: Tr,
    pub list: ListView,
}

/// One attachment link on the message page.
#[derive(Debug)]
pub struct AttachmentLink {
    pub href: String,
    pub name: String,
    pub content_type: String,
    pub size: String,
}

/// One message beside its folder's list: headers, actions, body frame and attachments.
#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub chrome: Chrome,
    pub t: Tr,
    pub list: ListView,
    pub id: String,
    pub subject: String,
    pub from: String,
    /// The sender's address, for "always load remote content from this sender".
    pub sender: String,
    pub to: String,
    pub cc: String,
    pub date_iso: String,
    pub date_label: String,
    pub flagged: bool,
    /// Whether the message has \Seen (else the page offers "Mark read" and its script marks it).
    pub seen: bool,
    pub back: String,
    /// `back`, encoded for a query string.
    pub back_encoded: String,
    pub self_href: String,
    pub remote_href: String,
    pub body_href: String,
    pub remote_blocked: usize,
    /// Why the sender's "always load" choice did not apply to this message ("" = it did, or none).
    pub remote_unverified: String,
    pub attachments: Vec<AttachmentLink>,
}

/// The document inside the message body's sandboxed frame.
#[derive(Template)]
#[template(path = "message_body.html")]
pub struct MessageBody<'a> {
    pub body: &'a str,
}

/// One From choice in the compose form.
#[derive(Debug)]
pub struct IdentityOption {
    pub email: String,
    pub label: String,
    pub selected: bool,
}

/// An attachment already stored with the draft being edited.
#[derive(Debug, Clone)]
pub struct KeptAttachment {
    pub index: usize,
    pub name: String,
    pub size: String,
}

/// The compose form (new message, reply, forward, or a draft being resumed).
#[derive(Template)]
#[template(path = "compose.html")]
pub struct ComposePage {
    pub chrome: Chrome,
    pub t: Tr,
    pub heading: String,
    pub back: String,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub draft_id: String,
    pub reference_id: String,
    pub reference_action: String,
    pub forward_original: bool,
    pub identities: Vec<IdentityOption>,
    pub to: String,
    pub cc: String,
    pub bcc: String,
    pub subject: String,
    pub text: String,
    pub markdown: bool,
    pub kept: Vec<KeptAttachment>,
    pub forwarded: Vec<String>,
    pub contacts: Vec<String>,
    pub max_bytes: usize,
}

/// A full-page error.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    /// The request's language ([`super::i18n::Tr::current`]).
    pub t: Tr,
    pub status: u16,
    pub title: &'a str,
    pub detail: &'a str,
}
