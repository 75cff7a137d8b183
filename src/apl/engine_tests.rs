//! What Amazon's engine does that its own documents showed linkscreen doing otherwise: each
//! case from a corpus document, cut down to the construct.

use serde_json::json;

use super::primitives::Paint;
use super::screen::Screen;
use super::tests::{Mono, screen};

fn prims(s: &mut Screen) -> Vec<super::primitives::Prim> {
    s.draw(&mut Mono)
}

/// The texts drawn, in order.
fn texts(drawn: &[super::primitives::Prim]) -> Vec<String> {
    drawn
        .iter()
        .filter_map(|p| match &p.paint {
            Paint::Text { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

/// authoring-detail-image: an opacity naming a resource the document lacks is 0 (Amazon's
/// engine hides the text), not 1.
#[test]
fn an_opacity_that_is_no_number_hides_the_component() {
    let mut s = screen(
        json!({"type": "APL", "version": "2024.3", "mainTemplate": {"items": [
            {"type": "Container", "items": [
                {"type": "Text", "text": "hidden", "opacity": "@opacityNowhere"},
                {"type": "Text", "text": "shown"}]}]}}),
        json!({}),
    );
    assert_eq!(texts(&prims(&mut s)), ["shown"]);
}

/// authoring-analog-clock: a Frame's `background` (APL 2023.1) paints it.
#[test]
fn a_frames_background_paints_it() {
    let mut s = screen(
        json!({"type": "APL", "version": "2024.3", "mainTemplate": {"items": [
            {"type": "Container", "items": [
                {"type": "Frame", "width": 50, "height": 50, "background": "white"}]}]}}),
        json!({}),
    );
    assert!(prims(&mut s).iter().any(|p| matches!(
        p.paint,
        Paint::Box {
            background: [255, 255, 255, 255],
            ..
        }
    )),);
}

/// responsive-avg-animation, authoring-analog-clock, plant-care-widget: a VectorGraphic draws
/// its graphic at its own size (`scale: none`, the default) or fitted (`best-fit`), placed by
/// `align`; its `parameters` map sets the graphic's parameters; a graphic the document does
/// not have draws nothing (its problem says so).
#[test]
fn a_vector_graphic_is_drawn_at_its_scale_and_place() {
    let doc = |scale: &str, align: &str, source: &str| {
        json!({"type": "APL", "version": "2024.3",
            "graphics": {"dot": {"type": "AVG", "version": "1.2", "width": 48, "height": 48,
                "parameters": [{"name": "ink", "default": "red"}],
                "items": [{"type": "path", "pathData": "M0,0 L48,0 L48,48 Z", "fill": "${ink}"}]}},
            "mainTemplate": {"items": [{"type": "Container", "items": [
                {"type": "VectorGraphic", "source": source, "width": 200, "height": 100,
                 "scale": scale, "align": align, "parameters": {"ink": "blue"}}]}]}})
    };
    let vector = |scale: &str, align: &str, source: &str| {
        let mut s = screen(doc(scale, align, source), json!({}));
        let found = prims(&mut s).into_iter().find_map(|p| match &p.paint {
            Paint::Vector { svg, .. } => Some(([p.x, p.y, p.w, p.h], svg.clone())),
            _ => None,
        });
        (found, s.take_problems())
    };
    let (none, _) = vector("none", "center", "dot");
    let (rect, svg) = none.unwrap();
    assert_eq!(rect, [76.0, 26.0, 48.0, 48.0]);
    assert!(svg.contains("rgba(0,0,255,"), "the map's ink: {svg}");
    let (fit, _) = vector("best-fit", "left", "dot");
    assert_eq!(fit.unwrap().0, [0.0, 0.0, 100.0, 100.0]);
    let (missing, problems) = vector("none", "center", "nowhere");
    assert!(missing.is_none());
    assert!(
        !prims(&mut screen(doc("none", "center", "nowhere"), json!({})))
            .iter()
            .any(|p| matches!(p.paint, Paint::Placeholder { .. })),
        "no labelled box"
    );
    assert!(
        problems.iter().any(|p| p.message.contains("nowhere")),
        "{problems:?}"
    );
}

/// plant-care-widget: alexaPhotoOverlayScrim, one rectangle over the graphic's whole viewport
/// in one colour, is drawn as a box of that colour (its `fillOpacity` in the alpha) over the
/// graphic's place; a rectangle that leaves part of the viewport, or one with a stroke, stays
/// a vector graphic.
#[test]
fn a_graphic_that_is_one_colour_over_its_viewport_is_a_box() {
    let drawn = |path: &str, extra: serde_json::Value| {
        let mut item = json!({"type": "path", "pathData": path, "fill": "#00000066"});
        item.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let mut s = screen(
            json!({"type": "APL", "version": "2024.3",
                "graphics": {"scrim": {"type": "AVG", "version": "1.2", "width": 100,
                    "height": 100, "items": [item]}},
                "mainTemplate": {"items": [{"type": "Container", "items": [
                    {"type": "VectorGraphic", "source": "scrim", "width": 200, "height": 80,
                     "scale": "fill"}]}]}}),
            json!({}),
        );
        prims(&mut s)
            .into_iter()
            .find(|p| matches!(p.paint, Paint::Box { .. } | Paint::Vector { .. }))
            .map(|p| ([p.x, p.y, p.w, p.h], p.paint))
            .unwrap()
    };
    let (at, paint) = drawn("M0,0 L100,0 L100,100 L0,100 z", json!({}));
    assert_eq!(at, [0.0, 0.0, 200.0, 80.0]);
    assert_eq!(paint, Paint::flat([0, 0, 0, 0x66]));
    // Another corner first, no close, and half its opacity.
    let (_, paint) = drawn("M100 100 L0 100 L0 0 L100 0", json!({"fillOpacity": 0.5}));
    assert_eq!(paint, Paint::flat([0, 0, 0, 0x33]));
    for (path, extra) in [
        ("M0,0 L100,0 L100,90 L0,90 z", json!({})),
        ("M0,0 L100,0 L0,100 L100,100 z", json!({})),
        ("M0,0 L100,0 L100,100 L0,100 z", json!({"stroke": "red"})),
    ] {
        let (_, paint) = drawn(path, extra.clone());
        assert!(matches!(paint, Paint::Vector { .. }), "{path} {extra}");
    }
}

/// sauce-boss-launch: `ordinal` is bound only for the children of a `numbered` component.
#[test]
fn only_a_numbered_components_children_have_an_ordinal() {
    let doc = |numbered: bool| {
        json!({"type": "APL", "version": "2024.3", "mainTemplate": {"items": [
            {"type": "Container", "numbered": numbered, "data": ["a", "b"], "items": [
                {"type": "Text", "text": "${ordinal ? ordinal + '.' : ''}${data}"}]}]}})
    };
    let texts = |numbered| {
        let mut s = screen(doc(numbered), json!({}));
        prims(&mut s)
            .iter()
            .filter_map(|p| match &p.paint {
                Paint::Text { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(texts(true), ["1.a", "2.b"]);
    assert_eq!(texts(false), ["a", "b"]);
}

/// authoring-grid-list: an absolute dimension resource is a length in arithmetic
/// (`@gridListMaxDataHeight + 8` is 148, not "140dp8"); a relative one stays relative.
#[test]
fn an_absolute_dimension_resource_adds_as_a_length() {
    let mut s = screen(
        json!({"type": "APL", "version": "2024.3",
            "resources": [{"dimensions": {"data": "140dp", "dot": "32px", "wide": "50vw"}}],
            "mainTemplate": {"items": [{"type": "Container", "items": [
                {"type": "Frame", "id": "f", "width": "@wide", "height": "${@data + 8}",
                 "backgroundColor": "red"},
                {"type": "Text", "id": "t", "text": "${@dot * 2}"}]}]}}),
        json!({}),
    );
    let frame = prims(&mut s)
        .into_iter()
        .find(|p| matches!(p.paint, Paint::Box { .. }))
        .unwrap();
    assert_eq!((frame.w, frame.h), (640.0, 148.0));
    assert_eq!(
        s.value_of("t", "text"),
        Some(json!(64)),
        "32px at 160 dpi, twice"
    );
}

/// cake-time, authoring-detail-image: linkscreen's AlexaImage takes its width from its height
/// and `imageAspectRatio`; AlexaRating draws five stars for its `ratingNumber` (3.5: three
/// full, a half, an empty) and its text.
#[test]
fn alexa_image_keeps_its_aspect_and_alexa_rating_draws_its_stars() {
    let mut s = screen(
        json!({"type": "APL", "version": "2024.3",
            "import": [{"name": "alexa-layouts", "version": "1.7.0"}],
            "mainTemplate": {"items": [{"type": "Container", "items": [
                {"type": "AlexaImage", "imageSource": "cake.png", "imageHeight": "40vh",
                 "imageAspectRatio": "square"},
                {"type": "AlexaImage", "imageSource": "wide.png", "imageHeight": 90,
                 "imageAspectRatio": "widescreen"},
                {"type": "AlexaRating", "ratingNumber": 3.5, "ratingText": "248"}]}]}}),
        json!({}),
    );
    let prims = prims(&mut s);
    let image = |src: &str| {
        prims
            .iter()
            .find(|p| matches!(&p.paint, Paint::Image { source, .. } if source == src))
            .map(|p| (p.w.round(), p.h.round()))
    };
    assert_eq!(
        image("cake.png"),
        Some((320.0, 320.0)),
        "40vh of 800, square"
    );
    assert_eq!(image("wide.png"), Some((160.0, 90.0)), "16:9");
    let stars: Vec<String> = s
        .root()
        .unwrap()
        .children
        .last()
        .map(|rating| {
            let mut out = vec![];
            fn walk(n: &super::Node, out: &mut Vec<String>) {
                if let Some(src) = n.str("source").filter(|s| s.starts_with("alexaRating")) {
                    out.push(src.to_owned());
                }
                n.children.iter().for_each(|c| walk(c, out));
            }
            walk(rating, &mut out);
            out
        })
        .unwrap_or_default();
    assert_eq!(
        stars,
        [
            "alexaRatingFull",
            "alexaRatingFull",
            "alexaRatingFull",
            "alexaRatingHalf",
            "alexaRatingEmpty"
        ]
    );
    assert!(
        prims
            .iter()
            .any(|p| matches!(&p.paint, Paint::Text { text, .. } if text == "248"))
    );
}

/// linkscreen's AlexaSwitch toggles on a touch, AlexaRadioButton is checked by one (and stays
/// so), and AlexaIconButton sends its primaryAction.
#[test]
fn switch_radio_and_icon_button_answer_a_touch() {
    let mut s = screen(
        json!({"type": "APL", "version": "2024.3",
            "import": [{"name": "alexa-layouts", "version": "1.7.0"}],
            "graphics": {"play": {"type": "AVG", "version": "1.2", "width": 24, "height": 24,
                "items": [{"type": "path", "pathData": "M8,5 L19,12 L8,19 Z", "fill": "white"}]}},
            "mainTemplate": {"items": [{"type": "Container", "items": [
                {"type": "AlexaSwitch", "id": "wifi"},
                {"type": "AlexaRadioButton", "id": "pick"},
                {"type": "AlexaIconButton", "id": "play", "vectorSource": "play",
                 "primaryAction": {"type": "SendEvent", "arguments": ["play"]}}]}]}}),
        json!({}),
    );
    let uid = |s: &Screen, id: &str| s.root().unwrap().find(id).unwrap().uid;
    let checked = |s: &Screen, id: &str| s.value_of(id, "checked") == Some(json!(true));
    let wifi = uid(&s, "wifi");
    s.press(wifi);
    assert!(checked(&s, "wifi"), "on");
    s.press(wifi);
    assert!(!checked(&s, "wifi"), "off again");
    let pick = uid(&s, "pick");
    s.press(pick);
    s.press(pick);
    assert!(checked(&s, "pick"), "a radio button stays checked");
    let out = s.press(uid(&s, "play"));
    assert!(
        matches!(&out[..], [super::Outcome::UserEvent { arguments, .. }] if arguments == &[json!("play")]),
        "{out:?}"
    );
}

/// responsive-avg-animation, authoring-parallax-effect: a component's `transform` moves and
/// scales what it draws (and what it holds) about its centre; a turn turns its vector graphics;
/// an AVG path's DropShadow is an SVG filter.
#[test]
fn a_transform_moves_scales_and_turns_what_is_drawn() {
    let mut s = screen(
        json!({"type": "APL", "version": "2024.3",
            "graphics": {"bulb": {"type": "AVG", "version": "1.2", "width": 40, "height": 40,
                "items": [{"type": "path", "pathData": "M0 0h40v40z", "fill": "white",
                    "filters": [{"type": "DropShadow", "color": "rgba(#000000, 16%)",
                                 "verticalOffset": 3, "radius": 3}]}]}},
            "mainTemplate": {"items": [{"type": "Container", "items": [
                {"type": "Frame", "width": 100, "height": 50, "background": "white",
                 "transform": [{"translateX": "10vw"}, {"scale": 2}],
                 "items": [{"type": "Text", "text": "big", "fontSize": 10}]},
                {"type": "VectorGraphic", "source": "bulb", "transform": [{"rotate": 90}]}]}]}}),
        json!({}),
    );
    let drawn = prims(&mut s);
    let frame = drawn
        .iter()
        .find(|p| matches!(p.paint, Paint::Box { .. }))
        .unwrap();
    // Its centre (50, 25) stays, moved 10vw; twice as big.
    let tenth = s.viewport().width_dp() / 10.0;
    assert_eq!(
        (frame.x, frame.y, frame.w, frame.h),
        (tenth - 50.0, -25.0, 200.0, 100.0)
    );
    let text = drawn
        .iter()
        .find_map(|p| match &p.paint {
            Paint::Text { style, .. } => Some(style.size),
            _ => None,
        })
        .unwrap();
    assert_eq!(text, 20.0, "what it holds grows with it");
    let bulb = drawn
        .iter()
        .find(|p| matches!(p.paint, Paint::Vector { .. }))
        .unwrap();
    let Paint::Vector { svg, .. } = &bulb.paint else {
        unreachable!()
    };
    // Turned a quarter about its centre: the graphic's box is drawn through the matrix.
    let turn = bulb.turn.as_deref().expect("a rotation turns it");
    let m = turn.m.map(|v| (v * 1000.0).round() / 1000.0);
    // (its box a dp larger all round, for the edge's anti-aliasing)
    assert_eq!(m, [0.0, 1.0, -1.0, 0.0, 41.0, 1.0]);
    let turned = crate::apl::turned_svg(bulb, turn, None, 1.0);
    assert!(turned.contains(r#"<g transform="matrix("#), "{turned}");
    assert!(
        turned.contains(r#"<svg x="0" y="0" width="40" height="40" viewBox="0 0 40 40""#),
        "{turned}"
    );
    assert!(
        svg.contains(r#"<feDropShadow dx="0" dy="3" stdDeviation="1.5""#),
        "{svg}"
    );
    assert!(svg.contains(r#"filter="url(#f"#), "{svg}");
}

/// onLayout (APL 2024.2) runs when the view reports where a component went, with its bounds in
/// `event.source.bounds`; the same bounds again run nothing.
#[test]
fn on_layout_runs_when_the_bounds_change() {
    let mut s = screen(
        json!({"type": "APL", "version": "2024.3", "mainTemplate": {"items": [
            {"type": "Container", "items": [
                {"type": "Text", "text": "?", "onLayout": {"type": "SetValue",
                    "property": "text", "value": "${event.source.bounds.width}"}}]}]}}),
        json!({}),
    );
    let uid = s.root().unwrap().children[0].uid;
    let text = |s: &Screen| s.root().unwrap().children[0].text("text");
    s.set_positions(vec![(uid, [0.0, 0.0, 120.0, 30.0])]);
    assert_eq!(text(&s).as_deref(), Some("120"));
    s.root.as_mut().unwrap().children[0].set_own("text", json!("again"));
    s.set_positions(vec![(uid, [0.0, 0.0, 120.0, 30.0])]);
    assert_eq!(
        text(&s).as_deref(),
        Some("again"),
        "the same bounds run nothing"
    );
    s.set_positions(vec![(uid, [0.0, 0.0, 80.0, 30.0])]);
    assert_eq!(text(&s).as_deref(), Some("80"));
}

/// linkscreen's AlexaTransportControls: its play button asks the media component to play
/// (logged: nothing plays offline) and turns into a pause button, which asks it to pause;
/// AlexaProgressBarRadial draws its arc as far as its value goes.
#[test]
fn transport_controls_toggle_and_a_radial_bar_draws_its_arc() {
    let mut s = screen(
        json!({"type": "APL", "version": "2024.3",
            "import": [{"name": "alexa-layouts", "version": "1.7.0"}],
            "mainTemplate": {"items": [{"type": "Container", "items": [
                {"type": "Video", "id": "song", "width": 10, "height": 10},
                {"type": "AlexaTransportControls", "mediaComponentId": "song",
                 "playPauseToggleButtonId": "toggle"},
                {"type": "AlexaProgressBarRadial", "progressValue": 25}]}]}}),
        json!({}),
    );
    let toggle = |s: &Screen| s.root().unwrap().find("toggle").unwrap().uid;
    let logged = |out: Vec<super::Outcome>| -> Vec<String> {
        out.into_iter()
            .filter_map(|o| match o {
                super::Outcome::Logged { command, detail } => Some(format!("{command} {detail}")),
                _ => None,
            })
            .collect()
    };
    let icon = |s: &mut Screen| {
        prims(s)
            .into_iter()
            .filter_map(|p| match p.paint {
                Paint::Vector { svg, .. } => Some(svg),
                _ => None,
            })
            .any(|svg| svg.contains("M7,5 h3.5"))
    };
    assert!(!icon(&mut s), "a play button first");
    let t = toggle(&s);
    assert_eq!(
        logged(s.press(t)),
        [
            "ControlMedia play on song",
            "onTrackFail Video song: it has no track to play"
        ],
        "offline, nothing plays"
    );
    assert!(icon(&mut s), "now a pause button");
    let t = toggle(&s);
    assert_eq!(logged(s.press(t)), ["ControlMedia pause on song"]);
    // A quarter of the way round: from the top to the right (an arc ending at 3 o'clock).
    assert!(
        prims(&mut s).iter().any(|p| matches!(&p.paint,
            Paint::Vector { svg, .. } if svg.contains("A46,46 0 0 1 96,50"))),
        "the arc of 25 %: {:?}",
        prims(&mut s)
            .into_iter()
            .filter_map(|p| match p.paint {
                Paint::Vector { svg, .. } => Some(svg),
                _ => None,
            })
            .collect::<Vec<_>>()
    );
}

/// authoring-cards-layout: an absolutely positioned child sized in `%` takes its parent's box
/// less padding, as Amazon's engine (Yoga) sizes it; task-buddy: a `fontSize` that is no length
/// (an unresolved `@smallFont`) is 0 and draws nothing.
#[test]
fn absolute_percentages_take_the_inner_box_and_a_font_size_that_is_no_length_is_0() {
    let mut s = screen(
        json!({"type": "APL", "version": "2024.3", "mainTemplate": {"items": [{"type": "Container",
            "items": [{"type": "Container", "width": 240, "height": 200, "padding": 16, "items": [
                {"type": "Frame", "position": "absolute", "left": 16, "top": 16,
                 "width": "100%", "height": "50%", "backgroundColor": "red"},
                {"type": "Text", "text": "gone", "fontSize": "@smallFont"},
                {"type": "Text", "text": "kept"}]}]}]}}),
        json!({}),
    );
    let drawn = prims(&mut s);
    let frame = drawn
        .iter()
        .find(|p| matches!(p.paint, Paint::Box { .. }))
        .unwrap();
    assert_eq!(
        (frame.x, frame.y, frame.w, frame.h),
        (16.0, 16.0, 208.0, 84.0)
    );
    assert_eq!(texts(&drawn), ["kept"]);
}

/// authoring-text-list-light: a layout given `theme: light` takes the light theme's resources
/// and text colour under a dark document; AlexaFooter takes the deprecated `footerHint`; on a
/// round screen AlexaHeader shows its attribution first (`headerAttributionPrimacy`).
#[test]
fn a_layouts_theme_footer_hint_and_header_primacy() {
    let doc = json!({"type": "APL", "version": "2024.3", "theme": "dark",
        "import": [{"name": "alexa-layouts", "version": "1.7.0"}],
        "mainTemplate": {"items": [{"type": "Container", "items": [
            {"type": "AlexaTextListItem", "primaryText": "light row", "theme": "light"},
            {"type": "AlexaTextListItem", "primaryText": "dark row"},
            {"type": "AlexaFooter", "footerHint": "Try \"Alexa, next\""},
            {"type": "AlexaHeader", "headerTitle": "Title", "headerAttributionText": "Brand"}]}]}});
    let colour_of = |drawn: &[super::primitives::Prim], t: &str| {
        drawn.iter().find_map(|p| match &p.paint {
            Paint::Text { text, color, .. } if text == t => Some(*color),
            _ => None,
        })
    };
    let mut s = screen(doc.clone(), json!({}));
    let drawn = prims(&mut s);
    let (light, dark) = (
        colour_of(&drawn, "light row").unwrap(),
        colour_of(&drawn, "dark row").unwrap(),
    );
    assert!(light[0] < 0x80 && dark[0] > 0x80, "{light:?} {dark:?}");
    assert!(colour_of(&drawn, "Try \"Alexa, next\"").is_some());
    assert!(
        colour_of(&drawn, "Title").is_some(),
        "a wide screen shows its title"
    );
    let mut round = super::screen::Screen::new(
        &super::doc::RenderDocument {
            token: "tok".into(),
            document: doc,
            datasources: json!({}),
        },
        super::scope::Viewport {
            pixel_width: 480.0,
            pixel_height: 480.0,
            round: true,
            ..s.viewport().clone()
        },
    );
    let drawn = prims(&mut round);
    assert!(colour_of(&drawn, "Brand").is_some());
    assert!(
        colour_of(&drawn, "Title").is_none(),
        "the attribution comes first"
    );
}

/// Reinflate makes the document again: what a SetValue changed and the page a pager turned to
/// start over, onMount runs again, and the commands after it are dropped.
#[test]
fn reinflate_makes_the_document_again() {
    let mut s = screen(
        json!({"type": "APL", "version": "2024.3",
            "onMount": {"type": "SetValue", "componentId": "count", "property": "text",
                        "value": "mounted"},
            "mainTemplate": {"items": [{"type": "Container", "items": [
                {"type": "Text", "id": "count", "text": "new"},
                {"type": "TouchWrapper", "id": "again", "onPress": [
                    {"type": "Reinflate"},
                    {"type": "SetValue", "componentId": "count", "property": "text", "value": "after"}]},
                {"type": "TouchWrapper", "id": "change", "onPress":
                    {"type": "SetValue", "componentId": "count", "property": "text", "value": "changed"}}]}]}}),
        json!({}),
    );
    let text = |s: &Screen| s.value_of("count", "text");
    s.mount();
    assert_eq!(text(&s), Some(json!("mounted")));
    let change = s.root().unwrap().find("change").unwrap().uid;
    s.press(change);
    assert_eq!(text(&s), Some(json!("changed")));
    let again = s.root().unwrap().find("again").unwrap().uid;
    let out = s.press(again);
    assert!(
        out.iter()
            .any(|o| matches!(o, super::Outcome::Logged { command, .. } if command == "Reinflate"))
    );
    assert_eq!(
        text(&s),
        Some(json!("mounted")),
        "made again, mounted again, and the SetValue after the Reinflate dropped"
    );
}
