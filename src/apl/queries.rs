//! Questions asked of the component tree: its texts (what a script's `expect` and `tap` read,
//! what SpeakItem says), its images' sources, its touch targets.

use serde_json::Value;

use super::node::{Kind, Node};
use super::primitives::markup;
use super::props;

/// An Image's source: `source`, or the first of `sources` (a URL or `{url}`).
pub fn image_source(n: &Node) -> Option<String> {
    n.str("source")
        .map(str::to_owned)
        .or_else(|| match n.prop("sources") {
            Some(Value::Array(a)) => a
                .first()
                .and_then(|s| s.get("url").and_then(Value::as_str).or(s.as_str()))
                .map(str::to_owned),
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        })
}

/// A Video's first track: its `source` as an address, a list of them, or of `{url}` objects.
pub(super) fn video_source(n: &Node) -> Option<String> {
    let first = match n.prop("source")? {
        Value::Array(a) => a.first()?,
        v => v,
    };
    first
        .as_str()
        .or_else(|| first.get("url").and_then(Value::as_str))
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned)
}

/// The first tracks of the Videos shown (a shot looks for a frame for each).
pub(super) fn videos_of(n: &Node, out: &mut Vec<String>) {
    if n.get(&props::DISPLAY) == props::Display::None {
        return;
    }
    if n.kind == Kind::Video
        && let Some(s) = video_source(n)
    {
        out.push(s);
    }
    for c in &n.children {
        videos_of(c, out);
    }
}

pub(super) fn sources_of(n: &Node, out: &mut Vec<String>) {
    if n.kind == Kind::Image
        && n.get(&props::DISPLAY) != props::Display::None
        && let Some(s) = image_source(n).filter(|s| !s.is_empty())
    {
        out.push(s);
    }
    for c in &n.children {
        sources_of(c, out);
    }
}

pub(crate) fn texts_of(n: &Node, out: &mut Vec<String>) {
    if n.get(&props::DISPLAY) == props::Display::None {
        return;
    }
    if matches!(n.kind, Kind::Text | Kind::EditText)
        && let Some(t) = n.text("text")
    {
        out.push(markup(&t));
    }
    for c in &n.children {
        texts_of(c, out);
    }
}

pub(super) fn targets_of(n: &Node, out: &mut Vec<(usize, String)>) {
    if n.get(&props::DISPLAY) == props::Display::None {
        return;
    }
    let enabled = !n.get(&props::DISABLED);
    let touchable = n.kind == Kind::TouchWrapper || n.get(&props::TOUCHABLE);
    if touchable && enabled {
        // Known by its words, else (an icon) by its accessibility label or id; by its
        // accessibility label too when it has words (a radial slider shows its value).
        let words = Some(texts_in(n)).filter(|t| !t.is_empty());
        let said = n.text("accessibilityLabel").filter(|l| !l.is_empty());
        if let (Some(w), Some(l)) = (&words, &said)
            && w != l
        {
            out.push((n.uid, l.clone()));
        }
        let label = words.or(said).or_else(|| n.id.clone());
        out.push((n.uid, label.unwrap_or_default()));
    }
    // A field is known by its hint (what it asks for), else its text.
    if n.kind == Kind::EditText && enabled {
        let hint = n.text("hint").filter(|h| !h.is_empty());
        out.push((n.uid, hint.or_else(|| n.text("text")).unwrap_or_default()));
    }
    for c in &n.children {
        targets_of(c, out);
    }
}

/// The texts inside a component, one after another (what SpeakItem says of a row, what a
/// script's `tap` finds a touch target by).
pub(super) fn texts_in(n: &Node) -> String {
    let mut out = vec![];
    texts_of(n, &mut out);
    out.join(" ")
}
