//! Table tests for the `Authentication-Results` parser and the sender check.

use super::*;

fn props(info: &ResInfo) -> Vec<(&str, &str)> {
    info.properties.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[test]
fn parses_rfc_8601_syntax() {
    let value = " mx.example.org (the border MTA) 1;\r\n\tdkim=pass (good signature) header.d=Example.COM header.s=sel header.b=\"Ab/+3=\";\r\n dmarc=pass (p=reject dis=none) header.from=example.com;\r\n spf=neutral reason=\"no policy; sorry\" smtp.mailfrom=bounce@example.com; iprev/2 = fail policy . iprev = 192.0.2.1";
    let parsed = parse_auth_results(value).expect("valid");
    assert_eq!(parsed.authserv_id, "mx.example.org");
    let methods: Vec<(&str, &str)> = parsed.results.iter().map(|r| (r.method.as_str(), r.result.as_str())).collect();
    assert_eq!(methods, [("dkim", "pass"), ("dmarc", "pass"), ("spf", "neutral"), ("iprev", "fail")]);
    assert_eq!(props(&parsed.results[0]), [("header.d", "Example.COM"), ("header.s", "sel"), ("header.b", "Ab/+3=")]);
    assert_eq!(props(&parsed.results[1]), [("header.from", "example.com")]);
    assert_eq!(props(&parsed.results[2]), [("reason", "no policy; sorry"), ("smtp.mailfrom", "bounce@example.com")]);
    assert_eq!(props(&parsed.results[3]), [("policy.iprev", "192.0.2.1")]);
}

#[test]
fn none_nested_comments_and_quoted_authserv_id() {
    let parsed = parse_auth_results("\"mx (x) .example.org\" (a (nested \\) comment)) ; none").expect("valid");
    assert_eq!(parsed, AuthResults { authserv_id: "mx (x) .example.org".into(), results: vec![] });
}

#[test]
fn malformed_values_are_refused() {
    for bad in [
        "",
        "   ",
        "mx.example.org",
        "mx.example.org extra; dkim=pass",
        "mx; dkim",
        "mx; dkim=pass header.d",
        "mx; =pass",
        "mx; dkim=pass header.b=\"open",
    ] {
        assert_eq!(parse_auth_results(bad), None, "{bad:?}");
    }
}

#[test]
fn sender_check_table() {
    use SenderCheck::*;
    let cases: &[(Option<&str>, &str, Option<&str>, SenderCheck)] = &[
        (Some("mx.example.test; dkim=pass header.d=example.com"), "example.com", None, Verified),
        (Some("mx.example.test; dkim=pass header.d=EXAMPLE.com."), "Example.COM", None, Verified),
        (Some("mx.example.test; dmarc=pass header.from=example.com"), "example.com", None, Verified),
        (Some("mx.example.test; spf=pass smtp.mailfrom=example.com; dkim=pass header.d=example.com"), "example.com", None, Verified),
        // Failing, neutral or other methods' passes do not count.
        (Some("mx.example.test; dkim=fail header.d=example.com"), "example.com", None, NotPassed),
        (Some("mx.example.test; dkim=neutral header.d=example.com"), "example.com", None, NotPassed),
        (Some("mx.example.test; dmarc=fail header.from=example.com"), "example.com", None, NotPassed),
        (Some("mx.example.test; spf=pass smtp.mailfrom=user@example.com"), "example.com", None, NotPassed),
        (Some("mx.example.test; none"), "example.com", None, NotPassed),
        // A pass for another domain: exact match only, no parent or subdomain.
        (Some("mx.example.test; dkim=pass header.d=evil.example"), "example.com", None, NotPassed),
        (Some("mx.example.test; dkim=pass header.d=example.com"), "news.example.com", None, NotPassed),
        (Some("mx.example.test; dkim=pass header.d=news.example.com"), "example.com", None, NotPassed),
        (Some("mx.example.test; dmarc=pass header.from=example.com.evil"), "example.com", None, NotPassed),
        // The domain only inside a comment is no domain.
        (Some("mx.example.test; dkim=pass (header.d=example.com) header.d=evil.example"), "example.com", None, NotPassed),
        (None, "example.com", None, NoHeader),
        (Some("mx.example.test; dkim=pass header.d=example.com"), "", None, NoHeader),
        (Some("not a header"), "example.com", None, Unreadable),
        // The configured authserv-id must match (case-insensitive).
        (Some("MX.example.test; dkim=pass header.d=example.com"), "example.com", Some("mx.example.test"), Verified),
        (Some("forger.example; dkim=pass header.d=example.com"), "example.com", Some("mx.example.test"), OtherServer),
    ];
    for (header, domain, authserv, expected) in cases {
        assert_eq!(&verify_sender(*header, domain, *authserv), expected, "{header:?} for {domain:?} ({authserv:?})");
    }
}

#[test]
fn long_hostile_input_is_linear() {
    // An unclosed comment swallows the rest, so no domain is left to match.
    let value = format!("mx; dkim=pass {}header.d=example.com", "(".repeat(200_000));
    let started = std::time::Instant::now();
    assert_eq!(verify_sender(Some(&value), "example.com", None), SenderCheck::NotPassed);
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
}

#[test]
fn only_the_topmost_header_is_read_from_a_message() {
    let raw = b"Received: by mx\r\nAuthentication-Results: mx.example.test;\r\n dkim=fail header.d=example.com\r\nAuthentication-Results: mx.example.test; dkim=pass header.d=example.com\r\nFrom: a@example.com\r\nSubject: x\r\n\r\nbody\r\n";
    let topmost = crate::mail::parse::parse_message(raw).authentication_results;
    assert_eq!(topmost.as_deref().map(str::trim), Some("mx.example.test;\r\n dkim=fail header.d=example.com"));
    assert_eq!(verify_sender(topmost.as_deref(), "example.com", None), SenderCheck::NotPassed);
    assert_eq!(crate::mail::parse::parse_message(b"From: a@example.com\r\n\r\nx\r\n").authentication_results, None);
}
