//! Persistence: the only module that knows sqlx. SQLite now; one migration tree per database so
//! PostgreSQL can follow.

mod contacts;
mod idempotency;
mod identities;
mod sessions;
mod settings;
mod tokens;
mod webhooks;

use std::str::FromStr;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

pub use contacts::ContactRecord;
pub use idempotency::KeyState;
pub use identities::IdentityRecord;
pub use sessions::{NewSession, SessionRecord};
pub use settings::SettingsRecord;
pub use tokens::TokenRecord;
pub use webhooks::{AttemptRecord, DeliveryRecord, WebhookRecord};

/// A database failure. Details go to the log, never to users.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// The database handle; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if missing) the database at `url` and applies pending migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }
}
