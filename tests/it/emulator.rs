//! The designer's emulator, headless: each fault toggle produces what a real device shows,
//! and the conformance report flags a deliberately slow and a deliberately non-conforming
//! authorization server run here.

use std::time::Duration;

use axum::extract::Query;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::journey::Device;

const OPEN: &str = "say Alexa, open Ride Hailer\nwait link-prompt 30\n";

fn scenes(dev: &Device) -> Vec<String> {
    dev.events()
        .iter()
        .filter(|e| e["type"] == "scene")
        .map(|e| e["scene"].as_str().unwrap().to_owned())
        .collect()
}

fn of_type(dev: &Device, t: &str) -> Vec<serde_json::Value> {
    dev.events()
        .into_iter()
        .filter(|e| e["type"] == t)
        .collect()
}

#[test]
fn deny_fault_ends_in_access_denied_without_a_token() {
    let (dev, code) = Device::run_script(
        "",
        &format!("{OPEN}phone link\nwait access-denied 30\nexpect Account not linked\n"),
        &["--fault", "deny"],
    );
    assert_eq!(code, 0, "scenes: {:?}", scenes(&dev));
    assert!(
        of_type(&dev, "fault")
            .iter()
            .any(|e| e["fault"] == "deny" && e["on"] == true)
    );
    assert!(
        of_type(&dev, "token_exchange").is_empty(),
        "no code, no exchange"
    );
}

#[test]
fn slow_auth_fault_times_out_the_exchange_and_the_device_says_linking_failed() {
    let (dev, code) = Device::run_script(
        "",
        &format!(
            "{OPEN}phone link\nwait link-failed 30\nexpect Couldn’t link your account\ntap Get a new code\n\
             wait link-prompt 30\n"
        ),
        &["--fault", "slow-auth"],
    );
    assert_eq!(code, 0, "scenes: {:?}", scenes(&dev));
    let ex = of_type(&dev, "token_exchange");
    assert_eq!(ex.len(), 1, "{ex:?}");
    assert_eq!(ex[0]["result"], "error");
    assert!(ex[0]["elapsed_ms"].as_u64().unwrap() >= 4_500, "{ex:?}");
    assert!(ex[0]["reason"].as_str().unwrap().contains("4.5 s"));
    // The device heard why (the poll's error), and the report flags the server.
    assert!(
        of_type(&dev, "poll")
            .iter()
            .any(|e| e["result"].as_str().unwrap().contains("linking failed"))
    );
    assert!(
        of_type(&dev, "conformance")
            .iter()
            .any(|e| e["rule"] == "token-endpoint-slow" && e["level"] == "reject")
    );
    // Two codes were issued: the failed one and the new one.
    assert_eq!(of_type(&dev, "device_authorization").len(), 2);
}

#[test]
fn network_down_shows_unreachable_and_the_device_recovers_when_it_is_back() {
    let (dev, code) = Device::run_script(
        "",
        &format!(
            "{OPEN}fault network-down on\nwait server-unreachable 30\nexpect Can’t reach the server\n\
             fault network-down off\nwait link-prompt 30\nphone link\nwait skill-response 30\n"
        ),
        &[],
    );
    assert_eq!(code, 0, "scenes: {:?}", scenes(&dev));
    let errors = of_type(&dev, "error");
    assert!(
        errors.iter().any(|e| e["step"] == "Poll"),
        "the poll failed while the network was down: {errors:?}"
    );
    assert_eq!(
        of_type(&dev, "fault")
            .iter()
            .map(|e| e["on"].as_bool().unwrap())
            .collect::<Vec<_>>(),
        vec![true, false]
    );
}

#[test]
fn short_expiry_fault_makes_alexa_refresh_before_the_request() {
    let (dev, code) = Device::run_script(
        "",
        &format!("{OPEN}phone link\nwait skill-response 30\nexpect Hi Annie!\n"),
        &["--fault", "short-expiry"],
    );
    assert_eq!(code, 0, "scenes: {:?}", scenes(&dev));
    let ex = of_type(&dev, "token_exchange");
    assert_eq!(ex[0]["grant_type"], "authorization_code");
    assert_eq!(ex[0]["expires_in"], 5);
    assert!(
        ex.iter()
            .any(|e| e["grant_type"] == "refresh_token" && e["result"] == "ok"),
        "a refresh before use: {ex:?}"
    );
    assert!(
        of_type(&dev, "conformance")
            .iter()
            .any(|e| e["rule"] == "token-lifetime" && e["level"] == "warn")
    );
    // The skill got a (refreshed) token.
    assert!(
        of_type(&dev, "skill_request")
            .iter()
            .any(|e| e["body"]["context"]["System"]["user"]["accessToken"].is_string())
    );
}

#[test]
fn skill_faults_show_the_skill_error_scene() {
    for (fault, why) in [
        ("skill-error", "the skill answered HTTP 500"),
        ("skill-invalid-json", "the skill's answer is not JSON"),
    ] {
        let (dev, code) = Device::run_script(
            "",
            // The device asks the skill once linked.
            &format!("{OPEN}phone link\nwait skill-error 30\n"),
            &["--fault", fault],
        );
        assert_eq!(code, 0, "{fault}: scenes: {:?}", scenes(&dev));
        let e = of_type(&dev, "skill_error");
        assert!(
            e.iter()
                .any(|e| e["reason"].as_str().unwrap().contains(why)),
            "{fault}: {e:?}"
        );
    }
}

#[test]
fn an_unknown_fault_is_a_usage_error() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .args(["run", "--headless", "--fault", "gremlins"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown fault \"gremlins\""), "{err}");
    assert!(err.contains("slow-auth"), "{err}");
}

#[test]
fn network_down_is_refused_while_a_system_proxy_is_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .args(["run", "--headless", "--fault", "network-down", "--db"])
        .arg(dir.path().join("ls.db"))
        .arg("--events")
        .arg(dir.path().join("ev.jsonl"))
        // Loopback is not proxied, so the device still starts: only the fault is refused.
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--fault network-down: not available while"),
        "{err}"
    );
}

/// How the test authorization server misbehaves.
#[derive(Clone, Copy)]
struct Misbehaviour {
    /// Token endpoint answers after this long.
    token_delay: Duration,
    /// The redirect back to Alexa leaves `state` out.
    drop_state: bool,
    /// The token response has neither `expires_in` nor `refresh_token`.
    bare_token: bool,
    /// Only this redirect URI path is allowed (others get 400), like a client registered for
    /// the emulator only.
    emulator_only: bool,
}

/// A small OAuth server: `/authorize` redirects straight back with a code (no login page),
/// `/token` answers a token after `token_delay`.
async fn test_idp(m: Misbehaviour) -> String {
    let authorize = move |Query(q): Query<std::collections::HashMap<String, String>>| async move {
        let redirect = q.get("redirect_uri").cloned().unwrap_or_default();
        if m.emulator_only && !redirect.starts_with("http://127.0.0.1") {
            return (
                axum::http::StatusCode::BAD_REQUEST,
                axum::response::Html("<html><head><title>Error</title></head><body><h1>Invalid redirect_uri</h1></body></html>"),
            )
                .into_response();
        }
        let mut u = url::Url::parse(&redirect).unwrap();
        u.query_pairs_mut().append_pair("code", "c0de");
        if !m.drop_state {
            u.query_pairs_mut()
                .append_pair("state", q.get("state").map(String::as_str).unwrap_or(""));
        }
        Redirect::to(u.as_str()).into_response()
    };
    let token = move || async move {
        tokio::time::sleep(m.token_delay).await;
        let body = if m.bare_token {
            serde_json::json!({"access_token": "at-bare-0123456789", "token_type": "Bearer"})
        } else {
            serde_json::json!({"access_token": "at-0123456789", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "rt-0123456789"})
        };
        let r: Response = Json(body).into_response();
        r
    };
    let app = Router::new()
        .route("/authorize", get(authorize))
        .route("/token", post(token));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn idp_config(idp: &str, with_default: bool) -> String {
    format!(
        "[account_linking]\ntype = \"AUTH_CODE\"\nauthorizationUrl = \"{idp}/authorize\"\naccessTokenUrl = \"{idp}/token\"\n\
         clientId = \"c\"\nclientSecret = \"s\"\naccessTokenScheme = \"HTTP_BASIC\"\nscopes = [\"profile\"]\n{}",
        if with_default {
            "defaultTokenExpirationInSeconds = 3600\n"
        } else {
            ""
        }
    )
}

fn findings(dev: &Device) -> Vec<(String, String, String)> {
    of_type(dev, "conformance")
        .iter()
        .map(|e| {
            (
                e["rule"].as_str().unwrap().to_owned(),
                e["level"].as_str().unwrap().to_owned(),
                e["evidence"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_flags_a_slow_token_endpoint() {
    let idp = test_idp(Misbehaviour {
        token_delay: Duration::from_millis(4_700),
        drop_state: false,
        bare_token: false,
        emulator_only: false,
    })
    .await;
    let (dev, code) = tokio::task::block_in_place(|| {
        Device::run_script(
            &idp_config(&idp, true),
            &format!("{OPEN}phone link\nwait link-failed 30\n"),
            &[],
        )
    });
    assert_eq!(code, 0, "scenes: {:?}", scenes(&dev));
    let f = findings(&dev);
    assert!(
        f.iter()
            .any(|(rule, level, ev)| rule == "token-endpoint-slow"
                && level == "reject"
                && ev.contains(&format!("POST {idp}/token"))
                && ev.contains("had not answered")),
        "{f:?}"
    );
    // Loopback http works here and is only a warning; the exit summary names the problem.
    assert!(
        f.iter()
            .any(|(rule, level, _)| rule == "https-urls" && level == "warn"),
        "{f:?}"
    );
    let summary = of_type(&dev, "conformance_summary");
    assert_eq!(summary.len(), 1);
    assert!(summary[0]["reject"].as_u64().unwrap() >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_flags_a_server_that_drops_state_and_refuses_alexas_redirect_uris() {
    let idp = test_idp(Misbehaviour {
        token_delay: Duration::ZERO,
        drop_state: true,
        bare_token: false,
        emulator_only: true,
    })
    .await;
    let (dev, code) = tokio::task::block_in_place(|| {
        Device::run_script(
            &idp_config(&idp, true),
            // The link cannot complete: the device keeps its code.
            &format!("{OPEN}phone link\nexpect Code expires in\n"),
            &[],
        )
    });
    assert_eq!(code, 0, "scenes: {:?}", scenes(&dev));
    let f = findings(&dev);
    assert!(
        f.iter()
            .any(|(r, l, _)| r == "state-not-echoed" && l == "reject"),
        "{f:?}"
    );
    // Alexa's three production redirect URIs are refused, the emulator's is accepted.
    let refused: Vec<&String> = f
        .iter()
        .filter(|(r, l, _)| r == "redirect-uri-refused" && l == "reject")
        .map(|(_, _, ev)| ev)
        .collect();
    assert_eq!(refused.len(), 3, "{f:?}");
    assert!(refused.iter().any(
        |ev| ev.contains("https://pitangui.amazon.com/api/skill/link/")
            && ev.contains("HTTP 400: Invalid redirect_uri")
    ));
    // A pass says what was verified (issue 15: not "PASS redirect-uri-refused").
    assert!(f.iter().any(|(r, l, ev)| r == "redirect-uri-accepted"
        && l == "pass"
        && ev.contains("redirect_uri=http://127.0.0.1")));
    assert!(
        of_type(&dev, "token_exchange").is_empty(),
        "no state, no exchange"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_flags_a_token_without_lifetime_or_refresh_token() {
    let idp = test_idp(Misbehaviour {
        token_delay: Duration::ZERO,
        drop_state: false,
        bare_token: true,
        emulator_only: false,
    })
    .await;
    let (dev, code) = tokio::task::block_in_place(|| {
        Device::run_script(
            &idp_config(&idp, false),
            &format!("{OPEN}phone link\nwait success 30\n"),
            &[],
        )
    });
    assert_eq!(code, 0, "scenes: {:?}", scenes(&dev));
    let f = findings(&dev);
    for rule in ["expires-in", "refresh-token"] {
        assert!(
            f.iter().any(|(r, l, _)| r == rule && l == "warn"),
            "{rule}: {f:?}"
        );
    }
    assert!(
        f.iter()
            .any(|(r, l, _)| r == "state-not-echoed" && l == "pass")
    );
    assert!(
        f.iter()
            .any(|(r, l, _)| r == "token-endpoint-slow" && l == "pass")
    );
}
