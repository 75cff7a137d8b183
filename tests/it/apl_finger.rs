//! A finger on a skill's APL screen, as a user runs the binary from another working directory
//! against a skill on loopback: a script's `drag` moves Amazon's slider to where the finger is
//! lifted and swipes a swipe-to-action row away (its onSwipeDone runs), twice in a row; a
//! component that does not follow a finger is named, and the step fails.

use std::path::Path;

fn run(addr: std::net::SocketAddr, script: &str) -> (std::process::Output, tempfile::TempDir) {
    crate::hardening::run_script_at(addr, script, &[])
}

fn pixel(png: &Path, x: u32, y: u32) -> image::Rgba<u8> {
    *image::open(png).unwrap().to_rgba8().get_pixel(x, y)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scripts_drag_moves_a_slider_and_swipes_a_row_away() {
    let document = serde_json::json!({
        "type": "APL", "version": "2024.3",
        "import": [{"name": "alexa-layouts", "version": "1.7.0"}],
        "mainTemplate": {"items": [{"type": "Container", "width": "100vw", "height": "100vh",
            "paddingTop": 40, "items": [
            {"type": "AlexaSlider", "sliderId": "volume", "accessibilityLabel": "Volume",
             "progressValue": 10},
            {"type": "AlexaSwipeToAction", "primaryText": "Buy milk",
             "onSwipeDone": [{"type": "SetValue", "componentId": "status", "property": "text",
                              "value": "swiped away"}]},
            {"type": "Text", "id": "status", "text": "waiting"},
            {"type": "TouchWrapper", "onPress": [], "item": {"type": "Text", "text": "Plain"}}]}]}
    });
    let addr = crate::hardening::skill_answering_with(document).await;
    tokio::task::block_in_place(|| {
        // Twice in a row: the same.
        for _ in 0..2 {
            let (o, dir) = run(
                addr,
                "say Alexa, open Ride Hailer\nwait skill-response 30\nshot before\n\
                 drag Volume 10% 80%\ndrag \"Buy milk\" 90% 10%\nexpect swiped away\nshot after\n",
            );
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            // The slider's track runs across the 960 px screen at y 60: filled to 10% before, to
            // 80% after (where the finger was lifted).
            let (before, after) = (
                dir.path().join("frames/before.png"),
                dir.path().join("frames/after.png"),
            );
            let fill = pixel(&before, 40, 60);
            assert_ne!(pixel(&before, 700, 60), fill, "not filled at 73% before");
            assert_eq!(pixel(&after, 700, 60), fill, "filled at 73% after");
            assert_ne!(pixel(&after, 820, 60), fill, "not filled past 80%");
            // The row below it (from y 80) swiped away: its action background fills its place,
            // edge to edge.
            let action = pixel(&after, 20, 90);
            assert_ne!(action, pixel(&before, 20, 90), "the row's place changed");
            assert_eq!(action, pixel(&after, 940, 90), "one colour across the row");
        }

        // A component that hears no finger's move: the step fails, naming it.
        let (o, _dir) = run(
            addr,
            "say Alexa, open Ride Hailer\nwait skill-response 30\ndrag Plain 10% 90%\n",
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(5), "{err}");
        assert!(err.contains("\"Plain\" does not follow a finger"), "{err}");
    });
}
