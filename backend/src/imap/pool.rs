//! Per-user IMAP connection pools: a few connections at most, lent to one request at a time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use ring::hmac;
use tokio::sync::Semaphore;

use super::connect::ImapConnector;
use super::connection::ImapConnection;
use super::error::ImapError;
use crate::mail::{Mailbox, Role};
use crate::secret::Credentials;

/// Identifies whose connections may be shared: the username plus a keyed hash of the password,
/// so a request can only borrow a connection that its own credentials would have opened.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PoolKey(String, Vec<u8>);

/// The connections of one user (one set of credentials).
struct UserPool {
    permits: Arc<Semaphore>,
    idle: Mutex<Vec<ImapConnection>>,
    roles: Mutex<RoleCache>,
}

/// The user's folders by role as last listed, so that filing a sent copy needs no new LIST with
/// STATUS counts (60–100 ms on a 100k INBOX). One small entry per pooled user; it goes when the
/// user's pool is reaped.
#[derive(Default)]
struct RoleCache {
    paths: Option<Vec<(Role, String)>>,
    /// How many full folder lists were remembered (observable by tests).
    lists: u64,
}

/// Every user's pool. Cheap to share behind an `Arc`.
pub struct ImapPool {
    connector: ImapConnector,
    max_per_user: usize,
    idle_timeout: Duration,
    op_timeout: Duration,
    /// How long a request waits for a busy user's connection before giving up (503).
    wait_timeout: Duration,
    key_salt: hmac::Key,
    users: Mutex<HashMap<PoolKey, Arc<UserPool>>>,
}

impl ImapPool {
    /// A pool opening connections with `connector`, at most `max_per_user` per user, closing
    /// those idle longer than `idle_timeout`, giving up on one operation after `op_timeout`.
    pub fn new(connector: ImapConnector, max_per_user: usize, idle_timeout: Duration, op_timeout: Duration) -> Self {
        let rng = ring::rand::SystemRandom::new();
        let key_salt = hmac::Key::generate(hmac::HMAC_SHA256, &rng).expect("system randomness is available");
        let wait_timeout = Duration::from_secs(10);
        Self { connector, max_per_user, idle_timeout, op_timeout, wait_timeout, key_salt, users: Mutex::new(HashMap::new()) }
    }

    /// Sets how long a request waits for one of its user's connections (default 10 s).
    pub fn with_wait(mut self, wait_timeout: Duration) -> Self {
        self.wait_timeout = wait_timeout;
        self
    }

    /// The connector, for callers that need a one-off connection (login checks).
    pub fn connector(&self) -> &ImapConnector {
        &self.connector
    }

    fn key(&self, credentials: &Credentials) -> PoolKey {
        let tag = hmac::sign(&self.key_salt, credentials.password.expose().as_bytes());
        PoolKey(credentials.username.clone(), tag.as_ref().to_vec())
    }

    fn user(&self, key: PoolKey) -> Arc<UserPool> {
        let mut users = self.users.lock().expect("pool lock");
        users
            .entry(key)
            .or_insert_with(|| {
                let permits = Arc::new(Semaphore::new(self.max_per_user));
                Arc::new(UserPool { permits, idle: Mutex::new(Vec::new()), roles: Mutex::new(RoleCache::default()) })
            })
            .clone()
    }

    /// Puts an already logged-in connection (from a login check) into the user's pool.
    pub fn adopt(&self, credentials: &Credentials, connection: ImapConnection) {
        let user = self.user(self.key(credentials));
        let mut idle = user.idle.lock().expect("pool lock");
        if idle.len() < self.max_per_user {
            idle.push(connection);
        }
    }

    /// Runs `op` on one of the user's connections, which nobody else can use meanwhile. Opens a
    /// connection when none is idle; when the connection turns out to be dead (server restarted,
    /// network dropped), opens a fresh one and runs `op` once more.
    pub async fn run<T, F>(&self, credentials: &Credentials, mut op: F) -> Result<T, ImapError>
    where
        F: for<'c> FnMut(&'c mut ImapConnection) -> BoxFuture<'c, Result<T, ImapError>>,
    {
        let user = self.user(self.key(credentials));
        // Tokio's semaphore is fair (first come, first served); a request that cannot get a
        // connection in time is told to come back instead of hanging.
        let _permit = match tokio::time::timeout(self.wait_timeout, user.permits.clone().acquire_owned()).await {
            Ok(permit) => permit.expect("pool semaphores are never closed"),
            Err(_) => return Err(ImapError::Busy { retry_after: self.wait_timeout.as_secs().clamp(1, 30) }),
        };
        let reused = self.take_idle(&user);
        let was_reused = reused.is_some();
        let mut connection = match reused {
            Some(connection) => connection,
            None => self.connector.connect(credentials).await?,
        };
        match self.attempt(&mut connection, &mut op).await {
            Err(err) if err.is_connection_error() && was_reused => {
                tracing::info!(error = %err, "pooled IMAP connection is dead; reconnecting and retrying once");
                // Its siblings most likely died the same way (a server restart): drop them too.
                user.idle.lock().expect("pool lock").clear();
                let mut fresh = self.connector.connect(credentials).await?;
                let result = self.attempt(&mut fresh, &mut op).await;
                self.give_back(&user, fresh, &result);
                result
            }
            result => {
                self.give_back(&user, connection, &result);
                result
            }
        }
    }

    async fn attempt<T, F>(&self, connection: &mut ImapConnection, op: &mut F) -> Result<T, ImapError>
    where
        F: for<'c> FnMut(&'c mut ImapConnection) -> BoxFuture<'c, Result<T, ImapError>>,
    {
        connection.discard_unsolicited();
        match tokio::time::timeout(self.op_timeout, op(connection)).await {
            Ok(result) => result,
            Err(_) => Err(ImapError::Timeout(self.op_timeout.as_secs())),
        }
    }

    fn take_idle(&self, user: &UserPool) -> Option<ImapConnection> {
        let mut idle = user.idle.lock().expect("pool lock");
        while let Some(connection) = idle.pop() {
            if connection.last_used.elapsed() < self.idle_timeout {
                return Some(connection);
            }
        }
        None
    }

    fn give_back<T>(&self, user: &UserPool, mut connection: ImapConnection, result: &Result<T, ImapError>) {
        // A connection whose command broke the protocol or the link is in an unknown state.
        if matches!(result, Err(e) if e.is_connection_error() || matches!(e, ImapError::Protocol(_))) {
            return;
        }
        if result.is_err() {
            // A failed command may have left a different mailbox selected (or none).
            connection.selected = None;
        }
        connection.last_used = Instant::now();
        user.idle.lock().expect("pool lock").push(connection);
    }

    /// Closes connections idle longer than the timeout and forgets users with nothing left.
    /// Returns how many connections were closed.
    pub async fn reap_idle(&self) -> usize {
        let mut expired = Vec::new();
        {
            let mut users = self.users.lock().expect("pool lock");
            users.retain(|_, user| {
                let mut idle = user.idle.lock().expect("pool lock");
                let (keep, old): (Vec<_>, Vec<_>) = idle.drain(..).partition(|c| c.last_used.elapsed() < self.idle_timeout);
                *idle = keep;
                expired.extend(old);
                let busy = user.permits.available_permits() < self.max_per_user;
                busy || !idle.is_empty()
            });
        }
        let closed = expired.len();
        for connection in expired {
            connection.logout().await;
        }
        closed
    }

    /// Remembers the roles of a full folder list of the user's (call it with every such list).
    pub fn remember_roles(&self, credentials: &Credentials, mailboxes: &[Mailbox]) {
        let user = self.user(self.key(credentials));
        let mut cache = user.roles.lock().expect("pool lock");
        cache.paths = Some(mailboxes.iter().filter_map(|m| Some((m.role?, m.path.clone()))).collect());
        cache.lists += 1;
    }

    /// The path of the user's folder with `role` as last listed: `None` when no list is
    /// remembered, `Some(None)` when the last list had no folder with that role.
    pub fn cached_role(&self, credentials: &Credentials, role: Role) -> Option<Option<String>> {
        let user = self.user(self.key(credentials));
        let cache = user.roles.lock().expect("pool lock");
        let paths = cache.paths.as_ref()?;
        Some(paths.iter().find(|(r, _)| *r == role).map(|(_, path)| path.clone()))
    }

    /// Forgets the remembered roles (after the user's folders were created, renamed or deleted).
    pub fn forget_roles(&self, credentials: &Credentials) {
        self.user(self.key(credentials)).roles.lock().expect("pool lock").paths = None;
    }

    /// How many full folder lists of the user's were remembered so far (for tests).
    pub fn folder_lists(&self, credentials: &Credentials) -> u64 {
        self.user(self.key(credentials)).roles.lock().expect("pool lock").lists
    }

    /// Number of idle connections held for all users (for tests and metrics).
    pub fn idle_count(&self) -> usize {
        let users = self.users.lock().expect("pool lock");
        users.values().map(|u| u.idle.lock().expect("pool lock").len()).sum()
    }

    /// Starts the background task that reaps idle connections every few seconds.
    pub fn spawn_reaper(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let pool = Arc::downgrade(self);
        let period = (self.idle_timeout / 4).clamp(Duration::from_secs(1), Duration::from_secs(30));
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(period);
            loop {
                ticker.tick().await;
                let Some(pool) = pool.upgrade() else { break };
                pool.reap_idle().await;
            }
        })
    }
}
