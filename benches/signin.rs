//! The device's browser: time from pressing "Sign in" on the sample server's login page to
//! the next page (terms) drawn by the software renderer, over loopback HTTP against the
//! embedded backend. Each round starts a fresh authorization (not timed): a device code,
//! the linking service's sign-in URL, the login page loaded and filled in.
//!
//! Rounds are paced (untimed) under the sample server's per-address limit on sign-in writes
//! (5 a second after a burst of 20; each round makes two from 127.0.0.1).
//!
//! `cargo bench --bench signin` (env SIGNIN_ROUNDS, default 60).

mod common;

use std::time::Instant;

use linkscreen::backend::{self, Options};
use linkscreen::clients::linking::LinkingClient;
use linkscreen::clients::phone::Browser;
use linkscreen::config::Config;
use linkscreen::protocol::viewport;
use linkscreen::view::signin::{Msg, SignIn, Todo};
use linkscreen::view::{self, headless::Headless, model::UiModel};

fn main() {
    let rounds: usize = std::env::var("SIGNIN_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::default();
    cfg.backend.db = dir.path().join("bench.db");
    let running = rt.block_on(backend::start(Options::new(cfg))).unwrap();
    let http = reqwest::Client::new();
    let linking = rt
        .block_on(LinkingClient::discover(
            http,
            &running.base_url,
            backend::DEVICE_CLIENT_ID,
            None,
            Some(running.shared.device_key.clone()),
        ))
        .unwrap();
    let p = viewport::profile("echo-show-8").unwrap();
    let hl = Headless::new(p.width, p.height).unwrap();
    view::set_profile(&hl.app, p, 1.0);
    let mut times = Vec::with_capacity(rounds);
    let mut http_times = Vec::with_capacity(rounds);
    for round in 0..rounds {
        if round >= 8 {
            // Not timed: stay under the per-address write limit (two writes a round).
            std::thread::sleep(std::time::Duration::from_millis(
                2_000 / linkscreen::backend::limits::PER_SECOND as u64,
            ));
        }
        // Not timed: a fresh authorization with the login page on screen, filled in.
        let d = rt.block_on(linking.device_authorization("")).unwrap();
        let url = rt
            .block_on(linking.sign_in_url(&d.device_code))
            .unwrap()
            .unwrap();
        let browser = Browser::with_agent("bench");
        let mut s = SignIn::new(None);
        let load = |s: &mut SignIn, todo: Todo| {
            let Todo::Load { seq, request } = todo else {
                panic!("expected a load, got {todo:?}")
            };
            let result = rt
                .block_on(browser.load(&request))
                .map_err(|e| e.to_string());
            s.handle(Msg::Loaded { seq, result });
        };
        let first = s.handle(Msg::Navigate(url));
        load(&mut s, first);
        for (field, value) in [("email", "annie@example.com"), ("password", "ride-hailer")] {
            let item = s.find_field(field).unwrap();
            s.handle(Msg::Edit {
                item,
                value: value.into(),
            });
        }
        let button = s.find_control("Sign in").unwrap();
        // Timed: press, the POST and its redirect, parse, model, draw.
        let t = Instant::now();
        let todo = s.handle(Msg::Press { item: button });
        load(&mut s, todo);
        http_times.push(t.elapsed());
        let m = UiModel {
            scene: "terms",
            page: Some(s.view("en-US", true)),
            ..Default::default()
        };
        view::apply(&hl.app, p, 1.0, &m);
        let img = hl.render();
        times.push(t.elapsed());
        assert_eq!(
            s.page.as_ref().unwrap().title,
            "Ride Hailer terms",
            "the next page is the terms page"
        );
        assert_eq!(img.width(), p.width);
    }
    times.sort();
    http_times.sort();
    let ms = |v: &[std::time::Duration], q: f64| {
        v[((v.len() as f64 * q) as usize).min(v.len() - 1)].as_secs_f64() * 1000.0
    };
    println!(
        "signin: {rounds} rounds on {}: submit -> next page rendered p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        p.id,
        ms(&times, 0.50),
        ms(&times, 0.95),
        ms(&times, 1.0)
    );
    common::row(
        "device browser: \"Sign in\" → next page drawn, p95",
        &format!("{:.1} ms", ms(&times, 0.95)),
        "—",
        "—",
    );
    println!(
        "signin: of which the server's answer (POST, argon2 check, redirect, GET) p50 {:.1} ms, p95 {:.1} ms",
        ms(&http_times, 0.50),
        ms(&http_times, 0.95)
    );
    rt.block_on(running.stop());
}
