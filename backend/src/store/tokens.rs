//! The `api_tokens` table: long-lived tokens for other apps, stored as a hash with the password
//! sealed by a key only the token's holder has.

use super::{Store, StoreError};

/// A stored API token (without anything that would let the database alone use it).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRecord {
    pub id: String,
    pub username: String,
    pub name: String,
    pub token_hash: Vec<u8>,
    pub sealed_password: Vec<u8>,
    pub scopes: String,
    pub mailboxes: Option<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

impl Store {
    /// Records a new API token.
    pub async fn insert_token(&self, token: &TokenRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO api_tokens (id, username, name, token_hash, sealed_password, scopes, mailboxes, created_at, expires_at, last_used_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
            .bind(&token.id)
            .bind(&token.username)
            .bind(&token.name)
            .bind(&token.token_hash)
            .bind(&token.sealed_password)
            .bind(&token.scopes)
            .bind(&token.mailboxes)
            .bind(token.created_at)
            .bind(token.expires_at)
            .bind(token.last_used_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The token with this id; `None` when there is none.
    pub async fn find_token(&self, id: &str) -> Result<Option<TokenRecord>, StoreError> {
        let record = sqlx::query_as::<_, TokenRecord>(
            "SELECT id, username, name, token_hash, sealed_password, scopes, mailboxes, created_at, expires_at, last_used_at FROM api_tokens WHERE id = ?",
        )
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(record)
    }

    /// Every token of a user, newest first.
    pub async fn list_tokens(&self, username: &str) -> Result<Vec<TokenRecord>, StoreError> {
        let records = sqlx::query_as::<_, TokenRecord>(
            "SELECT id, username, name, token_hash, sealed_password, scopes, mailboxes, created_at, expires_at, last_used_at FROM api_tokens \
             WHERE username = ? ORDER BY created_at DESC, id",
        )
        .bind(username)
        .fetch_all(&self.pool)
        .await?;
        Ok(records)
    }

    /// Deletes a user's token; returns whether there was one.
    pub async fn delete_token(&self, username: &str, id: &str) -> Result<bool, StoreError> {
        let result =
            sqlx::query("DELETE FROM api_tokens WHERE id = ? AND username = ?").bind(id).bind(username).execute(&self.pool).await?;
        Ok(result.rows_affected() == 1)
    }

    /// Notes that a token was used at `now`.
    pub async fn touch_token(&self, id: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_tokens SET last_used_at = ? WHERE id = ?").bind(now).bind(id).execute(&self.pool).await?;
        Ok(())
    }
}
