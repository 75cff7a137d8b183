//! SetValue of a component's bound value (APL: "property — the name of the property or
//! bound value to set"): the component's `bind` takes the value set, and the component and
//! what it holds are inflated again in that scope, so every property bound to the value
//! follows it. The focus, the keyboard, a scroll position or a page inside it stay with the
//! component made in the same place.

use std::collections::HashMap;

use serde_json::Value;

use super::inflate::Inflater;
use super::node::LiveState;
use super::node::Node;
use super::screen::Screen;

/// The largest uid in a tree (new components are numbered after it).
pub(super) fn max_uid(n: &Node) -> usize {
    n.children.iter().map(max_uid).max().unwrap_or(0).max(n.uid)
}

/// The components of a tree in order, each as its uid and its place: where in the document it
/// came from and how many before it came from there (the rows of a list share a place).
fn places(n: &Node) -> Vec<(usize, (String, usize))> {
    fn walk(n: &Node, seen: &mut HashMap<String, usize>, out: &mut Vec<(usize, (String, usize))>) {
        let k = seen.entry(n.path.clone()).or_default();
        out.push((n.uid, (n.path.clone(), *k)));
        *k += 1;
        for c in &n.children {
            walk(c, seen, out);
        }
    }
    let mut out = vec![];
    walk(n, &mut HashMap::new(), &mut out);
    out
}

/// Where a part of the old component went in the one made in its place, by its place: None
/// when `u` was no part of it, `Some(None)` when nothing took its place.
fn moved(
    old: &[(usize, (String, usize))],
    new: &[(usize, (String, usize))],
    u: usize,
) -> Option<Option<usize>> {
    let (_, place) = old.iter().find(|(o, _)| *o == u)?;
    Some(new.iter().find(|(_, p)| p == place).map(|(n, _)| *n))
}

/// The live state's references into the old component, moved to the one made in its place
/// (or let go when nothing was); `to` says where each uid went.
fn carry(live: &mut LiveState, to: impl Fn(usize) -> Option<usize>) {
    for slot in [
        &mut live.focus,
        &mut live.pressed,
        &mut live.editing,
        &mut live.karaoke,
    ] {
        *slot = slot.and_then(&to);
    }
    live.scroll = live
        .scroll
        .drain()
        .filter_map(|(u, v)| Some((to(u)?, v)))
        .collect();
    live.page = live
        .page
        .drain()
        .filter_map(|(u, v)| Some((to(u)?, v)))
        .collect();
}

impl Screen {
    /// Sets bound value `name` of component `uid`, if its `bind` has one by that name (else
    /// false: the caller sets a property).
    pub(super) fn rebind(&mut self, uid: usize, name: &str, value: Value) -> bool {
        let (Some(doc), Some(root)) = (self.doc.clone(), self.root.as_mut()) else {
            return false;
        };
        let next = max_uid(root) + 1;
        let Some(node) = root.find_uid_mut(uid) else {
            return false;
        };
        let Some(b) = node.binding.clone().filter(|b| b.binds(name)) else {
            return false;
        };
        let mut set = b.set.clone();
        set.insert(name.to_owned(), value);
        let mut inf = Inflater::new(&doc);
        inf.next_uid = next;
        inf.pending = Some(set);
        let made = inf.component(&b.def, &b.outer, &node.path);
        self.problems.append(&mut inf.problems);
        let Some(mut made) = made else {
            // Its `when` no longer holds: it is gone from the screen.
            node.set_own("display", Value::String("none".into()));
            return true;
        };
        // What a layout's instance gave it (an id, its properties, its handlers) stays with it.
        made.id = made.id.or_else(|| node.id.clone());
        for (k, v) in &b.instance {
            made.set_own(k, v.clone());
        }
        if let Some(mb) = made.binding.as_mut().filter(|_| !b.instance.is_empty()) {
            *mb = mb.given(b.instance.clone());
        }
        for ((u, ev), cmds) in &self.handlers {
            if *u == uid {
                inf.handlers
                    .entry((made.uid, ev))
                    .or_insert_with(|| cmds.clone());
            }
        }
        let (old, new) = (places(node), places(&made));
        carry(&mut self.live, |u| moved(&old, &new, u).unwrap_or(Some(u)));
        // The finger on it, and where it was laid out, go to what was made in its place (a
        // slider dragged sets its own bound value at every move).
        if let Some(f) = self.finger.as_mut()
            && let Some(Some(n)) = moved(&old, &new, f.uid)
        {
            f.uid = n;
        }
        let laid: Vec<(usize, super::bounds::Rect)> = self
            .positions
            .iter()
            .filter_map(|(u, r)| Some((moved(&old, &new, *u)??, *r)))
            .collect();
        self.positions.extend(laid);
        // The old components' commands go with them (a button pressed a thousand times does
        // not leave a thousand copies).
        let gone: std::collections::HashSet<usize> = old.iter().map(|(u, _)| *u).collect();
        self.handlers.retain(|(u, _), _| !gone.contains(u));
        *node = made;
        self.handlers.extend(inf.handlers);
        self.restyle();
        true
    }
}
