//! Voice figures, measured on the release binary as a user runs it (`run --headless
//! --voice-forward --speaker Annie --script`): how long a spoken turn takes from the words
//! reaching the device to the answer on screen — a skill turn inside the open session
//! (IntentRequest to the sample skill and back), and Alexa's own turns in voice-forward
//! linking (sending the one-time code, checking the spoken code and storing the link) —
//! read from the event log's timestamps, plus the whole process's peak RSS.
//!
//! `cargo bench --bench voice` (TURNS=N to change the number of in-session turns).

use std::path::PathBuf;
use std::process::Command;

mod common;
use common::pct;

fn main() {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_linkscreen"));
    let turns: usize = std::env::var("TURNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().unwrap();
    let mut script = String::from(
        "say Alexa, open Ride Hailer\nwait skill-response\nsay link my account\nwait voice-link\n\
         say I approve\nexpect My code is\nsay my code is {code}\nwait skill-response 20\n",
    );
    // "help" keeps the sample skill's session open: one IntentRequest per turn.
    for _ in 0..turns {
        script.push_str("say help\nexpect Book a ride to the airport\n");
    }
    let path = dir.path().join("voice.script");
    std::fs::write(&path, script).unwrap();
    let events = dir.path().join("events.jsonl");
    let out = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(&bin)
        .args([
            "run",
            "--headless",
            "--voice-forward",
            "--speaker",
            "Annie",
            "--timeout",
            "600",
        ])
        .arg("--script")
        .arg(&path)
        .arg("--frames")
        .arg(dir.path().join("frames"))
        .arg("--events")
        .arg(&events)
        .arg("--db")
        .arg(dir.path().join("ls.db"))
        .env("LINKSCREEN_LOG", "warn")
        .output()
        .expect("run linkscreen (needs /usr/bin/time: apt-get install time)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rss_kb: u64 = String::from_utf8_lossy(&out.stderr)
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let ev: Vec<serde_json::Value> = std::fs::read_to_string(&events)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let t = |e: &serde_json::Value| e["t"].as_u64().unwrap() as f64;
    // Each utterance's `nlu` event to the next event of `done` type.
    let mut skill_turns = vec![];
    let mut otp = vec![];
    let mut verify = vec![];
    for (i, e) in ev.iter().enumerate() {
        if e["type"] != "nlu" {
            continue;
        }
        let next = |kind: &str| ev[i + 1..].iter().find(|x| x["type"] == kind).map(t);
        match e["result"].as_str().unwrap_or("") {
            "intent" if e["utterance"] == "help" => {
                if let Some(done) = next("skill_response") {
                    skill_turns.push(done - t(e));
                }
            }
            "approve" => otp.extend(next("otp_sent").map(|d| d - t(e))),
            "code" => verify.extend(next("otp_checked").map(|d| d - t(e))),
            _ => {}
        }
    }
    assert_eq!(skill_turns.len(), turns, "every turn answered");
    println!(
        "in-session skill turn (utterance -> IntentRequest -> answer), {} turns: p50 {:.1} ms, p95 {:.1} ms (event-log clock, ms resolution)",
        skill_turns.len(),
        pct(&mut skill_turns.clone(), 0.5),
        pct(&mut skill_turns, 0.95)
    );
    println!(
        "\"I approve\" -> one-time code sent: {:.1} ms; spoken code -> checked and linked: {:.1} ms",
        otp.first().copied().unwrap_or(f64::NAN),
        verify.first().copied().unwrap_or(f64::NAN)
    );
    common::row(
        "voice: in-session skill turn, p95",
        &format!("{:.1} ms", pct(&mut skill_turns.clone(), 0.95)),
        "—",
        "—",
    );
    println!(
        "peak RSS of the whole run: {:.1} MB",
        rss_kb as f64 / 1024.0
    );
}
