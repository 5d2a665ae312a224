//! Lexer and recursive-descent parser from Gmail-style query text to the search AST.

use time::{Date, Month};

use super::{MAX_DEPTH, MAX_QUERY_CHARS, QueryError};

/// A node of the parsed query. `And` and `Or` always hold at least two children, and never a
/// child of their own kind (nested groups are flattened while parsing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Term(Term),
}

/// One search criterion, already checked and reduced to what IMAP can express.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Term {
    /// Free words and quoted phrases: header or body contains the string.
    Text(String),
    Header(HeaderField, String),
    Flag(Flag),
    /// `has:attachment`; see `compile` for the IMAP approximation.
    HasAttachment,
    Date(DateKey, Date),
    Size(SizeKey, u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HeaderField {
    From,
    To,
    Cc,
    Bcc,
    Subject,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flag {
    Seen,
    Unseen,
    Flagged,
    Unflagged,
    Answered,
    Unanswered,
    Draft,
}

/// The IMAP date key a date operator maps to: SENTBEFORE, SENTON, SENTSINCE, which compare the
/// day of the Date: header (time and zone ignored). `after:D` is stored as `Since(D + 1 day)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DateKey {
    Before,
    On,
    Since,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SizeKey {
    Larger,
    Smaller,
}

/// Parses a whole query; `None` when it holds no terms at all.
pub(super) fn parse(input: &str) -> Result<Option<Node>, QueryError> {
    if let Some((position, _)) = input.char_indices().nth(MAX_QUERY_CHARS) {
        return Err(QueryError::new(position, format!("query is longer than {MAX_QUERY_CHARS} characters")));
    }
    // CR and LF would end the IMAP command line and NUL is illegal even in literals; the other
    // controls could travel in a literal but nobody searches for them, so all are refused up
    // front. Tab is the one control a user may paste; it separates words like a space.
    if let Some((position, c)) = input.char_indices().find(|&(_, c)| c.is_control() && c != '\t') {
        return Err(QueryError::new(position, format!("control character U+{:04X} is not allowed", u32::from(c))));
    }
    let tokens = lex(input)?;
    let mut parser = Parser { tokens, next: 0, depth: 0, end: input.len() };
    let items = parser.sequence(None)?;
    Ok(if items.is_empty() { None } else { Some(and_of(items)) })
}

#[derive(Debug)]
enum Tok {
    Open,
    Close,
    /// A leading `-`: negates the term right after it.
    Minus,
    Or,
    And,
    Not,
    Word(String),
    Phrase(String),
    /// `name:value` or `name:"value"`; whether `name` is a known operator is the parser's call.
    Field {
        name: String,
        value: String,
        value_pos: usize,
    },
}

#[derive(Debug)]
struct Token {
    tok: Tok,
    pos: usize,
}

/// Characters that end a bare word. Parentheses and quotes are always syntax outside quotes, so
/// `from:a)` is the value `a` followed by a closing parenthesis, never part of the value.
fn ends_word(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"')
}

fn lex(input: &str) -> Result<Vec<Token>, QueryError> {
    let mut tokens = Vec::new();
    let mut pos = 0;
    while let Some(c) = input[pos..].chars().next() {
        let start = pos;
        let tok = match c {
            c if c.is_whitespace() => {
                pos += c.len_utf8();
                continue;
            }
            '(' => {
                pos += 1;
                Tok::Open
            }
            ')' => {
                pos += 1;
                Tok::Close
            }
            '"' => Tok::Phrase(read_quoted(input, &mut pos)?),
            '-' => {
                pos += 1;
                match input[pos..].chars().next() {
                    Some(next) if !next.is_whitespace() && next != ')' => Tok::Minus,
                    _ => return Err(QueryError::new(start, "'-' must be followed by a term")),
                }
            }
            _ => {
                while input[pos..].chars().next().is_some_and(|c| !ends_word(c)) {
                    pos += input[pos..].chars().next().map_or(1, char::len_utf8);
                }
                let word = &input[start..pos];
                // Like Gmail, only the upper-case spellings are operators: "cats or dogs" is
                // three words.
                match word {
                    "OR" => Tok::Or,
                    "AND" => Tok::And,
                    "NOT" => Tok::Not,
                    _ => match word.split_once(':') {
                        Some((name, value)) if !name.is_empty() => {
                            let mut value_pos = start + name.len() + 1;
                            let value = if value.is_empty() && input[pos..].starts_with('"') {
                                value_pos = pos;
                                read_quoted(input, &mut pos)?
                            } else {
                                value.to_owned()
                            };
                            Tok::Field { name: name.to_owned(), value, value_pos }
                        }
                        _ => Tok::Word(word.to_owned()),
                    },
                }
            }
        };
        tokens.push(Token { tok, pos: start });
    }
    Ok(tokens)
}

/// Reads a `"…"` string starting at `*pos`. Only `\"` and `\\` are escapes; any other backslash
/// is kept, so a pasted `"C:\temp"` means what it says.
fn read_quoted(input: &str, pos: &mut usize) -> Result<String, QueryError> {
    let start = *pos;
    let mut chars = input[start + 1..].char_indices();
    let mut out = String::new();
    while let Some((offset, c)) = chars.next() {
        match c {
            '"' => {
                *pos = start + 1 + offset + 1;
                return Ok(out);
            }
            '\\' => match chars.clone().next() {
                Some((_, escaped @ ('"' | '\\'))) => {
                    chars.next();
                    out.push(escaped);
                }
                _ => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    Err(QueryError::new(start, "unterminated quoted string"))
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    /// Current nesting of groups and negations, capped at `MAX_DEPTH`.
    depth: usize,
    /// Byte length of the input: the position reported for errors at the very end.
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    /// True when the next token can begin a term (so an operator before it has an operand).
    fn term_follows(&self) -> bool {
        self.peek().is_some_and(|t| !matches!(t.tok, Tok::Close | Tok::Or | Tok::And))
    }

    /// Juxtaposed terms up to the end of input, or up to the `)` matching the `(` at `open`.
    fn sequence(&mut self, open: Option<usize>) -> Result<Vec<Node>, QueryError> {
        let mut items = Vec::new();
        loop {
            let Some(token) = self.peek() else {
                return match open {
                    Some(open) => Err(QueryError::new(open, "unclosed '('")),
                    None => Ok(items),
                };
            };
            let pos = token.pos;
            match token.tok {
                Tok::Close => {
                    if open.is_none() {
                        return Err(QueryError::new(pos, "unmatched ')'"));
                    }
                    self.next += 1;
                    return Ok(items);
                }
                // An OR right after a term is consumed by `alternatives`, so one seen here has
                // nothing on its left.
                Tok::Or => return Err(QueryError::new(pos, "OR needs a term before it")),
                Tok::And => {
                    if items.is_empty() {
                        return Err(QueryError::new(pos, "AND needs a term before it"));
                    }
                    self.next += 1;
                    if !self.term_follows() {
                        return Err(QueryError::new(pos, "AND needs a term after it"));
                    }
                }
                _ => items.push(self.alternatives()?),
            }
        }
    }

    /// `a OR b OR …`: binds tighter than juxtaposition, as in Gmail.
    fn alternatives(&mut self) -> Result<Node, QueryError> {
        let mut items = vec![self.unary()?];
        while let Some(Token { tok: Tok::Or, pos }) = self.peek() {
            let pos = *pos;
            self.next += 1;
            if !self.term_follows() {
                return Err(QueryError::new(pos, "OR needs a term after it"));
            }
            items.push(self.unary()?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { or_of(items) })
    }

    fn unary(&mut self) -> Result<Node, QueryError> {
        let Some(token) = self.tokens.get(self.next) else {
            return Err(QueryError::new(self.end, "a term is missing"));
        };
        let pos = token.pos;
        match &token.tok {
            Tok::Minus | Tok::Not => {
                let what = if matches!(token.tok, Tok::Minus) { "'-'" } else { "NOT" };
                self.next += 1;
                if !self.term_follows() {
                    return Err(QueryError::new(pos, format!("{what} must be followed by a term")));
                }
                self.enter(pos)?;
                let inner = self.unary()?;
                self.depth -= 1;
                Ok(Node::Not(Box::new(inner)))
            }
            Tok::Open => {
                self.next += 1;
                self.enter(pos)?;
                let items = self.sequence(Some(pos))?;
                self.depth -= 1;
                if items.is_empty() {
                    return Err(QueryError::new(pos, "empty group '()'"));
                }
                Ok(and_of(items))
            }
            Tok::Word(word) => {
                let node = Node::Term(Term::Text(word.clone()));
                self.next += 1;
                Ok(node)
            }
            Tok::Phrase(phrase) => {
                if phrase.trim().is_empty() {
                    return Err(QueryError::new(pos, "empty quoted phrase"));
                }
                let node = Node::Term(Term::Text(phrase.clone()));
                self.next += 1;
                Ok(node)
            }
            Tok::Field { name, value, value_pos } => {
                let term = field(name, value, *value_pos)?;
                self.next += 1;
                Ok(Node::Term(term))
            }
            // Callers check `term_follows` first; kept as errors rather than panics.
            Tok::Close => Err(QueryError::new(pos, "unmatched ')'")),
            Tok::Or => Err(QueryError::new(pos, "OR needs a term before it")),
            Tok::And => Err(QueryError::new(pos, "AND needs a term before it")),
        }
    }

    fn enter(&mut self, pos: usize) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(QueryError::new(pos, format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }
}

/// Joins terms with AND, splicing in the children of nested ANDs.
fn and_of(items: Vec<Node>) -> Node {
    let mut flat = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Node::And(children) => flat.extend(children),
            other => flat.push(other),
        }
    }
    if flat.len() == 1 { flat.remove(0) } else { Node::And(flat) }
}

/// Joins terms with OR, splicing in the children of nested ORs (from `(a OR b) OR c`).
fn or_of(items: Vec<Node>) -> Node {
    let mut flat = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Node::Or(children) => flat.extend(children),
            other => flat.push(other),
        }
    }
    Node::Or(flat)
}

/// Resolves `name:value`. Unknown names are plain text (so `http://x` or `12:30` still search),
/// but a known operator with a bad or missing value is an error at the value.
fn field(name: &str, value: &str, value_pos: usize) -> Result<Term, QueryError> {
    let op = name.to_ascii_lowercase();
    let header = match op.as_str() {
        "from" => Some(HeaderField::From),
        "to" => Some(HeaderField::To),
        "cc" => Some(HeaderField::Cc),
        "bcc" => Some(HeaderField::Bcc),
        "subject" => Some(HeaderField::Subject),
        _ => None,
    };
    let known = header.is_some() || matches!(op.as_str(), "is" | "has" | "before" | "after" | "on" | "larger" | "smaller");
    if !known {
        return Ok(Term::Text(format!("{name}:{value}")));
    }
    if value.trim().is_empty() {
        return Err(QueryError::new(value_pos, format!("{op}: needs a value")));
    }
    if let Some(header) = header {
        return Ok(Term::Header(header, value.to_owned()));
    }
    let lower = value.to_ascii_lowercase();
    match op.as_str() {
        "is" => {
            let flag = match lower.as_str() {
                "unread" => Flag::Unseen,
                "read" => Flag::Seen,
                "flagged" | "starred" => Flag::Flagged,
                "unflagged" | "unstarred" => Flag::Unflagged,
                "answered" => Flag::Answered,
                "unanswered" => Flag::Unanswered,
                "draft" => Flag::Draft,
                _ => {
                    return Err(QueryError::new(
                        value_pos,
                        "unknown is: value (expected unread, read, flagged, starred, unflagged, unstarred, answered, unanswered or draft)",
                    ));
                }
            };
            Ok(Term::Flag(flag))
        }
        "has" if lower == "attachment" => Ok(Term::HasAttachment),
        "has" => Err(QueryError::new(value_pos, "unknown has: value (expected attachment)")),
        "before" => Ok(Term::Date(DateKey::Before, date(value, value_pos)?)),
        "on" => Ok(Term::Date(DateKey::On, date(value, value_pos)?)),
        "after" => {
            let day = date(value, value_pos)?;
            let next = day.next_day().ok_or_else(|| QueryError::new(value_pos, "date is out of range"))?;
            Ok(Term::Date(DateKey::Since, next))
        }
        "larger" => Ok(Term::Size(SizeKey::Larger, size(value, value_pos)?)),
        _ => Ok(Term::Size(SizeKey::Smaller, size(value, value_pos)?)),
    }
}

/// `YYYY-MM-DD` or `YYYY/MM/DD` (one separator throughout; month and day may be one digit).
fn date(value: &str, pos: usize) -> Result<Date, QueryError> {
    let syntax = || QueryError::new(pos, "invalid date (expected YYYY-MM-DD or YYYY/MM/DD)");
    let separator = if value.contains('/') { '/' } else { '-' };
    let parts: Vec<&str> = value.split(separator).collect();
    let digits = |s: &str, min: usize, max: usize| (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    let [year, month, day] = parts[..] else { return Err(syntax()) };
    if !digits(year, 4, 4) || !digits(month, 1, 2) || !digits(day, 1, 2) {
        return Err(syntax());
    }
    let no_such = || QueryError::new(pos, "no such date");
    // The digit checks above make these parses infallible; errors map to "no such date" anyway.
    let year: i32 = year.parse().map_err(|_| syntax())?;
    let month = month.parse::<u8>().ok().and_then(|m| Month::try_from(m).ok()).ok_or_else(no_such)?;
    let day: u8 = day.parse().map_err(|_| syntax())?;
    Date::from_calendar_date(year, month, day).map_err(|_| no_such())
}

/// A size in bytes: digits, an optional fraction, an optional unit K, M or G (binary: 1024,
/// 1024², 1024³, as mail clients display sizes) with an optional trailing B; case-insensitive.
/// The fraction is truncated to whole bytes. IMAP numbers are 32-bit, so 4 GiB and up is an error.
fn size(value: &str, pos: usize) -> Result<u32, QueryError> {
    let syntax = || QueryError::new(pos, "invalid size (expected a number with an optional unit K, M or G, e.g. 10M)");
    let upper = value.to_ascii_uppercase();
    let number = upper.strip_suffix('B').unwrap_or(&upper);
    let (number, multiplier) = match number.as_bytes().last() {
        Some(b'K') => (&number[..number.len() - 1], 1u128 << 10),
        Some(b'M') => (&number[..number.len() - 1], 1 << 20),
        Some(b'G') => (&number[..number.len() - 1], 1 << 30),
        _ => (number, 1),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let is_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    // Length caps keep the arithmetic inside u128 whatever the user types.
    if whole.is_empty() || whole.len() > 20 || fraction.len() > 9 || !is_digits(whole) || !is_digits(fraction) {
        return Err(syntax());
    }
    if number.contains('.') && fraction.is_empty() {
        return Err(syntax());
    }
    let whole: u128 = whole.parse().map_err(|_| syntax())?;
    let scale = 10u128.pow(fraction.len() as u32);
    let fraction: u128 = if fraction.is_empty() { 0 } else { fraction.parse().map_err(|_| syntax())? };
    let bytes = whole * multiplier + fraction * multiplier / scale;
    u32::try_from(bytes).map_err(|_| QueryError::new(pos, format!("size is too large (at most {} bytes)", u32::MAX)))
}
