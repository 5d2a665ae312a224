//! Filing a message in the user's folder with a role (the sent copy, a draft) by APPEND.

use super::{Letterbox, ServiceError, UserSession};
use crate::imap::ImapError;
use crate::mail::{MessageId, Role};

impl Letterbox {
    /// Appends `bytes` to the user's folder with `role`; returns the new message's id when known
    /// (UIDPLUS, else a search for its Message-ID).
    pub(super) async fn append_to_role(
        &self,
        session: &UserSession,
        role: Role,
        flags: &'static [&'static str],
        bytes: &[u8],
        message_id: &str,
    ) -> Result<Option<MessageId>, ServiceError> {
        // The folder list the UI fetched last names the folder: no LIST with STATUS counts of
        // every folder (60–100 ms at 100k) in front of each send. A stale entry (the folder was
        // renamed in another client) fails the APPEND; then the list is fetched afresh, once.
        let cached = self.pool.cached_role(&session.credentials, role).flatten();
        let path = match &cached {
            Some(path) => path.clone(),
            None => self.role_path(session, role).await?,
        };
        let found = match self.append_at(session, &path, flags, bytes, message_id).await {
            Err(ServiceError::MailServer(ImapError::No(_))) if cached.is_some() => {
                self.pool.forget_roles(&session.credentials);
                let fresh = self.role_path(session, role).await?;
                let found = self.append_at(session, &fresh, flags, bytes, message_id).await?;
                return Ok(found.map(|(uid_validity, uid)| MessageId { mailbox: fresh, uid_validity, uid }));
            }
            other => other?,
        };
        Ok(found.map(|(uid_validity, uid)| MessageId { mailbox: path, uid_validity, uid }))
    }

    /// The path of the user's folder with `role`, from a fresh folder list.
    async fn role_path(&self, session: &UserSession, role: Role) -> Result<String, ServiceError> {
        match self.resolve_any_mailbox(session, role.as_str()).await {
            Ok(path) => Ok(path),
            Err(ServiceError::NotFound(_)) => {
                Err(ServiceError::Conflict(format!("this account has no {} folder; create one", role.as_str())))
            }
            Err(other) => Err(other),
        }
    }

    /// APPENDs `bytes` to `path`; the new message's UIDVALIDITY and UID when the server tells
    /// them (UIDPLUS) or its Message-ID finds it.
    async fn append_at(
        &self,
        session: &UserSession,
        path: &str,
        flags: &'static [&'static str],
        bytes: &[u8],
        message_id: &str,
    ) -> Result<Option<(u32, u32)>, ServiceError> {
        let bytes = std::sync::Arc::new(bytes.to_vec());
        let (path, message_id) = (path.to_string(), message_id.to_string());
        let found = self
            .pool
            .run(&session.credentials, |connection| {
                let (path, bytes, message_id) = (path.clone(), bytes.clone(), message_id.clone());
                Box::pin(async move {
                    match connection.append(&path, flags, &bytes).await? {
                        Some(appended) => Ok(Some((appended.uid_validity, appended.uid))),
                        None => connection.find_by_message_id(&path, &message_id).await,
                    }
                })
            })
            .await?;
        Ok(found)
    }
}
