//! What the view draws: a [`Snapshot`] of a screen as it is now, and what it holds (its
//! texts, fields, touch targets and image sources).

use serde_json::Value;

use super::layout;
use super::node::LiveState;
use super::node::{Kind, Node};
use super::primitives::{Measure, Prim};
use super::problem::{Images, Problem};
use super::queries::{targets_of, texts_of};
use super::scope::Viewport;
use super::tree::Kept;

/// What the view needs to draw a screen, as it is now: the component tree, its live state
/// and the device. Two snapshots with the same serial draw the same.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub root: Option<Node>,
    pub live: LiveState,
    pub vp: Viewport,
    pub serial: u64,
    pub images: std::sync::Arc<Images>,
}

impl PartialEq for Snapshot {
    fn eq(&self, o: &Snapshot) -> bool {
        self.serial == o.serial
    }
}

impl Snapshot {
    /// Lays the screen out and returns what to draw and what went wrong doing so.
    pub fn draw(&self, measure: &mut dyn Measure) -> (Vec<Prim>, Vec<Problem>) {
        self.draw_kept(measure, &mut Kept::default())
    }

    /// Like [`Snapshot::draw`], starting from the layout tree `kept` of the screen's last
    /// snapshot: what did not change is not measured or laid out again. `kept` must have
    /// been laid out with the same measure (the same fonts at the same scale).
    pub fn draw_kept(
        &self,
        measure: &mut dyn Measure,
        kept: &mut Kept,
    ) -> (Vec<Prim>, Vec<Problem>) {
        let mut problems = vec![];
        let prims = match &self.root {
            Some(r) => layout::layout(r, &self.vp, &self.live, measure, &mut problems, kept),
            None => vec![],
        };
        (prims, problems)
    }

    /// The component tree as `kept` laid it out (by [`Snapshot::draw_kept`]): see
    /// [`super::bounds::tree`].
    pub fn layout_tree(&self, kept: &Kept) -> Option<Value> {
        let r = self.root.as_ref()?;
        Some(super::bounds::tree(
            kept,
            r,
            (0.0, 0.0),
            &self.live,
            &self.vp,
        ))
    }

    /// Where each component with an id was laid out by `kept` (uid, global bounds in dp).
    pub fn positions(&self, kept: &Kept) -> super::bounds::Positions {
        let mut out = vec![];
        if let Some(r) = &self.root {
            super::bounds::of_ids(kept, r, (0.0, 0.0), &self.live, &self.vp, &mut out);
        }
        out
    }

    /// The touchable components that hear a finger's every move (onDown, onMove, onUp,
    /// onCancel, gestures): the view sends them [`super::Pointer`] events.
    pub fn pointer_targets(&self) -> std::collections::HashSet<usize> {
        fn walk(n: &Node, out: &mut std::collections::HashSet<usize>) {
            if n.get(&super::props::POINTER) {
                out.insert(n.uid);
            }
            n.children.iter().for_each(|c| walk(c, out));
        }
        let mut out = Default::default();
        if let Some(r) = &self.root {
            walk(r, &mut out);
        }
        out
    }

    /// Every text on the screen, in document order (scripts' `expect`).
    pub fn texts(&self) -> Vec<String> {
        let mut out = vec![];
        if let Some(r) = &self.root {
            texts_of(r, &mut out);
        }
        out
    }

    /// The EditText the keyboard types into: what it shows (with a caret) and its hint.
    pub fn field(&self) -> Option<(String, String)> {
        let n = self.root.as_ref()?.find_uid(self.live.editing?)?;
        Some((
            super::primitives::shown(n, true).0,
            n.text("hint").unwrap_or_default(),
        ))
    }

    /// The text fields (EditText) that take the keyboard: uid, hint (else id), text.
    pub fn fields(&self) -> Vec<(usize, String, String)> {
        fn walk(n: &Node, out: &mut Vec<(usize, String, String)>) {
            if n.kind == Kind::EditText && !n.get(&super::props::DISABLED) {
                let hint = n.text("hint").filter(|h| !h.is_empty());
                let text = n.text("text").unwrap_or_default();
                out.push((n.uid, hint.or(n.id.clone()).unwrap_or_default(), text));
            }
            n.children.iter().for_each(|c| walk(c, out));
        }
        let mut out = vec![];
        if let Some(r) = &self.root {
            walk(r, &mut out);
        }
        out
    }

    /// The components that take touches, with the text inside each (scripts' `tap`).
    pub fn targets(&self) -> Vec<(usize, String)> {
        let mut out = vec![];
        if let Some(r) = &self.root {
            targets_of(r, &mut out);
        }
        out
    }
}
