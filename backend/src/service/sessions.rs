//! Logging in against the IMAP server, authenticating later requests, logging out.

use std::net::IpAddr;

use super::{Letterbox, ServiceError, now_unix};
use crate::auth::{SealKey, TokenClaims, random_id, seal};
use crate::imap::ImapError;
use crate::secret::{Credentials, Secret};
use crate::store::NewSession;

/// A login attempt as a client sent it.
#[derive(Debug)]
pub struct LoginRequest {
    pub username: String,
    pub password: Secret,
    pub client_ip: IpAddr,
    pub user_agent: Option<String>,
}

/// A successful login: the token to hand to the client (as a bearer token or cookie).
#[derive(Debug)]
pub struct NewLogin {
    pub token: Secret,
    pub session_id: String,
    pub username: String,
    pub expires_at: i64,
}

/// An authenticated request's user, with the credentials to reach their mailbox.
#[derive(Debug, Clone)]
pub struct UserSession {
    pub session_id: String,
    pub username: String,
    pub credentials: Credentials,
    pub expires_at: i64,
    /// What these credentials may do: everything for a login session, less for an API token.
    pub grant: super::Grant,
}

/// What is worth knowing about the user's mail server.
#[derive(Debug, Clone)]
pub struct ServerInfo {
    pub capabilities: Vec<String>,
}

impl Letterbox {
    /// Logs in: the IMAP server decides. On success the password is sealed with a fresh key that
    /// only goes back to the client inside the token, and the new connection joins the pool.
    pub async fn login(&self, request: LoginRequest) -> Result<NewLogin, ServiceError> {
        let username = request.username.trim().to_string();
        if username.is_empty() || username.len() > 320 || username.chars().any(char::is_control) {
            return Err(ServiceError::InvalidInput { field: "username", detail: "give the username of your mail account".into() });
        }
        if request.password.expose().is_empty() || request.password.expose().len() > 1024 {
            return Err(ServiceError::InvalidInput { field: "password", detail: "give your mail account's password".into() });
        }
        // Counted before the IMAP round trip, so parallel guesses cannot all slip past the check.
        let attempt = self.throttle.begin(request.client_ip, &username).map_err(|retry_after| ServiceError::Throttled { retry_after })?;

        let credentials = Credentials { username: username.clone(), password: request.password };
        let connection = match self.pool.connector().connect(&credentials).await {
            Ok(connection) => connection,
            Err(ImapError::AuthFailed) => {
                attempt.failed();
                tracing::info!(username = %username, ip = %request.client_ip, "login refused by the IMAP server");
                return Err(ServiceError::Unauthorized("wrong username or password".into()));
            }
            Err(other) => {
                // Credentials go out only after TCP and TLS: those failures tested no password.
                if matches!(other, ImapError::Connect(_) | ImapError::Tls(_) | ImapError::Insecure(_)) {
                    attempt.not_made();
                }
                return Err(ServiceError::MailServer(other));
            }
        };
        attempt.succeeded();
        self.pool.adopt(&credentials, connection);

        let session_id = random_id();
        let seal_key = SealKey::generate();
        let now = now_unix();
        let expires_at = now + self.config.session_ttl.as_secs() as i64;
        let sealed = seal::seal(&seal_key, &session_id, &credentials.password);
        self.store
            .insert_session(&NewSession {
                id: &session_id,
                username: &username,
                sealed_password: &sealed,
                created_at: now,
                expires_at,
                client_ip: Some(request.client_ip.to_string()),
                user_agent: request.user_agent,
            })
            .await?;
        if self.config.offline_access {
            // Offline access (webhooks): the server keeps its own sealed copy, refreshed here.
            self.save_offline_credentials(&credentials).await?;
        }
        let token =
            self.signer.issue(&TokenClaims { username: username.clone(), session_id: session_id.clone(), seal_key, expires_at }, now);
        tracing::info!(username = %username, "logged in");
        Ok(NewLogin { token, session_id, username, expires_at })
    }

    /// Turns an API bearer token — a login session's or an API token — into its user.
    pub async fn authenticate_bearer(&self, token: &str) -> Result<UserSession, ServiceError> {
        if token.starts_with(super::tokens::TOKEN_PREFIX) {
            self.authenticate_api_token(token).await
        } else {
            self.authenticate(token).await
        }
    }

    /// Turns a login session's token (bearer or cookie) into the session's user and unsealed credentials.
    pub async fn authenticate(&self, token: &str) -> Result<UserSession, ServiceError> {
        let unauthorized = || ServiceError::Unauthorized("missing, expired or revoked session; log in again".into());
        let claims = self.signer.verify(token).ok_or_else(unauthorized)?;
        let record = self.store.find_session(&claims.session_id).await?.ok_or_else(unauthorized)?;
        if record.revoked_at.is_some() || record.expires_at <= now_unix() || record.username != claims.username {
            return Err(unauthorized());
        }
        let password = seal::open(&claims.seal_key, &record.id, &record.sealed_password).ok_or_else(unauthorized)?;
        Ok(UserSession {
            session_id: record.id,
            username: record.username.clone(),
            credentials: Credentials { username: record.username, password },
            expires_at: record.expires_at,
            grant: super::Grant::full(),
        })
    }

    /// Whether the credentials behind an already authenticated `session` still hold: the login
    /// session is neither logged out nor expired, or the API token is neither revoked nor
    /// expired. Long-lived responses (the event stream) ask this again and again, since they
    /// outlive the one check made when they began.
    pub async fn session_is_current(&self, session: &UserSession) -> Result<bool, ServiceError> {
        let now = now_unix();
        if session.expires_at <= now {
            return Ok(false);
        }
        Ok(match &session.grant.token_id {
            Some(id) => self
                .store
                .find_token(id)
                .await?
                .is_some_and(|record| record.username == session.username && record.expires_at.is_none_or(|at| at > now)),
            None => self
                .store
                .find_session(&session.session_id)
                .await?
                .is_some_and(|record| record.revoked_at.is_none() && record.expires_at > now),
        })
    }

    /// Ends the session: its token stops working at once and its sealed password is erased.
    pub async fn logout(&self, session: &UserSession) -> Result<(), ServiceError> {
        if let Some(id) = &session.grant.token_id {
            if self.store.delete_token(session.account().as_str(), id).await? {
                self.delete_token_webhooks(&session.account(), id).await?;
            }
            tracing::info!(username = %session.username, token = %id, "API token revoked by itself");
            return Ok(());
        }
        self.store.revoke_session(&session.session_id, now_unix()).await?;
        if self.config.offline_access {
            self.forget_offline_credentials_if_unused(&session.account()).await?;
        }
        tracing::info!(username = %session.username, "logged out");
        Ok(())
    }

    /// The mail server's capabilities, from a pooled connection.
    pub async fn server_info(&self, session: &UserSession) -> Result<ServerInfo, ServiceError> {
        let capabilities = self
            .pool
            .run(&session.credentials, |connection| {
                let names = connection.capabilities().names().map(str::to_string).collect();
                Box::pin(async move { Ok(names) })
            })
            .await?;
        Ok(ServerInfo { capabilities })
    }
}
