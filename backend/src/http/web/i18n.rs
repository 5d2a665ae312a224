//! The UI's language: Fluent message catalogs (English, German) compiled into the binary, the
//! language a request gets (setting cookie, then `Accept-Language`), and dates and numbers in it.

use std::sync::OnceLock;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::cookie::CookieJar;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use time::OffsetDateTime;

/// The cookie that remembers a chosen language.
pub const LANG_COOKIE: &str = "lb_lang";

/// A language the UI speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    De,
}

impl Lang {
    /// Every language, for the settings page.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::De];

    /// The BCP 47 code (`<html lang>`, the setting's value).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
        }
    }

    /// Parses a code such as `de`, `de-AT` or `en_GB`.
    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().get(..2)? {
            "en" => Some(Lang::En),
            "de" => Some(Lang::De),
            _ => None,
        }
    }

    /// The best language for an `Accept-Language` header (quality values honoured).
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut ranked: Vec<(f32, Lang)> = header
            .split(',')
            .filter_map(|item| {
                let mut parts = item.split(';');
                let lang = Lang::parse(parts.next()?)?;
                let q = parts.find_map(|p| p.trim().strip_prefix("q=")?.parse::<f32>().ok()).unwrap_or(1.0);
                (q > 0.0).then_some((q, lang))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranked.first().map(|(_, lang)| *lang)
    }

    fn bundle(self) -> &'static FluentBundle<FluentResource> {
        static BUNDLES: OnceLock<[FluentBundle<FluentResource>; 2]> = OnceLock::new();
        let bundles = BUNDLES.get_or_init(|| {
            [
                bundle("en", include_str!("../../../../frontend/locales/en.ftl")),
                bundle("de", include_str!("../../../../frontend/locales/de.ftl")),
            ]
        });
        &bundles[self as usize]
    }
}

fn bundle(code: &str, source: &str) -> FluentBundle<FluentResource> {
    let resource =
        FluentResource::try_new(source.to_string()).unwrap_or_else(|(_, errors)| panic!("{code}.ftl does not parse: {errors:?}"));
    let mut bundle = FluentBundle::new_concurrent(vec![code.parse().expect("a language id")]);
    // No Unicode isolation marks around arguments: they would end up in titles and attributes.
    bundle.set_use_isolating(false);
    bundle.add_resource(resource).unwrap_or_else(|errors| panic!("{code}.ftl has duplicate messages: {errors:?}"));
    bundle
}

/// A translator for one request. Templates call `t.t("id")` and `t.t1("id", "name", value)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    /// The message `id`; English when this language lacks it, the id itself when both do.
    pub fn t(&self, id: &str) -> String {
        self.format(id, None)
    }

    /// The message `id` with one argument.
    pub fn t1(&self, id: &str, name: &str, value: impl ToString) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_string(), FluentValue::from(value.to_string()));
        self.format(id, Some(&args))
    }

    /// The message `id` with two arguments.
    pub fn t2(&self, id: &str, a: (&str, String), b: (&str, String)) -> String {
        let mut args = FluentArgs::new();
        args.set(a.0.to_string(), FluentValue::from(a.1));
        args.set(b.0.to_string(), FluentValue::from(b.1));
        self.format(id, Some(&args))
    }

    /// The message `id` with any number of (text) arguments.
    pub fn args(&self, id: &str, args: &[(&str, String)]) -> String {
        let mut fluent = FluentArgs::new();
        for (name, value) in args {
            fluent.set(name.to_string(), FluentValue::from(value.clone()));
        }
        self.format(id, Some(&fluent))
    }

    /// The message `id` with two text arguments (the form templates can call).
    pub fn t2s(&self, id: &str, a: &str, a_value: &str, b: &str, b_value: &str) -> String {
        self.args(id, &[(a, a_value.to_string()), (b, b_value.to_string())])
    }

    /// A plural-aware message: `count` is passed as the number `n` (for Fluent's plural
    /// selectors) with the formatted number as `count`.
    pub fn count(&self, id: &str, n: impl std::borrow::Borrow<usize>) -> String {
        let n = *n.borrow();
        let mut args = FluentArgs::new();
        args.set("n", FluentValue::from(n as f64));
        args.set("count", FluentValue::from(self.number(n)));
        self.format(id, Some(&args))
    }

    fn format(&self, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        for lang in [self.lang, Lang::En] {
            let bundle = lang.bundle();
            if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                return bundle.format_pattern(pattern, args, &mut errors).into_owned();
            }
        }
        id.to_string()
    }

    /// A whole number with the language's digit grouping: 100,000 / 100.000.
    pub fn number(&self, n: usize) -> String {
        let digits = n.to_string();
        let separator = match self.lang {
            Lang::En => ',',
            Lang::De => '.',
        };
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(separator);
            }
            out.push(c);
        }
        out
    }

    /// A list date: the time today ("10:42"), the weekday within the last week ("Mon" / "Mo"),
    /// day and month this year ("3 Mar" / "3. März"), else the ISO date ("2019-03-03").
    pub fn date_label(&self, iso: &str, now: OffsetDateTime) -> String {
        let Ok(date) = OffsetDateTime::parse(iso, &time::format_description::well_known::Rfc3339) else { return iso.to_string() };
        let date = date.to_offset(now.offset());
        let days = (now.date() - date.date()).whole_days();
        if days == 0 {
            format!("{:02}:{:02}", date.hour(), date.minute())
        } else if (1..7).contains(&days) {
            self.t(&format!("weekday-{}", date.weekday().number_days_from_monday()))
        } else if date.year() == now.year() && days > 0 {
            self.t2("date-day-month", ("day", date.day().to_string()), ("month", self.t(&format!("month-{}", u8::from(date.month())))))
        } else {
            format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
        }
    }

    /// A full date and time for the reading view ("Tue, 3 Mar 2026, 10:42").
    pub fn date_long(&self, iso: &str) -> String {
        let Ok(date) = OffsetDateTime::parse(iso, &time::format_description::well_known::Rfc3339) else { return iso.to_string() };
        self.t2(
            "date-long",
            (
                "date",
                self.t2("date-day-month", ("day", date.day().to_string()), ("month", self.t(&format!("month-{}", u8::from(date.month()))))),
            ),
            ("rest", format!("{} {:02}:{:02}", date.year(), date.hour(), date.minute())),
        )
    }

    /// The language code (`<html lang>`).
    pub fn code(&self) -> &'static str {
        self.lang.code()
    }
}

impl Tr {
    /// The language of a request: the setting's cookie, then `Accept-Language`, then English.
    pub fn of_headers(headers: &axum::http::HeaderMap) -> Tr {
        let jar = CookieJar::from_headers(headers);
        let chosen = jar.get(LANG_COOKIE).and_then(|c| Lang::parse(c.value()));
        let accepted = headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Lang::from_accept_language);
        Tr { lang: chosen.or(accepted).unwrap_or_default() }
    }

    /// The language of the request being handled (see [`with_request_lang`]); English outside one.
    pub fn current() -> Tr {
        REQUEST_LANG.try_with(|t| *t).unwrap_or_default()
    }

    /// The translated subject, for the placeholder mail parsing gives a message without one.
    pub fn subject(&self, subject: &str) -> String {
        if subject == crate::mail::parse::NO_SUBJECT { self.t("no-subject") } else { subject.to_string() }
    }

    /// A plural message for the browser script (its `other` form), with `{count}` left for the
    /// script to fill in.
    pub fn count_for_script(&self, id: &str) -> String {
        self.args(id, &[("n", "other".to_string()), ("count", "{count}".to_string())])
    }
}

tokio::task_local! {
    static REQUEST_LANG: Tr;
}

/// Middleware: remembers the request's language while it is handled, so that pages rendered
/// without an extractor (the HTML error page, from `HtmlError`) speak it too.
pub async fn with_request_lang(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let tr = Tr::of_headers(request.headers());
    REQUEST_LANG.scope(tr, next.run(request)).await
}

impl<S: Send + Sync> FromRequestParts<S> for Tr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Tr::of_headers(&parts.headers))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation() {
        let cases = [
            ("de-DE,de;q=0.9,en;q=0.8", Some(Lang::De)),
            ("fr-FR, en;q=0.5, de;q=0.7", Some(Lang::De)),
            ("en-GB", Some(Lang::En)),
            ("fr, es", None),
            ("de;q=0, en;q=0.1", Some(Lang::En)),
            ("", None),
        ];
        for (header, expected) in cases {
            assert_eq!(Lang::from_accept_language(header), expected, "{header}");
        }
    }

    #[test]
    fn numbers_and_dates_per_language() {
        let (en, de) = (Tr { lang: Lang::En }, Tr { lang: Lang::De });
        assert_eq!(
            (en.number(100_000), de.number(100_000), en.number(999), de.number(1_234_567)),
            ("100,000".into(), "100.000".into(), "999".into(), "1.234.567".into())
        );
        let now = OffsetDateTime::parse("2026-03-12T15:00:00Z", &time::format_description::well_known::Rfc3339).unwrap();
        let cases = [
            ("2026-03-12T10:42:00Z", "10:42", "10:42"),
            ("2026-03-09T10:42:00Z", "Mon", "Mo"),
            ("2026-03-03T10:42:00Z", "3 Mar", "3. März"),
            ("2019-03-03T10:42:00Z", "2019-03-03", "2019-03-03"),
        ];
        for (iso, english, german) in cases {
            assert_eq!((en.date_label(iso, now), de.date_label(iso, now)), (english.to_string(), german.to_string()), "{iso}");
        }
    }

    #[test]
    fn catalogs_have_the_same_messages() {
        let ids = |source: &str| -> std::collections::BTreeSet<String> {
            source
                .lines()
                .filter(|l| !l.starts_with([' ', '#', '.', '*', '[']) && l.contains(" ="))
                .map(|l| l.split(" =").next().unwrap().to_string())
                .collect()
        };
        let en = ids(include_str!("../../../../frontend/locales/en.ftl"));
        let de = ids(include_str!("../../../../frontend/locales/de.ftl"));
        assert_eq!(en.difference(&de).collect::<Vec<_>>(), Vec::<&String>::new(), "missing in de.ftl");
        assert_eq!(de.difference(&en).collect::<Vec<_>>(), Vec::<&String>::new(), "missing in en.ftl");
        assert_eq!(Tr { lang: Lang::De }.t("log-in"), "Anmelden");
        let (en, de) = (Tr { lang: Lang::En }, Tr { lang: Lang::De });
        assert!(en.count("remote-blocked", 1).starts_with("One remote"), "{}", en.count("remote-blocked", 1));
        assert!(en.count("remote-blocked", 1200).starts_with("1,200 remote"));
        assert!(de.count("remote-blocked", 3).starts_with("3 externe"));
        assert_eq!(en.t1("list-unread", "count", en.number(1500)), "1,500 unread");
    }
}
