//! The sample Ride Hailer skill: takes an ASK request envelope and answers as
//! a skill built on the ASK SDK would. Without a valid access token it says
//! the seed's localized prompt with a `LinkAccount` card and ends the session;
//! with one (checked at the authorization server's userinfo endpoint) it
//! greets the user by name and offers to book a ride.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use super::Shared;
use super::faults::Fault;
use crate::locale;
use crate::protocol::ask::{Card, RequestEnvelope, ResponseEnvelope};

pub fn router() -> Router<Arc<Shared>> {
    Router::new().route("/ridehailer/skill", post(handle))
}

/// Asks the authorization server who owns the token.
async fn user_name(s: &Shared, token: &str) -> Option<String> {
    let resp = s
        .http
        .get(format!("{}/ridehailer/oauth/userinfo", s.base_url))
        .bearer_auth(token)
        .send()
        .await
        .ok()?;
    if !resp.status().is_success() {
        return None;
    }
    let v: serde_json::Value = resp.json().await.ok()?;
    v.get("name").and_then(|n| n.as_str()).map(str::to_owned)
}

async fn handle(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    if s.faults.is_on(Fault::SkillError) {
        return (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response();
    }
    if s.faults.is_on(Fault::SkillInvalidJson) {
        // A handler that crashed half-way through writing its answer.
        return (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            r#"{"version": "1.0", "response": {"outputSpeech": {"type": "PlainText", "text": "Welc"#,
        )
            .into_response();
    }
    let env: RequestEnvelope = match serde_json::from_slice(&body) {
        Ok(e) => e,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("not an ASK request envelope: {e}"),
            )
                .into_response();
        }
    };
    let loc = env.locale().to_owned();
    let skill_name = s.config.skill.name.clone();
    if env.request_type() == "SessionEndedRequest" {
        return axum::Json(ResponseEnvelope {
            version: "1.0".into(),
            session_attributes: None,
            user_agent: None,
            response: Default::default(),
        })
        .into_response();
    }
    let name = match env.access_token() {
        Some(t) => user_name(&s, t).await,
        None => None,
    };
    let out = match name {
        Some(n) => ResponseEnvelope::speak(
            &locale::tr("skill.linked", &loc, &[("name", &n)]),
            None,
            false,
        ),
        None => ResponseEnvelope::speak(
            &locale::tr("skill.link_prompt", &loc, &[("skill_name", &skill_name)]),
            Some(Card::LinkAccount),
            true,
        ),
    };
    axum::Json(out).into_response()
}
