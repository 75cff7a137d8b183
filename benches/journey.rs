//! Device figures, measured on the release binary as a user runs it:
//! - time to first frame of `linkscreen run --headless` (process start -> home PNG on disk),
//! - time from the link completing on the phone to the success frame on disk,
//! - peak RSS of a whole headless journey,
//! - release binary size.
//!
//! `cargo bench --bench journey` (JOURNEYS=N to change the number of runs).

#[path = "../tests/it/util.rs"]
#[allow(dead_code)]
mod util;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn wait_for(what: &str, deadline: Duration, mut f: impl FnMut() -> Option<PathBuf>) -> PathBuf {
    let end = Instant::now() + deadline;
    loop {
        if let Some(p) = f() {
            return p;
        }
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_micros(500));
    }
}

fn find_frame(dir: &Path, scene: &str) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(&format!("-{scene}.png")))
}

fn qr_url(events: &Path) -> Option<String> {
    let text = std::fs::read_to_string(events).ok()?;
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|e| e["type"] == "prompt")
        .and_then(|e| e["qr_url"].as_str().map(str::to_owned))
}

mod common;
use common::pct;

fn main() {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_linkscreen"));
    let runs: usize = std::env::var("JOURNEYS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut first_frame = vec![];
    let mut to_success = vec![];
    let mut rss_kb = vec![];
    for _ in 0..runs {
        let dir = tempfile::tempdir().unwrap();
        let frames = dir.path().join("frames");
        let events = dir.path().join("events.jsonl");
        let t0 = Instant::now();
        let mut child = Command::new(&bin)
            .args([
                "run",
                "--headless",
                "--device",
                "echo-show-5",
                "--timeout",
                "120",
            ])
            .arg("--frames")
            .arg(&frames)
            .arg("--events")
            .arg(&events)
            .arg("--db")
            .arg(dir.path().join("ls.db"))
            .env("LINKSCREEN_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        wait_for("home frame", Duration::from_secs(30), || {
            find_frame(&frames, "home")
        });
        first_frame.push(t0.elapsed().as_secs_f64() * 1000.0);
        let url = wait_for("prompt", Duration::from_secs(30), || {
            qr_url(&events).map(PathBuf::from)
        })
        .display()
        .to_string();
        let u = url::Url::parse(&url).unwrap();
        let base = format!("http://{}:{}", u.host_str().unwrap(), u.port().unwrap());
        let phone = util::Phone::new();
        let done = rt.block_on(phone.link(&base, &url));
        let linked_at = Instant::now();
        assert!(done.body.contains("successfully linked"));
        wait_for("success frame", Duration::from_secs(30), || {
            find_frame(&frames, "success")
        });
        to_success.push(linked_at.elapsed().as_secs_f64() * 1000.0);
        let status = child.wait().unwrap();
        assert!(status.success());
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: getrusage writes into the struct we own; RUSAGE_CHILDREN covers waited-for children.
        unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
        rss_kb.push(ru.ru_maxrss as f64);
    }
    let size = std::fs::metadata(&bin).map(|m| m.len()).unwrap_or(0);
    println!(
        "headless journeys: {runs} (echo-show-5, embedded backend, phone side over loopback HTTP)"
    );
    println!(
        "time to first frame: p50 {:.1} ms  p95 {:.1} ms",
        pct(&mut first_frame.clone(), 0.5),
        pct(&mut first_frame, 0.95)
    );
    println!(
        "link completed -> success frame on disk: p50 {:.1} ms  p95 {:.1} ms",
        pct(&mut to_success.clone(), 0.5),
        pct(&mut to_success, 0.95)
    );
    common::row(
        "`run --headless`: process start → first frame on disk, p50",
        &format!("{:.1} ms", pct(&mut first_frame.clone(), 0.5)),
        "—",
        "—",
    );
    common::row(
        "link completed on the phone → success frame on disk, p95",
        &format!("{:.1} ms", pct(&mut to_success.clone(), 0.95)),
        "—",
        "—",
    );
    println!(
        "peak RSS of a journey (max over runs): {:.1} MB",
        rss_kb.iter().cloned().fold(0.0, f64::max) / 1024.0
    );
    println!(
        "binary size: {:.1} MB ({})",
        size as f64 / 1e6,
        bin.display()
    );
}
