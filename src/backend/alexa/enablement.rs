//! An emulation of Alexa's Skill Enablement API (`https://api.amazonalexa.com/v1/users/~current/
//! skills/{skillId}/enablement`), which an app calls to finish app-to-app account linking that
//! started in the app: with the user's Amazon access token (LWA, scope
//! `alexa::skills:account_linking`) it enables the skill and links the account in one call,
//! Alexa exchanging the app's authorization code at the skill's access-token URI.

use crate::events::LogEvent;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;

use super::{exchange, linking, lwa};
use crate::backend::infra::state::Shared;

type S = State<Arc<Shared>>;

pub fn router() -> Router<Arc<Shared>> {
    Router::new().route(
        "/v1/users/~current/skills/{skill_id}/enablement",
        post(enable).get(status).delete(disable),
    )
}

/// The API's errors: a status and `{"message": …}`.
fn error(status: StatusCode, message: impl Into<String>) -> Response {
    ApiError(status, message.into()).into_response()
}

/// An error answer of the API.
struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, axum::Json(serde_json::json!({"message": self.1}))).into_response()
    }
}

/// The Amazon customer behind the bearer token, or the error to answer.
fn caller(s: &Shared, headers: &HeaderMap, skill_id: &str) -> Result<(String, String), ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let who = lwa::token_owner(s, token, lwa::ACCOUNT_LINKING_SCOPE).map_err(|e| {
        tracing::error!("{e}");
        ApiError(StatusCode::INTERNAL_SERVER_ERROR, "Internal error".into())
    })?;
    let who = who.ok_or_else(|| {
        ApiError(
            StatusCode::UNAUTHORIZED,
            "The access token is invalid, expired or lacks the alexa::skills:account_linking scope"
                .into(),
        )
    })?;
    if skill_id != s.config.skill.skill_id {
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("No skill {skill_id}"),
        ));
    }
    Ok(who)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnableBody {
    stage: String,
    account_link_request: LinkRequest,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LinkRequest {
    redirect_uri: String,
    auth_code: String,
    #[serde(rename = "type")]
    kind: String,
}

/// The redirect URIs Alexa accepts in `accountLinkRequest.redirectUri`: Alexa's redirect URLs
/// for this skill (the emulator's, and pitangui / layla / alexa.amazon.co.jp).
fn alexa_redirects(s: &Shared) -> Vec<String> {
    let v = &s.config.backend.vendor_id;
    let mut out = vec![s.redirect_uri()];
    out.extend(
        [
            "pitangui.amazon.com",
            "layla.amazon.com",
            "alexa.amazon.co.jp",
        ]
        .iter()
        .map(|h| format!("https://{h}/api/skill/link/{v}")),
    );
    out
}

fn body_of(s: &Shared, person: &str, linked: bool, stage: &str) -> serde_json::Value {
    serde_json::json!({
        "skill": {"stage": stage, "id": s.config.skill.skill_id},
        "user": {"id": lwa::user_id(person)},
        "accountLink": {"status": if linked { "LINKED" } else { "NOT_LINKED" }},
        "status": "ENABLED",
    })
}

async fn enable(
    State(s): S,
    Path(skill_id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (person, _) = match caller(&s, &headers, &skill_id) {
        Ok(w) => w,
        Err(r) => return r.into_response(),
    };
    let b: EnableBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("Invalid request body: {e}"),
            );
        }
    };
    if !matches!(b.stage.as_str(), "development" | "live") {
        return error(StatusCode::BAD_REQUEST, "stage must be development or live");
    }
    let r = &b.account_link_request;
    if r.kind != "AUTH_CODE" {
        return error(
            StatusCode::BAD_REQUEST,
            "accountLinkRequest.type must be AUTH_CODE",
        );
    }
    if !alexa_redirects(&s).contains(&r.redirect_uri) {
        return error(
            StatusCode::BAD_REQUEST,
            format!(
                "accountLinkRequest.redirectUri {} is not one of Alexa's redirect URLs for this skill",
                r.redirect_uri
            ),
        );
    }
    // Alexa redeems the app's code at the skill's access-token URI, as after a browser sign-in.
    let t = exchange::observed(
        &s,
        "authorization_code",
        exchange::exchange_code(
            &s.http,
            &s.account_linking,
            &r.auth_code,
            &r.redirect_uri,
            None,
        ),
    )
    .await;
    let t = match t {
        Ok(t) => t,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("Account linking failed: the access-token URI refused the authCode: {e}"),
            );
        }
    };
    let link_person = linking::link_person(&s, &person);
    if let Err(e) = linking::store_link(&s, &link_person, &t) {
        tracing::error!("{e}");
        return error(StatusCode::INTERNAL_SERVER_ERROR, "Internal error");
    }
    s.note(LogEvent::SkillEnablement {
        stage: b.stage.to_string(),
        linked_person_id: link_person.clone(),
        status: "LINKED".into(),
    });
    (
        StatusCode::CREATED,
        axum::Json(body_of(&s, &person, true, &b.stage)),
    )
        .into_response()
}

fn linked(s: &Shared, person: &str) -> Result<bool, crate::backend::infra::store::StoreError> {
    use rusqlite::OptionalExtension;
    let link_person = linking::link_person(s, person);
    Ok(s.store
        .conn()
        .query_row(
            "SELECT 1 FROM links WHERE skill_id = ?1 AND person_id = ?2 AND status = 'active'",
            rusqlite::params![s.config.skill.skill_id, link_person],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

async fn status(State(s): S, Path(skill_id): Path<String>, headers: HeaderMap) -> Response {
    let (person, _) = match caller(&s, &headers, &skill_id) {
        Ok(w) => w,
        Err(r) => return r.into_response(),
    };
    match linked(&s, &person) {
        Ok(true) => axum::Json(body_of(&s, &person, true, "development")).into_response(),
        Ok(false) => error(
            StatusCode::NOT_FOUND,
            "The skill is not enabled for this user",
        ),
        Err(e) => {
            tracing::error!("{e}");
            error(StatusCode::INTERNAL_SERVER_ERROR, "Internal error")
        }
    }
}

async fn disable(State(s): S, Path(skill_id): Path<String>, headers: HeaderMap) -> Response {
    let (person, _) = match caller(&s, &headers, &skill_id) {
        Ok(w) => w,
        Err(r) => return r.into_response(),
    };
    let link_person = linking::link_person(&s, &person);
    match s.store.conn().execute(
        "DELETE FROM links WHERE skill_id = ?1 AND person_id = ?2",
        rusqlite::params![s.config.skill.skill_id, link_person],
    ) {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => {
            tracing::error!("{e}");
            error(StatusCode::INTERNAL_SERVER_ERROR, "Internal error")
        }
    }
}
