//! The `contacts` table: addresses a user has written to, for suggestions while composing.

use super::{Store, StoreError};

/// A remembered recipient.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ContactRecord {
    pub email: String,
    pub name: Option<String>,
    pub uses: i64,
    pub last_used: i64,
}

impl Store {
    /// Counts one more use of each `(email, name)`; a known name is kept when the new one is empty.
    pub async fn remember_contacts(&self, username: &str, contacts: &[(String, Option<String>)], now: i64) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for (email, name) in contacts {
            sqlx::query(
                "INSERT INTO contacts (username, email, name, uses, last_used) VALUES (?, ?, ?, 1, ?) \
                 ON CONFLICT (username, email) DO UPDATE SET uses = uses + 1, last_used = excluded.last_used, \
                 name = COALESCE(excluded.name, contacts.name)",
            )
            .bind(username)
            .bind(email.to_lowercase())
            .bind(name.as_deref().filter(|n| !n.trim().is_empty()))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Contacts whose address or name contains `query` (case-insensitive), most used first.
    pub async fn search_contacts(&self, username: &str, query: &str, limit: i64) -> Result<Vec<ContactRecord>, StoreError> {
        let pattern = format!("%{}%", query.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let rows = sqlx::query_as::<_, ContactRecord>(
            "SELECT email, name, uses, last_used FROM contacts WHERE username = ? \
             AND (email LIKE ? ESCAPE '\\' OR lower(COALESCE(name, '')) LIKE ? ESCAPE '\\') \
             ORDER BY uses DESC, last_used DESC, email LIMIT ?",
        )
        .bind(username)
        .bind(&pattern)
        .bind(&pattern)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }
}
