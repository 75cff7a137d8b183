//! Round trip of a LaunchRequest to a skill's Lambda handler run locally: the Node.js fixture
//! project's `index.handler` in one warm process (how `--skill-dir` runs it), against starting a
//! fresh `node` process per request (what a naive wrapper would do).
//!
//! `cargo bench --bench lambda` (env LAMBDA_ROUNDS, default 300). Needs `node` on PATH.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use linkscreen::clients::lambda::LambdaRunner;
use linkscreen::clients::skill::{self, Identity};
use linkscreen::events::EventLog;
use linkscreen::project::{self, Endpoint};
use linkscreen::protocol::viewport;

fn pct(v: &mut [Duration], q: f64) -> f64 {
    v.sort();
    v[((v.len() as f64 * q) as usize).min(v.len() - 1)].as_secs_f64() * 1000.0
}

fn main() {
    let rounds: usize = std::env::var("LAMBDA_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/projects/city-rides-node");
    let p = project::load(&dir).unwrap();
    let Endpoint::Lambda { handler, .. } = p.endpoint else {
        panic!("not a Lambda project")
    };
    let env = skill::launch_envelope(
        &Identity {
            skill_id: "amzn1.ask.skill.bench".into(),
            user_id: "amzn1.ask.account.bench".into(),
            device_id: "amzn1.ask.device.bench".into(),
            person_id: None,
        },
        viewport::profile("echo-show-8").unwrap(),
        "en-US",
        Some("bench-token"),
        None,
        "2026-11-25T12:00:00Z",
    );
    let event = serde_json::to_value(&env).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    let runner = LambdaRunner::new(
        handler.clone(),
        Duration::from_secs(8),
        EventLog::new(None).unwrap(),
    );
    let t = Instant::now();
    rt.block_on(runner.warm_up()).unwrap();
    let start_ms = t.elapsed().as_secs_f64() * 1000.0;
    for _ in 0..20 {
        rt.block_on(runner.invoke(&event)).unwrap();
    }
    let mut warm = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        let raw = rt.block_on(runner.invoke(&event)).unwrap();
        let (resp, _) = skill::validate(raw).unwrap();
        warm.push(t.elapsed());
        assert!(resp.response.output_speech.is_some());
    }
    println!(
        "lambda: warm process, {rounds} LaunchRequests to {}: p50 {:.2} ms, p95 {:.2} ms (process start + handler load {:.0} ms, once)",
        handler.file.display(),
        pct(&mut warm, 0.50),
        pct(&mut warm, 0.95),
        start_ms
    );

    // The naive way: a new process for every request.
    let mut cold = Vec::with_capacity(20);
    for _ in 0..20 {
        let r = LambdaRunner::new(
            handler.clone(),
            Duration::from_secs(8),
            EventLog::new(None).unwrap(),
        );
        let t = Instant::now();
        rt.block_on(r.invoke(&event)).unwrap();
        cold.push(t.elapsed());
    }
    let (w50, c50) = (pct(&mut warm, 0.50), pct(&mut cold, 0.50));
    println!(
        "lambda: a process per request (20 samples): p50 {:.1} ms, p95 {:.1} ms",
        c50,
        pct(&mut cold, 0.95)
    );
    common::row(
        "Lambda handler (`--skill-dir`, Node.js), LaunchRequest p50 vs a new `node` per request",
        &format!("{w50:.2} ms"),
        &format!("{c50:.1} ms"),
        &format!("{:.0}× faster", c50 / w50),
    );
}
