//! The phone-facing "Alexa app" pages, part one: the verification page the QR code
//! opens, the start of the authorization-code grant against the skill's
//! server, Alexa's redirect handler, and the skill detail, settings and cards
//! pages. Plain HTML forms; no JavaScript needed.

use crate::events::LogEvent;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use rusqlite::{OptionalExtension, params};
use serde::Deserialize;

use super::{conformance, exchange, linking};
use crate::backend::infra::crypto;
use crate::backend::infra::error::{PageError, page};
use crate::backend::infra::form::Form;
use crate::backend::infra::html::{alexa_page, t};
use crate::backend::infra::session;
use crate::backend::infra::state::Shared;

type S = State<Arc<Shared>>;

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/device", get(verify_page))
        .route("/device/link", post(device_link))
        .route("/device/cancel", post(device_cancel))
        .route("/api/skill/link/{vendor_id}", get(redirect_handler))
}

pub(super) fn linking_badge(s: &Shared) -> String {
    t(
        if s.config.account_linking.required {
            "badge_required"
        } else {
            "badge_available"
        },
        &[],
    )
}

pub(super) fn form_of(headers: &HeaderMap, body: &Bytes) -> Result<Form, PageError> {
    Form::parse(headers, body)
        .map_err(|e| page(StatusCode::BAD_REQUEST, "Bad request", e.to_string()))
}

#[derive(Deserialize)]
struct VerifyQuery {
    user_code: Option<String>,
}

/// A pending device code found by its user code.
struct PendingCode {
    hash: String,
    user_code: String,
    person_id: String,
    /// The device asked for it with its key (see [`session`]).
    household: bool,
}

fn find_pending(s: &Shared, user_code: &str) -> Result<Option<PendingCode>, PageError> {
    let now = s.now_ms();
    let row = s
        .store
        .conn()
        .query_row(
            "SELECT device_code_hash, user_code, person_id, household FROM device_codes WHERE user_code = ?1 AND status = 'pending' AND expires_at > ?2
             ORDER BY created_at DESC LIMIT 1",
            params![user_code, now],
            |r| Ok(PendingCode { hash: r.get(0)?, user_code: r.get(1)?, person_id: r.get(2)?, household: r.get(3)? }),
        )
        .optional()?;
    Ok(row)
}

/// Looks a typed or scanned code up, counting failures against the client address.
fn lookup_code(
    s: &Shared,
    ip: IpAddr,
    input: &str,
) -> Result<Result<PendingCode, String>, PageError> {
    let now = s.now_ms();
    if s.attempts.blocked(ip, now) {
        return Err(page(
            StatusCode::TOO_MANY_REQUESTS,
            &t("too_many_title", &[]),
            t("too_many_body", &[]),
        ));
    }
    let found = match crypto::normalize_user_code(input) {
        Some(code) => find_pending(s, &code)?,
        None => None,
    };
    Ok(match found {
        Some(p) => Ok(p),
        None => {
            s.attempts.fail(ip, now);
            Err(t("bad_code", &[]))
        }
    })
}

fn entry_form(error: Option<&str>, value: &str) -> Markup {
    alexa_page(
        &t("link_device", &[]),
        html! {
            div.card {
                h1 { (t("enter_code", &[])) }
                @if let Some(e) = error { p.error role="alert" { (e) } }
                form method="get" action="/device" {
                    label for="user_code" { (t("code", &[])) }
                    input #user_code type="text" name="user_code" value=(value) autocomplete="off" autocapitalize="characters" placeholder="XXXX-XXXX" dir="ltr" required;
                    button type="submit" { (t("continue", &[])) }
                }
            }
        },
    )
}

async fn verify_page(
    State(s): S,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<VerifyQuery>,
) -> Result<Response, PageError> {
    let Some(input) = q.user_code.filter(|c| !c.trim().is_empty()) else {
        return Ok(entry_form(None, "").into_response());
    };
    let pending = match lookup_code(&s, peer.ip(), &input)? {
        Ok(p) => p,
        Err(msg) => {
            return Ok((StatusCode::NOT_FOUND, entry_form(Some(&msg), &input)).into_response());
        }
    };
    // The device's own code makes this browser the household's phone; a public client's code
    // only lets it approve that code (its forms carry a token bound to the code).
    let (field, jar) = if pending.household {
        let (session, jar) = session::grant(&s, &headers);
        (session.field(), Some(jar))
    } else {
        (session::code_field(&s, &pending.hash), None)
    };
    let skill = &s.config.skill;
    let title = t("link_title", &[("skill_name", &skill.name)]);
    let body = html! {
        div.card {
            span.badge { (linking_badge(&s)) }
            h1 { (title) }
            @if let Some(vendor) = skill.vendor() {
                p.muted { (t("by_vendor", &[("vendor", vendor)])) }
            }
            p { (t("check_code", &[])) }
            p.code dir="ltr" { (pending.user_code) }
            form method="post" action="/device/link" {
                input type="hidden" name="user_code" value=(pending.user_code);
                (field)
                button type="submit" { (t("link_account", &[])) }
            }
            form method="post" action="/device/cancel" {
                input type="hidden" name="user_code" value=(pending.user_code);
                (field)
                button.secondary type="submit" { (t("cancel", &[])) }
            }
        }
    };
    Ok((jar, alexa_page(&title, body)).into_response())
}

/// The code a verification page's form posted, looked up like a typed one: the device's own
/// code from the household's phone (session and CSRF token checked), a public client's code
/// with the token bound to it.
fn posted_code(
    s: &Shared,
    peer: SocketAddr,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Result<PendingCode, String>, PageError> {
    let f = form_of(headers, body)?;
    session::same_site(headers)?;
    let found = lookup_code(s, peer.ip(), f.get("user_code").unwrap_or(""))?;
    match &found {
        Ok(p) if !p.household => {
            let given = f.get(session::CSRF_FIELD).unwrap_or("");
            session::token_matches(given, &session::code_token(s, &p.hash))?;
        }
        // The device's code, or none pending: the household's phone alone may ask.
        _ => {
            session::check(s, headers, &f)?;
        }
    }
    Ok(found)
}

async fn device_link(
    State(s): S,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let pending = match posted_code(&s, peer, &headers, &body)? {
        Ok(p) => p,
        Err(msg) => return Ok((StatusCode::NOT_FOUND, entry_form(Some(&msg), "")).into_response()),
    };
    let authz = super::authorize::authorization_redirect(
        &s,
        Some(&pending.hash),
        &pending.person_id,
        None,
    )?;
    super::conformance::probe_redirects(&s);
    Ok(authz.redirect())
}

async fn device_cancel(
    State(s): S,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    match posted_code(&s, peer, &headers, &body)? {
        Ok(p) => deny(&s, &p.hash)?,
        // Nothing to cancel: say so, and count it like any wrong code.
        Err(why) => {
            return Err(page(
                StatusCode::NOT_FOUND,
                &t("nothing_to_cancel", &[]),
                why,
            ));
        }
    }
    Ok(alexa_page(
        &t("cancelled_title", &[]),
        html! { div.card { h1 { (t("cancelled_heading", &[])) } p { (t("cancelled_body", &[])) } } },
    )
    .into_response())
}

/// Whether the device asked for this code with its key.
fn household_code(s: &Shared, hash: &str) -> Result<bool, PageError> {
    Ok(s.store
        .conn()
        .query_row(
            "SELECT household FROM device_codes WHERE device_code_hash = ?1",
            [hash],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(false))
}

fn deny(s: &Shared, hash: &str) -> Result<(), PageError> {
    s.store.conn().execute("UPDATE device_codes SET status = 'denied' WHERE device_code_hash = ?1 AND status = 'pending'", [hash])?;
    s.waiters.wake(hash);
    Ok(())
}

/// An authorization request with this `state` is still waiting for its redirect.
fn waiting(s: &Shared, state: &str) -> bool {
    s.store
        .conn()
        .query_row(
            "SELECT 1 FROM link_states WHERE state = ?1 AND used = 0 AND expires_at > ?2",
            params![crypto::sha256_hex(state), s.now_ms()],
            |_| Ok(()),
        )
        .optional()
        .ok()
        .flatten()
        .is_some()
}

#[derive(Deserialize)]
struct Callback {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Alexa's redirect URL: `/api/skill/link/<VendorId>?state=…&code=…`.
async fn redirect_handler(
    State(s): S,
    Path(vendor): Path<String>,
    headers: HeaderMap,
    Query(cb): Query<Callback>,
) -> Result<Response, PageError> {
    if vendor != s.config.backend.vendor_id {
        return Err(page(
            StatusCode::NOT_FOUND,
            &t("unknown_skill_title", &[]),
            t("unknown_skill_body", &[]),
        ));
    }
    let bad_state = || {
        page(
            StatusCode::BAD_REQUEST,
            &t("failed_title", &[]),
            t("invalid_state", &[]),
        )
    };
    // Only a browser linkscreen sent to the authorization endpoint, for a request still
    // waiting, speaks for the developer's server; anything else is a stranger's request.
    let ours = crate::backend::infra::form::cookie(&headers, super::authorize::AUTHZ_COOKIE)
        .is_some_and(|st| waiting(&s, &st));
    let unsolicited = |s: &Shared, why: &str| {
        tracing::warn!("unsolicited request to Alexa's redirect URL ({why}): ignored");
        s.note(LogEvent::UnsolicitedRedirect {
            why: why.to_string(),
        });
        bad_state()
    };
    let Some(state) = cb.state else {
        if !ours {
            return Err(unsolicited(
                &s,
                "no state, and no authorization request of this browser",
            ));
        }
        s.conform([conformance::check_state(None, false)]);
        return Err(bad_state());
    };
    let now = s.now_ms();
    let state_hash = crypto::sha256_hex(&state);
    // Single use: only the request that flips `used` may continue.
    let row: Option<(Option<String>, String, Option<String>)> = {
        let c = s.store.conn();
        let n = c.execute(
            "UPDATE link_states SET used = 1 WHERE state = ?1 AND used = 0 AND expires_at > ?2",
            params![state_hash, now],
        )?;
        if n == 1 {
            c.query_row("SELECT device_code_hash, person_id, code_verifier FROM link_states WHERE state = ?1", [&state_hash], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?
        } else {
            None
        }
    };
    let Some((device_hash, person_id, verifier)) = row else {
        // Used or expired is the user's doing (a reload); never issued is the server's.
        let issued = s
            .store
            .conn()
            .query_row(
                "SELECT 1 FROM link_states WHERE state = ?1",
                [&state_hash],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if !issued {
            if !ours {
                return Err(unsolicited(&s, "a state linkscreen never issued"));
            }
            s.conform([conformance::check_state(Some(&state), false)]);
        }
        return Err(bad_state());
    };
    s.conform([conformance::check_state(Some(&state), true)]);
    let verifier = verifier
        .map(|v: String| s.store.vault().open("link_states.code_verifier", &v))
        .transpose()?;
    let skill = &s.config.skill;

    if let Some(err) = cb.error {
        if let Some(h) = &device_hash {
            deny(&s, h)?;
        }
        let detail = cb.error_description.unwrap_or_default();
        let msg = if err == "access_denied" {
            t("denied", &[("skill_name", &skill.name)])
        } else {
            t(
                "answered",
                &[
                    ("skill_name", &skill.name),
                    ("error", format!("{err} {detail}").trim_end()),
                ],
            )
        };
        return Ok((
            StatusCode::OK,
            alexa_page(
                &t("not_linked_title", &[]),
                html! { div.card { h1 { (t("not_linked_heading", &[])) } p.error { (msg) } } },
            ),
        )
            .into_response());
    }
    let code = cb.code.ok_or_else(|| {
        page(
            StatusCode::BAD_REQUEST,
            &t("failed_title", &[]),
            t("no_code", &[]),
        )
    })?;
    // The server sent a code to this redirect URI for a request linkscreen made: it accepts it.
    if s.config.account_linking.request.is_some() {
        s.conform([conformance::redirect_uri_used(&s.redirect_uri())]);
    }
    match exchange::observed(
        &s,
        "authorization_code",
        exchange::exchange_code(
            &s.http,
            &s.account_linking,
            &code,
            &s.redirect_uri(),
            verifier.as_deref(),
        ),
    )
    .await
    {
        Ok(tokens) => {
            // The same rule as every link: a person's only with personal linking; a public
            // client's code links that client alone, never the household.
            let person = match &device_hash {
                Some(h) if !household_code(&s, h)? => linking::requester_person(h),
                _ => linking::link_person(&s, &person_id),
            };
            let link_id = linking::store_link(&s, &person, &tokens)?;
            if let Some(h) = &device_hash {
                s.store.conn().execute("UPDATE device_codes SET status = 'approved', link_id = ?2 WHERE device_code_hash = ?1 AND status = 'pending'", params![h, link_id])?;
                s.waiters.wake(h);
            }
            if person_id.is_empty() {
                tracing::info!("linked {}", skill.name);
            } else {
                tracing::info!("linked {} (person {person_id:?})", skill.name);
            }
            Ok(alexa_page(
                &t("linked_title", &[]),
                html! { div.card { h1 { (t("linked_heading", &[("skill_name", &skill.name)])) } p.ok { (t("linked_body", &[])) } } },
            )
            .into_response())
        }
        Err(e) => {
            tracing::warn!("token exchange failed: {e}");
            // The device waiting on this code hears that linking failed.
            if let Some(h) = &device_hash {
                s.store.conn().execute(
                    "UPDATE device_codes SET status = 'failed', failure = ?2 WHERE device_code_hash = ?1 AND status = 'pending'",
                    params![h, e.to_string()],
                )?;
                s.waiters.wake(h);
            }
            Ok((
                StatusCode::BAD_GATEWAY,
                alexa_page(
                    &t("failed_title", &[]),
                    html! { div.card { h1 { (t("failed_heading", &[("skill_name", &skill.name)])) } p.error { (e.to_string()) } p { (t("start_again", &[])) } } },
                ),
            )
                .into_response())
        }
    }
}
