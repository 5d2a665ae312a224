//! Login throttling: too many failures from one client IP or for one username in a short window
//! make further attempts wait, before the IMAP server is even asked.
//!
//! An attempt is counted when it starts ([`LoginThrottle::begin`]), under one lock together with
//! the check, so parallel guesses cannot all pass the check before the first failure is recorded.
//! IPv6 clients are counted by their /64. A username locked by failures from elsewhere still lets
//! through addresses it logged in from successfully before, each with its own allowance, so an
//! attacker cannot lock a user out for everyone. Both maps are capped and pruned on a timer.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

/// Limits on failed logins.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Window in which failures are counted.
    pub window: Duration,
    /// Failures for one username within the window before it is locked for the rest of it.
    pub per_username: usize,
    /// Failures from one client IP (IPv6: one /64) within the window (it may be trying many usernames).
    pub per_ip: usize,
    /// Most usernames, and most client addresses, counted at once (the memory cap of each map).
    pub max_tracked: usize,
    /// How long an address a user logged in from stays trusted for that user while the username is locked.
    pub remember_good: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(300),
            per_username: 5,
            per_ip: 20,
            max_tracked: 50_000,
            remember_good: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

/// Addresses remembered per user as having logged in successfully (the most recent ones).
const GOOD_ADDRESSES_PER_USER: usize = 4;

/// A client address as the throttle counts it: IPv4 by address, IPv6 by its /64 (a host's
/// privacy addresses, or one customer's whole network, are one client).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientKey {
    V4(u32),
    V6Net(u64),
}

impl ClientKey {
    /// The key of a client address; IPv4-mapped IPv6 addresses count as their IPv4 address.
    pub fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Self::V4(v4.into()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self::V4(v4.into()),
                None => Self::V6Net((u128::from(v6) >> 64) as u64),
            },
        }
    }
}

/// One counted attempt: when, from where, and an id to take it back by.
#[derive(Debug, Clone, Copy)]
struct Mark {
    at: Instant,
    from: ClientKey,
    id: u64,
}

#[derive(Debug, Default)]
struct State {
    next_id: u64,
    by_ip: HashMap<ClientKey, Vec<Mark>>,
    by_username: HashMap<String, Vec<Mark>>,
    /// Per username: the addresses it logged in from successfully, with when.
    known_good: HashMap<String, Vec<(ClientKey, Instant)>>,
}

/// Counts recent login attempts in memory.
#[derive(Debug)]
pub struct LoginThrottle {
    policy: ThrottlePolicy,
    state: Arc<Mutex<State>>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new(ThrottlePolicy::default())
    }
}

/// A login attempt that has been counted; tell the throttle how it ended. Dropped without a
/// verdict (e.g. the client went away mid-login), it stays counted as a failure.
#[derive(Debug)]
#[must_use = "say how the login ended"]
pub struct LoginAttempt<'a> {
    throttle: &'a LoginThrottle,
    client: ClientKey,
    username: String,
    id: u64,
}

impl LoginThrottle {
    /// A throttle with the given policy.
    pub fn new(policy: ThrottlePolicy) -> Self {
        Self { policy, state: Arc::default() }
    }

    /// Counts a login attempt before it is made, or `Err(retry_after)` when this client or this
    /// username has used up its attempts lately. Check and count happen under one lock.
    pub fn begin(&self, ip: IpAddr, username: &str) -> Result<LoginAttempt<'_>, Duration> {
        self.begin_at(ip, username, Instant::now())
    }

    fn begin_at(&self, ip: IpAddr, username: &str, now: Instant) -> Result<LoginAttempt<'_>, Duration> {
        let client = ClientKey::of(ip);
        let username = username.to_lowercase();
        let policy = &self.policy;
        let mut state = self.lock();
        let known_good = state
            .known_good
            .get(&username)
            .is_some_and(|good| good.iter().any(|(key, at)| *key == client && now.duration_since(*at) < policy.remember_good));
        let ip_wait = wait(state.by_ip.get(&client), |_| true, policy.per_ip, policy.window, now);
        // From a known-good address only that address's own failures count against the username.
        let user_wait =
            wait(state.by_username.get(&username), |mark| !known_good || mark.from == client, policy.per_username, policy.window, now);
        if let Some(wait) = ip_wait.max(user_wait) {
            return Err(wait.max(Duration::from_secs(1)));
        }
        let id = state.next_id;
        state.next_id += 1;
        let mark = Mark { at: now, from: client, id };
        push(&mut state.by_ip, client, mark, policy, now);
        push(&mut state.by_username, username.clone(), mark, policy, now);
        Ok(LoginAttempt { throttle: self, client, username, id })
    }

    /// Drops everything older than the window; run by [`LoginThrottle::spawn_pruner`].
    pub fn prune(&self) {
        prune_state(&mut self.lock(), &self.policy, Instant::now());
    }

    /// Prunes every minute until the throttle is dropped, so idle entries do not linger.
    pub fn spawn_pruner(&self) {
        let state: Weak<Mutex<State>> = Arc::downgrade(&self.state);
        let policy = self.policy;
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(Duration::from_secs(60));
            loop {
                ticker.tick().await;
                let Some(state) = state.upgrade() else { return };
                prune_state(&mut state.lock().unwrap_or_else(|e| e.into_inner()), &policy, Instant::now());
            }
        });
    }

    /// (client addresses, usernames) currently counted.
    pub fn tracked(&self) -> (usize, usize) {
        let state = self.lock();
        (state.by_ip.len(), state.by_username.len())
    }

    /// A rough estimate of the bytes the throttle's maps hold (tables, keys and marks).
    pub fn approx_bytes(&self) -> usize {
        use std::mem::size_of;
        let state = self.lock();
        let slot = |key: usize, value: usize| key + value + 1; // +1: the table's control byte
        let ip_table = state.by_ip.capacity() * slot(size_of::<ClientKey>(), size_of::<Vec<Mark>>());
        let ip_marks: usize = state.by_ip.values().map(|m| m.capacity() * size_of::<Mark>()).sum();
        let user_table = state.by_username.capacity() * slot(size_of::<String>(), size_of::<Vec<Mark>>());
        let user_heap: usize = state.by_username.iter().map(|(k, m)| k.capacity() + m.capacity() * size_of::<Mark>()).sum();
        let good_table = state.known_good.capacity() * slot(size_of::<String>(), size_of::<Vec<(ClientKey, Instant)>>());
        let good_heap: usize = state.known_good.iter().map(|(k, g)| k.capacity() + g.capacity() * size_of::<(ClientKey, Instant)>()).sum();
        ip_table + ip_marks + user_table + user_heap + good_table + good_heap
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked: every update is a single push or retain.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl LoginAttempt<'_> {
    /// The mail server refused the credentials: the attempt stays counted.
    pub fn failed(self) {}

    /// The mail server was never asked (it could not be reached, or TLS failed before the
    /// credentials were sent): the attempt is taken back.
    pub fn not_made(self) {
        let mut state = self.throttle.lock();
        remove_where(&mut state.by_ip, &self.client, |mark| mark.id == self.id);
        remove_where(&mut state.by_username, &self.username, |mark| mark.id == self.id);
    }

    /// The login succeeded: this address's failures for the username are forgotten, the attempt
    /// is taken back, and the address is remembered as one the user logs in from.
    pub fn succeeded(self) {
        self.succeeded_at(Instant::now());
    }

    fn succeeded_at(self, now: Instant) {
        let policy = &self.throttle.policy;
        let mut state = self.throttle.lock();
        remove_where(&mut state.by_ip, &self.client, |mark| mark.id == self.id);
        remove_where(&mut state.by_username, &self.username, |mark| mark.from == self.client);
        if !state.known_good.contains_key(&self.username) && state.known_good.len() >= policy.max_tracked {
            // Only real logins add here; when full, the user seen longest ago makes room.
            state.known_good.retain(|_, good| good.iter().any(|(_, at)| now.duration_since(*at) < policy.remember_good));
            if state.known_good.len() >= policy.max_tracked {
                let oldest =
                    state.known_good.iter().min_by_key(|(_, good)| good.iter().map(|(_, at)| *at).max()).map(|(name, _)| name.clone());
                if let Some(oldest) = oldest {
                    state.known_good.remove(&oldest);
                }
            }
        }
        let good = state.known_good.entry(self.username.clone()).or_default();
        good.retain(|(key, _)| *key != self.client);
        if good.len() >= GOOD_ADDRESSES_PER_USER {
            good.remove(0);
        }
        good.push((self.client, now));
    }
}

/// How long until the marks passing `counts` fall below `limit`, if they have reached it.
fn wait(marks: Option<&Vec<Mark>>, counts: impl Fn(&Mark) -> bool, limit: usize, window: Duration, now: Instant) -> Option<Duration> {
    let live: Vec<Instant> =
        marks?.iter().filter(|mark| now.duration_since(mark.at) < window && counts(mark)).map(|mark| mark.at).collect();
    // Marks are in time order: the limit-th newest is the one whose expiry frees an attempt.
    (live.len() >= limit).then(|| window.saturating_sub(now.duration_since(live[live.len() - limit])))
}

/// Adds a mark under `key`, making room first when a new key would pass the cap.
fn push<K: Hash + Eq + Clone>(map: &mut HashMap<K, Vec<Mark>>, key: K, mark: Mark, policy: &ThrottlePolicy, now: Instant) {
    if !map.contains_key(&key) && map.len() >= policy.max_tracked {
        make_room(map, policy, now);
    }
    // Most keys only ever see one attempt (a spray): start with room for one, not Vec's four.
    let marks = map.entry(key).or_insert_with(|| Vec::with_capacity(1));
    marks.retain(|m| now.duration_since(m.at) < policy.window);
    marks.push(mark);
}

/// Drops expired entries; if the map is still near its cap, evicts down to 90 % of it the
/// entries with the fewest recent attempts (oldest first among equals), so a spray of one-off
/// usernames pushes out other one-offs before it can push out a username under attack. One
/// linear pass buys room for a tenth of the cap, so the cost per attempt stays constant.
fn make_room<K: Hash + Eq + Clone>(map: &mut HashMap<K, Vec<Mark>>, policy: &ThrottlePolicy, now: Instant) {
    prune_map(map, policy.window, now);
    let target = (policy.max_tracked - policy.max_tracked / 10).saturating_sub(1);
    if map.len() <= target {
        return;
    }
    let mut weights: Vec<(usize, Instant, K)> =
        map.iter().map(|(key, marks)| (marks.len(), marks.last().map_or(now, |m| m.at), key.clone())).collect();
    let excess = weights.len() - target;
    weights.select_nth_unstable_by(excess - 1, |a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    for (_, _, key) in weights.into_iter().take(excess) {
        map.remove(&key);
    }
}

fn prune_map<K>(map: &mut HashMap<K, Vec<Mark>>, window: Duration, now: Instant) {
    map.retain(|_, marks| {
        marks.retain(|m| now.duration_since(m.at) < window);
        !marks.is_empty()
    });
}

fn prune_state(state: &mut State, policy: &ThrottlePolicy, now: Instant) {
    prune_map(&mut state.by_ip, policy.window, now);
    prune_map(&mut state.by_username, policy.window, now);
    state.known_good.retain(|_, good| {
        good.retain(|(_, at)| now.duration_since(*at) < policy.remember_good);
        !good.is_empty()
    });
    // After a spray the tables would keep their peak size otherwise.
    state.by_ip.shrink_to_fit();
    state.by_username.shrink_to_fit();
}

fn remove_where<K: Hash + Eq>(map: &mut HashMap<K, Vec<Mark>>, key: &K, drop: impl Fn(&Mark) -> bool) {
    if let Some(marks) = map.get_mut(key) {
        marks.retain(|mark| !drop(mark));
        if marks.is_empty() {
            map.remove(key);
        }
    }
}

#[cfg(test)]
#[path = "throttle_tests.rs"]
mod tests;
