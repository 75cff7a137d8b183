//! `linkscreen kiosk` over many visitors: peak RSS after the 10th and the 100th completed
//! journey (each linked on the phone, answered, unlinked, back home), and CPU use while the
//! kiosk idles on its home screen. Runs the release binary headless.
//!
//! `cargo bench --bench kiosk` (env KIOSK_JOURNEYS, default 100; KIOSK_IDLE_SECS, default 20).

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    f.get(11).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0)
}

fn count(events: &PathBuf, ty: &str) -> usize {
    std::fs::read_to_string(events)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(&format!("\"type\":\"{ty}\"")))
        .count()
}

fn main() {
    let journeys: usize = std::env::var("KIOSK_JOURNEYS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let idle_secs: u64 = std::env::var("KIOSK_IDLE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let exe = env!("CARGO_BIN_EXE_linkscreen");
    let dir = tempfile::tempdir().unwrap();
    let one = "say Alexa, open Ride Hailer\nwait link-prompt 30\nphone link\nwait skill-response 30\nwait home 30\n";
    let script = dir.path().join("visitors.script");
    // A last visitor who walks away at the link prompt: the idle reset brings the kiosk home
    // and keeps it there a few seconds, while the RSS after the last journey is read.
    let walk_away = "say Alexa, open Ride Hailer\nwait link-prompt 30\nwait home 30\n";
    std::fs::write(&script, one.repeat(journeys) + walk_away).unwrap();
    let events = dir.path().join("events.jsonl");
    let mut child = Command::new(exe)
        .args([
            "kiosk",
            "--headless",
            "--answer-secs",
            "1",
            "--idle-reset",
            "8",
            "--script",
        ])
        .arg(&script)
        .arg("--events")
        .arg(&events)
        .arg("--db")
        .arg(dir.path().join("k.db"))
        .arg("--frames")
        .arg(dir.path().join("frames"))
        .env("LINKSCREEN_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let start = Instant::now();
    // RSS on the home screen right after the 10th and after the last visitor (idle), and the
    // peak along the way.
    let (mut at10, mut at_end, mut peak) = (0, 0, 0);
    loop {
        let done = count(&events, "unlink");
        let rss = rss_kb(pid);
        peak = peak.max(rss);
        if done >= 10 && at10 == 0 {
            at10 = rss;
        }
        if done >= journeys && at_end == 0 {
            at_end = rss;
        }
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "kiosk run failed: {status}");
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let done = count(&events, "unlink");
    assert_eq!(done, journeys, "every journey ended in an unlink");
    println!(
        "kiosk: {journeys} journeys in {:.0} s; RSS back on home after 10: {:.1} MB, after {journeys}: {:.1} MB ({:+.1}%); peak {:.1} MB",
        start.elapsed().as_secs_f64(),
        at10 as f64 / 1024.0,
        at_end as f64 / 1024.0,
        (at_end as f64 / at10.max(1) as f64 - 1.0) * 100.0,
        peak as f64 / 1024.0
    );

    common::row(
        &format!("kiosk: RSS on home after {journeys} visitors vs after 10"),
        &format!("{:.1} MB", at_end as f64 / 1024.0),
        &format!("{:.1} MB", at10 as f64 / 1024.0),
        &format!(
            "{:+.1}%",
            (at_end as f64 / at10.max(1) as f64 - 1.0) * 100.0
        ),
    );
    // Idle on the home screen: CPU over a quiet interval.
    let mut idle = Command::new(exe)
        .args(["kiosk", "--headless", "--timeout"])
        .arg((idle_secs + 10).to_string())
        .arg("--db")
        .arg(dir.path().join("idle.db"))
        .arg("--frames")
        .arg(dir.path().join("idle-frames"))
        .env("LINKSCREEN_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3)); // start-up is not idle
    let t0 = cpu_ticks(idle.id());
    let w0 = Instant::now();
    std::thread::sleep(Duration::from_secs(idle_secs));
    let used = (cpu_ticks(idle.id()) - t0) as f64 / 100.0; // USER_HZ
    println!(
        "kiosk: idle on home (headless) for {:.0} s: {:.2}% of one core",
        w0.elapsed().as_secs_f64(),
        used / w0.elapsed().as_secs_f64() * 100.0
    );
    let _ = idle.kill();
    let _ = idle.wait();
}
