//! Screenshot tests: `linkscreen shoot` against the goldens in tests/golden,
//! determinism, a one-pixel change caught by `--check`, and scripted journeys.
//! Set LINKSCREEN_UPDATE_GOLDENS=1 to rewrite the goldens (the run still fails, so it is never silent).

use std::path::{Path, PathBuf};
use std::process::Command;

fn linkscreen<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .args(args)
        .env("LINKSCREEN_LOG", "warn")
        .output()
        .unwrap()
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// The golden sets: every scene on echo-show-5 en-US, link-prompt on every device,
/// link-prompt in every locale on echo-show-8 (issue 5); the profile picker and the device's
/// browser (login, terms, consent, keyboard) on every device (issue 6); the emulator window on
/// every device (issue 7).
const SETS: &[(&str, &str, &str)] = &[
    ("all", "echo-show-5", "en-US"),
    ("link-prompt", "all", "en-US"),
    ("link-prompt", "echo-show-8", "all"),
    (
        "profile-picker,login,terms,consent,keyboard",
        "all",
        "en-US",
    ),
    // The designer's emulator window (frame + panel) on every device (issue 7).
    ("emulator,emulator-report", "all", "en-US"),
    // Alexa's voice-forward linking dialog on every device (issue 8).
    ("voice-link", "all", "en-US"),
    // Japanese and Arabic (right to left), every scene on every device (issue 20).
    ("all", "all", "ja-JP,ar-SA"),
];

/// A right-to-left locale mirrors the link prompt: the QR (the screen's only pure white) moves
/// from the right half to the left — in Arabic and in the mirrored pseudo-locale ar-XB; the
/// accented, longer en-XA wraps its button rather than push the QR off the screen (`--strict`).
#[test]
fn arabic_and_the_pseudo_locales_mirror_the_link_prompt_and_keep_it_on_screen() {
    let out = tempfile::tempdir().unwrap();
    let o = linkscreen(&[
        "shoot",
        "--scenes",
        "link-prompt",
        "--devices",
        "echo-show-8",
        "--locales",
        "en-US,ar-SA,ar-XB,en-XA",
        "--out",
        out.path().to_str().unwrap(),
        "--strict",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let load = |l: &str| {
        image::open(out.path().join(format!("echo-show-8/{l}/link-prompt.png")))
            .unwrap()
            .to_rgba8()
    };
    let white_x = |img: &image::RgbaImage| {
        let xs: Vec<u32> = img
            .enumerate_pixels()
            .filter(|(_, _, p)| p.0 == [255, 255, 255, 255])
            .map(|(x, _, _)| x)
            .collect();
        xs.iter().map(|&x| x as u64).sum::<u64>() / xs.len() as u64
    };
    let (en, ar) = (load("en-US"), load("ar-SA"));
    let half = u64::from(en.width() / 2);
    assert!(white_x(&en) > half, "en-US: the QR on the right");
    assert!(white_x(&ar) < half, "ar-SA: the QR on the left");
    assert!(white_x(&load("ar-XB")) < half, "ar-XB: the QR on the left");
    assert!(white_x(&load("en-XA")) > half, "en-XA: left to right");
    // `all` is the real locales; pseudo-locales are asked for by name.
    let all = tempfile::tempdir().unwrap();
    let o = linkscreen(&[
        "shoot",
        "--scenes",
        "home",
        "--devices",
        "echo-spot",
        "--locales",
        "all",
        "--out",
        all.path().to_str().unwrap(),
    ]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("17 shots"));
}

#[test]
fn every_golden_set_matches_with_no_layout_warnings() {
    let update = std::env::var_os("LINKSCREEN_UPDATE_GOLDENS").is_some();
    for (scenes, devices, locales) in SETS {
        let out = tempfile::tempdir().unwrap();
        let g = golden_dir();
        let mut args = vec![
            "shoot",
            "--scenes",
            scenes,
            "--devices",
            devices,
            "--locales",
            locales,
            "--out",
            out.path().to_str().unwrap(),
            "--check",
            g.to_str().unwrap(),
            "--strict",
        ];
        if update {
            args.push("--update");
        }
        let o = linkscreen(&args);
        assert_eq!(
            o.status.code(),
            Some(0),
            "shoot {scenes}/{devices}/{locales}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.path().join("manifest.json")).unwrap())
                .unwrap();
        assert!(
            manifest["shots"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["warnings"].as_array().unwrap().is_empty())
        );
    }
    assert!(
        !update,
        "goldens rewritten in tests/golden: review them, then run again without LINKSCREEN_UPDATE_GOLDENS"
    );
}

#[test]
fn shots_are_deterministic_and_listed_in_the_manifest_and_sheet() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for d in [&a, &b] {
        let o = linkscreen(&[
            "shoot",
            "--scenes",
            "link-prompt,success",
            "--devices",
            "echo-spot,fire-tv",
            "--locales",
            "hi-IN,fr-CA",
            "--out",
            d.path().to_str().unwrap(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let read = |d: &tempfile::TempDir| {
        serde_json::from_slice::<serde_json::Value>(
            &std::fs::read(d.path().join("manifest.json")).unwrap(),
        )
        .unwrap()
    };
    let (ma, mb) = (read(&a), read(&b));
    assert_eq!(ma["shots"].as_array().unwrap().len(), 8);
    assert_eq!(ma["summary"]["shots"], 8);
    let hashes = |m: &serde_json::Value| {
        m["shots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["sha256"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        hashes(&ma),
        hashes(&mb),
        "byte-identical PNGs for the same inputs"
    );
    let first = &ma["shots"][0];
    assert_eq!(
        (
            first["device"].as_str(),
            first["width"].as_u64(),
            first["height"].as_u64()
        ),
        (Some("echo-spot"), Some(480), Some(480))
    );
    assert!(a.path().join("fire-tv/hi-IN/link-prompt.png").exists());
    let img = image::open(a.path().join("fire-tv/fr-CA/success.png")).unwrap();
    assert_eq!((img.width(), img.height()), (1920, 1080), "real pixel size");
    let sheet = std::fs::read_to_string(a.path().join("index.html")).unwrap();
    assert!(
        sheet.contains("src=\"echo-spot/hi-IN/link-prompt.png\"")
            && sheet.contains("<select name=\"locale\"")
    );
}

#[test]
fn a_one_pixel_shift_fails_check_and_rerendering_passes() {
    let golden = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let args = |check: &str, out: &str| -> Vec<String> {
        [
            "shoot",
            "--scenes",
            "link-prompt",
            "--devices",
            "echo-show-5",
            "--locales",
            "en-US",
            "--out",
            out,
            "--check",
            check,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let shoot = |check: &str, out: &str, update: bool| {
        let mut a = args(check, out);
        if update {
            a.push("--update".into());
        }
        linkscreen(&a)
    };
    let g = golden.path().to_str().unwrap();
    let o = shoot(g, out.path().to_str().unwrap(), true);
    assert_eq!(o.status.code(), Some(0));
    // Move the "Sign in using this device" button one pixel to the right in the golden.
    let path = golden.path().join("echo-show-5/en-US/link-prompt.png");
    let mut img = image::open(&path).unwrap().to_rgba8();
    let (x0, x1, y0, y1) = (20, 320, 335, 392);
    let copy = img.clone();
    for y in y0..y1 {
        for x in (x0 + 1..x1).rev() {
            img.put_pixel(x, y, *copy.get_pixel(x - 1, y));
        }
    }
    img.save(&path).unwrap();
    let out2 = tempfile::tempdir().unwrap();
    let o = shoot(g, out2.path().to_str().unwrap(), false);
    assert_eq!(
        o.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("fail: echo-show-5/en-US/link-prompt"));
    for f in ["actual", "expected", "diff"] {
        assert!(
            out2.path()
                .join(format!("failures/echo-show-5/en-US/link-prompt.{f}.png"))
                .exists(),
            "{f} written"
        );
    }
    assert!(
        std::fs::read_to_string(out2.path().join("index.html"))
            .unwrap()
            .contains("class=\"trio\""),
        "side by side in the sheet"
    );
    // Re-render the goldens: the same render passes again.
    let o = shoot(g, out.path().to_str().unwrap(), true);
    assert_eq!(o.status.code(), Some(0));
    let o = shoot(g, out2.path().to_str().unwrap(), false);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn run_script(script: &str, extra: &[&str]) -> (std::process::Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut args = vec![
        "run".to_string(),
        "--headless".into(),
        "--device".into(),
        "echo-show-5".into(),
        "--script".into(),
        root.join(script).display().to_string(),
    ];
    args.extend([
        "--frames".into(),
        dir.path().join("frames").display().to_string(),
        "--db".into(),
        dir.path().join("ls.db").display().to_string(),
    ]);
    args.extend([
        "--events".into(),
        dir.path().join("events.jsonl").display().to_string(),
    ]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let o = linkscreen(&args);
    (o, dir)
}

#[test]
fn shipped_journey_scripts_pass() {
    let (o, dir) = run_script("tests/journeys/qr.script", &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for shot in ["link-prompt", "success", "skill-response"] {
        assert!(dir.path().join(format!("frames/{shot}.png")).exists());
    }
    let (o, _) = run_script("tests/journeys/device-sign-in.script", &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let (o, _) = run_script("tests/journeys/denied.script", &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let cfg = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/journeys/expired.toml");
    let (o, _) = run_script(
        "tests/journeys/expired.script",
        &["--config", cfg.to_str().unwrap()],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Issue 8's journeys, as the README shows them.
    for (script, extra) in [
        (
            "tests/journeys/voice-forward.script",
            &["--voice-forward", "--speaker", "Annie"][..],
        ),
        ("tests/journeys/app-to-app.script", &[][..]),
    ] {
        let (o, _) = run_script(script, extra);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{script}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn a_failing_step_exits_5_naming_the_line_and_scene() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("bad.script");
    std::fs::write(
        &script,
        "say Alexa, open Ride Hailer\nwait link-prompt 30\nexpect Welcome to Narnia\n",
    )
    .unwrap();
    let (o, _) = run_script(script.to_str().unwrap(), &[]);
    assert_eq!(o.status.code(), Some(5));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("line 3: `expect Welcome to Narnia`") && err.contains("scene: link-prompt"),
        "{err}"
    );
}

#[test]
fn script_shots_are_checked_against_goldens() {
    let g = golden_dir().join("journeys/qr");
    let update = std::env::var_os("LINKSCREEN_UPDATE_GOLDENS").is_some();
    let mut extra = vec!["--check", g.to_str().unwrap()];
    if update {
        extra.push("--update");
    }
    let (o, _) = run_script("tests/journeys/qr-check.script", &extra);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!update, "journey goldens rewritten in {}", g.display());
    // A golden that no longer matches fails the run with exit 4 and a diff.
    let tampered = tempfile::tempdir().unwrap();
    for n in ["success", "skill-response", "ride-booked"] {
        std::fs::copy(
            g.join(format!("{n}.png")),
            tampered.path().join(format!("{n}.png")),
        )
        .unwrap();
    }
    let p = tampered.path().join("skill-response.png");
    let mut img = image::open(&p).unwrap().to_rgba8();
    for y in 100..140 {
        for x in 100..300 {
            img.put_pixel(x, y, image::Rgba([255, 255, 255, 255]));
        }
    }
    img.save(&p).unwrap();
    let (o, dir) = run_script(
        "tests/journeys/qr-check.script",
        &["--check", tampered.path().to_str().unwrap()],
    );
    assert_eq!(
        o.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("shot skill-response:"));
    assert!(dir.path().join("frames/skill-response.diff.png").exists());
}

/// `shoot` with these arguments; its exit code, stdout + stderr, and manifest (when written).
fn shoot_in(out: &Path, args: &[&str]) -> (Option<i32>, String, serde_json::Value) {
    let mut a: Vec<String> = vec!["shoot".into(), "--out".into(), out.display().to_string()];
    a.extend(args.iter().map(|s| s.to_string()));
    let o = linkscreen(&a);
    let m = std::fs::read(out.join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.code(), said, m)
}

fn statuses(m: &serde_json::Value) -> Vec<String> {
    m["shots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["check"]["status"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn update_modes_write_missing_then_changed_goldens_and_an_empty_folder_says_how_to_start() {
    let golden = tempfile::tempdir().unwrap();
    let g = golden.path().to_str().unwrap();
    let set = [
        "--scenes",
        "home,code-expired",
        "--devices",
        "echo-show-5",
        "--check",
        g,
    ];
    // Nothing to compare with yet: say how to create the goldens, not "100% differ".
    let out = tempfile::tempdir().unwrap();
    let (code, said, _) = shoot_in(out.path(), &set);
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("--update missing"), "{said}");
    // --update missing writes what is not there.
    let (code, said, m) = shoot_in(out.path(), &[&set[..], &["--update", "missing"]].concat());
    assert_eq!(code, Some(0), "{said}");
    assert_eq!(statuses(&m), ["new", "new"]);
    assert_eq!(
        (
            m["summary"]["new"].as_u64(),
            m["summary"]["failed"].as_u64()
        ),
        (Some(2), Some(0))
    );
    // Goldens are written in the smaller encoding: other bytes, fewer of them, the same pixels.
    let shot = std::fs::read(out.path().join("echo-show-5/en-US/code-expired.png")).unwrap();
    let gold = std::fs::read(golden.path().join("echo-show-5/en-US/code-expired.png")).unwrap();
    assert!(gold.len() < shot.len(), "{} < {}", gold.len(), shot.len());
    assert_eq!(
        image::load_from_memory(&gold).unwrap().to_rgba8(),
        image::load_from_memory(&shot).unwrap().to_rgba8()
    );
    // Spoil one golden: `missing` leaves it (and fails), `changed` rewrites it.
    let spoilt = golden.path().join("echo-show-5/en-US/home.png");
    let mut img = image::open(&spoilt).unwrap().to_rgba8();
    for p in img.pixels_mut().take(20_000) {
        *p = image::Rgba([255, 0, 255, 255]);
    }
    img.save(&spoilt).unwrap();
    let before = std::fs::read(&spoilt).unwrap();
    let (code, said, m) = shoot_in(out.path(), &[&set[..], &["--update", "missing"]].concat());
    assert_eq!(code, Some(4), "{said}");
    assert_eq!(statuses(&m), ["fail", "pass"]);
    assert_eq!(
        std::fs::read(&spoilt).unwrap(),
        before,
        "missing does not touch an existing golden"
    );
    let (code, said, m) = shoot_in(out.path(), &[&set[..], &["--update", "changed"]].concat());
    assert_eq!(code, Some(0), "{said}");
    assert_eq!(statuses(&m), ["updated", "pass"]);
    let (code, said, m) = shoot_in(out.path(), &set);
    assert_eq!(code, Some(0), "{said}");
    assert_eq!(statuses(&m), ["pass", "pass"]);
    // The thresholds in force are in the manifest.
    assert_eq!(m["summary"]["pixel_threshold"], 24);
    assert_eq!(m["summary"]["tolerance"], 0.0001);
    let (code, _, m) = shoot_in(
        out.path(),
        &[&set[..], &["--pixel-threshold", "0"]].concat(),
    );
    assert_eq!(code, Some(0));
    assert_eq!(m["summary"]["pixel_threshold"], 0);
    let (code, said, _) = shoot_in(
        out.path(),
        &[&set[..], &["--pixel-threshold", "300"]].concat(),
    );
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("--pixel-threshold"), "{said}");
}

#[test]
fn junit_names_every_shot_and_the_failures_diff() {
    let golden = tempfile::tempdir().unwrap();
    let g = golden.path().to_str().unwrap();
    let set = [
        "--scenes",
        "home,success",
        "--devices",
        "echo-show-5",
        "--check",
        g,
    ];
    let out = tempfile::tempdir().unwrap();
    assert_eq!(
        shoot_in(out.path(), &[&set[..], &["--update"]].concat()).0,
        Some(0)
    );
    // The success screen's golden gets a white block: that shot fails.
    let p = golden.path().join("echo-show-5/en-US/success.png");
    let mut img = image::open(&p).unwrap().to_rgba8();
    for y in 0..100 {
        for x in 0..100 {
            img.put_pixel(x, y, image::Rgba([255, 255, 255, 255]));
        }
    }
    img.save(&p).unwrap();
    let junit = out.path().join("junit.xml");
    let (code, said, m) = shoot_in(
        out.path(),
        &[&set[..], &["--junit", junit.to_str().unwrap()]].concat(),
    );
    assert_eq!(code, Some(4), "{said}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<testcase ").count(), 2, "{xml}");
    assert_eq!(xml.matches("<failure").count(), 1, "{xml}");
    assert!(xml.contains("name=\"en-US/success\""), "{xml}");
    assert!(
        xml.contains("failures/echo-show-5/en-US/success.diff.png"),
        "{xml}"
    );
    assert!(
        xml.contains("tests=\"2\"") && xml.contains("failures=\"1\""),
        "{xml}"
    );
    // The sheet puts the failure first and says the counts.
    let sheet = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    let (fail_at, pass_at) = (
        sheet.find("data-scene=\"success\"").unwrap(),
        sheet.find("data-scene=\"home\"").unwrap(),
    );
    assert!(fail_at < pass_at, "failures first");
    assert!(sheet.contains("1 passed"), "summary header");
    assert_eq!(m["summary"]["failed"], 1);
}

#[test]
fn shards_from_two_machines_merge_into_one_manifest_and_sheet() {
    let (one, two, all) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let set = [
        "--scenes",
        "home,success,code-expired",
        "--devices",
        "echo-show-5,echo-spot",
    ];
    let (c1, s1, m1) = shoot_in(one.path(), &[&set[..], &["--shard", "1/2"]].concat());
    let (c2, s2, m2) = shoot_in(two.path(), &[&set[..], &["--shard", "2/2"]].concat());
    assert_eq!((c1, c2), (Some(0), Some(0)), "{s1}{s2}");
    let (n1, n2) = (
        m1["summary"]["shots"].as_u64().unwrap(),
        m2["summary"]["shots"].as_u64().unwrap(),
    );
    assert_eq!(n1 + n2, 6);
    assert!(n1 > 0 && n2 > 0);
    let o = linkscreen(&[
        "shoot",
        "--out",
        all.path().to_str().unwrap(),
        "--merge",
        one.path().to_str().unwrap(),
        two.path().to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(all.path().join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["summary"]["shots"], 6);
    for s in m["shots"].as_array().unwrap() {
        assert!(all.path().join(s["path"].as_str().unwrap()).exists(), "{s}");
    }
    let sheet = std::fs::read_to_string(all.path().join("index.html")).unwrap();
    assert_eq!(sheet.matches("<figure").count(), 6);
    // The same shard twice is refused.
    let o = linkscreen(&[
        "shoot",
        "--out",
        all.path().to_str().unwrap(),
        "--merge",
        one.path().to_str().unwrap(),
        one.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("more than one shard"));
    // A shard outside 1..=N is a usage error.
    let (code, said, _) = shoot_in(all.path(), &[&set[..], &["--shard", "0/2"]].concat());
    assert_eq!(code, Some(2), "{said}");
}

#[test]
fn log_lines_carry_no_colour_codes_into_a_file_or_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .args(["run", "--headless", "--device", "echo-show-5", "--script"])
        .arg(root.join("tests/journeys/qr.script"))
        .arg("--db")
        .arg(dir.path().join("ls.db"))
        .env("LINKSCREEN_LOG", "linkscreen=info")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("INFO") && err.contains("linked"),
        "a log line was written: {err}"
    );
    assert!(!err.contains('\u{1b}'), "no ANSI escape codes: {err:?}");
}

#[test]
fn a_scripts_junit_report_has_a_testcase_per_step_the_failure_and_the_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("bad.script");
    std::fs::write(
        &script,
        "say Alexa, open Ride Hailer\nwait link-prompt 30\nexpect Welcome to Narnia\nwait home 5\n",
    )
    .unwrap();
    let junit = dir.path().join("junit.xml");
    let (o, _) = run_script(
        script.to_str().unwrap(),
        &["--junit", junit.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(5));
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<testcase ").count(), 4, "{xml}");
    assert_eq!(xml.matches("<failure").count(), 1, "{xml}");
    assert_eq!(xml.matches("<skipped").count(), 1, "{xml}");
    assert!(
        xml.contains("line 3: expect Welcome to Narnia") && xml.contains("scene: link-prompt"),
        "{xml}"
    );
}

#[test]
fn a_live_link_prompt_is_golden_checked_with_its_code_qr_and_countdown_masked() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("prompt.script");
    std::fs::write(
        &script,
        "say Alexa, open Ride Hailer\nwait link-prompt 30\nshot prompt\n",
    )
    .unwrap();
    let golden = dir.path().join("golden");
    let g = golden.to_str().unwrap();
    let s = script.to_str().unwrap();
    let masks = [
        "--mask",
        "code,qr,countdown,url",
        "--mask-region",
        "0,0,40,40",
    ];
    // Golden from one run, checked by another: a new random code, QR and countdown each time.
    let (o, _) = run_script(s, &[&["--check", g, "--update"][..], &masks].concat());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let (o, _) = run_script(s, &[&["--check", g][..], &masks].concat());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // The masked corner is painted in one colour in the golden.
    let img = image::open(golden.join("prompt.png")).unwrap().to_rgba8();
    assert_eq!(img.get_pixel(5, 5).0, [255, 0, 255, 255]);
    // Without the masks the same screen differs (its code and QR are new).
    let (o, _) = run_script(s, &["--check", g]);
    assert_eq!(
        o.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_progress_bar_on_a_terminal_and_only_the_summary_line_in_a_pipe() {
    let out = tempfile::tempdir().unwrap();
    let cmd = format!(
        "{} shoot --scenes home --devices echo-show-5 --locales all --jobs 1 --out {}",
        env!("CARGO_BIN_EXE_linkscreen"),
        out.path().display()
    );
    // `script` runs the command on a pseudo-terminal (util-linux, on every Debian).
    let tty = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&tty.stdout);
    assert!(tty.status.success(), "{shown}");
    assert!(
        shown.contains("/17 shots"),
        "a bar on the terminal: {shown:?}"
    );
    // In a pipe: no bar, just the summary line.
    let piped = linkscreen(&[
        "shoot",
        "--scenes",
        "home",
        "--devices",
        "echo-show-5",
        "--locales",
        "all",
        "--jobs",
        "1",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    let (o, e) = (
        String::from_utf8_lossy(&piped.stdout),
        String::from_utf8_lossy(&piped.stderr),
    );
    assert!(o.starts_with("17 shots, 0 warnings"), "{o}");
    assert!(!e.contains("shots") && !e.contains('\u{1b}'), "{e:?}");
}

/// Every PNG a run wrote (frames and shots), by name.
fn pngs(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

/// A seeded headless run of `script` from `cwd`, frames to `cwd/frames` (relative paths, as
/// a user types them).
fn seeded_run(cwd: &Path, script: &Path, seed: &str) -> (std::process::Output, PathBuf) {
    let o = Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .current_dir(cwd)
        .args(["run", "--headless", "--device", "echo-show-5", "--script"])
        .arg(script)
        .args(["--frames", "frames", "--seed", seed])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (o, cwd.join("frames"))
}

#[test]
fn two_live_journeys_with_the_same_seed_give_byte_identical_frames() {
    let qr = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/journeys/qr.script");
    let journey = |seed: &str| {
        let cwd = tempfile::tempdir().unwrap();
        let (o, frames) = seeded_run(cwd.path(), &qr, seed);
        let said = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(0), "{said}");
        assert!(
            said.contains(&format!("--seed {seed}")),
            "the run says it is seeded: {said}"
        );
        pngs(&frames)
    };
    // Twice in a row: each seeded run starts from an empty database, so the second finds no
    // stored link and plays the same journey.
    let (a, b) = (journey("7311"), journey("7311"));
    assert!(
        a.len() >= 5 && a.contains_key("link-prompt.png"),
        "{:?}",
        a.keys()
    );
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "the same frames"
    );
    for (name, png) in &a {
        assert!(
            png == &b[name],
            "{name} differs between two runs with seed 7311"
        );
    }
    // Another seed: another code, URL port and QR on the prompt.
    let c = journey("7312");
    assert!(c["link-prompt.png"] != a["link-prompt.png"]);
}

#[test]
fn seeds_are_refused_where_codes_must_be_secret_or_a_database_is_kept() {
    for (args, why) in [
        (&["run", "--headless", "--seed", "1", "--lan"][..], "--lan"),
        (
            &["run", "--headless", "--seed", "1", "--db", "x.db"],
            "--db",
        ),
        (&["kiosk", "--seed", "1"], "predictable"),
    ] {
        let o = linkscreen(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let said = String::from_utf8_lossy(&o.stderr);
        assert!(said.contains(why), "{args:?}: {said}");
    }
}

/// Shoots the APL documents of `corpus` on every device against the goldens in
/// `tests/golden/<golden>` (`LINKSCREEN_UPDATE_GOLDENS=1` rewrites them, and the test fails so
/// they are looked at): what the run said and its manifest.
fn apl_goldens(corpus: &Path, golden: &str) -> (String, serde_json::Value) {
    let g = golden_dir().join(golden);
    let update = std::env::var_os("LINKSCREEN_UPDATE_GOLDENS").is_some();
    let out = tempfile::tempdir().unwrap();
    let (c, p) = (corpus.to_str().unwrap(), g.to_str().unwrap());
    let mut args = vec![
        "--apl",
        c,
        "--scenes",
        "apl",
        "--devices",
        "all",
        "--check",
        p,
    ];
    if update {
        args.push("--update");
    }
    let (code, said, m) = shoot_in(out.path(), &args);
    assert_eq!(code, Some(0), "{said}");
    assert!(!update, "goldens rewritten in {}", g.display());
    (said, m)
}

/// The APL corpus (`tests/fixtures/apl`: documents written for linkscreen in the shapes of
/// Amazon's responsive templates and of the APL reference's examples) on every device against
/// goldens (`LINKSCREEN_UPDATE_GOLDENS=1` rewrites them), with the lint's APL findings.
#[test]
fn apl_documents_match_their_goldens_on_every_device() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/apl");
    let (said, m) = apl_goldens(&corpus, "apl");
    let shots = m["shots"].as_array().unwrap();
    assert_eq!(shots.len(), 24 * 6, "{said}");
    assert!(statuses(&m).iter().all(|s| s == "pass"), "{said}");
    let warnings = |device: &str, scene: &str| -> Vec<String> {
        shots
            .iter()
            .find(|s| s["device"] == device && s["scene"] == scene)
            .and_then(|s| s["warnings"].as_array())
            .map(|w| {
                w.iter()
                    .map(|x| x.as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    // The document's problems, with their JSON paths.
    // The run's APL problems are summed up on stderr.
    assert!(
        said.contains("APL: ") && said.contains("problem(s) in"),
        "{said}"
    );
    let w = warnings("echo-show-8", "apl-unsupported");
    for expected in [
        "apl_unsupported at $.document.import[0]",
        "apl_unsupported at $.document.mainTemplate.items[0].items[1].items[0].source: VectorGraphic from a URL",
        "apl_unsupported at $.document.mainTemplate.items[0].items[1].items[2].type: component \"CompanyCarousel\"",
        "apl_error at $.document.mainTemplate.items[0].items[2].text",
    ] {
        assert!(
            w.iter().any(|x| x.starts_with(expected)),
            "{expected}: {w:#?}"
        );
    }
    // Text cut by maxLines, and text a round screen's glass cuts; a list's rows past its end
    // scroll into view and are not flagged.
    assert!(
        warnings("echo-show-5", "apl-text-styles")
            .iter()
            .any(|x| x.contains("text clipped or elided: “Two lines at most")),
    );
    assert!(
        warnings("echo-spot", "apl-text-styles")
            .iter()
            .any(|x| x.contains("APL text “Heading, 40dp bold” reaches outside the round screen")),
    );
    assert!(
        warnings("echo-show-8", "apl-scroll-sequence").is_empty(),
        "{:#?}",
        warnings("echo-show-8", "apl-scroll-sequence")
    );
}

/// A list of subjects (`{"subjects": [...]}`) shoots one document with several datasources —
/// an empty list, a long one — each its own named shot; the paths are the list file's, run
/// from another folder; a subject without a name is refused naming where.
#[test]
fn a_subjects_file_shoots_one_document_with_several_datasources() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("screens");
    std::fs::create_dir_all(&dir).unwrap();
    let doc = serde_json::json!({
        "type": "APL", "version": "2024.3",
        "mainTemplate": {"parameters": ["payload"], "items": [{"type": "Container", "items": [
            {"type": "Text", "text": "${payload.list.title}", "fontSize": 32},
            {"type": "Text", "when": "${payload.list.items.length == 0}", "text": "Nothing yet", "fontSize": 24},
            {"type": "Sequence", "data": "${payload.list.items}", "height": "80vh",
             "items": [{"type": "Text", "text": "${data}", "fontSize": 24}]}
        ]}]}
    });
    std::fs::write(dir.join("list.json"), doc.to_string()).unwrap();
    std::fs::write(
        dir.join("long.json"),
        serde_json::json!({"list": {"title": "Many", "items": (1..=40).map(|i| format!("Row {i}")).collect::<Vec<_>>()}}).to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.join("subjects.json"),
        serde_json::json!({"subjects": [
            {"name": "empty list", "document": "list.json", "datasources": {"list": {"title": "None", "items": []}}},
            {"name": "long-list", "document": "list.json", "datasources": "long.json"}
        ]})
        .to_string(),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let (code, said, m) = shoot_in(
        &out,
        &[
            "--apl",
            dir.join("subjects.json").to_str().unwrap(),
            "--scenes",
            "apl",
            "--devices",
            "echo-show-8",
        ],
    );
    assert_eq!(code, Some(0), "{said}");
    let ids: Vec<&str> = m["shots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["scene"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(ids, vec!["apl-empty-list", "apl-long-list"], "{m:#}");
    for id in &ids {
        assert!(out.join(format!("echo-show-8/en-US/{id}.png")).is_file());
    }
    // Differently bound, differently drawn.
    let a = std::fs::read(out.join("echo-show-8/en-US/apl-empty-list.png")).unwrap();
    let b = std::fs::read(out.join("echo-show-8/en-US/apl-long-list.png")).unwrap();
    assert_ne!(a, b);
    // A subject without a name: exit 2, the file and the subject named.
    std::fs::write(
        dir.join("bad.json"),
        serde_json::json!({"subjects": [{"document": "list.json"}]}).to_string(),
    )
    .unwrap();
    let (code, said, _) = shoot_in(
        &tmp.path().join("out2"),
        &[
            "--apl",
            dir.join("bad.json").to_str().unwrap(),
            "--scenes",
            "apl",
        ],
    );
    assert_eq!(code, Some(2), "{said}");
    assert!(
        said.contains("bad.json") && said.contains("subjects[0].name"),
        "{said}"
    );
}

/// `shoot --apl PATH --scenes apl --devices DEVICES --out OUT`.
fn shoot_apl(path: &Path, devices: &str, out: &Path) -> std::process::Output {
    linkscreen(&[
        "shoot",
        "--apl",
        path.to_str().unwrap(),
        "--scenes",
        "apl",
        "--devices",
        devices,
        "--out",
        out.to_str().unwrap(),
    ])
}

#[test]
fn apl_on_a_round_screen_is_masked_to_the_circle() {
    // A document that paints its whole rectangle white: on the Echo Spot only the circle shows.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("white.json"),
        r##"{"type": "APL", "version": "2023.3", "mainTemplate": {"items": [
            {"type": "Frame", "width": "100vw", "height": "100vh", "backgroundColor": "white"}]}}"##,
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = shoot_apl(
        &dir.path().join("white.json"),
        "echo-spot,echo-show-5",
        &out,
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let spot = image::open(out.join("echo-spot/en-US/apl-white.png"))
        .unwrap()
        .to_rgba8();
    let white = |p: &image::Rgba<u8>| p.0[..3].iter().all(|c| *c > 240);
    assert!(
        white(spot.get_pixel(240, 240)),
        "the circle shows the document"
    );
    for (x, y) in [(2, 2), (477, 2), (2, 477), (477, 477), (30, 30)] {
        assert!(
            !white(spot.get_pixel(x, y)),
            "({x},{y}) is outside the round glass"
        );
    }
    // A rectangular screen shows the whole rectangle.
    let show = image::open(out.join("echo-show-5/en-US/apl-white.png"))
        .unwrap()
        .to_rgba8();
    assert!(white(show.get_pixel(2, 2)) && white(show.get_pixel(957, 477)));
}

#[test]
fn shoot_apl_names_every_file_of_a_folder_it_could_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    let doc = r#"{"type": "APL", "version": "2023.3", "mainTemplate": {"items": [{"type": "Text", "text": "hi"}]}}"#;
    std::fs::write(docs.join("good.json"), doc).unwrap();
    std::fs::write(docs.join("broken.json"), "{\"type\": \"APL\", ").unwrap();
    std::fs::write(docs.join("cards.json"), doc).unwrap();
    std::fs::write(docs.join("cards.datasources.json"), "{oops").unwrap();
    let out = dir.path().join("out");
    let o = shoot_apl(&docs, "echo-show-5", &out);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(out.join("echo-show-5/en-US/apl-good.png").is_file());
    let skipped: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("--apl: skipped"))
        .collect();
    // broken.json, the broken datasources file itself, and the document it belongs to.
    assert_eq!(skipped.len(), 3, "{err}");
    assert!(
        skipped
            .iter()
            .any(|l| l.contains("cards.datasources.json: not JSON")),
        "{err}"
    );
    assert!(
        skipped.iter().any(|l| l.contains("broken.json: not JSON")),
        "{err}"
    );
    assert!(
        skipped
            .iter()
            .any(|l| l.contains("cards.json: its datasources") && l.contains("not JSON")),
        "{err}"
    );
    // A folder of broken documents only: the run fails, and says which files they are.
    for f in ["good.json", "cards.json", "cards.datasources.json"] {
        std::fs::remove_file(docs.join(f)).unwrap();
    }
    let o = shoot_apl(&docs, "echo-show-5", &dir.path().join("none"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--apl: skipped") && err.contains("broken.json: not JSON"),
        "{err}"
    );
    assert!(err.contains("no APL documents there"), "{err}");
}

/// An `--out` that is a file is refused in words, not with the system's error number.
#[test]
fn shoot_out_that_is_a_file_is_refused_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("afile");
    std::fs::write(&file, "x").unwrap();
    let o = linkscreen(&[
        "shoot",
        "--scenes",
        "home",
        "--devices",
        "echo-show-5",
        "--out",
        file.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("is a file; give a folder"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), b"x");
}

#[test]
fn a_document_that_inflates_to_nothing_is_an_empty_screen_and_an_apl_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("nothing.json"),
        r#"{"type": "APL", "version": "2023.3", "mainTemplate": {"items": [
            {"type": "Text", "when": "${viewport.width < 0}", "text": "never"}]}}"#,
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = shoot_apl(&dir.path().join("nothing.json"), "echo-show-5", &out);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("apl_error at $.document.mainTemplate: the document inflates to no component"),
        "{err}"
    );
    // One colour edge to edge: nothing of the built-in screen shows through.
    let img = image::open(out.join("echo-show-5/en-US/apl-nothing.png"))
        .unwrap()
        .to_rgba8();
    let first = *img.get_pixel(0, 0);
    assert!(img.pixels().all(|p| *p == first), "the screen is not empty");
}

/// A shot fetches nothing: a web image is a plain neutral area with no text over it, listed
/// in the manifest; `--images DIR` draws the real file, found by the address's last part or
/// by `DIR/images.json`. The real binary, from another working directory.
#[test]
fn web_images_are_plain_offline_and_drawn_from_images_dir() {
    let dir = tempfile::tempdir().unwrap();
    let doc = r##"{"type": "APL", "version": "2024.3", "mainTemplate": {"items": [
        {"type": "Container", "width": "100vw", "height": "100vh", "direction": "row", "items": [
          {"type": "Image", "source": "https://cdn.example.com/img/red.png", "width": "50vw", "height": "100vh", "scale": "fill"},
          {"type": "Image", "source": "https://cdn.example.com/other/photo?id=7", "width": "50vw", "height": "100vh", "scale": "fill"}]}]}}"##;
    std::fs::write(dir.path().join("photos.json"), doc).unwrap();
    let pixel = |out: &Path, x: u32| {
        let img = image::open(out.join("echo-show-5/en-US/apl-photos.png"))
            .unwrap()
            .to_rgba8();
        *img.get_pixel(x, img.height() / 2)
    };
    let manifest = |out: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap()
    };
    // Offline: both are placeholders, the same plain grey, listed, and no warning about them.
    let out = dir.path().join("offline");
    let o = Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .current_dir(dir.path())
        .args([
            "shoot",
            "--apl",
            "photos.json",
            "--scenes",
            "apl",
            "--devices",
            "echo-show-5",
            "--out",
            "offline",
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let m = manifest(&out);
    let shot = &m["shots"][0];
    assert_eq!(
        shot["offline_images"],
        serde_json::json!([
            "https://cdn.example.com/img/red.png",
            "https://cdn.example.com/other/photo?id=7"
        ])
    );
    assert_eq!(shot["warnings"], serde_json::json!([]), "{shot}");
    // The run's end says so, and which option draws them.
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(
        said.contains("1 of 1 shots draw web images as grey placeholders")
            && said.contains("--images DIR"),
        "{said}"
    );
    let (left, right) = (pixel(&out, 240), pixel(&out, 720));
    assert_eq!(left, right);
    let near = |a: u8, b: u8| a.abs_diff(b) <= 4;
    assert!(
        left[0] > 20 && near(left[0], left[1]) && near(left[1], left[2]),
        "a neutral grey: {left:?}"
    );
    // Every pixel of the left half is that grey: no label across it.
    let img = image::open(out.join("echo-show-5/en-US/apl-photos.png"))
        .unwrap()
        .to_rgba8();
    for y in (0..img.height()).step_by(7) {
        for x in (0..470).step_by(7) {
            assert_eq!(*img.get_pixel(x, y), left, "at {x},{y}");
        }
    }
    // With --images: red.png by its name, the other by images.json.
    let images = dir.path().join("images");
    std::fs::create_dir_all(&images).unwrap();
    image::RgbaImage::from_pixel(4, 4, image::Rgba([255, 0, 0, 255]))
        .save(images.join("red.png"))
        .unwrap();
    image::RgbaImage::from_pixel(4, 4, image::Rgba([0, 0, 255, 255]))
        .save(images.join("blue.png"))
        .unwrap();
    std::fs::write(
        images.join("images.json"),
        r#"{"https://cdn.example.com/other/photo?id=7": "blue.png"}"#,
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .current_dir(dir.path())
        .args([
            "shoot",
            "--apl",
            "photos.json",
            "--scenes",
            "apl",
            "--devices",
            "echo-show-5",
            "--images",
            "images",
            "--out",
            "drawn",
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = dir.path().join("drawn");
    assert_eq!(pixel(&out, 240), image::Rgba([255, 0, 0, 255]));
    assert_eq!(pixel(&out, 720), image::Rgba([0, 0, 255, 255]));
    assert!(manifest(&out)["shots"][0].get("offline_images").is_none());
    assert!(!String::from_utf8_lossy(&o.stderr).contains("placeholders"));
    // A map to a file that is not there, and a file that is no image: said, and drawn plain.
    std::fs::write(images.join("not-an-image.png"), "hello").unwrap();
    std::fs::write(
        images.join("images.json"),
        r#"{"https://cdn.example.com/other/photo?id=7": "gone.png", "https://cdn.example.com/img/red.png": "not-an-image.png"}"#,
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .current_dir(dir.path())
        .args([
            "shoot",
            "--apl",
            "photos.json",
            "--scenes",
            "apl",
            "--devices",
            "echo-show-5",
            "--images",
            "images",
            "--out",
            "mapped",
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let w = manifest(&dir.path().join("mapped"))["shots"][0]["warnings"].to_string();
    assert!(
        w.contains("gone.png") && w.contains("not a PNG or JPEG"),
        "{w}"
    );
    // A broken map is an error naming the file.
    std::fs::write(images.join("images.json"), "{oops").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .current_dir(dir.path())
        .args([
            "shoot",
            "--apl",
            "photos.json",
            "--scenes",
            "apl",
            "--devices",
            "echo-show-5",
            "--images",
            "images",
            "--out",
            "broken",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_ne!(o.status.code(), Some(0));
    assert!(err.contains("images.json"), "{err}");
}

/// Amazon's own documents (`../shared/apl-corpus`, read from there at test time, never copied
/// into the project) on every device against goldens drawn by linkscreen with its own
/// packages, as a user runs it (`LINKSCREEN_UPDATE_GOLDENS=1` rewrites them). Every document
/// draws (none is skipped), and no warning is about something linkscreen failed to do
/// silently: the ones left are the samples' own problems and images shoot does not fetch.
#[test]
fn amazons_documents_match_their_goldens_on_every_device() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/apl-corpus");
    let (said, m) = apl_goldens(&corpus, "corpus");
    let shots = m["shots"].as_array().unwrap();
    assert_eq!(shots.len(), 30 * 6, "{said}");
    assert!(!said.contains("skipped"), "{said}");
    assert!(statuses(&m).iter().all(|s| s == "pass"), "{said}");
}

/// `--reference DIR` sets each APL shot beside another renderer's pixels of the same document
/// (`<document>.<device>.png`): linkscreen left, the reference (scaled to the shot's height)
/// right; the manifest and the contact sheet name the pair. A document without one is shot
/// as usual.
#[test]
fn shots_sit_beside_their_reference_pixels() {
    let dir = tempfile::tempdir().unwrap();
    let doc = r##"{"type": "APL", "version": "2024.3", "mainTemplate": {"items": [
        {"type": "Frame", "width": "100vw", "height": "100vh", "backgroundColor": "#00ff00"}]}}"##;
    std::fs::write(dir.path().join("green.json"), doc).unwrap();
    std::fs::write(dir.path().join("other.json"), doc).unwrap();
    let refs = dir.path().join("refs");
    std::fs::create_dir_all(&refs).unwrap();
    // Half the shot's size: scaled up to its height.
    image::RgbaImage::from_pixel(480, 240, image::Rgba([255, 0, 255, 255]))
        .save(refs.join("green.echo-show-5.png"))
        .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .current_dir(dir.path())
        .args([
            "shoot",
            "--apl",
            ".",
            "--scenes",
            "apl",
            "--devices",
            "echo-show-5",
            "--reference",
            "refs",
            "--out",
            "out",
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = dir.path().join("out");
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let shot = |scene: &str| {
        m["shots"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["scene"] == scene)
            .unwrap()
            .clone()
    };
    let pair_path = shot("apl-green")["reference"].as_str().unwrap().to_owned();
    assert_eq!(pair_path, "echo-show-5/en-US/apl-green.vs-reference.png");
    assert!(shot("apl-other").get("reference").is_none());
    let pair = image::open(out.join(&pair_path)).unwrap().to_rgba8();
    assert_eq!(pair.dimensions(), (960 + 8 + 960, 480));
    assert_eq!(*pair.get_pixel(100, 240), image::Rgba([0, 255, 0, 255]));
    assert_eq!(
        *pair.get_pixel(968 + 500, 240),
        image::Rgba([255, 0, 255, 255])
    );
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("apl-green.vs-reference.png"), "{index}");
}

/// A shot does not depend on the shots the same process drew before it: a text of the same
/// pixel size on two devices of different density (Echo Show 10 at 160 dpi, Fire TV at 320) is
/// measured for each, so Fire TV's shot after Echo Show 10's is the shot it is alone.
#[test]
fn a_shot_is_the_same_after_other_devices_shots_in_one_process() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("title.json"),
        r#"{"type": "APL", "version": "2024.3", "mainTemplate": {"items": [
            {"type": "Container", "items": [
                {"type": "Text", "fontSize": "${viewport.dpi > 200 ? 20 : 40}",
                 "width": "${viewport.dpi > 200 ? 150 : 300}",
                 "text": "Nurseries and garden centres near you"}]}]}}"#,
    )
    .unwrap();
    let shoot = |devices: &str, out: &str| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_linkscreen"))
            .args([
                "shoot",
                "--apl",
                "title.json",
                "--scenes",
                "apl",
                "--jobs",
                "1",
            ])
            .args(["--devices", devices, "--out", out])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read(dir.path().join(out).join("fire-tv/en-US/apl-title.png")).unwrap()
    };
    assert!(
        shoot("echo-show-10,fire-tv", "both") == shoot("fire-tv", "alone"),
        "Fire TV's shot changed after Echo Show 10's"
    );
}

/// Three processes that take the items one at a time as each finishes one draw the same
/// shots as one process: every shot once, the same bytes, no partial manifest left behind.
#[test]
fn shots_shared_among_processes_are_the_shots_one_process_draws() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/apl");
    let dir = tempfile::tempdir().unwrap();
    let shots = |jobs: &str| {
        let out = dir.path().join(jobs);
        let o = linkscreen(&[
            "shoot",
            "--apl",
            docs.to_str().unwrap(),
            "--scenes",
            "apl",
            "--devices",
            "echo-show-5,echo-spot",
            "--jobs",
            jobs,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let left: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".manifest-shard"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
        m["shots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let f = |k: &str| s[k].as_str().unwrap().to_owned();
                (f("device"), f("scene"), f("sha256"))
            })
            .collect::<Vec<_>>()
    };
    let one = shots("1");
    // The fixtures' 24 documents on two devices.
    assert_eq!(one.len(), 2 * 24, "{one:?}");
    assert_eq!(shots("3"), one);
}
