//! Rewrites a message's CSS selectors so they only reach into the message: scoped under the wrapper class, with class and id names prefixed.

use cssparser::{ParseError, Parser, Token, parse_nth, serialize_identifier, serialize_string};

/// A rule's selector list after scoping.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ScopedSelectors {
    /// The selectors, comma-separated, each starting with the wrapper class.
    pub text: String,
    /// At least one selector targeted `html`, `body` or `:root`, now the wrapper itself.
    pub on_root: bool,
}

/// Pseudo-classes a message may use: states and structure, nothing that reaches other documents.
#[rustfmt::skip] // a word list, kept compact to stay reviewable
const PSEUDO_CLASSES: &[&str] = &[
    "hover", "active", "focus", "link", "visited", "first-child", "last-child", "only-child", "first-of-type", "last-of-type",
    "only-of-type", "empty",
];

/// Pseudo-elements (with `::`; the first two also in the legacy `:` form). Not `::before`/`::after`:
/// `content` is not an allowed property, so they could only ever be empty.
const PSEUDO_ELEMENTS: &[&str] = &["first-line", "first-letter", "selection"];

const NTH_FUNCTIONS: &[&str] = &["nth-child", "nth-last-child", "nth-of-type", "nth-last-of-type"];

/// One compound selector (`td.header:hover`): its type, the rest already rewritten, and whether it
/// names the document root (`html`, `body`, `:root`).
#[derive(Default)]
struct Compound {
    type_name: Option<String>,
    rest: String,
    root: bool,
}

impl Compound {
    fn is_empty(&self) -> bool {
        self.type_name.is_none() && self.rest.is_empty() && !self.root
    }
}

enum Item {
    Combinator(char),
    Compound(Compound),
}

/// Scopes a selector list (a rule's prelude). A selector using anything outside the supported subset
/// is dropped on its own (the others of the list stay); `None` when none is left.
///
/// `html`, `body` and `:root` at the start of a selector become the wrapper (`body > table` is
/// `.lb-msg > table`); anywhere else they cannot match inside a message, so such a selector is dropped.
pub(crate) fn scope_selectors(input: &mut Parser<'_>, prefix: &str, scope: &str) -> Option<ScopedSelectors> {
    let mut kept = Vec::new();
    let mut on_root = false;
    loop {
        let (items, at_end) = parse_complex(input, prefix);
        if let Some((text, root)) = items.and_then(|items| scope_complex(items, scope)) {
            kept.push(text);
            on_root |= root;
        }
        if at_end {
            break;
        }
    }
    if kept.is_empty() { None } else { Some(ScopedSelectors { text: kept.join(","), on_root }) }
}

/// Reads one complex selector, up to and including the next top-level comma. Returns its items
/// (`None` if it used something unsupported) and whether the input is at its end.
fn parse_complex(input: &mut Parser<'_>, prefix: &str) -> (Option<Vec<Item>>, bool) {
    let mut items = Vec::new();
    let mut current = Compound::default();
    let mut valid = true;
    let at_end = loop {
        let token = match input.next_including_whitespace() {
            Ok(token) => token.clone(),
            Err(_) => break true,
        };
        if matches!(token, Token::Comma) {
            break false;
        }
        if !valid {
            continue; // skip the rest of a dropped selector up to its comma
        }
        valid = match token {
            Token::WhiteSpace(_) => {
                close(&mut items, &mut current);
                true
            }
            Token::Delim(c @ ('>' | '+' | '~')) => {
                close(&mut items, &mut current);
                let follows_compound = matches!(items.last(), Some(Item::Compound(_)));
                items.push(Item::Combinator(c));
                follows_compound
            }
            token => {
                // A simple selector after whitespace starts a new compound: a descendant combinator.
                if current.is_empty() && matches!(items.last(), Some(Item::Compound(_))) {
                    items.push(Item::Combinator(' '));
                }
                simple_selector(input, token, &mut current, prefix).is_some()
            }
        };
    };
    close(&mut items, &mut current);
    let complete = matches!(items.last(), Some(Item::Compound(_)));
    (if valid && complete { Some(items) } else { None }, at_end)
}

fn close(items: &mut Vec<Item>, current: &mut Compound) {
    if !current.is_empty() {
        items.push(Item::Compound(std::mem::take(current)));
    }
}

/// Adds one simple selector (type, class, id, pseudo, attribute) to a compound; `None` if unsupported.
fn simple_selector(input: &mut Parser<'_>, token: Token<'_>, current: &mut Compound, prefix: &str) -> Option<()> {
    match token {
        Token::Ident(name) => {
            let name = name.to_ascii_lowercase();
            if !current.is_empty() || !is_plain_name(&name) {
                return None;
            }
            match name.as_str() {
                "html" | "body" => current.root = true,
                _ => current.type_name = Some(name),
            }
        }
        Token::Delim('*') if current.is_empty() => current.type_name = Some("*".into()),
        Token::Delim('.') => {
            let Ok(Token::Ident(name)) = input.next_including_whitespace().cloned() else { return None };
            current.rest.push('.');
            serialize_identifier(&format!("{prefix}{name}"), &mut current.rest).ok()?;
        }
        Token::Hash(name) | Token::IDHash(name) => {
            current.rest.push('#');
            serialize_identifier(&format!("{prefix}{name}"), &mut current.rest).ok()?;
        }
        Token::Colon => pseudo(input, current)?,
        Token::SquareBracketBlock => {
            let attribute = input.parse_nested_block(|nested| attribute_selector(nested, prefix)).ok()?;
            current.rest.push_str(&attribute);
        }
        _ => return None,
    }
    // `div:root` would make the wrapper stand for a div: refuse rather than guess.
    (!(current.root && current.type_name.as_deref().is_some_and(|t| t != "*"))).then_some(())
}

fn pseudo(input: &mut Parser<'_>, current: &mut Compound) -> Option<()> {
    match input.next_including_whitespace().ok()?.clone() {
        Token::Colon => {
            let Ok(Token::Ident(name)) = input.next_including_whitespace().cloned() else { return None };
            let name = name.to_ascii_lowercase();
            PSEUDO_ELEMENTS.contains(&name.as_str()).then(|| current.rest.push_str(&format!("::{name}")))
        }
        Token::Ident(name) => {
            let name = name.to_ascii_lowercase();
            if name == "root" {
                current.root = true;
            } else if PSEUDO_CLASSES.contains(&name.as_str()) {
                current.rest.push_str(&format!(":{name}"));
            } else if name == "first-line" || name == "first-letter" {
                current.rest.push_str(&format!("::{name}"));
            } else {
                return None;
            }
            Some(())
        }
        Token::Function(name) => {
            let name = name.to_ascii_lowercase();
            if !NTH_FUNCTIONS.contains(&name.as_str()) {
                return None;
            }
            let (a, b) = input
                .parse_nested_block(|nested| {
                    let nth = parse_nth(nested)?;
                    nested.expect_exhausted()?;
                    Ok::<_, ParseError<()>>(nth)
                })
                .ok()?;
            current.rest.push_str(&format!(":{name}({a}n{b:+})"));
            Some(())
        }
        _ => None,
    }
}

/// `[name]` or `[name op value flag]`. Class and id values are prefixed like the names in the body
/// when the operator compares from the start of a name; other comparisons are kept as written.
fn attribute_selector(input: &mut Parser<'_>, prefix: &str) -> Result<String, ParseError<()>> {
    let name = input.expect_ident()?.to_ascii_lowercase();
    if !is_plain_name(&name) {
        return Err(ParseError::unexpected_token());
    }
    if input.is_exhausted() {
        return Ok(format!("[{name}]"));
    }
    let op = match input.next()? {
        Token::Delim('=') => "=",
        Token::IncludeMatch => "~=",
        Token::DashMatch => "|=",
        Token::PrefixMatch => "^=",
        Token::SuffixMatch => "$=",
        Token::SubstringMatch => "*=",
        _ => return Err(ParseError::unexpected_token()),
    };
    let mut value = match input.next()? {
        Token::Ident(v) | Token::QuotedString(v) => v.to_string(),
        _ => return Err(ParseError::unexpected_token()),
    };
    let flag = if input.is_exhausted() {
        ""
    } else {
        match input.expect_ident()?.to_ascii_lowercase().as_str() {
            "i" => " i",
            "s" => " s",
            _ => return Err(ParseError::unexpected_token()),
        }
    };
    input.expect_exhausted()?;
    if matches!(name.as_str(), "class" | "id") && matches!(op, "=" | "~=" | "|=" | "^=") && !value.contains(char::is_whitespace) {
        value = format!("{prefix}{value}");
    }
    let mut out = format!("[{name}{op}");
    serialize_string(&value, &mut out).map_err(|_| ParseError::unexpected_token())?;
    out.push_str(flag);
    out.push(']');
    Ok(out)
}

/// Element and attribute names: ASCII letters, digits, `-`, `_`, starting with a letter.
fn is_plain_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Puts one parsed selector under the wrapper. Leading root compounds merge into the wrapper itself.
fn scope_complex(items: Vec<Item>, scope: &str) -> Option<(String, bool)> {
    let mut out = String::from(".");
    serialize_identifier(scope, &mut out).ok()?;
    // `html > body.x:hover …`: every leading root compound (and the combinators between them) folds
    // into `.lb-msg`, keeping their classes and pseudo-classes.
    let mut lead = 0;
    while let Some(Item::Compound(compound)) = items.get(lead)
        && compound.root
    {
        out.push_str(&compound.rest);
        lead += 1;
        if !matches!(items.get(lead + 1), Some(Item::Compound(next)) if next.root) {
            break;
        }
        lead += 1;
    }
    let root = lead > 0;
    if !root {
        out.push(' ');
    }
    for item in &items[lead..] {
        match item {
            Item::Combinator(' ') => out.push(' '),
            Item::Combinator(c) => {
                out.push(' ');
                out.push(*c);
                out.push(' ');
            }
            Item::Compound(compound) if compound.root => return None,
            Item::Compound(compound) => {
                out.push_str(compound.type_name.as_deref().unwrap_or(""));
                out.push_str(&compound.rest);
            }
        }
    }
    Some((out, root))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(selectors: &str) -> Option<(String, bool)> {
        let mut parser = Parser::new(selectors);
        scope_selectors(&mut parser, "lb-msg-", "lb-msg").map(|s| (s.text, s.on_root))
    }

    #[test]
    fn selectors_are_scoped_and_renamed() {
        let cases: &[(&str, Option<(&str, bool)>)] = &[
            ("p", Some((".lb-msg p", false))),
            ("table.main td", Some((".lb-msg table.lb-msg-main td", false))),
            (".a .b", Some((".lb-msg .lb-msg-a .lb-msg-b", false))),
            ("#header", Some((".lb-msg #lb-msg-header", false))),
            ("a:hover, a:visited", Some((".lb-msg a:hover,.lb-msg a:visited", false))),
            ("ul > li + li ~ li", Some((".lb-msg ul > li + li ~ li", false))),
            ("ul>li", Some((".lb-msg ul > li", false))),
            ("TD.Big", Some((".lb-msg td.lb-msg-Big", false))),
            ("tr:nth-child(2n+1)", Some((".lb-msg tr:nth-child(2n+1)", false))),
            ("tr:nth-child(odd)", Some((".lb-msg tr:nth-child(2n+1)", false))),
            ("p:first-line", Some((".lb-msg p::first-line", false))),
            ("*", Some((".lb-msg *", false))),
            ("body", Some((".lb-msg", true))),
            ("html", Some((".lb-msg", true))),
            (":root", Some((".lb-msg", true))),
            ("html body", Some((".lb-msg", true))),
            ("html > body table", Some((".lb-msg table", true))),
            ("body > table", Some((".lb-msg > table", true))),
            ("body.dark .x", Some((".lb-msg.lb-msg-dark .lb-msg-x", true))),
            ("body, p", Some((".lb-msg,.lb-msg p", true))),
            ("div body", None),
            ("div:root", None),
            ("a[href]", Some((".lb-msg a[href]", false))),
            ("[class~=col]", Some((".lb-msg [class~=\"lb-msg-col\"]", false))),
            ("[class*=col]", Some((".lb-msg [class*=\"col\"]", false))),
            ("a[title='</style><script>']", Some((".lb-msg a[title=\"</style><script>\"]", false))),
            ("a[x|y]", None),
            ("p:has(img)", None),
            ("p::before", None),
            ("p:not(.x)", None),
            ("svg|a", None),
            ("& p", None),
            ("> p", None),
            ("p >", None),
            ("p > > a", None),
            ("p, :hover(x), a", Some((".lb-msg p,.lb-msg a", false))),
            ("", None),
            (".\\3c script", Some((".lb-msg .lb-msg-\\<script", false))),
        ];
        for (input, want) in cases {
            let want = want.map(|(text, root)| (text.to_string(), root));
            assert_eq!(scope(input), want, "selector {input:?}");
        }
    }
}
