//! Drawing: the laid-out components become boxes, texts, images and placeholders in dp, each
//! with the clip it is drawn in (scrolling components and pagers clip their children and
//! move them by their scroll).

use serde_json::Value;

use super::node::LiveState;
use super::node::{Kind, Node};
use super::primitives::gradient;
use super::primitives::{Measure, Paint, Prim, Rgba, TextStyle};
use super::primitives::{markup, text_style};
use super::props;
use super::scope::Viewport;
use super::tree::{Kept, Leaf};

fn inter(a: [f32; 4], b: [f32; 4]) -> [f32; 4] {
    let x = a[0].max(b[0]);
    let y = a[1].max(b[1]);
    let r = (a[0] + a[2]).min(b[0] + b[2]);
    let bt = (a[1] + a[3]).min(b[1] + b[3]);
    [x, y, (r - x).max(0.0), (bt - y).max(0.0)]
}

/// A component and what it holds, drawn; then moved, scaled (and, where it can be, turned)
/// by its `transform` about its box's centre.
#[allow(clippy::too_many_arguments)]
pub(super) fn draw(
    kept: &Kept,
    n: &Node,
    origin: (f32, f32),
    (clip, scroller): ([f32; 4], Option<usize>),
    opacity: f32,
    live: &LiveState,
    vp: &Viewport,
    out: &mut Vec<Prim>,
    measure: &mut dyn Measure,
) {
    let start = out.len();
    own(
        kept,
        n,
        origin,
        (clip, scroller),
        opacity,
        live,
        vp,
        out,
        measure,
    );
    let Some(list) = n.prop("transform").filter(|_| out.len() > start) else {
        return;
    };
    let Some((_, bounds)) = super::bounds::of(kept, n, origin, vp) else {
        return;
    };
    if let Some(m) = super::affine::of(list, bounds, vp) {
        for p in &mut out[start..] {
            m.map(p, clip);
            super::turn::break_lines(p, measure);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn own(
    kept: &Kept,
    n: &Node,
    origin: (f32, f32),
    (clip, scroller): ([f32; 4], Option<usize>),
    opacity: f32,
    live: &LiveState,
    vp: &Viewport,
    out: &mut Vec<Prim>,
    measure: &mut dyn Measure,
) {
    let Some((_, [x, y, w, h])) = super::bounds::of(kept, n, origin, vp) else {
        return;
    };
    let (tree, Some(id)) = (&kept.tree, kept.id(n.uid)) else {
        return;
    };
    let Ok(l) = tree.layout(id) else {
        return;
    };
    // An opacity that is no number (an unresolved `@resource`) is 0, as in Amazon's engine.
    let own = match n.prop("opacity") {
        None => 1.0,
        Some(v) => super::value::as_num(v).unwrap_or(0.0),
    };
    let opacity = opacity * own.clamp(0.0, 1.0) as f32;
    if n.get(&props::DISPLAY) == props::Display::Invisible || opacity <= 0.0 {
        return;
    }
    let prim = |paint: Paint, touch: Option<usize>| Prim {
        x,
        y,
        w,
        h,
        clip,
        opacity,
        paint,
        touch,
        uid: n.uid,
        scroller,
        turn: None,
    };
    let disabled = n.get(&props::DISABLED);
    match n.kind {
        Kind::Frame => {
            // `background` (APL 2023.1) or the older `backgroundColor`.
            let background = n
                .get(&props::BACKGROUND)
                .unwrap_or(n.get(&props::BACKGROUND_COLOR));
            let border = n.get(&props::BORDER_COLOR);
            out.push(prim(
                Paint::Box {
                    background,
                    border,
                    border_width: n.length(&props::BORDER_WIDTH, vp),
                    radius: n.length(&props::BORDER_RADIUS, vp),
                },
                None,
            ));
        }
        Kind::TouchWrapper => out.push(prim(
            Paint::flat([0, 0, 0, 0]),
            (!disabled).then_some(n.uid),
        )),
        // A text of no size draws nothing (its `fontSize` no length: 0, as in apl-core).
        Kind::Text if text_style(n, vp).size <= 0.0 => {}
        Kind::Text | Kind::EditText => {
            let light = n
                .scope
                .globals()
                .vars
                .get("viewport")
                .and_then(|v| v.get("theme"))
                .and_then(Value::as_str)
                == Some("light");
            let default = if light {
                [0x1e, 0x22, 0x22, 255]
            } else {
                [0xfa, 0xfa, 0xfa, 255]
            };
            if n.kind == Kind::EditText {
                out.push(prim(
                    Paint::Box {
                        background: n.get(&props::BACKGROUND_COLOR),
                        border: n.get(&props::EDIT_BORDER_COLOR),
                        border_width: n.length(&props::EDIT_BORDER_WIDTH, vp),
                        radius: 0.0,
                    },
                    (!disabled).then_some(n.uid),
                ));
            }
            let (text, hint) = if n.kind == Kind::Text {
                (markup(&n.text("text").unwrap_or_default()), false)
            } else {
                super::primitives::shown(n, live.editing == Some(n.uid))
            };
            use props::{TextAlign as A, TextAlignVertical as V};
            let align = match (n.get(&props::TEXT_ALIGN), vp.rtl) {
                (A::Center, _) => "center",
                (A::Left, _) => "left",
                (A::Right, _) => "right",
                (A::End, false) | (A::Start, true) | (A::Auto, true) => "right",
                (A::End, true) | (A::Start, false) | (A::Auto, false) => "left",
            };
            let valign = match n.get(&props::TEXT_ALIGN_VERTICAL) {
                V::Center => "center",
                V::Bottom => "bottom",
                V::Top | V::Auto => "top",
            };
            let pad_l = l.padding.left;
            let pad_t = l.padding.top;
            let inner_w = (w - pad_l - l.padding.right).max(0.0);
            let inner_h = (h - pad_t - l.padding.bottom).max(0.0);
            // A plain text of several lines is set a word at a time too, its lines 1.25 × its
            // font size apart as APL sets them (the font's own spacing is wider); a text with
            // no spaces to break at (Chinese, Japanese), or cut at `maxLines` (the text engine
            // elides it), is left to the text engine.
            let plain;
            let context = match tree.get_node_context(id) {
                Some(Leaf::Text {
                    text,
                    style,
                    max_lines,
                }) if *max_lines == 0
                    && text.contains(char::is_whitespace)
                    && measure.text(text, style, Some(inner_w)).1
                        > 1.5 * measure.text("X", style, None).1 =>
                {
                    plain = Leaf::Rich {
                        words: super::rich::words(&n.text("text").unwrap_or_default()),
                        style: style.clone(),
                        line_height: super::primitives::APL_LINE_HEIGHT,
                        max_lines: *max_lines,
                    };
                    Some(&plain)
                }
                c => c,
            };
            if let Some(Leaf::Rich {
                words,
                style,
                line_height,
                max_lines,
            }) = context
            {
                let color = n.get(&props::COLOR).unwrap_or(default);
                let inner = [
                    x + pad_l,
                    y + pad_t,
                    (w - pad_l - l.padding.right).max(0.0),
                    (h - pad_t - l.padding.bottom).max(0.0),
                ];
                let rich = super::rich::Set {
                    words,
                    style,
                    line_height: *line_height,
                    max_lines: *max_lines,
                    align: (align, valign),
                    rtl: vp.rtl,
                };
                for (px, py, pw, ph, text, st) in rich.pieces(inner, measure) {
                    out.push(Prim {
                        x: px,
                        y: py,
                        w: pw,
                        h: ph,
                        clip,
                        opacity,
                        paint: Paint::Text {
                            text,
                            color,
                            style: st,
                            align: "left",
                            valign: "center",
                            max_lines: 1,
                        },
                        touch: None,
                        uid: n.uid,
                        scroller,
                        turn: None,
                    });
                }
                return;
            }
            // The font's lines are a little taller than APL's: the text may reach past its
            // box (down, up or both, as it is aligned) rather than be cut.
            let style = text_style(n, vp);
            let max_lines = match n.kind {
                Kind::EditText => 1,
                _ => n.get(&props::MAX_LINES).max(0.0) as u32,
            };
            let line = measure.text("X", &style, None).1;
            let mut need = measure.text(&text, &style, Some(inner_w)).1;
            if max_lines > 0 {
                need = need.min(line * max_lines as f32);
            }
            let grow = (need - inner_h).max(0.0);
            // APL's lines are 1.25 × the size with the glyphs centred in them (a browser's
            // half-leading); the font's own line is taller, so a top-aligned line starts that
            // half higher than the font would set it, a bottom-aligned one that half lower.
            let half = ((line - style.size * super::primitives::APL_LINE_HEIGHT) / 2.0).max(0.0);
            let up = match valign {
                "center" => grow / 2.0,
                "bottom" => grow - half,
                _ => half,
            };
            out.push(Prim {
                x: x + pad_l,
                y: y + pad_t - up,
                w: inner_w,
                h: inner_h + grow,
                clip,
                opacity,
                paint: Paint::Text {
                    text,
                    color: n
                        .get(if hint {
                            &props::HINT_COLOR
                        } else {
                            &props::COLOR
                        })
                        .unwrap_or(default),
                    style,
                    align,
                    valign,
                    max_lines,
                },
                touch: None,
                uid: n.uid,
                scroller,
                turn: None,
            });
        }
        // Offline a video never plays: a device shows its box black until it does, or the
        // frame a shot is given for it (`--images`).
        Kind::Video => {
            out.push(prim(Paint::flat([0, 0, 0, 255]), None));
            if let Some(source) = super::queries::video_source(n) {
                out.push(prim(
                    Paint::Image {
                        source,
                        scale: n.get(&props::IMAGE_SCALE).word().to_owned(),
                        align: (1, 1),
                        radius: 0.0,
                        overlay: [0, 0, 0, 0],
                        overlay_gradient: None,
                        poster: true,
                    },
                    None,
                ));
            }
        }
        Kind::Image => {
            let source = super::queries::image_source(n).unwrap_or_default();
            out.push(prim(
                Paint::Image {
                    source,
                    scale: n.get(&props::IMAGE_SCALE).word().to_owned(),
                    align: n.get(&props::ALIGN).place(),
                    radius: n.length(&props::BORDER_RADIUS, vp),
                    overlay: n.get(&props::OVERLAY_COLOR),
                    overlay_gradient: n.prop("overlayGradient").and_then(gradient),
                    poster: false,
                },
                None,
            ));
        }
        Kind::VectorGraphic | Kind::Placeholder => {
            // A graphic with an `onPress` is a button (APL: a touchable component).
            let touch = (n.get(&props::TOUCHABLE) && !disabled).then_some(n.uid);
            match (n.kind, n.str("_svg")) {
                (Kind::VectorGraphic, Some(svg)) => {
                    // Its whole box takes touches; the graphic is drawn at its scale, placed
                    // by its `align`.
                    if touch.is_some() {
                        out.push(prim(Paint::flat([0, 0, 0, 0]), touch));
                    }
                    let scale = n.get(&props::VECTOR_SCALE);
                    let [gx, gy, gw, gh] = fitted(n, scale, [x, y, w, h]);
                    // One colour over the whole graphic (a scrim) is a box.
                    let plain = n.prop("_plain").and_then(|c| {
                        serde_json::from_value::<super::primitives::Rgba>(c.clone()).ok()
                    });
                    let paint = match plain {
                        Some(colour) => Paint::flat(colour),
                        None => Paint::Vector {
                            svg: svg.to_owned(),
                            scale: if scale == props::Scale::BestFill {
                                "best-fill"
                            } else {
                                "fill"
                            }
                            .to_owned(),
                        },
                    };
                    out.push(Prim {
                        x: gx,
                        y: gy,
                        w: gw,
                        h: gh,
                        ..prim(paint, None)
                    });
                }
                // A graphic the document does not have draws nothing, as on a device (its
                // problem says so); one from an address linkscreen does not fetch is a
                // labelled box.
                (Kind::VectorGraphic, None)
                    if !n.str("source").is_some_and(|s| s.contains("://")) => {}
                _ => out.push(prim(
                    Paint::Placeholder {
                        label: n.type_name.clone(),
                    },
                    touch,
                )),
            }
            if touch.is_some() && live.focus == Some(n.uid) && !styles_its_state(n) {
                out.push(ring([x, y, w, h], clip, n.uid, scroller));
            }
        }
        _ => {}
    }
    if n.kind.leaf_like() {
        return;
    }
    // Scrolling components and pagers clip their children and move them by the scroll.
    let (cx, cy) = super::bounds::content_origin(n, [x, y, w, h], live);
    let mut child_clip = clip;
    if matches!(
        n.kind,
        Kind::Sequence | Kind::ScrollView | Kind::GridSequence | Kind::FlexSequence | Kind::Pager
    ) {
        child_clip = inter(clip, [x, y, w, h]);
    }
    let scrolls = matches!(
        n.kind,
        Kind::Sequence | Kind::ScrollView | Kind::GridSequence | Kind::FlexSequence | Kind::Pager
    );
    let inner = if scrolls { Some(n.uid) } else { scroller };
    // A SwipeAway under way: the child follows the finger, the gesture's items show beside,
    // under or over it, all within the component's box.
    let swipe = live.swipe.get(&n.uid);
    if swipe.is_some() {
        child_clip = inter(clip, [x, y, w, h]);
    }
    for c in &n.children {
        use super::node::SwipeAction;
        let dx = match swipe {
            Some(s) if c.uid == s.item => match s.action {
                SwipeAction::Reveal => 0.0,
                _ if s.offset < 0.0 => s.offset + w,
                _ => s.offset - w,
            },
            // Covered, the child stays where it is.
            Some(s) if s.action == SwipeAction::Cover => 0.0,
            Some(s) => s.offset,
            None => 0.0,
        };
        draw(
            kept,
            c,
            (cx + dx, cy),
            (child_clip, inner),
            opacity,
            live,
            vp,
            out,
            measure,
        );
    }
    // The remote's focus: a ring around the focused touch target, over what it holds — unless
    // the document styles its own focused look.
    if n.kind == Kind::TouchWrapper && live.focus == Some(n.uid) && !styles_its_state(n) {
        out.push(ring([x, y, w, h], clip, n.uid, scroller));
    }
}

/// Where a VectorGraphic's graphic goes in its box (x, y, w, h): at its own size (`none`),
/// grown or shrunk to fit (`best-fit`), only shrunk (`best-fit-down`), or the whole box (`fill`,
/// and `best-fill`, which the view crops); placed by `align` (centre by default).
fn fitted(n: &Node, scale: props::Scale, [x, y, w, h]: [f32; 4]) -> [f32; 4] {
    let natural = n.prop("_gsize").and_then(Value::as_array).and_then(|a| {
        Some((
            super::value::as_num(a.first()?)?,
            super::value::as_num(a.get(1)?)?,
        ))
    });
    let Some((gw, gh)) = natural
        .map(|(a, b)| (a as f32, b as f32))
        .filter(|(a, b)| *a > 0.0 && *b > 0.0)
    else {
        return [x, y, w, h];
    };
    let k = match scale {
        props::Scale::None => 1.0,
        props::Scale::BestFit => (w / gw).min(h / gh),
        props::Scale::BestFitDown => (w / gw).min(h / gh).min(1.0),
        props::Scale::Fill | props::Scale::BestFill => return [x, y, w, h],
    };
    let (dw, dh) = (gw * k, gh * k);
    let (ha, va) = n.get(&props::ALIGN).place();
    let at = |room: f32, size: f32, a: u8| match a {
        0 => 0.0,
        2 => room - size,
        _ => (room - size) / 2.0,
    };
    [x + at(w, dw, ha), y + at(h, dh, va), dw, dh]
}

/// Whether a component, or what inherits its state, has a style (that may show the state).
fn styles_its_state(n: &Node) -> bool {
    n.styling.is_some()
        || n.children
            .iter()
            .any(|c| c.get(&props::INHERIT_PARENT_STATE) && styles_its_state(c))
}

/// What SpeakItem says, captioned over the bottom of the screen while it is said (as a
/// device with captions on shows it).
pub(super) fn caption(text: &str, vp: &Viewport, measure: &mut dyn Measure, out: &mut Vec<Prim>) {
    let (sw, sh) = (vp.width_dp(), vp.height_dp());
    let style = TextStyle {
        size: (sh * 0.04).clamp(14.0, 28.0),
        weight: 400,
        italic: false,
        letter_spacing: 0.0,
    };
    let pad = style.size * 0.6;
    let w = sw * if vp.round { 0.7 } else { 0.8 };
    let (_, th) = measure.text(text, &style, Some(w - 2.0 * pad));
    let line = measure.text("X", &style, None).1;
    let h = th.min(line * 2.0) + 2.0 * pad;
    let (x, y) = ((sw - w) / 2.0, sh * if vp.round { 0.8 } else { 0.93 } - h);
    let at = |paint| Prim {
        x,
        y,
        w,
        h,
        clip: [0.0, 0.0, sw, sh],
        opacity: 1.0,
        paint,
        touch: None,
        uid: 0,
        scroller: None,
        turn: None,
    };
    out.push(at(Paint::Box {
        background: [0, 0, 0, 0xd8],
        border: [0, 0, 0, 0],
        border_width: 0.0,
        radius: pad,
    }));
    let mut text_prim = at(Paint::Text {
        text: text.to_owned(),
        color: [0xff, 0xff, 0xff, 0xff],
        style,
        align: "center",
        valign: "center",
        max_lines: 2,
    });
    text_prim.x += pad;
    text_prim.w -= 2.0 * pad;
    text_prim.y += pad;
    text_prim.h -= 2.0 * pad;
    out.push(text_prim);
}

/// The focus ring's colour (the device's own focus colour, `Theme.focus`).
const FOCUS: Rgba = [0xff, 0xd2, 0x7a, 0xff];

impl Kind {
    fn leaf_like(self) -> bool {
        matches!(
            self,
            Kind::Text
                | Kind::EditText
                | Kind::Image
                | Kind::VectorGraphic
                | Kind::Video
                | Kind::Placeholder
        )
    }
}

/// The remote's focus ring around a touch target's box.
fn ring(b: [f32; 4], clip: [f32; 4], uid: usize, scroller: Option<usize>) -> Prim {
    Prim {
        x: b[0] - 2.0,
        y: b[1] - 2.0,
        w: b[2] + 4.0,
        h: b[3] + 4.0,
        clip,
        opacity: 1.0,
        paint: Paint::Box {
            background: [0, 0, 0, 0],
            border: FOCUS,
            border_width: 3.0,
            radius: 8.0,
        },
        touch: None,
        uid,
        scroller,
        turn: None,
    }
}
