//! "Sign in using this device": the device's own browser on real sign-in pages, driven by
//! scripts through `linkscreen run --headless` as a real process.

use std::process::Command;

use crate::journey::{Device, free_port};

const OPEN: &str = "say Alexa, open Ride Hailer\nwait link-prompt 30\ntap Sign in using this device\nwait login 30\n";

fn scenes(dev: &Device) -> Vec<String> {
    dev.events()
        .into_iter()
        .filter(|e| e["type"] == "scene")
        .map(|e| e["scene"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn wrong_password_shows_the_servers_error_then_the_link_completes_on_the_device() {
    let (dev, code) = Device::run_script(
        "",
        &format!(
            "{OPEN}fill Email annie@example.com\nfill password not-her-password\nsubmit Sign in\n\
             expect The email or password is incorrect.\nfill password ride-hailer\nsubmit\n\
             wait terms 30\nexpect Terms and conditions\nsubmit Accept\nwait consent 30\n\
             expect Book and manage rides\nsubmit Allow\nwait success 30\nwait skill-response 30\n\
             expect Hi Annie! Now, I can help you book a ride!\n"
        ),
        &[],
    );
    assert_eq!(code, 0);
    let seen = scenes(&dev);
    for s in [
        "link-prompt",
        "login",
        "terms",
        "consent",
        "success",
        "skill-response",
    ] {
        assert!(seen.iter().any(|x| x == s), "{s} not shown: {seen:?}");
    }
    let events = dev.events();
    assert!(
        !events.iter().any(|e| e["type"] == "phone"),
        "no phone was used"
    );
    // The device's browser went to the sample server's authorization endpoint with the
    // linking service's state, and ended on Alexa's redirect URL.
    let requests: Vec<String> = events
        .iter()
        .filter(|e| e["type"] == "browser_request")
        .map(|e| e["url"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        requests[0].ends_with("/ridehailer/oauth/authorize?redacted"),
        "{requests:?}"
    );
    let launch = events
        .iter()
        .rev()
        .find(|e| e["type"] == "skill_request")
        .unwrap();
    assert!(
        launch["body"]["context"]["System"]["user"]["accessToken"]
            .as_str()
            .unwrap()
            .contains("[redacted"),
        "the LaunchRequest carries the token"
    );
    let log = std::fs::read_to_string(dev.events_path()).unwrap();
    for secret in [
        "not-her-password",
        "ride-hailer\"",
        "state=",
        "?code=",
        "&code=",
    ] {
        assert!(!log.contains(secret), "{secret} leaked into the event log");
    }
}

#[test]
fn deny_on_the_consent_page_shows_access_denied() {
    let (dev, code) = Device::run_script(
        "",
        &format!(
            "{OPEN}fill Email annie@example.com\nfill password ride-hailer\nsubmit\nwait terms 30\n\
             submit Accept\nwait consent 30\nsubmit Deny\nwait access-denied 30\n\
             expect Account not linked\n"
        ),
        &[],
    );
    assert_eq!(code, 0);
    assert!(
        !dev.events().iter().any(|e| e["type"] == "skill_request"
            && e["body"]["context"]["System"]["user"]
                .get("accessToken")
                .is_some()),
        "no token after a denial"
    );
}

#[test]
fn a_script_naming_a_missing_field_fails_with_the_fields_on_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("s.script");
    std::fs::write(&script, format!("{OPEN}fill Phone 555\n")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .args(["run", "--headless", "--script"])
        .arg(&script)
        .arg("--db")
        .arg(dir.path().join("d.db"))
        .arg("--frames")
        .arg(dir.path().join("f"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 5: `fill Phone [redacted, 3 chars]`: no field \"Phone\" on the page (fields: [\"Email\", \"Password\"])"),
        "{err}"
    );
}

/// A third-party sign-in server for the fault tests: its login form posts to a port where
/// nothing listens (the server went down mid-login), and a "single sign-on" link leads to a
/// page that needs JavaScript.
async fn flaky_idp(dead_port: u16) -> String {
    use axum::{Router, response::Html, routing::get};
    let login = format!(
        r#"<!doctype html><html><head><title>Example ID</title></head><body><h1>Sign in to Example ID</h1>
        <form method="post" action="http://127.0.0.1:{dead_port}/login"><label for="u">Username</label><input id="u" name="username">
        <label for="p">Password</label><input id="p" type="password" name="password"><button>Continue</button></form>
        <p><a href="/sso">Use single sign-on</a></p></body></html>"#
    );
    let app = Router::new()
        .route("/authorize", get(move || async move { Html(login.clone()) }))
        .route(
            "/sso",
            get(|| async {
                Html(r#"<html><body><div id="root"></div><noscript>You need to enable JavaScript to run this app.</noscript><script src="/static/app.js"></script></body></html>"#)
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_down_mid_login_shows_an_error_with_retry_and_the_device_keeps_its_code() {
    let dead = free_port();
    let idp = flaky_idp(dead).await;
    let toml = format!(
        "[account_linking]\ntype = \"AUTH_CODE\"\nauthorizationUrl = \"{idp}/authorize\"\naccessTokenUrl = \"{idp}/token\"\n\
         clientId = \"c\"\nclientSecret = \"s\"\naccessTokenScheme = \"HTTP_BASIC\"\nscopes = [\"profile\"]\n"
    );
    let script = format!(
        "{OPEN}expect Sign in to Example ID\ntap Use single sign-on\n\
         expect This sign-in page needs a full browser\ntap Open in browser\ntap Back\n\
         fill Username annie\nfill Password pw\nsubmit Continue\n\
         expect Can’t reach 127.0.0.1:{dead}\ntap Try again\nexpect Can’t reach 127.0.0.1:{dead}\n\
         tap Back\nexpect Sign in to Example ID\ntap Close\nwait link-prompt 10\nexpect Code expires in\n"
    );
    let (dev, code) = tokio::task::block_in_place(|| Device::run_script(&toml, &script, &[]));
    assert_eq!(code, 0, "the script ran to its end: no hang, no crash");
    let events = dev.events();
    let refused = events
        .iter()
        .filter(|e| {
            e["type"] == "error"
                && e["step"] == "browser"
                && e["reason"].as_str().unwrap().contains("connection refused")
        })
        .count();
    assert_eq!(refused, 2, "the submission and its retry both failed");
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "open_external" && e["url"].as_str().unwrap().ends_with("/sso")),
        "the JavaScript page was offered to the desktop browser"
    );
    // The code shown before the sign-in is the one shown after it: polling never stopped.
    let prompts = events.iter().filter(|e| e["type"] == "prompt").count();
    assert_eq!(prompts, 1);
}
