//! The kiosk host's and the CI engineer's ports (issue 32): a kiosk on a LAN says the address
//! phones use and keeps the port it is given (`--port`, for a firewall rule); two seeded runs
//! at once say that the seed fixes the port and how to pick another. The real binary, run
//! from another working directory; 127.0.0.2 stands in for the LAN.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::journey::{Device, free_port};

fn linkscreen(cwd: &std::path::Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_linkscreen"));
    c.current_dir(cwd).args(args).env("LINKSCREEN_LOG", "warn");
    c
}

#[test]
fn a_kiosk_on_the_lan_prints_the_phones_address_on_the_port_it_was_given() {
    let port = free_port();
    let p = port.to_string();
    // Twice in a row: the same port each start.
    for _ in 0..2 {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(
            tmp.path().join("k.script"),
            "say Alexa, open Ride Hailer\nwait link-prompt 30\n",
        )
        .unwrap();
        let out = linkscreen(
            tmp.path(),
            &[
                "kiosk",
                "--headless",
                "--script",
                "k.script",
                "--events",
                "ev.jsonl",
                "--db",
                "k.db",
                "--lan-address",
                "127.0.0.2",
                "--port",
                &p,
            ],
        )
        .output()
        .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{err}");
        assert!(
            err.contains(&format!(
                "phones on the LAN reach this device at http://127.0.0.2:{port} (TCP port {port})"
            )),
            "{err}"
        );
        let ev = std::fs::read_to_string(tmp.path().join("ev.jsonl")).unwrap();
        assert!(
            ev.contains(&format!("\"qr_url\":\"http://127.0.0.2:{port}/")),
            "the QR code carries the LAN address and the port: {ev}"
        );
    }
}

#[test]
fn two_runs_with_one_seed_at_once_say_the_seed_fixes_the_port() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("hold.script"),
        "say Alexa, open Ride Hailer\nwait link-prompt 30\nwait success 300\n",
    )
    .unwrap();
    // The first run holds its port, waiting on the prompt.
    let first = linkscreen(
        tmp.path(),
        &[
            "run",
            "--headless",
            "--seed",
            "41",
            "--script",
            "hold.script",
            "--events",
            "first.jsonl",
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let holder = Device {
        dir: tempfile::tempdir().unwrap(),
        child: first,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while !std::fs::read_to_string(tmp.path().join("first.jsonl"))
        .unwrap_or_default()
        .contains("\"type\":\"prompt\"")
    {
        assert!(
            Instant::now() < deadline,
            "the first seeded run did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = linkscreen(
        tmp.path(),
        &[
            "run",
            "--headless",
            "--seed",
            "41",
            "--say",
            "Alexa, open Ride Hailer",
        ],
    )
    .output()
    .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("Address already in use"), "{err}");
    assert!(
        err.contains("--seed 41 picks port 20041")
            && err.contains("the same seed")
            && err.contains("Give this run --port N"),
        "{err}"
    );
    drop(holder);
}

#[test]
fn an_explicit_port_beats_the_seeds_and_a_kiosk_that_can_never_reach_until_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port().to_string();
    let out = linkscreen(
        tmp.path(),
        &[
            "run",
            "--headless",
            "--seed",
            "9",
            "--port",
            &port,
            "--say",
            "Alexa, open Ride Hailer",
            "--until",
            "link-prompt",
            "--events",
            "ev.jsonl",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ev = std::fs::read_to_string(tmp.path().join("ev.jsonl")).unwrap();
    assert!(ev.contains(&format!("127.0.0.1:{port}/")), "{ev}");
    assert!(!ev.contains("127.0.0.1:20009/"), "{ev}");

    // A headless kiosk says nothing itself: --until without --say or --script would wait forever.
    let out = linkscreen(
        tmp.path(),
        &[
            "kiosk",
            "--headless",
            "--db",
            "k.db",
            "--until",
            "link-prompt",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("a kiosk waits for its visitors"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
