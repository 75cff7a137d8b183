//! The linking service: plays the Alexa cloud towards the device.
//! RFC 8628 device authorization and device-code polling (with an optional
//! long-poll, RFC 7240 `Prefer: wait`), RFC 8414 metadata, and the
//! device-only API for the stored link and the cards the skill returned.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rusqlite::{OptionalExtension, params};
use serde::Deserialize;

use super::exchange;
use crate::backend::infra::crypto;
use crate::backend::infra::error::{OAuthError, no_store, oauth, oauth_form as parse};
use crate::backend::infra::state::Shared;
use crate::backend::infra::store::Store;
use crate::protocol::oauth::{
    DEVICE_CODE_GRANT, DeviceAuthorization, ServerMetadata, TokenResponse,
};

type S = State<Arc<Shared>>;

/// At most this many scopes in a request (Amazon's limit for a skill's scopes) …
const MAX_SCOPES: usize = 15;
/// … each at most this long.
const MAX_SCOPE_LEN: usize = 256;

/// The public client id the device uses at the linking service.
pub const DEVICE_CLIENT_ID: &str = "linkscreen-device";

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/.well-known/oauth-authorization-server", get(metadata))
        .route("/oauth/device_authorization", post(device_authorization))
        .route("/api/device/link", get(get_link).delete(delete_link))
        .route("/api/device/cards", post(post_card))
        .route("/api/device/sign-in", post(sign_in))
}

async fn metadata(State(s): S) -> impl IntoResponse {
    let b = &s.base_url;
    axum::Json(ServerMetadata {
        issuer: b.clone(),
        authorization_endpoint: None,
        token_endpoint: format!("{b}/oauth/token"),
        device_authorization_endpoint: Some(format!("{b}/oauth/device_authorization")),
        userinfo_endpoint: None,
        grant_types_supported: vec![DEVICE_CODE_GRANT.into()],
        response_types_supported: vec![],
        token_endpoint_auth_methods_supported: vec!["none".into()],
        code_challenge_methods_supported: vec![],
        linkscreen_long_poll: true,
        linkscreen_link_endpoint: Some(format!("{b}/api/device/link")),
        linkscreen_sign_in_endpoint: Some(format!("{b}/api/device/sign-in")),
        linkscreen_voice_link_endpoint: Some(format!("{b}/api/device/voice-link")),
    })
}

/// RFC 8628 §3.1–3.2.
async fn device_authorization(
    State(s): S,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OAuthError> {
    let f = parse(&headers, &body)?;
    let client_id = f
        .get("client_id")
        .ok_or_else(|| oauth("invalid_request", Some("client_id is required".into())))?;
    if client_id != DEVICE_CLIENT_ID {
        return Err(oauth(
            "invalid_client",
            Some(format!("unknown client {client_id:?}")),
        ));
    }
    let scope = f.get("scope").map(str::to_owned);
    // Amazon's limits on an account-linking configuration's scopes hold here too.
    if let Some(sc) = &scope {
        let parts: Vec<&str> = sc.split(' ').filter(|p| !p.is_empty()).collect();
        if parts.len() > MAX_SCOPES || parts.iter().any(|p| p.len() > MAX_SCOPE_LEN) {
            return Err(oauth(
                "invalid_scope",
                Some(format!(
                    "at most {MAX_SCOPES} scopes of at most {MAX_SCOPE_LEN} characters"
                )),
            ));
        }
    }
    // The server decides whose link it is: a person only from the device's own profile picker
    // (its key), only with personal linking on, and only one of the household.
    let person = match f.get("person_id").filter(|p| !p.is_empty()) {
        None => String::new(),
        Some(p) => {
            check_device_key(&s, &headers)?;
            if !s.config.account_linking.personal_linking {
                return Err(oauth(
                    "invalid_request",
                    Some("person_id: this skill does not use personal account linking".into()),
                ));
            }
            if !s.config.household.iter().any(|h| h.person_id() == p) {
                return Err(oauth(
                    "invalid_request",
                    Some("person_id: not a profile of this household".into()),
                ));
            }
            p.to_owned()
        }
    };
    // The device asks with its key; a code another client asked for links only that client.
    let household = check_device_key(&s, &headers).is_ok();
    let device_code = crypto::random_token("device_code", 32);
    let now = s.now_ms();
    let cfg = &s.config.linking;
    let user_code = {
        let c = s.store.conn();
        let mut tries = 0;
        loop {
            let code = crypto::user_code();
            let taken: bool = c
                .query_row("SELECT 1 FROM device_codes WHERE user_code = ?1 AND status = 'pending' AND expires_at > ?2", params![code, now], |_| Ok(true))
                .optional()?
                .unwrap_or(false);
            tries += 1;
            if !taken || tries > 20 {
                c.execute(
                    "INSERT INTO device_codes (device_code_hash, user_code, client_id, scope, person_id, created_at, expires_at, interval_s, status, household)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', ?9)",
                    params![crypto::sha256_hex(&device_code), code, client_id, scope, person, now, now + cfg.expires_in as i64 * 1000, cfg.interval as i64, household],
                )?;
                break code;
            }
        }
    };
    let verification_uri = format!("{}/device", s.public_url);
    Ok(no_store(axum::Json(DeviceAuthorization {
        device_code,
        verification_uri_complete: Some(format!("{verification_uri}?user_code={user_code}")),
        user_code,
        verification_uri,
        expires_in: cfg.expires_in,
        interval: Some(cfg.interval),
    })))
}

/// Where the link of a code a public client asked for (not the device) is kept: a row of its
/// own that only that client's polls read, never the household's.
pub fn requester_person(device_code_hash: &str) -> String {
    format!(
        "requester:{}",
        &device_code_hash[..16.min(device_code_hash.len())]
    )
}

/// Whose link a linking by this person makes: their own with personal linking, else the
/// account's ('').
pub fn link_person(s: &Shared, person_id: &str) -> String {
    if s.config.account_linking.personal_linking {
        person_id.to_owned()
    } else {
        String::new()
    }
}

/// Stores (or replaces) the link for a person ('' = account level) and returns its id.
pub fn store_link(
    s: &Shared,
    person_id: &str,
    t: &TokenResponse,
) -> Result<i64, crate::backend::infra::store::StoreError> {
    let now = s.now_ms();
    let lifetime = t
        .expires_in
        .or(s.account_linking.default_token_expiration_in_seconds);
    let v = s.store.vault();
    let access = v.seal("links.access_token", &t.access_token);
    let refresh = t
        .refresh_token
        .as_ref()
        .map(|r| v.seal("links.refresh_token", r));
    let c = s.store.conn();
    let id = c.query_row(
        "INSERT INTO links (skill_id, person_id, access_token, refresh_token, expires_at, scope, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'active', ?7)
         ON CONFLICT (skill_id, person_id) DO UPDATE SET access_token = excluded.access_token, refresh_token = excluded.refresh_token,
           expires_at = excluded.expires_at, scope = excluded.scope, status = 'active', created_at = excluded.created_at
         RETURNING id",
        params![s.config.skill.skill_id, person_id, access, refresh, lifetime.map(|l| now + l as i64 * 1000), t.scope, now],
        |r| r.get(0),
    )?;
    Ok(id)
}

pub(super) fn check_device_key(s: &Shared, headers: &HeaderMap) -> Result<(), OAuthError> {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if crypto::secret_eq(given, &s.device_key) {
        Ok(())
    } else {
        Err(oauth("invalid_client", Some("device key required".into())))
    }
}

/// "Sign in using this device": the authorization URL for a pending device code, with a fresh
/// single-use `state` bound to that code (and its person), PKCE and the exact redirect URI —
/// the same URL the phone reaches through the verification page.
async fn sign_in(State(s): S, headers: HeaderMap, body: Bytes) -> Result<Response, OAuthError> {
    check_device_key(&s, &headers)?;
    let f = parse(&headers, &body)?;
    let device_code = f
        .get("device_code")
        .ok_or_else(|| oauth("invalid_request", Some("device_code is required".into())))?;
    let hash = crypto::sha256_hex(device_code);
    let row: Option<String> = s
        .store
        .conn()
        .query_row(
            "SELECT person_id FROM device_codes WHERE device_code_hash = ?1 AND status = 'pending' AND expires_at > ?2",
            params![hash, s.now_ms()],
            |r| r.get(0),
        )
        .optional()?;
    let Some(person_id) = row else {
        return Err(oauth(
            "invalid_grant",
            Some("the device code is unknown, used or expired".into()),
        ));
    };
    let url = super::authorize::authorization_redirect(&s, Some(&hash), &person_id, None)
        .map_err(|e| oauth("server_error", Some(e.message)))?
        .url;
    super::conformance::probe_redirects(&s);
    Ok(no_store(axum::Json(
        serde_json::json!({"authorization_url": url}),
    )))
}

#[derive(Deserialize)]
struct LinkQuery {
    #[serde(default)]
    person_id: String,
}

/// The device asks for the current token before each request to the skill.
/// An expired token is refreshed first; a failed refresh marks the link broken.
async fn get_link(
    State(s): S,
    headers: HeaderMap,
    Query(q): Query<LinkQuery>,
) -> Result<Response, OAuthError> {
    check_device_key(&s, &headers)?;
    let now = s.now_ms();
    let row: Option<(String, Option<String>, Option<i64>, String)> = s
        .store
        .conn()
        .query_row(
            "SELECT access_token, refresh_token, expires_at, status FROM links WHERE skill_id = ?1 AND person_id = ?2",
            params![s.config.skill.skill_id, q.person_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let not_linked = |why: &str| {
        (
            StatusCode::NOT_FOUND,
            axum::Json(serde_json::json!({"error": why})),
        )
            .into_response()
    };
    let Some((access, refresh, expires_at, status)) = row else {
        return Ok(not_linked("not_linked"));
    };
    let v = s.store.vault();
    let access = v.open("links.access_token", &access)?;
    let refresh = refresh
        .map(|r| v.open("links.refresh_token", &r))
        .transpose()?;
    if status != "active" {
        return Ok(not_linked("link_broken"));
    }
    let (access, expires_at) = match (expires_at, refresh) {
        (Some(e), Some(rt)) if e <= now + 5_000 => {
            match exchange::observed(
                &s,
                "refresh_token",
                exchange::refresh(&s.http, &s.account_linking, &rt),
            )
            .await
            {
                Ok(mut t) => {
                    if t.refresh_token.is_none() {
                        t.refresh_token = Some(rt);
                    }
                    store_link(&s, &q.person_id, &t)?;
                    let exp = t
                        .expires_in
                        .or(s.account_linking.default_token_expiration_in_seconds)
                        .map(|l| now + l as i64 * 1000);
                    (t.access_token, exp)
                }
                Err(e) => {
                    tracing::warn!("refresh failed, link marked broken: {e}");
                    s.store.conn().execute(
                        "UPDATE links SET status = 'broken' WHERE skill_id = ?1 AND person_id = ?2",
                        params![s.config.skill.skill_id, q.person_id],
                    )?;
                    return Ok(not_linked("link_broken"));
                }
            }
        }
        (Some(e), None) if e <= now => {
            s.store.conn().execute(
                "UPDATE links SET status = 'broken' WHERE skill_id = ?1 AND person_id = ?2",
                params![s.config.skill.skill_id, q.person_id],
            )?;
            return Ok(not_linked("link_broken"));
        }
        (e, _) => (access, e),
    };
    Ok(no_store(axum::Json(serde_json::json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": expires_at.map(|e| (e - now).max(0) / 1000),
        "person_id": q.person_id,
    }))))
}

/// At start: a code whose state was redeemed but that never linked had its token exchange cut
/// short by a crash or kill (nothing else leaves it so: success approves it, a failure fails it).
/// It fails now, with the reason, so its device hears `invalid_grant` at its next poll and offers
/// a new code, instead of waiting for it to expire. Returns how many.
pub fn fail_interrupted_exchanges(store: &Store) -> Result<usize, rusqlite::Error> {
    store.conn().execute(
        "UPDATE device_codes SET status = 'failed', failure = ?1
         WHERE status = 'pending'
           AND device_code_hash IN (SELECT device_code_hash FROM link_states WHERE used = 1)",
        ["linkscreen stopped during the token exchange; get a new code"],
    )
}

/// What `linkscreen unlink` did to one skill's links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unlinked {
    pub skill_id: String,
    /// Links deleted.
    pub deleted: usize,
    /// Of those, links whose tokens this machine issued (the sample server's, Login with
    /// Amazon's) and revoked. The others' tokens came from the skill's own authorization
    /// server: Alexa has no call to revoke them there (account linking has no revocation
    /// endpoint), so they stay valid until they expire or that server revokes them.
    pub revoked: usize,
}

/// `linkscreen unlink`: deletes every stored link (of every skill and person) and revokes the
/// tokens they held where this machine issued them. Says per skill what it did.
pub fn unlink_all(store: &Store) -> Result<Vec<Unlinked>, rusqlite::Error> {
    let mut conn = store.conn();
    let tx = conn.transaction()?;
    let rows: Vec<(String, String, Option<String>)> = {
        let mut st = tx.prepare("SELECT skill_id, access_token, refresh_token FROM links")?;
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?
    };
    let mut per_skill: Vec<Unlinked> = vec![];
    for (skill, access, refresh) in &rows {
        let tokens = [
            ("links.access_token", Some(access)),
            ("links.refresh_token", refresh.as_ref()),
        ];
        // A token that does not open is nobody's to revoke here; its link goes all the same.
        let mut revoked = false;
        for t in tokens
            .iter()
            .filter_map(|(what, t)| store.vault().open(what, (*t)?).ok())
        {
            let h = crypto::sha256_hex(&t);
            revoked |= tx.execute(
                "UPDATE rh_tokens SET revoked = 1 WHERE token_hash = ?1",
                [&h],
            )? > 0;
            revoked |= tx.execute("DELETE FROM lwa_tokens WHERE token_hash = ?1", [&h])? > 0;
        }
        let i = match per_skill.iter().position(|u| &u.skill_id == skill) {
            Some(i) => i,
            None => {
                per_skill.push(Unlinked {
                    skill_id: skill.clone(),
                    deleted: 0,
                    revoked: 0,
                });
                per_skill.len() - 1
            }
        };
        per_skill[i].deleted += 1;
        per_skill[i].revoked += usize::from(revoked);
    }
    tx.execute("DELETE FROM links", [])?;
    tx.commit()?;
    Ok(per_skill)
}

async fn delete_link(
    State(s): S,
    headers: HeaderMap,
    Query(q): Query<LinkQuery>,
) -> Result<StatusCode, OAuthError> {
    check_device_key(&s, &headers)?;
    s.store.conn().execute(
        "DELETE FROM links WHERE skill_id = ?1 AND person_id = ?2",
        params![s.config.skill.skill_id, q.person_id],
    )?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct CardIn {
    kind: String,
    #[serde(default)]
    speech: Option<String>,
}

/// The device forwards cards the skill returned, so the phone's Alexa app can show them.
async fn post_card(
    State(s): S,
    headers: HeaderMap,
    axum::Json(card): axum::Json<CardIn>,
) -> Result<StatusCode, OAuthError> {
    check_device_key(&s, &headers)?;
    s.store.conn().execute(
        "INSERT INTO cards (skill_id, kind, speech, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![s.config.skill.skill_id, card.kind, card.speech, s.now_ms()],
    )?;
    Ok(StatusCode::CREATED)
}
