//! Hardening, round two: each attack the way it was found, over real loopback HTTP (strangers
//! on 127.0.0.3 and up) or with the real binary.

use linkscreen::backend;

use crate::util::{Env, Phone};

/// A phone browser on another address of the network (a loopback address standing in for it).
fn stranger(ip: [u8; 4]) -> Phone {
    Phone {
        http: reqwest::Client::builder()
            .local_address(std::net::IpAddr::from(ip))
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        seen: Default::default(),
    }
}

/// A stranger asks for a code with the public device client and opens its verification page:
/// no session (so no household codes, settings or Unlink); its own code links only itself, and
/// the household's link stays what it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_a_stranger_made_grants_no_session_and_links_only_the_stranger() {
    let env = Env::start().await;
    let base = env.base();
    // The household linked through the code its device shows.
    let d = env.device_code().await;
    let done = Phone::new()
        .link(&base, d.verification_uri_complete.as_ref().unwrap())
        .await;
    assert!(done.body.contains("successfully linked"), "{}", done.body);
    let (_, before) = env.device_link("").await;
    let household_token = before["access_token"].as_str().unwrap().to_owned();
    // A voice code waits on the household's Activity page.
    env.send_voice_code().await;

    let eve = stranger([127, 0, 0, 3]);
    let own: serde_json::Value = eve
        .http
        .post(format!("{base}/oauth/device_authorization"))
        .form(&[("client_id", backend::DEVICE_CLIENT_ID)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let page = eve
        .http
        .get(own["verification_uri_complete"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers().get("set-cookie").is_none(),
        "no session from a code the stranger made: {:?}",
        page.headers()
    );
    for path in ["/cards", "/skill/settings", "/skill"] {
        let p = eve.get(&format!("{base}{path}")).await;
        assert_eq!(p.status, 403, "{path}: {}", p.body);
        assert!(!p.body.contains("is your code"), "{}", p.body);
    }
    let unlink = eve
        .post(&format!("{base}/skill/unlink"), &[("csrf", "x")], None)
        .await;
    assert_eq!(unlink.status, 403);

    // The stranger's own code still works for the stranger: its page's forms carry a token
    // bound to the code, and its polls get its own token.
    let consent = eve
        .to_consent(
            &base,
            own["verification_uri_complete"].as_str().unwrap(),
            backend::auth_server::DEMO_PASSWORD,
        )
        .await;
    let csrf = consent.hidden("csrf").unwrap();
    let linked = eve
        .post(
            &format!("{base}/ridehailer/consent"),
            &[("csrf", &csrf), ("decision", "allow")],
            None,
        )
        .await;
    assert!(
        linked.body.contains("successfully linked"),
        "{}",
        linked.body
    );
    env.pass_interval();
    let (status, token) = env.poll(own["device_code"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{token}");
    let theirs = token["access_token"].as_str().unwrap();
    assert_ne!(theirs, household_token);
    // Still no session, and the household's link is the one it had.
    assert_eq!(eve.get(&format!("{base}/cards")).await.status, 403);
    let (status, after) = env.device_link("").await;
    assert_eq!(status, 200);
    assert_eq!(after["access_token"], household_token.as_str());
}

/// `HEAD` on a route that writes a row (axum answers it with the GET handler) is limited like
/// `GET`, and so is every other method: a flood of 30 KB states from one address is cut off
/// after the burst, and the rows it could write are bounded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_and_every_other_method_count_against_the_write_limit() {
    let env = Env::start().await;
    let base = env.base();
    let flood = stranger([127, 0, 0, 4]);
    let state = "s".repeat(30 * 1024);
    let url = format!(
        "{base}/ridehailer/oauth/authorize?response_type=code&client_id=alexa-ride-hailer\
         &redirect_uri=x&state={state}"
    );
    let mut limited = 0;
    for _ in 0..60 {
        let r = flood.http.head(&url).send().await.unwrap();
        if r.status() == 429 {
            assert!(r.headers().contains_key("retry-after"));
            limited += 1;
        }
    }
    assert!(limited >= 30, "only {limited} of 60 HEADs limited");
    let rows: i64 = env
        .shared()
        .store
        .conn()
        .query_row("SELECT COUNT(*) FROM rh_txns", [], |r| r.get(0))
        .unwrap();
    assert!(rows <= 30, "{rows} sign-in transactions written");

    // Every other method on a limited route counts too (from a fresh address).
    let other = stranger([127, 0, 0, 5]);
    let mut statuses = vec![];
    for m in ["PUT", "PATCH", "DELETE", "OPTIONS"]
        .iter()
        .cycle()
        .take(40)
    {
        let method = reqwest::Method::from_bytes(m.as_bytes()).unwrap();
        let r = other
            .http
            .request(method, format!("{base}/oauth/device_authorization"))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");

    // Forged states at Alexa's redirect URL: limited, so the events they write are bounded.
    let forger = stranger([127, 0, 0, 6]);
    let mut limited = 0;
    for i in 0..60 {
        let r = forger
            .http
            .get(format!(
                "{base}/api/skill/link/M2LSEMU0000001?state=forged{i}&code=x"
            ))
            .send()
            .await
            .unwrap();
        limited += usize::from(r.status() == 429);
    }
    assert!(
        limited >= 30,
        "only {limited} of 60 forged redirects limited"
    );
}

/// A pairing link whose `next` hides another site behind a tab, a newline or a backslash is
/// refused with 400, and the one-time link still works with a `next` of this server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pairing_links_next_with_control_characters_is_400_and_the_link_survives() {
    let env = Env::start().await;
    for bad in [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\nSet-Cookie: a=b",
        "/\\evil.example",
    ] {
        let link = backend::session::pairing_url(env.shared(), bad);
        let phone = Phone::new();
        let r = phone.http.get(&link).send().await.unwrap();
        assert_eq!(r.status(), 400, "{bad:?}");
        assert!(r.headers().get("location").is_none());
        // The same one-time link, with a path of this server as `next`: it works.
        let mut u = url::Url::parse(&link).unwrap();
        let pair: String = u
            .query_pairs()
            .find(|(k, _)| k == "pair")
            .unwrap()
            .1
            .into_owned();
        u.query_pairs_mut()
            .clear()
            .append_pair("pair", &pair)
            .append_pair("next", "/cards");
        let page = phone.get(u.as_str()).await;
        assert_eq!(page.status, 200, "{bad:?}: {}", page.body);
        assert!(page.url.ends_with("/cards"), "{}", page.url);
    }
}

/// `linkscreen unlink` with another database's key file beside the database: refused with the
/// key file named (exit 2), and nothing deleted — with its own key back, the link is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unlink_with_another_databases_key_refuses_and_deletes_nothing() {
    let mut env = Env::start().await;
    let d = env.device_code().await;
    let done = Phone::new()
        .link(&env.base(), d.verification_uri_complete.as_ref().unwrap())
        .await;
    assert!(done.body.contains("successfully linked"), "{}", done.body);
    env.stop().await;
    let db = env.dir.path().join("linkscreen.db");
    let key = backend::vault::key_path(&db);
    let mut other = Env::start().await;
    other.stop().await;
    let own = std::fs::read(&key).unwrap();
    std::fs::copy(
        backend::vault::key_path(&other.dir.path().join("linkscreen.db")),
        &key,
    )
    .unwrap();

    let cwd = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .args(["unlink", "--db"])
        .arg(&db)
        .current_dir(cwd.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&key.display().to_string()), "{stderr}");
    assert!(stderr.contains("another key"), "{stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("revoked"));

    std::fs::write(&key, own).unwrap();
    let store = backend::store::Store::open(&db).unwrap();
    let links: i64 = store
        .conn()
        .query_row("SELECT COUNT(*) FROM links", [], |r| r.get(0))
        .unwrap();
    assert_eq!(links, 1, "the link is still there");
}

/// A headless kiosk on `db` running `script` (the real binary, its own folder).
fn kiosk_on(db: &std::path::Path, script: &str, extra: &[&str]) -> crate::journey::Device {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("k.script");
    std::fs::write(&s, script).unwrap();
    let events = dir.path().join("events.jsonl");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .args(["kiosk", "--headless", "--script"])
        .arg(&s)
        .arg("--events")
        .arg(&events)
        .arg("--db")
        .arg(db)
        .args(extra)
        .current_dir(dir.path())
        .env("LINKSCREEN_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    crate::journey::Device { dir, child }
}

/// Visitor A links at a public kiosk, which is then killed (`kill -9`) in the answer window.
/// Restarted on the same database, the next visitor gets the link prompt, not A's account;
/// `--keep-links` (a private demo) keeps a link across a restart.
#[test]
fn a_kiosk_killed_in_the_answer_window_forgets_the_link_when_it_starts_again() {
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("kiosk.db");
    let visitor_a = "say Alexa, open Ride Hailer\nwait link-prompt 30\nphone link\n\
                     wait skill-response 30\nexpect Where would you like to go?\nwait home 120\n";
    let mut a = kiosk_on(&db, visitor_a, &["--answer-secs", "100"]);
    a.wait_event("the skill's answer to A", |e| e["type"] == "skill_response");
    a.child.kill().unwrap(); // SIGKILL: nothing runs at stop
    a.child.wait().unwrap();

    let next = "say Alexa, open Ride Hailer\nwait link-prompt 30\n\
                expect To use Ride Hailer, you need to link your account.\n";
    let mut b = kiosk_on(&db, next, &[]);
    assert_eq!(b.wait_exit(), 0, "{:#?}", b.events());
    assert!(
        !b.events().iter().any(|e| e["type"] == "skill_request"
            && e["body"]["context"]["System"]["user"]["accessToken"].is_string()),
        "no token of A's reached the skill"
    );

    // A private demo keeps its link across a restart.
    let mut c = kiosk_on(&db, visitor_a, &["--answer-secs", "100", "--keep-links"]);
    c.wait_event("the skill's answer", |e| e["type"] == "skill_response");
    c.child.kill().unwrap();
    c.child.wait().unwrap();
    let linked =
        "say Alexa, open Ride Hailer\nwait skill-response 30\nexpect Where would you like to go?\n";
    let mut d = kiosk_on(&db, linked, &["--keep-links"]);
    assert_eq!(d.wait_exit(), 0, "{:#?}", d.events());
}

/// `shoot --merge` of a shard whose manifest names a path that leaves its folder: refused,
/// nothing written outside `--out`, and the shard's own files untouched.
#[test]
fn merging_a_shard_whose_manifest_leaves_its_folder_writes_nothing_outside() {
    let root = tempfile::tempdir().unwrap();
    let (shard, out) = (root.path().join("shard"), root.path().join("out"));
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_linkscreen"))
            .args(args)
            .current_dir(root.path())
            .output()
            .unwrap()
    };
    let o = run(&[
        "shoot",
        "--scenes",
        "home",
        "--devices",
        "echo-show-5",
        "--out",
        "shard",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let file = shard.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let own = m["shots"][0]["path"].as_str().unwrap().to_owned();
    let size = std::fs::metadata(shard.join(&own)).unwrap().len();
    for bad in ["../escape.png", "../shard/manifest.json", "/tmp/escape.png"] {
        m["shots"][0]["path"] = bad.into();
        std::fs::write(&file, serde_json::to_vec(&m).unwrap()).unwrap();
        let o = run(&["shoot", "--out", "out", "--merge", "shard"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{bad}: {err}");
        assert!(err.contains("leaves its folder"), "{err}");
        assert!(!root.path().join("escape.png").exists());
        assert!(
            std::fs::metadata(&file).unwrap().len() > 0,
            "the manifest is intact"
        );
    }
    assert_eq!(std::fs::metadata(shard.join(&own)).unwrap().len(), size);
    assert!(!out.join("manifest.json").exists());
}

/// An APL document's images in `shoot`: from its own folder, yes; `../outside.png` or a
/// `file://` path elsewhere, no (the shot says why) — unless `--apl-images` names that folder.
#[test]
fn an_apl_documents_images_stay_in_its_folder_unless_allowed() {
    let root = tempfile::tempdir().unwrap();
    let doc = root.path().join("skill");
    std::fs::create_dir(&doc).unwrap();
    let px = image::RgbaImage::from_pixel(8, 8, image::Rgba([200, 30, 30, 255]));
    px.save(doc.join("inside.png")).unwrap();
    px.save(root.path().join("outside.png")).unwrap();
    let abs = url::Url::from_file_path(root.path().join("outside.png")).unwrap();
    let image =
        |src: &str| serde_json::json!({"type": "Image", "source": src, "width": 80, "height": 80});
    let document = serde_json::json!({
        "type": "APL", "version": "2023.3",
        "mainTemplate": {"items": [{"type": "Container", "items": [
            image("inside.png"), image("../outside.png"), image(abs.as_str())
        ]}]}
    });
    std::fs::write(doc.join("screen.json"), document.to_string()).unwrap();
    let shoot = |extra: &[&str]| {
        let out = tempfile::tempdir().unwrap();
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_linkscreen"))
            .args([
                "shoot",
                "--scenes",
                "apl",
                "--devices",
                "echo-show-5",
                "--apl",
                "skill",
            ])
            .args(extra)
            .arg("--out")
            .arg(out.path())
            .current_dir(root.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.path().join("manifest.json")).unwrap())
                .unwrap();
        m["shots"][0]["warnings"].to_string()
    };
    let warned = shoot(&[]);
    assert_eq!(
        warned
            .matches("outside the document's folder (shoot --apl-images DIR allows another)\"")
            .count(),
        2,
        "{warned}"
    );
    assert!(!warned.contains("inside.png"), "{warned}");
    let allowed = shoot(&["--apl-images", "."]);
    assert!(
        !allowed.contains("outside the document's folder"),
        "{allowed}"
    );
}

/// A skill whose every answer is this APL document (a real server on loopback); its address.
/// The binary's `run --headless` on Echo Show 5 playing `script` against the skill at `addr`
/// (no account linking), from a fresh working directory of its own (frames in `frames/`): what
/// it printed and that directory.
pub(crate) fn run_script_at(
    addr: std::net::SocketAddr,
    script: &str,
    extra: &[&str],
) -> (std::process::Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ls.toml"),
        format!("[skill]\nendpoint = \"http://{addr}/\"\n[account_linking]\nrequired = false\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("s.script"), script).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .args([
            "run",
            "--headless",
            "--device",
            "echo-show-5",
            "--config",
            "ls.toml",
        ])
        .args(["--script", "s.script", "--frames", "frames", "--fresh"])
        .args(extra)
        .current_dir(dir.path())
        .env("LINKSCREEN_LOG", "warn")
        .output()
        .unwrap();
    (o, dir)
}

pub(crate) async fn skill_answering_with(document: serde_json::Value) -> std::net::SocketAddr {
    let answer = serde_json::json!({
        "version": "1.0",
        "response": {
            "outputSpeech": {"type": "PlainText", "text": "Here is a hostile screen."},
            "directives": [{"type": "Alexa.Presentation.APL.RenderDocument", "token": "evil",
                            "document": document, "datasources": {}}],
            "shouldEndSession": false
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(axum::routing::post(move || {
        let answer = answer.clone();
        async move { axum::Json(answer) }
    }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// A kiosk whose skill answers with hostile APL (a Text with fontSize 1e308; layouts ten wide
/// and nine deep): it shows the screen with what it could draw, reports the error, and stays
/// up for the next visitor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_survives_a_skill_answering_with_hostile_apl() {
    let mut layouts = serde_json::Map::new();
    layouts.insert(
        "L0".into(),
        serde_json::json!({"item": {"type": "Text", "text": "x"}}),
    );
    for d in 1..=9 {
        let items: Vec<_> = (0..10)
            .map(|_| serde_json::json!({"type": format!("L{}", d - 1)}))
            .collect();
        layouts.insert(
            format!("L{d}"),
            serde_json::json!({"item": {"type": "Container", "items": items}}),
        );
    }
    let document = serde_json::json!({
        "type": "APL", "version": "2023.3", "layouts": layouts,
        "mainTemplate": {"items": [{"type": "Container", "items": [
            {"type": "Text", "text": "Huge", "fontSize": 1e308, "width": 1e308},
            {"type": "L9"}
        ]}]}
    });
    let addr = skill_answering_with(document).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("ls.toml");
    std::fs::write(
        &cfg,
        format!("[skill]\nendpoint = \"http://{addr}/\"\n[account_linking]\nrequired = false\n"),
    )
    .unwrap();
    let cfg = cfg.display().to_string();
    let visitors = "say Alexa, open Ride Hailer\nwait skill-response 30\n\
                    expect Here is a hostile screen.\nsay Alexa, go home\nwait home 10\n\
                    say Alexa, open Ride Hailer\nwait skill-response 30\n";
    let db = dir.path().join("k.db");
    let mut k = tokio::task::block_in_place(|| {
        let mut k = kiosk_on(&db, visitors, &["--config", &cfg, "--frames", "frames"]);
        let code = k.wait_exit();
        assert_eq!(code, 0, "{:#?}", k.events());
        k
    });
    let events = k.events();
    assert!(
        events.iter().any(|e| e["type"] == "apl_error"
            && e["message"]
                .as_str()
                .unwrap_or("")
                .contains("more than 20000 components")),
        "{events:#?}"
    );
    let shown = events
        .iter()
        .filter(|e| e["type"] == "frame" && e["scene"] == "skill-response")
        .count();
    assert!(
        shown >= 2,
        "both visitors saw the skill's screen: {events:#?}"
    );
    let _ = k.child.kill();
}

/// The sample server's sign-in transaction: its id (the cookie) and its CSRF token (the form)
/// are not in the database, only the id's hash.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sample_servers_sign_in_transaction_is_stored_hashed() {
    let env = Env::start().await;
    let mut u = url::Url::parse(&format!("{}/ridehailer/oauth/authorize", env.base())).unwrap();
    u.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", backend::SAMPLE_CLIENT_ID)
        .append_pair("redirect_uri", &env.shared().redirect_uri())
        .append_pair("state", "s1")
        .append_pair("scope", "profile");
    let r = env.http.get(u.as_str()).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    let id = cookie
        .strip_prefix("rh_txn=")
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned();
    let page = crate::util::Page {
        status: 200,
        url: u.to_string(),
        body: r.text().await.unwrap(),
    };
    let csrf = page.csrf();
    let (stored_id, stored_csrf): (String, String) = env
        .shared()
        .store
        .conn()
        .query_row("SELECT id, csrf FROM rh_txns", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(stored_id, backend::crypto::sha256_hex(&id));
    assert!(!stored_id.contains(&id) && !stored_csrf.contains(&csrf));
}

/// 2,000 half-open connections from one address (each sent half a request head and waits):
/// the device's poll still answers, and the server closes a half-open connection once its
/// header-read timeout passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_open_connections_do_not_starve_a_poll_and_are_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let env = Env::start().await;
    let d = env.device_code().await;
    let addr: std::net::SocketAddr = env.base().trim_start_matches("http://").parse().unwrap();
    let mut held = vec![];
    for _ in 0..2000 {
        let sock = tokio::net::TcpSocket::new_v4().unwrap();
        sock.bind("127.0.0.7:0".parse().unwrap()).unwrap();
        let mut s = sock.connect(addr).await.unwrap();
        s.write_all(b"POST /oauth/token HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        held.push(s);
    }
    env.pass_interval();
    let poll = env
        .http
        .post(&env.meta.token_endpoint)
        .timeout(std::time::Duration::from_secs(5))
        .form(&[
            ("grant_type", linkscreen::protocol::oauth::DEVICE_CODE_GRANT),
            ("device_code", d.device_code.as_str()),
            ("client_id", backend::DEVICE_CLIENT_ID),
        ])
        .send()
        .await
        .expect("the poll answers beside 2,000 half-open connections");
    assert_eq!(poll.status(), 400);
    // The first of them is closed by the server (EOF) after the header-read timeout.
    let mut first = held.swap_remove(0);
    let mut buf = [0u8; 1024];
    let deadline = backend::serve::HEADER_TIMEOUT + std::time::Duration::from_secs(20);
    let closed = tokio::time::timeout(deadline, async {
        loop {
            match first.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {} // a 408 or an error page first, then the close
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "a half-open connection was never closed");
}

/// `linkscreen serve` at the common limit of 1,024 open files (soft and hard): 1,100 half-open
/// connections from a stranger, then a new poll — served at once (the oldest silent
/// connection makes room), not starved by `EMFILE`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_1024_open_files_half_open_connections_make_room_for_a_poll() {
    use std::os::unix::process::CommandExt;
    use tokio::io::AsyncWriteExt;
    let dir = tempfile::tempdir().unwrap();
    let port = crate::journey::free_port();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_linkscreen"));
    cmd.args(["serve", "--port", &port.to_string(), "--db", "ls.db"])
        .current_dir(dir.path())
        .env("LINKSCREEN_LOG", "warn")
        .stdout(std::process::Stdio::null());
    // SAFETY: setrlimit only, between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let l = libc::rlimit {
                rlim_cur: 1024,
                rlim_max: 1024,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &l) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let mut child = cmd.spawn().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let d: serde_json::Value = loop {
        if let Ok(r) = http
            .post(format!("{base}/oauth/device_authorization"))
            .form(&[("client_id", backend::DEVICE_CLIENT_ID)])
            .send()
            .await
        {
            break r.json().await.unwrap();
        }
        assert!(std::time::Instant::now() < deadline, "serve did not start");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let mut held = vec![];
    for _ in 0..1100 {
        let sock = tokio::net::TcpSocket::new_v4().unwrap();
        sock.bind("127.0.0.8:0".parse().unwrap()).unwrap();
        let Ok(mut s) = sock.connect(([127, 0, 0, 1], port).into()).await else {
            continue;
        };
        let _ = s
            .write_all(b"POST /oauth/token HTTP/1.1\r\nHost: x\r\n")
            .await;
        held.push(s);
    }
    let poll = reqwest::Client::new()
        .post(format!("{base}/oauth/token"))
        .timeout(std::time::Duration::from_secs(5))
        .form(&[
            ("grant_type", linkscreen::protocol::oauth::DEVICE_CODE_GRANT),
            ("device_code", d["device_code"].as_str().unwrap()),
            ("client_id", backend::DEVICE_CLIENT_ID),
        ])
        .send()
        .await;
    let _ = child.kill();
    let _ = child.wait();
    let poll = poll.expect("the poll is served beside 1,100 half-open connections");
    assert_eq!(poll.status(), 400, "authorization_pending");
}
