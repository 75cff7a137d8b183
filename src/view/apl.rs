//! The skill's APL screen in Slint: a [`Snapshot`] of the document is laid out by `apl` with
//! text measured here — by a hidden Slint text with the screen's own fonts, so the boxes the
//! flexbox engine makes fit the glyphs Slint draws — and pushed to the `Apl` global as a flat
//! list of items.

use std::cell::RefCell;
use std::collections::HashMap;

use slint::{ComponentHandle, Model};

use super::apl_items::{Pictures, groups, targets, update_groups, update_targets};
use super::ui::{Apl, AppWindow};
use crate::apl::bounds::Positions;
use crate::apl::{Kept, Measure, Paint, Prim, Snapshot, TextStyle};

/// Measures with the hidden probe text of the window, in dp (`k` pixels per dp), keeping what
/// it measured.
struct Probe<'a> {
    app: &'a AppWindow,
    k: f32,
    measured: &'a mut HashMap<String, Ways>,
}

/// How a text is measured: size and wrapping width (1/64 px), weight, italic, letter
/// spacing (1/64 px).
type Key = (u32, i32, bool, Option<u32>, i32);

/// A text's measurements: each way it was measured and its (width, height) in pixels.
type Ways = Vec<(Key, (f32, f32))>;

/// The APL screen's side of the view: what it measured and laid out, what it shows, the
/// finger's gesture, and where the components went. The UI thread has one (Slint's window and
/// its globals live there too), reached through [`with`].
#[derive(Default)]
pub struct AplAdapter {
    /// Measurements by text, then by size, weight, style and width: a document is laid out
    /// again at every change of its screen, with mostly the same texts (looked up by `&str`,
    /// so a hit allocates nothing).
    measured: HashMap<String, Ways>,
    /// The layout tree of the screen last laid out, and the scale (pixels per dp, ×1000) its
    /// texts were measured at: the next snapshot measures and lays out only what changed.
    kept: (u32, Kept),
    /// The snapshot (serial) and scale the items on screen were made for.
    shown: Option<(u64, u32)>,
    /// The screen as last laid out (dp), its scale and scroll offsets: drags and the focus
    /// find their scroller here, `shoot`'s lint its texts' ink and the boxes a scroller cuts.
    laid: Option<Laid>,
    /// A drag in progress: its scroller, where it started, and whether it runs across.
    drag: Option<(usize, f32, bool)>,
    /// A swipe across a Pager: the pager, how far the finger went and the pager's width
    /// (pixels).
    swipe: Option<(usize, f32, f32)>,
    /// Where the components with an id were laid out (uid, dp) since last taken: the device
    /// puts them in the visual context.
    positions: Option<Positions>,
    /// The images and vector graphics the rows show, made once.
    pictures: Pictures,
    /// The touch targets of the screen showing that hear a finger's every move.
    pointers: std::collections::HashSet<usize>,
}

thread_local! {
    static ADAPTER: RefCell<AplAdapter> = RefCell::new(AplAdapter::default());
}

/// The UI thread's adapter.
fn with<R>(f: impl FnOnce(&mut AplAdapter) -> R) -> R {
    ADAPTER.with(|a| f(&mut a.borrow_mut()))
}

/// Where the components with an id were laid out, once after each new layout of the screen.
pub fn take_positions() -> Option<Positions> {
    with(|a| a.positions.take())
}

struct Laid {
    prims: Vec<Prim>,
    k: f32,
    scroll: HashMap<usize, f32>,
    horizontal: Vec<usize>,
    pagers: Vec<usize>,
}

impl Laid {
    /// How far a scroller can scroll (dp): its content past its box, at the current offset.
    /// How much of a scroller shows (its height, or width across), dp.
    fn extent(&self, scroller: usize) -> f32 {
        let across = self.horizontal.contains(&scroller);
        self.prims
            .iter()
            .find(|p| p.scroller == Some(scroller))
            .map(|p| if across { p.clip[2] } else { p.clip[3] })
            .unwrap_or(0.0)
    }

    fn max_offset(&self, scroller: usize, horizontal: bool) -> f32 {
        let now = self.scroll.get(&scroller).copied().unwrap_or(0.0);
        let mine = self.prims.iter().filter(|p| p.scroller == Some(scroller));
        let (mut end, mut view_end) = (f32::MIN, f32::MIN);
        for p in mine {
            let (e, ve) = if horizontal {
                (p.x + p.w, p.clip[0] + p.clip[2])
            } else {
                (p.y + p.h, p.clip[1] + p.clip[3])
            };
            end = end.max(e);
            view_end = view_end.max(ve);
        }
        (end + now - view_end).max(0.0)
    }
}

/// A finger dragging from (x, y) by (dx, dy) logical pixels: the offset the scroller under it
/// moves to (its uid and dp), or None when nothing there scrolls.
pub fn drag(x: f32, y: f32, dx: f32, dy: f32) -> Option<(usize, f32)> {
    with(|a| a.drag(x, y, dx, dy))
}

/// Whether a touch target of the screen showing hears a finger's every move (APL's onDown,
/// onMove, onUp, gestures): the view sends it [`crate::apl::Pointer`] events, and its press
/// comes from the finger lifted inside it.
pub fn takes_pointer(uid: usize) -> bool {
    with(|a| a.pointers.contains(&uid))
}

/// The view's pointer callback (`Apl.pointer`: uid, 0 down, 1 move, 2 up, else taken away,
/// where as fractions of the target's box): for a target that hears a finger's every move,
/// what the finger did and where. None for any other target (its press is enough).
pub fn pointer(
    uid: i32,
    kind: i32,
    fx: f32,
    fy: f32,
) -> Option<(usize, crate::apl::Pointer, (f32, f32))> {
    use crate::apl::Pointer;
    let uid = usize::try_from(uid).ok().filter(|u| takes_pointer(*u))?;
    let phase = match kind {
        0 => Pointer::Down,
        1 => Pointer::Move,
        2 => Pointer::Up,
        _ => Pointer::Cancel,
    };
    Some((uid, phase, (fx, fy)))
}

/// Logical pixels per dp of the APL screen now showing.
pub fn scale_now() -> f32 {
    with(|a| a.laid.as_ref().map(|l| l.k).unwrap_or(1.0))
}

/// The finger is lifted: a swipe across a pager over a fifth of its width turns its page
/// (the pager's uid, and +1 for the next page, -1 for the one before).
pub fn drag_end() -> Option<(usize, i32)> {
    with(AplAdapter::drag_end)
}

impl AplAdapter {
    fn drag(&mut self, x: f32, y: f32, dx: f32, dy: f32) -> Option<(usize, f32)> {
        if let Some(sw) = self.swipe.as_mut() {
            sw.1 = dx;
            return None;
        }
        let l = self.laid.as_ref()?;
        let (px, py) = (x / l.k, y / l.k);
        let start = match self.drag {
            Some(d) => d,
            None => {
                let p = l.prims.iter().rev().find(|p| {
                    p.scroller.is_some()
                        && px >= p.clip[0]
                        && px <= p.clip[0] + p.clip[2]
                        && py >= p.clip[1]
                        && py <= p.clip[1] + p.clip[3]
                })?;
                let s = p.scroller?;
                if l.pagers.contains(&s) {
                    // A pager turns its page when the finger is lifted (see `drag_end`).
                    self.swipe = Some((s, 0.0, p.clip[2] * l.k));
                    return None;
                }
                let started = (
                    s,
                    l.scroll.get(&s).copied().unwrap_or(0.0),
                    l.horizontal.contains(&s),
                );
                self.drag = Some(started);
                started
            }
        };
        let (s, from, horizontal) = start;
        let moved = if horizontal { dx } else { dy } / l.k;
        Some((s, (from - moved).clamp(0.0, l.max_offset(s, horizontal))))
    }

    fn drag_end(&mut self) -> Option<(usize, i32)> {
        self.drag = None;
        let (uid, dx, width) = self.swipe.take()?;
        (dx.abs() > width / 5.0).then_some((uid, if dx < 0.0 { 1 } else { -1 }))
    }
}

/// Where the focused touch target's scroller must move to show it whole (uid, dp), if it is
/// cut by it.
fn focus_scroll(l: &Laid, focus: usize) -> Option<(usize, f32)> {
    let p = l.prims.iter().find(|p| p.touch == Some(focus))?;
    let s = p.scroller?;
    let horizontal = l.horizontal.contains(&s);
    let now = l.scroll.get(&s).copied().unwrap_or(0.0);
    let (lo, hi, vlo, vhi) = if horizontal {
        (p.x, p.x + p.w, p.clip[0], p.clip[0] + p.clip[2])
    } else {
        (p.y, p.y + p.h, p.clip[1], p.clip[1] + p.clip[3])
    };
    let to = if lo < vlo {
        now - (vlo - lo)
    } else if hi > vhi {
        now + (hi - vhi)
    } else {
        return None;
    };
    Some((s, to.clamp(0.0, l.max_offset(s, horizontal))))
}

/// How much of a scrolling component shows (dp): its `onScroll` position is the offset in
/// these.
pub fn extent(scroller: usize) -> f32 {
    with(|a| a.laid.as_ref().map_or(0.0, |l| l.extent(scroller)))
}

/// The boxes of the APL screen now showing that their scroller cuts (x0, y0, x1, y1 in logical
/// pixels).
pub fn scrolled_boxes() -> Vec<[f32; 4]> {
    with(|a| {
        a.laid
            .as_ref()
            .map(|l| scrolled_of(&l.prims, l.k))
            .unwrap_or_default()
    })
}

fn scrolled_of(prims: &[Prim], k: f32) -> Vec<[f32; 4]> {
    prims
        .iter()
        .filter(|p| {
            p.x < p.clip[0] - 0.5
                || p.y < p.clip[1] - 0.5
                || p.x + p.w > p.clip[0] + p.clip[2] + 0.5
                || p.y + p.h > p.clip[1] + p.clip[3] + 0.5
        })
        .map(|p| [p.x * k, p.y * k, (p.x + p.w) * k, (p.y + p.h) * k])
        .collect()
}

/// Forgets the texts measured so far (a benchmark's cold start).
pub fn forget_measurements() {
    with(|a| {
        a.measured.clear();
        a.kept = (0, Kept::default());
        a.shown = None;
    })
}

/// The texts of the APL screen now showing and where their ink is (x0, y0, x1, y1 in logical
/// pixels): a one-line text's measured width placed by its alignment, a wrapped one its box.
/// Worked out when asked (`shoot`'s lint), not on every frame.
pub fn text_ink(app: &AppWindow) -> Vec<(String, [f32; 4])> {
    with(|a| {
        let Some(l) = a.laid.as_ref() else {
            return vec![];
        };
        let measured = &mut a.measured;
        ink_of(
            &mut Probe {
                app,
                k: l.k,
                measured,
            },
            &l.prims,
            l.k,
        )
    })
}

fn ink_of(probe: &mut Probe, prims: &[Prim], k: f32) -> Vec<(String, [f32; 4])> {
    let mut out = vec![];
    // A turned text is a picture: its ink is not where its letters would be.
    for p in prims.iter().filter(|p| p.turn.is_none()) {
        let Paint::Text {
            text,
            style,
            align,
            valign,
            ..
        } = &p.paint
        else {
            continue;
        };
        // Texts in a scrolling component scroll into view: only the screen's fixed texts
        // count (their clip is the screen).
        if text.trim().is_empty() || p.clip[0] > 0.0 || p.clip[1] > 0.0 {
            continue;
        }
        let (w, h) = probe.text(text, style, None);
        let (w, h) = if w > p.w { (p.w, p.h) } else { (w, h.min(p.h)) };
        let x = match *align {
            "center" => p.x + (p.w - w) / 2.0,
            "right" => p.x + p.w - w,
            _ => p.x,
        };
        let y = match *valign {
            "center" => p.y + (p.h - h) / 2.0,
            "bottom" => p.y + p.h - h,
            _ => p.y,
        };
        // What shows is inside the clip.
        let x0 = x.max(p.clip[0]);
        let y0 = y.max(p.clip[1]);
        let x1 = (x + w).min(p.clip[0] + p.clip[2]);
        let y1 = (y + h).min(p.clip[1] + p.clip[3]);
        if x1 > x0 && y1 > y0 {
            out.push((text.clone(), [x0 * k, y0 * k, x1 * k, y1 * k]));
        }
    }
    out
}

impl Measure for Probe<'_> {
    fn text(&mut self, text: &str, s: &TextStyle, max_width: Option<f32>) -> (f32, f32) {
        let k = self.k;
        let key: Key = (
            (s.size * k * 64.0) as u32,
            s.weight,
            s.italic,
            max_width.map(|w| (w * k * 64.0) as u32),
            (s.letter_spacing * k * 64.0) as i32,
        );
        let one_line_key: Key = (key.0, key.1, key.2, None, key.4);
        let (known, one_line) = match self.measured.get(text) {
            None => (None, None),
            Some(ways) => {
                let of = |key: &Key| ways.iter().find(|(k, _)| k == key).map(|(_, v)| *v);
                let one_line = of(&one_line_key);
                // A text that fits on one line at this width is as wide as on one line.
                let fits = one_line.filter(|v| v.0 <= max_width.unwrap_or(0.0) * k);
                (of(&key).or(fits), one_line)
            }
        };
        // Kept in pixels, as the key: the same pixels measure the same on any screen.
        if let Some((w, h)) = known {
            return (w / k, h / k);
        }
        let a = self.app.global::<Apl>();
        a.set_probe_text(text.into());
        a.set_probe_size(s.size * k);
        a.set_probe_weight(s.weight);
        a.set_probe_italic(s.italic && super::italic::covers(text));
        a.set_probe_letter_spacing(s.letter_spacing * k);
        // Wrapped at a width: its one line, if measured already, says whether it wraps.
        let one_line = match one_line {
            Some(px) => px,
            None => {
                a.set_probe_wrap(false);
                (
                    self.app.get_apl_probe_width(),
                    self.app.get_apl_probe_height(),
                )
            }
        };
        let (w, h) = match max_width {
            Some(max) if one_line.0 > max * k => {
                a.set_probe_wrap(true);
                a.set_probe_width(max * k);
                (max * k, self.app.get_apl_probe_height())
            }
            _ => one_line,
        };
        if self.measured.len() > 20_000 {
            self.measured.clear();
        }
        let ways = self.measured.entry(text.to_owned()).or_default();
        ways.push((key, (w, h)));
        if key.3.is_some() && !ways.iter().any(|(k, _)| *k == one_line_key) {
            ways.push((one_line_key, one_line));
        }
        (w / k, h / k)
    }
}

/// Shows `snap` (or nothing) on the APL screen, at `scale` logical pixels per device pixel.
pub fn apply(app: &AppWindow, scale: f32, snap: Option<&Snapshot>) {
    with(|adapter| adapter.apply(app, scale, snap))
}

impl AplAdapter {
    fn apply(&mut self, app: &AppWindow, scale: f32, snap: Option<&Snapshot>) {
        let a = app.global::<Apl>();
        a.set_shown(snap.is_some());
        let Some(s) = snap else {
            if a.get_groups().row_count() > 0 {
                a.set_groups(slint::ModelRc::default());
                a.set_targets(slint::ModelRc::default());
            }
            self.shown = None;
            self.laid = None;
            return;
        };
        let key = (s.serial, (scale * 1000.0) as u32);
        if self.shown == Some(key) {
            return;
        }
        let k = scale * s.vp.dpi / 160.0;
        let at = (k * 1000.0) as u32;
        if self.kept.0 != at {
            self.kept = (at, Kept::default());
        }
        let measured = &mut self.measured;
        let prims = s
            .draw_kept(&mut Probe { app, k, measured }, &mut self.kept.1)
            .0;
        self.positions = Some(s.positions(&self.kept.1));
        self.pointers = s.pointer_targets();
        // Behind the document the screen is black, whatever its theme: a theme chooses
        // resources and paints nothing (as on a device). A document that paints all of it
        // with one opaque box (its cover) gives the screen that box's colour instead, and the
        // box is not drawn again.
        let screen = [0.0, 0.0, s.vp.width_dp(), s.vp.height_dp()];
        let cover = super::apl_cover::cover(&prims, screen, k, &s.images);
        a.set_background(match cover {
            Some(c) => super::apl_items::colour(c.colour),
            None => slint::Color::from_rgb_u8(0, 0, 0),
        });
        // What its clip hides entirely (the rows of a list past its end) is not drawn at all.
        update_groups(&a, groups(&prims, cover, k, &s.images, &mut self.pictures));
        update_targets(&a, targets(&prims, k, &self.pointers));
        let laid = Laid {
            prims,
            k,
            scroll: s.live.scroll.clone(),
            horizontal: of_kind(
                s,
                &[
                    crate::apl::Kind::Sequence,
                    crate::apl::Kind::GridSequence,
                    crate::apl::Kind::FlexSequence,
                ],
                true,
            ),
            pagers: of_kind(s, &[crate::apl::Kind::Pager], false),
        };
        // The focus moved out of its list's view: the list follows it (the device's answer
        // comes back as a new snapshot).
        if let Some(to) = s.live.focus.and_then(|f| focus_scroll(&laid, f)) {
            a.invoke_scroll(to.0 as i32, to.1 * k);
        }
        self.laid = Some(laid);
        self.shown = Some(key);
        keyboard(&a, s);
    }
}

/// The on-screen keyboard while an EditText has it: the field's text and hint above the keys,
/// in the device's language (Arabic devices start on Arabic letters and can switch).
fn keyboard(a: &Apl, s: &Snapshot) {
    let field = s.field();
    if field.is_some() != a.get_editing() {
        let arabic = crate::locale::writes_arabic(&s.vp.locale);
        a.set_kb_can_switch(arabic);
        a.set_kb_latin(!arabic);
        let t = |k: &str| crate::locale::tr(k, &s.vp.locale, &[]).into();
        a.set_kb_go(t("device.kb_go"));
        a.set_kb_space(t("device.kb_space"));
    }
    a.set_editing(field.is_some());
    let (value, hint) = field.unwrap_or_default();
    a.set_edit_value(value.into());
    a.set_edit_hint(hint.into());
}

/// The components of these kinds (only those scrolling across, with `across`).
fn of_kind(s: &Snapshot, kinds: &[crate::apl::Kind], across: bool) -> Vec<usize> {
    fn walk(n: &crate::apl::Node, kinds: &[crate::apl::Kind], across: bool, out: &mut Vec<usize>) {
        if kinds.contains(&n.kind) && (!across || n.str("scrollDirection") == Some("horizontal")) {
            out.push(n.uid);
        }
        for c in &n.children {
            walk(c, kinds, across, out);
        }
    }
    let mut out = vec![];
    if let Some(r) = &s.root {
        walk(r, kinds, across, &mut out);
    }
    out
}

/// The component tree of the APL screen last shown, with each component's bounds as it was
/// laid out for the window (`shoot --apl --layout`).
pub fn layout_tree(s: &Snapshot) -> Option<serde_json::Value> {
    with(|a| s.layout_tree(&a.kept.1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apl::Paint;

    fn prim(y: f32, scroller: usize) -> Prim {
        Prim {
            x: 0.0,
            y,
            w: 100.0,
            h: 50.0,
            clip: [0.0, 0.0, 100.0, 100.0],
            opacity: 1.0,
            paint: Paint::flat([0, 0, 0, 0]),
            touch: None,
            uid: 9,
            scroller: Some(scroller),
            turn: None,
        }
    }

    /// Each adapter keeps its own gesture: a drag in one list scrolls it within its content;
    /// a swipe across a pager in another turns the page when the finger is lifted.
    #[test]
    fn an_adapter_keeps_its_own_drag_and_swipe() {
        let laid = |pagers: Vec<usize>| Laid {
            prims: (0..4).map(|i| prim(i as f32 * 50.0, 1)).collect(),
            k: 2.0,
            scroll: HashMap::new(),
            horizontal: vec![],
            pagers,
        };
        let mut list = AplAdapter {
            laid: Some(laid(vec![])),
            ..Default::default()
        };
        let mut pager = AplAdapter {
            laid: Some(laid(vec![1])),
            ..Default::default()
        };
        // 200 dp of rows in a 100 dp box: up by 60 px is 30 dp; far past the end stops at 100.
        assert_eq!(list.drag(10.0, 10.0, 0.0, -60.0), Some((1, 30.0)));
        assert_eq!(pager.drag(10.0, 10.0, -150.0, 0.0), None, "a pager waits");
        assert_eq!(list.drag(10.0, 10.0, 0.0, -10_000.0), Some((1, 100.0)));
        assert_eq!(list.drag_end(), None);
        assert_eq!(pager.drag(10.0, 10.0, -150.0, 0.0), None);
        assert_eq!(
            pager.drag_end(),
            Some((1, 1)),
            "over a fifth of 200 px: the next page"
        );
    }
}
