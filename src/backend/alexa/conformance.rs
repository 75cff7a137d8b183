//! The conformance report: while a journey runs, the emulated Alexa cloud notes what real
//! Alexa would reject or warn about in the account-linking set-up it talks to (docs/design.md "Wire formats"
//! §2 and Amazon's account-linking requirements), each with the evidence it saw.
//!
//! The checks are pure functions over what was observed; [`Report`] keeps the findings (one
//! per rule and subject) and tells the caller which are news (the backend hands those to the device's event log).

use std::sync::Arc;
use std::time::Duration;

use crate::backend::infra::crypto;
use crate::backend::infra::state::Shared;
use crate::findings;
use crate::protocol::account_linking::AccountLinkingRequest;
use crate::protocol::account_linking::GrantType;
pub use findings::{Finding, Level, Report};

/// Alexa gives up on a token endpoint after 4.5 s (docs/design.md "Wire formats" §2).
pub const TOKEN_ENDPOINT_TIMEOUT: Duration = Duration::from_millis(4500);
/// Alexa's limit for the token endpoint.
pub const TOKEN_LIMIT: Duration = TOKEN_ENDPOINT_TIMEOUT;
/// Above this the token endpoint is close enough to the limit to warn.
pub const TOKEN_WARN: Duration = Duration::from_millis(3_000);
/// Access tokens living less than this are flagged as very short.
pub const SHORT_LIFETIME_S: u64 = 300;

fn finding(rule: &'static str, level: Level, message: &str, evidence: String) -> Finding {
    Finding {
        rule,
        level,
        message: message.to_owned(),
        evidence,
    }
}

fn is_loopback(u: &url::Url) -> bool {
    match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The configured URLs: Alexa needs HTTPS on port 443 for the login page and the token
/// endpoint. Loopback URLs work here and are only warned about.
/// Voice-forward account linking works only with Login with Amazon as the OAuth provider
/// (docs/design.md "Wire formats" §4): an ENABLED configuration whose `authorizationUrl` is not LWA's `/ap/oa`.
pub fn check_voice_forward(al: &AccountLinkingRequest) -> Option<Finding> {
    if !al.voice_forward_enabled() {
        return None;
    }
    let lwa = url::Url::parse(&al.authorization_url).is_ok_and(|u| {
        u.host_str()
            .is_some_and(|h| h.starts_with("www.amazon.") || h.starts_with("amazon."))
            && u.path() == "/ap/oa"
    });
    Some(if lwa {
        finding(
            "voice-forward-needs-lwa",
            Level::Pass,
            "voice-forward linking with Login with Amazon as the OAuth provider",
            al.authorization_url.clone(),
        )
    } else {
        finding(
            "voice-forward-needs-lwa",
            Level::Warn,
            "voiceForwardAccountLinking is ENABLED but the OAuth provider is not Login with Amazon; Alexa offers voice-forward linking only for LWA",
            al.authorization_url.clone(),
        )
    })
}

pub fn check_urls(al: &AccountLinkingRequest) -> Vec<Finding> {
    let mut out = vec![];
    let urls = std::iter::once(("authorizationUrl", Some(al.authorization_url.as_str()))).chain(
        std::iter::once(("accessTokenUrl", al.access_token_url.as_deref())),
    );
    for (field, raw) in urls {
        let Some(raw) = raw else { continue };
        let Ok(u) = url::Url::parse(raw) else {
            continue;
        };
        let port = u.port_or_known_default();
        let problem = if u.scheme() != "https" {
            Some("is not HTTPS")
        } else if port != Some(443) {
            Some("is not on port 443")
        } else {
            None
        };
        out.push(match problem {
            None => finding(
                "https-urls",
                Level::Pass,
                &format!("{field} is HTTPS on port 443"),
                raw.to_owned(),
            ),
            Some(p) if is_loopback(&u) => finding(
                "https-urls",
                Level::Warn,
                &format!(
                    "{field} {p}: fine on this machine, but Alexa needs HTTPS on port 443 in production"
                ),
                raw.to_owned(),
            ),
            Some(p) => finding(
                "https-urls",
                Level::Reject,
                &format!("{field} {p}: Alexa only opens and calls HTTPS URLs on port 443"),
                raw.to_owned(),
            ),
        });
    }
    out
}

/// How long the token endpoint took (or that it timed out).
pub fn check_token_time(url: &str, grant: &str, took: Duration, timed_out: bool) -> Finding {
    let ms = took.as_millis();
    if timed_out || took >= TOKEN_LIMIT {
        finding(
            "token-endpoint-slow",
            Level::Reject,
            "the token endpoint must answer within 4.5 s; Alexa gives up and linking fails",
            format!(
                "POST {url} ({grant}) {} after {ms} ms",
                if timed_out {
                    "had not answered"
                } else {
                    "answered"
                }
            ),
        )
    } else if took >= TOKEN_WARN {
        finding(
            "token-endpoint-slow",
            Level::Warn,
            "the token endpoint is close to Alexa's 4.5 s limit",
            format!("POST {url} ({grant}) answered after {ms} ms"),
        )
    } else {
        finding(
            "token-endpoint-slow",
            Level::Pass,
            "the token endpoint answers well within 4.5 s",
            format!("POST {url} ({grant}) answered after {ms} ms"),
        )
    }
}

/// What a successful token response says about lifetimes and refresh.
pub fn check_token_response(
    expires_in: Option<u64>,
    has_refresh: bool,
    default_expiration: Option<u64>,
    grant: &str,
) -> Vec<Finding> {
    let mut out = vec![];
    match (expires_in, default_expiration) {
        (None, None) => out.push(finding(
            "expires-in",
            Level::Warn,
            "the token response has no expires_in and the configuration no defaultTokenExpirationInSeconds: Alexa cannot know when to refresh, and sends the token until the skill rejects it",
            format!("{grant} response without expires_in"),
        )),
        (None, Some(d)) => out.push(finding(
            "expires-in",
            Level::Pass,
            "no expires_in; Alexa uses defaultTokenExpirationInSeconds",
            format!("{grant} response without expires_in; default {d} s"),
        )),
        (Some(e), _) => out.push(finding(
            "expires-in",
            Level::Pass,
            "the token response says when the token expires",
            format!("{grant} response: expires_in {e}"),
        )),
    }
    let lifetime = expires_in.or(default_expiration);
    if let Some(l) = lifetime.filter(|l| *l < SHORT_LIFETIME_S) {
        out.push(finding(
            "token-lifetime",
            Level::Warn,
            "the access token lives under 5 minutes: Alexa refreshes it before most requests, and every refresh is another call that must answer within 4.5 s",
            format!("{grant} response: the token lives {l} s"),
        ));
    }
    out.push(if has_refresh {
        finding(
            "refresh-token",
            Level::Pass,
            "the token response has a refresh_token",
            format!("{grant} response with refresh_token"),
        )
    } else {
        finding(
            "refresh-token",
            Level::Warn,
            "no refresh_token: when the access token expires Alexa cannot renew it, and the user has to link again",
            format!("{grant} response without refresh_token"),
        )
    });
    out
}

/// The redirect back to Alexa: `state` must come back exactly as sent.
pub fn check_state(given: Option<&str>, known: bool) -> Finding {
    match (given, known) {
        (None, _) => finding(
            "state-not-echoed",
            Level::Reject,
            "the authorization server redirected to Alexa without the state parameter; Alexa refuses the link",
            "redirect to /api/skill/link/… without state".to_owned(),
        ),
        (Some(s), false) => finding(
            "state-not-echoed",
            Level::Reject,
            "the state that came back was never issued by Alexa (it must be echoed unchanged); Alexa refuses the link",
            format!(
                "redirect with a state nobody issued ({} characters)",
                s.len()
            ),
        ),
        (Some(_), true) => finding(
            "state-not-echoed",
            Level::Pass,
            "state came back unchanged",
            "redirect with the issued state".to_owned(),
        ),
    }
}

/// The host a redirect URI names, for the verdict's words ("accepted pitangui.amazon.com").
fn host_of(uri: &str) -> String {
    url::Url::parse(uri)
        .ok()
        .filter(|u| u.host_str().is_some())
        .map(|u| crate::protocol::urls::host_and_port(&u))
        .unwrap_or_else(|| uri.to_owned())
}

/// The authorization endpoint's answer to an authorization request with `redirect_uri`.
/// A 4xx/5xx means the server refused it (RFC 6749 §4.1.2.1: it must not redirect then); a
/// redirect back to `redirect_uri` or its own page means it took it; a redirect elsewhere (to
/// its sign-in page first) answers nothing about the redirect URI: not checked, and said so.
pub fn check_redirect_uri(
    redirect_uri: &str,
    status: u16,
    snippet: &str,
    location: Option<&str>,
) -> Finding {
    let host = host_of(redirect_uri);
    if status >= 400 {
        return finding(
            "redirect-uri-refused",
            Level::Reject,
            "the authorization server refuses this Alexa redirect URI; add it to the client's allowed redirect URIs",
            format!("redirect_uri={redirect_uri} → HTTP {status}: {snippet}"),
        );
    }
    match location {
        Some(loc) if (300..400).contains(&status) && !loc.starts_with(redirect_uri) => finding(
            "redirect-uri-not-checked",
            Level::Unchecked,
            &format!(
                "not checked before sign-in: the authorization server sends the request to its sign-in page first, so it did not say whether it accepts {host}; linkscreen's own redirect URI is confirmed when a link completes"
            ),
            format!(
                "redirect_uri={redirect_uri} → HTTP {status} to {}",
                loc.split('?').next().unwrap_or(loc)
            ),
        ),
        Some(_) => finding(
            "redirect-uri-accepted",
            Level::Pass,
            &format!("accepted {host}: the authorization server redirected back to it"),
            format!("redirect_uri={redirect_uri} → HTTP {status} back to the redirect URI"),
        ),
        None => finding(
            "redirect-uri-accepted",
            Level::Pass,
            &format!(
                "accepted {host}: the authorization server answered with its page, not an error"
            ),
            format!("redirect_uri={redirect_uri} → HTTP {status}: {snippet}"),
        ),
    }
}

/// A link completed through `redirect_uri`: the server redirected there with a code.
pub fn redirect_uri_used(redirect_uri: &str) -> Finding {
    finding(
        "redirect-uri-accepted",
        Level::Pass,
        &format!(
            "accepted {}: the authorization server redirected there with a code",
            host_of(redirect_uri)
        ),
        format!("redirect_uri={redirect_uri} → a code came back"),
    )
}

/// The skill sent a LinkAccount card, but it has no account linking configured.
pub fn card_without_linking(speech: Option<&str>) -> Finding {
    let said: String = speech.unwrap_or("").chars().take(120).collect();
    finding(
        "link-card-without-account-linking",
        Level::Warn,
        "the skill answered with a LinkAccount card, but it has no account linking: real Alexa has nothing to link, and the Alexa app shows no way to link",
        format!(
            "LinkAccount card with speech {said:?}; no accountLinking.json in the project and no [account_linking] in the config"
        ),
    )
}

/// A token request that failed other than by time.
pub fn check_token_error(url: &str, grant: &str, error: &str) -> Finding {
    finding(
        "token-request-failed",
        Level::Reject,
        "the token endpoint did not return a token; Alexa cannot link (or keep) the account",
        format!("POST {url} ({grant}): {error}"),
    )
}

/// Once per run, asks the authorization endpoint whether it accepts the emulator's and
/// Alexa's three redirect URIs (an authorization request per URI, redirects not followed).
pub fn probe_redirects(s: &Arc<Shared>) {
    use std::sync::atomic::Ordering;
    let al = &s.account_linking;
    if al.grant_type != GrantType::AuthCode || s.probed.swap(true, Ordering::SeqCst) {
        return;
    }
    let vendor = &s.config.backend.vendor_id;
    let mut uris = vec![s.redirect_uri()];
    uris.extend(
        [
            "https://pitangui.amazon.com",
            "https://layla.amazon.com",
            "https://alexa.amazon.co.jp",
        ]
        .map(|h| format!("{h}/api/skill/link/{vendor}")),
    );
    let me = s.clone();
    let task = tokio::spawn(async move {
        for uri in uris {
            let f = match probe_one(&me, &uri).await {
                Ok((status, snippet, location)) => {
                    check_redirect_uri(&uri, status, &snippet, location.as_deref())
                }
                Err(e) => {
                    tracing::debug!("redirect probe {uri}: {e}");
                    continue;
                }
            };
            me.conform([f]);
        }
    });
    *s.probe.lock().unwrap_or_else(|p| p.into_inner()) = Some(task);
}

/// One authorization request: its status, the page's gist, and where it redirects.
async fn probe_one(
    s: &Shared,
    redirect_uri: &str,
) -> Result<(u16, String, Option<String>), String> {
    let al = &s.account_linking;
    let state = format!(
        "linkscreen-probe-{}",
        crypto::random_token("probe_state", 8)
    );
    let verifier = al.pkce.then(|| crypto::random_token("probe_verifier", 32));
    let url = super::authorize::authorization_url(
        al,
        &al.authorization_url,
        &state,
        redirect_uri,
        verifier.as_deref(),
    )
    .map_err(|e| e.to_string())?;
    let r = s
        .http
        .get(url)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = r.status().as_u16();
    // Absolute, as a browser would follow it.
    let location = r
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .map(|l| {
            r.url()
                .join(l)
                .map(|u| u.to_string())
                .unwrap_or(l.to_owned())
        });
    let body = r.text().await.unwrap_or_default();
    Ok((status, page_gist(&body), location))
}

/// A page's title (or its first words), for evidence.
fn page_gist(html: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let pick = |sel: &str| {
        scraper::Selector::parse(sel).ok().and_then(|s| {
            doc.select(&s)
                .map(|e| e.text().collect::<Vec<_>>().join(" "))
                .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
                .find(|t| !t.is_empty())
        })
    };
    let mut t = pick("h1")
        .or_else(|| pick("title"))
        .or_else(|| pick("body"))
        .unwrap_or_default();
    if t.chars().count() > 120 {
        t = t.chars().take(120).collect::<String>() + "…";
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_and_fast_token_endpoints() {
        let u = "https://id.example/token";
        let f = check_token_time(u, "authorization_code", Duration::from_millis(4600), false);
        assert_eq!((f.rule, f.level), ("token-endpoint-slow", Level::Reject));
        assert!(f.evidence.contains("4600 ms"), "{}", f.evidence);
        let f = check_token_time(u, "authorization_code", Duration::from_millis(4500), true);
        assert_eq!(f.level, Level::Reject);
        assert!(f.evidence.contains("had not answered"));
        let f = check_token_time(u, "refresh_token", Duration::from_millis(3200), false);
        assert_eq!(f.level, Level::Warn);
        let f = check_token_time(u, "refresh_token", Duration::from_millis(40), false);
        assert_eq!(f.level, Level::Pass);
    }

    #[test]
    fn token_responses() {
        let levels = |v: Vec<Finding>| v.into_iter().map(|f| (f.rule, f.level)).collect::<Vec<_>>();
        assert_eq!(
            levels(check_token_response(
                None,
                false,
                None,
                "authorization_code"
            )),
            vec![("expires-in", Level::Warn), ("refresh-token", Level::Warn)]
        );
        assert_eq!(
            levels(check_token_response(
                Some(60),
                true,
                None,
                "authorization_code"
            )),
            vec![
                ("expires-in", Level::Pass),
                ("token-lifetime", Level::Warn),
                ("refresh-token", Level::Pass)
            ]
        );
        // The default lifetime counts when expires_in is missing.
        assert_eq!(
            levels(check_token_response(None, true, Some(120), "refresh_token")),
            vec![
                ("expires-in", Level::Pass),
                ("token-lifetime", Level::Warn),
                ("refresh-token", Level::Pass)
            ]
        );
    }

    #[test]
    fn urls_need_https_on_443() {
        let mut al = AccountLinkingRequest::from_json(
            r#"{"type": "AUTH_CODE", "authorizationUrl": "http://127.0.0.1:8686/authorize", "accessTokenUrl": "http://127.0.0.1:8686/token", "clientId": "c", "clientSecret": "s", "accessTokenScheme": "HTTP_BASIC"}"#,
        )
        .unwrap();
        let f = check_urls(&al);
        assert!(f.iter().all(|f| f.level == Level::Warn), "{f:?}");
        al.authorization_url = "http://login.example.com/authorize".into();
        al.access_token_url = Some("https://login.example.com:8443/token".into());
        let f = check_urls(&al);
        assert_eq!(f[0].level, Level::Reject);
        assert!(f[0].message.contains("not HTTPS"));
        assert_eq!(f[1].level, Level::Reject);
        assert!(f[1].message.contains("port 443"));
        al.authorization_url = "https://login.example.com/authorize".into();
        assert_eq!(check_urls(&al)[0].level, Level::Pass);
        assert!(
            check_voice_forward(&al).is_none(),
            "not enabled: nothing to say"
        );
        al.voice_forward_account_linking = Some("ENABLED".into());
        assert_eq!(check_voice_forward(&al).unwrap().level, Level::Warn);
        al.authorization_url = "https://www.amazon.com/ap/oa".into();
        assert_eq!(check_voice_forward(&al).unwrap().level, Level::Pass);
    }

    #[test]
    fn a_redirect_to_the_sign_in_page_is_not_checked_until_a_link_says_so() {
        let r = Report::default();
        let uri = "http://127.0.0.1:8686/api/skill/link/M2";
        let f = check_redirect_uri(uri, 302, "", Some("https://id.example/login?next=x"));
        assert_eq!(
            (f.rule, f.level),
            ("redirect-uri-not-checked", Level::Unchecked)
        );
        assert!(
            f.message.starts_with("not checked before sign-in"),
            "{}",
            f.message
        );
        assert!(
            f.evidence.ends_with("HTTP 302 to https://id.example/login"),
            "{}",
            f.evidence
        );
        assert!(r.add(&f));
        assert!(
            r.summary().contains("0 check(s) passed"),
            "never counted as a pass"
        );
        assert!(r.summary().contains("1 not checked"));
        // The link completes through that redirect URI: now it is verified, and says what.
        assert!(r.add(&redirect_uri_used(uri)));
        let all = r.findings();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].level, Level::Pass);
        assert_eq!(all[0].rule, "redirect-uri-accepted");
        assert!(all[0].message.starts_with("accepted 127.0.0.1:8686"));
        // A later "not checked" does not hide the verdict.
        assert!(!r.add(&f));
        let p = check_redirect_uri(
            "https://pitangui.amazon.com/api/skill/link/M2",
            200,
            "Sign in",
            None,
        );
        assert!(p.message.starts_with("accepted pitangui.amazon.com"));
    }

    #[test]
    fn report_keeps_the_worst_per_rule_and_subject() {
        let r = Report::default();
        assert!(r.add(&check_state(None, false)));
        // A later pass of the same rule does not hide the reject; the same finding is no news.
        assert!(!r.add(&check_state(Some("x"), true)));
        assert!(!r.add(&check_state(None, false)));
        assert!(r.add(&check_redirect_uri(
            "https://a.example/x",
            400,
            "Invalid redirect",
            None
        )));
        assert!(r.add(&check_redirect_uri(
            "https://b.example/x",
            302,
            "",
            Some("https://b.example/x?code=1&state=s")
        )));
        let all = r.findings();
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].level, Level::Reject);
        let s = r.summary();
        assert!(s.starts_with("conformance: 2 problem(s)"), "{s}");
        assert!(
            s.contains("redirect_uri=https://a.example/x → HTTP 400"),
            "{s}"
        );
    }
}
