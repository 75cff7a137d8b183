//! Every phone journey in a real browser (headless Chromium as an Android phone, see
//! `browser.rs`): the device's QR decoded from its rendered frame, the code typed by hand, the
//! pairing link, app-to-app and its Login with Amazon fallback, voice-forward's one-time code,
//! Unlink, and phones that speak Japanese and Arabic — each to the skill receiving the token.

use std::path::PathBuf;

use linkscreen::backend::{self, auth_server};
use linkscreen::locale::{tr, tr_page};

use crate::browser::Browser;
use crate::journey::{Device, decode_qr};
use crate::util::Env;

/// The sample server's and the Alexa app's text `key` in `lang`, as the pages say it.
pub fn say(key: &str, lang: &str) -> String {
    tr_page(key, lang, &[("skill_name", "Ride Hailer")])
}

/// The origin (`http://host:port`) of a URL.
pub fn origin(url: &str) -> String {
    url::Url::parse(url).unwrap().origin().ascii_serialization()
}

/// On the sample server's sign-in page: a wrong password first (the error shows and the form
/// stays), then the right one, the terms, and Allow on the consent page.
pub async fn sign_in_and_allow(b: &Browser, lang: &str) {
    b.wait_text(&say("page.sign_in", lang)).await;
    b.type_into("#username", auth_server::DEMO_USERNAME).await;
    b.type_into("#password", "not-the-password").await;
    b.tap("form[action='/ridehailer/login'] button").await;
    b.wait_text(&say("page.wrong_password", lang)).await;
    sign_in(b, lang).await;
    b.tap("form[action='/ridehailer/consent'] button[value=allow]")
        .await;
    b.wait_text(&say("app.linked_body", lang)).await;
}

/// Signs in on the sample server's sign-in page shown and accepts its terms when it asks
/// (only the first time): on its consent page.
pub async fn sign_in(b: &Browser, lang: &str) {
    b.wait_text(&say("page.sign_in", lang)).await;
    b.type_into("#username", auth_server::DEMO_USERNAME).await;
    b.type_into("#password", auth_server::DEMO_PASSWORD).await;
    b.tap("form[action='/ridehailer/login'] button").await;
    let terms = say("page.terms_title", lang);
    let consent = say("page.scope_rides", lang);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let text = b.text().await;
        if text.contains(&terms) {
            b.tap("form[action='/ridehailer/terms'] button").await;
        } else if text.contains(&consent) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{text}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The device's LaunchRequests that carried an access token.
fn launches_with_token(dev: &Device) -> usize {
    dev.events()
        .iter()
        .filter(|e| e["type"] == "skill_request")
        .filter(|e| e["body"]["context"]["System"]["user"]["accessToken"].is_string())
        .count()
}

/// A device (the real binary, headless) asked to open the skill: its link prompt's frame.
fn device_showing_the_code(locale: &str) -> (Device, serde_json::Value) {
    let dev = Device::start(&["--say", "Alexa, open Ride Hailer", "--locale", locale]);
    let frame = tokio::task::block_in_place(|| dev.wait_scene("link-prompt"));
    (dev, frame)
}

/// After the phone linked: the device shows success, launches the skill with the token and the
/// skill greets the person it now knows.
fn device_gets_the_token(mut dev: Device) {
    tokio::task::block_in_place(|| {
        dev.wait_scene("success");
        dev.wait_scene("skill-response");
        assert_eq!(dev.wait_exit(), 0);
    });
    assert!(launches_with_token(&dev) >= 1, "{:#?}", dev.events());
    let answer = dev
        .events()
        .into_iter()
        .rev()
        .find(|e| e["type"] == "skill_response")
        .unwrap();
    assert!(
        answer["body"]["response"]["outputSpeech"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Hi Annie!"),
        "{answer}"
    );
}

/// The seed's main journey on a phone: the QR on the device's rendered frame, opened in the
/// phone's browser, Link, a wrong password, then terms, consent, linked; the device then
/// launches the skill with the token. (On the main of 2026-12-06 this stopped at Link with 403
/// "This request came from another site": Chromium posts `Origin: null` from these pages.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_qr_journey_in_a_real_browser() {
    let Some(b) = Browser::phone("en-US").await else {
        return;
    };
    let (dev, frame) = device_showing_the_code("en-US");
    let qr = decode_qr(&PathBuf::from(frame["path"].as_str().unwrap()));
    b.goto(&qr).await;
    let page = b.wait_text(&say("app.check_code", "en-US")).await;
    let code = url::Url::parse(&qr)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "user_code")
        .unwrap()
        .1
        .into_owned();
    assert!(
        page.contains(&code),
        "the page shows the device's code: {page}"
    );
    b.tap("form[action='/device/link'] button").await;
    sign_in_and_allow(&b, "en-US").await;
    b.close().await;
    device_gets_the_token(dev);
}

/// The code read off the device's screen and typed on `/device` by a phone that speaks
/// Japanese: every page in Japanese, to the skill's greeting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_code_typed_by_hand_on_a_japanese_phone() {
    let Some(b) = Browser::phone("ja-JP").await else {
        return;
    };
    let (dev, frame) = device_showing_the_code("en-US");
    let qr = decode_qr(&PathBuf::from(frame["path"].as_str().unwrap()));
    let prompt = dev
        .events()
        .into_iter()
        .find(|e| e["type"] == "prompt")
        .expect("a prompt event");
    let code = prompt["user_code"].as_str().unwrap().to_owned();
    b.goto(&format!("{}/device", origin(&qr))).await;
    b.wait_text(&say("app.enter_code", "ja-JP")).await;
    assert_eq!(b.lang_dir().await, ("ja-JP".into(), "ltr".into()));
    // Typed as a person would, in lower case and without the dash.
    b.type_into("#user_code", &code.replace('-', "").to_lowercase())
        .await;
    b.tap("form[action='/device'] button").await;
    b.wait_text(&say("app.check_code", "ja-JP")).await;
    b.tap("form[action='/device/link'] button").await;
    sign_in_and_allow(&b, "ja-JP").await;
    assert_eq!(b.lang_dir().await.0, "ja-JP");
    b.close().await;
    device_gets_the_token(dev);
}

/// The QR journey on a phone that speaks Arabic: the pages right to left, in Arabic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_qr_journey_on_an_arabic_phone() {
    let Some(b) = Browser::phone("ar-SA").await else {
        return;
    };
    let (dev, frame) = device_showing_the_code("en-US");
    let qr = decode_qr(&PathBuf::from(frame["path"].as_str().unwrap()));
    b.goto(&qr).await;
    b.wait_text(&say("app.check_code", "ar-SA")).await;
    assert_eq!(b.lang_dir().await, ("ar-SA".into(), "rtl".into()));
    b.tap("form[action='/device/link'] button").await;
    sign_in_and_allow(&b, "ar-SA").await;
    assert_eq!(b.lang_dir().await.1, "rtl");
    b.close().await;
    device_gets_the_token(dev);
}

/// The skill greets the person whose token the device holds (as the device sends it).
async fn skill_greets_with_the_stored_token(env: &Env) {
    let (status, link) = env.device_link("").await;
    assert_eq!(status, 200, "linked: {link}");
    let token = link["access_token"].as_str().unwrap();
    let answer = env.launch(Some(token), "en-US").await;
    assert!(
        answer["response"]["outputSpeech"]["ssml"]
            .as_str()
            .or(answer["response"]["outputSpeech"]["text"].as_str())
            .unwrap()
            .contains("Hi Annie"),
        "{answer}"
    );
}

/// The device's pairing link (what `serve` prints and the emulator's "Open on phone" opens)
/// makes the browser the household's phone on the skill's page; Link there, sign in, linked;
/// then the skill's settings page unlinks, and the skill no longer gets a token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pairing_link_then_link_and_unlink_on_the_skill_page() {
    let Some(b) = Browser::phone("en-US").await else {
        return;
    };
    let env = Env::start().await;
    b.goto(&backend::session::pairing_url(env.shared(), "/skill"))
        .await;
    b.wait_text(&say("app.badge_required", "en-US")).await;
    assert!(b.url().await.ends_with("/skill"), "{}", b.url().await);
    b.tap("form[action='/skill/link'] button").await;
    sign_in_and_allow(&b, "en-US").await;
    skill_greets_with_the_stored_token(&env).await;

    b.goto(&format!("{}/skill/settings", env.base())).await;
    b.wait_text(&say("app.account_linked", "en-US")).await;
    b.tap("form[action='/skill/unlink'] button").await;
    b.wait_text(&say("app.link_account", "en-US")).await;
    assert_eq!(env.device_link("").await.0, 404, "unlinked");
    b.close().await;
}

/// App-to-app from the Ride Hailer app (opened through a pairing link): Link with Alexa, the
/// Alexa app's Link page, Link; back in the app, linked. Then, with "the Alexa app is not
/// installed", Login with Amazon's consent page is the fallback.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_to_app_and_its_login_with_amazon_fallback() {
    let Some(b) = Browser::phone("en-US").await else {
        return;
    };
    let env = Env::start().await;
    b.goto(&backend::session::pairing_url(
        env.shared(),
        "/ridehailer/app",
    ))
    .await;
    b.wait_text("Link with Alexa").await;
    b.tap("form[action='/ridehailer/app/link'] button").await;
    b.wait_text(&tr(
        "app.app_link_title",
        "en-US",
        &[("skill_name", "Ride Hailer")],
    ))
    .await;
    b.tap("form[action='/alexa/app/link'] button[value=allow]")
        .await;
    b.wait_text("Your Ride Hailer account is linked with Alexa.")
        .await;
    b.tap("a[href='/ridehailer/app']").await;
    b.wait_text("Unlink from Alexa").await;
    skill_greets_with_the_stored_token(&env).await;

    // Unlinked in the app; then the fallback.
    b.tap("form[action='/ridehailer/app/unlink'] button").await;
    b.wait_text("Link with Alexa").await;
    assert_eq!(env.device_link("").await.0, 404);
    b.tap("form[action='/ridehailer/app/alexa-app'] button")
        .await;
    b.wait_text("Link with Alexa").await;
    b.tap("form[action='/ridehailer/app/link'] button").await;
    b.wait_text(&say("app.scope_account_linking", "en-US"))
        .await;
    b.tap("form[action='/lwa/ap/oa'] button[value=allow]").await;
    b.wait_text("Your Ride Hailer account is linked with Alexa.")
        .await;
    skill_greets_with_the_stored_token(&env).await;
    b.close().await;
}

/// Voice-forward linking: the one-time code the device had sent shows on the phone's Activity
/// page (opened through a pairing link); said back to the device, it links with an LWA token
/// the skill then receives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voice_forwards_one_time_code_on_the_phone() {
    let Some(b) = Browser::phone("en-US").await else {
        return;
    };
    let env = Env::start().await;
    let key = env.shared().device_key.clone();
    let api = |path: &str| format!("{}/api/device/voice-link/{path}", env.base());
    env.send_voice_code().await;
    b.goto(&backend::session::pairing_url(env.shared(), "/cards"))
        .await;
    b.wait_text(&say("app.message_from_amazon", "en-US")).await;
    let code = b
        .js("return document.querySelector('strong.otp').innerText")
        .await
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(code.len(), 6, "{code}");
    let v: serde_json::Value = env
        .http
        .post(api("verify"))
        .bearer_auth(&key)
        .json(&serde_json::json!({"person_id": "p-annie", "code": code}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["linked"], true, "{v}");
    let (status, link) = env.device_link("").await;
    assert_eq!(status, 200);
    let token = link["access_token"].as_str().unwrap();
    assert!(token.starts_with("Atza|"));
    let answer = env.launch(Some(token), "en-US").await;
    assert!(answer.to_string().contains("Hi Annie"), "{answer}");
    b.close().await;
}

/// `linkscreen serve` as a user runs it: the real binary, from another working directory, a
/// relative database path, bound to 127.0.0.2 (standing in for a LAN address).
struct Serve {
    child: std::process::Child,
    /// The one-time pairing link it printed.
    pairing: String,
}

impl Serve {
    fn start(cwd: &std::path::Path, port: u16) -> Serve {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_linkscreen"))
            .args(["serve", "--bind", "127.0.0.2", "--port", &port.to_string()])
            .args(["--db", "data/ls.db"])
            .current_dir(cwd)
            .env("LINKSCREEN_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                if line.trim_start().starts_with("your phone") {
                    let _ = tx.send(line);
                }
            }
        });
        let line = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("serve prints the pairing link");
        let pairing = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap()
            .to_owned();
        Serve { child, pairing }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The pairing link `serve` prints, opened in the phone's browser on another address: the
/// skill's page; Link, sign in, linked. Killed and started again on the same database, the
/// link is still there, and the new pairing link's settings page unlinks it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pairing_link_serve_prints_on_another_address_twice_in_a_row() {
    let Some(b) = Browser::phone("en-US").await else {
        return;
    };
    let cwd = tempfile::tempdir().unwrap();
    let port = crate::journey::free_port();
    let first = Serve::start(cwd.path(), port);
    assert!(
        first
            .pairing
            .starts_with(&format!("http://127.0.0.2:{port}/phone?")),
        "{}",
        first.pairing
    );
    b.goto(&first.pairing).await;
    b.wait_text(&say("app.enable", "en-US")).await;
    b.tap("form[action='/skill/link'] button").await;
    sign_in_and_allow(&b, "en-US").await;
    drop(first);

    let second = Serve::start(cwd.path(), port);
    b.goto(&second.pairing).await;
    b.wait_text(&say("app.launch", "en-US")).await;
    b.goto(&format!("http://127.0.0.2:{port}/skill/settings"))
        .await;
    b.wait_text(&say("app.account_linked", "en-US")).await;
    b.tap("form[action='/skill/unlink'] button").await;
    b.wait_text(&say("app.link_account", "en-US")).await;
    b.close().await;
}
