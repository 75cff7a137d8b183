//! The sample Ride Hailer authorization server (mounted under `/ridehailer`):
//! login with a seeded demo user (argon2, lockout), terms, consent, single-use
//! authorization codes (≤ 60 s), exact redirect-URI allowlist, PKCE, both
//! client-authentication schemes, refresh with rotation, opaque tokens stored
//! hashed, and userinfo. It is what a real OAuth server would do, so the
//! emulator's Alexa side is exercised honestly.

use std::sync::Arc;

use crate::faults::{self, Fault};

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine;
use maud::{Markup, html};
use rusqlite::{OptionalExtension, params};

use crate::backend::infra::crypto;
use crate::backend::infra::error::{OAuthError, PageError, oauth, page};
use crate::backend::infra::form::Form;
use crate::backend::infra::html::layout;
use crate::backend::infra::state::Shared;
use crate::backend::infra::store::{Store, StoreError};
use crate::protocol::oauth::TokenResponse;

type S = State<Arc<Shared>>;

/// The seeded demo user.
pub const DEMO_USERNAME: &str = "annie@example.com";
pub const DEMO_PASSWORD: &str = "ride-hailer";
const DEMO_NAME: &str = "Annie";
/// Scopes this server knows.
const SCOPES: &[&str] = &["profile", "rides"];
const CODE_LIFETIME_MS: i64 = 60_000;
const TXN_LIFETIME_MS: i64 = 15 * 60_000;
/// Access-token lifetime, seconds.
pub const ACCESS_TOKEN_LIFETIME_S: i64 = 3600;
const MAX_FAILED_LOGINS: i64 = 5;
const LOCKOUT_MS: i64 = 15 * 60_000;
const COOKIE: &str = "rh_txn";

/// Creates the demo user on first start.
pub fn seed(store: &Store) -> Result<(), StoreError> {
    let c = store.conn();
    let exists: bool = c
        .query_row(
            "SELECT 1 FROM rh_users WHERE username = ?1",
            [DEMO_USERNAME],
            |_| Ok(true),
        )
        .optional()?
        .unwrap_or(false);
    if !exists {
        let salt = SaltString::generate(&mut OsRng);
        let hash = Argon2::default()
            .hash_password(DEMO_PASSWORD.as_bytes(), &salt)
            .expect("argon2 hashes a short password")
            .to_string();
        c.execute(
            "INSERT INTO rh_users (username, name, email, password_hash) VALUES (?1, ?2, ?1, ?3)",
            params![DEMO_USERNAME, DEMO_NAME, hash],
        )?;
    }
    Ok(())
}

/// The sample authorization server's client id for "Alexa".
pub const SAMPLE_CLIENT_ID: &str = "alexa-ride-hailer";

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/ridehailer/oauth/authorize", get(authorize))
        .route("/ridehailer/login", post(login))
        .route("/ridehailer/terms", get(terms_page).post(terms_accept))
        .route(
            "/ridehailer/consent",
            get(consent_page).post(consent_decide),
        )
        .route("/ridehailer/oauth/token", post(token))
        .route("/ridehailer/oauth/userinfo", get(userinfo))
}

fn rh_page(title: &str, body: Markup) -> Markup {
    layout("Ride Hailer", title, body)
}

/// Redirect URIs this server accepts for its Alexa client: Alexa's three, and this emulator's.
fn allowed_redirects(s: &Shared) -> Vec<String> {
    let v = &s.config.backend.vendor_id;
    let mut out: Vec<String> = [
        "https://pitangui.amazon.com",
        "https://layla.amazon.com",
        "https://alexa.amazon.co.jp",
    ]
    .iter()
    .map(|h| format!("{h}/api/skill/link/{v}"))
    .collect();
    out.push(s.redirect_uri());
    out.push(format!("{}/api/skill/link/{v}", s.base_url));
    out
}

#[derive(serde::Deserialize)]
struct AuthorizeQuery {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

fn redirect_with(redirect_uri: &str, pairs: &[(&str, &str)]) -> Response {
    let mut u = url::Url::parse(redirect_uri).expect("allowlisted URIs parse");
    {
        let mut q = u.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
    }
    Redirect::to(u.as_str()).into_response()
}

async fn authorize(State(s): S, Query(q): Query<AuthorizeQuery>) -> Result<Response, PageError> {
    // Until client and redirect URI are known good, errors are shown here, never redirected (RFC 6749 §4.1.2.1).
    if q.client_id.as_deref() != Some(SAMPLE_CLIENT_ID) {
        return Err(page(
            StatusCode::BAD_REQUEST,
            "Unknown app",
            "This app is not registered with Ride Hailer (client_id).",
        ));
    }
    let redirect_uri = q.redirect_uri.unwrap_or_default();
    if !allowed_redirects(&s).contains(&redirect_uri) {
        return Err(page(
            StatusCode::BAD_REQUEST,
            "Invalid redirect",
            "The redirect_uri is not registered for this app.",
        ));
    }
    let state = q.state.unwrap_or_default();
    let fail = |e: &str| redirect_with(&redirect_uri, &[("error", e), ("state", &state)]);
    if q.response_type.as_deref() != Some("code") {
        return Ok(fail("unsupported_response_type"));
    }
    if s.faults.is_on(Fault::Deny) {
        return Ok(fail("access_denied"));
    }
    let scope = q.scope.unwrap_or_else(|| "profile".into());
    if scope.split(' ').any(|sc| !SCOPES.contains(&sc)) {
        return Ok(fail("invalid_scope"));
    }
    match (
        q.code_challenge.as_deref(),
        q.code_challenge_method.as_deref(),
    ) {
        (Some(_), Some("S256")) | (None, None) => {}
        _ => return Ok(fail("invalid_request")),
    }
    let id = crypto::random_token(24);
    let csrf = crypto::random_token(24);
    s.store.conn().execute(
        "INSERT INTO rh_txns (id, csrf, client_id, redirect_uri, state, scope, code_challenge, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![id, csrf, SAMPLE_CLIENT_ID, redirect_uri, state, scope, q.code_challenge, s.now_ms() + TXN_LIFETIME_MS],
    )?;
    let mut r = login_form(&csrf, None, "").into_response();
    let cookie = format!("{COOKIE}={id}; Path=/ridehailer; HttpOnly; SameSite=Lax");
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).expect("ascii cookie"),
    );
    Ok(r)
}

pub(crate) fn login_form(csrf: &str, error: Option<&str>, username: &str) -> Markup {
    rh_page(
        "Sign in to Ride Hailer",
        html! {
            div.card {
                h1 { "Sign in to Ride Hailer" }
                @if let Some(e) = error { p.error role="alert" { (e) } }
                form method="post" action="/ridehailer/login" {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="username" { "Email" }
                    input #username type="email" name="username" value=(username) autocomplete="username" required;
                    label for="password" { "Password" }
                    input #password type="password" name="password" autocomplete="current-password" required;
                    button type="submit" name="action" value="login" { "Sign in" }
                }
            }
        },
    )
}

/// An authorization in progress, found by the cookie and checked against the form's CSRF token.
struct Txn {
    id: String,
    csrf: String,
    redirect_uri: String,
    state: String,
    scope: String,
    code_challenge: Option<String>,
    user_id: Option<i64>,
    terms_accepted: bool,
}

fn cookie_txn_id(headers: &HeaderMap) -> Option<String> {
    crate::backend::infra::form::cookie(headers, COOKIE)
}

fn load_txn(s: &Shared, headers: &HeaderMap, form_csrf: Option<&str>) -> Result<Txn, PageError> {
    let expired = || {
        page(
            StatusCode::BAD_REQUEST,
            "Session expired",
            "Your sign-in session expired. Start linking again from Alexa.",
        )
    };
    let id = cookie_txn_id(headers).ok_or_else(expired)?;
    let t = s
        .store
        .conn()
        .query_row(
            "SELECT id, csrf, redirect_uri, state, scope, code_challenge, user_id, terms_accepted FROM rh_txns WHERE id = ?1 AND expires_at > ?2",
            params![id, s.now_ms()],
            |r| {
                Ok(Txn {
                    id: r.get(0)?,
                    csrf: r.get(1)?,
                    redirect_uri: r.get(2)?,
                    state: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                    scope: r.get(4)?,
                    code_challenge: r.get(5)?,
                    user_id: r.get(6)?,
                    terms_accepted: r.get::<_, i64>(7)? != 0,
                })
            },
        )
        .optional()?
        .ok_or_else(expired)?;
    if let Some(c) = form_csrf
        && !crypto::secret_eq(c, &t.csrf)
    {
        return Err(page(
            StatusCode::FORBIDDEN,
            "Request refused",
            "The form was not sent from this sign-in page (CSRF check failed).",
        ));
    }
    Ok(t)
}

fn form(headers: &HeaderMap, body: &Bytes) -> Result<Form, PageError> {
    Form::parse(headers, body)
        .map_err(|e| page(StatusCode::BAD_REQUEST, "Bad request", e.to_string()))
}

fn csrf_of(f: &Form) -> Result<&str, PageError> {
    f.get("csrf").ok_or_else(|| {
        page(
            StatusCode::FORBIDDEN,
            "Request refused",
            "The form was not sent from this sign-in page (CSRF check failed).",
        )
    })
}

async fn login(State(s): S, headers: HeaderMap, body: Bytes) -> Result<Response, PageError> {
    let f = form(&headers, &body)?;
    let t = load_txn(&s, &headers, Some(csrf_of(&f)?))?;
    let username = f.get("username").unwrap_or("").trim().to_lowercase();
    let password = f.get("password").unwrap_or("");
    let now = s.now_ms();
    let user: Option<(i64, String, i64, Option<i64>)> = s
        .store
        .conn()
        .query_row("SELECT id, password_hash, failed_logins, locked_until FROM rh_users WHERE username = ?1", [&username], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let wrong = "The email or password is incorrect.";
    let Some((uid, hash, failed, locked_until)) = user else {
        return Ok(login_form(&t.csrf, Some(wrong), &username).into_response());
    };
    if let Some(until) = locked_until.filter(|u| *u > now) {
        let mins = ((until - now) / 60_000 + 1).max(1);
        let msg = format!("Too many failed sign-in attempts. Try again in {mins} minutes.");
        return Ok(login_form(&t.csrf, Some(&msg), &username).into_response());
    }
    let ok = PasswordHash::new(&hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false);
    if !ok {
        let failed = failed + 1;
        let lock = (failed >= MAX_FAILED_LOGINS).then_some(now + LOCKOUT_MS);
        s.store.conn().execute(
            "UPDATE rh_users SET failed_logins = ?2, locked_until = ?3 WHERE id = ?1",
            params![uid, if lock.is_some() { 0 } else { failed }, lock],
        )?;
        let msg = if lock.is_some() {
            "Too many failed sign-in attempts. Try again in 15 minutes."
        } else {
            wrong
        };
        return Ok(login_form(&t.csrf, Some(msg), &username).into_response());
    }
    let c = s.store.conn();
    c.execute(
        "UPDATE rh_users SET failed_logins = 0, locked_until = NULL WHERE id = ?1",
        [uid],
    )?;
    c.execute(
        "UPDATE rh_txns SET user_id = ?2 WHERE id = ?1",
        params![t.id, uid],
    )?;
    Ok(Redirect::to("/ridehailer/terms").into_response())
}

fn require_user(t: &Txn) -> Result<i64, PageError> {
    t.user_id.ok_or_else(|| {
        page(
            StatusCode::FORBIDDEN,
            "Sign in first",
            "Sign in before continuing.",
        )
    })
}

async fn terms_page(State(s): S, headers: HeaderMap) -> Result<Markup, PageError> {
    let t = load_txn(&s, &headers, None)?;
    require_user(&t)?;
    Ok(terms_markup(&t.csrf))
}

pub(crate) fn terms_markup(csrf: &str) -> Markup {
    rh_page(
        "Ride Hailer terms",
        html! {
            div.card {
                h1 { "Terms and conditions" }
                p { "By linking Ride Hailer with Alexa you agree that Alexa can request rides on your behalf, that fares are charged to your default payment method, and that you can unlink at any time in the Alexa app." }
                form method="post" action="/ridehailer/terms" {
                    input type="hidden" name="csrf" value=(csrf);
                    button type="submit" name="accept" value="yes" { "Accept" }
                }
            }
        },
    )
}

async fn terms_accept(State(s): S, headers: HeaderMap, body: Bytes) -> Result<Response, PageError> {
    let f = form(&headers, &body)?;
    let t = load_txn(&s, &headers, Some(csrf_of(&f)?))?;
    require_user(&t)?;
    s.store.conn().execute(
        "UPDATE rh_txns SET terms_accepted = 1 WHERE id = ?1",
        [&t.id],
    )?;
    Ok(Redirect::to("/ridehailer/consent").into_response())
}

async fn consent_page(State(s): S, headers: HeaderMap) -> Result<Response, PageError> {
    let t = load_txn(&s, &headers, None)?;
    require_user(&t)?;
    if !t.terms_accepted {
        return Ok(Redirect::to("/ridehailer/terms").into_response());
    }
    Ok(consent_markup(&t.csrf, &t.scope).into_response())
}

pub(crate) fn consent_markup(csrf: &str, scope: &str) -> Markup {
    rh_page(
        "Allow Alexa?",
        html! {
            div.card {
                h1 { "Allow Alexa to use your Ride Hailer account?" }
                ul {
                    @for sc in scope.split(' ') {
                        li { @match sc { "profile" => "See your name and email address", "rides" => "Book and manage rides", other => (other) } }
                    }
                }
                form method="post" action="/ridehailer/consent" {
                    input type="hidden" name="csrf" value=(csrf);
                    button type="submit" name="decision" value="allow" { "Allow" }
                    button.secondary type="submit" name="decision" value="deny" { "Deny" }
                }
            }
        },
    )
}

async fn consent_decide(
    State(s): S,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&headers, &body)?;
    let t = load_txn(&s, &headers, Some(csrf_of(&f)?))?;
    let uid = require_user(&t)?;
    if !t.terms_accepted {
        return Ok(Redirect::to("/ridehailer/terms").into_response());
    }
    // The transaction is single use whatever the decision.
    s.store
        .conn()
        .execute("DELETE FROM rh_txns WHERE id = ?1", [&t.id])?;
    if f.get("decision") != Some("allow") {
        return Ok(redirect_with(
            &t.redirect_uri,
            &[("error", "access_denied"), ("state", &t.state)],
        ));
    }
    let code = issue_code(
        &s,
        uid,
        &t.redirect_uri,
        &t.scope,
        t.code_challenge.as_deref(),
    )?;
    Ok(redirect_with(
        &t.redirect_uri,
        &[("state", &t.state), ("code", &code)],
    ))
}

/// A single-use authorization code for "Alexa" (≤ 60 s), bound to the redirect URI, scope and
/// PKCE challenge. The sample app mints one for its signed-in user in app-to-app linking.
pub fn issue_code(
    s: &Shared,
    user_id: i64,
    redirect_uri: &str,
    scope: &str,
    code_challenge: Option<&str>,
) -> Result<String, StoreError> {
    let code = crypto::random_token(32);
    s.store.conn().execute(
        "INSERT INTO rh_codes (code_hash, client_id, redirect_uri, user_id, scope, code_challenge, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![crypto::sha256_hex(&code), SAMPLE_CLIENT_ID, redirect_uri, user_id, scope, code_challenge, s.now_ms() + CODE_LIFETIME_MS],
    )?;
    Ok(code)
}

/// The demo user's id and name (the sample app's signed-in user).
pub fn demo_user(s: &Shared) -> Result<Option<(i64, String)>, StoreError> {
    Ok(s.store
        .conn()
        .query_row(
            "SELECT id, name FROM rh_users WHERE username = ?1",
            [DEMO_USERNAME],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Client authentication: HTTP Basic or body credentials, never both (RFC 6749 §2.3.1).
fn authenticate_client(s: &Shared, headers: &HeaderMap, f: &Form) -> Result<(), OAuthError> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "));
    let (id, secret) = match (basic, f.get("client_secret")) {
        (Some(_), Some(_)) => {
            return Err(oauth(
                "invalid_request",
                Some("use one client authentication method".into()),
            ));
        }
        (Some(b), None) => {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .map_err(|_| oauth("invalid_client", None))?;
            let raw = String::from_utf8(raw).map_err(|_| oauth("invalid_client", None))?;
            let (i, p) = raw
                .split_once(':')
                .ok_or_else(|| oauth("invalid_client", None))?;
            let dec = |x: &str| {
                url::form_urlencoded::parse(format!("x={x}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            (dec(i), dec(p))
        }
        (None, Some(sec)) => (f.get("client_id").unwrap_or("").to_owned(), sec.to_owned()),
        (None, None) => {
            return Err(oauth(
                "invalid_client",
                Some("client authentication required".into()),
            ));
        }
    };
    if id == SAMPLE_CLIENT_ID && crypto::secret_eq(&secret, &s.sample_client_secret) {
        Ok(())
    } else {
        Err(oauth("invalid_client", None))
    }
}

fn issue_tokens(s: &Shared, uid: i64, scope: &str) -> Result<TokenResponse, OAuthError> {
    let access = crypto::random_token(32);
    let refresh = crypto::random_token(32);
    let now = s.now_ms();
    let lifetime = if s.faults.is_on(Fault::ShortExpiry) {
        faults::SHORT_EXPIRY_S
    } else {
        ACCESS_TOKEN_LIFETIME_S
    };
    let c = s.store.conn();
    c.execute(
        "INSERT INTO rh_tokens (token_hash, kind, user_id, client_id, scope, expires_at) VALUES (?1, 'access', ?2, ?3, ?4, ?5)",
        params![crypto::sha256_hex(&access), uid, SAMPLE_CLIENT_ID, scope, now + lifetime * 1000],
    )?;
    c.execute(
        "INSERT INTO rh_tokens (token_hash, kind, user_id, client_id, scope, expires_at) VALUES (?1, 'refresh', ?2, ?3, ?4, NULL)",
        params![crypto::sha256_hex(&refresh), uid, SAMPLE_CLIENT_ID, scope],
    )?;
    Ok(TokenResponse {
        access_token: access,
        token_type: "Bearer".into(),
        expires_in: Some(lifetime as u64),
        refresh_token: Some(refresh),
        scope: Some(scope.into()),
    })
}

async fn token(State(s): S, headers: HeaderMap, body: Bytes) -> Result<Response, OAuthError> {
    if s.faults.is_on(Fault::SlowAuth) {
        tokio::time::sleep(std::time::Duration::from_millis(faults::SLOW_TOKEN_MS)).await;
    }
    let f =
        Form::parse(&headers, &body).map_err(|e| oauth("invalid_request", Some(e.to_string())))?;
    authenticate_client(&s, &headers, &f)?;
    let now = s.now_ms();
    let tokens = match f.get("grant_type") {
        Some("authorization_code") => {
            let code = f
                .get("code")
                .ok_or_else(|| oauth("invalid_request", Some("code is required".into())))?;
            let hash = crypto::sha256_hex(code);
            let row: Option<(String, i64, String, Option<String>, i64, i64)> = s
                .store
                .conn()
                .query_row("SELECT redirect_uri, user_id, scope, code_challenge, expires_at, used FROM rh_codes WHERE code_hash = ?1", [&hash], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
                })
                .optional()?;
            let (redirect_uri, uid, scope, challenge, expires_at, used) =
                row.ok_or_else(|| oauth("invalid_grant", Some("unknown code".into())))?;
            if used != 0 {
                // A replayed code revokes what it issued (RFC 6749 §4.1.2).
                s.store.conn().execute(
                    "UPDATE rh_tokens SET revoked = 1 WHERE user_id = ?1 AND client_id = ?2",
                    params![uid, SAMPLE_CLIENT_ID],
                )?;
                return Err(oauth("invalid_grant", Some("code already used".into())));
            }
            if expires_at <= now {
                return Err(oauth("invalid_grant", Some("code expired".into())));
            }
            if f.get("redirect_uri") != Some(redirect_uri.as_str()) {
                return Err(oauth(
                    "invalid_grant",
                    Some("redirect_uri does not match the authorization request".into()),
                ));
            }
            if let Some(ch) = challenge {
                let v = f.get("code_verifier").ok_or_else(|| {
                    oauth("invalid_grant", Some("code_verifier is required".into()))
                })?;
                if !crypto::secret_eq(&crypto::pkce_challenge(v), &ch) {
                    return Err(oauth(
                        "invalid_grant",
                        Some("PKCE verification failed".into()),
                    ));
                }
            }
            let n = s.store.conn().execute(
                "UPDATE rh_codes SET used = 1 WHERE code_hash = ?1 AND used = 0",
                [&hash],
            )?;
            if n != 1 {
                return Err(oauth("invalid_grant", Some("code already used".into())));
            }
            issue_tokens(&s, uid, &scope)?
        }
        Some("refresh_token") => {
            let rt = f.get("refresh_token").ok_or_else(|| {
                oauth("invalid_request", Some("refresh_token is required".into()))
            })?;
            let hash = crypto::sha256_hex(rt);
            let row: Option<(i64, String)> = s
                .store
                .conn()
                .query_row("SELECT user_id, scope FROM rh_tokens WHERE token_hash = ?1 AND kind = 'refresh' AND revoked = 0", [&hash], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let (uid, scope) = row.ok_or_else(|| {
                oauth(
                    "invalid_grant",
                    Some("unknown or revoked refresh_token".into()),
                )
            })?;
            s.store.conn().execute(
                "UPDATE rh_tokens SET revoked = 1 WHERE token_hash = ?1",
                [&hash],
            )?;
            issue_tokens(&s, uid, &scope)?
        }
        Some(other) => return Err(oauth("unsupported_grant_type", Some(format!("{other:?}")))),
        None => {
            return Err(oauth(
                "invalid_request",
                Some("grant_type is required".into()),
            ));
        }
    };
    let mut r = axum::Json(tokens).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// Looks a bearer access token up: `(name, email)` when valid.
pub fn user_for_token(s: &Shared, token: &str) -> Result<Option<(String, String)>, StoreError> {
    Ok(s.store
        .conn()
        .query_row(
            "SELECT u.name, u.email FROM rh_tokens t JOIN rh_users u ON u.id = t.user_id
             WHERE t.token_hash = ?1 AND t.kind = 'access' AND t.revoked = 0 AND (t.expires_at IS NULL OR t.expires_at > ?2)",
            params![crypto::sha256_hex(token), s.now_ms()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

async fn userinfo(State(s): S, headers: HeaderMap) -> Result<Response, OAuthError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    match user_for_token(&s, token)? {
        Some((name, email)) => Ok(axum::Json(
            serde_json::json!({"sub": email, "name": name, "email": email}),
        )
        .into_response()),
        None => {
            let mut r = (
                StatusCode::UNAUTHORIZED,
                axum::Json(serde_json::json!({"error": "invalid_token"})),
            )
                .into_response();
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
            Ok(r)
        }
    }
}
