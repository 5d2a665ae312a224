//! `/api/v1/identities` (the From addresses a user sends as) and `/api/v1/contacts` (recipient
//! suggestions from what the user sent before).

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::AppState;
use crate::http::error::{AppError, Problem};
use crate::http::extract::{ApiJson, ApiPath, ApiUser};
use crate::http::web::i18n::Tr;
use crate::service::{ConfirmationMail, Contact, Identity, IdentityChanges};

/// A sender identity.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IdentityJson {
    id: String,
    email: String,
    name: Option<String>,
    reply_to: Option<String>,
    /// Plain text, added below new messages by the web UI.
    signature: String,
    is_default: bool,
    /// May send: in the login's domain or an operator-listed one, or confirmed through the link
    /// mailed to it. Sending from an unconfirmed identity is refused (422 on `from`).
    confirmed: bool,
    /// A confirmation link was mailed to the address and still works.
    pending_confirmation: bool,
}

impl From<Identity> for IdentityJson {
    fn from(i: Identity) -> Self {
        Self {
            id: i.id,
            email: i.email,
            name: i.name,
            reply_to: i.reply_to,
            signature: i.signature,
            is_default: i.is_default,
            confirmed: i.confirmed,
            pending_confirmation: i.pending_confirmation,
        }
    }
}

/// Where confirmation links point: `LETTERBOX_PUBLIC_URL`, else the listen address.
pub(crate) fn link_base(state: &AppState) -> String {
    // Never the request's Host: the adder chooses it, and the address's owner clicking a link to
    // the adder's host would hand over the token. Without a public URL, the address Letterbox
    // listens on is the best the operator has told us.
    match &state.config().public_url {
        Some(url) => url.as_str().trim_end_matches('/').to_string(),
        None => format!("http://{}", state.config().listen),
    }
}

/// The confirmation mail's subject and body in the request's language.
pub(crate) fn confirmation_text(t: Tr) -> impl Fn(&str, &str) -> (String, String) + Send + Sync {
    move |address, link| {
        (t.t1("identity-confirm-mail-subject", "address", address), t.t2s("identity-confirm-mail-body", "address", address, "link", link))
    }
}

/// The identity list (always one page).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IdentityList {
    items: Vec<IdentityJson>,
    next_cursor: Option<String>,
}

/// Fields of an identity to create or change. On PATCH, fields left out stay; `null` clears
/// `name` and `replyTo`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IdentityInput {
    #[serde(default)]
    email: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    reply_to: Option<Option<String>>,
    #[serde(default)]
    signature: Option<String>,
    #[serde(default)]
    is_default: Option<bool>,
}

/// Tells "absent" (outer `None`) from "null" (`Some(None)`).
fn double_option<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

impl From<IdentityInput> for IdentityChanges {
    fn from(i: IdentityInput) -> Self {
        Self { email: i.email, name: i.name, reply_to: i.reply_to, signature: i.signature, is_default: i.is_default }
    }
}

/// The user's identities, the default first (created from the login address on first use).
#[utoipa::path(get, path = "/api/v1/identities", tag = "identities", security(("bearer" = [])),
    responses((status = 200, description = "OK", body = IdentityList), (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json")))]
pub async fn list_identities(State(state): State<AppState>, ApiUser(user): ApiUser) -> Result<axum::Json<IdentityList>, AppError> {
    let items = state.letterbox.list_identities(&user).await?.into_iter().map(IdentityJson::from).collect();
    Ok(axum::Json(IdentityList { items, next_cursor: None }))
}

/// Add an identity.
#[utoipa::path(post, path = "/api/v1/identities", tag = "identities", security(("bearer" = [])),
    request_body(content = IdentityInput, example = json!({"email": "alice@example.test", "name": "Alice Example", "replyTo": null, "signature": "-- \nAlice"})),
    responses(
        (status = 201, description = "Created", body = IdentityJson),
        (status = 409, description = "An identity with that address exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_identity(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    t: Tr,
    ApiJson(body): ApiJson<IdentityInput>,
) -> Result<impl IntoResponse, AppError> {
    let base = link_base(&state);
    let text = confirmation_text(t);
    let identity = state.letterbox.create_identity(&user, body.into(), &ConfirmationMail { link_base: &base, text: &text }).await?;
    let location = format!("/api/v1/identities/{}", identity.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], axum::Json(IdentityJson::from(identity))))
}

/// Change an identity; `isDefault: true` makes it the default.
#[utoipa::path(patch, path = "/api/v1/identities/{id}", tag = "identities", security(("bearer" = [])),
    request_body(content = IdentityInput, example = json!({"name": "Alice E.", "isDefault": true})),
    params(("id" = String, Path, description = "Identity id")),
    responses(
        (status = 200, description = "Changed", body = IdentityJson),
        (status = 404, description = "No such identity", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another identity has that address", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_identity(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    t: Tr,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<IdentityInput>,
) -> Result<axum::Json<IdentityJson>, AppError> {
    let base = link_base(&state);
    let text = confirmation_text(t);
    let mail = ConfirmationMail { link_base: &base, text: &text };
    Ok(axum::Json(state.letterbox.update_identity(&user, &id, body.into(), &mail).await?.into()))
}

/// The token of a confirmation link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmInput {
    /// The `token` parameter of the link mailed to the address.
    token: String,
}

/// Confirm an identity with the token from the link mailed to its address (single use, valid
/// 24 hours, only for the user who added the identity).
#[utoipa::path(post, path = "/api/v1/identities/confirm", tag = "identities", security(("bearer" = [])),
    request_body(content = ConfirmInput, example = json!({"token": "Zk3…"})),
    responses(
        (status = 200, description = "Confirmed", body = IdentityJson),
        (status = 404, description = "Unknown, used or expired token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn confirm_identity(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<ConfirmInput>,
) -> Result<axum::Json<IdentityJson>, AppError> {
    Ok(axum::Json(state.letterbox.confirm_identity(&user, &body.token).await?.into()))
}

/// Mail a new confirmation link to an unconfirmed identity (the previous link stops working).
#[utoipa::path(post, path = "/api/v1/identities/{id}/confirmation", tag = "identities", security(("bearer" = [])),
    params(("id" = String, Path, description = "Identity id")),
    responses(
        (status = 202, description = "Mailed; the identity with `pendingConfirmation: true`", body = IdentityJson),
        (status = 404, description = "No such identity", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already confirmed", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "The SMTP server refused the mail", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn resend_confirmation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    t: Tr,
    ApiPath(id): ApiPath<String>,
) -> Result<impl IntoResponse, AppError> {
    let base = link_base(&state);
    let text = confirmation_text(t);
    let identity = state.letterbox.resend_identity_confirmation(&user, &id, &ConfirmationMail { link_base: &base, text: &text }).await?;
    Ok((StatusCode::ACCEPTED, axum::Json(IdentityJson::from(identity))))
}

/// Delete an identity (not the last one).
#[utoipa::path(delete, path = "/api/v1/identities/{id}", tag = "identities", security(("bearer" = [])),
    params(("id" = String, Path, description = "Identity id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such identity", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It is the only identity", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_identity(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, AppError> {
    state.letterbox.delete_identity(&user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Query of the contact suggestions.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContactQuery {
    /// Part of a name or address; empty lists the most used.
    #[serde(default)]
    q: String,
    /// 1–100, default 10.
    #[serde(default)]
    limit: Option<usize>,
}

/// A recipient suggestion.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactJson {
    email: String,
    name: Option<String>,
    /// How often the user has written to this address.
    uses: i64,
}

/// The suggestions.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactList {
    items: Vec<ContactJson>,
    next_cursor: Option<String>,
}

impl From<Contact> for ContactJson {
    fn from(c: Contact) -> Self {
        Self { email: c.email, name: c.name, uses: c.uses }
    }
}

/// Addresses the user has sent to, matching `q`, most used first.
#[utoipa::path(get, path = "/api/v1/contacts", tag = "identities", security(("bearer" = [])), params(ContactQuery),
    responses((status = 200, description = "OK", body = ContactList), (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json")))]
pub async fn list_contacts(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: Result<Query<ContactQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<axum::Json<ContactList>, AppError> {
    let Query(query) = query.map_err(|e| AppError::invalid("query", e.body_text()))?;
    if query.limit.is_some_and(|l| !(1..=100).contains(&l)) {
        return Err(AppError::invalid("limit", "use 1 to 100"));
    }
    let items = state.letterbox.suggest_contacts(&user, &query.q, query.limit.unwrap_or(10)).await?;
    Ok(axum::Json(ContactList { items: items.into_iter().map(ContactJson::from).collect(), next_cursor: None }))
}
