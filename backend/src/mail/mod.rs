//! The mail model shared by every layer: mailboxes, messages, their ids, and MIME parsing.

pub mod auth_results;
pub mod compose;
mod mailbox;
pub mod mbox;
mod message;
pub mod parse;
pub mod sanitize;
pub mod zipstream;

pub use mailbox::{Mailbox, MailboxId, MailboxRef, Role};
pub use message::{AttachmentInfo, EmailAddress, Flags, MessageId, MessageSummary, SortKey, SortOrder};
