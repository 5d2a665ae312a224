//! Per-user and per-API-token request limits for the JSON API: fixed one-minute windows kept in
//! memory, reported on every authenticated response as `RateLimit-Limit`, `RateLimit-Remaining`
//! and `RateLimit-Reset`, and 429 `rate-limited` with `Retry-After` beyond them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::service::AccountKey;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use super::error::AppError;

const WINDOW: Duration = Duration::from_secs(60);

/// At most this many counters (users and API tokens active in the last minute) are kept.
pub const MAX_WINDOWS: usize = 100_000;

/// Where a request stands against its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateInfo {
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window resets.
    pub reset: u64,
    pub exceeded: bool,
}

#[derive(Debug)]
struct Window {
    started: Instant,
    count: u32,
}

/// Counters for users and tokens.
#[derive(Debug)]
pub struct RateLimiter {
    per_user: u32,
    per_token: u32,
    windows: Mutex<HashMap<String, Window>>,
    max_windows: usize,
}

impl RateLimiter {
    /// Limits per minute for each user and each API token.
    pub fn new(per_user: u32, per_token: u32) -> Self {
        Self { per_user: per_user.max(1), per_token: per_token.max(1), windows: Mutex::new(HashMap::new()), max_windows: MAX_WINDOWS }
    }

    /// Makes room when the map is full: expired windows go, and if live ones still fill more than
    /// half the cap, the oldest of them too (they were closest to resetting anyway). Pruning down
    /// to half keeps the scans rare: a full map does not cost a scan per request.
    fn prune(windows: &mut HashMap<String, Window>, max_windows: usize, now: Instant) {
        windows.retain(|_, w| now.duration_since(w.started) < WINDOW);
        let keep = max_windows / 2;
        if windows.len() > keep {
            let mut starts: Vec<Instant> = windows.values().map(|w| w.started).collect();
            let excess = windows.len() - keep;
            let cutoff = *starts.select_nth_unstable(excess - 1).1;
            windows.retain(|_, w| w.started > cutoff);
        }
    }

    fn hit(windows: &mut HashMap<String, Window>, key: String, limit: u32, now: Instant) -> RateInfo {
        let window = windows.entry(key).or_insert(Window { started: now, count: 0 });
        if now.duration_since(window.started) >= WINDOW {
            *window = Window { started: now, count: 0 };
        }
        let exceeded = window.count >= limit;
        if !exceeded {
            window.count += 1;
        }
        let reset = WINDOW.saturating_sub(now.duration_since(window.started)).as_secs_f64().ceil().max(1.0) as u64;
        RateInfo { limit, remaining: limit - window.count, reset, exceeded }
    }

    /// Counts one request of the account `account` (through the API token `token_id`, if any)
    /// and returns the tighter of the limits that apply.
    pub fn check(&self, account: &AccountKey, token_id: Option<&str>) -> RateInfo {
        let now = Instant::now();
        let mut windows = self.windows.lock().expect("rate limiter lock");
        // Two new keys at most per request (user and token).
        if windows.len() + 2 > self.max_windows {
            Self::prune(&mut windows, self.max_windows, now);
        }
        let user = Self::hit(&mut windows, format!("user:{}", account.as_str()), self.per_user, now);
        let Some(token_id) = token_id else { return user };
        if user.exceeded {
            return user;
        }
        let token = Self::hit(&mut windows, format!("token:{token_id}"), self.per_token, now);
        if token.exceeded || token.remaining < user.remaining { token } else { user }
    }
}

/// Where the `ApiUser` extractor leaves the request's standing for [`rate_limit_headers`].
#[derive(Debug, Clone, Default)]
pub struct RateSlot(Arc<Mutex<Option<RateInfo>>>);

impl RateSlot {
    /// Records the request's standing.
    pub fn set(&self, info: RateInfo) {
        *self.0.lock().expect("rate slot lock") = Some(info);
    }
}

/// The 429 for a request beyond its limit.
pub fn rate_limited(info: &RateInfo, token: bool) -> AppError {
    let whose = if token { "this API token or its user" } else { "this user" };
    AppError {
        retry_after: Some(info.reset.max(1)),
        ..AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            "Too many requests",
            format!("{whose} made more than {} requests this minute; try again in {} s", info.limit, info.reset.max(1)),
        )
    }
}

/// Middleware: gives each API request a [`RateSlot`] and adds the `RateLimit-*` headers to the
/// response when the request was authenticated.
pub async fn rate_limit_headers(mut request: Request, next: Next) -> Response {
    let slot = RateSlot::default();
    request.extensions_mut().insert(slot.clone());
    let mut response = next.run(request).await;
    let info = *slot.0.lock().expect("rate slot lock");
    if let Some(info) = info {
        let headers = response.headers_mut();
        headers.insert(HeaderName::from_static("ratelimit-limit"), HeaderValue::from(info.limit));
        headers.insert(HeaderName::from_static("ratelimit-remaining"), HeaderValue::from(info.remaining));
        headers.insert(HeaderName::from_static("ratelimit-reset"), HeaderValue::from(info.reset));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_and_token_windows() {
        let limiter = RateLimiter::new(5, 2);
        let alice = AccountKey::of_login("alice");
        let first = limiter.check(&alice, Some("t1"));
        assert_eq!((first.limit, first.remaining, first.exceeded), (2, 1, false));
        assert!(!limiter.check(&alice, Some("t1")).exceeded);
        assert!(limiter.check(&alice, Some("t1")).exceeded, "token limit");
        let session = limiter.check(&alice, None);
        assert_eq!((session.limit, session.remaining, session.exceeded), (5, 1, false), "the user counted the token's too");
        assert!(!limiter.check(&alice, None).exceeded);
        assert!(limiter.check(&alice, None).exceeded, "user limit");
        assert!(!limiter.check(&AccountKey::of_login("bob"), None).exceeded, "others unaffected");
        // A login the server told apart (different case) is another account with its own window.
        assert!(!limiter.check(&AccountKey::of_login("Alice"), None).exceeded, "Alice is not alice");
        assert!(rate_limited(&first, true).retry_after.is_some());
    }

    #[test]
    fn the_map_stays_under_its_cap() {
        let limiter = RateLimiter { max_windows: 100, ..RateLimiter::new(2, 2) };
        for n in 0..1_000 {
            limiter.check(&AccountKey::of_login(&format!("user{n}")), Some(&format!("token{n}")));
            assert!(limiter.windows.lock().unwrap().len() <= 100, "after {n} users");
        }
        // The latest users are still counted.
        assert!(!limiter.check(&AccountKey::of_login("user999"), None).exceeded);
        assert!(limiter.check(&AccountKey::of_login("user999"), None).exceeded);
    }
}
