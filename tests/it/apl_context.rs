//! The APL visual context a skill's requests carry, as a real device sends it: each
//! component with an id, and where it is on the screen (`position`, in pixels).

/// A skill on loopback answers with a screen of one button at a known place; a script taps it.
/// The UserEvent's visual context gives the button's position in device pixels (Echo Show 8:
/// 213 dpi, 1.33 px a dp), its depth after the colon.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_touch_tells_the_skill_where_its_components_are() {
    let document = serde_json::json!({
        "type": "APL", "version": "2024.3",
        "mainTemplate": {"items": [{"type": "Container", "width": "100vw", "height": "100vh",
            "items": [{"type": "TouchWrapper", "id": "go", "position": "absolute",
                "left": 30, "top": 60, "width": 300, "height": 90,
                "onPress": {"type": "SendEvent", "arguments": ["go"]},
                "item": {"type": "Text", "text": "Go now"}}]}]}
    });
    let addr = crate::hardening::skill_answering_with(document).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ls.toml"),
        format!("[skill]\nendpoint = \"http://{addr}/\"\n[account_linking]\nrequired = false\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("s.script"),
        "say Alexa, open Ride Hailer\nwait skill-response 30\ntap Go now\nwait skill-response 30\n",
    )
    .unwrap();
    let o = tokio::task::block_in_place(|| {
        std::process::Command::new(env!("CARGO_BIN_EXE_linkscreen"))
            .args([
                "run",
                "--headless",
                "--device",
                "echo-show-8",
                "--config",
                "ls.toml",
            ])
            .args(["--script", "s.script", "--fresh", "--events", "ev.jsonl"])
            .current_dir(dir.path())
            .env("LINKSCREEN_LOG", "warn")
            .output()
            .unwrap()
    });
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let events = std::fs::read_to_string(dir.path().join("ev.jsonl")).unwrap();
    let touch = events
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|e| {
            e["type"] == "skill_request"
                && e["body"]["request"]["type"] == "Alexa.Presentation.APL.UserEvent"
        })
        .expect("the touch reached the skill");
    let screen =
        &touch["body"]["context"]["Alexa.Presentation.APL"]["componentsVisibleOnScreen"][0];
    assert_eq!(screen["position"], "1280x800+0+0:0", "{screen}");
    let go = screen["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "go")
        .unwrap_or_else(|| panic!("{screen}"));
    // 300 × 90 dp at (30, 60), 213/160 px a dp, rounded.
    assert_eq!(go["position"], "399x120+40+80:2", "{go}");
}

/// `shoot --apl` runs a component's onLayout (APL 2024.2) once the view has laid it out: a
/// Frame half the screen wide paints itself white only when its `event.source.bounds` say so.
/// From another working directory, twice in a row: the same bytes.
#[test]
fn shoot_runs_on_layout_with_the_bounds_the_view_laid_out() {
    let dir = tempfile::tempdir().unwrap();
    let doc = serde_json::json!({
        "type": "APL", "version": "2024.3",
        "mainTemplate": {"items": [{"type": "Frame", "width": "100vw", "height": "100vh",
            "onLayout": {"type": "SetValue", "property": "backgroundColor",
                "value": "${event.source.bounds.width > 400 ? 'white' : 'red'}"}}]}
    });
    std::fs::write(dir.path().join("laid.json"), doc.to_string()).unwrap();
    let shoot = |out: &str| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_linkscreen"))
            .args(["shoot", "--apl", "laid.json", "--scenes", "apl"])
            .args(["--devices", "echo-show-8", "--out", out])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read(dir.path().join(out).join("echo-show-8/en-US/apl-laid.png")).unwrap()
    };
    let bytes = shoot("a");
    let img = image::load_from_memory(&bytes).unwrap().to_rgba8();
    let px = img.get_pixel(img.width() / 2, img.height() / 2).0;
    assert_eq!(px, [255, 255, 255, 255], "onLayout painted it white");
    assert_eq!(shoot("b"), bytes);
}
