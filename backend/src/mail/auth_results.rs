//! Reads the `Authentication-Results` header (RFC 8601) to tell whether the receiving server
//! verified that a message really comes from its From domain (DKIM or DMARC pass).
//!
//! Only the topmost header counts: the receiving server adds its own above everything the sender
//! wrote, so any further (lower) `Authentication-Results` could have been forged by the sender.
//! The caller passes that topmost value ([`crate::mail::parse::ParsedMessage::authentication_results`]).
//!
//! Domain matching is exact (ASCII case-insensitive, a trailing dot ignored). A parent or
//! "relaxed-aligned" domain does not count: a DKIM signature by `example.com` does not vouch for
//! mail From `news.example.com` here. DMARC already applies its own alignment policy and reports
//! the From domain itself in `header.from`, so for DMARC nothing is lost by matching exactly.

/// One `method=result` statement of the header, with its properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResInfo {
    /// The method, lower case (`dkim`, `dmarc`, `spf`, …), without its version.
    pub method: String,
    /// The result, lower case (`pass`, `fail`, `neutral`, …).
    pub result: String,
    /// `(ptype.property lower case, value as written)`, e.g. `("header.d", "example.com")`.
    pub properties: Vec<(String, String)>,
}

/// A parsed `Authentication-Results` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthResults {
    /// Who added the header (the receiving server's name), as written.
    pub authserv_id: String,
    /// The statements; empty for `; none`.
    pub results: Vec<ResInfo>,
}

/// Why a sender is or is not verified (see [`verify_sender`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SenderCheck {
    /// The topmost header says `dkim` or `dmarc` passed for the From domain.
    Verified,
    /// The message has no `Authentication-Results` header (or no From domain).
    NoHeader,
    /// The topmost header could not be read.
    Unreadable,
    /// The topmost header was added by another server than the configured one.
    OtherServer,
    /// The topmost header has no DKIM/DMARC pass for the From domain.
    NotPassed,
}

/// Replaces RFC 5322 comments (nested, with `\` escapes) by a space, leaving quoted strings alone,
/// and unfolds lines. Linear in the input.
fn strip_comments(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let (mut depth, mut quoted, mut escaped) = (0usize, false, false);
    for c in value.chars() {
        let c = if c == '\r' || c == '\n' { ' ' } else { c };
        if escaped {
            escaped = false;
            if depth == 0 {
                out.push(c);
            }
            continue;
        }
        match c {
            '\\' if quoted || depth > 0 => {
                escaped = true;
                if depth == 0 {
                    out.push(c);
                }
            }
            '"' if depth == 0 => {
                quoted = !quoted;
                out.push(c);
            }
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    out.push(' ');
                }
            }
            _ if depth > 0 => {}
            _ => out.push(c),
        }
    }
    out
}

/// Splits at `;` outside quoted strings.
fn split_statements(value: &str) -> Vec<&str> {
    let (mut parts, mut start, mut quoted, mut escaped) = (Vec::new(), 0, false, false);
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                parts.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&value[start..]);
    parts
}

/// A cursor over one statement.
struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    fn skip_ws(&mut self) {
        self.rest = self.rest.trim_start();
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        match self.rest.strip_prefix(c) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    /// A keyword: up to whitespace, `=`, `/`, `.` or a quote.
    fn word(&mut self) -> Option<&'a str> {
        self.skip_ws();
        let end = self.rest.find(|c: char| c.is_whitespace() || matches!(c, '=' | '/' | '.' | '"')).unwrap_or(self.rest.len());
        let (word, rest) = self.rest.split_at(end);
        self.rest = rest;
        (!word.is_empty()).then_some(word)
    }

    /// A value: a quoted string (unescaped) or everything up to whitespace.
    fn value(&mut self) -> Option<String> {
        self.skip_ws();
        if let Some(inner) = self.rest.strip_prefix('"') {
            let (mut text, mut escaped) = (String::new(), false);
            for (i, c) in inner.char_indices() {
                match c {
                    _ if escaped => {
                        escaped = false;
                        text.push(c);
                    }
                    '\\' => escaped = true,
                    '"' => {
                        self.rest = &inner[i + 1..];
                        return Some(text);
                    }
                    _ => text.push(c),
                }
            }
            return None;
        }
        let end = self.rest.find(char::is_whitespace).unwrap_or(self.rest.len());
        let (value, rest) = self.rest.split_at(end);
        self.rest = rest;
        (!value.is_empty()).then(|| value.to_string())
    }
}

/// `method[/version]=result [reason=…] [ptype.property=value …]`.
fn parse_resinfo(statement: &str) -> Option<ResInfo> {
    let mut cursor = Cursor { rest: statement };
    let method = cursor.word()?.to_ascii_lowercase();
    if cursor.eat('/') {
        cursor.word()?;
    }
    if !cursor.eat('=') {
        return None;
    }
    let result = cursor.word()?.to_ascii_lowercase();
    let mut properties = Vec::new();
    loop {
        cursor.skip_ws();
        if cursor.rest.is_empty() {
            break;
        }
        let ptype = cursor.word()?.to_ascii_lowercase();
        let key = if cursor.eat('.') { format!("{ptype}.{}", cursor.word()?.to_ascii_lowercase()) } else { ptype };
        if !cursor.eat('=') {
            return None;
        }
        properties.push((key, cursor.value()?));
    }
    Some(ResInfo { method, result, properties })
}

/// Parses one `Authentication-Results` value (what follows the colon). `None` when it does not
/// follow RFC 8601's syntax.
pub fn parse_auth_results(value: &str) -> Option<AuthResults> {
    let clean = strip_comments(value);
    let mut statements = split_statements(&clean).into_iter();
    let mut head = Cursor { rest: statements.next()? };
    let authserv_id = head.value()?;
    // An optional version number may follow the authserv-id; nothing else may.
    if let Some(version) = head.value()
        && !version.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let statements: Vec<&str> = statements.collect();
    if let [only] = statements.as_slice()
        && only.trim().eq_ignore_ascii_case("none")
    {
        return Some(AuthResults { authserv_id, results: Vec::new() });
    }
    if statements.is_empty() {
        return None;
    }
    let results = statements.into_iter().map(parse_resinfo).collect::<Option<Vec<_>>>()?;
    Some(AuthResults { authserv_id, results })
}

fn same_domain(a: &str, b: &str) -> bool {
    let trim = |d: &str| d.trim().trim_end_matches('.').to_string();
    let (a, b) = (trim(a), trim(b));
    !a.is_empty() && a.eq_ignore_ascii_case(&b)
}

/// Whether the topmost `Authentication-Results` value says the message comes from `from_domain`:
/// `dkim=pass` with `header.d` equal to it, or `dmarc=pass` with `header.from` equal to it.
/// With `authserv_id` set, the header must have been added by that server (RFC 8601 §5: only
/// trust results from your own border).
pub fn verify_sender(topmost: Option<&str>, from_domain: &str, authserv_id: Option<&str>) -> SenderCheck {
    let Some(value) = topmost else { return SenderCheck::NoHeader };
    if from_domain.trim().is_empty() {
        return SenderCheck::NoHeader;
    }
    let Some(parsed) = parse_auth_results(value) else { return SenderCheck::Unreadable };
    if let Some(expected) = authserv_id
        && !parsed.authserv_id.eq_ignore_ascii_case(expected.trim())
    {
        return SenderCheck::OtherServer;
    }
    let passes = parsed.results.iter().any(|r| {
        let key = match r.method.as_str() {
            "dkim" => "header.d",
            "dmarc" => "header.from",
            _ => return false,
        };
        r.result == "pass" && r.properties.iter().any(|(k, v)| k == key && same_domain(v, from_domain))
    });
    if passes { SenderCheck::Verified } else { SenderCheck::NotPassed }
}

#[cfg(test)]
#[path = "auth_results_tests.rs"]
mod tests;
