//! The embedded backend over real loopback HTTP: linking service, phone pages,
//! sample authorization server and skill, every error path, and a restart.

use std::time::Duration;

use crate::util::{Env, Phone, config_in};
use linkscreen::backend::{self, auth_server};

#[tokio::test]
async fn metadata_lists_the_endpoints() {
    let env = Env::start().await;
    assert_eq!(env.meta.issuer, env.base());
    assert!(
        env.meta
            .device_authorization_endpoint
            .as_deref()
            .unwrap()
            .ends_with("/oauth/device_authorization")
    );
    assert!(
        env.meta
            .grant_types_supported
            .iter()
            .any(|g| g == "urn:ietf:params:oauth:grant-type:device_code")
    );
    assert!(env.meta.linkscreen_long_poll);
}

#[tokio::test]
async fn device_authorization_follows_rfc8628() {
    let env = Env::start().await;
    let d = env.device_code().await;
    assert!(d.device_code.len() >= 22, "≥128 bits");
    let letters: String = d.user_code.chars().filter(|c| *c != '-').collect();
    assert_eq!(letters.len(), 8);
    assert!(
        letters
            .bytes()
            .all(|b| b"BCDFGHJKLMNPQRSTVWXZ".contains(&b))
    );
    assert_eq!(&d.user_code[4..5], "-");
    assert_eq!(d.expires_in, 600);
    assert_eq!(d.interval, Some(5));
    assert_eq!(d.verification_uri, format!("{}/device", env.base()));
    assert_eq!(
        d.verification_uri_complete.unwrap(),
        format!("{}/device?user_code={}", env.base(), d.user_code)
    );

    let r = env
        .http
        .post(env.meta.device_authorization_endpoint.clone().unwrap())
        .form(&[("client_id", "someone-else")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"], "invalid_client");
}

#[tokio::test]
async fn qr_journey_links_and_the_skill_greets_by_name() {
    let env = Env::start().await;
    let d = env.device_code().await;
    assert_eq!(
        env.poll(&d.device_code).await,
        (400, serde_json::json!({"error": "authorization_pending"}))
    );

    let unlinked = env.launch(None, "en-US").await;
    assert_eq!(unlinked["response"]["card"]["type"], "LinkAccount");
    assert_eq!(unlinked["response"]["shouldEndSession"], true);
    assert!(
        unlinked["response"]["outputSpeech"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Welcome to Ride Hailer! To reach this functionality")
    );

    let done = Phone::new()
        .link(&env.base(), d.verification_uri_complete.as_deref().unwrap())
        .await;
    assert_eq!(done.status, 200);
    assert!(
        done.url.contains("/api/skill/link/"),
        "ends on Alexa's redirect URL: {}",
        done.url
    );
    assert!(done.body.contains("successfully linked"), "{}", done.body);

    env.pass_interval();
    let (status, tok) = env.poll(&d.device_code).await;
    assert_eq!(status, 200, "{tok}");
    assert_eq!(tok["token_type"], "Bearer");
    assert!(tok["expires_in"].as_u64().unwrap() > 3000);
    assert_eq!(tok["scope"], "profile rides");
    let access = tok["access_token"].as_str().unwrap();

    let linked = env.launch(Some(access), "en-US").await;
    assert_eq!(
        linked["response"]["outputSpeech"]["text"],
        "Hi Annie! Now, I can help you book a ride! Where would you like to go?"
    );
    assert!(linked["response"].get("card").is_none());

    // The device code is single use.
    env.pass_interval();
    let (status, err) = env.poll(&d.device_code).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // The stored link is what the device uses next time.
    let (s, link) = env.device_link("").await;
    assert_eq!(s, 200);
    assert_eq!(link["access_token"], access);
}

#[tokio::test]
async fn skill_prompt_is_localized_with_fallback() {
    let env = Env::start().await;
    let de = env.launch(None, "de-DE").await;
    assert!(
        de["response"]["outputSpeech"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Willkommen bei Ride Hailer!")
    );
    let hi = env.launch(None, "hi-IN").await;
    assert!(
        hi["response"]["outputSpeech"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Ride Hailer में आपका स्वागत है!")
    );
    let ja = env.launch(None, "ja-JP").await;
    assert!(
        ja["response"]["outputSpeech"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Ride Hailerへようこそ。")
    );
    let unknown = env.launch(None, "sv-SE").await;
    assert!(
        unknown["response"]["outputSpeech"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Welcome to Ride Hailer!")
    );
    let bogus = env.launch(Some("not-a-token"), "en-US").await;
    assert_eq!(
        bogus["response"]["card"]["type"], "LinkAccount",
        "an invalid token is as good as none"
    );
}

#[tokio::test]
async fn polling_too_fast_is_slow_down_and_the_interval_grows() {
    let env = Env::start().await;
    let d = env.device_code().await;
    assert_eq!(
        env.poll(&d.device_code).await.1["error"],
        "authorization_pending"
    );
    assert_eq!(env.poll(&d.device_code).await.1["error"], "slow_down");
    // The interval is now 10 s: 6 s later is still too fast.
    env.clock.advance(Duration::from_secs(6));
    assert_eq!(env.poll(&d.device_code).await.1["error"], "slow_down");
    env.clock.advance(Duration::from_secs(16));
    assert_eq!(
        env.poll(&d.device_code).await.1["error"],
        "authorization_pending"
    );
}

#[tokio::test]
async fn a_pending_poll_writes_nothing_to_the_database() {
    let env = Env::start().await;
    let d = env.device_code().await;
    // Another connection sees `data_version` change whenever the server commits a write.
    let other = rusqlite::Connection::open(&env.shared().config.backend.db).unwrap();
    let codes: i64 = other
        .query_row("SELECT COUNT(*) FROM device_codes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(codes, 1, "the server's own database");
    let version = || -> i64 {
        other
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .unwrap()
    };
    let before = version();
    for _ in 0..10 {
        env.pass_interval();
        assert_eq!(
            env.poll(&d.device_code).await.1["error"],
            "authorization_pending"
        );
    }
    assert_eq!(version(), before, "ten pending polls committed nothing");
    // The pace still holds without a write: too soon is slow_down.
    assert_eq!(env.poll(&d.device_code).await.1["error"], "slow_down");
}

#[tokio::test]
async fn denied_on_consent_reaches_the_device_as_access_denied() {
    let env = Env::start().await;
    let d = env.device_code().await;
    let phone = Phone::new();
    let consent = phone
        .to_consent(
            &env.base(),
            d.verification_uri_complete.as_deref().unwrap(),
            auth_server::DEMO_PASSWORD,
        )
        .await;
    let csrf = consent.hidden("csrf").unwrap();
    let page = phone
        .post(
            &format!("{}/ridehailer/consent", env.base()),
            &[("csrf", &csrf), ("decision", "deny")],
            None,
        )
        .await;
    assert!(page.url.contains("error=access_denied"), "{}", page.url);
    assert!(page.body.contains("Account not linked"));
    let (s, v) = env.poll(&d.device_code).await;
    assert_eq!((s, v["error"].as_str()), (400, Some("access_denied")));
}

#[tokio::test]
async fn expired_and_unknown_codes() {
    let env = Env::start().await;
    let d = env.device_code().await;
    env.clock.advance(Duration::from_secs(601));
    assert_eq!(env.poll(&d.device_code).await.1["error"], "expired_token");
    // The phone can no longer use it either.
    let page = Phone::new()
        .get(d.verification_uri_complete.as_deref().unwrap())
        .await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("valid or has expired"));
    assert_eq!(
        env.poll("no-such-code").await,
        (
            400,
            serde_json::json!({"error": "invalid_grant", "error_description": "unknown device_code"})
        )
    );
}

#[tokio::test]
async fn long_poll_returns_the_token_as_soon_as_the_link_completes() {
    let env = Env::start().await;
    // A held poll that times out answers pending and leaves no waiter behind.
    let other = env.device_code().await;
    let (status, body, headers) = env.poll_with(&other.device_code, Some(1)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("authorization_pending"))
    );
    assert_eq!(headers["preference-applied"], "wait=1");
    assert_eq!(env.shared().waiters.held(), 0);
    let d = env.device_code().await;
    let dc = d.device_code.clone();
    let held = {
        let http = env.http.clone();
        let token_endpoint = env.meta.token_endpoint.clone();
        tokio::spawn(async move {
            let r = http
                .post(token_endpoint)
                .header("Prefer", "wait=5")
                .form(&[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                    ("device_code", dc.as_str()),
                    ("client_id", backend::DEVICE_CLIENT_ID),
                ])
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.headers()
                    .get("preference-applied")
                    .map(|v| v.to_str().unwrap().to_owned()),
                r.json::<serde_json::Value>().await.unwrap(),
            )
        })
    };
    Phone::new()
        .link(&env.base(), d.verification_uri_complete.as_deref().unwrap())
        .await;
    let (status, applied, body) = held.await.unwrap();
    assert_eq!(status, 200, "the held poll carried the token: {body}");
    assert_eq!(applied.as_deref(), Some("wait=5"));
    assert!(body["access_token"].is_string());
}

#[tokio::test]
async fn state_is_single_use_and_checked() {
    let env = Env::start().await;
    let d = env.device_code().await;
    let phone = Phone::new();
    let consent = phone
        .to_consent(
            &env.base(),
            d.verification_uri_complete.as_deref().unwrap(),
            auth_server::DEMO_PASSWORD,
        )
        .await;
    let csrf = consent.hidden("csrf").unwrap();
    // Stop at Alexa's redirect URL to hold the code and state.
    let at = phone
        .post(
            &format!("{}/ridehailer/consent", env.base()),
            &[("csrf", &csrf), ("decision", "allow")],
            Some("/api/skill/link/"),
        )
        .await;
    let callback = at.url.clone();
    let forged = callback.replace("state=", "state=x");
    let bad = phone.get(&forged).await;
    assert_eq!(bad.status, 400, "a wrong state is refused");
    let ok = phone.get(&callback).await;
    assert!(ok.body.contains("successfully linked"), "{}", ok.body);
    let replay = phone.get(&callback).await;
    assert_eq!(replay.status, 400, "a replayed state is refused");
    assert!(replay.body.contains("already used"));
}

#[tokio::test]
async fn sample_server_refuses_replayed_codes_wrong_redirects_secrets_and_pkce() {
    let env = Env::start().await;
    let base = env.base();
    let d = env.device_code().await;
    let phone = Phone::new();
    let consent = phone
        .to_consent(
            &base,
            d.verification_uri_complete.as_deref().unwrap(),
            auth_server::DEMO_PASSWORD,
        )
        .await;
    let csrf = consent.hidden("csrf").unwrap();
    let at = phone
        .post(
            &format!("{base}/ridehailer/consent"),
            &[("csrf", &csrf), ("decision", "allow")],
            Some("/api/skill/link/"),
        )
        .await;
    let u = url::Url::parse(&at.url).unwrap();
    let code = u
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let redirect = format!(
        "{}/api/skill/link/{}",
        base,
        env.shared().config.backend.vendor_id
    );
    let secret = env.shared().sample_client_secret.clone();
    let token_url = format!("{base}/ridehailer/oauth/token");
    let exchange = |code: String, redirect: String, secret: String, verifier: Option<String>| {
        let http = env.http.clone();
        let token_url = token_url.clone();
        async move {
            let mut form = vec![
                ("grant_type", "authorization_code".to_owned()),
                ("code", code),
                ("redirect_uri", redirect),
            ];
            if let Some(v) = verifier {
                form.push(("code_verifier", v));
            }
            let r = http
                .post(token_url)
                .basic_auth(backend::SAMPLE_CLIENT_ID, Some(secret))
                .form(&form)
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.json::<serde_json::Value>().await.unwrap(),
            )
        }
    };
    let (s, v) = exchange(code.clone(), redirect.clone(), "wrong-secret".into(), None).await;
    assert_eq!((s, v["error"].as_str()), (401, Some("invalid_client")));
    let (s, v) = exchange(
        code.clone(),
        "https://evil.example/cb".into(),
        secret.clone(),
        None,
    )
    .await;
    assert_eq!(
        (s, v["error"].as_str()),
        (400, Some("invalid_grant")),
        "redirect_uri must match"
    );
    let (s, v) = exchange(code.clone(), redirect.clone(), secret.clone(), None).await;
    assert_eq!(
        (s, v["error"].as_str()),
        (400, Some("invalid_grant")),
        "PKCE verifier required: {v}"
    );
    let (s, v) = exchange(
        code.clone(),
        redirect.clone(),
        secret.clone(),
        Some("wrong-verifier-wrong-verifier-wrong-verifier".into()),
    )
    .await;
    assert_eq!((s, v["error"].as_str()), (400, Some("invalid_grant")));

    // The real callback (with the right verifier) still works once...
    let ok = phone.get(&at.url).await;
    assert!(ok.body.contains("successfully linked"), "{}", ok.body);
    // ...and the code cannot be replayed.
    let verifier: String = env
        .shared()
        .store
        .conn()
        .query_row(
            "SELECT code_verifier FROM link_states WHERE used = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let (s, v) = exchange(code, redirect, secret, Some(verifier)).await;
    assert_eq!((s, v["error"].as_str()), (400, Some("invalid_grant")));

    // Authorization requests with an unregistered redirect_uri are refused on the page, never redirected.
    let evil = phone
        .get(&format!("{base}/ridehailer/oauth/authorize?response_type=code&client_id={}&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&state=s", backend::SAMPLE_CLIENT_ID))
        .await;
    assert_eq!(evil.status, 400);
    assert!(evil.body.contains("redirect_uri is not registered"));
}

#[tokio::test]
async fn token_endpoint_accepts_body_credentials_and_refresh_rotates() {
    let env = Env::start().await;
    let base = env.base();
    let d = env.device_code().await;
    Phone::new()
        .link(&base, d.verification_uri_complete.as_deref().unwrap())
        .await;
    let refresh: String = {
        // Alexa's copy of the refresh token, as the linking service stored it: sealed.
        let sealed: String = env
            .shared()
            .store
            .conn()
            .query_row("SELECT refresh_token FROM links", [], |r| r.get(0))
            .unwrap();
        env.shared()
            .store
            .vault()
            .open("links.refresh_token", &sealed)
            .unwrap()
    };
    let secret = env.shared().sample_client_secret.clone();
    let r = env
        .http
        .post(format!("{base}/ridehailer/oauth/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", backend::SAMPLE_CLIENT_ID),
            ("client_secret", &secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let t: serde_json::Value = r.json().await.unwrap();
    assert_ne!(t["refresh_token"].as_str().unwrap(), refresh, "rotated");
    let again = env
        .http
        .post(format!("{base}/ridehailer/oauth/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", backend::SAMPLE_CLIENT_ID),
            ("client_secret", &secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 400, "the old refresh token is revoked");
}

#[tokio::test]
async fn expired_token_is_refreshed_before_use_and_a_failed_refresh_breaks_the_link() {
    let env = Env::start().await;
    let d = env.device_code().await;
    Phone::new()
        .link(&env.base(), d.verification_uri_complete.as_deref().unwrap())
        .await;
    let (_, first) = env.device_link("").await;
    env.clock.advance(Duration::from_secs(2 * 3600));
    let (s, second) = env.device_link("").await;
    assert_eq!(s, 200);
    assert_ne!(first["access_token"], second["access_token"], "refreshed");
    let greeting = env.launch(second["access_token"].as_str(), "en-US").await;
    assert!(
        greeting["response"]["outputSpeech"]["text"]
            .as_str()
            .unwrap()
            .contains("Annie"),
        "the new token works"
    );

    // Revoke everything at the authorization server, expire again: refresh fails, link is broken.
    env.shared()
        .store
        .conn()
        .execute("UPDATE rh_tokens SET revoked = 1", [])
        .unwrap();
    env.clock.advance(Duration::from_secs(2 * 3600));
    let (s, v) = env.device_link("").await;
    assert_eq!((s, v["error"].as_str()), (404, Some("link_broken")));
}

#[tokio::test]
async fn malformed_and_oversized_bodies_are_refused_cleanly() {
    let env = Env::start().await;
    let t = &env.meta.token_endpoint;
    let r = env
        .http
        .post(t)
        .json(&serde_json::json!({"grant_type": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"],
        "invalid_request"
    );
    let r = env
        .http
        .post(t)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=a&device_code=b&client_id=linkscreen-device")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"],
        "invalid_request",
        "repeated parameters"
    );
    let r = env
        .http
        .post(t)
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );
    let r = env
        .http
        .post(t)
        .form(&[("grant_type", "urn:ietf:params:oauth:grant-type:device_code")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"],
        "invalid_request",
        "missing device_code"
    );
    let big = "a".repeat(200 * 1024);
    let r = env
        .http
        .post(t)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("x={big}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let r = env
        .http
        .post(format!("{}/ridehailer/skill", env.base()))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Still serving after all that.
    assert_eq!(env.device_code().await.expires_in, 600);
}

#[tokio::test]
async fn wrong_user_codes_are_rate_limited() {
    let env = Env::start().await;
    let phone = Phone::new();
    for _ in 0..backend::limits::MAX_FAILED_ATTEMPTS {
        assert_eq!(
            phone
                .get(&format!("{}/device?user_code=BBBB-BBBB", env.base()))
                .await
                .status,
            404
        );
    }
    let d = env.device_code().await;
    let blocked = phone
        .get(d.verification_uri_complete.as_deref().unwrap())
        .await;
    assert_eq!(
        blocked.status, 429,
        "even a right code waits after too many wrong ones"
    );
    // Manual entry with a different format works on the entry form (GET without a code).
    assert_eq!(
        phone.get(&format!("{}/device", env.base())).await.status,
        200
    );
}

#[tokio::test]
async fn login_errors_are_inline_and_repeated_failures_lock_the_account() {
    let env = Env::start().await;
    let d = env.device_code().await;
    let phone = Phone::new();
    let page = phone
        .to_consent(
            &env.base(),
            d.verification_uri_complete.as_deref().unwrap(),
            "wrong",
        )
        .await;
    assert!(
        page.body.contains("The email or password is incorrect."),
        "{}",
        page.body
    );
    let csrf = page.hidden("csrf").unwrap();
    let login = format!("{}/ridehailer/login", env.base());
    let mut last = String::new();
    for _ in 0..5 {
        last = phone
            .post(
                &login,
                &[
                    ("csrf", &csrf),
                    ("username", auth_server::DEMO_USERNAME),
                    ("password", "nope"),
                ],
                None,
            )
            .await
            .body;
    }
    assert!(last.contains("Too many failed sign-in attempts"), "{last}");
    let locked = phone
        .post(
            &login,
            &[
                ("csrf", &csrf),
                ("username", auth_server::DEMO_USERNAME),
                ("password", auth_server::DEMO_PASSWORD),
            ],
            None,
        )
        .await;
    assert!(
        locked.body.contains("Too many failed sign-in attempts"),
        "the right password waits too"
    );
    let no_csrf = phone
        .post(
            &login,
            &[
                ("username", auth_server::DEMO_USERNAME),
                ("password", auth_server::DEMO_PASSWORD),
            ],
            None,
        )
        .await;
    assert_eq!(no_csrf.status, 403);
}

#[tokio::test]
async fn a_completed_link_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_in(dir.path());
    let mut env = Env::start_with(dir, cfg.clone()).await;
    let d = env.device_code().await;
    Phone::new()
        .link(&env.base(), d.verification_uri_complete.as_deref().unwrap())
        .await;
    let (_, before) = env.device_link("").await;
    env.stop().await;
    let dir = std::mem::replace(&mut env.dir, tempfile::tempdir().unwrap());
    let env2 = Env::start_with(dir, cfg).await;
    let (s, after) = env2.device_link("").await;
    assert_eq!(s, 200);
    assert_eq!(before["access_token"], after["access_token"]);
    let greeting = env2.launch(after["access_token"].as_str(), "en-US").await;
    assert!(
        greeting["response"]["outputSpeech"]["text"]
            .as_str()
            .unwrap()
            .contains("Annie"),
        "the token still works after restart"
    );
}

#[tokio::test]
async fn phone_pages_show_linking_status_cards_and_unlink() {
    let env = Env::start().await;
    let base = env.base();
    let (phone, start) = Phone::paired_to(&env, "/skill");
    let detail = phone.get(&start).await;
    assert!(
        detail.body.contains("ENABLE TO USE") && detail.body.contains("Account linking required"),
        "{}",
        detail.body
    );
    let r = env
        .http
        .post(format!("{base}/api/device/cards"))
        .bearer_auth(&env.shared().device_key)
        .json(&serde_json::json!({"kind": "LinkAccount", "speech": "Welcome to Ride Hailer!"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = env
        .http
        .post(format!("{base}/api/device/cards"))
        .json(&serde_json::json!({"kind": "LinkAccount"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "device key required");
    let cards = phone.get(&format!("{base}/cards")).await;
    assert!(
        cards.body.contains("Link your Ride Hailer account"),
        "notification banner"
    );
    // Link from the card (no device code involved).
    let login = phone
        .submit(&cards, "/skill/link", &[("from", "card")])
        .await;
    let csrf = login.hidden("csrf").unwrap();
    phone
        .sign_in(&base, &csrf, auth_server::DEMO_PASSWORD)
        .await;
    phone
        .post(
            &format!("{base}/ridehailer/terms"),
            &[("csrf", &csrf)],
            None,
        )
        .await;
    let done = phone
        .post(
            &format!("{base}/ridehailer/consent"),
            &[("csrf", &csrf), ("decision", "allow")],
            None,
        )
        .await;
    assert!(done.body.contains("successfully linked"), "{}", done.body);
    assert!(
        phone
            .get(&format!("{base}/skill"))
            .await
            .body
            .contains("LAUNCH")
    );
    let settings = phone.get(&format!("{base}/skill/settings")).await;
    assert!(settings.body.contains("Unlink Ride Hailer"));
    phone.submit(&settings, "/skill/unlink", &[]).await;
    assert_eq!(env.device_link("").await.0, 404);
}

/// A third-party authorization server whose token endpoint is slower than Alexa allows.
async fn slow_idp() -> String {
    use axum::extract::Query;
    use axum::response::Redirect;
    use axum::routing::{get, post};
    let app = axum::Router::new()
        .route(
            "/authorize",
            get(
                |Query(q): Query<std::collections::HashMap<String, String>>| async move {
                    // Log in and consent at once: straight back to Alexa's redirect URL with a code.
                    let mut u = url::Url::parse(&q["redirect_uri"]).unwrap();
                    u.query_pairs_mut()
                        .append_pair("code", "slow-code")
                        .append_pair("state", &q["state"]);
                    Redirect::to(u.as_str())
                },
            ),
        )
        .route(
            "/token",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(6)).await;
                axum::Json(serde_json::json!({"access_token": "late", "token_type": "Bearer"}))
            }),
        );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_token_endpoint_slower_than_4_5_s_fails_the_link_like_alexa() {
    let idp = slow_idp().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config_in(dir.path());
    let al = format!(
        r#"{{"type": "AUTH_CODE", "authorizationUrl": "{idp}/authorize", "accessTokenUrl": "{idp}/token", "clientId": "c", "clientSecret": "s", "accessTokenScheme": "REQUEST_BODY_CREDENTIALS", "scopes": ["profile"]}}"#
    );
    cfg.account_linking.request =
        Some(linkscreen::protocol::account_linking::AccountLinkingRequest::from_json(&al).unwrap());
    let env = Env::start_with(dir, cfg).await;
    let d = env.device_code().await;
    let phone = Phone::new();
    let verify = phone
        .get(d.verification_uri_complete.as_deref().unwrap())
        .await;
    let code = verify.hidden("user_code").unwrap();
    let page = phone
        .submit(&verify, "/device/link", &[("user_code", &code)])
        .await;
    assert_eq!(page.status, 502, "{}", page.body);
    assert!(
        page.body.contains("did not answer within 4.5 s"),
        "{}",
        page.body
    );
    // The device hears that linking failed, and why; nothing was linked.
    env.pass_interval();
    let (_, body) = env.poll(&d.device_code).await;
    assert_eq!(body["error"], "invalid_grant");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("linking failed: the token endpoint did not answer within 4.5 s"),
        "{body}"
    );
    assert_eq!(env.device_link("").await.0, 404);
    // The conformance report flags it.
    let f = env.shared().report.findings();
    assert!(
        f.iter().any(|f| f.rule == "token-endpoint-slow"
            && f.level == linkscreen::backend::conformance::Level::Reject),
        "{f:?}"
    );
}

#[tokio::test]
async fn a_client_that_hangs_up_mid_long_poll_leaves_the_server_healthy() {
    let env = Env::start().await;
    let d = env.device_code().await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let r = http
        .post(&env.meta.token_endpoint)
        .header("Prefer", "wait=5")
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", d.device_code.as_str()),
            ("client_id", backend::DEVICE_CLIENT_ID),
        ])
        .send()
        .await;
    assert!(
        r.unwrap_err().is_timeout(),
        "the client gave up while the poll was held"
    );
    // The server noticed the hang-up and released the held poll well before its 5 s hold would
    // have ended (wait on the condition with a deadline, no sleep-as-sync).
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while env.shared().waiters.held() != 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "held poll not released after the client hung up"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // And it still answers, and still links.
    env.pass_interval();
    assert_eq!(
        env.poll(&d.device_code).await.1["error"],
        "authorization_pending"
    );
    Phone::new()
        .link(&env.base(), d.verification_uri_complete.as_deref().unwrap())
        .await;
    env.pass_interval();
    assert_eq!(env.poll(&d.device_code).await.0, 200);
}

/// The Alexa app's pages answer in the phone's own language (its Accept-Language), whatever
/// the device's: a Japanese phone links an en-US device in Japanese from the code page to the
/// end, an Arabic phone gets its error right to left, a phone without the page's session is
/// told in Hindi how to get one.
#[tokio::test]
async fn the_alexa_app_pages_answer_in_the_phones_language() {
    let env = Env::start().await;
    let d = env.device_code().await;
    let base = env.base();

    let ja = Phone::speaking("ja-JP,ja;q=0.9,en;q=0.5");
    let entry = ja.get(&format!("{base}/device")).await;
    assert!(entry.body.contains(r#"lang="ja-JP""#), "{}", entry.body);
    assert!(
        entry
            .body
            .contains("デバイスに表示されているコードを入力してください")
    );
    let verify = ja
        .get(d.verification_uri_complete.as_deref().unwrap())
        .await;
    assert_eq!(verify.status, 200, "{}", verify.body);
    assert!(
        verify
            .body
            .contains("このコードがデバイスに表示されているコードと同じか確認してください")
    );
    assert!(verify.body.contains("アカウントリンクが必要です"));
    // The code keeps its order whatever the page's direction.
    assert!(
        verify
            .body
            .contains(&format!(r#"<p class="code" dir="ltr">{}</p>"#, d.user_code))
    );
    let login = verify_link(&ja, &base, &verify).await;
    assert!(
        login.body.contains("Ride Hailerにサインイン"),
        "{}",
        login.body
    );
    let csrf = login.hidden("csrf").unwrap();
    let terms = ja.sign_in(&base, &csrf, auth_server::DEMO_PASSWORD).await;
    assert!(terms.body.contains("利用規約"), "{}", terms.body);
    let consent = ja
        .post(
            &format!("{base}/ridehailer/terms"),
            &[("csrf", &csrf), ("accept", "yes")],
            None,
        )
        .await;
    let done = ja
        .post(
            &format!("{base}/ridehailer/consent"),
            &[("csrf", &consent.csrf()), ("decision", "allow")],
            None,
        )
        .await;
    assert!(done.url.contains("/api/skill/link/"), "{}", done.url);
    assert!(
        done.body.contains("Ride Hailerのリンクが完了しました。"),
        "{}",
        done.body
    );
    env.pass_interval();
    assert_eq!(
        env.poll(&d.device_code).await.0,
        200,
        "the device is linked"
    );

    // The Activity page of the same phone, and its settings page, in Japanese too.
    let settings = ja.get(&format!("{base}/skill/settings")).await;
    assert!(
        settings.body.contains("アカウントはリンク済みです"),
        "{}",
        settings.body
    );
    assert!(settings.body.contains("Ride Hailerのリンクを解除"));

    let ar = Phone::speaking("ar-SA");
    let wrong = ar.get(&format!("{base}/device?user_code=ZZZZ-ZZZZ")).await;
    assert_eq!(wrong.status, 404);
    assert!(
        wrong.body.contains(r#"lang="ar-SA" dir="rtl""#),
        "{}",
        wrong.body
    );
    assert!(wrong.body.contains("هذا الرمز غير صالح أو انتهت صلاحيته"));

    let hi = Phone::speaking("hi-IN");
    let refused = hi.get(&format!("{base}/cards")).await;
    assert_eq!(refused.status, 403);
    assert!(
        refused.body.contains("अपने डिवाइस पर दिया कोड स्कैन करें"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains(&format!("{base}/device")));

    // No Accept-Language: English, as before.
    let en = Phone::new().get(&format!("{base}/device")).await;
    assert!(en.body.contains("Enter the code shown on your device"));
}

/// Presses Link on the Alexa app's verification page.
async fn verify_link(phone: &Phone, base: &str, verify: &crate::util::Page) -> crate::util::Page {
    let code = verify.hidden("user_code").unwrap();
    phone
        .post(
            &format!("{base}/device/link"),
            &[("user_code", &code), ("csrf", &verify.csrf())],
            None,
        )
        .await
}
