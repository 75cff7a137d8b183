//! The phone session: which browser is "the household's phone". A phone becomes it by opening
//! the device's QR link (or the verification page with a code the device itself asked for, with
//! its key, and is showing now), or a one-time pairing link the device hands out (the
//! emulator's "Open on phone"). A code a public RFC 8628 client asked for grants no session.
//! The session lives in a signed cookie (HttpOnly, SameSite=Strict); every form that changes
//! something carries the session's CSRF token (an HMAC of the session id), and a request whose
//! `Sec-Fetch-Site`, `Origin` or `Referer` says it came from another site is refused. Pages that show codes or link
//! state need the session too. Without it: 403 and a page that says how to get one.

use axum::http::{HeaderMap, StatusCode, header};
use axum_extra::extract::cookie::{Cookie, SameSite, SignedCookieJar};
use maud::{Markup, html};

use crate::backend::infra::crypto;
use crate::backend::infra::error::{PageError, page};
use crate::backend::infra::form::Form;
use crate::backend::infra::html::t;
use crate::backend::infra::state::Shared;
use crate::protocol::urls;

/// The session cookie.
pub const COOKIE: &str = "ls_phone";
/// The form field that carries the CSRF token.
pub const CSRF_FIELD: &str = "csrf";
/// How long a phone stays the household's phone.
const LIFETIME_MS: i64 = 12 * 60 * 60 * 1000;
/// How long a pairing link works (once).
const PAIRING_MS: i64 = 10 * 60 * 1000;
/// At most this many pairing links wait at once (the oldest goes first).
const MAX_PAIRINGS: usize = 32;

/// A phone's session.
#[derive(Debug, Clone)]
pub struct Session {
    csrf: String,
}

impl Session {
    fn of(s: &Shared, id: &str) -> Session {
        Session {
            csrf: s.store.vault().mac(&format!("csrf {id}")),
        }
    }

    /// The hidden field every state-changing form of the phone pages carries.
    pub fn field(&self) -> Markup {
        html! { input type="hidden" name=(CSRF_FIELD) value=(self.csrf); }
    }
}

fn jar(s: &Shared, headers: &HeaderMap) -> SignedCookieJar {
    SignedCookieJar::from_headers(headers, s.store.vault().cookie_key().clone())
}

/// The session this request carries, if its signed cookie is valid and fresh.
pub fn current(s: &Shared, headers: &HeaderMap) -> Option<Session> {
    of_jar(s, &jar(s, headers))
}

/// The session in an already parsed jar.
fn of_jar(s: &Shared, jar: &SignedCookieJar) -> Option<Session> {
    let c = jar.get(COOKIE)?;
    let (id, issued) = c.value().split_once('.')?;
    let issued: i64 = issued.parse().ok()?;
    let age = s.now_ms() - issued;
    (0..LIFETIME_MS).contains(&age).then(|| Session::of(s, id))
}

/// This browser's session, or a new one; the jar goes into the response (it sets the cookie
/// only when the session is new).
pub fn grant(s: &Shared, headers: &HeaderMap) -> (Session, SignedCookieJar) {
    let jar = jar(s, headers);
    if let Some(cur) = of_jar(s, &jar) {
        return (cur, jar);
    }
    let id = crypto::random_token("phone_session", 18);
    let cookie = Cookie::build((COOKIE, format!("{id}.{}", s.now_ms())))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(time::Duration::milliseconds(LIFETIME_MS));
    (Session::of(s, &id), jar.add(cookie))
}

/// 403 with how to become the household's phone.
fn no_session(s: &Shared) -> PageError {
    page(
        StatusCode::FORBIDDEN,
        &t("scan_title", &[]),
        t("scan_body", &[("url", &format!("{}/device", s.public_url))]),
    )
}

/// Where a request says it came from, when it says so: another site is refused.
///
/// A browser's own word comes first: `Sec-Fetch-Site` (Fetch Metadata) is set by the browser
/// and cannot be forged by a page. Every page here carries `referrer=no-referrer`, under which
/// Chromium sends `Origin: null` with `Sec-Fetch-Site: same-origin` on the phone's own form
/// post, so `null` is trusted only beside `same-origin` (or `none`, a navigation the person
/// started). Without Fetch Metadata, an `Origin` or `Referer` must name this host; `null` alone
/// is refused (a sandboxed frame or a redirect from another site sends it).
fn cross_site(headers: &HeaderMap) -> Option<String> {
    let get = |h: &str| headers.get(h).and_then(|v| v.to_str().ok());
    let fetch_site = get("sec-fetch-site");
    if let Some(site) = fetch_site
        && !matches!(site, "same-origin" | "none")
    {
        return Some(format!("Sec-Fetch-Site: {site}"));
    }
    let host = get(header::HOST.as_str()).unwrap_or("");
    for (name, v) in [("Origin", get("origin")), ("Referer", get("referer"))] {
        let Some(v) = v else { continue };
        return match url::Url::parse(v) {
            Ok(u) if urls::host_and_port(&u).eq_ignore_ascii_case(host) => None,
            Ok(u) => Some(format!("{name}: {}", urls::without_query(&u))),
            Err(_) if name == "Origin" && v == "null" && fetch_site.is_some() => None,
            Err(_) => Some(format!("{name}: not a URL")),
        };
    }
    None
}

/// For a page that shows codes or link state: the session, or 403.
pub fn require(s: &Shared, headers: &HeaderMap) -> Result<Session, PageError> {
    current(s, headers).ok_or_else(|| no_session(s))
}

/// For a request that changes something: it came from this site's own page, or 403 (logged
/// without its query).
pub fn same_site(headers: &HeaderMap) -> Result<(), PageError> {
    match cross_site(headers) {
        None => Ok(()),
        Some(from) => {
            tracing::warn!("refused a cross-site request to a phone page ({from})");
            Err(page(
                StatusCode::FORBIDDEN,
                &t("not_allowed_title", &[]),
                t("not_allowed_body", &[]),
            ))
        }
    }
}

/// 403 "page expired" unless `given` is `expected` (a form's token), compared in constant time.
pub fn token_matches(given: &str, expected: &str) -> Result<(), PageError> {
    if crypto::secret_eq(given, expected) {
        Ok(())
    } else {
        Err(page(
            StatusCode::FORBIDDEN,
            &t("page_expired_title", &[]),
            t("page_expired_body", &[]),
        ))
    }
}

/// For a request that changes something: same origin, a session, and its CSRF token in the
/// form. Anything else is refused with 403.
pub fn check(s: &Shared, headers: &HeaderMap, form: &Form) -> Result<Session, PageError> {
    same_site(headers)?;
    let session = require(s, headers)?;
    token_matches(form.get(CSRF_FIELD).unwrap_or(""), &session.csrf)?;
    Ok(session)
}

/// The token a verification page's forms carry for a code a public client asked for: bound to
/// that code, so the page works in any browser without making it the household's phone.
pub fn code_token(s: &Shared, device_code_hash: &str) -> String {
    s.store
        .vault()
        .mac(&format!("code form {device_code_hash}"))
}

/// The hidden field of [`code_token`].
pub fn code_field(s: &Shared, device_code_hash: &str) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(code_token(s, device_code_hash)); }
}

/// A one-time link (valid [`PAIRING_MS`]) that makes the browser opening it the household's
/// phone and then shows `next` (a path on this server). Only the device hands these out.
pub fn pairing_url(s: &Shared, next: &str) -> String {
    let token = crypto::random_token("pairing", 24);
    let now = s.now_ms();
    {
        let mut m = s.pairings.0.lock().unwrap_or_else(|p| p.into_inner());
        m.retain(|_, exp| *exp > now);
        while m.len() >= MAX_PAIRINGS {
            let Some(oldest) = m.iter().min_by_key(|(_, e)| **e).map(|(k, _)| k.clone()) else {
                break;
            };
            m.remove(&oldest);
        }
        m.insert(crypto::sha256_hex(&token), now + PAIRING_MS);
    }
    let mut u = url::Url::parse(&format!("{}/phone", s.public_url)).expect("public URL");
    u.query_pairs_mut()
        .append_pair("pair", &token)
        .append_pair("next", next);
    u.into()
}

/// Uses up a pairing token: whether it was one the device handed out, unused and fresh.
pub fn redeem(s: &Shared, token: &str) -> bool {
    let now = s.now_ms();
    let mut m = s.pairings.0.lock().unwrap_or_else(|p| p.into_inner());
    matches!(m.remove(&crypto::sha256_hex(token)), Some(exp) if exp > now)
}

/// A `next` no pairing link may carry: control characters (browsers drop a tab or a newline,
/// so `/\t/evil.example` is `//evil.example` to them) and backslashes (read as slashes).
pub fn unsafe_next(next: &str) -> bool {
    next.chars().any(|c| c.is_control() || c == '\\')
}

/// A pairing link's `next`: a path on this server (never another site).
pub fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p,
        _ => "/cards",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        m
    }

    #[test]
    fn another_sites_origin_or_referer_is_cross_site() {
        let host = ("host", "192.168.1.5:8686");
        assert!(cross_site(&h(&[host])).is_none());
        assert!(cross_site(&h(&[host, ("origin", "http://192.168.1.5:8686")])).is_none());
        assert!(cross_site(&h(&[host, ("origin", "https://evil.example")])).is_some());
        assert!(cross_site(&h(&[host, ("origin", "null")])).is_some());
        assert!(cross_site(&h(&[host, ("origin", "http://192.168.1.5:9999")])).is_some());
        assert!(cross_site(&h(&[host, ("referer", "https://evil.example/x?y=1")])).is_some());
        assert!(cross_site(&h(&[host, ("referer", "http://192.168.1.5:8686/skill")])).is_none());
        assert!(cross_site(&h(&[host, ("sec-fetch-site", "cross-site")])).is_some());
        assert!(cross_site(&h(&[host, ("sec-fetch-site", "same-origin")])).is_none());
    }

    /// What a real Chromium sends on the phone's own form post from a `no-referrer` page
    /// (measured: `Origin: null`, `Sec-Fetch-Site: same-origin`, no `Referer`) is the phone's
    /// own; `null` with anything else, or with no Fetch Metadata, is not.
    #[test]
    fn a_browsers_null_origin_counts_only_beside_its_fetch_metadata() {
        let host = ("host", "192.168.1.5:8686");
        let null = ("origin", "null");
        for site in ["same-origin", "none"] {
            let ok = h(&[host, null, ("sec-fetch-site", site)]);
            assert!(cross_site(&ok).is_none(), "{site}");
        }
        for site in ["cross-site", "same-site", "bogus"] {
            let bad = h(&[host, null, ("sec-fetch-site", site)]);
            assert!(cross_site(&bad).is_some(), "{site}");
        }
        // A browser that says same-origin but names another origin is not believed.
        let other = ("origin", "https://evil.example");
        assert!(cross_site(&h(&[host, other, ("sec-fetch-site", "same-origin")])).is_some());
        assert!(cross_site(&h(&[host, null])).is_some());
        assert!(
            cross_site(&h(&[
                host,
                ("origin", "garbage"),
                ("sec-fetch-site", "same-origin")
            ]))
            .is_some()
        );
    }

    #[test]
    fn next_stays_on_this_server() {
        assert_eq!(local_path(Some("/skill/settings")), "/skill/settings");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "",
        ] {
            assert_eq!(local_path(Some(bad)), "/cards");
        }
        assert_eq!(local_path(None), "/cards");
        for bad in [
            "/\t/evil.example",
            "/\n/x",
            "/a\r\nSet-Cookie: x",
            "/\\evil",
        ] {
            assert!(unsafe_next(bad), "{bad:?}");
        }
        assert!(!unsafe_next("/skill/settings?x=1"));
    }
}
