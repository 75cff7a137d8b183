//! Layout and drawing: the inflated components go through a flexbox engine (`taffy`; APL
//! itself uses Yoga, the same CSS flexbox model) with text measured by the caller — the view,
//! with the fonts the screen draws — and come out as a flat list of boxes, texts and images
//! in dp, in drawing order, with the clip each one is drawn in.

use std::collections::HashMap;

use taffy::prelude::*;

use super::node::{LiveState, Node};
use super::primitives::{APL_LINE_HEIGHT, Measure, Prim};
use super::problem::Problem;
use super::scope::Viewport;
use super::tree::{Kept, Leaf};

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
    let mut result = compute(kept, top, vp, measure, line_cache);
    // Amazon's engine (Yoga) sizes an absolute child's percentages against its parent's box
    // less its padding, where CSS takes the padding box: such children are sized again.
    if result.is_ok() && inner_percent_sizes(kept, root) {
        result = compute(kept, top, vp, measure, line_cache);
    }
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

/// One flexbox pass over the kept tree from `top`, texts measured by `measure`.
fn compute(
    kept: &mut Kept,
    top: NodeId,
    vp: &Viewport,
    measure: &mut dyn Measure,
    line_cache: &mut HashMap<(u32, i32), f32>,
) -> Result<(), taffy::TaffyError> {
    kept.tree.compute_layout_with_measure(
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
                // A text of no size (its `fontSize` no length) takes no room, as in apl-core.
                Some(Leaf::Text { style, .. } | Leaf::Rich { style, .. }) if style.size <= 0.0 => {
                    Size::ZERO.zip_known(known)
                }
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
    )
}

/// Gives each absolutely positioned component sized in `%` its size against its parent's box
/// less padding (and border), as Yoga does; true when any changed (lay out again).
fn inner_percent_sizes(kept: &mut Kept, n: &Node) -> bool {
    let mut changed = false;
    let parent = kept
        .id(n.uid)
        .and_then(|id| kept.tree.layout(id).ok().copied());
    for c in &n.children {
        let absolute = c.get(&super::props::POSITION) == super::props::Position::Absolute;
        if let (true, Some(p), Some(id)) = (absolute, parent, kept.id(c.uid)) {
            let inner_w =
                p.size.width - p.padding.left - p.padding.right - p.border.left - p.border.right;
            let inner_h =
                p.size.height - p.padding.top - p.padding.bottom - p.border.top - p.border.bottom;
            let pct = |k: &str| {
                let t = c.str(k)?.trim().strip_suffix('%')?;
                t.trim().parse::<f32>().ok().filter(|f| f.is_finite())
            };
            if let Ok(mut st) = kept.tree.style(id).cloned() {
                let before = st.size;
                if let Some(f) = pct("width") {
                    st.size.width = Dimension::length((inner_w * f / 100.0).max(0.0));
                }
                if let Some(f) = pct("height") {
                    st.size.height = Dimension::length((inner_h * f / 100.0).max(0.0));
                }
                if st.size != before && kept.tree.set_style(id, st).is_ok() {
                    changed = true;
                }
            }
        }
        changed |= inner_percent_sizes(kept, c);
    }
    changed
}

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
