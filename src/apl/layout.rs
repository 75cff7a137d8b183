//! Layout and drawing: the inflated components go through a flexbox engine (`taffy`; APL
//! itself uses Yoga, the same CSS flexbox model) with text measured by the caller — the view,
//! with the fonts the screen draws — and come out as a flat list of boxes, texts and images
//! in dp, in drawing order, with the clip each one is drawn in.

use std::collections::HashMap;

use serde_json::Value;
use taffy::prelude::*;
use taffy::{Overflow, Point};

use super::Problem;
use super::draw::{markup, text_style};
use super::inflate::{Kind, Node, Viewport};

/// How a text is set, for measuring and drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct TextStyle {
    /// dp.
    pub size: f32,
    pub weight: i32,
    pub italic: bool,
}

/// Measures text with the screen's fonts: (width, height) in dp of `text` set in `style`,
/// wrapped at `max_width` when given.
pub trait Measure {
    fn text(&mut self, text: &str, style: &TextStyle, max_width: Option<f32>) -> (f32, f32);
}

/// An RGBA colour.
pub type Rgba = [u8; 4];

/// How a thing is drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum Paint {
    Box {
        background: Rgba,
        border: Rgba,
        border_width: f32,
        radius: f32,
    },
    Text {
        text: String,
        color: Rgba,
        style: TextStyle,
        /// "left", "center", "right" (start/end already resolved for the direction).
        align: &'static str,
        valign: &'static str,
        max_lines: u32,
    },
    Image {
        source: String,
        scale: String,
        /// Where in its box: (horizontal, vertical), each 0 start, 1 centre, 2 end.
        align: (u8, u8),
        radius: f32,
        overlay: Rgba,
        overlay_gradient: Option<super::draw::Gradient>,
    },
    /// An Alexa Vector Graphic, as SVG.
    Vector { svg: String, scale: String },
    /// A component linkscreen cannot draw: a labelled box, never a silent blank.
    Placeholder { label: String },
}

/// One drawn thing, in dp from the screen's top left.
#[derive(Debug, Clone, PartialEq)]
pub struct Prim {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
    /// The rectangle it is clipped to (x, y, w, h).
    pub clip: [f32; 4],
    pub opacity: f32,
    pub paint: Paint,
    /// A component that takes touches here (its uid).
    pub touch: Option<usize>,
    /// The component it draws (uid), for the visual context and the lint.
    pub uid: usize,
    /// The innermost scrolling component it is in (uid), which scrolls it into view.
    pub scroller: Option<usize>,
}

/// The live state a layout reads: scroll offsets and current pages, by uid.
#[derive(Debug, Clone, Default)]
pub struct LiveState {
    pub scroll: HashMap<usize, f32>,
    pub page: HashMap<usize, usize>,
    /// The touch target the remote's or keyboard's focus is on (uid).
    pub focus: Option<usize>,
    /// The touch target under a finger that is down (uid).
    pub pressed: Option<usize>,
    /// The EditText the keyboard types into (uid).
    pub editing: Option<usize>,
    /// The component being spoken by `SpeakItem` (uid), and its words as a caption.
    pub karaoke: Option<usize>,
    pub caption: Option<String>,
}

pub(super) enum Leaf {
    Text {
        text: String,
        style: TextStyle,
        max_lines: u32,
    },
    /// A text set a word at a time ([`super::rich`]): inline styles or a `lineHeight`.
    Rich {
        words: Vec<super::rich::Word>,
        style: TextStyle,
        /// Times the font size.
        line_height: f32,
        max_lines: u32,
    },
    None,
}

/// Lays out `root` on the viewport and returns what to draw.
pub fn layout(
    root: &Node,
    vp: &Viewport,
    live: &LiveState,
    measure: &mut dyn Measure,
    problems: &mut Vec<Problem>,
) -> Vec<Prim> {
    let mut tree: TaffyTree<Leaf> = TaffyTree::new();
    // Fractional positions: the screen scales dp to pixels (×2 on a TV), and a box rounded
    // down in dp is a pixel too narrow for the text measured into it.
    tree.disable_rounding();
    let mut ids = HashMap::new();
    let Some(top) = build(&mut tree, root, vp, live, &mut ids, problems, true) else {
        return vec![];
    };
    // The top component fills the viewport.
    if let Ok(mut st) = tree.style(top).cloned() {
        st.size = Size {
            width: length(vp.width_dp()),
            height: length(vp.height_dp()),
        };
        let _ = tree.set_style(top, st);
    }
    let line_cache: &mut HashMap<(u32, i32), f32> = &mut HashMap::new();
    let result = tree.compute_layout_with_measure(
        top,
        Size {
            width: AvailableSpace::Definite(vp.width_dp()),
            height: AvailableSpace::Definite(vp.height_dp()),
        },
        |known, avail, _id, ctx, _style| {
            // A text wraps at the width it is given, or at none when asked its widest.
            let max_w = known.width.or(match avail.width {
                AvailableSpace::Definite(w) => Some(w),
                AvailableSpace::MinContent => Some(0.0),
                AvailableSpace::MaxContent => None,
            });
            match ctx {
                Some(Leaf::Text {
                    text,
                    style,
                    max_lines,
                }) => {
                    let (w, mut h) = measure.text(text, style, max_w);
                    if *max_lines > 0 {
                        let key = ((style.size * 100.0) as u32, style.weight);
                        let line = *line_cache
                            .entry(key)
                            .or_insert_with(|| measure.text("X", style, None).1);
                        h = h.min(line * *max_lines as f32);
                    }
                    Size {
                        width: known.width.unwrap_or(match max_w {
                            Some(m) => w.min(m.max(0.0)),
                            None => w,
                        }),
                        height: known.height.unwrap_or(h),
                    }
                }
                Some(Leaf::Rich {
                    words,
                    style,
                    line_height,
                    max_lines,
                }) => {
                    let lines = super::rich::flow(words, style, max_w, *max_lines, measure);
                    let w = lines.iter().map(|l| l.w).fold(0.0, f32::max);
                    let h = lines.len() as f32 * style.size * *line_height;
                    Size {
                        width: known.width.unwrap_or(w),
                        height: known.height.unwrap_or(h),
                    }
                }
                _ => Size::ZERO,
            }
        },
    );
    if let Err(e) = result {
        problems.push(Problem::error(&root.path, format!("layout failed: {e}")));
        return vec![];
    }
    let mut out = vec![];
    let screen = [0.0, 0.0, vp.width_dp(), vp.height_dp()];
    super::draw::draw(
        &tree,
        root,
        &ids,
        (0.0, 0.0),
        (screen, None),
        1.0,
        live,
        vp,
        &mut out,
        measure,
    );
    if let Some(c) = &live.caption {
        super::draw::caption(c, vp, measure, &mut out);
    }
    out
}

fn length(v: f32) -> Dimension {
    Dimension::length(v)
}

/// A dimension property: numbers are dp; strings may carry dp, px, vw, vh or %; `auto`.
pub fn dimension(v: Option<&Value>, vp: &Viewport) -> Option<Dimension> {
    let v = v?;
    if let Some(n) = v.as_f64() {
        return Some(Dimension::length(n as f32));
    }
    let s = v.as_str()?.trim();
    if s == "auto" || s.is_empty() {
        return Some(Dimension::auto());
    }
    if let Some(p) = s.strip_suffix('%') {
        return p
            .trim()
            .parse::<f32>()
            .ok()
            .map(|p| Dimension::percent(p / 100.0));
    }
    abs_dp(s, vp).map(Dimension::length)
}

/// A dimension string in dp ("12dp", "12px", "10vw", "12").
pub fn abs_dp(s: &str, vp: &Viewport) -> Option<f32> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "dp"),
    };
    let n: f32 = num.trim().parse().ok()?;
    Some(match unit {
        "dp" => n,
        "px" => n * vp.dp_per_px(),
        "vw" => n * vp.width_dp() / 100.0,
        "vh" => n * vp.height_dp() / 100.0,
        _ => return None,
    })
}

pub(super) fn dp(node: &Node, name: &str, vp: &Viewport) -> Option<f32> {
    match node.prop(name)? {
        Value::Number(n) => n.as_f64().map(|f| f as f32),
        Value::String(s) => abs_dp(s, vp),
        _ => None,
    }
}

fn lpa(v: Option<&Value>, vp: &Viewport) -> LengthPercentageAuto {
    match dimension(v, vp) {
        Some(d) if d == Dimension::auto() => LengthPercentageAuto::auto(),
        Some(d) => {
            if let Some(p) = v
                .and_then(Value::as_str)
                .and_then(|s| s.trim().strip_suffix('%'))
            {
                LengthPercentageAuto::percent(p.trim().parse::<f32>().unwrap_or(0.0) / 100.0)
            } else {
                LengthPercentageAuto::length(d.value())
            }
        }
        None => LengthPercentageAuto::auto(),
    }
}

/// Builds the taffy node of a component and its children (None: `display: none`).
fn build(
    tree: &mut TaffyTree<Leaf>,
    n: &Node,
    vp: &Viewport,
    live: &LiveState,
    ids: &mut HashMap<usize, NodeId>,
    problems: &mut Vec<Problem>,
    top: bool,
) -> Option<NodeId> {
    if n.str("display") == Some("none") {
        return None;
    }
    let mut st = Style {
        display: Display::Flex,
        flex_direction: FlexDirection::Column,
        flex_shrink: n.num("shrink").unwrap_or(0.0) as f32,
        flex_grow: n.num("grow").unwrap_or(0.0) as f32,
        ..Default::default()
    };
    let size = |k: &str| dimension(n.prop(k), vp);
    let default_size = match n.kind {
        Kind::Image | Kind::VectorGraphic => Some(Dimension::length(100.0)),
        Kind::Pager => Some(Dimension::percent(1.0)),
        _ => None,
    };
    st.size = Size {
        width: size("width").or(default_size).unwrap_or(Dimension::auto()),
        height: size("height").or(default_size).unwrap_or(Dimension::auto()),
    };
    if n.kind == Kind::Placeholder {
        st.size.width = size("width").unwrap_or(Dimension::percent(1.0));
        st.size.height = size("height").unwrap_or(Dimension::length(48.0));
    }
    st.min_size = Size {
        width: size("minWidth").unwrap_or(Dimension::auto()),
        height: size("minHeight").unwrap_or(Dimension::auto()),
    };
    st.max_size = Size {
        width: size("maxWidth").unwrap_or(Dimension::auto()),
        height: size("maxHeight").unwrap_or(Dimension::auto()),
    };
    // Padding: `padding` (one value or [left, top, right, bottom]), then the sides.
    let mut pad = [0.0f32; 4];
    match n.prop("padding") {
        Some(Value::Array(a)) => {
            for (i, v) in a.iter().take(4).enumerate() {
                pad[i] = v
                    .as_f64()
                    .map(|f| f as f32)
                    .or_else(|| v.as_str().and_then(|s| abs_dp(s, vp)))
                    .unwrap_or(0.0);
            }
        }
        Some(v) => {
            let p = v
                .as_f64()
                .map(|f| f as f32)
                .or_else(|| v.as_str().and_then(|s| abs_dp(s, vp)))
                .unwrap_or(0.0);
            pad = [p; 4];
        }
        None => {}
    }
    let (start, end) = if vp.rtl { (2, 0) } else { (0, 2) };
    for (k, i) in [
        ("paddingLeft", 0),
        ("paddingTop", 1),
        ("paddingRight", 2),
        ("paddingBottom", 3),
        ("paddingStart", start),
        ("paddingEnd", end),
    ] {
        if let Some(v) = dp(n, k, vp) {
            pad[i] = v;
        }
    }
    if n.kind == Kind::Frame {
        let b = dp(n, "borderWidth", vp).unwrap_or(0.0);
        for p in &mut pad {
            *p += b;
        }
    }
    st.padding = Rect {
        left: LengthPercentage::length(pad[0]),
        top: LengthPercentage::length(pad[1]),
        right: LengthPercentage::length(pad[2]),
        bottom: LengthPercentage::length(pad[3]),
    };
    if !top && n.str("position") == Some("absolute") {
        st.position = Position::Absolute;
        st.inset = Rect {
            left: lpa(n.prop("left"), vp),
            top: lpa(n.prop("top"), vp),
            right: lpa(n.prop("right"), vp),
            bottom: lpa(n.prop("bottom"), vp),
        };
    } else if n.str("position") != Some("absolute") {
        // Relative offsets move the component after layout (see `draw`).
    }
    st.align_self = n.str("alignSelf").and_then(|a| match a {
        "start" => Some(AlignSelf::FlexStart),
        "end" => Some(AlignSelf::FlexEnd),
        "center" => Some(AlignSelf::Center),
        "stretch" => Some(AlignSelf::Stretch),
        "baseline" => Some(AlignSelf::Baseline),
        _ => None,
    });
    let scroll_row = n.str("scrollDirection") == Some("horizontal");
    match n.kind {
        Kind::Container => {
            st.flex_direction = match n.str("direction") {
                Some("row") => FlexDirection::Row,
                Some("rowReverse") => FlexDirection::RowReverse,
                Some("columnReverse") => FlexDirection::ColumnReverse,
                _ => FlexDirection::Column,
            };
            if vp.rtl && n.str("layoutDirection") != Some("LTR") {
                st.flex_direction = match st.flex_direction {
                    FlexDirection::Row => FlexDirection::RowReverse,
                    FlexDirection::RowReverse => FlexDirection::Row,
                    d => d,
                };
            }
            st.flex_wrap = match n.str("wrap") {
                Some("wrap") => FlexWrap::Wrap,
                Some("wrapReverse") => FlexWrap::WrapReverse,
                _ => FlexWrap::NoWrap,
            };
            st.align_items = Some(match n.str("alignItems") {
                Some("start") => AlignItems::FlexStart,
                Some("end") => AlignItems::FlexEnd,
                Some("center") => AlignItems::Center,
                Some("baseline") => AlignItems::Baseline,
                _ => AlignItems::Stretch,
            });
            st.justify_content = Some(match n.str("justifyContent") {
                Some("end") => JustifyContent::FlexEnd,
                Some("center") => JustifyContent::Center,
                Some("spaceBetween") => JustifyContent::SpaceBetween,
                Some("spaceAround") => JustifyContent::SpaceAround,
                Some("spaceEvenly") => JustifyContent::SpaceEvenly,
                _ => JustifyContent::FlexStart,
            });
        }
        Kind::Sequence | Kind::ScrollView => {
            st.flex_direction = if scroll_row && n.kind == Kind::Sequence {
                if vp.rtl {
                    FlexDirection::RowReverse
                } else {
                    FlexDirection::Row
                }
            } else {
                FlexDirection::Column
            };
            st.overflow = Point {
                x: Overflow::Scroll,
                y: Overflow::Scroll,
            };
            st.align_items = Some(AlignItems::Stretch);
        }
        Kind::GridSequence => {
            st.flex_direction = if scroll_row {
                FlexDirection::Column
            } else {
                FlexDirection::Row
            };
            st.flex_wrap = FlexWrap::Wrap;
            st.overflow = Point {
                x: Overflow::Scroll,
                y: Overflow::Scroll,
            };
            st.align_content = Some(AlignContent::FlexStart);
        }
        Kind::Pager => {
            st.overflow = Point {
                x: Overflow::Hidden,
                y: Overflow::Hidden,
            };
        }
        _ => {}
    }
    let node = match n.kind {
        Kind::Text | Kind::EditText => {
            let text = if n.kind == Kind::Text {
                markup(&n.text("text").unwrap_or_default())
            } else {
                super::edit::shown(n, live.editing == Some(n.uid)).0
            };
            let style = text_style(n, vp);
            let max_lines = if n.kind == Kind::EditText {
                1
            } else {
                n.num("maxLines").unwrap_or(0.0).max(0.0) as u32
            };
            let leaf = match super::rich::line_height(n) {
                Some(line_height) if n.kind == Kind::Text => Leaf::Rich {
                    words: super::rich::words(&n.text("text").unwrap_or_default()),
                    style,
                    line_height,
                    max_lines,
                },
                _ => Leaf::Text {
                    text: if text.is_empty() { " ".into() } else { text },
                    style,
                    max_lines,
                },
            };
            tree.new_leaf_with_context(st, leaf)
        }
        Kind::Image | Kind::VectorGraphic | Kind::Placeholder => {
            tree.new_leaf_with_context(st, Leaf::None)
        }
        _ => {
            let mut kids = vec![];
            let children: Vec<&Node> = if n.kind == Kind::Pager {
                let page = live
                    .page
                    .get(&n.uid)
                    .copied()
                    .or_else(|| n.num("initialPage").map(|p| p.max(0.0) as usize))
                    .unwrap_or(0);
                n.children
                    .get(page.min(n.children.len().saturating_sub(1)))
                    .into_iter()
                    .collect()
            } else {
                n.children.iter().collect()
            };
            let main_row = matches!(
                st.flex_direction,
                FlexDirection::Row | FlexDirection::RowReverse
            );
            let grid = (n.kind == Kind::GridSequence).then(|| grid_sizes(n, vp));
            let mut first = true;
            for c in children {
                let Some(id) = build(tree, c, vp, live, ids, problems, false) else {
                    continue;
                };
                let mut cs = tree.style(id).cloned().unwrap_or_default();
                if n.kind == Kind::Pager {
                    cs.size = Size {
                        width: Dimension::percent(1.0),
                        height: Dimension::percent(1.0),
                    };
                    cs.flex_shrink = 0.0;
                }
                if let Some((w, h)) = grid {
                    cs.size = Size {
                        width: w,
                        height: h,
                    };
                }
                // `spacing`: room before every child but the first, along the main axis.
                if !first
                    && cs.position != Position::Absolute
                    && let Some(s) = dp(c, "spacing", vp)
                {
                    if main_row {
                        let side = if st.flex_direction == FlexDirection::RowReverse {
                            &mut cs.margin.right
                        } else {
                            &mut cs.margin.left
                        };
                        *side = LengthPercentageAuto::length(s);
                    } else if st.flex_direction == FlexDirection::ColumnReverse {
                        cs.margin.bottom = LengthPercentageAuto::length(s);
                    } else {
                        cs.margin.top = LengthPercentageAuto::length(s);
                    }
                }
                if cs.position != Position::Absolute {
                    first = false;
                }
                let _ = tree.set_style(id, cs);
                kids.push(id);
            }
            tree.new_with_children(st, &kids)
        }
    };
    match node {
        Ok(id) => {
            ids.insert(n.uid, id);
            Some(id)
        }
        Err(e) => {
            problems.push(Problem::error(&n.path, format!("layout: {e}")));
            None
        }
    }
}

/// A GridSequence's child size: `childWidth`/`childHeight` (the first of a list).
fn grid_sizes(n: &Node, vp: &Viewport) -> (Dimension, Dimension) {
    let one = |k: &str| {
        let v = n.prop(k).map(|v| match v {
            Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
            v => v.clone(),
        });
        dimension(v.as_ref(), vp).unwrap_or(Dimension::length(100.0))
    };
    (one("childWidth"), one("childHeight"))
}
