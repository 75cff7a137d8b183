//! `linkscreen kiosk`: resets for the next visitor (idle, and after a completed journey, with
//! the link revoked and deleted), and a backend whose server task dies comes back by itself.

use std::time::{Duration, Instant};

use crate::journey::Device;
use crate::util::Env;
use crate::xvfb::{Xvfb, on_path};

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

/// The device's home screen background (Theme.background).
const SCREEN: [u8; 3] = [0x0e, 0x1b, 0x2c];

fn is_screen(img: &image::RgbaImage, x: u32, y: u32) -> bool {
    let p = img.get_pixel(x, y).0;
    (0..3).all(|c| p[c].abs_diff(SCREEN[c]) <= 6)
}

/// Starts `kiosk` with `args` on `x`, its database in `dir`.
fn kiosk_window(x: &Xvfb, dir: &std::path::Path, args: &[&str]) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .arg("kiosk")
        .args(args)
        .arg("--db")
        .arg(dir.join("k.db"))
        .env("DISPLAY", &x.display)
        .env_remove("WAYLAND_DISPLAY")
        .env("LINKSCREEN_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// Starts `kiosk --device DEVICE` on `x` and waits until the root window shows `ready`.
fn kiosk_on(x: &Xvfb, device: &str, ready: impl Fn(&image::RgbaImage) -> bool) -> image::RgbaImage {
    let dir = tempfile::tempdir().unwrap();
    let mut child = kiosk_window(x, dir.path(), &["--device", device]);
    let img = x.shot_until(
        &dir.path().join("root.png"),
        "the kiosk filling the display",
        &mut child,
        ready,
    );
    let _ = child.kill();
    let _ = child.wait();
    img
}

#[test]
fn the_kiosk_fills_a_display_that_has_no_window_manager() {
    if !on_path("Xvfb") || !on_path("import") {
        eprintln!(
            "skipped: needs Xvfb and ImageMagick's import (apt-get install xvfb imagemagick)"
        );
        return;
    }
    let x = Xvfb::start("1280x800");
    // Same shape as the display: the device screen edge to edge.
    let corners = [(2, 2), (1277, 2), (2, 797), (1277, 797), (640, 400)];
    let img = kiosk_on(&x, "echo-show-8", |img| {
        img.dimensions() == (1280, 800) && corners.iter().all(|&(cx, cy)| is_screen(img, cx, cy))
    });
    assert!(corners.iter().all(|&(cx, cy)| is_screen(&img, cx, cy)));
    drop(x);
    // 2:1 on 16:10: scaled to the full width (1280×640), letterboxed above and below only.
    let x = Xvfb::start("1280x800");
    let img = kiosk_on(&x, "echo-show-5", |img| {
        is_screen(img, 2, 83) && is_screen(img, 1277, 716)
    });
    for (cx, cy) in [(2, 83), (1277, 83), (2, 716), (1277, 716), (640, 400)] {
        assert!(is_screen(&img, cx, cy), "device screen at ({cx},{cy})");
    }
    for (cx, cy) in [(640, 40), (640, 760)] {
        assert!(!is_screen(&img, cx, cy), "letterbox at ({cx},{cy})");
    }
}

/// A pixel of the PIN box's border after a wrong PIN (Theme.danger, #ff7a6b).
fn is_danger(p: &image::Rgba<u8>) -> bool {
    let want = [0xff, 0x7a, 0x6b];
    (0..3).all(|c| p.0[c].abs_diff(want[c]) <= 8)
}

#[test]
fn the_kiosks_pin_prompt_says_a_wrong_pin_and_takes_the_right_one() {
    if !on_path("Xvfb") || !on_path("import") || !on_path("xdotool") {
        eprintln!(
            "skipped: needs Xvfb, ImageMagick's import and xdotool (apt-get install xvfb imagemagick xdotool)"
        );
        return;
    }
    let x = Xvfb::start("1280x800");
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("ev.jsonl");
    let ev = events.to_str().unwrap();
    let mut child = kiosk_window(
        &x,
        dir.path(),
        &[
            "--device",
            "echo-show-8",
            "--exit-pin",
            "2468",
            "--events",
            ev,
        ],
    );
    let keys = |args: &[&str]| {
        let ok = std::process::Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &x.display)
            .status()
            .unwrap()
            .success();
        assert!(ok, "xdotool {args:?}");
    };
    let shot = dir.path().join("root.png");
    x.shot_until(&shot, "the home screen", &mut child, |img| {
        is_screen(img, 640, 400)
    });
    // Ctrl+Shift+Q, a wrong PIN: the prompt stays, its box turns red, the refusal is logged.
    keys(&[
        "search",
        "--sync",
        "--name",
        "linkscreen",
        "windowfocus",
        "--sync",
    ]);
    keys(&["key", "ctrl+shift+q"]);
    keys(&["type", "1111"]);
    keys(&["key", "Return"]);
    let img = x.shot_until(&shot, "the wrong PIN said", &mut child, |img| {
        img.pixels().any(is_danger)
    });
    assert!(img.pixels().filter(|p| is_danger(p)).count() > 50);
    assert!(
        child.try_wait().unwrap().is_none(),
        "a wrong PIN must not leave the kiosk"
    );
    let ev = std::fs::read_to_string(&events).unwrap_or_default();
    assert!(ev.contains("\"refused\":\"wrong PIN\""), "{ev}");
    // The right PIN, typed into the prompt that stayed: the kiosk leaves.
    keys(&["type", "2468"]);
    keys(&["key", "Return"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "the right PIN did not leave the kiosk"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
}
