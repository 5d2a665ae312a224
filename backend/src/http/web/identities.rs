//! The identity forms of the settings page: add, edit (name, reply-to, signature, default) and
//! delete after a confirmation page. A failed form shows the settings page again, filled in.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::i18n::Tr;
use super::session::{WebForm, WebUser, check_session_csrf};
use super::settings::{ConfirmPage, IdentityForm, Overrides, html, page_chrome, render_settings};
use crate::http::AppState;
use crate::http::api::identities::{confirmation_text, link_base};
use crate::http::error::{AppError, HtmlError};
use crate::service::{ConfirmationMail, IdentityChanges, ServiceError, UserSession};

/// A form with nothing but its CSRF token.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    pub csrf: Option<String>,
}

/// `POST /settings/identities`: adds an identity.
pub async fn identity_create(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    t: Tr,
    WebForm(form): WebForm<IdentityForm>,
) -> Result<Response, HtmlError> {
    check_session_csrf(&state, &user, form.csrf.as_deref())?;
    let changes = IdentityChanges {
        email: Some(form.email.trim().to_string()),
        is_default: form.make_default.is_some().then_some(true),
        ..changes_of(&form)
    };
    let base = link_base(&state);
    let text = confirmation_text(t);
    match state.letterbox.create_identity(&user, changes, &ConfirmationMail { link_base: &base, text: &text }).await {
        Ok(identity) if !identity.confirmed => Ok(Redirect::to("/settings?notice=identity-confirm-sent#identities").into_response()),
        Ok(_) => Ok(Redirect::to("/settings?notice=identity-added#identities").into_response()),
        Err(err) => {
            let (status, message) = identity_error(t, err, "identity-error-exists")?;
            render_settings(&state, &user, t, Overrides { new_identity: Some((form, message)), ..Overrides::default() }, status).await
        }
    }
}

/// `POST /settings/identities/{id}`: saves an identity's name, reply-to, signature and whether
/// it is the default (unticking the default's box changes nothing: another one must take over).
pub async fn identity_update(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    t: Tr,
    Path(id): Path<String>,
    WebForm(form): WebForm<IdentityForm>,
) -> Result<Response, HtmlError> {
    check_session_csrf(&state, &user, form.csrf.as_deref())?;
    let changes = IdentityChanges { is_default: form.make_default.is_some().then_some(true), ..changes_of(&form) };
    let base = link_base(&state);
    let text = confirmation_text(t);
    match state.letterbox.update_identity(&user, &id, changes, &ConfirmationMail { link_base: &base, text: &text }).await {
        Ok(_) => Ok(Redirect::to("/settings?notice=identity-updated#identities").into_response()),
        Err(err) => {
            let (status, message) = identity_error(t, err, "identity-error-exists")?;
            render_settings(&state, &user, t, Overrides { edit_identity: Some((id, form, message)), ..Overrides::default() }, status).await
        }
    }
}

/// `POST /settings/identities/{id}/confirmation`: mails a new confirmation link.
pub async fn identity_resend(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    t: Tr,
    Path(id): Path<String>,
    WebForm(form): WebForm<CsrfForm>,
) -> Result<Response, HtmlError> {
    check_session_csrf(&state, &user, form.csrf.as_deref())?;
    let base = link_base(&state);
    let text = confirmation_text(t);
    state.letterbox.resend_identity_confirmation(&user, &id, &ConfirmationMail { link_base: &base, text: &text }).await?;
    Ok(Redirect::to("/settings?notice=identity-confirm-sent#identities").into_response())
}

/// The confirmation link's query.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmQuery {
    pub token: String,
}

/// `GET /identities/confirm?token=…`: the link mailed to a new identity; works for the logged-in
/// user who added it (others see "not found"), once, within 24 hours.
pub async fn identity_confirm(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    t: Tr,
    Query(query): Query<ConfirmQuery>,
) -> Result<Response, HtmlError> {
    match state.letterbox.confirm_identity(&user, &query.token).await {
        Ok(_) => Ok(Redirect::to("/settings?notice=identity-confirmed#identities").into_response()),
        Err(ServiceError::NotFound(_)) => Err(HtmlError(AppError::not_found(t.t("identity-confirm-invalid")))),
        Err(err) => Err(err.into()),
    }
}

fn changes_of(form: &IdentityForm) -> IdentityChanges {
    IdentityChanges {
        email: None,
        name: Some(Some(form.name.clone())),
        reply_to: Some(Some(form.reply_to.clone())),
        signature: Some(form.signature.clone()),
        is_default: None,
    }
}

/// `GET /settings/identities/{id}/delete`: asks before deleting.
pub async fn identity_delete_page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    t: Tr,
    Path(id): Path<String>,
) -> Result<Response, HtmlError> {
    confirm(&state, &user, t, &id, None, StatusCode::OK).await
}

/// `POST /settings/identities/{id}/delete`: deletes it; the last one cannot go.
pub async fn identity_delete(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    t: Tr,
    Path(id): Path<String>,
    WebForm(form): WebForm<CsrfForm>,
) -> Result<Response, HtmlError> {
    check_session_csrf(&state, &user, form.csrf.as_deref())?;
    match state.letterbox.delete_identity(&user, &id).await {
        Ok(()) => Ok(Redirect::to("/settings?notice=identity-deleted#identities").into_response()),
        Err(err) => {
            let (status, message) = identity_error(t, err, "identity-error-last")?;
            confirm(&state, &user, t, &id, Some(message), status).await
        }
    }
}

async fn confirm(
    state: &AppState,
    user: &UserSession,
    t: Tr,
    id: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, HtmlError> {
    let identities = state.letterbox.list_identities(user).await?;
    let identity = identities.iter().find(|i| i.id == id).ok_or_else(|| AppError::not_found(t.t("identity-error-missing")))?;
    let page = ConfirmPage {
        chrome: page_chrome(state, user).await?,
        t,
        title: t.t("identity-delete-title"),
        question: t.t1("identity-delete-question", "address", &identity.email),
        detail: t.t("identity-delete-detail"),
        action: format!("/settings/identities/{id}/delete"),
        button: t.t("identity-delete-confirm"),
        cancel: "/settings#identities".to_string(),
        error,
    };
    html(&page, status)
}

/// A failed identity change as a status and a sentence for the form (`conflict` is the message
/// for a 409); failures that are not about the input become an error page.
fn identity_error(t: Tr, err: ServiceError, conflict: &str) -> Result<(StatusCode, String), HtmlError> {
    let message = match &err {
        ServiceError::Unprocessable { field, .. } => match field.as_str() {
            "email" => t.t("identity-error-email"),
            "replyTo" => t.t("identity-error-reply-to"),
            "name" => t.t("identity-error-name"),
            "signature" => t.t("identity-error-signature"),
            "isDefault" => t.t("identity-error-default"),
            _ => return Err(err.into()),
        },
        ServiceError::Conflict(_) => t.t(conflict),
        ServiceError::NotFound(_) => return Err(HtmlError(AppError::not_found(t.t("identity-error-missing")))),
        _ => return Err(err.into()),
    };
    Ok((AppError::from(err).status, message))
}
