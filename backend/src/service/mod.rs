//! Use cases that the JSON API and the web UI both call: sessions, mailboxes, reading, writing
//! and sending mail. Knows IMAP, the store and auth; knows nothing about HTTP.

mod account;
pub mod compose;
pub mod drafts;
mod error;
pub mod events;
pub mod export;
mod filing;
mod idempotency;
mod identities;
mod identity_confirm;
mod mailboxes;
mod message_actions;
pub mod messages;
pub mod render;
pub mod search;
mod search_all;
mod sessions;
pub mod settings;
pub mod sort_cache;
pub mod sync;
pub mod tokens;
mod watch;
mod webhook_delivery;
pub mod webhook_http;
pub mod webhooks;

use std::sync::Arc;

pub use account::AccountKey;
pub use compose::{OutgoingRequest, Reference, ReplyStart, SendOutcome};
pub use drafts::DraftView;
pub use error::ServiceError;
pub use idempotency::check_key as check_idempotency_key;
pub use identities::{Contact, Identity, IdentityChanges};
pub use identity_confirm::ConfirmationMail;
pub use sessions::{LoginRequest, NewLogin, ServerInfo, UserSession};
pub use tokens::{CreatedToken, Grant, NewToken, Scope, TokenInfo};

use crate::auth::{CsrfKey, LoginThrottle, TokenSigner};
use crate::config::Config;
use crate::imap::ImapPool;
use crate::store::Store;

/// Everything a use case needs; one instance per process, shared behind an `Arc`.
#[derive(Debug)]
pub struct Letterbox {
    pub config: Config,
    pub store: Store,
    pub pool: Arc<ImapPool>,
    pub signer: TokenSigner,
    pub csrf: CsrfKey,
    pub throttle: LoginThrottle,
    /// The SMTP submission server; `None` when the operator configured none (sending is off).
    pub smtp: Option<crate::smtp::SmtpSubmitter>,
    /// Live event feeds of users with an event stream open.
    pub events: events::EventHub,
    /// Sorted UID lists of recently listed folders.
    pub sort_cache: Arc<sort_cache::SortCache>,
    /// Webhook watchers, dispatcher state and the server-derived sealing key.
    pub webhooks: webhooks::WebhookHub,
}

impl std::fmt::Debug for ImapPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapPool").field("idle", &self.idle_count()).finish_non_exhaustive()
    }
}

/// Current time as Unix seconds.
pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
