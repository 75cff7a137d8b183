//! Issue 16, attacked over loopback HTTP: the server decides whose link it is.

use linkscreen::backend::DEVICE_CLIENT_ID;

use crate::util::{Env, config_in};

/// POSTs a device authorization request binding `person`, with the device key or without.
async fn ask_for_person(env: &Env, person: &str, key: bool) -> (u16, serde_json::Value) {
    let mut req = env
        .http
        .post(env.meta.device_authorization_endpoint.as_ref().unwrap())
        .form(&[("client_id", DEVICE_CLIENT_ID), ("person_id", person)]);
    if key {
        req = req.bearer_auth(&env.shared().device_key);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_cannot_bind_a_code_to_a_person() {
    let annie = linkscreen::config::default_household()[0].person_id();
    // Personal linking off (the default): nobody gets a person-bound code, not even the device.
    let mut env = Env::start().await;
    let (_, e) = ask_for_person(&env, &annie, false).await;
    assert_eq!(e["error"], "invalid_client", "{e}");
    let (s, e) = ask_for_person(&env, &annie, true).await;
    assert_eq!(
        (s, e["error"].as_str()),
        (400, Some("invalid_request")),
        "{e}"
    );
    env.stop().await;

    // Personal linking on: only the device, and only for a profile of the household.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config_in(dir.path());
    cfg.account_linking.personal_linking = true;
    let env = Env::start_with(dir, cfg).await;
    let (_, e) = ask_for_person(&env, &annie, false).await;
    assert_eq!(e["error"], "invalid_client", "{e}");
    let (s, e) = ask_for_person(&env, "amzn1.ask.person.MALLORY", true).await;
    assert_eq!(
        (s, e["error"].as_str()),
        (400, Some("invalid_request")),
        "{e}"
    );
    let (s, d) = ask_for_person(&env, &annie, true).await;
    assert_eq!(s, 200, "{d}");
    assert!(d["user_code"].is_string());
    // Without a person, anyone (RFC 8628 public client) still gets an account-level code.
    assert_eq!(env.device_code().await.user_code.len(), 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_cannot_poison_the_conformance_report() {
    // A LAN peer, another process or a cross-site image requests Alexa's redirect URL with a
    // forged state, or none: answered 400 and not reported against the developer's server.
    let env = Env::start().await;
    let redirect = env.shared().redirect_uri();
    for query in [
        "?state=forged&code=x",
        "?code=x",
        "",
        "?state=forged&error=access_denied",
    ] {
        let r = env
            .http
            .get(format!("{redirect}{query}"))
            .header("Origin", "https://evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{query}");
    }
    let findings = env.shared().report.findings();
    assert!(
        !findings.iter().any(|f| f.rule == "state-not-echoed"),
        "{findings:?}"
    );
    // The same request from the browser linkscreen sent to the authorization endpoint (it holds
    // the request's cookie) does speak for the server: a missing state is the server's doing.
    let phone = crate::util::Phone::new();
    let d = env.device_code().await;
    let verify = phone
        .get(d.verification_uri_complete.as_deref().unwrap())
        .await;
    let page = phone
        .post(
            &format!("{}/device/link", env.base()),
            &[
                ("user_code", d.user_code.as_str()),
                ("csrf", &verify.csrf()),
            ],
            Some("/ridehailer/oauth/authorize"),
        )
        .await;
    assert!(
        page.url.contains("/ridehailer/oauth/authorize"),
        "{}",
        page.url
    );
    let r = phone
        .http
        .get(format!("{redirect}?code=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let findings = env.shared().report.findings();
    assert!(
        findings.iter().any(|f| f.rule == "state-not-echoed"
            && f.level == linkscreen::backend::conformance::Level::Reject),
        "{findings:?}"
    );
}

/// Runs a script with every log at debug level; returns (events text, stderr, db path).
fn journey_with_logs(
    script: &str,
    extra: &[&str],
    config: &str,
) -> (String, String, std::path::PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.script"), script).unwrap();
    std::fs::write(dir.path().join("ls.toml"), config).unwrap();
    let mut args = vec![
        "run",
        "--headless",
        "--config",
        "ls.toml",
        "--script",
        "s.script",
        "--events",
        "ev.jsonl",
        "--db",
        "ls.db",
        "--frames",
        "frames",
    ];
    args.extend_from_slice(extra);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .current_dir(dir.path())
        .args(&args)
        .env("LINKSCREEN_LOG", "debug")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{err}");
    let events = std::fs::read_to_string(dir.path().join("ev.jsonl")).unwrap();
    let db = dir.path().join("ls.db");
    (events, err, db, dir)
}

/// The secrets a run left in its database, opened with its key file: link tokens, the app's
/// Amazon token, one-time voice codes, the device key and client secrets.
fn secrets_of(db: &std::path::Path) -> Vec<String> {
    let store = linkscreen::backend::store::Store::open(db).unwrap();
    let v = store.vault();
    let mut out = vec![];
    let c = store.conn();
    for (sql, what) in [
        ("SELECT access_token FROM links", "links.access_token"),
        (
            "SELECT refresh_token FROM links WHERE refresh_token IS NOT NULL",
            "links.refresh_token",
        ),
        (
            "SELECT amazon_token FROM rh_app_links",
            "rh_app_links.amazon_token",
        ),
        ("SELECT code FROM voice_codes", "voice_codes.code"),
    ] {
        let mut st = c.prepare(sql).unwrap();
        let rows: Vec<String> = st
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        out.extend(rows.iter().map(|x| v.open(what, x).unwrap()));
    }
    for key in [
        "sample_client_secret",
        "device_key",
        "lwa_app_client_secret",
    ] {
        let sealed: Option<String> = c
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .ok();
        out.extend(sealed.map(|x| v.open(&format!("meta.{key}"), &x).unwrap()));
    }
    out
}

/// Point 5: each journey — QR, device sign-in, personal, voice-forward, app-to-app, refresh —
/// run at debug level; its events, stderr and frame names hold none of its tokens, secrets,
/// codes, states or the password.
#[test]
fn no_secret_or_code_reaches_events_logs_or_frame_names() {
    let qr =
        "say Alexa, open Ride Hailer\nwait link-prompt 30\nphone link\nwait skill-response 30\n";
    let signin = "say Alexa, open Ride Hailer\nwait link-prompt 30\ntap Sign in using this device\nwait login 30\n\
        fill Email annie@example.com\nfill Password ride-hailer\nsubmit\nwait terms 30\nsubmit Accept\n\
        wait consent 30\nsubmit Allow\nwait skill-response 30\n";
    let personal = "say Alexa, open Ride Hailer\nwait link-prompt 30\ntap Sign in using this device\nwait profile-picker 10\n\
        pick Annie\nwait login 30\nfill Email annie@example.com\nfill Password ride-hailer\nsubmit\nwait terms 30\n\
        submit Accept\nwait consent 30\nsubmit Allow\nwait success 30\nwait skill-response 30\n";
    let journeys =
        |name: &str| std::fs::read_to_string(format!("tests/journeys/{name}.script")).unwrap();
    let personal_cfg = "[account_linking]\npersonal_linking = true\nrequired = false\n";
    let cases: Vec<(&str, String, Vec<&str>, &str, bool)> = vec![
        ("qr", qr.into(), vec![], "", false),
        ("device sign-in", signin.into(), vec![], "", false),
        (
            "personal",
            personal.into(),
            vec!["--speaker", "Annie"],
            personal_cfg,
            false,
        ),
        (
            "voice-forward",
            journeys("voice-forward"),
            vec!["--voice-forward", "--speaker", "Annie"],
            "",
            true,
        ),
        ("app-to-app", journeys("app-to-app"), vec![], "", false),
        (
            "refresh",
            qr.into(),
            vec!["--fault", "short-expiry"],
            "",
            false,
        ),
    ];
    for (name, script, extra, config, voice) in cases {
        let (events, err, db, dir) = journey_with_logs(&script, &extra, config);
        if name == "refresh" {
            assert!(
                events.contains(r#""grant_type":"refresh_token""#),
                "{name}: a refresh happened"
            );
        }
        let mut secrets = secrets_of(&db);
        assert!(
            secrets.len() >= 4,
            "{name}: the journey linked ({} secrets)",
            secrets.len()
        );
        if voice {
            assert!(
                secrets
                    .iter()
                    .any(|s| s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()))
            );
        }
        secrets.push("ride-hailer".into()); // the password typed on the device
        let frames: String = std::fs::read_dir(dir.path().join("frames"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        for (what, text) in [
            ("events", &events),
            ("stderr", &err),
            ("frame names", &frames),
        ] {
            for s in &secrets {
                assert!(
                    !text.contains(s.as_str()),
                    "{name}: {what} holds a secret ({}…)",
                    &s[..2]
                );
            }
            // URLs keep no query (no state, authorization code or pairing token), and no
            // cookie's value is logged (phone session, authorization request, app state).
            for needle in [
                "state=",
                "?code=",
                "&code=",
                "pair=",
                "ls_phone=",
                "ls_authz=",
                "rh_app_state=",
            ] {
                assert!(!text.contains(needle), "{name}: {what} holds {needle:?}");
            }
        }
    }
}

/// Waits (deadline) until a `linkscreen serve` answers at `base`.
async fn until_serving(base: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let http = reqwest::Client::new();
    loop {
        let ok = http
            .get(format!("{base}/.well-known/oauth-authorization-server"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200);
        if ok {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "serve did not start");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_during_the_token_exchange_never_leaves_a_code_stuck() {
    use axum::extract::RawQuery;
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    use axum::routing::{get, post};
    // A third-party server: /authorize sends the browser straight back with a code; /token says
    // it was asked, then takes a minute (the exchange is in flight when linkscreen is killed).
    let (asked, mut exchange_started) = tokio::sync::mpsc::unbounded_channel::<()>();
    let app = axum::Router::new()
        .route(
            "/authorize",
            get(|RawQuery(q): RawQuery| async move {
                let p: std::collections::HashMap<String, String> =
                    url::form_urlencoded::parse(q.unwrap_or_default().as_bytes())
                        .into_owned()
                        .collect();
                let to = format!("{}?code=c-1&state={}", p["redirect_uri"], p["state"]);
                (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
            }),
        )
        .route(
            "/token",
            post(move || {
                let asked = asked.clone();
                async move {
                    let _ = asked.send(());
                    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                    StatusCode::SERVICE_UNAVAILABLE
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let idp = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let tmp = tempfile::tempdir().unwrap();
    let port = crate::journey::free_port();
    std::fs::write(
        tmp.path().join("ls.toml"),
        format!(
            "[account_linking]\ntype = \"AUTH_CODE\"\nauthorizationUrl = \"{idp}/authorize\"\n\
             accessTokenUrl = \"{idp}/token\"\nclientId = \"alexa\"\nclientSecret = \"s\"\n\
             accessTokenScheme = \"HTTP_BASIC\"\nscopes = [\"profile\"]\n\
             [backend]\nport = {port}\ndb = \"ls.db\"\n"
        ),
    )
    .unwrap();
    let serve = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_linkscreen"))
            .current_dir(tmp.path())
            .args(["serve", "--config", "ls.toml"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let base = format!("http://127.0.0.1:{port}");
    let mut first = serve();
    until_serving(&base).await;
    let http = reqwest::Client::new();
    let d: serde_json::Value = http
        .post(format!("{base}/oauth/device_authorization"))
        .form(&[("client_id", DEVICE_CLIENT_ID)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // The phone: link → the server's authorize → back to Alexa's redirect URL, where the
    // exchange starts and hangs.
    let phone = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let user_code = d["user_code"].as_str().unwrap().to_owned();
    let link = format!("{base}/device/link");
    // Scanning the code makes this the household's phone; its Link form carries the token.
    let verify = phone
        .get(d["verification_uri_complete"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = crate::util::Page {
        status: 200,
        url: String::new(),
        body: verify,
    }
    .csrf();
    tokio::spawn(async move {
        let _ = phone
            .post(link)
            .form(&[("user_code", user_code), ("csrf", csrf)])
            .send()
            .await;
    });
    tokio::time::timeout(std::time::Duration::from_secs(30), exchange_started.recv())
        .await
        .expect("the token exchange started");
    first.kill().unwrap(); // SIGKILL, mid-exchange
    first.wait().unwrap();

    let mut second = serve();
    until_serving(&base).await;
    let r = http
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", linkscreen::protocol::oauth::DEVICE_CODE_GRANT),
            ("device_code", d["device_code"].as_str().unwrap()),
            ("client_id", DEVICE_CLIENT_ID),
        ])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let body: serde_json::Value = r.json().await.unwrap();
    let _ = second.kill();
    let _ = second.wait();
    // Not authorization_pending until it expires: failed now, so the device offers a new code.
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    assert!(
        body["error_description"]
            .as_str()
            .unwrap_or("")
            .contains("stopped during the token exchange"),
        "{body}"
    );
}

#[test]
fn the_database_and_its_folder_are_the_users_alone() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("data/linkscreen/ls.db");
    drop(linkscreen::backend::store::Store::open(&db).unwrap());
    assert_eq!(mode(&db), 0o600);
    assert_eq!(mode(db.parent().unwrap()), 0o700);
    // A file others can read is said so at start (and kept working).
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .args(["unlink", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is readable by others (mode 644)") && err.contains("chmod 600"),
        "{err}"
    );
}

/// Every byte of the database's files (the file, its WAL and shared memory): what a copy holds.
fn db_bytes(db: &std::path::Path) -> Vec<u8> {
    let mut all = vec![];
    for ext in ["", "-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(ext);
        all.extend(std::fs::read(&p).unwrap_or_default());
    }
    all
}

fn holds(bytes: &[u8], secret: &str) -> bool {
    !secret.is_empty() && bytes.windows(secret.len()).any(|w| w == secret.as_bytes())
}

/// Point 2: after a QR link and an app-to-app link, a copy of the database file alone reveals
/// no token, secret or key; its key file is the user's alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copied_database_reveals_no_token() {
    use std::os::unix::fs::PermissionsExt;
    let mut env = Env::start().await;
    let base = env.base();
    let d = env.device_code().await;
    crate::util::Phone::new()
        .link(&base, d.verification_uri_complete.as_deref().unwrap())
        .await;
    let (_, link) = env.device_link("").await;
    let access = link["access_token"].as_str().unwrap().to_owned();
    let s = env.shared().clone();
    let v = s.store.vault();
    let sealed = |sql: &str| -> String { s.store.conn().query_row(sql, [], |r| r.get(0)).unwrap() };
    let refresh = v
        .open(
            "links.refresh_token",
            &sealed("SELECT refresh_token FROM links"),
        )
        .unwrap();
    // The app-to-app journey leaves the app's Amazon token (Atza|…) behind too.
    let (phone, start) = crate::util::Phone::paired_to(&env, "/ridehailer/app");
    let done = phone.link_from_app(&phone.get(&start).await).await;
    assert!(done.body.contains("Linked with Alexa"), "{}", done.body);
    let atza = v
        .open(
            "rh_app_links.amazon_token",
            &sealed("SELECT amazon_token FROM rh_app_links"),
        )
        .unwrap();
    assert!(atza.starts_with("Atza|"), "{atza}");
    let lwa_secret = linkscreen::backend::lwa::client(&s, linkscreen::backend::lwa::APP_CLIENT_ID)
        .unwrap()
        .unwrap()
        .secret;
    let secrets = [
        ("access token", access),
        ("refresh token", refresh),
        ("Amazon token", atza),
        ("device key", s.device_key.clone()),
        ("sample client secret", s.sample_client_secret.clone()),
        ("app's LWA client secret", lwa_secret),
    ];
    let db = s.config.backend.db.clone();
    drop(s);
    env.stop().await;
    let bytes = db_bytes(&db);
    for (what, secret) in &secrets {
        assert!(!holds(&bytes, secret), "the database holds the {what}");
    }
    let key = linkscreen::backend::vault::key_path(&db);
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // The database without its key file is refused, naming the key file; nothing is lost.
    std::fs::rename(&key, key.with_extension("moved")).unwrap();
    let Err(err) = linkscreen::backend::store::Store::open(&db) else {
        panic!("opened without its key file")
    };
    let err = err.to_string();
    assert!(
        err.contains(&key.display().to_string()) && err.contains("is missing"),
        "{err}"
    );
    assert!(!key.exists(), "no new key replaces the lost one");
    std::fs::rename(key.with_extension("moved"), &key).unwrap();
    assert!(linkscreen::backend::store::Store::open(&db).is_ok());
}

/// Point 2, migration: a database from before sealing (plaintext tokens and secrets, no key
/// file) is upgraded in place at start: the link still works, and no plaintext remains.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_before_sealing_is_upgraded_in_place_keeping_its_links() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    {
        // What the previous release wrote: the same tables, plaintext values, no key file.
        let store = linkscreen::backend::store::Store::open(&db).unwrap();
        let c = store.conn();
        c.execute("DELETE FROM meta", []).unwrap();
        c.execute_batch(
            "INSERT INTO meta (key, value) VALUES ('device_key', 'plain-device-key-0123456789'),
                 ('sample_client_secret', 'plain-client-secret-0123456789');
             INSERT INTO links (skill_id, person_id, access_token, refresh_token, expires_at, scope, status, created_at)
                 VALUES ('amzn1.ask.skill.00000000-0000-0000-0000-000000000000', '', 'plain-access-token-0123456789', 'plain-refresh-token-0123456789', NULL, 'profile', 'active', 0);",
        )
        .unwrap();
    }
    std::fs::remove_file(linkscreen::backend::vault::key_path(&db)).unwrap();
    assert!(holds(&db_bytes(&db), "plain-access-token-0123456789"));

    let mut cfg = crate::util::config_in(dir.path());
    cfg.backend.db = db.clone();
    cfg.skill.skill_id = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000".into();
    let mut env = Env::start_with(dir, cfg).await;
    // The link is kept, with its token; the device key and client secret are the same.
    let (status, link) = env.device_link("").await;
    assert_eq!(status, 200, "{link}");
    assert_eq!(link["access_token"], "plain-access-token-0123456789");
    assert_eq!(env.shared().device_key, "plain-device-key-0123456789");
    assert_eq!(
        env.shared().sample_client_secret,
        "plain-client-secret-0123456789"
    );
    env.stop().await;
    let bytes = db_bytes(&db);
    for plain in [
        "plain-access-token-0123456789",
        "plain-refresh-token-0123456789",
        "plain-device-key-0123456789",
        "plain-client-secret-0123456789",
    ] {
        assert!(!holds(&bytes, plain), "{plain} is still in the file");
    }
}

/// Point 4: a stranger flooding the unauthenticated writers from one address is slowed to the
/// limit (429 with Retry-After) and the database stays small; another address and the device
/// (its key) are served meanwhile, and legitimate polls never see an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_writes_are_rate_limited_per_address() {
    use linkscreen::backend::limits::{BURST, PER_SECOND};
    let env = Env::start_lan("127.0.0.2").await;
    let public = env.shared().public_url.clone();
    let from = |ip: &str| {
        reqwest::Client::builder()
            .local_address(ip.parse::<std::net::IpAddr>().unwrap())
            .build()
            .unwrap()
    };
    let legit = env.device_code().await;
    let stranger = from("127.0.0.3");
    let started = std::time::Instant::now();
    let (mut ok, mut limited) = (0u32, 0u32);
    for _ in 0..120 {
        let r = stranger
            .post(format!("{public}/oauth/device_authorization"))
            .form(&[("client_id", DEVICE_CLIENT_ID)])
            .send()
            .await
            .unwrap();
        match r.status().as_u16() {
            200 => ok += 1,
            429 => {
                assert_eq!(r.headers()["retry-after"], "1");
                let e: serde_json::Value = r.json().await.unwrap();
                assert_eq!(e["error"], "slow_down");
                limited += 1;
            }
            s => panic!("unexpected {s}"),
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let allowed = BURST as f64 + secs * PER_SECOND as f64 + 1.0;
    assert!(limited > 0, "no request was limited");
    assert!(ok as f64 <= allowed, "{ok} writes in {secs:.2} s");
    let rows: i64 = env
        .shared()
        .store
        .conn()
        .query_row("SELECT COUNT(*) FROM device_codes", [], |r| r.get(0))
        .unwrap();
    assert!(rows as f64 <= allowed + 1.0, "{rows} rows");
    // The same pages' sign-in starts from that address are limited too.
    let r = stranger
        .get(format!(
            "{public}/ridehailer/oauth/authorize?response_type=code&client_id=x"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    // Another address, and the device with its key, are served.
    let other = from("127.0.0.4")
        .post(format!("{public}/oauth/device_authorization"))
        .form(&[("client_id", DEVICE_CLIENT_ID)])
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
    let device = stranger
        .post(format!("{public}/oauth/device_authorization"))
        .bearer_auth(&env.shared().device_key)
        .form(&[("client_id", DEVICE_CLIENT_ID)])
        .send()
        .await
        .unwrap();
    assert_eq!(device.status(), 200);
    // The legitimate device's poll: pending, not an error.
    env.pass_interval();
    let (status, body) = env.poll(&legit.device_code).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("authorization_pending"))
    );
}
