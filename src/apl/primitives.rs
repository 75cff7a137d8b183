//! The primitives every later step shares, as Amazon's core has them: lengths (dimensions in
//! dp, px, vw, vh, %), colours and gradients, text styles and how text is measured, and what
//! is drawn ([`Paint`], [`Prim`]). They know the component tree, not how it is laid out.

use serde_json::Value;
use taffy::prelude::*;

use super::node::Node;
use super::scope::Viewport;

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
        overlay_gradient: Option<Gradient>,
        /// A Video's frame (its `source` names the video): drawn only when its picture is
        /// here (`shoot --images`); else the Video's black box shows.
        poster: bool,
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
    /// Turned or skewed by a `transform`: then x, y, w, h are the box it lands in.
    pub turn: Option<Box<Turn>>,
}

/// A drawn thing that a `transform` turns or skews: its own box (`w` × `h` dp, at 0, 0) goes
/// through `m` into the box its [`Prim`] gives. Slint's software renderer turns nothing, so the
/// view draws such a thing as SVG, which it rasterises turned.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub w: f32,
    pub h: f32,
    /// `[a, b, c, d, e, f]`: `x' = a·x + c·y + e`, `y' = b·x + d·y + f`.
    pub m: [f32; 6],
    /// A text's lines as set in its own box (the drawing breaks them with the measure).
    pub lines: Vec<String>,
}

/// APL's default `lineHeight`: lines are 1.25 × the font size apart.
pub const APL_LINE_HEIGHT: f32 = 1.25;

use super::props;
use super::scope::finite_dp;

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
    Some(vp.length(s).map_or(zero, Dimension::length))
}

/// Length property `name` of a component in dp (a number, or a string with a unit); None when
/// not given or no length.
pub(super) fn dp(node: &Node, name: &str, vp: &Viewport) -> Option<f32> {
    super::props::read_length(node.prop(name)?, vp)
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

/// APL's text markup reduced to what one text style can show: `<br>` breaks the line, other
/// tags are dropped, entities decoded.
pub fn markup(s: &str) -> String {
    // Most texts have neither tags nor entities (every text is read at every layout).
    if !s.contains(['<', '&']) {
        return s.to_owned();
    }
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
    if !out.contains('&') {
        return out;
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// The largest font size drawn, in dp.
pub const MAX_FONT_DP: f32 = 2_000.0;

pub(super) fn text_style(n: &Node, vp: &Viewport) -> TextStyle {
    // A glyph as large as a few screens at most: a larger one draws nothing more, and only
    // costs memory to rasterize.
    // Given but no length (an unresolved `@resource`): 0, as apl-core reads it.
    let size = match n.prop(props::FONT_SIZE.name) {
        None => props::FONT_SIZE.default.0,
        Some(v) => props::read_length(v, vp).unwrap_or(0.0),
    }
    .clamp(0.0, MAX_FONT_DP);
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
        italic: n.get(&props::FONT_STYLE) == props::FontStyle::Italic,
        letter_spacing: n
            .length(&props::LETTER_SPACING, vp)
            .clamp(-MAX_FONT_DP, MAX_FONT_DP),
    }
}

/// A colour property reads as any colour [`colour`] reads.
impl super::props::Type for Rgba {
    fn read(v: &Value) -> Option<Rgba> {
        colour(Some(v))
    }
}

/// A colour: `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa` (alpha last, as APL has it), or any
/// other CSS colour: a name, `rgb()`, `rgba()`, `hsl()`, `hsla()`.
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
    // Everything else CSS has (the 148 names, `rgb()`/`rgba()` with numbers or percentages,
    // `hsl()`/`hsla()`, `transparent`): svgtypes, as the vector graphics renderer reads them.
    let c: svgtypes::Color = s.parse().ok()?;
    Some([c.red, c.green, c.blue, c.alpha])
}

/// A gradient over an image (`overlayGradient`): colours at positions 0…1, along an angle
/// (degrees, 0 pointing up, as in CSS) or from the centre out.
#[derive(Debug, Clone, PartialEq)]
pub struct Gradient {
    pub radial: bool,
    pub angle: f32,
    pub stops: Vec<(Rgba, f32)>,
}

/// An `overlayGradient`: `colorRange` spread evenly unless `inputRange` places them.
pub(super) fn gradient(v: &Value) -> Option<Gradient> {
    let colours: Vec<Rgba> = v
        .get("colorRange")?
        .as_array()?
        .iter()
        .filter_map(|c| colour(Some(c)))
        .collect();
    if colours.len() < 2 {
        return None;
    }
    let at: Vec<f32> = match v.get("inputRange").and_then(Value::as_array) {
        Some(r) if r.len() == colours.len() => r
            .iter()
            .map(|x| x.as_f64().unwrap_or(0.0).clamp(0.0, 1.0) as f32)
            .collect(),
        _ => (0..colours.len())
            .map(|i| i as f32 / (colours.len() - 1) as f32)
            .collect(),
    };
    Some(Gradient {
        radial: v.get("type").and_then(Value::as_str) == Some("radial"),
        angle: v.get("angle").and_then(Value::as_f64).unwrap_or(0.0) as f32,
        stops: colours.into_iter().zip(at).collect(),
    })
}

/// What an EditText shows: its text (dots for `secureInput`) with a caret while it has the
/// keyboard, else its hint (`true`: the hint).
pub fn shown(n: &Node, editing: bool) -> (String, bool) {
    let t = n.text("text").unwrap_or_default();
    let t = if n.get(&props::SECURE_INPUT) {
        "•".repeat(t.chars().count())
    } else {
        t
    };
    match (t.is_empty(), editing) {
        (_, true) => (format!("{t}|"), false),
        (true, false) => (n.text("hint").unwrap_or_default(), true),
        (false, false) => (t, false),
    }
}
