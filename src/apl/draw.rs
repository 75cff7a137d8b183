//! Drawing: the laid-out components become boxes, texts, images and placeholders in dp, each
//! with the clip it is drawn in (scrolling components and pagers clip their children and
//! move them by their scroll).

use std::collections::HashMap;

use serde_json::Value;
use taffy::prelude::*;

use super::inflate::{Kind, Node, Viewport};
use super::layout::{Leaf, LiveState, Paint, Prim, Rgba, TextStyle, dp};

/// APL's text markup reduced to what one text style can show: `<br>` breaks the line, other
/// tags are dropped, entities decoded.
pub fn markup(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        match rest[i..].find('>') {
            Some(j) => {
                let tag = rest[i + 1..i + j].trim().to_ascii_lowercase();
                if tag.starts_with("br") {
                    out.push('\n');
                }
                rest = &rest[i + j + 1..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

pub(super) fn text_style(n: &Node, vp: &Viewport) -> TextStyle {
    let size = dp(n, "fontSize", vp).unwrap_or(40.0);
    let weight = match n.prop("fontWeight") {
        Some(Value::String(s)) => match s.as_str() {
            "normal" => 400,
            "bold" => 700,
            s => s.parse().unwrap_or(400),
        },
        Some(Value::Number(x)) => x.as_i64().unwrap_or(400) as i32,
        _ => 400,
    };
    TextStyle {
        size,
        weight,
        italic: n.str("fontStyle") == Some("italic"),
    }
}

/// A colour: `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb()`/`rgba()` or a CSS name.
pub fn colour(v: Option<&Value>) -> Option<Rgba> {
    let s = v?.as_str()?.trim();
    if let Some(h) = s.strip_prefix('#') {
        let d: Vec<u8> = h
            .chars()
            .map(|c| c.to_digit(16).map(|d| d as u8))
            .collect::<Option<_>>()?;
        return Some(match d.len() {
            3 => [d[0] * 17, d[1] * 17, d[2] * 17, 255],
            4 => [d[0] * 17, d[1] * 17, d[2] * 17, d[3] * 17],
            6 => [d[0] * 16 + d[1], d[2] * 16 + d[3], d[4] * 16 + d[5], 255],
            8 => [
                d[0] * 16 + d[1],
                d[2] * 16 + d[3],
                d[4] * 16 + d[5],
                d[6] * 16 + d[7],
            ],
            _ => return None,
        });
    }
    if let Some(inner) = s.strip_prefix("rgba(").or_else(|| s.strip_prefix("rgb(")) {
        let parts: Vec<f32> = inner
            .trim_end_matches(')')
            .split(',')
            .map(|p| p.trim().trim_end_matches('%').parse().ok())
            .collect::<Option<_>>()?;
        let a = parts.get(3).copied().unwrap_or(1.0);
        return Some([
            *parts.first()? as u8,
            *parts.get(1)? as u8,
            *parts.get(2)? as u8,
            (a.clamp(0.0, 1.0) * 255.0).round() as u8,
        ]);
    }
    Some(match s.to_ascii_lowercase().as_str() {
        "transparent" => [0, 0, 0, 0],
        "black" => [0, 0, 0, 255],
        "white" => [255, 255, 255, 255],
        "red" => [255, 0, 0, 255],
        "green" => [0, 128, 0, 255],
        "blue" => [0, 0, 255, 255],
        "yellow" => [255, 255, 0, 255],
        "orange" => [255, 165, 0, 255],
        "purple" => [128, 0, 128, 255],
        "gray" | "grey" => [128, 128, 128, 255],
        "silver" => [192, 192, 192, 255],
        "navy" => [0, 0, 128, 255],
        "teal" => [0, 128, 128, 255],
        _ => return None,
    })
}

fn inter(a: [f32; 4], b: [f32; 4]) -> [f32; 4] {
    let x = a[0].max(b[0]);
    let y = a[1].max(b[1]);
    let r = (a[0] + a[2]).min(b[0] + b[2]);
    let bt = (a[1] + a[3]).min(b[1] + b[3]);
    [x, y, (r - x).max(0.0), (bt - y).max(0.0)]
}

#[allow(clippy::too_many_arguments)]
pub(super) fn draw(
    tree: &TaffyTree<Leaf>,
    n: &Node,
    ids: &HashMap<usize, NodeId>,
    origin: (f32, f32),
    (clip, scroller): ([f32; 4], Option<usize>),
    opacity: f32,
    live: &LiveState,
    vp: &Viewport,
    out: &mut Vec<Prim>,
) {
    let Some(&id) = ids.get(&n.uid) else {
        return;
    };
    let Ok(l) = tree.layout(id) else {
        return;
    };
    let mut x = origin.0 + l.location.x;
    let mut y = origin.1 + l.location.y;
    if n.str("position") != Some("absolute") {
        // `position: relative` (the default) moves the component by left/top after layout.
        x += dp(n, "left", vp).unwrap_or(0.0)
            - dp(n, "right", vp)
                .filter(|_| n.prop("left").is_none())
                .unwrap_or(0.0);
        y += dp(n, "top", vp).unwrap_or(0.0)
            - dp(n, "bottom", vp)
                .filter(|_| n.prop("top").is_none())
                .unwrap_or(0.0);
    }
    let (w, h) = (l.size.width, l.size.height);
    let opacity = opacity * n.num("opacity").unwrap_or(1.0).clamp(0.0, 1.0) as f32;
    if n.str("display") == Some("invisible") || opacity <= 0.0 {
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
    };
    let disabled = n.flag("disabled") == Some(true);
    match n.kind {
        Kind::Frame => {
            let background = colour(n.prop("backgroundColor")).unwrap_or([0, 0, 0, 0]);
            let border = colour(n.prop("borderColor")).unwrap_or([0, 0, 0, 0]);
            out.push(prim(
                Paint::Box {
                    background,
                    border,
                    border_width: dp(n, "borderWidth", vp).unwrap_or(0.0),
                    radius: dp(n, "borderRadius", vp).unwrap_or(0.0),
                },
                None,
            ));
        }
        Kind::TouchWrapper => out.push(prim(
            Paint::Box {
                background: [0, 0, 0, 0],
                border: [0, 0, 0, 0],
                border_width: 0.0,
                radius: 0.0,
            },
            (!disabled).then_some(n.uid),
        )),
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
                        background: colour(n.prop("backgroundColor")).unwrap_or([0, 0, 0, 0]),
                        border: colour(n.prop("borderColor")).unwrap_or([0x80, 0x80, 0x80, 255]),
                        border_width: dp(n, "borderWidth", vp).unwrap_or(1.0),
                        radius: 0.0,
                    },
                    (!disabled).then_some(n.uid),
                ));
            }
            let text = if n.kind == Kind::Text {
                markup(&n.text("text").unwrap_or_default())
            } else {
                n.text("text")
                    .filter(|t| !t.is_empty())
                    .or(n.text("hint"))
                    .unwrap_or_default()
            };
            let align = match (n.str("textAlign").unwrap_or("auto"), vp.rtl) {
                ("center", _) => "center",
                ("left", _) => "left",
                ("right", _) => "right",
                ("end", false) | ("start", true) | ("auto", true) => "right",
                _ => "left",
            };
            let valign = match n.str("textAlignVertical") {
                Some("center") => "center",
                Some("bottom") => "bottom",
                _ => "top",
            };
            let pad_l = l.padding.left;
            let pad_t = l.padding.top;
            out.push(Prim {
                x: x + pad_l,
                y: y + pad_t,
                w: (w - pad_l - l.padding.right).max(0.0),
                h: (h - pad_t - l.padding.bottom).max(0.0),
                clip,
                opacity,
                paint: Paint::Text {
                    text,
                    color: colour(n.prop(
                        if n.kind == Kind::EditText && n.text("text").unwrap_or_default().is_empty()
                        {
                            "hintColor"
                        } else {
                            "color"
                        },
                    ))
                    .unwrap_or(default),
                    style: text_style(n, vp),
                    align,
                    valign,
                    max_lines: if n.kind == Kind::EditText {
                        1
                    } else {
                        n.num("maxLines").unwrap_or(0.0).max(0.0) as u32
                    },
                },
                touch: None,
                uid: n.uid,
                scroller,
            });
        }
        Kind::Image => {
            let source = super::image_source(n).unwrap_or_default();
            out.push(prim(
                Paint::Image {
                    source,
                    scale: n.str("scale").unwrap_or("best-fit").to_owned(),
                    radius: dp(n, "borderRadius", vp).unwrap_or(0.0),
                    overlay: colour(n.prop("overlayColor")).unwrap_or([0, 0, 0, 0]),
                },
                None,
            ));
        }
        Kind::VectorGraphic if n.str("_svg").is_some() => out.push(prim(
            Paint::Vector {
                svg: n.str("_svg").unwrap_or_default().to_owned(),
                scale: n.str("scale").unwrap_or("none").to_owned(),
            },
            None,
        )),
        Kind::VectorGraphic | Kind::Placeholder => out.push(prim(
            Paint::Placeholder {
                label: n.type_name.clone(),
            },
            None,
        )),
        _ => {}
    }
    if n.kind.leaf_like() {
        return;
    }
    // Scrolling components and pagers clip their children and move them by the scroll.
    let (mut cx, mut cy, mut child_clip) = (x, y, clip);
    if matches!(
        n.kind,
        Kind::Sequence | Kind::ScrollView | Kind::GridSequence | Kind::Pager
    ) {
        child_clip = inter(clip, [x, y, w, h]);
        let off = live.scroll.get(&n.uid).copied().unwrap_or(0.0);
        let horizontal =
            n.str("scrollDirection") == Some("horizontal") && n.kind != Kind::ScrollView;
        if horizontal {
            cx -= off;
        } else {
            cy -= off;
        }
    }
    let scrolls = matches!(
        n.kind,
        Kind::Sequence | Kind::ScrollView | Kind::GridSequence | Kind::Pager
    );
    let inner = if scrolls { Some(n.uid) } else { scroller };
    for c in &n.children {
        draw(
            tree,
            c,
            ids,
            (cx, cy),
            (child_clip, inner),
            opacity,
            live,
            vp,
            out,
        );
    }
    // The remote's focus: a ring around the focused touch target, over what it holds.
    if n.kind == Kind::TouchWrapper && live.focus == Some(n.uid) {
        out.push(Prim {
            x: x - 2.0,
            y: y - 2.0,
            w: w + 4.0,
            h: h + 4.0,
            clip,
            opacity: 1.0,
            paint: Paint::Box {
                background: [0, 0, 0, 0],
                border: FOCUS,
                border_width: 3.0,
                radius: 8.0,
            },
            touch: None,
            uid: n.uid,
            scroller,
        });
    }
}

/// The focus ring's colour (the device's own focus colour, `Theme.focus`).
const FOCUS: Rgba = [0xff, 0xd2, 0x7a, 0xff];

impl Kind {
    fn leaf_like(self) -> bool {
        matches!(
            self,
            Kind::Text | Kind::EditText | Kind::Image | Kind::VectorGraphic | Kind::Placeholder
        )
    }
}
