//! An emulation of Login with Amazon (LWA), the OAuth provider behind voice-forward account
//! linking: it issues `Atza|…` access tokens for a household member and answers the profile
//! API (`GET /lwa/user/profile`, like `https://api.amazon.com/user/profile`) for them.
//! The voice-forward endpoints the device calls live here too: send a one-time code to the
//! speaker's phone, and check the code they speak (three tries), linking on a match.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rand::Rng;
use rusqlite::{OptionalExtension, params};
use serde::Deserialize;

use super::error::{OAuthError, oauth};
use super::{Shared, crypto};
use crate::protocol::oauth::TokenResponse;

type S = State<Arc<Shared>>;

/// How long an LWA access token lives (LWA's own: one hour).
pub const ACCESS_TOKEN_SECS: u64 = 3600;
/// How long a one-time code can be spoken.
pub const CODE_SECS: i64 = 300;
/// Wrong codes before the code is void.
pub const CODE_TRIES: i64 = 3;

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/lwa/user/profile", get(profile))
        .route("/api/device/voice-link/code", post(send_code))
        .route("/api/device/voice-link/verify", post(verify))
}

/// The Amazon customer id of a household member (stable, opaque).
pub fn user_id(person_id: &str) -> String {
    format!(
        "amzn1.account.{}",
        &crypto::sha256_hex(person_id)[..28].to_uppercase()
    )
}

/// An e-mail address for a household member's Amazon account.
pub fn email(name: &str) -> String {
    let local: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    format!(
        "{}@example.com",
        if local.is_empty() { "customer" } else { &local }
    )
}

/// Issues an LWA access token for this person.
pub fn issue(
    s: &Shared,
    person_id: &str,
    name: &str,
    client_id: &str,
    scope: &str,
) -> Result<TokenResponse, super::store::StoreError> {
    let token = format!("Atza|{}", crypto::random_token(48));
    s.store.conn().execute(
        "INSERT INTO lwa_tokens (token_hash, kind, person_id, name, client_id, scope, expires_at) VALUES (?1, 'access', ?2, ?3, ?4, ?5, ?6)",
        params![crypto::sha256_hex(&token), person_id, name, client_id, scope, s.now_ms() + ACCESS_TOKEN_SECS as i64 * 1000],
    )?;
    Ok(TokenResponse {
        access_token: token,
        token_type: "bearer".into(),
        expires_in: Some(ACCESS_TOKEN_SECS),
        refresh_token: None,
        scope: Some(scope.to_owned()),
    })
}

/// `GET /lwa/user/profile` with `Authorization: Bearer Atza|…`.
async fn profile(State(s): S, headers: HeaderMap) -> Result<Response, OAuthError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let row: Option<(String, String)> = s
        .store
        .conn()
        .query_row(
            "SELECT person_id, name FROM lwa_tokens WHERE token_hash = ?1 AND kind = 'access' AND expires_at > ?2",
            params![crypto::sha256_hex(token), s.now_ms()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((person, name)) = row else {
        return Err(OAuthError {
            status: StatusCode::UNAUTHORIZED,
            body: crate::protocol::oauth::ErrorResponse::new(
                "invalid_token",
                Some("The access token is invalid or expired".into()),
            ),
        });
    };
    Ok(axum::Json(serde_json::json!({
        "user_id": user_id(&person),
        "name": name,
        "email": email(&name),
    }))
    .into_response())
}

#[derive(Deserialize)]
struct CodeIn {
    /// The recognized speaker.
    person_id: String,
    name: String,
    /// Where the link goes: '' (the account) or the speaker (personal linking).
    #[serde(default)]
    link_person_id: String,
    #[serde(default)]
    scope: String,
}

/// Sends a one-time code "to the phone": it shows on the phone's Activity page and in the
/// event log. An earlier unused code for this person is void.
async fn send_code(
    State(s): S,
    headers: HeaderMap,
    axum::Json(c): axum::Json<CodeIn>,
) -> Result<Response, OAuthError> {
    super::linking::check_device_key(&s, &headers)?;
    if c.person_id.is_empty() {
        return Err(oauth(
            "invalid_request",
            Some("a recognized speaker is required".into()),
        ));
    }
    let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
    let now = s.now_ms();
    {
        let conn = s.store.conn();
        conn.execute(
            "UPDATE voice_codes SET status = 'void' WHERE skill_id = ?1 AND person_id = ?2 AND status = 'pending'",
            params![s.config.skill.skill_id, c.person_id],
        )?;
        conn.execute(
            "INSERT INTO voice_codes (skill_id, person_id, link_person_id, name, code, scope, created_at, expires_at, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending')",
            params![s.config.skill.skill_id, c.person_id, c.link_person_id, c.name, code, c.scope, now, now + CODE_SECS * 1000],
        )?;
    }
    // The emulated text message: the event log shows it as the phone would.
    s.note(
        "otp_sent",
        serde_json::json!({"to": c.name, "code": code, "expires_in": CODE_SECS}),
    );
    Ok((
        StatusCode::CREATED,
        axum::Json(serde_json::json!({"expires_in": CODE_SECS})),
    )
        .into_response())
}

#[derive(Deserialize)]
struct VerifyIn {
    person_id: String,
    code: String,
}

/// Checks a spoken code: a match links (an LWA token stored as the skill's link), a miss
/// counts a try; the third miss voids the code.
async fn verify(
    State(s): S,
    headers: HeaderMap,
    axum::Json(v): axum::Json<VerifyIn>,
) -> Result<Response, OAuthError> {
    super::linking::check_device_key(&s, &headers)?;
    let now = s.now_ms();
    let row: Option<(i64, String, String, String, String, i64)> = s
        .store
        .conn()
        .query_row(
            "SELECT id, code, link_person_id, name, scope, tries FROM voice_codes WHERE skill_id = ?1 AND person_id = ?2 AND status = 'pending' AND expires_at > ?3 ORDER BY id DESC LIMIT 1",
            params![s.config.skill.skill_id, v.person_id, now],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .optional()?;
    let Some((id, code, link_person, name, scope, tries)) = row else {
        return Err(oauth(
            "invalid_grant",
            Some("no code is waiting for this person (never sent, used, void or expired)".into()),
        ));
    };
    if !crypto::secret_eq(&v.code, &code) {
        let tries = tries + 1;
        let status = if tries >= CODE_TRIES {
            "void"
        } else {
            "pending"
        };
        s.store.conn().execute(
            "UPDATE voice_codes SET tries = ?2, status = ?3 WHERE id = ?1",
            params![id, tries, status],
        )?;
        return Ok(axum::Json(
            serde_json::json!({"linked": false, "tries_left": CODE_TRIES - tries}),
        )
        .into_response());
    }
    // Single use: only the request that flips it from pending links.
    let used = s.store.conn().execute(
        "UPDATE voice_codes SET status = 'used' WHERE id = ?1 AND status = 'pending'",
        params![id],
    )?;
    if used == 0 {
        return Err(oauth(
            "invalid_grant",
            Some("the code was already used".into()),
        ));
    }
    let client_id = s.account_linking.client_id.clone();
    let token = issue(&s, &v.person_id, &name, &client_id, &scope)?;
    super::linking::store_link(&s, &link_person, &token)?;
    s.note(
        "voice_link",
        serde_json::json!({"person_id": v.person_id, "linked_person_id": link_person, "scope": scope}),
    );
    Ok(axum::Json(serde_json::json!({"linked": true})).into_response())
}
