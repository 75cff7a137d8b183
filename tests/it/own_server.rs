//! The skill developer's path (issue 32): their own skill (an ASK CLI project) and their own
//! authorization server, which has a sign-in form of its own and knows nothing of the sample's
//! demo user. The real binary runs from another working directory; the server is one we did
//! not shape after ours (other field names, its own error page, HTTP Basic at the token
//! endpoint, an exact redirect URI check).

use std::collections::HashMap;
use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::journey::Device;
use crate::project::copy_project;

const USER: &str = "alice@pier.example";
const PASSWORD: &str = "correct horse battery";

/// Codes the server issued: code → the redirect URI it was issued for.
type Codes = Arc<Mutex<HashMap<String, String>>>;

/// "Pier ID": a sign-in page (`email`, `pw`), a wrong password answered on the same page, an
/// authorization code for the exact redirect URI, and a token endpoint with HTTP Basic.
pub async fn pier_id() -> String {
    async fn authorize(Query(q): Query<HashMap<String, String>>) -> Response {
        let hidden = |k: &str| {
            format!(
                r#"<input type="hidden" name="{k}" value="{}">"#,
                html_escape(q.get(k).map(String::as_str).unwrap_or(""))
            )
        };
        if q.get("client_id").map(String::as_str) != Some("pier-alexa") {
            return (StatusCode::BAD_REQUEST, Html("<h1>Unknown client</h1>")).into_response();
        }
        Html(format!(
            "<!doctype html><title>Pier ID</title><h1>Sign in to Pier ID</h1>\
             <form method=post action=/login>{}{}\
             <label for=e>Email</label><input id=e name=email type=email>\
             <label for=p>Password</label><input id=p name=pw type=password>\
             <button>Sign in</button></form>",
            hidden("redirect_uri"),
            hidden("state")
        ))
        .into_response()
    }
    async fn login(State(codes): State<Codes>, Form(f): Form<HashMap<String, String>>) -> Response {
        let get = |k: &str| f.get(k).cloned().unwrap_or_default();
        if get("email") != USER || get("pw") != PASSWORD {
            return Html(
                "<!doctype html><title>Pier ID</title><h1>Sign in to Pier ID</h1>\
                 <p>Wrong email or password.</p>",
            )
            .into_response();
        }
        let code = format!("pc-{}", codes.lock().unwrap().len());
        codes
            .lock()
            .unwrap()
            .insert(code.clone(), get("redirect_uri"));
        let mut u = url::Url::parse(&get("redirect_uri")).unwrap();
        u.query_pairs_mut()
            .append_pair("code", &code)
            .append_pair("state", &get("state"));
        Redirect::to(u.as_str()).into_response()
    }
    async fn token(
        State(codes): State<Codes>,
        headers: HeaderMap,
        Form(f): Form<HashMap<String, String>>,
    ) -> Response {
        use base64::Engine as _;
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("pier-alexa:s3cret")
        );
        if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(basic.as_str()) {
            return (
                StatusCode::UNAUTHORIZED,
                Json(serde_json::json!({"error": "invalid_client"})),
            )
                .into_response();
        }
        let issued = f.get("code").and_then(|c| codes.lock().unwrap().remove(c));
        match issued {
            Some(uri) if f.get("redirect_uri") == Some(&uri) => Json(serde_json::json!({
                "access_token": "pier-at-7f3a9c", "token_type": "Bearer", "expires_in": 3600
            }))
            .into_response(),
            _ => (
                StatusCode::BAD_REQUEST,
                Json(serde_json::json!({"error": "invalid_grant"})),
            )
                .into_response(),
        }
    }
    let app = Router::new()
        .route("/authorize", get(authorize))
        .route("/login", post(login))
        .route("/token", post(token))
        .with_state(Codes::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

/// The rides-python project, linked with Pier ID.
fn project_with(idp: &str, dir: &std::path::Path) -> std::path::PathBuf {
    let project = copy_project("rides-python", dir);
    std::fs::write(
        project.join("skill-package/accountLinking.json"),
        format!(
            r#"{{"accountLinkingRequest": {{"type": "AUTH_CODE", "authorizationUrl": "{idp}/authorize", "accessTokenUrl": "{idp}/token", "clientId": "pier-alexa", "clientSecret": "s3cret", "accessTokenScheme": "HTTP_BASIC", "scopes": ["rides"]}}}}"#
        ),
    )
    .unwrap();
    project
}

const OPEN: &str = "say Alexa, open pier taxis\nwait link-prompt 30\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_link_signs_in_to_your_own_server_with_your_account() {
    let idp = pier_id().await;
    let tmp = tempfile::tempdir().unwrap();
    let project = project_with(&idp, tmp.path());
    let p = project.display().to_string();
    let args = ["--skill-dir", p.as_str(), "--locale", "en-GB"];

    // Without an account the phone has none to type: the step says how to give one.
    let (dev, code) = tokio::task::block_in_place(|| {
        Device::run_script("", &format!("{OPEN}phone link\n"), &args)
    });
    assert_eq!(code, 5);
    let err = dev.stderr();
    assert!(
        err.contains("write `phone link USER PASSWORD`") && err.contains("Sign in to Pier ID"),
        "{err}"
    );
    assert!(!err.contains("annie@example.com"), "{err}");

    // A wrong password stops on the server's own error page, saying so.
    let (dev, code) = tokio::task::block_in_place(|| {
        Device::run_script("", &format!("{OPEN}phone link {USER} nope\n"), &args)
    });
    assert_eq!(code, 5);
    assert!(
        dev.stderr().contains("Wrong email or password"),
        "{}",
        dev.stderr()
    );

    // The account, its password quoted, from the environment: the link completes and the
    // skill answers with Pier ID's token.
    let (dev, code) = tokio::task::block_in_place(|| {
        Device::run_script_env(
            "",
            &format!("{OPEN}phone link {USER} $PIER_PASSWORD\nwait skill-response 30\n"),
            &args,
            &[("PIER_PASSWORD", PASSWORD)],
        )
    });
    assert_eq!(code, 0, "{}", dev.stderr());
    let events = dev.events();
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "token_exchange" && e["result"] == "ok"),
        "{events:#?}"
    );
    // The password is in no event (the step is logged redacted).
    let raw = std::fs::read_to_string(dev.events_path()).unwrap();
    assert!(!raw.contains(PASSWORD), "the password leaked into --events");
    assert!(raw.contains("[password redacted]"));

    // `unlink` on that database says what it deleted and that Pier ID's token could not be
    // revoked from here.
    let out = Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .current_dir(tmp.path())
        .args(["unlink", "--db"])
        .arg(dev.dir.path().join("ls.db"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("1 link(s) deleted"), "{said}");
    assert!(said.contains("1 not revoked"), "{said}");
    assert!(
        !said.contains("revoked (tokens this machine issued)"),
        "{said}"
    );
}

/// Runs `script` on the city-rides-node project (its handler throws, hangs or exits on
/// request); the step must fail (exit 5): what the device said on stderr.
fn city_rides_fails(script: &str) -> String {
    let (dev, code) = Device::run_script(
        "[account_linking]\nsample = true\nrequired = false\n",
        script,
        &[
            "--skill-dir",
            &crate::project::fixture("city-rides-node")
                .display()
                .to_string(),
        ],
    );
    assert_eq!(code, 5, "{}", dev.stderr());
    dev.stderr()
}

#[test]
fn a_wait_on_a_dead_end_fails_at_once_with_the_reason() {
    // The handler throws: the screen shows skill-error and nothing a script waits for can
    // follow without another step. The wait allows 20 minutes; the step fails with the reason.
    let err = city_rides_fails("say Alexa, ask city rides to crash\nwait skill-response 1200\n");
    assert!(
        err.contains("line 2: `wait skill-response 1200`: the device stopped on skill-error")
            && err.contains("boom: the database is down"),
        "{err}"
    );
    assert!(!err.contains("timed out"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn your_own_skill_is_not_by_ride_hailer_inc() {
    use linkscreen::config::Config;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = crate::util::config_in(dir.path());
    cfg.skill.name = "Pocket Garden".into();
    cfg.skill.endpoint = "http://127.0.0.1:9/skill".into();
    let env = crate::util::Env::start_with(dir, cfg).await;
    let code = env.device_code().await;
    let phone = crate::util::Phone::new();
    let page = phone
        .go(
            phone.http.get(format!(
                "{}/device?user_code={}",
                env.base(),
                code.user_code
            )),
            None,
        )
        .await;
    assert!(page.body.contains("Pocket Garden"), "{}", page.body);
    assert!(!page.body.contains("Ride Hailer"), "{}", page.body);
    // The sample still says whose it is, and a configured vendor is shown.
    let mut sample = Config::default().skill;
    assert_eq!(sample.vendor(), Some("Ride Hailer Inc."));
    sample.vendor_name = Some("Garden Co.".into());
    assert_eq!(sample.vendor(), Some("Garden Co."));
}

#[test]
fn serve_with_your_own_server_offers_no_demo_user() {
    use std::io::BufRead;
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("own.toml"),
        "[account_linking]\ntype = \"AUTH_CODE\"\nauthorizationUrl = \"https://id.pier.example/authorize\"\n\
         accessTokenUrl = \"https://id.pier.example/token\"\nclientId = \"pier-alexa\"\nclientSecret = \"s3cret\"\n\
         accessTokenScheme = \"HTTP_BASIC\"\n",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .current_dir(tmp.path())
        .args([
            "serve", "--config", "own.toml", "--port", "0", "--db", "s.db",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut said = vec![];
    for line in std::io::BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let done = line.contains("redirect URI");
        said.push(line);
        if done {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let said = said.join("\n");
    assert!(
        said.contains(
            "sign-in       https://id.pier.example/authorize  (your authorization server)"
        ),
        "{said}"
    );
    assert!(
        !said.contains("annie@example.com") && !said.contains("demo user"),
        "{said}"
    );
}

#[test]
fn a_handler_that_exits_is_reported_with_its_exit_code() {
    let err =
        city_rides_fails("say Alexa, ask city rides to quit the process\nwait skill-response 60\n");
    assert!(
        err.contains("it exited with code 3: fatal: out of connections"),
        "{err}"
    );
}

#[test]
fn a_wait_past_the_link_prompt_says_the_prompt_waits_for_a_phone() {
    // The skill needs a link: the device stays on the prompt, and the skill is never asked.
    let (dev, code) = Device::run_script(
        "",
        "say Alexa, open Ride Hailer\nwait skill-response 2\n",
        &[],
    );
    assert_eq!(code, 5);
    let err = dev.stderr();
    assert!(
        err.contains("timed out after 2 s")
            && err.contains("the device waits on the link prompt for a phone to link")
            && err.contains("add a `phone link` step"),
        "{err}"
    );
}
