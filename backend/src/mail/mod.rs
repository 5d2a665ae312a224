//! The mail model shared by every layer: mailboxes, their ids and roles.

mod mailbox;

pub use mailbox::{Mailbox, MailboxId, MailboxRef, Role};
