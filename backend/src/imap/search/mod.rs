//! Gmail-style search queries (`from:alice is:unread -subject:"big news"`) compiled to IMAP SEARCH keys.
//!
//! Syntax: free words and `"quoted phrases"` (TEXT); `from:` `to:` `cc:` `bcc:` `subject:` with a
//! bare or quoted value; `is:` unread, read, flagged/starred, unflagged/unstarred, answered,
//! unanswered, draft; `has:attachment`; `before:` `after:` `on:` with `YYYY-MM-DD` or
//! `YYYY/MM/DD`; `larger:` `smaller:` with an optional K, M or G unit. Juxtaposition is AND, `OR`
//! binds tighter than AND, `-term` and `NOT term` negate, `( … )` groups. Operator names and
//! `is:`/`has:` values are case-insensitive; `OR`, `AND` and `NOT` are keywords only in upper case,
//! like Gmail. An unknown `name:value` (`http://x`, `12:30`, `in:inbox`) is searched as text.
//!
//! Inside quotes `\"` and `\\` are escapes; any other backslash is kept as it is.
//!
//! Safety: user text reaches the criteria only as an IMAP quoted string (printable ASCII, `\` and
//! `"` escaped) or as a literal whose length is counted in bytes, never as an atom; CR, LF, NUL and
//! other control characters are rejected; the query is capped at [`MAX_QUERY_CHARS`] and nesting at
//! [`MAX_DEPTH`].

mod compile;
mod parser;

use parser::Node;

/// Longest accepted query, in characters. At 4 UTF-8 bytes a character this also keeps every
/// literal under the 4096 bytes a LITERAL- server accepts as non-synchronizing (RFC 7888).
pub const MAX_QUERY_CHARS: usize = 1000;

/// Deepest accepted nesting of parentheses and negations (`-`, `NOT`) counted together.
pub const MAX_DEPTH: usize = 20;

/// A parse error with the byte position in the query where the problem is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at position {position}")]
pub struct QueryError {
    /// Byte offset into the query; equal to its length for "missing at the end" errors.
    pub position: usize,
    /// What is wrong, in words fit for the user; never contains the position.
    pub message: String,
}

impl QueryError {
    fn new(position: usize, message: impl Into<String>) -> Self {
        QueryError { position, message: message.into() }
    }
}

/// A parsed, validated query. Only [`Query::parse`] builds one, so every value in it is legal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// `None` for a query with no terms.
    root: Option<Node>,
}

impl Query {
    /// Parses user syntax (see the module docs). Errors carry the byte position of the offending
    /// token: unbalanced quotes or parentheses, a dangling `OR`/`AND`/`NOT`/`-`, an empty known
    /// operator (`from:`), a bad `is:`/`has:`/date/size value, control characters, or a query past
    /// [`MAX_QUERY_CHARS`] or [`MAX_DEPTH`].
    pub fn parse(input: &str) -> Result<Query, QueryError> {
        Ok(Query { root: parser::parse(input)? })
    }

    /// Compiles to IMAP SEARCH criteria; an empty query gives `ALL`. See [`ImapSearch`] for how
    /// literals are represented.
    pub fn to_imap(&self) -> ImapSearch {
        compile::compile(self.root.as_ref())
    }

    /// True when the query has no terms (it was empty or only whitespace).
    pub fn is_empty(&self) -> bool {
        self.root.is_none()
    }
}

/// Compiled SEARCH criteria, without the leading `UID SEARCH` and without `CHARSET`.
///
/// Every user string in `criteria` is either a quoted string (printable ASCII only, `\` and `"`
/// escaped) or a synchronizing literal marker `{N}\r\n`, N being the UTF-8 byte length of the
/// matching entry of `literals` (in order). `criteria` contains CRLF only at the end of such
/// markers, so a caller driving a raw connection without LITERAL+ splits it after each `\r\n`:
/// send a piece, wait for the server's `+` continuation, send the next literal's bytes, go on with
/// the next piece, and end the command with CRLF. With LITERAL+ (Dovecot has it), send
/// [`ImapSearch::to_wire`]`(true)` in one write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapSearch {
    /// The criteria text with literal markers inline, e.g. `FROM "alice" SUBJECT {7}\r\n NOT SEEN`.
    pub criteria: String,
    /// True when a literal holds non-ASCII text: the command must then say `CHARSET UTF-8` before
    /// the criteria, or the server reads the bytes as US-ASCII and may refuse them.
    pub needs_utf8: bool,
    /// The literal strings, in the order of their markers in `criteria`.
    pub literals: Vec<String>,
}

impl ImapSearch {
    /// The criteria with each literal's bytes placed right after its marker. With
    /// `literal_plus` the markers become non-synchronizing `{N+}`, and the result can follow
    /// `UID SEARCH [CHARSET UTF-8] ` in a single write (e.g. through `async-imap`'s `uid_search`).
    /// Without it the result is the byte stream the client sends, but the sender must still pause
    /// for a `+` continuation after every `\r\n`.
    pub fn to_wire(&self, literal_plus: bool) -> String {
        let mut out = String::with_capacity(self.criteria.len() + self.literals.iter().map(|l| l.len() + 1).sum::<usize>());
        let mut literals = self.literals.iter();
        for piece in self.criteria.split_inclusive("\r\n") {
            match piece.strip_suffix("}\r\n") {
                Some(head) => {
                    out.push_str(head);
                    out.push_str(if literal_plus { "+}\r\n" } else { "}\r\n" });
                    out.push_str(literals.next().map_or("", String::as_str));
                }
                None => out.push_str(piece),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(input: &str) -> ImapSearch {
        Query::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}")).to_imap()
    }

    /// Queries without literals: `to_wire` is the same with and without LITERAL+.
    #[test]
    fn quoted_only() {
        let cases = [
            ("", "ALL"),
            ("   \t ", "ALL"),
            ("hello", r#"TEXT "hello""#),
            ("hello world", r#"TEXT "hello" TEXT "world""#),
            (r#""quoted phrase""#, r#"TEXT "quoted phrase""#),
            ("from:alice@example.com", r#"FROM "alice@example.com""#),
            ("to:bob cc:carol bcc:dave", r#"TO "bob" CC "carol" BCC "dave""#),
            (r#"subject:"big news""#, r#"SUBJECT "big news""#),
            ("FROM:Alice Subject:Hi", r#"FROM "Alice" SUBJECT "Hi""#),
            ("subject:re:hello", r#"SUBJECT "re:hello""#),
            ("is:unread", "UNSEEN"),
            ("is:READ", "SEEN"),
            ("is:flagged is:starred", "FLAGGED FLAGGED"),
            ("is:unflagged is:unstarred", "UNFLAGGED UNFLAGGED"),
            ("is:answered is:unanswered is:draft", "ANSWERED UNANSWERED DRAFT"),
            ("has:attachment", r#"HEADER Content-Type "multipart/mixed""#),
            ("Has:Attachment", r#"HEADER Content-Type "multipart/mixed""#),
            ("before:2024-01-31", "SENTBEFORE 31-Jan-2024"),
            ("after:2024-01-31", "SENTSINCE 1-Feb-2024"),
            ("after:2023/12/31", "SENTSINCE 1-Jan-2024"),
            ("after:2024-2-28", "SENTSINCE 29-Feb-2024"),
            ("on:2024/7/4", "SENTON 4-Jul-2024"),
            ("larger:10M", "LARGER 10485760"),
            ("smaller:500K", "SMALLER 512000"),
            ("larger:1.5M", "LARGER 1572864"),
            ("larger:1.1k smaller:2gb", "LARGER 1126 SMALLER 2147483648"),
            ("larger:1000", "LARGER 1000"),
            ("larger:4294967295", "LARGER 4294967295"),
            ("-word", r#"NOT TEXT "word""#),
            ("-from:x", r#"NOT FROM "x""#),
            ("-is:unread", "NOT UNSEEN"),
            (r#"-"a b""#, r#"NOT TEXT "a b""#),
            ("NOT spam", r#"NOT TEXT "spam""#),
            ("--x", r#"NOT NOT TEXT "x""#),
            ("e-mail", r#"TEXT "e-mail""#),
            ("a OR b", r#"OR TEXT "a" TEXT "b""#),
            ("a OR b OR c", r#"OR TEXT "a" OR TEXT "b" TEXT "c""#),
            ("a OR b OR c OR d", r#"OR OR TEXT "a" TEXT "b" OR TEXT "c" TEXT "d""#),
            ("x a OR b y", r#"TEXT "x" OR TEXT "a" TEXT "b" TEXT "y""#),
            ("NOT a OR b", r#"OR NOT TEXT "a" TEXT "b""#),
            ("a AND b", r#"TEXT "a" TEXT "b""#),
            ("cats or dogs", r#"TEXT "cats" TEXT "or" TEXT "dogs""#),
            ("(a b) OR c", r#"OR (TEXT "a" TEXT "b") TEXT "c""#),
            ("-(a b)", r#"NOT (TEXT "a" TEXT "b")"#),
            ("-(a OR b)", r#"NOT OR TEXT "a" TEXT "b""#),
            ("(a)", r#"TEXT "a""#),
            ("a (b c)", r#"TEXT "a" TEXT "b" TEXT "c""#),
            ("(a OR b) OR c", r#"OR TEXT "a" OR TEXT "b" TEXT "c""#),
            ("((a OR (b -c)) d)", r#"OR TEXT "a" (TEXT "b" NOT TEXT "c") TEXT "d""#),
            (
                "from:alice (is:unread OR is:flagged) -has:attachment",
                r#"FROM "alice" OR UNSEEN FLAGGED NOT HEADER Content-Type "multipart/mixed""#,
            ),
            // Unknown operators are text, keeping the colon.
            ("foo:bar", r#"TEXT "foo:bar""#),
            ("http://example.com/x", r#"TEXT "http://example.com/x""#),
            (r#"foo:"a b""#, r#"TEXT "foo:a b""#),
            (":x", r#"TEXT ":x""#),
            // Escapes and backslashes.
            (r#""say \"hi\"""#, r#"TEXT "say \"hi\"""#),
            (r#""a\\b""#, r#"TEXT "a\\b""#),
            (r#""C:\temp""#, r#"TEXT "C:\\temp""#),
            (r"back\slash", r#"TEXT "back\\slash""#),
            // Injection attempts stay inside one quoted string.
            (r#"subject:"x\" OR ALL""#, r#"SUBJECT "x\" OR ALL""#),
            (r#"from:"a\") (ALL""#, r#"FROM "a\") (ALL""#),
            ("subject:{5}", r#"SUBJECT "{5}""#),
            ("from:{3+}", r#"FROM "{3+}""#),
            ("ALL", r#"TEXT "ALL""#),
            ("x*%]", r#"TEXT "x*%]""#),
            (r#"a"b""#, r#"TEXT "a" TEXT "b""#),
        ];
        for (input, expected) in cases {
            let search = compile(input);
            assert_eq!(search.to_wire(true), expected, "{input:?}");
            assert_eq!(search.to_wire(false), expected, "{input:?}");
            assert_eq!(search.criteria, expected, "{input:?}");
            assert!(search.literals.is_empty() && !search.needs_utf8, "{input:?}");
        }
    }

    /// Queries with literals: (input, criteria, to_wire(true), to_wire(false), needs_utf8).
    #[test]
    fn literals() {
        let cases = [
            ("subject:Grüße", "SUBJECT {7}\r\n", "SUBJECT {7+}\r\nGrüße", "SUBJECT {7}\r\nGrüße", true),
            ("Grüße from:bob", "TEXT {7}\r\n FROM \"bob\"", "TEXT {7+}\r\nGrüße FROM \"bob\"", "TEXT {7}\r\nGrüße FROM \"bob\"", true),
            (
                "(日本 OR x) y",
                "OR TEXT {6}\r\n TEXT \"x\" TEXT \"y\"",
                "OR TEXT {6+}\r\n日本 TEXT \"x\" TEXT \"y\"",
                "OR TEXT {6}\r\n日本 TEXT \"x\" TEXT \"y\"",
                true,
            ),
            (
                "-(Grüße b)",
                "NOT (TEXT {7}\r\n TEXT \"b\")",
                "NOT (TEXT {7+}\r\nGrüße TEXT \"b\")",
                "NOT (TEXT {7}\r\nGrüße TEXT \"b\")",
                true,
            ),
            ("-from:\"Zoë \\\"Z\\\"\"", "NOT FROM {8}\r\n", "NOT FROM {8+}\r\nZoë \"Z\"", "NOT FROM {8}\r\nZoë \"Z\"", true),
            ("é ü", "TEXT {2}\r\n TEXT {2}\r\n", "TEXT {2+}\r\né TEXT {2+}\r\nü", "TEXT {2}\r\né TEXT {2}\r\nü", true),
            // A tab inside quotes is ASCII but not printable: literal, yet no CHARSET needed.
            ("\"a\tb\"", "TEXT {3}\r\n", "TEXT {3+}\r\na\tb", "TEXT {3}\r\na\tb", false),
            // Non-breaking space separates words like a space does.
            ("a\u{a0}b", "TEXT \"a\" TEXT \"b\"", "TEXT \"a\" TEXT \"b\"", "TEXT \"a\" TEXT \"b\"", false),
        ];
        for (input, criteria, plus, sync, utf8) in cases {
            let search = compile(input);
            assert_eq!(search.criteria, criteria, "{input:?}");
            assert_eq!(search.to_wire(true), plus, "{input:?}");
            assert_eq!(search.to_wire(false), sync, "{input:?}");
            assert_eq!(search.needs_utf8, utf8, "{input:?}");
            // Each marker announces exactly its literal's byte length.
            for (marker, literal) in search.criteria.match_indices("}\r\n").zip(&search.literals) {
                let open = search.criteria[..marker.0].rfind('{').unwrap();
                assert_eq!(search.criteria[open + 1..marker.0], literal.len().to_string(), "{input:?}");
            }
        }
    }

    /// (input, position, message substring)
    #[test]
    fn errors() {
        let long = "a".repeat(5000);
        let deep_ok = format!("{}x{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        let too_deep = format!("{}x{}", "(".repeat(MAX_DEPTH + 1), ")".repeat(MAX_DEPTH + 1));
        let too_negated = format!("{}x", "-".repeat(MAX_DEPTH + 1));
        let long_words = "ab ".repeat(400);
        let cases: Vec<(&str, usize, &str)> = vec![
            ("from:a) (ALL", 6, "unmatched ')'"),
            ("from:a (ALL", 7, "unclosed '('"),
            (")", 0, "unmatched ')'"),
            ("a (b (c)", 2, "unclosed '('"),
            ("()", 0, "empty group"),
            ("a ( ) b", 2, "empty group"),
            ("\"abc", 0, "unterminated quoted string"),
            ("subject:\"abc", 8, "unterminated quoted string"),
            (r#"x "ends in backslash\""#, 2, "unterminated quoted string"),
            ("\"\"", 0, "empty quoted phrase"),
            ("-", 0, "'-' must be followed by a term"),
            ("a - b", 2, "'-' must be followed by a term"),
            ("(a -)", 3, "'-' must be followed by a term"),
            ("-OR a", 0, "'-' must be followed by a term"),
            ("NOT", 0, "NOT must be followed by a term"),
            ("a NOT", 2, "NOT must be followed by a term"),
            ("OR a", 0, "OR needs a term before it"),
            ("a OR", 2, "OR needs a term after it"),
            ("a OR OR b", 2, "OR needs a term after it"),
            ("(OR a)", 1, "OR needs a term before it"),
            ("(a OR) b", 3, "OR needs a term after it"),
            ("AND a", 0, "AND needs a term before it"),
            ("a AND", 2, "AND needs a term after it"),
            ("from:", 5, "from: needs a value"),
            ("x TO: y", 5, "to: needs a value"),
            ("subject:\"\"", 8, "subject: needs a value"),
            ("from:(a b)", 5, "from: needs a value"),
            ("is:nonsense", 3, "unknown is: value"),
            ("is:", 3, "is: needs a value"),
            ("has:nonsense", 4, "unknown has: value"),
            ("before:yesterday", 7, "invalid date"),
            ("after:2024-01", 6, "invalid date"),
            ("after:24-01-31", 6, "invalid date"),
            ("after:2024/01-31", 6, "invalid date"),
            ("on:2024-02-30", 3, "no such date"),
            ("on:2023-02-29", 3, "no such date"),
            ("before:2024-13-01", 7, "no such date"),
            ("after:9999-12-31", 6, "out of range"),
            ("larger:abc", 7, "invalid size"),
            ("larger:10X", 7, "invalid size"),
            ("larger:1.M", 7, "invalid size"),
            ("larger:-5", 7, "invalid size"),
            ("smaller:4G", 8, "too large"),
            ("larger:99999999999999999999999", 7, "invalid size"),
            ("a\r\nOR ALL", 1, "control character U+000D"),
            ("from:\"x\ny\"", 7, "control character U+000A"),
            ("a\0b", 1, "control character U+0000"),
            ("a\u{1b}[0m", 1, "control character U+001B"),
            (&long, MAX_QUERY_CHARS, "longer than 1000 characters"),
            (&too_deep, MAX_DEPTH, "nesting deeper than 20 levels"),
            (&too_negated, MAX_DEPTH, "nesting deeper than 20 levels"),
            (&long_words, MAX_QUERY_CHARS, "longer than 1000 characters"),
        ];
        for (input, position, message) in cases {
            let err = Query::parse(input).expect_err(input);
            let shown = if input.len() > 40 { &input[..40] } else { input };
            assert_eq!(err.position, position, "{shown:?}: {err}");
            assert!(err.message.contains(message), "{shown:?}: {err}");
            assert_eq!(err.to_string(), format!("{} at position {position}", err.message));
        }
        assert!(Query::parse(&deep_ok).is_ok());
    }

    #[test]
    fn limits_are_inclusive_and_counted_in_characters() {
        let search = compile(&"a".repeat(MAX_QUERY_CHARS));
        assert_eq!(search.criteria.len(), MAX_QUERY_CHARS + "TEXT \"\"".len());
        // 1000 four-byte characters: one 4000-byte literal, under LITERAL-'s 4096.
        let search = compile(&"😀".repeat(MAX_QUERY_CHARS));
        assert_eq!(search.criteria, "TEXT {4000}\r\n");
        assert!(Query::parse(&"😀".repeat(MAX_QUERY_CHARS + 1)).is_err());
        // A long OR chain stays shallow: 200 terms nest at most ceil(log2(200)) = 8 ORs deep.
        let chain = vec!["x"; 200].join(" OR ");
        let wire = compile(&chain).to_wire(true);
        assert_eq!(wire.matches("TEXT").count(), 200);
        assert_eq!(wire.matches("OR ").count(), 199);
        assert!(!wire.contains(&"OR ".repeat(9)));
    }

    #[test]
    fn is_empty() {
        assert!(Query::parse("").unwrap().is_empty());
        assert!(Query::parse(" \t\u{a0} ").unwrap().is_empty());
        assert!(!Query::parse("a").unwrap().is_empty());
    }

    /// Whatever the input, the output outside literals is printable ASCII, and quotes balance.
    #[test]
    fn output_never_leaks_raw_user_text() {
        let nasty = [
            r#"subject:"x\" OR ALL""#,
            r#""\\" ALL "\\""#,
            r#"from:"\\\" (ALL""#,
            r#"a\"b"#,
            "x{3}\u{a0}y",
            r#""{0+}""#,
            "is:unread OR \"ä\\\"ö\"",
        ];
        for input in nasty {
            let Ok(query) = Query::parse(input) else { continue };
            let search = query.to_imap();
            let mut quoted = false;
            let mut escaped = false;
            for c in search.criteria.replace("\r\n", "").chars() {
                assert!((' '..='~').contains(&c), "{input:?}");
                match (quoted, escaped, c) {
                    (true, false, '\\') => escaped = true,
                    (true, true, _) => escaped = false,
                    (_, false, '"') => quoted = !quoted,
                    _ => {}
                }
            }
            assert!(!quoted && !escaped, "{input:?}: {}", search.criteria);
        }
    }
}
