//! Device-token polls per second against the embedded linking service with
//! 1,000 pending device codes, and p50/p99 latency. Client and server share
//! this machine's cores, as they would in `linkscreen run`.
//!
//! `cargo bench --bench polls` (env POLL_SECS, POLL_CLIENTS to change the run).

use std::sync::Arc;
use std::time::{Duration, Instant};

use linkscreen::backend::{self, Options};
use linkscreen::config::Config;
use linkscreen::protocol::oauth::{DEVICE_CODE_GRANT, DeviceAuthorization};

fn main() {
    let secs: u64 = std::env::var("POLL_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let clients: usize = std::env::var("POLL_CLIENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(32);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = Config::default();
        cfg.backend.db = dir.path().join("bench.db");
        // Interval 0: every poll is a legal poll, so the bench measures the work of answering one.
        cfg.linking.interval = 0;
        let running = backend::start(Options::new(cfg)).await.unwrap();
        let base = running.base_url.clone();
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(clients)
            .build()
            .unwrap();
        let mut codes = Vec::with_capacity(1000);
        for _ in 0..1000 {
            let d: DeviceAuthorization = http
                .post(format!("{base}/oauth/device_authorization"))
                // The device's key: its own requests are not rate limited.
                .bearer_auth(&running.shared.device_key)
                .form(&[("client_id", backend::DEVICE_CLIENT_ID)])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            codes.push(d.device_code);
        }
        let codes = Arc::new(codes);
        let token_url = format!("{base}/oauth/token");
        let start = Instant::now();
        let end = start + Duration::from_secs(secs);
        let mut tasks = vec![];
        for c in 0..clients {
            let (http, codes, token_url) = (http.clone(), codes.clone(), token_url.clone());
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut i = c;
                let mut bad = 0u64;
                while Instant::now() < end {
                    let code = &codes[i % codes.len()];
                    i += clients;
                    let t = Instant::now();
                    let r = http
                        .post(&token_url)
                        .form(&[
                            ("grant_type", DEVICE_CODE_GRANT),
                            ("device_code", code),
                            ("client_id", backend::DEVICE_CLIENT_ID),
                        ])
                        .send()
                        .await
                        .unwrap();
                    let body = r.bytes().await.unwrap();
                    lat.push(t.elapsed());
                    if !body.starts_with(br#"{"error":"authorization_pending""#) {
                        bad += 1;
                    }
                }
                (lat, bad)
            }));
        }
        let mut all = vec![];
        let mut bad = 0;
        for t in tasks {
            let (l, b) = t.await.unwrap();
            all.extend(l);
            bad += b;
        }
        let elapsed = start.elapsed().as_secs_f64();
        all.sort();
        let pct = |p: f64| {
            all[((all.len() as f64 * p) as usize).min(all.len() - 1)].as_secs_f64() * 1000.0
        };
        println!(
            "device-token polls: {} in {:.1} s with {} pending codes, {} clients",
            all.len(),
            elapsed,
            codes.len(),
            clients
        );
        println!("polls/s: {:.0}", all.len() as f64 / elapsed);
        println!(
            "latency p50: {:.2} ms  p99: {:.2} ms  max: {:.2} ms",
            pct(0.50),
            pct(0.99),
            pct(1.0)
        );
        println!("unexpected answers: {bad}");
        running.stop().await;
    });
}
