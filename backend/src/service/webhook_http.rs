//! Reaching webhook receivers safely: which URLs and addresses are allowed (the SSRF guard),
//! and one HTTP/1.1 POST to exactly the address that was checked (no second DNS lookup, no
//! redirects, short timeouts, a capped response read).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const TOTAL_TIMEOUT: Duration = Duration::from_secs(10);
/// Most of a receiver's response that is read (only the status line matters).
const MAX_RESPONSE: usize = 64 * 1024;

/// Why an address may not be reached, or `None` for a public unicast address.
pub fn refused_address(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return refused_v4(v4).map(|_| "an IPv4-mapped IPv6 form of a non-public address");
            }
            let segments = v6.segments();
            // IPv4-compatible (::a.b.c.d, deprecated) and NAT64 (64:ff9b::/96) forms.
            if segments[..6] == [0, 0, 0, 0, 0, 0] && !v6.is_loopback() && !v6.is_unspecified() {
                let v4 = Ipv4Addr::from(((segments[6] as u32) << 16) | segments[7] as u32);
                return refused_v4(v4).map(|_| "an IPv4-compatible IPv6 form of a non-public address");
            }
            if let Some(reason) = refused_embedded_v4(&segments) {
                return Some(reason);
            }
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("unspecified")
            } else if v6.is_multicast() {
                Some("multicast")
            } else if segments[0] & 0xfe00 == 0xfc00 {
                Some("unique-local (fc00::/7)")
            } else if segments[0] & 0xffc0 == 0xfe80 {
                Some("link-local")
            } else if segments[0] & 0xffc0 == 0xfec0 {
                Some("site-local")
            } else if segments[0] == 0x2001 && segments[1] == 0x0db8 {
                Some("documentation")
            } else {
                None
            }
        }
    }
}

/// Refuses IPv6 forms that a translator or tunnel turns into an IPv4 address when that IPv4
/// address is not public: NAT64 (64:ff9b::/96, the last 32 bits), 6to4 (2002::/16, bits 16..48)
/// and Teredo (2001::/32, the server at bits 32..64 and the client as the last 32 bits XOR
/// 0xffffffff). Local-use NAT64 (64:ff9b:1::/48) is refused whole: its prefix length and where it
/// leads are the local network's choice, so no embedded address can be read from it reliably.
fn refused_embedded_v4(segments: &[u16; 8]) -> Option<&'static str> {
    let v4 = |high: u16, low: u16| Ipv4Addr::from((u32::from(high) << 16) | u32::from(low));
    match segments {
        [0x64, 0xff9b, 0, 0, 0, 0, high, low] => refused_v4(v4(*high, *low)).map(|_| "a NAT64 form of a non-public address"),
        [0x64, 0xff9b, 1, ..] => Some("local-use NAT64 (64:ff9b:1::/48)"),
        [0x2002, high, low, ..] => refused_v4(v4(*high, *low)).map(|_| "a 6to4 form of a non-public address"),
        [0x2001, 0, server_high, server_low, _, _, high, low] => refused_v4(v4(*server_high, *server_low))
            .or_else(|| refused_v4(v4(!*high, !*low)))
            .map(|_| "a Teredo form of a non-public address"),
        _ => None,
    }
}

fn refused_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, _, _] = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() || a == 0 {
        Some("unspecified (0.0.0.0/8)")
    } else if ip.is_private() {
        Some("private (RFC 1918)")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if a == 100 && (b & 0xc0) == 64 {
        Some("shared address space (CGNAT, 100.64.0.0/10)")
    } else if ip.is_broadcast() {
        Some("broadcast")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if a >= 240 {
        Some("reserved")
    } else if ip.is_documentation() || (a == 192 && b == 0 && ip.octets()[2] == 0) || (a == 198 && (b & 0xfe) == 18) {
        Some("reserved for documentation, benchmarks or protocols")
    } else {
        None
    }
}

/// A webhook URL that passed the static checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub https: bool,
    /// The host as written (no brackets for IPv6), lower case.
    pub host: String,
    pub port: u16,
    /// Path and query to request.
    pub path: String,
    /// The operator allowed this host (`LETTERBOX_WEBHOOK_ALLOWED_HOSTS`).
    pub allowed: bool,
}

/// Checks a URL's form: `https://` (or `http://` to an allowed host), a host, no credentials,
/// no fragment; an IP literal must be public unless allowed.
pub fn parse_target(raw: &str, allowed_hosts: &[String]) -> Result<Target, String> {
    if raw.len() > 2048 {
        return Err("use a URL of at most 2048 characters".into());
    }
    let url = url::Url::parse(raw.trim()).map_err(|e| format!("not an absolute URL ({e})"))?;
    let host = match url.host() {
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Domain(domain)) => domain.to_ascii_lowercase(),
        None => return Err("the URL has no host".into()),
    };
    let allowed = allowed_hosts.contains(&host);
    let https = match url.scheme() {
        "https" => true,
        "http" if allowed => false,
        "http" => return Err(format!("use https:// (plain http:// only to hosts the operator allowed; {host} is not one)")),
        other => return Err(format!("use https://, not {other}://")),
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err("a URL with a username or password is not allowed".into());
    }
    if url.fragment().is_some() {
        return Err("a URL with a #fragment is not allowed".into());
    }
    if let Ok(ip) = host.parse::<IpAddr>()
        && !allowed
        && let Some(reason) = refused_address(ip)
    {
        return Err(format!("{host} is not a public address ({reason})"));
    }
    if (host == "localhost" || host.ends_with(".localhost")) && !allowed {
        return Err(format!("{host} is not a public address (loopback)"));
    }
    let mut path = url.path().to_string();
    if let Some(query) = url.query() {
        path.push('?');
        path.push_str(query);
    }
    Ok(Target { https, host, port: url.port_or_known_default().unwrap_or(443), path, allowed })
}

/// Resolves the target's host once and picks the address to connect to; every address the name
/// resolves to must be public (unless the host is allowed).
pub async fn resolve(target: &Target, allowed_hosts: &[String]) -> Result<SocketAddr, String> {
    let addresses: Vec<SocketAddr> = match target.host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, target.port)],
        Err(_) => tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::lookup_host((target.host.as_str(), target.port)))
            .await
            .map_err(|_| format!("resolving {} timed out", target.host))?
            .map_err(|e| format!("cannot resolve {}: {e}", target.host))?
            .collect(),
    };
    let first = *addresses.first().ok_or_else(|| format!("{} has no address", target.host))?;
    for address in &addresses {
        let ip_allowed = allowed_hosts.iter().any(|h| h.parse::<IpAddr>().is_ok_and(|a| a == address.ip()));
        if !target.allowed
            && !ip_allowed
            && let Some(reason) = refused_address(address.ip())
        {
            return Err(format!("{} resolves to {}, which is not a public address ({reason})", target.host, address.ip()));
        }
    }
    Ok(first)
}

/// What a receiver answered.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
}

/// POSTs `body` to `target` at `address` (already checked) with `headers`.
pub async fn post(
    tls: &Arc<rustls::ClientConfig>,
    target: &Target,
    address: SocketAddr,
    headers: &[(&str, String)],
    body: &[u8],
) -> Result<Answer, String> {
    tokio::time::timeout(TOTAL_TIMEOUT, async {
        let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(address))
            .await
            .map_err(|_| format!("connecting to {address} timed out"))?
            .map_err(|e| format!("cannot connect to {address}: {e}"))?;
        let _ = stream.set_nodelay(true);
        if target.https {
            let name = rustls_pki_types::ServerName::try_from(target.host.clone()).map_err(|e| format!("bad TLS name: {e}"))?;
            let connector = tokio_rustls::TlsConnector::from(tls.clone());
            let stream = connector.connect(name, stream).await.map_err(|e| format!("TLS with {}: {e}", target.host))?;
            exchange(stream, target, headers, body).await
        } else {
            exchange(stream, target, headers, body).await
        }
    })
    .await
    .map_err(|_| format!("no answer within {} s", TOTAL_TIMEOUT.as_secs()))?
}

async fn exchange<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(
    stream: S,
    target: &Target,
    headers: &[(&str, String)],
    body: &[u8],
) -> Result<Answer, String> {
    use http_body_util::{BodyExt, Full, Limited};
    let host = if target.host.contains(':') { format!("[{}]", target.host) } else { target.host.clone() };
    let default_port = if target.https { 443 } else { 80 };
    let host = if target.port == default_port { host } else { format!("{host}:{}", target.port) };
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.map_err(|e| format!("HTTP: {e}"))?;
    let driver = tokio::spawn(async move {
        let _ = connection.await;
    });
    let mut request = hyper::Request::post(if target.path.is_empty() { "/" } else { target.path.as_str() })
        .header(hyper::header::HOST, host)
        .header(hyper::header::USER_AGENT, "Letterbox-Webhooks/1")
        .header(hyper::header::CONTENT_TYPE, "application/json");
    for (name, value) in headers {
        request = request.header(*name, value.as_str());
    }
    let request =
        request.body(Full::new(hyper::body::Bytes::copy_from_slice(body))).map_err(|e| format!("cannot build the request: {e}"))?;
    let result = async {
        let response = sender.send_request(request).await.map_err(|e| format!("sending: {e}"))?;
        let status = response.status().as_u16();
        // Read (at most MAX_RESPONSE bytes of) the answer so the receiver is not cut off mid-write.
        let _ = Limited::new(response.into_body(), MAX_RESPONSE).collect().await;
        Ok(Answer { status })
    }
    .await;
    driver.abort();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_classification() {
        let cases: &[(&str, bool)] = &[
            ("93.184.216.34", true),
            ("8.8.8.8", true),
            ("2606:4700::1111", true),
            ("127.0.0.1", false),
            ("127.255.0.9", false),
            ("10.0.0.1", false),
            ("172.16.5.4", false),
            ("192.168.1.1", false),
            ("100.64.0.1", false),
            ("100.127.255.254", false),
            ("100.128.0.1", true),
            ("169.254.169.254", false),
            ("0.0.0.0", false),
            ("255.255.255.255", false),
            ("224.0.0.1", false),
            ("::1", false),
            ("::", false),
            ("fd00::1", false),
            ("fc00::1", false),
            ("fe80::1", false),
            ("ff02::1", false),
            ("::ffff:127.0.0.1", false),
            ("::ffff:10.0.0.1", false),
            ("::ffff:169.254.169.254", false),
            ("::ffff:8.8.8.8", true),
            ("::127.0.0.1", false),
            ("::10.0.0.1", false),
            // NAT64 (64:ff9b::/96): the last 32 bits.
            ("64:ff9b::7f00:1", false),
            ("64:ff9b::10.1.2.3", false),
            ("64:ff9b::a9fe:a9fe", false),
            ("64:ff9b::192.168.0.1", false),
            ("64:ff9b::8.8.8.8", true),
            // Local-use NAT64 (64:ff9b:1::/48): refused whole, even around a public address.
            ("64:ff9b:1::a00:1", false),
            ("64:ff9b:1::808:808", false),
            ("64:ff9b:1:ffff::1", false),
            // 6to4 (2002::/16): bits 16..48.
            ("2002:7f00:1::", false),
            ("2002:a00:1::1", false),
            ("2002:c0a8:101:1::5", false),
            ("2002:a9fe:a9fe::", false),
            ("2002:808:808::1", true),
            // Teredo (2001::/32): the client is the last 32 bits inverted; the server at bits 32..64.
            ("2001:0:808:808::80ff:fffe", false),    // client 127.0.0.1
            ("2001:0:808:808:0:0:f5ff:fffe", false), // client 10.0.0.1
            ("2001:0:808:808::3f57:fefe", false),    // client 192.168.1.1
            ("2001:0:a00:1::f7f7:f7f7", false),      // server 10.0.0.1, client 8.8.8.8
            ("2001:0:808:808::f7f7:f7f7", true),     // server and client 8.8.8.8
        ];
        for (ip, public) in cases {
            let got = refused_address(ip.parse().unwrap());
            assert_eq!(got.is_none(), *public, "{ip}: {got:?}");
        }
    }

    #[test]
    fn url_checks() {
        let allowed = vec!["127.0.0.1".to_string(), "hooks.internal".to_string()];
        let ok = |raw: &str| parse_target(raw, &allowed);
        assert!(ok("https://example.com/hook?x=1").is_ok_and(|t| t.https && t.port == 443 && t.path == "/hook?x=1"));
        assert!(ok("http://127.0.0.1:8000/h").is_ok_and(|t| !t.https && t.allowed && t.port == 8000));
        assert!(ok("http://hooks.internal/").is_ok());
        for bad in [
            "http://example.com/",
            "http://127.0.0.2:9/",
            "https://127.0.0.2/",
            "https://10.0.0.1/",
            "https://[::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://[::ffff:10.0.0.1]/",
            "https://100.64.0.1/",
            "https://169.254.169.254/latest/meta-data",
            "https://0.0.0.0/",
            "https://[fd00::1]/",
            "https://localhost/",
            "https://user:pw@example.com/",
            "ftp://example.com/",
            "not a url",
            "https://example.com/#frag",
        ] {
            assert!(ok(bad).is_err(), "{bad} should be refused");
        }
    }

    #[tokio::test]
    async fn resolve_refuses_names_of_private_addresses() {
        let target = parse_target("https://localhost.example.invalid/", &[]).unwrap();
        assert!(resolve(&target, &[]).await.is_err());
        let target = parse_target("https://127.0.0.1/", &["127.0.0.1".into()]).unwrap();
        assert_eq!(resolve(&target, &["127.0.0.1".into()]).await.unwrap().to_string(), "127.0.0.1:443");
    }
}
