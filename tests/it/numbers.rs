//! Bad numbers never panic (issue 16, point 6): every numeric flag, script argument and config
//! number has a range, checked at parse time; 0, -1, NaN, a huge value and garbage each exit 2
//! with a message naming the flag (or line, or field) and the range.

use std::process::Command;

fn linkscreen(args: &[&str], dir: &std::path::Path) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_numeric_flag_refuses_what_is_out_of_its_range() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = [
        "0",
        "-1",
        "NaN",
        "18446744073709551615",
        "1e308",
        "inf",
        "eighty",
    ];
    // (subcommand and its required arguments, flag, its range as the message says it, values
    // that are in range and so not tested here)
    let flags: &[(&[&str], &str, &str, &[&str])] = &[
        (
            &["run", "--headless", "--events", "e.jsonl"],
            "--timeout",
            "from 1 to 86400",
            &[],
        ),
        (
            &["run", "--headless", "--events", "e.jsonl"],
            "--give-up",
            "from 1 to 3600",
            &[],
        ),
        (
            &["run", "--headless", "--events", "e.jsonl"],
            "--scale",
            "from 0.25 to 4",
            &[],
        ),
        (
            &["run", "--headless", "--events", "e.jsonl"],
            "--tolerance",
            "from 0 to 1",
            &["0"],
        ),
        (
            &[
                "kiosk",
                "--headless",
                "--events",
                "e.jsonl",
                "--timeout",
                "5",
            ],
            "--idle-reset",
            "from 1 to 86400",
            &[],
        ),
        (
            &[
                "kiosk",
                "--headless",
                "--events",
                "e.jsonl",
                "--timeout",
                "5",
            ],
            "--answer-secs",
            "from 1 to 3600",
            &[],
        ),
        (
            &["shoot", "--out", "o"],
            "--tolerance",
            "from 0 to 1",
            &["0"],
        ),
        (&["shoot", "--out", "o"], "--jobs", "from 1 to 64", &[]),
    ];
    for (cmd, flag, range, fine) in flags {
        for v in bad.iter().chain(&["2", "99999999"]) {
            // 2 and a large whole number are in range for some flags.
            let in_range = match *flag {
                "--scale" => *v == "2",
                "--timeout" | "--idle-reset" | "--give-up" | "--answer-secs" | "--jobs" => {
                    *v == "2"
                }
                _ => false,
            };
            if fine.contains(v) || in_range {
                continue;
            }
            let arg = format!("{flag}={v}");
            let mut args = cmd.to_vec();
            args.push(&arg);
            let (code, err) = linkscreen(&args, tmp.path());
            assert_eq!(code, Some(2), "{args:?}: {err}");
            assert!(err.contains(flag) && err.contains(range), "{args:?}: {err}");
            assert!(!err.contains("panicked"), "{args:?}: {err}");
        }
    }
}

#[test]
fn a_scripts_wait_and_the_configs_interval_have_ranges() {
    let tmp = tempfile::tempdir().unwrap();
    for v in ["0", "-1", "NaN", "18446744073709551615", "3601", "soon"] {
        std::fs::write(tmp.path().join("s.script"), format!("wait home {v}\n")).unwrap();
        let (code, err) = linkscreen(
            &["run", "--headless", "--script", "s.script", "--db", "d.db"],
            tmp.path(),
        );
        assert_eq!(code, Some(2), "{v}: {err}");
        assert!(
            err.contains("line 1") && err.contains("from 1 to 3600"),
            "{v}: {err}"
        );
    }
    for v in ["0", "61"] {
        std::fs::write(
            tmp.path().join("ls.toml"),
            format!("[linking]\ninterval = {v}\n"),
        )
        .unwrap();
        let (code, err) = linkscreen(&["serve", "--config", "ls.toml"], tmp.path());
        assert_eq!(code, Some(2), "{v}: {err}");
        assert!(
            err.contains("ls.toml: linking.interval: must be 1 to 60 seconds"),
            "{v}: {err}"
        );
    }
}
