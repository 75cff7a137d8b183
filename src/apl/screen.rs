//! A document on the screen ([`Screen`]): parsed, inflated and restyled as its state changes;
//! touches, keys and the skill's commands reach it here, what they ask of the device comes back
//! as [`Outcome`]s, and the view gets [`Snapshot`]s of it to draw.

use std::collections::HashMap;
use std::sync::Arc as Rc;

use serde_json::{Value, json};

use super::bounds;
use super::doc::{self, ExecuteCommands, RenderDocument};
use super::inflate::Inflater;
use super::node::{Kind, LiveState, Node};
use super::primitives::{Measure, Prim};
use super::problem::{ImageState, Images, Outcome, Problem};
use super::queries::{sources_of, targets_of, videos_of};
use super::scope::{self, Ctx, Viewport};
use super::snapshot::Snapshot;
use super::tree::Kept;
use super::{expr, layout, node, style, timeline, transform};

/// A document on the screen, with its live state.
pub struct Screen {
    pub token: String,
    pub version: String,
    /// The document (its styles are chosen anew when a component's state changes).
    pub(super) doc: Option<Rc<doc::Document>>,
    pub(super) root: Option<Node>,
    pub(super) handlers: HashMap<(usize, &'static str), Value>,
    pub(super) on_mount: Value,
    pub live: LiveState,
    /// Problems found since the last [`Screen::take_problems`].
    pub(super) problems: Vec<Problem>,
    pub(super) vp: Viewport,
    /// Changes with every change of what is drawn (see [`Snapshot`]).
    pub(super) serial: u64,
    pub(super) images: Images,
    /// How much of each scrolling component shows (dp), as the view last said.
    pub(super) extents: HashMap<usize, f32>,
    /// The screen's clock, its animations and the commands waiting their turn.
    pub(super) time: timeline::Timeline,
    /// Where the view last laid out each component with an id (uid → global bounds, dp).
    pub(super) positions: HashMap<usize, bounds::Rect>,
    /// How often each component's onLayout ran (bounded by [`MAX_LAYOUT_RUNS`]).
    pub(super) layout_runs: HashMap<usize, u32>,
    /// What the screen was made from (the directive, the packages fetched for it): Reinflate
    /// makes it again.
    pub(super) made_from: Rc<(Rc<RenderDocument>, HashMap<String, Value>)>,
    /// How many times it was made again: a command list that a Reinflate ended stops.
    pub(super) generation: u64,
    /// Components to scroll into view (uid, align) once the view has laid them out.
    pub(super) wanted: Vec<(usize, String)>,
    /// What the event of the handlers running now has besides its `source` (a pointer event's
    /// `component` and `inBounds`, a swipe's `position`).
    pub(super) event_extra: Option<serde_json::Map<String, Value>>,
    /// The finger that is down on a pointer's target (see `pointer`).
    pub(super) finger: Option<super::node::Finger>,
}

/// How often one component's `onLayout` may run on a screen.
const MAX_LAYOUT_RUNS: u32 = 32;

pub(super) fn next_serial() -> u64 {
    static SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Commands may nest (Sequential in Sequential…) at most this deep.
pub(super) const MAX_COMMAND_DEPTH: usize = 32;

/// A document whose main template inflates to no component.
const NOTHING_INFLATED: &str = "the document inflates to no component: the screen is empty \
                                (check mainTemplate's items and their `when`)";

impl Screen {
    /// Parses and inflates a RenderDocument for a device. A document that cannot be read at
    /// all gives a screen with a labelled placeholder and the reason among the problems.
    /// An owned or shared directive is kept as it is (Reinflate makes the screen again from
    /// it); a borrowed one is copied.
    pub fn new(render: impl Into<Rc<RenderDocument>>, vp: Viewport) -> Screen {
        Screen::with_packages(render, vp, &HashMap::new())
    }

    /// [`Screen::new`], with the packages the document imports from their own addresses,
    /// fetched (see [`doc::remote_imports`]).
    pub fn with_packages(
        render: impl Into<Rc<RenderDocument>>,
        vp: Viewport,
        packages: &HashMap<String, Value>,
    ) -> Screen {
        let render: Rc<RenderDocument> = render.into();
        let mut problems = vec![];
        let chosen = doc::chosen_imports(&render.document, &mut |when| {
            // The initial data-binding context: the viewport and the environment.
            let theme = render.document.get("theme").and_then(Value::as_str);
            let mut bare = doc::Document::default();
            bare.theme = theme.unwrap_or("dark").to_owned();
            let ctx = Ctx::root(scope::globals(&bare, &vp, &mut problems));
            let at = "$.document.import[].when";
            expr::truthy(&scope::eval_value(when, &ctx, at, &mut problems))
        });
        let (doc, root, handlers, on_mount, version) =
            match doc::parse_with(chosen.as_ref().unwrap_or(&render.document), packages) {
                Ok(d) => {
                    problems.extend(d.problems.iter().cloned());
                    let globals = scope::globals(&d, &vp, &mut problems);
                    let mut inf = Inflater::new(&d);
                    let datasources = transform::apply(&render.datasources, &mut problems);
                    let root = inf.main(&datasources, &Ctx::root(globals));
                    problems.append(&mut inf.problems);
                    if root.is_none() {
                        // A device shows an empty screen then, not what was there before.
                        problems.push(Problem::error("$.document.mainTemplate", NOTHING_INFLATED));
                    }
                    let (handlers, on_mount, version) =
                        (inf.handlers, d.on_mount.clone(), d.version.clone());
                    (Some(Rc::new(d)), root, handlers, on_mount, version)
                }
                Err(e) => {
                    problems.push(Problem::error("$.document", e.clone()));
                    (
                        None,
                        Some(unreadable(&e, &vp)),
                        HashMap::new(),
                        Value::Null,
                        String::new(),
                    )
                }
            };
        // A problem in a layout is met once for each of its instances: said once.
        let mut seen = std::collections::HashSet::new();
        problems.retain(|p| seen.insert((p.path.clone(), p.message.clone())));
        let mut screen = Screen {
            token: render.token.clone(),
            version,
            doc,
            root,
            handlers,
            on_mount,
            live: LiveState::default(),
            problems,
            vp,
            serial: next_serial(),
            images: Images::new(),
            extents: HashMap::new(),
            time: timeline::Timeline::default(),
            positions: HashMap::new(),
            layout_runs: HashMap::new(),
            made_from: Rc::new((render.clone(), packages.clone())),
            generation: 0,
            wanted: vec![],
            event_extra: None,
            finger: None,
        };
        screen.restyle();
        screen
    }

    /// Every styled component takes its style's values for the state it is in now.
    pub(super) fn restyle(&mut self) {
        let (Some(doc), Some(root)) = (self.doc.clone(), self.root.as_mut()) else {
            return;
        };
        let mut inf = Inflater::new(&doc);
        if style::restyle(&mut inf, root, &self.live, node::States::default()) {
            self.serial = next_serial();
        }
        self.problems.append(&mut inf.problems);
    }

    /// A finger went down on a touch target (`Some(uid)`) or came up (`None`): the target is
    /// drawn pressed meanwhile, if its style says how.
    pub fn set_pressed(&mut self, uid: Option<usize>) {
        if self.live.pressed != uid {
            self.live.pressed = uid;
            self.serial = next_serial();
            self.restyle();
        }
    }

    /// The spoken item's words are done: its karaoke highlight and caption go.
    pub fn end_karaoke(&mut self) {
        if self.live.karaoke.is_some() || self.live.caption.is_some() {
            self.live.karaoke = None;
            self.live.caption = None;
            self.serial = next_serial();
            self.restyle();
        }
    }

    /// The remote or keyboard moves the focus to the next (`+1`) or previous (`-1`) touch
    /// target, in document order; the first move focuses the first.
    pub fn move_focus(&mut self, by: i32) {
        let mut targets = vec![];
        if let Some(r) = &self.root {
            targets_of(r, &mut targets);
        }
        // A target known by two names is one stop.
        targets.dedup_by_key(|(u, _)| *u);
        if targets.is_empty() {
            return;
        }
        let at = self
            .live
            .focus
            .and_then(|f| targets.iter().position(|(u, _)| *u == f));
        let next = match at {
            None => 0,
            Some(i) => (i as i32 + by).clamp(0, targets.len() as i32 - 1) as usize,
        };
        self.live.focus = Some(targets[next].0);
        self.serial = next_serial();
        self.restyle();
    }

    /// Enter (or the remote's select) on the focused touch target.
    pub fn press_focused(&mut self) -> Vec<Outcome> {
        match self.live.focus {
            Some(uid) => self.press(uid),
            None => vec![],
        }
    }

    /// A Pager turned by a swipe: the next (+1) or previous (-1) page, within its pages (its
    /// `onPageChanged` commands run).
    pub fn turn_page(&mut self, uid: usize, by: i32) -> Vec<Outcome> {
        let Some(n) = self.root.as_ref().and_then(|r| r.find_uid(uid)) else {
            return vec![];
        };
        if n.kind != Kind::Pager || n.children.is_empty() {
            return vec![];
        }
        let start = n.get(&super::props::INITIAL_PAGE).max(0.0) as i64;
        let now = self.live.page.get(&uid).map(|p| *p as i64).unwrap_or(start);
        let next = (now + by as i64).clamp(0, n.children.len() as i64 - 1) as usize;
        let mut out = vec![];
        if self.show_page(uid, next, &mut out, 0) {
            self.restyle();
        }
        out
    }

    /// A scrolling component moved (by touch, or to bring the focus into view) to `offset`
    /// with `extent` of it showing (dp): its `onScroll` commands run, `event.source.position`
    /// the offset in extents.
    pub fn set_scroll(&mut self, uid: usize, offset: f32, extent: f32) -> Vec<Outcome> {
        let offset = offset.max(0.0);
        if extent > 0.0 {
            self.extents.insert(uid, extent);
        }
        let mut out = vec![];
        if self.live.scroll.get(&uid) != Some(&offset) {
            self.live.scroll.insert(uid, offset);
            self.serial = next_serial();
            // A scroll alone changes no component's state; its commands may.
            if self.handle(uid, "onScroll", "Scroll", &mut out, 0) {
                self.restyle();
            }
        }
        out
    }

    /// The sources of the images the screen shows now.
    pub fn image_sources(&self) -> Vec<String> {
        let mut out = vec![];
        if let Some(r) = &self.root {
            sources_of(r, &mut out);
        }
        out.sort();
        out.dedup();
        out
    }

    /// The first tracks of the Videos the screen shows now (a frame for each may be given to
    /// [`Screen::set_image`] by its address: a shot's `--images`).
    pub fn video_sources(&self) -> Vec<String> {
        let mut out = vec![];
        if let Some(r) = &self.root {
            videos_of(r, &mut out);
        }
        out.sort();
        out.dedup();
        out
    }

    /// What became of an image; the screen draws it (or why not) from now on.
    pub fn set_image(&mut self, source: &str, state: ImageState) {
        if self.images.get(source) != Some(&state) {
            self.images.insert(source.to_owned(), state);
            self.serial = next_serial();
        }
    }

    pub fn image(&self, source: &str) -> Option<&ImageState> {
        self.images.get(source)
    }

    /// Changes whenever what is drawn changes.
    pub fn serial(&self) -> u64 {
        self.serial
    }

    /// The screen as it is now, for the view.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            root: self.root.clone(),
            live: self.live.clone(),
            vp: self.vp.clone(),
            serial: self.serial,
            images: std::sync::Arc::new(self.images.clone()),
        }
    }

    pub fn root(&self) -> Option<&Node> {
        self.root.as_ref()
    }

    pub fn viewport(&self) -> &Viewport {
        &self.vp
    }

    /// The problems found since last asked (each reported once).
    pub fn take_problems(&mut self) -> Vec<Problem> {
        std::mem::take(&mut self.problems)
    }

    /// Lays the screen out and returns what to draw.
    pub fn draw(&mut self, measure: &mut dyn Measure) -> Vec<Prim> {
        match &self.root {
            Some(r) => layout::layout(
                r,
                &self.vp,
                &self.live,
                measure,
                &mut self.problems,
                &mut Kept::default(),
            ),
            None => vec![],
        }
    }

    /// The components' `onMount` commands, in document order, then the document's (run once,
    /// when it is first shown, all starting at time 0 on the screen's clock).
    pub fn mount(&mut self) -> Vec<Outcome> {
        let cmds = std::mem::take(&mut self.on_mount);
        let Some(root) = &self.root else {
            return vec![];
        };
        let scope = root.scope.clone();
        let mut out = vec![];
        let mut mounted: Vec<usize> = self
            .handlers
            .keys()
            .filter(|(_, on)| *on == "onMount")
            .map(|(uid, _)| *uid)
            .collect();
        mounted.sort_unstable();
        for uid in mounted {
            self.handle(uid, "onMount", "Mount", &mut out, 0);
        }
        self.autoplay(&mut out);
        self.run(&cmds, &scope, None, "$.document.onMount", &mut out, 0);
        self.restyle();
        out
    }

    /// A touch on a component (its uid): its `onPress` commands; an EditText takes the
    /// keyboard. A touch anywhere else puts the keyboard away.
    pub fn press(&mut self, uid: usize) -> Vec<Outcome> {
        if let Some(n) = self.root.as_ref().and_then(|r| r.find_uid(uid))
            && n.kind == Kind::EditText
        {
            self.start_editing(uid);
            return vec![];
        }
        self.stop_editing();
        let mut out = vec![];
        if self.handle(uid, "onPress", "Press", &mut out, 0) {
            self.restyle();
        }
        out
    }

    /// The skill's `ExecuteCommands` (for this document's token).
    pub fn execute(&mut self, cmds: &ExecuteCommands) -> Vec<Outcome> {
        if cmds.token != self.token {
            self.problems.push(Problem::error(
                "$.response.directives[].token",
                format!(
                    "ExecuteCommands for token {:?}, but the screen shows {:?}: ignored (as on a real device)",
                    cmds.token, self.token
                ),
            ));
            return vec![];
        }
        let Some(root) = &self.root else {
            return vec![];
        };
        let scope = root.scope.clone();
        let mut out = vec![];
        self.run(&cmds.commands, &scope, None, "$.commands", &mut out, 0);
        self.restyle();
        out
    }

    /// Where the view laid out the components with an id or an `onLayout` (uid, global bounds
    /// in dp), for the visual context's `position`s. A component with an `onLayout` whose
    /// bounds are new or changed runs it (APL 2024.2), `event.source.bounds` saying where it is;
    /// what its commands ask of the device comes back.
    pub fn set_positions(&mut self, positions: bounds::Positions) -> Vec<Outcome> {
        let changed: Vec<usize> = positions
            .iter()
            .filter(|(uid, r)| {
                self.handlers.contains_key(&(*uid, "onLayout"))
                    && self.positions.get(uid) != Some(r)
            })
            .map(|(uid, _)| *uid)
            .collect();
        self.positions = positions.into_iter().collect();
        let (mut out, mut ran) = (vec![], false);
        for uid in changed {
            // A handler that changes its own bounds every time would run for ever: a device
            // stops it too.
            let runs = self.layout_runs.entry(uid).or_default();
            *runs += 1;
            if *runs > MAX_LAYOUT_RUNS {
                continue;
            }
            ran |= self.handle(uid, "onLayout", "Layout", &mut out, 0);
        }
        // Scrolls that waited for the layout are done now.
        self.scroll_wanted();
        if ran {
            self.restyle();
        }
        out
    }

    /// `context.Alexa.Presentation.APL` for requests while this screen shows: each component
    /// with an id, and where it is on the screen (`"WxH+X+Y:Z"` in pixels, as devices send it)
    /// once the view has laid it out.
    pub fn visual_context(&self) -> Value {
        let (w, h) = (self.vp.pixel_width, self.vp.pixel_height);
        let mut children = vec![];
        if let Some(r) = &self.root {
            let k = self.vp.dpi / 160.0;
            collect_ids(r, 1, &self.positions, k, &mut children);
        }
        json!({
            "token": self.token,
            "version": format!("linkscreen-{}", env!("CARGO_PKG_VERSION")),
            "componentsVisibleOnScreen": [{
                "uid": ":1000",
                "position": format!("{w:.0}x{h:.0}+0+0:0"),
                "type": "mixed",
                "tags": {"viewport": {}},
                "children": children,
            }],
        })
    }

    /// The value of a component's property (for `SendEvent`'s `components` and tests).
    pub fn value_of(&self, id: &str, prop: &str) -> Option<Value> {
        let n = self.root.as_ref()?.find(id)?;
        n.props.get(prop).cloned().or_else(|| {
            use expr::Scope;
            n.binding.as_ref().filter(|b| b.binds(prop))?;
            n.scope.var(prop)
        })
    }
}

/// The components with an id from `n` down, each with its position where it was laid out
/// (`z`: how deep it is).
fn collect_ids(
    n: &Node,
    z: usize,
    positions: &HashMap<usize, bounds::Rect>,
    k: f32,
    out: &mut Vec<Value>,
) {
    if let Some(id) = &n.id {
        let mut o = json!({"id": id, "uid": n.uid.to_string(), "type": n.type_name.to_lowercase()});
        if let Some([x, y, w, h]) = positions.get(&n.uid) {
            let px = |v: f32| (v * k).round() as i64;
            o["position"] = json!(format!("{}x{}+{}+{}:{z}", px(*w), px(*h), px(*x), px(*y)));
        }
        out.push(o);
    }
    for c in &n.children {
        collect_ids(c, z + 1, positions, k, out);
    }
}

/// The screen of a document that could not be read: a labelled box saying why.
fn unreadable(why: &str, vp: &Viewport) -> Node {
    let g = Rc::new(scope::Globals {
        resources: HashMap::new(),
        base: Rc::default(),
        viewport: vp.clone(),
        vars: HashMap::new(),
    });
    let mut props = serde_json::Map::new();
    props.insert("width".into(), json!("100%"));
    props.insert("height".into(), json!("100%"));
    Node {
        kind: Kind::Placeholder,
        type_name: format!("APL document not shown: {why}"),
        id: None,
        uid: 1,
        props,
        children: vec![],
        scope: Ctx::root(g),
        path: "$.document".into(),
        styling: None,
        binding: None,
    }
}
