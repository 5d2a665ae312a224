//! The IMAP layer: connecting with verified TLS, the commands Letterbox sends, and the per-user
//! connection pool. Knows nothing about HTTP or the database.

mod append;
mod changes;
mod connect;
mod connection;
mod envelope;
mod error;
mod export;
mod idle;
mod messages;
mod pool;
pub mod search;
mod stream;
mod structure;
mod tls;
pub mod utf7;

pub use append::Appended;
pub use changes::ChangedSince;
pub use connect::ImapConnector;
pub use connection::{Capabilities, ImapConnection};
pub use error::ImapError;
pub(crate) use error::describe_tls;
pub use export::{RawMessage, byte_batches};
pub use idle::IdleWake;
pub use messages::{FetchedSummary, MailboxState, Selected};
pub use pool::{ImapPool, PoolKey};
pub use tls::{client_config, extra_ca_certs};
