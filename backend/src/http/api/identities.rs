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
use crate::service::{Contact, Identity, IdentityChanges};

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
}

impl From<Identity> for IdentityJson {
    fn from(i: Identity) -> Self {
        Self { id: i.id, email: i.email, name: i.name, reply_to: i.reply_to, signature: i.signature, is_default: i.is_default }
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
    ApiJson(body): ApiJson<IdentityInput>,
) -> Result<impl IntoResponse, AppError> {
    let identity = state.letterbox.create_identity(&user, body.into()).await?;
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
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<IdentityInput>,
) -> Result<axum::Json<IdentityJson>, AppError> {
    Ok(axum::Json(state.letterbox.update_identity(&user, &id, body.into()).await?.into()))
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
