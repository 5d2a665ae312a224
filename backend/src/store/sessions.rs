//! The `sessions` table: who is logged in, with their password sealed by a key they hold.

use super::{Store, StoreError};

/// A session to insert at login.
#[derive(Debug)]
pub struct NewSession<'a> {
    pub id: &'a str,
    pub username: &'a str,
    pub sealed_password: &'a [u8],
    pub created_at: i64,
    pub expires_at: i64,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
}

/// A stored session.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRecord {
    pub id: String,
    pub username: String,
    pub sealed_password: Vec<u8>,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

impl Store {
    /// Records a new session.
    pub async fn insert_session(&self, session: &NewSession<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (id, username, sealed_password, created_at, expires_at, client_ip, user_agent) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(session.id)
        .bind(session.username)
        .bind(session.sealed_password)
        .bind(session.created_at)
        .bind(session.expires_at)
        .bind(&session.client_ip)
        .bind(&session.user_agent)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The session with this id, revoked or not; `None` when there is none.
    pub async fn find_session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        let record = sqlx::query_as::<_, SessionRecord>(
            "SELECT id, username, sealed_password, created_at, expires_at, revoked_at FROM sessions WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(record)
    }

    /// Ends a session and erases its sealed password; returns whether it was active.
    pub async fn revoke_session(&self, id: &str, now: i64) -> Result<bool, StoreError> {
        let result = sqlx::query("UPDATE sessions SET revoked_at = ?, sealed_password = x'' WHERE id = ? AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Deletes sessions that expired or were revoked before `cutoff`; returns how many.
    pub async fn purge_sessions(&self, cutoff: i64) -> Result<u64, StoreError> {
        let result = sqlx::query("DELETE FROM sessions WHERE expires_at < ? OR revoked_at < ?")
            .bind(cutoff)
            .bind(cutoff)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected())
    }
}
