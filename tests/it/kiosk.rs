//! `linkscreen kiosk`: resets for the next visitor (idle, and after a completed journey, with
//! the link revoked and deleted), and a backend whose server task dies comes back by itself.

use std::time::{Duration, Instant};

use crate::journey::Device;
use crate::util::Env;

/// A headless kiosk running `script`, with kiosk options.
fn kiosk(script: &str, extra: &[&str]) -> (Device, i32) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("k.script"), script).unwrap();
    let script = dir.path().join("k.script").display().to_string();
    let frames = dir.path().join("frames").display().to_string();
    let events = dir.path().join("events.jsonl").display().to_string();
    let db = dir.path().join("k.db").display().to_string();
    let mut args = vec![
        "kiosk",
        "--headless",
        "--script",
        &script,
        "--frames",
        &frames,
        "--events",
        &events,
        "--db",
        &db,
    ];
    args.extend_from_slice(extra);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .args(&args)
        .env("LINKSCREEN_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut dev = Device { dir, child };
    let code = dev.wait_exit();
    (dev, code)
}

#[test]
fn an_idle_kiosk_returns_home_with_its_attract_screen() {
    let (dev, code) = kiosk(
        "expect Say or tap: “open ride hailer”\nsay Alexa, open Ride Hailer\nwait link-prompt 30\nwait home 10\n\
         expect Say or tap: “open ride hailer”\n",
        &["--idle-reset", "2"],
    );
    assert_eq!(code, 0);
    let scenes: Vec<String> = dev
        .events()
        .into_iter()
        .filter(|e| e["type"] == "scene")
        .map(|e| e["scene"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(scenes.last().unwrap(), "home");
    assert!(
        !dev.events().iter().any(|e| e["type"] == "unlink"),
        "nothing was linked, nothing unlinked"
    );
}

#[test]
fn after_a_completed_journey_the_kiosk_unlinks_and_the_next_visitor_must_link_again() {
    let (dev, code) = kiosk(
        "say Alexa, open Ride Hailer\nwait link-prompt 30\nphone link\nwait skill-response 30\n\
         expect Where would you like to go?\nwait home 10\n\
         say Alexa, open Ride Hailer\nwait link-prompt 30\nexpect To use Ride Hailer, you need to link your account.\n",
        &["--answer-secs", "1", "--idle-reset", "60"],
    );
    assert_eq!(code, 0);
    let events = dev.events();
    let unlinks: Vec<_> = events.iter().filter(|e| e["type"] == "unlink").collect();
    assert_eq!(unlinks.len(), 1, "{events:#?}");
    let launches: Vec<_> = events
        .iter()
        .filter(|e| e["type"] == "skill_request")
        .collect();
    assert!(
        launches[0]["body"]["context"]["System"]["user"]["accessToken"].is_string(),
        "the first visitor's skill request carried the token"
    );
    assert_eq!(
        events.iter().filter(|e| e["type"] == "prompt").count(),
        2,
        "the second visitor got a new code: the link was gone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_server_task_is_restarted_on_the_same_address() {
    let env = Env::start().await;
    let running = env.running.as_ref().unwrap();
    let url = format!("{}/.well-known/oauth-authorization-server", env.base());
    assert!(
        env.http
            .get(&url)
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );
    running.crash_servers();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let restarted = running
            .shared
            .restarts
            .load(std::sync::atomic::Ordering::SeqCst);
        let ok = env
            .http
            .get(&url)
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if restarted == 1 && ok {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not restarted (restarts: {restarted})"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_backend_is_not_restarted_and_frees_its_port() {
    let mut env = Env::start().await;
    let running = env.running.take().unwrap();
    let (addr, shared) = (running.addr, running.shared.clone());
    drop(running);
    let deadline = Instant::now() + Duration::from_secs(10);
    let listener = loop {
        match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => break l,
            Err(e) => assert!(Instant::now() < deadline, "port still taken: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(
        shared.restarts.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "dropping Running is a stop, not a crash"
    );
    drop(listener);
}
