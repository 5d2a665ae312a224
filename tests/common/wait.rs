//! Waiting in tests: poll a condition until it holds or a deadline passes, never a fixed sleep.

use std::future::Future;
use std::time::Duration;

/// How long to pause between two checks; short, since each check is cheap next to the wait.
const INTERVAL: Duration = Duration::from_millis(50);

/// Polls `check` until it returns true; fails the test with `what` once `timeout` has passed.
pub async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if check().await {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out after {timeout:?} waiting until {what}");
        tokio::time::sleep(INTERVAL).await;
    }
}
