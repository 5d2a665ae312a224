//! The `identities` table: the From addresses a user may send as, with name, reply-to and signature.

use super::{Store, StoreError};

/// A stored sender identity.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IdentityRecord {
    pub id: String,
    pub username: String,
    pub email: String,
    pub name: Option<String>,
    pub reply_to: Option<String>,
    pub signature: String,
    pub is_default: bool,
    pub created_at: i64,
    /// Confirmed through the mailed link (addresses in an allowed domain need not be).
    pub confirmed: bool,
    /// SHA-256 of the outstanding single-use confirmation token.
    pub confirm_token_hash: Option<Vec<u8>>,
    /// When that token stops working (Unix seconds).
    pub confirm_expires_at: Option<i64>,
}

impl Store {
    /// The user's identities, the default first, then by address.
    pub async fn list_identities(&self, username: &str) -> Result<Vec<IdentityRecord>, StoreError> {
        let rows = sqlx::query_as::<_, IdentityRecord>(
            "SELECT id, username, email, name, reply_to, signature, is_default, created_at, confirmed, confirm_token_hash, confirm_expires_at FROM identities \
             WHERE username = ? ORDER BY is_default DESC, email",
        )
        .bind(username)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// Inserts an identity; when it is the default, the user's other identities stop being it.
    /// Returns `false` when the user already has an identity with that address.
    pub async fn insert_identity(&self, identity: &IdentityRecord) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        if identity.is_default {
            sqlx::query("UPDATE identities SET is_default = 0 WHERE username = ?").bind(&identity.username).execute(&mut *tx).await?;
        }
        let result = sqlx::query(
            "INSERT INTO identities (id, username, email, name, reply_to, signature, is_default, created_at, confirmed, confirm_token_hash, confirm_expires_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (username, email) DO NOTHING",
        )
        .bind(&identity.id)
        .bind(&identity.username)
        .bind(&identity.email)
        .bind(&identity.name)
        .bind(&identity.reply_to)
        .bind(&identity.signature)
        .bind(identity.is_default)
        .bind(identity.created_at)
        .bind(identity.confirmed)
        .bind(&identity.confirm_token_hash)
        .bind(identity.confirm_expires_at)
        .execute(&mut *tx)
        .await?;
        if result.rows_affected() == 0 {
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Replaces an identity's fields (matched by id and user); returns whether it existed.
    /// Making it the default takes the default from the others. Fails on a duplicate address.
    pub async fn update_identity(&self, identity: &IdentityRecord) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        if identity.is_default {
            sqlx::query("UPDATE identities SET is_default = 0 WHERE username = ?").bind(&identity.username).execute(&mut *tx).await?;
        }
        let result = sqlx::query(
            "UPDATE identities SET email = ?, name = ?, reply_to = ?, signature = ?, is_default = ?, \
             confirmed = ?, confirm_token_hash = ?, confirm_expires_at = ? WHERE id = ? AND username = ?",
        )
        .bind(&identity.email)
        .bind(&identity.name)
        .bind(&identity.reply_to)
        .bind(&identity.signature)
        .bind(identity.is_default)
        .bind(identity.confirmed)
        .bind(&identity.confirm_token_hash)
        .bind(identity.confirm_expires_at)
        .bind(&identity.id)
        .bind(&identity.username)
        .execute(&mut *tx)
        .await?;
        if result.rows_affected() == 0 {
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Deletes one of the user's identities; returns whether it existed.
    pub async fn delete_identity(&self, username: &str, id: &str) -> Result<bool, StoreError> {
        let result =
            sqlx::query("DELETE FROM identities WHERE id = ? AND username = ?").bind(id).bind(username).execute(&self.pool).await?;
        Ok(result.rows_affected() == 1)
    }

    /// Makes the oldest remaining identity the default when none is (after a delete).
    pub async fn ensure_default_identity(&self, username: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE identities SET is_default = 1 WHERE id = (SELECT id FROM identities WHERE username = ? ORDER BY created_at, email LIMIT 1) \
             AND NOT EXISTS (SELECT 1 FROM identities WHERE username = ? AND is_default = 1)",
        )
        .bind(username)
        .bind(username)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks the user's identity whose unexpired token hashes to `token_hash` as confirmed and
    /// forgets the token (single use). Returns the identity's id, `None` when no token matched.
    pub async fn confirm_identity(&self, username: &str, token_hash: &[u8], now: i64) -> Result<Option<String>, StoreError> {
        let id = sqlx::query_scalar::<_, String>(
            "UPDATE identities SET confirmed = 1, confirm_token_hash = NULL, confirm_expires_at = NULL \
             WHERE username = ? AND confirm_token_hash = ? AND confirm_expires_at > ? RETURNING id",
        )
        .bind(username)
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(id)
    }
}
