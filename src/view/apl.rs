//! The skill's APL screen in Slint: a [`Snapshot`] of the document is laid out by `apl` with
//! text measured here — by a hidden Slint text with the screen's own fonts, so the boxes the
//! flexbox engine makes fit the glyphs Slint draws — and pushed to the `Apl` global as a flat
//! list of items.

use std::cell::RefCell;
use std::collections::HashMap;

use slint::{ComponentHandle, Model};

use super::ui::{Apl, AplItem, AppWindow};
use crate::apl::{ImageState, Images, Measure, Paint, Prim, Snapshot, TextStyle};

/// Measures with the hidden probe text of the window, in dp (`k` pixels per dp).
struct Probe<'a> {
    app: &'a AppWindow,
    k: f32,
}

type Key = (String, u32, i32, bool, Option<u32>);

thread_local! {
    /// Measurements by text, size, weight, style and width: a document is laid out again at
    /// every change of its screen, with mostly the same texts.
    static MEASURED: RefCell<HashMap<Key, (f32, f32)>> = RefCell::new(HashMap::new());
    /// The snapshot (serial) and scale the items on screen were made for.
    static SHOWN: RefCell<Option<(u64, u32)>> = const { RefCell::new(None) };
    /// Where the ink of each text on screen is (pixels), for `shoot`'s lint.
    static INK: RefCell<Vec<(String, [f32; 4])>> = const { RefCell::new(Vec::new()) };
    /// Boxes (pixels) that reach past the scrolling component or pager they are in: cut by
    /// it on purpose, they scroll into view.
    static SCROLLED: RefCell<Vec<[f32; 4]>> = const { RefCell::new(Vec::new()) };
    /// The screen as last laid out (dp), its scale and scroll offsets: drags and the focus
    /// find their scroller here.
    static LAID: RefCell<Option<Laid>> = const { RefCell::new(None) };
    /// A drag in progress: its scroller, where it started, and whether it runs across.
    static DRAG: RefCell<Option<(usize, f32, bool)>> = const { RefCell::new(None) };
    /// A swipe across a Pager: the pager, how far the finger went and the pager's width
    /// (pixels).
    static SWIPE: RefCell<Option<(usize, f32, f32)>> = const { RefCell::new(None) };
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
    let swiping = SWIPE.with(|w| {
        let mut w = w.borrow_mut();
        if let Some(sw) = w.as_mut() {
            sw.1 = dx;
        }
        w.is_some()
    });
    if swiping {
        return None;
    }
    LAID.with(|l| {
        let l = l.borrow();
        let l = l.as_ref()?;
        let (px, py) = (x / l.k, y / l.k);
        let start = DRAG.with(|d| *d.borrow()).or_else(|| {
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
                SWIPE.with(|w| *w.borrow_mut() = Some((s, 0.0, p.clip[2] * l.k)));
                return None;
            }
            let started = (
                s,
                l.scroll.get(&s).copied().unwrap_or(0.0),
                l.horizontal.contains(&s),
            );
            DRAG.with(|d| *d.borrow_mut() = Some(started));
            Some(started)
        })?;
        let (s, from, horizontal) = start;
        let moved = if horizontal { dx } else { dy } / l.k;
        Some((s, (from - moved).clamp(0.0, l.max_offset(s, horizontal))))
    })
}

/// Logical pixels per dp of the APL screen now showing.
pub fn scale_now() -> f32 {
    LAID.with(|l| l.borrow().as_ref().map(|l| l.k).unwrap_or(1.0))
}

/// The finger is lifted: a swipe across a pager over a fifth of its width turns its page
/// (the pager's uid, and +1 for the next page, -1 for the one before).
pub fn drag_end() -> Option<(usize, i32)> {
    DRAG.with(|d| *d.borrow_mut() = None);
    let (uid, dx, width) = SWIPE.with(|w| w.borrow_mut().take())?;
    (dx.abs() > width / 5.0).then_some((uid, if dx < 0.0 { 1 } else { -1 }))
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

/// The boxes of the APL screen now showing that their scroller cuts (x0, y0, x1, y1 in logical
/// pixels).
pub fn scrolled_boxes() -> Vec<[f32; 4]> {
    SCROLLED.with(|s| s.borrow().clone())
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
    MEASURED.with(|m| m.borrow_mut().clear());
    SHOWN.with(|c| *c.borrow_mut() = None);
}

/// The texts of the APL screen now showing and where their ink is (x0, y0, x1, y1 in logical
/// pixels): a one-line text's measured width placed by its alignment, a wrapped one its box.
pub fn text_ink() -> Vec<(String, [f32; 4])> {
    INK.with(|i| i.borrow().clone())
}

fn ink_of(probe: &mut Probe, prims: &[Prim], k: f32) -> Vec<(String, [f32; 4])> {
    let mut out = vec![];
    for p in prims {
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
            text.to_owned(),
            (s.size * k * 64.0) as u32,
            s.weight,
            s.italic,
            max_width.map(|w| (w * k * 64.0) as u32),
        );
        if let Some(v) = MEASURED.with(|m| m.borrow().get(&key).copied()) {
            return v;
        }
        let a = self.app.global::<Apl>();
        a.set_probe_text(text.into());
        a.set_probe_size(s.size * k);
        a.set_probe_weight(s.weight);
        a.set_probe_italic(s.italic);
        a.set_probe_wrap(false);
        let one_line = (
            self.app.get_apl_probe_width(),
            self.app.get_apl_probe_height(),
        );
        let (w, h) = match max_width {
            Some(max) if one_line.0 > max * k => {
                a.set_probe_wrap(true);
                a.set_probe_width(max * k);
                (max * k, self.app.get_apl_probe_height())
            }
            _ => one_line,
        };
        let v = (w / k, h / k);
        MEASURED.with(|m| {
            let mut m = m.borrow_mut();
            if m.len() > 20_000 {
                m.clear();
            }
            m.insert(key, v);
        });
        v
    }
}

thread_local! {
    /// Decoded images by source (and the bytes' length, so new bytes decode again).
    static DECODED: RefCell<HashMap<String, (usize, slint::Image)>> = RefCell::new(HashMap::new());
}

/// An image's bytes as a Slint image (decoded once per source).
fn decoded(source: &str, bytes: &[u8]) -> Option<slint::Image> {
    if let Some(img) = DECODED.with(|d| {
        d.borrow()
            .get(source)
            .filter(|(n, _)| *n == bytes.len())
            .map(|(_, i)| i.clone())
    }) {
        return Some(img);
    }
    let rgba = image::load_from_memory(bytes).ok()?.to_rgba8();
    let buf = slint::SharedPixelBuffer::<slint::Rgba8Pixel>::clone_from_slice(
        rgba.as_raw(),
        rgba.width(),
        rgba.height(),
    );
    let img = slint::Image::from_rgba8(buf);
    DECODED.with(|d| {
        let mut d = d.borrow_mut();
        if d.len() > 64 {
            d.clear();
        }
        d.insert(source.to_owned(), (bytes.len(), img.clone()));
    });
    Some(img)
}

thread_local! {
    /// Vector graphics by their SVG.
    static VECTORS: RefCell<HashMap<String, slint::Image>> = RefCell::new(HashMap::new());
}

/// A graphic's SVG as a Slint image (Slint's own SVG renderer; parsed once).
fn vector(svg: &str) -> Option<slint::Image> {
    if let Some(i) = VECTORS.with(|v| v.borrow().get(svg).cloned()) {
        return Some(i);
    }
    let img = slint::Image::load_from_svg_data(svg.as_bytes()).ok()?;
    VECTORS.with(|v| {
        let mut v = v.borrow_mut();
        if v.len() > 64 {
            v.clear();
        }
        v.insert(svg.to_owned(), img.clone());
    });
    Some(img)
}

fn colour(c: [u8; 4]) -> slint::Color {
    slint::Color::from_argb_u8(c[3], c[0], c[1], c[2])
}

/// One drawn thing as the screen's item, in pixels.
fn item(p: &Prim, k: f32, images: &Images) -> AplItem {
    let mut it = AplItem {
        kind: 0,
        x: p.x * k,
        y: p.y * k,
        width: p.w * k,
        height: p.h * k,
        cx: p.clip[0] * k,
        cy: p.clip[1] * k,
        cw: p.clip[2] * k,
        ch: p.clip[3] * k,
        opacity: p.opacity,
        touch: p.touch.map(|t| t as i32).unwrap_or(-1),
        ..Default::default()
    };
    match &p.paint {
        Paint::Box {
            background,
            border,
            border_width,
            radius,
        } => {
            it.background = colour(*background);
            it.border_color = colour(*border);
            it.border_width = border_width * k;
            it.radius = radius * k;
        }
        Paint::Text {
            text,
            color,
            style,
            align,
            valign,
            ..
        } => {
            it.kind = 1;
            it.text = text.as_str().into();
            it.color = colour(*color);
            it.font_size = style.size * k;
            it.font_weight = style.weight;
            it.italic = style.italic;
            it.halign = match *align {
                "center" => 1,
                "right" => 2,
                _ => 0,
            };
            it.valign = match *valign {
                "center" => 1,
                "bottom" => 2,
                _ => 0,
            };
        }
        Paint::Image {
            source,
            radius,
            scale,
            overlay,
        } => {
            it.radius = radius * k;
            let name = source.rsplit('/').next().unwrap_or(source);
            match images.get(source) {
                Some(ImageState::Loaded(bytes)) => match decoded(source, bytes) {
                    Some(img) => {
                        it.kind = 2;
                        it.image = img;
                        it.background = colour(*overlay);
                        it.fit = match scale.as_str() {
                            "best-fill" => 1,
                            "fill" => 2,
                            "none" => 3,
                            _ => 0,
                        };
                    }
                    None => {
                        it.kind = 3;
                        it.text = format!("{name}: not a PNG or JPEG").into();
                    }
                },
                // Where the image goes, what it is and why it is not there.
                Some(ImageState::Loading) => {
                    it.kind = 3;
                    it.text = format!("Loading {name}…").into();
                }
                Some(ImageState::Failed(why)) => {
                    it.kind = 3;
                    it.text = format!("{name}: {why}").into();
                }
                None => {
                    it.kind = 3;
                    it.text = format!("Image {name}").into();
                }
            }
        }
        Paint::Vector { svg, scale } => match vector(svg) {
            Some(img) => {
                it.kind = 2;
                it.image = img;
                it.fit = match scale.as_str() {
                    "best-fit" | "best-fit-down" => 0,
                    "best-fill" => 1,
                    _ => 2,
                };
            }
            None => {
                it.kind = 3;
                it.text = "VectorGraphic (not drawable SVG)".into();
            }
        },
        Paint::Placeholder { label } => {
            it.kind = 3;
            it.text = label.as_str().into();
        }
    }
    it
}

/// Shows `snap` (or nothing) on the APL screen, at `scale` logical pixels per device pixel.
pub fn apply(app: &AppWindow, scale: f32, snap: Option<&Snapshot>) {
    let a = app.global::<Apl>();
    let Some(s) = snap else {
        if a.get_items().row_count() > 0 {
            a.set_items(slint::ModelRc::default());
        }
        SHOWN.with(|c| *c.borrow_mut() = None);
        INK.with(|i| i.borrow_mut().clear());
        SCROLLED.with(|i| i.borrow_mut().clear());
        return;
    };
    let key = (s.serial, (scale * 1000.0) as u32);
    if SHOWN.with(|c| *c.borrow() == Some(key)) {
        return;
    }
    let k = scale * s.vp.dpi / 160.0;
    let mut probe = Probe { app, k };
    let (prims, _) = s.draw(&mut probe);
    let ink = ink_of(&mut probe, &prims, k);
    INK.with(|i| *i.borrow_mut() = ink);
    SCROLLED.with(|i| *i.borrow_mut() = scrolled_of(&prims, k));
    let light = s
        .root
        .as_ref()
        .and_then(|r| r.scope.globals().vars.get("viewport").cloned())
        .and_then(|v| v.get("theme").and_then(|t| t.as_str().map(str::to_owned)))
        .as_deref()
        == Some("light");
    a.set_background(if light {
        slint::Color::from_rgb_u8(0xfa, 0xfa, 0xfa)
    } else {
        slint::Color::from_rgb_u8(0, 0, 0)
    });
    let items: Vec<AplItem> = prims.iter().map(|p| item(p, k, &s.images)).collect();
    update_items(&a, items);
    let laid = Laid {
        prims,
        k,
        scroll: s.live.scroll.clone(),
        horizontal: of_kind(
            s,
            &[crate::apl::Kind::Sequence, crate::apl::Kind::GridSequence],
            true,
        ),
        pagers: of_kind(s, &[crate::apl::Kind::Pager], false),
    };
    // The focus moved out of its list's view: the list follows it (the device's answer
    // comes back as a new snapshot).
    if let Some(to) = s.live.focus.and_then(|f| focus_scroll(&laid, f)) {
        a.invoke_scroll(to.0 as i32, to.1 * k);
    }
    LAID.with(|l| *l.borrow_mut() = Some(laid));
    SHOWN.with(|c| *c.borrow_mut() = Some(key));
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
/// Puts the items on screen, changing only the rows that changed: a new model would make
/// Slint build every element of the screen again, a row set in place only redraws it.
fn update_items(a: &Apl, items: Vec<AplItem>) {
    let current = a.get_items();
    let Some(vec) = current.as_any().downcast_ref::<slint::VecModel<AplItem>>() else {
        a.set_items(slint::ModelRc::new(slint::VecModel::from(items)));
        return;
    };
    let old = vec.row_count();
    for (n, it) in items.iter().enumerate().take(old) {
        if vec.row_data(n).as_ref() != Some(it) {
            vec.set_row_data(n, it.clone());
        }
    }
    if items.len() < old {
        for n in (items.len()..old).rev() {
            vec.remove(n);
        }
    } else {
        for it in items.into_iter().skip(old) {
            vec.push(it);
        }
    }
}
