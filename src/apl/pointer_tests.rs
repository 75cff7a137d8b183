//! A finger on the screen: pointer events with where the finger is, a SwipeAway that follows
//! it and is done past half way (or goes back), and Amazon's slider and swipe-to-action
//! components, which are made of them.

use serde_json::{Value, json};

use super::pointer::Pointer;
use super::primitives::Paint;
use super::problem::Outcome;
use super::screen::Screen;
use super::tests::{Mono, screen};

/// The arguments of each SendEvent among the outcomes.
fn sent(out: &[Outcome]) -> Vec<Value> {
    out.iter()
        .filter_map(|o| match o {
            Outcome::UserEvent { arguments, .. } => Some(Value::Array(arguments.clone())),
            _ => None,
        })
        .collect()
}

/// Whether a SendEvent's arguments are `what`, then a number near `n`, then `rest`.
fn said(args: &Value, what: &str, n: f64, rest: &[Value]) -> bool {
    let a = args.as_array().unwrap();
    a[0] == what && a[1].as_f64().is_some_and(|v| (v - n).abs() < 1e-3) && a[2..] == *rest
}

/// The uid of the component with `id`, and its box laid out at `bounds` (as the view reports).
fn laid(s: &mut Screen, id: &str, bounds: [f32; 4]) -> usize {
    let uid = s.root.as_ref().unwrap().find(id).unwrap().uid;
    s.set_positions(vec![(uid, bounds)]);
    uid
}

#[test]
fn pointer_events_say_where_the_finger_is_and_a_press_follows_an_up_inside() {
    let say = |what: &str| {
        json!([{"type": "SendEvent", "arguments": [what, "${event.component.x}", "${event.component.y}",
            "${event.component.width}", "${event.inBounds}", "${event.source.handler}"]}])
    };
    let mut s = screen(
        json!({"type": "APL", "version": "2024.3", "mainTemplate": {"items": [
            {"type": "TouchWrapper", "id": "pad", "width": 200, "height": 100,
             "onDown": say("down"), "onMove": say("move"), "onUp": say("up"), "onCancel": say("cancel"),
             "onPress": [{"type": "SendEvent", "arguments": ["press"]}],
             "item": {"type": "Frame", "width": 200, "height": 100}}]}}),
        json!({}),
    );
    assert!(
        s.take_problems()
            .iter()
            .all(|p| !p.message.contains("onDown"))
    );
    let pad = laid(&mut s, "pad", [10.0, 10.0, 200.0, 100.0]);
    assert!(s.snapshot().pointer_targets().contains(&pad));
    assert_eq!(
        sent(&s.pointer(pad, Pointer::Down, (0.25, 0.5))),
        vec![json!(["down", 50.0, 50.0, 200.0, true, "Down"])]
    );
    assert_eq!(
        sent(&s.pointer(pad, Pointer::Move, (1.5, 0.5))),
        vec![json!(["move", 300.0, 50.0, 200.0, false, "Move"])]
    );
    assert_eq!(
        sent(&s.pointer(pad, Pointer::Up, (0.5, 0.5))),
        vec![
            json!(["up", 100.0, 50.0, 200.0, true, "Up"]),
            json!(["press"])
        ]
    );
    // Lifted outside: no press. Taken away: onCancel, no up.
    s.pointer(pad, Pointer::Down, (0.5, 0.5));
    assert_eq!(
        sent(&s.pointer(pad, Pointer::Up, (1.25, 0.5))),
        vec![json!(["up", 250.0, 50.0, 200.0, false, "Up"])]
    );
    s.pointer(pad, Pointer::Down, (0.5, 0.5));
    assert_eq!(
        sent(&s.pointer(pad, Pointer::Cancel, (0.5, 0.5))),
        vec![json!(["cancel", 100.0, 50.0, 200.0, true, "Cancel"])]
    );
    // A move with no finger down is nothing.
    assert!(s.pointer(pad, Pointer::Move, (0.5, 0.5)).is_empty());
}

/// A row with a SwipeAway to the left that reveals a red "Delete" under it.
fn swipe_row(action: &str) -> Screen {
    screen(
        json!({"type": "APL", "version": "2024.3", "mainTemplate": {"items": [{"type": "Container", "items": [
            {"type": "TouchWrapper", "id": "row", "width": 400, "height": 80,
             "onCancel": [{"type": "SendEvent", "arguments": ["cancel"]}],
             "gestures": [{"type": "SwipeAway", "direction": "left", "action": action,
                "items": {"type": "Frame", "id": "under", "backgroundColor": "red",
                          "item": {"type": "Text", "text": "Delete"}},
                "onSwipeMove": [{"type": "SendEvent", "arguments": ["moved", "${event.position}", "${event.direction}"]}],
                "onSwipeDone": [{"type": "SendEvent", "arguments": ["done"]}]}],
             "item": {"type": "Frame", "backgroundColor": "blue", "width": "100%", "height": "100%",
                      "item": {"type": "Text", "text": "Buy milk"}}}]}]}}),
        json!({}),
    )
}

fn text_x(s: &mut Screen, text: &str) -> Option<f32> {
    text_at(s, text).map(|(x, _)| x)
}

fn text_at(s: &mut Screen, text: &str) -> Option<(f32, f32)> {
    s.draw(&mut Mono).iter().find_map(|p| match &p.paint {
        Paint::Text { text: t, .. } if t == text => Some((p.x, p.y)),
        _ => None,
    })
}

#[test]
fn a_swipe_away_follows_the_finger_and_is_done_past_half_way() {
    let mut s = swipe_row("reveal");
    let row = laid(&mut s, "row", [0.0, 0.0, 400.0, 80.0]);
    let at_rest = text_x(&mut s, "Buy milk").unwrap();
    s.pointer(row, Pointer::Down, (0.9, 0.5));
    // Not yet past the slop, and the wrong way: nothing moves.
    assert!(sent(&s.pointer(row, Pointer::Move, (0.92, 0.5))).is_empty());
    assert!(s.live.swipe.is_empty());
    // 40 dp to the left: the swipe takes the finger (the row hears onCancel).
    let out = sent(&s.pointer(row, Pointer::Move, (0.8, 0.5)));
    assert_eq!(out[0], json!(["cancel"]));
    assert!(said(&out[1], "moved", 0.1, &[json!("left")]), "{out:?}");
    assert!((s.live.swipe[&row].offset + 40.0).abs() < 1e-3);
    assert!((text_x(&mut s, "Buy milk").unwrap() - (at_rest - 40.0)).abs() < 1e-3);
    // The items are under it, in place (in the row, not after it).
    let row_y = text_at(&mut s, "Buy milk").unwrap().1;
    assert_eq!(text_at(&mut s, "Delete").unwrap().1, row_y);
    let out = sent(&s.pointer(row, Pointer::Move, (0.2, 0.5)));
    assert!(said(&out[0], "moved", 0.7, &[json!("left")]), "{out:?}");
    // Past half way: done. The items stay; the row's child is drawn no more.
    let out = sent(&s.pointer(row, Pointer::Up, (0.2, 0.5)));
    assert_eq!(out.last(), Some(&json!(["done"])));
    assert!(s.live.swipe.is_empty());
    assert_eq!(text_x(&mut s, "Buy milk"), None);
    assert_eq!(
        text_at(&mut s, "Delete").unwrap().1,
        row_y,
        "in the row's place"
    );
    assert!(s.root.as_ref().unwrap().find("under").is_some());
}

#[test]
fn a_short_swipe_goes_back_and_a_slide_brings_its_items_beside() {
    let mut s = swipe_row("slide");
    let row = laid(&mut s, "row", [0.0, 0.0, 400.0, 80.0]);
    let at_rest = text_x(&mut s, "Buy milk").unwrap();
    s.pointer(row, Pointer::Down, (0.9, 0.5));
    s.pointer(row, Pointer::Move, (0.6, 0.5));
    // Sliding: the items come in from the right, beside the row's child, 120 dp in.
    let (delete, y) = text_at(&mut s, "Delete").unwrap();
    assert!((delete - (400.0 - 120.0)).abs() < 1.0, "{delete}");
    assert_eq!(
        y,
        text_at(&mut s, "Buy milk").unwrap().1,
        "beside it, in its row"
    );
    let out = sent(&s.pointer(row, Pointer::Up, (0.6, 0.5)));
    assert!(!out.contains(&json!(["done"])), "not done: {out:?}");
    assert!(s.live.swipe.is_empty());
    assert_eq!(text_x(&mut s, "Buy milk"), Some(at_rest));
    assert_eq!(text_x(&mut s, "Delete"), None);
    assert!(s.root.as_ref().unwrap().find("under").is_none());
}

#[test]
fn amazons_slider_follows_the_finger_and_its_swipe_to_action_swipes() {
    let mut s = screen(
        json!({"type": "APL", "version": "2024.3",
            "import": [{"name": "alexa-layouts", "version": "1.7.0"}],
            "mainTemplate": {"items": [{"type": "Container", "width": "100vw", "items": [
                {"type": "AlexaSlider", "sliderId": "volume", "progressValue": 10,
                 "onUpCommand": [{"type": "SendEvent", "arguments": ["volume", "${sliderThumbPosition}"]}]},
                {"type": "AlexaSwipeToAction", "primaryText": "Buy milk",
                 "onSwipeDone": [{"type": "SendEvent", "arguments": ["bought"]}]}]}]}}),
        json!({}),
    );
    let volume = laid(&mut s, "volume", [0.0, 0.0, 1280.0, 40.0]);
    let fill = |s: &mut Screen| {
        s.draw(&mut Mono)
            .iter()
            .filter(|p| matches!(p.paint, Paint::Box { .. }) && p.h == 8.0)
            .map(|p| p.w)
            .fold(f32::MAX, f32::min)
    };
    assert_eq!(fill(&mut s), 128.0, "10 of 100");
    s.pointer(volume, Pointer::Down, (0.5, 0.5));
    assert_eq!(fill(&mut s), 640.0, "down at the middle: 50");
    // The slider was made again with its new value: the finger stays on it.
    s.pointer(volume, Pointer::Move, (0.75, 0.5));
    assert_eq!(fill(&mut s), 960.0);
    let out = sent(&s.pointer(volume, Pointer::Up, (0.75, 0.5)));
    assert_eq!(out.len(), 1);
    assert!(said(&out[0], "volume", 75.0, &[]), "{out:?}");
    // The swipe-to-action row: swiped left past half way, its onSwipeDone runs.
    let row = s
        .snapshot()
        .pointer_targets()
        .into_iter()
        .find(|u| *u != s.root.as_ref().unwrap().find("volume").unwrap().uid)
        .expect("the row hears the finger");
    s.set_positions(vec![(row, [0.0, 40.0, 1280.0, 80.0])]);
    s.pointer(row, Pointer::Down, (0.9, 0.5));
    s.pointer(row, Pointer::Move, (0.5, 0.5));
    // Lifted further along: where it is lifted counts.
    let out = sent(&s.pointer(row, Pointer::Up, (0.2, 0.5)));
    assert_eq!(out, vec![json!(["bought"])]);
}

#[test]
fn amazons_radial_slider_takes_its_value_from_the_fingers_angle() {
    let mut s = screen(
        json!({"type": "APL", "version": "2024.3",
            "import": [{"name": "alexa-layouts", "version": "1.7.0"}],
            "mainTemplate": {"items": [{"type": "Container", "items": [
                {"type": "AlexaSliderRadial", "sliderId": "dial", "progressValue": 10,
                 "onUpCommand": [{"type": "SendEvent", "arguments": ["dial", "${sliderThumbPosition}"]}]}]}]}}),
        json!({}),
    );
    let shown = |s: &mut Screen| {
        s.draw(&mut Mono).iter().find_map(|p| match &p.paint {
            Paint::Text { text, .. } => Some(text.clone()),
            _ => None,
        })
    };
    assert_eq!(shown(&mut s).as_deref(), Some("10"));
    // Clockwise from the top: the right is a quarter, the bottom a half, the left three.
    for ((fx, fy), value) in [((1.0, 0.5), 25.0), ((0.5, 1.0), 50.0), ((0.0, 0.5), 75.0)] {
        let dial = laid(&mut s, "dial", [0.0, 0.0, 200.0, 200.0]);
        s.pointer(dial, Pointer::Down, (fx, fy));
        let out = sent(&s.pointer(dial, Pointer::Up, (fx, fy)));
        assert!(said(&out[0], "dial", value, &[]), "{out:?}");
        assert_eq!(shown(&mut s), Some(value.to_string()));
    }
}

#[test]
fn a_cover_swipe_brings_its_items_over_the_child_which_stays() {
    let mut s = swipe_row("cover");
    let row = laid(&mut s, "row", [0.0, 0.0, 400.0, 80.0]);
    let at_rest = text_at(&mut s, "Buy milk").unwrap();
    s.pointer(row, Pointer::Down, (0.9, 0.5));
    s.pointer(row, Pointer::Move, (0.6, 0.5));
    assert_eq!(
        text_at(&mut s, "Buy milk"),
        Some(at_rest),
        "the child stays"
    );
    let (delete, y) = text_at(&mut s, "Delete").unwrap();
    assert!((delete - (400.0 - 120.0)).abs() < 1.0, "{delete}");
    assert_eq!(y, at_rest.1);
    // Drawn over it: after it.
    let drawn: Vec<String> = s
        .draw(&mut Mono)
        .iter()
        .filter_map(|p| match &p.paint {
            Paint::Text { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(drawn, ["Buy milk", "Delete"]);
}
