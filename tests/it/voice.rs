//! Voice-forward account linking (docs/design.md "Wire formats" §4), headless, over real loopback HTTP: the
//! sample skill offers linking and sends `Connections.StartConnection`; Alexa asks permission,
//! sends a one-time code to the phone, checks the spoken one, and resumes the skill's session.
//! After each journey the next LaunchRequest carries the LWA token, or does not.

use axum::routing::post;
use axum::{Json, Router};

use crate::journey::Device;
use crate::util::Env;

const VOICE: &[&str] = &["--voice-forward", "--speaker", "Annie"];

/// Open the skill and say "link my account" in its session.
const OFFER: &str = "say Alexa, open Ride Hailer\nwait skill-response\n\
    expect Would you like to link your account\nsay link my account\nwait voice-link\n";

/// Leave, and open the skill again: the last LaunchRequest tells whether it is linked.
const AGAIN: &str = "tap Home\nwait home\nsay Alexa, open Ride Hailer\nwait skill-response\n";

fn of_type(dev: &Device, t: &str) -> Vec<serde_json::Value> {
    dev.events()
        .into_iter()
        .filter(|e| e["type"] == t)
        .collect()
}

fn requests(dev: &Device) -> Vec<serde_json::Value> {
    of_type(dev, "skill_request")
        .into_iter()
        .map(|e| e["body"].clone())
        .collect()
}

fn kinds(dev: &Device) -> Vec<String> {
    requests(dev)
        .iter()
        .map(|b| b["request"]["type"].as_str().unwrap().to_owned())
        .collect()
}

/// The last LaunchRequest's account token (redacted in the log: its first 4 characters).
fn last_launch_token(dev: &Device) -> Option<String> {
    requests(dev)
        .iter()
        .rev()
        .find(|b| b["request"]["type"] == "LaunchRequest")
        .and_then(|b| {
            b["context"]["System"]["user"]["accessToken"]
                .as_str()
                .map(str::to_owned)
        })
}

fn resumed_cause(dev: &Device) -> serde_json::Value {
    requests(dev)
        .into_iter()
        .find(|b| b["request"]["type"] == "SessionResumedRequest")
        .map(|b| b["request"]["cause"].clone())
        .expect("a SessionResumedRequest was sent")
}

#[test]
fn voice_forward_success_links_with_an_lwa_token_in_the_same_session() {
    let (dev, code) = Device::run_script(
        "",
        &format!(
            "{OFFER}expect Do you give Ride Hailer permission to access your name and email address\n\
             say I approve\nexpect Annie, to authenticate your request\n\
             say Alexa, my code is {{code}}\nwait skill-response 20\n\
             expect Now, I can help you book a ride! Where would you like to go?\n\
             say take me to the airport\nexpect A car to the airport is on its way\n{AGAIN}expect Hi Annie\n"
        ),
        VOICE,
    );
    assert_eq!(code, 0, "events: {:#?}", dev.events());
    assert_eq!(
        kinds(&dev),
        [
            "LaunchRequest",
            "IntentRequest",
            "SessionResumedRequest",
            "IntentRequest",
            "LaunchRequest"
        ]
    );
    let r = requests(&dev);
    // One session from the launch through the ride: same id, new only at first.
    let id = r[0]["session"]["sessionId"].clone();
    assert_eq!(r[0]["session"]["new"], true);
    for b in &r[1..4] {
        assert_eq!(b["session"]["sessionId"], id);
        assert_eq!(b["session"]["new"], false);
    }
    assert_ne!(
        r[4]["session"]["sessionId"], id,
        "a new launch, a new session"
    );
    assert_eq!(r[1]["request"]["intent"]["name"], "LinkAccountIntent");
    assert!(r[0]["context"]["System"]["user"]["accessToken"].is_null());
    let cause = resumed_cause(&dev);
    assert_eq!(cause["type"], "ConnectionCompleted");
    assert_eq!(
        cause["token"], "accountLinking",
        "the directive's token echoed"
    );
    assert_eq!(cause["status"]["code"], "200");
    assert_eq!(cause["result"]["status"], "LINKED");
    // The resumed request already carries the new token, as every later one does.
    assert!(
        r[2]["context"]["System"]["user"]["accessToken"]
            .as_str()
            .unwrap()
            .starts_with("Atza")
    );
    assert!(last_launch_token(&dev).unwrap().starts_with("Atza"));
    // The code went "to the phone": the event says so, the code itself is on the phone only.
    let otp = of_type(&dev, "otp_sent");
    assert_eq!(otp.len(), 1);
    assert!(otp[0].get("code").is_none(), "{}", otp[0]);
    assert_eq!(otp[0]["to"], "Annie");
}

#[test]
fn voice_forward_no_is_denied_and_nothing_is_linked() {
    let (dev, code) = Device::run_script(
        "",
        &format!(
            "{OFFER}say No\nwait skill-response 20\nexpect You can link your account later\n\
             {AGAIN}expect Would you like to link your account\n"
        ),
        VOICE,
    );
    assert_eq!(code, 0, "events: {:#?}", dev.events());
    let cause = resumed_cause(&dev);
    assert_eq!(cause["status"]["code"], "200");
    assert_eq!(cause["result"]["status"], "DENIED");
    assert!(
        of_type(&dev, "otp_sent").is_empty(),
        "no code without permission"
    );
    assert_eq!(last_launch_token(&dev), None);
}

#[test]
fn three_wrong_codes_end_it_and_the_skill_falls_back_to_the_link_card() {
    let (dev, code) = Device::run_script(
        "",
        &format!(
            "{OFFER}say I approve\nexpect My code is\n\
             say my code is 1\nexpect That code didn’t match\n\
             say my code is 2\nexpect That code didn’t match\n\
             say my code is 3\nwait link-prompt 20\n\
             say Alexa, go home\nwait home\nsay Alexa, open Ride Hailer\nwait skill-response\n\
             expect Would you like to link your account\n"
        ),
        VOICE,
    );
    assert_eq!(code, 0, "events: {:#?}", dev.events());
    let checks = of_type(&dev, "otp_checked");
    assert_eq!(checks.len(), 3);
    assert!(checks.iter().all(|c| c["linked"] == false));
    let cause = resumed_cause(&dev);
    assert_eq!(cause["status"]["code"], "403");
    assert!(cause.get("result").is_none(), "{cause}");
    // The sample skill answered with a LinkAccount card: the device shows the QR code.
    assert!(of_type(&dev, "prompt").len() == 1);
    assert_eq!(last_launch_token(&dev), None);
}

#[test]
fn without_a_voice_profile_alexa_answers_user_requirements_not_met() {
    let (dev, code) = Device::run_script(
        "",
        "say Alexa, open Ride Hailer\nwait skill-response\nsay link my account\nwait link-prompt 20\n\
         say Alexa, go home\nwait home\nsay Alexa, open Ride Hailer\nwait skill-response\n",
        &["--voice-forward"],
    );
    // The dialog never starts: Alexa answers the skill at once, and its card leads to the QR.
    assert_eq!(code, 0, "events: {:#?}", dev.events());
    let cause = resumed_cause(&dev);
    assert_eq!(cause["result"]["status"], "USER_REQUIREMENTS_NOT_MET");
    assert!(of_type(&dev, "otp_sent").is_empty());
    assert_eq!(last_launch_token(&dev), None);
}

#[test]
fn alexa_only_understands_answers_to_her_own_question() {
    let (dev, code) = Device::run_script("", &format!("{OFFER}say book a ride\n"), VOICE);
    assert_eq!(code, 5, "a misheard `say` fails the script");
    let nlu = of_type(&dev, "nlu");
    assert_eq!(nlu.last().unwrap()["result"], "not_understood");
}

/// A third-party skill in the ASK SDK's format that asks for voice-forward linking as soon as
/// it is launched, with `onCompletion: SEND_ERRORS_ONLY`, and records what Alexa sends it.
async fn errors_only_skill() -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
) {
    let seen: std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>> = Default::default();
    let log = seen.clone();
    let handler = move |Json(env): Json<serde_json::Value>| {
        let log = log.clone();
        async move {
            log.lock().unwrap().push(env.clone());
            let body = match env["request"]["type"].as_str().unwrap_or("") {
                "LaunchRequest" => {
                    serde_json::json!({"version": "1.0", "response": {"directives": [{
                    "type": "Connections.StartConnection",
                    "uri": "connection://AMAZON.AskForAccountLinking/1",
                    "onCompletion": "SEND_ERRORS_ONLY",
                    "input": {"@version": "1", "@type": "AskForAccountLinking"},
                    "token": "opaque-42"}]}})
                }
                _ => serde_json::json!({"version": "1.0", "response": {}}),
            };
            Json(body)
        }
    };
    let app = Router::new().route("/skill", post(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/skill", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_errors_only_ends_a_success_quietly_and_reports_a_refusal_as_an_exception() {
    let (url, seen) = errors_only_skill().await;
    let toml = format!(
        "[skill]\nendpoint = \"{url}\"\n[account_linking]\nsample = true\nrequired = false\n"
    );
    let start = "say Alexa, open Ride Hailer\nwait voice-link\n";
    // Success: Alexa's line is the last word; the skill hears nothing more.
    let (dev, code) = tokio::task::block_in_place(|| {
        Device::run_script(
            &toml,
            &format!(
                "{start}say I approve\nexpect My code is\nsay my code is {{code}}\nexpect I’ve signed you in with Ride Hailer using Login with Amazon\n"
            ),
            VOICE,
        )
    });
    assert_eq!(code, 0, "events: {:#?}", dev.events());
    let types = |v: &[serde_json::Value]| -> Vec<String> {
        v.iter()
            .map(|e| e["request"]["type"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(types(&seen.lock().unwrap()), ["LaunchRequest"]);
    // A refusal: System.ExceptionEncountered, naming the result.
    seen.lock().unwrap().clear();
    let (dev, code) = tokio::task::block_in_place(|| {
        Device::run_script(
            &toml,
            &format!(
                "{start}say no\nexpect You can link your account later\nexpect Try “Alexa, open\n"
            ),
            VOICE,
        )
    });
    assert_eq!(code, 0, "events: {:#?}", dev.events());
    let got = seen.lock().unwrap().clone();
    assert_eq!(
        types(&got),
        ["LaunchRequest", "System.ExceptionEncountered"]
    );
    let last = got.last().unwrap();
    assert!(
        last["request"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("DENIED")
    );
    assert_eq!(last["session"]["new"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_skill_without_voice_forward_enabled_hears_it_at_once() {
    let (url, seen) = errors_only_skill().await;
    // voiceForwardAccountLinking is DISABLED in the sample configuration (no --voice-forward).
    let toml = format!(
        "[skill]\nendpoint = \"{url}\"\n[account_linking]\nsample = true\nrequired = false\n"
    );
    let (dev, code) = tokio::task::block_in_place(|| {
        Device::run_script(
            &toml,
            "say Alexa, open Ride Hailer\nwait voice-link\nexpect can’t link your account by voice\nexpect Try “Alexa, open\n",
            &["--speaker", "Annie"],
        )
    });
    assert_eq!(code, 0, "events: {:#?}", dev.events());
    let got = seen.lock().unwrap().clone();
    let last = got.last().unwrap();
    assert_eq!(last["request"]["type"], "System.ExceptionEncountered");
    assert!(
        last["request"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("400")
    );
}

/// The one-time code as the phone's Activity page shows it.
async fn otp_on_phone(env: &Env) -> String {
    // A stranger on the network sees nothing; the household's phone sees the text message.
    let stranger = env
        .http
        .get(format!("{}/cards", env.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status(), 403);
    let (phone, start) = crate::util::Phone::paired_to(env, "/cards");
    let page = phone.get(&start).await.body;
    let doc = scraper::Html::parse_document(&page);
    let sel = scraper::Selector::parse("strong.otp").unwrap();
    doc.select(&sel)
        .next()
        .expect("the code is on the phone page")
        .text()
        .collect()
}

/// The backend's side: the code shows on the phone's Activity page, is single-use, and dies
/// after three wrong tries; LWA's profile API answers for the token it issued.
#[tokio::test]
async fn one_time_codes_are_shown_on_the_phone_single_use_and_limited_to_three_tries() {
    let env = Env::start().await;
    let base = env.base();
    let key = env.shared().device_key.clone();
    let post = |path: &str, body: serde_json::Value| {
        env.http
            .post(format!("{base}/api/device/voice-link/{path}"))
            .bearer_auth(&key)
            .json(&body)
            .send()
    };
    let who = serde_json::json!({"person_id": "p-annie", "name": "Annie", "scope": "profile"});
    // Without the device key: refused.
    let r = env
        .http
        .post(format!("{base}/api/device/voice-link/code"))
        .json(&who)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(post("code", who.clone()).await.unwrap().status(), 201);
    let code = otp_on_phone(&env).await;
    assert_eq!(code.len(), 6);
    let verify = |c: &str| {
        post(
            "verify",
            serde_json::json!({"person_id": "p-annie", "code": c}),
        )
    };
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let v: serde_json::Value = verify(wrong).await.unwrap().json().await.unwrap();
    assert_eq!(v, serde_json::json!({"linked": false, "tries_left": 2}));
    let v: serde_json::Value = verify(&code).await.unwrap().json().await.unwrap();
    assert_eq!(v["linked"], true);
    // Single use.
    assert_eq!(verify(&code).await.unwrap().status(), 400);
    // The account is linked with an LWA token that LWA's profile API knows.
    let (status, link) = env.device_link("").await;
    assert_eq!(status, 200);
    let token = link["access_token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("Atza|"));
    let profile: serde_json::Value = env
        .http
        .get(format!("{base}/lwa/user/profile"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(profile["name"], "Annie");
    assert!(
        profile["user_id"]
            .as_str()
            .unwrap()
            .starts_with("amzn1.account.")
    );
    // Three wrong tries void a new code: the right one no longer links.
    assert_eq!(post("code", who).await.unwrap().status(), 201);
    let code = otp_on_phone(&env).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in [2, 1, 0] {
        let v: serde_json::Value = verify(wrong).await.unwrap().json().await.unwrap();
        assert_eq!(v["tries_left"], left);
    }
    assert_eq!(verify(&code).await.unwrap().status(), 400);
}

#[test]
fn leaving_an_open_session_tells_the_skill_it_ended() {
    let (dev, code) = Device::run_script(
        "",
        "say Alexa, open Ride Hailer\nwait skill-response\nexpect Would you like to link your account\n\
         say Alexa, go home\nwait home\nsay Alexa, open Ride Hailer\nwait skill-response\n",
        VOICE,
    );
    assert_eq!(code, 0, "events: {:#?}", dev.events());
    let r = requests(&dev);
    let ended: Vec<_> = r
        .iter()
        .filter(|b| b["request"]["type"] == "SessionEndedRequest")
        .collect();
    assert_eq!(ended.len(), 1, "{:?}", kinds(&dev));
    assert_eq!(ended[0]["request"]["reason"], "USER_INITIATED");
    assert_eq!(
        ended[0]["session"]["sessionId"],
        r[0]["session"]["sessionId"]
    );
    assert_eq!(ended[0]["session"]["new"], false);
    let go_home = of_type(&dev, "nlu");
    assert!(go_home.iter().any(|e| e["result"] == "go_home"));
}

#[test]
fn speak_voices_alexas_lines_with_espeak_ng_or_says_it_is_missing() {
    let has_espeak = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("espeak-ng").is_file()));
    let (dev, code) = Device::run_script(
        "",
        &format!("{OFFER}say I approve\nexpect My code is\n"),
        &["--voice-forward", "--speaker", "Annie", "--speak"],
    );
    if !has_espeak {
        assert_eq!(code, 2, "a clear usage error without espeak-ng");
        return;
    }
    assert_eq!(code, 0, "events: {:#?}", dev.events());
    let spoken: Vec<String> = of_type(&dev, "speak")
        .iter()
        .map(|e| e["text"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        spoken
            .iter()
            .any(|t| t.contains("Would you like to link your account")),
        "{spoken:?}"
    );
    assert!(
        spoken
            .iter()
            .any(|t| t.contains("Do you give Ride Hailer permission")),
        "{spoken:?}"
    );
    assert!(
        spoken
            .iter()
            .any(|t| t.starts_with("Annie, to authenticate")),
        "{spoken:?}"
    );
}
