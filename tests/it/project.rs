//! `--skill-dir`: ASK CLI projects written for the tests (tests/fixtures/projects), their Lambda
//! handlers run locally by Node.js and Python through `linkscreen run --headless` as a real
//! process.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::journey::Device;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/projects")
        .join(name)
}

/// Copies a fixture project into `to` (so a test can change it).
pub fn copy_project(name: &str, to: &Path) -> PathBuf {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            let target = to.join(e.file_name());
            if e.file_type().unwrap().is_dir() {
                copy(&e.path(), &target);
            } else {
                std::fs::copy(e.path(), target).unwrap();
            }
        }
    }
    let dest = to.join(name);
    copy(&fixture(name), &dest);
    dest
}

/// Runs a script on a device for `project` with `toml` as config.
fn run(project: &Path, toml: &str, script: &str, extra: &[&str]) -> (Device, i32) {
    let dir = project.display().to_string();
    let mut args = vec!["--skill-dir", dir.as_str()];
    args.extend_from_slice(extra);
    Device::run_script(toml, script, &args)
}

fn of_type(dev: &Device, t: &str) -> Vec<serde_json::Value> {
    dev.events()
        .into_iter()
        .filter(|e| e["type"] == t)
        .collect()
}

/// The fixture projects have no account linking of their own: these tests link them with the
/// embedded sample server, an explicit choice (`sample = true`).
const NOT_REQUIRED: &str = "[account_linking]\nsample = true\nrequired = false\n";

#[test]
fn node_project_qr_journey_in_one_warm_process() {
    let (dev, code) = run(
        &fixture("city-rides-node"),
        NOT_REQUIRED,
        "say Alexa, open city rides\nwait link-prompt 30\nexpect To use City Rides, you need to link your account.\n\
         phone link\nwait success 30\nwait skill-response 30\nexpect Welcome back to City Rides! Where would you like to go?\n",
        &[],
    );
    assert_eq!(code, 0);
    let requests = of_type(&dev, "skill_request");
    assert_eq!(requests.len(), 2, "unlinked, then linked");
    assert!(requests[0]["url"].as_str().unwrap().starts_with("lambda:"));
    assert!(requests[1]["body"]["context"]["System"]["user"]["accessToken"].is_string());
    assert_eq!(
        requests[0]["body"]["context"]["System"]["application"]["applicationId"],
        "amzn1.ask.skill.11111111-2222-3333-4444-555555555555",
        "the skill id from .ask/ask-states.json"
    );
    let started = of_type(&dev, "skill_process")
        .into_iter()
        .filter(|e| e.get("started").is_some())
        .count();
    assert_eq!(started, 1, "one long-lived process, not one per request");
    let logs: Vec<String> = of_type(&dev, "skill_log")
        .iter()
        .map(|e| e["line"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        logs.contains(&"request LaunchRequest #2 in city-rides".to_owned()),
        "the handler's console.log, its module state kept between requests, the function name from the ARN: {logs:?}"
    );
}

#[test]
fn german_utterance_becomes_an_intent_request_with_its_slot() {
    let (dev, code) = run(
        &fixture("city-rides-node"),
        NOT_REQUIRED,
        "say Alexa, frag Stadtfahrten bring mich nach Berlin\nwait skill-response 30\nexpect Booking a ride to berlin.\nexpect Stadtfahrten\n",
        &["--locale", "de-DE"],
    );
    assert_eq!(code, 0);
    let req = &of_type(&dev, "skill_request")[0]["body"]["request"];
    assert_eq!(req["type"], "IntentRequest");
    assert_eq!(req["locale"], "de-DE");
    assert_eq!(req["intent"]["name"], "BookRideIntent");
    assert_eq!(req["intent"]["slots"]["destination"]["value"], "berlin");
    let stderr: Vec<_> = of_type(&dev, "skill_log")
        .into_iter()
        .filter(|e| e["stream"] == "stderr")
        .collect();
    assert_eq!(stderr[0]["line"], "booking to berlin");
}

#[test]
fn python_project_qr_journey() {
    let (dev, code) = run(
        &fixture("rides-python"),
        NOT_REQUIRED,
        "say Alexa, open pier taxis\nwait link-prompt 30\nphone link\nwait success 30\nwait skill-response 30\n\
         expect You're linked with Pier Taxis. Where to?\n",
        &["--locale", "en-GB"],
    );
    assert_eq!(code, 0);
    let logs: Vec<String> = of_type(&dev, "skill_log")
        .iter()
        .map(|e| e["line"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        logs.iter()
            .any(|l| l.starts_with("request LaunchRequest #2, ")),
        "{logs:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_linking_found_in_the_project_decides_where_sign_in_goes() {
    use axum::{Router, response::Html, routing::get};
    let app = Router::new().route(
        "/authorize",
        get(|| async { Html("<title>Pier ID</title><h1>Sign in to Pier ID</h1><form method=post action=/login><label for=u>Email</label><input id=u name=email type=email><label for=p>Password</label><input id=p name=pw type=password><button>Sign in</button></form>") }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let idp = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let tmp = tempfile::tempdir().unwrap();
    let project = copy_project("rides-python", tmp.path());
    std::fs::write(
        project.join("skill-package/accountLinking.json"),
        format!(
            r#"{{"accountLinkingRequest": {{"type": "AUTH_CODE", "authorizationUrl": "{idp}/authorize", "accessTokenUrl": "{idp}/token", "clientId": "pier-alexa", "clientSecret": "s3cret", "accessTokenScheme": "HTTP_BASIC", "scopes": ["rides"]}}}}"#
        ),
    )
    .unwrap();
    let (dev, code) = tokio::task::block_in_place(|| {
        run(
            &project,
            NOT_REQUIRED,
            "say Alexa, open pier taxis\nwait link-prompt 30\ntap Sign in using this device\nwait login 30\nexpect Sign in to Pier ID\n",
            &["--locale", "en-GB"],
        )
    });
    assert_eq!(code, 0);
    let first = &of_type(&dev, "browser_request")[0];
    assert_eq!(
        first["url"].as_str().unwrap(),
        format!("{idp}/authorize?redacted"),
        "the device went to the project's authorizationUrl"
    );
}

#[test]
fn a_handler_that_throws_shows_skill_error_with_the_reason() {
    let (_dev, code) = run(
        &fixture("city-rides-node"),
        NOT_REQUIRED,
        "say Alexa, ask city rides to crash\nwait skill-error 30\nexpect the handler threw: Error: boom: the database is down\n",
        &[],
    );
    assert_eq!(code, 0);
}

#[test]
fn a_handler_that_hangs_times_out_and_the_next_request_gets_a_fresh_process() {
    let (dev, code) = run(
        &fixture("city-rides-node"),
        "[skill]\ntimeout = 2\n[account_linking]\nrequired = false\n",
        "say Alexa, ask city rides to wait forever\nwait skill-error 30\nexpect the handler did not answer within 2 s\n\
         say Alexa, ask city rides to book a ride to Paris\nwait skill-response 30\nexpect Booking a ride to paris.\n",
        &[],
    );
    assert_eq!(code, 0);
    let procs = of_type(&dev, "skill_process");
    assert_eq!(procs.iter().filter(|e| e["killed"] == "timeout").count(), 1);
    assert_eq!(
        procs.iter().filter(|e| e.get("started").is_some()).count(),
        2
    );
}

fn run_bad(project: &Path) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .args(["run", "--headless", "--skill-dir"])
        .arg(project)
        .arg("--db")
        .arg(dir.path().join("d.db"))
        .arg("--frames")
        .arg(dir.path().join("f"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn project_mistakes_exit_2_naming_file_and_json_path() {
    let tmp = tempfile::tempdir().unwrap();
    let p = copy_project("city-rides-node", tmp.path());
    let skill_json = p.join("skill-package/skill.json");
    let text = std::fs::read_to_string(&skill_json).unwrap();
    std::fs::write(
        &skill_json,
        text.replace("\"name\": \"Stadtfahrten\"", "\"title\": \"Stadtfahrten\""),
    )
    .unwrap();
    let (code, err) = run_bad(&p);
    assert_eq!(code, 2);
    assert!(
        err.contains("skill-package/skill.json: manifest.publishingInformation.locales.de-DE.name: missing field `name`"),
        "{err}"
    );

    let p = copy_project("city-rides-node", &tmp.path().join("b"));
    std::fs::remove_file(p.join("skill-package/interactionModels/custom/de-DE.json")).unwrap();
    let (code, err) = run_bad(&p);
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "manifest.publishingInformation.locales.de-DE: no interaction model for this locale"
        ),
        "{err}"
    );

    let p = copy_project("city-rides-node", &tmp.path().join("c"));
    let res = p.join("ask-resources.json");
    std::fs::write(
        &res,
        std::fs::read_to_string(&res)
            .unwrap()
            .replace("index.handler", "index.notThere"),
    )
    .unwrap();
    let (code, err) = run_bad(&p);
    assert_eq!(code, 2);
    assert!(
        err.contains("index.js exports notThere as undefined, not a function"),
        "{err}"
    );

    let p = copy_project("city-rides-node", &tmp.path().join("d"));
    let res = p.join("ask-resources.json");
    std::fs::write(
        &res,
        std::fs::read_to_string(&res)
            .unwrap()
            .replace("index.handler", "app.handler"),
    )
    .unwrap();
    let (code, err) = run_bad(&p);
    assert_eq!(code, 2);
    assert!(
        err.contains("profiles.default.skillInfrastructure.userConfig.handler: the handler file"),
        "{err}"
    );
    assert!(err.contains("lambda/app.js does not exist"), "{err}");

    let p = copy_project("city-rides-node", &tmp.path().join("e"));
    std::fs::write(
        p.join("lambda/package.json"),
        r#"{"name": "x", "dependencies": {"ask-sdk-core": "^2.14.0"}}"#,
    )
    .unwrap();
    let (code, err) = run_bad(&p);
    assert_eq!(code, 2);
    assert!(
        err.contains("dependencies: not installed: run `npm install` in"),
        "{err}"
    );
}
