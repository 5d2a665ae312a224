//! Unit tests of the login throttle, on a clock the tests control.

use super::*;

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn policy(per_username: usize, per_ip: usize) -> ThrottlePolicy {
    ThrottlePolicy { window: Duration::from_secs(60), per_username, per_ip, ..ThrottlePolicy::default() }
}

#[test]
fn locks_after_the_limit_per_username_and_per_ip() {
    let throttle = LoginThrottle::new(policy(3, 5));
    let a = ip("192.0.2.1");
    for _ in 0..2 {
        throttle.begin(a, "Alice").unwrap().failed();
    }
    throttle.begin(a, "alice").unwrap().failed();
    let wait = throttle.begin(a, "ALICE").unwrap_err();
    assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60), "{wait:?}");
    assert!(throttle.begin(ip("192.0.2.2"), "alice").is_err(), "username lock holds from any other address");

    throttle.begin(a, "bob").unwrap().failed();
    throttle.begin(a, "carol").unwrap().failed();
    assert!(throttle.begin(a, "dave").is_err(), "IP lock holds for any username");
    assert!(throttle.begin(ip("192.0.2.3"), "dave").is_ok());
}

#[test]
fn attempts_count_from_their_start_so_parallel_guesses_cannot_pass_together() {
    let throttle = LoginThrottle::new(policy(5, 100));
    let now = Instant::now();
    // Five logins in flight, none answered yet: the sixth is refused at once.
    let in_flight: Vec<_> = (0..5).map(|_| throttle.begin_at(ip("192.0.2.1"), "alice", now).unwrap()).collect();
    assert!(throttle.begin_at(ip("192.0.2.1"), "alice", now).is_err());
    // One was never tried (server unreachable): its slot comes back, and only that one.
    let mut in_flight = in_flight.into_iter();
    in_flight.next().unwrap().not_made();
    let again = throttle.begin_at(ip("192.0.2.1"), "alice", now).unwrap();
    assert!(throttle.begin_at(ip("192.0.2.1"), "alice", now).is_err());
    // Attempts dropped without a verdict stay counted.
    drop(in_flight);
    again.failed();
    assert!(throttle.begin_at(ip("192.0.2.1"), "alice", now + Duration::from_secs(59)).is_err());
    assert!(throttle.begin_at(ip("192.0.2.1"), "alice", now + Duration::from_secs(60)).is_ok(), "the window passes");
}

#[test]
fn ipv6_clients_count_by_their_slash_64() {
    let throttle = LoginThrottle::new(policy(100, 3));
    let now = Instant::now();
    for (n, addr) in ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:a:b:c:d"].into_iter().enumerate() {
        throttle.begin_at(ip(addr), &format!("user{n}"), now).unwrap().failed();
    }
    assert!(throttle.begin_at(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"), "other", now).is_err(), "same /64");
    assert!(throttle.begin_at(ip("2001:db8:1:3::1"), "other", now).is_ok(), "the next /64 is another client");

    assert_eq!(ClientKey::of(ip("::ffff:192.0.2.7")), ClientKey::of(ip("192.0.2.7")), "IPv4-mapped is the IPv4 client");
    assert_ne!(ClientKey::of(ip("192.0.2.7")), ClientKey::of(ip("192.0.2.8")), "IPv4 counts by address");
}

#[test]
fn a_locked_username_still_lets_in_addresses_it_logged_in_from_each_with_its_own_allowance() {
    let throttle = LoginThrottle::new(policy(5, 100));
    let now = Instant::now();
    let (home, attacker, stranger) = (ip("198.51.100.10"), ip("203.0.113.66"), ip("192.0.2.99"));
    throttle.begin_at(home, "alice", now).unwrap().succeeded_at(now);

    for _ in 0..5 {
        throttle.begin_at(attacker, "alice", now).unwrap().failed();
    }
    assert!(throttle.begin_at(attacker, "alice", now).is_err(), "the attacker is locked out");
    assert!(throttle.begin_at(stranger, "alice", now).is_err(), "so is any address alice never logged in from");
    // Home is known-good: only its own failures count, up to the same limit.
    for _ in 0..5 {
        throttle.begin_at(home, "alice", now).unwrap().failed();
    }
    assert!(throttle.begin_at(home, "alice", now).is_err(), "a known address has an allowance, not a free pass");

    // Known-good is per user and per address: home is nothing special for bob.
    for _ in 0..5 {
        throttle.begin_at(attacker, "bob", now).unwrap().failed();
    }
    assert!(throttle.begin_at(home, "bob", now).is_err());

    // Remembered for `remember_good` only.
    let short = LoginThrottle::new(ThrottlePolicy { remember_good: Duration::from_secs(600), ..policy(5, 100) });
    short.begin_at(home, "carol", now).unwrap().succeeded_at(now);
    let later = now + Duration::from_secs(601);
    for _ in 0..5 {
        short.begin_at(attacker, "carol", later).unwrap().failed();
    }
    assert!(short.begin_at(home, "carol", later).is_err(), "the memory of a good login expires");
}

#[test]
fn a_success_forgets_that_addresses_failures_only() {
    let throttle = LoginThrottle::new(policy(5, 100));
    let now = Instant::now();
    let (home, attacker) = (ip("198.51.100.10"), ip("203.0.113.66"));
    for _ in 0..2 {
        throttle.begin_at(attacker, "alice", now).unwrap().failed();
        throttle.begin_at(home, "alice", now).unwrap().failed();
    }
    throttle.begin_at(home, "alice", now).unwrap().succeeded_at(now);
    // The attacker's two remain: three more from an unknown address lock the name again.
    for _ in 0..3 {
        throttle.begin_at(attacker, "alice", now).unwrap().failed();
    }
    assert!(throttle.begin_at(attacker, "alice", now).is_err());
}

fn rss_bytes() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    statm.split_whitespace().nth(1)?.parse::<usize>().ok().map(|pages| pages * 4096)
}

#[test]
fn a_spray_of_100000_usernames_stays_under_the_cap_and_keeps_a_username_under_attack() {
    let cap = ThrottlePolicy::default().max_tracked;
    let throttle = LoginThrottle::default();
    let now = Instant::now();
    let victim_ip = ip("198.51.100.1");
    for _ in 0..5 {
        throttle.begin_at(victim_ip, "victim@example.test", now).unwrap().failed();
    }
    let rss_before = rss_bytes();
    let mut most = (0, 0);
    for n in 0..100_000u32 {
        // Every guess from its own address, as a botnet or an IPv6 range would send them.
        let from = IpAddr::V6(std::net::Ipv6Addr::from((0x2001_0db8_u128 << 96) | (u128::from(n) << 64) | 1));
        let at = now + Duration::from_millis(u64::from(n) / 1000);
        throttle.begin_at(from, &format!("sprayed-{n:06}@example.test"), at).unwrap().failed();
        let (ips, names) = throttle.tracked();
        most = (most.0.max(ips), most.1.max(names));
    }
    let rss_after = rss_bytes();
    assert!(most.0 <= cap && most.1 <= cap, "maps grew to {most:?}, cap {cap}");
    assert!(throttle.begin_at(ip("192.0.2.200"), "victim@example.test", now).is_err(), "the spray did not evict the victim's lock");
    let bytes = throttle.approx_bytes();
    let rss_delta = rss_before.zip(rss_after).map(|(b, a)| a.saturating_sub(b));
    println!(
        "throttle after 100000 sprayed usernames: {} addresses, {} usernames tracked (cap {cap}); map estimate {} bytes ({:.1} MiB); RSS delta {:?} bytes",
        most.0,
        most.1,
        bytes,
        bytes as f64 / 1048576.0,
        rss_delta
    );
    assert!(bytes < 64 * 1024 * 1024, "{bytes}");

    // The timer's prune empties the maps once the window has passed.
    prune_state(&mut throttle.lock(), &throttle.policy, now + Duration::from_secs(1000));
    assert_eq!(throttle.tracked(), (0, 0));
}
