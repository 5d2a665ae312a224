//! Mailbox use cases: list with counts, create, rename, delete, with input checks first.

use super::{Letterbox, ServiceError, UserSession};
use crate::mail::{Mailbox, MailboxRef};

const MAX_PATH_CHARS: usize = 500;

impl Letterbox {
    /// Every mailbox the session may see (all of the user's, or an API token's few), INBOX
    /// first, with roles and counts.
    pub async fn list_mailboxes(&self, session: &UserSession) -> Result<Vec<Mailbox>, ServiceError> {
        let mut mailboxes = self.all_mailboxes(session).await?;
        mailboxes.retain(|m| session.grant.allows_mailbox(&m.path));
        Ok(mailboxes)
    }

    /// Every mailbox of the user, whatever the session's grant (to file a sent copy).
    pub(super) async fn all_mailboxes(&self, session: &UserSession) -> Result<Vec<Mailbox>, ServiceError> {
        let mailboxes = self.pool.run(&session.credentials, |c| Box::pin(c.list_mailboxes())).await?;
        self.pool.remember_roles(&session.credentials, &mailboxes);
        Ok(mailboxes)
    }

    /// Resolves a mailbox id or role alias from a URL to the mailbox's path; a mailbox outside
    /// an API token's grant is not found.
    pub async fn resolve_mailbox(&self, session: &UserSession, id: &str) -> Result<String, ServiceError> {
        let path = self.resolve_any_mailbox(session, id).await?;
        session.grant.check_mailbox(&path)?;
        Ok(path)
    }

    /// Like [`Letterbox::resolve_mailbox`], whatever the session's grant.
    pub(super) async fn resolve_any_mailbox(&self, session: &UserSession, id: &str) -> Result<String, ServiceError> {
        match MailboxRef::parse(id) {
            Some(MailboxRef::Path(path)) => Ok(path),
            Some(MailboxRef::Role(role)) => self
                .all_mailboxes(session)
                .await?
                .into_iter()
                .find(|m| m.role == Some(role))
                .map(|m| m.path)
                .ok_or_else(|| ServiceError::NotFound(format!("no mailbox has the role {}", role.as_str()))),
            None => Err(ServiceError::NotFound(format!("no mailbox with id {id:?}"))),
        }
    }

    /// Resolves where to move or copy messages: like [`Letterbox::resolve_mailbox`], except that
    /// a role the account has no folder for (`junk`, `archive`) is a conflict the user can fix
    /// (create the folder), not a missing resource.
    pub async fn resolve_destination(&self, session: &UserSession, id: &str) -> Result<String, ServiceError> {
        match (MailboxRef::parse(id), self.resolve_mailbox(session, id).await) {
            (Some(MailboxRef::Role(role)), Err(ServiceError::NotFound(_))) => {
                Err(ServiceError::Conflict(format!("this account has no {} folder; create one or pick a folder by id", role.as_str())))
            }
            (_, result) => result,
        }
    }

    /// Creates a mailbox at `path` and returns it as listed afterwards.
    pub async fn create_mailbox(&self, session: &UserSession, path: &str) -> Result<Mailbox, ServiceError> {
        let path = validate_path(path)?;
        if session.grant.mailboxes.is_some() {
            return Err(ServiceError::Forbidden("this API token is limited to some mailboxes and cannot create others".into()));
        }
        if path.eq_ignore_ascii_case("INBOX") {
            return Err(ServiceError::Conflict("INBOX always exists".into()));
        }
        // Some servers answer OK to CREATE for a folder that exists but was only auto-listed
        // (Dovecot's `auto = subscribe`), so look first.
        if self.list_mailboxes(session).await?.iter().any(|m| m.path == path) {
            return Err(ServiceError::Conflict(format!("a mailbox named {path:?} already exists")));
        }
        self.pool
            .run(&session.credentials, |c| {
                let path = path.clone();
                Box::pin(async move { c.create_mailbox(&path).await })
            })
            .await?;
        self.pool.forget_roles(&session.credentials);
        self.find_by_path(session, &path).await
    }

    /// Renames the mailbox `id` to `new_path` and returns it as listed afterwards.
    pub async fn rename_mailbox(&self, session: &UserSession, id: &str, new_path: &str) -> Result<Mailbox, ServiceError> {
        let from = self.resolve_mailbox(session, id).await?;
        let to = validate_path(new_path)?;
        if session.grant.mailboxes.is_some() {
            return Err(ServiceError::Forbidden("this API token is limited to some mailboxes and cannot rename them".into()));
        }
        if from.eq_ignore_ascii_case("INBOX") {
            return Err(ServiceError::Forbidden("INBOX cannot be renamed".into()));
        }
        if to.eq_ignore_ascii_case("INBOX") {
            return Err(ServiceError::Conflict("INBOX always exists".into()));
        }
        self.pool
            .run(&session.credentials, |c| {
                let (from, to) = (from.clone(), to.clone());
                Box::pin(async move { c.rename_mailbox(&from, &to).await })
            })
            .await?;
        self.pool.forget_roles(&session.credentials);
        self.find_by_path(session, &to).await
    }

    /// Deletes the mailbox `id` (and, on the server, the messages in it).
    pub async fn delete_mailbox(&self, session: &UserSession, id: &str) -> Result<(), ServiceError> {
        let path = self.resolve_mailbox(session, id).await?;
        if path.eq_ignore_ascii_case("INBOX") {
            return Err(ServiceError::Forbidden("INBOX cannot be deleted".into()));
        }
        self.pool
            .run(&session.credentials, |c| {
                let path = path.clone();
                Box::pin(async move { c.delete_mailbox(&path).await })
            })
            .await?;
        self.pool.forget_roles(&session.credentials);
        Ok(())
    }

    async fn find_by_path(&self, session: &UserSession, path: &str) -> Result<Mailbox, ServiceError> {
        self.list_mailboxes(session)
            .await?
            .into_iter()
            .find(|m| m.path == path)
            .ok_or_else(|| ServiceError::NotFound(format!("mailbox {path:?} is not listed by the server")))
    }
}

/// Checks a mailbox path a user typed: non-empty, no control characters or LIST wildcards, not
/// absurdly long. Returns it trimmed.
pub fn validate_path(raw: &str) -> Result<String, ServiceError> {
    let invalid = |detail: &str| ServiceError::InvalidInput { field: "path", detail: detail.into() };
    let path = raw.trim();
    if path.is_empty() {
        return Err(invalid("give the mailbox a name"));
    }
    if path.chars().count() > MAX_PATH_CHARS {
        return Err(invalid("the name is too long"));
    }
    if path.chars().any(char::is_control) {
        return Err(invalid("the name cannot contain control characters or line breaks"));
    }
    if path.contains(['*', '%']) {
        return Err(invalid("the name cannot contain * or %"));
    }
    if path.starts_with(['/', '.']) || path.ends_with(['/', '.']) || path.contains("//") {
        return Err(invalid("the name cannot start or end with a hierarchy separator or contain an empty level"));
    }
    Ok(path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_validation() {
        let cases = [
            ("Work", true),
            ("  Work/Projects  ", true),
            ("Entwürfe", true),
            ("", false),
            ("   ", false),
            ("a\r\nb", false),
            ("a*", false),
            ("50%", false),
            ("/abs", false),
            ("trailing/", false),
            ("a//b", false),
        ];
        for (raw, ok) in cases {
            assert_eq!(validate_path(raw).is_ok(), ok, "{raw:?}");
        }
        assert!(validate_path(&"x".repeat(501)).is_err());
    }
}
