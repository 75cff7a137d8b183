//! App-to-app account linking that starts in the skill's own app (the sample Ride Hailer app):
//! the Alexa app's Link page or, without the Alexa app, Login with Amazon's consent page; the
//! redirect back with an Amazon authorization code; the app's server finishing through the
//! Skill Enablement API. Over real loopback HTTP; the next LaunchRequest carries the token.

use crate::journey::Device;
use crate::util::{Env, Phone};

fn launch_tokens(dev: &Device) -> Vec<Option<String>> {
    dev.events()
        .into_iter()
        .filter(|e| e["type"] == "skill_request" && e["body"]["request"]["type"] == "LaunchRequest")
        .map(|e| {
            e["body"]["context"]["System"]["user"]["accessToken"]
                .as_str()
                .map(str::to_owned)
        })
        .collect()
}

fn journey(phone_step: &str) {
    let (dev, code) = Device::run_script(
        "",
        &format!(
            "say Alexa, open Ride Hailer\nwait link-prompt 30\nsay Alexa, go home\nwait home\n\
             {phone_step}\nsay Alexa, open Ride Hailer\nwait skill-response 30\nexpect Hi Annie\n"
        ),
        &[],
    );
    assert_eq!(code, 0, "events: {:#?}", dev.events());
    let tokens = launch_tokens(&dev);
    // Before: not linked, so the device went to the QR code without asking the skill.
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    assert!(
        tokens[0].is_some(),
        "the LaunchRequest after linking carries the token"
    );
    let enabled: Vec<_> = dev
        .events()
        .into_iter()
        .filter(|e| e["type"] == "skill_enablement")
        .collect();
    assert_eq!(enabled.len(), 1);
    assert_eq!(enabled[0]["status"], "LINKED");
    // Alexa redeemed the app's code at the skill's token endpoint.
    assert!(dev.events().iter().any(|e| e["type"] == "token_exchange"
        && e["grant_type"] == "authorization_code"
        && e["result"] == "ok"));
}

#[test]
fn app_to_app_through_the_alexa_app_links_and_the_next_launch_has_the_token() {
    journey("phone app");
}

#[test]
fn without_the_alexa_app_login_with_amazon_is_the_fallback() {
    journey("phone app-lwa");
}

fn form_action_value(body: &str, name: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(body);
    let sel = scraper::Selector::parse(&format!("input[name={name}]")).unwrap();
    doc.select(&sel)
        .next()?
        .value()
        .attr("value")
        .map(str::to_owned)
}

/// The pages and APIs one by one: the app's Link button, the Alexa app's Link page, a
/// cancel, a forged callback, the enablement API's checks, the app's status and unlink.
#[tokio::test]
async fn the_app_the_alexa_app_and_the_enablement_api_check_what_they_are_given() {
    let env = Env::start().await;
    let base = env.base();
    let skill_id = env.shared().config.skill.skill_id.clone();
    let (phone, start) = Phone::paired_to(&env, "/ridehailer/app");

    // Cancel in the Alexa app: back in the app, not linked.
    let app = phone.get(&start).await;
    assert!(app.body.contains("Link with Alexa"), "{}", app.body);
    let alexa = phone.submit(&app, "/ridehailer/app/link", &[]).await;
    assert!(alexa.url.contains("/alexa/app/link?"), "{}", alexa.url);
    assert!(
        alexa
            .url
            .contains("scope=alexa%3A%3Askills%3Aaccount_linking"),
        "{}",
        alexa.url
    );
    assert!(
        alexa.body.contains("Link Ride Hailer with Alexa"),
        "{}",
        alexa.body
    );
    let req = form_action_value(&alexa.body, "request").unwrap();
    let back = phone
        .submit(
            &alexa,
            "/alexa/app/link",
            &[("request", &req), ("decision", "deny")],
        )
        .await;
    assert!(
        back.body.contains("You cancelled linking with Alexa"),
        "{}",
        back.body
    );
    assert_eq!(env.device_link("").await.0, 404);
    // The request is single use.
    let again = phone
        .submit(
            &alexa,
            "/alexa/app/link",
            &[("request", &req), ("decision", "allow")],
        )
        .await;
    assert_eq!(again.status, 400);

    // A callback this browser did not start (no state cookie) is refused.
    let forged = Phone::new()
        .get(&format!("{base}/ridehailer/app/alexa?code=ANxyz&state=abc"))
        .await;
    assert_eq!(forged.status, 400);
    assert!(forged.body.contains("state mismatch"), "{}", forged.body);

    // An unregistered redirect URI gets an error page, never a redirect.
    let bad = phone
        .get(&format!(
            "{base}/alexa/app/link?client_id=amzn1.application-oa2-client.ridehailer-app&scope=alexa::skills:account_linking&response_type=code&redirect_uri=https://evil.example/cb&state=s"
        ))
        .await;
    assert_eq!(bad.status, 400);

    // The enablement API wants an LWA token with the account-linking scope.
    let url = format!("{base}/v1/users/~current/skills/{skill_id}/enablement");
    let r = env
        .http
        .post(&url)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // Link: Link in the Alexa app, back in the app, linked.
    let done = phone.link_from_app(&app).await;
    assert!(done.body.contains("Linked with Alexa"), "{}", done.body);
    let (status, link) = env.device_link("").await;
    assert_eq!(status, 200);
    // The skill's own token (the app's code redeemed at the skill's token endpoint), not LWA's.
    assert!(!link["access_token"].as_str().unwrap().starts_with("Atza"));
    let app = phone.get(&format!("{base}/ridehailer/app")).await;
    assert!(app.body.contains("Linked with Alexa"), "{}", app.body);

    // Unlink from the app: Alexa forgets the link.
    let after = phone.submit(&app, "/ridehailer/app/unlink", &[]).await;
    assert!(after.body.contains("Link with Alexa"), "{}", after.body);
    assert_eq!(env.device_link("").await.0, 404);
}

/// The enablement API refuses a redirect URI that is not one of Alexa's, and an auth code
/// the skill's server does not know.
#[tokio::test]
async fn the_enablement_api_refuses_foreign_redirect_uris_and_bad_codes() {
    let env = Env::start().await;
    let base = env.base();
    let s = env.shared().clone();
    let token = linkscreen::backend::lwa::issue(
        &s,
        "amzn1.ask.person.X",
        "Annie",
        linkscreen::backend::lwa::APP_CLIENT_ID,
        linkscreen::backend::lwa::ACCOUNT_LINKING_SCOPE,
    )
    .unwrap()
    .access_token;
    let url = format!(
        "{base}/v1/users/~current/skills/{}/enablement",
        s.config.skill.skill_id
    );
    let send = |redirect: String, code: &str| {
        env.http.post(&url).bearer_auth(&token).json(&serde_json::json!({
            "stage": "development",
            "accountLinkRequest": {"redirectUri": redirect, "authCode": code, "type": "AUTH_CODE"}
        }))
        .send()
    };
    let r = send("https://evil.example/cb".into(), "x").await.unwrap();
    assert_eq!(r.status(), 400);
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(
        v["message"].as_str().unwrap().contains("redirectUri"),
        "{v}"
    );
    let r = send(s.redirect_uri(), "not-a-code").await.unwrap();
    assert_eq!(r.status(), 400);
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("refused the authCode"),
        "{v}"
    );
    // Another skill id: not found.
    let r = env
        .http
        .get(format!(
            "{base}/v1/users/~current/skills/amzn1.ask.skill.other/enablement"
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}
