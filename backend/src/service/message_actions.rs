//! Changing messages: flags, move or copy to another folder, delete (to Trash or for good).

use super::messages::summary;
use super::{Letterbox, ServiceError, UserSession};
use crate::mail::{MessageId, MessageSummary, Role};

impl Letterbox {
    /// Adds and removes flags, then returns the message as it is now.
    pub async fn update_flags(
        &self,
        session: &UserSession,
        id: &MessageId,
        add: Vec<String>,
        remove: Vec<String>,
    ) -> Result<MessageSummary, ServiceError> {
        let uid = id.uid;
        let (selected, fetched) = self
            .on_message(session, id, move |c, selected| {
                let (add, remove) = (add.clone(), remove.clone());
                Box::pin(async move {
                    let exists = c.fetch_summaries(&[uid]).await?;
                    if exists.is_empty() {
                        return Ok((selected, exists));
                    }
                    c.store_flags(&[uid], &add, &remove).await?;
                    Ok((selected, c.fetch_summaries(&[uid]).await?))
                })
            })
            .await?;
        let fetched = fetched.into_iter().next().ok_or_else(|| ServiceError::NotFound("the message no longer exists".into()))?;
        Ok(summary(&selected, fetched))
    }

    /// Moves (or copies) a message to the mailbox at `destination`; returns its new id when the
    /// server reports the new UID.
    pub async fn transfer_message(
        &self,
        session: &UserSession,
        id: &MessageId,
        destination: &str,
        remove_original: bool,
    ) -> Result<Option<MessageId>, ServiceError> {
        if destination == id.mailbox && remove_original {
            return Ok(Some(id.clone()));
        }
        let uid = id.uid;
        let destination_path = destination.to_string();
        let new_uid = self
            .on_message(session, id, move |c, _| {
                let destination = destination_path.clone();
                Box::pin(async move {
                    if c.fetch_summaries(&[uid]).await?.is_empty() {
                        return Ok(Err(()));
                    }
                    Ok(Ok(c.transfer(uid, &destination, remove_original).await?))
                })
            })
            .await?
            .map_err(|()| ServiceError::NotFound("the message no longer exists".into()))?;
        let Some(new_uid) = new_uid else { return Ok(None) };
        let uid_validity = self
            .pool
            .run(&session.credentials, |c| {
                let destination = destination.to_string();
                Box::pin(async move { c.uid_validity_of(&destination).await })
            })
            .await?;
        Ok(Some(MessageId { mailbox: destination.to_string(), uid_validity, uid: new_uid }))
    }

    /// Deletes a message: moves it to Trash, or removes it for good when it is in Trash already
    /// or `permanent` is set (UID EXPUNGE of exactly this UID).
    pub async fn delete_message(&self, session: &UserSession, id: &MessageId, permanent: bool) -> Result<(), ServiceError> {
        let trash = self.trash_path(session).await?;
        self.delete_message_to(session, id, permanent, trash.as_deref()).await
    }

    /// The path of the user's Trash folder, if they have one (for deleting many messages with
    /// one folder listing instead of one per message).
    pub async fn trash_path(&self, session: &UserSession) -> Result<Option<String>, ServiceError> {
        Ok(self.all_mailboxes(session).await?.into_iter().find(|m| m.role == Some(Role::Trash)).map(|m| m.path))
    }

    /// [`Letterbox::delete_message`] with the Trash folder already known.
    pub async fn delete_message_to(
        &self,
        session: &UserSession,
        id: &MessageId,
        permanent: bool,
        trash: Option<&str>,
    ) -> Result<(), ServiceError> {
        match trash {
            Some(trash) if !permanent && trash != id.mailbox => {
                self.transfer_message(session, id, trash, true).await?;
                Ok(())
            }
            _ => {
                let uid = id.uid;
                let found = self
                    .on_message(session, id, move |c, _| {
                        Box::pin(async move {
                            if c.fetch_summaries(&[uid]).await?.is_empty() {
                                return Ok(false);
                            }
                            c.expunge_uids(&[uid]).await?;
                            Ok(true)
                        })
                    })
                    .await?;
                if found { Ok(()) } else { Err(ServiceError::NotFound("the message no longer exists".into())) }
            }
        }
    }
}
