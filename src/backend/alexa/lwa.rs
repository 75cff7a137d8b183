//! An emulation of Login with Amazon (LWA), the OAuth provider behind voice-forward account
//! linking and app-to-app linking: it issues `Atza|…` access tokens for a household member,
//! answers the profile API (`GET /lwa/user/profile`, like `https://api.amazon.com/user/profile`),
//! and runs LWA's authorization-code grant for apps — the consent page (`/lwa/ap/oa`, like
//! `https://www.amazon.com/ap/oa`, the app-to-app fallback when the Alexa app is not installed)
//! and the token endpoint (`/lwa/auth/o2/token`, like `https://api.amazon.com/auth/o2/token`).
//! The Alexa app's own Link page shares the consent logic ([`authorize`], [`decide`]).
//! The voice-forward endpoints the device calls live here too: send a one-time code to the
//! speaker's phone, and check the code they speak (three tries), linking on a match.

use crate::events::LogEvent;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use rusqlite::{OptionalExtension, params};
use serde::Deserialize;

use crate::backend::infra::crypto;
use crate::backend::infra::error::{OAuthError, PageError, oauth, page};
use crate::backend::infra::html::t;
use crate::backend::infra::state::Shared;
use crate::protocol::oauth::TokenResponse;

type S = State<Arc<Shared>>;

/// How long an LWA access token lives (LWA's own: one hour).
pub const ACCESS_TOKEN_SECS: u64 = 3600;
/// How long a one-time code can be spoken.
pub const CODE_SECS: i64 = 300;
/// Wrong codes before the code is void.
pub const CODE_TRIES: i64 = 3;

/// The sample Ride Hailer app's LWA client: its "Alexa Client ID" for app-to-app linking.
pub const APP_CLIENT_ID: &str = "amzn1.application-oa2-client.ridehailer-app";
/// The redirect URL (path on the phone pages' address) that app registered with LWA.
pub const APP_REDIRECT_PATH: &str = "/ridehailer/app/alexa";
/// The scope app-to-app linking asks LWA for.
pub const ACCOUNT_LINKING_SCOPE: &str = "alexa::skills:account_linking";
/// Scopes this LWA knows.
const KNOWN_SCOPES: &[&str] = &[
    ACCOUNT_LINKING_SCOPE,
    "profile",
    "profile:user_id",
    "postal_code",
];
/// How long an LWA authorization code lives.
const CODE_MS: i64 = 5 * 60_000;
const REQUEST_MS: i64 = 10 * 60_000;

/// A registered LWA client.
pub struct Client {
    pub name: String,
    pub secret: String,
    pub redirect_uris: Vec<String>,
}

/// The LWA clients this emulation knows: the sample Ride Hailer app.
pub fn client(
    s: &Shared,
    id: &str,
) -> Result<Option<Client>, crate::backend::infra::store::StoreError> {
    if id != APP_CLIENT_ID {
        return Ok(None);
    }
    Ok(Some(Client {
        name: s.config.skill.name.clone(),
        secret: s
            .store
            .secret_or_init("lwa_app_client_secret", || crypto::secret_token(24))?,
        redirect_uris: vec![format!("{}{APP_REDIRECT_PATH}", s.public_url)],
    }))
}

/// The Amazon account signed in on this phone: the household's first member.
pub fn account_owner(s: &Shared) -> (String, String) {
    s.config
        .household
        .first()
        .map(|p| (p.person_id(), p.name.clone()))
        .unwrap_or_else(|| ("amzn1.ask.person.OWNER".into(), "Alexa user".into()))
}

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/lwa/ap/oa", get(lwa_consent).post(lwa_decide))
        .route("/lwa/auth/o2/token", post(token))
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
) -> Result<TokenResponse, crate::backend::infra::store::StoreError> {
    let token = format!("Atza|{}", crypto::random_token("lwa_access_token", 48));
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
    let row = token_owner(&s, token, "profile")?;
    let Some((person, name)) = row else {
        return Err(OAuthError {
            status: StatusCode::UNAUTHORIZED,
            body: crate::protocol::oauth::ErrorResponse::new(
                "invalid_token",
                Some("The access token is invalid, expired or lacks the profile scope".into()),
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
    let code = format!("{:06}", crate::entropy::below("voice_code", 1_000_000));
    // The link goes where linking by this person goes, for the configured scopes.
    let link_person = super::linking::link_person(&s, &c.person_id);
    let scope = s.account_linking.scopes.join(" ");
    let now = s.now_ms();
    {
        let conn = s.store.conn();
        conn.execute(
            "UPDATE voice_codes SET status = 'void' WHERE skill_id = ?1 AND person_id = ?2 AND status = 'pending'",
            params![s.config.skill.skill_id, c.person_id],
        )?;
        conn.execute(
            "INSERT INTO voice_codes (skill_id, person_id, link_person_id, name, code, scope, created_at, expires_at, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending')",
            params![s.config.skill.skill_id, c.person_id, link_person, c.name, s.store.vault().seal("voice_codes.code", &code), scope, now, now + CODE_SECS * 1000],
        )?;
    }
    // The emulated text message went out; the code itself is on the phone only (its Activity
    // page, [`code_on_phone`]), never in events or logs.
    s.note(LogEvent::OtpSent {
        to: c.name.clone(),
        expires_in: CODE_SECS as u64,
    });
    Ok((
        StatusCode::CREATED,
        axum::Json(serde_json::json!({"expires_in": CODE_SECS})),
    )
        .into_response())
}

/// The household phone's latest text message from Amazon: the one-time code still pending,
/// who it was sent to, and when it expires (ms). What the phone's Activity page shows.
pub fn message_on_phone(
    s: &Shared,
) -> Result<Option<(String, String, i64)>, crate::backend::infra::store::StoreError> {
    let row: Option<(String, String, i64)> = s
        .store
        .conn()
        .query_row(
            "SELECT code, name, expires_at FROM voice_codes WHERE skill_id = ?1 AND status = 'pending' AND expires_at > ?2 ORDER BY id DESC LIMIT 1",
            params![s.config.skill.skill_id, s.now_ms()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    match row {
        Some((sealed, name, exp)) => Ok(Some((
            s.store.vault().open("voice_codes.code", &sealed)?,
            name,
            exp,
        ))),
        None => Ok(None),
    }
}

/// The one-time code the phone shows now, for the in-process stand-ins for the person reading
/// their phone (a script's `{code}`, the emulator panel).
pub fn code_on_phone(s: &Shared) -> Option<String> {
    message_on_phone(s).ok().flatten().map(|(code, _, _)| code)
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
    let code = s.store.vault().open("voice_codes.code", &code)?;
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
    s.note(LogEvent::VoiceLink {
        person_id: v.person_id.clone(),
        linked_person_id: link_person.clone(),
        scope: scope.clone(),
    });
    Ok(axum::Json(serde_json::json!({"linked": true})).into_response())
}

/// An authorization request (`client_id`, `scope`, `response_type`, `redirect_uri`, `state`).
#[derive(Deserialize, Default)]
pub struct AuthQuery {
    client_id: Option<String>,
    scope: Option<String>,
    response_type: Option<String>,
    redirect_uri: Option<String>,
    state: Option<String>,
}

/// A checked authorization request waiting for the user's decision.
pub struct Pending {
    /// Single-use id the consent form posts back.
    pub id: String,
    pub client_name: String,
    pub scope: String,
}

/// Checks an authorization request: an unknown client or redirect URI gets an error page
/// (never a redirect to an unregistered URI); a bad `response_type` or scope goes back to the
/// client as an OAuth error. Ok(Ok(pending)) asks the user.
pub fn authorize(s: &Shared, q: &AuthQuery) -> Result<Result<Pending, Response>, PageError> {
    let client_id = q.client_id.clone().unwrap_or_default();
    let redirect_uri = q.redirect_uri.clone().unwrap_or_default();
    let Some(c) = client(s, &client_id)? else {
        return Err(page(
            StatusCode::BAD_REQUEST,
            "Unknown app",
            format!("No app is registered with client_id {client_id:?}."),
        ));
    };
    if !c.redirect_uris.contains(&redirect_uri) {
        return Err(page(
            StatusCode::BAD_REQUEST,
            "Unknown redirect",
            "The redirect_uri is not registered for this app.",
        ));
    }
    let state = q.state.clone().unwrap_or_default();
    let back = |e: &str| {
        Ok(Err(redirect_with(
            &redirect_uri,
            &[("error", e), ("state", &state)],
        )))
    };
    if q.response_type.as_deref() != Some("code") {
        return back("unsupported_response_type");
    }
    let scope = q.scope.clone().unwrap_or_default();
    if scope.is_empty() || !scope.split(' ').all(|x| KNOWN_SCOPES.contains(&x)) {
        return back("invalid_scope");
    }
    let id = crypto::random_token("lwa_request", 18);
    s.store.conn().execute(
        "INSERT INTO lwa_requests (id, client_id, redirect_uri, scope, state, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![crypto::sha256_hex(&id), client_id, redirect_uri, scope, state, s.now_ms() + REQUEST_MS],
    )?;
    Ok(Ok(Pending {
        id,
        client_name: c.name,
        scope,
    }))
}

/// The user's decision on a pending request: back to the app with an Amazon authorization
/// code, or with `error=access_denied`.
pub fn decide(s: &Shared, headers: &HeaderMap, body: &Bytes) -> Result<Response, PageError> {
    let f = crate::backend::infra::form::Form::parse(headers, body)
        .map_err(|e| page(StatusCode::BAD_REQUEST, "Bad request", e.to_string()))?;
    // Only the household's phone decides, from a page this server showed it.
    crate::backend::infra::session::check(s, headers, &f)?;
    let id = crypto::sha256_hex(f.get("request").unwrap_or(""));
    let row: Option<(String, String, String, String)> = {
        let c = s.store.conn();
        let n = c.execute(
            "UPDATE lwa_requests SET used = 1 WHERE id = ?1 AND used = 0 AND expires_at > ?2",
            params![id, s.now_ms()],
        )?;
        if n == 1 {
            c.query_row(
                "SELECT client_id, redirect_uri, scope, state FROM lwa_requests WHERE id = ?1",
                [&id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?
        } else {
            None
        }
    };
    let Some((client_id, redirect_uri, scope, state)) = row else {
        return Err(page(
            StatusCode::BAD_REQUEST,
            &t("request_expired_title", &[]),
            t("request_expired_body", &[]),
        ));
    };
    if f.get("decision") != Some("allow") {
        return Ok(redirect_with(
            &redirect_uri,
            &[("error", "access_denied"), ("state", &state)],
        ));
    }
    let (person, name) = account_owner(s);
    let code = format!("AN{}", crypto::random_token("lwa_code", 24));
    s.store.conn().execute(
        "INSERT INTO lwa_tokens (token_hash, kind, person_id, name, client_id, scope, redirect_uri, expires_at) VALUES (?1, 'code', ?2, ?3, ?4, ?5, ?6, ?7)",
        params![crypto::sha256_hex(&code), person, name, client_id, scope, redirect_uri, s.now_ms() + CODE_MS],
    )?;
    Ok(redirect_with(
        &redirect_uri,
        &[("code", &code), ("scope", &scope), ("state", &state)],
    ))
}

fn redirect_with(uri: &str, pairs: &[(&str, &str)]) -> Response {
    let mut u = match url::Url::parse(uri) {
        Ok(u) => u,
        Err(_) => return (StatusCode::BAD_REQUEST, "bad redirect_uri").into_response(),
    };
    u.query_pairs_mut()
        .extend_pairs(pairs.iter().filter(|(_, v)| !v.is_empty()));
    Redirect::to(u.as_str()).into_response()
}

/// What the scopes let the app do, for the consent pages.
pub fn scope_lines(scope: &str, skill_name: &str) -> Vec<String> {
    scope
        .split(' ')
        .map(|x| match x {
            ACCOUNT_LINKING_SCOPE => t("scope_account_linking", &[("skill_name", skill_name)]),
            "profile" => t("scope_profile", &[]),
            "profile:user_id" => t("scope_user_id", &[]),
            "postal_code" => t("scope_postal_code", &[]),
            other => other.to_owned(),
        })
        .collect()
}

/// Login with Amazon's consent page (the app-to-app fallback in an in-app browser tab).
async fn lwa_consent(
    State(s): S,
    headers: HeaderMap,
    Query(q): Query<AuthQuery>,
) -> Result<Response, PageError> {
    let session = crate::backend::infra::session::require(&s, &headers)?;
    let p = match authorize(&s, &q)? {
        Ok(p) => p,
        Err(redirect) => return Ok(redirect),
    };
    let (_, owner) = account_owner(&s);
    Ok(lwa_page(
        &t("lwa_title", &[]),
        html! {
            div.card {
                h1 { (t("lwa_heading", &[("app", &p.client_name)])) }
                ul { @for l in scope_lines(&p.scope, &s.config.skill.name) { li { (l) } } }
                p.muted { (t("signed_in_as", &[("owner", &owner), ("email", &email(&owner))])) }
                form method="post" action="/lwa/ap/oa" {
                    input type="hidden" name="request" value=(p.id);
                    (session.field())
                    button type="submit" name="decision" value="allow" { (t("allow", &[])) }
                    button.secondary type="submit" name="decision" value="deny" { (t("cancel", &[])) }
                }
            }
        },
    )
    .into_response())
}

async fn lwa_decide(State(s): S, headers: HeaderMap, body: Bytes) -> Result<Response, PageError> {
    decide(&s, &headers, &body)
}

fn lwa_page(title: &str, body: Markup) -> Markup {
    crate::backend::infra::html::layout_in(
        crate::backend::infra::html::locale(),
        "amazon",
        title,
        body,
    )
}

/// LWA's token endpoint: `authorization_code` (single use, same client and redirect URI)
/// and `refresh_token`; the client authenticates with `client_id` and `client_secret`.
async fn token(State(s): S, headers: HeaderMap, body: Bytes) -> Result<Response, OAuthError> {
    let f = crate::backend::infra::form::Form::parse(&headers, &body)
        .map_err(|e| oauth("invalid_request", Some(e.to_string())))?;
    let client_id = f.get("client_id").unwrap_or("").to_owned();
    let c = client(&s, &client_id)?.ok_or_else(|| oauth("invalid_client", None))?;
    if !crypto::secret_eq(f.get("client_secret").unwrap_or(""), &c.secret) {
        return Err(oauth("invalid_client", None));
    }
    let now = s.now_ms();
    let (person, name, scope) = match f.get("grant_type") {
        Some("authorization_code") => {
            let hash = crypto::sha256_hex(f.get("code").unwrap_or(""));
            let row: Option<(String, String, String, Option<String>, String)> = {
                let conn = s.store.conn();
                let n = conn.execute(
                    "UPDATE lwa_tokens SET used = 1 WHERE token_hash = ?1 AND kind = 'code' AND used = 0 AND expires_at > ?2",
                    params![hash, now],
                )?;
                if n == 1 {
                    conn.query_row(
                        "SELECT person_id, name, client_id, redirect_uri, scope FROM lwa_tokens WHERE token_hash = ?1",
                        [&hash],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                    )
                    .optional()?
                } else {
                    None
                }
            };
            let Some((person, name, code_client, redirect, scope)) = row else {
                return Err(oauth(
                    "invalid_grant",
                    Some("the code is unknown, used or expired".into()),
                ));
            };
            if code_client != client_id || redirect.as_deref() != f.get("redirect_uri") {
                return Err(oauth(
                    "invalid_grant",
                    Some(
                        "client_id or redirect_uri does not match the authorization request".into(),
                    ),
                ));
            }
            (person, name, scope)
        }
        Some("refresh_token") => {
            let hash = crypto::sha256_hex(f.get("refresh_token").unwrap_or(""));
            let row: Option<(String, String, String)> = s
                .store
                .conn()
                .query_row(
                    "SELECT person_id, name, scope FROM lwa_tokens WHERE token_hash = ?1 AND kind = 'refresh' AND client_id = ?2 AND used = 0",
                    params![hash, client_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            row.ok_or_else(|| oauth("invalid_grant", Some("unknown refresh token".into())))?
        }
        _ => return Err(oauth("unsupported_grant_type", None)),
    };
    let mut t = issue(&s, &person, &name, &client_id, &scope)?;
    let refresh = format!("Atzr|{}", crypto::random_token("lwa_refresh_token", 48));
    s.store.conn().execute(
        "INSERT INTO lwa_tokens (token_hash, kind, person_id, name, client_id, scope, expires_at) VALUES (?1, 'refresh', ?2, ?3, ?4, ?5, ?6)",
        params![crypto::sha256_hex(&refresh), person, name, client_id, scope, i64::MAX],
    )?;
    t.refresh_token = Some(refresh);
    let mut r = axum::Json(t).into_response();
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(r)
}

/// Who an LWA access token belongs to, if it is valid and carries `scope`:
/// (person id, name).
pub fn token_owner(
    s: &Shared,
    token: &str,
    scope: &str,
) -> Result<Option<(String, String)>, crate::backend::infra::store::StoreError> {
    let row: Option<(String, String, String)> = s
        .store
        .conn()
        .query_row(
            "SELECT person_id, name, scope FROM lwa_tokens WHERE token_hash = ?1 AND kind = 'access' AND expires_at > ?2",
            params![crypto::sha256_hex(token), s.now_ms()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    Ok(row
        .filter(|(_, _, sc)| sc.split(' ').any(|x| x == scope))
        .map(|(p, n, _)| (p, n)))
}
