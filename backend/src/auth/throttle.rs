//! Login throttling: too many failures from one client IP or for one username in a short window
//! make further attempts wait, before the IMAP server is even asked.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Limits on failed logins.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Window in which failures are counted.
    pub window: Duration,
    /// Failures for one username within the window before it is locked for the rest of it.
    pub per_username: usize,
    /// Failures from one client IP within the window (it may be trying many usernames).
    pub per_ip: usize,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self { window: Duration::from_secs(300), per_username: 5, per_ip: 20 }
    }
}

/// Counts recent failed logins in memory.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    policy: ThrottlePolicy,
    by_ip: Mutex<HashMap<IpAddr, Vec<Instant>>>,
    by_username: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginThrottle {
    /// A throttle with the given policy.
    pub fn new(policy: ThrottlePolicy) -> Self {
        Self { policy, ..Self::default() }
    }

    /// `Err(retry_after)` when this IP or username has failed too often lately.
    pub fn check(&self, ip: IpAddr, username: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let ip_wait = Self::wait(&self.by_ip, &ip, self.policy.per_ip, self.policy.window, now);
        let user_wait = Self::wait(&self.by_username, &username.to_lowercase(), self.policy.per_username, self.policy.window, now);
        match ip_wait.max(user_wait) {
            Some(wait) => Err(wait.max(Duration::from_secs(1))),
            None => Ok(()),
        }
    }

    /// Records a failed login.
    pub fn record_failure(&self, ip: IpAddr, username: &str) {
        let now = Instant::now();
        self.by_ip.lock().expect("throttle lock").entry(ip).or_default().push(now);
        self.by_username.lock().expect("throttle lock").entry(username.to_lowercase()).or_default().push(now);
    }

    /// Forgets a username's failures after it logged in successfully.
    pub fn record_success(&self, username: &str) {
        self.by_username.lock().expect("throttle lock").remove(&username.to_lowercase());
    }

    fn wait<K: std::hash::Hash + Eq + Clone>(
        map: &Mutex<HashMap<K, Vec<Instant>>>,
        key: &K,
        limit: usize,
        window: Duration,
        now: Instant,
    ) -> Option<Duration> {
        let mut map = map.lock().expect("throttle lock");
        let failures = map.get_mut(key)?;
        failures.retain(|t| now.duration_since(*t) < window);
        if failures.is_empty() {
            map.remove(key);
            return None;
        }
        (failures.len() >= limit).then(|| window - now.duration_since(failures[failures.len() - limit]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_the_limit_per_username_and_per_ip() {
        let throttle = LoginThrottle::new(ThrottlePolicy { window: Duration::from_secs(60), per_username: 3, per_ip: 5 });
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..2 {
            throttle.record_failure(ip, "Alice");
        }
        assert!(throttle.check(ip, "alice").is_ok());
        throttle.record_failure(ip, "alice");
        let wait = throttle.check(ip, "ALICE").unwrap_err();
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60), "{wait:?}");
        assert!(throttle.check("192.0.2.2".parse().unwrap(), "alice").is_err(), "username lock holds from any IP");

        throttle.record_failure(ip, "bob");
        throttle.record_failure(ip, "carol");
        assert!(throttle.check(ip, "dave").is_err(), "IP lock holds for any username");
        assert!(throttle.check("192.0.2.3".parse().unwrap(), "dave").is_ok());
    }
}
