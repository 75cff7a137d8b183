//! Layout and drawing: the inflated components go through a flexbox engine (`taffy`; APL
//! itself uses Yoga, the same CSS flexbox model) with text measured by the caller — the view,
//! with the fonts the screen draws — and come out as a flat list of boxes, texts and images
//! in dp, in drawing order, with the clip each one is drawn in.

use std::collections::HashMap;

use serde_json::Value;
use taffy::prelude::*;

use super::Problem;
use super::inflate::{Node, Viewport};
use super::tree::Kept;

/// How a text is set, for measuring and drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct TextStyle {
    /// dp.
    pub size: f32,
    pub weight: i32,
    pub italic: bool,
    /// Added after each character (`letterSpacing`), dp.
    pub letter_spacing: f32,
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

impl Paint {
    /// A plain box of one colour (transparent: only a touch area), no border, square.
    pub fn flat(background: Rgba) -> Paint {
        Paint::Box {
            background,
            border: [0, 0, 0, 0],
            border_width: 0.0,
            radius: 0.0,
        }
    }
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

#[derive(Debug, PartialEq)]
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

/// Lays out `root` on the viewport and returns what to draw; `kept` is the tree of the last
/// layout (of this screen or another: what differs is built again).
pub fn layout(
    root: &Node,
    vp: &Viewport,
    live: &LiveState,
    measure: &mut dyn Measure,
    problems: &mut Vec<Problem>,
    kept: &mut Kept,
) -> Vec<Prim> {
    let Some(top) = kept.build(root, vp, live, problems) else {
        return vec![];
    };
    let line_cache: &mut HashMap<(u32, i32), f32> = &mut HashMap::new();
    let result = kept.tree.compute_layout_with_measure(
        top,
        Size {
            width: AvailableSpace::Definite(vp.width_dp()),
            height: AvailableSpace::Definite(vp.height_dp()),
        },
        |known, avail, _id, ctx, _style| {
            // A text wraps at the width of its content box (taffy gives the box less its
            // padding as the available width; `known` is the whole box), or at none when
            // asked its widest.
            let max_w = match avail.width {
                AvailableSpace::Definite(w) => Some(w),
                AvailableSpace::MinContent => Some(0.0),
                AvailableSpace::MaxContent => None,
            };
            match ctx {
                Some(Leaf::Text {
                    text,
                    style,
                    max_lines,
                }) => {
                    let (w, h) = measure.text(text, style, max_w);
                    // APL sets lines `lineHeight` × the font size apart (1.25 by default),
                    // whatever the font's own spacing: the box holds that many lines.
                    let key = ((style.size * 100.0) as u32, style.weight);
                    let line = *line_cache
                        .entry(key)
                        .or_insert_with(|| measure.text("X", style, None).1);
                    let mut lines = if line > 0.0 {
                        (h / line).round().max(1.0) as u32
                    } else {
                        1
                    };
                    if *max_lines > 0 {
                        lines = lines.min(*max_lines);
                    }
                    let h = lines as f32 * style.size * APL_LINE_HEIGHT;
                    Size {
                        width: match max_w {
                            Some(m) => w.min(m.max(0.0)),
                            None => w,
                        },
                        height: h,
                    }
                    .zip_known(known)
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
                        width: w,
                        height: h,
                    }
                    .zip_known(known)
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
        kept,
        root,
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

/// APL's default `lineHeight`: lines are 1.25 × the font size apart.
pub const APL_LINE_HEIGHT: f32 = 1.25;

/// A measured content size, where taffy already knows a side of the box.
trait ZipKnown {
    fn zip_known(self, known: Size<Option<f32>>) -> Size<f32>;
}

impl ZipKnown for Size<f32> {
    fn zip_known(self, known: Size<Option<f32>>) -> Size<f32> {
        // taffy uses what it knew for those sides; the content size matters only where it
        // did not.
        Size {
            width: known.width.unwrap_or(self.width),
            height: known.height.unwrap_or(self.height),
        }
    }
}

/// The largest length a document may give, in dp either way: far past any screen, and small
/// enough that layout and drawing stay finite (a `fontSize` of 1e308 panicked the renderer).
pub const MAX_DP: f32 = 100_000.0;

/// A length in dp, clamped to ±[`MAX_DP`]; not a number is none.
fn finite_dp(n: f64) -> Option<f32> {
    n.is_finite()
        .then(|| (n.clamp(-(MAX_DP as f64), MAX_DP as f64)) as f32)
}

/// A percentage as a fraction, clamped to ±100 times the whole.
fn fraction(p: &str) -> Option<f32> {
    let p: f64 = p.trim().parse().ok()?;
    p.is_finite()
        .then(|| (p / 100.0).clamp(-100.0, 100.0) as f32)
}

/// A dimension property: numbers are dp; strings may carry dp, px, vw, vh or %; `auto`. A
/// property that is there but is no dimension (null, `"textSizeSecondary"`) is 0, as apl-core
/// reads it; None only when it is not there.
pub fn dimension(v: Option<&Value>, vp: &Viewport) -> Option<Dimension> {
    let v = v?;
    let zero = Dimension::length(0.0);
    if let Some(n) = v.as_f64() {
        return Some(finite_dp(n).map_or(zero, Dimension::length));
    }
    let Some(s) = v.as_str().map(str::trim) else {
        return Some(zero);
    };
    if s == "auto" || s.is_empty() {
        return Some(Dimension::auto());
    }
    if let Some(p) = s.strip_suffix('%') {
        return Some(fraction(p).map_or(zero, Dimension::percent));
    }
    Some(abs_dp(s, vp).map_or(zero, Dimension::length))
}

/// A dimension string in dp ("12dp", "12px", "10vw", "12").
pub fn abs_dp(s: &str, vp: &Viewport) -> Option<f32> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "dp"),
    };
    let n: f64 = num.trim().parse().ok()?;
    let n = finite_dp(n)?;
    finite_dp(match unit {
        "dp" => n,
        "px" => n * vp.dp_per_px(),
        "vw" => n * vp.width_dp() / 100.0,
        "vh" => n * vp.height_dp() / 100.0,
        _ => return None,
    } as f64)
}

pub(super) fn dp(node: &Node, name: &str, vp: &Viewport) -> Option<f32> {
    match node.prop(name)? {
        Value::Number(n) => n.as_f64().and_then(finite_dp),
        Value::String(s) => abs_dp(s, vp),
        _ => None,
    }
}

pub(super) fn lpa(v: Option<&Value>, vp: &Viewport) -> LengthPercentageAuto {
    match dimension(v, vp) {
        Some(d) if d == Dimension::auto() => LengthPercentageAuto::auto(),
        Some(d) => {
            if let Some(p) = v
                .and_then(Value::as_str)
                .and_then(|s| s.trim().strip_suffix('%'))
            {
                LengthPercentageAuto::percent(fraction(p).unwrap_or(0.0))
            } else {
                LengthPercentageAuto::length(d.value())
            }
        }
        None => LengthPercentageAuto::auto(),
    }
}
