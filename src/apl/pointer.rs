//! A finger on the screen, as APL's pointer events and gestures have it. A touchable component
//! with `onDown`, `onMove`, `onUp` or `onCancel` hears the finger's every move, its event
//! saying where the finger is in it (`event.component.x`/`y`, its `width`/`height`, dp) and
//! whether it is inside (`event.inBounds`); lifted inside, `onPress` runs after `onUp`.
//!
//! A `SwipeAway` gesture takes the finger once it has moved `SWIPE_SLOP` in the gesture's
//! direction (`onCancel` runs then, as the component loses the finger): the component's child
//! follows the finger, the gesture's `items` show as it goes (beside it, `slide`; under it,
//! `reveal`; over it, `cover`), each move runs `onSwipeMove` (`event.position` how far, 0 to
//! 1; `event.direction`). Lifted past half way the swipe is done: the items stay in the child's
//! place and `onSwipeDone` runs; short of it, all goes back as it was.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::inflate::Inflater;
use super::insert::uids;
use super::node::{Finger, Swipe, SwipeAction};
use super::problem::Outcome;
use super::props;
use super::rebind::max_uid;
use super::scope::eval_value;
use super::screen::{Screen, next_serial};

/// What a finger does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pointer {
    Down,
    Move,
    Up,
    /// Taken away (the system took the finger, the window lost it).
    Cancel,
}

/// How far (dp) a finger moves in a SwipeAway's direction before the swipe takes it.
const SWIPE_SLOP: f32 = 10.0;

/// A component's SwipeAway, its values evaluated.
struct SwipeAway {
    /// -1 to the left, 1 to the right.
    sign: f32,
    direction: &'static str,
    action: SwipeAction,
    items: Value,
}

impl Screen {
    /// A finger on the touchable component `uid`, at (`fx`, `fy`): where it is as a fraction
    /// of the component's width and height (outside it below 0 or past 1).
    pub fn pointer(&mut self, uid: usize, phase: Pointer, (fx, fy): (f32, f32)) -> Vec<Outcome> {
        let mut out = vec![];
        let uid = match self.finger {
            Some(f) if f.asked == uid && phase != Pointer::Down => f.uid,
            _ => uid,
        };
        let Some(n) = self.root.as_ref().and_then(|r| r.find_uid(uid)) else {
            return out;
        };
        if n.get(&props::DISABLED) {
            return out;
        }
        let [_, _, w, h] = self.positions.get(&uid).copied().unwrap_or([0.0; 4]);
        let (x, y) = (fx * w, fy * h);
        let inside = (0.0..=1.0).contains(&fx) && (0.0..=1.0).contains(&fy);
        let mut extra = Map::new();
        extra.insert(
            "component".into(),
            json!({"x": x, "y": y, "width": w, "height": h}),
        );
        extra.insert("inBounds".into(), json!(inside));
        self.event_extra = Some(extra);
        let finger = self.finger.filter(|f| f.uid == uid);
        match phase {
            Pointer::Down => {
                self.finger = Some(Finger {
                    uid,
                    asked: uid,
                    from: (x, y),
                    swiping: false,
                });
                self.handle(uid, "onDown", "Down", &mut out, 0);
            }
            Pointer::Move => match finger {
                Some(f) if f.swiping => self.swipe_to(uid, x - f.from.0, w, &mut out),
                Some(f) => match self.swipe_away(uid) {
                    Some(g)
                        if (x - f.from.0) * g.sign > SWIPE_SLOP
                            && (x - f.from.0).abs() > (y - f.from.1).abs() =>
                    {
                        // The gesture takes the finger: the component hears it go.
                        self.handle(uid, "onCancel", "Cancel", &mut out, 0);
                        self.swipe_start(uid, &g);
                        self.finger = Some(Finger { swiping: true, ..f });
                        self.swipe_to(uid, x - f.from.0, w, &mut out);
                    }
                    _ => {
                        self.handle(uid, "onMove", "Move", &mut out, 0);
                    }
                },
                None => {}
            },
            Pointer::Up | Pointer::Cancel => {
                self.finger = None;
                match finger {
                    Some(f) if f.swiping => {
                        // Where it is lifted is where the swipe ends.
                        if phase == Pointer::Up {
                            self.swipe_to(uid, x - f.from.0, w, &mut out);
                        }
                        let far = self.live.swipe.get(&uid).map_or(0.0, |s| s.offset.abs());
                        let done = phase == Pointer::Up && w > 0.0 && far > w / 2.0;
                        self.swipe_end(uid, done, &mut out);
                    }
                    Some(_) if phase == Pointer::Up => {
                        self.handle(uid, "onUp", "Up", &mut out, 0);
                        if inside {
                            self.event_extra = None;
                            out.extend(self.press(uid));
                        }
                    }
                    Some(_) => {
                        self.handle(uid, "onCancel", "Cancel", &mut out, 0);
                    }
                    None => {}
                }
            }
        }
        self.event_extra = None;
        self.restyle();
        out
    }

    /// The component's SwipeAway gesture as written (its `gestures` are one or a list).
    fn swipe_gesture(&self, uid: usize) -> Option<Value> {
        let is_swipe = |g: &&Value| g.get("type").and_then(Value::as_str) == Some("SwipeAway");
        match self.handlers.get(&(uid, "gestures"))? {
            Value::Array(a) => a.iter().find(is_swipe).cloned(),
            one => Some(one).filter(is_swipe).cloned(),
        }
    }

    /// The component's SwipeAway gesture, if it has one, its values evaluated in its scope.
    fn swipe_away(&mut self, uid: usize) -> Option<SwipeAway> {
        let g = self.swipe_gesture(uid)?;
        let n = self.root.as_ref()?.find_uid(uid)?;
        let (scope, path) = (n.scope.clone(), format!("{}.gestures", n.path));
        let mut value = |key: &str| {
            g.get(key)
                .map(|v| eval_value(v, &scope, &format!("{path}.{key}"), &mut self.problems))
        };
        let word = |v: Option<Value>| v.and_then(|v| v.as_str().map(str::to_owned));
        let rtl = self.vp.rtl;
        let (direction, sign) = match word(value("direction")).as_deref() {
            Some("left") => ("left", -1.0),
            Some("right") => ("right", 1.0),
            Some("forward") => ("forward", if rtl { -1.0 } else { 1.0 }),
            Some("backward") => ("backward", if rtl { 1.0 } else { -1.0 }),
            _ => return None,
        };
        let action = match word(value("action")).as_deref() {
            Some("reveal") => SwipeAction::Reveal,
            Some("cover") => SwipeAction::Cover,
            _ => SwipeAction::Slide,
        };
        // The items as written: inflated in the component's scope when the swipe starts.
        let items = g
            .get("items")
            .or_else(|| g.get("item"))
            .cloned()
            .unwrap_or(Value::Null);
        Some(SwipeAway {
            sign,
            direction,
            action,
            items,
        })
    }

    /// The swipe takes the finger: the gesture's items are made, in the component's box (under
    /// its child for `reveal`, after it otherwise).
    fn swipe_start(&mut self, uid: usize, g: &SwipeAway) {
        let (Some(doc), Some(root)) = (self.doc.clone(), self.root.as_mut()) else {
            return;
        };
        let next = max_uid(root) + 1;
        let Some(n) = root.find_uid_mut(uid) else {
            return;
        };
        let def = match &g.items {
            Value::Array(a) => a.first().cloned(),
            Value::Null => None,
            one => Some(one.clone()),
        };
        // No items: an empty box follows the child (the swipe still runs).
        let mut def = def.unwrap_or_else(|| json!({"type": "Frame"}));
        if let Some(o) = def.as_object_mut() {
            for (k, v) in [
                ("position", json!("absolute")),
                ("left", json!(0)),
                ("top", json!(0)),
                ("width", json!("100%")),
                ("height", json!("100%")),
            ] {
                o.insert(k.into(), v);
            }
        }
        let mut inf = Inflater::new(&doc);
        inf.next_uid = next;
        let path = format!("{}.gestures.items", n.path);
        let Some(made) = inf.component(&def, &n.scope, &path) else {
            self.problems.append(&mut inf.problems);
            return;
        };
        let item = made.uid;
        let mut made = made;
        made.props
            .insert(props::SWIPE_ITEMS.name.into(), Value::Bool(true));
        if g.action == SwipeAction::Reveal {
            n.children.insert(0, made);
        } else {
            n.children.push(made);
        }
        self.problems.append(&mut inf.problems);
        self.handlers.extend(inf.handlers);
        self.live.swipe.insert(
            uid,
            Swipe {
                offset: 0.0,
                item,
                action: g.action,
                sign: g.sign,
                direction: g.direction,
            },
        );
        self.serial = next_serial();
    }

    /// The child follows the finger, `dx` from where it went down (only in the swipe's
    /// direction, at most the component's width); onSwipeMove hears how far.
    fn swipe_to(&mut self, uid: usize, dx: f32, w: f32, out: &mut Vec<Outcome>) {
        let Some(s) = self.live.swipe.get_mut(&uid) else {
            return;
        };
        let offset = (dx * s.sign).clamp(0.0, w.max(0.0)) * s.sign;
        if s.offset == offset {
            return;
        }
        s.offset = offset;
        let direction = s.direction;
        self.serial = next_serial();
        let position = if w > 0.0 {
            f64::from(offset.abs()) / f64::from(w)
        } else {
            0.0
        };
        self.gesture_handler(uid, "onSwipeMove", position, direction, out);
    }

    /// The finger is lifted (or taken away): past half way the items stay and onSwipeDone
    /// runs; else the items go and the child comes back.
    fn swipe_end(&mut self, uid: usize, done: bool, out: &mut Vec<Outcome>) {
        let Some(s) = self.live.swipe.remove(&uid) else {
            return;
        };
        self.serial = next_serial();
        let Some(n) = self.root.as_mut().and_then(|r| r.find_uid_mut(uid)) else {
            return;
        };
        if done {
            // The child keeps its place (the items lie over it), drawn no more.
            for c in n.children.iter_mut().filter(|c| c.uid != s.item) {
                c.set_own("display", json!("invisible"));
            }
            self.gesture_handler(uid, "onSwipeDone", 1.0, s.direction, out);
            return;
        }
        let Some(i) = n.children.iter().position(|c| c.uid == s.item) else {
            return;
        };
        let gone = n.children.remove(i);
        let mut set = HashSet::new();
        uids(&gone, &mut set);
        self.handlers.retain(|(u, _), _| !set.contains(u));
    }

    /// A SwipeAway's own handler (`onSwipeMove`, `onSwipeDone`), its event saying how far
    /// (`position`) and which way (`direction`).
    fn gesture_handler(
        &mut self,
        uid: usize,
        on: &str,
        position: f64,
        direction: &str,
        out: &mut Vec<Outcome>,
    ) {
        let Some(cmds) = self.swipe_gesture(uid).and_then(|g| g.get(on).cloned()) else {
            return;
        };
        let Some(n) = self.root.as_ref().and_then(|r| r.find_uid(uid)) else {
            return;
        };
        let (scope, path) = (n.scope.clone(), format!("{}.gestures.{on}", n.path));
        let was = self.event_extra.take();
        let mut extra = was.clone().unwrap_or_default();
        extra.insert("position".into(), json!(position));
        extra.insert("direction".into(), json!(direction));
        self.event_extra = Some(extra);
        let name = if on == "onSwipeDone" {
            "SwipeDone"
        } else {
            "SwipeMove"
        };
        self.run(&cmds, &scope, Some((uid, name)), &path, out, 0);
        self.event_extra = was;
    }
}
