//! Time on the skill's APL screen, as a user runs the binary: a document that fades in on
//! onMount is shot once it has settled (bounded by `--settle`), in `shoot --apl` and in a
//! script's `shot`, in real time and (seeded) at once.

use std::path::Path;

/// A white screen that fades in over `ms` from opacity 0 on mount (linear).
fn fade_in(ms: u64) -> serde_json::Value {
    serde_json::json!({
        "type": "APL", "version": "2024.3",
        "onMount": [{"type": "AnimateItem", "componentId": "sheet", "duration": ms,
                     "value": [{"property": "opacity", "from": 0, "to": 1}]}],
        "mainTemplate": {"items": [{"type": "Frame", "id": "sheet", "width": "100vw",
            "height": "100vh", "backgroundColor": "white", "opacity": 0}]}
    })
}

/// The red channel at the middle of a PNG.
fn middle(png: &Path) -> u8 {
    let img = image::open(png).unwrap().to_rgba8();
    img.get_pixel(img.width() / 2, img.height() / 2).0[0]
}

/// `shoot --apl`, from another working directory: the document settles before its shot
/// (white), `--settle 0` shoots it as inflated (black), `--settle 500` halfway through
/// (grey); twice in a row the same bytes.
#[test]
fn shoot_waits_for_a_fade_in_to_settle_within_its_limit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fade.json"), fade_in(1000).to_string()).unwrap();
    let shoot = |settle: Option<&str>, out: &str| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_linkscreen"));
        c.args(["shoot", "--apl", "fade.json", "--scenes", "apl"])
            .args(["--devices", "echo-show-5", "--out", out])
            .current_dir(dir.path());
        if let Some(ms) = settle {
            c.args(["--settle", ms]);
        }
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let png = dir.path().join(out).join("echo-show-5/en-US/apl-fade.png");
        (middle(&png), std::fs::read(png).unwrap())
    };
    let (settled, bytes) = shoot(None, "a");
    assert!(settled > 240, "settled: white, found {settled}");
    assert_eq!(shoot(None, "b").1, bytes, "the same shot every run");
    let (inflated, _) = shoot(Some("0"), "c");
    assert!(inflated < 15, "as inflated: black, found {inflated}");
    let (half, _) = shoot(Some("500"), "d");
    assert!((110..=145).contains(&half), "halfway: grey, found {half}");
    // A limit that is no number is refused, naming the flag.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .args([
            "shoot",
            "--apl",
            "fade.json",
            "--out",
            "e",
            "--settle",
            "soon",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--settle"));
}

/// A script's `shot` of a skill's screen (a real skill on loopback answering with the fade):
/// in real time it waits for the fade to end; with `--settle 0` it does not; a seeded run's
/// screen jumps to its settled state at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scripts_shot_waits_for_the_skills_screen_to_settle() {
    let quick = crate::hardening::skill_answering_with(fade_in(600)).await;
    let slow = crate::hardening::skill_answering_with(fade_in(60_000)).await;
    let shot = |addr: std::net::SocketAddr, extra: &[&str]| {
        let (o, dir) = crate::hardening::run_script_at(
            addr,
            "say Alexa, open Ride Hailer\nwait skill-response 30\nshot faded\n",
            extra,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        middle(&dir.path().join("frames/faded.png"))
    };
    tokio::task::block_in_place(|| {
        let waited = shot(quick, &[]);
        assert!(waited > 240, "the shot waited for the fade: {waited}");
        let at_once = shot(slow, &["--settle", "0"]);
        assert!(at_once < 60, "--settle 0 shoots at once: {at_once}");
        let seeded = shot(slow, &["--seed", "7", "--settle", "60000"]);
        assert!(seeded > 240, "a seeded run jumps to the end: {seeded}");
    });
}
