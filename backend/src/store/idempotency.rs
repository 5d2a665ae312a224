//! The `idempotency_keys` table: the first outcome of a request made with an `Idempotency-Key`.

use super::{Store, StoreError};

/// What a key already stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyState {
    /// The key is new: this request claimed it and must run, then call `finish_idempotent`.
    Claimed,
    /// Another request with this key is still running.
    InProgress { request_hash: String },
    /// A request with this key finished with this status and JSON body.
    Done { request_hash: String, status: u16, response: String },
}

impl Store {
    /// Claims `key` for the user, or tells what an earlier request with it did.
    pub async fn claim_idempotency_key(&self, username: &str, key: &str, request_hash: &str, now: i64) -> Result<KeyState, StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (username, key, request_hash, state, created_at) VALUES (?, ?, ?, 'pending', ?) \
             ON CONFLICT (username, key) DO NOTHING",
        )
        .bind(username)
        .bind(key)
        .bind(request_hash)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(KeyState::Claimed);
        }
        let (request_hash, state, status, response): (String, String, Option<i64>, Option<String>) =
            sqlx::query_as("SELECT request_hash, state, status, response FROM idempotency_keys WHERE username = ? AND key = ?")
                .bind(username)
                .bind(key)
                .fetch_one(&self.pool)
                .await?;
        Ok(match (state.as_str(), status, response) {
            ("done", Some(status), Some(response)) => KeyState::Done { request_hash, status: status as u16, response },
            _ => KeyState::InProgress { request_hash },
        })
    }

    /// Records the outcome of the request that claimed `key`.
    pub async fn finish_idempotency_key(&self, username: &str, key: &str, status: u16, response: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE idempotency_keys SET state = 'done', status = ?, response = ? WHERE username = ? AND key = ?")
            .bind(i64::from(status))
            .bind(response)
            .bind(username)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Releases a claimed key whose request failed before it could do anything, so a retry may run.
    pub async fn release_idempotency_key(&self, username: &str, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM idempotency_keys WHERE username = ? AND key = ? AND state = 'pending'")
            .bind(username)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Forgets keys older than `cutoff`; returns how many.
    pub async fn purge_idempotency_keys(&self, cutoff: i64) -> Result<u64, StoreError> {
        let result = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < ?").bind(cutoff).execute(&self.pool).await?;
        Ok(result.rows_affected())
    }
}
