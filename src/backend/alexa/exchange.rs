//! Alexa's side of the authorization-code grant: exchanging a code and
//! refreshing a token at the skill's `accessTokenUrl`, with the configured
//! client-authentication scheme and Alexa's 4.5 s limit.

use crate::events::LogEvent;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::backend::alexa::conformance::TOKEN_ENDPOINT_TIMEOUT;
use crate::protocol::account_linking::{AccessTokenScheme, AccountLinkingRequest};
use crate::protocol::oauth::{ErrorResponse, TokenResponse};

/// Why a token request failed.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error("the token endpoint did not answer within 4.5 s")]
    Timeout,
    #[error("cannot reach the token endpoint: {0}")]
    Unreachable(String),
    #[error("the token endpoint refused: {}{}", .0.error, .0.error_description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Refused(ErrorResponse),
    #[error(
        "the token endpoint answered HTTP {status} with a body that is not a token response: {detail}"
    )]
    Malformed { status: u16, detail: String },
    #[error("the account-linking configuration has no accessTokenUrl")]
    NoTokenUrl,
}

/// Form-urlencodes a client credential for HTTP Basic (RFC 6749 §2.3.1).
fn basic_auth(id: &str, secret: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", enc(id), enc(secret)))
    )
}

/// Sends a token request with `params` plus client authentication.
pub async fn token_request(
    http: &reqwest::Client,
    al: &AccountLinkingRequest,
    mut params: Vec<(&str, String)>,
) -> Result<TokenResponse, ExchangeError> {
    let url = al
        .access_token_url
        .as_deref()
        .ok_or(ExchangeError::NoTokenUrl)?;
    let secret = al.client_secret.clone().unwrap_or_default();
    let mut req = http
        .post(url)
        .timeout(TOKEN_ENDPOINT_TIMEOUT)
        .header(reqwest::header::ACCEPT, "application/json");
    match al
        .access_token_scheme
        .unwrap_or(AccessTokenScheme::HttpBasic)
    {
        AccessTokenScheme::HttpBasic => {
            req = req.header(
                reqwest::header::AUTHORIZATION,
                basic_auth(&al.client_id, &secret),
            )
        }
        AccessTokenScheme::RequestBodyCredentials => {
            params.push(("client_id", al.client_id.clone()));
            params.push(("client_secret", secret));
        }
    }
    let resp = req.form(&params).send().await.map_err(|e| {
        if e.is_timeout() {
            ExchangeError::Timeout
        } else {
            ExchangeError::Unreachable(e.to_string())
        }
    })?;
    let status = resp.status().as_u16();
    let body = resp.bytes().await.map_err(|e| {
        if e.is_timeout() {
            ExchangeError::Timeout
        } else {
            ExchangeError::Unreachable(e.to_string())
        }
    })?;
    if (200..300).contains(&status) {
        let t: TokenResponse =
            serde_json::from_slice(&body).map_err(|e| ExchangeError::Malformed {
                status,
                detail: e.to_string(),
            })?;
        if !t.token_type.eq_ignore_ascii_case("bearer") {
            return Err(ExchangeError::Malformed {
                status,
                detail: format!("token_type {:?} is not Bearer", t.token_type),
            });
        }
        Ok(t)
    } else {
        match serde_json::from_slice::<ErrorResponse>(&body) {
            Ok(e) => Err(ExchangeError::Refused(e)),
            Err(_) => Err(ExchangeError::Malformed {
                status,
                detail: String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
            }),
        }
    }
}

/// Runs a token request to the skill's server, timed: the observer gets a `token_exchange`
/// event and the conformance report what real Alexa would make of it.
pub async fn observed(
    s: &crate::backend::infra::state::Shared,
    grant: &'static str,
    request: impl std::future::Future<Output = Result<TokenResponse, ExchangeError>>,
) -> Result<TokenResponse, ExchangeError> {
    use super::conformance as c;
    let url = s
        .account_linking
        .access_token_url
        .clone()
        .unwrap_or_default();
    let started = std::time::Instant::now();
    let out = request.await;
    let took = started.elapsed();
    let timed_out = matches!(out, Err(ExchangeError::Timeout));
    let mut found = vec![];
    if !matches!(
        out,
        Err(ExchangeError::NoTokenUrl | ExchangeError::Unreachable(_))
    ) {
        found.push(c::check_token_time(&url, grant, took, timed_out));
    }
    match &out {
        Ok(t) => {
            s.note(LogEvent::TokenExchanged {
                grant_type: grant.to_string(),
                url: url.to_string(),
                result: "ok".into(),
                elapsed_ms: took.as_millis() as u64,
                expires_in: t.expires_in,
                refresh_token: t.refresh_token.is_some(),
                scope: t.scope.clone(),
            });
            found.extend(c::check_token_response(
                t.expires_in,
                t.refresh_token.is_some(),
                s.account_linking.default_token_expiration_in_seconds,
                grant,
            ));
        }
        Err(e) => {
            s.note(LogEvent::TokenExchangeFailed {
                grant_type: grant.to_string(),
                url: url.to_string(),
                result: "error".into(),
                elapsed_ms: took.as_millis() as u64,
                reason: e.to_string(),
            });
            if !timed_out {
                found.push(c::check_token_error(&url, grant, &e.to_string()));
            }
        }
    }
    s.conform(found);
    out
}

/// Exchanges an authorization code (RFC 6749 §4.1.3, RFC 7636 §4.5).
pub async fn exchange_code(
    http: &reqwest::Client,
    al: &AccountLinkingRequest,
    code: &str,
    redirect_uri: &str,
    code_verifier: Option<&str>,
) -> Result<TokenResponse, ExchangeError> {
    let mut p = vec![
        ("grant_type", "authorization_code".to_owned()),
        ("code", code.to_owned()),
        ("redirect_uri", redirect_uri.to_owned()),
    ];
    if let Some(v) = code_verifier {
        p.push(("code_verifier", v.to_owned()));
    }
    token_request(http, al, p).await
}

/// Refreshes a token (RFC 6749 §6).
pub async fn refresh(
    http: &reqwest::Client,
    al: &AccountLinkingRequest,
    refresh_token: &str,
) -> Result<TokenResponse, ExchangeError> {
    token_request(
        http,
        al,
        vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", refresh_token.to_owned()),
        ],
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_form_encodes_credentials() {
        // RFC 6749 §2.3.1: id and secret are form-urlencoded before base64.
        let h = basic_auth("a:b", "p w");
        let decoded =
            String::from_utf8(STANDARD.decode(h.trim_start_matches("Basic ")).unwrap()).unwrap();
        assert_eq!(decoded, "a%3Ab:p+w");
    }
}
