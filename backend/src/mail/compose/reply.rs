//! Replies and forwards: who to answer, the `Re:`/`Fwd:` subject, the threading headers and the quoted original.

use std::collections::HashSet;

use time::UtcOffset;

use super::quote::{forward_block, reply_quote};
use super::validate::is_message_id;
use crate::mail::EmailAddress;
use crate::mail::parse::{NO_SUBJECT, ParsedMessage};

/// What the user is doing with the original message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyAction {
    /// Answer the author (Reply-To, else From).
    Reply,
    /// Answer the author and every other recipient except the user.
    ReplyAll,
    /// Send the message on to someone new.
    Forward,
}

/// The original message and who the user is.
#[derive(Debug, Clone, Copy)]
pub struct ReplyContext<'a> {
    pub original: &'a ParsedMessage,
    /// Lowercase addresses of the user's identities: never answered to themselves in a Reply All.
    pub own_addresses: &'a [String],
    pub action: ReplyAction,
    /// The user's offset from UTC, for the date in the attribution line ("On Tue, 3 Mar 2026 at
    /// 10:42, …"); `UtcOffset::UTC` when unknown. The wording itself is English.
    pub utc_offset: UtcOffset,
}

/// The fields of the compose form, filled in from the original.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplyPrefill {
    pub to: Vec<EmailAddress>,
    pub cc: Vec<EmailAddress>,
    pub subject: String,
    /// The original's Message-ID; `None` for a forward or when the original has none.
    pub in_reply_to: Option<String>,
    /// The thread: the original's References (or In-Reply-To) then its Message-ID, oldest first,
    /// deduplicated, at most 11 (the first, then the last 10). Empty for a forward.
    pub references: Vec<String>,
    /// The body to start from: the attribution line and the `>`-quoted original for a reply, the
    /// forwarded-message block for a forward. Starts with two line breaks for the user's text.
    pub quoted_text: String,
}

/// Keep the thread root and the latest ids: enough for every client's threading, and References
/// stays a few lines long even in endless threads (RFC 5322 §3.6.4 allows trimming the middle).
const MAX_REFERENCES: usize = 11;

/// Prefixes that mean "reply" in the mail clients of the world (Re, German Aw/Antw, Nordic Sv/Vs,
/// Polish Odp, Italian Rif).
const REPLY_PREFIXES: &[&str] = &["re", "aw", "antw", "sv", "vs", "odp", "rif"];
/// Prefixes that mean "forward" (Fwd/Fw, German WG, French TR, Spanish RV, Portuguese Enc).
const FORWARD_PREFIXES: &[&str] = &["fwd", "fw", "wg", "tr", "rv", "enc"];

/// Fills in a reply, reply-all or forward of `ctx.original`.
///
/// Recipients: Reply answers Reply-To if the original has one, else From; Reply All adds the
/// original To, and takes its Cc as Cc. The user's own addresses (case-insensitive) and duplicates
/// are removed, an address in To is not repeated in Cc. When nothing is left in To (the user
/// answering their own sent message) the original To is answered instead, else (Reply All) the
/// Cc moves up to To; when all of them are the user (a note to self) the author is kept. Addresses without an email (groups) are skipped.
/// A forward has no recipients, no In-Reply-To and no References.
pub fn prefill(ctx: &ReplyContext<'_>) -> ReplyPrefill {
    let original = ctx.original;
    let subject = if original.headers.subject == NO_SUBJECT { "" } else { original.headers.subject.as_str() };
    if ctx.action == ReplyAction::Forward {
        return ReplyPrefill {
            subject: forward_subject(subject),
            quoted_text: forward_block(original, ctx.utc_offset),
            ..ReplyPrefill::default()
        };
    }
    let (to, cc) = recipients(ctx);
    ReplyPrefill {
        to,
        cc,
        subject: reply_subject(subject),
        in_reply_to: original.message_id.clone().filter(|id| is_message_id(id)),
        references: references(original),
        quoted_text: reply_quote(original, ctx.utc_offset),
    }
}

fn recipients(ctx: &ReplyContext<'_>) -> (Vec<EmailAddress>, Vec<EmailAddress>) {
    let headers = &ctx.original.headers;
    let author: Vec<&EmailAddress> =
        if ctx.original.reply_to.is_empty() { headers.from.iter().collect() } else { ctx.original.reply_to.iter().collect() };
    let all = ctx.action == ReplyAction::ReplyAll;
    let is_own = |a: &EmailAddress| ctx.own_addresses.iter().any(|own| own.trim().eq_ignore_ascii_case(a.email.trim()));
    let not_own = |a: &&EmailAddress| !is_own(a);

    let mut seen = HashSet::new();
    let candidates = author.iter().copied().chain(headers.to.iter().filter(|_| all));
    let mut to = unique(candidates.filter(not_own), &mut seen);
    if to.is_empty() {
        to = unique(headers.to.iter().filter(not_own), &mut seen);
    }
    let mut cc = if all { unique(headers.cc.iter().filter(not_own), &mut seen) } else { Vec::new() };
    if to.is_empty() {
        to = std::mem::take(&mut cc);
    }
    if to.is_empty() {
        to = unique(author.iter().copied().chain(&headers.to), &mut seen);
    }
    (to, cc)
}

/// The addresses not yet in `seen` (by lowercase email), in order; empty emails are skipped.
fn unique<'a>(addresses: impl Iterator<Item = &'a EmailAddress>, seen: &mut HashSet<String>) -> Vec<EmailAddress> {
    addresses.filter(|a| !a.email.trim().is_empty() && seen.insert(a.email.trim().to_ascii_lowercase())).cloned().collect()
}

fn references(original: &ParsedMessage) -> Vec<String> {
    // RFC 5322 §3.6.4: without References, the parent's In-Reply-To stands for the thread so far.
    let thread = if original.references.is_empty() { &original.in_reply_to } else { &original.references };
    let mut seen = HashSet::new();
    let mut ids: Vec<String> =
        thread.iter().chain(&original.message_id).filter(|id| is_message_id(id) && seen.insert(id.as_str())).cloned().collect();
    if ids.len() > MAX_REFERENCES {
        ids.drain(1..ids.len() - (MAX_REFERENCES - 1));
    }
    ids
}

/// `Re: ` and the subject without any reply or forward prefixes it had (`Re: Re[2]: AW: Fwd: Hi` →
/// `Re: Hi`). An empty subject gives `Re:`.
pub fn reply_subject(subject: &str) -> String {
    let rest = strip_prefixes(subject, &[REPLY_PREFIXES, FORWARD_PREFIXES]);
    format!("Re: {rest}").trim_end().to_string()
}

/// `Fwd: ` and the subject without the forward prefixes it had (`Fwd: FW: Hi` → `Fwd: Hi`); reply
/// prefixes stay (`Re: Hi` → `Fwd: Re: Hi`). An empty subject gives `Fwd:`.
pub fn forward_subject(subject: &str) -> String {
    let rest = strip_prefixes(subject, &[FORWARD_PREFIXES]);
    format!("Fwd: {rest}").trim_end().to_string()
}

fn strip_prefixes<'s>(subject: &'s str, kinds: &[&[&str]]) -> &'s str {
    let mut rest = subject.trim();
    while let Some(after) = strip_prefix(rest, kinds) {
        rest = after.trim_start();
    }
    rest
}

/// One prefix at the start of `subject`: a known word in any case, an optional counter (`Re[2]:`,
/// `Re(2):`), optional spaces (the French `Re :`) and a colon (or a full-width one).
fn strip_prefix<'s>(subject: &'s str, kinds: &[&[&str]]) -> Option<&'s str> {
    let word_len = subject.bytes().take_while(u8::is_ascii_alphabetic).count();
    let word = &subject[..word_len];
    if !kinds.iter().any(|prefixes| prefixes.iter().any(|p| p.eq_ignore_ascii_case(word))) {
        return None;
    }
    let mut rest = &subject[word_len..];
    for (open, close) in [('[', ']'), ('(', ')')] {
        if let Some(inner) = rest.strip_prefix(open) {
            let digits = inner.bytes().take_while(u8::is_ascii_digit).count();
            rest = inner[digits..].strip_prefix(close).filter(|_| digits > 0)?;
        }
    }
    let rest = rest.trim_start_matches(' ');
    rest.strip_prefix(':').or_else(|| rest.strip_prefix('\u{ff1a}'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::parse::HeaderSummary;

    const ME: &str = "me@example.com";

    fn addr(email: &str) -> EmailAddress {
        EmailAddress { name: None, email: email.into() }
    }

    fn list(emails: &[&str]) -> Vec<EmailAddress> {
        emails.iter().map(|e| addr(e)).collect()
    }

    fn message(from: &str, reply_to: &[&str], to: &[&str], cc: &[&str]) -> ParsedMessage {
        ParsedMessage {
            headers: HeaderSummary {
                subject: "Hi".into(),
                from: Some(addr(from)),
                to: list(to),
                cc: list(cc),
                date: Some(1_772_534_520), // Tue, 3 Mar 2026 10:42 UTC
            },
            reply_to: list(reply_to),
            message_id: Some("m@example.org".into()),
            text: Some("Hello".into()),
            ..ParsedMessage::default()
        }
    }

    fn run(original: &ParsedMessage, action: ReplyAction) -> ReplyPrefill {
        let own = [ME.to_string(), "alias@example.com".to_string()];
        prefill(&ReplyContext { original, own_addresses: &own, action, utc_offset: UtcOffset::UTC })
    }

    fn emails(addresses: &[EmailAddress]) -> Vec<&str> {
        addresses.iter().map(|a| a.email.as_str()).collect()
    }

    #[test]
    fn recipients() {
        use ReplyAction::*;
        type Case<'a> = (ReplyAction, &'a str, &'a [&'a str], &'a [&'a str], &'a [&'a str], &'a [&'a str], &'a [&'a str]);
        let cases: &[Case<'_>] = &[
            // action, from, reply-to, to, cc => to, cc
            (Reply, "a@x.org", &[], &[ME, "b@x.org"], &["c@x.org"], &["a@x.org"], &[]),
            (Reply, "a@x.org", &["list@x.org"], &[ME], &[], &["list@x.org"], &[]),
            (
                ReplyAll,
                "a@x.org",
                &[],
                &[ME, "b@x.org", "c@x.org"],
                &["d@x.org", "ME@Example.COM"],
                &["a@x.org", "b@x.org", "c@x.org"],
                &["d@x.org"],
            ),
            (
                ReplyAll,
                "a@x.org",
                &[],
                &["A@x.org", "b@x.org"],
                &["b@x.org", "c@x.org", "alias@example.com"],
                &["a@x.org", "b@x.org"],
                &["c@x.org"],
            ),
            (ReplyAll, "a@x.org", &["r@x.org"], &[ME, "b@x.org"], &[], &["r@x.org", "b@x.org"], &[]),
            // The user's own sent message: answer its recipients.
            (Reply, ME, &[], &["b@x.org", "c@x.org"], &["d@x.org"], &["b@x.org", "c@x.org"], &[]),
            (ReplyAll, ME, &[], &["b@x.org"], &["c@x.org", ME], &["b@x.org"], &["c@x.org"]),
            (ReplyAll, "Alias@Example.com", &[], &[ME], &["c@x.org"], &["c@x.org"], &[]),
            // A note to self stays one.
            (Reply, ME, &[], &[ME], &[], &[ME], &[]),
            // Groups (no email) are skipped.
            (ReplyAll, "a@x.org", &[], &[""], &[""], &["a@x.org"], &[]),
        ];
        for (action, from, reply_to, to, cc, want_to, want_cc) in cases {
            let prefill = run(&message(from, reply_to, to, cc), *action);
            assert_eq!((emails(&prefill.to), emails(&prefill.cc)), (want_to.to_vec(), want_cc.to_vec()), "{action:?} {from} {to:?} {cc:?}");
        }
        let forward = run(&message("a@x.org", &[], &[ME], &[]), Forward);
        assert!(forward.to.is_empty() && forward.cc.is_empty() && forward.in_reply_to.is_none() && forward.references.is_empty());
    }

    #[test]
    fn subjects() {
        let replies = [
            ("Hi", "Re: Hi"),
            ("Re: Hi", "Re: Hi"),
            ("Re: Re: Hi", "Re: Hi"),
            ("RE: re: Hi", "Re: Hi"),
            ("Re[2]: Hi", "Re: Hi"),
            ("Re(3): Hi", "Re: Hi"),
            ("AW: Hi", "Re: Hi"),
            ("Aw: WG: Hi", "Re: Hi"),
            ("Fwd: Hi", "Re: Hi"),
            ("SV: VS: Hi", "Re: Hi"),
            ("Re : Hi", "Re: Hi"),
            ("Re\u{ff1a}Hi", "Re: Hi"),
            ("  Re:Hi  ", "Re: Hi"),
            ("Reply needed", "Re: Reply needed"),
            ("Rex: Hi", "Re: Rex: Hi"),
            ("Re[]: Hi", "Re: Re[]: Hi"),
            ("Hi Re: there", "Re: Hi Re: there"),
            ("Grüße", "Re: Grüße"),
            ("Re: ", "Re:"),
            ("", "Re:"),
        ];
        for (subject, want) in replies {
            assert_eq!(reply_subject(subject), want, "{subject:?}");
        }
        let forwards = [
            ("Hi", "Fwd: Hi"),
            ("Fwd: Fwd: Hi", "Fwd: Hi"),
            ("FW: Hi", "Fwd: Hi"),
            ("Re: Hi", "Fwd: Re: Hi"),
            ("WG: AW: Hi", "Fwd: AW: Hi"),
            ("", "Fwd:"),
        ];
        for (subject, want) in forwards {
            assert_eq!(forward_subject(subject), want, "{subject:?}");
        }
        let mut original = message("a@x.org", &[], &[], &[]);
        original.headers.subject = NO_SUBJECT.into();
        assert_eq!(run(&original, ReplyAction::Reply).subject, "Re:");
        assert_eq!(run(&original, ReplyAction::Forward).subject, "Fwd:");
    }

    #[test]
    fn threading() {
        let many: Vec<String> = (0..15).map(|i| format!("r{i}@x")).collect();
        // References, In-Reply-To, Message-ID => References of the reply.
        type Case<'a> = (Vec<String>, Vec<String>, Option<&'a str>, Vec<String>);
        let cases: Vec<Case<'_>> = vec![
            (vec![], vec![], Some("m@x"), vec!["m@x".into()]),
            (vec![], vec!["p@x".into()], Some("m@x"), vec!["p@x".into(), "m@x".into()]),
            (vec!["r1@x".into(), "r2@x".into()], vec!["r2@x".into()], Some("r2@x"), vec!["r1@x".into(), "r2@x".into()]),
            (vec!["bad id".into(), "r1@x".into()], vec![], Some("m@x"), vec!["r1@x".into(), "m@x".into()]),
            (vec!["r1@x".into()], vec![], None, vec!["r1@x".into()]),
            (many.clone(), vec![], Some("m@x"), [&many[..1], &many[6..], &["m@x".to_string()]].concat()),
        ];
        for (references, in_reply_to, message_id, want) in cases {
            let mut original = message("a@x.org", &[], &[], &[]);
            (original.references, original.in_reply_to, original.message_id) = (references, in_reply_to, message_id.map(str::to_string));
            let prefill = run(&original, ReplyAction::Reply);
            assert_eq!(prefill.references, want);
            assert_eq!(prefill.in_reply_to.as_deref(), message_id);
        }
    }

    #[test]
    fn quoting() {
        let mut original = message("ada@x.org", &[], &["b@x.org"], &[]);
        original.headers.from = Some(EmailAddress { name: Some("Ada".into()), email: "ada@x.org".into() });
        original.text = Some("Hello\r\n\r\n> earlier\n>> older\nBye\n\n".into());
        assert_eq!(
            run(&original, ReplyAction::Reply).quoted_text,
            "\n\nOn Tue, 3 Mar 2026 at 10:42, Ada <ada@x.org> wrote:\n> Hello\n>\n>> earlier\n>>> older\n> Bye"
        );
        assert_eq!(
            run(&original, ReplyAction::Forward).quoted_text,
            "\n\n---------- Forwarded message ---------\nFrom: Ada <ada@x.org>\nDate: Tue, 3 Mar 2026 at 10:42\nSubject: Hi\nTo: b@x.org\n\nHello\n\n> earlier\n>> older\nBye"
        );
        original.headers.date = None;
        original.headers.from = Some(addr("ada@x.org"));
        original.headers.cc = vec![EmailAddress { name: Some("Cy".into()), email: "c@x.org".into() }];
        original.text = None;
        original.html = Some("<p>Hi <b>there</b></p><p>Bye</p>".into());
        assert_eq!(run(&original, ReplyAction::Reply).quoted_text, "\n\nada@x.org wrote:\n> Hi there\n>\n> Bye");
        assert_eq!(
            run(&original, ReplyAction::Forward).quoted_text,
            "\n\n---------- Forwarded message ---------\nFrom: ada@x.org\nSubject: Hi\nTo: b@x.org\nCc: Cy <c@x.org>\n\nHi there\n\nBye"
        );
    }
}
