//! Where each component of a laid-out screen is: its bounds in its parent and on the screen,
//! in dp and in pixels, as Amazon's engine reports them (`shoot --apl --layout`, and each
//! component's `position` in the visual context requests carry).

use serde_json::{Value, json};

use super::node::LiveState;
use super::node::{Kind, Node};
use super::props::{self, Length, Prop};
use super::scope::Viewport;
use super::tree::Kept;

/// A box: x, y, width, height.
pub type Rect = [f32; 4];

/// Components with an id and where they were laid out on the screen (uid, dp).
pub type Positions = Vec<(usize, Rect)>;

/// Where a component was laid out: relative to its parent and to the screen's top left
/// (scroll offsets subtracted, transforms ignored), dp. None when it was not laid out (a
/// Pager's other pages, a component `display: none`).
pub fn of(kept: &Kept, n: &Node, parent_global: (f32, f32), vp: &Viewport) -> Option<(Rect, Rect)> {
    let l = kept.tree.layout(kept.id(n.uid)?).ok()?;
    let (mut x, mut y) = (l.location.x, l.location.y);
    if n.get(&props::POSITION) != props::Position::Absolute {
        // `position: relative` (the default) moves the component by left/top after layout
        // (right/bottom when left/top are not given).
        let by = |a: &Prop<Length>, b: &Prop<Length>| match n.length_given(a, vp) {
            Some(v) => v,
            None if n.prop(a.name).is_some() => 0.0,
            None => -n.length(b, vp),
        };
        x += by(&props::LEFT, &props::RIGHT);
        y += by(&props::TOP, &props::BOTTOM);
    }
    let (w, h) = (l.size.width, l.size.height);
    Some((
        [x, y, w, h],
        [parent_global.0 + x, parent_global.1 + y, w, h],
    ))
}

/// Where a scroller's children start on the screen, given where it is: moved back by its
/// scroll.
pub fn content_origin(n: &Node, global: Rect, live: &LiveState) -> (f32, f32) {
    let (x, y) = (global[0], global[1]);
    if !matches!(
        n.kind,
        Kind::Sequence | Kind::ScrollView | Kind::GridSequence | Kind::FlexSequence | Kind::Pager
    ) {
        return (x, y);
    }
    let off = live.scroll.get(&n.uid).copied().unwrap_or(0.0);
    if n.get(&props::SCROLL_DIRECTION) == props::ScrollDirection::Horizontal
        && n.kind != Kind::ScrollView
    {
        (x - off, y)
    } else {
        (x, y - off)
    }
}

/// The laid-out component tree from `n` down, as JSON: uid, type, id, `bounds` (in the
/// parent), `global` and `globalPx` (on the screen), children. A component that was not laid
/// out says `laidOut: false`.
pub fn tree(
    kept: &Kept,
    n: &Node,
    parent_global: (f32, f32),
    live: &LiveState,
    vp: &Viewport,
) -> Value {
    let mut o = json!({"uid": n.uid, "type": n.type_name});
    if let Some(id) = &n.id {
        o["id"] = json!(id);
    }
    if n.kind == Kind::Text {
        o["text"] = json!(super::primitives::markup(
            &n.text("text").unwrap_or_default()
        ));
    }
    let Some((bounds, global)) = of(kept, n, parent_global, vp) else {
        o["laidOut"] = json!(false);
        return o;
    };
    let k = vp.dpi / 160.0;
    o["bounds"] = rect(bounds, 1.0);
    o["global"] = rect(global, 1.0);
    o["globalPx"] = rect(global, k);
    let origin = content_origin(n, global, live);
    let kids: Vec<Value> = n
        .children
        .iter()
        .map(|c| tree(kept, c, origin, live, vp))
        .collect();
    if !kids.is_empty() {
        o["children"] = Value::Array(kids);
    }
    o
}

/// Where every component with an id (or an `onLayout`), every scrolling component and its rows
/// were laid out on the screen (uid, global bounds in dp), in document order: what the visual
/// context reports as each one's `position`, and what scrolling into view needs.
pub fn of_ids(
    kept: &Kept,
    n: &Node,
    parent_global: (f32, f32),
    live: &LiveState,
    vp: &Viewport,
    out: &mut Vec<(usize, Rect)>,
) {
    let Some((_, global)) = of(kept, n, parent_global, vp) else {
        return;
    };
    let scrolls = matches!(
        n.kind,
        Kind::Sequence | Kind::ScrollView | Kind::GridSequence | Kind::FlexSequence
    );
    // A pointer's target too: its events say where the finger is in it.
    if n.id.is_some() || n.get(&props::ON_LAYOUT) || n.get(&props::POINTER) || scrolls {
        out.push((n.uid, global));
    }
    let origin = content_origin(n, global, live);
    for c in &n.children {
        // A list's rows too: scrolling one into view needs where it lies.
        if scrolls
            && c.id.is_none()
            && !c.get(&props::ON_LAYOUT)
            && let Some((_, g)) = of(kept, c, origin, vp)
        {
            out.push((c.uid, g));
        }
        of_ids(kept, c, origin, live, vp, out);
    }
}

fn rect(r: Rect, k: f32) -> Value {
    let round = |v: f32| ((v * k) as f64 * 100.0).round() / 100.0;
    json!({"x": round(r[0]), "y": round(r[1]), "width": round(r[2]), "height": round(r[3])})
}
