//! The sample server's token endpoint (RFC 6749 §4.1.3 and §6, client authentication by
//! Basic or form, PKCE) and its userinfo endpoint.

use super::*;

/// Client authentication: HTTP Basic or body credentials, never both (RFC 6749 §2.3.1).
pub(super) fn authenticate_client(
    s: &Shared,
    headers: &HeaderMap,
    f: &Form,
) -> Result<(), OAuthError> {
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

pub(super) fn issue_tokens(s: &Shared, uid: i64, scope: &str) -> Result<TokenResponse, OAuthError> {
    let access = crypto::random_token("access_token", 32);
    let refresh = crypto::random_token("refresh_token", 32);
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

pub(super) async fn token(
    State(s): S,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OAuthError> {
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

pub(super) async fn userinfo(State(s): S, headers: HeaderMap) -> Result<Response, OAuthError> {
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
