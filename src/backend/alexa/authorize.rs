//! Starting an authorization request as Alexa does (RFC 6749 §4.1.1, RFC 7636): a single-use
//! `state` bound to the device code and person, PKCE, the exact redirect URI; and the cookie
//! that ties the browser's return to the request. Used by the phone pages, the device's
//! "Sign in using this device" and the redirect-URI probe.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rusqlite::params;

use crate::backend::infra::crypto;
use crate::backend::infra::error::{PageError, page};
use crate::backend::infra::state::Shared;
use crate::protocol::account_linking::GrantType;

/// How long a `state` stays valid.
pub const STATE_LIFETIME_MS: i64 = 10 * 60 * 1000;

/// An authorization request linkscreen started: where to send the browser, and its `state`.
pub struct Authorization {
    pub url: String,
    pub state: String,
}

/// The cookie that ties a browser's return to Alexa's redirect URL to the authorization request
/// linkscreen sent it on (so a redirect without a usable `state` can still be told apart from a
/// stranger's request to that URL).
pub const AUTHZ_COOKIE: &str = "ls_authz";

impl Authorization {
    /// Sends the browser to the authorization endpoint, remembering the request in a cookie
    /// scoped to Alexa's redirect URL (Lax: the way back is a cross-site navigation).
    pub fn redirect(self) -> Response {
        let mut r = Redirect::to(&self.url).into_response();
        let cookie = format!(
            "{AUTHZ_COOKIE}={}; Path=/api/skill/link; Max-Age={}; HttpOnly; SameSite=Lax",
            self.state,
            STATE_LIFETIME_MS / 1000
        );
        if let Ok(v) = cookie.parse() {
            r.headers_mut().append(axum::http::header::SET_COOKIE, v);
        }
        r
    }
}

/// Creates a single-use `state` bound to the device code and builds the authorization URL.
pub fn authorization_redirect(
    s: &Shared,
    device_code_hash: Option<&str>,
    person_id: &str,
    platform_url: Option<&str>,
) -> Result<Authorization, PageError> {
    let al = &s.account_linking;
    if al.grant_type == GrantType::Implicit {
        return Err(page(
            StatusCode::NOT_IMPLEMENTED,
            "Not supported",
            "This emulator links with the AUTH_CODE grant only; IMPLICIT is not supported.",
        ));
    }
    let state = crypto::random_token("state", 24);
    let verifier = al.pkce.then(|| crypto::random_token("pkce_verifier", 32));
    let now = s.now_ms();
    s.store.conn().execute(
        "INSERT INTO link_states (state, device_code_hash, person_id, code_verifier, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        // Compare-only values are hashed at rest; the verifier is replayed, so it is sealed.
        params![
            crypto::sha256_hex(&state),
            device_code_hash,
            person_id,
            verifier.as_ref().map(|v| s.store.vault().seal("link_states.code_verifier", v)),
            now,
            now + STATE_LIFETIME_MS
        ],
    )?;
    let base = platform_url.unwrap_or(&al.authorization_url);
    let url = authorization_url(al, base, &state, &s.redirect_uri(), verifier.as_deref()).map_err(
        |e| {
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Bad configuration",
                format!("authorizationUrl: {e}"),
            )
        },
    )?;
    Ok(Authorization {
        url: url.into(),
        state,
    })
}

/// The authorization request Alexa sends (RFC 6749 §4.1.1, RFC 7636 §4.3): `base` with
/// response_type, client_id, state, redirect_uri, scope and the S256 challenge of `verifier`.
pub fn authorization_url(
    al: &crate::protocol::account_linking::AccountLinkingRequest,
    base: &str,
    state: &str,
    redirect_uri: &str,
    verifier: Option<&str>,
) -> Result<url::Url, url::ParseError> {
    let mut url = url::Url::parse(base)?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", &al.client_id)
            .append_pair("state", state)
            .append_pair("redirect_uri", redirect_uri);
        if !al.scopes.is_empty() {
            q.append_pair("scope", &al.scope_string());
        }
        if let Some(v) = verifier {
            q.append_pair("code_challenge", &crypto::pkce_challenge(v))
                .append_pair("code_challenge_method", "S256");
        }
    }
    Ok(url)
}
