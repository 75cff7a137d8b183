//! Storage and memory under a flood of junk (issue 16 point 4): the release `linkscreen serve`
//! on a fresh database, four writers posting junk as fast as they can for JUNK_SECS (default
//! 60) to every endpoint a caller without credentials can reach — device authorization (valid
//! and with a 60 KB scope), the sample server's authorize and login, Alexa's redirect URL with
//! forged states, the verification page with wrong codes, and the same write routes by `HEAD`
//! (which axum answers with the GET handler) and by every other method (PUT, PATCH, DELETE,
//! OPTIONS, and HEAD with a 30 KB state) — each from its own loopback address,
//! while a device polls its code once a second. Prints the database size at the end (file, WAL
//! and shared memory), the server's peak RSS, what the writers were answered, and every status
//! the legitimate polls got. Target: database < 5 MB, no 5xx for the polls.
//!
//! `cargo bench --bench junk`

mod common;

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let secs: u64 = std::env::var("JUNK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("junk.db");
    let cfg = dir.path().join("linkscreen.toml");
    std::fs::write(&cfg, "[linking]\ninterval = 1\nexpires_in = 600\n").unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut server = Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .args(["serve", "--port", &port.to_string(), "--config"])
        .arg(&cfg)
        .arg("--db")
        .arg(&db)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (writers, polls) = rt.block_on(async {
        let http = reqwest::Client::new();
        let up = Instant::now() + Duration::from_secs(30);
        while http.get(format!("{base}/device")).send().await.is_err() {
            assert!(Instant::now() < up, "serve did not start");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // The legitimate device's code.
        let d: serde_json::Value = http
            .post(format!("{base}/oauth/device_authorization"))
            .form(&[("client_id", "linkscreen-device")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let device_code = d["device_code"].as_str().unwrap().to_owned();
        let end = Instant::now() + Duration::from_secs(secs);
        let big_scope = "x".repeat(60 * 1024);
        let mut tasks = vec![];
        for w in 0..4u8 {
            let client = reqwest::Client::builder()
                .local_address(std::net::IpAddr::from([127, 0, 0, 10 + w]))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let (base, big_scope) = (base.clone(), big_scope.clone());
            tasks.push(tokio::spawn(async move {
                let mut seen: BTreeMap<u16, u64> = BTreeMap::new();
                let mut i = 0u64;
                while Instant::now() < end {
                    i += 1;
                    let junk = format!("junk{w}-{i}");
                    let big_state = "s".repeat(30 * 1024);
                    let authorize = format!(
                        "{base}/ridehailer/oauth/authorize?response_type=code&client_id=alexa-ride-hailer&redirect_uri=x&state="
                    );
                    let other = [
                        reqwest::Method::PUT,
                        reqwest::Method::PATCH,
                        reqwest::Method::DELETE,
                        reqwest::Method::OPTIONS,
                    ];
                    let req = match i % 9 {
                        6 => client.head(format!("{authorize}{big_state}{junk}")),
                        7 => client.head(format!("{base}/api/skill/link/M2LSEMU0000001?state={junk}&code=x")),
                        8 => client.request(other[(i / 9 % 4) as usize].clone(), format!("{authorize}{junk}")),
                        0 => client
                            .post(format!("{base}/oauth/device_authorization"))
                            .form(&[("client_id", "linkscreen-device"), ("scope", &big_scope)]),
                        1 => client
                            .post(format!("{base}/oauth/device_authorization"))
                            .form(&[("client_id", "linkscreen-device"), ("scope", &junk)]),
                        2 => client.get(format!(
                            "{base}/ridehailer/oauth/authorize?response_type=code&client_id=alexa-ride-hailer&redirect_uri=x&state={junk}"
                        )),
                        3 => client
                            .post(format!("{base}/ridehailer/login"))
                            .form(&[("csrf", junk.as_str()), ("username", "a"), ("password", "b")]),
                        4 => client.get(format!(
                            "{base}/api/skill/link/M2LSEMU0000001?state={junk}&code=x"
                        )),
                        _ => client.get(format!("{base}/device?user_code={junk}")),
                    };
                    let status = match req.send().await {
                        Ok(r) => r.status().as_u16(),
                        Err(_) => 0,
                    };
                    *seen.entry(status).or_default() += 1;
                }
                seen
            }));
        }
        // The device polls once a second meanwhile.
        let mut polls: BTreeMap<String, u64> = BTreeMap::new();
        while Instant::now() < end {
            let r = http
                .post(format!("{base}/oauth/token"))
                .form(&[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                    ("device_code", device_code.as_str()),
                    ("client_id", "linkscreen-device"),
                ])
                .send()
                .await;
            let key = match r {
                Ok(r) => {
                    let status = r.status().as_u16();
                    let v: serde_json::Value = r.json().await.unwrap_or_default();
                    format!("{status} {}", v["error"].as_str().unwrap_or(""))
                }
                Err(e) => format!("transport error: {e}"),
            };
            *polls.entry(key).or_default() += 1;
            tokio::time::sleep(Duration::from_millis(1100)).await;
        }
        let mut writers: BTreeMap<u16, u64> = BTreeMap::new();
        for t in tasks {
            for (k, v) in t.await.unwrap() {
                *writers.entry(k).or_default() += v;
            }
        }
        (writers, polls)
    });
    let peak_kb = status_kb(server.id(), "VmHWM:");
    let _ = server.kill();
    let _ = server.wait();
    let size: u64 = ["", "-wal", "-shm"]
        .iter()
        .map(|ext| {
            let mut p = db.as_os_str().to_owned();
            p.push(ext);
            std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0)
        })
        .sum();
    let total: u64 = writers.values().sum();
    println!("junk for {secs} s from 4 addresses: {total} requests, answered {writers:?}");
    println!(
        "database at the end: {:.2} MB (file + WAL + shm); server peak RSS {:.1} MB",
        size as f64 / 1e6,
        peak_kb as f64 / 1024.0
    );
    println!("legitimate polls meanwhile: {polls:?}");
    common::row(
        &format!("`serve` flooded with junk for {secs} s: database size at the end"),
        &format!("{:.2} MB", size as f64 / 1e6),
        "—",
        "—",
    );
    let five_xx = polls
        .keys()
        .any(|k| k.starts_with('5') || k.starts_with("transport"));
    println!(
        "target: database < 5 MB {}, no 5xx for polls {}",
        if size < 5_000_000 { "met" } else { "MISSED" },
        if five_xx { "MISSED" } else { "met" }
    );
}
