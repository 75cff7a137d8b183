//! Component states: styles that change when a component is pressed, focused, checked,
//! disabled or spoken; handlers that run when a Pager's page changes; focus commands.

use serde_json::{Value, json};

use super::tests::{Mono, screen};
use super::*;

/// A toggle button: its frame's colour shows its state; its label inherits the state.
fn toggle() -> Value {
    json!({
        "type": "APL", "version": "2024.3",
        "styles": {
            "frame": {"values": [
                {"backgroundColor": "#111111"},
                {"when": "${state.checked}", "backgroundColor": "#00aa00"},
                {"when": "${state.focused}", "borderColor": "#ffffff", "borderWidth": 4},
                {"when": "${state.pressed}", "backgroundColor": "#333333"},
                {"when": "${state.disabled}", "backgroundColor": "#555555"}
            ]},
            "label": {"values": [
                {"color": "#cccccc"},
                {"when": "${state.pressed}", "color": "#ff0000"},
                {"when": "${state.karaoke}", "color": "#ffff00"}
            ]}
        },
        "mainTemplate": {"items": [{"type": "Container", "items": [
            {"type": "TouchWrapper", "id": "toggle", "style": "frame",
             "onPress": {"type": "SetValue", "property": "checked", "value": "${!event.source.value}"},
             "item": {"type": "Frame", "inheritParentState": true, "style": "frame", "width": 200, "height": 60,
                      "item": {"type": "Text", "id": "label", "inheritParentState": true, "style": "label", "text": "Dark mode"}}},
            {"type": "Text", "id": "own", "style": "label", "text": "Plain"}
        ]}]}
    })
}

fn frame_colour(s: &mut Screen) -> primitives::Rgba {
    let prims = s.draw(&mut Mono);
    prims
        .iter()
        .find_map(|p| match p.paint {
            Paint::Box { background, .. } if p.w == 200.0 => Some(background),
            _ => None,
        })
        .expect("the frame is drawn")
}

fn text_colour(s: &mut Screen, text: &str) -> primitives::Rgba {
    let prims = s.draw(&mut Mono);
    prims
        .iter()
        .find_map(|p| match &p.paint {
            Paint::Text { text: t, color, .. } if t == text => Some(*color),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{text:?} is drawn"))
}

fn uid_of(s: &Screen, id: &str) -> usize {
    s.root().and_then(|r| r.find(id)).expect(id).uid
}

#[test]
fn a_style_follows_the_pressed_checked_and_disabled_states() {
    let mut s = screen(toggle(), json!({}));
    assert_eq!(frame_colour(&mut s), [0x11, 0x11, 0x11, 0xff]);
    let t = uid_of(&s, "toggle");
    // A finger down: the target and what inherits its state are drawn pressed.
    s.set_pressed(Some(t));
    assert_eq!(frame_colour(&mut s), [0x33, 0x33, 0x33, 0xff]);
    assert_eq!(text_colour(&mut s, "Dark mode"), [0xff, 0, 0, 0xff]);
    // A text that does not inherit keeps its look.
    assert_eq!(text_colour(&mut s, "Plain"), [0xcc, 0xcc, 0xcc, 0xff]);
    s.set_pressed(None);
    assert_eq!(text_colour(&mut s, "Dark mode"), [0xcc, 0xcc, 0xcc, 0xff]);
    // The touch checks it (onPress sets `checked`), a second touch unchecks it.
    s.press(t);
    assert_eq!(s.value_of("toggle", "checked"), Some(json!(true)));
    assert_eq!(frame_colour(&mut s), [0x00, 0xaa, 0x00, 0xff]);
    s.press(t);
    assert_eq!(frame_colour(&mut s), [0x11, 0x11, 0x11, 0xff]);
    // Disabled: drawn so, and no longer a touch target.
    s.execute(&ExecuteCommands {
        token: "tok".into(),
        commands: json!({"type": "SetState", "componentId": "toggle", "state": "disabled", "value": true}),
    });
    assert_eq!(frame_colour(&mut s), [0x55, 0x55, 0x55, 0xff]);
    assert!(s.snapshot().targets().is_empty());
    assert!(s.take_problems().is_empty());
}

#[test]
fn a_value_set_by_a_command_is_the_components_own_whatever_its_state() {
    let mut s = screen(toggle(), json!({}));
    s.execute(&ExecuteCommands {
        token: "tok".into(),
        commands: json!({"type": "SetValue", "componentId": "label", "property": "color", "value": "#0000ff"}),
    });
    s.set_pressed(Some(uid_of(&s, "toggle")));
    assert_eq!(text_colour(&mut s, "Dark mode"), [0, 0, 0xff, 0xff]);
}

#[test]
fn focus_comes_from_the_remote_and_from_commands_and_styles_the_target() {
    let mut s = screen(toggle(), json!({}));
    let border = |s: &mut Screen| {
        s.draw(&mut Mono).iter().find_map(|p| match p.paint {
            Paint::Box { border_width, .. } if p.w == 200.0 => Some(border_width),
            _ => None,
        })
    };
    assert_eq!(border(&mut s), Some(0.0));
    s.move_focus(1);
    assert_eq!(border(&mut s), Some(4.0), "the document's focused look");
    let rings = s
        .draw(&mut Mono)
        .iter()
        .filter(|p| matches!(p.paint, Paint::Box { border_width, .. } if border_width == 3.0))
        .count();
    assert_eq!(rings, 0, "no device ring over a target styled for focus");
    s.execute(&ExecuteCommands {
        token: "tok".into(),
        commands: json!({"type": "ClearFocus"}),
    });
    assert_eq!(border(&mut s), Some(0.0));
    s.execute(&ExecuteCommands {
        token: "tok".into(),
        commands: json!({"type": "SetFocus", "componentId": "toggle"}),
    });
    assert_eq!(border(&mut s), Some(4.0));
    s.execute(&ExecuteCommands {
        token: "tok".into(),
        commands: json!({"type": "SetFocus", "componentId": "nowhere"}),
    });
    let p = s.take_problems();
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].message.contains("nowhere"));
}

#[test]
fn a_spoken_item_is_highlighted_and_captioned_until_its_words_are_said() {
    let mut s = screen(toggle(), json!({}));
    let out = s.execute(&ExecuteCommands {
        token: "tok".into(),
        commands: json!({"type": "SpeakItem", "componentId": "own"}),
    });
    assert_eq!(out, vec![Outcome::Speak("Plain".into())]);
    assert_eq!(text_colour(&mut s, "Plain"), [0xff, 0xff, 0, 0xff]);
    let captions = |s: &mut Screen| {
        s.draw(&mut Mono)
            .iter()
            .filter(|p| matches!(&p.paint, Paint::Text { text, .. } if text == "Plain"))
            .count()
    };
    assert_eq!(captions(&mut s), 2, "the text and its caption");
    s.end_karaoke();
    assert_eq!(text_colour(&mut s, "Plain"), [0xcc, 0xcc, 0xcc, 0xff]);
    assert_eq!(captions(&mut s), 1);
}

#[test]
fn a_page_turned_runs_on_page_changed_with_the_new_page() {
    let doc = json!({
        "type": "APL", "version": "2024.3",
        "mainTemplate": {"items": [{"type": "Pager", "id": "p", "width": "100vw", "height": "100vh",
            "onPageChanged": {"type": "SendEvent", "arguments": ["page", "${event.source.value}"]},
            "items": [{"type": "Text", "text": "one"}, {"type": "Text", "text": "two"}, {"type": "Text", "text": "three"}]}]}
    });
    let mut s = screen(doc, json!({}));
    let p = uid_of(&s, "p");
    let out = s.turn_page(p, 1);
    match out.as_slice() {
        [
            Outcome::UserEvent {
                arguments, source, ..
            },
        ] => {
            assert_eq!(arguments, &vec![json!("page"), json!(1)]);
            assert_eq!(source["handler"], "Page");
        }
        o => panic!("{o:?}"),
    }
    // Already on the last page when turned twice more: no change the second time, no event.
    assert_eq!(s.turn_page(p, 1).len(), 1);
    assert!(s.turn_page(p, 1).is_empty());
    // A command turns it too.
    let out = s.execute(&ExecuteCommands {
        token: "tok".into(),
        commands: json!({"type": "SetPage", "componentId": "p", "value": 0}),
    });
    assert_eq!(out.len(), 1);
}

#[test]
fn a_text_field_types_within_its_limits_and_submits() {
    let doc = json!({
        "type": "APL", "version": "2024.3",
        "mainTemplate": {"items": [{"type": "Container", "items": [
            {"type": "EditText", "id": "pin", "hint": "PIN", "maxLength": 4, "validCharacters": "0-9",
             "secureInput": true,
             "onTextChange": {"type": "SetValue", "componentId": "count", "property": "text", "value": "${event.source.value}"},
             "onSubmit": {"type": "SendEvent", "arguments": ["pin", "${event.source.value}"]}},
            {"type": "Text", "id": "count", "text": ""}
        ]}]}
    });
    let mut s = screen(doc, json!({}));
    let pin = uid_of(&s, "pin");
    assert!(s.type_key("1").is_empty(), "no field has the keyboard yet");
    assert!(
        s.snapshot()
            .targets()
            .iter()
            .any(|(u, t)| *u == pin && t == "PIN")
    );
    s.press(pin);
    assert_eq!(s.snapshot().field(), Some(("|".into(), "PIN".into())));
    // Letters are not valid characters; a fifth digit is past maxLength.
    for k in ["1", "a", "2", "3", "45", "\u{f700}"] {
        s.type_key(k);
    }
    assert_eq!(s.value_of("pin", "text"), Some(json!("1234")));
    assert_eq!(
        s.value_of("count", "text"),
        Some(json!("1234")),
        "onTextChange ran"
    );
    assert_eq!(s.snapshot().field(), Some(("••••|".into(), "PIN".into())));
    s.type_key(edit::BACKSPACE);
    s.type_key("9");
    let out = s.type_key(edit::ENTER);
    match out.as_slice() {
        [
            Outcome::UserEvent {
                arguments, source, ..
            },
        ] => {
            assert_eq!(arguments, &vec![json!("pin"), json!("1239")]);
            assert_eq!(source["type"], "EditText");
            assert_eq!(source["handler"], "Submit");
        }
        o => panic!("{o:?}"),
    }
    assert_eq!(s.snapshot().field(), None, "Enter puts the keyboard away");
    // Escape too, and a touch elsewhere.
    s.press(pin);
    s.type_key(edit::ESCAPE);
    assert_eq!(s.snapshot().field(), None);
    assert!(s.take_problems().is_empty());
}

#[test]
fn scrolling_runs_on_scroll_with_the_position_in_heights() {
    let doc = json!({
        "type": "APL", "version": "2024.3",
        "mainTemplate": {"items": [{"type": "Container", "items": [
            {"type": "Text", "id": "where", "text": "top"},
            {"type": "ScrollView", "id": "sv", "height": 300,
             "onScroll": {"type": "SetValue", "componentId": "where", "property": "text",
                          "value": "${event.source.position >= 1 ? 'past the first screen' : event.source.position}"},
             "item": {"type": "Container", "height": 1200}}
        ]}]}
    });
    let mut s = screen(doc, json!({}));
    let sv = uid_of(&s, "sv");
    s.set_scroll(sv, 150.0, 300.0);
    assert_eq!(s.value_of("where", "text"), Some(json!(0.5)));
    s.set_scroll(sv, 450.0, 300.0);
    assert_eq!(
        s.value_of("where", "text"),
        Some(json!("past the first screen"))
    );
    // Where it already is: no scroll, no commands.
    s.execute(&ExecuteCommands {
        token: "tok".into(),
        commands: json!({"type": "SetValue", "componentId": "where", "property": "text", "value": "x"}),
    });
    s.set_scroll(sv, 450.0, 300.0);
    assert_eq!(s.value_of("where", "text"), Some(json!("x")));
}

/// A counter held in a `bind`: SetValue of the bound value (from a press, and from the skill)
/// makes every property bound to it follow — a text, a `when` — and the focus stays on the
/// button that was pressed.
#[test]
fn set_value_of_a_bound_value_updates_what_is_bound_to_it() {
    let doc = json!({
        "type": "APL", "version": "2024.3",
        "mainTemplate": {"items": [{"type": "Container", "id": "counter",
            "bind": [{"name": "count", "value": 1}, {"name": "twice", "value": "${count * 2}"}],
            "items": [
                {"type": "Text", "id": "label", "text": "Count ${count}, twice ${twice}"},
                {"type": "Text", "when": "${count > 2}", "text": "Many"},
                {"type": "TouchWrapper", "id": "plus",
                 "onPress": {"type": "SetValue", "componentId": "counter", "property": "count", "value": "${count + 1}"},
                 "item": {"type": "Text", "text": "Add one"}}
            ]}]}
    });
    let mut s = screen(doc, json!({}));
    let texts = |s: &Screen| s.snapshot().texts();
    assert!(texts(&s).contains(&"Count 1, twice 2".to_owned()));
    assert!(!texts(&s).contains(&"Many".to_owned()));
    s.move_focus(1);
    s.press_focused();
    assert!(
        texts(&s).contains(&"Count 2, twice 4".to_owned()),
        "{:?}",
        texts(&s)
    );
    s.press_focused();
    assert!(
        texts(&s).contains(&"Count 3, twice 6".to_owned()),
        "{:?}",
        texts(&s)
    );
    assert!(texts(&s).contains(&"Many".to_owned()));
    // The focus is still on the button (made again with the rest).
    let focus = s.live.focus.expect("focused");
    assert_eq!(focus, uid_of(&s, "plus"));
    // The skill sets it too; SendEvent's components see the bound value.
    s.execute(&ExecuteCommands {
        token: "tok".into(),
        commands: json!([{"type": "SetValue", "componentId": "counter", "property": "count", "value": 10}]),
    });
    assert!(texts(&s).contains(&"Count 10, twice 20".to_owned()));
    assert_eq!(s.value_of("counter", "count"), Some(json!(10)));
    // A property that is not bound is still set as before.
    s.execute(&ExecuteCommands {
        token: "tok".into(),
        commands: json!([{"type": "SetValue", "componentId": "label", "property": "text", "value": "Set"}]),
    });
    assert!(texts(&s).contains(&"Set".to_owned()));
    assert!(s.take_problems().is_empty());
}

/// Pressed many times, a rebound component's commands are not kept once per press.
#[test]
fn a_rebound_component_leaves_no_stale_commands() {
    let doc = json!({
        "type": "APL", "version": "2024.3",
        "mainTemplate": {"items": [{"type": "Container", "id": "c", "bind": [{"name": "n", "value": 0}],
            "items": [{"type": "TouchWrapper", "id": "b",
                "onPress": {"type": "SetValue", "componentId": "c", "property": "n", "value": "${n + 1}"},
                "item": {"type": "Text", "text": "n = ${n}"}}]}]}
    });
    let mut s = screen(doc, json!({}));
    let before = s.handlers.len();
    for _ in 0..50 {
        let b = uid_of(&s, "b");
        s.press(b);
    }
    assert!(s.snapshot().texts().contains(&"n = 50".to_owned()));
    assert_eq!(s.handlers.len(), before);
}

/// A data source's transformers as a skill built on Amazon's samples sends them: a hint
/// with the wake word on screen, and SpeakItem saying the words of the fact's `speech`
/// while its title is highlighted.
#[test]
fn transformers_give_the_screen_its_hint_and_speech() {
    let doc = json!({
        "type": "APL", "version": "2024.3",
        "mainTemplate": {"parameters": ["payload"], "items": [{"type": "Container", "items": [
            {"type": "Text", "id": "fact", "text": "${payload.facts.properties.title}",
             "speech": "${payload.facts.properties.speech}"},
            {"type": "Text", "text": "${payload.facts.properties.hintText}"}
        ]}]}
    });
    let ds = json!({"facts": {"type": "object", "properties": {
        "title": "Cats sleep a lot",
        "ssml": "<speak>Cats sleep <emphasis>sixteen</emphasis> hours a day.</speak>",
        "hint": "tell me a cat fact"},
    "transformers": [
        {"inputPath": "ssml", "outputName": "speech", "transformer": "ssmlToSpeech"},
        {"inputPath": "hint", "outputName": "hintText", "transformer": "textToHint"}
    ]}});
    let mut s = screen(doc, ds);
    assert!(s.take_problems().is_empty());
    let texts = s.snapshot().texts();
    assert!(
        texts.contains(&"Try \"Alexa, tell me a cat fact\"".to_owned()),
        "{texts:?}"
    );
    let out = s.execute(&ExecuteCommands {
        token: "tok".into(),
        commands: json!([{"type": "SpeakItem", "componentId": "fact"}]),
    });
    assert!(
        matches!(&out[..], [Outcome::Speak(t)] if t == "Cats sleep sixteen hours a day."),
        "{out:?}"
    );
    assert_eq!(s.live.karaoke, Some(uid_of(&s, "fact")));
}

/// A fade-in on mount (opacity 0 → 1) that slides in, as Amazon's samples do: it runs over its
/// duration on the screen's clock and ends shown and in place; a property that is not drawn is
/// reported, not dropped.
#[test]
fn animate_item_runs_over_its_duration() {
    let doc = json!({
        "type": "APL", "version": "2024.3",
        "onMount": [{"type": "AnimateItem", "componentId": "title", "duration": 1000,
            "value": [{"property": "opacity", "from": 0, "to": 1},
                      {"property": "transform", "from": [{"translateX": 200}], "to": [{"translateX": 0}]},
                      {"property": "color", "to": "red"}]}],
        "mainTemplate": {"items": [{"type": "Container", "items": [
            {"type": "Text", "id": "title", "opacity": 0, "text": "Welcome"}]}]}
    });
    let mut s = screen(doc, json!({}));
    let opacity = |s: &mut Screen| {
        s.draw(&mut Mono)
            .iter()
            .find(|p| matches!(&p.paint, Paint::Text { text, .. } if text == "Welcome"))
            .map(|p| p.opacity)
    };
    let left = |s: &mut Screen| {
        s.draw(&mut Mono)
            .iter()
            .find(|p| matches!(&p.paint, Paint::Text { text, .. } if text == "Welcome"))
            .map(|p| p.x)
    };
    assert!(
        opacity(&mut s).is_none_or(|o| o == 0.0),
        "hidden before mount"
    );
    s.mount();
    assert!(
        opacity(&mut s).is_none_or(|o| o == 0.0),
        "it starts from its `from`"
    );
    assert!(s.busy());
    s.advance(250.0);
    assert_eq!(opacity(&mut s), Some(0.25), "linear by default");
    assert_eq!(
        left(&mut s),
        Some(150.0),
        "a quarter of the way back from 200 dp"
    );
    s.settle(3000.0);
    assert_eq!(opacity(&mut s), Some(1.0));
    assert_eq!(left(&mut s), Some(0.0), "in place");
    assert!(!s.busy(), "nothing left once it ended");
    let problems = s.take_problems();
    assert!(
        problems
            .iter()
            .any(|p| p.kind == "apl_unsupported" && p.message.contains("\"color\"")),
        "{problems:?}"
    );
}

/// An icon button: a VectorGraphic with an `onPress` takes touches, the remote's focus (with
/// its ring) and a script's `tap` by its accessibility label; a decorative one does not.
#[test]
fn a_vector_graphic_with_on_press_is_a_button() {
    let doc = json!({
        "type": "APL", "version": "2024.3",
        "graphics": {"play": {"type": "AVG", "version": "1.2", "width": 24, "height": 24,
            "items": [{"type": "path", "pathData": "M4,2 L20,12 L4,22z", "fill": "white"}]}},
        "mainTemplate": {"items": [{"type": "Container", "items": [
            {"type": "VectorGraphic", "id": "deco", "source": "play", "width": 48, "height": 48},
            {"type": "VectorGraphic", "id": "playButton", "source": "play", "width": 48, "height": 48,
             "accessibilityLabel": "Play",
             "onPress": {"type": "SendEvent", "arguments": ["play"]}}
        ]}]}
    });
    let mut s = screen(doc, json!({}));
    let button = uid_of(&s, "playButton");
    assert_eq!(s.snapshot().targets(), vec![(button, "Play".to_owned())]);
    let prims = s.draw(&mut Mono);
    let touches: Vec<usize> = prims.iter().filter_map(|p| p.touch).collect();
    assert_eq!(touches, vec![button]);
    s.move_focus(1);
    assert_eq!(s.live.focus, Some(button));
    let rings = s
        .draw(&mut Mono)
        .iter()
        .filter(|p| {
            p.uid == button
                && matches!(p.paint, Paint::Box { border_width, .. } if border_width == 3.0)
        })
        .count();
    assert_eq!(rings, 1, "the focus ring is drawn around the icon");
    let out = s.press_focused();
    assert!(
        matches!(&out[..], [Outcome::UserEvent { arguments, .. }] if arguments == &vec![json!("play")]),
        "{out:?}"
    );
}

/// What a document asks that is not done yet is said once, by path — not once per list row.
#[test]
fn properties_and_handlers_not_done_yet_are_reported_once() {
    let doc = json!({
        "type": "APL", "version": "2024.3",
        "mainTemplate": {"items": [{"type": "Sequence", "data": [1, 2, 3], "items": [
            {"type": "Image", "source": "a.png", "filters": [{"type": "Blur", "radius": 10}],
             "transform": [{"rotate": 45}], "onFocus": [],
             "gestures": [{"type": "SwipeAway", "direction": "left"}, {"type": "LongPress"}]}]}]}
    });
    let mut s = screen(doc, json!({}));
    let mut told: Vec<String> = s
        .take_problems()
        .into_iter()
        .filter(|p| p.kind == "apl_unsupported")
        .map(|p| p.path)
        .collect();
    told.sort();
    assert_eq!(
        told,
        [
            "$.document.mainTemplate.items[0].items[0].filters",
            "$.document.mainTemplate.items[0].items[0].gestures",
            "$.document.mainTemplate.items[0].items[0].onFocus",
        ]
    );
}

/// A layout's top component with its own `bind`, made again when a bound value is set, keeps
/// what the layout's instance gave it: its id and its properties (a colour, a padding).
#[test]
fn a_rebound_layout_keeps_what_its_instance_gave_it() {
    let doc = json!({
        "type": "APL", "version": "2024.3",
        "layouts": {"Counter": {"parameters": ["label"], "item": {
            "type": "Text", "bind": [{"name": "n", "value": 0}], "text": "${label} ${n}"}}},
        "mainTemplate": {"items": [{"type": "Counter", "id": "c", "label": "Seen",
            "color": "#ff0000", "paddingLeft": 40}]}
    });
    let mut s = screen(doc, json!({}));
    for n in [5, 6] {
        s.execute(&ExecuteCommands {
            token: "tok".into(),
            commands: json!([{"type": "SetValue", "componentId": "c", "property": "n", "value": n}]),
        });
        assert_eq!(s.snapshot().texts(), vec![format!("Seen {n}")]);
        assert_eq!(
            s.value_of("c", "color"),
            Some(json!("#ff0000")),
            "after {n}"
        );
        assert_eq!(s.value_of("c", "paddingLeft"), Some(json!(40)), "after {n}");
    }
    assert_eq!(text_colour(&mut s, "Seen 6"), [255, 0, 0, 255]);
    assert!(s.take_problems().is_empty());
}
