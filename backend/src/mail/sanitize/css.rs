//! Rebuilds a message's `<style>` sheets from scratch: only scoped style rules and `@media` blocks of them survive.

use std::cell::Cell;

use cssparser::{
    AtRuleParser, CowRcStr, ParseError, Parser, ParserState, QualifiedRuleParser, StyleSheetParser, ToCss, Token, TokenSerializationType,
};

use super::decl::filter_declarations;
use super::selector::{ScopedSelectors, scope_selectors};

/// `@media` inside `@media` is allowed this deep; deeper blocks are dropped.
const MAX_MEDIA_DEPTH: usize = 2;

/// What the CSS filters need to know about the message view, and what they report back.
pub(crate) struct CssContext<'a> {
    /// Keep remote `url()`s (otherwise they become `none` and are counted).
    pub allow_remote: bool,
    /// Resolves a content id to an acceptable URL of the message's own part, or `None`.
    pub resolve_cid: &'a dyn Fn(&str) -> Option<String>,
    /// Prefix of every message class and id name, e.g. `lb-msg-`.
    pub prefix: &'a str,
    /// The wrapper class every selector is scoped to, e.g. `lb-msg`.
    pub scope: &'a str,
    remote_blocked: Cell<usize>,
}

impl<'a> CssContext<'a> {
    /// A context with no blocked reference counted yet.
    pub(crate) fn new(allow_remote: bool, resolve_cid: &'a dyn Fn(&str) -> Option<String>, prefix: &'a str, scope: &'a str) -> Self {
        CssContext { allow_remote, resolve_cid, prefix, scope, remote_blocked: Cell::new(0) }
    }

    /// Counts one remote `url()` removed because remote content is not allowed.
    pub(crate) fn count_blocked(&self) {
        self.remote_blocked.set(self.remote_blocked.get().saturating_add(1));
    }

    /// How many remote references were removed so far.
    pub(crate) fn remote_blocked(&self) -> usize {
        self.remote_blocked.get()
    }
}

/// Sanitizes a whole style sheet (the text of the message's `<style>` elements) into scoped rules, one
/// per line. Dropped: every at-rule but `@media` (so `@import`, `@font-face`, `@charset`, `@namespace`,
/// `@keyframes`, `@supports`, `@page`, `@layer`…), rules whose selectors are all unsupported, and
/// rules with no declaration left. The result never contains `<`, so it cannot close its `<style>`.
pub(crate) fn sanitize_stylesheet(css: &str, ctx: &CssContext<'_>) -> String {
    let mut parser = Parser::new(css);
    let text = rule_list(&mut parser, ctx, 0).join("\n");
    // Only a quoted attribute value in a selector can still hold `<`; `\3c ` is the same character in CSS.
    text.replace('<', "\\3c ")
}

fn rule_list(input: &mut Parser<'_>, ctx: &CssContext<'_>, depth: usize) -> Vec<String> {
    let mut rules = Rules { ctx, depth };
    StyleSheetParser::new(input, &mut rules).filter_map(Result::ok).collect()
}

struct Rules<'c, 'a> {
    ctx: &'c CssContext<'a>,
    depth: usize,
}

type Reject = ParseError<()>;

impl<'i> QualifiedRuleParser<'i> for Rules<'_, '_> {
    type Prelude = ScopedSelectors;
    type QualifiedRule = String;
    type Error = ();

    fn parse_prelude(&mut self, input: &mut Parser<'i>) -> Result<ScopedSelectors, Reject> {
        let scoped = scope_selectors(input, self.ctx.prefix, self.ctx.scope);
        // Selectors that were dropped may have left tokens behind: the prelude must be used up.
        while input.next().is_ok() {}
        scoped.ok_or_else(ParseError::unexpected_token)
    }

    fn parse_block(&mut self, prelude: ScopedSelectors, _start: &ParserState, input: &mut Parser<'i>) -> Result<String, Reject> {
        let declarations = filter_declarations(input, self.ctx, prelude.on_root);
        if declarations.is_empty() {
            return Err(ParseError::unexpected_token());
        }
        Ok(format!("{}{{{}}}", prelude.text, declarations.join(";")))
    }
}

impl<'i> AtRuleParser<'i> for Rules<'_, '_> {
    type Prelude = String;
    type AtRule = String;
    type Error = ();

    fn parse_prelude(&mut self, name: CowRcStr<'i>, input: &mut Parser<'i>) -> Result<String, Reject> {
        if !name.eq_ignore_ascii_case("media") || self.depth >= MAX_MEDIA_DEPTH {
            return Err(ParseError::unexpected_token());
        }
        let mut out = String::new();
        media_query(input, &mut out, 0)?;
        Ok(out.trim().to_string())
    }

    fn parse_block(&mut self, prelude: String, _start: &ParserState, input: &mut Parser<'i>) -> Result<String, Reject> {
        let rules = rule_list(input, self.ctx, self.depth + 1);
        if rules.is_empty() {
            return Err(ParseError::unexpected_token());
        }
        Ok(format!("@media {prelude}{{\n{}\n}}", rules.join("\n")))
    }
}

/// Rebuilds a media query list (`screen and (max-width: 600px)`) from plain tokens only.
fn media_query(input: &mut Parser<'_>, out: &mut String, depth: usize) -> Result<(), Reject> {
    let mut last = TokenSerializationType::default();
    let mut space = false;
    loop {
        let token = match input.next_including_whitespace() {
            Ok(token) => token.clone(),
            Err(_) => return Ok(()),
        };
        match token {
            Token::WhiteSpace(_) => {
                space = true;
                continue;
            }
            Token::Ident(ref name) if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {}
            Token::Number { .. } | Token::Dimension { .. } | Token::Colon | Token::Comma | Token::Delim('/') => {}
            Token::ParenthesisBlock if depth < 4 => {}
            _ => return Err(ParseError::unexpected_token()),
        }
        let kind = token.serialization_type();
        if space || last.needs_separator_when_before(kind) {
            out.push(' ');
        }
        space = false;
        last = kind;
        let _ = token.to_css(out);
        if matches!(token, Token::ParenthesisBlock) {
            input.parse_nested_block(|nested| media_query(nested, out, depth + 1))?;
            out.push(')');
            last = Token::CloseParenthesis.serialization_type();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(css: &str, allow_remote: bool) -> (String, usize) {
        let resolve = |id: &str| (id == "bg@x").then(|| "/parts/bg".to_string());
        let ctx = CssContext::new(allow_remote, &resolve, "lb-msg-", "lb-msg");
        let out = sanitize_stylesheet(css, &ctx);
        (out, ctx.remote_blocked())
    }

    #[test]
    fn stylesheets_keep_only_scoped_style_rules() {
        let cases: &[(&str, &str)] = &[
            ("p { color: red }", ".lb-msg p{color:red}"),
            (
                "body { margin: 0; position: fixed; top: 0; left: 0; width: 100%; height: 100%; z-index: 99999 }",
                ".lb-msg{margin:0;width:100%;height:100%}",
            ),
            ("@import url(http://evil.example/x.css); p{color:red}", ".lb-msg p{color:red}"),
            ("@import 'x.css'", ""),
            ("@charset 'utf-8'; @namespace svg url(http://www.w3.org/2000/svg); a{color:blue}", ".lb-msg a{color:blue}"),
            ("@font-face { font-family: X; src: url(http://x/f.woff) }", ""),
            ("@keyframes k { from { color: red } }", ""),
            ("@supports (display: grid) { p { color: red } }", ""),
            ("@page { margin: 1cm }", ""),
            (
                "@media only screen and (max-width: 600px) { .col { width: 100% !important } }",
                "@media only screen and (max-width: 600px){\n.lb-msg .lb-msg-col{width:100% !important}\n}",
            ),
            ("@media screen { @import url(x.css); p { color: red } }", "@media screen{\n.lb-msg p{color:red}\n}"),
            ("@media url(x) { p { color: red } }", ""),
            ("@media a { @media b { @media c { p { color: red } } } }", ""),
            ("<!-- p { color: red } -->", ".lb-msg p{color:red}"),
            ("p { color: red; } svg|a, div body { color: red }", ".lb-msg p{color:red}"),
            ("p { behavior: url(x.htc); -moz-binding: url(x.xml#b) }", ""),
            ("p { width: expression(alert(1)) } a { color: red }", ".lb-msg a{color:red}"),
            ("p { color: red; a { color: blue } }", ".lb-msg p{color:red}"),
            (
                "a[title='</style><script>alert(1)</script>'] { color: red }",
                ".lb-msg a[title=\"\\3c /style>\\3c script>alert(1)\\3c /script>\"]{color:red}",
            ),
            ("}}}{{{ p { color: red", ""),
            ("p { color: red", ".lb-msg p{color:red}"),
        ];
        for (input, want) in cases {
            assert_eq!(sheet(input, false).0, *want, "sheet {input:?}");
        }
    }

    #[test]
    fn remote_urls_in_sheets_are_counted_and_cids_resolved() {
        let css = "td { background: url(http://x/a.png) } p { background-image: url('https://x/b.png') } div { background: url(cid:bg@x) }";
        let (out, blocked) = sheet(css, false);
        assert_eq!(out, ".lb-msg td{background:none}\n.lb-msg p{background-image:none}\n.lb-msg div{background:url(\"/parts/bg\")}");
        assert_eq!(blocked, 2);
        let (out, blocked) = sheet(css, true);
        assert!(out.contains("url(\"http://x/a.png\")") && out.contains("url(\"https://x/b.png\")"), "{out}");
        assert_eq!(blocked, 0);
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let css = format!("p {{ color: {}red{} }}", "calc(".repeat(10_000), ")".repeat(10_000));
        assert_eq!(sheet(&css, false).0, "");
        let css = format!("{}p{{color:red}}{}", "@media screen{".repeat(10_000), "}".repeat(10_000));
        assert_eq!(sheet(&css, false).0, "");
    }
}
