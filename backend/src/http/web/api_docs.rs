//! `GET /api/docs`: the API reference as one HTML page, made by the server from its own OpenAPI
//! document: no external script, font or stylesheet, so it works offline and under the app's CSP.

use std::fmt::Write;
use std::sync::OnceLock;

use axum::http::header;
use axum::response::{Html, IntoResponse};
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// `GET /api/docs`.
pub async fn api_docs() -> impl IntoResponse {
    static PAGE: OnceLock<String> = OnceLock::new();
    let page = PAGE.get_or_init(|| render(&serde_json::to_value(crate::http::api::openapi()).unwrap_or_default())).clone();
    ([(header::CACHE_CONTROL, "public, max-age=300")], Html(page))
}

/// HTML-escapes text for element content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text with `code` spans (the doc comments' backticks) kept as `<code>`.
fn prose(text: &str) -> String {
    text.split('`').enumerate().map(|(i, part)| if i % 2 == 1 { format!("<code>{}</code>", esc(part)) } else { esc(part) }).collect()
}

/// An anchor id from an operation's method and path.
fn anchor(method: &str, path: &str) -> String {
    let slug: String = path.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    format!("{method}{slug}")
}

/// The short type of a schema: a link for a `$ref`, `array of …`, `string (date-time)`, `A | B`.
fn type_of(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        return format!("<a href=\"#schema-{0}\">{0}</a>", esc(name));
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(parts) = schema.get(key).and_then(Value::as_array) {
            let joined: Vec<String> = parts.iter().map(type_of).collect();
            return joined.join(if key == "allOf" { " &amp; " } else { " | " });
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let names: Vec<String> = values.iter().map(|v| format!("<code>{}</code>", esc(&v.to_string()))).collect();
        return format!("one of {}", names.join(", "));
    }
    let types: Vec<String> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    };
    let mut parts = Vec::new();
    for t in &types {
        let text = match t.as_str() {
            "array" => format!("array of {}", schema.get("items").map(type_of).unwrap_or_else(|| "any".into())),
            "object" if schema.get("additionalProperties").is_some_and(Value::is_object) => {
                format!("map of {}", type_of(&schema["additionalProperties"]))
            }
            other => match schema.get("format").and_then(Value::as_str) {
                Some(format) => format!("{} ({})", esc(other), esc(format)),
                None => esc(other),
            },
        };
        parts.push(text);
    }
    if parts.is_empty() { "any".into() } else { parts.join(" | ") }
}

/// An object's properties as a table (name, type, required, description).
fn properties_table(schema: &Value) -> String {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return String::new();
    };
    let required: Vec<&str> =
        schema.get("required").and_then(Value::as_array).map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    let mut out = String::from("<table><thead><tr><th>field</th><th>type</th><th>description</th></tr></thead><tbody>");
    for (name, property) in properties {
        let flag = if required.contains(&name.as_str()) { " <span class=\"required\">required</span>" } else { "" };
        let description = property.get("description").and_then(Value::as_str).unwrap_or("");
        let _ =
            write!(out, "<tr><td><code>{}</code>{flag}</td><td>{}</td><td>{}</td></tr>", esc(name), type_of(property), prose(description));
    }
    out.push_str("</tbody></table>");
    out
}

/// A schema: its type, its properties and any example.
fn schema_block(schema: &Value) -> String {
    let mut out = format!("<p class=\"type\">{}</p>", type_of(schema));
    if schema.get("$ref").is_none() {
        out.push_str(&properties_table(schema));
    }
    out
}

/// The examples of a media type (`example` or `examples`) as preformatted JSON.
fn examples(media: &Value) -> String {
    let mut out = String::new();
    let mut show = |value: &Value| {
        let text = match value {
            Value::String(s) => s.clone(),
            other => serde_json::to_string_pretty(other).unwrap_or_default(),
        };
        let _ = write!(out, "<details><summary>Example</summary><pre><code>{}</code></pre></details>", esc(&text));
    };
    if let Some(example) = media.get("example") {
        show(example);
    }
    if let Some(named) = media.get("examples").and_then(Value::as_object) {
        for example in named.values() {
            if let Some(value) = example.get("value") {
                show(value);
            }
        }
    }
    out
}

/// Each content type of a request body or response with its schema and examples.
fn content(content: Option<&Value>) -> String {
    let mut out = String::new();
    for (media_type, media) in content.and_then(Value::as_object).into_iter().flatten() {
        let _ = write!(out, "<div class=\"media\"><p><code>{}</code></p>", esc(media_type));
        if let Some(schema) = media.get("schema") {
            out.push_str(&schema_block(schema));
        }
        out.push_str(&examples(media));
        out.push_str("</div>");
    }
    out
}

/// Follows a `$ref` to `#/components/...` within the document.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/")) {
        Some(pointer) => doc.pointer(&format!("/{pointer}")).unwrap_or(value),
        None => value,
    }
}

fn operation(out: &mut String, doc: &Value, method: &str, path: &str, op: &Value) {
    let id = anchor(method, path);
    let _ = write!(
        out,
        "<section class=\"operation\" id=\"{id}\"><h3><span class=\"method method-{method}\">{}</span> <code>{}</code></h3>",
        method.to_uppercase(),
        esc(path)
    );
    if let Some(summary) = op.get("summary").and_then(Value::as_str) {
        let _ = write!(out, "<p class=\"summary\">{}</p>", prose(summary));
    }
    if let Some(description) = op.get("description").and_then(Value::as_str) {
        for paragraph in description.split("\n\n") {
            let _ = write!(out, "<p>{}</p>", prose(paragraph));
        }
    }
    let secured =
        op.get("security").and_then(Value::as_array).is_some_and(|s| s.iter().any(|r| r.as_object().is_some_and(|o| !o.is_empty())));
    out.push_str(if secured {
        "<p class=\"auth\">Needs <code>Authorization: Bearer &lt;token&gt;</code>.</p>"
    } else {
        "<p class=\"auth\">No token needed.</p>"
    });
    if let Some(parameters) = op.get("parameters").and_then(Value::as_array).filter(|p| !p.is_empty()) {
        out.push_str("<h4>Parameters</h4><table><thead><tr><th>name</th><th>in</th><th>type</th><th>description</th></tr></thead><tbody>");
        for parameter in parameters.iter().map(|p| resolve(doc, p)) {
            let name = parameter.get("name").and_then(Value::as_str).unwrap_or("");
            let location = parameter.get("in").and_then(Value::as_str).unwrap_or("");
            let required = parameter.get("required").and_then(Value::as_bool).unwrap_or(false);
            let flag = if required { " <span class=\"required\">required</span>" } else { "" };
            let kind = parameter.get("schema").map(type_of).unwrap_or_default();
            let description = parameter.get("description").and_then(Value::as_str).unwrap_or("");
            let _ = write!(
                out,
                "<tr><td><code>{}</code>{flag}</td><td>{}</td><td>{kind}</td><td>{}</td></tr>",
                esc(name),
                esc(location),
                prose(description)
            );
        }
        out.push_str("</tbody></table>");
    }
    if let Some(body) = op.get("requestBody").map(|b| resolve(doc, b)) {
        let required = if body.get("required").and_then(Value::as_bool).unwrap_or(false) { " (required)" } else { "" };
        let _ = write!(out, "<h4>Request body{required}</h4>");
        if let Some(description) = body.get("description").and_then(Value::as_str) {
            let _ = write!(out, "<p>{}</p>", prose(description));
        }
        out.push_str(&content(body.get("content")));
    }
    out.push_str("<h4>Responses</h4><dl class=\"responses\">");
    for (status, response) in op.get("responses").and_then(Value::as_object).into_iter().flatten() {
        let response = resolve(doc, response);
        let description = response.get("description").and_then(Value::as_str).unwrap_or("");
        let class = status.chars().next().map(|c| format!("status-{c}xx")).unwrap_or_default();
        let _ = write!(out, "<dt><span class=\"status {class}\">{}</span> {}</dt><dd>", esc(status), prose(description));
        for header in response.get("headers").and_then(Value::as_object).into_iter().flatten().map(|(name, _)| name) {
            let _ = write!(out, "<p>Header <code>{}</code></p>", esc(header));
        }
        out.push_str(&content(response.get("content")));
        out.push_str("</dd>");
    }
    out.push_str("</dl></section>");
}

/// One operation: method, path, the operation object.
type Entry = (String, String, Value);

/// The whole page for an OpenAPI document.
pub fn render(doc: &Value) -> String {
    let title = doc.pointer("/info/title").and_then(Value::as_str).unwrap_or("API");
    let version = doc.pointer("/info/version").and_then(Value::as_str).unwrap_or("");
    let description = doc.pointer("/info/description").and_then(Value::as_str).unwrap_or("");
    let paths = doc.get("paths").and_then(Value::as_object).cloned().unwrap_or_default();
    // Operations grouped by their first tag, in the order tags first appear.
    let mut groups: Vec<(String, Vec<Entry>)> = Vec::new();
    for (path, item) in &paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let tag = op.pointer("/tags/0").and_then(Value::as_str).unwrap_or("other").to_string();
            let entry = (method.to_string(), path.clone(), op.clone());
            match groups.iter_mut().find(|(t, _)| *t == tag) {
                Some((_, list)) => list.push(entry),
                None => groups.push((tag, vec![entry])),
            }
        }
    }
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{0} — reference</title><link rel=\"icon\" href=\"/static/icon.svg\"><link rel=\"stylesheet\" href=\"/static/app.css\">\
         <link rel=\"stylesheet\" href=\"/static/api-docs.css\"></head><body class=\"api-docs\"><a class=\"skip\" href=\"#main\">Skip to content</a>\
         <nav class=\"api-toc\" aria-label=\"Operations\"><p class=\"brand\">{0} <span class=\"muted\">v{1}</span></p>",
        esc(title),
        esc(version)
    );
    for (tag, operations) in &groups {
        let _ = write!(out, "<h2>{}</h2><ul>", esc(tag));
        for (method, path, _) in operations {
            let _ = write!(
                out,
                "<li><a href=\"#{}\"><span class=\"method method-{method}\">{}</span> {}</a></li>",
                anchor(method, path),
                method.to_uppercase(),
                esc(path)
            );
        }
        out.push_str("</ul>");
    }
    out.push_str("<h2>Schemas</h2><ul>");
    let schemas = doc.pointer("/components/schemas").and_then(Value::as_object).cloned().unwrap_or_default();
    for name in schemas.keys() {
        let _ = write!(out, "<li><a href=\"#schema-{0}\">{0}</a></li>", esc(name));
    }
    let _ = write!(
        out,
        "</ul></nav><main id=\"main\"><h1>{}</h1><p>{}</p><p>The machine-readable document: \
         <a href=\"/api/v1/openapi.json\"><code>/api/v1/openapi.json</code></a> (OpenAPI {}). Log in with \
         <code>POST /api/v1/session</code> and send the <code>accessToken</code> as <code>Authorization: Bearer …</code>. \
         Every error is <code>application/problem+json</code> (RFC 9457, schema <a href=\"#schema-Problem\">Problem</a>).</p>",
        esc(title),
        prose(description),
        esc(doc.get("openapi").and_then(Value::as_str).unwrap_or(""))
    );
    for (tag, operations) in &groups {
        let _ = write!(out, "<h2 class=\"tag\">{}</h2>", esc(tag));
        for (method, path, op) in operations {
            operation(&mut out, doc, method, path, op);
        }
    }
    out.push_str("<h2 class=\"tag\">Schemas</h2>");
    for (name, schema) in &schemas {
        let _ = write!(out, "<section class=\"schema\" id=\"schema-{0}\"><h3>{0}</h3>", esc(name));
        if let Some(description) = schema.get("description").and_then(Value::as_str) {
            let _ = write!(out, "<p>{}</p>", prose(description));
        }
        out.push_str(&schema_block(schema));
        if let Some(example) = schema.get("example") {
            out.push_str(&examples(&serde_json::json!({ "example": example })));
        }
        out.push_str("</section>");
    }
    out.push_str("</main></body></html>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_and_schema_is_on_the_page() {
        let doc = serde_json::to_value(crate::http::api::openapi()).unwrap();
        let page = render(&doc);
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
                assert!(page.contains(&format!("id=\"{}\"", anchor(method, path))), "{method} {path}");
            }
        }
        for name in doc["components"]["schemas"].as_object().unwrap().keys() {
            assert!(page.contains(&format!("id=\"schema-{name}\"")), "{name}");
        }
        assert!(!page.contains("<script") && !page.contains("style="), "no inline script or style");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(esc("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        assert_eq!(prose("use `<b>` here"), "use <code>&lt;b&gt;</code> here");
    }
}
