//! The APL engine without a screen: documents inflate, bind, lay out and run commands. Text is
//! measured by a fixed-advance stand-in (every character 0.5 em wide, lines 1.25 em), which is
//! enough to check flexbox arithmetic; the drawn tests measure with the real fonts.

use serde_json::{Value, json};

use super::*;

pub(super) struct Mono;
impl Measure for Mono {
    fn text(&mut self, text: &str, s: &TextStyle, max_width: Option<f32>) -> (f32, f32) {
        let adv = s.size * 0.5;
        let line = s.size * 1.25;
        let longest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0) as f32 * adv;
        match max_width {
            Some(m) if longest > m && m > 0.0 => {
                let per = (m / adv).floor().max(1.0);
                let lines: f32 = text
                    .lines()
                    .map(|l| (l.chars().count() as f32 / per).ceil().max(1.0))
                    .sum();
                (m, lines * line)
            }
            _ => (longest, text.lines().count().max(1) as f32 * line),
        }
    }
}

pub(super) fn vp() -> Viewport {
    Viewport {
        pixel_width: 1280.0,
        pixel_height: 800.0,
        dpi: 160.0,
        round: false,
        mode: "hub",
        touch: true,
        locale: "en-US".into(),
        rtl: false,
        now_ms: 0.0,
    }
}

pub(super) fn screen(doc: Value, ds: Value) -> Screen {
    Screen::new(
        &RenderDocument {
            token: "tok".into(),
            document: doc,
            datasources: ds,
        },
        vp(),
    )
}

fn texts(p: &[Prim]) -> Vec<(String, f32, f32, f32, f32)> {
    p.iter()
        .filter_map(|p| match &p.paint {
            Paint::Text { text, .. } => Some((text.clone(), p.x, p.y, p.w, p.h)),
            _ => None,
        })
        .collect()
}

fn rides() -> (Value, Value) {
    (
        json!({
            "type": "APL", "version": "1.9", "theme": "dark",
            "resources": [{"dimensions": {"gap": 10}, "colors": {"accent": "#ff9900"}},
                          {"when": "${viewport.width > 2000}", "dimensions": {"gap": 99}}],
            "styles": {"base": {"values": [{"fontSize": 20}]},
                       "big": {"extend": "base", "values": [{"color": "@accent"}, {"when": "${state.pressed}", "color": "#000000"}]}},
            "layouts": {"Row": {"parameters": ["label", {"name": "mins", "default": 5}],
                "item": {"type": "TouchWrapper", "onPress": {"type": "SendEvent", "arguments": ["pick", "${label}"]},
                    "item": {"type": "Text", "style": "big", "text": "${label}: ${mins} min"}}}},
            "mainTemplate": {"parameters": ["payload"], "items": [{
                "type": "Container", "paddingLeft": 40, "paddingTop": 30, "items": [
                    {"type": "Text", "id": "title", "text": "${payload.rides.title}", "fontSize": 40},
                    {"type": "Sequence", "numbered": true, "data": "${payload.rides.places}", "height": 300, "spacing": "@gap",
                     "firstItem": {"type": "Text", "text": "From here", "fontSize": 20},
                     "items": [{"when": "${data.mins > 20}", "type": "Text", "text": "${data.name} is far", "fontSize": 20},
                               {"type": "Row", "label": "${ordinal}. ${data.name}", "mins": "${data.mins}", "spacing": "@gap"}],
                     "lastItem": {"type": "Row", "label": "Elsewhere", "spacing": "@gap"}}
                ]}]}
        }),
        json!({"rides": {"title": "Where to?", "places": [
            {"name": "Airport", "mins": 25}, {"name": "Station", "mins": 8}, {"name": "Harbour"}]}}),
    )
}

#[test]
fn a_document_binds_inflates_and_lays_out() {
    let (doc, ds) = rides();
    let mut s = screen(doc, ds);
    let prims = s.draw(&mut Mono);
    assert_eq!(s.take_problems(), vec![], "no problems");
    let t = texts(&prims);
    let labels: Vec<&str> = t.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(
        labels,
        [
            "Where to?",
            "From here",
            "Airport is far",
            "2. Station: 8 min",
            "3. Harbour:  min",
            "Elsewhere: 5 min"
        ]
    );
    // Padding, then the title's line (40 × 1.25 = 50), then the sequence.
    assert_eq!((t[0].1, t[0].2, t[0].4), (40.0, 30.0, 50.0));
    // The sequence's own `spacing` (the resource @gap, 10) before it.
    assert_eq!(t[1].2, 90.0);
    // Each row after the first item: 25 high, `spacing` 10 before it (the layout's
    // instance property reaches its top component).
    assert_eq!(t[2].2, 90.0 + 25.0);
    assert_eq!(t[3].2, 90.0 + 25.0 + 25.0 + 10.0);
    // Children stretch across the column (alignItems defaults to stretch).
    assert_eq!(t[0].3, 1280.0 - 40.0);
    // The style extends its base and takes the resource colour (not the pressed state's).
    let colours: Vec<primitives::Rgba> = prims
        .iter()
        .filter_map(|p| match &p.paint {
            Paint::Text { color, text, .. } if text.contains("min") => Some(*color),
            _ => None,
        })
        .collect();
    assert_eq!(colours, vec![[0xff, 0x99, 0, 0xff]; 3]);
}

#[test]
fn a_touch_sends_the_event_with_its_bound_arguments() {
    let (doc, ds) = rides();
    let mut s = screen(doc, ds);
    let prims = s.draw(&mut Mono);
    let touch: Vec<usize> = prims.iter().filter_map(|p| p.touch).collect();
    assert_eq!(touch.len(), 3, "three rows take touches");
    let out = s.press(touch[1]);
    match out.as_slice() {
        [
            Outcome::UserEvent {
                arguments, source, ..
            },
        ] => {
            assert_eq!(arguments, &vec![json!("pick"), json!("3. Harbour")]);
            assert_eq!(source["type"], "TouchWrapper");
            assert_eq!(source["handler"], "Press");
        }
        o => panic!("{o:?}"),
    }
}

#[test]
fn commands_change_the_screen() {
    let (doc, ds) = rides();
    let mut s = screen(doc, ds);
    let out = s.execute(&ExecuteCommands {
        token: "tok".into(),
        commands: json!([{"type": "Sequential", "commands": [
            {"type": "SetValue", "componentId": "title", "property": "text", "value": "${'Booked: ' + 'Airport'}"},
            {"type": "SpeakItem", "componentId": "title"},
            {"type": "Frobnicate"}
        ]}]),
    });
    assert_eq!(out, vec![Outcome::Speak("Booked: Airport".into())]);
    assert_eq!(texts(&s.draw(&mut Mono))[0].0, "Booked: Airport");
    let p = s.take_problems();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].kind, "apl_unsupported");
    assert_eq!(p[0].path, "$.commands[0].commands[2].type");
    // Another document's commands are ignored, as a device does.
    let out = s.execute(&ExecuteCommands {
        token: "other".into(),
        commands: json!([{"type": "Finish"}]),
    });
    assert!(out.is_empty());
}

#[test]
fn bad_documents_show_what_they_can_and_say_where() {
    // Not APL at all: a labelled placeholder fills the screen.
    let mut s = screen(json!({"type": "HTML"}), json!({}));
    let prims = s.draw(&mut Mono);
    assert!(
        matches!(&prims[0].paint, Paint::Placeholder { label } if label.contains("not \"APL\""))
    );
    assert_eq!((prims[0].w, prims[0].h), (1280.0, 800.0));
    // An unknown component, a binding that does not parse, a missing datasource and a layout
    // that contains itself: the rest still draws.
    let mut s = screen(
        json!({"type": "APL", "version": "1.9",
               "layouts": {"Loop": {"item": {"type": "Container", "items": [{"type": "Loop"}]}}},
               "mainTemplate": {"parameters": ["rides"], "items": [{"type": "Container", "items": [
                   {"type": "Text", "text": "ok ${rides == null}"},
                   {"type": "Text", "text": "${1 +}"},
                   {"type": "Carousel3D"},
                   {"type": "Text", "text": "Hi ${name"},
                   {"type": "Loop"}]}]}}),
        json!({}),
    );
    let prims = s.draw(&mut Mono);
    let t = texts(&prims);
    assert_eq!(t[0].0, "ok true");
    // The binding that does not parse is shown as written.
    assert_eq!(t[1].0, "${1 +}");
    // An unknown component inflates to nothing, as on a device (apl-core drops it): the
    // text after it comes next, and the problem says so.
    assert!(
        !prims
            .iter()
            .any(|p| matches!(&p.paint, Paint::Placeholder { .. }))
    );
    assert_eq!(t[2].0, "Hi ${name");
    let problems = s.take_problems();
    let paths: Vec<(&str, &str)> = problems.iter().map(|p| (p.kind, p.path.as_str())).collect();
    assert!(
        paths.contains(&("apl_error", "$.document.mainTemplate.parameters")),
        "{paths:?}"
    );
    assert!(
        paths.contains(&(
            "apl_error",
            "$.document.mainTemplate.items[0].items[1].text"
        )),
        "{paths:?}"
    );
    assert!(
        paths.contains(&(
            "apl_unsupported",
            "$.document.mainTemplate.items[0].items[2].type"
        )),
        "{paths:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("contains itself")),
        "{paths:?}"
    );
    // A broken binding's error quotes its text once.
    let unclosed = problems
        .iter()
        .find(|p| p.message.contains("is not closed"))
        .expect("the unclosed binding is reported");
    assert_eq!(
        unclosed.message.matches("Hi ${name").count(),
        1,
        "{}",
        unclosed.message
    );
}

#[test]
fn alexa_layouts_come_from_linkscreens_own_package() {
    let mut s = screen(
        json!({"type": "APL", "version": "2024.3",
               "import": [{"name": "alexa-layouts", "version": "1.7.0"}],
               "mainTemplate": {"parameters": ["payload"], "items": [{
                   "type": "AlexaTextList", "headerTitle": "${payload.t}", "listItems": "${payload.items}",
                   "primaryAction": {"type": "SendEvent", "arguments": ["${data.primaryText}"]}}]}}),
        json!({"t": "Rides", "items": [{"primaryText": "Airport"}, {"primaryText": "Station", "secondaryText": "8 min"}]}),
    );
    let prims = s.draw(&mut Mono);
    assert_eq!(s.take_problems(), vec![]);
    let labels: Vec<String> = texts(&prims).into_iter().map(|t| t.0).collect();
    assert_eq!(labels, ["Rides", "1.", "Airport", "2.", "Station", "8 min"]);
    let touch: Vec<usize> = prims.iter().filter_map(|p| p.touch).collect();
    assert_eq!(
        s.press(touch[1]),
        vec![Outcome::UserEvent {
            arguments: vec![json!("Station")],
            source: s
                .press(touch[1])
                .first()
                .map(|o| match o {
                    Outcome::UserEvent { source, .. } => source.clone(),
                    _ => Value::Null,
                })
                .unwrap_or_default(),
            components: json!({}),
        }]
    );
}

#[test]
fn rows_mirror_right_to_left() {
    let doc = json!({"type": "APL", "version": "1.9", "mainTemplate": {"items": [
        {"type": "Container", "direction": "row", "items": [
            {"type": "Frame", "width": 100, "height": 10, "backgroundColor": "red"},
            {"type": "Frame", "width": 50, "height": 10, "backgroundColor": "blue"}]}]}});
    let mut s = Screen::new(
        &RenderDocument {
            token: "t".into(),
            document: doc,
            datasources: Value::Null,
        },
        Viewport { rtl: true, ..vp() },
    );
    let prims = s.draw(&mut Mono);
    let xs: Vec<f32> = prims.iter().map(|p| p.x).collect();
    assert_eq!(xs, [1180.0, 1130.0]);
}

#[test]
fn vector_graphics_become_svg_with_their_parameters_bound() {
    let mut s = screen(
        json!({"type": "APL", "version": "1.9",
               "graphics": {"dot": {"type": "AVG", "version": "1.2", "width": 10, "height": 20,
                   "parameters": [{"name": "tint", "default": "#00ff00"}],
                   "items": [{"type": "group", "translateX": 2, "opacity": 0.5, "items": [
                       {"type": "path", "pathData": "M0,0 L10,0 L5,${1 + 1}z", "fill": "${tint}"}]},
                       {"type": "text", "text": "a<b", "x": 1, "y": 2}]}},
               "mainTemplate": {"items": [{"type": "Container", "items": [
                   {"type": "VectorGraphic", "source": "dot", "tint": "#ff0000"},
                   {"type": "VectorGraphic", "source": "nothing"},
                   {"type": "VectorGraphic", "source": "https://example.com/g.json"}]}]}}),
        json!({}),
    );
    let prims = s.draw(&mut Mono);
    let Paint::Vector { svg, .. } = &prims[0].paint else {
        panic!("{prims:?}")
    };
    // Drawn at the graphic's size when the component gives none.
    assert_eq!((prims[0].w, prims[0].h), (10.0, 20.0));
    assert!(svg.contains(r#"viewBox="0 0 10 20""#), "{svg}");
    assert!(
        svg.contains(r#"<g transform="translate(2 0)" opacity="0.5">"#),
        "{svg}"
    );
    assert!(
        svg.contains(r#"<path d="M0,0 L10,0 L5,2z" fill="rgba(255,0,0,1.000)"/>"#),
        "{svg}"
    );
    assert!(svg.contains(">a&lt;b</text>"), "{svg}");
    // A graphic that is not there draws nothing, one from the network a labelled box; both
    // are said.
    assert_eq!(prims.len(), 2, "{prims:?}");
    assert!(matches!(&prims[1].paint, Paint::Placeholder { .. }));
    let p = s.take_problems();
    let found: Vec<(&str, &str)> = p.iter().map(|p| (p.kind, p.path.as_str())).collect();
    assert_eq!(
        found,
        [
            (
                "apl_error",
                "$.document.mainTemplate.items[0].items[1].source"
            ),
            (
                "apl_unsupported",
                "$.document.mainTemplate.items[0].items[2].source"
            )
        ]
    );
}

#[test]
fn a_huge_list_draws_its_first_thousand_rows_and_says_so() {
    let rows: Vec<u32> = (0..50_000).collect();
    let mut s = screen(
        json!({"type": "APL", "version": "1.9", "mainTemplate": {"parameters": ["payload"], "items": [
            {"type": "Sequence", "data": "${payload.rows}", "items": [{"type": "Text", "text": "${data}", "fontSize": 10}]}]}}),
        json!({"rows": rows}),
    );
    let prims = s.draw(&mut Mono);
    assert_eq!(texts(&prims).len(), 1000);
    let p = s.take_problems();
    assert!(p[0].message.starts_with("50000 rows"), "{p:?}");
}

#[test]
fn an_image_keeps_its_alignment_and_overlay_gradient() {
    let doc = json!({"type": "APL", "version": "2024.3", "mainTemplate": {"items": [{"type": "Container", "items": [
        {"type": "Image", "source": "a.png", "width": 100, "height": 100, "align": "bottom-right",
         "overlayGradient": {"colorRange": ["#000000", "#00000000", "#ffffff"], "angle": 90}},
        {"type": "Image", "source": "b.png", "width": 100, "height": 100, "align": "top",
         "overlayGradient": {"type": "radial", "colorRange": ["red", "blue"], "inputRange": [0.2, 0.8]}},
        {"type": "Image", "source": "c.png", "width": 100, "height": 100,
         "overlayGradient": {"colorRange": ["#000000"]}}
    ]}]}});
    let mut s = screen(doc, json!({}));
    let images: Vec<_> = s
        .draw(&mut Mono)
        .into_iter()
        .filter_map(|p| match p.paint {
            Paint::Image {
                align,
                overlay_gradient,
                ..
            } => Some((align, overlay_gradient)),
            _ => None,
        })
        .collect();
    assert_eq!(images.len(), 3);
    let (align, g) = &images[0];
    assert_eq!(*align, (2, 2));
    let g = g.as_ref().expect("a gradient");
    assert!(!g.radial);
    assert_eq!(g.angle, 90.0);
    assert_eq!(
        g.stops.iter().map(|s| s.1).collect::<Vec<_>>(),
        vec![0.0, 0.5, 1.0],
        "colours spread evenly without an inputRange"
    );
    let (align, g) = &images[1];
    assert_eq!(*align, (1, 0));
    let g = g.as_ref().expect("a gradient");
    assert!(g.radial);
    assert_eq!(g.stops[0], ([0xff, 0, 0, 0xff], 0.2));
    assert_eq!(g.stops[1].1, 0.8);
    // One colour is no gradient; the image is drawn centred without one.
    assert_eq!(images[2], ((1, 1), None));
}

#[test]
fn inline_styles_and_line_height_set_a_text_word_by_word() {
    let w = rich::words("Go <b>now</b>, <i>to</i>day<br>then &amp; <strong>stop</strong>");
    let shown: Vec<(&str, bool, bool, bool, bool)> = w
        .iter()
        .map(|w| (w.text.as_str(), w.bold, w.italic, w.space, w.br))
        .collect();
    assert_eq!(
        shown,
        vec![
            ("Go", false, false, true, false),
            ("now", true, false, false, false),
            (",", false, false, true, false),
            ("to", false, true, false, false),
            ("day", false, false, false, true),
            ("then", false, false, true, false),
            ("&", false, false, true, false),
            ("stop", true, false, false, false),
        ]
    );
    let doc = json!({"type": "APL", "version": "2024.3", "mainTemplate": {"items": [{"type": "Container", "items": [
        {"type": "Text", "width": 200, "fontSize": 20, "text": "Go <b>now</b>, then wait"},
        {"type": "Text", "width": 200, "fontSize": 20, "lineHeight": 2, "text": "aaaa bbbb cccc dddd eeee"},
        {"type": "Text", "width": 145, "fontSize": 20, "lineHeight": "150%", "maxLines": 1, "text": "aaaa bbbb cccc dddd eeee"}
    ]}]}});
    let mut s = screen(doc, json!({}));
    let t = texts(&s.draw(&mut Mono));
    let styles: Vec<(String, i32)> = s
        .draw(&mut Mono)
        .iter()
        .filter_map(|p| match &p.paint {
            Paint::Text { text, style, .. } => Some((text.clone(), style.weight)),
            _ => None,
        })
        .collect();
    // One text per run of a style: the bold word is its own piece, at the width of "Go ".
    assert_eq!(styles[0], ("Go".into(), 400));
    assert_eq!(styles[1], ("now".into(), 700));
    assert_eq!(styles[2], (", then wait".into(), 400));
    assert_eq!(
        t[1].1,
        t[0].1 + 30.0,
        "\"now\" starts after \"Go \" (3 × 10 dp)"
    );
    assert_eq!(t[1].2, t[0].2, "on the same line");
    // 200 dp holds 20 characters of 10 dp: two words a line, lines 2 × 20 dp apart.
    let lines: Vec<&(String, f32, f32, f32, f32)> = t[3..6].iter().collect();
    assert_eq!(lines[0].0, "aaaa bbbb cccc dddd");
    assert_eq!(lines[1].0, "eeee");
    assert_eq!(lines[1].2 - lines[0].2, 40.0);
    // maxLines 1: the line ends in an ellipsis, with the words that fit beside it ("cccc…"
    // would need 150 dp of 145).
    assert_eq!(lines[2].0, "aaaa bbbb…");
}

/// The layout tree kept from the last frame lays a changed screen out exactly as a new tree
/// does: a text that grows and wraps, a component hidden and shown again, a page turned, a
/// text that shrinks, and then another document on the same tree.
#[test]
fn a_kept_layout_tree_lays_out_every_change_as_a_new_one() {
    let doc = json!({"type": "APL", "version": "1.9", "mainTemplate": {"items": [{
    "type": "Container", "direction": "row", "wrap": "wrap", "width": 600, "items": [
        {"type": "Text", "id": "a", "text": "Short", "fontSize": 20},
        {"type": "Text", "text": "Next to it", "fontSize": 20, "spacing": 12},
        {"type": "Frame", "id": "box", "width": 100, "height": 50, "backgroundColor": "red"},
        {"type": "Pager", "id": "pg", "height": 100, "width": 300, "items": [
            {"type": "Text", "text": "Page one"},
            {"type": "Container", "items": [{"type": "Text", "text": "Page two"}, {"type": "Text", "text": "more"}]}]}
    ]}]}});
    let mut s = screen(doc, json!({}));
    let mut kept = Kept::default();
    let mut check = |s: &Screen, what: &str| {
        let snap = s.snapshot();
        let (again, _) = snap.draw_kept(&mut Mono, &mut kept);
        assert_eq!(again, snap.draw(&mut Mono).0, "{what}");
        again
    };
    let mut before = check(&s, "the first layout");
    for (what, command) in [
        (
            "a text that grows",
            json!({"type": "SetValue", "componentId": "a", "property": "text",
            "value": "A much longer text that wraps onto more lines than before and moves the rest"}),
        ),
        (
            "a component hidden",
            json!({"type": "SetValue", "componentId": "box", "property": "display", "value": "none"}),
        ),
        (
            "shown again",
            json!({"type": "SetValue", "componentId": "box", "property": "display", "value": "normal"}),
        ),
        (
            "a page turned",
            json!({"type": "SetPage", "componentId": "pg", "value": 1}),
        ),
        (
            "a text that shrinks",
            json!({"type": "SetValue", "componentId": "a", "property": "text", "value": "S"}),
        ),
    ] {
        s.execute(&ExecuteCommands {
            token: "tok".into(),
            commands: json!([command]),
        });
        let now = check(&s, what);
        assert_ne!(now, before, "{what} changes the screen");
        before = now;
    }
    // Other documents on the same tree, back and forth (their components share uids and move
    // between parents; old nodes pile up until the tree starts anew).
    let (doc, ds) = rides();
    let other = screen(doc, ds);
    for round in 0..40 {
        check(&other, &format!("another document, round {round}"));
        check(&s, &format!("the first document again, round {round}"));
    }
}

/// The viewport profiles as Amazon's documents test them: `@viewportProfile` compared with a
/// profile's name, and its category, group and shape, on every device linkscreen emulates.
#[test]
fn viewport_profiles_are_strings_compared_as_amazons_documents_do() {
    let doc = json!({"type": "APL", "version": "2024.3",
        "import": [{"name": "alexa-viewport-profiles", "version": "1.6.0"}],
        "mainTemplate": {"items": [{"type": "Text", "text":
            "${@viewportProfile == @hubRoundSmall ? 'hubRoundSmall' : @viewportProfile == @hubLandscapeSmall ? 'hubLandscapeSmall' : @viewportProfile == @hubLandscapeMedium ? 'hubLandscapeMedium' : @viewportProfile == @hubLandscapeLarge ? 'hubLandscapeLarge' : @viewportProfile == @hubLandscapeXLarge ? 'hubLandscapeXLarge' : @viewportProfile == @tvLandscapeXLarge ? 'tvLandscapeXLarge' : 'none'} ${@viewportProfileCategory == @hubRound ? 'hubRound' : @viewportProfileCategory == @hubLandscape ? 'hubLandscape' : @viewportProfileCategory == @tvFullscreen ? 'tvFullscreen' : 'none'} ${@viewportProfileGroup == @hub ? 'hub' : @viewportProfileGroup == @tv ? 'tv' : 'none'} ${@viewportShape == @viewportShapeRound ? 'round' : 'rectangle'}"}]}});
    let want = [
        ("echo-spot", "hubRoundSmall hubRound hub round"),
        (
            "echo-show-5",
            "hubLandscapeSmall hubLandscape hub rectangle",
        ),
        (
            "echo-show-8",
            "hubLandscapeMedium hubLandscape hub rectangle",
        ),
        (
            "echo-show-10",
            "hubLandscapeLarge hubLandscape hub rectangle",
        ),
        (
            "echo-show-15",
            "hubLandscapeXLarge hubLandscape hub rectangle",
        ),
        ("fire-tv", "tvLandscapeXLarge tvFullscreen tv rectangle"),
    ];
    for (id, expected) in want {
        let p = crate::protocol::viewport::PROFILES
            .iter()
            .find(|p| p.id == id)
            .unwrap();
        let render = RenderDocument {
            token: "t".into(),
            document: doc.clone(),
            datasources: json!({}),
        };
        let mut s = Screen::new(&render, Viewport::of(p, "en-US", 0.0));
        // The words as drawn (a text of several lines is set a word at a time).
        let words: Vec<String> = texts(&s.draw(&mut Mono)).into_iter().map(|t| t.0).collect();
        assert_eq!(words.join(" "), expected, "{id}");
        assert!(s.take_problems().is_empty(), "{id}");
    }
}

/// `Log`, `PlayMedia`, `ControlMedia` and `Reinflate` are noted for the event log (nothing
/// plays offline); a command linkscreen does not run is an `apl_unsupported` problem.
#[test]
fn media_and_log_commands_are_noted() {
    let mut s = screen(
        json!({"type": "APL", "version": "2024.3",
            "onMount": [
                {"type": "Log", "level": "info", "message": "hello", "arguments": [1]},
                {"type": "PlayMedia", "componentId": "clip", "source": "https://example.com/a.mp4"},
                {"type": "ControlMedia", "componentId": "clip", "command": "pause"},
                {"type": "Frobnicate", "componentId": "list"}],
            "mainTemplate": {"items": [{"type": "Container", "items": [
                {"type": "Video", "id": "clip", "width": 100, "height": 50}]}]}}),
        json!({}),
    );
    let out = s.mount();
    let noted: Vec<(String, String)> = out
        .into_iter()
        .filter_map(|o| match o {
            Outcome::Logged { command, detail } => Some((command, detail)),
            _ => None,
        })
        .collect();
    assert_eq!(noted.len(), 4, "{noted:?}");
    assert_eq!(noted[0].0, "Log");
    assert!(noted[0].1.contains("info: hello [1]"), "{noted:?}");
    assert!(
        noted[1].1.contains("a.mp4") && noted[1].1.contains("clip"),
        "{noted:?}"
    );
    assert_eq!(
        noted[2].0, "onTrackFail",
        "offline, the track does not load"
    );
    assert!(noted[3].1.starts_with("pause on clip"), "{noted:?}");
    let p = s.take_problems();
    assert!(
        p.iter()
            .any(|p| p.kind == "apl_unsupported" && p.message.contains("Frobnicate")),
        "{p:?}"
    );
    // The video is its box, black.
    let prims = s.draw(&mut Mono);
    assert!(prims.iter().any(|p| matches!(
        p.paint,
        Paint::Box {
            background: [0, 0, 0, 255],
            ..
        }
    ) && p.w == 100.0));
}

/// Colours as APL takes them: hex with alpha last, and every CSS name and function.
#[test]
fn colours_are_read_as_css_has_them() {
    use super::primitives::colour;
    let c = |s: &str| colour(Some(&json!(s)));
    assert_eq!(c("#00ff0080"), Some([0, 255, 0, 128]));
    assert_eq!(c("#0f08"), Some([0, 255, 0, 136]));
    assert_eq!(c("lime"), Some([0, 255, 0, 255]));
    assert_eq!(c("darkolivegreen"), Some([85, 107, 47, 255]));
    assert_eq!(c("hsl(120, 100%, 50%)"), Some([0, 255, 0, 255]));
    assert_eq!(c("rgb(100%, 0%, 0%)"), Some([255, 0, 0, 255]));
    assert_eq!(c("rgba(0, 0, 255, 0.5)"), Some([0, 0, 255, 128]));
    assert_eq!(c("transparent"), Some([0, 0, 0, 0]));
    assert_eq!(c("notacolor"), None);
}
