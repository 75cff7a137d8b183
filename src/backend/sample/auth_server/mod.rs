//! The sample Ride Hailer authorization server (mounted under `/ridehailer`):
//! login with a seeded demo user (argon2, lockout), terms, consent, single-use
//! authorization codes (≤ 60 s), exact redirect-URI allowlist, PKCE, both
//! client-authentication schemes, refresh with rotation, opaque tokens stored
//! hashed, and userinfo. It is what a real OAuth server would do, so the
//! emulator's Alexa side is exercised honestly.

mod token;
use std::sync::Arc;
pub use token::user_for_token;
use token::{token, userinfo};

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

fn rh_page(locale: &str, title: &str, body: Markup) -> Markup {
    crate::backend::infra::html::layout_in(locale, "Ride Hailer", title, body)
}

/// This server's string `key` in `locale`, the skill's name filled in.
fn say(key: &str, locale: &str, args: &[(&str, &str)]) -> String {
    let mut all = vec![("skill_name", "Ride Hailer")];
    all.extend_from_slice(args);
    crate::locale::tr_page(&format!("page.{key}"), locale, &all)
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
    let id = crypto::random_token("login_session", 24);
    // Compare-only values are stored as hashes: the row holds the id's hash, and the form's
    // CSRF token is derived from the id (the database holds neither).
    let csrf = txn_csrf(&s, &id);
    s.store.conn().execute(
        "INSERT INTO rh_txns (id, csrf, client_id, redirect_uri, state, scope, code_challenge, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![crypto::sha256_hex(&id), crypto::sha256_hex(&csrf), SAMPLE_CLIENT_ID, redirect_uri, state, scope, q.code_challenge, s.now_ms() + TXN_LIFETIME_MS],
    )?;
    let mut r = login_form(crate::backend::infra::html::locale(), &csrf, None, "").into_response();
    let cookie = format!("{COOKIE}={id}; Path=/ridehailer; HttpOnly; SameSite=Lax");
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).expect("ascii cookie"),
    );
    Ok(r)
}

pub(crate) fn login_form(l: &str, csrf: &str, error: Option<&str>, username: &str) -> Markup {
    let title = say("sign_in_title", l, &[]);
    rh_page(
        l,
        &title,
        html! {
            div.card {
                h1 { (title) }
                @if let Some(e) = error { p.error role="alert" { (e) } }
                form method="post" action="/ridehailer/login" {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="username" { (say("email", l, &[])) }
                    input #username type="email" name="username" value=(username) autocomplete="username" required;
                    label for="password" { (say("password", l, &[])) }
                    input #password type="password" name="password" autocomplete="current-password" required;
                    button type="submit" name="action" value="login" { (say("sign_in", l, &[])) }
                }
            }
        },
    )
}

/// A sign-in transaction's CSRF token: a MAC of its id under the database's key.
fn txn_csrf(s: &Shared, id: &str) -> String {
    s.store.vault().mac(&format!("rh_txn csrf {id}"))
}

/// An authorization in progress, found by the cookie and checked against the form's CSRF token.
struct Txn {
    /// The row's key: the hash of the cookie's id.
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
    let csrf = txn_csrf(s, &id);
    let t = s
        .store
        .conn()
        .query_row(
            "SELECT id, redirect_uri, state, scope, code_challenge, user_id, terms_accepted FROM rh_txns WHERE id = ?1 AND expires_at > ?2",
            params![crypto::sha256_hex(&id), s.now_ms()],
            |r| {
                Ok(Txn {
                    id: r.get(0)?,
                    csrf: csrf.clone(),
                    redirect_uri: r.get(1)?,
                    state: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    scope: r.get(3)?,
                    code_challenge: r.get(4)?,
                    user_id: r.get(5)?,
                    terms_accepted: r.get::<_, i64>(6)? != 0,
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
    let l = crate::backend::infra::html::locale();
    let wrong = say("wrong_password", l, &[]);
    let Some((uid, hash, failed, locked_until)) = user else {
        return Ok(login_form(l, &t.csrf, Some(&wrong), &username).into_response());
    };
    if let Some(until) = locked_until.filter(|u| *u > now) {
        let mins = crate::locale::digits(l, &((until - now) / 60_000 + 1).max(1).to_string());
        let msg = say("locked", l, &[("mins", &mins)]);
        return Ok(login_form(l, &t.csrf, Some(&msg), &username).into_response());
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
            let mins = crate::locale::digits(l, &(LOCKOUT_MS / 60_000).to_string());
            say("locked", l, &[("mins", &mins)])
        } else {
            wrong
        };
        return Ok(login_form(l, &t.csrf, Some(&msg), &username).into_response());
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
    Ok(terms_markup(crate::backend::infra::html::locale(), &t.csrf))
}

pub(crate) fn terms_markup(l: &str, csrf: &str) -> Markup {
    rh_page(
        l,
        &say("terms_page_title", l, &[]),
        html! {
            div.card {
                h1 { (say("terms_title", l, &[])) }
                p { (say("terms_body", l, &[])) }
                form method="post" action="/ridehailer/terms" {
                    input type="hidden" name="csrf" value=(csrf);
                    button type="submit" name="accept" value="yes" { (say("accept", l, &[])) }
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
    Ok(consent_markup(crate::backend::infra::html::locale(), &t.csrf, &t.scope).into_response())
}

pub(crate) fn consent_markup(l: &str, csrf: &str, scope: &str) -> Markup {
    rh_page(
        l,
        &say("consent_page_title", l, &[]),
        html! {
            div.card {
                h1 { (say("consent_title", l, &[])) }
                ul {
                    @for sc in scope.split(' ') {
                        li { @match sc { "profile" => (say("scope_profile", l, &[])), "rides" => (say("scope_rides", l, &[])), other => (other) } }
                    }
                }
                form method="post" action="/ridehailer/consent" {
                    input type="hidden" name="csrf" value=(csrf);
                    button type="submit" name="decision" value="allow" { (say("allow", l, &[])) }
                    button.secondary type="submit" name="decision" value="deny" { (say("deny", l, &[])) }
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
    let code = crypto::random_token("auth_code", 32);
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
