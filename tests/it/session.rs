//! Issue 16 point 1, attacked over loopback HTTP: only the phone that scanned the code acts for
//! the user. The phone pages listen on 127.0.0.2 (standing in for the LAN); the scanning phone,
//! a stranger on the same network and a cross-site page each use their own cookie jar.

use crate::util::{Env, Phone};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_phone_that_scanned_the_code_can_act_for_the_user() {
    let env = Env::start_lan("127.0.0.2").await;
    let public = env.shared().public_url.clone();
    assert!(public.starts_with("http://127.0.0.2:"), "{public}");

    // The household's phone scans the code and links.
    let d = env.device_code().await;
    let qr = d.verification_uri_complete.clone().unwrap();
    assert!(qr.starts_with(&public), "{qr}");
    let phone = Phone::new();
    let done = phone.link(&public, &qr).await;
    assert!(done.body.contains("successfully linked"), "{}", done.body);
    assert_eq!(env.device_link("").await.0, 200);

    // A stranger on the network (own cookie jar, no session) reads nothing and changes nothing,
    // with or without a made-up token or a forged cookie.
    let stranger = Phone::new();
    for path in ["/cards", "/skill", "/skill/settings", "/ridehailer/app"] {
        let p = stranger.get(&format!("{public}{path}")).await;
        assert_eq!(p.status, 403, "{path}: {}", p.body);
        assert!(p.body.contains("Scan the QR code"), "{path}: {}", p.body);
    }
    let forged = reqwest::Client::new()
        .get(format!("{public}/cards"))
        .header("Cookie", "ls_phone=abc.1")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403, "an unsigned cookie is no session");
    for path in [
        "/skill/unlink",
        "/skill/link",
        "/device/link",
        "/device/cancel",
        "/alexa/app/link",
        "/lwa/ap/oa",
        "/ridehailer/app/link",
        "/ridehailer/app/unlink",
        "/ridehailer/app/alexa-app",
    ] {
        let p = stranger
            .post(
                &format!("{public}{path}"),
                &[("csrf", "forged"), ("user_code", d.user_code.as_str())],
                None,
            )
            .await;
        assert_eq!(p.status, 403, "{path}: {}", p.body);
    }
    assert_eq!(env.device_link("").await.0, 200, "still linked");

    // The scanning phone sees its pages.
    let settings = phone.get(&format!("{public}/skill/settings")).await;
    assert_eq!(settings.status, 200, "{}", settings.body);
    assert!(
        settings.body.contains("Unlink Ride Hailer"),
        "{}",
        settings.body
    );
    let csrf = settings.csrf();
    let unlink = format!("{public}/skill/unlink");

    // A page on another site makes the phone's browser post (its cookies go along): refused,
    // however the browser says where it came from, and without the token too.
    for (h, v) in [
        ("Origin", "https://evil.example"),
        ("Origin", "null"),
        ("Referer", "https://evil.example/page"),
        ("Sec-Fetch-Site", "cross-site"),
    ] {
        let r = phone
            .http
            .post(&unlink)
            .header(h, v)
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{h}: {v}");
    }
    let no_token = phone
        .http
        .post(&unlink)
        .form(&[("x", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), 403);
    assert_eq!(env.device_link("").await.0, 200, "still linked");

    // The phone's own button (same origin, its token): unlinked.
    let r = phone
        .http
        .post(&unlink)
        .header("Origin", &public)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(env.device_link("").await.0, 404);
}

/// The device's pairing link (the emulator's "Open on phone") works once; the session it gives
/// reads the one-time voice code a stranger cannot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pairing_link_works_once_and_a_session_is_this_servers_alone() {
    let env = Env::start().await;
    let (phone, start) = Phone::paired_to(&env, "/cards");
    let cards = phone.get(&start).await;
    assert_eq!(cards.status, 200, "{}", cards.body);
    assert!(cards.url.ends_with("/cards"), "{}", cards.url);
    // Used: another browser gets nothing from it.
    let again = Phone::new().get(&start).await;
    assert_eq!(again.status, 403, "{}", again.body);
    // A `next` that leaves the server stays on it.
    let (p2, mut start2) = Phone::paired_to(&env, "https://evil.example/");
    start2.push_str("&x=1");
    let page = p2.get(&start2).await;
    assert!(page.url.starts_with(&env.base()), "{}", page.url);

    // Another linkscreen on this host (cookies ignore ports, so the phone sends it this
    // session's cookie) has another key file: no session there.
    let other = Env::start().await;
    let there = phone.get(&format!("{}/cards", other.base())).await;
    assert_eq!(there.status, 403, "{}", there.body);
}
