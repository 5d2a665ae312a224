//! The `user_settings` table: a user's UI preferences (theme, language, page size, ...).

use super::{Store, StoreError};

/// A stored settings row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SettingsRecord {
    pub theme: String,
    pub language: Option<String>,
    pub page_size: i64,
    pub notify: bool,
    pub remote_senders: String,
}

impl Store {
    /// The user's settings; `None` when they never saved any.
    pub async fn find_settings(&self, username: &str) -> Result<Option<SettingsRecord>, StoreError> {
        let row = sqlx::query_as::<_, SettingsRecord>(
            "SELECT theme, language, page_size, notify, remote_senders FROM user_settings WHERE username = ?",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row)
    }

    /// Saves the user's settings (insert or replace).
    pub async fn save_settings(&self, username: &str, settings: &SettingsRecord, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO user_settings (username, theme, language, page_size, notify, remote_senders, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (username) DO UPDATE SET theme = excluded.theme, language = excluded.language, page_size = excluded.page_size, \
             notify = excluded.notify, remote_senders = excluded.remote_senders, updated_at = excluded.updated_at",
        )
        .bind(username)
        .bind(&settings.theme)
        .bind(&settings.language)
        .bind(settings.page_size)
        .bind(settings.notify)
        .bind(&settings.remote_senders)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
