//! The `offline_credentials`, `webhooks`, `webhook_deliveries` and `webhook_attempts` tables.

use super::{Store, StoreError};

/// A stored webhook (the secret still sealed).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebhookRecord {
    pub id: String,
    pub username: String,
    pub url: String,
    pub events: String,
    pub mailboxes: Option<String>,
    pub sealed_secret: Vec<u8>,
    pub created_at: i64,
    /// The API token that created it; `None` = a login session.
    pub token_id: Option<String>,
    /// That token's mailbox restriction (JSON array of paths); `None` = every mailbox.
    pub token_mailboxes: Option<String>,
}

/// A queued delivery that is due or waiting.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryRecord {
    pub id: i64,
    pub webhook_id: String,
    pub event_id: String,
    pub event_type: String,
    pub body: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub created_at: i64,
}

/// One attempt to deliver, for the deliveries list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttemptRecord {
    pub delivery_id: i64,
    pub event_id: String,
    pub event_type: String,
    pub attempt: i64,
    pub at: i64,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub state: String,
}

impl Store {
    /// Saves (or refreshes) a user's server-sealed password; `username` is the account key (the
    /// login as accepted, see `service::AccountKey`), `login` the name for the IMAP LOGIN.
    pub async fn save_offline_credentials(&self, username: &str, login: &str, sealed: &[u8], now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO offline_credentials (username, login, sealed_password, updated_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (username) DO UPDATE SET login = excluded.login, sealed_password = excluded.sealed_password, \
             updated_at = excluded.updated_at",
        )
        .bind(username)
        .bind(login)
        .bind(sealed)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A user's login name and server-sealed password, if stored.
    pub async fn find_offline_credentials(&self, username: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        Ok(sqlx::query_as("SELECT login, sealed_password FROM offline_credentials WHERE username = ?")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Erases a user's server-sealed password.
    pub async fn delete_offline_credentials(&self, username: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM offline_credentials WHERE username = ?").bind(username).execute(&self.pool).await?;
        Ok(())
    }

    /// Erases every server-sealed password (offline access turned off); returns how many.
    pub async fn delete_all_offline_credentials(&self) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM offline_credentials").execute(&self.pool).await?.rows_affected())
    }

    /// Adds a webhook.
    pub async fn insert_webhook(&self, record: &WebhookRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO webhooks (id, username, url, events, mailboxes, sealed_secret, created_at, token_id, token_mailboxes) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&record.id)
        .bind(&record.username)
        .bind(&record.url)
        .bind(&record.events)
        .bind(&record.mailboxes)
        .bind(&record.sealed_secret)
        .bind(record.created_at)
        .bind(&record.token_id)
        .bind(&record.token_mailboxes)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A user's webhooks, oldest first.
    pub async fn list_webhooks(&self, username: &str) -> Result<Vec<WebhookRecord>, StoreError> {
        Ok(sqlx::query_as::<_, WebhookRecord>(
            "SELECT id, username, url, events, mailboxes, sealed_secret, created_at, token_id, token_mailboxes FROM webhooks WHERE username = ? ORDER BY created_at, id",
        )
        .bind(username)
        .fetch_all(&self.pool)
        .await?)
    }

    /// One webhook by id (any user).
    pub async fn find_webhook(&self, id: &str) -> Result<Option<WebhookRecord>, StoreError> {
        Ok(sqlx::query_as::<_, WebhookRecord>(
            "SELECT id, username, url, events, mailboxes, sealed_secret, created_at, token_id, token_mailboxes FROM webhooks WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Usernames that have at least one webhook.
    pub async fn webhook_users(&self) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as("SELECT DISTINCT username FROM webhooks").fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Deletes a user's webhook with its queue and attempts; false when there was none.
    pub async fn delete_webhook(&self, username: &str, id: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let deleted = sqlx::query("DELETE FROM webhooks WHERE id = ? AND username = ?").bind(id).bind(username).execute(&mut *tx).await?;
        if deleted.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM webhook_attempts WHERE webhook_id = ?").bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = ?").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Queues a delivery created at `now` (Unix seconds), due at `due_ms` (Unix milliseconds).
    #[allow(clippy::too_many_arguments)] // reason: one row's worth of columns
    pub async fn enqueue_delivery(
        &self,
        webhook_id: &str,
        event_id: &str,
        event_type: &str,
        body: &str,
        now: i64,
        due_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, body, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(webhook_id)
        .bind(event_id)
        .bind(event_type)
        .bind(body)
        .bind(due_ms)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The oldest pending delivery of every webhook (due or not).
    pub async fn head_deliveries(&self) -> Result<Vec<DeliveryRecord>, StoreError> {
        Ok(sqlx::query_as::<_, DeliveryRecord>(
            "SELECT id, webhook_id, event_id, event_type, body, attempts, next_attempt_at, created_at FROM webhook_deliveries d \
             WHERE state = 'pending' AND id = (SELECT MIN(id) FROM webhook_deliveries e WHERE e.webhook_id = d.webhook_id AND e.state = 'pending')",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Records one attempt and moves the delivery on: `state` is `pending` (retry at
    /// `next_attempt_at`), `delivered` or `failed`.
    #[allow(clippy::too_many_arguments)] // reason: one row's worth of columns
    pub async fn record_attempt(
        &self,
        delivery: &DeliveryRecord,
        at: i64,
        status_code: Option<u16>,
        error: Option<&str>,
        state: &str,
        next_attempt_at: i64,
    ) -> Result<(), StoreError> {
        let attempt = delivery.attempts + 1;
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE webhook_deliveries SET attempts = ?, state = ?, next_attempt_at = ? WHERE id = ?")
            .bind(attempt)
            .bind(state)
            .bind(next_attempt_at)
            .bind(delivery.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO webhook_attempts (delivery_id, webhook_id, attempt, at, status_code, error) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(delivery.id)
            .bind(&delivery.webhook_id)
            .bind(attempt)
            .bind(at)
            .bind(status_code.map(i64::from))
            .bind(error)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The latest attempts of a webhook, newest first.
    pub async fn list_attempts(&self, webhook_id: &str, limit: i64) -> Result<Vec<AttemptRecord>, StoreError> {
        Ok(sqlx::query_as::<_, AttemptRecord>(
            "SELECT a.delivery_id, d.event_id, d.event_type, a.attempt, a.at, a.status_code, a.error, d.state \
             FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE a.webhook_id = ? ORDER BY a.id DESC LIMIT ?",
        )
        .bind(webhook_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Forgets delivered and failed deliveries older than `before`.
    pub async fn purge_deliveries(&self, before: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE state <> 'pending' AND created_at < ?)")
            .bind(before)
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM webhook_deliveries WHERE state <> 'pending' AND created_at < ?").bind(before).execute(&self.pool).await?;
        Ok(())
    }
}
