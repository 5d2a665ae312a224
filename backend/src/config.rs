//! Configuration: an optional TOML file, then `LETTERBOX_*` environment variables, which win.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use ipnet::IpNet;
use serde::Deserialize;

/// A configuration problem, always naming the setting at fault so start-up can stop with one line.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A setting has a value that cannot be used.
    #[error("{name}: {reason}")]
    Invalid { name: &'static str, reason: String },
    /// A required setting is missing.
    #[error("{name} is required: {hint}")]
    Missing { name: &'static str, hint: &'static str },
    /// The `--config` file could not be read or parsed.
    #[error("config file {path}: {reason}")]
    File { path: String, reason: String },
}

fn invalid(name: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { name, reason: reason.into() }
}

/// How a connection to a mail server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte (`imaps://`, `smtps://`).
    ImplicitTls,
    /// Plain connect, then STARTTLS, which is required (`imap://`, `smtp://`).
    StartTls,
    /// No TLS at all; only accepted for loopback hosts (`imap+plain://`, `smtp+plain://`).
    Plain,
}

/// Where a mail server is and how to reach it safely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAddress {
    pub host: String,
    pub port: u16,
    pub security: Security,
}

impl ServerAddress {
    /// Parses `imaps://`, `imap://` and `imap+plain://` URLs (or the `smtp` equivalents when
    /// `scheme_base` is `"smtp"`), refusing plain text to anything but a loopback host.
    pub fn parse(name: &'static str, scheme_base: &str, raw: &str) -> Result<Self, ConfigError> {
        let url = url::Url::parse(raw.trim()).map_err(|e| invalid(name, format!("not a URL ({e}): {raw:?}")))?;
        let secure = format!("{scheme_base}s");
        let plain = format!("{scheme_base}+plain");
        let (security, default_port) = match url.scheme() {
            s if s == secure => (Security::ImplicitTls, if scheme_base == "imap" { 993 } else { 465 }),
            s if s == scheme_base => (Security::StartTls, if scheme_base == "imap" { 143 } else { 587 }),
            s if s == plain => (Security::Plain, if scheme_base == "imap" { 143 } else { 25 }),
            other => {
                return Err(invalid(
                    name,
                    format!("unknown scheme {other:?}; use {secure}://, {scheme_base}:// (STARTTLS) or {plain}:// (loopback only)"),
                ));
            }
        };
        let host = match url.host() {
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            Some(host) => host.to_string(),
            None => return Err(invalid(name, format!("no host in {raw:?}"))),
        };
        if url.path().len() > 1 || url.query().is_some() || !url.username().is_empty() {
            return Err(invalid(name, format!("only scheme://host:port is allowed, got {raw:?}")));
        }
        let address = Self { host, port: url.port().unwrap_or(default_port), security };
        if security == Security::Plain && !address.is_loopback() {
            return Err(invalid(
                name,
                format!(
                    "{plain}:// sends passwords unencrypted and is refused for non-loopback host {:?}; use {secure}:// or {scheme_base}://",
                    address.host
                ),
            ));
        }
        Ok(address)
    }

    /// True for `localhost` and loopback IP addresses.
    pub fn is_loopback(&self) -> bool {
        self.host.eq_ignore_ascii_case("localhost") || self.host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

/// The whole runtime configuration of one Letterbox instance.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub imap: ServerAddress,
    pub smtp: Option<ServerAddress>,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub ca_file: Option<PathBuf>,
    pub public_url: Option<url::Url>,
    pub trusted_proxies: Vec<IpNet>,
    pub session_ttl: Duration,
    pub pool_max_per_user: usize,
    pub pool_idle_timeout: Duration,
    pub imap_timeout: Duration,
    /// How long a request waits for one of its user's busy IMAP connections before 503.
    pub pool_wait: Duration,
    /// Memory for cached sorted UID lists (all users together).
    pub sort_cache_bytes: usize,
    /// How the SMTP username is made from the login name: `%u` whole login, `%l` its local part,
    /// `%d` its domain; `None` = the login name as it is.
    pub smtp_username: Option<String>,
    /// The SMTP server files sent mail itself (Gmail): Letterbox then skips its APPEND to Sent.
    pub smtp_saves_sent: bool,
    /// Largest total size of one message's attachments, in bytes.
    pub max_attachment_bytes: usize,
    /// API requests one user may make per minute (all their sessions and tokens together).
    pub rate_limit_per_minute: u32,
    /// API requests one API token may make per minute.
    pub token_rate_limit_per_minute: u32,
    /// Also seal users' passwords with the server's own key at login, so the server can open
    /// their mailbox without them (webhooks need this).
    pub offline_access: bool,
    /// Hosts or IPs that webhooks may reach although they are not public (also over `http://`).
    pub webhook_allowed_hosts: Vec<String>,
    /// First retry delay of a failed webhook delivery (doubling each time, at most an hour).
    /// Not a variable: tests shorten it.
    pub webhook_retry_base: Duration,
    /// The receiving mail server's authserv-id: only an `Authentication-Results` header it added
    /// lets "always load remote content from this sender" apply. `None` = any topmost header.
    pub authserv_id: Option<String>,
    /// Domains (lower case) besides the login's own whose addresses become identities without a
    /// confirmation mail.
    pub identity_domains: Vec<String>,
}

/// The TOML file: every key optional, same meaning as the environment variable of the same name.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    imap: Option<String>,
    smtp: Option<String>,
    data_dir: Option<String>,
    database_url: Option<String>,
    ca_file: Option<String>,
    public_url: Option<String>,
    trusted_proxies: Option<String>,
    session_ttl_hours: Option<u64>,
    pool_max_per_user: Option<usize>,
    pool_idle_timeout_secs: Option<u64>,
    imap_timeout_secs: Option<u64>,
    pool_wait_secs: Option<u64>,
    sort_cache_mb: Option<u64>,
    smtp_username: Option<String>,
    smtp_saves_sent: Option<bool>,
    max_attachments_mb: Option<u64>,
    rate_limit_per_minute: Option<u64>,
    token_rate_limit_per_minute: Option<u64>,
    offline_access: Option<bool>,
    webhook_allowed_hosts: Option<String>,
    authserv_id: Option<String>,
    identity_domains: Option<String>,
}

/// Help text for `letterbox --help`: every variable, its meaning and default.
pub const ENV_HELP: &str = "\
Environment variables (they override the --config file; keys there are the same names in
lower case without the LETTERBOX_ prefix):
  LETTERBOX_LISTEN             address to listen on                     [default: 127.0.0.1:8080]
  LETTERBOX_IMAP               imaps://host:993 (implicit TLS), imap://host:143 (STARTTLS,
                               required) or imap+plain://host:port (loopback only)   [required]
  LETTERBOX_SMTP               smtps://host:465, smtp://host:587 (STARTTLS) or
                               smtp+plain://host:port (loopback only)   [required for sending]
  LETTERBOX_SMTP_USERNAME      SMTP login made from the IMAP login: %u whole, %l local part,
                               %d domain (e.g. %l for servers that want no domain) [default: %u]
  LETTERBOX_SMTP_SAVES_SENT    true when the SMTP server files sent mail itself (Gmail), so
                               Letterbox does not also append it to Sent [default: false]
  LETTERBOX_MAX_ATTACHMENTS_MB largest total of one message's attachments [default: 25]
  LETTERBOX_OFFLINE_ACCESS     also seal passwords with the server's key so webhooks can be
                               delivered while the user is away (see README) [default: false]
  LETTERBOX_WEBHOOK_ALLOWED_HOSTS comma-separated hosts/IPs webhooks may reach although they are
                               not public (http:// allowed only to these)  [default: none]
  LETTERBOX_DATA_DIR           SQLite file and generated secret key     [default: ./data]
  LETTERBOX_DATABASE_URL       sqlite://...                  [default: sqlite://$DATA_DIR/letterbox.db]
  LETTERBOX_CA_FILE            extra PEM certificates to trust (self-signed mail servers)
  LETTERBOX_PUBLIC_URL         URL users reach Letterbox at (https => Secure cookies)
  LETTERBOX_TRUSTED_PROXIES    comma-separated IPs/CIDRs whose X-Forwarded-For/-Proto are believed
  LETTERBOX_SESSION_TTL_HOURS  lifetime of a login (token and cookie)   [default: 24]
  LETTERBOX_POOL_MAX_PER_USER  IMAP connections kept per user           [default: 3]
  LETTERBOX_POOL_IDLE_SECS     close pooled IMAP connections idle this long [default: 300]
  LETTERBOX_IMAP_TIMEOUT_SECS  connect/login/command timeout            [default: 30]
  LETTERBOX_POOL_WAIT_SECS     wait this long for a free IMAP connection, then 503 [default: 10]
  LETTERBOX_SORT_CACHE_MB      memory for cached sorted message lists   [default: 64]
  LETTERBOX_RATE_LIMIT_PER_MINUTE  API requests per user and minute, then 429 [default: 600]
  LETTERBOX_TOKEN_RATE_LIMIT_PER_MINUTE  API requests per API token and minute [default: 300]
  LETTERBOX_AUTHSERV_ID        your mail server's authserv-id in Authentication-Results; when set,
                               only its results count for trusted senders  [default: any]
  LETTERBOX_IDENTITY_DOMAINS   comma-separated domains whose addresses become identities without
                               a confirmation mail (the login's own domain always does)
  RUST_LOG                     log filter                               [default: info]";

impl Config {
    /// Builds the configuration from an optional TOML file and a variable lookup (the process
    /// environment in production, a map in tests).
    pub fn load(file: Option<&std::path::Path>, env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let file_config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| ConfigError::File { path: path.display().to_string(), reason: e.to_string() })?;
                toml::from_str::<FileConfig>(&text)
                    .map_err(|e| ConfigError::File { path: path.display().to_string(), reason: e.to_string() })?
            }
            None => FileConfig::default(),
        };
        let get = |var: &str, from_file: Option<String>| env(var).filter(|v| !v.trim().is_empty()).or(from_file);

        let listen_raw = get("LETTERBOX_LISTEN", file_config.listen).unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen = listen_raw
            .trim()
            .parse()
            .map_err(|_| invalid("LETTERBOX_LISTEN", format!("not an address like 127.0.0.1:8080: {listen_raw:?}")))?;

        let imap_raw = get("LETTERBOX_IMAP", file_config.imap).ok_or(ConfigError::Missing {
            name: "LETTERBOX_IMAP",
            hint: "the IMAP server to log users in to, e.g. imaps://mail.example.com:993",
        })?;
        let imap = ServerAddress::parse("LETTERBOX_IMAP", "imap", &imap_raw)?;
        let smtp = get("LETTERBOX_SMTP", file_config.smtp).map(|raw| ServerAddress::parse("LETTERBOX_SMTP", "smtp", &raw)).transpose()?;

        let data_dir = PathBuf::from(get("LETTERBOX_DATA_DIR", file_config.data_dir).unwrap_or_else(|| "./data".into()));
        let database_url = get("LETTERBOX_DATABASE_URL", file_config.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("letterbox.db").display()));
        if !database_url.starts_with("sqlite:") {
            return Err(invalid(
                "LETTERBOX_DATABASE_URL",
                format!("only sqlite:// is supported so far, got {:?}", database_url.split(':').next().unwrap_or("")),
            ));
        }

        let ca_file = get("LETTERBOX_CA_FILE", file_config.ca_file).map(PathBuf::from);
        if let Some(path) = &ca_file
            && !path.is_file()
        {
            return Err(invalid("LETTERBOX_CA_FILE", format!("no such file: {}", path.display())));
        }

        let public_url = get("LETTERBOX_PUBLIC_URL", file_config.public_url)
            .map(|raw| {
                let url = url::Url::parse(raw.trim()).map_err(|e| invalid("LETTERBOX_PUBLIC_URL", format!("{e}: {raw:?}")))?;
                match url.scheme() {
                    "http" | "https" => Ok(url),
                    other => Err(invalid("LETTERBOX_PUBLIC_URL", format!("scheme must be http or https, got {other:?}"))),
                }
            })
            .transpose()?;

        let trusted_proxies =
            get("LETTERBOX_TRUSTED_PROXIES", file_config.trusted_proxies).map(|raw| parse_proxies(&raw)).transpose()?.unwrap_or_default();

        let number = |var: &'static str, from_file: Option<u64>, default: u64, min: u64| -> Result<u64, ConfigError> {
            let value = match env(var).filter(|v| !v.trim().is_empty()) {
                Some(raw) => raw.trim().parse::<u64>().map_err(|_| invalid(var, format!("not a whole number: {raw:?}")))?,
                None => from_file.unwrap_or(default),
            };
            if value < min {
                return Err(invalid(var, format!("must be at least {min}, got {value}")));
            }
            Ok(value)
        };
        let session_ttl = Duration::from_secs(3600 * number("LETTERBOX_SESSION_TTL_HOURS", file_config.session_ttl_hours, 24, 1)?);
        let pool_max_per_user = number("LETTERBOX_POOL_MAX_PER_USER", file_config.pool_max_per_user.map(|v| v as u64), 3, 1)? as usize;
        let pool_idle_timeout = Duration::from_secs(number("LETTERBOX_POOL_IDLE_SECS", file_config.pool_idle_timeout_secs, 300, 1)?);
        let imap_timeout = Duration::from_secs(number("LETTERBOX_IMAP_TIMEOUT_SECS", file_config.imap_timeout_secs, 30, 1)?);
        let pool_wait = Duration::from_secs(number("LETTERBOX_POOL_WAIT_SECS", file_config.pool_wait_secs, 10, 1)?);
        let sort_cache_bytes = number("LETTERBOX_SORT_CACHE_MB", file_config.sort_cache_mb, 64, 0)? as usize * 1024 * 1024;
        let max_attachment_bytes = number("LETTERBOX_MAX_ATTACHMENTS_MB", file_config.max_attachments_mb, 25, 1)? as usize * 1024 * 1024;
        let rate_limit_per_minute =
            number("LETTERBOX_RATE_LIMIT_PER_MINUTE", file_config.rate_limit_per_minute, 600, 1)?.min(u32::MAX as u64) as u32;
        let token_rate_limit_per_minute =
            number("LETTERBOX_TOKEN_RATE_LIMIT_PER_MINUTE", file_config.token_rate_limit_per_minute, 300, 1)?.min(u32::MAX as u64) as u32;
        let smtp_username = get("LETTERBOX_SMTP_USERNAME", file_config.smtp_username).map(|raw| raw.trim().to_string());
        if let Some(pattern) = &smtp_username
            && !pattern.contains(['%'])
        {
            return Err(invalid("LETTERBOX_SMTP_USERNAME", format!("use %u, %l or %d in the pattern, got {pattern:?}")));
        }
        let smtp_saves_sent = match env("LETTERBOX_SMTP_SAVES_SENT").filter(|v| !v.trim().is_empty()) {
            Some(raw) => parse_bool("LETTERBOX_SMTP_SAVES_SENT", &raw)?,
            None => file_config.smtp_saves_sent.unwrap_or(false),
        };
        let offline_access = match env("LETTERBOX_OFFLINE_ACCESS").filter(|v| !v.trim().is_empty()) {
            Some(raw) => parse_bool("LETTERBOX_OFFLINE_ACCESS", &raw)?,
            None => file_config.offline_access.unwrap_or(false),
        };
        let webhook_allowed_hosts = get("LETTERBOX_WEBHOOK_ALLOWED_HOSTS", file_config.webhook_allowed_hosts)
            .map(|raw| parse_hosts(&raw))
            .transpose()?
            .unwrap_or_default();
        let authserv_id = get("LETTERBOX_AUTHSERV_ID", file_config.authserv_id).map(|raw| raw.trim().to_string());
        let identity_domains = get("LETTERBOX_IDENTITY_DOMAINS", file_config.identity_domains)
            .map(|raw| parse_domains("LETTERBOX_IDENTITY_DOMAINS", &raw))
            .transpose()?
            .unwrap_or_default();

        Ok(Self {
            listen,
            imap,
            smtp,
            data_dir,
            database_url,
            ca_file,
            public_url,
            trusted_proxies,
            session_ttl,
            pool_max_per_user,
            pool_idle_timeout,
            imap_timeout,
            pool_wait,
            sort_cache_bytes,
            smtp_username,
            smtp_saves_sent,
            max_attachment_bytes,
            rate_limit_per_minute,
            token_rate_limit_per_minute,
            offline_access,
            webhook_allowed_hosts,
            webhook_retry_base: Duration::from_secs(30),
            authserv_id,
            identity_domains,
        })
    }

    /// The SMTP login name for an IMAP login, following `LETTERBOX_SMTP_USERNAME`.
    pub fn smtp_login(&self, imap_login: &str) -> String {
        let Some(pattern) = &self.smtp_username else { return imap_login.to_string() };
        let (local, domain) = imap_login.rsplit_once('@').unwrap_or((imap_login, ""));
        pattern.replace("%u", imap_login).replace("%l", local).replace("%d", domain)
    }

    /// Cookies get `Secure` when users reach Letterbox over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.as_ref().is_some_and(|url| url.scheme() == "https")
    }
}

fn parse_bool(name: &'static str, raw: &str) -> Result<bool, ConfigError> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(invalid(name, format!("not true or false: {raw:?}"))),
    }
}

fn parse_hosts(raw: &str) -> Result<Vec<String>, ConfigError> {
    raw.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let host = part.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
            if host.parse::<IpAddr>().is_ok() || url::Host::parse(&host).is_ok_and(|h| matches!(h, url::Host::Domain(_))) {
                Ok(host)
            } else {
                Err(invalid("LETTERBOX_WEBHOOK_ALLOWED_HOSTS", format!("not a host name or IP address: {part:?}")))
            }
        })
        .collect()
}

fn parse_domains(name: &'static str, raw: &str) -> Result<Vec<String>, ConfigError> {
    raw.split(',')
        .map(|part| part.trim().trim_end_matches('.').to_ascii_lowercase())
        .filter(|part| !part.is_empty())
        .map(|domain| match url::Host::parse(&domain) {
            Ok(url::Host::Domain(_)) if domain.contains('.') => Ok(domain),
            _ => Err(invalid(name, format!("not a domain name: {domain:?}"))),
        })
        .collect()
}

fn parse_proxies(raw: &str) -> Result<Vec<IpNet>, ConfigError> {
    raw.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<IpNet>()
                .or_else(|_| part.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| invalid("LETTERBOX_TRUSTED_PROXIES", format!("not an IP address or CIDR: {part:?}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::load(None, |k| map.get(k).cloned())
    }

    #[test]
    fn identity_domains_and_authserv_id() {
        let imap = ("LETTERBOX_IMAP", "imaps://127.0.0.1:993");
        let config = load(&[
            imap,
            ("LETTERBOX_IDENTITY_DOMAINS", " Example.ORG., team.example.net ,"),
            ("LETTERBOX_AUTHSERV_ID", " mx.example.org "),
        ])
        .expect("valid");
        assert_eq!(config.identity_domains, ["example.org", "team.example.net"]);
        assert_eq!(config.authserv_id.as_deref(), Some("mx.example.org"));
        let defaults = load(&[imap]).expect("valid");
        assert!(defaults.identity_domains.is_empty() && defaults.authserv_id.is_none());
        for bad in ["exa mple.org", "localhost", "a@b.example", "http://x.example/"] {
            assert!(load(&[imap, ("LETTERBOX_IDENTITY_DOMAINS", bad)]).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn server_addresses() {
        type Expected<'a> = Option<(&'a str, u16, Security)>;
        let cases: &[(&str, Expected)] = &[
            ("imaps://mail.example.com", Some(("mail.example.com", 993, Security::ImplicitTls))),
            ("imap://mail.example.com:1143", Some(("mail.example.com", 1143, Security::StartTls))),
            ("imap+plain://127.0.0.1:1143", Some(("127.0.0.1", 1143, Security::Plain))),
            ("imap+plain://localhost", Some(("localhost", 143, Security::Plain))),
            ("imap+plain://[::1]:143", Some(("::1", 143, Security::Plain))),
            ("imap+plain://mail.example.com:143", None),
            ("pop3://mail.example.com", None),
            ("imaps://mail.example.com/INBOX", None),
            ("not a url", None),
        ];
        for (raw, expected) in cases {
            let got = ServerAddress::parse("LETTERBOX_IMAP", "imap", raw).ok().map(|a| (a.host, a.port, a.security));
            let expected = expected.map(|(h, p, s)| (h.to_string(), p, s));
            assert_eq!(got, expected, "{raw}");
        }
    }

    #[test]
    fn plain_to_remote_host_names_the_variable() {
        let err = load(&[("LETTERBOX_IMAP", "imap+plain://mail.example.com:143")]).unwrap_err().to_string();
        assert!(err.starts_with("LETTERBOX_IMAP:"), "{err}");
        assert!(err.contains("refused"), "{err}");
    }

    #[test]
    fn defaults_and_overrides() {
        let config = load(&[("LETTERBOX_IMAP", "imaps://mail.example.com")]).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.database_url, "sqlite://./data/letterbox.db");
        assert_eq!(config.pool_max_per_user, 3);
        assert!(!config.offline_access && config.webhook_allowed_hosts.is_empty());
        assert!(!config.secure_cookies());

        let config = load(&[
            ("LETTERBOX_IMAP", "imaps://mail.example.com"),
            ("LETTERBOX_PUBLIC_URL", "https://mail.example.com/"),
            ("LETTERBOX_TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16"),
        ])
        .unwrap();
        assert!(config.secure_cookies());
        assert_eq!(config.trusted_proxies.len(), 2);

        let config = load(&[
            ("LETTERBOX_IMAP", "imaps://mail.example.com"),
            ("LETTERBOX_OFFLINE_ACCESS", "true"),
            ("LETTERBOX_WEBHOOK_ALLOWED_HOSTS", "Hooks.Internal, 10.0.0.5,[fd00::1]"),
        ])
        .unwrap();
        assert!(config.offline_access);
        assert_eq!(config.webhook_allowed_hosts, ["hooks.internal", "10.0.0.5", "fd00::1"]);
    }

    #[test]
    fn smtp_login_patterns() {
        let base = [("LETTERBOX_IMAP", "imaps://mail.example.com")];
        let config = load(&base).unwrap();
        assert_eq!(
            (config.smtp_login("ann@example.com"), config.smtp_saves_sent, config.max_attachment_bytes),
            ("ann@example.com".into(), false, 25 << 20)
        );
        for (pattern, expected) in [("%l", "ann"), ("%d/%l", "example.com/ann"), ("%u", "ann@example.com")] {
            let config = load(&[base[0], ("LETTERBOX_SMTP_USERNAME", pattern), ("LETTERBOX_SMTP_SAVES_SENT", "yes")]).unwrap();
            assert_eq!(config.smtp_login("ann@example.com"), expected, "{pattern}");
            assert!(config.smtp_saves_sent);
        }
    }

    #[test]
    fn bad_values_name_their_variable() {
        let cases = [
            ("LETTERBOX_LISTEN", "nowhere"),
            ("LETTERBOX_TRUSTED_PROXIES", "10.0.0.1,banana"),
            ("LETTERBOX_PUBLIC_URL", "ftp://x"),
            ("LETTERBOX_POOL_MAX_PER_USER", "0"),
            ("LETTERBOX_SORT_CACHE_MB", "lots"),
            ("LETTERBOX_DATABASE_URL", "mysql://x"),
            ("LETTERBOX_CA_FILE", "/nonexistent/ca.pem"),
            ("LETTERBOX_SMTP_SAVES_SENT", "maybe"),
            ("LETTERBOX_SMTP_USERNAME", "fixed-name"),
            ("LETTERBOX_MAX_ATTACHMENTS_MB", "0"),
            ("LETTERBOX_OFFLINE_ACCESS", "sometimes"),
            ("LETTERBOX_WEBHOOK_ALLOWED_HOSTS", "ok.example, bad host"),
        ];
        for (var, value) in cases {
            let err = load(&[("LETTERBOX_IMAP", "imaps://mail.example.com"), (var, value)]).unwrap_err().to_string();
            assert!(err.starts_with(var), "{var}={value}: {err}");
        }
        let err = load(&[]).unwrap_err().to_string();
        assert!(err.starts_with("LETTERBOX_IMAP is required"), "{err}");
    }
}
