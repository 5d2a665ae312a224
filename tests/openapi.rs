//! The OpenAPI document: version 3.1, every API route listed, and every listed route routed.

use serde_json::Value;

#[test]
fn document_is_openapi_3_1_and_lists_every_route() {
    let doc: Value = serde_json::to_value(letterbox::http::api::openapi()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    let expected = [
        ("/api/v1/session", "post"),
        ("/api/v1/session", "get"),
        ("/api/v1/session", "delete"),
        ("/api/v1/mailboxes", "get"),
        ("/api/v1/mailboxes", "post"),
        ("/api/v1/mailboxes/{id}", "get"),
        ("/api/v1/mailboxes/{id}", "patch"),
        ("/api/v1/mailboxes/{id}", "delete"),
        ("/api/v1/mailboxes/{id}/messages", "get"),
        ("/api/v1/messages/{id}", "get"),
        ("/api/v1/messages/{id}", "patch"),
        ("/api/v1/messages/{id}", "delete"),
        ("/api/v1/messages/{id}/raw", "get"),
        ("/api/v1/messages/{id}/attachments/{partId}", "get"),
        ("/api/v1/messages/{id}/move", "post"),
        ("/api/v1/messages/{id}/copy", "post"),
        ("/api/v1/messages/batch", "post"),
        ("/api/v1/search", "get"),
        ("/api/v1/openapi.json", "get"),
        ("/api/v1/send", "post"),
        ("/api/v1/drafts", "post"),
        ("/api/v1/drafts/{id}", "get"),
        ("/api/v1/drafts/{id}", "put"),
        ("/api/v1/drafts/{id}", "delete"),
        ("/api/v1/drafts/{id}/send", "post"),
        ("/api/v1/identities", "get"),
        ("/api/v1/identities", "post"),
        ("/api/v1/identities/{id}", "patch"),
        ("/api/v1/identities/{id}", "delete"),
        ("/api/v1/identities/confirm", "post"),
        ("/api/v1/identities/{id}/confirmation", "post"),
        ("/api/v1/contacts", "get"),
        ("/api/v1/mailboxes/{id}/changes", "get"),
        ("/api/v1/mailboxes/{id}/export", "get"),
        ("/api/v1/events", "get"),
        ("/api/v1/tokens", "get"),
        ("/api/v1/tokens", "post"),
        ("/api/v1/tokens/{id}", "delete"),
        ("/api/v1/webhooks", "get"),
        ("/api/v1/webhooks", "post"),
        ("/api/v1/webhooks/{id}", "get"),
        ("/api/v1/webhooks/{id}", "delete"),
        ("/api/v1/webhooks/{id}/deliveries", "get"),
    ];
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in expected {
        let operation = &paths.get(path).unwrap_or_else(|| panic!("{path} missing"))[method];
        assert!(operation.is_object(), "{method} {path} missing");
        assert!(operation["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path} has no responses");
    }
    // Authenticated routes document the scope (403) and rate limit (429) problems.
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            if operation["security"].as_array().is_some_and(|s| !s.is_empty()) {
                for status in ["401", "403", "429"] {
                    assert!(operation["responses"][status].is_object(), "{method} {path} lacks {status}");
                }
            }
        }
    }
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(documented, expected.len(), "a route was added without updating this test (or the reverse)");
    // Every $ref points at a schema that exists.
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = piece.split('"').next().unwrap();
        assert!(schemas.contains_key(name), "dangling $ref {name}");
    }
}
