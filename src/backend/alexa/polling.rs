//! RFC 8628 §3.4–3.5 device-code polling at the linking service's token endpoint, with the
//! optional long-poll (RFC 7240 `Prefer: wait`). A pending poll reads its code's row once and
//! writes nothing: the pace (`slow_down`) is kept in memory ([`crate::backend::infra::pace`]).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use rusqlite::OptionalExtension;

use crate::backend::infra::crypto;
use crate::backend::infra::error::{OAuthError, no_store, oauth, oauth_form as parse};
use crate::backend::infra::state::Shared;
use crate::protocol::oauth::{DEVICE_CODE_GRANT, TokenResponse};

type S = State<Arc<Shared>>;

pub fn router() -> axum::Router<Arc<Shared>> {
    axum::Router::new().route("/oauth/token", axum::routing::post(token))
}

/// What a poll found.
enum PollState {
    Pending,
    Denied,
    Expired,
    Granted(TokenResponse),
}

/// A device code's row, as a poll needs it.
struct CodeRow {
    client_id: String,
    status: String,
    interval_s: i64,
    expires_at: i64,
    link_id: Option<i64>,
    failure: Option<String>,
}

/// Reads a device code's row (one cached statement: the poll's only read when it is pending).
fn read_code(c: &rusqlite::Connection, hash: &str) -> Result<Option<CodeRow>, OAuthError> {
    Ok(c
        .prepare_cached(
            "SELECT client_id, status, interval_s, expires_at, link_id, failure FROM device_codes WHERE device_code_hash = ?1",
        )?
        .query_row([hash], |r| {
            Ok(CodeRow {
                client_id: r.get(0)?,
                status: r.get(1)?,
                interval_s: r.get(2)?,
                expires_at: r.get(3)?,
                link_id: r.get(4)?,
                failure: r.get(5)?,
            })
        })
        .optional()?)
}

/// Reads a device code's state; a granted one is consumed (single use).
fn poll_state(s: &Shared, hash: &str) -> Result<PollState, OAuthError> {
    let row = read_code(&s.store.conn(), hash)?;
    let row = row.ok_or_else(|| oauth("invalid_grant", Some("unknown device_code".into())))?;
    state_of(s, hash, row)
}

/// A device code's state from its row; a granted one is consumed (single use), and a code
/// that is done with leaves the pace registry.
fn state_of(s: &Shared, hash: &str, row: CodeRow) -> Result<PollState, OAuthError> {
    let now = s.now_ms();
    let state = answer_of(s, hash, row, now);
    if !matches!(state, Ok(PollState::Pending)) {
        s.pace.forget(hash);
    }
    state
}

fn answer_of(s: &Shared, hash: &str, row: CodeRow, now: i64) -> Result<PollState, OAuthError> {
    let CodeRow {
        status,
        expires_at,
        link_id,
        failure,
        ..
    } = row;
    match status.as_str() {
        "approved" => {
            let c = s.store.conn();
            let link: Option<(String, Option<i64>, Option<String>)> = c
                .query_row("SELECT access_token, expires_at, scope FROM links WHERE id = ?1 AND status = 'active'", [link_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            c.execute(
                "UPDATE device_codes SET status = 'consumed' WHERE device_code_hash = ?1",
                [hash],
            )?;
            drop(c);
            match link {
                Some((sealed, exp, scope)) => Ok(PollState::Granted(TokenResponse {
                    access_token: s.store.vault().open("links.access_token", &sealed)?,
                    token_type: "Bearer".into(),
                    expires_in: exp.map(|e| ((e - now).max(0) / 1000) as u64),
                    refresh_token: None,
                    scope,
                })),
                None => Err(oauth("invalid_grant", Some("the link was removed".into()))),
            }
        }
        "denied" => Ok(PollState::Denied),
        // The token exchange with the skill's server failed: this code cannot link any more.
        "failed" => Err(oauth(
            "invalid_grant",
            Some(format!(
                "linking failed: {}",
                failure.unwrap_or_else(|| "the token exchange failed".into())
            )),
        )),
        "consumed" => Err(oauth(
            "invalid_grant",
            Some("device_code was already used".into()),
        )),
        _ if now >= expires_at => Ok(PollState::Expired),
        _ => Ok(PollState::Pending),
    }
}

fn answer(p: PollState) -> Result<Response, OAuthError> {
    match p {
        PollState::Granted(t) => Ok(no_store(axum::Json(t))),
        PollState::Pending => Err(oauth("authorization_pending", None)),
        PollState::Denied => Err(oauth("access_denied", Some("the user refused".into()))),
        PollState::Expired => Err(oauth("expired_token", None)),
    }
}

/// `Prefer: wait=N` (RFC 7240 §4.3).
fn prefer_wait(headers: &HeaderMap) -> Option<u64> {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| {
            let p = p.trim();
            p.strip_prefix("wait=").and_then(|n| n.trim().parse().ok())
        })
}

/// RFC 8628 §3.4–3.5 polling.
async fn token(State(s): S, headers: HeaderMap, body: Bytes) -> Result<Response, OAuthError> {
    let f = parse(&headers, &body)?;
    match f.get("grant_type") {
        Some(DEVICE_CODE_GRANT) => {}
        Some(other) => {
            return Err(oauth(
                "unsupported_grant_type",
                Some(format!("{other:?} is not supported here")),
            ));
        }
        None => {
            return Err(oauth(
                "invalid_request",
                Some("grant_type is required".into()),
            ));
        }
    }
    let device_code = f
        .get("device_code")
        .ok_or_else(|| oauth("invalid_request", Some("device_code is required".into())))?;
    let client_id = f
        .get("client_id")
        .ok_or_else(|| oauth("invalid_request", Some("client_id is required".into())))?;
    let hash = crypto::sha256_hex(device_code);
    let row = read_code(&s.store.conn(), &hash)?
        .ok_or_else(|| oauth("invalid_grant", Some("unknown device_code".into())))?;
    if row.client_id != client_id {
        return Err(oauth(
            "invalid_grant",
            Some("device_code was issued to another client".into()),
        ));
    }
    // Rate: a poll sooner than the interval after the previous one is slow_down, and the
    // interval grows by 5 s for this and every later request (RFC 8628 §3.5). The pace is
    // kept in memory: a poll writes nothing.
    let mut interval_s = row.interval_s;
    if row.status == "pending" {
        interval_s = s
            .pace
            .poll(&hash, row.interval_s, s.now_ms(), row.expires_at)
            .map_err(|grown| oauth("slow_down", Some(format!("poll at most every {grown} s"))))?;
    }
    let wait = prefer_wait(&headers).map(|w| w.min(interval_s as u64));
    let Some(wait) = wait.filter(|w| *w > 0) else {
        return answer(state_of(&s, &hash, row)?);
    };
    // Long-poll: register before checking so a completion in between is not missed.
    // The guard also runs when the client hangs up and axum drops this future mid-wait.
    let hold = s.waiters.hold(&hash);
    let notify = hold.notify.clone().expect("set by hold()");
    let result = {
        let notified = notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        match poll_state(&s, &hash) {
            Ok(PollState::Pending) => {
                let _ = tokio::time::timeout(Duration::from_secs(wait), notified).await;
                poll_state(&s, &hash)
            }
            other => other,
        }
    };
    drop(notify);
    drop(hold);
    let result = result?;
    // RFC 7240: say the preference was honoured, whatever the answer.
    let mut r = answer(result).unwrap_or_else(IntoResponse::into_response);
    r.headers_mut().insert(
        "preference-applied",
        HeaderValue::from_str(&format!("wait={wait}")).expect("ascii"),
    );
    Ok(r)
}
