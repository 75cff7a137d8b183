//! The flexbox tree of a screen: each component that shows as a taffy node with its style,
//! its text or its children. The tree is kept between layouts ([`Kept`]): a node whose style,
//! text and children are as they were keeps the sizes taffy measured for it, so a change to
//! one text measures that text again and lays out only the boxes it can move.

use std::collections::HashMap;

use serde_json::Value;
use taffy::prelude::*;
use taffy::{Overflow, Point};

use super::node::{Kind, LiveState, Node};
use super::primitives::{TextStyle, dimension, dp, lpa, markup, text_style};
use super::problem::Problem;
use super::props::{self, Align, Justify};
use super::scope::Viewport;

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

/// The flexbox tree last laid out, kept for the next layout.
///
/// Nodes are never removed one by one (taffy's `remove` trusts every parent link, and a node
/// whose component moved may still be listed by its old parent): a component that stops
/// showing keeps its node, which a later pass may use again (a page turned back, a component
/// shown again), until the tree holds four times the nodes that show and starts anew.
pub struct Kept {
    pub(super) tree: TaffyTree<Leaf>,
    /// Each component's node, by uid, and the pass that last built it.
    ids: HashMap<usize, (NodeId, u64)>,
    pass: u64,
    /// How many nodes the last pass built.
    shown: usize,
    /// Whether this pass gave a parent children: only then can a parent link be wrong.
    relinked: bool,
}

impl Default for Kept {
    fn default() -> Kept {
        let mut tree = TaffyTree::new();
        // Fractional positions: the screen scales dp to pixels (×2 on a TV), and a box
        // rounded down in dp is a pixel too narrow for the text measured into it.
        tree.disable_rounding();
        Kept {
            tree,
            ids: HashMap::new(),
            pass: 0,
            shown: 0,
            relinked: false,
        }
    }
}

impl Kept {
    /// Brings the tree up to date with `root` filling the viewport; its top node (None when
    /// nothing shows).
    pub(super) fn build(
        &mut self,
        root: &Node,
        vp: &Viewport,
        live: &LiveState,
        problems: &mut Vec<Problem>,
    ) -> Option<NodeId> {
        if self.tree.total_node_count() > 4 * self.shown + 256 {
            *self = Kept::default();
        }
        self.pass += 1;
        self.relinked = false;
        let top = style_of(root, vp, true).and_then(|mut st| {
            st.size = Size {
                width: Dimension::length(vp.width_dp()),
                height: Dimension::length(vp.height_dp()),
            };
            self.node(
                root,
                st,
                vp,
                live,
                problems,
                Size {
                    width: true,
                    height: true,
                },
            )
        });
        self.shown = self.ids.values().filter(|(_, p)| *p == self.pass).count();
        if let Some(top) = top.filter(|_| self.relinked) {
            self.relink(top);
        }
        top
    }

    /// Makes every child's link to its parent right, from `id` down: a child that moved here
    /// from a parent built later in the pass (or one that was given up) can have lost it, and
    /// a change marks its parents for layout through that link.
    fn relink(&mut self, id: NodeId) {
        let kids = self.tree.children(id).unwrap_or_default();
        if kids.iter().any(|k| self.tree.parent(*k) != Some(id)) {
            let _ = self.tree.set_children(id, &kids);
        }
        for k in kids {
            self.relink(k);
        }
    }

    /// The node of a component built in the last pass.
    pub(super) fn id(&self, uid: usize) -> Option<NodeId> {
        self.ids
            .get(&uid)
            .filter(|(_, built)| *built == self.pass)
            .map(|(id, _)| *id)
    }

    /// The node of a component and its children, styled `st`; `definite`: whether its width
    /// and height are known before its content is (given, or set by its parent).
    fn node(
        &mut self,
        n: &Node,
        st: Style,
        vp: &Viewport,
        live: &LiveState,
        problems: &mut Vec<Problem>,
        definite: Size<bool>,
    ) -> Option<NodeId> {
        let made = match n.kind {
            Kind::Text | Kind::EditText => self.leaf(n.uid, st, text_leaf(n, vp, live)),
            Kind::Image | Kind::VectorGraphic | Kind::Video | Kind::Placeholder => {
                self.leaf(n.uid, st, Leaf::None)
            }
            _ => {
                let kids = self.children(n, &st, vp, live, problems, definite);
                self.parent(n.uid, st, &kids)
            }
        };
        made.map_err(|e| problems.push(Problem::error(&n.path, format!("layout: {e}"))))
            .ok()
    }

    /// The nodes of the children that show (a Pager's current page), styled as their parent
    /// places them.
    fn children(
        &mut self,
        n: &Node,
        st: &Style,
        vp: &Viewport,
        live: &LiveState,
        problems: &mut Vec<Problem>,
        definite: Size<bool>,
    ) -> Vec<NodeId> {
        let children: Vec<&Node> = if n.kind == Kind::Pager {
            let page = live
                .page
                .get(&n.uid)
                .copied()
                .unwrap_or(n.get(&props::INITIAL_PAGE).max(0.0) as usize);
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
        let mut kids = vec![];
        for c in children {
            let Some(mut cs) = style_of(c, vp, false) else {
                continue;
            };
            // A TouchWrapper is as large as its one child, wherever that child is placed
            // (apl-core sizes it so): the child is laid out in its flow.
            // A SwipeAway's items lie over it, where they are put.
            if n.kind == Kind::TouchWrapper
                && cs.position == Position::Absolute
                && !c.get(&props::SWIPE_ITEMS)
            {
                cs.position = Position::Relative;
                cs.inset = Rect {
                    left: LengthPercentageAuto::auto(),
                    right: LengthPercentageAuto::auto(),
                    top: LengthPercentageAuto::auto(),
                    bottom: LengthPercentageAuto::auto(),
                };
            }
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
            let scrolls = matches!(n.kind, Kind::Sequence | Kind::ScrollView);
            // A child grows into room its parent has only when the parent's length is known
            // first (as in Yoga); in a parent as long as its content it keeps its own length.
            let main_definite = !scrolls
                && if main_row {
                    definite.width
                } else {
                    definite.height
                };
            if !main_definite {
                cs.flex_grow = 0.0;
            }
            let given = |d: Dimension| d != Dimension::auto();
            // A box sized by its other side keeps its aspect: not stretched across.
            let cross_auto = if main_row {
                !given(cs.size.height)
            } else {
                !given(cs.size.width)
            };
            if cs.aspect_ratio.is_some()
                && cross_auto
                && matches!(cs.align_self, None | Some(AlignSelf::Stretch))
                && matches!(st.align_items, None | Some(AlignItems::Stretch))
            {
                cs.align_self = Some(AlignSelf::FlexStart);
            }
            let stretched = cs.position != Position::Absolute
                && matches!(cs.align_self, None | Some(AlignSelf::Stretch))
                && matches!(st.align_items, None | Some(AlignItems::Stretch));
            let grows = cs.flex_grow > 0.0;
            let child_definite = Size {
                width: given(cs.size.width)
                    || if main_row {
                        grows
                    } else {
                        stretched && definite.width
                    },
                height: given(cs.size.height)
                    || if main_row {
                        stretched && definite.height
                    } else {
                        grows
                    },
            };
            if let Some(id) = self.node(c, cs, vp, live, problems, child_definite) {
                kids.push(id);
            }
        }
        kids
    }

    /// The node a component had in the last pass, if it was of the same sort (a leaf or a
    /// parent), now built in this one.
    fn reuse(&mut self, uid: usize, leaf: bool) -> Option<NodeId> {
        let pass = self.pass;
        let (id, built) = self.ids.get_mut(&uid)?;
        if *built == pass || self.tree.get_node_context(*id).is_some() != leaf {
            return None;
        }
        *built = pass;
        Some(*id)
    }

    /// A leaf: its style and what it measures, changed only where they differ.
    fn leaf(&mut self, uid: usize, st: Style, leaf: Leaf) -> taffy::TaffyResult<NodeId> {
        let Some(id) = self.reuse(uid, true) else {
            let id = self.tree.new_leaf_with_context(st, leaf)?;
            self.made(uid, id);
            return Ok(id);
        };
        if self.tree.style(id)? != &st {
            self.tree.set_style(id, st)?;
        }
        if self.tree.get_node_context(id) != Some(&leaf) {
            self.tree.set_node_context(id, Some(leaf))?;
        }
        Ok(id)
    }

    /// A parent: its style and children, changed only where they differ.
    fn parent(&mut self, uid: usize, st: Style, kids: &[NodeId]) -> taffy::TaffyResult<NodeId> {
        let Some(id) = self.reuse(uid, false) else {
            let id = self.tree.new_with_children(st, kids)?;
            self.made(uid, id);
            self.relinked = true;
            return Ok(id);
        };
        if self.tree.style(id)? != &st {
            self.tree.set_style(id, st)?;
        }
        let same = self.tree.child_count(id) == kids.len()
            && kids
                .iter()
                .enumerate()
                .all(|(i, k)| self.tree.child_at_index(id, i).ok() == Some(*k));
        if !same {
            self.tree.set_children(id, kids)?;
            self.relinked = true;
        }
        Ok(id)
    }

    /// A new node for a component (in place of one of another sort, if it had one).
    fn made(&mut self, uid: usize, id: NodeId) {
        self.ids.insert(uid, (id, self.pass));
    }
}

/// What a Text or EditText measures: its words, set plainly or a word at a time.
fn text_leaf(n: &Node, vp: &Viewport, live: &LiveState) -> Leaf {
    let text = if n.kind == Kind::Text {
        markup(&n.text("text").unwrap_or_default())
    } else {
        super::primitives::shown(n, live.editing == Some(n.uid)).0
    };
    let style = text_style(n, vp);
    let max_lines = if n.kind == Kind::EditText {
        1
    } else {
        n.get(&props::MAX_LINES).max(0.0) as u32
    };
    match super::rich::line_height(n) {
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
    }
}

/// A component's flexbox style as its own properties ask (None: `display: none`); `top`: the
/// screen's top component, which is never positioned absolutely.
fn style_of(n: &Node, vp: &Viewport, top: bool) -> Option<Style> {
    if n.get(&props::DISPLAY) == props::Display::None {
        return None;
    }
    let mut st = Style {
        display: Display::Flex,
        flex_direction: FlexDirection::Column,
        flex_shrink: n.get(&props::SHRINK) as f32,
        flex_grow: n.get(&props::GROW) as f32,
        ..Default::default()
    };
    // Given as null counts (as 0), unlike not given.
    let size = |k: &str| dimension(n.props.get(k), vp);
    let default_size = match n.kind {
        Kind::Image | Kind::VectorGraphic | Kind::Video => Some(Dimension::length(100.0)),
        Kind::Pager => Some(Dimension::percent(1.0)),
        _ => None,
    };
    // A component that scrolls down is 100 dp tall unless told (APL's ScrollView and
    // Sequence): its content does not size it, and it grows or shrinks from there.
    let scrolls_down = matches!(
        n.kind,
        Kind::ScrollView | Kind::Sequence | Kind::GridSequence | Kind::FlexSequence
    ) && (n.kind == Kind::ScrollView
        || n.get(&props::SCROLL_DIRECTION) == props::ScrollDirection::Vertical);
    let default_height = default_size.or(scrolls_down.then(|| Dimension::length(100.0)));
    st.size = Size {
        width: size("width").or(default_size).unwrap_or(Dimension::auto()),
        height: size("height")
            .or(default_height)
            .unwrap_or(Dimension::auto()),
    };
    if n.kind == Kind::Placeholder {
        st.size.width = size("width").unwrap_or(Dimension::percent(1.0));
        st.size.height = size("height").unwrap_or(Dimension::length(48.0));
    }
    // linkscreen's own package definitions size a box by its other side (`_aspectRatio`,
    // width over height, as AlexaImage's `imageAspectRatio` does); no document property.
    st.aspect_ratio = Some(n.get(&props::ASPECT_RATIO) as f32).filter(|r| *r > 0.0);
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
        // [left, top, right, bottom]; two values are [horizontal, vertical] and three
        // [left, vertical, right], as apl-core expands them.
        Some(Value::Array(a)) => {
            let at = |i: usize| {
                a.get(i)
                    .and_then(|v| props::read_length(v, vp))
                    .unwrap_or(0.0)
            };
            pad = match a.len() {
                0 => pad,
                1 => [at(0); 4],
                2 => [at(0), at(1), at(0), at(1)],
                3 => [at(0), at(1), at(2), at(1)],
                _ => [at(0), at(1), at(2), at(3)],
            };
        }
        Some(v) => pad = [props::read_length(v, vp).unwrap_or(0.0); 4],
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
        let b = n.length(&props::BORDER_WIDTH, vp);
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
    if !top && n.get(&props::POSITION) == props::Position::Absolute {
        st.position = Position::Absolute;
        st.inset = Rect {
            left: lpa(n.props.get("left"), vp),
            top: lpa(n.props.get("top"), vp),
            right: lpa(n.props.get("right"), vp),
            bottom: lpa(n.props.get("bottom"), vp),
        };
    }
    // Relative offsets move the component after layout (see `bounds`).
    st.align_self = match n.get(&props::ALIGN_SELF) {
        Align::Start => Some(AlignSelf::FlexStart),
        Align::End => Some(AlignSelf::FlexEnd),
        Align::Center => Some(AlignSelf::Center),
        Align::Stretch => Some(AlignSelf::Stretch),
        Align::Baseline => Some(AlignSelf::Baseline),
        Align::Auto => None,
    };
    let scroll_row = n.get(&props::SCROLL_DIRECTION) == props::ScrollDirection::Horizontal;
    match n.kind {
        Kind::Container => {
            st.flex_direction = match n.get(&props::DIRECTION) {
                props::Direction::Row => FlexDirection::Row,
                props::Direction::RowReverse => FlexDirection::RowReverse,
                props::Direction::ColumnReverse => FlexDirection::ColumnReverse,
                props::Direction::Column => FlexDirection::Column,
            };
            if vp.rtl && n.get(&props::LAYOUT_DIRECTION) != props::LayoutDirection::Ltr {
                st.flex_direction = match st.flex_direction {
                    FlexDirection::Row => FlexDirection::RowReverse,
                    FlexDirection::RowReverse => FlexDirection::Row,
                    d => d,
                };
            }
            st.flex_wrap = match n.get(&props::WRAP) {
                props::Wrap::Yes => FlexWrap::Wrap,
                props::Wrap::Reverse => FlexWrap::WrapReverse,
                props::Wrap::No => FlexWrap::NoWrap,
            };
            st.align_items = Some(align_items(n.get(&props::ALIGN_ITEMS)));
            st.justify_content = Some(match n.get(&props::JUSTIFY_CONTENT) {
                Justify::End => JustifyContent::FlexEnd,
                Justify::Center => JustifyContent::Center,
                Justify::SpaceBetween => JustifyContent::SpaceBetween,
                Justify::SpaceAround => JustifyContent::SpaceAround,
                Justify::SpaceEvenly => JustifyContent::SpaceEvenly,
                Justify::Start => JustifyContent::FlexStart,
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
        // Children in lines across the scroll (rows down a vertical one): a GridSequence's of
        // one size, a FlexSequence's each its own.
        Kind::GridSequence | Kind::FlexSequence => {
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
        // apl-core lays a Frame's child out at its own size, not stretched across the Frame.
        Kind::Frame => st.align_items = Some(AlignItems::FlexStart),
        Kind::Pager => {
            st.overflow = Point {
                x: Overflow::Hidden,
                y: Overflow::Hidden,
            };
        }
        _ => {}
    }
    if n.kind == Kind::FlexSequence {
        st.align_items = Some(match n.get(&props::ALIGN_ITEMS) {
            Align::Baseline => AlignItems::Stretch,
            a => align_items(a),
        });
    }
    Some(st)
}

/// A Container's `alignItems` as flexbox has it (`auto` stretches, as the default does).
fn align_items(a: Align) -> AlignItems {
    match a {
        Align::Start => AlignItems::FlexStart,
        Align::End => AlignItems::FlexEnd,
        Align::Center => AlignItems::Center,
        Align::Baseline => AlignItems::Baseline,
        Align::Stretch | Align::Auto => AlignItems::Stretch,
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
