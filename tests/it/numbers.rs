//! Bad input gets a clear error and loses nothing (issue 16): every numeric flag, script argument
//! and config number has a range, checked at parse time (0, -1, NaN, a huge value and garbage
//! each exit 2 naming the flag, line or field and the range); TOML type errors name the field's
//! path; an empty or corrupt database is refused, untouched; cancelling an unknown code is 404.

use std::process::Command;

fn linkscreen(args: &[&str], dir: &std::path::Path) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// What each subcommand needs besides the flag under test (a kiosk would wait for visitors).
const RUN: &[&str] = &["run", "--headless", "--events", "e.jsonl"];
const KIOSK: &[&str] = &[
    "kiosk",
    "--headless",
    "--events",
    "e.jsonl",
    "--timeout",
    "5",
];
const SHOOT: &[&str] = &["shoot", "--out", "o"];

#[test]
fn every_numeric_flag_refuses_what_is_out_of_its_range() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = [
        "0",
        "-1",
        "NaN",
        "18446744073709551615",
        "1e308",
        "inf",
        "eighty",
    ];
    // (subcommand and its required arguments, flag, its range as the message says it, values
    // that are in range and so not tested here)
    let flags: &[(&[&str], &str, &str, &[&str])] = &[
        (RUN, "--timeout", "from 1 to 86400", &[]),
        (RUN, "--give-up", "from 1 to 3600", &[]),
        (RUN, "--scale", "from 0.25 to 4", &[]),
        (RUN, "--tolerance", "from 0 to 1", &["0"]),
        (KIOSK, "--idle-reset", "from 1 to 86400", &[]),
        (KIOSK, "--answer-secs", "from 1 to 3600", &[]),
        (SHOOT, "--tolerance", "from 0 to 1", &["0"]),
        (SHOOT, "--jobs", "from 1 to 64", &[]),
    ];
    for (cmd, flag, range, fine) in flags {
        for v in bad.iter().chain(&["2", "99999999"]) {
            // 2 and a large whole number are in range for some flags.
            let in_range = match *flag {
                "--scale" => *v == "2",
                "--timeout" | "--idle-reset" | "--give-up" | "--answer-secs" | "--jobs" => {
                    *v == "2"
                }
                _ => false,
            };
            if fine.contains(v) || in_range {
                continue;
            }
            let arg = format!("{flag}={v}");
            let mut args = cmd.to_vec();
            args.push(&arg);
            let (code, err) = linkscreen(&args, tmp.path());
            assert_eq!(code, Some(2), "{args:?}: {err}");
            assert!(err.contains(flag) && err.contains(range), "{args:?}: {err}");
            assert!(!err.contains("panicked"), "{args:?}: {err}");
        }
    }
}

#[test]
fn a_scripts_wait_and_the_configs_interval_have_ranges() {
    let tmp = tempfile::tempdir().unwrap();
    for v in ["0", "-1", "NaN", "18446744073709551615", "3601", "soon"] {
        std::fs::write(tmp.path().join("s.script"), format!("wait home {v}\n")).unwrap();
        let (code, err) = linkscreen(
            &["run", "--headless", "--script", "s.script", "--db", "d.db"],
            tmp.path(),
        );
        assert_eq!(code, Some(2), "{v}: {err}");
        assert!(
            err.contains("line 1") && err.contains("from 1 to 3600"),
            "{v}: {err}"
        );
    }
    for v in ["0", "61"] {
        std::fs::write(
            tmp.path().join("ls.toml"),
            format!("[linking]\ninterval = {v}\n"),
        )
        .unwrap();
        let (code, err) = linkscreen(&["serve", "--config", "ls.toml"], tmp.path());
        assert_eq!(code, Some(2), "{v}: {err}");
        assert!(
            err.contains("ls.toml: linking.interval: must be 1 to 60 seconds"),
            "{v}: {err}"
        );
    }
}

#[test]
fn a_toml_type_error_names_the_fields_path() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("ls.toml"), "[backend]\nport = \"eighty\"\n").unwrap();
    let (code, err) = linkscreen(&["serve", "--config", "ls.toml"], tmp.path());
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(
            "ls.toml: backend.port: expected an integer from 0 to 65535, found \"eighty\""
        ),
        "{err}"
    );
}

#[test]
fn an_empty_or_corrupt_database_is_refused_and_left_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 2] = [
        ("empty.db", b"", "is an empty file (0 bytes)"),
        (
            "corrupt.db",
            &b"not a database, just a file someone named .db\n".repeat(200),
            "cannot be used",
        ),
    ];
    for (name, bytes, why) in cases {
        let path = tmp.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        for args in [
            vec!["run", "--headless", "--events", "e.jsonl", "--db", name],
            vec!["serve", "--db", name, "--port", "0"],
            vec!["unlink", "--db", name],
        ] {
            let (code, err) = linkscreen(&args, tmp.path());
            assert_eq!(code, Some(2), "{args:?}: {err}");
            assert!(
                err.contains(name) && err.contains(why) && err.contains("Move it away"),
                "{args:?}: {err}"
            );
            assert_eq!(
                std::fs::read(&path).unwrap(),
                bytes,
                "{args:?} left it as it was"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_an_unknown_code_is_404_and_a_real_one_denies_it() {
    let env = crate::util::Env::start().await;
    let d = env.device_code().await;
    // The phone that scanned the code.
    let phone = crate::util::Phone::new();
    let verify = phone
        .get(d.verification_uri_complete.as_deref().unwrap())
        .await;
    let unknown = phone
        .submit(&verify, "/device/cancel", &[("user_code", "BCDF-GHJK")])
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    let real = phone
        .submit(&verify, "/device/cancel", &[("user_code", &d.user_code)])
        .await;
    assert_eq!(real.status, 200, "{}", real.body);
    env.pass_interval();
    let (status, body) = env.poll(&d.device_code).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("access_denied"))
    );
}

#[test]
fn an_oversized_account_linking_file_is_refused_naming_it() {
    // A 2 MB clientId: refused before it is parsed, naming the file and the field that points
    // at it; nothing starts.
    let big = "x".repeat(2 * 1024 * 1024);
    let (code, err) =
        serve_with_account_linking(&format!("\"type\": \"AUTH_CODE\", \"clientId\": \"{big}\""));
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("account_linking.file")
            && err.contains("al.json")
            && err.contains("at most 1 MiB"),
        "{err}"
    );
}

/// `serve` with an account-linking file holding `{"accountLinkingRequest": {<fields>}}`.
fn serve_with_account_linking(fields: &str) -> (Option<i32>, String) {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("al.json"),
        format!("{{\"accountLinkingRequest\": {{{fields}}}}}"),
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("ls.toml"),
        "[account_linking]\nfile = \"al.json\"\n",
    )
    .unwrap();
    linkscreen(&["serve", "--config", "ls.toml"], tmp.path())
}

#[test]
fn fields_over_their_limits_are_refused_naming_the_field() {
    // Under the file cap, over a field's bound: exit 2 naming the file, the field and the limit.
    let ok = r#""type": "AUTH_CODE", "authorizationUrl": "https://idp.example/authorize", "accessTokenUrl": "https://idp.example/token", "clientSecret": "s", "accessTokenScheme": "HTTP_BASIC""#;
    let cases = [
        (
            format!(r#"{ok}, "clientId": "{}""#, "c".repeat(300)),
            "accountLinkingRequest.clientId",
            "at most 256",
        ),
        (
            format!(
                r#"{ok}, "clientId": "c", "redirectUrls": ["https://a.example/{}"]"#,
                "p".repeat(3000)
            ),
            "accountLinkingRequest.redirectUrls[0]",
            "at most 2048",
        ),
        (
            format!(
                r#"{ok}, "clientId": "c", "domains": [{}]"#,
                (0..16)
                    .map(|i| format!("\"d{i}.example\""))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            "accountLinkingRequest.domains",
            "at most 15",
        ),
    ];
    for (body, field, limit) in cases {
        let (code, err) = serve_with_account_linking(&body);
        assert_eq!(code, Some(2), "{err}");
        assert!(
            err.contains("al.json") && err.contains(field) && err.contains(limit),
            "{field}: {err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scopes_are_bounded_and_expired_rows_are_purged() {
    use linkscreen::backend::DEVICE_CLIENT_ID;
    let env = crate::util::Env::start().await;
    let ask = |scope: String| {
        env.http
            .post(env.meta.device_authorization_endpoint.as_ref().unwrap())
            .form(&[("client_id", DEVICE_CLIENT_ID.to_owned()), ("scope", scope)])
            .send()
    };
    let sixteen = (0..16)
        .map(|i| format!("s{i}"))
        .collect::<Vec<_>>()
        .join(" ");
    for scope in [sixteen, "a".repeat(257), "b ".repeat(30_000)] {
        let r = ask(scope).await.unwrap();
        let status = r.status().as_u16();
        let body: serde_json::Value = r.json().await.unwrap_or_default();
        assert!(
            status == 413 || (status == 400 && body["error"] == "invalid_scope"),
            "{status} {body}"
        );
    }
    assert_eq!(ask("profile rides".into()).await.unwrap().status(), 200);
    // Codes that expired long ago are purged; a fresh one is kept.
    let count = || -> i64 {
        env.shared()
            .store
            .conn()
            .query_row("SELECT COUNT(*) FROM device_codes", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(count(), 1);
    env.clock.advance(std::time::Duration::from_millis(
        linkscreen::backend::store::PURGE_GRACE_MS as u64 + 700_000,
    ));
    let d = env.device_code().await;
    let gone = env
        .shared()
        .store
        .purge_expired(env.shared().now_ms())
        .unwrap();
    assert!(gone >= 1, "{gone}");
    assert_eq!(count(), 1, "only the new code is left");
    let (status, _) = env.poll(&d.device_code).await;
    assert_eq!(
        status, 400,
        "the new code still polls (authorization_pending)"
    );
}

/// Point 8: the database failing while running (a table gone under it) is a storage error on
/// the wire and in the device's reason — never "can't reach the server" — and the server keeps
/// answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storage_error_while_running_is_reported_as_one() {
    use linkscreen::clients::{PeerError, linking::LinkingClient};
    let env = crate::util::Env::start().await;
    let client = LinkingClient::discover(
        reqwest::Client::new(),
        &env.base(),
        linkscreen::backend::DEVICE_CLIENT_ID,
        None,
        Some(env.shared().device_key.clone()),
    )
    .await
    .unwrap();
    let d = client.device_authorization("").await.unwrap();
    // Someone else's connection breaks the database under the running server.
    let other = rusqlite::Connection::open(&env.shared().config.backend.db).unwrap();
    other
        .execute_batch("DROP TABLE links; DROP TABLE device_codes;")
        .unwrap();
    for (what, r) in [
        ("stored link", client.fetch_link("").await.map(|_| ())),
        ("poll", client.poll(&d.device_code, 0).await.map(|_| ())),
    ] {
        match r {
            Err(PeerError::Unreachable(why)) => {
                assert!(why.contains("HTTP 500"), "{what}: {why}");
                assert!(why.contains("storage error"), "{what}: {why}");
            }
            other => panic!("{what}: {other:?}"),
        }
    }
    // Still serving what does not need those tables.
    let r = env
        .http
        .get(format!("{}/device", env.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
