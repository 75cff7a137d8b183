//! The sample Ride Hailer app on the phone and its server's side of app-to-app account
//! linking that starts in the app (the seed's "starting from your app"): "Link with Alexa"
//! sends the user to the Alexa app's Link page — or, when the Alexa app is not installed (a
//! toggle on the page), to Login with Amazon's consent page — which redirects back here with an
//! Amazon authorization code. The app's server then exchanges that code at LWA, gets an
//! authorization code for its signed-in user from its own authorization server, and calls
//! Alexa's Skill Enablement API to enable the skill and link the account in one call.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use rusqlite::{OptionalExtension, params};
use serde::Deserialize;

use super::auth_server;
use crate::backend::alexa::lwa;
use crate::backend::infra::crypto;
use crate::backend::infra::error::{PageError, page};
use crate::backend::infra::form::cookie;
use crate::backend::infra::session;
use crate::backend::infra::state::Shared;

type S = State<Arc<Shared>>;

/// Cookie binding a link request's `state` to this phone's browser.
const STATE_COOKIE: &str = "rh_app_state";
/// Cookie set while "the Alexa app is not installed" on this phone.
const NO_ALEXA_APP: &str = "rh_no_alexa_app";
const STATE_MS: i64 = 10 * 60_000;

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/ridehailer/app", get(home))
        .route("/ridehailer/app/link", post(link))
        .route("/ridehailer/app/unlink", post(unlink))
        .route("/ridehailer/app/alexa-app", post(toggle_alexa_app))
        .route("/ridehailer/app/alexa", get(callback))
}

/// The app's redirect URL (its universal link / app link) registered with LWA.
pub fn redirect_uri(s: &Shared) -> String {
    format!("{}{}", s.public_url, lwa::APP_REDIRECT_PATH)
}

fn app_page(title: &str, body: Markup) -> Markup {
    crate::backend::infra::html::layout("Ride Hailer", title, body)
}

fn set_cookie(r: &mut Response, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn signed_in(s: &Shared) -> Result<(i64, String), PageError> {
    auth_server::demo_user(s)?.ok_or_else(|| {
        page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Ride Hailer",
            "The sample Ride Hailer server has no user (run with the embedded authorization server).",
        )
    })
}

fn enablement_url(s: &Shared) -> String {
    format!(
        "{}/v1/users/~current/skills/{}/enablement",
        s.base_url, s.config.skill.skill_id
    )
}

/// The Amazon access token the app keeps for its user after linking.
fn amazon_token(s: &Shared, uid: i64) -> Result<Option<String>, PageError> {
    let sealed: Option<String> = s
        .store
        .conn()
        .query_row(
            "SELECT amazon_token FROM rh_app_links WHERE user_id = ?1",
            [uid],
            |r| r.get(0),
        )
        .optional()?;
    Ok(sealed
        .map(|t| s.store.vault().open("rh_app_links.amazon_token", &t))
        .transpose()?)
}

/// Whether Alexa says the skill is enabled and linked for the app's stored Amazon token.
async fn alexa_status(s: &Shared, uid: i64) -> Result<bool, PageError> {
    let token = amazon_token(s, uid)?;
    let Some(token) = token else { return Ok(false) };
    let r = s
        .http
        .get(enablement_url(s))
        .bearer_auth(token)
        .send()
        .await;
    Ok(matches!(r, Ok(r) if r.status() == StatusCode::OK))
}

async fn home(State(s): S, headers: HeaderMap) -> Result<Markup, PageError> {
    // The app lives on the household's phone.
    let session = session::require(&s, &headers)?;
    let (uid, name) = signed_in(&s)?;
    let linked = alexa_status(&s, uid).await?;
    let installed = cookie(&headers, NO_ALEXA_APP).as_deref() != Some("1");
    Ok(app_page(
        "Ride Hailer",
        html! {
            div.card {
                h1 { "Hi " (name) }
                p.muted { "Signed in to Ride Hailer as " (auth_server::DEMO_USERNAME) }
            }
            div.card {
                h2 { "Alexa" }
                @if linked {
                    p.ok role="status" { "Linked with Alexa" }
                    p { "Try “Alexa, open " (s.config.skill.name) " and order a car.”" }
                    form method="post" action="/ridehailer/app/unlink" {
                        (session.field())
                        button.secondary type="submit" { "Unlink from Alexa" }
                    }
                } @else {
                    p { "Link your Ride Hailer account with Alexa to book rides by voice." }
                    form method="post" action="/ridehailer/app/link" {
                        (session.field())
                        button type="submit" { "Link with Alexa" }
                    }
                }
            }
            div.card {
                h2 { "This phone" }
                p.muted {
                    @if installed { "The Alexa app is installed: linking opens it." }
                    @else { "The Alexa app is not installed: linking uses Login with Amazon." }
                }
                form method="post" action="/ridehailer/app/alexa-app" {
                    (session.field())
                    button.secondary type="submit" {
                        @if installed { "Pretend the Alexa app is not installed" }
                        @else { "Pretend the Alexa app is installed" }
                    }
                }
            }
        },
    ))
}

async fn toggle_alexa_app(
    State(s): S,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    checked(&s, &headers, &body)?;
    let now_missing = cookie(&headers, NO_ALEXA_APP).as_deref() != Some("1");
    let mut r = Redirect::to("/ridehailer/app").into_response();
    set_cookie(
        &mut r,
        format!(
            "{NO_ALEXA_APP}={}; Path=/ridehailer/app; SameSite=Lax",
            if now_missing { "1" } else { "0" }
        ),
    );
    Ok(r)
}

/// A state-changing request from the app's own page on the household's phone.
fn checked(s: &Shared, headers: &HeaderMap, body: &Bytes) -> Result<(), PageError> {
    let f = crate::backend::infra::form::Form::parse(headers, body)
        .map_err(|e| page(StatusCode::BAD_REQUEST, "Bad request", e.to_string()))?;
    session::check(s, headers, &f).map(drop)
}

/// "Link with Alexa": to the Alexa app's Link page (a universal link), or LWA's fallback.
async fn link(State(s): S, headers: HeaderMap, body: Bytes) -> Result<Response, PageError> {
    checked(&s, &headers, &body)?;
    let (uid, _) = signed_in(&s)?;
    let state = crypto::random_token("app_state", 24);
    s.store.conn().execute(
        "INSERT INTO rh_app_states (state, user_id, expires_at) VALUES (?1, ?2, ?3)",
        params![crypto::sha256_hex(&state), uid, s.now_ms() + STATE_MS],
    )?;
    let installed = cookie(&headers, NO_ALEXA_APP).as_deref() != Some("1");
    let base = if installed {
        format!("{}/alexa/app/link", s.public_url)
    } else {
        format!("{}/lwa/ap/oa", s.public_url)
    };
    let mut u = url::Url::parse(&base).map_err(|e| {
        page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Ride Hailer",
            e.to_string(),
        )
    })?;
    u.query_pairs_mut()
        .append_pair("client_id", lwa::APP_CLIENT_ID)
        .append_pair("scope", lwa::ACCOUNT_LINKING_SCOPE)
        .append_pair("skill_stage", "development")
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", &redirect_uri(&s))
        .append_pair("state", &state);
    let mut r = Redirect::to(u.as_str()).into_response();
    set_cookie(
        &mut r,
        format!("{STATE_COOKIE}={state}; Path=/ridehailer/app; HttpOnly; SameSite=Lax"),
    );
    Ok(r)
}

#[derive(Deserialize)]
struct Back {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

fn result_page(title: &str, ok: bool, message: &str, s: &Shared) -> Response {
    app_page(
        title,
        html! {
            div.card {
                h1 { (title) }
                @if ok { p.ok role="status" { (message) } } @else { p.error { (message) } }
                @if ok { p { "Try “Alexa, open " (s.config.skill.name) " and order a car.”" } }
                a.button.secondary href="/ridehailer/app" { "Back to Ride Hailer" }
            }
        },
    )
    .into_response()
}

/// The redirect back from the Alexa app (or LWA): check `state`, then finish the link.
async fn callback(
    State(s): S,
    headers: HeaderMap,
    Query(q): Query<Back>,
) -> Result<Response, PageError> {
    let state = q.state.unwrap_or_default();
    // The state must be the one this browser started with, unused and fresh.
    let uid: Option<i64> = {
        let c = s.store.conn();
        let fresh = cookie(&headers, STATE_COOKIE).is_some_and(|c| crypto::secret_eq(&c, &state))
            && c.execute(
                "UPDATE rh_app_states SET used = 1 WHERE state = ?1 AND used = 0 AND expires_at > ?2",
                params![crypto::sha256_hex(&state), s.now_ms()],
            )? == 1;
        if fresh {
            c.query_row(
                "SELECT user_id FROM rh_app_states WHERE state = ?1",
                [crypto::sha256_hex(&state)],
                |r| r.get(0),
            )
            .optional()?
        } else {
            None
        }
    };
    let Some(uid) = uid else {
        return Err(page(
            StatusCode::BAD_REQUEST,
            "Not linked",
            "This answer does not belong to a link request from this app (state mismatch or expired). Start again from Ride Hailer.",
        ));
    };
    if let Some(e) = q.error {
        let msg = if e == "access_denied" {
            "You cancelled linking with Alexa.".to_owned()
        } else {
            format!("Amazon answered: {e}")
        };
        return Ok(result_page("Not linked", false, &msg, &s));
    }
    let Some(code) = q.code else {
        return Ok(result_page(
            "Not linked",
            false,
            "Amazon sent no authorization code.",
            &s,
        ));
    };
    match finish(&s, uid, &code).await {
        Ok(()) => Ok(result_page(
            "Linked with Alexa",
            true,
            &format!("Your {} account is linked with Alexa.", s.config.skill.name),
            &s,
        )),
        Err(why) => {
            tracing::warn!("app-to-app linking failed: {why}");
            Ok(result_page("Not linked", false, &why, &s))
        }
    }
}

/// The app server's part: Amazon code -> Amazon token (LWA), its own user's authorization
/// code, then the Skill Enablement API.
async fn finish(s: &Shared, uid: i64, amazon_code: &str) -> Result<(), String> {
    let client = lwa::client(s, lwa::APP_CLIENT_ID)
        .map_err(|e| e.to_string())?
        .ok_or("the app's LWA client is not registered")?;
    let r = s
        .http
        .post(format!("{}/lwa/auth/o2/token", s.base_url))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", amazon_code),
            ("redirect_uri", &redirect_uri(s)),
            ("client_id", lwa::APP_CLIENT_ID),
            ("client_secret", &client.secret),
        ])
        .send()
        .await
        .map_err(|e| format!("Login with Amazon could not be reached: {e}"))?;
    let status = r.status();
    let v: serde_json::Value = r
        .json()
        .await
        .map_err(|e| format!("Login with Amazon answered HTTP {status} without JSON: {e}"))?;
    let Some(amazon_token) = v["access_token"].as_str().map(str::to_owned) else {
        return Err(format!(
            "Login with Amazon refused the code: {}",
            v["error"]
        ));
    };
    let auth_code = auth_server::issue_code(s, uid, &s.redirect_uri(), "profile rides", None)
        .map_err(|e| e.to_string())?;
    let r = s
        .http
        .post(enablement_url(s))
        .bearer_auth(&amazon_token)
        .json(&serde_json::json!({
            "stage": "development",
            "accountLinkRequest": {
                "redirectUri": s.redirect_uri(),
                "authCode": auth_code,
                "type": "AUTH_CODE",
            }
        }))
        .send()
        .await
        .map_err(|e| format!("Alexa's Skill Enablement API could not be reached: {e}"))?;
    let status = r.status();
    let v: serde_json::Value = r.json().await.unwrap_or_default();
    if status != StatusCode::CREATED || v["accountLink"]["status"] != "LINKED" {
        return Err(format!(
            "Alexa did not link the account (HTTP {status}): {}",
            v["message"].as_str().unwrap_or("no message")
        ));
    }
    s.store
        .conn()
        .execute(
            "INSERT INTO rh_app_links (user_id, amazon_token, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (user_id) DO UPDATE SET amazon_token = excluded.amazon_token, created_at = excluded.created_at",
            params![uid, s.store.vault().seal("rh_app_links.amazon_token", &amazon_token), s.now_ms()],
        )
        .map_err(|e| e.to_string())?;
    Ok(())
}

async fn unlink(State(s): S, headers: HeaderMap, body: Bytes) -> Result<Response, PageError> {
    checked(&s, &headers, &body)?;
    let (uid, _) = signed_in(&s)?;
    let token = amazon_token(&s, uid)?;
    if let Some(t) = token {
        // Best effort: the app forgets the link whatever Alexa answers.
        let _ = s
            .http
            .delete(enablement_url(&s))
            .bearer_auth(t)
            .send()
            .await;
        s.store
            .conn()
            .execute("DELETE FROM rh_app_links WHERE user_id = ?1", [uid])?;
    }
    Ok(Redirect::to("/ridehailer/app").into_response())
}
